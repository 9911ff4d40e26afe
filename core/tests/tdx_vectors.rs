//! Runs the shared TDX conformance cases (`tests/vectors/tdx/cases.json`, written by
//! `tests/vectors/gen/gen_tdx_vectors.py` from the spec and dcap-qvl's observed behaviour) and
//! the single-byte sweep over the signed region of the real v4 quote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ccverify::Options as _;
use std::path::{Path, PathBuf};

use ccverify::CheckStatus;
use ccverify::tdx::{ExpectedReportData, TdxPolicy, verify_tdx};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tdx")
}

fn expected(case: &Value) -> ExpectedReportData {
    match &case["expected_report_data"] {
        Value::Null => ExpectedReportData::Unspecified,
        v => match (v.get("nonce"), v.get("report_data")) {
            (Some(n), _) => ExpectedReportData::from_nonce_hex(n.as_str().unwrap()).unwrap(),
            (_, Some(r)) => ExpectedReportData::from_report_data_hex(r.as_str().unwrap()).unwrap(),
            _ => panic!("bad expected_report_data"),
        },
    }
}

/// A case's trust option: `trust` (a name), `trust_file` (relative to tests/vectors/tdx), or
/// the production roots.
fn trust(case: &Value) -> ccverify::trust::Trust {
    match (case.get("trust"), case.get("trust_file")) {
        (Some(t), _) => t.as_str().unwrap().parse().unwrap(),
        (None, Some(f)) => dir()
            .join(f.as_str().unwrap())
            .to_str()
            .unwrap()
            .parse()
            .unwrap(),
        (None, None) => ccverify::trust::Trust::Production,
    }
}

fn cases() -> Vec<Value> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("cases.json")).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// Runs one shared case, checks its expectations and returns the verdict's JSON.
fn run_case(case: &Value) -> String {
    let name = case["name"].as_str().unwrap();
    let collateral = std::fs::read(dir().join(case["collateral"].as_str().unwrap())).unwrap();
    let policy = TdxPolicy::from_json(&case["policy"].to_string()).unwrap();
    let now = ccverify::time::parse_time(case["at"].as_str().unwrap()).unwrap();
    let v = ccverify::tdx::verify_tdx_under(
        case["quote"].as_str().unwrap().as_bytes(),
        &collateral,
        &expected(case),
        &policy,
        &trust(case),
        now,
    );
    assert_eq!(
        v.verified,
        case["expect"]["verified"].as_bool().unwrap(),
        "{name}: {}",
        v.to_json()
    );
    for want in case["expect"]["checks"].as_array().unwrap() {
        let id = want["id"].as_str().unwrap();
        let got = v.check(id).unwrap_or_else(|| panic!("{name}: no {id}"));
        assert_eq!(
            got.status.as_str(),
            want["status"].as_str().unwrap(),
            "{name}: {id}: {}",
            got.detail
        );
    }
    v.to_json()
}

/// The tests that empty the process-wide signature memo run one at a time.
/// dcap-qvl's real v4 sample: the quote, its collateral JSON and its REPORTDATA.
fn v4_sample() -> (Vec<u8>, Vec<u8>, ExpectedReportData) {
    (
        std::fs::read(dir().join("dcap-qvl/tdx_quote")).unwrap(),
        std::fs::read(dir().join("dcap-qvl/tdx_quote_collateral.json")).unwrap(),
        ExpectedReportData::from_report_data_hex("9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20").unwrap(),
    )
}

/// Every test here verifies quotes, which fills the process-wide signature memo; they take
/// this lock so the tests that count or clear the memo see only their own work.
static MEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn shared_tdx_cases() {
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let cases = cases();
    assert!(cases.len() >= 20);
    for case in &cases {
        run_case(case);
    }
}

/// The memo of verified signatures changes no verdict: every case gives the same verdict cold
/// (nothing remembered) and warm (after every case, valid collateral included, has run).
#[test]
fn remembered_signatures_change_no_verdict() {
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let cases = cases();
    let cold: Vec<String> = cases
        .iter()
        .map(|case| {
            ccverify::clear_caches();
            run_case(case)
        })
        .collect();
    for case in &cases {
        run_case(case);
    }
    assert!(ccverify::tdx::dcap::cached_signatures() > 0);
    for (case, cold) in cases.iter().zip(&cold) {
        assert_eq!(&run_case(case), cold, "{}", case["name"]);
    }
}

