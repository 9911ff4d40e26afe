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

/// NVIDIA's RIM service (`--rim-url`).
const DEFAULT_RIM_URL: &str = "https://rim.attestation.nvidia.com";
/// NRAS's GPU attestation endpoint (`--nras-url`).
const DEFAULT_NRAS_URL: &str = "https://nras.attestation.nvidia.com/v4/attest/gpu";
/// NRAS's signing keys (`--jwks-url`).
const DEFAULT_JWKS_URL: &str = "https://nras.attestation.nvidia.com/.well-known/jwks.json";

/// Intel's Provisioning Certification Service (`--pccs-url`).
const DEFAULT_PCS_URL: &str = "https://api.trustedservices.intel.com";

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
    /// Verify an io.net `gpu` object (NVIDIA H100/H200 evidence) against NVIDIA's pinned roots.
    ///
    /// Online by default (builds with the `net` feature): RIMs missing from --rim-dir are
    /// fetched from NVIDIA's RIM service and cached under --rim-cache, and OCSP is queried live
    /// for certificates without a fresh response in --ocsp-dir. RIMs and OCSP answers are
    /// verified exactly like local files: the network can make a check fail or be skipped,
    /// never pass. --offline uses only the given directories.
    #[command(after_help = GPU_AFTER_HELP)]
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
        /// Verification time (RFC 3339, e.g. 2024-06-01T00:00:00Z); default: now. Live OCSP is
        /// not queried when this is more than 24 h from the system clock.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Never use the network: only --rim-dir and --ocsp-dir (builds without the `net`
        /// feature never use it).
        #[arg(long)]
        offline: bool,
        /// Cache of RIMs fetched from the RIM service, as `<id>.xml` [default:
        /// $XDG_CACHE_HOME/ccverify/rims or ~/.cache/ccverify/rims].
        #[arg(long, value_name = "DIR", conflicts_with = "no_rim_cache")]
        rim_cache: Option<PathBuf>,
        /// Do not read or write a RIM cache.
        #[arg(long)]
        no_rim_cache: bool,
        /// Base URL of the RIM service (RIMs are at <URL>/v1/rim/<id>).
        #[arg(long, value_name = "URL", default_value = DEFAULT_RIM_URL)]
        rim_url: String,
        /// Send every OCSP query to this responder [default: the certificate's own OCSP URL,
        /// else https://ocsp.ndis.nvidia.com/].
        #[arg(long, value_name = "URL")]
        ocsp_url: Option<String>,
        /// Also send the evidence to NVIDIA's Remote Attestation Service and verify its signed
        /// answer (rows `gpu.nras`); the local checks still run and must pass too.
        #[arg(long, conflicts_with = "offline")]
        nras: bool,
        /// NRAS attestation endpoint, for --nras.
        #[arg(long, value_name = "URL", default_value = DEFAULT_NRAS_URL)]
        nras_url: String,
        /// NRAS signing keys (JWKS), for --nras.
        #[arg(long, value_name = "URL", default_value = DEFAULT_JWKS_URL)]
        jwks_url: String,
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
    /// Verify an NVIDIA NRAS detached EAT (the body NRAS returns) offline, against a JWKS file.
    VerifyEat {
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
    },
    /// Verify an Intel TDX quote (io.net's `cpu.quote`) with Intel collateral.
    ///
    /// The collateral (TCB Info, QE Identity, CRLs) is read from --collateral, or, without it,
    /// fetched from Intel PCS or the PCCS at --pccs-url for the quote's FMSPC and cached under
    /// --collateral-cache (refreshed after a day, or after the policy's
    /// max_collateral_age_secs). It is Intel-signed and verified like a file: the network can
    /// make `tdx.collateral` fail, never pass. --offline uses only --collateral or the cache.
    #[command(after_help = TDX_AFTER_HELP)]
    VerifyTdx {
        /// The quote: hex text as io.net sends it, or the raw binary quote (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        quote: PathBuf,
        /// Intel collateral as dcap-qvl's QuoteCollateralV3 JSON [default: fetched, see above].
        #[arg(long, value_name = "FILE")]
        collateral: Option<PathBuf>,
        /// The nonce you sent: REPORTDATA must be nonce || 32 zero bytes (io.net's rule).
        #[arg(long, value_name = "HEX", conflicts_with = "report_data")]
        nonce: Option<String>,
        /// The exact expected REPORTDATA (128 hex digits).
        #[arg(long, value_name = "HEX")]
        report_data: Option<String>,
        /// Verification time (RFC 3339); default: now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Policy JSON: accepted_tcb_statuses, rejected_advisories, allow_debug, td_attributes,
        /// mrtd, rtmr0..rtmr3, mrseam, xfam, max_collateral_age_secs, min_tcb_eval_data_number.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Never use the network: collateral only from --collateral or the cache (builds
        /// without the `net` feature never use it, and need --collateral).
        #[arg(long)]
        offline: bool,
        /// Base URL of the collateral service: Intel PCS, or a PCCS serving the same v4 API.
        #[arg(long, value_name = "URL", default_value = DEFAULT_PCS_URL)]
        pccs_url: String,
        /// Cache of fetched collateral, one file per FMSPC and PCK CA [default:
        /// $XDG_CACHE_HOME/ccverify/collateral or ~/.cache/ccverify/collateral].
        #[arg(long, value_name = "DIR", conflicts_with = "no_collateral_cache")]
        collateral_cache: Option<PathBuf>,
        /// Do not read or write a collateral cache.
        #[arg(long)]
        no_collateral_cache: bool,
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
    /// Verify a whole io.net attestation (`/v1/private/attestation` answer) for the nonce you sent:
    /// GPU evidence, TDX quote, image digest, signing address, key binding.
    ///
    /// Online by default: RIMs, OCSP answers and Intel collateral not given locally are fetched
    /// (and verified like local files). --offline uses only what is given.
    VerifyReport {
        /// The attestation JSON (`-` for standard input).
        #[arg(value_name = "REPORT.json")]
        report: PathBuf,
        /// The nonce you sent (hex; normalised like the agent does).
        #[arg(long, value_name = "HEX")]
        nonce: String,
        #[command(flatten)]
        inputs: session::Inputs,
        /// Write an evidence bundle (everything used) to FILE.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Re-verify an evidence bundle offline (its attestation and any recorded exchanges).
    VerifyBundle {
        /// The bundle written by `attest --save`, `chat --save` or `verify-report --save`.
        #[arg(value_name = "BUNDLE.json")]
        bundle: PathBuf,
        /// Verification time (RFC 3339); default now. `recorded` uses the time the bundle
        /// says it was verified at (untrusted: the verdict then warns).
        #[arg(long, value_name = "RFC3339|recorded")]
        at: Option<String>,
        /// Policy: a TOML/JSON file or a preset name; default the `default` preset. `recorded`
        /// applies the policy stored in the bundle (untrusted: the verdict then warns).
        #[arg(long, value_name = "FILE|PRESET|recorded")]
        policy: Option<String>,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Attest a model's machine with a fresh nonce and verify everything (API key: $IO_API_KEY).
    #[cfg(feature = "net")]
    Attest {
        #[command(flatten)]
        gateway: session::Gateway,
        #[command(flatten)]
        inputs: session::Inputs,
        /// Write an evidence bundle to FILE.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Print the verdict as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Attest, pin the signing key, then send one chat completion and verify the reply.
    #[cfg(feature = "net")]
    Chat {
        #[command(flatten)]
        gateway: session::Gateway,
        #[command(flatten)]
        inputs: session::Inputs,
        #[command(flatten)]
        chat: session::ChatArgs,
        /// Write an evidence bundle (attestation and this exchange) to FILE.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Print `{attestation, response, verified, verdict}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Run a loopback gateway that speaks io.net's API and signs like the agent (for trying
    /// and testing clients). Serves canned real evidence that can never verify a fresh nonce.
    Sandbox {
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
    },
    /// Verify bundled real evidence offline, then run a sandbox session end to end.
    #[cfg(feature = "net")]
    Demo {
        /// Print each verdict as one JSON object per line.
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

/// `--at`: RFC 3339 text, read by the core's [`Time`](ccverify::time::Time).
fn parse_at(text: Option<&str>) -> Result<Option<ccverify::time::Time>, UsageError> {
    text.map(|t| {
        ccverify::time::Time::parse(t).map_err(|e| UsageError(format!("--{}", e.reason())))
    })
    .transpose()
}

/// The directories given on the command line, opened.
struct LocalSources {
    rims: Option<ccverify::gpu::DirRimSource>,
    ocsp: Option<ccverify::gpu::ocsp::DirOcspSource>,
}

impl LocalSources {
    fn open(rim_dir: Option<&Path>, ocsp_dir: Option<&Path>) -> Result<Self, UsageError> {
        let rims = rim_dir
            .map(|d| ccverify::gpu::DirRimSource::new(d).map_err(UsageError))
            .transpose()?;
        let ocsp = ocsp_dir
            .map(|d| {
                ccverify::gpu::ocsp::DirOcspSource::new(d).map_err(|e| {
                    UsageError(format!("cannot read OCSP directory {}: {e}", d.display()))
                })
            })
            .transpose()?;
        Ok(LocalSources { rims, ocsp })
    }

    /// Offline verification with the directories only.
    fn verify(
        self,
        policy: ccverify::gpu::GpuPolicy,
        gpu: &[u8],
        nonce: &[u8; 32],
        now: i64,
    ) -> Verdict {
        let mut verifier = ccverify::gpu::GpuVerifier::new(policy);
        if let Some(r) = self.rims {
            verifier = verifier.with_rims(r);
        }
        if let Some(o) = self.ocsp {
            verifier = verifier.with_ocsp(o);
        }
        verifier.verify_json(gpu, nonce, now)
    }
}

/// The online options of `verify-gpu`.
#[cfg_attr(not(feature = "net"), allow(dead_code))]
struct GpuOnline {
    rim_cache: Option<PathBuf>,
    no_rim_cache: bool,
    rim_url: String,
    ocsp_url: Option<String>,
    nras: bool,
    nras_url: String,
    jwks_url: String,
}

#[cfg(feature = "net")]
fn verify_gpu_online(
    local: LocalSources,
    online: GpuOnline,
    policy: ccverify::gpu::GpuPolicy,
    gpu: &[u8],
    nonce: &[u8; 32],
    now: i64,
    expect_gpus: Option<usize>,
) -> Result<Verdict, UsageError> {
    online::verify_gpu(local, online, policy, gpu, nonce, now, expect_gpus).map_err(UsageError)
}

/// Without the `net` feature "online" is offline, and asking for NRAS is a usage error.
#[cfg(not(feature = "net"))]
fn verify_gpu_online(
    local: LocalSources,
    online: GpuOnline,
    policy: ccverify::gpu::GpuPolicy,
    gpu: &[u8],
    nonce: &[u8; 32],
    now: i64,
    _expect_gpus: Option<usize>,
) -> Result<Verdict, UsageError> {
    if online.nras {
        return Err(UsageError(
            "--nras needs the network: this ccverify was built without the `net` feature".into(),
        ));
    }
    Ok(local.verify(policy, gpu, nonce, now))
}

/// The collateral options of `verify-tdx` (used without `--collateral`).
#[cfg_attr(not(feature = "net"), allow(dead_code))]
struct TdxOnline {
    offline: bool,
    pccs_url: String,
    collateral_cache: Option<PathBuf>,
    no_collateral_cache: bool,
}

/// Collateral JSON and a line saying where it came from; `Ok(Err(why))` when it could not be
/// had (the verdict then says so), `Err` for a usage error.
type FetchedTdx = Result<(String, String), String>;

#[cfg(feature = "net")]
fn fetch_tdx_collateral(
    quote: &[u8],
    online: &TdxOnline,
    policy: &ccverify::tdx::TdxPolicy,
    now: i64,
) -> Result<FetchedTdx, UsageError> {
    online::fetch_tdx_collateral(quote, online, policy, now).map_err(UsageError)
}

/// Without the `net` feature there is nothing to fetch from.
#[cfg(not(feature = "net"))]
fn fetch_tdx_collateral(
    _quote: &[u8],
    _online: &TdxOnline,
    _policy: &ccverify::tdx::TdxPolicy,
    _now: i64,
) -> Result<FetchedTdx, UsageError> {
    Err(UsageError(
        "--collateral FILE is needed: this ccverify was built without the `net` feature and cannot fetch Intel collateral".into(),
    ))
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
        Command::VerifyTdx {
            quote,
            collateral,
            nonce,
            report_data,
            at,
            policy,
            offline,
            pccs_url,
            collateral_cache,
            no_collateral_cache,
            json,
        } => {
            let at = parse_at(at.as_deref())?;
            let policy = match policy {
                Some(path) => {
                    let text = read_input(&path, "policy")?;
                    let text = String::from_utf8(text)
                        .map_err(|_| UsageError("the policy file is not UTF-8".into()))?;
                    <ccverify::tdx::TdxPolicy as ccverify::Options>::from_json(&text)
                        .map_err(|e| UsageError(e.to_string()))?
                }
                None => ccverify::tdx::TdxPolicy::default(),
            };
            let options = ccverify::tdx::TdxOptions {
                nonce,
                report_data,
                at,
                policy,
            };
            // Argument errors before any input is read or fetched.
            options.expected().map_err(|e| UsageError(e.to_string()))?;
            let quote = read_input(&quote, "quote")?;
            let verdict = match collateral {
                Some(path) => {
                    let collateral = read_input(&path, "collateral")?;
                    ccverify::tdx::verify_tdx_with(&quote, &collateral, &options)
                        .map_err(|e| UsageError(e.to_string()))?
                        .with_fact("tdx.collateral_source", format!("file {}", path.display()))
                }
                None => {
                    let online = TdxOnline {
                        offline,
                        pccs_url,
                        collateral_cache,
                        no_collateral_cache,
                    };
                    let now = at.unwrap_or_else(ccverify::time::Time::now).unix();
                    match fetch_tdx_collateral(&quote, &online, &options.policy, now)? {
                        Ok((collateral, source)) => {
                            ccverify::tdx::verify_tdx_with(&quote, collateral.as_bytes(), &options)
                                .map_err(|e| UsageError(e.to_string()))?
                                .with_fact("tdx.collateral_source", source)
                        }
                        Err(why) => ccverify::tdx::verify_tdx_without_collateral_with(
                            &quote, &options, &why,
                        )
                        .map_err(|e| UsageError(e.to_string()))?,
                    }
                }
            };
            print_verdict_with(&verdict, json, false);
            Ok(verdict_code(&verdict))
        }
        Command::VerifyGpu {
            gpu,
            nonce,
            rim_dir,
            ocsp_dir,
            at,
            offline,
            rim_cache,
            no_rim_cache,
            rim_url,
            ocsp_url,
            nras,
            nras_url,
            jwks_url,
            expect_gpus,
            allow_no_ocsp,
            allow_no_rims,
            allow_expired_rims,
            allow_hold_cert,
            json,
        } => {
            let nonce = Nonce::normalize(&nonce).map_err(|e| UsageError(e.to_string()))?;
            let at = parse_at(at.as_deref())?;
            let policy = ccverify::gpu::GpuPolicy {
                expected_count: expect_gpus,
                require_revocation: !allow_no_ocsp,
                require_rims: !allow_no_rims,
                allow_expired_rims,
                allow_hold_for_rims: allow_hold_cert,
                ..Default::default()
            };
            let local = LocalSources::open(rim_dir.as_deref(), ocsp_dir.as_deref())?;
            let gpu = read_input(&gpu, "gpu")?;
            let now = at.unwrap_or_else(ccverify::time::Time::now).unix();
            let online = GpuOnline {
                rim_cache,
                no_rim_cache,
                rim_url,
                ocsp_url,
                nras,
                nras_url,
                jwks_url,
            };
            let verdict = if offline {
                local.verify(policy, &gpu, &nonce.0, now)
            } else {
                verify_gpu_online(local, online, policy, &gpu, &nonce.0, now, expect_gpus)?
            };
            print_verdict_with(&verdict, json, false);
            Ok(verdict_code(&verdict))
        }
        Command::VerifyEat {
            eat,
            jwks,
            nonce,
            expect_gpus,
            at,
            json,
        } => {
            let nonce = Nonce::normalize(&nonce).map_err(|e| UsageError(e.to_string()))?;
            let now = parse_at(at.as_deref())?
                .unwrap_or_else(ccverify::time::Time::now)
                .unix();
            let jwks_bytes = read_input(&jwks, "JWKS")?;
            let jwks = ccverify::gpu::nras::Jwks::from_json(&jwks_bytes)
                .map_err(|e| UsageError(format!("--jwks {}: {e}", jwks.display())))?;
            let eat = read_input(&eat, "EAT")?;
            let verdict =
                ccverify::gpu::nras::verdict_from_eat(&eat, &jwks, &nonce.0, expect_gpus, now);
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
        Command::VerifyReport {
            report,
            nonce,
            inputs,
            save,
            json,
        } => session::verify_report(&report, &nonce, &inputs, save.as_deref(), json),
        Command::VerifyBundle {
            bundle,
            at,
            policy,
            json,
        } => session::verify_bundle(&bundle, at.as_deref(), policy.as_deref(), json),
        #[cfg(feature = "net")]
        Command::Attest {
            gateway,
            inputs,
            save,
            json,
        } => session::attest(&gateway, &inputs, save.as_deref(), json),
        #[cfg(feature = "net")]
        Command::Chat {
            gateway,
            inputs,
            chat,
            save,
            json,
        } => session::chat(&gateway, &inputs, &chat, save.as_deref(), json),
        Command::Sandbox {
            port,
            api_key,
            transient_failures,
            log,
            json,
        } => session::sandbox(port, api_key, transient_failures, log, json),
        #[cfg(feature = "net")]
        Command::Demo { json } => session::demo(json),
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
