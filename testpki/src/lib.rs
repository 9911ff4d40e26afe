//! # ccverify's TEST PKI — proves nothing about real hardware
//!
//! NVIDIA- and Intel-shaped hierarchies whose private keys are derived from their public
//! names (see [`keys`]), so anyone can sign with them: certificates, RIMs, OCSP answers,
//! collateral, GPU measurement reports and TDX quotes made here verify only when a caller
//! explicitly selects the test roots (`trust = "test"`), and every verdict then says
//! "TEST ROOTS".
//!
//! Everything is deterministic: the same keys, certificates and RIMs on every build;
//! time-dependent answers (collateral, CRLs, OCSP) are a function of the time asked for.
//! `cargo run -p ccverify-testpki --bin gen-test-pki` writes the public roots ccverify
//! compiles in (`core/src/testroots/`) and the fixtures of the shared vectors.

#![forbid(unsafe_code)]

pub mod der;
pub mod intel;
pub mod keys;
pub mod nvidia;
pub mod ocsp;
pub mod x509;

use std::sync::OnceLock;

pub use intel::{Intel, TdChanges};
pub use nvidia::Nvidia;

/// Both hierarchies.
#[derive(Debug)]
pub struct TestPki {
    /// The NVIDIA side.
    pub nvidia: Nvidia,
    /// The Intel side.
    pub intel: Intel,
}

/// The test PKI (built once per process).
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki {
        nvidia: Nvidia::new(),
        intel: Intel::new(),
    })
}

/// io.net's REPORTDATA: the nonce followed by 32 zero bytes (no key bound).
pub fn report_data_unbound(nonce: &[u8; 32]) -> [u8; 64] {
    let mut rd = [0u8; 64];
    rd[..32].copy_from_slice(nonce);
    rd
}

/// The dstack layout that binds a signing key: the 20-byte address, right-padded with zeros
/// to 32 bytes, then the nonce.
pub fn report_data_bound(address: &[u8; 20], nonce: &[u8; 32]) -> [u8; 64] {
    let mut rd = [0u8; 64];
    rd[..20].copy_from_slice(address);
    rd[32..].copy_from_slice(nonce);
    rd
}

impl TestPki {
    /// A whole io.net attestation document for `nonce`: `gpus` fresh GPU reports, a TDX quote
    /// with `report_data`, and the given signing address and image digest.
    pub fn attestation(
        &self,
        nonce: &[u8; 32],
        gpu_nonces: &[[u8; 32]],
        report_data: &[u8; 64],
        td: &TdChanges,
        signing_address: &str,
        image_digest: &str,
    ) -> serde_json::Value {
        serde_json::json!({
            "nonce": hex::encode(nonce),
            "gpu": self.nvidia.gpu_object(nonce, gpu_nonces),
            "cpu": {"quote": hex::encode(self.intel.quote(report_data, td))},
            "signing_address": signing_address,
            "image_digest": image_digest,
        })
    }
}

/// The public roots ccverify compiles in for `trust = "test"`: (file name, PEM).
pub fn root_files() -> Vec<(&'static str, String)> {
    let p = pki();
    vec![
        ("nvidia_device_root.pem", p.nvidia.device_root.pem()),
        ("nvidia_rim_root.pem", p.nvidia.rim_root.pem()),
        ("intel_root.pem", p.intel.root.pem()),
    ]
}

/// When the TDX conformance vectors' collateral was issued (2026-06-01T00:00:00Z); they are
/// verified one day later.
pub const TDX_VECTORS_ISSUED: i64 = 1_780_272_000;

/// The synthetic TDX conformance inputs under the test root (`tests/vectors/tdx/testpki/`):
/// (file name, bytes). Deterministic, like everything here.
///
/// * `collateral.json` — issued at [`TDX_VECTORS_ISSUED`];
/// * `collateral-qe-below-minimum.json` — the same with the QE Identity requiring QE ISVSVN
///   200 (dcap-qvl then stops before it checks the quote signature);
/// * `quote.hex` — REPORTDATA `0x5a` × 32 ‖ zeros, MRCONFIGID `c1…`, MROWNER `0e…`,
///   MROWNERCONFIG `0c…` (48 equal bytes each), the sample's other values;
/// * `quote-no-sept.hex` — the same with TDATTRIBUTES lacking SEPT_VE_DISABLE;
/// * `quote-low-svn.hex` — the same with TEE_TCB_SVN byte 2 lowered to 1, below every TCB
///   level of the collateral;
/// * `anchors-intel.pem` — the test SGX root alone, as a caller's anchor file;
/// * `anchors-nvidia.pem` — the two NVIDIA test roots, an anchor file with no Intel root.
pub fn tdx_vector_files() -> Vec<(&'static str, Vec<u8>)> {
    let p = pki();
    let base = TdChanges {
        mrconfigid: Some([0xc1; 48]),
        mrowner: Some([0x0e; 48]),
        mrownerconfig: Some([0x0c; 48]),
        ..TdChanges::default()
    };
    let rd = report_data_unbound(&[0x5a; 32]);
    let quote = |td: &TdChanges| hex::encode(p.intel.quote(&rd, td)).into_bytes();
    let mut svn = [0u8; 16];
    svn[..3].copy_from_slice(&[6, 1, 1]);
    vec![
        (
            "collateral.json",
            p.intel.collateral_json(TDX_VECTORS_ISSUED).into_bytes(),
        ),
        (
            "collateral-qe-below-minimum.json",
            p.intel
                .collateral_json_qe_min(TDX_VECTORS_ISSUED, Some(200))
                .into_bytes(),
        ),
        ("quote.hex", quote(&base)),
        (
            "quote-no-sept.hex",
            quote(&TdChanges {
                td_attributes: Some([0; 8]),
                ..base.clone()
            }),
        ),
        (
            "quote-low-svn.hex",
            quote(&TdChanges {
                tee_tcb_svn: Some(svn),
                ..base.clone()
            }),
        ),
        ("anchors-intel.pem", p.intel.root.pem().into_bytes()),
        (
            "anchors-nvidia.pem",
            format!("{}{}", p.nvidia.device_root.pem(), p.nvidia.rim_root.pem()).into_bytes(),
        ),
    ]
}
