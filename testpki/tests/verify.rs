//! The test PKI's evidence verifies end to end under `trust = "test"` — and only then.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ccverify::gpu::ocsp::{OcspFetched, OcspSource, build_request};
use ccverify::gpu::source::MemoryRimSource;
use ccverify::nonce::Nonce;
use ccverify::policy::Policy;
use ccverify::report::ReportVerifier;
use ccverify::trust::Trust;
use ccverify::verdict::{CheckStatus, Verdict};
use ccverify::x509::Certificate;
use ccverify_testpki::{TdChanges, pki, report_data_bound, report_data_unbound};

const NOW: i64 = 1_790_000_000; // 2026-09-21
const ADDRESS: &str = "0x9f8F72aA9304c8B593d555F12eF6589cC3A579A2";
const IMAGE: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

struct Responder;

impl OcspSource for Responder {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        let nonce = [9u8; 32];
        let req = build_request(cert, issuer, Some(&nonce));
        Some(OcspFetched {
            der: ccverify_testpki::ocsp::respond(&pki().nvidia, &req, NOW, &[]),
            sent_nonce: Some(nonce.to_vec()),
        })
    }
}

fn verifier(trust: Trust, policy: &str) -> ReportVerifier {
    let mut p = Policy::parse(policy).unwrap();
    p.trust = trust;
    let mut rims = MemoryRimSource::new();
    for (id, xml) in &pki().nvidia.rims {
        rims.insert(id.clone(), xml.clone());
    }
    ReportVerifier::new(p)
        .with_rims(rims)
        .with_ocsp(Responder)
        .with_collateral(pki().intel.collateral_json(NOW - 3600).into_bytes())
}

fn attestation(nonce: &[u8; 32], gpus: usize, rd: [u8; 64], td: &TdChanges, addr: &str) -> Vec<u8> {
    let nonces = vec![*nonce; gpus];
    pki()
        .attestation(nonce, &nonces, &rd, td, addr, IMAGE)
        .to_string()
        .into_bytes()
}

fn failing(v: &Verdict) -> Vec<String> {
    v.checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Skip))
        .map(|c| format!("{} {:?}: {}", c.id, c.subject, c.detail))
        .collect()
}

fn status(v: &Verdict, id: &str) -> CheckStatus {
    v.check(id).map(|c| c.status).unwrap_or(CheckStatus::Skip)
}

#[test]
fn a_test_pki_attestation_verifies_under_the_test_roots() {
    let nonce = [0x42u8; 32];
    let doc = attestation(
        &nonce,
        2,
        report_data_unbound(&nonce),
        &TdChanges::default(),
        ADDRESS,
    );
    let n = Nonce::normalize(&hex::encode(nonce)).unwrap();
    let v = verifier(Trust::Test, "default").verify(&doc, &n, NOW);
    assert!(v.verified, "{:#?}", failing(&v));
    assert_eq!(status(&v, "trust.anchors"), CheckStatus::Warn);
    assert!(
        v.facts["summary"].starts_with("TEST ROOTS — proves nothing about real hardware. VERIFIED"),
        "{}",
        v.facts["summary"]
    );
    assert_eq!(status(&v, "report.key_binding"), CheckStatus::Warn);
}

