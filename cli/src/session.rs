//! Whole-attestation commands: `verify-report`, `verify-bundle`, and (feature `net`) `attest`,
//! `chat`, `sandbox` and `demo`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
#[cfg(feature = "net")]
use std::sync::Arc;

use ccverify::Verdict;
use ccverify::bundle::{Bundle, BundleOptions, BundlePolicy, BundleTime};
use ccverify::policy::Policy;
use clap::Args;

use crate::{UsageError, parse_at, print_verdict, read_input, verdict_code};

/// Where verification inputs come from, shared by verify-report, attest and chat.
#[derive(Args, Clone, Debug)]
pub(crate) struct Inputs {
    /// The policy: a TOML or JSON file, or a preset name (default, offline, strict).
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// Directory of NVIDIA RIMs named by RIM id, consulted before NVIDIA's RIM service.
    #[arg(long, value_name = "DIR")]
    pub rim_dir: Option<PathBuf>,
    /// Directory of DER OCSP responses, consulted before the live responders.
    #[arg(long, value_name = "DIR")]
    pub ocsp_dir: Option<PathBuf>,
    /// Intel collateral JSON for the TDX quote (otherwise fetched from --pccs-url).
    #[arg(long, value_name = "FILE")]
    pub collateral: Option<PathBuf>,
    /// Intel PCS or a PCCS for collateral.
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_PCS_URL)]
    pub pccs_url: String,
    /// Verification time (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Fetch nothing: only the given directories and collateral (same as the offline preset's
    /// rule, whatever the policy).
    #[arg(long)]
    pub offline: bool,
}

impl Inputs {
    pub(crate) fn policy(&self) -> Result<Policy, UsageError> {
        let mut p = load_policy(self.policy.as_deref())?;
        if self.offline {
            p.offline = true;
        }
        Ok(p)
    }

    fn collateral_bytes(&self) -> Result<Option<Vec<u8>>, UsageError> {
        self.collateral
            .as_ref()
            .map(|f| read_input(f, "collateral"))
            .transpose()
    }
}

/// A policy from a file (TOML or JSON) or a preset name; default preset when absent.
pub(crate) fn load_policy(arg: Option<&str>) -> Result<Policy, UsageError> {
    let Some(arg) = arg else {
        return Ok(Policy::default());
    };
    if ccverify::policy::PRESETS.contains(&arg) {
        return Policy::preset(arg).map_err(|e| UsageError(e.to_string()));
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        UsageError(format!(
            "--policy {arg}: not a preset and not a readable file: {e}"
        ))
    })?;
    Policy::parse(&text).map_err(|e| UsageError(format!("--policy {arg}: {e}")))
}

#[cfg(feature = "net")]
fn save_bundle(bundle: &Bundle, path: &Path) -> Result<(), UsageError> {
    std::fs::write(path, bundle.to_json() + "\n")
        .map_err(|e| UsageError(format!("cannot write bundle {}: {e}", path.display())))?;
    eprintln!(
        "ccverify: evidence bundle written to {} (re-verify with `ccverify verify-bundle {}`)",
        path.display(),
        path.display()
    );
    Ok(())
}

fn print_report(verdict: &Verdict, json: bool) {
    print_verdict(verdict, json);
    if !json && let Some(s) = verdict.facts.get("summary") {
        println!("summary: {s}");
    }
}

/// `verify-report`.
pub(crate) fn verify_report(
    report: &Path,
    nonce: &str,
    inputs: &Inputs,
    save: Option<&Path>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let report = read_input(report, "report")?;
    let nonce =
        ccverify::Nonce::normalize(nonce).map_err(|e| UsageError(format!("--nonce: {e}")))?;
    let now = parse_at(inputs.at.as_deref())?
        .unwrap_or_else(ccverify::time::Time::now)
        .unix();
    let policy = inputs.policy()?;
    let collateral = inputs.collateral_bytes()?;
    #[cfg(feature = "net")]
    let (verdict, bundle) = {
        let config = ccverify::net::client::ClientConfig {
            policy,
            rim_dir: inputs.rim_dir.clone(),
            ocsp_dir: inputs.ocsp_dir.clone(),
            collateral,
            pccs_url: Some(inputs.pccs_url.clone()),
            progress: Some(progress()),
            ..ccverify::net::client::ClientConfig::default()
        };
        ccverify::net::client::verify_attestation(&config, &report, &nonce, now)
            .map_err(|e| UsageError(e.to_string()))?
    };
    #[cfg(not(feature = "net"))]
    let (verdict, bundle) = {
        let options = ccverify::report::ReportOptions {
            nonce: nonce.to_hex(),
            rim_dir: inputs.rim_dir.as_ref().map(|p| p.display().to_string()),
            ocsp_dir: inputs.ocsp_dir.as_ref().map(|p| p.display().to_string()),
            collateral,
            at: Some(now),
            policy,
        };
        let v = ccverify::report::verify_report(&report, &options)
            .map_err(|e| UsageError(e.to_string()))?;
        if save.is_some() {
            return Err(UsageError(
                "--save needs a build with the net feature".into(),
            ));
        }
        (v, None::<Bundle>)
    };
    #[cfg(feature = "net")]
    if let Some(path) = save {
        save_bundle(&bundle, path)?;
    }
    #[cfg(not(feature = "net"))]
    let _ = bundle;
    print_report(&verdict, json);
    Ok(verdict_code(&verdict))
}

