//! The JSON/SSE API behind the page: attest, chat, inspect, the session's bundle.

use std::net::TcpStream;
use std::sync::{Arc, Mutex, mpsc};

use ccverify::audit::{AuditOptions, Auditor, Bundles};
use ccverify::bundle::BundleOptions;
use ccverify::report::{ReportOptions, Summary};
use ccverify::{Error, Options as _, Verdict};
use ccverify_net::Cancel;
use ccverify_net::client::{self, ChatError, ChatResponse, ClientConfig, Session};
use ccverify_sandbox::http::{Body, ChunkedWriter, Request, Response};
use serde_json::{Map, Value, json};

use crate::Shared;

/// What a handler did: a response to send, or a stream it already sent (with its status).
pub(crate) enum Outcome {
    Respond(Response),
    Streamed(u16),
}

/// Longest chat history accepted, in messages.
const MAX_MESSAGES: usize = 256;

pub(crate) fn handle(
    shared: &Shared,
    req: &ccverify_sandbox::http::Request,
    stream: &mut TcpStream,
) -> Outcome {
    let method = match req.path.as_str() {
        "/api/status" | "/api/models" | "/api/bundle" => "GET",
        "/api/attest" | "/api/chat" | "/api/inspect" => "POST",
        _ => return Outcome::Respond(problem(404, "not_found", "no such page or call")),
    };
    if req.method != method {
        let mut response = problem(405, "method_not_allowed", &format!("use {method}"));
        response.headers.push(("Allow".into(), method.into()));
        return Outcome::Respond(response);
    }
    let body = if method == "POST" {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Outcome::Respond(problem(
                    400,
                    "invalid_argument",
                    "the request body must be a JSON object",
                ));
            }
        }
    } else {
        Map::new()
    };
    let result = match req.path.as_str() {
        "/api/status" => Ok(status(shared)),
        "/api/models" => models(shared),
        "/api/bundle" => bundle(shared),
        "/api/attest" => return attest(shared, req, &body, stream),
        "/api/inspect" => inspect(&body),
        _ => return chat(shared, &body, stream),
    };
    Outcome::Respond(result.unwrap_or_else(|e| error_response(&e)))
}

fn json_response(status: u16, value: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Full(value.to_string().into_bytes()),
    }
}

/// An error answer: `{"error": <stable kind>, "detail": …}`.
pub(crate) fn problem(status: u16, kind: &str, detail: &str) -> Response {
    json_response(status, &json!({"error": kind, "detail": detail}))
}

fn error_response(e: &Error) -> Response {
    let kind = e.kind();
    let status = match kind {
        ccverify::ErrorKind::Network => 502,
        ccverify::ErrorKind::InvalidState | ccverify::ErrorKind::AttestationFailed => 409,
        ccverify::ErrorKind::LimitExceeded => 413,
        _ => 400,
    };
    problem(status, kind.as_str(), &e.to_string())
}

fn bad(detail: impl Into<String>) -> Error {
    Error::InvalidArgument(detail.into())
}

fn string_member<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Error> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("`{key}` must be a string"))),
    }
}

fn bool_member(body: &Map<String, Value>, key: &str) -> Result<bool, Error> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(format!("`{key}` must be true or false"))),
    }
}

