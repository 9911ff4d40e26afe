//! NVIDIA Remote Attestation Service (NRAS) results: verification of the *detached EAT* NRAS
//! returns for a GPU attestation request, against NRAS's published signing keys (JWKS).
//!
//! NRAS answers `POST /v3|v4/attest/gpu` with a JSON array
//! `[["JWT", "<overall JWT>"], {"GPU-0": "<GPU JWT>", "GPU-1": …}]`. Every JWT is a compact JWS
//! signed with ES384 by a key from `https://nras.attestation.nvidia.com/.well-known/jwks.json`.
//! The overall token carries the overall verdict (`x-nvidia-overall-att-result`), the caller's
//! nonce (`eat_nonce`) and, under `submods`, the SHA-256 of each GPU token's compact string; each
//! GPU token carries that GPU's appraisal claims (`measres`, `secboot`, `dbgstat`, …).
//!
//! This module is pure: it never fetches anything. Fetch the EAT and the JWKS yourself (over
//! TLS — the JWKS is trusted because of where it came from; its `x5c` certificate is not chained
//! to any anchor here), or pin a key offline with [`Jwks::pinned`], then call [`verify_eat`].
//!
//! What [`verify_eat`] requires, for the overall token and for every GPU token:
//! * strict compact JWS: three base64url parts without padding, JSON objects without duplicate
//!   keys, header `alg` exactly `ES384` (never `none`, `HS256`, …), a `kid` naming a key of the
//!   JWKS, no `crit` header; keys embedded in the header (`jwk`, `x5c`, `jku`) are ignored;
//! * the ES384 signature in JWS form (raw 96-byte `r‖s`; a DER-encoded signature is refused);
//! * `iss` equal to [`NRAS_ISSUER`] (required in the overall token, checked when present in a GPU
//!   token); `exp` (required in the overall token), `nbf` and `iat` valid at `now` within
//!   [`DEFAULT_LEEWAY_SECS`];
//! * `eat_nonce` equal to the hex of the expected nonce (required in the overall token, checked
//!   when present in a GPU token);
//! * overall: `x-nvidia-overall-att-result` is `true`, and `submods` names exactly the GPU tokens
//!   present, each as `["DIGEST", ["SHA-256", "<hex>"]]` equal to the SHA-256 of that token's
//!   compact string;
//! * per GPU: `measres` is `"success"`, `secboot` is `true`, `dbgstat` is `"disabled"`,
//!   `x-nvidia-gpu-arch-check` is `true`, and there is no `x-nvidia-error-details`.
//!
//! Inputs are bounded ([`MAX_EAT_LEN`], [`MAX_JWKS_LEN`], [`MAX_GPUS`], [`MAX_JWKS_KEYS`]) and no
//! input makes this module panic. Every problem is reported as a [`Failure`] with a stable
//! [`FailureKind`] and a sentence saying what was found; [`EatReport::checks`] turns the report
//! into [`Check`] rows with id [`CHECK_ID`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::crypto;
use crate::verdict::{Check, CheckStatus};
use crate::x509::{self, Certificate};

/// The `iss` NRAS puts in every token it signs.
pub const NRAS_ISSUER: &str = "https://nras.attestation.nvidia.com";

/// Where NRAS publishes its signing keys (for callers that fetch them; this module does not).
pub const NRAS_JWKS_URL: &str = "https://nras.attestation.nvidia.com/.well-known/jwks.json";

/// Clock skew tolerated, in seconds, when checking `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// The largest detached EAT accepted, in bytes (an 8-GPU EAT is about 24 KiB).
pub const MAX_EAT_LEN: usize = 1 << 20;

/// The largest JWKS document accepted, in bytes.
pub const MAX_JWKS_LEN: usize = 1 << 20;

/// The most keys a JWKS may hold.
pub const MAX_JWKS_KEYS: usize = 64;

/// The most GPU tokens (and `submods` entries) an EAT may carry. NRAS attests at most 8 GPUs per
/// request; the bound only keeps the work per call small.
pub const MAX_GPUS: usize = 64;

/// The check id of every [`Check`] that [`EatReport::checks`] produces.
pub const CHECK_ID: &str = super::ids::NRAS;

/// The only JWS algorithm accepted.
const ALG_ES384: &str = "ES384";
/// Length of an ES384 signature in JWS form (`r‖s`, 48 bytes each).
const ES384_SIG_LEN: usize = 96;
/// Length of an uncompressed SEC1 P-384 point (`04‖x‖y`).
const P384_POINT_LEN: usize = 97;
/// Longest claim value repeated verbatim in a detail.
const CLIP: usize = 96;

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_SECP384R1: &str = "1.3.132.0.34";

// ---------------------------------------------------------------------------------------------
// JWKS
// ---------------------------------------------------------------------------------------------

/// Why a JWKS (or a pinned key) could not be used at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// The document is larger than [`MAX_JWKS_LEN`].
    #[error("JWKS is {0} bytes; the limit is {MAX_JWKS_LEN}")]
    TooLarge(usize),
    /// The document is not JSON, or not an object with a `keys` array.
    #[error("malformed JWKS: {0}")]
    Malformed(String),
    /// The document holds no key this verifier can use; each unusable key is listed with why.
    #[error("no usable EC P-384 key in the JWKS: {0}")]
    NoUsableKey(String),
    /// A key given to [`Jwks::pinned`] is not a P-384 public key.
    #[error("pinned key: {0}")]
    BadPinnedKey(String),
}

/// One usable NRAS signing key: an EC P-384 public key and the `kid` tokens select it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwkKey {
    /// The key id JWT headers name.
    pub kid: String,
    /// The public key as an uncompressed SEC1 point (`04‖x‖y`, 97 bytes).
    pub point: Vec<u8>,
    /// The first `x5c` certificate, when the JWK carries one. Its public key is the key above.
    pub certificate: Option<Certificate>,
    /// How many certificates `x5c` listed (0 when absent). Only the first one is parsed.
    pub x5c_len: usize,
    /// The JWK's declared `alg`, when present (always `ES384` for a usable key).
    pub alg: Option<String>,
}

impl JwkKey {
    /// A short description for details: `kid test-kid (x5c CN=…)`.
    fn describe(&self) -> String {
        match &self.certificate {
            Some(c) => format!("kid {} (x5c {})", clip(&self.kid), clip(&c.display_name())),
            None => format!("kid {}", clip(&self.kid)),
        }
    }
}

