//! `ccverify sandbox`: Run a loopback gateway that speaks io.net's API and signs like the agent (for trying

#[allow(unused_imports)]
use crate::session::*;
use crate::*;

/// The arguments of `ccverify sandbox`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Require this bearer key on /v1/private/*.
    #[arg(long, value_name = "KEY")]
    api_key: Option<String>,
    /// Answer the first N completions with 503 (to try retries).
    #[arg(long, value_name = "N", default_value_t = 0)]
    transient_failures: u32,
    /// Log one line per request on stderr.
    #[arg(long)]
    log: bool,
    /// Print the address, key and model as one JSON line.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify sandbox`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    sandbox(
        args.port,
        args.api_key,
        args.transient_failures,
        args.log,
        args.json,
    )
}

/// `sandbox`.
pub(crate) fn sandbox(
    port: u16,
    api_key: Option<String>,
    transient_failures: u32,
    log: bool,
    json: bool,
) -> Result<ExitCode, UsageError> {
    use ccverify_sandbox::{BUNDLED_GPU_NONCE, Sandbox, SandboxConfig};
    use std::io::Write as _;
    let sb = Sandbox::start(SandboxConfig {
        port,
        api_key,
        transient_failures,
        log,
        ..SandboxConfig::default()
    })
    .map_err(|e| UsageError(format!("cannot start the sandbox on 127.0.0.1:{port}: {e}")))?;
    let cfg = sb.config();
    if json {
        println!(
            "{}",
            serde_json::json!({"base_url": sb.base_url(), "signing_address": sb.signing_address().to_checksum(), "model": cfg.model_name, "model_id": cfg.model_id, "image_digest": cfg.image_digest})
        );
    } else {
        println!("sandbox gateway at {}", sb.base_url());
        println!("signing_address {}", sb.signing_address());
        println!("model {} (model_id {})", cfg.model_name, cfg.model_id);
        println!(
            "try: ccverify chat --base-url {} --model-id {} --model {} --message hello --offline --allow-unverified",
            sb.base_url(),
            cfg.model_id,
            cfg.model_name
        );
    }
    let _ = std::io::stdout().flush();
    eprintln!(
        "ccverify: the sandbox serves real but canned GPU and TDX evidence whose nonces are fixed (the GPU report's is {BUNDLED_GPU_NONCE}): a fresh nonce can never verify against it, and verdicts say so"
    );
    sb.wait();
    Ok(ExitCode::SUCCESS)
}
