//! GPU evidence verification: one GPU cold, eight GPUs cold, one GPU warm.
//!
//! Inputs: NVIDIA's sample report and chain with synthetic RIMs that match it (signed by a
//! TEST RIM CA), and for eight GPUs the synthetic fleet (eight distinct leaf/BROM chains under a
//! TEST device root). The full appraisal runs: parse, report signature, device chain, FWID,
//! both RIMs (schema, XML-DSig, signer chain), measurement comparison. OCSP is not consulted
//! (policy relaxes it), as in the reference comparison where NVIDIA's OCSP is stubbed.
//! "Cold" clears every process-wide cache before each iteration.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use ccverify::gpu::roots::TrustAnchors;
use ccverify::gpu::{DirRimSource, GpuEvidence, GpuPolicy, GpuVerifier};
use criterion::{Criterion, criterion_group, criterion_main};

const AT_2024: i64 = 1_717_200_000;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu")
}

fn verifier(device_root: &Path) -> GpuVerifier {
    let anchors = TrustAnchors::for_tests(
        &std::fs::read(device_root).unwrap(),
        &std::fs::read(dir().join("synthetic/test_rim_root.pem")).unwrap(),
    )
    .unwrap();
    GpuVerifier::new(GpuPolicy {
        require_revocation: false,
        ..GpuPolicy::default()
    })
    .with_test_anchors(anchors)
    .with_rims(DirRimSource::new(dir().join("synthetic")).unwrap())
}

fn nonce() -> [u8; 32] {
    let mut n = [0u8; 32];
    n.copy_from_slice(
        &hex::decode("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb").unwrap(),
    );
    n
}

fn bench(c: &mut Criterion) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let report = std::fs::read_to_string(dir().join("nvidia/hopperAttestationReport.txt")).unwrap();
    let one = vec![GpuEvidence {
        evidence: b64.encode(hex::decode(report.trim()).unwrap()),
        certificate: b64.encode(std::fs::read(dir().join("nvidia/hopperCertChain.txt")).unwrap()),
    }];
    let nvidia_root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/roots/verifier_device_root.pem");
    let v1 = verifier(&nvidia_root);
    let check = v1.verify_evidence(&one, &nonce(), AT_2024);
    assert!(
        check.verified,
        "bench input must verify: {}",
        check.to_json()
    );

    let fleet_json = std::fs::read(dir().join("fleet/gpu_8.json")).unwrap();
    let v8 = verifier(&dir().join("fleet/device_root.pem"));
    let check = v8.verify_json(&fleet_json, &nonce(), AT_2024);
    assert!(check.verified, "fleet must verify: {}", check.to_json());

    let mut g = c.benchmark_group("gpu");
    g.bench_function("one_gpu_cold", |b| {
        b.iter(|| {
            ccverify::gpu::clear_caches();
            v1.verify_evidence(&one, &nonce(), AT_2024)
        })
    });
    g.bench_function("eight_gpus_cold", |b| {
        b.iter(|| {
            ccverify::gpu::clear_caches();
            v8.verify_json(&fleet_json, &nonce(), AT_2024)
        })
    });
    g.bench_function("one_gpu_warm", |b| {
        b.iter(|| v1.verify_evidence(&one, &nonce(), AT_2024))
    });
    g.bench_function("eight_gpus_warm", |b| {
        b.iter(|| v8.verify_json(&fleet_json, &nonce(), AT_2024))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
