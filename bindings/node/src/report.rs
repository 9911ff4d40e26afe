//! `verifyReport`, `verifyBundle`, `loadPolicy` and `POLICY_PRESETS`: whole io.net attestations
//! and evidence bundles under one policy, over [`ccverify::report::verify_report`],
//! [`ccverify::bundle::verify_bundle`] and [`ccverify::policy::Policy`]. Only argument
//! conversion lives here: every default, every rule and every value check is the core's.
//!
//! A policy is given either as text (the shared JSON or TOML policy document with its
//! snake_case keys, or a preset name), handed to `Policy::parse` unchanged, or as a JavaScript
//! object with camelCase keys (`imageDigests`, `gpu.expectedCount`, `tdx.acceptedTcbStatuses`,
//! …, the names `verifyGpu` and `verifyTdx` use). The object's keys are translated one by one
//! through [`POLICY_KEYS`] into the document form and read by `Policy::from_value`; any other
//! key throws `invalid_argument`. `loadPolicy` returns the same camelCase form, so its result
//! can be passed back as a policy.

use ccverify::bundle::{BundlePolicy, BundleTime};
use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, JsValue, ValueType};
use napi_derive::napi;
use serde_json::{Map, Number, Value};

use crate::gpu::{js_bool, js_count, js_number, js_time, whole};
use crate::tdx::{js_seconds, js_strings};
use crate::{Result, Verdict, core_error, guard, invalid_argument, js_bytes, js_string};

/// The names of the policy presets, for `loadPolicy` or the `policy` option: `'default'` (every
/// hardware check strict, no image allowlist, the unbound signing key warned), `'offline'`
/// (`default`, with revocation that cannot be proven from the supplied OCSP responses a warning)
/// and `'strict'` (`default`, plus an image allowlist and a hardware-bound signing key are
/// required: an io.net attestation never verifies under it today).
#[napi]
pub const POLICY_PRESETS: [&str; 3] = ["default", "offline", "strict"];

// `POLICY_PRESETS` must list the core's presets (node/test/report.test.mjs compares the names).
const _: () = assert!(POLICY_PRESETS.len() == ccverify::policy::PRESETS.len());

/// The appraisal policy of a whole attestation, as a JavaScript object (the camelCase form of the
/// shared JSON/TOML policy document). Every key is optional: the policy starts from `preset`
/// (default `'default'`) and each key set overrides it. `undefined` (and `null` for
/// `preset`, `gpu.expectedCount`, `tdx.tdAttributes`, `tdx.maxCollateralAgeSecs` and
/// `tdx.minTcbEvalDataNumber`) means "not set". Any other key — including the document's
/// snake_case spellings — throws `invalid_argument`, so that a misspelt key cannot silently
/// weaken the policy. {@link loadPolicy} returns this form with every key resolved.
// Only the TypeScript interfaces are generated from these structs: the JS objects are read and
// written through `POLICY_KEYS`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct Policy {
    /// The preset the policy starts from (in `loadPolicy`'s result: the one it started from).
    #[napi(ts_type = "'default' | 'offline' | 'strict'")]
    pub preset: Option<String>,
    /// Fetch nothing from the network: a {@link Session} fetches no RIMs, OCSP answers or Intel
    /// collateral (informational for the verifications, which never fetch).
    pub offline: Option<bool>,
    /// Accepted `image_digest` values (`sha256:` and 64 lowercase hex digits). Empty: the
    /// digest is only reported and `report.image_digest` warns.
    pub image_digests: Option<Vec<String>>,
    /// With no allowlist configured, fail `report.image_digest` instead of warning.
    pub require_image_digest: Option<bool>,
    /// Fail `report.key_binding` because io.net does not bind the signing key into the hardware
    /// evidence (default `false`: warned).
    pub require_key_binding: Option<bool>,
    /// The GPU appraisal.
    pub gpu: Option<GpuPolicy>,
    /// The TDX appraisal.
    pub tdx: Option<TdxPolicy>,
}

