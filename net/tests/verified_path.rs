//! The verified path end to end: the client against `ccverify sandbox --evidence test` under
//! `trust = "test"` — attestation verified, key pinned, plain and streamed replies verified, the
//! bundle re-verified offline — and each fault on that path flipping the verdict with its check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use ccverify::CheckStatus;
use ccverify::Verdict;
use ccverify::bundle::{BundleOptions, BundlePolicy, verify_bundle};
use ccverify::policy::Policy;
use ccverify::trust::Trust;
use ccverify_net::client::{ClientConfig, Session};
use ccverify_sandbox::{Evidence, SANDBOX_IMAGE_DIGEST, SANDBOX_MODEL_ID, Sandbox, SandboxConfig};

const BODY: &[u8] = br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"hello"}]}"#;
const STREAM_BODY: &[u8] =
    br#"{"model":"ccverify/echo","messages":[{"role":"user","content":"one two three"}],"stream":true}"#;

fn sandbox(gpus: usize, bind_key: bool) -> Sandbox {
    Sandbox::start(SandboxConfig {
        evidence: Evidence::Test,
        gpus,
        bind_key,
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn policy(text: &str) -> Policy {
    let mut p = Policy::parse(text).unwrap();
    p.trust = Trust::Test;
    p
}

fn strict() -> Policy {
    let mrtd = ccverify_testpki::pki().intel.mrtd_hex();
    policy(&format!(
        r#"{{"preset": "strict", "image_digests": ["{SANDBOX_IMAGE_DIGEST}"], "tdx": {{"mrtd": ["{mrtd}"]}}}}"#
    ))
}

/// A client for the sandbox's gateway (`prefix` = a `/fault/<name>` path, or "") and its test
/// PKI services.
fn config(sb: &Sandbox, prefix: &str, policy: Policy) -> ClientConfig {
    ClientConfig {
        base_url: format!("{}{prefix}", sb.base_url()),
        api_key: None,
        policy,
        retries: 0,
        backoff: Duration::from_millis(1),
        rim_url: Some(format!("{}{prefix}", sb.rim_url())),
        ocsp_url: Some(sb.ocsp_url()),
        pccs_url: Some(format!("{}{prefix}", sb.pccs_url())),
        record_exchanges: true,
        allow_unverified: true,
        strict: Some(false),
        ..ClientConfig::default()
    }
}

fn blocking(v: &Verdict) -> Vec<String> {
    let mut ids: Vec<String> = v.blocking().map(|c| c.id.clone()).collect();
    ids.dedup();
    ids
}

#[test]
fn a_whole_session_verifies_end_to_end_under_the_test_roots() {
    let sb = sandbox(2, true);
    let s = Session::attest(config(&sb, "", strict()), SANDBOX_MODEL_ID).unwrap();
    let v = s.verdict();
    assert!(v.verified, "{:?}", blocking(v));
    assert!(s.attested());
    assert_eq!(s.signing_address(), Some(sb.signing_address()));
    assert_eq!(v.check("trust.anchors").unwrap().status, CheckStatus::Warn);
    assert_eq!(
        v.check("report.key_binding").unwrap().status,
        CheckStatus::Pass
    );
    assert_eq!(v.check("gpu.ocsp").unwrap().status, CheckStatus::Pass);
    assert!(v.facts["summary"].starts_with("TEST ROOTS"));

    let r = s.chat(BODY).unwrap();
    assert!(r.verified, "{:?}", blocking(&r.verdict));
    // Every reply says what its attestation rested on.
    assert_eq!(
        r.verdict.check("trust.anchors").unwrap().status,
        CheckStatus::Warn
    );
    let mut chunks = Vec::new();
    let r = s
        .chat_stream(STREAM_BODY, false, &mut |c| chunks.push(c.to_vec()))
        .unwrap();
    assert!(r.verified, "{:?}", blocking(&r.verdict));
    assert!(chunks.concat().ends_with(b"data: [DONE]\n\n"));

    // The bundle re-verifies offline with the test roots, and never without them.
    let text = s.bundle().to_json();
    drop(sb);
    let mine = |p: Policy| BundleOptions {
        policy: BundlePolicy::Caller(p),
        ..BundleOptions::default()
    };
    let v = verify_bundle(text.as_bytes(), &mine(strict())).unwrap();
    assert!(v.verified, "{:?}", blocking(&v));
    let v = verify_bundle(text.as_bytes(), &mine(Policy::default())).unwrap();
    assert!(!v.verified);
    assert!(blocking(&v).contains(&"gpu.cert_chain".to_string()));
    // The recorded policy (which says trust = "test") never selects the test roots.
    let recorded = BundleOptions {
        policy: BundlePolicy::Recorded,
        ..BundleOptions::default()
    };
    let v = verify_bundle(text.as_bytes(), &recorded).unwrap();
    assert!(!v.verified);
    assert!(v.check("trust.anchors").is_none());
}

#[test]
fn test_evidence_never_verifies_under_the_production_roots() {
    let sb = sandbox(1, false);
    let mut p = policy("default");
    p.trust = Trust::Production;
    let s = Session::attest(config(&sb, "", p), SANDBOX_MODEL_ID).unwrap();
    let v = s.verdict();
    assert!(!v.verified);
    assert!(v.check("trust.anchors").is_none());
    let ids = blocking(v);
    for id in ["gpu.cert_chain", "gpu.driver_rim", "tdx.collateral"] {
        assert!(ids.contains(&id.to_string()), "{id}: {ids:?}");
    }
}

#[test]
fn each_fault_on_the_verified_path_flips_the_verdict_with_its_check() {
    let sb = sandbox(2, false);
    let bound = sandbox(1, true);
    let cases: [(&Sandbox, &str, Policy, &str); 6] = [
        (
            &sb,
            "/fault/gpu-wrong-nonce",
            policy("default"),
            "gpu.nonce",
        ),
        (
            &sb,
            "/fault/tampered-rim",
            policy("default"),
            "gpu.driver_rim",
        ),
        (
            &sb,
            "/fault/debug-td",
            policy("default"),
            "tdx.td_attributes",
        ),
        (
            &sb,
            "/fault/stale-collateral",
            policy("default"),
            "tdx.collateral",
        ),
        // A relay substitutes its key in the JSON: caught by the bound layout under any
        // policy, and for io.net's unbound layout only by a policy that requires a binding.
        (
            &bound,
            "/fault/relay-key",
            policy("default"),
            "report.key_binding",
        ),
        (&bound, "/fault/relay-key", strict(), "report.key_binding"),
    ];
    for (sandbox, prefix, policy, id) in cases {
        // The same session without the fault verifies.
        let clean = Session::attest(config(sandbox, "", policy.clone()), SANDBOX_MODEL_ID).unwrap();
        assert!(
            clean.verdict().verified,
            "{prefix} clean: {:?}",
            blocking(clean.verdict())
        );
        let s = Session::attest(config(sandbox, prefix, policy), SANDBOX_MODEL_ID).unwrap();
        let v = s.verdict();
        assert!(!v.verified, "{prefix}");
        assert!(
            blocking(v).contains(&id.to_string()),
            "{prefix}: {:?}",
            blocking(v)
        );
    }
    // Unbound: strict refuses the session, relayed or not.
    for prefix in ["", "/fault/relay-key"] {
        let s = Session::attest(config(&sb, prefix, strict()), SANDBOX_MODEL_ID).unwrap();
        assert_eq!(blocking(s.verdict()), ["report.key_binding"], "{prefix}");
    }
    // Unbound and a permissive policy: the relay goes unnoticed but for the warning — which is
    // exactly what report.key_binding says about io.net.
    let s = Session::attest(
        config(&sb, "/fault/relay-key", policy("default")),
        SANDBOX_MODEL_ID,
    )
    .unwrap();
    assert!(s.verdict().verified);
    assert_eq!(
        s.verdict().check("report.key_binding").unwrap().status,
        CheckStatus::Warn
    );
    let r = s.chat(BODY).unwrap();
    assert!(
        r.verified,
        "the relay's own key signs: {:?}",
        blocking(&r.verdict)
    );
}
