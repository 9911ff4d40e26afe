//! The whole-attestation commands: verify-report, verify-bundle, and a real `ccverify sandbox`
//! process driven by `attest`, `chat` (plain and --stream) and `--save` bundles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ccverify"));
    c.env_remove("IO_API_KEY")
        .env_remove("CCVERIFY_SERVICE_KEY")
        .env_remove("CCVERIFY_PCS_API_KEY")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("ccverify-cli-xdg"),
        );
    c
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/report")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// (id, subject, status) of every row: details may name the source ("0 RIM(s) in memory").
fn rows(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].to_string(),
                c["subject"].to_string(),
                c["status"].to_string(),
            )
        })
        .collect()
}

fn status_of(v: &serde_json::Value, id: &str) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The real-evidence report of the shared vectors, written to a temp file.
fn real_report(dir: &Path) -> PathBuf {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors().join("cases.json")).unwrap()).unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "real_evidence_report_nonce")
        .unwrap();
    let path = dir.join("report.json");
    std::fs::write(&path, case["report"].as_str().unwrap()).unwrap();
    path
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ccverify-session-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
const AT: &str = "2025-06-20T06:13:20Z";

#[test]
fn verify_report_offline_with_save_and_verify_bundle() {
    let dir = tempdir("report");
    let report = real_report(&dir);
    let collateral = vectors().join("../tdx/dcap-qvl/tdx_quote_collateral.json");
    let bundle = dir.join("bundle.json");
    let out = run(&[
        "verify-report",
        report.to_str().unwrap(),
        "--nonce",
        NONCE,
        "--offline",
        "--collateral",
        collateral.to_str().unwrap(),
        "--at",
        AT,
        "--save",
        bundle.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(status_of(&v, "tdx.quote_signature"), "pass");
    assert_eq!(status_of(&v, "tdx.report_data"), "fail");
    assert_eq!(status_of(&v, "report.nonce"), "pass");
    assert!(
        v["facts"]["summary"]
            .as_str()
            .unwrap()
            .contains("NOT VERIFIED")
    );

    // The bundle re-verifies to the same table, offline, at its own time and under its own
    // policy when asked for — with a warning that says so.
    let out2 = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--at",
        "recorded",
        "--policy",
        "recorded",
        "--json",
    ]);
    assert_eq!(out2.status.code(), Some(1));
    let v2 = json(&out2);
    assert_eq!(status_of(&v2, "bundle.inputs"), "warn");
    assert_eq!(rows(&v), rows(&v2)[1..].to_vec());
    // By default: now, under the default preset (the saved policy was offline).
    let now = json(&run(&["verify-bundle", bundle.to_str().unwrap(), "--json"]));
    assert_eq!(status_of(&now, "bundle.inputs"), "pass");
    assert_eq!(now["facts"]["bundle.time_source"], "clock");
    assert_eq!(now["facts"]["policy.name"], "default");
    // ... and differently later: the collateral has expired.
    let out3 = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--at",
        "2030-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(status_of(&json(&out3), "tdx.collateral"), "fail");
    // Human output ends with the plain-language summary.
    let out4 = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--policy",
        "strict",
    ]);
    let text = String::from_utf8_lossy(&out4.stdout);
    assert!(
        text.contains("report.key_binding") && text.contains("summary: NOT VERIFIED"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempdir("usage");
    let report = real_report(&dir);
    for args in [
        vec![
            "verify-report",
            report.to_str().unwrap(),
            "--nonce",
            "zz",
            "--offline",
        ],
        vec![
            "verify-report",
            report.to_str().unwrap(),
            "--nonce",
            NONCE,
            "--offline",
            "--policy",
            "lenient",
        ],
        vec!["verify-bundle", "/nonexistent/bundle.json"],
        vec!["verify-bundle", report.to_str().unwrap()],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

struct SandboxProcess {
    child: Child,
    url: String,
    model_id: String,
    model: String,
    address: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox(extra: &[&str]) -> SandboxProcess {
    let mut child = bin()
        .args(["sandbox", "--port", "0", "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    SandboxProcess {
        child,
        url: v["base_url"].as_str().unwrap().into(),
        model_id: v["model_id"].as_str().unwrap().into(),
        model: v["model"].as_str().unwrap().into(),
        address: v["signing_address"].as_str().unwrap().into(),
    }
}

#[test]
fn attest_against_the_sandbox_is_not_verified_and_saves_a_bundle() {
    let sb = sandbox(&[]);
    let dir = tempdir("attest");
    let bundle = dir.join("attest.json");
    let out = run(&[
        "attest",
        "--base-url",
        &sb.url,
        "--model-id",
        &sb.model_id,
        "--offline",
        "--retries",
        "0",
        "--save",
        bundle.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(status_of(&v, "gpu.nonce"), "fail");
    assert_eq!(v["signer"], sb.address.as_str());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("attesting model"),
        "progress on stderr: {stderr}"
    );
    let out = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--at",
        "recorded",
        "--policy",
        "recorded",
        "--json",
    ]);
    assert_eq!(rows(&json(&out))[1..].to_vec(), rows(&v));
}

#[test]
fn chat_refuses_an_unverified_attestation_unless_allowed() {
    let sb = sandbox(&[]);
    let base = [
        "chat",
        "--base-url",
        &sb.url,
        "--model-id",
        &sb.model_id,
        "--model",
        &sb.model,
        "--offline",
        "--retries",
        "0",
    ];
    let out = bin().args(base).args(["--message", "hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attestation failed"));

    let dir = tempdir("chat");
    let bundle = dir.join("chat.json");
    let out = bin()
        .args(base)
        .args([
            "--message",
            "hello sandbox",
            "--allow-unverified",
            "--json",
            "--save",
            bundle.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["verified"], false);
    assert_eq!(status_of(&v["verdict"], "response.response_hash"), "pass");
    assert_eq!(status_of(&v["verdict"], "session.attestation"), "fail");
    assert!(
        v["response"]
            .as_str()
            .unwrap()
            .contains("Echo: hello sandbox")
    );
    // The saved bundle holds the exchange, re-verified offline.
    let out = run(&["verify-bundle", bundle.to_str().unwrap(), "--json"]);
    let rows = json(&out)["checks"].as_array().unwrap().clone();
    assert!(rows.iter().any(|c| c["subject"] == "exchange0"
        && c["id"] == "response.signer"
        && c["status"] == "pass"));

    // Streamed: the deltas are printed as they arrive, then the verdict table.
    let out = bin()
        .args(base)
        .args([
            "--message",
            "one two three",
            "--allow-unverified",
            "--stream",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Echo: one two three\n"), "{text}");
    assert!(
        text.contains("stream.signature_block") && text.contains("session.attestation"),
        "{text}"
    );
}

#[test]
fn a_test_evidence_session_verifies_with_trust_test_and_only_then() {
    let sb = sandbox(&["--evidence", "test", "--bind-key", "--gpus", "2"]);
    let dir = tempdir("verified");
    let bundle = dir.join("verified.json");
    let ocsp = format!("{}/ocsp", sb.url);
    let session = |trust: &str, save: &str| {
        run(&[
            "chat",
            "--base-url",
            &sb.url,
            "--model-id",
            &sb.model_id,
            "--model",
            &sb.model,
            "--message",
            "hello",
            "--rim-url",
            &sb.url,
            "--ocsp-url",
            &ocsp,
            "--pccs-url",
            &sb.url,
            "--retries",
            "0",
            "--trust",
            trust,
            "--save",
            save,
        ])
    };
    let out = session("test", bundle.to_str().unwrap());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("VERIFIED"), "{stdout}");
    // Re-verified offline: with --trust test it verifies; without, never.
    let again = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--trust",
        "test",
        "--json",
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(status_of(&json(&again), "trust.anchors"), "warn");
    let text = run(&["verify-bundle", bundle.to_str().unwrap(), "--trust", "test"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("summary: TEST ROOTS — proves nothing about real hardware."),
        "{text}"
    );
    let plain = run(&["verify-bundle", bundle.to_str().unwrap(), "--json"]);
    assert_eq!(plain.status.code(), Some(1));
    assert_eq!(status_of(&json(&plain), "gpu.cert_chain"), "fail");
    // The production roots (the default): the session is refused.
    let other = dir.join("production.json");
    let out = session("production", other.to_str().unwrap());
    assert_ne!(out.status.code(), Some(0));
    // --trust with a bundle's recorded policy is a usage error (trust is never the bundle's).
    let out = run(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--policy",
        "recorded",
        "--trust",
        "test",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // --gpus and --bind-key describe test evidence only.
    let out = run(&["sandbox", "--port", "0", "--gpus", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--evidence test"));
}

#[test]
fn chat_log_appends_exchanges_that_audit_verifies_against_the_saved_bundle() {
    let sb = sandbox(&["--evidence", "test", "--bind-key"]);
    let dir = tempdir("chat-log");
    let log = dir.join("exchanges.jsonl");
    let ocsp = format!("{}/ocsp", sb.url);
    for (n, stream) in [(0, false), (1, true)] {
        let bundle = dir.join(format!("bundle{n}.json"));
        let mut args = vec![
            "chat",
            "--base-url",
            &sb.url,
            "--model-id",
            &sb.model_id,
            "--model",
            &sb.model,
            "--message",
            "hello",
            "--rim-url",
            &sb.url,
            "--ocsp-url",
            &ocsp,
            "--pccs-url",
            &sb.url,
            "--retries",
            "0",
            "--trust",
            "test",
            "--save",
            bundle.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ];
        if stream {
            args.push("--stream");
        }
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("\"bundle\":\"bundle0.json\""),
        "named relative to the log: {text}"
    );
    assert!(text.contains("\"stream\":"), "{text}");
    let audit = |file: &Path| run(&["audit", file.to_str().unwrap(), "--trust", "test", "--json"]);
    let out = audit(&log);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let summary = json(&out);
    assert_eq!(summary["verified"], 2);
    // Test roots: the key is never called attested, only caveated.
    assert_eq!(summary["keys"]["caveated"], 2);
    // One byte of the first logged request changed: that exchange fails, the other verifies.
    let tampered = dir.join("tampered.jsonl");
    std::fs::write(&tampered, text.replacen("hello", "jello", 1)).unwrap();
    let out = audit(&tampered);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["not_verified"], 1);
}