/// A set of NRAS signing keys, parsed from a JWKS document ([`Jwks::from_json`]) or pinned
/// offline ([`Jwks::pinned`]). Tokens select a key by the `kid` of their header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<JwkKey>,
    /// `(kid, why)` for every JWK that cannot be used.
    unusable: Vec<(String, String)>,
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`, RFC 7517).
    ///
    /// A JWK is usable when `kty` is `EC`, `crv` is `P-384`, `alg` (if present) is `ES384`,
    /// `use` (if present) is `sig`, `key_ops` (if present) contains `verify`, and it has a
    /// public key: base64url `x` and `y` (48 bytes each, a point on the curve) and/or `x5c`
    /// (standard base64 DER certificates). When `x5c` is present its first certificate's key is
    /// used, and it must equal `x`/`y` when those are present too. A `kid` shared by several JWKs
    /// makes all of them unusable (the selection would be ambiguous).
    ///
    /// Other JWKs (RSA, other curves, malformed ones) are kept aside with the reason, so that a
    /// token naming one fails with that reason; see [`Jwks::unusable`].
    ///
    /// # Errors
    /// [`JwksError`] when the document is too large, not a JWKS, or holds no usable key.
    pub fn from_json(json: &[u8]) -> Result<Self, JwksError> {
        if json.len() > MAX_JWKS_LEN {
            return Err(JwksError::TooLarge(json.len()));
        }
        let root = parse_strict(json).map_err(JwksError::Malformed)?;
        let keys = root
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                JwksError::Malformed("expected an object with a \"keys\" array".into())
            })?;
        if keys.len() > MAX_JWKS_KEYS {
            return Err(JwksError::Malformed(format!(
                "{} keys; the limit is {MAX_JWKS_KEYS}",
                keys.len()
            )));
        }
        let mut parsed: Vec<(String, Result<JwkKey, String>)> = Vec::with_capacity(keys.len());
        for (i, jwk) in keys.iter().enumerate() {
            let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
            match kid {
                Some(kid) if !kid.is_empty() => {
                    let key = parse_jwk(&kid, jwk);
                    parsed.push((kid, key));
                }
                _ => parsed.push((
                    format!("(keys[{i}])"),
                    Err("the JWK has no non-empty string kid".into()),
                )),
            }
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (kid, _) in &parsed {
            *counts.entry(kid.as_str()).or_default() += 1;
        }
        let dup: BTreeSet<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k.to_string())
            .collect();
        let mut jwks = Jwks::default();
        for (kid, key) in parsed {
            if dup.contains(&kid) {
                jwks.unusable.push((
                    kid,
                    "several JWKs share this kid, so the key is ambiguous".into(),
                ));
                continue;
            }
            match key {
                Ok(k) => jwks.keys.push(k),
                Err(why) => jwks.unusable.push((kid, why)),
            }
        }
        if jwks.keys.is_empty() {
            let why: Vec<String> = jwks
                .unusable
                .iter()
                .map(|(k, w)| format!("{}: {w}", clip(k)))
                .collect();
            return Err(JwksError::NoUsableKey(if why.is_empty() {
                "the keys array is empty".into()
            } else {
                why.join("; ")
            }));
        }
        Ok(jwks)
    }

    /// A key set of exactly one key, pinned offline: `key` is either a DER
    /// `SubjectPublicKeyInfo` (id-ecPublicKey, secp384r1) or an uncompressed SEC1 P-384 point
    /// (`04‖x‖y`, 97 bytes). Tokens must name it with `kid`.
    ///
    /// # Errors
    /// [`JwksError::BadPinnedKey`] when `kid` is empty or `key` is not such a key.
    pub fn pinned(kid: &str, key: &[u8]) -> Result<Self, JwksError> {
        if kid.is_empty() {
            return Err(JwksError::BadPinnedKey("the kid is empty".into()));
        }
        let point = if key.first() == Some(&0x04) && key.len() == P384_POINT_LEN {
            key.to_vec()
        } else {
            spki_p384_point(key).map_err(JwksError::BadPinnedKey)?
        };
        check_point(&point).map_err(JwksError::BadPinnedKey)?;
        Ok(Jwks {
            keys: vec![JwkKey {
                kid: kid.to_string(),
                point,
                certificate: None,
                x5c_len: 0,
                alg: None,
            }],
            unusable: Vec::new(),
        })
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[JwkKey] {
        &self.keys
    }

    /// `(kid, reason)` for every JWK of the document that cannot be used.
    pub fn unusable(&self) -> &[(String, String)] {
        &self.unusable
    }

    /// The usable key with this `kid`.
    ///
    /// # Errors
    /// A sentence saying why no key can be used: no JWK has this kid, or the JWK that has it
    /// is unusable (and why).
    pub fn select(&self, kid: &str) -> Result<&JwkKey, String> {
        if let Some(k) = self.keys.iter().find(|k| k.kid == kid) {
            return Ok(k);
        }
        if let Some((_, why)) = self.unusable.iter().find(|(k, _)| k == kid) {
            return Err(format!(
                "the JWKS key with kid {} is unusable: {why}",
                clip(kid)
            ));
        }
        let known: Vec<String> = self.keys.iter().map(|k| clip(&k.kid)).collect();
        Err(format!(
            "no JWKS key has kid {} (known: {})",
            clip(kid),
            known.join(", ")
        ))
    }
}

/// Parses one JWK whose kid is known; the error says why it cannot be used.
fn parse_jwk(kid: &str, jwk: &Value) -> Result<JwkKey, String> {
    let obj = jwk.as_object().ok_or("the JWK is not a JSON object")?;
    let text = |name: &str| -> Result<Option<&str>, String> {
        match obj.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("{name} is not a string")),
        }
    };
    match text("kty")? {
        Some("EC") => {}
        Some(other) => {
            return Err(format!(
                "kty {} is not supported (NRAS signs with EC P-384)",
                clip(other)
            ));
        }
        None => return Err("kty is missing".into()),
    }
    match text("crv")? {
        Some("P-384") => {}
        Some(other) => return Err(format!("crv {} is not P-384", clip(other))),
        None => return Err("crv is missing".into()),
    }
    let alg = text("alg")?.map(str::to_string);
    if let Some(a) = &alg
        && a != ALG_ES384
    {
        return Err(format!("alg {} is not ES384", clip(a)));
    }
    if let Some(u) = text("use")?
        && u != "sig"
    {
        return Err(format!("use {} is not sig", clip(u)));
    }
    if let Some(ops) = obj.get("key_ops") {
        let ok = ops
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o.as_str() == Some("verify")));
        if !ok {
            return Err("key_ops does not contain verify".into());
        }
    }
    let xy_point = match (text("x")?, text("y")?) {
        (Some(x), Some(y)) => {
            let x = URL_SAFE_NO_PAD
                .decode(x)
                .map_err(|e| format!("x is not unpadded base64url: {e}"))?;
            let y = URL_SAFE_NO_PAD
                .decode(y)
                .map_err(|e| format!("y is not unpadded base64url: {e}"))?;
            if x.len() != 48 || y.len() != 48 {
                return Err(format!(
                    "x and y are {} and {} bytes; P-384 needs 48 each",
                    x.len(),
                    y.len()
                ));
            }
            let mut p = Vec::with_capacity(P384_POINT_LEN);
            p.push(0x04);
            p.extend_from_slice(&x);
            p.extend_from_slice(&y);
            check_point(&p)?;
            Some(p)
        }
        (None, None) => None,
        _ => return Err("only one of x and y is present".into()),
    };
    let (certificate, x5c_len) = match obj.get("x5c") {
        None => (None, 0),
        Some(Value::Array(chain)) => {
            if chain.is_empty() {
                return Err("x5c is empty".into());
            }
            if chain.len() > x509::MAX_CHAIN_LEN {
                return Err(format!(
                    "x5c holds {} certificates; the limit is {}",
                    chain.len(),
                    x509::MAX_CHAIN_LEN
                ));
            }
            let first = chain
                .first()
                .and_then(Value::as_str)
                .ok_or("x5c[0] is not a string")?;
            let der = STANDARD
                .decode(first)
                .map_err(|e| format!("x5c[0] is not base64: {e}"))?;
            let cert = Certificate::from_der(&der).map_err(|e| format!("x5c[0]: {e}"))?;
            (Some(cert), chain.len())
        }
        Some(_) => return Err("x5c is not an array".into()),
    };
    let point = match (&certificate, xy_point) {
        (Some(cert), xy) => {
            let cert_point = cert
                .p384_point
                .clone()
                .ok_or("the x5c[0] certificate's key is not EC P-384")?;
            if cert_point.len() != P384_POINT_LEN || cert_point.first() != Some(&0x04) {
                return Err("the x5c[0] certificate's key is not an uncompressed point".into());
            }
            if let Some(xy) = xy
                && xy != cert_point
            {
                return Err("the x5c[0] certificate's key differs from x/y".into());
            }
            check_point(&cert_point)?;
            cert_point
        }
        (None, Some(xy)) => xy,
        (None, None) => return Err("the JWK has neither x/y nor x5c".into()),
    };
    Ok(JwkKey {
        kid: kid.to_string(),
        point,
        certificate,
        x5c_len,
        alg,
    })
}

/// Checks that `point` is a valid P-384 public key (on the curve, not the identity).
fn check_point(point: &[u8]) -> Result<(), String> {
    aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED,
        point,
    )
    .map(|_| ())
    .map_err(|_| "the public key is not a point on P-384".to_string())
}

/// Extracts the SEC1 point from a DER SubjectPublicKeyInfo of a P-384 key.
fn spki_p384_point(der: &[u8]) -> Result<Vec<u8>, String> {
    use x509_parser::prelude::FromDer;
    use x509_parser::x509::SubjectPublicKeyInfo;
    let (rest, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|_| {
        "neither a 97-byte uncompressed P-384 point nor a DER SubjectPublicKeyInfo".to_string()
    })?;
    if !rest.is_empty() {
        return Err(format!(
            "{} trailing bytes after the SubjectPublicKeyInfo",
            rest.len()
        ));
    }
    if spki.algorithm.algorithm.to_id_string() != OID_EC_PUBLIC_KEY {
        return Err("the SubjectPublicKeyInfo is not an EC key".into());
    }
    let curve_ok = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .is_some_and(|o| o.to_id_string() == OID_SECP384R1);
    if !curve_ok {
        return Err("the SubjectPublicKeyInfo's curve is not P-384".into());
    }
    let point = spki.subject_public_key.data.to_vec();
    if point.len() != P384_POINT_LEN || point.first() != Some(&0x04) {
        return Err("the SubjectPublicKeyInfo does not hold an uncompressed P-384 point".into());
    }
    Ok(point)
}

// ---------------------------------------------------------------------------------------------
// Report types
// ---------------------------------------------------------------------------------------------

/// What kind of rule a [`Failure`] broke. The string forms ([`FailureKind::as_str`]) are
/// stable and used by the test vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The EAT is larger than [`MAX_EAT_LEN`].
    Size,
    /// The EAT is not `[["JWT", token], {name: token, …}]`, has no or too many GPUs, or a GPU
    /// name is not `GPU-<n>`.
    Format,
    /// A token is not a strict compact JWS (three unpadded base64url parts of JSON objects
    /// without duplicate keys, no `crit` header).
    Jws,
    /// The header `alg` is not `ES384`.
    Alg,
    /// The header has no `kid`, or the JWKS has no key with it.
    Kid,
    /// The JWKS key with that `kid` is unusable, or its `x5c` certificate is outside its
    /// validity at the verification time.
    Key,
    /// The signature is not a 96-byte `r‖s` ES384 signature that verifies with the key.
    Signature,
    /// `iss` is missing (overall token) or not [`NRAS_ISSUER`].
    Issuer,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// A required claim is missing or has the wrong JSON type.
    Claims,
    /// `eat_nonce` is not the expected nonce.
    Nonce,
    /// `submods` and the GPU tokens do not name the same GPUs, or an entry is malformed.
    Submods,
    /// A GPU token's SHA-256 differs from its `submods` digest.
    Digest,
    /// The number of GPU tokens differs from the number the caller expected.
    GpuCount,
    /// `x-nvidia-overall-att-result` is not `true`.
    OverallResult,
    /// `measres` is not `"success"`.
    Measres,
    /// `secboot` is not `true`.
    Secboot,
    /// `dbgstat` is not `"disabled"`.
    Dbgstat,
    /// `x-nvidia-gpu-arch-check` is not `true`.
    ArchCheck,
    /// The token carries `x-nvidia-error-details` (NRAS could not complete the appraisal).
    ErrorDetails,
}

impl FailureKind {
    /// The stable snake-case name, e.g. `"not_yet_valid"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Size => "size",
            FailureKind::Format => "format",
            FailureKind::Jws => "jws",
            FailureKind::Alg => "alg",
            FailureKind::Kid => "kid",
            FailureKind::Key => "key",
            FailureKind::Signature => "signature",
            FailureKind::Issuer => "issuer",
            FailureKind::Expired => "expired",
            FailureKind::NotYetValid => "not_yet_valid",
            FailureKind::Claims => "claims",
            FailureKind::Nonce => "nonce",
            FailureKind::Submods => "submods",
            FailureKind::Digest => "digest",
            FailureKind::GpuCount => "gpu_count",
            FailureKind::OverallResult => "overall_result",
            FailureKind::Measres => "measres",
            FailureKind::Secboot => "secboot",
            FailureKind::Dbgstat => "dbgstat",
            FailureKind::ArchCheck => "arch_check",
            FailureKind::ErrorDetails => "error_details",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule: its kind and a sentence with the values compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Which rule.
    pub kind: FailureKind,
    /// What was found, in plain language.
    pub detail: String,
}

