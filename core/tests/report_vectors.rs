//! The shared whole-attestation and bundle vectors (tests/vectors/report/cases.json), plus
//! robustness: no byte of a report makes verification panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ccverify::Options as _;
use std::path::PathBuf;

use ccverify::bundle::{Bundle, BundleOptions, BundlePolicy, BundleTime, verify_bundle};
use ccverify::report::{ReportOptions, verify_report};
use ccverify::{CheckStatus, Verdict};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/report")
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(dir().join("cases.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn run(case: &Value) -> Result<Verdict, ccverify::Error> {
    let mut options = case["options"].as_object().unwrap().clone();
    match case["kind"].as_str().unwrap() {
        "report" => {
            if let Some(d) = case["rim_dir"].as_str() {
                options.insert("rim_dir".into(), dir().join(d).to_string_lossy().into());
            }
            if let Some(f) = case["collateral_file"].as_str() {
                let text = std::fs::read_to_string(dir().join(f)).unwrap();
                options.insert("collateral".into(), text.into());
            }
            let o = ReportOptions::from_json(&Value::Object(options).to_string())?;
            verify_report(case["report"].as_str().unwrap().as_bytes(), &o)
        }
        "bundle" => {
            let bytes = std::fs::read(dir().join(case["bundle_file"].as_str().unwrap())).unwrap();
            let o = BundleOptions::from_json(&Value::Object(options).to_string())?;
            verify_bundle(&bytes, &o)
        }
        other => panic!("unknown kind {other}"),
    }
}

fn check_case(case: &Value, got: Result<Verdict, ccverify::Error>) {
    let name = case["name"].as_str().unwrap();
    let expect = &case["expect"];
    match (expect["error"].as_str(), got) {
        (Some(code), Err(e)) => assert_eq!(e.kind().as_str(), code, "{name}: {e}"),
        (Some(code), Ok(v)) => panic!("{name}: expected error {code}, got {}", v.to_json()),
        (None, Err(e)) => panic!("{name}: unexpected error {e}"),
        (None, Ok(v)) => {
            assert_eq!(
                Value::Bool(v.verified),
                expect["verified"],
                "{name}: {}",
                v.to_json()
            );
            for row in expect["checks"].as_array().unwrap() {
                let id = row["id"].as_str().unwrap();
                let subject = row["subject"].as_str();
                let found = v
                    .checks
                    .iter()
                    .find(|c| c.id == id && c.subject.as_deref() == subject)
                    .unwrap_or_else(|| panic!("{name}: no row {id} {subject:?}: {}", v.to_json()));
                assert_eq!(
                    found.status.as_str(),
                    row["status"].as_str().unwrap(),
                    "{name}: {id} {subject:?}: {}",
                    found.detail
                );
            }
            for (fact, want) in expect["facts"].as_object().unwrap() {
                assert_eq!(
                    v.facts.get(fact).map(String::as_str),
                    want.as_str(),
                    "{name}: fact {fact}"
                );
            }
            // Every verdict carries the plain-language summary.
            assert!(
                v.facts.get("summary").is_some_and(|s| !s.is_empty()),
                "{name}"
            );
        }
    }
}

#[test]
fn shared_report_and_bundle_vectors() {
    let all = cases();
    assert!(all.len() >= 28, "{} cases", all.len());
    for case in &all {
        check_case(case, run(case));
    }
}

#[test]
fn summary_says_what_is_not_proven() {
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "real_evidence_report_nonce")
        .unwrap();
    let v = run(&case).unwrap();
    let s = &v.facts["summary"];
    assert!(s.starts_with("NOT VERIFIED: "), "{s}");
    assert!(s.contains("tdx.report_data"), "{s}");
    assert!(
        s.contains("the GPU reports are signed by genuine NVIDIA devices"),
        "{s}"
    );
    assert!(s.contains("io.net does not bind it"), "{s}");
    assert_eq!(
        v.signer.map(|a| a.to_checksum()).as_deref(),
        Some("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
    );
    // The JSON form carries the whole table.
    let json: Value = serde_json::from_str(&v.to_json()).unwrap();
    assert!(json["checks"].as_array().unwrap().len() > 20);
}

#[test]
fn no_check_is_left_out_when_evidence_is_missing() {
    // An empty object: every section reports, nothing passes silently.
    let o = ReportOptions::from_json(r#"{"nonce":"01"}"#).unwrap();
    let v = verify_report(b"{}", &o).unwrap();
    assert!(!v.verified);
    for id in [
        "report.nonce",
        "gpu.evidence_format",
        "tdx.quote_parse",
        "report.signing_address",
    ] {
        assert_eq!(v.check(id).unwrap().status, CheckStatus::Fail, "{id}");
    }
    assert!(v.check("report.key_binding").is_some());
}

#[test]
fn truncated_and_flipped_reports_never_panic() {
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "real_evidence_report_nonce")
        .unwrap();
    let report = case["report"].as_str().unwrap().as_bytes().to_vec();
    let o = ReportOptions::from_json(r#"{"nonce":"931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb","at":"2025-06-20T06:13:20Z"}"#).unwrap();
    let step = (report.len() / 97).max(1);
    for cut in (0..report.len()).step_by(step) {
        let v = verify_report(&report[..cut], &o).unwrap();
        assert!(!v.verified);
        let mut flipped = report.clone();
        flipped[cut] ^= 0x01;
        let v = verify_report(&flipped, &o).unwrap();
        assert!(!v.verified);
    }
}

#[test]
fn bundle_round_trips_through_its_file_format() {
    let bytes = std::fs::read(dir().join("bundle-real.json")).unwrap();
    let b = ccverify::bundle::Bundle::parse(&bytes).unwrap();
    let again = ccverify::bundle::Bundle::parse(b.to_json().as_bytes()).unwrap();
    assert_eq!(again, b);
    let at = BundleOptions {
        at: BundleTime::At(ccverify::time::Time::from_unix(1_750_400_000)),
        ..BundleOptions::default()
    };
    let v1 = b.verify(&at).unwrap();
    let v2 = again.verify(&at).unwrap();
    assert_eq!(v1, v2);
    for bad in [
        &b"{}"[..],
        b"[]",
        b"{\"format\":\"ccverify-bundle/0\"}",
        b"not json",
    ] {
        assert!(ccverify::bundle::Bundle::parse(bad).is_err());
    }
}

#[test]
fn the_example_policy_parses() {
    let text = std::fs::read_to_string(dir().join("../../../examples/policy/io-net.toml")).unwrap();
    let p = ccverify::policy::Policy::from_toml(&text).unwrap();
    assert_eq!(p.gpu.expected_count, Some(8));
    assert!(!p.require_key_binding);
}

/// A bundle is untrusted input: without options it is verified at the time given as "now" under
/// the default preset, whatever it records; its own policy and time apply only when asked for.
#[test]
fn a_bundle_never_chooses_its_own_policy_or_time() {
    let b =
        Bundle::parse(&std::fs::read(dir().join("bundle-self-relaxing.json")).unwrap()).unwrap();
    let row = |v: &Verdict, id: &str| v.check(id).unwrap().status;
    // "Now" long after the recorded time: the collateral has expired, whatever the bundle says.
    let now = 1_900_000_000;
    let v = b.verify_at(now, &BundleOptions::default()).unwrap();
    assert_eq!(row(&v, "bundle.inputs"), CheckStatus::Pass);
    assert_eq!(row(&v, "tdx.collateral"), CheckStatus::Fail);
    assert_eq!(row(&v, "gpu.driver_rim"), CheckStatus::Skip);
    assert_eq!(v.facts["bundle.time_source"], "clock");
    assert_eq!(v.facts["policy.source"], "caller");
    assert_eq!(v.facts["policy.name"], "default");
    assert_eq!(
        v.facts["policy.sha256"],
        ccverify::policy::Policy::default().digest()
    );
    // Asked for: the recorded time and policy apply, with a warning naming them.
    let recorded = BundleOptions {
        at: BundleTime::Recorded,
        policy: BundlePolicy::Recorded,
    };
    let v = b.verify_at(now, &recorded).unwrap();
    let inputs = v.check("bundle.inputs").unwrap();
    assert_eq!(inputs.status, CheckStatus::Warn);
    assert!(
        inputs
            .detail
            .contains("its own policy `offline (customised)`"),
        "{}",
        inputs.detail
    );
    assert!(
        inputs.detail.contains("its own time 2025-06-20T06:13:20Z"),
        "{}",
        inputs.detail
    );
    assert_eq!(row(&v, "tdx.collateral"), CheckStatus::Pass);
    assert_eq!(row(&v, "gpu.driver_rim"), CheckStatus::Warn);
    assert_eq!(v.facts["policy.source"], "bundle");
    assert_eq!(v.facts["bundle.time_source"], "bundle");
    // The text forms.
    assert_eq!(
        BundleOptions::from_json(r#"{"at":"recorded","policy":"recorded"}"#).unwrap(),
        recorded
    );
    assert_eq!(
        BundleOptions::from_json("").unwrap(),
        BundleOptions::default()
    );
    assert!(BundleOptions::from_json(r#"{"at":"yesterday"}"#).is_err());
}

/// A bundle's recorded `trust` is never resolved: not a file it names (a pipe or a device would
/// block or exhaust memory; a missing file would make the bundle unreadable), nor the test roots.
#[test]
fn a_bundles_recorded_trust_is_never_read() {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("bundle-real.json")).unwrap()).unwrap();
    for trust in ["/dev/zero", "/nonexistent/roots.pem", "test"] {
        doc["policy"]["trust"] = serde_json::Value::String(trust.into());
        let b = Bundle::parse(doc.to_string().as_bytes()).unwrap();
        let recorded = BundleOptions {
            at: BundleTime::Recorded,
            policy: BundlePolicy::Recorded,
        };
        let v = b.verify_at(0, &recorded).unwrap();
        assert!(v.check("trust.anchors").is_none(), "{trust}");
    }
}
