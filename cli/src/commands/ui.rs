//! `ccverify ui`: Serve the local web page (verified chat and the evidence inspector) on loopback.

#[allow(unused_imports)]
use crate::session::*;
use crate::*;

/// The arguments of `ccverify ui`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Port on 127.0.0.1 (0, the default, picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The gateway (the API key comes from $IO_API_KEY and stays in this process).
    #[arg(long, value_name = "URL", default_value = ccverify_net::client::DEFAULT_BASE_URL, conflicts_with = "sandbox")]
    base_url: String,
    /// Run a `ccverify sandbox` with test evidence (2 GPUs) in this process and use it: no
    /// network and no API key, everything under the TEST PKI (`--trust test`), which proves
    /// nothing about real hardware.
    #[arg(long)]
    sandbox: bool,
    /// The model to preselect (its UUID).
    #[arg(long, value_name = "UUID")]
    model_id: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// Retries on connection failures, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: u32,
    #[command(flatten)]
    inputs: session::Inputs,
    /// Log one line per request on standard error (method and path; never the token).
    #[arg(long)]
    log: bool,
    /// Print `{url, origin, token, base_url, sandbox}` as one JSON line (for scripts and tests)
    /// instead of the greeting.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify ui`: serves until interrupted.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    use ccverify_sandbox::{Evidence, Sandbox, SandboxConfig};
    use std::io::Write as _;
    let gateway = Gateway {
        base_url: args.base_url.clone(),
        model_id: String::new(),
        timeout: args.timeout,
        retries: args.retries,
    };
    let mut client = client_config(&gateway, &args.inputs)?;
    client.progress = None;
    // The sandbox lives as long as this process; it is dropped when `run` returns.
    let mut _sandbox = None;
    let label = if args.sandbox {
        let sb = Sandbox::start(SandboxConfig {
            port: 0,
            evidence: Evidence::Test,
            gpus: 2,
            ..SandboxConfig::default()
        })
        .map_err(|e| UsageError(format!("cannot start the sandbox: {e}")))?;
        client.base_url = sb.base_url();
        client.api_key = None;
        if args.inputs.trust.is_none() {
            client.policy.trust = ccverify::trust::Trust::Test;
        }
        client.rim_url = Some(sb.rim_url());
        client.ocsp_url = Some(sb.ocsp_url());
        client.pccs_url = Some(sb.pccs_url());
        let label = format!(
            "sandbox at {} (TEST PKI: proves nothing about real hardware)",
            sb.base_url()
        );
        _sandbox = Some(sb);
        label
    } else {
        format!("gateway {}", client.base_url)
    };
    let default_model = args.model_id.clone().or_else(|| {
        args.sandbox
            .then(|| ccverify_sandbox::SANDBOX_MODEL_ID.to_string())
    });
    let ui = ccverify_ui::Ui::start(ccverify_ui::UiConfig {
        port: args.port,
        client,
        gateway_label: label,
        sandbox: args.sandbox,
        default_model,
        log: args.log,
    })
    .map_err(|e| UsageError(format!("cannot serve on 127.0.0.1:{}: {e}", args.port)))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "url": ui.url(),
                "origin": ui.origin(),
                "token": ui.token(),
                "base_url": _sandbox.as_ref().map_or(args.base_url.clone(), ccverify_sandbox::Sandbox::base_url),
                "sandbox": args.sandbox,
            })
        );
    } else {
        println!("ccverify ui: open {}", ui.url());
        println!(
            "(loopback only; the token after #token= is this run's, and only this page should have it)"
        );
    }
    let _ = std::io::stdout().flush();
    ui.wait();
    Ok(ExitCode::SUCCESS)
}
