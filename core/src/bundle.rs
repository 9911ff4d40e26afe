//! Evidence bundles: everything needed to re-verify an attestation (and the completions that
//! followed it) later, offline, by anyone.
//!
//! A bundle is one JSON document:
//!
//! ```json
//! {
//!   "format": "ccverify-bundle/1",
//!   "created_at": "2026-11-28T10:00:00Z",   // when it was written (informational)
//!   "at": "2026-11-28T10:00:00Z",           // the verification time used, and the default for re-verification
//!   "base_url": "https://api.intelligence.io.net", "model_id": "…",
//!   "nonce": "<64 hex>",                    // the normalised nonce that was sent
//!   "attestation": { … },                   // the attestation document as received
//!   "collateral": { … } | null,             // Intel collateral (dcap-qvl QuoteCollateralV3)
//!   "rims": { "<RIM id>": "<XML>" },        // the NVIDIA RIMs used
//!   "ocsp": [ "<base64 DER OCSPResponse>" ], // the OCSP responses used
//!   "policy": { … },                        // the policy used (see crate::policy)
//!   "verdict": { … },                       // the verdict then (informational, never trusted)
//!   "exchanges": [ { "request": "…", "response": "…", "headers": [["text","…"]], "stream": false } ]
//! }
//! ```
//!
//! Re-verification ([`Bundle::verify`]) trusts nothing in the bundle but the bytes to check:
//! RIMs, OCSP responses and collateral are verified to the pinned NVIDIA and Intel roots exactly
//! as if they had just been fetched, and the stored verdict is ignored. Above all the stored
//! `policy` and `at` are never applied by default — whoever wrote the bundle could relax its
//! own checks (`require_rims = false`, a debug TD, an OutOfDate TCB) or pick a convenient time:
//! the caller's policy (the `default` preset unless given) and the current time apply. The
//! recorded values are used only when the caller asks for them ([`BundlePolicy::Recorded`],
//! [`BundleTime::Recorded`], `"recorded"` in the text forms), and then the check
//! `bundle.inputs` warns that the verdict rests on values the bundle supplied.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::Error;
use crate::exchange::{verify_response, verify_stream};
use crate::gpu::MemoryOcspSource;
use crate::gpu::ocsp::{OcspFetched, OcspSource};
use crate::gpu::source::{MemoryRimSource, RimSource};
use crate::nonce::Nonce;
use crate::policy::Policy;
use crate::report::{Attestation, ReportVerifier};
use crate::time::Time;
use crate::time::format_time;
use crate::verdict::{Check, CheckStatus, Verdict};
use crate::x509::Certificate;

/// The `format` value of bundles this version writes and reads.
pub const BUNDLE_FORMAT: &str = "ccverify-bundle/1";

/// Largest bundle accepted.
pub const MAX_BUNDLE_LEN: usize = 64 * 1024 * 1024;

/// A signed completion kept in a bundle, re-verified against the attested key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The exact request body sent.
    pub request: String,
    /// The exact response body (or whole SSE stream) received.
    pub response: String,
    /// The response headers (empty for streams).
    pub headers: Vec<(String, String)>,
    /// Whether `response` is an SSE stream.
    pub stream: bool,
}

/// An evidence bundle (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// When the bundle was written (Unix seconds).
    pub created_at: i64,
    /// The verification time used (Unix seconds); re-verification uses it unless told otherwise.
    pub at: i64,
    /// The gateway the attestation came from, if known.
    pub base_url: Option<String>,
    /// The model attested, if known.
    pub model_id: Option<String>,
    /// The normalised nonce sent (64 hex digits).
    pub nonce: String,
    /// The attestation document as received.
    pub attestation: Value,
    /// Intel collateral for the TDX quote (dcap-qvl `QuoteCollateralV3` JSON).
    pub collateral: Option<Value>,
    /// NVIDIA RIMs by RIM id.
    pub rims: BTreeMap<String, String>,
    /// DER OCSP responses.
    pub ocsp: Vec<Vec<u8>>,
    /// The policy used.
    pub policy: Policy,
    /// The verdict when the bundle was written (informational; never trusted).
    pub verdict: Option<Value>,
    /// Completions to re-verify against the attested key.
    pub exchanges: Vec<Exchange>,
}

