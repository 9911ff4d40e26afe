//! The io.net client against the loopback sandbox, over real HTTP: attestation (which must
//! not verify: the sandbox serves real evidence with fixed nonces), the unverified-use gate,
//! plain and streamed completions, fault detection, retries, auth, and bundles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccverify::CheckStatus;
use ccverify::bundle::{BundleOptions, verify_bundle};
use ccverify::policy::Policy;
use ccverify_net::Cancel;
use ccverify_net::client::{ClientConfig, SESSION_ATTESTATION, Session, list_models};
use ccverify_sandbox::{SANDBOX_MODEL_ID, Sandbox, SandboxConfig};

fn config(sb: &Sandbox) -> ClientConfig {
    ClientConfig {
        base_url: sb.base_url(),
        api_key: None,
        policy: Policy::preset("offline").unwrap(),
        retries: 0,
        backoff: Duration::from_millis(1),
        ..ClientConfig::default()
    }
}

const BODY: &[u8] = br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"caf\u00e9 hello"}],"temperature":0.7}"#;
const STREAM_BODY: &[u8] = br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"one two three four"}],"stream":true}"#;

#[test]
fn attestation_of_bundled_evidence_does_not_verify_and_says_why() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let cfg = ClientConfig {
        progress: Some(Arc::new(move |l: &str| {
            sink.lock().unwrap().push(l.to_string())
        })),
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let v = s.verdict();
    assert!(!v.verified);
    assert!(!s.attested());
    assert_eq!(v.check("report.nonce").unwrap().status, CheckStatus::Pass);
    let gpu_nonce = v.checks.iter().find(|c| c.id == "gpu.nonce").unwrap();
    assert_eq!(gpu_nonce.status, CheckStatus::Fail, "{}", gpu_nonce.detail);
    assert_eq!(
        v.check("tdx.report_data").unwrap().status,
        CheckStatus::Fail
    );
    // Offline without collateral: skipped, never passed.
    assert_eq!(v.check("tdx.collateral").unwrap().status, CheckStatus::Skip);
    assert_eq!(
        v.check("report.key_binding").unwrap().status,
        CheckStatus::Warn
    );
    assert_eq!(s.signing_address(), Some(sb.signing_address()));
    assert!(v.facts["summary"].contains("gpu.nonce"));
    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("attesting model"), "{log}");
    assert!(log.contains("NOT verified"), "{log}");
}

#[test]
fn unverified_session_refuses_to_chat_unless_allowed() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let s = Session::attest(config(&sb), SANDBOX_MODEL_ID).unwrap();
    let e = s.chat(BODY).unwrap_err();
    assert_eq!(e.kind().as_str(), "attestation_failed", "{e}");
    assert!(s.chat_stream(STREAM_BODY, false, &mut |_| {}).is_err());
}

#[test]
fn allowed_unverified_use_marks_every_reply_unverified() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = ClientConfig {
        allow_unverified: true,
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let r = s.chat(BODY).unwrap();
    assert!(!r.verified && !r.attested);
    for id in [
        "response.signature",
        "response.signer",
        "response.request_hash",
        "response.response_hash",
    ] {
        assert_eq!(
            r.verdict.check(id).unwrap().status,
            CheckStatus::Pass,
            "{id}"
        );
    }
    assert_eq!(
        r.verdict.check(SESSION_ATTESTATION).unwrap().status,
        CheckStatus::Fail
    );
    let body = String::from_utf8(r.body).unwrap();
    assert!(body.contains("Echo: caf\\u00e9 hello"), "{body}");
}

#[test]
fn streams_pass_chunks_through_and_verify_at_the_end() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = ClientConfig {
        allow_unverified: true,
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let mut chunks = Vec::new();
    let r = s
        .chat_stream(STREAM_BODY, false, &mut |c| chunks.push(c.to_vec()))
        .unwrap();
    assert!(
        chunks.len() > 1,
        "chunks arrive as they come: {}",
        chunks.len()
    );
    assert_eq!(chunks.concat(), r.body);
    assert_eq!(
        r.verdict.check("stream.signature_block").unwrap().status,
        CheckStatus::Pass
    );
    assert_eq!(
        r.verdict.check("response.response_hash").unwrap().status,
        CheckStatus::Pass
    );
    assert!(!r.verified, "the session is not attested");
    // Held output is released only when verified: never, on this session.
    let mut held = Vec::new();
    let r = s
        .chat_stream(STREAM_BODY, true, &mut |c| held.push(c.to_vec()))
        .unwrap();
    assert!(held.is_empty());
    assert!(!r.body.is_empty());
}

#[test]
fn tampering_is_detected() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    for (fault, check) in [
        ("tamper-response", "response.response_hash"),
        ("wrong-key", "response.signer"),
        ("no-signature", "response.signature_format"),
    ] {
        let cfg = ClientConfig {
            allow_unverified: true,
            headers: vec![("x-sandbox-fault".into(), fault.into())],
            ..config(&sb)
        };
        let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
        let r = s.chat(BODY).unwrap();
        assert_eq!(
            r.verdict.check(check).unwrap().status,
            CheckStatus::Fail,
            "{fault}"
        );
        let r = s.chat_stream(STREAM_BODY, false, &mut |_| {}).unwrap();
        assert!(
            r.verdict.blocking().any(|c| c.id != SESSION_ATTESTATION),
            "{fault}"
        );
    }
}