/// The GPU part of a {@link Policy} (the policy keys of {@link GpuOptions}).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct GpuPolicy {
    /// How many GPUs must be attested. Default: not enforced, and `gpu.count` warns.
    pub expected_count: Option<u32>,
    /// The architecture the evidence must show (default `'HOPPER'`, the only one supported).
    pub expected_arch: Option<String>,
    /// Revocation must be proven by OCSP (default `true`; `false` in the `offline` preset).
    pub require_revocation: Option<bool>,
    /// RIMs, and so the measurement comparison, are required (default `true`).
    pub require_rims: Option<bool>,
    /// Accept RIMs whose signer chain has expired at the verification time (default `false`).
    pub allow_expired_rims: Option<bool>,
    /// Accept a RIM signer certificate that is on hold, for RIM chains only (default `false`).
    pub allow_hold_for_rims: Option<bool>,
}

/// The TDX part of a {@link Policy} (the policy keys of {@link TdxOptions}). Hex values may
/// start with `0x`; `loadPolicy` returns them in lowercase without it.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct TdxPolicy {
    /// Accepted TCB statuses, as Intel spells them (default `['UpToDate']`; never `Revoked`).
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Advisory ids (`INTEL-SA-…`) that fail `tdx.tcb_status` when the platform is affected.
    pub rejected_advisories: Option<Vec<String>>,
    /// Accept debug or profiling TDs (default `false`; never in production).
    pub allow_debug: Option<bool>,
    /// The exact TDATTRIBUTES, 16 hex digits. Default: not pinned.
    pub td_attributes: Option<String>,
    /// Allowed MRTD values (96 hex digits each). Empty: not pinned.
    pub mrtd: Option<Vec<String>>,
    /// Allowed RTMR0 values (96 hex digits each).
    pub rtmr0: Option<Vec<String>>,
    /// Allowed RTMR1 values (96 hex digits each).
    pub rtmr1: Option<Vec<String>>,
    /// Allowed RTMR2 values (96 hex digits each).
    pub rtmr2: Option<Vec<String>>,
    /// Allowed RTMR3 values (96 hex digits each).
    pub rtmr3: Option<Vec<String>>,
    /// Allowed MRSEAM (TDX module) values (96 hex digits each).
    pub mrseam: Option<Vec<String>>,
    /// Allowed XFAM values (16 hex digits each).
    pub xfam: Option<Vec<String>>,
    /// Refuse collateral issued longer ago than this many seconds before the verification time.
    pub max_collateral_age_secs: Option<i64>,
    /// The minimum TCB evaluation data number (Intel's TCB-recovery counter).
    pub min_tcb_eval_data_number: Option<u32>,
}

/// How a policy value is read from JavaScript and written back.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Text,
    Texts,
    /// A non-negative integer that fits a u32.
    Count,
    /// A non-negative safe integer (seconds).
    Seconds,
    Table(&'static [Key]),
}

/// One policy key: its JavaScript (camelCase) and document (snake_case) names.
struct Key {
    js: &'static str,
    doc: &'static str,
    kind: Kind,
    /// `null` means "not set" (as `undefined` does for every key).
    nullable: bool,
}

const fn key(js: &'static str, doc: &'static str, kind: Kind) -> Key {
    Key {
        js,
        doc,
        kind,
        nullable: false,
    }
}

const fn nullable(js: &'static str, doc: &'static str, kind: Kind) -> Key {
    Key {
        js,
        doc,
        kind,
        nullable: true,
    }
}

const GPU_KEYS: &[Key] = &[
    nullable("expectedCount", "expected_count", Kind::Count),
    key("expectedArch", "expected_arch", Kind::Text),
    key("requireRevocation", "require_revocation", Kind::Bool),
    key("requireRims", "require_rims", Kind::Bool),
    key("allowExpiredRims", "allow_expired_rims", Kind::Bool),
    key("allowHoldForRims", "allow_hold_for_rims", Kind::Bool),
];