impl Failure {
    fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Failure {
            kind,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// The outcome for the overall (platform) token and the EAT as a whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OverallResult {
    /// Every rule the overall token or the EAT's structure broke. Empty means verified.
    pub failures: Vec<Failure>,
    /// What was verified, one phrase each (for details).
    pub verified: Vec<String>,
    /// The header `kid`.
    pub kid: Option<String>,
    /// `iss`.
    pub issuer: Option<String>,
    /// `iat`, Unix seconds.
    pub issued_at: Option<i64>,
    /// `nbf`, Unix seconds.
    pub not_before: Option<i64>,
    /// `exp`, Unix seconds.
    pub expires: Option<i64>,
    /// `jti`.
    pub jti: Option<String>,
    /// `x-nvidia-ver` (the claims version, `3.0`).
    pub version: Option<String>,
    /// `x-nvidia-overall-att-result`, when it is a boolean.
    pub overall_att_result: Option<bool>,
    /// Every claim of the overall token, when it could be decoded (verified or not: see
    /// `failures`).
    pub claims: Option<Map<String, Value>>,
}

/// The outcome for one GPU token.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GpuResult {
    /// The name in the EAT, e.g. `GPU-0`.
    pub name: String,
    /// The number in the name, when it is `GPU-<n>`.
    pub index: Option<u32>,
    /// The check subject: `gpu<n>` (or the raw name when it is not `GPU-<n>`).
    pub subject: String,
    /// Every rule this GPU's token broke. Empty means verified.
    pub failures: Vec<Failure>,
    /// What was verified, one phrase each (for details).
    pub verified: Vec<String>,
    /// The header `kid`.
    pub kid: Option<String>,
    /// `measres`.
    pub measres: Option<String>,
    /// `secboot`.
    pub secboot: Option<bool>,
    /// `dbgstat`.
    pub dbgstat: Option<String>,
    /// `x-nvidia-gpu-arch-check`.
    pub arch_check: Option<bool>,
    /// `x-nvidia-gpu-driver-version`.
    pub driver_version: Option<String>,
    /// `x-nvidia-gpu-vbios-version`.
    pub vbios_version: Option<String>,
    /// `hwmodel` (e.g. `GH100 A01 GSP BROM`).
    pub hwmodel: Option<String>,
    /// `ueid` (the device certificate serial, decimal).
    pub ueid: Option<String>,
    /// `x-nvidia-error-details`, as text (JSON text when it is not a string).
    pub error_details: Option<String>,
    /// Every claim of the token, when it could be decoded (verified or not: see `failures`).
    pub claims: Option<Map<String, Value>>,
}

/// Everything [`verify_eat`] found: the overall token and one entry per GPU, each with its
/// failures. The EAT is verified only if no entry has a failure ([`EatReport::passed`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EatReport {
    /// The overall token and the EAT's structure.
    pub overall: OverallResult,
    /// One entry per GPU named by the GPU tokens or by `submods`, sorted by GPU number.
    pub gpus: Vec<GpuResult>,
    /// The verification time used, Unix seconds.
    pub now: i64,
}

impl EatReport {
    /// True when nothing failed: the overall token, the structure and every GPU verified.
    pub fn passed(&self) -> bool {
        self.overall.failures.is_empty()
            && !self.gpus.is_empty()
            && self.gpus.iter().all(|g| g.failures.is_empty())
    }

    /// Every failure, overall first, each with the GPU name it belongs to (`None` for overall).
    pub fn failures(&self) -> Vec<(Option<&str>, &Failure)> {
        let mut out: Vec<(Option<&str>, &Failure)> =
            self.overall.failures.iter().map(|f| (None, f)).collect();
        for g in &self.gpus {
            out.extend(g.failures.iter().map(|f| (Some(g.name.as_str()), f)));
        }
        out
    }

    /// The distinct failure kinds anywhere in the report.
    pub fn failure_kinds(&self) -> BTreeSet<FailureKind> {
        self.failures().into_iter().map(|(_, f)| f.kind).collect()
    }

    /// Verdict rows with id [`CHECK_ID`]: one for the overall token (no subject), then one per
    /// GPU with subject `gpu0`, `gpu1`, … in GPU-number order. Each passes or fails; its detail
    /// lists what was verified, or every failure.
    pub fn checks(&self) -> Vec<Check> {
        let mut out = Vec::with_capacity(self.gpus.len() + 1);
        out.push(Check::new(
            CHECK_ID,
            status(&self.overall.failures),
            detail(
                "NRAS overall token",
                &self.overall.failures,
                &self.overall.verified,
            ),
        ));
        for g in &self.gpus {
            let mut c = Check::new(
                CHECK_ID,
                status(&g.failures),
                detail(&format!("NRAS {}", clip(&g.name)), &g.failures, &g.verified),
            );
            c.subject = Some(g.subject.clone());
            out.push(c);
        }
        out
    }
}

fn status(failures: &[Failure]) -> CheckStatus {
    if failures.is_empty() {
        CheckStatus::Pass
    } else {
        CheckStatus::Fail
    }
}

fn detail(what: &str, failures: &[Failure], verified: &[String]) -> String {
    if failures.is_empty() {
        format!("{what} verified: {}", verified.join("; "))
    } else {
        let f: Vec<String> = failures.iter().map(Failure::to_string).collect();
        format!("{what} failed: {}", f.join("; "))
    }
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// Settings of [`verify_eat_with`]. [`EatPolicy::default`] is what [`verify_eat`] uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EatPolicy {
    /// The `iss` every token must carry ([`NRAS_ISSUER`]).
    pub issuer: String,
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds ([`DEFAULT_LEEWAY_SECS`]).
    pub leeway_secs: i64,
    /// Whether a signing key's `x5c[0]` certificate must be within its validity at `now`
    /// (default `true`; keys without `x5c` are unaffected).
    pub check_key_validity: bool,
}