/// Collateral whose signatures are remembered is still judged at each call's time: once its
/// window has closed (PCK CRL expired, TCB Info past nextUpdate) or before it opens, it fails.
#[test]
fn remembered_collateral_whose_window_has_closed_fails() {
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let (quote, collateral, rd) = v4_sample();
    let policy = TdxPolicy::default();
    let verify = |at: i64| verify_tdx(&quote, &collateral, &rd, &policy, at);
    // 2025-07-19T10:00:35Z: the PCK CRL's nextUpdate; 1752920164: past TCB Info's nextUpdate;
    // 2025-06-15: before the collateral was issued.
    let late = [1_752_919_236, 1_752_920_164, 1_749_945_600];
    ccverify::clear_caches();
    let cold: Vec<String> = late
        .iter()
        .map(|&at| {
            ccverify::clear_caches();
            verify(at).to_json()
        })
        .collect();
    let warm = verify(1_750_400_000);
    assert!(warm.verified, "{}", warm.to_json());
    assert!(ccverify::tdx::dcap::cached_signatures() >= 7);
    for (&at, cold) in late.iter().zip(&cold) {
        let v = verify(at);
        assert!(!v.verified, "at {at}: {}", v.to_json());
        assert_eq!(
            v.check("tdx.collateral").map(|c| c.status),
            Some(CheckStatus::Fail),
            "at {at}: {}",
            v.to_json()
        );
        assert_eq!(&v.to_json(), cold, "at {at}");
    }
}

#[test]
fn every_single_byte_change_of_the_signed_region_fails() {
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let quote = std::fs::read(dir().join("dcap-qvl/tdx_quote")).unwrap();
    let collateral = std::fs::read(dir().join("dcap-qvl/tdx_quote_collateral.json")).unwrap();
    let mut rd = [0u8; 64];
    rd.copy_from_slice(&quote[568..632]);
    let expected = ExpectedReportData::Exact(rd);
    let policy = TdxPolicy::default();
    let ok = verify_tdx(&quote, &collateral, &expected, &policy, 1_750_400_000);
    assert!(ok.verified, "{}", ok.to_json());
    // Header and TD report: bytes 0..632 are signed by the attestation key.
    for offset in 0..632 {
        let mut m = quote.clone();
        m[offset] ^= 0x10;
        let v = verify_tdx(&m, &collateral, &expected, &policy, 1_750_400_000);
        assert!(!v.verified, "offset {offset} went undetected");
        let broken = v.checks.iter().any(|c| {
            (c.id == "tdx.quote_parse" || c.id == "tdx.quote_signature")
                && c.status == CheckStatus::Fail
        });
        assert!(broken, "offset {offset}: {}", v.to_json());
    }
}

#[test]
fn binary_and_hex_inputs_agree() {
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let quote = std::fs::read(dir().join("dcap-qvl/tdx_quote")).unwrap();
    let collateral = std::fs::read(dir().join("dcap-qvl/tdx_quote_collateral.json")).unwrap();
    let p = TdxPolicy::default();
    let e = ExpectedReportData::Unspecified;
    let a = verify_tdx(&quote, &collateral, &e, &p, 1_750_400_000);
    let b = verify_tdx(
        hex::encode(&quote).as_bytes(),
        &collateral,
        &e,
        &p,
        1_750_400_000,
    );
    assert_eq!(a, b);
}

/// A cold call verifies the quote's and the collateral's signatures on a second core while
/// dcap-qvl works through them from the other end; those are exactly the triples dcap-qvl asks
/// for (the memo ends with the nine signatures of a quote with collateral, not more), and the
/// verdict is the same as a call whose memo was warm.
#[test]
fn signatures_verified_ahead_are_the_ones_dcap_qvl_checks() {
    use ccverify::tdx::dcap::{cached_signatures, prefetch_signatures};
    let _one = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let (quote, collateral, rd) = v4_sample();
    let policy = TdxPolicy::default();
    let at = 1_750_400_000;
    ccverify::clear_caches();
    assert_eq!(prefetch_signatures(&quote, b"no collateral"), 4);
    assert_eq!(cached_signatures(), 4);
    // dcap-qvl adds only the five collateral signatures: it found the quote's four remembered.
    let ahead = verify_tdx(&quote, &collateral, &rd, &policy, at);
    assert!(ahead.verified, "{}", ahead.to_json());
    assert_eq!(cached_signatures(), 9);
    // With the collateral: all nine, and dcap-qvl then adds none.
    ccverify::clear_caches();
    assert_eq!(prefetch_signatures(&quote, &collateral), 9);
    let all_ahead = verify_tdx(&quote, &collateral, &rd, &policy, at);
    assert_eq!(cached_signatures(), 9);
    assert_eq!(prefetch_signatures(b"not a quote", &collateral), 0);
    // verify_tdx's own cold path (which prefetches on a second core) ends the same way.
    ccverify::clear_caches();
    let cold = verify_tdx(&quote, &collateral, &rd, &policy, at);
    assert_eq!(cached_signatures(), 9);
    let warm = verify_tdx(&quote, &collateral, &rd, &policy, at);
    for v in [&all_ahead, &cold, &warm] {
        assert_eq!(v.to_json(), ahead.to_json());
    }
}