const TDX_KEYS: &[Key] = &[
    key("acceptedTcbStatuses", "accepted_tcb_statuses", Kind::Texts),
    key("rejectedAdvisories", "rejected_advisories", Kind::Texts),
    key("allowDebug", "allow_debug", Kind::Bool),
    nullable("tdAttributes", "td_attributes", Kind::Text),
    key("mrtd", "mrtd", Kind::Texts),
    key("rtmr0", "rtmr0", Kind::Texts),
    key("rtmr1", "rtmr1", Kind::Texts),
    key("rtmr2", "rtmr2", Kind::Texts),
    key("rtmr3", "rtmr3", Kind::Texts),
    key("mrseam", "mrseam", Kind::Texts),
    key("xfam", "xfam", Kind::Texts),
    nullable(
        "maxCollateralAgeSecs",
        "max_collateral_age_secs",
        Kind::Seconds,
    ),
    nullable(
        "minTcbEvalDataNumber",
        "min_tcb_eval_data_number",
        Kind::Count,
    ),
];

/// The keys of a policy object, with their document names (see the module documentation).
const POLICY_KEYS: &[Key] = &[
    nullable("preset", "preset", Kind::Text),
    key("offline", "offline", Kind::Bool),
    key("imageDigests", "image_digests", Kind::Texts),
    key("requireImageDigest", "require_image_digest", Kind::Bool),
    key("requireKeyBinding", "require_key_binding", Kind::Bool),
    key("gpu", "gpu", Kind::Table(GPU_KEYS)),
    key("tdx", "tdx", Kind::Table(TDX_KEYS)),
];

/// Whether a JS value is `null`.
pub(crate) fn is_null(value: &Unknown<'_>) -> bool {
    matches!(value.get_type(), Ok(ValueType::Null))
}

/// Reads a plain object (not an array, a typed array or a `Date`) as napi's `Object`.
pub(crate) fn js_plain_object<'env>(value: &Unknown<'env>, name: &str) -> Result<Object<'env>> {
    let wrong = || invalid_argument(format!("{name} must be a plain object"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Object
        || value.is_array().map_err(|_| wrong())?
        || value.is_typedarray().map_err(|_| wrong())?
        || value.is_date().map_err(|_| wrong())?
    {
        return Err(wrong());
    }
    // An object coerces to itself.
    value.coerce_to_object().map_err(|_| wrong())
}

/// Reads a camelCase policy object (`keys` at `path`) into its document form.
fn policy_document(value: &Unknown<'_>, keys: &[Key], path: &str) -> Result<Map<String, Value>> {
    let object = js_plain_object(value, path)?;
    let wrong = || invalid_argument(format!("{path} must be a plain object"));
    let mut doc = Map::new();
    for name in Object::keys(&object).map_err(|_| wrong())? {
        let Some(key) = keys.iter().find(|k| k.js == name) else {
            let hint = if name.contains('_') {
                " (policy objects use camelCase keys; pass a JSON or TOML policy document as text)"
            } else {
                ""
            };
            return Err(invalid_argument(format!(
                "unknown policy key {path}.{name}{hint}"
            )));
        };
        let Some(field) = object.get::<Unknown<'_>>(&name).map_err(|_| wrong())? else {
            continue; // undefined: not set
        };
        if key.nullable && is_null(&field) {
            continue;
        }
        let what = format!("{path}.{name}");
        let json = match key.kind {
            Kind::Bool => Value::Bool(js_bool(&field, &what)?),
            Kind::Text => Value::String(js_string(&field, &what)?),
            Kind::Texts => Value::from(js_strings(&field, &what)?),
            Kind::Count => Value::from(js_count(&field, &what)?),
            Kind::Seconds => Value::from(js_seconds(&field, &what)?),
            Kind::Table(inner) => Value::Object(policy_document(&field, inner, &what)?),
        };
        doc.insert(key.doc.to_string(), json);
    }
    Ok(doc)
}

/// Parses policy text with `Policy::parse`, except that a bare word that is no preset gets the
/// core's "unknown preset" error (listing the presets) rather than a TOML parse error: a lone
/// word is never a TOML document, so this refuses nothing `Policy::parse` accepts.
fn parse_policy_text(text: &str) -> Result<ccverify::policy::Policy> {
    let word = text.trim();
    let bare = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        ccverify::policy::Policy::preset(word).map_err(core_error)
    } else {
        ccverify::policy::Policy::parse(text).map_err(core_error)
    }
}