fn bad(m: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("bundle: {m}"))
}

impl Bundle {
    /// Parses a bundle. Errors name the member that is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, Error> {
        if bytes.len() > MAX_BUNDLE_LEN {
            return Err(Error::LimitExceeded(format!(
                "bundle larger than {MAX_BUNDLE_LEN} bytes"
            )));
        }
        crate::limits::check_json(bytes, "the bundle").map_err(bad)?;
        let v: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
        let obj = v.as_object().ok_or_else(|| bad("not a JSON object"))?;
        match obj.get("format").and_then(Value::as_str) {
            Some(BUNDLE_FORMAT) => {}
            Some(other) => {
                return Err(bad(format!(
                    "format {other:?} is not {BUNDLE_FORMAT:?} (written by another version?)"
                )));
            }
            None => return Err(bad("no format member: not a ccverify bundle")),
        }
        let time = |k: &str| -> Result<i64, Error> {
            let v = obj.get(k).ok_or_else(|| bad(format!("{k} is missing")))?;
            crate::options::from_value::<Time>(v.clone(), &format!("bundle: {k}")).map(Time::unix)
        };
        let opt_str = |k: &str| -> Result<Option<String>, Error> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("{k} must be a string"))),
            }
        };
        let nonce = opt_str("nonce")?.ok_or_else(|| bad("nonce is missing"))?;
        let attestation = obj
            .get("attestation")
            .cloned()
            .ok_or_else(|| bad("attestation is missing"))?;
        let collateral = match obj.get("collateral") {
            None | Some(Value::Null) => None,
            Some(c) => Some(c.clone()),
        };
        let mut rims = BTreeMap::new();
        match obj.get("rims") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let xml = v
                        .as_str()
                        .ok_or_else(|| bad(format!("rims.{k} must be the RIM XML text")))?;
                    rims.insert(k.clone(), xml.to_string());
                }
            }
            Some(_) => return Err(bad("rims must be an object of RIM id to XML text")),
        }
        let mut ocsp = Vec::new();
        match obj.get("ocsp") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, b) in list.iter().enumerate() {
                    let text = b
                        .as_str()
                        .ok_or_else(|| bad(format!("ocsp[{i}] must be base64 text")))?;
                    ocsp.push(
                        base64::engine::general_purpose::STANDARD
                            .decode(text)
                            .map_err(|e| bad(format!("ocsp[{i}]: {e}")))?,
                    );
                }
            }
            Some(_) => return Err(bad("ocsp must be an array of base64 DER responses")),
        }
        let policy = match obj.get("policy") {
            None | Some(Value::Null) => Policy::default(),
            Some(p) => {
                // Trust is never the bundle's to choose, and its `trust` may name a file: it
                // is dropped unread (the recorded policy applies with the production roots).
                let mut p = p.clone();
                if let Some(o) = p.as_object_mut() {
                    o.remove("trust");
                }
                <Policy as crate::Options>::from_value(p)?
            }
        };
        let mut exchanges = Vec::new();
        if let Some(list) = obj.get("exchanges").filter(|v| !v.is_null()) {
            let list = list
                .as_array()
                .ok_or_else(|| bad("exchanges must be an array"))?;
            for (i, e) in list.iter().enumerate() {
                exchanges.push(parse_exchange(e).map_err(|m| bad(format!("exchanges[{i}]: {m}")))?);
            }
        }
        Ok(Bundle {
            created_at: match obj.get("created_at") {
                None | Some(Value::Null) => time("at")?,
                Some(_) => time("created_at")?,
            },
            at: time("at")?,
            base_url: opt_str("base_url")?,
            model_id: opt_str("model_id")?,
            nonce,
            attestation,
            collateral,
            rims,
            ocsp,
            policy,
            verdict: obj.get("verdict").filter(|v| !v.is_null()).cloned(),
            exchanges,
        })
    }

    /// The bundle as pretty-printed JSON (the file format).
    pub fn to_json(&self) -> String {
        let v = json!({
            "format": BUNDLE_FORMAT,
            "created_at": format_time(self.created_at),
            "at": format_time(self.at),
            "base_url": self.base_url,
            "model_id": self.model_id,
            "nonce": self.nonce,
            "attestation": self.attestation,
            "collateral": self.collateral,
            "rims": self.rims,
            "ocsp": self.ocsp.iter().map(|d| base64::engine::general_purpose::STANDARD.encode(d)).collect::<Vec<_>>(),
            "policy": self.policy.to_value(),
            "verdict": self.verdict,
            "exchanges": self.exchanges.iter().map(|e| json!({
                "request": e.request,
                "response": e.response,
                "headers": e.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "stream": e.stream,
            })).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Re-verifies the bundle offline as `options` say: by default at the current time under
    /// the `default` preset, never under the bundle's own policy or time unless asked (see the
    /// [module documentation](self)). Every stored exchange is re-verified against the attested
    /// `signing_address`; its checks carry the subject `exchange<N>`.
    pub fn verify(&self, options: &BundleOptions) -> Result<Verdict, Error> {
        self.verify_at(crate::time::unix_now(), options)
    }

    /// [`Bundle::verify`] with the current time given (used when `options.at` is
    /// [`BundleTime::Now`]): the pure form.
    pub fn verify_at(&self, now: i64, options: &BundleOptions) -> Result<Verdict, Error> {
        let nonce = Nonce::normalize(&self.nonce)?;
        let (policy, policy_source) = match &options.policy {
            BundlePolicy::Caller(p) => {
                p.validate()?;
                (p.clone(), "caller")
            }
            // Trust is never the bundle's to choose: its recorded policy applies with the
            // production roots.
            BundlePolicy::Recorded => (
                Policy {
                    trust: crate::trust::Trust::Production,
                    ..self.policy.clone()
                },
                "bundle",
            ),
        };
        let now = match options.at {
            BundleTime::Recorded => self.at,
            BundleTime::At(t) => t.unix(),
            BundleTime::Now => now,
        };
        let time_source = match options.at {
            BundleTime::Recorded => "bundle",
            BundleTime::At(_) => "caller",
            BundleTime::Now => "clock",
        };
        let inputs = inputs_check(&policy, policy_source, now, time_source);
        let mut rims = MemoryRimSource::new();
        for (id, xml) in &self.rims {
            rims.insert(id.clone(), xml.clone().into_bytes());
        }
        let mut verifier = ReportVerifier::new(policy)
            .with_rims(rims)
            .with_ocsp(MemoryOcspSource::new(self.ocsp.clone()));
        if let Some(c) = &self.collateral {
            verifier = verifier.with_collateral(c.to_string().into_bytes());
        }
        let att = Attestation::from_value(self.attestation.clone());
        let mut verdict = match att {
            Ok(a) => verifier.verify_attestation(&a, &nonce, now),
            Err(_) => verifier.verify(self.attestation.to_string().as_bytes(), &nonce, now),
        };
        let pinned = verdict.signer;
        let mut checks = vec![inputs];
        checks.append(&mut verdict.checks);
        for (i, e) in self.exchanges.iter().enumerate() {
            let v = if e.stream {
                verify_stream(e.request.as_bytes(), e.response.as_bytes(), pinned.as_ref())
            } else {
                verify_response(
                    e.request.as_bytes(),
                    e.response.as_bytes(),
                    &e.headers,
                    pinned.as_ref(),
                )
            };
            checks.extend(v.checks.into_iter().map(|c| Check {
                subject: Some(format!("exchange{i}")),
                ..c
            }));
        }
        let facts = std::mem::take(&mut verdict.facts);
        let mut out = Verdict::from_checks(checks, pinned);
        out.facts = facts;
        Ok(crate::report::with_summary(out)
            .with_fact("bundle.at", format_time(now))
            .with_fact("bundle.time_source", time_source)
            .with_fact("policy.source", policy_source)
            .with_fact("bundle.exchanges", self.exchanges.len().to_string()))
    }
}

/// The `bundle.inputs` row: whether the verdict rests on a policy or time the bundle supplied.
fn inputs_check(policy: &Policy, policy_source: &str, now: i64, time_source: &str) -> Check {
    let pol = format!(
        "policy `{}` (sha256 {})",
        policy.name(),
        &policy.digest()[..16]
    );
    let at = format_time(now);
    let mut recorded = Vec::new();
    if policy_source == "bundle" {
        recorded.push(format!("its own {pol}"));
    }
    if time_source == "bundle" {
        recorded.push(format!("its own time {at}"));
    }
    if recorded.is_empty() {
        Check::new(
            ids::INPUTS,
            CheckStatus::Pass,
            format!(
                "the caller's {pol} and {} {at} applied: nothing the bundle says about policy or time was trusted",
                if time_source == "clock" {
                    "the current time"
                } else {
                    "the caller's time"
                }
            ),
        )
    } else {
        Check::new(
            ids::INPUTS,
            CheckStatus::Warn,
            format!(
                "the verdict rests on values the bundle supplied, as asked: {} — whoever wrote the bundle chose them",
                recorded.join(" and ")
            ),
        )
    }
}

/// Check ids of bundle re-verification. Stable API.
pub mod ids {
    /// Whether the policy and time applied are the caller's or the bundle's own.
    pub const INPUTS: &str = "bundle.inputs";
}

fn parse_exchange(v: &Value) -> Result<Exchange, String> {
    let obj = v.as_object().ok_or("not an object")?;
    let s = |k: &str| -> Result<String, String> {
        obj.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("{k} must be a string"))
    };
    let mut headers = Vec::new();
    if let Some(h) = obj.get("headers").filter(|v| !v.is_null()) {
        for pair in h
            .as_array()
            .ok_or("headers must be an array of [name, value]")?
        {
            match pair.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => headers.push((k.clone(), v.clone())),
                _ => return Err("headers must be an array of [name, value] strings".into()),
            }
        }
    }
    Ok(Exchange {
        request: s("request")?,
        response: s("response")?,
        headers,
        stream: obj.get("stream").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// The verification time of a bundle re-verification. JSON form: `"recorded"`, RFC 3339 text
/// or Unix seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BundleTime {
    /// The system clock at the call (the default).
    #[default]
    Now,
    /// The time recorded in the bundle: untrusted, so `bundle.inputs` warns.
    Recorded,
    /// This time.
    At(Time),
}

impl BundleTime {
    /// `"recorded"` or RFC 3339 text.
    pub fn from_text(text: &str) -> Result<BundleTime, Error> {
        if text.trim() == "recorded" {
            return Ok(BundleTime::Recorded);
        }
        Time::parse(text).map(BundleTime::At)
    }
}

impl<'de> serde::Deserialize<'de> for BundleTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None => Ok(BundleTime::Now),
            Some(Value::String(t)) if t.trim() == "recorded" => Ok(BundleTime::Recorded),
            Some(v) => Time::deserialize(v)
                .map(BundleTime::At)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// The policy of a bundle re-verification. JSON form: `"recorded"`, a policy object, or policy
/// text (JSON, TOML or a preset name).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per call; boxing would only complicate every binding's conversion"
)]
pub enum BundlePolicy {
    /// The caller's policy (the default: the `default` preset).
    Caller(Policy),
    /// The policy recorded in the bundle: untrusted, so `bundle.inputs` warns.
    Recorded,
}