/// Refuses members the call does not know, so a typo is an error instead of a default.
fn known(body: &Map<String, Value>, keys: &[&str]) -> Result<(), Error> {
    match body.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(bad(format!(
            "unknown member `{k}` (known: {})",
            keys.join(", ")
        ))),
        None => Ok(()),
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Option<(Session, String)>> {
    shared
        .session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn session_value(session: &Session, model: &str) -> Value {
    json!({
        "model_id": session.model_id(),
        "model": model,
        "nonce": session.nonce_hex(),
        "signing_address": session.signing_address().map(|a| a.to_checksum()),
        "attested": session.attested(),
        "exchanges": session.bundle().exchanges.len(),
    })
}

/// A URL without any `user:password@` it carries.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

fn status(shared: &Shared) -> Response {
    let config = &shared.config;
    let session = lock(shared)
        .as_ref()
        .map(|(s, model)| session_value(s, model));
    json_response(
        200,
        &json!({
            "version": env!("CARGO_PKG_VERSION"),
            "gateway": config.gateway_label,
            "base_url": redact(&config.client.base_url),
            "sandbox": config.sandbox,
            "api_key": config.client.api_key.is_some(),
            "policy": config.client.policy.preset,
            "trust": config.client.policy.trust.as_str(),
            "offline": config.client.policy.offline,
            "default_model": config.default_model,
            "session": session,
        }),
    )
}

fn models(shared: &Shared) -> Result<Response, Error> {
    let list = client::list_models(&shared.config.client)?;
    let models: Vec<Value> = list
        .iter()
        .map(|m| {
            json!({"name": m.name, "model_id": m.model_id, "supports_attestation": m.supports_attestation})
        })
        .collect();
    Ok(json_response(200, &json!({ "models": models })))
}

/// A report or bundle verdict with its claims in plain words.
fn verdict_value(verdict: &Verdict) -> Value {
    let claims = Summary::of(verdict);
    json!({
        "verified": verdict.verified,
        "verdict": serde_json::to_value(verdict).unwrap_or(Value::Null),
        "claims": {
            "proven": claims.proven,
            "accepted": claims.accepted,
            "not_proven": claims.not_proven,
        },
        "summary": verdict.facts.get("summary"),
    })
}

/// What an attestation call asks for.
struct AttestRequest {
    config: ClientConfig,
    model_id: String,
    model: String,
}

fn attest_request(shared: &Shared, body: &Map<String, Value>) -> Result<AttestRequest, Error> {
    known(body, &["model_id", "model", "allow_unverified"])?;
    let model_id = string_member(body, "model_id")?
        .filter(|m| !m.is_empty())
        .ok_or_else(|| bad("`model_id` is required (the model's UUID)"))?;
    let model = string_member(body, "model")?
        .filter(|m| !m.is_empty())
        .ok_or_else(|| bad("`model` is required (the model's name for completions)"))?;
    let mut config = shared.config.client.clone();
    config.allow_unverified = bool_member(body, "allow_unverified")?;
    // Every reply comes back with its verdict (the page shows the badge), and every exchange
    // is kept for the bundle the page can save.
    config.strict = Some(false);
    config.record_exchanges = true;
    config.progress = None;
    Ok(AttestRequest {
        config,
        model_id: model_id.to_string(),
        model: model.to_string(),
    })
}

/// Keeps the new session for the chats that follow and describes it for the page.
fn attested(shared: &Shared, session: Session, model: String) -> Value {
    let mut out = verdict_value(session.verdict());
    if let Value::Object(map) = &mut out {
        map.insert("session".into(), session_value(&session, &model));
    }
    *lock(shared) = Some((session, model));
    out
}

fn sse(name: &str, value: &Value) -> Vec<u8> {
    format!("event: {name}\ndata: {value}\n\n").into_bytes()
}

fn sse_headers() -> Vec<(String, String)> {
    let mut headers = vec![
        ("Content-Type".to_string(), "text/event-stream".to_string()),
        ("X-Accel-Buffering".to_string(), "no".to_string()),
    ];
    headers.extend(crate::security_headers());
    headers
}

/// Attests with a fresh nonce. With `Accept: text/event-stream` the answer is a stream of
/// `progress` events (one per network step: the attestation, RIMs, OCSP, collateral), then
/// `result` (the verdict) or `error`; the attestation is cancelled if the page goes away.
fn attest(
    shared: &Shared,
    req: &Request,
    body: &Map<String, Value>,
    stream: &mut TcpStream,
) -> Outcome {
    let AttestRequest {
        mut config,
        model_id,
        model,
    } = match attest_request(shared, body) {
        Ok(r) => r,
        Err(e) => return Outcome::Respond(error_response(&e)),
    };
    let wants_stream = req
        .header("accept")
        .is_some_and(|a| a.contains("text/event-stream"));
    if !wants_stream {
        return Outcome::Respond(match Session::attest(config, &model_id) {
            Ok(session) => json_response(200, &attested(shared, session, model)),
            Err(e) => error_response(&e),
        });
    }
    enum Step {
        Line(String),
        Done(Result<Session, Error>),
    }
    let (tx, rx) = mpsc::channel::<Step>();
    let progress_tx = Mutex::new(tx.clone());
    config.progress = Some(Arc::new(move |line: &str| {
        if let Ok(tx) = progress_tx.lock() {
            let _ = tx.send(Step::Line(line.to_string()));
        }
    }));
    let cancel = Cancel::new();
    let worker_cancel = cancel.clone();
    let spawned = std::thread::Builder::new()
        .name("ccverify-ui-attest".into())
        .spawn(move || {
            let result = Session::attest_cancellable(config, &model_id, &worker_cancel);
            let _ = tx.send(Step::Done(result));
        });
    if let Err(e) = spawned {
        return Outcome::Respond(problem(
            503,
            "busy",
            &format!("cannot start the attestation: {e}"),
        ));
    }
    let Ok(mut out) = ChunkedWriter::start(stream, 200, &sse_headers()) else {
        cancel.cancel();
        return Outcome::Streamed(200);
    };
    for step in rx {
        let (event, last) = match step {
            Step::Line(line) => (sse("progress", &json!({ "line": line })), false),
            Step::Done(Ok(session)) => (
                sse("result", &attested(shared, session, model.clone())),
                true,
            ),
            Step::Done(Err(e)) => (
                sse(
                    "error",
                    &json!({"error": e.kind().as_str(), "detail": e.to_string()}),
                ),
                true,
            ),
        };
        if out.chunk(&event).is_err() {
            // The page went away: stop fetching for it.
            cancel.cancel();
            return Outcome::Streamed(200);
        }
        if last {
            break;
        }
    }
    let _ = out.finish();
    Outcome::Streamed(200)
}

fn bundle(shared: &Shared) -> Result<Response, Error> {
    let guard = lock(shared);
    let Some((session, _)) = guard.as_ref() else {
        return Err(Error::InvalidState("no session yet: attest first".into()));
    };
    let name = format!("ccverify-bundle-{}.json", &session.nonce_hex()[..16]);
    Ok(Response {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            (
                "Content-Disposition".into(),
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body: Body::Full((session.bundle().to_json() + "\n").into_bytes()),
    })
}

/// The chat request: the history to send, as an OpenAI chat body for the attested model.
struct ChatRequest {
    body: Vec<u8>,
    stream: bool,
    hold: bool,
    headers: Vec<(String, String)>,
}

fn chat_request(
    shared: &Shared,
    model: &str,
    body: &Map<String, Value>,
) -> Result<ChatRequest, Error> {
    known(body, &["messages", "stream", "hold", "fault", "session"])?;
    let Some(Value::Array(messages)) = body.get("messages") else {
        return Err(bad("`messages` must be an array of {role, content}"));
    };
    if messages.is_empty() || messages.len() > MAX_MESSAGES {
        return Err(bad(format!(
            "`messages` must hold 1 to {MAX_MESSAGES} messages"
        )));
    }
    let mut history = Vec::with_capacity(messages.len());
    for m in messages {
        let (Some(role), Some(content)) = (
            m.get("role").and_then(Value::as_str),
            m.get("content").and_then(Value::as_str),
        ) else {
            return Err(bad("each message needs a string `role` and `content`"));
        };
        if !matches!(role, "system" | "user" | "assistant") {
            return Err(bad(format!("unknown role `{role}`")));
        }
        history.push(json!({"role": role, "content": content}));
    }
    let stream = bool_member(body, "stream")?;
    let hold = bool_member(body, "hold")?;
    if hold && !stream {
        return Err(bad("`hold` applies to streamed replies"));
    }
    let mut headers = Vec::new();
    if let Some(fault) = string_member(body, "fault")?.filter(|f| !f.is_empty()) {
        if !shared.config.sandbox {
            return Err(bad("faults exist only against `ccverify sandbox`"));
        }
        if fault.len() > 40 || !fault.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
            return Err(bad("a fault is a sandbox fault name, e.g. tamper-response"));
        }
        headers.push((
            ccverify_sandbox::FAULT_HEADER.to_string(),
            fault.to_string(),
        ));
    }
    let mut completion = json!({"model": model, "messages": history});
    if stream && let Value::Object(map) = &mut completion {
        map.insert("stream".into(), Value::Bool(true));
    }
    Ok(ChatRequest {
        body: completion.to_string().into_bytes(),
        stream,
        hold,
        headers,
    })
}

/// The assistant's text in a verified body: a plain reply's `choices[0].message.content`, or
/// the `choices[0].delta.content` of each `data:` event of a re-serialised stream. `None` when
/// the body holds anything this page cannot show faithfully (an event that does not parse, a
/// second choice): partial text is never shown as the verified reply.
pub(crate) fn reply_text(body: &[u8], stream: bool) -> Option<String> {
    let one_choice = |v: &Value| {
        v.get("choices")
            .and_then(Value::as_array)
            .is_none_or(|c| c.len() <= 1 && c.iter().all(|c| c.get("index").is_none_or(|i| i == 0)))
    };
    if !stream {
        let v = serde_json::from_slice::<Value>(body).ok()?;
        if !one_choice(&v) {
            return None;
        }
        return match v.pointer("/choices/0/message/content") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Null) | None => Some(String::new()),
            Some(_) => None,
        };
    }
    let mut out = String::new();
    for line in body.split(|&b| b == b'\n') {
        let Some(data) = line.strip_prefix(b"data: ") else {
            continue;
        };
        if data == b"[DONE]" {
            continue;
        }
        let v = serde_json::from_slice::<Value>(data).ok()?;
        if !one_choice(&v) {
            return None;
        }
        match v.pointer("/choices/0/delta/content") {
            Some(Value::String(t)) => out.push_str(t),
            Some(Value::Null) | None => {}
            Some(_) => return None,
        }
    }
    Some(out)
}

