//! Runs the shared GPU conformance cases (`tests/vectors/gpu/cases.json`, written by
//! `tests/vectors/gen/gen_gpu_vectors.py` from the spec, not from ccverify) against the Rust
//! API, plus Rust-only properties: the single-byte sweep over the signed report and the
//! synthetic-RIM success path (which needs test trust anchors, so it cannot be a shared case).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ccverify::Options as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ccverify::CheckStatus;
use ccverify::gpu::{GpuEvidence, GpuOptions, GpuPolicy, GpuVerifier, verify_gpu};
use serde_json::Value;

fn gpu_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu")
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(gpu_dir().join("cases.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 30, "expected the full GPU case set");
    cases
}

/// Options of a case: its policy object plus `at` and `rim_dir` (relative to the vector dir).
pub fn case_options(case: &Value) -> GpuOptions {
    let mut policy = case["policy"].as_object().unwrap().clone();
    policy.insert("at".into(), case["at"].clone());
    if let Some(dir) = case["rim_dir"].as_str() {
        policy.insert(
            "rim_dir".into(),
            Value::String(gpu_dir().join(dir).to_string_lossy().into_owned()),
        );
    }
    GpuOptions::from_json(&Value::Object(policy).to_string()).unwrap()
}

#[test]
fn shared_gpu_cases() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let verdict = verify_gpu(
            case["gpu"].as_str().unwrap().as_bytes(),
            case["nonce"].as_str().unwrap(),
            &case_options(&case),
        )
        .unwrap();
        let expect = &case["expect"];
        assert_eq!(
            verdict.verified,
            expect["verified"].as_bool().unwrap(),
            "{name}: {}",
            verdict.to_json()
        );
        for want in expect["checks"].as_array().unwrap() {
            let id = want["id"].as_str().unwrap();
            let subject = want["subject"].as_str();
            let got = verdict
                .checks
                .iter()
                .find(|c| c.id == id && c.subject.as_deref() == subject)
                .unwrap_or_else(|| panic!("{name}: no check {id} for {subject:?}"));
            assert_eq!(
                got.status.as_str(),
                want["status"].as_str().unwrap(),
                "{name}: {id} {subject:?}: {}",
                got.detail
            );
        }
    }
}

fn sample() -> (Vec<u8>, String) {
    let nv = gpu_dir().join("nvidia");
    let hex_text = std::fs::read_to_string(nv.join("hopperAttestationReport.txt")).unwrap();
    let chain = std::fs::read(nv.join("hopperCertChain.txt")).unwrap();
    (hex::decode(hex_text.trim()).unwrap(), B64.encode(chain))
}

const NONCE: [u8; 32] = [
    0x93, 0x1d, 0x8d, 0xd0, 0xad, 0xd2, 0x03, 0xac, 0x3d, 0x8b, 0x4f, 0xbd, 0xe7, 0x5e, 0x11, 0x52,
    0x78, 0xee, 0xfc, 0xdc, 0xea, 0xc5, 0xb8, 0x76, 0x71, 0xa7, 0x48, 0xf3, 0x23, 0x64, 0xdf, 0xcb,
];
const AT_2024: i64 = 1_717_200_000;

#[test]
fn every_single_byte_change_of_the_signed_report_fails() {
    let (report, chain) = sample();
    let verifier = GpuVerifier::new(GpuPolicy::default());
    let signed_len = report.len() - 96;
    for offset in 0..signed_len {
        let mut m = report.clone();
        m[offset] ^= 0x80;
        let v = verifier.verify_evidence(
            &[GpuEvidence {
                evidence: B64.encode(&m),
                certificate: chain.clone(),
            }],
            &NONCE,
            AT_2024,
        );
        let broken = v.checks.iter().any(|c| {
            (c.id == "gpu.report_parse" || c.id == "gpu.report_signature")
                && c.status == CheckStatus::Fail
        });
        assert!(broken, "offset {offset}: flip was not detected");
        assert!(!v.verified);
    }
}

fn synthetic() -> PathBuf {
    gpu_dir().join("synthetic")
}

#[test]
fn synthetic_rims_give_measurement_success() {
    let (report, chain) = sample();
    let rim_root = std::fs::read(synthetic().join("test_rim_root.pem")).unwrap();
    let device_root = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/roots/verifier_device_root.pem"),
    )
    .unwrap();
    let anchors = ccverify::gpu::roots::TrustAnchors::for_tests(&device_root, &rim_root).unwrap();
    let policy = GpuPolicy {
        require_revocation: false,
        expected_count: Some(1),
        ..GpuPolicy::default()
    };
    let verifier = GpuVerifier::new(policy)
        .with_test_anchors(anchors)
        .with_rims(ccverify::gpu::DirRimSource::new(synthetic()).unwrap());
    let v = verifier.verify_evidence(
        &[GpuEvidence {
            evidence: B64.encode(&report),
            certificate: chain,
        }],
        &NONCE,
        AT_2024,
    );
    for id in [
        "gpu.report_signature",
        "gpu.cert_chain",
        "gpu.driver_rim",
        "gpu.vbios_rim",
        "gpu.measurements",
    ] {
        let c = v.check(id).unwrap();
        assert_eq!(c.status, CheckStatus::Pass, "{id}: {}", c.detail);
    }
    assert_eq!(v.check("gpu.ocsp").unwrap().status, CheckStatus::Warn);
    assert!(v.verified, "{}", v.to_json());
    assert_eq!(
        v.facts.get("gpu0.secboot").map(String::as_str),
        Some("true")
    );
    // The same RIMs against NVIDIA's real root: the test CA is not trusted.
    let real = GpuVerifier::new(GpuPolicy::default())
        .with_rims(ccverify::gpu::DirRimSource::new(synthetic()).unwrap());
    let v = real.verify_evidence(
        &[GpuEvidence {
            evidence: B64.encode(&report),
            certificate: sample().1,
        }],
        &NONCE,
        AT_2024,
    );
    assert_eq!(v.check("gpu.driver_rim").unwrap().status, CheckStatus::Fail);
    let _ = Arc::new(());
}

