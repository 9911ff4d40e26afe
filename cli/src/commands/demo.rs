//! `ccverify demo`: A verified session under the TEST PKI (what success looks like), then bundled
//! real evidence verified offline, then a sandbox session with the real evidence end to end.

#[allow(unused_imports)]
use crate::session::*;
use crate::*;
use ccverify::bundle::{BundleOptions, BundlePolicy, BundleTime};
use ccverify::policy::Policy;

/// The arguments of `ccverify demo`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Print each verdict as one JSON object per line.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify demo`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    demo(args.json)
}

/// Part 0: a whole session against the sandbox's test evidence, verified under the TEST roots,
/// then the faults that must flip it.
#[cfg(feature = "net")]
fn test_pki_demo(json: bool, _say: &dyn Fn(&str)) -> Result<(), UsageError> {
    use ccverify::trust::Trust;
    use ccverify_net::client::{ClientConfig, Session};
    use ccverify_sandbox::{Evidence, Sandbox, SandboxConfig};
    let banner = |t: &str| {
        if !json {
            println!("\n=== {t}");
            println!(
                "    TEST ROOTS — ccverify's TEST PKI, whose keys anyone can derive: this shows the verification path working, and proves nothing about real hardware"
            );
        }
    };
    banner(
        "0a. What success looks like: a sandbox attesting with fresh GPU reports and a TDX quote for your nonce (2 GPUs, signing key bound into REPORTDATA), verified under the strict policy with trust = test",
    );
    let sb = Sandbox::start(SandboxConfig {
        evidence: Evidence::Test,
        gpus: 2,
        bind_key: true,
        ..SandboxConfig::default()
    })
    .map_err(|e| UsageError(format!("sandbox: {e}")))?;
    let mut strict = Policy::parse(&format!(
        r#"{{"preset": "strict", "image_digests": ["{}"], "tdx": {{"mrtd": ["{}"]}}}}"#,
        sb.config().image_digest,
        sb.test_mrtd()
    ))
    .map_err(|e| UsageError(e.to_string()))?;
    strict.trust = Trust::Test;
    let config = |prefix: &str, policy: &Policy| ClientConfig {
        base_url: format!("{}{prefix}", sb.base_url()),
        api_key: None,
        policy: policy.clone(),
        rim_url: Some(format!("{}{prefix}", sb.rim_url())),
        ocsp_url: Some(sb.ocsp_url()),
        pccs_url: Some(format!("{}{prefix}", sb.pccs_url())),
        record_exchanges: true,
        allow_unverified: true,
        strict: Some(false),
        progress: if json { None } else { Some(progress()) },
        ..ClientConfig::default()
    };
    let model_id = sb.config().model_id.clone();
    let session = Session::attest(config("", &strict), &model_id).map_err(net_error)?;
    print_report(session.verdict(), json);
    chat_both(&session, &sb.config().model_name, json)?;
    let bundle = session.bundle().to_json();

    banner(
        "0b. The session's bundle re-verified offline: with trust = test it verifies; under the production roots (the default) and under the bundle's own recorded policy it does not",
    );
    for (what, policy) in [
        ("--trust test", BundlePolicy::Caller(strict.clone())),
        (
            "default policy (production roots)",
            BundlePolicy::Caller(Policy::default()),
        ),
        (
            "--policy recorded (it says trust = test: never applied)",
            BundlePolicy::Recorded,
        ),
    ] {
        let v = ccverify::bundle::verify_bundle(
            bundle.as_bytes(),
            &BundleOptions {
                policy,
                ..BundleOptions::default()
            },
        )
        .map_err(|e| UsageError(e.to_string()))?;
        short_report(what, &v, json);
    }

    banner(
        "0c. The same flow with one fault each: every one flips the verdict, and the failing check says why",
    );
    let default_test = Policy {
        trust: Trust::Test,
        ..Policy::default()
    };
    for (fault, what) in [
        (
            "gpu-wrong-nonce",
            "one GPU report signed over another nonce",
        ),
        ("tampered-rim", "a RIM changed after it was signed"),
        ("debug-td", "the TD runs in DEBUG mode"),
        ("stale-collateral", "Intel collateral past its nextUpdate"),
        (
            "relay-key",
            "a relay substitutes its own key in the attestation JSON",
        ),
    ] {
        let s = Session::attest(config(&format!("/fault/{fault}"), &default_test), &model_id)
            .map_err(net_error)?;
        short_report(&format!("{fault} ({what})"), s.verdict(), json);
    }
    drop(sb);
    Ok(())
}