/// A reply for the page: verified text only under `content`; the text of a reply that did
/// not verify only under `unverified_content`, for a user who asks to see it.
fn reply_value(r: &ChatResponse) -> Value {
    let text = reply_text(&r.body, r.stream);
    let failing: Vec<Value> = r
        .verdict
        .blocking()
        .map(|c| json!({"id": c.id, "status": c.status.as_str(), "detail": c.detail, "subject": c.subject}))
        .collect();
    let shown = text.clone().map_or(Value::Null, Value::String);
    json!({
        "verified": r.verified,
        "attested": r.attested,
        "stream": r.stream,
        "content": if r.verified { shown.clone() } else { Value::Null },
        "unverified_content": if r.verified { Value::Null } else { shown },
        "displayable": text.is_some(),
        "failing": failing,
        "verdict": serde_json::to_value(&r.verdict).unwrap_or(Value::Null),
    })
}

fn chat(shared: &Shared, body: &Map<String, Value>, stream: &mut TcpStream) -> Outcome {
    let Some((session, model)) = lock(shared).clone() else {
        return Outcome::Respond(error_response(&Error::InvalidState(
            "no session yet: attest first".into(),
        )));
    };
    // The page names the session it shows; another tab may have attested since.
    if let Ok(Some(nonce)) = string_member(body, "session")
        && nonce != session.nonce_hex()
    {
        return Outcome::Respond(error_response(&Error::InvalidState(
            "the session changed (another tab attested): attest again to chat with the new session"
                .into(),
        )));
    }
    let request = match chat_request(shared, &model, body) {
        Ok(r) => r,
        Err(e) => return Outcome::Respond(error_response(&e)),
    };
    if !request.stream {
        let result = session.chat_with_headers(&request.body, &request.headers, &Cancel::new());
        return Outcome::Respond(match result {
            Ok(r) => json_response(200, &reply_value(&r)),
            Err(ChatError::Unverified(r)) => json_response(200, &reply_value(&r)),
            Err(ChatError::Failed(e)) => error_response(&e),
        });
    }
    let mut chat = match session.stream_with_headers(
        &request.body,
        &request.headers,
        request.hold,
        Cancel::new(),
    ) {
        Ok(chat) => chat,
        Err(ChatError::Unverified(r)) => {
            return Outcome::Respond(json_response(200, &reply_value(&r)));
        }
        Err(ChatError::Failed(e)) => return Outcome::Respond(error_response(&e)),
    };
    let Ok(mut out) = ChunkedWriter::start(stream, 200, &sse_headers()) else {
        return Outcome::Streamed(200);
    };
    // Our own events, one JSON data line each: `delta` (verified-as-hashed text, not yet
    // covered by a checked signature), then `reply` (the verdict) or `error`.
    let event =
        |name: &str, value: &Value| format!("event: {name}\ndata: {value}\n\n").into_bytes();
    let last = loop {
        match chat.next_chunk() {
            Ok(Some(chunk)) => {
                // Held replies come whole with their verdict, never as deltas.
                let text = if request.hold {
                    String::new()
                } else {
                    reply_text(&chunk, true).unwrap_or_default()
                };
                // A failed write means the page went away: dropping `chat` aborts the request.
                if !text.is_empty() && out.chunk(&event("delta", &json!({"text": text}))).is_err() {
                    return Outcome::Streamed(200);
                }
            }
            Ok(None) => {
                break match chat.response() {
                    Some(r) => event("reply", &reply_value(r)),
                    None => event(
                        "error",
                        &json!({"error": "network", "detail": "the stream ended without a reply"}),
                    ),
                };
            }
            Err(ChatError::Unverified(r)) => break event("reply", &reply_value(&r)),
            Err(ChatError::Failed(e)) => {
                break event(
                    "error",
                    &json!({"error": e.kind().as_str(), "detail": e.to_string()}),
                );
            }
        }
    };
    if out.chunk(&last).is_ok() {
        let _ = out.finish();
    }
    Outcome::Streamed(200)
}