/// A RIM source that cannot answer (I/O or network failure).
struct BrokenSource;

impl ccverify::gpu::RimSource for BrokenSource {
    fn fetch(&self, _rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        Err("connection refused".into())
    }
    fn describe(&self) -> String {
        "a broken source".into()
    }
}

#[test]
fn a_rim_source_that_cannot_answer_is_a_skip_never_a_pass() {
    let (report, chain) = sample();
    let evidence = [GpuEvidence {
        evidence: B64.encode(&report),
        certificate: chain,
    }];
    let v = GpuVerifier::new(GpuPolicy::default())
        .with_rims(BrokenSource)
        .verify_evidence(&evidence, &NONCE, AT_2024);
    for id in ["gpu.driver_rim", "gpu.vbios_rim", "gpu.measurements"] {
        let c = v.check(id).unwrap();
        assert_eq!(c.status, CheckStatus::Skip, "{id}: {}", c.detail);
    }
    let d = &v.check("gpu.driver_rim").unwrap().detail;
    assert!(
        d.contains("could not be fetched") && d.contains("connection refused"),
        "{d}"
    );
    assert!(!v.verified);
    // Relaxed policy: a visible warning, still never a pass.
    let relaxed = GpuPolicy {
        require_rims: false,
        ..GpuPolicy::default()
    };
    let v = GpuVerifier::new(relaxed)
        .with_rims(BrokenSource)
        .verify_evidence(&evidence, &NONCE, AT_2024);
    assert_eq!(v.check("gpu.driver_rim").unwrap().status, CheckStatus::Warn);
}

/// A RIM source that counts how often each RIM is asked for.
struct CountingSource {
    inner: ccverify::gpu::DirRimSource,
    asked: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

impl ccverify::gpu::RimSource for CountingSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        *self
            .asked
            .lock()
            .unwrap()
            .entry(rim_id.to_string())
            .or_default() += 1;
        // Slow enough that GPUs verified side by side ask at the same time.
        std::thread::sleep(std::time::Duration::from_millis(5));
        self.inner.fetch(rim_id)
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Eight GPUs are verified side by side when there is a second core: the verdict lists them
/// in evidence order, every GPU passes, each RIM the fleet shares is fetched once per call, and
/// a second call (caches warm) gives the same verdict.
#[test]
fn a_fleet_verified_side_by_side_is_ordered_and_fetches_each_rim_once() {
    let fleet = std::fs::read(gpu_dir().join("fleet/gpu_8.json")).unwrap();
    let anchors = ccverify::gpu::roots::TrustAnchors::for_tests(
        &std::fs::read(gpu_dir().join("fleet/device_root.pem")).unwrap(),
        &std::fs::read(synthetic().join("test_rim_root.pem")).unwrap(),
    )
    .unwrap();
    let source = Arc::new(CountingSource {
        inner: ccverify::gpu::DirRimSource::new(synthetic()).unwrap(),
        asked: std::sync::Mutex::new(std::collections::HashMap::new()),
    });
    struct Shared(Arc<CountingSource>);
    impl ccverify::gpu::RimSource for Shared {
        fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
            self.0.fetch(rim_id)
        }
        fn describe(&self) -> String {
            self.0.describe()
        }
    }
    let verifier = GpuVerifier::new(GpuPolicy {
        require_revocation: false,
        expected_count: Some(8),
        ..GpuPolicy::default()
    })
    .with_test_anchors(anchors)
    .with_rims(Shared(Arc::clone(&source)));
    ccverify::gpu::clear_caches();
    let first = verifier.verify_json(&fleet, &NONCE, AT_2024);
    assert!(first.verified, "{}", first.to_json());
    let subjects: Vec<&str> = first
        .checks
        .iter()
        .filter_map(|c| c.subject.as_deref())
        .collect();
    let mut order: Vec<&str> = subjects.clone();
    order.dedup();
    assert_eq!(
        order,
        (0..8).map(|i| format!("gpu{i}")).collect::<Vec<_>>(),
        "per-GPU rows come in evidence order, each GPU's rows together"
    );
    {
        let asked = source.asked.lock().unwrap();
        assert_eq!(
            asked.len(),
            2,
            "the fleet shares one driver and one VBIOS RIM"
        );
        assert!(
            asked.values().all(|&n| n == 1),
            "each RIM fetched once: {asked:?}"
        );
    }
    let second = verifier.verify_json(&fleet, &NONCE, AT_2024);
    assert_eq!(first.to_json(), second.to_json());
}
