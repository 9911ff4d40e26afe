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

mod claims;
mod jwks;
mod jws;
pub(crate) use jws::parse_strict;
mod verify;

use claims::*;
pub use jwks::*;
use jws::*;
pub use verify::*;

#[cfg(test)]
mod tests;
