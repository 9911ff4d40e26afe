//! Check ids of GPU evidence verification. Stable API: never renamed or reused.
/// The `gpu` object has the expected shape; each entry's evidence and certificate decode.
pub const EVIDENCE_FORMAT: &str = "gpu.evidence_format";
/// The attestation report parses strictly as SPDM 1.1 with NVIDIA opaque data.
pub const REPORT_PARSE: &str = "gpu.report_parse";
/// The report's ECDSA P-384 signature verifies with the attestation (leaf) key.
pub const REPORT_SIGNATURE: &str = "gpu.report_signature";
/// The nonce inside the signed report equals the expected nonce.
pub const NONCE: &str = "gpu.nonce";
/// The device certificate chain leads to NVIDIA's pinned Device Identity root.
pub const CERT_CHAIN: &str = "gpu.cert_chain";
/// The report's firmware ID equals the FWID in the leaf certificate.
pub const FWID: &str = "gpu.fwid";
/// No certificate in the device or RIM chains is revoked (OCSP).
pub const OCSP: &str = "gpu.ocsp";
/// The driver RIM is NVIDIA-signed, well-formed, valid at the time and for this driver.
pub const DRIVER_RIM: &str = "gpu.driver_rim";
/// The VBIOS RIM is NVIDIA-signed, well-formed, valid at the time and for this VBIOS.
pub const VBIOS_RIM: &str = "gpu.vbios_rim";
/// Every active golden measurement of both RIMs matches the report.
pub const MEASUREMENTS: &str = "gpu.measurements";
/// The declared and certified architecture is the expected one (Hopper).
pub const ARCH: &str = "gpu.arch";
/// The number of attested GPUs is the expected one.
pub const COUNT: &str = "gpu.count";
/// The GPUs do not mix single- and multi-GPU protected modes (SPT with MPT).
pub const MODE: &str = "gpu.mode";
/// NVIDIA's remote attestation service (NRAS) appraised the evidence: its detached EAT is
/// signed by an NRAS key, fresh, for our nonce and every GPU, and says success.
pub const NRAS: &str = "gpu.nras";