/// The shared cases check statuses; here, that the details say what failed.
#[test]
fn failure_details_say_what_failed() {
    let _memo = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let detail = |name: &str, id: &str| -> String {
        let case = cases()
            .into_iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        let v: Value = serde_json::from_str(&run_case(&case)).unwrap();
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{name}: no {id}"))["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (name, id, wants) in [
        (
            "tp_no_tcb_level",
            "tdx.tcb_status",
            &[
                "FMSPC b0c06f000000",
                "the closest is level 1 of 2",
                "TDX component 2 2 (has 1)",
            ][..],
        ),
        (
            "outdated_sample",
            "tdx.tcb_status",
            &[
                "no TCB level of the collateral's TCB Info matches",
                "FMSPC",
                "closest",
            ][..],
        ),
        (
            "chain_root_signature_byte",
            "tdx.quote_signature",
            &["not byte-identical to Intel's SGX Root CA"][..],
        ),
        (
            "chain_root_pem_footer",
            "tdx.quote_signature",
            &["PCK certificate chain is malformed"][..],
        ),
        (
            "chain_without_root",
            "tdx.quote_signature",
            &["has 2 certificate(s)"][..],
        ),
        (
            "chain_extra_certificate",
            "tdx.quote_signature",
            &["has 4 certificate(s)"][..],
        ),
        (
            "chain_wrong_order",
            "tdx.quote_signature",
            &["not a CA certificate"][..],
        ),
        (
            "cert_data_type",
            "tdx.quote_signature",
            &["type 7 is not 6"][..],
        ),
        (
            "label_pck_leaf_signature",
            "tdx.quote_signature",
            &["the quote's PCK chain does not verify"][..],
        ),
        (
            "label_pck_ca_signature",
            "tdx.quote_signature",
            &["the quote's PCK chain does not verify"][..],
        ),
        (
            "label_qe_report_signature",
            "tdx.quote_signature",
            &["qe_report"][..],
        ),
        (
            "label_qe_auth_data",
            "tdx.quote_signature",
            &["QE report hash mismatch"][..],
        ),
        (
            "label_tcb_info_signature",
            "tdx.collateral",
            &["tcb_info"][..],
        ),
        (
            "label_qe_identity_signature",
            "tdx.collateral",
            &["qe_identity"][..],
        ),
        (
            "label_root_crl_swapped",
            "tdx.collateral",
            &["root CA CRL"][..],
        ),
        (
            "tp_qe_vendor_other",
            "tdx.quote_signature",
            &["is not the policy's qe_vendor_id"][..],
        ),
        (
            "tp_fmspc_other",
            "tdx.tcb_status",
            &["FMSPC b0c06f000000 is not in the policy's allowlist"][..],
        ),
        (
            "tp_min_tee_tcb_svn_above",
            "tdx.tcb_status",
            &["byte 2: 3 < 4"][..],
        ),
        (
            "tp_mrsignerseam_other",
            "tdx.td_attributes",
            &["MRSIGNERSEAM"][..],
        ),
        (
            "tp_sept_not_required",
            "tdx.td_attributes",
            &["require_sept_ve_disable = false"][..],
        ),
        (
            "tp_anchor_file",
            "trust.anchors",
            &["CALLER'S TRUST ANCHORS", "anchors-intel.pem"][..],
        ),
        (
            "tp_anchor_file_without_intel",
            "tdx.quote_signature",
            &["has no Intel (P-256) root"][..],
        ),
        (
            "tp_production_roots",
            "tdx.quote_signature",
            &["not byte-identical to Intel's SGX Root CA"][..],
        ),
    ] {
        let d = detail(name, id);
        for w in wants {
            assert!(d.contains(w), "{name}: {id}: {w:?} not in {d:?}");
        }
    }
}
