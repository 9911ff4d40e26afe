//! Records the shared vectors' test-PKI bundle: a whole session (strict policy, key bound, two
//! GPUs, one plain and one streamed reply) against `ccverify sandbox --evidence test` under
//! `trust = "test"`, written as an evidence bundle.
//!
//! `cargo run -p ccverify-net --example test_pki_bundle -- tests/vectors/testpki/bundle.json`
//!
//! The sandbox's signing key and the nonce are fresh each run, so the output differs every time;
//! the committed bundle is the reference, verified at the time it records (its collateral and
//! OCSP answers are good for a week from then).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ccverify::policy::Policy;
use ccverify::trust::Trust;
use ccverify_net::client::{ClientConfig, Session};
use ccverify_sandbox::{Evidence, SANDBOX_IMAGE_DIGEST, SANDBOX_MODEL_ID, Sandbox, SandboxConfig};

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/vectors/testpki/bundle.json".into());
    let sb = Sandbox::start(SandboxConfig {
        evidence: Evidence::Test,
        gpus: 2,
        bind_key: true,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let mut policy = Policy::parse(&format!(
        r#"{{"preset": "strict", "image_digests": ["{SANDBOX_IMAGE_DIGEST}"], "tdx": {{"mrtd": ["{}"]}}}}"#,
        sb.test_mrtd()
    ))
    .expect("policy");
    policy.trust = Trust::Test;
    let config = ClientConfig {
        base_url: sb.base_url(),
        api_key: None,
        policy,
        rim_url: Some(sb.rim_url()),
        ocsp_url: Some(sb.ocsp_url()),
        pccs_url: Some(sb.pccs_url()),
        record_exchanges: true,
        ..ClientConfig::default()
    };
    let session = Session::attest(config, SANDBOX_MODEL_ID).expect("attest");
    assert!(
        session.verdict().verified,
        "{}",
        session.verdict().to_json()
    );
    let plain = session
        .chat(br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"hello from the test PKI"}]}"#)
        .expect("chat");
    assert!(plain.verified);
    let streamed = session
        .chat_stream(
            br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"one two three"}],"stream":true}"#,
            false,
            &mut |_| {},
        )
        .expect("stream");
    assert!(streamed.verified);
    std::fs::write(&out, session.bundle().to_json() + "\n").expect("write");
    println!("wrote {out}");
}
