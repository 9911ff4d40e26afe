//! NVIDIA Hopper (H100/H200) GPU evidence: the `gpu` object of an io.net attestation.
//!
//! Offline and pure: evidence bytes, the expected nonce, a policy, RIM and OCSP sources and the
//! verification time in; a [`crate::Verdict`] out. Nothing is trusted but NVIDIA's two pinned
//! roots ([`roots`]): not the evidence's own root, not the RIM source, not an OCSP cache.
//!
//! Most callers want [`verify_gpu`]; [`GpuVerifier`] gives full control (custom RIM and OCSP
//! sources, reuse across calls).
pub mod ids;
pub mod nras;
pub mod ocsp;
pub mod policy;
pub mod report;
pub mod rim;
pub mod roots;
pub mod source;
mod verify;

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
    /// Verification time. `None` = the system clock at the call.
    pub at: Option<crate::time::Time>,
    /// The appraisal policy.
    pub policy: GpuPolicy,
    /// The roots trusted (default: NVIDIA's production roots; see [`crate::trust`]).
    pub trust: crate::trust::Trust,
}

/// The document form: the option keys `rim_dir`, `ocsp_dir` (strings), `at` (RFC 3339 text or
/// Unix seconds), `trust` (`"production"`, `"test"` or an anchor file's path), and every [`GpuPolicy`] key (`expected_count`, `expected_arch`,
/// `require_revocation`, `require_rims`, `allow_expired_rims`, `allow_hold_for_rims`) beside
/// them. All optional; `null` means "not set"; unknown keys are refused so that a typo cannot
/// silently weaken a policy.
impl crate::Options for GpuOptions {
    const WHAT: &'static str = "GPU options";

    fn from_value(value: serde_json::Value) -> Result<Self, Error> {
        use crate::options::{field, from_value, object_of};
        let mut obj = object_of(value, Self::WHAT)?;
        let options = GpuOptions {
            rim_dir: field(&mut obj, "rim_dir", Self::WHAT)?,
            ocsp_dir: field(&mut obj, "ocsp_dir", Self::WHAT)?,
            at: field(&mut obj, "at", Self::WHAT)?,
            trust: field(&mut obj, "trust", Self::WHAT)?.unwrap_or_default(),
            policy: from_value(serde_json::Value::Object(obj), Self::WHAT)?,
        };
        options.policy.validate()?;
        Ok(options)
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
    options.policy.validate()?;
    let nonce = Nonce::normalize(nonce_hex)?;
    let mut verifier = GpuVerifier::new(options.policy.clone()).with_trust(options.trust.clone());
    if let Some(dir) = &options.rim_dir {
        verifier = verifier.with_rims(DirRimSource::new(dir).map_err(Error::InvalidArgument)?);
    }
    if let Some(dir) = &options.ocsp_dir {
        verifier = verifier.with_ocsp(
            ocsp::DirOcspSource::new(dir)
                .map_err(|e| Error::InvalidArgument(format!("OCSP directory {dir}: {e}")))?,
        );
    }
    let now = options.at.unwrap_or_else(crate::time::Time::now).unix();
    Ok(verifier.verify_json(gpu_json, &nonce.0, now))
}

/// Forgets every process-wide cache (verified certificate links and RIMs). Verification
/// results never depend on the caches; this only frees memory or makes the next call "cold".
pub fn clear_caches() {
    crate::x509::clear_link_cache();
    rim::clear_cache();
}
