//! `ccverify`: verify io.net Confidential Inference from the command line.
//!
//! Exit codes (every command): 0 = verified / succeeded, 1 = verification ran and did not
//! verify, 2 = usage error or unreadable input. `--json` prints one JSON object on stdout.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ccverify::{Address, Nonce, Verdict};
use clap::{Parser, Subcommand};

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
    VerifyResponse {
        /// The exact request body you sent.
        #[arg(long, value_name = "FILE")]
        request: PathBuf,
        /// The exact response body you received.
        #[arg(long, value_name = "FILE")]
        response: PathBuf,
        /// The response headers as a JSON object of strings (names are case-insensitive).
        #[arg(long, value_name = "FILE")]
        headers: PathBuf,
        /// The attested signing address the response must be signed by.
        #[arg(long, value_name = "ADDR")]
        expect_address: Option<String>,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Verify a streamed (SSE) response read to its end, including its `event: signature` block.
    VerifyStream {
        /// The exact request body you sent.
        #[arg(long, value_name = "FILE")]
        request: PathBuf,
        /// The exact SSE bytes you received, to the end of the connection.
        #[arg(long, value_name = "FILE")]
        stream: PathBuf,
        /// The attested signing address the stream must be signed by.
        #[arg(long, value_name = "ADDR")]
        expect_address: Option<String>,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Verify an io.net `gpu` object (NVIDIA H100/H200 evidence) offline against NVIDIA's roots.
    VerifyGpu {
        /// The `gpu` member of the attestation response, as JSON (`-` for standard input).
        #[arg(value_name = "GPU.json")]
        gpu: PathBuf,
        /// The nonce you sent to /v1/private/attestation (hex; normalised like the agent does).
        #[arg(long, value_name = "HEX")]
        nonce: String,
        /// Directory of RIMs named by RIM id (`NV_GPU_DRIVER_GH100_<ver>[.xml|.swidtag]`, ...).
        #[arg(long, value_name = "DIR")]
        rim_dir: Option<PathBuf>,
        /// Directory of cached DER OCSP responses (matched to certificates by CertID).
        #[arg(long, value_name = "DIR")]
        ocsp_dir: Option<PathBuf>,
        /// Verification time (RFC 3339, e.g. 2024-06-01T00:00:00Z); default: now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Never use the network (builds without the `net` feature never do).
        #[arg(long)]
        offline: bool,
        /// Number of GPUs that must be attested.
        #[arg(long, value_name = "N")]
        expect_gpus: Option<usize>,
        /// Accept missing OCSP answers as a warning instead of "not verified".
        #[arg(long)]
        allow_no_ocsp: bool,
        /// Accept missing RIMs as a warning instead of "not verified".
        #[arg(long)]
        allow_no_rims: bool,
        /// Accept RIMs whose signer chain expired at the verification time (as a warning).
        #[arg(long)]
        allow_expired_rims: bool,
        /// Accept RIM signer certificates on hold (OCSP certificateHold), RIM chains only.
        #[arg(long)]
        allow_hold_cert: bool,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print a fresh 32-byte nonce, or normalise one the way the io.net agent does.
    Nonce {
        /// Normalise this nonce (lowercase, `0x` removed, right-padded to 32 bytes).
        #[arg(long, value_name = "HEX")]
        normalize: Option<String>,
        /// Print `{"nonce": "…"}`.
        #[arg(long)]
        json: bool,
    },
    /// Recover the address that signed a message as an EIP-191 personal message.
    RecoverAddress {
        /// The signed message, as text (e.g. the `text` header of a response).
        #[arg(
            long,
            value_name = "TEXT",
            conflicts_with = "message_file",
            required_unless_present = "message_file"
        )]
        message: Option<String>,
        /// The signed message, read as raw bytes from a file (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        message_file: Option<PathBuf>,
        /// 65-byte r||s||v signature as hex, with or without 0x.
        #[arg(long, value_name = "HEX")]
        signature: String,
        /// Print `{"address": "0x…"}`.
        #[arg(long)]
        json: bool,
    },
    /// List every check id with what a pass proves.
    Checks {
        /// Print the table as JSON.
        #[arg(long)]
        json: bool,
    },
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

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    match cli.command {
        Command::VerifyResponse {
            request,
            response,
            headers,
            expect_address,
            json,
        } => {
            let expected = parse_address(expect_address.as_deref())?;
            let request = read_input(&request, "request")?;
            let response = read_input(&response, "response")?;
            let headers = parse_headers(&read_input(&headers, "headers")?)?;
            let verdict =
                ccverify::verify_response(&request, &response, &headers, expected.as_ref());
            print_verdict(&verdict, json);
            Ok(verdict_code(&verdict))
        }
        Command::VerifyStream {
            request,
            stream,
            expect_address,
            json,
        } => {
            let expected = parse_address(expect_address.as_deref())?;
            let request = read_input(&request, "request")?;
            let stream = read_input(&stream, "stream")?;
            let verdict = ccverify::verify_stream(&request, &stream, expected.as_ref());
            print_verdict(&verdict, json);
            Ok(verdict_code(&verdict))
        }
        Command::VerifyGpu {
            gpu,
            nonce,
            rim_dir,
            ocsp_dir,
            at,
            offline: _,
            expect_gpus,
            allow_no_ocsp,
            allow_no_rims,
            allow_expired_rims,
            allow_hold_cert,
            json,
        } => {
            let at =
                match at {
                    Some(text) => Some(ccverify::gpu::pki::parse_time(&text).ok_or_else(|| {
                        UsageError(format!("--at {text:?} is not an RFC 3339 time"))
                    })?),
                    None => None,
                };
            let path_text = |p: Option<PathBuf>| p.map(|p| p.to_string_lossy().into_owned());
            let options = ccverify::gpu::GpuOptions {
                rim_dir: path_text(rim_dir),
                ocsp_dir: path_text(ocsp_dir),
                at,
                policy: ccverify::gpu::GpuPolicy {
                    expected_count: expect_gpus,
                    require_revocation: !allow_no_ocsp,
                    require_rims: !allow_no_rims,
                    allow_expired_rims,
                    allow_hold_for_rims: allow_hold_cert,
                    ..Default::default()
                },
            };
            let gpu = read_input(&gpu, "gpu")?;
            let verdict = ccverify::gpu::verify_gpu(&gpu, &nonce, &options)
                .map_err(|e| UsageError(e.to_string()))?;
            print_verdict_with(&verdict, json, false);
            Ok(verdict_code(&verdict))
        }
        Command::Nonce { normalize, json } => {
            let nonce = match normalize {
                Some(input) => Nonce::normalize(&input).map_err(|e| UsageError(e.to_string()))?,
                None => Nonce::generate().map_err(|e| UsageError(e.to_string()))?,
            };
            if json {
                println!("{}", serde_json::json!({ "nonce": nonce.to_hex() }));
            } else {
                println!("{nonce}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::RecoverAddress {
            message,
            message_file,
            signature,
            json,
        } => {
            let message = match (message, message_file) {
                (Some(text), _) => text.into_bytes(),
                (None, Some(path)) => read_input(&path, "message")?,
                (None, None) => return Err(UsageError("give --message or --message-file".into())),
            };
            let address = ccverify::eth::recover_personal_signer(&message, &signature)
                .map_err(|e| UsageError(e.to_string()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "address": address.to_checksum() })
                );
            } else {
                println!("{address}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Checks { json } => {
            if json {
                let rows: Vec<_> = ccverify::CHECKS
                    .iter()
                    .map(|(id, proves)| serde_json::json!({ "id": id, "proves": proves }))
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for (id, proves) in ccverify::CHECKS {
                    println!("{id:28}  {proves}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
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
