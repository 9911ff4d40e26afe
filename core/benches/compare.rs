//! ccverify's side of `make bench-compare` (driven by `bench/compare.py`, which runs the peers
//! in its own process and this one as its child, interleaving the two call by call).
//!
//! * `compare --serve DIR`: writes the exchange inputs the Python peers read into `DIR`, checks
//!   that every case verifies as expected, prints `ready`, then answers one line per request on
//!   stdin: `CASE` runs one call of that case and prints its duration in nanoseconds (a cold
//!   case clears the process-wide caches first, outside the timed part); `quit` ends.
//! * `compare --rss CASE N`: runs the case N times and prints this process's peak RSS in kB
//!   (Linux `VmHWM`).
//!
//! Cases (inputs are the repository's test data; the GPU cases use NVIDIA's sample report with
//! synthetic, TEST-signed RIMs that match it, and the synthetic 8-GPU fleet, so every GPU step
//! — report signature, chain, FWID, both RIMs, measurements — runs; OCSP answers are not
//! required, as the peer's OCSP is stubbed):
//! `exchange`, `stream`, `tdx_cold`, `tdx_warm`, `gpu_cold`, `gpu8_cold`, `report_cold`,
//! `report_warm`, `gpu8_tdx_cold`, and `real_report_cold` / `real_report_warm`: the
//! real-evidence case of tests/vectors/report (io.net's H100 report for its nonce beside
//! dcap-qvl's real v4 quote with collateral, whose REPORTDATA is another nonce's) under the
//! default policy; NVIDIA's RIMs for that driver are not in the repository, so its RIM checks
//! are skipped (no peer runs these two).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use base64::Engine as _;
use ccverify::gpu::roots::TrustAnchors;
use ccverify::gpu::{DirRimSource, GpuEvidence, GpuPolicy, GpuVerifier};
use ccverify::nonce::Nonce;
use ccverify::policy::Policy;
use ccverify::report::ReportVerifier;
use ccverify::tdx::{ExpectedReportData, TdxPolicy, verify_tdx};
use ccverify::{Address, verify_response, verify_stream};

/// 2024-06-01: inside the GPU samples' and synthetic RIMs' validity.
const AT_GPU: i64 = 1_717_200_000;
/// 2025-06-20T06:13:20Z: inside the TDX collateral's validity.
const AT_TDX: i64 = 1_750_400_000;
const REPORT_DATA: &str = "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20";
const GPU_NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

struct Cases {
    request: Vec<u8>,
    response: Vec<u8>,
    headers: Vec<(String, String)>,
    stream_request: Vec<u8>,
    stream: Vec<u8>,
    expected: Address,
    quote: Vec<u8>,
    collateral: Vec<u8>,
    report_data: ExpectedReportData,
    tdx_policy: TdxPolicy,
    one: Vec<GpuEvidence>,
    v1: GpuVerifier,
    fleet: Vec<u8>,
    v8: GpuVerifier,
    gpu_nonce: [u8; 32],
    report1: Vec<u8>,
    report8: Vec<u8>,
    r1: ReportVerifier,
    r8: ReportVerifier,
    report_nonce: Nonce,
    real_report: Vec<u8>,
    real_nonce: Nonce,
    real: ReportVerifier,
}

fn anchors(device_root: &Path) -> TrustAnchors {
    TrustAnchors::for_tests(
        &std::fs::read(device_root).unwrap(),
        &std::fs::read(vectors().join("gpu/synthetic/test_rim_root.pem")).unwrap(),
    )
    .unwrap()
}

fn gpu_policy() -> GpuPolicy {
    GpuPolicy {
        require_revocation: false,
        ..GpuPolicy::default()
    }
}

fn nvidia_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/roots/verifier_device_root.pem")
}

/// The real io.net attestation case (report JSON, the nonce it was made for).
fn real_case() -> (String, String) {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors().join("report/cases.json")).unwrap())
            .unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "real_evidence_report_nonce")
        .unwrap();
    (
        case["report"].as_str().unwrap().to_string(),
        case["options"]["nonce"].as_str().unwrap().to_string(),
    )
}