/// Reads a `policy` option: text (`Policy::parse`: JSON, TOML or a preset name) or a camelCase
/// policy object.
pub(crate) fn js_policy(value: &Unknown<'_>, name: &str) -> Result<ccverify::policy::Policy> {
    match value.get_type() {
        Ok(ValueType::String) => parse_policy_text(&js_string(value, name)?),
        Ok(ValueType::Object) => {
            let doc = policy_document(value, POLICY_KEYS, name)?;
            ccverify::policy::Policy::from_value(&Value::Object(doc)).map_err(core_error)
        }
        _ => Err(invalid_argument(format!(
            "{name} must be policy text (JSON, TOML or a preset name) or a policy object"
        ))),
    }
}

/// Writes a policy document (`Policy::to_value`) as the camelCase object `keys` describe.
/// `null` values (limits not set) are left out.
fn policy_object<'env>(
    env: &'env Env,
    doc: &Value,
    keys: &[Key],
    path: &str,
) -> Result<Object<'env>> {
    let drift = |what: String| {
        core_error(ccverify::Error::Internal(format!(
            "policy {path}: {what} (the core's policy form changed; update bindings/node/src/report.rs)"
        )))
    };
    let set_failed = |e: napi::Error| drift(format!("cannot build the object: {e}"));
    let Some(members) = doc.as_object() else {
        return Err(drift("not an object".into()));
    };
    if let Some(unknown) = members
        .keys()
        .find(|k| !keys.iter().any(|key| key.doc == *k))
    {
        return Err(drift(format!("no JavaScript name for {unknown:?}")));
    }
    let mut object = Object::new(env).map_err(set_failed)?;
    for key in keys {
        let value = match members.get(key.doc) {
            None | Some(Value::Null) => continue,
            Some(value) => value,
        };
        let bad = || drift(format!("{} is not of the expected type: {value}", key.doc));
        match key.kind {
            Kind::Bool => object.set(key.js, value.as_bool().ok_or_else(bad)?),
            Kind::Text => object.set(key.js, value.as_str().ok_or_else(bad)?),
            Kind::Texts => {
                let items = value.as_array().ok_or_else(bad)?;
                let texts = items
                    .iter()
                    .map(|item| item.as_str().ok_or_else(bad))
                    .collect::<Result<Vec<&str>>>()?;
                object.set(key.js, texts)
            }
            // Counts and seconds are safe integers: exact as JS numbers.
            Kind::Count | Kind::Seconds => {
                let n = value.as_u64().and_then(|n| i64::try_from(n).ok());
                object.set(key.js, n.ok_or_else(bad)?)
            }
            Kind::Table(inner) => {
                let nested = policy_object(env, value, inner, &format!("{path}.{}", key.doc))?;
                object.set(key.js, nested)
            }
        }
        .map_err(set_failed)?;
    }
    Ok(object)
}

/// The largest nesting a collateral object may have (far more than dcap-qvl's JSON uses; stops
/// a cyclic object).
const MAX_DEPTH: usize = 64;

