//! The CLI contract other tools script against: arguments, exit codes (0 verified, 1 not
//! verified, 2 usage error or unreadable input) and `--json` output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../net/tests/support/http.rs"]
mod support;
use support::{Reply, Server};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ccverify"));
    // Never read the user's key or write the user's cache.
    c.env_remove("CCVERIFY_SERVICE_KEY")
        .env_remove("CCVERIFY_PCS_API_KEY")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("ccverify-cli-xdg"),
        );
    c
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

// ---------------------------------------------------------------------------------------------
// GPU: NRAS EATs offline, and online mode against a loopback server
// ---------------------------------------------------------------------------------------------

fn gpu_vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu")
}

fn nras_dir() -> PathBuf {
    gpu_vectors().join("nras")
}

fn nras_index() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(nras_dir().join("index.json")).unwrap()).unwrap()
}

const SAMPLE_NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
const DRIVER_ID: &str = "NV_GPU_DRIVER_GH100_550.90.07";
const VBIOS_ID: &str = "NV_GPU_VBIOS_1010_0200_882_96009F0001";

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccverify-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// NVIDIA's sample H100 evidence as an io.net `gpu` object (conformance case 0), in `dir`.
fn sample_gpu(dir: &Path) -> PathBuf {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(gpu_vectors().join("cases.json")).unwrap()).unwrap();
    let case = &cases["cases"][0];
    assert_eq!(case["nonce"], SAMPLE_NONCE);
    let path = dir.join("gpu.json");
    std::fs::write(&path, case["gpu"].as_str().unwrap()).unwrap();
    path
}

fn rim_xml(id: &str) -> Vec<u8> {
    std::fs::read(gpu_vectors().join(format!("rimdirs/mismatched/{id}.xml"))).unwrap()
}

/// One server for everything: the RIM service (`/v1/rim/<id>`, the two RIMs of
/// `rimdirs/mismatched`), an OCSP responder (`/ocsp`, always the TEST-PKI `good_issuer`
/// response, which is about another certificate) and NRAS (`/attest` → `eat`, `/jwks`).
fn online_server(eat: &'static str) -> Server {
    use base64::Engine as _;
    let ocsp = std::fs::read(gpu_vectors().join("ocsp/responses/good_issuer.der")).unwrap();
    Server::start(move |r| {
        if let Some(id) = r.path.strip_prefix("/v1/rim/") {
            return if id == DRIVER_ID || id == VBIOS_ID {
                Reply::json(&serde_json::json!({
                    "id": id,
                    "rim": base64::engine::general_purpose::STANDARD.encode(rim_xml(id)),
                    "sha256": "",
                    "request_id": "t",
                }))
            } else {
                Reply::status(404)
            };
        }
        match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/ocsp") if r.header("content-type") == Some("application/ocsp-request") => {
                Reply::new(200, "application/ocsp-response", ocsp.clone())
            }
            ("POST", "/attest") => Reply::new(
                200,
                "application/json",
                std::fs::read(nras_dir().join(eat)).unwrap(),
            ),
            ("POST", "/forbidden") => Reply::new(403, "application/json", r#"{"msg":"key"}"#),
            ("GET", "/jwks") => Reply::new(
                200,
                "application/json",
                std::fs::read(nras_dir().join("jwks.json")).unwrap(),
            ),
            _ => Reply::status(400),
        }
    })
}

fn find<'a>(v: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .collect()
}

fn one<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let rows = find(v, id);
    assert_eq!(rows.len(), 1, "{id}: {v}");
    rows[0]
}

