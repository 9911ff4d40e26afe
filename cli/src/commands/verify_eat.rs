//! `ccverify verify-eat`: Verify an NVIDIA NRAS detached EAT (the body NRAS returns) offline, against a JWKS file.

use crate::*;

/// The arguments of `ccverify verify-eat`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The EAT: `[["JWT", "<overall>"], {"GPU-0": "<jwt>", ...}]` (`-` for standard input).
    #[arg(value_name = "EAT.json")]
    eat: PathBuf,
    /// NRAS's signing keys, as a JWKS document (from .well-known/jwks.json).
    #[arg(long, value_name = "FILE")]
    jwks: PathBuf,
    /// The nonce sent to NRAS (hex; normalised like the agent does).
    #[arg(long, value_name = "HEX")]
    nonce: String,
    /// Number of GPU tokens the EAT must carry.
    #[arg(long, value_name = "N")]
    expect_gpus: Option<usize>,
    /// Verification time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-eat`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        eat,
        jwks,
        nonce,
        expect_gpus,
        at,
        json,
    } = args;
    let nonce = Nonce::normalize(&nonce).map_err(|e| UsageError(e.to_string()))?;
    let now = parse_at(at.as_deref())?
        .unwrap_or_else(ccverify::time::Time::now)
        .unix();
    let jwks_bytes = read_input(&jwks, "JWKS")?;
    let jwks = ccverify::gpu::nras::Jwks::from_json(&jwks_bytes)
        .map_err(|e| UsageError(format!("--jwks {}: {e}", jwks.display())))?;
    let eat = read_input(&eat, "EAT")?;
    let verdict = ccverify::gpu::nras::verdict_from_eat(&eat, &jwks, &nonce.0, expect_gpus, now);
    print_verdict_with(&verdict, json, false);
    Ok(verdict_code(&verdict))
}