/// Converts a JS value to JSON as `JSON.stringify` would for plain data: `undefined` members
/// are left out; functions, symbols, bigints, typed arrays, non-finite numbers, cycles and
/// deeper nesting than [`MAX_DEPTH`] are refused.
fn js_json(value: &Unknown<'_>, name: &str, depth: usize) -> Result<Value> {
    let wrong = |why: &str| invalid_argument(format!("{name} {why}"));
    if depth > MAX_DEPTH {
        return Err(wrong("is nested too deeply (or cyclic)"));
    }
    match value.get_type().map_err(|_| wrong("is unreadable"))? {
        ValueType::Null => Ok(Value::Null),
        ValueType::Boolean => js_bool(value, name).map(Value::Bool),
        ValueType::String => js_string(value, name).map(Value::String),
        ValueType::Number => {
            let n = js_number(value).ok_or_else(|| wrong("is unreadable"))?;
            match whole(n) {
                Some(i) => Ok(Value::from(i)),
                None => Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| wrong("is not a finite number")),
            }
        }
        ValueType::Object if value.is_array().map_err(|_| wrong("is unreadable"))? => {
            let array = value
                .coerce_to_object()
                .map_err(|_| wrong("is unreadable"))?;
            let length = array
                .get_array_length()
                .map_err(|_| wrong("is unreadable"))?;
            (0..length)
                .map(|i| {
                    let item = array
                        .get_element::<Unknown<'_>>(i)
                        .map_err(|_| wrong("is unreadable"))?;
                    match item.get_type() {
                        // JSON.stringify writes `null` for a missing array element.
                        Ok(ValueType::Undefined) => Ok(Value::Null),
                        _ => js_json(&item, &format!("{name}[{i}]"), depth + 1),
                    }
                })
                .collect::<Result<Vec<Value>>>()
                .map(Value::Array)
        }
        ValueType::Object => {
            let object = js_plain_object(value, name)?;
            let mut members = Map::new();
            for key in Object::keys(&object).map_err(|_| wrong("is unreadable"))? {
                let Some(field) = object
                    .get::<Unknown<'_>>(&key)
                    .map_err(|_| wrong("is unreadable"))?
                else {
                    continue; // undefined: left out
                };
                let json = js_json(&field, &format!("{name}.{key}"), depth + 1)?;
                members.insert(key, json);
            }
            Ok(Value::Object(members))
        }
        _ => Err(wrong("is not JSON data")),
    }
}

/// Reads the `collateral` option: JSON text (a string, or its UTF-8 bytes) or the parsed object.
pub(crate) fn js_collateral(value: &Unknown<'_>, name: &str) -> Result<String> {
    if value.get_type().ok() == Some(ValueType::Object) && !value.is_typedarray().unwrap_or(false) {
        return js_json(value, name, 0).map(|json| json.to_string());
    }
    let bytes = js_bytes(value, name).map_err(|_| {
        invalid_argument(format!(
            "{name} must be JSON text (a string, Buffer or Uint8Array) or an object"
        ))
    })?;
    String::from_utf8(bytes.as_slice().to_vec())
        .map_err(|_| invalid_argument(format!("{name} is not UTF-8 text")))
}

/// The own keys of an options object, each with its value (`undefined` values left out), or
/// nothing for `undefined` / `null` options.
fn js_options<'env>(value: Option<Unknown<'env>>) -> Result<Vec<(String, Unknown<'env>)>> {
    js_fields(value, "options")
}

/// The own keys of the options object called `name`, each with its value (`undefined` values
/// left out), or nothing for `undefined` / `null`.
pub(crate) fn js_fields<'env>(
    value: Option<Unknown<'env>>,
    name: &str,
) -> Result<Vec<(String, Unknown<'env>)>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let wrong = || invalid_argument(format!("{name} must be an object, null or undefined"));
    match value.get_type().map_err(|_| wrong())? {
        ValueType::Undefined | ValueType::Null => return Ok(Vec::new()),
        ValueType::Object => {}
        _ => return Err(wrong()),
    }
    let object = js_plain_object(&value, name)?;
    let mut fields = Vec::new();
    for key in Object::keys(&object).map_err(|_| wrong())? {
        if let Some(field) = object.get::<Unknown<'_>>(&key).map_err(|_| wrong())? {
            fields.push((key, field));
        }
    }
    Ok(fields)
}

