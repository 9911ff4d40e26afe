//! `ccverify`: verify io.net Confidential Inference from the command line.
//!
//! Exit codes (every command): 0 = verified / succeeded, 1 = verification ran and did not
//! verify, 2 = usage error or unreadable input. `--json` prints one JSON object on stdout.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ccverify::{Address, Nonce, Verdict};
use clap::{Parser, Subcommand};

#[cfg(feature = "net")]
mod online;
mod session;

mod commands;

/// NVIDIA's RIM service (`--rim-url`).
const DEFAULT_RIM_URL: &str = ccverify::services::RIM_SERVICE_URL;
/// NRAS's GPU attestation endpoint (`--nras-url`).
const DEFAULT_NRAS_URL: &str = ccverify::services::NRAS_URL;
/// NRAS's signing keys (`--jwks-url`).
const DEFAULT_JWKS_URL: &str = ccverify::services::NRAS_JWKS_URL;
/// Intel's Provisioning Certification Service (`--pccs-url`).
const DEFAULT_PCS_URL: &str = ccverify::services::INTEL_PCS_URL;

const TDX_AFTER_HELP: &str = "Without --collateral the quote's FMSPC and PCK CA are sent to the collateral service \
(Intel PCS by default). Set CCVERIFY_PCS_API_KEY to send an Intel PCS API key \
(Ocp-Apim-Subscription-Key, over HTTPS only); the collateral endpoints do not need one.\n\
Exit codes: 0 verified, 1 not verified (including collateral that could not be fetched), 2 usage \
error or unreadable input.";

const GPU_AFTER_HELP: &str = "Online mode sends the evidence's RIM ids to NVIDIA's RIM service, the device and RIM \
certificate ids to OCSP responders and, with --nras, the whole evidence to NRAS. Set \
CCVERIFY_SERVICE_KEY to send an NVIDIA service key (Authorization: Bearer, over HTTPS only).\n\
Exit codes: 0 verified, 1 not verified, 2 usage error or unreadable input.";

#[derive(Parser)]
#[command(
    name = "ccverify",
    version,
    about = "Verify io.net Confidential Inference: signed responses and streams, GPU evidence",
    after_help = "Exit codes: 0 verified, 1 not verified, 2 usage error or unreadable input.\nA FILE of `-` reads standard input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a plain (non-streamed) response: signer, and both hashes of the signed text.
    VerifyResponse(commands::verify_response::Args),
    /// Verify a streamed (SSE) response read to its end, including its `event: signature` block.
    VerifyStream(commands::verify_stream::Args),
    /// Verify an io.net `gpu` object (NVIDIA H100/H200 evidence) against NVIDIA's pinned roots.
    ///
    /// Online by default (builds with the `net` feature): RIMs missing from --rim-dir are
    /// fetched from NVIDIA's RIM service and cached under --rim-cache, and OCSP is queried live
    /// for certificates without a fresh response in --ocsp-dir. RIMs and OCSP answers are
    /// verified exactly like local files: the network can make a check fail or be skipped,
    /// never pass. --offline uses only the given directories.
    #[command(after_help = GPU_AFTER_HELP)]
    VerifyGpu(commands::verify_gpu::Args),
    /// Verify an NVIDIA NRAS detached EAT (the body NRAS returns) offline, against a JWKS file.
    VerifyEat(commands::verify_eat::Args),
    /// Verify an Intel TDX quote (io.net's `cpu.quote`) with Intel collateral.
    ///
    /// The collateral (TCB Info, QE Identity, CRLs) is read from --collateral, or, without it,
    /// fetched from Intel PCS or the PCCS at --pccs-url for the quote's FMSPC and cached under
    /// --collateral-cache (refreshed after a day, or after the policy's
    /// max_collateral_age_secs). It is Intel-signed and verified like a file: the network can
    /// make `tdx.collateral` fail, never pass. --offline uses only --collateral or the cache.
    #[command(after_help = TDX_AFTER_HELP)]
    VerifyTdx(commands::verify_tdx::Args),
    /// Print a fresh 32-byte nonce, or normalise one the way the io.net agent does.
    Nonce(commands::nonce::Args),
    /// Recover the address that signed a message as an EIP-191 personal message.
    RecoverAddress(commands::recover_address::Args),
    /// Verify a whole io.net attestation (`/v1/private/attestation` answer) for the nonce you sent:
    /// GPU evidence, TDX quote, image digest, signing address, key binding.
    ///
    /// Online by default: RIMs, OCSP answers and Intel collateral not given locally are fetched
    /// (and verified like local files). --offline uses only what is given.
    VerifyReport(commands::verify_report::Args),
    /// Re-verify an evidence bundle offline (its attestation and any recorded exchanges).
    VerifyBundle(commands::verify_bundle::Args),
    /// Attest a model's machine with a fresh nonce and verify everything (API key: $IO_API_KEY).
    #[cfg(feature = "net")]
    Attest(commands::attest::Args),
    /// Attest, pin the signing key, then send one chat completion and verify the reply.
    #[cfg(feature = "net")]
    Chat(commands::chat::Args),
    /// Run a loopback gateway that speaks io.net's API and signs like the agent (for trying
    /// and testing clients). Serves canned real evidence that can never verify a fresh nonce.
    Sandbox(commands::sandbox::Args),
    /// Verify bundled real evidence offline, then run a sandbox session end to end.
    #[cfg(feature = "net")]
    Demo(commands::demo::Args),
    /// Serve a local web page on 127.0.0.1: attest and read the evidence by subject, chat with
    /// every reply verified (streamed or held), and re-verify a dropped attestation, bundle or
    /// log offline. `--sandbox` runs it against a test-evidence sandbox with no network.
    #[cfg(feature = "net")]
    Ui(commands::ui::Args),
    /// List every check id with what a pass proves.
    Checks(commands::checks::Args),
    /// Verify a log of recorded exchanges (JSON Lines) on every core: each reply against the
    /// exact bytes recorded and the key its record names, bundles re-verified once.
    ///
    /// Exit codes: 0 every exchange verified, 1 any did not (or a line was not a record),
    /// 2 usage error or unreadable input.
    Audit(commands::audit::Args),
}

