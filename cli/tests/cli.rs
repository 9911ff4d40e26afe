//! The CLI contract other tools script against: arguments, exit codes (0 verified, 1 not
//! verified, 2 usage error or unreadable input) and `--json` output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccverify"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/exchanges")
        .join(name)
}

fn address(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("expected_address.txt"))
        .unwrap()
        .trim()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn verify_response(dir: &Path, extra: &[&str]) -> Output {
    let (req, resp, hdr) = (
        dir.join("request.json"),
        dir.join("response.json"),
        dir.join("headers.json"),
    );
    let mut args = vec![
        "verify-response",
        "--request",
        req.to_str().unwrap(),
        "--response",
        resp.to_str().unwrap(),
        "--headers",
        hdr.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

#[test]
fn genuine_response_exits_0_with_json_verdict() {
    let dir = example("01-n1_plain");
    let out = verify_response(&dir, &["--expect-address", &address(&dir), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert_eq!(v["verified"], true);
    assert_eq!(v["signer"], address(&dir));
    assert_eq!(v["checks"].as_array().unwrap().len(), 7);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"].is_string() && c["detail"].is_string())
    );
}

#[test]
fn human_output_is_a_check_table() {
    let dir = example("01-n1_plain");
    let out = verify_response(&dir, &["--expect-address", &address(&dir)]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("VERIFIED\n"), "{text}");
    assert!(text.contains("response.request_hash"));
    assert!(text.contains("PASS"));
}

#[test]
fn tampered_or_foreign_exits_1() {
    for name in [
        "02-n_body_tampered",
        "03-sig_other_response",
        "04-sig_foreign_key_header_attested",
    ] {
        let dir = example(name);
        let out = verify_response(&dir, &["--expect-address", &address(&dir), "--json"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(json(&out)["verified"], false, "{name}");
    }
}

#[test]
fn no_expected_address_is_not_verified() {
    let dir = example("01-n1_plain");
    let out = verify_response(&dir, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let signer = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "response.signer")
        .unwrap();
    assert_eq!(signer["status"], "skip");
}

#[test]
fn streams() {
    for (name, code) in [
        ("05-s1_stream_a5", 0),
        ("06-s_spliced_mid_line", 0),
        ("07-s_tampered_delta", 1),
        ("08-s_missing_block", 1),
    ] {
        let dir = example(name);
        let out = run(&[
            "verify-stream",
            "--request",
            dir.join("request.json").to_str().unwrap(),
            "--stream",
            dir.join("stream.sse").to_str().unwrap(),
            "--expect-address",
            &address(&dir),
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(code), "{name}");
        assert_eq!(json(&out)["verified"], code == 0, "{name}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = example("01-n1_plain");
    // Unreadable input.
    let out = run(&[
        "verify-stream",
        "--request",
        "/nonexistent/req",
        "--stream",
        "/nonexistent/s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read request"));
    // Malformed expected address (bad EIP-55 checksum).
    let out = verify_response(
        &dir,
        &[
            "--expect-address",
            "0x2c7536E3605D9C16a7a3D7b1898e529396a65C23",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // Missing required argument.
    assert_eq!(
        run(&["verify-response", "--request", "x"]).status.code(),
        Some(2)
    );
    // Unknown command.
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    // Headers file that is not an object of strings.
    let tmp = std::env::temp_dir().join(format!("ccverify-cli-{}.json", std::process::id()));
    std::fs::write(&tmp, r#"{"text": 5}"#).unwrap();
    let out = run(&[
        "verify-response",
        "--request",
        dir.join("request.json").to_str().unwrap(),
        "--response",
        dir.join("response.json").to_str().unwrap(),
        "--headers",
        tmp.to_str().unwrap(),
    ]);
    std::fs::remove_file(&tmp).ok();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nonce_command() {
    let out = run(&["nonce", "--normalize", "0xABCD", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["nonce"], format!("abcd{}", "0".repeat(60)));
    let out = run(&["nonce"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim().len(), 64);
    assert_eq!(run(&["nonce", "--normalize", "xyz"]).status.code(), Some(2));
    assert_eq!(run(&["nonce", "--normalize", ""]).status.code(), Some(2));
}

#[test]
fn checks_command_lists_every_id() {
    let out = run(&["checks", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"response.request_hash".to_string()));
    assert!(ids.contains(&"stream.signature_block".to_string()));
}

#[test]
fn stdin_input() {
    use std::io::Write;
    let dir = example("05-s1_stream_a5");
    let mut child = bin()
        .args([
            "verify-stream",
            "--request",
            dir.join("request.json").to_str().unwrap(),
            "--stream",
            "-",
            "--expect-address",
            &address(&dir),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(dir.join("stream.sse")).unwrap())
        .unwrap();
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

#[test]
fn recover_address_command() {
    let dir = example("01-n1_plain");
    let headers: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("headers.json")).unwrap()).unwrap();
    let (text, sig) = (
        headers["text"].as_str().unwrap(),
        headers["signature"].as_str().unwrap(),
    );
    let out = run(&[
        "recover-address",
        "--message",
        text,
        "--signature",
        sig,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["address"], address(&dir));
    // The legacy 64-byte form is refused with its own reason.
    let out = run(&[
        "recover-address",
        "--message",
        text,
        "--signature",
        &sig[..128],
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 bytes"));
    assert_eq!(
        run(&["recover-address", "--signature", sig]).status.code(),
        Some(2)
    );
}