impl Default for BundlePolicy {
    fn default() -> Self {
        BundlePolicy::Caller(Policy::default())
    }
}

impl BundlePolicy {
    /// `"recorded"`, or a policy as [`Policy::parse`] reads it (JSON, TOML or a preset name).
    pub fn parse(text: &str) -> Result<BundlePolicy, Error> {
        if text.trim() == "recorded" {
            Ok(BundlePolicy::Recorded)
        } else {
            Policy::parse(text).map(BundlePolicy::Caller)
        }
    }
}

impl<'de> serde::Deserialize<'de> for BundlePolicy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<Value>::deserialize(d)? {
            Some(Value::String(t)) if t.trim() == "recorded" => Ok(BundlePolicy::Recorded),
            v => crate::policy::policy_or_text(v.unwrap_or(Value::Null))
                .map(BundlePolicy::Caller)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Options for [`verify_bundle`]: the verification time and policy. The defaults are the
/// current time and the `default` preset — never what the bundle says, unless asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BundleOptions {
    /// The verification time.
    pub at: BundleTime,
    /// The policy.
    pub policy: BundlePolicy,
}

/// The document form: `at` (`"recorded"`, RFC 3339 text or Unix seconds), `policy`
/// (`"recorded"`, an object, or text: JSON, TOML or a preset name). `null` means "not set".
impl crate::Options for BundleOptions {
    const WHAT: &'static str = "bundle options";