/// One plain and one streamed completion on `session`, each printed with its verdict.
#[cfg(feature = "net")]
fn chat_both(
    session: &ccverify_net::client::Session,
    model: &str,
    json: bool,
) -> Result<(), UsageError> {
    let verified = |v: bool| if v { "VERIFIED" } else { "NOT VERIFIED" };
    let body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": "Is this inference confidential?"}]}).to_string();
    let plain = session
        .chat(body.as_bytes())
        .map_err(|e| net_error(e.error()))?;
    if !json {
        println!(
            "\n--- plain completion ({}): {}",
            verified(plain.verified),
            String::from_utf8_lossy(&plain.body)
        );
    }
    print_verdict(&plain.verdict, json);
    let stream_body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": "stream me a verified answer"}], "stream": true}).to_string();
    let mut pending = Vec::new();
    let mut text = String::new();
    let streamed = session
        .chat_stream(stream_body.as_bytes(), false, &mut |c| {
            text.push_str(&crate::commands::chat::delta_text(&mut pending, c))
        })
        .map_err(|e| net_error(e.error()))?;
    if !json {
        println!(
            "\n--- streamed completion ({}): {text}",
            verified(streamed.verified)
        );
    }
    print_verdict(&streamed.verdict, json);
    Ok(())
}

/// One line per verdict: VERIFIED, or the checks that failed or were skipped.
#[cfg(feature = "net")]
fn short_report(what: &str, v: &ccverify::Verdict, json: bool) {
    if json {
        println!("{}", v.to_json());
        return;
    }
    if v.verified {
        println!("  {what}: VERIFIED");
    } else {
        // The failures say why; what was skipped because of them adds nothing.
        let fails = v
            .checks
            .iter()
            .any(|c| c.status == ccverify::CheckStatus::Fail);
        let mut failed: Vec<String> = v
            .blocking()
            .filter(|c| !fails || c.status == ccverify::CheckStatus::Fail)
            .map(|c| match &c.subject {
                Some(s) => format!("{} ({s})", c.id),
                None => c.id.clone(),
            })
            .collect();
        failed.dedup();
        println!("  {what}: NOT VERIFIED — {}", failed.join(", "));
    }
}

/// The bundle of the real evidence shipped with the tests (see tests/vectors/report).
#[cfg(feature = "net")]
const DEMO_BUNDLE: &str = include_str!("../../../tests/vectors/report/bundle-real.json");

/// `demo`: offline verification of bundled real evidence, then a sandbox session end to end.
#[cfg(feature = "net")]
pub(crate) fn demo(json: bool) -> Result<ExitCode, UsageError> {
    use ccverify_sandbox::{Sandbox, SandboxConfig};
    let say = |t: &str| {
        if !json {
            println!("\n=== {t}")
        }
    };
    test_pki_demo(json, &say)?;
    say(
        "1a. A bundle of real evidence (NVIDIA H100 report + Intel TDX quote + a signed exchange), re-verified offline as anyone should: now, under the default policy (the bundle's own policy and time are untrusted)",
    );
    let v1 = ccverify::bundle::verify_bundle(DEMO_BUNDLE.as_bytes(), &BundleOptions::default())
        .map_err(|e| UsageError(e.to_string()))?;
    print_report(&v1, json);
    say(
        "1b. The same bundle at the time and under the policy it recorded (--at recorded --policy recorded): bundle.inputs warns that the verdict rests on values the bundle supplied",
    );
    let recorded = BundleOptions {
        at: BundleTime::Recorded,
        policy: BundlePolicy::Recorded,
    };
    let v1b = ccverify::bundle::verify_bundle(DEMO_BUNDLE.as_bytes(), &recorded)
        .map_err(|e| UsageError(e.to_string()))?;
    print_report(&v1b, json);
    say(
        "2. A sandbox gateway on loopback: attest with a fresh nonce, pin the key, chat (plain and streamed), keep a bundle",
    );
    let sb = Sandbox::start(SandboxConfig::default())
        .map_err(|e| UsageError(format!("sandbox: {e}")))?;
    let config = ccverify_net::client::ClientConfig {
        base_url: sb.base_url(),
        policy: Policy::preset("offline").map_err(|e| UsageError(e.to_string()))?,
        allow_unverified: true,
        record_exchanges: true,
        progress: if json { None } else { Some(progress()) },
        ..ccverify_net::client::ClientConfig::default()
    };
    let session =
        ccverify_net::client::Session::attest(config, &sb.config().model_id).map_err(net_error)?;
    print_report(session.verdict(), json);
    chat_both(&session, &sb.config().model_name, json)?;
    let bundle = session.bundle().to_json();
    drop(sb);
    say(
        "3. The session's bundle re-verified offline (the sandbox is gone), under the offline policy the session used",
    );
    let offline = BundleOptions {
        policy: BundlePolicy::Caller(
            Policy::preset("offline").map_err(|e| UsageError(e.to_string()))?,
        ),
        ..BundleOptions::default()
    };
    let v3 = ccverify::bundle::verify_bundle(bundle.as_bytes(), &offline)
        .map_err(|e| UsageError(e.to_string()))?;
    print_report(&v3, json);
    if !json {
        println!(
            "\nAs expected nothing from section 1 on is VERIFIED: the bundled evidence is real but was not made for your nonce, and io.net does not bind the signing key to the hardware. The signatures and hashes of every exchange do verify against the pinned key. Section 0 shows what a verified session looks like, under the TEST roots only."
        );
    }
    Ok(ExitCode::SUCCESS)
}
