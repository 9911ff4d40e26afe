//! Which roots a verification trusts: NVIDIA's and Intel's production roots (the only
//! default), or ccverify's TEST PKI when a caller explicitly asks for it.
//!
//! The choice is a policy field (`trust = "test"` in a policy file, `--trust test` on the
//! command line, the same key in every binding's policy). Nothing else changes it: no
//! environment variable, no file, and never the policy recorded in a bundle. Whenever the test
//! roots are in use, the verdict carries a `trust.anchors` row with status `warn` naming them,
//! and its summary opens with "TEST ROOTS — proves nothing about real hardware".
//!
//! The test roots are public certificates compiled in from `core/src/testroots/`, made by the
//! `ccverify-testpki` crate, whose private keys anyone can derive from their names: evidence
//! signed under them proves only that ccverify's verification path works.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::gpu::roots::{TrustAnchors, load};
use crate::verdict::{Check, CheckStatus};
use crate::x509::Certificate;

/// Check ids of this module.
pub mod ids {
    /// The roots in use, when they are not the production ones (always `warn`).
    pub const ANCHORS: &str = "trust.anchors";
}

/// The names [`Trust`] reads (its JSON, TOML and command-line spelling).
pub const NAMES: &[&str] = &["production", "test"];

/// The opening words of the summary of any verdict reached under the test roots.
pub const TEST_BANNER: &str = "TEST ROOTS — proves nothing about real hardware.";

const TEST_DEVICE_ROOT_PEM: &[u8] = include_bytes!("testroots/nvidia_device_root.pem");
const TEST_RIM_ROOT_PEM: &[u8] = include_bytes!("testroots/nvidia_rim_root.pem");
const TEST_INTEL_ROOT_PEM: &[u8] = include_bytes!("testroots/intel_root.pem");
const TEST_DEVICE_ROOT_SHA256: &str =
    "b4f98a77ce43e7f828e7baa4760ff642b7c85671bf8a57822791875b0b04e027";
const TEST_RIM_ROOT_SHA256: &str =
    "3c6878beb9023d8349c491691be67ced3a904bc6bcaa6bb8d7101f01c795d227";
const TEST_INTEL_ROOT_SHA256: &str =
    "73f5dc034c47e196f05a7f05ff8089fb8f8781954fdaf104b683f5f34d5fafd4";

/// The trust anchors a verification uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    /// NVIDIA's device and RIM roots and Intel's SGX root CA, compiled in and pinned (the
    /// default).
    #[default]
    Production,
    /// ccverify's TEST PKI: proves nothing about real hardware (see the module docs).
    Test,
}

fn test_nvidia() -> Option<TrustAnchors> {
    static ANCHORS: OnceLock<Option<TrustAnchors>> = OnceLock::new();
    ANCHORS
        .get_or_init(|| {
            Some(TrustAnchors {
                device: load(TEST_DEVICE_ROOT_PEM, TEST_DEVICE_ROOT_SHA256)?,
                rim: load(TEST_RIM_ROOT_PEM, TEST_RIM_ROOT_SHA256)?,
            })
        })
        .clone()
}

fn test_intel() -> Option<Arc<Certificate>> {
    static ROOT: OnceLock<Option<Arc<Certificate>>> = OnceLock::new();
    ROOT.get_or_init(|| load(TEST_INTEL_ROOT_PEM, TEST_INTEL_ROOT_SHA256))
        .clone()
}

impl std::str::FromStr for Trust {
    type Err = crate::Error;

    /// `"production"` or `"test"` (exactly); anything else is an `InvalidArgument` error.
    fn from_str(text: &str) -> Result<Trust, crate::Error> {
        match text {
            "production" => Ok(Trust::Production),
            "test" => Ok(Trust::Test),
            other => Err(crate::Error::InvalidArgument(format!(
                "trust {other:?}: use {}",
                NAMES.join(" or ")
            ))),
        }
    }
}

impl Trust {
    /// `"production"` or `"test"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Production => "production",
            Trust::Test => "test",
        }
    }

    /// Whether these are the production roots (serde: the key is left out then).
    pub fn is_production(&self) -> bool {
        *self == Trust::Production
    }

    /// The NVIDIA device and RIM roots (`None` only if a compiled-in copy fails its pin).
    pub fn nvidia(self) -> Option<TrustAnchors> {
        match self {
            Trust::Production => TrustAnchors::nvidia(),
            Trust::Test => test_nvidia(),
        }
    }

    /// The Intel root's DER, for the test roots; `None` means Intel's production root
    /// (dcap-qvl's pinned copy). `Err` if the compiled-in test root fails its pin.
    pub fn intel_root_der(self) -> Result<Option<Vec<u8>>, String> {
        match self {
            Trust::Production => Ok(None),
            Trust::Test => test_intel()
                .map(|c| Some(c.der().to_vec()))
                .ok_or_else(|| "the compiled-in test Intel root does not match its pin".into()),
        }
    }

    /// The `trust.anchors` row: `None` for the production roots, a warning naming the test
    /// roots otherwise.
    pub fn check(self) -> Option<Check> {
        match self {
            Trust::Production => None,
            Trust::Test => Some(Check::new(
                ids::ANCHORS,
                CheckStatus::Warn,
                format!(
                    "TEST ROOTS in use (trust = \"test\"): 'ccverify TEST Device Identity CA' (sha256 {}…), 'ccverify TEST CoRIM signing Root CA' ({}…) and 'ccverify TEST SGX Root CA' ({}…) replace NVIDIA's and Intel's roots; their keys are public, so this verdict proves nothing about real hardware",
                    &TEST_DEVICE_ROOT_SHA256[..16],
                    &TEST_RIM_ROOT_SHA256[..16],
                    &TEST_INTEL_ROOT_SHA256[..16]
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_roots_match_their_pins_and_differ_from_production() {
        let t = Trust::Test.nvidia().unwrap();
        let p = Trust::Production.nvidia().unwrap();
        assert_ne!(t.device.sha256, p.device.sha256);
        assert_ne!(t.rim.sha256, p.rim.sha256);
        assert!(t.device.subject_cn.as_deref().unwrap().contains("TEST"));
        assert!(Trust::Test.intel_root_der().unwrap().is_some());
        assert_eq!(Trust::Production.intel_root_der().unwrap(), None);
        assert!(Trust::Production.check().is_none());
        let c = Trust::Test.check().unwrap();
        assert_eq!(c.status, CheckStatus::Warn);
        assert!(c.detail.contains("TEST ROOTS"));
    }

    #[test]
    fn trust_reads_only_its_two_names() {
        assert_eq!(
            serde_json::from_str::<Trust>("\"test\"").unwrap(),
            Trust::Test
        );
        assert_eq!(
            serde_json::from_str::<Trust>("\"production\"").unwrap(),
            Trust::Production
        );
        assert!(serde_json::from_str::<Trust>("\"Test\"").is_err());
        assert!(serde_json::from_str::<Trust>("\"/etc/roots.pem\"").is_err());
        for name in NAMES {
            let t: Trust = name.parse().unwrap();
            assert_eq!(t.as_str(), *name);
        }
        assert!("Test".parse::<Trust>().is_err());
    }
}