/// Options of {@link verifyReport}: the nonce you sent, where the RIMs, OCSP responses and Intel
/// collateral are, the verification time and the policy. Only `nonce` is required; `undefined`
/// and `null` mean "not set" for the others. Any other key throws `invalid_argument`, so that a
/// misspelt key cannot silently weaken the policy.
// Only the TypeScript interface is generated from this struct: `verifyReport` reads the JS object
// itself so that every wrong value throws our `invalid_argument`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct ReportOptions {
    /// The nonce you sent to `/v1/private/attestation` (hex; normalised as the agent does, so
    /// `normalizeNonce` of it must succeed).
    pub nonce: String,
    /// The policy: a preset name (`'default'`, `'offline'`, `'strict'`), a JSON or TOML policy
    /// document (snake_case keys, as in policy files), or a {@link Policy} object (camelCase).
    /// Default: the `default` preset.
    #[napi(ts_type = "string | Policy")]
    pub policy: Option<String>,
    /// Directory of NVIDIA RIMs named by RIM id. Without it the RIM and measurement checks
    /// cannot run.
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    pub ocsp_dir: Option<String>,
    /// Intel collateral for the TDX quote (dcap-qvl's `QuoteCollateralV3` JSON): its text, as a
    /// string, `Buffer` or `Uint8Array`, or the parsed object. Without it `tdx.collateral`,
    /// `tdx.quote_signature` and `tdx.tcb_status` are skipped.
    #[napi(ts_type = "string | Buffer | Uint8Array | Record<string, unknown>")]
    pub collateral: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string. Default: the
    /// system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
}

impl ReportOptions {
    /// Reads the `options` argument into the core's options.
    fn from_js(value: Option<Unknown<'_>>) -> Result<ccverify::report::ReportOptions> {
        let mut options = ccverify::report::ReportOptions::default();
        let mut nonce = None;
        for (key, field) in js_options(value)? {
            let name = format!("options.{key}");
            let nullable = matches!(
                key.as_str(),
                "policy" | "rimDir" | "ocspDir" | "collateral" | "at"
            );
            if nullable && is_null(&field) {
                continue;
            }
            match key.as_str() {
                "nonce" => nonce = Some(js_string(&field, &name)?),
                "policy" => options.policy = js_policy(&field, &name)?,
                "rimDir" => options.rim_dir = Some(js_string(&field, &name)?),
                "ocspDir" => options.ocsp_dir = Some(js_string(&field, &name)?),
                "collateral" => options.collateral = Some(js_collateral(&field, &name)?),
                "at" => options.at = Some(js_time(&field, &name)?),
                _ => return Err(invalid_argument(format!("unknown report option {key:?}"))),
            }
        }
        options.nonce = nonce.ok_or_else(|| {
            invalid_argument("options.nonce is required: the nonce you sent with the request")
        })?;
        Ok(options)
    }
}

/// Options of {@link verifyBundle}: the verification time and policy. `undefined` and `null`
/// mean the defaults — now, and the `default` preset: never what the bundle says unless asked
/// for with `'recorded'`. Any other key throws `invalid_argument`.
// Only the TypeScript interface is generated from this struct (see `ReportOptions`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct BundleOptions {
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string. Default:
    /// now. `'recorded'` uses the time the bundle says it was verified at — a value its writer
    /// chose, so the verdict then warns (`bundle.inputs`).
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// The policy, in any form {@link ReportOptions.policy} takes. Default: the `default`
    /// preset. `'recorded'` applies the policy stored in the bundle — its writer could have
    /// relaxed it, so the verdict then warns (`bundle.inputs`).
    #[napi(ts_type = "'recorded' | string | Policy")]
    pub policy: Option<String>,
}

impl BundleOptions {
    /// Reads the `options` argument into the core's options.
    fn from_js(value: Option<Unknown<'_>>) -> Result<ccverify::bundle::BundleOptions> {
        let mut options = ccverify::bundle::BundleOptions::default();
        for (key, field) in js_options(value)? {
            let name = format!("options.{key}");
            let nullable = matches!(key.as_str(), "at" | "policy");
            if nullable && is_null(&field) {
                continue;
            }
            let recorded = matches!(field.get_type(), Ok(ValueType::String))
                && js_string(&field, &name)? == "recorded";
            match key.as_str() {
                "at" if recorded => options.at = BundleTime::Recorded,
                "at" => options.at = BundleTime::At(js_time(&field, &name)?),
                "policy" if recorded => options.policy = BundlePolicy::Recorded,
                "policy" => options.policy = BundlePolicy::Caller(js_policy(&field, &name)?),
                _ => return Err(invalid_argument(format!("unknown bundle option {key:?}"))),
            }
        }
        Ok(options)
    }
}