impl Default for EatPolicy {
    fn default() -> Self {
        EatPolicy {
            issuer: NRAS_ISSUER.to_string(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            check_key_validity: true,
        }
    }
}

/// Verifies an NRAS detached EAT with the default [`EatPolicy`]: see [`verify_eat_with`].
pub fn verify_eat(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
) -> EatReport {
    verify_eat_with(
        eat,
        jwks,
        expected_nonce,
        expected_gpus,
        now,
        &EatPolicy::default(),
    )
}

/// Verifies an NRAS detached EAT with [`verify_eat`] and turns the report into a
/// [`Verdict`](crate::Verdict): the rows of [`EatReport::checks`] (id [`CHECK_ID`],
/// `gpu.nras`: one for the overall token, then one per GPU with subject `gpu0`, `gpu1`, …), so
/// the verdict is verified exactly when [`EatReport::passed`].
///
/// Facts: `gpu.eat_nonce` (hex of `expected_nonce`), `gpu.nras.gpus` (number of GPU entries)
/// and, when the overall token carries them, `gpu.nras.kid`, `gpu.nras.issued_at`,
/// `gpu.nras.expires` (RFC 3339), `gpu.nras.overall_att_result` and `gpu.nras.jti`.
///
/// Pure: fetch the EAT and the key set first (for example with `net::NrasClient`, feature
/// `net`), or read them from files.
pub fn verdict_from_eat(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
) -> crate::Verdict {
    let report = verify_eat(eat, jwks, expected_nonce, expected_gpus, now);
    let mut checks = report.checks();
    let mut verdict = crate::Verdict::from_checks(checks.clone(), None);
    if verdict.verified != report.passed() {
        // Defensive: the rows and the report must agree; never let a row table without a
        // failure verify a report that did not pass.
        checks.push(Check::new(
            CHECK_ID,
            CheckStatus::Fail,
            "the NRAS EAT did not verify (no GPU entry)",
        ));
        verdict = crate::Verdict::from_checks(checks, None);
    }
    let o = &report.overall;
    let mut v = verdict
        .with_fact("gpu.eat_nonce", hex::encode(expected_nonce))
        .with_fact("gpu.nras.gpus", report.gpus.len().to_string());
    if let Some(kid) = &o.kid {
        v = v.with_fact("gpu.nras.kid", clip(kid));
    }
    if let Some(t) = o.issued_at {
        v = v.with_fact("gpu.nras.issued_at", crate::time::format_time(t));
    }
    if let Some(t) = o.expires {
        v = v.with_fact("gpu.nras.expires", crate::time::format_time(t));
    }
    if let Some(r) = o.overall_att_result {
        v = v.with_fact("gpu.nras.overall_att_result", r.to_string());
    }
    if let Some(jti) = &o.jti {
        v = v.with_fact("gpu.nras.jti", clip(jti));
    }
    v
}

/// Verifies an NRAS detached EAT (`[["JWT", overall], {"GPU-0": jwt, …}]`, the body of a 200
/// reply from NRAS) against `jwks`, the nonce that was sent to NRAS, and the verification time
/// `now` (Unix seconds). With `expected_gpus`, the EAT must carry exactly that many GPU tokens.
///
/// Never panics and never returns early without saying why: every broken rule is a
/// [`Failure`] in the report (see the module documentation for the rules). GPU tokens are
/// verified one by one even when the overall token fails, so the report is complete.
pub fn verify_eat_with(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
    policy: &EatPolicy,
) -> EatReport {
    let mut report = EatReport {
        now,
        ..EatReport::default()
    };
    if eat.len() > MAX_EAT_LEN {
        report.overall.failures.push(Failure::new(
            FailureKind::Size,
            format!("the EAT is {} bytes; the limit is {MAX_EAT_LEN}", eat.len()),
        ));
        return report;
    }
    let (overall_jwt, gpu_tokens) = match parse_detached(eat) {
        Ok(p) => p,
        Err(f) => {
            report.overall.failures.push(f);
            return report;
        }
    };
    let ctx = Ctx {
        jwks,
        nonce_hex: hex::encode(expected_nonce),
        now,
        policy,
    };

    // The overall token.
    let mut overall = Findings::default();
    let token = ctx.verify_token(&overall_jwt, &mut overall);
    let mut submods: Option<BTreeMap<String, Result<[u8; 32], String>>> = None;
    if let Some(t) = &token {
        ctx.check_common_claims(&t.claims, true, &mut overall);
        submods = check_overall_claims(&t.claims, &mut overall);
        let o = &mut report.overall;
        o.kid = t.kid.clone();
        o.issuer = str_claim(&t.claims, "iss");
        o.issued_at = t.claims.get("iat").and_then(numeric_date);
        o.not_before = t.claims.get("nbf").and_then(numeric_date);
        o.expires = t.claims.get("exp").and_then(numeric_date);
        o.jti = str_claim(&t.claims, "jti");
        o.version = str_claim(&t.claims, "x-nvidia-ver");
        o.overall_att_result = t
            .claims
            .get("x-nvidia-overall-att-result")
            .and_then(Value::as_bool);
    }

    // The union of names, GPU tokens and submods alike, in GPU-number order.
    let mut names: BTreeSet<&str> = gpu_tokens.keys().map(String::as_str).collect();
    if let Some(s) = &submods {
        names.extend(s.keys().map(String::as_str));
    }
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_by_key(|n| gpu_sort_key(n));

    let mut digests_ok = 0usize;
    for name in &names {
        let mut g = GpuResult {
            name: (*name).to_string(),
            index: gpu_index(name),
            subject: gpu_index(name).map_or_else(|| clip(name), |i| format!("gpu{i}")),
            ..GpuResult::default()
        };
        let mut f = Findings::default();
        if g.index.is_none() {
            f.fail(
                FailureKind::Format,
                format!("the name {} is not GPU-<n>", clip(name)),
            );
        }
        match gpu_tokens.get(*name) {
            None => f.fail(
                FailureKind::Submods,
                "the overall token's submods lists this GPU, but the EAT carries no token for it",
            ),
            Some(jwt) => {
                if let Some(t) = ctx.verify_token(jwt, &mut f) {
                    ctx.check_common_claims(&t.claims, false, &mut f);
                    check_gpu_claims(&t.claims, &mut g, &mut f);
                    g.kid = t.kid;
                    g.claims = Some(t.claims);
                }
                match submods.as_ref().map(|s| s.get(*name)) {
                    None => f.fail(
                        FailureKind::Submods,
                        "the overall token has no readable submods, so this token's digest cannot be checked",
                    ),
                    Some(None) => f.fail(
                        FailureKind::Submods,
                        "the overall token's submods does not list this GPU",
                    ),
                    Some(Some(Err(why))) => f.fail(FailureKind::Submods, why.clone()),
                    Some(Some(Ok(want))) => {
                        let got = crypto::sha256(jwt.as_bytes());
                        if &got == want {
                            digests_ok += 1;
                            f.ok(format!("SHA-256 {} matches submods", short_hex(&got)));
                        } else {
                            f.fail(
                                FailureKind::Digest,
                                format!(
                                    "the token's SHA-256 is {} but submods says {}",
                                    hex::encode(got),
                                    hex::encode(want)
                                ),
                            );
                        }
                    }
                }
            }
        }
        g.failures = f.failures;
        g.verified = f.verified;
        report.gpus.push(g);
    }

    // The EAT as a whole.
    if let Some(s) = &submods {
        let listed: BTreeSet<&str> = s.keys().map(String::as_str).collect();
        let carried: BTreeSet<&str> = gpu_tokens.keys().map(String::as_str).collect();
        if listed != carried {
            let missing: Vec<String> = listed.difference(&carried).map(|n| clip(n)).collect();
            let extra: Vec<String> = carried.difference(&listed).map(|n| clip(n)).collect();
            overall.fail(
                FailureKind::Submods,
                format!(
                    "submods lists {} GPU(s) and the EAT carries {} token(s); listed without a token: [{}]; tokens not listed: [{}]",
                    listed.len(),
                    carried.len(),
                    missing.join(", "),
                    extra.join(", ")
                ),
            );
        } else if digests_ok == listed.len() && !listed.is_empty() {
            overall.ok(format!(
                "submods names exactly the {} GPU token(s) and every SHA-256 digest matches",
                listed.len()
            ));
        }
    }
    if gpu_tokens.is_empty() {
        overall.fail(FailureKind::Format, "the EAT carries no GPU token");
    }
    if let Some(n) = expected_gpus {
        if gpu_tokens.len() == n {
            overall.ok(format!("{n} GPU token(s) as expected"));
        } else {
            overall.fail(
                FailureKind::GpuCount,
                format!(
                    "the EAT carries {} GPU token(s); {n} expected",
                    gpu_tokens.len()
                ),
            );
        }
    }
    report.overall.failures = overall.failures;
    report.overall.verified = overall.verified;
    report.overall.claims = token.map(|t| t.claims);
    report
}

/// Accumulates what a token verified and what it broke.
#[derive(Default)]
struct Findings {
    failures: Vec<Failure>,
    verified: Vec<String>,
}

impl Findings {
    fn fail(&mut self, kind: FailureKind, detail: impl Into<String>) {
        self.failures.push(Failure::new(kind, detail));
    }
    fn ok(&mut self, what: impl Into<String>) {
        self.verified.push(what.into());
    }
}

/// A decoded token (its signature may or may not have verified: see the findings).
struct Token {
    kid: Option<String>,
    claims: Map<String, Value>,
}

struct Ctx<'a> {
    jwks: &'a Jwks,
    nonce_hex: String,
    now: i64,
    policy: &'a EatPolicy,
}

impl Ctx<'_> {
    /// Parses a compact JWS and checks its header, key and signature. Returns the decoded
    /// claims whenever they could be decoded, so that every other rule is still reported.
    fn verify_token(&self, jwt: &str, f: &mut Findings) -> Option<Token> {
        let jws = match parse_compact(jwt) {
            Ok(j) => j,
            Err(why) => {
                f.fail(FailureKind::Jws, why);
                return None;
            }
        };
        let mut sig_possible = true;
        if jws.header.contains_key("crit") {
            f.fail(
                FailureKind::Jws,
                "the header has a crit parameter, and no extension is supported",
            );
            sig_possible = false;
        }
        match jws.header.get("alg") {
            Some(Value::String(a)) if a == ALG_ES384 => {}
            Some(Value::String(a)) => {
                f.fail(
                    FailureKind::Alg,
                    format!("header alg is {}; only ES384 is accepted", clip(a)),
                );
                sig_possible = false;
            }
            Some(_) => {
                f.fail(FailureKind::Alg, "header alg is not a string");
                sig_possible = false;
            }
            None => {
                f.fail(FailureKind::Alg, "header alg is missing");
                sig_possible = false;
            }
        }
        let kid = match jws.header.get("kid") {
            Some(Value::String(k)) if !k.is_empty() => Some(k.clone()),
            Some(Value::String(_)) => {
                f.fail(FailureKind::Kid, "header kid is empty");
                None
            }
            Some(_) => {
                f.fail(FailureKind::Kid, "header kid is not a string");
                None
            }
            None => {
                f.fail(FailureKind::Kid, "header kid is missing");
                None
            }
        };
        let key = match &kid {
            Some(k) => match self.jwks.select(k) {
                Ok(key) => Some(key),
                Err(why) => {
                    let kind = if self.jwks.unusable.iter().any(|(u, _)| u == k) {
                        FailureKind::Key
                    } else {
                        FailureKind::Kid
                    };
                    f.fail(kind, why);
                    None
                }
            },
            None => None,
        };
        if let Some(key) = key {
            if self.policy.check_key_validity
                && let Some(cert) = &key.certificate
                && (self.now < cert.not_before || self.now > cert.not_after)
            {
                f.fail(
                    FailureKind::Key,
                    format!(
                        "the x5c certificate of {} is valid {} to {}, not at {}",
                        key.describe(),
                        crate::time::format_time(cert.not_before),
                        crate::time::format_time(cert.not_after),
                        crate::time::format_time(self.now)
                    ),
                );
            }
            if sig_possible {
                if jws.signature.len() != ES384_SIG_LEN {
                    f.fail(
                        FailureKind::Signature,
                        format!(
                            "the signature is {} bytes; ES384 in JWS is {ES384_SIG_LEN} bytes r‖s{}",
                            jws.signature.len(),
                            if jws.signature.first() == Some(&0x30) {
                                " (this looks DER-encoded, which JWS does not allow)"
                            } else {
                                ""
                            }
                        ),
                    );
                } else if crypto::verify_p384_raw(
                    &key.point,
                    jws.signing_input.as_bytes(),
                    &jws.signature,
                ) {
                    f.ok(format!("ES384 signature by {}", key.describe()));
                } else {
                    f.fail(
                        FailureKind::Signature,
                        format!(
                            "the ES384 signature does not verify with {}",
                            key.describe()
                        ),
                    );
                }
            }
        }
        Some(Token {
            kid,
            claims: jws.payload,
        })
    }

    /// `iss`, the time claims and `eat_nonce`; `overall` makes `iss`, `exp` and `eat_nonce`
    /// required.
    fn check_common_claims(&self, claims: &Map<String, Value>, overall: bool, f: &mut Findings) {
        match claims.get("iss") {
            Some(Value::String(iss)) if *iss == self.policy.issuer => {
                f.ok(format!("iss {}", clip(iss)));
            }
            Some(Value::String(iss)) => f.fail(
                FailureKind::Issuer,
                format!(
                    "iss is {}; expected {}",
                    clip(iss),
                    clip(&self.policy.issuer)
                ),
            ),
            Some(_) => f.fail(FailureKind::Issuer, "iss is not a string"),
            None if overall => f.fail(FailureKind::Issuer, "iss is missing"),
            None => {}
        }

        let leeway = self.policy.leeway_secs.max(0);
        let now = self.now;
        let mut time_ok = true;
        let mut window = Vec::new();
        let date = |name: &str, f: &mut Findings| -> Option<i64> {
            let v = claims.get(name)?;
            let t = numeric_date(v);
            if t.is_none() {
                f.fail(
                    FailureKind::Claims,
                    format!("{name} is not a NumericDate (a JSON number of seconds)"),
                );
            }
            t
        };
        match date("exp", f) {
            Some(exp) => {
                if now >= exp.saturating_add(leeway) {
                    time_ok = false;
                    f.fail(
                        FailureKind::Expired,
                        format!(
                            "expired at {} (exp), now is {} (leeway {leeway} s)",
                            crate::time::format_time(exp),
                            crate::time::format_time(now)
                        ),
                    );
                }
                window.push(format!("exp {}", crate::time::format_time(exp)));
            }
            None => {
                time_ok = false;
                if overall && !claims.contains_key("exp") {
                    f.fail(FailureKind::Claims, "exp is missing");
                }
            }
        }
        if let Some(nbf) = date("nbf", f) {
            if now.saturating_add(leeway) < nbf {
                time_ok = false;
                f.fail(
                    FailureKind::NotYetValid,
                    format!(
                        "not valid before {} (nbf), now is {} (leeway {leeway} s)",
                        crate::time::format_time(nbf),
                        crate::time::format_time(now)
                    ),
                );
            }
            window.insert(0, format!("nbf {}", crate::time::format_time(nbf)));
        }
        if let Some(iat) = date("iat", f)
            && now.saturating_add(leeway) < iat
        {
            time_ok = false;
            f.fail(
                FailureKind::NotYetValid,
                format!(
                    "issued in the future: iat {}, now is {} (leeway {leeway} s)",
                    crate::time::format_time(iat),
                    crate::time::format_time(now)
                ),
            );
        }
        if time_ok {
            f.ok(format!(
                "valid at {} ({})",
                crate::time::format_time(now),
                window.join(", ")
            ));
        }

        match claims.get("eat_nonce") {
            Some(Value::String(n)) => {
                if n.eq_ignore_ascii_case(&self.nonce_hex) {
                    f.ok("eat_nonce matches");
                } else {
                    f.fail(
                        FailureKind::Nonce,
                        format!("eat_nonce is {}; expected {}", clip(n), self.nonce_hex),
                    );
                }
            }
            Some(_) => f.fail(FailureKind::Claims, "eat_nonce is not a string"),
            None if overall => f.fail(FailureKind::Nonce, "eat_nonce is missing"),
            None => {}
        }

        if let Some(e) = claims.get("x-nvidia-error-details")
            && !is_empty_claim(e)
        {
            f.fail(
                FailureKind::ErrorDetails,
                format!(
                    "x-nvidia-error-details says NRAS could not complete the appraisal: {}",
                    clip(&claim_text(e))
                ),
            );
        }
    }
}

