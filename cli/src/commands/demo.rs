//! `ccverify demo`: Verify bundled real evidence offline, then run a sandbox session end to end.

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
    let body = serde_json::json!({"model": sb.config().model_name, "messages": [{"role": "user", "content": "Is this inference confidential?"}]}).to_string();
    let plain = session
        .chat(body.as_bytes())
        .map_err(|e| net_error(e.error()))?;
    if !json {
        println!(
            "\n--- plain completion: {}",
            String::from_utf8_lossy(&plain.body)
        );
    }
    print_verdict(&plain.verdict, json);
    let stream_body = serde_json::json!({"model": sb.config().model_name, "messages": [{"role": "user", "content": "stream me a verified answer"}], "stream": true}).to_string();
    let mut pending = Vec::new();
    let mut text = String::new();
    let streamed = session
        .chat_stream(stream_body.as_bytes(), false, &mut |c| {
            text.push_str(&crate::commands::chat::delta_text(&mut pending, c))
        })
        .map_err(|e| net_error(e.error()))?;
    if !json {
        println!("\n--- streamed completion: {text}");
    }
    print_verdict(&streamed.verdict, json);
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
            "\nAs expected nothing above is VERIFIED: the bundled evidence is real but was not made for your nonce, and io.net does not bind the signing key to the hardware. The signatures and hashes of every exchange do verify against the pinned key."
        );
    }
    Ok(ExitCode::SUCCESS)
}