/// Verifies a whole io.net attestation — the body of the `POST /v1/private/attestation` answer,
/// exactly as received — for the nonce you sent: the nonce echo (exact equality), every GPU
/// report (see {@link verifyGpu}), the TDX quote with REPORTDATA = nonce ‖ 32 zero bytes (see
/// {@link verifyTdx}), the `image_digest` against the policy's allowlist, the form of
/// `signing_address`, and whether the signing key is bound to the hardware evidence (for io.net
/// it is not: `report.key_binding` warns, and fails under the `strict` preset).
///
/// The verdict's `signer` is the attested `signing_address` when it is well-formed — the key to
/// pin for the completions that follow (`verifyResponse`, `StreamVerifier`) once the verdict is
/// verified. `facts.summary` says in plain language what is and is not proven; the other facts
/// are those of the GPU and TDX verifications (measurements, TCB status, versions, …).
///
/// Offline: nothing is fetched. Runs synchronously on the calling thread.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, a
/// missing `nonce`, an unknown or ill-typed option or policy key, a policy the core refuses, or
/// a `rimDir` / `ocspDir` that is not a readable directory.
#[napi(catch_unwind)]
pub fn verify_report(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] report: Unknown<'_>,
    #[napi(ts_arg_type = "ReportOptions")] options: Unknown<'_>,
) -> Result<Verdict> {
    guard(|| {
        let report = js_bytes(&report, "report")?;
        let options = ReportOptions::from_js(Some(options))?;
        ccverify::report::verify_report(report.as_slice(), &options)
            .map(Verdict::from)
            .map_err(core_error)
    })
}

/// Re-verifies an evidence bundle (the `ccverify-bundle/1` JSON a client or the CLI wrote)
/// offline: the attestation as {@link verifyReport} does, with the RIMs, OCSP responses and
/// collateral stored in it — each verified to NVIDIA's and Intel's pinned roots as if just
/// fetched; the stored verdict is ignored — then every stored exchange against the attested
/// signing address (its checks carry the subject `exchange0`, `exchange1`, …).
///
/// A bundle is untrusted input: by default it is verified now under the `default` preset,
/// whatever policy and time it records (`bundle.inputs` passes); `options.at` and
/// `options.policy` choose others, and `'recorded'` asks for the bundle's own, which makes
/// `bundle.inputs` warn. Runs synchronously on the calling thread.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_argument` for
/// a bundle that cannot be read (not JSON, another format, a missing member), an unknown or
/// ill-typed option or policy key; `limit_exceeded` for a bundle over 64 MiB; `invalid_nonce`
/// for a bundle whose nonce is malformed.
#[napi(catch_unwind)]
pub fn verify_bundle(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] bundle: Unknown<'_>,
    #[napi(ts_arg_type = "BundleOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| {
        let bundle = js_bytes(&bundle, "bundle")?;
        let options = BundleOptions::from_js(options)?;
        ccverify::bundle::verify_bundle(bundle.as_slice(), &options)
            .map(Verdict::from)
            .map_err(core_error)
    })
}

/// Reads a policy — a preset name from {@link POLICY_PRESETS}, or a JSON or TOML policy document
/// (snake_case keys, as in policy files) — and returns it normalised: every key resolved to its
/// value, in the camelCase object form `verifyReport` and `verifyBundle` accept (limits that are
/// not set are left out). Throws `invalid_argument` for text that is not a policy (unknown key,
/// bad value, unknown preset).
#[napi(catch_unwind, ts_return_type = "Policy")]
pub fn load_policy<'env>(
    env: &'env Env,
    #[napi(ts_arg_type = "string")] text_or_preset: Unknown<'_>,
) -> Result<Object<'env>> {
    guard(|| {
        let text = js_string(&text_or_preset, "textOrPreset")?;
        let policy = parse_policy_text(&text)?;
        policy_object(env, &policy.to_value(), POLICY_KEYS, "policy")
    })
}