/// `verify-bundle`.
pub(crate) fn verify_bundle(
    file: &Path,
    at: Option<&str>,
    policy: Option<&str>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let bytes = read_input(file, "bundle")?;
    let options = BundleOptions {
        at: match at {
            None => BundleTime::Now,
            Some(t) => BundleTime::from_text(t).map_err(|e| UsageError(format!("--at: {e}")))?,
        },
        policy: match policy {
            Some("recorded") => BundlePolicy::Recorded,
            other => BundlePolicy::Caller(load_policy(other)?),
        },
    };
    let verdict = ccverify::bundle::verify_bundle(&bytes, &options)
        .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    print_report(&verdict, json);
    Ok(verdict_code(&verdict))
}

#[cfg(feature = "net")]
fn progress() -> ccverify::net::client::Progress {
    Arc::new(|line: &str| eprintln!("ccverify: {line}"))
}

/// Gateway connection flags for attest and chat.
#[cfg(feature = "net")]
#[derive(Args, Clone, Debug)]
pub(crate) struct Gateway {
    /// The gateway (the API key comes from $IO_API_KEY).
    #[arg(long, value_name = "URL", default_value = ccverify::net::client::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// The model to attest (its UUID, as `/v1/models` lists it).
    #[arg(long, value_name = "UUID")]
    pub model_id: String,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// Retries on connection failures, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
}

#[cfg(feature = "net")]
fn client_config(
    gw: &Gateway,
    inputs: &Inputs,
) -> Result<ccverify::net::client::ClientConfig, UsageError> {
    Ok(ccverify::net::client::ClientConfig {
        base_url: gw.base_url.clone(),
        timeout: std::time::Duration::from_secs(gw.timeout.max(1)),
        retries: gw.retries,
        policy: inputs.policy()?,
        rim_dir: inputs.rim_dir.clone(),
        ocsp_dir: inputs.ocsp_dir.clone(),
        collateral: inputs.collateral_bytes()?,
        pccs_url: Some(inputs.pccs_url.clone()),
        at: parse_at(inputs.at.as_deref())?,
        progress: Some(progress()),
        ..ccverify::net::client::ClientConfig::from_env()
    })
}

#[cfg(feature = "net")]
fn net_error(e: ccverify::Error) -> UsageError {
    UsageError(e.to_string())
}

/// `attest`.
#[cfg(feature = "net")]
pub(crate) fn attest(
    gw: &Gateway,
    inputs: &Inputs,
    save: Option<&Path>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let config = client_config(gw, inputs)?;
    let session =
        ccverify::net::client::Session::attest(config, &gw.model_id).map_err(net_error)?;
    if let Some(path) = save {
        save_bundle(&session.bundle(), path)?;
    }
    print_report(session.verdict(), json);
    Ok(verdict_code(session.verdict()))
}

/// What to send in `chat`.
#[cfg(feature = "net")]
#[derive(Args, Clone, Debug)]
pub(crate) struct ChatArgs {
    /// The model name for the completion body (as `/v1/models` lists it).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// One user message (the body is built for you).
    #[arg(long, value_name = "TEXT", conflicts_with = "body")]
    pub message: Option<String>,
    /// The exact completion body to send (JSON file, `-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Stream the reply (chunks are printed as they arrive; the verdict comes at the end).
    #[arg(long)]
    pub stream: bool,
    /// With --stream: print nothing until the whole stream verified.
    #[arg(long, requires = "stream")]
    pub hold: bool,
    /// Chat even when the attestation did not verify (every reply is then marked unverified).
    #[arg(long)]
    pub allow_unverified: bool,
}

/// The assistant text in an SSE chunk's data lines (best effort, for display only).
#[cfg(feature = "net")]
fn delta_text(pending: &mut Vec<u8>, chunk: &[u8]) -> String {
    pending.extend_from_slice(chunk);
    let mut out = String::new();
    while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = pending.drain(..=pos).collect();
        let Some(data) = line.strip_prefix(b"data: ") else {
            continue;
        };
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data)
            && let Some(t) = v
                .pointer("/choices/0/delta/content")
                .and_then(|t| t.as_str())
        {
            out.push_str(t);
        }
    }
    out
}

