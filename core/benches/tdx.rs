//! TDX quote verification: one verification of dcap-qvl's real v4 sample (TD 1.0, UpToDate)
//! with its collateral in hand, at 2025-06-20T06:13:20Z (1750400000).
//!
//! * `tdx/verify_tdx_v4_cold` — our whole call with nothing cached: quote parse, collateral
//!   JSON parse, dcap-qvl's verification on ccverify's aws-lc-rs backend (CRLs, chains, TCB
//!   Info/QE Identity signatures, QE report, quote signature, TCB matching), the policy
//!   (status, attributes, measurements) and REPORTDATA.
//! * `tdx/verify_tdx_v4_warm` — the same call again: the nine P-256 signatures are remembered
//!   (the same quote too, so this is the parsing and every time-dependent check).
//! * `tdx/dcap_qvl_rustcrypto_v4` — dcap-qvl 0.7.1's `verify` alone on its RustCrypto backend,
//!   the collateral already deserialised: what `bench/dcap_qvl_python.py` times through the
//!   PyPI wheel, and ccverify's backend before aws-lc-rs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use ccverify::tdx::{ExpectedReportData, TdxPolicy, verify_tdx};
use criterion::{Criterion, criterion_group, criterion_main};

const AT: i64 = 1_750_400_000;
const REPORT_DATA: &str = "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tdx/dcap-qvl")
}

fn bench(c: &mut Criterion) {
    let quote = std::fs::read(dir().join("tdx_quote")).unwrap();
    let collateral_json = std::fs::read(dir().join("tdx_quote_collateral.json")).unwrap();
    let expected = ExpectedReportData::from_report_data_hex(REPORT_DATA).unwrap();
    let policy = TdxPolicy::default();
    let check = verify_tdx(&quote, &collateral_json, &expected, &policy, AT);
    assert!(
        check.verified,
        "bench input must verify: {}",
        check.to_json()
    );
    assert_eq!(check.facts["tdx.tcb_status"], "UpToDate");

    let collateral: dcap_qvl::QuoteCollateralV3 = serde_json::from_slice(&collateral_json).unwrap();
    let verifier = dcap_qvl::verify::QuoteVerifier::new_prod()
        .with_config::<dcap_qvl::configs::RustCryptoConfig>();
    let report = verifier.verify(&quote, &collateral, AT as u64).unwrap();
    assert_eq!(report.status, "UpToDate");

    let mut g = c.benchmark_group("tdx");
    g.bench_function("verify_tdx_v4_cold", |b| {
        b.iter(|| {
            ccverify::clear_caches();
            verify_tdx(&quote, &collateral_json, &expected, &policy, AT)
        })
    });
    g.bench_function("verify_tdx_v4_warm", |b| {
        b.iter(|| verify_tdx(&quote, &collateral_json, &expected, &policy, AT))
    });
    g.bench_function("dcap_qvl_rustcrypto_v4", |b| {
        b.iter(|| verifier.verify(&quote, &collateral, AT as u64))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
