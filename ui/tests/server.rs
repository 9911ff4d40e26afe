//! The page server's API and its guards, against a test-evidence sandbox on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;

use ccverify::trust::Trust;
use ccverify_net::client::ClientConfig;
use ccverify_sandbox::{Evidence, SANDBOX_MODEL_ID, SANDBOX_MODEL_NAME, Sandbox, SandboxConfig};
use ccverify_ui::{TOKEN_HEADER, Ui, UiConfig};
use serde_json::{Value, json};

const API_KEY: &str = "sk-never-leaves-the-server-7f3a";

fn start() -> (Sandbox, Ui) {
    let sb = Sandbox::start(SandboxConfig {
        port: 0,
        evidence: Evidence::Test,
        gpus: 2,
        api_key: Some(API_KEY.into()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let mut client = ClientConfig {
        base_url: sb.base_url(),
        api_key: Some(API_KEY.into()),
        rim_url: Some(sb.rim_url()),
        ocsp_url: Some(sb.ocsp_url()),
        pccs_url: Some(sb.pccs_url()),
        retries: 0,
        ..ClientConfig::default()
    };
    client.policy.trust = Trust::Test;
    let ui = Ui::start(UiConfig {
        port: 0,
        client,
        gateway_label: "sandbox".into(),
        sandbox: true,
        default_model: Some(SANDBOX_MODEL_ID.into()),
        log: false,
    })
    .unwrap();
    (sb, ui)
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One raw HTTP/1.1 request (the server closes after each), with the chunked body decoded.
fn request(ui: &Ui, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(ui.local_addr()).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut body = raw[split + 4..].to_vec();
    let status = head[9..12].parse().unwrap();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    Reply { status, head, body }
}

fn host(ui: &Ui) -> String {
    format!("127.0.0.1:{}", ui.local_addr().port())
}

fn api(ui: &Ui, method: &str, path: &str, body: Option<Value>) -> Reply {
    let host = host(ui);
    let mut headers = vec![("Host", host.as_str()), (TOKEN_HEADER, ui.token())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    request(ui, method, path, &headers, &bytes)
}

fn attest(ui: &Ui) -> Value {
    let r = api(
        ui,
        "POST",
        "/api/attest",
        Some(json!({"model_id": SANDBOX_MODEL_ID, "model": SANDBOX_MODEL_NAME})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn the_page_is_served_with_a_strict_policy_and_the_api_needs_the_token() {
    let (_sb, ui) = start();
    let host = host(&ui);
    let page = request(&ui, "GET", "/", &[("Host", &host)], b"");
    assert_eq!(page.status, 200);
    assert!(
        page.head
            .contains("Content-Security-Policy: default-src 'none'; script-src 'self'")
    );
    assert!(page.head.contains("X-Frame-Options: DENY"));
    assert!(String::from_utf8_lossy(&page.body).contains("<script src=\"/app.js\""));
    for path in ["/app.js", "/app.css"] {
        assert_eq!(
            request(&ui, "GET", path, &[("Host", &host)], b"").status,
            200
        );
    }
    // No token, a wrong token, a token of the right length but wrong: all refused.
    let none = request(&ui, "GET", "/api/status", &[("Host", &host)], b"");
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["error"], "unauthorized");
    let wrong = "0".repeat(64);
    for token in ["x", wrong.as_str()] {
        let r = request(
            &ui,
            "GET",
            "/api/status",
            &[("Host", &host), (TOKEN_HEADER, token)],
            b"",
        );
        assert_eq!(r.status, 401);
    }
    assert_eq!(api(&ui, "GET", "/api/status", None).status, 200);
    // The URL carries the token in the fragment only.
    assert!(ui.url().ends_with(&format!("/#token={}", ui.token())));
    assert_eq!(ui.token().len(), 64);
}

#[test]
fn other_hosts_and_origins_are_refused_even_with_the_token() {
    let (_sb, ui) = start();
    let port = ui.local_addr().port();
    // DNS rebinding: the browser sends the attacker's name as Host.
    for bad in [
        format!("evil.example:{port}"),
        "127.0.0.1".into(),
        format!("127.0.0.1:{}", port + 1),
        String::new(),
    ] {
        let r = request(
            &ui,
            "GET",
            "/api/status",
            &[("Host", &bad), (TOKEN_HEADER, ui.token())],
            b"",
        );
        assert_eq!(r.status, 421, "Host {bad:?}");
        assert_eq!(request(&ui, "GET", "/", &[("Host", &bad)], b"").status, 421);
    }
    let localhost = format!("localhost:{port}");
    let ok = request(
        &ui,
        "GET",
        "/api/status",
        &[("Host", &localhost), (TOKEN_HEADER, ui.token())],
        b"",
    );
    assert_eq!(ok.status, 200);
    let host = host(&ui);
    let cross = request(
        &ui,
        "GET",
        "/api/status",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            ("Origin", "http://evil.example"),
        ],
        b"",
    );
    assert_eq!(cross.status, 403);
    let same = format!("http://{host}");
    let r = request(
        &ui,
        "GET",
        "/api/status",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            ("Origin", &same),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    // A form post (no JSON content type) is refused before it is read.
    let form = request(
        &ui,
        "POST",
        "/api/attest",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            ("Content-Type", "text/plain"),
        ],
        b"{}",
    );
    assert_eq!(form.status, 415);
}

#[test]
fn attest_chat_and_bundle_never_show_the_api_key() {
    let (_sb, ui) = start();
    let status = api(&ui, "GET", "/api/status", None).json();
    assert_eq!(status["api_key"], true);
    assert_eq!(status["trust"], "test");
    let models = api(&ui, "GET", "/api/models", None);
    assert_eq!(models.json()["models"][0]["model_id"], SANDBOX_MODEL_ID);
    // Chatting before attesting is refused.
    let early = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "hi"}]})),
    );
    assert_eq!(early.status, 409);

    let a = attest(&ui);
    assert_eq!(a["verified"], true);
    assert_eq!(a["verdict"]["verified"], true);
    assert!(
        a["claims"]["proven"].as_array().unwrap().is_empty(),
        "{}",
        a["claims"]
    );
    assert!(
        a["claims"]["accepted"]
            .to_string()
            .contains("io.net does not bind it")
    );
    assert_eq!(a["session"]["attested"], true);

    let plain = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "hello"}]})),
    );
    let plain_v = plain.json();
    assert_eq!(plain_v["verified"], true, "{plain_v}");
    assert_eq!(plain_v["content"], "Echo: hello");
    assert_eq!(plain_v["unverified_content"], Value::Null);

    let streamed = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "one two three"}], "stream": true})),
    );
    assert!(streamed.head.contains("Content-Type: text/event-stream"));
    let text = String::from_utf8(streamed.body.clone()).unwrap();
    let events: Vec<(&str, Value)> = text
        .split("\n\n")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let (event, data) = b.split_once('\n').unwrap();
            (
                event.strip_prefix("event: ").unwrap(),
                serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap(),
            )
        })
        .collect();
    let deltas: String = events
        .iter()
        .filter(|(e, _)| *e == "delta")
        .map(|(_, d)| d["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deltas, "Echo: one two three");
    let (last, reply) = events.last().unwrap();
    assert_eq!(*last, "reply");
    assert_eq!(reply["verified"], true);
    assert_eq!(reply["content"], "Echo: one two three");

    // Hold: no delta at all, the whole verified text in the reply.
    let held = api(
        &ui,
        "POST",
        "/api/chat",
        Some(
            json!({"messages": [{"role": "user", "content": "held"}], "stream": true, "hold": true}),
        ),
    );
    let held_text = String::from_utf8(held.body.clone()).unwrap();
    assert!(!held_text.contains("event: delta"), "{held_text}");
    assert!(held_text.contains("\"content\":\"Echo: held\""));

    let bundle = api(&ui, "GET", "/api/bundle", None);
    assert_eq!(bundle.status, 200);
    assert!(
        bundle
            .head
            .contains("Content-Disposition: attachment; filename=\"ccverify-bundle-")
    );
    let bundle_json: Value = bundle.json();
    assert_eq!(bundle_json["exchanges"].as_array().unwrap().len(), 3);

    for r in [&plain, &streamed, &held, &bundle] {
        assert!(!String::from_utf8_lossy(&r.body).contains(API_KEY));
        assert!(!r.head.contains(API_KEY));
    }
    assert!(!a.to_string().contains(API_KEY));
    assert!(!String::from_utf8_lossy(&api(&ui, "GET", "/api/status", None).body).contains(API_KEY));
}

#[test]
fn who_asks_is_checked_before_a_body_is_read() {
    let (_sb, ui) = start();
    let port = ui.local_addr().port();
    // A refused request's body is never read: the answer comes while the client still "sends".
    let mut stream = TcpStream::connect(ui.local_addr()).unwrap();
    let head = format!(
        "POST /api/inspect HTTP/1.1\r\nHost: evil.example:{port}\r\nContent-Length: 30000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 421");
    let host = host(&ui);
    // Bodies are bounded per call: only the inspector takes large documents. The answer comes
    // from the head alone (sending the body as well would race the server's close).
    let head = |path: &str, length: usize| {
        let mut stream = TcpStream::connect(ui.local_addr()).unwrap();
        let text = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\n{TOKEN_HEADER}: {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
            ui.token()
        );
        stream.write_all(text.as_bytes()).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut answer = [0u8; 12];
        stream.read_exact(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    assert_eq!(head("/api/chat", (1 << 20) + 1), "HTTP/1.1 413");
    assert_eq!(head("/api/inspect", (32 << 20) + 1), "HTTP/1.1 413");
    // Strict heads: a repeated Host, a control character in a value, a bad method.
    let twice = request(
        &ui,
        "GET",
        "/api/status",
        &[("Host", &host), ("Host", &host), (TOKEN_HEADER, ui.token())],
        b"",
    );
    assert_eq!(twice.status, 421);
    let twice_token = request(
        &ui,
        "GET",
        "/api/status",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            (TOKEN_HEADER, ui.token()),
        ],
        b"",
    );
    assert_eq!(twice_token.status, 400);
    let ctl = request(
        &ui,
        "GET",
        "/",
        &[("Host", &host), ("X-A", "a\nHost: evil")],
        b"",
    );
    assert_eq!(ctl.status, 400);
    let method = request(&ui, "G\u{1b}T", "/", &[("Host", &host)], b"");
    assert_eq!(method.status, 400);
}

#[test]
fn one_connection_over_the_limit_is_told_busy_and_slots_come_back() {
    let (_sb, ui) = start();
    let host = host(&ui);
    // Idle connections (no head yet) hold every slot.
    let held: Vec<TcpStream> = (0..ccverify_ui::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(ui.local_addr()).unwrap())
        .collect();
    // (Once the accept thread has taken them all: idle connections wait up to 10 s for a head.)
    let mut busy = request(&ui, "GET", "/", &[("Host", &host)], b"");
    for _ in 0..30 {
        if busy.status == 503 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        busy = request(&ui, "GET", "/", &[("Host", &host)], b"");
    }
    assert_eq!(busy.status, 503);
    assert_eq!(busy.json()["error"], "busy");
    assert!(busy.head.contains("Content-Security-Policy"));
    drop(held);
    // Each closed connection gives its slot back.
    let mut status = 0;
    for _ in 0..50 {
        status = request(&ui, "GET", "/", &[("Host", &host)], b"").status;
        if status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status, 200);
}

#[test]
fn a_chat_names_its_session() {
    let (_sb, ui) = start();
    let first = attest(&ui)["session"]["nonce"]
        .as_str()
        .unwrap()
        .to_string();
    let second = attest(&ui)["session"]["nonce"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    let stale = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "x"}], "session": first})),
    );
    assert_eq!(stale.status, 409);
    let current = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "x"}], "session": second})),
    );
    assert_eq!(current.json()["verified"], true);
}

