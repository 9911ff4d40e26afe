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
    /// Which evidence attestations carry: `real` (NVIDIA's and Intel's samples, fixed nonces:
    /// never verifies for a fresh nonce) or `test` (fresh evidence for every nonce under the
    /// TEST PKI: verifies with `--trust test` and the printed URLs).
    #[arg(long, value_name = "real|test", default_value = "real", value_parser = ["real", "test"])]
    evidence: String,
    /// GPUs per attestation with `--evidence test` (1 to 8).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=8))]
    gpus: u8,
    /// With `--evidence test`: bind the signing key into REPORTDATA (address ‖ zeros ‖ nonce,
    /// the dstack layout), so `report.key_binding` and the `strict` preset can pass.
    #[arg(long)]
    bind_key: bool,
    /// Log one line per request on stderr.
    #[arg(long)]
    log: bool,
    /// Print the address, key, model and service URLs as one JSON line.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify sandbox`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    use ccverify_sandbox::{BUNDLED_GPU_NONCE, Evidence, Sandbox, SandboxConfig};
    use std::io::Write as _;
    let port = args.port;
    let evidence = if args.evidence == "test" {
        Evidence::Test
    } else {
        Evidence::Real
    };
    if evidence == Evidence::Real && (args.bind_key || args.gpus != 1) {
        return Err(UsageError(
            "--gpus and --bind-key need --evidence test (the real evidence is fixed)".into(),
        ));
    }
    let sb = Sandbox::start(SandboxConfig {
        port,
        api_key: args.api_key,
        transient_failures: args.transient_failures,
        log: args.log,
        evidence,
        gpus: usize::from(args.gpus),
        bind_key: args.bind_key,
        ..SandboxConfig::default()
    })
    .map_err(|e| UsageError(format!("cannot start the sandbox on 127.0.0.1:{port}: {e}")))?;
    let cfg = sb.config();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "base_url": sb.base_url(),
                "signing_address": sb.signing_address().to_checksum(),
                "model": cfg.model_name,
                "model_id": cfg.model_id,
                "image_digest": cfg.image_digest,
                "evidence": evidence.as_str(),
                "gpus": cfg.gpus,
                "bind_key": cfg.bind_key,
                "rim_url": sb.rim_url(),
                "ocsp_url": sb.ocsp_url(),
                "pccs_url": sb.pccs_url(),
                "mrtd": if evidence == Evidence::Test { serde_json::Value::from(sb.test_mrtd()) } else { serde_json::Value::Null },
            })
        );
    } else {
        println!("sandbox gateway at {}", sb.base_url());
        println!("signing_address {}", sb.signing_address());
        println!("model {} (model_id {})", cfg.model_name, cfg.model_id);
        if evidence == Evidence::Test {
            println!(
                "rim_url {}  ocsp_url {}  pccs_url {}",
                sb.rim_url(),
                sb.ocsp_url(),
                sb.pccs_url()
            );
            println!(
                "try: ccverify chat --base-url {} --model-id {} --model {} --message hello --trust test --rim-url {} --ocsp-url {} --pccs-url {}",
                sb.base_url(),
                cfg.model_id,
                cfg.model_name,
                sb.rim_url(),
                sb.ocsp_url(),
                sb.pccs_url()
            );
        } else {
            println!(
                "try: ccverify chat --base-url {} --model-id {} --model {} --message hello --offline --allow-unverified",
                sb.base_url(),
                cfg.model_id,
                cfg.model_name
            );
        }
    }
    let _ = std::io::stdout().flush();
    if evidence == Evidence::Test {
        eprintln!(
            "ccverify: the sandbox signs fresh evidence under the TEST PKI, whose keys are public: it verifies only with --trust test, and proves nothing about real hardware"
        );
    } else {
        eprintln!(
            "ccverify: the sandbox serves real but canned GPU and TDX evidence whose nonces are fixed (the GPU report's is {BUNDLED_GPU_NONCE}): a fresh nonce can never verify against it, and verdicts say so"
        );
    }
    sb.wait();
    Ok(ExitCode::SUCCESS)
}
