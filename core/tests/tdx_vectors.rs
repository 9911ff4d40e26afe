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

#[test]
fn shared_tdx_cases() {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("cases.json")).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let collateral = std::fs::read(dir().join(case["collateral"].as_str().unwrap())).unwrap();
        let policy = TdxPolicy::from_json(&case["policy"].to_string()).unwrap();
        let now = ccverify::time::parse_time(case["at"].as_str().unwrap()).unwrap();
        let v = verify_tdx(
            case["quote"].as_str().unwrap().as_bytes(),
            &collateral,
            &expected(case),
            &policy,
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
    }
}

#[test]
fn every_single_byte_change_of_the_signed_region_fails() {
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