#[test]
fn committed_roots_are_the_generated_ones() {
    for (name, pem) in ccverify_testpki::root_files() {
        let path = format!(
            "{}/../core/src/testroots/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let committed = std::fs::read_to_string(&path).unwrap();
        assert_eq!(committed, pem, "{path} drifted: run make regen");
    }
}

#[test]
fn committed_tdx_vector_inputs_are_the_generated_ones() {
    for (name, bytes) in ccverify_testpki::tdx_vector_files() {
        let path = format!(
            "{}/../tests/vectors/tdx/testpki/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let committed = std::fs::read(&path).unwrap();
        assert!(committed == bytes, "{path} drifted: run make regen");
    }
}

fn run(trust: Trust, policy: &str, doc: &[u8], nonce: &[u8; 32]) -> Verdict {
    let n = Nonce::normalize(&hex::encode(nonce)).unwrap();
    verifier(trust, policy).verify(doc, &n, NOW)
}

fn failing_ids(v: &Verdict) -> Vec<String> {
    let mut ids: Vec<String> = v.blocking().map(|c| c.id.clone()).collect();
    ids.dedup();
    ids
}

const STRICT: &str = r#"{"preset": "strict", "image_digests": ["sha256:0000000000000000000000000000000000000000000000000000000000000001"], "tdx": {"mrtd": ["91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"]}}"#;

#[test]
fn test_signed_evidence_fails_under_the_production_roots() {
    let nonce = [1u8; 32];
    let doc = attestation(
        &nonce,
        1,
        report_data_unbound(&nonce),
        &TdChanges::default(),
        ADDRESS,
    );
    let v = run(Trust::Production, "default", &doc, &nonce);
    assert!(!v.verified);
    assert!(v.check("trust.anchors").is_none());
    assert_eq!(
        status(&v, "gpu.cert_chain"),
        CheckStatus::Fail,
        "{:#?}",
        failing(&v)
    );
    assert_eq!(
        status(&v, "tdx.collateral"),
        CheckStatus::Fail,
        "{:#?}",
        failing(&v)
    );
    assert!(!v.facts["summary"].contains("TEST ROOTS"));
}

#[test]
fn strict_passes_when_the_quote_binds_the_key_and_fails_on_a_relayed_key() {
    let nonce = [2u8; 32];
    let addr = ccverify::eth::Address::parse(ADDRESS).unwrap();
    let bound = report_data_bound(&addr.0, &nonce);
    let doc = attestation(&nonce, 2, bound, &TdChanges::default(), ADDRESS);
    let v = run(Trust::Test, STRICT, &doc, &nonce);
    assert!(v.verified, "{:#?}", failing(&v));
    assert_eq!(status(&v, "report.key_binding"), CheckStatus::Pass);
    // Under the TEST roots nothing resting on a signature chain is called proven.
    assert_eq!(v.facts["claim.key_binding"], "accepted");
    assert_eq!(v.facts["claim.gpu_genuine"], "accepted");
    let proven = ccverify::report::Summary::of(&v).proven;
    assert_eq!(proven.len(), 1, "{proven:?}");
    assert!(proven[0].contains("agent image"), "{proven:?}");
    assert_eq!(v.facts["key_binding.layout"], "address");
    assert_eq!(v.facts["claim.anchors"], "accepted");

    // A relay keeps the genuine quote and substitutes its own key in the JSON.
    let relay = "0x1111111111111111111111111111111111111111";
    let doc = attestation(&nonce, 2, bound, &TdChanges::default(), relay);
    for policy in ["default", STRICT] {
        let v = run(Trust::Test, policy, &doc, &nonce);
        assert!(!v.verified);
        assert_eq!(failing_ids(&v), ["report.key_binding"], "{policy}");
        assert!(
            v.check("report.key_binding")
                .unwrap()
                .detail
                .contains("substituted")
        );
    }

    // io.net's unbound layout: warned by default, refused by strict.
    let doc = attestation(
        &nonce,
        2,
        report_data_unbound(&nonce),
        &TdChanges::default(),
        relay,
    );
    assert!(run(Trust::Test, "default", &doc, &nonce).verified);
    let v = run(Trust::Test, STRICT, &doc, &nonce);
    assert_eq!(failing_ids(&v), ["report.key_binding"]);
}

#[test]
fn each_fault_flips_the_verdict_with_its_check() {
    let nonce = [3u8; 32];
    let rd = report_data_unbound(&nonce);
    // Wrong nonce in one GPU report.
    let doc = pki()
        .attestation(
            &nonce,
            &[nonce, [4u8; 32]],
            &rd,
            &TdChanges::default(),
            ADDRESS,
            IMAGE,
        )
        .to_string();
    let v = run(Trust::Test, "default", doc.as_bytes(), &nonce);
    assert_eq!(failing_ids(&v), ["gpu.nonce"]);
    assert_eq!(
        v.blocking().next().unwrap().subject.as_deref(),
        Some("gpu1")
    );

    // A debug TD.
    let mut debug = [0u8; 8];
    debug[0] = 1;
    debug[3] = 0x10;
    let td = TdChanges {
        td_attributes: Some(debug),
        ..TdChanges::default()
    };
    let doc = attestation(&nonce, 1, rd, &td, ADDRESS);
    let v = run(Trust::Test, "default", &doc, &nonce);
    assert_eq!(failing_ids(&v), ["tdx.td_attributes"], "{:#?}", failing(&v));

    // Stale collateral: issued 60 days ago, expired 30 days ago.
    let doc = attestation(&nonce, 1, rd, &TdChanges::default(), ADDRESS);
    let n = Nonce::normalize(&hex::encode(nonce)).unwrap();
    let v = verifier(Trust::Test, "default")
        .with_collateral(pki().intel.collateral_json(NOW - 60 * 86_400).into_bytes())
        .verify(&doc, &n, NOW);
    assert!(!v.verified);
    assert_eq!(
        status(&v, "tdx.collateral"),
        CheckStatus::Fail,
        "{:#?}",
        failing(&v)
    );

    // A tampered RIM: one golden value changed after signing.
    let mut p = Policy::parse("default").unwrap();
    p.trust = Trust::Test;
    let mut rims = MemoryRimSource::new();
    for (id, xml) in &pki().nvidia.rims {
        let mut xml = xml.clone();
        if id.contains("DRIVER") {
            let text = String::from_utf8(xml).unwrap();
            let at = text.find("Hash0=\"").unwrap() + 7;
            let mut bytes = text.into_bytes();
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            xml = bytes;
        }
        rims.insert(id.clone(), xml);
    }
    let v = ReportVerifier::new(p)
        .with_rims(rims)
        .with_ocsp(Responder)
        .with_collateral(pki().intel.collateral_json(NOW - 3600).into_bytes())
        .verify(&doc, &n, NOW);
    assert!(!v.verified);
    assert_eq!(
        status(&v, "gpu.driver_rim"),
        CheckStatus::Fail,
        "{:#?}",
        failing(&v)
    );
}

#[test]
fn v5_quotes_verify_too() {
    let nonce = [5u8; 32];
    let td = TdChanges {
        v5: true,
        ..TdChanges::default()
    };
    let doc = attestation(&nonce, 1, report_data_unbound(&nonce), &td, ADDRESS);
    let v = run(Trust::Test, "default", &doc, &nonce);
    assert!(v.verified, "{:#?}", failing(&v));
    assert!(
        v.check("tdx.quote_parse").unwrap().detail.contains("v5"),
        "{:?}",
        v.check("tdx.quote_parse")
    );
}

#[test]
fn a_binding_into_unpinned_code_is_not_proof() {
    // Any genuine TD, also one a relay runs, can bind a key of its own: without an MRTD pin
    // the binding is only warned about, and a policy requiring a binding refuses it.
    let nonce = [6u8; 32];
    let addr = ccverify::eth::Address::parse(ADDRESS).unwrap();
    let doc = attestation(
        &nonce,
        1,
        report_data_bound(&addr.0, &nonce),
        &TdChanges::default(),
        ADDRESS,
    );
    let v = run(Trust::Test, "default", &doc, &nonce);
    assert!(v.verified, "{:#?}", failing(&v));
    let row = v.check("report.key_binding").unwrap();
    assert_eq!(row.status, CheckStatus::Warn, "{}", row.detail);
    assert!(row.detail.contains("not pinned"), "{}", row.detail);
    let unpinned_strict = r#"{"preset": "strict", "image_digests": ["sha256:0000000000000000000000000000000000000000000000000000000000000001"]}"#;
    let v = run(Trust::Test, unpinned_strict, &doc, &nonce);
    assert_eq!(failing_ids(&v), ["report.key_binding"]);
    // A pinned MRTD that is not this TD's: measurements fail, and the binding is not proof.
    let wrong = r#"{"preset": "strict", "image_digests": ["sha256:0000000000000000000000000000000000000000000000000000000000000001"], "tdx": {"mrtd": ["000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"]}}"#;
    let v = run(Trust::Test, wrong, &doc, &nonce);
    assert!(failing_ids(&v).contains(&"report.key_binding".to_string()));
    assert!(failing_ids(&v).contains(&"tdx.measurements".to_string()));
}

#[test]
fn gpu_and_tdx_verdicts_under_the_test_roots_say_so() {
    let nonce = [7u8; 32];
    let gpu = pki().nvidia.gpu_object(&nonce, &[nonce]).to_string();
    let v = ccverify::gpu::GpuVerifier::new(ccverify::gpu::GpuPolicy::default())
        .with_trust(Trust::Test)
        .verify_json(gpu.as_bytes(), &nonce, NOW);
    assert_eq!(v.check("trust.anchors").unwrap().status, CheckStatus::Warn);
    let quote = pki()
        .intel
        .quote(&report_data_unbound(&nonce), &TdChanges::default());
    let v = ccverify::tdx::verify_tdx_under(
        &quote,
        pki().intel.collateral_json(NOW - 3600).as_bytes(),
        &ccverify::tdx::ExpectedReportData::Nonce(nonce),
        &ccverify::tdx::TdxPolicy::default(),
        &Trust::Test,
        NOW,
    );
    assert!(v.verified, "{:#?}", failing(&v));
    assert_eq!(v.check("trust.anchors").unwrap().status, CheckStatus::Warn);
    // One row in a whole report, however many verifiers ran.
    let doc = attestation(
        &nonce,
        2,
        report_data_unbound(&nonce),
        &TdChanges::default(),
        ADDRESS,
    );
    let v = run(Trust::Test, "default", &doc, &nonce);
    assert_eq!(
        v.checks.iter().filter(|c| c.id == "trust.anchors").count(),
        1
    );
}

#[test]
fn chosen_measurements_are_what_the_quote_reports() {
    let nonce = [8u8; 32];
    let td = TdChanges {
        mrtd: Some([0x11; 48]),
        rtmrs: [None, None, None, Some([0x33; 48])],
        ..TdChanges::default()
    };
    let doc = attestation(&nonce, 1, report_data_unbound(&nonce), &td, ADDRESS);
    let pinned = format!(
        r#"{{"tdx": {{"mrtd": ["{}"], "rtmr3": ["{}"]}}}}"#,
        "11".repeat(48),
        "33".repeat(48)
    );
    let v = run(Trust::Test, &pinned, &doc, &nonce);
    assert!(v.verified, "{:#?}", failing(&v));
    assert_eq!(
        v.check("tdx.measurements").unwrap().status,
        CheckStatus::Pass
    );
    // The sample's MRTD pinned instead: the chosen one is refused.
    let sample = format!(r#"{{"tdx": {{"mrtd": ["{}"]}}}}"#, pki().intel.mrtd_hex());
    let v = run(Trust::Test, &sample, &doc, &nonce);
    assert_eq!(failing_ids(&v), ["tdx.measurements"]);
}