#[test]
fn attest_streams_its_progress_then_the_verdict() {
    let (_sb, ui) = start();
    let host = host(&ui);
    let body = json!({"model_id": SANDBOX_MODEL_ID, "model": SANDBOX_MODEL_NAME}).to_string();
    let r = request(
        &ui,
        "POST",
        "/api/attest",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            ("Content-Type", "application/json"),
            ("Accept", "text/event-stream"),
        ],
        body.as_bytes(),
    );
    assert!(r.head.contains("Content-Type: text/event-stream"));
    let text = String::from_utf8(r.body).unwrap();
    let names: Vec<&str> = text
        .split("\n\n")
        .filter_map(|b| b.strip_prefix("event: ")?.split('\n').next())
        .collect();
    assert!(
        names.len() >= 2 && names[..names.len() - 1].iter().all(|n| *n == "progress"),
        "{names:?}"
    );
    assert_eq!(names.last(), Some(&"result"));
    assert!(text.contains("\"verified\":true"));
    // The session is kept for chats.
    let status = api(&ui, "GET", "/api/status", None).json();
    assert_eq!(status["session"]["attested"], true);
    // A model the gateway does not have: an error event, no session change.
    let bad = json!({"model_id": "00000000-0000-0000-0000-000000000000", "model": "x"}).to_string();
    let r = request(
        &ui,
        "POST",
        "/api/attest",
        &[
            ("Host", &host),
            (TOKEN_HEADER, ui.token()),
            ("Content-Type", "application/json"),
            ("Accept", "text/event-stream"),
        ],
        bad.as_bytes(),
    );
    let text = String::from_utf8(r.body).unwrap();
    assert!(
        text.contains("event: error") || text.contains("\"verified\":false"),
        "{text}"
    );
}