/// A whole attestation: the real report's TDX quote and fields with `gpu` replaced.
fn report_with_gpu(gpu: serde_json::Value) -> Vec<u8> {
    let mut report: serde_json::Value = serde_json::from_str(&real_case().0).unwrap();
    report["gpu"] = gpu;
    serde_json::to_vec(&report).unwrap()
}

fn report_verifier(device_root: &Path, collateral: &[u8]) -> ReportVerifier {
    let policy = Policy {
        gpu: gpu_policy(),
        ..Policy::default()
    };
    ReportVerifier::new(policy)
        .with_collateral(collateral.to_vec())
        .with_test_anchors(anchors(device_root))
        .with_rims(DirRimSource::new(vectors().join("gpu/synthetic")).unwrap())
}

impl Cases {
    fn load() -> Cases {
        let key = support::key();
        let request = support::request_of_size(1024, false);
        let response = support::response_of_size(4096);
        let headers = support::signed_headers(&key, &request, &response);
        let stream_request = support::request_of_size(1024, true);
        let stream = support::signed_stream(&key, &stream_request, &support::upstream_lines(200));

        let tdx = vectors().join("tdx/dcap-qvl");
        let quote = std::fs::read(tdx.join("tdx_quote")).unwrap();
        let collateral = std::fs::read(tdx.join("tdx_quote_collateral.json")).unwrap();

        let b64 = base64::engine::general_purpose::STANDARD;
        let gpu = vectors().join("gpu");
        let report_hex =
            std::fs::read_to_string(gpu.join("nvidia/hopperAttestationReport.txt")).unwrap();
        let one = vec![GpuEvidence {
            evidence: b64.encode(hex::decode(report_hex.trim()).unwrap()),
            certificate: b64.encode(std::fs::read(gpu.join("nvidia/hopperCertChain.txt")).unwrap()),
        }];
        let fleet = std::fs::read(gpu.join("fleet/gpu_8.json")).unwrap();
        let one_json = serde_json::json!({
            "nonce": GPU_NONCE,
            "arch": "HOPPER",
            "evidence_list": [{"evidence": one[0].evidence, "certificate": one[0].certificate}],
            "claims_version": "3.0",
        });
        let fleet_root = gpu.join("fleet/device_root.pem");
        let mut gpu_nonce = [0u8; 32];
        gpu_nonce.copy_from_slice(&hex::decode(GPU_NONCE).unwrap());
        Cases {
            expected: Address::parse(support::TEST_ADDRESS).unwrap(),
            request,
            response,
            headers,
            stream_request,
            stream,
            report_data: ExpectedReportData::from_report_data_hex(REPORT_DATA).unwrap(),
            tdx_policy: TdxPolicy::default(),
            v1: GpuVerifier::new(gpu_policy())
                .with_test_anchors(anchors(&nvidia_root()))
                .with_rims(DirRimSource::new(gpu.join("synthetic")).unwrap()),
            v8: GpuVerifier::new(gpu_policy())
                .with_test_anchors(anchors(&fleet_root))
                .with_rims(DirRimSource::new(gpu.join("synthetic")).unwrap()),
            report1: report_with_gpu(one_json),
            report8: report_with_gpu(serde_json::from_slice(&fleet).unwrap()),
            r1: report_verifier(&nvidia_root(), &collateral),
            r8: report_verifier(&fleet_root, &collateral),
            report_nonce: Nonce::normalize(GPU_NONCE).unwrap(),
            real_report: real_case().0.into_bytes(),
            real_nonce: Nonce::normalize(&real_case().1).unwrap(),
            real: ReportVerifier::new(Policy::default()).with_collateral(collateral.clone()),
            one,
            fleet,
            gpu_nonce,
            quote,
            collateral,
        }
    }