/// `x-nvidia-overall-att-result` and the shape of `submods`. Returns the submods (name →
/// digest, or why the entry is malformed) when `submods` is an object.
fn check_overall_claims(
    claims: &Map<String, Value>,
    f: &mut Findings,
) -> Option<BTreeMap<String, Result<[u8; 32], String>>> {
    match claims.get("x-nvidia-overall-att-result") {
        Some(Value::Bool(true)) => f.ok("x-nvidia-overall-att-result true"),
        Some(Value::Bool(false)) => {
            f.fail(
                FailureKind::OverallResult,
                "x-nvidia-overall-att-result is false",
            );
        }
        Some(v) => f.fail(
            FailureKind::OverallResult,
            format!(
                "x-nvidia-overall-att-result is {}, not true",
                clip(&claim_text(v))
            ),
        ),
        None => f.fail(
            FailureKind::OverallResult,
            "x-nvidia-overall-att-result is missing",
        ),
    }
    let Some(sub) = claims.get("submods") else {
        f.fail(FailureKind::Submods, "submods is missing");
        return None;
    };
    let Some(sub) = sub.as_object() else {
        f.fail(FailureKind::Submods, "submods is not an object");
        return None;
    };
    if sub.len() > MAX_GPUS {
        f.fail(
            FailureKind::Submods,
            format!("submods has {} entries; the limit is {MAX_GPUS}", sub.len()),
        );
        return None;
    }
    Some(
        sub.iter()
            .map(|(name, entry)| (name.clone(), submod_digest(entry)))
            .collect(),
    )
}

/// Parses `["DIGEST", ["SHA-256", "<64 hex>"]]`.
fn submod_digest(entry: &Value) -> Result<[u8; 32], String> {
    let bad = || {
        format!(
            "the submods entry is {}, not [\"DIGEST\", [\"SHA-256\", \"<64 hex>\"]]",
            clip(&claim_text(entry))
        )
    };
    let [tag, inner] = entry.as_array().map(Vec::as_slice).ok_or_else(bad)? else {
        return Err(bad());
    };
    let [alg, digest] = inner.as_array().map(Vec::as_slice).ok_or_else(bad)? else {
        return Err(bad());
    };
    if tag.as_str() != Some("DIGEST") || alg.as_str() != Some("SHA-256") {
        return Err(bad());
    }
    let digest = digest.as_str().ok_or_else(bad)?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(digest, &mut out).map_err(|_| bad())?;
    Ok(out)
}

/// The per-GPU appraisal claims; surfaces the informative ones into `g`.
fn check_gpu_claims(claims: &Map<String, Value>, g: &mut GpuResult, f: &mut Findings) {
    g.measres = str_claim(claims, "measres");
    g.secboot = claims.get("secboot").and_then(Value::as_bool);
    g.dbgstat = str_claim(claims, "dbgstat");
    g.arch_check = claims
        .get("x-nvidia-gpu-arch-check")
        .and_then(Value::as_bool);
    g.driver_version = str_claim(claims, "x-nvidia-gpu-driver-version");
    g.vbios_version = str_claim(claims, "x-nvidia-gpu-vbios-version");
    g.hwmodel = str_claim(claims, "hwmodel");
    g.ueid = claims.get("ueid").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    g.error_details = claims
        .get("x-nvidia-error-details")
        .filter(|v| !is_empty_claim(v))
        .map(claim_text);

    let mut appraisal = Vec::new();
    let mut expect = |name: &str, kind: FailureKind, want: &Value| match claims.get(name) {
        Some(v) if v == want => appraisal.push(format!("{name} {}", claim_text(want))),
        Some(v) => f.fail(
            kind,
            format!(
                "{name} is {}; {} required",
                clip(&claim_text(v)),
                claim_text(want)
            ),
        ),
        None => f.fail(
            kind,
            format!("{name} is missing; {} required", claim_text(want)),
        ),
    };
    expect(
        "measres",
        FailureKind::Measres,
        &Value::String("success".into()),
    );
    expect("secboot", FailureKind::Secboot, &Value::Bool(true));
    expect(
        "dbgstat",
        FailureKind::Dbgstat,
        &Value::String("disabled".into()),
    );
    expect(
        "x-nvidia-gpu-arch-check",
        FailureKind::ArchCheck,
        &Value::Bool(true),
    );
    if !appraisal.is_empty() {
        f.ok(appraisal.join(", "));
    }
    let mut facts = Vec::new();
    for (label, v) in [
        ("driver", &g.driver_version),
        ("VBIOS", &g.vbios_version),
        ("hwmodel", &g.hwmodel),
        ("ueid", &g.ueid),
    ] {
        if let Some(v) = v {
            facts.push(format!("{label} {}", clip(v)));
        }
    }
    if !facts.is_empty() {
        f.ok(facts.join(", "));
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------------------------

/// `[["JWT", overall], {name: token, …}]` → (overall, name → token).
fn parse_detached(eat: &[u8]) -> Result<(String, BTreeMap<String, String>), Failure> {
    let fmt_err = |why: String| Failure::new(FailureKind::Format, why);
    let root = parse_strict(eat).map_err(|e| fmt_err(format!("the EAT is not JSON: {e}")))?;
    let shape = "the EAT is not [[\"JWT\", \"<token>\"], {\"GPU-0\": \"<token>\", …}]";
    let Value::Array(parts) = root else {
        return Err(fmt_err(format!("{shape}: not an array")));
    };
    let [first, second] = parts.as_slice() else {
        return Err(fmt_err(format!(
            "{shape}: the array has {} elements",
            parts.len()
        )));
    };
    let overall = match first.as_array().map(Vec::as_slice) {
        Some([Value::String(tag), Value::String(tok)]) if tag == "JWT" => tok.clone(),
        _ => {
            return Err(fmt_err(format!(
                "{shape}: the first element is not [\"JWT\", \"<token>\"]"
            )));
        }
    };
    let Value::Object(map) = second else {
        return Err(fmt_err(format!(
            "{shape}: the second element is not an object"
        )));
    };
    if map.len() > MAX_GPUS {
        return Err(fmt_err(format!(
            "the EAT carries {} GPU tokens; the limit is {MAX_GPUS}",
            map.len()
        )));
    }
    let mut gpus = BTreeMap::new();
    for (name, tok) in map {
        let Value::String(tok) = tok else {
            return Err(fmt_err(format!(
                "{shape}: the value of {} is not a string",
                clip(name)
            )));
        };
        gpus.insert(name.clone(), tok.clone());
    }
    Ok((overall, gpus))
}

/// A compact JWS, decoded.
struct Jws<'a> {
    signing_input: &'a str,
    header: Map<String, Value>,
    payload: Map<String, Value>,
    signature: Vec<u8>,
}

/// Strict compact JWS: exactly three parts of unpadded, canonical base64url; header and
/// payload JSON objects without duplicate keys. The signature part may be empty (so that
/// `alg: none` is reported as such).
fn parse_compact(jwt: &str) -> Result<Jws<'_>, String> {
    if let Some(c) = jwt
        .bytes()
        .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
    {
        return Err(format!(
            "the token contains the byte 0x{c:02x}, outside base64url and '.' (padding, whitespace or JSON serialization are not accepted)"
        ));
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(format!(
            "the token has {} dot-separated parts; a compact JWS has 3",
            parts.len()
        ));
    };
    if h.is_empty() || p.is_empty() {
        return Err("the token's header or payload part is empty".into());
    }
    let signing_input = jwt
        .get(..h.len() + 1 + p.len())
        .ok_or("the token's signing input is not addressable")?;
    let decode = |what: &str, part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| format!("the {what} is not canonical unpadded base64url: {e}"))
    };
    let header = decode("header", h)?;
    let payload = decode("payload", p)?;
    let signature = decode("signature", s)?;
    let object = |what: &str, bytes: &[u8]| match parse_strict(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("the {what} is not a JSON object")),
        Err(e) => Err(format!("the {what} is not JSON: {e}")),
    };
    Ok(Jws {
        signing_input,
        header: object("header", &header)?,
        payload: object("payload", &payload)?,
        signature,
    })
}