/// A failure that maps to exit code 2.
struct UsageError(String);

fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, UsageError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| UsageError(format!("cannot read {what} from standard input: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {what} {}: {e}", path.display())))
}

fn parse_address(text: Option<&str>) -> Result<Option<Address>, UsageError> {
    text.map(|t| Address::parse(t).map_err(|e| UsageError(format!("--expect-address: {e}"))))
        .transpose()
}

fn parse_headers(bytes: &[u8]) -> Result<Vec<(String, String)>, UsageError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| UsageError(format!("headers file is not JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(UsageError(
            "headers file must be a JSON object of name → string".into(),
        ));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            other => Err(UsageError(format!("header {k:?} is not a string: {other}"))),
        })
        .collect()
}

fn print_verdict(verdict: &Verdict, json: bool) {
    print_verdict_with(verdict, json, true);
}

fn print_verdict_with(verdict: &Verdict, json: bool, show_signer: bool) {
    if json {
        println!("{}", verdict.to_json());
        return;
    }
    println!(
        "{}",
        if verdict.verified {
            "VERIFIED"
        } else {
            "NOT VERIFIED"
        }
    );
    if show_signer {
        match &verdict.signer {
            Some(s) => println!("signer: {s}"),
            None => println!("signer: (none recovered)"),
        }
    }
    let label = |c: &ccverify::Check| match &c.subject {
        Some(s) => format!("{s} {}", c.id),
        None => c.id.clone(),
    };
    let width = verdict
        .checks
        .iter()
        .map(|c| label(c).len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!("{:width$}  {:6}  DETAIL", "CHECK", "STATUS");
    for c in &verdict.checks {
        println!(
            "{:width$}  {:6}  {}",
            label(c),
            c.status.as_str().to_uppercase(),
            c.detail
        );
    }
    if !verdict.verified {
        let failed: Vec<String> = verdict
            .checks
            .iter()
            .filter(|c| c.status == ccverify::CheckStatus::Fail)
            .map(label)
            .collect();
        let skipped = verdict.blocking().count() - failed.len();
        let mut reasons = Vec::new();
        if !failed.is_empty() {
            let mut unique: Vec<String> = Vec::new();
            for f in failed.iter() {
                if !unique.contains(f) {
                    unique.push(f.clone());
                }
            }
            reasons.push(format!("failed: {}", unique.join(", ")));
        }
        if skipped > 0 {
            reasons.push(format!("{skipped} required check(s) could not run"));
        }
        println!("not verified: {}", reasons.join("; "));
    }
}

fn verdict_code(verdict: &Verdict) -> ExitCode {
    if verdict.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--at`: RFC 3339 text, read by the core's [`Time`](ccverify::time::Time).
fn parse_at(text: Option<&str>) -> Result<Option<ccverify::time::Time>, UsageError> {
    text.map(|t| {
        ccverify::time::Time::parse(t).map_err(|e| UsageError(format!("--{}", e.reason())))
    })
    .transpose()
}

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    match cli.command {
        Command::VerifyResponse(args) => commands::verify_response::run(args),
        Command::VerifyStream(args) => commands::verify_stream::run(args),
        Command::VerifyGpu(args) => commands::verify_gpu::run(args),
        Command::VerifyEat(args) => commands::verify_eat::run(args),
        Command::VerifyTdx(args) => commands::verify_tdx::run(args),
        Command::Nonce(args) => commands::nonce::run(args),
        Command::RecoverAddress(args) => commands::recover_address::run(args),
        Command::VerifyReport(args) => commands::verify_report::run(args),
        Command::VerifyBundle(args) => commands::verify_bundle::run(args),
        #[cfg(feature = "net")]
        Command::Attest(args) => commands::attest::run(args),
        #[cfg(feature = "net")]
        Command::Chat(args) => commands::chat::run(args),
        Command::Sandbox(args) => commands::sandbox::run(args),
        #[cfg(feature = "net")]
        Command::Demo(args) => commands::demo::run(args),
        #[cfg(feature = "net")]
        Command::Ui(args) => commands::ui::run(args),
        Command::Checks(args) => commands::checks::run(args),
        Command::Audit(args) => commands::audit::run(args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            eprintln!("ccverify: {message}");
            ExitCode::from(2)
        }
    }
}