/// Which kind of document was pasted or dropped.
fn detect(document: &str) -> &'static str {
    let trimmed = document.trim_start();
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(document) {
        if map
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| f.starts_with("ccverify-bundle"))
        {
            return "bundle";
        }
        if map.contains_key("request") {
            return "exchanges";
        }
        return "attestation";
    }
    if trimmed.starts_with('{') {
        // Several JSON objects, one per line: a log of recorded exchanges.
        return "exchanges";
    }
    "unknown"
}

/// The inspector reads nothing from this machine's disk: the options that name directories are
/// refused, and a policy (an object, or TOML or JSON text, read here into an object) may only
/// name the `production` or `test` roots, never an anchor file.
fn confine(options: &mut Map<String, Value>) -> Result<(), Error> {
    for key in ["rim_dir", "ocsp_dir", "bundle_dir"] {
        if options.get(key).is_some_and(|v| !v.is_null()) {
            return Err(bad(format!(
                "`{key}` is not read here: the inspector reads nothing from this machine's disk (drop the files instead)"
            )));
        }
    }
    let Some(policy) = options.get_mut("policy") else {
        return Ok(());
    };
    if let Value::String(text) = policy {
        let t = text.trim();
        let word = !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if word {
            // A preset name, or "recorded": no file.
            return Ok(());
        }
        let parsed: Value = if t.starts_with('{') {
            serde_json::from_str(t).map_err(|e| bad(format!("policy: not JSON: {e}")))?
        } else {
            ccverify::limits::check_toml(t, "the policy").map_err(bad)?;
            toml::from_str(t).map_err(|e| bad(format!("policy: not TOML: {e}")))?
        };
        *policy = parsed;
    }
    if let Value::Object(map) = policy {
        match map.get("trust") {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "production" || t == "test" => {}
            Some(_) => {
                return Err(bad(
                    "policy: `trust` may be \"production\" or \"test\" here; an anchor file is not read by the inspector (use `ccverify verify-bundle --trust FILE`)",
                ));
            }
        }
    }
    Ok(())
}