#[test]
fn retries_transient_failures_then_gives_up() {
    let sb = Sandbox::start(SandboxConfig {
        transient_failures: 2,
        ..SandboxConfig::default()
    })
    .unwrap();
    let lines = Arc::new(Mutex::new(0usize));
    let sink = lines.clone();
    let cfg = ClientConfig {
        allow_unverified: true,
        retries: 3,
        progress: Some(Arc::new(move |l: &str| {
            if l.contains("retry") {
                *sink.lock().unwrap() += 1;
            }
        })),
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let r = s.chat(BODY).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(*lines.lock().unwrap(), 2);

    let sb = Sandbox::start(SandboxConfig {
        transient_failures: 5,
        ..SandboxConfig::default()
    })
    .unwrap();
    let cfg = ClientConfig {
        allow_unverified: true,
        retries: 1,
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let e = s.chat(BODY).unwrap_err();
    assert_eq!(e.kind().as_str(), "network");
    assert!(e.to_string().contains("503"), "{e}");
}

#[test]
fn api_key_is_sent_and_refusals_are_network_errors() {
    let sb = Sandbox::start(SandboxConfig {
        api_key: Some("k1".into()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let e = Session::attest(
        ClientConfig {
            api_key: Some("wrong".into()),
            ..config(&sb)
        },
        SANDBOX_MODEL_ID,
    )
    .unwrap_err();
    assert_eq!(e.kind().as_str(), "network");
    assert!(
        e.to_string().contains("401") && e.to_string().contains("Invalid API key"),
        "{e}"
    );
    Session::attest(
        ClientConfig {
            api_key: Some("k1".into()),
            ..config(&sb)
        },
        SANDBOX_MODEL_ID,
    )
    .unwrap();
    let e = Session::attest(
        ClientConfig {
            api_key: Some("k1".into()),
            ..config(&sb)
        },
        "no-such-model",
    )
    .unwrap_err();
    assert!(e.to_string().contains("404"), "{e}");
}

#[test]
fn unreachable_gateway_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = ClientConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        policy: Policy::preset("offline").unwrap(),
        retries: 1,
        backoff: Duration::from_millis(1),
        ..ClientConfig::default()
    };
    let e = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap_err();
    assert_eq!(e.kind().as_str(), "network", "{e}");
}

#[test]
fn models_are_listed() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let m = list_models(&config(&sb)).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].model_id, SANDBOX_MODEL_ID);
    assert!(m[0].supports_attestation);
}

#[test]
fn the_bundle_re_verifies_offline_to_the_same_verdict() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = ClientConfig {
        allow_unverified: true,
        record_exchanges: true,
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    s.chat(BODY).unwrap();
    s.chat_stream(STREAM_BODY, false, &mut |_| {}).unwrap();
    let bundle = s.bundle();
    assert_eq!(bundle.exchanges.len(), 2);
    let text = bundle.to_json();
    drop(sb); // the gateway is gone: re-verification is offline
    // The session's own time and policy, asked for explicitly (a bundle's are untrusted).
    let recorded = BundleOptions {
        at: ccverify::bundle::BundleTime::Recorded,
        policy: ccverify::bundle::BundlePolicy::Recorded,
    };
    let v = verify_bundle(text.as_bytes(), &recorded).unwrap();
    assert_eq!(v.check("bundle.inputs").unwrap().status, CheckStatus::Warn);
    let session_rows: Vec<_> = s
        .verdict()
        .checks
        .iter()
        .map(|c| (&c.id, &c.subject, c.status))
        .collect();
    let bundle_rows: Vec<_> = v
        .checks
        .iter()
        .filter(|c| !c.subject.as_deref().unwrap_or("").starts_with("exchange"))
        .filter(|c| c.id != "bundle.inputs")
        .map(|c| (&c.id, &c.subject, c.status))
        .collect();
    assert_eq!(session_rows, bundle_rows);
    for i in 0..2 {
        let subject = format!("exchange{i}");
        let sig = v
            .checks
            .iter()
            .find(|c| c.id == "response.signer" && c.subject.as_deref() == Some(&subject))
            .unwrap();
        assert_eq!(sig.status, CheckStatus::Pass);
    }
    assert!(!v.verified);
}

// --- fail-closed replies, the pull stream, cancellation --------------------------------------

