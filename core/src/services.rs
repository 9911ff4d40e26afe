//! The public services a verification may take inputs from, by their default addresses. Only
//! names: the pure verifier never contacts them; the `ccverify-net` crate and the CLI fetch from them
//! (each address can be overridden).

/// NVIDIA's RIM service (section 5.1 of the GPU spec); RIMs are at `{base}/v1/rim/{id}`.
pub const RIM_SERVICE_URL: &str = "https://rim.attestation.nvidia.com";

/// NVIDIA's OCSP responder, used for certificates without an OCSP URL of their own.
pub const NVIDIA_OCSP_URL: &str = "https://ocsp.ndis.nvidia.com/";

/// NRAS's GPU attestation endpoint (API v4).
pub const NRAS_URL: &str = "https://nras.attestation.nvidia.com/v4/attest/gpu";

/// Where NRAS publishes its token-signing keys.
pub const NRAS_JWKS_URL: &str = crate::gpu::nras::NRAS_JWKS_URL;

/// Intel's Provisioning Certification Service (PCS); the v4 API is under this base.
pub const INTEL_PCS_URL: &str = "https://api.trustedservices.intel.com";
