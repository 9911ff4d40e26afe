//! `ccverify chat`: Attest, pin the signing key, then send one chat completion and verify the reply.

#[allow(unused_imports)]
use crate::session::*;
use crate::*;

/// The arguments of `ccverify chat`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    gateway: session::Gateway,
    #[command(flatten)]
    inputs: session::Inputs,
    #[command(flatten)]
    chat: ChatArgs,
    /// Write an evidence bundle (attestation and this exchange) to FILE.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Append this exchange to FILE, a JSON Lines log of recorded exchanges (`ccverify audit`
    /// reads it): held to the --save bundle when there is one, else to the pinned address.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Print `{attestation, response, verified, verdict}` as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify chat`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    chat(
        &args.gateway,
        &args.inputs,
        &args.chat,
        Outputs {
            save: args.save.as_deref(),
            log: args.log.as_deref(),
        },
        args.json,
    )
}

/// What to send in `chat`.
#[cfg(feature = "net")]
#[derive(clap::Args, Clone, Debug)]
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
pub(crate) fn delta_text(pending: &mut Vec<u8>, chunk: &[u8]) -> String {
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

/// Where `chat` records what happened: an evidence bundle, a log of recorded exchanges.
#[derive(Clone, Copy, Default)]
pub(crate) struct Outputs<'a> {
    /// `--save FILE`.
    pub save: Option<&'a Path>,
    /// `--log FILE`.
    pub log: Option<&'a Path>,
}

/// Appends the session's last recorded exchange to a JSON Lines log, held to the saved bundle
/// (named relative to the log's directory when it is inside it) or else to the pinned address.
#[cfg(feature = "net")]
fn append_log(
    session: &ccverify_net::client::Session,
    log: &Path,
    save: Option<&Path>,
) -> Result<(), UsageError> {
    use ccverify::audit::{Record, Reply, Signer};
    use std::io::Write as _;
    let bundle = session.bundle();
    let index = bundle.exchanges.len();
    let Some(exchange) = bundle.exchanges.last() else {
        return Err(UsageError(
            "--log: the exchange was not recorded (a request or reply that is not UTF-8)".into(),
        ));
    };
    let signer = match (save, session.signing_address()) {
        (Some(path), _) => {
            let dir = log
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .and_then(|d| std::fs::canonicalize(d).ok());
            let saved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let named = dir
                .as_deref()
                .and_then(|d| saved.strip_prefix(d).ok())
                .map_or(saved.clone(), Path::to_path_buf);
            Signer::Bundle(named.to_string_lossy().into_owned())
        }
        // Without a bundle the record names the address; that is honest only when the
        // attestation that pinned it verified (an audit cannot re-verify it).
        (None, Some(_)) if !session.attested() => {
            return Err(UsageError(
                "--log: the attestation did not verify, so nothing attests the key; give --save FILE to log the exchange against its bundle".into(),
            ));
        }
        (None, Some(address)) => Signer::Address(address),
        (None, None) => {
            return Err(UsageError(
                "--log: the attestation gave no signing address to hold the exchange to".into(),
            ));
        }
    };
    let record = Record {
        id: format!("{}-{index}", &session.nonce_hex()[..16]),
        request: exchange.request.clone().into_bytes(),
        reply: if exchange.stream {
            Reply::Stream(exchange.response.clone().into_bytes())
        } else {
            Reply::Response {
                body: exchange.response.clone().into_bytes(),
                headers: exchange.headers.clone(),
            }
        },
        signer,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| UsageError(format!("cannot append to {}: {e}", log.display())))?;
    let line = record
        .to_json()
        .map_err(|e| UsageError(format!("--log: {e}")))?;
    writeln!(file, "{line}")
        .map_err(|e| UsageError(format!("cannot append to {}: {e}", log.display())))?;
    eprintln!(
        "ccverify: exchange {} appended to {} (audit with `ccverify audit {}`)",
        record.id,
        log.display(),
        log.display()
    );
    Ok(())
}

/// `chat`.
#[cfg(feature = "net")]
pub(crate) fn chat(
    gw: &Gateway,
    inputs: &Inputs,
    args: &ChatArgs,
    outputs: Outputs<'_>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    use std::io::Write as _;
    let save = outputs.save;
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
    config.record_exchanges = save.is_some() || outputs.log.is_some();
    // The CLI prints every verdict and exits 1 when a reply did not verify: it takes the reply
    // with its flag rather than as an error (it never prints unverified text as verified).
    config.strict = Some(false);
    let session = ccverify_net::client::Session::attest(config, &gw.model_id).map_err(net_error)?;
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
            return Err(net_error(e.error()));
        }
    };
    if let Some(path) = save {
        save_bundle(&session.bundle(), path)?;
    }
    if let Some(log) = outputs.log {
        append_log(&session, log, save)?;
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
