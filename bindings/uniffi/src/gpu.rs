//! `verifyGpu`: NVIDIA GPU evidence (the `gpu` member of an io.net attestation), over
//! [`ccverify::gpu::verify_gpu`]. Only the options record is converted here; every rule is the
//! core's.

use std::time::SystemTime;

use crate::{CcverifyError, Verdict, core_time};

/// The GPU part of a `Policy` (and the policy of `verifyGpu`). Every field has a default; the
/// defaults are the core's: a relaxation turns the check it concerns into a visible warning.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpuPolicy {
    /// How many GPUs must be attested. Unset: not enforced, and `gpu.count` warns (io.net
    /// silently drops GPUs whose evidence it could not collect). Negative: `InvalidArgument`.
    #[uniffi(default = None)]
    pub expected_count: Option<i32>,
    /// The architecture the evidence must show (`HOPPER`, the only one supported).
    #[uniffi(default = "HOPPER")]
    pub expected_arch: String,
    /// Revocation must be proven by OCSP. When false, a certificate without an OCSP answer
    /// makes `gpu.ocsp` warn instead of skip.
    #[uniffi(default = true)]
    pub require_revocation: bool,
    /// RIMs, and so the measurement comparison, are required. When false, a RIM that cannot be
    /// found is a warning instead of a skip.
    #[uniffi(default = true)]
    pub require_rims: bool,
    /// Accept RIMs whose signer chain has expired at the verification time.
    #[uniffi(default = false)]
    pub allow_expired_rims: bool,
    /// Accept a RIM signer certificate that is on hold (OCSP `certificateHold`), for RIM chains
    /// only.
    #[uniffi(default = false)]
    pub allow_hold_for_rims: bool,
}

impl TryFrom<GpuPolicy> for ccverify::gpu::GpuPolicy {
    type Error = CcverifyError;

    /// Signed in Kotlin and Swift (no unsigned types on their surface): a negative count is
    /// `InvalidArgument`.
    fn try_from(p: GpuPolicy) -> Result<Self, CcverifyError> {
        let expected_count = p
            .expected_count
            .map(|n| {
                usize::try_from(n).map_err(|_| {
                    CcverifyError::from(ccverify::Error::InvalidArgument(format!(
                        "expectedCount must not be negative, not {n}"
                    )))
                })
            })
            .transpose()?;
        Ok(ccverify::gpu::GpuPolicy {
            expected_arch: p.expected_arch,
            expected_count,
            require_revocation: p.require_revocation,
            allow_hold_for_rims: p.allow_hold_for_rims,
            allow_expired_rims: p.allow_expired_rims,
            require_rims: p.require_rims,
        })
    }
}

impl From<ccverify::gpu::GpuPolicy> for GpuPolicy {
    fn from(p: ccverify::gpu::GpuPolicy) -> Self {
        GpuPolicy {
            expected_count: p
                .expected_count
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            expected_arch: p.expected_arch,
            require_revocation: p.require_revocation,
            require_rims: p.require_rims,
            allow_expired_rims: p.allow_expired_rims,
            allow_hold_for_rims: p.allow_hold_for_rims,
        }
    }
}

/// Options of `verifyGpu`: where the RIMs and cached OCSP responses are, the verification time
/// and the appraisal policy. Every field has a default (`GpuOptions()`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct GpuOptions {
    /// Directory of NVIDIA RIMs named by RIM id (`<id>`, `<id>.xml` or `<id>.swidtag`). Without
    /// it the RIM and measurement checks cannot run.
    #[uniffi(default = None)]
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    #[uniffi(default = None)]
    pub ocsp_dir: Option<String>,
    /// The verification time (Kotlin `Instant`, Swift `Date`; whole seconds count). Unset: the
    /// system clock at the call.
    #[uniffi(default = None)]
    pub at: Option<SystemTime>,
    /// The appraisal policy. Default: the core's.
    #[uniffi(default)]
    pub policy: GpuPolicy,
    /// The roots to trust. Unset (the default): the production roots. Anything else adds a
    /// `trust.anchors` warning to the verdict (see `Trust`).
    #[uniffi(default = None)]
    pub trust: Option<crate::report::Trust>,
}

impl TryFrom<GpuOptions> for ccverify::gpu::GpuOptions {
    type Error = CcverifyError;

    fn try_from(o: GpuOptions) -> Result<Self, CcverifyError> {
        Ok(ccverify::gpu::GpuOptions {
            rim_dir: o.rim_dir,
            ocsp_dir: o.ocsp_dir,
            at: o.at.map(core_time),
            trust: crate::report::Trust::into_core(o.trust)?,
            policy: o.policy.try_into()?,
        })
    }
}

/// Verifies an io.net `gpu` object — the JSON bytes of the attestation's `gpu` member, NVIDIA
/// Hopper evidence — for the nonce you sent with the attestation request (hex, normalised as
/// the agent does). Offline: RIMs and OCSP responses come only from the directories in
/// `options`. Per-GPU checks carry a `subject` (`gpu0`, `gpu1`, …).
///
/// Bad evidence is never an error: it is a failed check. Errors: `InvalidNonce` for a nonce the
/// agent would refuse, `InvalidArgument` for a `rimDir` / `ocspDir` that is not a readable
/// directory.
#[uniffi::export(default(options))]
pub fn verify_gpu(
    gpu_json: Vec<u8>,
    nonce: String,
    options: GpuOptions,
) -> Result<Verdict, CcverifyError> {
    let options = ccverify::gpu::GpuOptions::try_from(options)?;
    Ok(ccverify::gpu::verify_gpu(&gpu_json, &nonce, &options)?.into())
}

/// `verifyGpu` with the options as JSON text in the shared document form (snake_case keys, as
/// in the C ABI and the conformance vectors: `rim_dir`, `at`, `expected_count`, …; unknown
/// keys are an `InvalidArgument` error). For options kept in files or configuration.
#[uniffi::export]
pub fn verify_gpu_json(
    gpu_json: Vec<u8>,
    nonce: String,
    options_json: String,
) -> Result<Verdict, CcverifyError> {
    let options = <ccverify::gpu::GpuOptions as ccverify::Options>::from_json(&options_json)?;
    Ok(ccverify::gpu::verify_gpu(&gpu_json, &nonce, &options)?.into())
}

#[cfg(test)]
mod tests {
    use super::{GpuOptions, GpuPolicy};

    /// `GpuOptions()` in Kotlin and Swift: must repeat the `#[uniffi(default)]` attributes.
    fn foreign_default() -> GpuOptions {
        GpuOptions {
            rim_dir: None,
            ocsp_dir: None,
            at: None,
            policy: GpuPolicy {
                expected_count: None,
                expected_arch: "HOPPER".into(),
                require_revocation: true,
                require_rims: true,
                allow_expired_rims: false,
                allow_hold_for_rims: false,
            },
            trust: None,
        }
    }

    #[test]
    fn record_defaults_are_the_core_defaults() {
        assert_eq!(
            ccverify::gpu::GpuOptions::try_from(foreign_default()).unwrap(),
            ccverify::gpu::GpuOptions::default()
        );
        assert_eq!(
            GpuPolicy::from(ccverify::gpu::GpuPolicy::default()),
            foreign_default().policy
        );
    }

    #[test]
    fn a_negative_count_is_an_invalid_argument() {
        let mut options = foreign_default();
        options.policy.expected_count = Some(-1);
        let e = ccverify::gpu::GpuOptions::try_from(options).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
    }
}