    fn from_value(value: Value) -> Result<BundleOptions, Error> {
        crate::options::from_object(value, Self::WHAT)
    }
}

/// Re-verifies a bundle (its JSON bytes) offline. Errors only when the bundle cannot be read;
/// bad evidence inside it is a verdict with failed checks.
pub fn verify_bundle(bytes: &[u8], options: &BundleOptions) -> Result<Verdict, Error> {
    Bundle::parse(bytes)?.verify(options)
}

/// Records the RIMs and OCSP responses a verification used, so that they can go into a
/// bundle. Wrap the real sources with [`Recorder::rims`] and [`Recorder::ocsp`].
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    inner: Arc<Mutex<Recorded>>,
}

#[derive(Debug, Default)]
struct Recorded {
    rims: BTreeMap<String, String>,
    ocsp: Vec<Vec<u8>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// `source`, recording every RIM it returns.
    pub fn rims(&self, source: impl RimSource + 'static) -> RecordingRimSource {
        RecordingRimSource {
            inner: Box::new(source),
            log: self.inner.clone(),
        }
    }

    /// `source`, recording every OCSP response it returns.
    pub fn ocsp(&self, source: impl OcspSource + 'static) -> RecordingOcspSource {
        RecordingOcspSource {
            inner: Box::new(source),
            log: self.inner.clone(),
        }
    }