fn inspect(body: &Map<String, Value>) -> Result<Response, Error> {
    known(body, &["document", "kind", "options", "bundles"])?;
    let document = string_member(body, "document")?
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            bad("`document` is required: an attestation, a bundle or recorded exchanges")
        })?;
    let kind = match string_member(body, "kind")? {
        None | Some("auto") => detect(document),
        Some(k @ ("attestation" | "bundle" | "exchanges")) => k,
        Some(other) => return Err(bad(format!("unknown kind `{other}`"))),
    };
    let mut options = match body.get("options") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(bad("`options` must be an object")),
    };
    confine(&mut options)?;
    let options = Value::Object(options);
    let mut out = match kind {
        "attestation" => {
            let options = ReportOptions::from_value(options)?;
            verdict_value(&ccverify::report::verify_report(
                document.as_bytes(),
                &options,
            )?)
        }
        "bundle" => {
            let options = BundleOptions::from_value(options)?;
            verdict_value(&ccverify::bundle::verify_bundle(
                document.as_bytes(),
                &options,
            )?)
        }
        "exchanges" => {
            let options = AuditOptions::from_value(options)?;
            if options.bundle_dir.is_some() {
                return Err(bad(
                    "`bundle_dir` is not read here: drop the bundles with the log",
                ));
            }
            // Nothing is read from disk: a log names bundles, and only those dropped with it
            // are used (a path in an untrusted log must not reach this machine's files).
            let mut bundles = Bundles::in_dir(None);
            bundles.only_supplied();
            match body.get("bundles") {
                None | Some(Value::Null) => {}
                Some(Value::Object(map)) => {
                    for (name, text) in map {
                        let Some(text) = text.as_str() else {
                            return Err(bad("`bundles` maps names to bundle text"));
                        };
                        bundles.supply(name.clone(), text.as_bytes().to_vec());
                    }
                }
                Some(_) => return Err(bad("`bundles` maps names to bundle text")),
            }
            let mut auditor = Auditor::with_bundles(options.bundle_options(), bundles);
            let report = auditor.audit_jsonl(document.as_bytes(), "log");
            // Signed over exactly the logged bytes is not yet attested: a key the log only
            // names, or one whose bundle verified with caveats, is reported as such.
            let signed = report.summary.clean();
            let attested = report.summary.keys.keys().all(|k| k == "attested");
            json!({
                "verified": signed && attested,
                "signed": signed,
                "keys": report.summary.keys,
                "report": report.to_value(),
            })
        }
        _ => {
            return Err(bad(
                "not an attestation, a bundle or recorded exchanges (JSON expected)",
            ));
        }
    };
    if let Value::Object(map) = &mut out {
        map.insert("kind".into(), Value::String(kind.into()));
    }
    Ok(json_response(200, &out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn reply_text_reads_plain_and_streamed_bodies() {
        let plain = br#"{"choices":[{"message":{"role":"assistant","content":"Echo: hi"}}]}"#;
        assert_eq!(reply_text(plain, false).as_deref(), Some("Echo: hi"));
        let stream = b"data: {\"choices\":[{\"delta\":{\"content\":\"Echo:\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" hi\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(reply_text(stream, true).as_deref(), Some("Echo: hi"));
        // Nothing partial: an event this page cannot read, or a second choice, hides it all.
        assert_eq!(reply_text(b"not json", false), None);
        assert_eq!(
            reply_text(
                b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {NaN}\n\n",
                true
            ),
            None
        );
        let two =
            br#"{"choices":[{"message":{"content":"a"}},{"index":1,"message":{"content":"b"}}]}"#;
        assert_eq!(reply_text(two, false), None);
        let second = b"data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"b\"}}]}\n\n";
        assert_eq!(reply_text(second, true), None);
    }

    #[test]
    fn redact_drops_credentials_only() {
        assert_eq!(redact("https://u:p@host:1/x?y@z"), "https://host:1/x?y@z");
        assert_eq!(redact("http://127.0.0.1:8400"), "http://127.0.0.1:8400");
    }

    #[test]
    fn detect_tells_documents_apart() {
        assert_eq!(detect(r#"{"format":"ccverify-bundle/1"}"#), "bundle");
        assert_eq!(detect(r#"{"id":"a","request":"{}"}"#), "exchanges");
        assert_eq!(detect("{\"id\":\"a\"}\n{\"id\":\"b\"}\n"), "exchanges");
        assert_eq!(detect(r#"{"nonce":"00","gpu":{}}"#), "attestation");
        assert_eq!(detect("hello"), "unknown");
    }
}