/// JSON text → value, refusing duplicate object keys at any depth (so two parsers can never
/// disagree about what a signed token says).
fn parse_strict(bytes: &[u8]) -> Result<Value, String> {
    crate::limits::check_json(bytes, "the JSON")?;
    serde_json::from_slice::<StrictValue>(bytes)
        .map(|v| v.0)
        .map_err(|e| clip(&e.to_string()))
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
        Number::from_f64(v)
            .map(|n| StrictValue(Value::Number(n)))
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(StrictValue(Value::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key {:?}", clip(&key))));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(StrictValue(Value::Object(out)))
    }
}

/// A JWT NumericDate: a JSON number of seconds, truncated towards negative infinity.
fn numeric_date(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // `as` saturates for out-of-range values; JSON cannot express NaN.
    f.is_finite().then(|| f.floor() as i64)
}

fn str_claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_string)
}

/// `null`, `""`, `{}` and `[]` carry no error.
fn is_empty_claim(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A claim as text: strings as they are, anything else as compact JSON.
fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GPU-<n>` (decimal, no leading zero, at most 9 digits) → n.
fn gpu_index(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("GPU-")?;
    let ok = !digits.is_empty()
        && digits.len() <= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    if ok { digits.parse().ok() } else { None }
}

/// Numbered GPUs first, by number; other names after, by name.
fn gpu_sort_key(name: &str) -> (bool, u32, String) {
    match gpu_index(name) {
        Some(i) => (false, i, String::new()),
        None => (true, 0, name.to_string()),
    }
}

fn short_hex(digest: &[u8]) -> String {
    let h = hex::encode(digest);
    format!("{}…", h.get(..16).unwrap_or(&h))
}

/// At most [`CLIP`] characters of untrusted text, with control characters escaped.
fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(CLIP)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if s.chars().nth(CLIP).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    };
    use serde_json::json;

    const NOW: i64 = 1_717_200_000;
    const NONCE: [u8; 32] = [0x5a; 32];

    struct Signer {
        key: EcdsaKeyPair,
        rng: SystemRandom,
    }

    impl Signer {
        fn new() -> Self {
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
                .expect("generate");
            let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref())
                .expect("load");
            Signer { key, rng }
        }
        fn point(&self) -> Vec<u8> {
            self.key.public_key().as_ref().to_vec()
        }
        fn jwks(&self, kid: &str) -> Jwks {
            Jwks::pinned(kid, &self.point()).expect("pinned")
        }
        fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let sig = self.key.sign(&self.rng, input.as_bytes()).expect("sign");
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        }
        fn sign(&self, claims: &Value) -> String {
            self.sign_with_header(&json!({"kid": "k", "alg": "ES384"}), claims)
        }
    }

    fn gpu_claims(i: usize) -> Value {
        json!({
            "iss": NRAS_ISSUER, "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3590,
            "measres": "success", "secboot": true, "dbgstat": "disabled",
            "x-nvidia-gpu-arch-check": true,
            "x-nvidia-gpu-driver-version": "550.90.07",
            "x-nvidia-gpu-vbios-version": "96.00.9F.00.01",
            "hwmodel": "GH100 A01 GSP BROM", "ueid": format!("{}", 1000 + i),
            "eat_nonce": hex::encode(NONCE),
        })
    }

    fn overall_claims(tokens: &BTreeMap<String, String>) -> Value {
        let submods: Map<String, Value> = tokens
            .iter()
            .map(|(n, t)| {
                (
                    n.clone(),
                    json!([
                        "DIGEST",
                        ["SHA-256", hex::encode(crypto::sha256(t.as_bytes()))]
                    ]),
                )
            })
            .collect();
        json!({
            "sub": "NVIDIA-PLATFORM-ATTESTATION", "x-nvidia-ver": "3.0",
            "x-nvidia-overall-att-result": true, "eat_nonce": hex::encode(NONCE),
            "submods": submods, "iss": NRAS_ISSUER,
            "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 3590, "jti": "j",
        })
    }

    fn eat_bytes(overall: &str, tokens: &BTreeMap<String, String>) -> Vec<u8> {
        json!([["JWT", overall], tokens]).to_string().into_bytes()
    }

    /// A good EAT with `n` GPUs, letting `edit` change GPU claims before signing.
    fn build(s: &Signer, n: usize, edit: impl Fn(usize, &mut Value)) -> Vec<u8> {
        let tokens: BTreeMap<String, String> = (0..n)
            .map(|i| {
                let mut c = gpu_claims(i);
                edit(i, &mut c);
                (format!("GPU-{i}"), s.sign(&c))
            })
            .collect();
        eat_bytes(&s.sign(&overall_claims(&tokens)), &tokens)
    }

    fn kinds(r: &EatReport) -> Vec<&'static str> {
        r.failure_kinds()
            .into_iter()
            .map(FailureKind::as_str)
            .collect()
    }

    #[test]
    fn good_eat_passes_and_surfaces_claims() {
        let s = Signer::new();
        let r = verify_eat(&build(&s, 2, |_, _| {}), &s.jwks("k"), &NONCE, Some(2), NOW);
        assert!(r.passed(), "{:?}", r.failures());
        assert_eq!(r.gpus.len(), 2);
        let g = &r.gpus[1];
        assert_eq!(g.subject, "gpu1");
        assert_eq!(g.driver_version.as_deref(), Some("550.90.07"));
        assert_eq!(g.vbios_version.as_deref(), Some("96.00.9F.00.01"));
        assert_eq!(g.hwmodel.as_deref(), Some("GH100 A01 GSP BROM"));
        assert_eq!(g.ueid.as_deref(), Some("1001"));
        assert_eq!(r.overall.overall_att_result, Some(true));
        assert_eq!(r.overall.expires, Some(NOW + 3590));
        let checks = r.checks();
        assert_eq!(checks.len(), 3);
        assert!(
            checks
                .iter()
                .all(|c| c.id == CHECK_ID && c.status == CheckStatus::Pass)
        );
        assert_eq!(checks[0].subject, None);
        assert!(
            checks[0].detail.contains("eat_nonce matches"),
            "{}",
            checks[0].detail
        );
        assert!(checks[0].detail.contains("every SHA-256 digest matches"));
        assert!(
            checks[2].detail.contains("measres success"),
            "{}",
            checks[2].detail
        );
    }

    #[test]
    fn twelve_gpus_sort_numerically() {
        let s = Signer::new();
        let r = verify_eat(
            &build(&s, 12, |_, _| {}),
            &s.jwks("k"),
            &NONCE,
            Some(12),
            NOW,
        );
        assert!(r.passed(), "{:?}", r.failures());
        let subjects: Vec<String> = r
            .checks()
            .into_iter()
            .skip(1)
            .filter_map(|c| c.subject)
            .collect();
        let want: Vec<String> = (0..12).map(|i| format!("gpu{i}")).collect();
        assert_eq!(subjects, want);
    }

    #[test]
    fn gpu_appraisal_claims_are_enforced() {
        let s = Signer::new();
        let cases: [(&str, Value, &str); 5] = [
            ("secboot", json!(false), "secboot"),
            ("dbgstat", json!("enabled"), "dbgstat"),
            ("x-nvidia-gpu-arch-check", json!(false), "arch_check"),
            ("measres", json!(null), "measres"),
            (
                "x-nvidia-error-details",
                json!({"code": 3}),
                "error_details",
            ),
        ];
        for (claim, value, kind) in cases {
            let eat = build(&s, 2, |i, c| {
                if i == 1 {
                    c[claim] = value.clone();
                }
            });
            let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
            assert_eq!(kinds(&r), vec![kind], "{claim}");
            assert!(r.overall.failures.is_empty() && r.gpus[0].failures.is_empty());
            let checks = r.checks();
            assert_eq!(checks[2].status, CheckStatus::Fail);
            assert!(checks[2].detail.contains(claim), "{}", checks[2].detail);
        }
        // A missing claim is as bad as a wrong one.
        let eat = build(&s, 1, |_, c| {
            c.as_object_mut().map(|o| o.remove("secboot"));
        });
        let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["secboot"]);
        // ...but an empty error-details claim is no error.
        let eat = build(&s, 1, |_, c| c["x-nvidia-error-details"] = json!(""));
        assert!(verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW).passed());
    }

    #[test]
    fn error_details_are_surfaced() {
        let s = Signer::new();
        let eat = build(&s, 1, |_, c| {
            c["x-nvidia-error-details"] = json!("OCSP down")
        });
        let r = verify_eat(&eat, &s.jwks("k"), &NONCE, None, NOW);
        assert_eq!(r.gpus[0].error_details.as_deref(), Some("OCSP down"));
        assert!(!r.passed());
    }

    #[test]
    fn gpu_count_and_empty_eat() {
        let s = Signer::new();
        let eat = build(&s, 3, |_, _| {});
        let r = verify_eat(&eat, &s.jwks("k"), &NONCE, Some(4), NOW);
        assert_eq!(kinds(&r), vec!["gpu_count"]);
        let r = verify_eat(&build(&s, 0, |_, _| {}), &s.jwks("k"), &NONCE, None, NOW);
        assert!(!r.passed());
        assert_eq!(kinds(&r), vec!["format"]);
    }

    #[test]
    fn time_edges_and_leeway() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        let eat = build(&s, 1, |_, _| {});
        // exp = NOW + 3590: still fine within the leeway, expired at exp + leeway.
        let exp = NOW + 3590;
        assert!(verify_eat(&eat, &jwks, &NONCE, None, exp + DEFAULT_LEEWAY_SECS - 1).passed());
        let r = verify_eat(&eat, &jwks, &NONCE, None, exp + DEFAULT_LEEWAY_SECS);
        assert_eq!(kinds(&r), vec!["expired"]);
        // nbf = NOW - 10.
        assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW - 10 - DEFAULT_LEEWAY_SECS).passed());
        let r = verify_eat(&eat, &jwks, &NONCE, None, NOW - 11 - DEFAULT_LEEWAY_SECS);
        assert_eq!(kinds(&r), vec!["not_yet_valid"]);
        // A stricter policy.
        let strict = EatPolicy {
            leeway_secs: 0,
            ..EatPolicy::default()
        };
        let r = verify_eat_with(&eat, &jwks, &NONCE, None, exp, &strict);
        assert_eq!(kinds(&r), vec!["expired"]);
        // Extreme times never overflow.
        for now in [i64::MIN, i64::MAX] {
            assert!(!verify_eat(&eat, &jwks, &NONCE, None, now).passed());
        }
    }

    #[test]
    fn overall_claims_required() {
        let s = Signer::new();
        let tokens: BTreeMap<String, String> =
            [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
        for (claim, kind) in [
            ("exp", "claims"),
            ("iss", "issuer"),
            ("eat_nonce", "nonce"),
            ("submods", "submods"),
            ("x-nvidia-overall-att-result", "overall_result"),
        ] {
            let mut c = overall_claims(&tokens);
            c.as_object_mut().map(|o| o.remove(claim));
            let r = verify_eat(
                &eat_bytes(&s.sign(&c), &tokens),
                &s.jwks("k"),
                &NONCE,
                None,
                NOW,
            );
            assert!(
                r.failure_kinds().iter().any(|k| k.as_str() == kind),
                "{claim}: {:?}",
                r.failures()
            );
            assert!(!r.passed());
        }
        // Wrong types.
        let mut c = overall_claims(&tokens);
        c["exp"] = json!("tomorrow");
        c["x-nvidia-overall-att-result"] = json!("true");
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert_eq!(kinds(&r), vec!["claims", "overall_result"]);
        // Another issuer.
        let mut c = overall_claims(&tokens);
        c["iss"] = json!("https://nras.example");
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert_eq!(kinds(&r), vec!["issuer"]);
        // ...accepted when the policy says so.
        let p = EatPolicy {
            issuer: "https://nras.example".into(),
            ..EatPolicy::default()
        };
        let r = verify_eat_with(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
            &p,
        );
        // The GPU token still says the NVIDIA issuer.
        assert_eq!(kinds(&r), vec!["issuer"]);
        assert!(r.overall.failures.is_empty());
        // Float NumericDates are accepted.
        let mut c = overall_claims(&tokens);
        c["exp"] = json!((NOW + 100) as f64 + 0.5);
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert!(r.passed(), "{:?}", r.failures());
    }

    #[test]
    fn malformed_submods_entries() {
        let s = Signer::new();
        let tokens: BTreeMap<String, String> =
            [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
        let good = hex::encode(crypto::sha256(tokens["GPU-0"].as_bytes()));
        for entry in [
            json!(["DIGEST", ["SHA256", good]]),
            json!(["DIGEST", ["SHA-384", good]]),
            json!(["HASH", ["SHA-256", good]]),
            json!(["DIGEST", ["SHA-256", good, "x"]]),
            json!(["DIGEST", ["SHA-256", &good[..62]]]),
            json!(good),
            json!({"DIGEST": good}),
        ] {
            let mut c = overall_claims(&tokens);
            c["submods"]["GPU-0"] = entry.clone();
            let r = verify_eat(
                &eat_bytes(&s.sign(&c), &tokens),
                &s.jwks("k"),
                &NONCE,
                None,
                NOW,
            );
            assert_eq!(kinds(&r), vec!["submods"], "{entry}");
        }
        // Upper-case hex is the same digest.
        let mut c = overall_claims(&tokens);
        c["submods"]["GPU-0"] = json!(["DIGEST", ["SHA-256", good.to_uppercase()]]);
        let r = verify_eat(
            &eat_bytes(&s.sign(&c), &tokens),
            &s.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert!(r.passed());
    }

    #[test]
    fn strict_jws_parsing() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        let tokens: BTreeMap<String, String> =
            [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
        let overall = s.sign(&overall_claims(&tokens));
        let check = |tok: &str, kind: &str| {
            let r = verify_eat(&eat_bytes(tok, &tokens), &jwks, &NONCE, None, NOW);
            assert!(
                r.overall.failures.iter().any(|f| f.kind.as_str() == kind),
                "{tok}: {:?}",
                r.overall.failures
            );
        };
        let parts: Vec<&str> = overall.split('.').collect();
        check(&format!("{}.{}", parts[0], parts[1]), "jws");
        check(&format!("{overall}.x"), "jws");
        check(&format!("{overall}="), "jws");
        check(&format!(" {overall}"), "jws");
        check(&format!("{}.{}.{}A", parts[0], parts[1], parts[2]), "jws");
        check(&format!(".{}.{}", parts[1], parts[2]), "jws");
        // A changed signature character (96 bytes use all 128 characters' bits).
        let mut sig = parts[2].to_string();
        let last = sig.pop().unwrap_or('A');
        sig.push(if last == 'A' { 'B' } else { 'A' });
        check(&format!("{}.{}.{sig}", parts[0], parts[1]), "signature");
        // Non-canonical base64url: the 25-byte header's last character carries 4 unused bits;
        // setting one decodes to the same bytes in lax decoders, and is refused here.
        assert_eq!(parts[0].len() % 4, 2);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut head = parts[0].as_bytes().to_vec();
        let last = head.pop().unwrap_or(b'A');
        let pos = alphabet.iter().position(|c| *c == last).unwrap_or(0);
        head.push(alphabet[pos ^ 1]);
        let head = String::from_utf8(head).unwrap_or_default();
        check(&format!("{head}.{}.{}", parts[1], parts[2]), "jws");
        // Duplicate claim keys, crit, missing/odd header values.
        let body = r#"{"eat_nonce":"00","eat_nonce":"00"}"#;
        check(
            &format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(body), parts[2]),
            "jws",
        );
        for (header, kind) in [
            (json!({"kid": "k", "alg": "ES384", "crit": ["b64"]}), "jws"),
            (json!({"alg": "ES384"}), "kid"),
            (json!({"kid": 7, "alg": "ES384"}), "kid"),
            (json!({"kid": "k"}), "alg"),
            (json!({"kid": "k", "alg": "es384"}), "alg"),
            (json!({"kid": "k", "alg": "ES256"}), "alg"),
            (
                json!({"kid": "k", "alg": "ES384", "jwk": {"kty": "EC"}}),
                "",
            ),
        ] {
            let tok = s.sign_with_header(&header, &overall_claims(&tokens));
            if kind.is_empty() {
                let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
                assert!(r.passed(), "{header}");
            } else {
                check(&tok, kind);
            }
        }
    }

    #[test]
    fn der_signature_is_refused() {
        let s = Signer::new();
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, &rng).expect("gen");
        let der_key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8.as_ref()).expect("k");
        let jwks = Jwks::pinned("k", der_key.public_key().as_ref()).expect("pin");
        let tokens: BTreeMap<String, String> =
            [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
        let header = URL_SAFE_NO_PAD.encode(json!({"kid": "k", "alg": "ES384"}).to_string());
        let input = format!(
            "{header}.{}",
            URL_SAFE_NO_PAD.encode(overall_claims(&tokens).to_string())
        );
        let sig = der_key.sign(&rng, input.as_bytes()).expect("sign");
        let tok = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
        let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
        let f = r
            .overall
            .failures
            .iter()
            .find(|f| f.kind == FailureKind::Signature)
            .expect("signature failure");
        assert!(f.detail.contains("DER"), "{}", f.detail);
    }

    #[test]
    fn detached_shape_is_strict() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        let eat = build(&s, 1, |_, _| {});
        let v: Value = serde_json::from_slice(&eat).expect("json");
        let overall = v[0][1].as_str().expect("str").to_string();
        let gpu = v[1]["GPU-0"].as_str().expect("str").to_string();
        for bad in [
            json!({}),
            json!([]),
            json!([["JWT", overall]]),
            json!([["JWT", overall], {"GPU-0": gpu}, {}]),
            json!([["JWS", overall], {"GPU-0": gpu}]),
            json!([["JWT", overall, 1], {"GPU-0": gpu}]),
            json!([[overall], {"GPU-0": gpu}]),
            json!([["JWT", overall], [gpu]]),
            json!([["JWT", overall], {"GPU-0": 1}]),
        ] {
            let r = verify_eat(bad.to_string().as_bytes(), &jwks, &NONCE, None, NOW);
            assert_eq!(kinds(&r), vec!["format"], "{bad}");
            assert_eq!(r.checks().len(), 1);
            assert_eq!(r.checks()[0].status, CheckStatus::Fail);
        }
        // Duplicate GPU names.
        let dup = format!(r#"[["JWT","{overall}"],{{"GPU-0":"{gpu}","GPU-0":"{gpu}"}}]"#);
        let r = verify_eat(dup.as_bytes(), &jwks, &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["format"]);
        // Oversized input.
        let mut big = eat.clone();
        big.resize(MAX_EAT_LEN + 1, b' ');
        let r = verify_eat(&big, &jwks, &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["size"]);
        // Too many GPUs.
        let many: Map<String, Value> = (0..=MAX_GPUS)
            .map(|i| (format!("GPU-{i}"), Value::String(gpu.clone())))
            .collect();
        let r = verify_eat(
            json!([["JWT", overall], many]).to_string().as_bytes(),
            &jwks,
            &NONCE,
            None,
            NOW,
        );
        assert_eq!(kinds(&r), vec!["format"]);
    }

    #[test]
    fn odd_gpu_names() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        for name in ["GPU-01", "gpu-0", "GPU-", "GPU-x", "GPU-1234567890"] {
            let tokens: BTreeMap<String, String> =
                [(name.to_string(), s.sign(&gpu_claims(0)))].into();
            let eat = eat_bytes(&s.sign(&overall_claims(&tokens)), &tokens);
            let r = verify_eat(&eat, &jwks, &NONCE, None, NOW);
            assert_eq!(kinds(&r), vec!["format"], "{name}");
            assert_eq!(r.gpus[0].subject, name);
        }
        assert_eq!(gpu_index("GPU-10"), Some(10));
        assert_eq!(gpu_index("GPU-0"), Some(0));
    }

    #[test]
    fn nonce_comparison() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        let eat = build(&s, 1, |_, c| {
            c["eat_nonce"] = json!(hex::encode(NONCE).to_uppercase());
        });
        assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW).passed());
        let eat = build(&s, 1, |_, c| {
            c.as_object_mut().map(|o| o.remove("eat_nonce"));
        });
        assert!(verify_eat(&eat, &jwks, &NONCE, None, NOW).passed());
        let eat = build(&s, 1, |_, c| c["eat_nonce"] = json!("00"));
        let r = verify_eat(&eat, &jwks, &NONCE, None, NOW);
        assert_eq!(kinds(&r), vec!["nonce"]);
        assert!(r.overall.failures.is_empty());
        let r = verify_eat(&build(&s, 1, |_, _| {}), &jwks, &[0u8; 32], None, NOW);
        assert_eq!(kinds(&r), vec!["nonce"]);
        assert!(!r.overall.failures.is_empty());
    }

    fn b64u(b: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(b)
    }

    #[test]
    fn jwks_parsing() {
        let s = Signer::new();
        let p = s.point();
        let (x, y) = (b64u(&p[1..49]), b64u(&p[49..]));
        let ok = json!({"keys": [
            {"kty": "EC", "crv": "P-384", "kid": "a", "x": x, "y": y, "alg": "ES384", "use": "sig"},
            {"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-256", "kid": "p256", "x": x, "y": y},
            {"kty": "EC", "crv": "P-384", "kid": "bad", "x": x, "y": b64u(&[1u8; 48])},
            {"kty": "EC", "crv": "P-384", "kid": "hs", "alg": "HS256", "x": x, "y": y},
            {"kty": "EC", "crv": "P-384", "kid": "pad", "x": format!("{x}="), "y": y},
            {"kty": "EC", "crv": "P-384", "kid": "dup", "x": x, "y": y},
            {"kty": "EC", "crv": "P-384", "kid": "dup", "x": x, "y": y},
            {"kty": "EC", "crv": "P-384", "x": x, "y": y},
        ]});
        let jwks = Jwks::from_json(ok.to_string().as_bytes()).expect("jwks");
        assert_eq!(jwks.keys().len(), 1);
        assert_eq!(jwks.keys()[0].point, p);
        assert!(jwks.select("a").is_ok());
        for kid in ["r", "p256", "bad", "hs", "pad", "dup"] {
            let e = jwks.select(kid).expect_err(kid);
            assert!(e.contains("unusable"), "{kid}: {e}");
        }
        assert!(jwks.select("zzz").expect_err("zzz").contains("no JWKS key"));
        // Whole-document errors.
        assert!(matches!(
            Jwks::from_json(b"[]"),
            Err(JwksError::Malformed(_))
        ));
        assert!(matches!(
            Jwks::from_json(br#"{"keys":[]}"#),
            Err(JwksError::NoUsableKey(_))
        ));
        assert!(matches!(
            Jwks::from_json(br#"{"keys":[{"kty":"RSA","kid":"r"}]}"#),
            Err(JwksError::NoUsableKey(_))
        ));
        assert!(matches!(
            Jwks::from_json(&vec![b' '; MAX_JWKS_LEN + 1]),
            Err(JwksError::TooLarge(_))
        ));
        // A token naming an unusable key fails with kind `key`.
        let tokens: BTreeMap<String, String> =
            [("GPU-0".to_string(), s.sign(&gpu_claims(0)))].into();
        let tok = s.sign_with_header(
            &json!({"kid": "bad", "alg": "ES384"}),
            &overall_claims(&tokens),
        );
        let r = verify_eat(&eat_bytes(&tok, &tokens), &jwks, &NONCE, None, NOW);
        assert!(
            r.overall
                .failures
                .iter()
                .any(|f| f.kind == FailureKind::Key)
        );
    }

    #[test]
    fn pinned_keys() {
        let s = Signer::new();
        let p = s.point();
        // SPKI DER of a P-384 key: fixed 23-byte prefix + the point.
        let mut spki = hex::decode("3076301006072a8648ce3d020106052b81040022036200").expect("hex");
        spki.extend_from_slice(&p);
        let jwks = Jwks::pinned("k", &spki).expect("spki");
        assert_eq!(jwks.keys()[0].point, p);
        assert!(verify_eat(&build(&s, 1, |_, _| {}), &jwks, &NONCE, None, NOW).passed());
        assert!(Jwks::pinned("", &p).is_err());
        assert!(Jwks::pinned("k", &p[..96]).is_err());
        let mut off = p.clone();
        off[96] ^= 1;
        assert!(Jwks::pinned("k", &off).is_err());
        spki.push(0);
        assert!(Jwks::pinned("k", &spki).is_err());
        // Another key never verifies.
        let other = Signer::new();
        let r = verify_eat(
            &build(&s, 1, |_, _| {}),
            &other.jwks("k"),
            &NONCE,
            None,
            NOW,
        );
        assert_eq!(kinds(&r), vec!["signature"]);
    }

    #[test]
    fn never_panics_on_mutations() {
        let s = Signer::new();
        let jwks = s.jwks("k");
        let eat = build(&s, 2, |_, _| {});
        // Truncations and single-byte changes all over the EAT.
        let step = (eat.len() / 300).max(1);
        for i in (0..eat.len()).step_by(step) {
            let r = verify_eat(&eat[..i], &jwks, &NONCE, None, NOW);
            assert!(!r.passed());
            let _ = r.checks();
            for b in [b'"', b'A', 0xff, b'.', b'\\'] {
                let mut m = eat.clone();
                if m[i] == b {
                    continue;
                }
                m[i] = b;
                let r = verify_eat(&m, &jwks, &NONCE, None, NOW);
                let _ = r.checks();
            }
        }
        // Deep nesting is refused by the JSON parser, not the stack.
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(!verify_eat(deep.as_bytes(), &jwks, &NONCE, None, NOW).passed());
        for junk in [&b""[..], b"null", b"\xff\xfe", b"[[\"JWT\",\"a.b.c\"],{}]"] {
            let r = verify_eat(junk, &jwks, &NONCE, None, NOW);
            assert!(!r.passed());
            assert!(!r.checks().is_empty());
        }
        for junk in [
            &b""[..],
            b"{",
            b"{\"keys\":{}}",
            b"{\"keys\":[1,\"x\",null]}",
        ] {
            assert!(Jwks::from_json(junk).is_err());
        }
    }

    #[test]
    fn clip_is_char_safe() {
        let long = "é".repeat(500);
        let c = clip(&long);
        assert_eq!(c.chars().count(), CLIP + 1);
        assert_eq!(clip("a\nb"), "a\\nb");
    }

    #[test]
    fn verdict_from_eat_over_the_fixtures() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/gpu/nras/");
        let read = |n: &str| std::fs::read(format!("{dir}{n}")).unwrap();
        let index: Value = serde_json::from_slice(&read("index.json")).unwrap();
        let jwks = Jwks::from_json(&read("jwks.json")).unwrap();
        let now = index["now"].as_i64().unwrap();
        let mut nonce = [0u8; 32];
        hex::decode_to_slice(index["nonce"].as_str().unwrap(), &mut nonce).unwrap();
        for v in index["vectors"].as_array().unwrap() {
            let file = v["file"].as_str().unwrap();
            let expected = v["expected_gpus"].as_u64().map(|n| n as usize);
            let verdict = verdict_from_eat(&read(file), &jwks, &nonce, expected, now);
            assert_eq!(verdict.verified, v["verified"].as_bool().unwrap(), "{file}");
            assert!(verdict.checks.iter().all(|c| c.id == CHECK_ID), "{file}");
            assert_eq!(
                verdict.checks.len(),
                1 + v["gpus"].as_u64().unwrap() as usize,
                "{file}"
            );
            assert_eq!(verdict.facts["gpu.eat_nonce"], hex::encode(nonce));
            if verdict.verified {
                assert_eq!(verdict.facts["gpu.nras.kid"], "test-kid");
                assert_eq!(verdict.facts["gpu.nras.overall_att_result"], "true");
                assert_eq!(verdict.checks[1].subject.as_deref(), Some("gpu0"));
            }
        }
        // The wrong count, the wrong nonce, the wrong time: not verified.
        let good = read("good_1gpu.json");
        assert!(!verdict_from_eat(&good, &jwks, &nonce, Some(2), now).verified);
        assert!(!verdict_from_eat(&good, &jwks, &[0; 32], None, now).verified);
        assert!(!verdict_from_eat(&good, &jwks, &nonce, None, now + 86_400).verified);
        let junk = verdict_from_eat(b"[]", &jwks, &nonce, None, now);
        assert!(!junk.verified);
        assert_eq!(junk.checks[0].status, CheckStatus::Fail);
    }
}