#[test]
fn verify_eat_runs_every_nras_vector() {
    let index = nras_index();
    let jwks = nras_dir().join("jwks.json");
    for vector in index["vectors"].as_array().unwrap() {
        let file = nras_dir().join(vector["file"].as_str().unwrap());
        let mut args = vec![
            "verify-eat".to_string(),
            file.to_string_lossy().into_owned(),
            "--jwks".into(),
            jwks.to_string_lossy().into_owned(),
            "--nonce".into(),
            index["nonce"].as_str().unwrap().to_string(),
            "--at".into(),
            "2024-06-01T00:00:00Z".into(),
            "--json".into(),
        ];
        if let Some(n) = vector["expected_gpus"].as_u64() {
            args.extend(["--expect-gpus".to_string(), n.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        let verified = vector["verified"].as_bool().unwrap();
        assert_eq!(
            out.status.code(),
            Some(if verified { 0 } else { 1 }),
            "{}: {}",
            vector["file"],
            String::from_utf8_lossy(&out.stdout)
        );
        let v = json(&out);
        assert_eq!(v["verified"], verified);
        let rows = find(&v, "gpu.nras");
        assert_eq!(rows.len(), 1 + vector["gpus"].as_u64().unwrap() as usize);
        assert_eq!(rows.len(), v["checks"].as_array().unwrap().len());
    }
}

#[test]
fn verify_eat_human_output_and_usage_errors() {
    let eat = nras_dir().join("good_8gpu.json");
    let jwks = nras_dir().join("jwks.json");
    let (eat, jwks) = (eat.to_str().unwrap(), jwks.to_str().unwrap());
    let at = "2024-06-01T00:00:00Z";
    let out = run(&[
        "verify-eat",
        eat,
        "--jwks",
        jwks,
        "--nonce",
        SAMPLE_NONCE,
        "--at",
        at,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("VERIFIED\n"), "{text}");
    assert!(text.contains("gpu7 gpu.nras"), "{text}");
    // Valid, but not the count expected; and at the real clock the token has expired.
    let out = run(&[
        "verify-eat",
        eat,
        "--jwks",
        jwks,
        "--nonce",
        SAMPLE_NONCE,
        "--at",
        at,
        "--expect-gpus",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["verify-eat", eat, "--jwks", jwks, "--nonce", SAMPLE_NONCE]);
    assert_eq!(out.status.code(), Some(1));

    let dir = scratch("eat-usage");
    let empty_jwks = dir.join("jwks.json");
    std::fs::write(&empty_jwks, r#"{"keys":[]}"#).unwrap();
    for args in [
        vec![
            "verify-eat",
            eat,
            "--jwks",
            empty_jwks.to_str().unwrap(),
            "--nonce",
            SAMPLE_NONCE,
        ],
        vec![
            "verify-eat",
            eat,
            "--jwks",
            "/nonexistent/jwks.json",
            "--nonce",
            SAMPLE_NONCE,
        ],
        vec![
            "verify-eat",
            "/nonexistent/eat.json",
            "--jwks",
            jwks,
            "--nonce",
            SAMPLE_NONCE,
        ],
        vec!["verify-eat", eat, "--jwks", jwks, "--nonce", "xyz"],
        vec![
            "verify-eat",
            eat,
            "--jwks",
            jwks,
            "--nonce",
            SAMPLE_NONCE,
            "--at",
            "June",
        ],
        vec!["verify-eat", eat, "--nonce", SAMPLE_NONCE],
    ] {
        assert_eq!(run(&args).status.code(), Some(2), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(feature = "net")]
fn verify_gpu_online_fetches_rims_and_asks_ocsp() {
    let server = online_server("good_1gpu.json");
    let dir = scratch("online");
    let gpu = sample_gpu(&dir);
    let cache = dir.join("rims");
    let rim_url = server.url("");
    let ocsp_url = server.url("/ocsp");
    // At the present time (the sample's device chain is valid until 9999).
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--rim-cache",
        cache.to_str().unwrap(),
        "--rim-url",
        &rim_url,
        "--ocsp-url",
        &ocsp_url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    // Both RIMs came from the service and were verified: genuine, but for other versions.
    let driver = one(&v, "gpu.driver_rim");
    assert_eq!(driver["status"], "fail");
    assert!(
        driver["detail"]
            .as_str()
            .unwrap()
            .contains("is for driver version"),
        "{driver}"
    );
    assert_eq!(one(&v, "gpu.vbios_rim")["status"], "fail");
    // OCSP was asked live; the answer (about a TEST certificate) was verified and refused.
    let ocsp = one(&v, "gpu.ocsp");
    assert_eq!(ocsp["status"], "fail", "{ocsp}");
    assert!(
        ocsp["detail"].as_str().unwrap().contains("rejected"),
        "{ocsp}"
    );

    let reqs = server.requests();
    let gets: Vec<&str> = reqs
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(gets.contains(&format!("/v1/rim/{DRIVER_ID}").as_str()));
    assert!(gets.contains(&format!("/v1/rim/{VBIOS_ID}").as_str()));
    let posts: Vec<_> = reqs.iter().filter(|r| r.method == "POST").collect();
    // The three device intermediates at least (RIM signer chains are asked too).
    assert!(posts.len() >= 3, "{}", posts.len());
    for p in &posts {
        assert_eq!(p.path, "/ocsp");
        assert_eq!(p.header("content-type"), Some("application/ocsp-request"));
        assert_eq!(p.body[0], 0x30, "a DER SEQUENCE");
        assert_eq!(&p.body[p.body.len() - 34..p.body.len() - 32], &[0x04, 0x20]);
        assert!(p.header("authorization").is_none());
    }
    // Cached under <id>.xml.
    for id in [DRIVER_ID, VBIOS_ID] {
        assert_eq!(
            std::fs::read(cache.join(format!("{id}.xml"))).unwrap(),
            rim_xml(id)
        );
    }

    // Again with nothing reachable: the RIMs come from the cache, OCSP is not proven and the
    // detail says why.
    let dead = support::dead_url();
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--rim-cache",
        cache.to_str().unwrap(),
        "--rim-url",
        &dead,
        "--ocsp-url",
        &dead,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert!(
        one(&v, "gpu.driver_rim")["detail"]
            .as_str()
            .unwrap()
            .contains("is for driver version")
    );
    let ocsp = one(&v, "gpu.ocsp");
    assert_eq!(ocsp["status"], "skip", "{ocsp}");
    assert!(
        ocsp["detail"].as_str().unwrap().contains("unreachable"),
        "{ocsp}"
    );
    assert!(v["facts"]["gpu.ocsp.network_errors"].is_string());

    // No cache and no service: the RIMs are missing (skipped), with the reason.
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--no-rim-cache",
        "--rim-url",
        &dead,
        "--ocsp-url",
        &dead,
        "--json",
    ]);
    let v = json(&out);
    let driver = one(&v, "gpu.driver_rim");
    assert_eq!(driver["status"], "skip", "{driver}");
    let detail = driver["detail"].as_str().unwrap();
    assert!(
        detail.contains("not found") && detail.contains("unreachable"),
        "{detail}"
    );
    assert!(!detail.contains(VBIOS_ID), "{detail}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_gpu_offline_never_connects() {
    let server = online_server("good_1gpu.json");
    let dir = scratch("offline");
    let gpu = sample_gpu(&dir);
    let rim_url = server.url("");
    let ocsp_url = server.url("/ocsp");
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--offline",
        "--rim-cache",
        dir.join("rims").to_str().unwrap(),
        "--rim-url",
        &rim_url,
        "--ocsp-url",
        &ocsp_url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(one(&v, "gpu.driver_rim")["status"], "skip");
    assert_eq!(one(&v, "gpu.ocsp")["status"], "skip");
    assert!(server.requests().is_empty());
    assert!(!dir.join("rims").exists());
    // The offline conformance case still passes with a RIM directory.
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--offline",
        "--at",
        "2024-06-01T00:00:00Z",
        "--rim-dir",
        gpu_vectors().join("rimdirs/mismatched").to_str().unwrap(),
        "--json",
    ]);
    let v = json(&out);
    assert!(
        one(&v, "gpu.driver_rim")["detail"]
            .as_str()
            .unwrap()
            .contains("is for driver version")
    );
    assert!(server.requests().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(feature = "net")]
fn verify_gpu_with_nras() {
    let server = online_server("good_1gpu.json");
    let dir = scratch("nras");
    let gpu = sample_gpu(&dir);
    let (rim_url, ocsp_url, nras_url, jwks_url) = (
        server.url(""),
        server.url("/ocsp"),
        server.url("/attest"),
        server.url("/jwks"),
    );
    // The NRAS fixtures are valid at 2024-06-01; live OCSP is not asked at a past time.
    let out = bin()
        .args([
            "verify-gpu",
            gpu.to_str().unwrap(),
            "--nonce",
            SAMPLE_NONCE,
            "--at",
            "2024-06-01T00:00:00Z",
            "--rim-cache",
            dir.join("rims").to_str().unwrap(),
            "--rim-url",
            &rim_url,
            "--ocsp-url",
            &ocsp_url,
            "--nras",
            "--nras-url",
            &nras_url,
            "--jwks-url",
            &jwks_url,
            "--expect-gpus",
            "1",
            "--json",
        ])
        .env("CCVERIFY_SERVICE_KEY", "test-key")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let nras = find(&v, "gpu.nras");
    assert_eq!(nras.len(), 2, "{v}");
    assert!(nras.iter().all(|c| c["status"] == "pass"), "{nras:?}");
    assert_eq!(nras[1]["subject"], "gpu0");
    assert_eq!(v["facts"]["gpu.nras.kid"], "test-kid");
    // The local rows are all there too, and decide as well (the RIMs are for other versions).
    assert_eq!(one(&v, "gpu.driver_rim")["status"], "fail");
    let ocsp = one(&v, "gpu.ocsp");
    assert_eq!(ocsp["status"], "skip");
    assert!(
        ocsp["detail"]
            .as_str()
            .unwrap()
            .contains("live OCSP not queried"),
        "{ocsp}"
    );

    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.path != "/ocsp"));
    let attest = reqs.iter().find(|r| r.path == "/attest").unwrap();
    assert_eq!(attest.body, std::fs::read(&gpu).unwrap(), "posted as is");
    assert_eq!(attest.header("content-type"), Some("application/json"));
    assert_eq!(attest.header("authorization"), Some("Bearer test-key"));
    let rim = reqs
        .iter()
        .find(|r| r.path.starts_with("/v1/rim/"))
        .unwrap();
    assert_eq!(rim.header("authorization"), Some("Bearer test-key"));
    assert!(reqs.iter().any(|r| r.path == "/jwks"));

    // NRAS refuses: the rows say so and nothing verifies.
    let forbidden = server.url("/forbidden");
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--no-rim-cache",
        "--rim-url",
        &rim_url,
        "--ocsp-url",
        &ocsp_url,
        "--nras",
        "--nras-url",
        &forbidden,
        "--jwks-url",
        &jwks_url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let nras = one(&v, "gpu.nras");
    assert_eq!(nras["status"], "skip");
    assert!(
        nras["detail"].as_str().unwrap().contains("forbidden"),
        "{nras}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(feature = "net")]
fn verify_gpu_default_rim_cache_and_online_usage_errors() {
    let server = online_server("good_1gpu.json");
    let dir = scratch("defaults");
    let gpu = sample_gpu(&dir);
    let rim_url = server.url("");
    let gpu = gpu.to_str().unwrap();
    // The default cache is $XDG_CACHE_HOME/ccverify/rims.
    let xdg = dir.join("xdg");
    let out = bin()
        .args([
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--at",
            "2024-06-01T00:00:00Z",
            "--rim-url",
            &rim_url,
        ])
        .env("XDG_CACHE_HOME", &xdg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        xdg.join("ccverify/rims")
            .join(format!("{DRIVER_ID}.xml"))
            .is_file()
    );

    let a_file = dir.join("file");
    std::fs::write(&a_file, b"x").unwrap();
    let bad_cache = a_file.join("sub");
    for args in [
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--nras",
            "--offline",
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--rim-url",
            "ftp://x/",
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--ocsp-url",
            "ocsp",
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--nras",
            "--nras-url",
            "x",
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--nras",
            "--jwks-url",
            "x",
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--rim-cache",
            bad_cache.to_str().unwrap(),
        ],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--rim-cache",
            "c",
            "--no-rim-cache",
        ],
        vec!["verify-gpu", gpu, "--nonce", "zz", "--offline"],
        vec![
            "verify-gpu",
            gpu,
            "--nonce",
            SAMPLE_NONCE,
            "--ocsp-dir",
            "/nonexistent/ocsp",
        ],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/v1/rim/"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(not(feature = "net"))]
fn without_net_feature_online_is_offline_and_nras_refused() {
    let server = online_server("good_1gpu.json");
    let dir = scratch("nonet");
    let gpu = sample_gpu(&dir);
    let rim_url = server.url("");
    let gpu = gpu.to_str().unwrap();
    let out = run(&[
        "verify-gpu",
        gpu,
        "--nonce",
        SAMPLE_NONCE,
        "--rim-url",
        &rim_url,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(server.requests().is_empty());
    let out = run(&["verify-gpu", gpu, "--nonce", SAMPLE_NONCE, "--nras"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// TDX: offline with the fixtures, and collateral fetched from a loopback PCS/PCCS
// ---------------------------------------------------------------------------------------------

fn tdx_vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tdx")
}

fn tdx_file(name: &str) -> String {
    tdx_vectors()
        .join("dcap-qvl")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn tdx_case(name: &str) -> serde_json::Value {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tdx_vectors().join("cases.json")).unwrap()).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

/// (quote hex file in `dir`, `--at`, `--report-data`) of a conformance case.
fn tdx_inputs(dir: &Path, name: &str) -> (String, String, String) {
    let case = tdx_case(name);
    let quote = dir.join(format!("{name}.hex"));
    std::fs::write(&quote, case["quote"].as_str().unwrap()).unwrap();
    (
        quote.to_str().unwrap().to_string(),
        case["at"].as_str().unwrap().to_string(),
        case["expected_report_data"]["report_data"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

fn tdx_status(v: &serde_json::Value, id: &str) -> String {
    one(v, id)["status"].as_str().unwrap().to_string()
}

#[test]
fn verify_tdx_offline_with_the_fixtures() {
    let dir = scratch("tdx-offline");
    let (quote, at, rd) = tdx_inputs(&dir, "v4_uptodate");
    let collateral = tdx_file("tdx_quote_collateral.json");
    let base = [
        "verify-tdx",
        "--quote",
        &quote,
        "--collateral",
        &collateral,
        "--at",
        &at,
    ];

    // Verified: JSON and human forms; hex or binary quote; stdin.
    let mut args = base.to_vec();
    args.extend(["--report-data", &rd, "--json", "--offline"]);
    let out = run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert_eq!(v["verified"], true);
    assert_eq!(v["facts"]["tdx.tcb_status"], "UpToDate");
    assert_eq!(
        v["facts"]["tdx.collateral_source"],
        format!("file {collateral}")
    );
    for id in [
        "tdx.quote_parse",
        "tdx.collateral",
        "tdx.quote_signature",
        "tdx.tcb_status",
        "tdx.td_attributes",
        "tdx.report_data",
    ] {
        assert_eq!(tdx_status(&v, id), "pass", "{id}");
    }
    assert_eq!(tdx_status(&v, "tdx.measurements"), "warn");
    let binary = tdx_file("tdx_quote");
    let out = run(&[
        "verify-tdx",
        "--quote",
        &binary,
        "--collateral",
        &collateral,
        "--at",
        &at,
        "--report-data",
        &rd,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("VERIFIED\n"), "{text}");
    assert!(
        text.contains("tdx.tcb_status       PASS    TCB status UpToDate"),
        "{text}"
    );
    let out = bin()
        .args(["verify-tdx", "--quote", "-", "--collateral", &collateral])
        .args(["--at", &at, "--report-data", &rd])
        .stdin(std::fs::File::open(&quote).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    // The TD 1.5 quote (v5) with its own collateral.
    let (q5, at5, rd5) = tdx_inputs(&dir, "v5_td15ex_uptodate");
    let c5 = tdx_file("tdx_quote_td15ex_collateral.json");
    let out = run(&[
        "verify-tdx",
        "--quote",
        &q5,
        "--collateral",
        &c5,
        "--at",
        &at5,
        "--report-data",
        &rd5,
    ]);
    assert_eq!(out.status.code(), Some(0));

    // Not verified, exit 1: another nonce; no expected REPORTDATA; after the collateral
    // expired; a measurement allowlist the TD is not in; an outdated platform.
    let nonce = "01".repeat(32);
    for (extra, id, status) in [
        (vec!["--nonce", nonce.as_str()], "tdx.report_data", "fail"),
        (vec![], "tdx.report_data", "skip"),
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        args.push("--json");
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let v = json(&out);
        assert_eq!(v["verified"], false);
        assert_eq!(tdx_status(&v, id), status);
    }
    let out = run(&[
        "verify-tdx",
        "--quote",
        &quote,
        "--collateral",
        &collateral,
        "--at",
        "2025-08-01T00:00:00Z",
        "--report-data",
        &rd,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(tdx_status(&json(&out), "tdx.collateral"), "fail");
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        format!(
            r#"{{"mrtd":["{}"],"accepted_tcb_statuses":["UpToDate"]}}"#,
            "ab".repeat(48)
        ),
    )
    .unwrap();
    let mut args = base.to_vec();
    args.extend([
        "--report-data",
        &rd,
        "--json",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(tdx_status(&v, "tdx.measurements"), "fail");
    let outdated = tdx_file("tdx_quote_outdated");
    let out = run(&[
        "verify-tdx",
        "--quote",
        &outdated,
        "--collateral",
        &tdx_file("tdx_quote_outdated_collateral.json"),
        "--at",
        "2026-03-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("NOT VERIFIED\n"), "{text}");
    assert!(
        text.contains("not verified: failed: tdx.tcb_status"),
        "{text}"
    );

    // Collateral that is not collateral is a verdict (exit 1), not a usage error.
    let out = run(&[
        "verify-tdx",
        "--quote",
        &quote,
        "--collateral",
        &quote,
        "--at",
        &at,
        "--report-data",
        &rd,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(tdx_status(&json(&out), "tdx.collateral"), "fail");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_tdx_usage_errors_exit_2() {
    let server = Server::start(|_| Reply::status(500));
    let url = server.url("");
    let dir = scratch("tdx-usage");
    let (quote, at, rd) = tdx_inputs(&dir, "v4_uptodate");
    let collateral = tdx_file("tdx_quote_collateral.json");
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, b"{accepted").unwrap();
    let unknown_key = dir.join("unknown.json");
    std::fs::write(&unknown_key, br#"{"mrdt":[]}"#).unwrap();
    let revoked = dir.join("revoked.json");
    std::fs::write(&revoked, br#"{"accepted_tcb_statuses":["Revoked"]}"#).unwrap();
    let latin1 = dir.join("latin1.json");
    std::fs::write(&latin1, b"{\"allow_debug\":\xff}").unwrap();
    let a_file = dir.join("file");
    std::fs::write(&a_file, b"x").unwrap();
    let bad_cache = a_file.join("sub");
    let bad_cache = bad_cache.to_str().unwrap();
    let nonce = "11".repeat(32);
    let with = |extra: &[&str]| {
        let mut args = vec!["verify-tdx", "--quote", quote.as_str(), "--at", at.as_str()];
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<String>>()
    };
    for args in [
        // Both ways of saying what REPORTDATA must be.
        with(&[
            "--collateral",
            &collateral,
            "--nonce",
            &nonce,
            "--report-data",
            &rd,
        ]),
        with(&["--collateral", &collateral, "--nonce", "xyz"]),
        with(&["--collateral", &collateral, "--report-data", "abcd"]),
        // Bad policy files.
        with(&[
            "--collateral",
            &collateral,
            "--policy",
            not_json.to_str().unwrap(),
        ]),
        with(&[
            "--collateral",
            &collateral,
            "--policy",
            unknown_key.to_str().unwrap(),
        ]),
        with(&[
            "--collateral",
            &collateral,
            "--policy",
            revoked.to_str().unwrap(),
        ]),
        with(&[
            "--collateral",
            &collateral,
            "--policy",
            latin1.to_str().unwrap(),
        ]),
        with(&[
            "--collateral",
            &collateral,
            "--policy",
            "/nonexistent/policy.json",
        ]),
        // Unreadable inputs, bad time.
        with(&["--collateral", "/nonexistent/collateral.json"]),
        vec![
            "verify-tdx".into(),
            "--quote".into(),
            "/nonexistent/q".into(),
        ],
        with(&["--collateral", &collateral, "--at", "yesterday"]),
        // Online options.
        with(&["--pccs-url", "ftp://x/", "--no-collateral-cache"]),
        with(&["--pccs-url", &url, "--collateral-cache", bad_cache]),
        with(&["--collateral-cache", "c", "--no-collateral-cache"]),
        with(&["--offline", "--no-collateral-cache"]),
        vec![
            "verify-tdx".into(),
            "--collateral".into(),
            collateral.clone(),
        ],
    ] {
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Percent-encodes all but RFC 3986 unreserved characters, as Intel PCS's chain headers are.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A PCCS serving the v4 sample collateral (`tdx_quote_collateral.json`) in PCS's shapes: chains
/// in URL-encoded headers, `{"tcbInfo":…,"signature":…}` bodies, DER CRLs, the root CA CRL as
/// hex at `rootcacrl`.
fn pccs_server() -> Server {
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tdx_file("tdx_quote_collateral.json")).unwrap())
            .unwrap();
    Server::start(move |r| {
        let s = |k: &str| c[k].as_str().unwrap().to_string();
        match r.path.as_str() {
            "/sgx/certification/v4/pckcrl?ca=platform&encoding=der" => Reply::new(
                200,
                "application/pkix-crl",
                hex::decode(s("pck_crl")).unwrap(),
            )
            .with_header(
                "SGX-PCK-CRL-Issuer-Chain",
                &url_encode(&s("pck_crl_issuer_chain")),
            ),
            "/tdx/certification/v4/tcb?fmspc=B0C06F000000" => Reply::new(
                200,
                "application/json",
                format!(
                    r#"{{"tcbInfo":{},"signature":"{}"}}"#,
                    s("tcb_info"),
                    s("tcb_info_signature")
                ),
            )
            .with_header(
                "TCB-Info-Issuer-Chain",
                &url_encode(&s("tcb_info_issuer_chain")),
            ),
            "/tdx/certification/v4/qe/identity" => Reply::new(
                200,
                "application/json",
                format!(
                    r#"{{"enclaveIdentity":{},"signature":"{}"}}"#,
                    s("qe_identity"),
                    s("qe_identity_signature")
                ),
            )
            .with_header(
                "SGX-Enclave-Identity-Issuer-Chain",
                &url_encode(&s("qe_identity_issuer_chain")),
            ),
            "/sgx/certification/v4/rootcacrl" => Reply::new(200, "text/plain", s("root_ca_crl")),
            _ => Reply::status(404),
        }
    })
}

#[cfg(feature = "net")]
const PCCS_PATHS: [&str; 4] = [
    "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
    "/sgx/certification/v4/rootcacrl",
    "/tdx/certification/v4/qe/identity",
    "/tdx/certification/v4/tcb?fmspc=B0C06F000000",
];

#[cfg(feature = "net")]
fn sorted_paths(server: &Server) -> Vec<String> {
    let mut p: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    p.sort();
    p
}

#[test]
#[cfg(feature = "net")]
fn verify_tdx_fetches_collateral_and_caches_it() {
    let server = pccs_server();
    let url = server.url("");
    let dir = scratch("tdx-online");
    let (quote, at, rd) = tdx_inputs(&dir, "v4_uptodate");
    let cache = dir.join("cache");
    let cache_arg = cache.to_str().unwrap().to_string();
    let online = |extra: &[&str]| {
        let mut c = bin();
        c.args([
            "verify-tdx",
            "--quote",
            &quote,
            "--at",
            &at,
            "--report-data",
            &rd,
            "--json",
        ])
        .args(["--pccs-url", &url])
        .args(extra);
        c
    };

    // Fetched (with the API key), verified, cached.
    let out = online(&["--collateral-cache", &cache_arg])
        .env("CCVERIFY_PCS_API_KEY", "pcs-key")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    assert_eq!(v["verified"], true);
    let source = v["facts"]["tdx.collateral_source"].as_str().unwrap();
    assert!(source.starts_with(&format!("{url} (fetched ")), "{source}");
    assert_eq!(sorted_paths(&server), PCCS_PATHS);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("Ocp-Apim-Subscription-Key") == Some("pcs-key"))
    );
    let cached = cache.join("tdx-B0C06F000000-platform.json");
    assert!(cached.is_file());

    // From the cache: no request; offline too.
    for extra in [vec![], vec!["--offline"]] {
        let mut args = vec!["--collateral-cache", cache_arg.as_str()];
        args.extend(extra);
        let out = online(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v = json(&out);
        let source = v["facts"]["tdx.collateral_source"].as_str().unwrap();
        assert!(source.starts_with("cache "), "{source}");
        assert!(
            source.contains("tdx-B0C06F000000-platform.json"),
            "{source}"
        );
    }
    assert_eq!(server.requests().len(), 4);

    // --no-collateral-cache fetches again.
    let out = online(&["--no-collateral-cache"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.requests().len(), 8);

    // The policy's max_collateral_age_secs also bounds the cache: refused, fetched again,
    // and the (old) collateral then fails the policy.
    let policy = dir.join("young.json");
    std::fs::write(&policy, br#"{"max_collateral_age_secs":3600}"#).unwrap();
    let out = online(&[
        "--collateral-cache",
        &cache_arg,
        "--policy",
        policy.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(tdx_status(&v, "tdx.collateral"), "fail");
    assert!(
        one(&v, "tdx.collateral")["detail"]
            .as_str()
            .unwrap()
            .contains("more than the policy's 3600 s")
    );
    assert_eq!(server.requests().len(), 12);

    // The default cache is $XDG_CACHE_HOME/ccverify/collateral.
    let xdg = dir.join("xdg");
    let out = online(&[]).env("XDG_CACHE_HOME", &xdg).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        xdg.join("ccverify/collateral/tdx-B0C06F000000-platform.json")
            .is_file()
    );

    // Offline with nothing cached, or the service down: not verified, and the row says why.
    let empty = dir.join("empty");
    let n = server.requests().len();
    let out = online(&["--offline", "--collateral-cache", empty.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(tdx_status(&v, "tdx.collateral"), "skip");
    let detail = one(&v, "tdx.collateral")["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("no collateral: offline, and no collateral is cached"),
        "{detail}"
    );
    // The REPORTDATA matches, but without collateral the quote is not authenticated: skipped.
    assert_eq!(tdx_status(&v, "tdx.report_data"), "skip");
    assert_eq!(server.requests().len(), n);
    let dead = support::dead_url();
    let out = bin()
        .args([
            "verify-tdx",
            "--quote",
            &quote,
            "--at",
            &at,
            "--report-data",
            &rd,
        ])
        .args(["--pccs-url", &dead, "--no-collateral-cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("tdx.collateral       SKIP    no collateral: "),
        "{text}"
    );
    assert!(text.contains("unreachable"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(not(feature = "net"))]
fn without_net_feature_verify_tdx_needs_collateral() {
    let dir = scratch("tdx-nonet");
    let (quote, at, _) = tdx_inputs(&dir, "v4_uptodate");
    let server = pccs_server();
    let url = server.url("");
    let out = run(&[
        "verify-tdx",
        "--quote",
        &quote,
        "--at",
        &at,
        "--pccs-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--collateral FILE is needed"));
    assert!(server.requests().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_tdx_and_verify_gpu_take_a_trust_anchor_file() {
    let dir = scratch("tdx-trust");
    let (quote, at, rd) = tdx_inputs(&dir, "tp_uptodate");
    let tp = tdx_vectors().join("testpki");
    let collateral = tp.join("collateral.json");
    let anchors = tp.join("anchors-intel.pem");
    let (collateral, anchors) = (collateral.to_str().unwrap(), anchors.to_str().unwrap());
    let tdx = |trust: &str| {
        run(&[
            "verify-tdx",
            "--quote",
            &quote,
            "--collateral",
            collateral,
            "--at",
            &at,
            "--report-data",
            &rd,
            "--trust",
            trust,
            "--json",
        ])
    };
    // A caller's anchor file: verified, and the verdict names the file.
    let out = tdx(anchors);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = json(&out);
    let row = one(&v, "trust.anchors");
    assert_eq!(row["status"], "warn");
    let detail = row["detail"].as_str().unwrap();
    assert!(
        detail.contains("CALLER'S TRUST ANCHORS") && detail.contains(anchors),
        "{detail}"
    );
    // The same quote under the production root: not verified.
    let out = tdx("production");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(tdx_status(&json(&out), "tdx.quote_signature"), "fail");
    // An unusable anchor file is a usage error, named.
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for bad in [not_pem.to_str().unwrap(), "/nonexistent/roots.pem"] {
        let out = tdx(bad);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("trust anchor file"), "{err}");
    }
    // verify-gpu reads --trust too: this file has no NVIDIA root, so no GPU chain verifies.
    let gpu = sample_gpu(&dir);
    let out = run(&[
        "verify-gpu",
        gpu.to_str().unwrap(),
        "--nonce",
        SAMPLE_NONCE,
        "--offline",
        "--trust",
        anchors,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(one(&v, "trust.anchors")["status"], "warn");
    let chain = find(&v, "gpu.cert_chain");
    assert!(
        chain.iter().all(|c| c["status"] == "fail")
            && chain[0]["detail"]
                .as_str()
                .unwrap()
                .contains("has no NVIDIA (P-384) root"),
        "{chain:?}"
    );
}
