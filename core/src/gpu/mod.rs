//! NVIDIA Hopper (H100/H200) GPU evidence: the `gpu` object of an io.net attestation.
//!
//! Offline and pure: evidence bytes, the expected nonce, a policy, RIM and OCSP sources and the
//! verification time in; a [`crate::Verdict`] out. Nothing is trusted but NVIDIA's two pinned
//! roots ([`roots`]): not the evidence's own root, not the RIM source, not an OCSP cache.
//!
//! Most callers want [`verify_gpu`]; [`GpuVerifier`] gives full control (custom RIM and OCSP
//! sources, reuse across calls).
pub mod crypto;
pub mod ids;
pub mod nras;
pub mod ocsp;
pub mod pki;
pub mod policy;
pub mod report;
pub mod rim;
pub mod roots;
pub mod source;
mod verify;
pub mod xml;

pub use ocsp::{DirOcspSource, MemoryOcspSource, NoOcsp, OcspSource};
pub use policy::GpuPolicy;
pub use source::{
    ChainOcspSource, ChainRimSource, DirRimSource, MemoryRimSource, NoRims, RimSource,
};
pub use verify::{GpuEvidence, GpuVerifier, MAX_GPU_JSON, MAX_GPUS};

use crate::{Error, Nonce, Verdict};

/// Options for [`verify_gpu`]: where RIMs and cached OCSP responses are, the verification time
/// and the policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpuOptions {
    /// Directory of RIMs named by RIM id (`<id>`, `<id>.xml`, `<id>.swidtag`).
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    pub ocsp_dir: Option<String>,
    /// Verification time, Unix seconds. `None` = the system clock at the call.
    pub at: Option<i64>,
    /// The appraisal policy.
    pub policy: GpuPolicy,
}

impl GpuOptions {
    /// Options from a JSON object (the form the C ABI and the conformance vectors use). Keys,
    /// all optional: `rim_dir`, `ocsp_dir` (strings), `at` (RFC 3339 string or Unix seconds),
    /// `expected_count` (integer), `expected_arch` (string), `require_revocation`,
    /// `require_rims`, `allow_expired_rims`, `allow_hold_for_rims` (booleans). Unknown keys
    /// are refused so that a typo cannot silently weaken a policy.
    pub fn from_json(text: &str) -> Result<GpuOptions, Error> {
        use serde_json::Value;
        let bad = |m: String| Error::InvalidArgument(format!("GPU options: {m}"));
        let v: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            crate::limits::check_json(text.as_bytes(), "the options").map_err(bad)?;
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?
        };
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        let mut o = GpuOptions::default();
        for (k, val) in obj {
            let boolean = || {
                val.as_bool()
                    .ok_or_else(|| bad(format!("{k} must be a boolean")))
            };
            let string = || {
                val.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("{k} must be a string")))
            };
            match k.as_str() {
                "rim_dir" if val.is_null() => {}
                "ocsp_dir" if val.is_null() => {}
                "at" if val.is_null() => {}
                "expected_count" if val.is_null() => {}
                "rim_dir" => o.rim_dir = Some(string()?),
                "ocsp_dir" => o.ocsp_dir = Some(string()?),
                "at" => {
                    o.at = Some(match val {
                        Value::String(t) => pki::parse_time(t)
                            .ok_or_else(|| bad(format!("at {t:?} is not an RFC 3339 time")))?,
                        _ => val.as_i64().ok_or_else(|| {
                            bad("at must be RFC 3339 text or Unix seconds".into())
                        })?,
                    })
                }
                "expected_count" => {
                    o.policy.expected_count = Some(
                        val.as_u64()
                            .and_then(|n| usize::try_from(n).ok())
                            .ok_or_else(|| {
                                bad("expected_count must be a non-negative integer".into())
                            })?,
                    )
                }
                "expected_arch" => o.policy.expected_arch = string()?,
                "require_revocation" => o.policy.require_revocation = boolean()?,
                "require_rims" => o.policy.require_rims = boolean()?,
                "allow_expired_rims" => o.policy.allow_expired_rims = boolean()?,
                "allow_hold_for_rims" => o.policy.allow_hold_for_rims = boolean()?,
                other => return Err(bad(format!("unknown option {other:?}"))),
            }
        }
        Ok(o)
    }
}

/// Verifies an io.net `gpu` object (the JSON bytes of the attestation's `gpu` member) for the
/// nonce you sent (hex; normalised like the agent does, so 16-byte nonces work).
///
/// Errors only for unusable arguments (bad nonce, missing directory). Bad evidence is never an
/// error: it is a verdict with failed checks.
pub fn verify_gpu(
    gpu_json: &[u8],
    nonce_hex: &str,
    options: &GpuOptions,
) -> Result<Verdict, Error> {
    let nonce = Nonce::normalize(nonce_hex)?;
    let mut verifier = GpuVerifier::new(options.policy.clone());
    if let Some(dir) = &options.rim_dir {
        verifier = verifier.with_rims(DirRimSource::new(dir).map_err(Error::InvalidArgument)?);
    }
    if let Some(dir) = &options.ocsp_dir {
        verifier = verifier.with_ocsp(
            ocsp::DirOcspSource::new(dir)
                .map_err(|e| Error::InvalidArgument(format!("OCSP directory {dir}: {e}")))?,
        );
    }
    let now = options.at.unwrap_or_else(unix_now);
    Ok(verifier.verify_json(gpu_json, &nonce.0, now))
}

/// Forgets every process-wide cache (verified certificate links and RIMs). Verification
/// results never depend on the caches; this only frees memory or makes the next call "cold".
pub fn clear_caches() {
    pki::clear_link_cache();
    rim::clear_cache();
}

/// The system clock as Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
