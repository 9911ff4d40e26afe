//! Whole-attestation verification of the real evidence in tests/vectors/report (one NVIDIA H100
//! report with its chain, dcap-qvl's v4 TDX quote with its collateral) at 2025-06-20T06:13:20Z:
//!
//! * `report/verify_report_warm` — `ReportVerifier::verify`: JSON parse, the GPU checks (chain
//!   links cached after the first call, as in a long-running client), the TDX quote with
//!   collateral, the report rows and the summary;
//! * `report/verify_report_cold` — the same after clearing the GPU caches (a fresh process);
//! * `report/verify_bundle` — parse the bundle file and re-verify it, including one signed
//!   exchange against the attested key;
//! * `report/eight_gpus_and_tdx_cold` — a report whose `gpu` object is the synthetic 8-GPU fleet
//!   (tests/vectors/gpu/fleet, TEST device root, synthetic RIMs) beside the same TDX quote and
//!   collateral, every cache cleared: the full appraisal of eight GPUs and the quote. The
//!   fleet's nonce is not the quote's REPORTDATA, so `tdx.report_data` fails; no GPU check fails
//!   (the policy does not require revocation answers) and the quote signature passes, so all the work runs.
//!
//! Compare with `gpu/*` and `tdx/*`: the report layer should cost little beyond their sum.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use ccverify::bundle::{BundleOptions, verify_bundle};
use ccverify::gpu::DirRimSource;
use ccverify::gpu::roots::TrustAnchors;
use ccverify::nonce::Nonce;
use ccverify::policy::Policy;
use ccverify::report::ReportVerifier;
use criterion::{Criterion, criterion_group, criterion_main};

const AT: i64 = 1_750_400_000;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/report")
}

fn bench(c: &mut Criterion) {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("cases.json")).unwrap()).unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "real_evidence_report_nonce")
        .unwrap()
        .clone();
    let report = case["report"].as_str().unwrap().as_bytes().to_vec();
    let nonce = Nonce::normalize(case["options"]["nonce"].as_str().unwrap()).unwrap();
    let collateral = std::fs::read(dir().join(case["collateral_file"].as_str().unwrap())).unwrap();
    let verifier = ReportVerifier::new(Policy::default()).with_collateral(collateral);
    let v = verifier.verify(&report, &nonce, AT);
    assert_eq!(
        v.check("tdx.quote_signature").unwrap().status.as_str(),
        "pass"
    );
    assert_eq!(v.check("report.nonce").unwrap().status.as_str(), "pass");
    let bundle = std::fs::read(dir().join("bundle-real.json")).unwrap();

    // Eight GPUs and the quote: the fleet under its TEST roots, with matching synthetic RIMs.
    let gpu_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu");
    let mut fleet_report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    fleet_report["gpu"] =
        serde_json::from_slice(&std::fs::read(gpu_dir.join("fleet/gpu_8.json")).unwrap()).unwrap();
    let fleet_report = serde_json::to_vec(&fleet_report).unwrap();
    let fleet_nonce = Nonce::normalize(&fleet_report_nonce(&fleet_report)).unwrap();
    let mut policy = Policy::default();
    policy.gpu.require_revocation = false;
    let fleet_verifier = ReportVerifier::new(policy)
        .with_collateral(
            std::fs::read(dir().join(case["collateral_file"].as_str().unwrap())).unwrap(),
        )
        .with_test_anchors(
            TrustAnchors::for_tests(
                &std::fs::read(gpu_dir.join("fleet/device_root.pem")).unwrap(),
                &std::fs::read(gpu_dir.join("synthetic/test_rim_root.pem")).unwrap(),
            )
            .unwrap(),
        )
        .with_rims(DirRimSource::new(gpu_dir.join("synthetic")).unwrap());
    let v = fleet_verifier.verify(&fleet_report, &fleet_nonce, AT);
    let gpu_checks: Vec<_> = v
        .checks
        .iter()
        .filter(|c| c.id.starts_with("gpu."))
        .collect();
    assert!(
        gpu_checks.len() >= 8 && gpu_checks.iter().all(|c| c.status.as_str() != "fail"),
        "no GPU check of the fleet may fail"
    );
    assert_eq!(
        v.check("tdx.quote_signature").unwrap().status.as_str(),
        "pass"
    );

    let mut g = c.benchmark_group("report");
    g.bench_function("verify_report_warm", |b| {
        b.iter(|| verifier.verify(&report, &nonce, AT))
    });
    g.bench_function("verify_report_cold", |b| {
        b.iter(|| {
            ccverify::clear_caches();
            verifier.verify(&report, &nonce, AT)
        })
    });
    g.bench_function("verify_bundle", |b| {
        b.iter(|| verify_bundle(&bundle, &BundleOptions::default()).unwrap())
    });
    g.bench_function("eight_gpus_and_tdx_cold", |b| {
        b.iter(|| {
            ccverify::clear_caches();
            fleet_verifier.verify(&fleet_report, &fleet_nonce, AT)
        })
    });
    g.finish();
}

/// The nonce the fleet's GPU reports were made for (the `gpu.nonce` field).
fn fleet_report_nonce(report: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(report).unwrap();
    v["gpu"]["nonce"].as_str().unwrap().to_string()
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