#[test]
fn a_tampered_reply_is_not_verified_and_its_text_is_not_content() {
    let (_sb, ui) = start();
    attest(&ui);
    for (fault, stream, failing) in [
        ("tamper-response", false, "response.response_hash"),
        ("wrong-key", false, "response.signer"),
        ("inject-data-no-space", true, "stream.coverage"),
    ] {
        let r = api(
            &ui,
            "POST",
            "/api/chat",
            Some(
                json!({"messages": [{"role": "user", "content": "hello"}], "stream": stream, "fault": fault}),
            ),
        );
        let text = String::from_utf8(r.body.clone()).unwrap();
        let reply: Value = if stream {
            let block = text
                .split("\n\n")
                .find(|b| b.starts_with("event: reply"))
                .unwrap();
            serde_json::from_str(block.split_once("\ndata: ").unwrap().1).unwrap()
        } else {
            r.json()
        };
        assert_eq!(reply["verified"], false, "{fault}");
        assert_eq!(reply["content"], Value::Null, "{fault}");
        assert!(
            reply["failing"].to_string().contains(failing),
            "{fault}: {}",
            reply["failing"]
        );
        // What reached the page before the verdict: only hashed events, never the injection.
        let deltas: Vec<&str> = text
            .split("\n\n")
            .filter(|b| b.starts_with("event: delta"))
            .collect();
        assert!(
            deltas.iter().all(|d| !d.contains("INJECTED")),
            "{fault}: {deltas:?}"
        );
    }
    // Faults are a sandbox feature with a fixed spelling.
    let bad = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "x"}], "fault": "X\r\nEvil: 1"})),
    );
    assert_eq!(bad.status, 400);
    let unknown = api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [], "typo": 1})),
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"], "invalid_argument");
}

