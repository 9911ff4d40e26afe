//! Check ids of TDX quote verification. Stable API: never renamed or reused.

/// The quote is a well-formed TDX quote (v4 or v5, TD report body, ECDSA P-256 key).
pub const QUOTE_PARSE: &str = "tdx.quote_parse";
/// The quote's PCK chain (exactly leaf, CA and the trusted root), the QE and its report, and the
/// quote signature verify to Intel's SGX Root CA.
pub const QUOTE_SIGNATURE: &str = "tdx.quote_signature";
/// The collateral (TCB Info, QE Identity, CRLs) is Intel-signed, current and young enough.
pub const COLLATERAL: &str = "tdx.collateral";
/// A TCB level matches the platform, its status is one the policy accepts, and the FMSPC and
/// TEE_TCB_SVN meet the policy.
pub const TCB_STATUS: &str = "tdx.tcb_status";
/// The TD attributes allow no debugging and match the policy, as do MRSIGNERSEAM and
/// SEAMATTRIBUTES.
pub const TD_ATTRIBUTES: &str = "tdx.td_attributes";
/// MRTD, RTMR0–3, XFAM, MRSEAM, MRCONFIGID, MROWNER and MROWNERCONFIG are in the policy's
/// allowlists.
pub const MEASUREMENTS: &str = "tdx.measurements";
/// REPORTDATA binds the quote to the caller's nonce (or the expected 64 bytes).
pub const REPORT_DATA: &str = "tdx.report_data";