    /// The RIMs recorded so far, by id (RIMs that are not UTF-8 are left out).
    pub fn recorded_rims(&self) -> BTreeMap<String, String> {
        self.inner
            .lock()
            .map(|g| g.rims.clone())
            .unwrap_or_default()
    }

    /// The OCSP responses recorded so far (DER), without duplicates.
    pub fn recorded_ocsp(&self) -> Vec<Vec<u8>> {
        self.inner
            .lock()
            .map(|g| g.ocsp.clone())
            .unwrap_or_default()
    }
}

/// A [`RimSource`] that records what it returns (see [`Recorder`]).
pub struct RecordingRimSource {
    inner: Box<dyn RimSource>,
    log: Arc<Mutex<Recorded>>,
}

impl RimSource for RecordingRimSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        let got = self.inner.fetch(rim_id)?;
        if let Some(bytes) = &got
            && let Ok(text) = std::str::from_utf8(bytes)
            && let Ok(mut g) = self.log.lock()
        {
            g.rims.insert(rim_id.to_string(), text.to_string());
        }
        Ok(got)
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// An [`OcspSource`] that records what it returns (see [`Recorder`]).
pub struct RecordingOcspSource {
    inner: Box<dyn OcspSource>,
    log: Arc<Mutex<Recorded>>,
}

impl OcspSource for RecordingOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        let got = self.inner.lookup(cert, issuer)?;
        if let Ok(mut g) = self.log.lock()
            && !g.ocsp.contains(&got.der)
        {
            g.ocsp.push(got.der.clone());
        }
        Some(got)
    }
}