/// A stream body long enough that the `slow` fault keeps it running for seconds.
fn long_stream_body() -> Vec<u8> {
    let words = vec!["word"; 60].join(" ");
    format!(r#"{{"model":"ccverify/echo","messages":[{{"role":"user","content":"{words}"}}],"stream":true}}"#)
        .into_bytes()
}

#[test]
fn strict_sessions_turn_unverified_replies_into_errors_that_carry_them() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    // allow_unverified alone: replies come back flagged (strict defaults to off then).
    let lenient = ClientConfig {
        allow_unverified: true,
        ..config(&sb)
    };
    assert!(!lenient.is_strict());
    assert!(
        ClientConfig::default().is_strict(),
        "fail closed by default"
    );
    let s = Session::attest(lenient, SANDBOX_MODEL_ID).unwrap();
    assert!(!s.chat(BODY).unwrap().verified);
    // strict on top: the same reply is an error, and the error carries it.
    let strict = ClientConfig {
        allow_unverified: true,
        strict: Some(true),
        ..config(&sb)
    };
    let s = Session::attest(strict, SANDBOX_MODEL_ID).unwrap();
    let e = s.chat(BODY).unwrap_err();
    assert_eq!(e.kind().as_str(), "unverified_response");
    let reply = e.response().expect("the unverified reply");
    assert!(!reply.verified);
    assert!(e.to_string().contains(SESSION_ATTESTATION), "{e}");
    assert_eq!(
        reply
            .verdict
            .failures()
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [SESSION_ATTESTATION]
    );
    // A strict stream ends in the error instead of its end marker.
    let mut seen = Vec::new();
    let e = s
        .chat_stream(STREAM_BODY, false, &mut |c| seen.extend_from_slice(c))
        .unwrap_err();
    assert_eq!(e.kind().as_str(), "unverified_response");
    assert!(!String::from_utf8_lossy(&seen).contains("[DONE]"));
    assert!(e.response().unwrap().stream);
}

#[test]
fn the_pull_stream_yields_verified_events_then_its_verdict() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let cfg = ClientConfig {
        allow_unverified: true,
        ..config(&sb)
    };
    let s = Session::attest(cfg, SANDBOX_MODEL_ID).unwrap();
    let mut st = s.stream(STREAM_BODY, false, Cancel::new()).unwrap();
    let e = st.verdict().unwrap_err();
    assert_eq!(
        e.kind().as_str(),
        "invalid_state",
        "no verdict before the end"
    );
    let mut body = Vec::new();
    while let Some(chunk) = st.next_chunk().unwrap() {
        assert!(chunk.starts_with(b"data: "), "{chunk:?}");
        body.extend_from_slice(&chunk);
    }
    assert!(st.is_done());
    assert!(
        st.next_chunk().unwrap().is_none(),
        "ended streams stay ended"
    );
    let verdict = st.verdict().unwrap().clone();
    // The exchange itself verified; only the session row fails (the sandbox's evidence).
    assert_eq!(
        verdict
            .failures()
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        [SESSION_ATTESTATION]
    );
    let reply = st.into_response().unwrap();
    assert_eq!(reply.body, body);
}

/// A session whose streams arrive slowly (the `slow` fault), long enough to cancel mid-way.
fn slow_session(sb: &Sandbox) -> Session {
    let cfg = ClientConfig {
        allow_unverified: true,
        headers: vec![("x-sandbox-fault".into(), "slow".into())],
        ..config(sb)
    };
    Session::attest(cfg, SANDBOX_MODEL_ID).unwrap()
}

/// Polls until the sandbox has seen `n` aborted streams (a closed connection mid-stream).
fn wait_for_aborts(sb: &Sandbox, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sb.streams_aborted() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the sandbox never saw the connection close ({} aborted)",
            sb.streams_aborted()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn cancelling_a_stream_closes_the_connection_at_once() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let s = slow_session(&sb);
    let token = Cancel::new();
    let mut st = s.stream(&long_stream_body(), false, token.clone()).unwrap();
    assert!(st.next_chunk().unwrap().is_some());
    // Cancel from another thread while this one waits for the next chunk.
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        token.cancel();
    });
    let started = std::time::Instant::now();
    let e = loop {
        match st.next_chunk() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the slow stream ended before the cancel"),
            Err(e) => break e,
        }
    };
    canceller.join().unwrap();
    assert_eq!(e.kind().as_str(), "cancelled", "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        st.next_chunk().unwrap_err().kind().as_str(),
        "cancelled",
        "a cancelled stream stays cancelled"
    );
    drop(st);
    wait_for_aborts(&sb, 1);
    assert_eq!(sb.streams_completed(), 0);
}

#[test]
fn a_stopped_callback_stream_and_a_dropped_pull_stream_abort_the_request() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let s = slow_session(&sb);
    let mut st = s.stream(&long_stream_body(), false, Cancel::new()).unwrap();
    assert!(st.next_chunk().unwrap().is_some());
    drop(st);
    wait_for_aborts(&sb, 1);
    let token = Cancel::new();
    token.cancel();
    let e = s.chat_cancellable(BODY, &token).unwrap_err();
    assert_eq!(e.kind().as_str(), "cancelled");
    let e = Session::attest_cancellable(config(&sb), SANDBOX_MODEL_ID, &token).unwrap_err();
    assert_eq!(e.kind().as_str(), "cancelled");
}
