//! What a relying party accepts for GPU evidence. Defaults are strict: anything not proven
//! (revocation not checked, RIMs not available, RIM signer expired) keeps the verdict from
//! being `verified`, and each relaxation turns that check into a visible `warn`.

/// GPU appraisal policy. Its JSON/TOML form has exactly these keys (unknown keys are refused),
/// each optional: a missing key keeps the default.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GpuPolicy {
    /// The architecture the `gpu.arch` field and the device certificates must show
    /// (default `HOPPER`; the only one supported).
    pub expected_arch: String,
    /// How many GPUs must be attested. `None` (default) reports the count as a warning,
    /// because io.net silently drops GPUs whose evidence it could not collect.
    pub expected_count: Option<usize>,
    /// Revocation must be proven (default true). When false, certificates with no OCSP answer
    /// give `gpu.ocsp` = warn instead of skip.
    pub require_revocation: bool,
    /// RIMs (and therefore the measurement comparison) are required (default true). When
    /// false, a RIM that cannot be found gives a warning instead of a skip.
    pub require_rims: bool,
    /// Accept RIMs whose signer chain has expired at the verification time (signature and
    /// chain otherwise valid). Default false; NVIDIA's RIM signer certificates last two years.
    pub allow_expired_rims: bool,
    /// Accept a RIM signer chain certificate that is on hold (OCSP revoked with reason
    /// certificateHold) — as NVIDIA's `--allow_hold_cert` does, but only for RIM chains.
    /// Default false.
    pub allow_hold_for_rims: bool,
}

impl GpuPolicy {
    /// What the types cannot say: an expected count is at most [`super::MAX_GPUS`] (the most
    /// evidence entries a verification reads), so that it can be met.
    pub fn validate(&self) -> Result<(), crate::Error> {
        match self.expected_count {
            Some(n) if n > super::MAX_GPUS => Err(crate::Error::InvalidArgument(format!(
                "GPU policy: expected_count {n} is more than the {} GPUs a verification reads",
                super::MAX_GPUS
            ))),
            _ => Ok(()),
        }
    }
}

impl Default for GpuPolicy {
    fn default() -> Self {
        GpuPolicy {
            expected_arch: "HOPPER".into(),
            expected_count: None,
            require_revocation: true,
            allow_hold_for_rims: false,
            allow_expired_rims: false,
            require_rims: true,
        }
    }
}
