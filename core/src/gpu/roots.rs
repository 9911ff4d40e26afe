//! NVIDIA's trust anchors, compiled in and pinned by the SHA-256 of their DER.
//!
//! * Device identity: "NVIDIA Device Identity CA" — the root of every GPU attestation-key chain.
//! * RIM signing: "NVIDIA CoRIM signing Root CA" — the root of every RIM signer chain (and of
//!   their OCSP responders).
//!
//! The evidence's own copy of a root is never trusted; chains must end in these.

use std::sync::{Arc, OnceLock};

use crate::x509::Certificate;

const DEVICE_ROOT_PEM: &[u8] = include_bytes!("roots/verifier_device_root.pem");
const RIM_ROOT_PEM: &[u8] = include_bytes!("roots/verifier_RIM_root.pem");

/// DER SHA-256 of the bundled device identity root.
pub const DEVICE_ROOT_SHA256: &str =
    "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";
/// DER SHA-256 of the bundled RIM signing root.
pub const RIM_ROOT_SHA256: &str =
    "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

/// The one certificate of `pem`, if its DER SHA-256 is `pinned`.
pub(crate) fn load(pem: &[u8], pinned: &str) -> Option<Arc<Certificate>> {
    let mut certs = Certificate::from_pem_bundle(pem).ok()?;
    if certs.len() != 1 {
        return None;
    }
    let cert = certs.remove(0);
    (hex::encode(cert.sha256) == pinned).then(|| Arc::new(cert))
}

/// The pinned trust anchors one verification uses.
#[derive(Clone, Debug)]
pub struct TrustAnchors {
    /// Root of device (attestation key) chains.
    pub device: Arc<Certificate>,
    /// Root of RIM signer chains.
    pub rim: Arc<Certificate>,
}

impl TrustAnchors {
    /// NVIDIA's production roots, or `None` if the compiled-in copies fail their pin (which
    /// would mean a corrupted build).
    pub fn nvidia() -> Option<TrustAnchors> {
        static ANCHORS: OnceLock<Option<TrustAnchors>> = OnceLock::new();
        ANCHORS
            .get_or_init(|| {
                Some(TrustAnchors {
                    device: load(DEVICE_ROOT_PEM, DEVICE_ROOT_SHA256)?,
                    rim: load(RIM_ROOT_PEM, RIM_ROOT_SHA256)?,
                })
            })
            .clone()
    }

    /// Test-only: anchors from PEM text. Compiled only with the `test-roots` feature, which
    /// production builds and the language bindings never enable.
    #[cfg(feature = "test-roots")]
    pub fn for_tests(device_pem: &[u8], rim_pem: &[u8]) -> Option<TrustAnchors> {
        let one = |pem: &[u8]| -> Option<Arc<Certificate>> {
            let mut c = Certificate::from_pem_bundle(pem).ok()?;
            (c.len() == 1).then(|| Arc::new(c.remove(0)))
        };
        Some(TrustAnchors {
            device: one(device_pem)?,
            rim: one(rim_pem)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_roots_match_their_pins() {
        let a = TrustAnchors::nvidia().unwrap();
        assert_eq!(
            a.device.subject_cn.as_deref(),
            Some("NVIDIA Device Identity CA")
        );
        assert_eq!(
            a.rim.subject_cn.as_deref(),
            Some("NVIDIA CoRIM signing Root CA")
        );
        assert!(a.device.signed_by(&a.device));
        assert!(a.rim.signed_by(&a.rim));
    }
}