    /// Runs one call of `case`; returns whether it came out as expected.
    fn run(&self, case: &str) -> bool {
        match case {
            "exchange" => {
                verify_response(
                    &self.request,
                    &self.response,
                    &self.headers,
                    Some(&self.expected),
                )
                .verified
            }
            "stream" => {
                verify_stream(&self.stream_request, &self.stream, Some(&self.expected)).verified
            }
            "tdx_cold" | "tdx_warm" => {
                verify_tdx(
                    &self.quote,
                    &self.collateral,
                    &self.report_data,
                    &self.tdx_policy,
                    AT_TDX,
                )
                .verified
            }
            "gpu_cold" => {
                self.v1
                    .verify_evidence(&self.one, &self.gpu_nonce, AT_GPU)
                    .verified
            }
            "gpu8_cold" => {
                self.v8
                    .verify_json(&self.fleet, &self.gpu_nonce, AT_TDX)
                    .verified
            }
            "report_cold" | "report_warm" => {
                whole_report_ran(&self.r1.verify(&self.report1, &self.report_nonce, AT_TDX))
            }
            "gpu8_tdx_cold" => {
                whole_report_ran(&self.r8.verify(&self.report8, &self.report_nonce, AT_TDX))
            }
            "real_report_cold" | "real_report_warm" => {
                let v = self
                    .real
                    .verify(&self.real_report, &self.real_nonce, AT_TDX);
                let pass = |id: &str| v.check(id).is_some_and(|c| c.status.as_str() == "pass");
                [
                    "report.nonce",
                    "gpu.nonce",
                    "gpu.report_signature",
                    "gpu.cert_chain",
                    "tdx.quote_signature",
                    "tdx.tcb_status",
                ]
                .iter()
                .all(|id| pass(id))
            }
            other => panic!("unknown case {other}"),
        }
    }
}

/// A whole report of the sample GPU(s) beside the real quote: the GPU nonce is not the
/// quote's REPORTDATA, so `tdx.report_data` fails; every other check must not, so all the
/// work ran.
fn whole_report_ran(v: &ccverify::Verdict) -> bool {
    let failed: Vec<&str> = v
        .checks
        .iter()
        .filter(|c| c.status.as_str() == "fail")
        .map(|c| c.id.as_str())
        .collect();
    failed == ["tdx.report_data"]
        && v.check("tdx.quote_signature")
            .is_some_and(|c| c.status.as_str() == "pass")
        && v.check("gpu.measurements")
            .is_some_and(|c| c.status.as_str() == "pass")
}

const CASES: [&str; 11] = [
    "exchange",
    "stream",
    "tdx_cold",
    "tdx_warm",
    "gpu_cold",
    "gpu8_cold",
    "report_cold",
    "report_warm",
    "gpu8_tdx_cold",
    "real_report_cold",
    "real_report_warm",
];

fn timed(cases: &Cases, case: &str) -> u128 {
    if case.ends_with("_cold") {
        ccverify::clear_caches();
    }
    let t = Instant::now();
    let ok = std::hint::black_box(cases.run(case));
    let ns = t.elapsed().as_nanos();
    assert!(ok, "{case} did not come out as expected");
    ns
}

fn write_inputs(cases: &Cases, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("request.json"), &cases.request).unwrap();
    std::fs::write(dir.join("response.json"), &cases.response).unwrap();
    let headers: serde_json::Map<String, serde_json::Value> = cases
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    std::fs::write(
        dir.join("headers.json"),
        serde_json::to_vec(&serde_json::Value::Object(headers)).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("stream_request.json"), &cases.stream_request).unwrap();
    std::fs::write(dir.join("stream.sse"), &cases.stream).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = Cases::load();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--serve", dir, ..] => {
            write_inputs(&cases, Path::new(dir));
            for case in CASES {
                timed(&cases, case);
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            writeln!(out, "ready {}", ccverify::crypto::BACKEND).unwrap();
            out.flush().unwrap();
            for line in std::io::stdin().lock().lines() {
                let line = line.unwrap();
                let case = line.trim();
                if case == "quit" {
                    break;
                }
                writeln!(out, "{}", timed(&cases, case)).unwrap();
                out.flush().unwrap();
            }
        }
        ["--rss", case, n, ..] => {
            for _ in 0..n.parse::<u32>().unwrap() {
                timed(&cases, case);
            }
            // Peak RSS of this process since its exec (getrusage would count the memory of the
            // parent it was forked from): the VmHWM line, in kB.
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
            println!("{}", hwm.split_whitespace().nth(1).unwrap());
        }
        // `cargo bench` runs every bench target with `--bench`: nothing to do without the driver.
        _ => eprintln!("compare: run through `make bench-compare` (bench/compare.py)"),
    }
}