/// `chat`.
#[cfg(feature = "net")]
pub(crate) fn chat(
    gw: &Gateway,
    inputs: &Inputs,
    args: &ChatArgs,
    save: Option<&Path>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    use std::io::Write as _;
    let body = match (&args.body, &args.message) {
        (Some(f), _) => read_input(f, "body")?,
        (None, Some(m)) => {
            let model = args.model.clone().ok_or_else(|| {
                UsageError("--message needs --model NAME (or give --body FILE)".into())
            })?;
            let mut v =
                serde_json::json!({"model": model, "messages": [{"role": "user", "content": m}]});
            if args.stream {
                v["stream"] = serde_json::Value::Bool(true);
            }
            v.to_string().into_bytes()
        }
        (None, None) => return Err(UsageError("give --message TEXT or --body FILE".into())),
    };
    let mut config = client_config(gw, inputs)?;
    config.allow_unverified = args.allow_unverified;
    config.record_exchanges = save.is_some();
    let session =
        ccverify::net::client::Session::attest(config, &gw.model_id).map_err(net_error)?;
    if !session.attested() {
        eprintln!(
            "ccverify: the attestation did NOT verify: {}",
            session
                .verdict()
                .facts
                .get("summary")
                .map(String::as_str)
                .unwrap_or("")
        );
    }
    let reply = if args.stream {
        let mut pending = Vec::new();
        let mut out = std::io::stdout();
        session.chat_stream(&body, args.hold, &mut |chunk| {
            if !json {
                let _ = write!(out, "{}", delta_text(&mut pending, chunk));
                let _ = out.flush();
            }
        })
    } else {
        session.chat(&body)
    };
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            if let (Some(path), ccverify::ErrorKind::AttestationFailed) = (save, e.kind()) {
                save_bundle(&session.bundle(), path)?;
            }
            if !json {
                print_report(session.verdict(), false);
            }
            return Err(net_error(e));
        }
    };
    if let Some(path) = save {
        save_bundle(&session.bundle(), path)?;
    }
    if json {
        let v = serde_json::json!({
            "attestation": serde_json::from_str::<serde_json::Value>(&session.verdict().to_json()).unwrap_or_default(),
            "response": String::from_utf8_lossy(&reply.body),
            "verified": reply.verified,
            "verdict": serde_json::from_str::<serde_json::Value>(&reply.verdict.to_json()).unwrap_or_default(),
        });
        println!("{v}");
    } else {
        if args.stream {
            println!();
        } else {
            let text = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| {
                    v.pointer("/choices/0/message/content")
                        .and_then(|t| t.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&reply.body).into_owned());
            println!("{text}");
        }
        println!("--- response verdict");
        print_verdict(&reply.verdict, false);
    }
    Ok(verdict_code(&reply.verdict))
}

/// `sandbox`.
pub(crate) fn sandbox(
    port: u16,
    api_key: Option<String>,
    transient_failures: u32,
    log: bool,
    json: bool,
) -> Result<ExitCode, UsageError> {
    use ccverify::sandbox::{BUNDLED_GPU_NONCE, Sandbox, SandboxConfig};
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

/// The bundle of the real evidence shipped with the tests (see tests/vectors/report).
#[cfg(feature = "net")]
const DEMO_BUNDLE: &str = include_str!("../../tests/vectors/report/bundle-real.json");

/// `demo`: offline verification of bundled real evidence, then a sandbox session end to end.
#[cfg(feature = "net")]
pub(crate) fn demo(json: bool) -> Result<ExitCode, UsageError> {
    use ccverify::sandbox::{Sandbox, SandboxConfig};
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
    let config = ccverify::net::client::ClientConfig {
        base_url: sb.base_url(),
        policy: Policy::preset("offline").map_err(|e| UsageError(e.to_string()))?,
        allow_unverified: true,
        record_exchanges: true,
        progress: if json { None } else { Some(progress()) },
        ..ccverify::net::client::ClientConfig::default()
    };
    let session =
        ccverify::net::client::Session::attest(config, &sb.config().model_id).map_err(net_error)?;
    print_report(session.verdict(), json);
    let body = serde_json::json!({"model": sb.config().model_name, "messages": [{"role": "user", "content": "Is this inference confidential?"}]}).to_string();
    let plain = session.chat(body.as_bytes()).map_err(net_error)?;
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
            text.push_str(&delta_text(&mut pending, c))
        })
        .map_err(net_error)?;
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