#[test]
fn inspect_re_verifies_bundles_and_logs_offline_without_reading_files() {
    let (_sb, ui) = start();
    attest(&ui);
    api(
        &ui,
        "POST",
        "/api/chat",
        Some(json!({"messages": [{"role": "user", "content": "keep"}]})),
    );
    let bundle = String::from_utf8(api(&ui, "GET", "/api/bundle", None).body).unwrap();
    let test_policy = json!({"policy": {"preset": "default", "trust": "test"}});
    let ok = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": bundle, "options": test_policy})),
    )
    .json();
    assert_eq!(ok["kind"], "bundle");
    assert_eq!(ok["verified"], true, "{}", ok["summary"]);
    // The production roots: the same bundle does not verify.
    let prod = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": bundle})),
    )
    .json();
    assert_eq!(prod["verified"], false);
    // One changed byte in the recorded reply.
    let mut tampered: Value = serde_json::from_str(&bundle).unwrap();
    let response = tampered["exchanges"][0]["response"]
        .as_str()
        .unwrap()
        .replace("Echo:", "Echo;");
    tampered["exchanges"][0]["response"] = Value::String(response);
    let bad = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": tampered.to_string(), "options": test_policy})),
    )
    .json();
    assert_eq!(bad["verified"], false);
    assert!(
        bad["verdict"]["checks"]
            .to_string()
            .contains("response.response_hash")
    );

    // A log naming a bundle file on this machine: never read; only supplied bundles count.
    let exchange = &tampered["exchanges"][0];
    let record = json!({"id": "r1", "request": exchange["request"], "response": exchange["response"], "bundle": "/etc/passwd"});
    let log = format!("{record}\n");
    let audit = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": log, "options": test_policy})),
    )
    .json();
    assert_eq!(audit["kind"], "exchanges");
    assert_eq!(audit["verified"], false);
    let refused = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": log, "options": {"bundle_dir": "/"}})),
    );
    assert_eq!(refused.status, 400);
    // The same record held to the dropped bundle, by name: verified against its key, except
    // that this reply was the tampered one.
    let mut genuine: Value = serde_json::from_str(&bundle).unwrap();
    let g = genuine["exchanges"][0].take();
    let headers: serde_json::Map<String, Value> = match &g["headers"] {
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].clone()))
            .collect(),
        Value::Object(map) => map.clone(),
        other => panic!("headers: {other}"),
    };
    let record = json!({"id": "r2", "request": g["request"], "response": g["response"], "headers": headers, "bundle": "session.json"});
    let record = &record;
    let audit = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": format!("{record}\n"), "options": test_policy, "bundles": {"session.json": bundle}})),
    )
    .json();
    // Signed by the key the dropped bundle attests; under the TEST roots (and with io.net's
    // unbound key) that attestation has caveats, so the row is signed but not called verified.
    assert_eq!(audit["signed"], true, "{}", audit["report"]);
    assert_eq!(audit["keys"]["caveated"], 1);
    assert_eq!(audit["verified"], false);
    // A log that names its own key: signed over its bytes, but nothing attests the key.
    let named = json!({"id": "n", "request": g["request"], "response": g["response"], "headers": record["headers"], "address": ok["verdict"]["signer"]});
    let audit = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": format!("{named}\n"), "options": test_policy})),
    )
    .json();
    assert_eq!(audit["signed"], true, "{}", audit["report"]);
    assert_eq!(audit["verified"], false);
    assert_eq!(audit["keys"]["named"], 1);
    // Nothing on this machine's disk is read: directories and anchor files are refused, in
    // option objects and in pasted TOML or JSON policies alike.
    for options in [
        json!({"rim_dir": "/etc"}),
        json!({"ocsp_dir": "/etc"}),
        json!({"policy": {"preset": "default", "trust": "/etc/shadow"}}),
        json!({"policy": "preset = \"default\"\ntrust = \"/etc/shadow\"\n"}),
        json!({"policy": "{\"trust\": \"file:/etc/hostname\"}"}),
    ] {
        let r = api(
            &ui,
            "POST",
            "/api/inspect",
            Some(json!({"document": bundle, "options": options})),
        );
        assert_eq!(r.status, 400, "{options}");
        let detail = r.json()["detail"].as_str().unwrap().to_string();
        assert!(
            detail.contains("not read") || detail.contains("disk"),
            "{options}: {detail}"
        );
    }
    // A pasted TOML policy naming the test roots is read (here, into an object first).
    let toml_policy = json!({"policy": "preset = \"default\"\ntrust = \"test\"\n"});
    let ok_toml = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": bundle, "options": toml_policy})),
    )
    .json();
    assert_eq!(ok_toml["verified"], true);
    // Garbage is a clear error, not a crash.
    let garbage = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": "hello"})),
    );
    assert_eq!(garbage.status, 400);
    let attestation = api(
        &ui,
        "POST",
        "/api/inspect",
        Some(json!({"document": "{\"nonce\": 1}", "options": {"nonce": "00"}})),
    );
    assert_eq!(
        attestation.status,
        400,
        "{}",
        String::from_utf8_lossy(&attestation.body)
    );
}
