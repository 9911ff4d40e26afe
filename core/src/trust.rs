//! Which roots a verification trusts: NVIDIA's and Intel's production roots (the only
//! default), ccverify's TEST PKI, or an anchor file the caller names.
//!
//! The choice is the policy field `trust`: `"production"`, `"test"`, or the path of a PEM file
//! of root certificates (`trust = "lab-roots.pem"` in a policy file, `--trust FILE` on the
//! command line, the same key in every binding's policy). Nothing else changes it: no
//! environment variable, no default file, and never the policy recorded in a bundle. Whenever
//! roots other than the production ones are in use, the verdict carries a `trust.anchors` row
//! with status `warn` naming them, and nothing that rests on a signature chain is called
//! proven.
//!
//! The test roots are public certificates compiled in from `core/src/testroots/`, made by the
//! `ccverify-testpki` crate, whose private keys anyone can derive from their names: evidence
//! signed under them proves only that ccverify's verification path works.
//!
//! An anchor file (for a private test lab, or a conformance suite with its own synthetic
//! roots) holds 1 to 4 self-signed CA certificates in PEM. Their roles follow from their keys:
//! a P-256 root is the Intel (SGX/TDX) root, at most one; P-384 roots are NVIDIA roots, at most
//! two: the first is the device-identity root and the second the RIM-signing root (one P-384
//! root serves both). A role the file does not fill has no anchor, so its chains fail. Reading
//! the file is the one file access of policy parsing, done when the policy is read, never
//! during a verification ([`Trust::from_pem`] takes the bytes instead).

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::gpu::roots::{TrustAnchors, load};
use crate::verdict::{Check, CheckStatus};
use crate::x509::Certificate;

/// Check ids of this module.
pub mod ids {
    /// The roots in use, when they are not the production ones (always `warn`).
    pub const ANCHORS: &str = "trust.anchors";
}

/// The names [`Trust`] reads besides a file path (its JSON, TOML and command-line spelling).
pub const NAMES: &[&str] = &["production", "test"];

/// The prefix that makes a `trust` value a file path whatever follows (`"file:test"` is the
/// file `test`).
pub const FILE_PREFIX: &str = "file:";

/// The opening words of the summary of any verdict reached under the test roots.
pub const TEST_BANNER: &str = "TEST ROOTS — proves nothing about real hardware.";

/// The opening words of the summary of any verdict reached under a caller's anchor file.
pub const ANCHORS_BANNER: &str = "CALLER'S TRUST ANCHORS — proves only what those roots vouch for, nothing about NVIDIA's or Intel's.";

/// Largest anchor file read.
pub const MAX_ANCHOR_FILE_LEN: u64 = 64 * 1024;

const TEST_DEVICE_ROOT_PEM: &[u8] = include_bytes!("testroots/nvidia_device_root.pem");
const TEST_RIM_ROOT_PEM: &[u8] = include_bytes!("testroots/nvidia_rim_root.pem");
const TEST_INTEL_ROOT_PEM: &[u8] = include_bytes!("testroots/intel_root.pem");
const TEST_DEVICE_ROOT_SHA256: &str =
    "b4f98a77ce43e7f828e7baa4760ff642b7c85671bf8a57822791875b0b04e027";
const TEST_RIM_ROOT_SHA256: &str =
    "3c6878beb9023d8349c491691be67ced3a904bc6bcaa6bb8d7101f01c795d227";
const TEST_INTEL_ROOT_SHA256: &str =
    "73f5dc034c47e196f05a7f05ff8089fb8f8781954fdaf104b683f5f34d5fafd4";
const INTEL_ROOT_DER: &[u8] = include_bytes!("tdx/roots/intel_sgx_root_ca.der");
/// DER SHA-256 of Intel's SGX Root CA, compiled in (`core/src/tdx/roots/`).
pub const INTEL_ROOT_SHA256: &str =
    "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

/// The trust anchors a verification uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// NVIDIA's device and RIM roots and Intel's SGX root CA, compiled in and pinned (the
    /// default).
    #[default]
    Production,
    /// ccverify's TEST PKI: proves nothing about real hardware (see the module docs).
    Test,
    /// The roots of an anchor file the caller named (see the module docs).
    Anchors(Arc<AnchorFile>),
}

/// The roots of a caller's anchor file, read and checked.
#[derive(Debug)]
pub struct AnchorFile {
    /// Where they came from (the path as the caller gave it).
    pub source: String,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// The Intel (P-256) root, if the file has one.
    intel: Option<Arc<Certificate>>,
    /// The NVIDIA (P-384) roots, if the file has any.
    nvidia: Option<TrustAnchors>,
    /// `CN (sha256 …)` of every root, in file order.
    names: Vec<String>,
}

impl PartialEq for AnchorFile {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.sha256 == other.sha256
    }
}
impl Eq for AnchorFile {}

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

fn bad(source: &str, m: impl std::fmt::Display) -> crate::Error {
    crate::Error::InvalidArgument(format!("trust anchor file {source}: {m}"))
}

/// The key kind of a self-signed CA certificate: `Some(true)` P-384, `Some(false)` P-256,
/// `None` when it is not a CA that verifies under its own P-256 or P-384 key.
fn self_signed_kind(cert: &Certificate) -> Option<bool> {
    if !cert.is_ca || cert.subject_raw != cert.issuer_raw {
        return None;
    }
    if cert.p384_point.is_some() {
        return cert.signed_by(cert).then_some(true);
    }
    crate::crypto::verify_p256_der(&cert.public_key_bits, cert.tbs(), cert.signature())
        .then_some(false)
}

impl std::str::FromStr for Trust {
    type Err = crate::Error;

    /// `"production"` or `"test"` (exactly); anything else is read as the path of an anchor
    /// file (see the module docs; relative to the current directory). `"file:PATH"` is always
    /// the file PATH, even one named `test`. An error names what is wrong with the file.
    fn from_str(text: &str) -> Result<Trust, crate::Error> {
        match text {
            "production" => Ok(Trust::Production),
            "test" => Ok(Trust::Test),
            "" => Err(crate::Error::InvalidArgument(format!(
                "trust: empty; use {} or the path of an anchor file",
                NAMES.join(" or ")
            ))),
            // Always a file, whatever its name: what typed APIs (Kotlin/Swift's AnchorFile,
            // Go's TrustAnchorFile) write, so a file named `test` stays a file.
            other => Trust::from_file(other.strip_prefix(FILE_PREFIX).unwrap_or(other)),
        }
    }
}

impl Trust {
    /// Reads the anchor file at `path` (at most [`MAX_ANCHOR_FILE_LEN`] bytes) with
    /// [`Trust::from_pem`]. The only file policy parsing reads.
    pub fn from_file(path: &str) -> Result<Trust, crate::Error> {
        use std::io::Read as _;
        let meta = std::fs::metadata(path).map_err(|e| bad(path, e))?;
        // Not a pipe or a device, whose reads could block or never end.
        if !meta.is_file() {
            return Err(bad(path, "not a regular file"));
        }
        let file = std::fs::File::open(path).map_err(|e| bad(path, e))?;
        let mut pem = Vec::new();
        file.take(MAX_ANCHOR_FILE_LEN + 1)
            .read_to_end(&mut pem)
            .map_err(|e| bad(path, e))?;
        if pem.len() as u64 > MAX_ANCHOR_FILE_LEN {
            return Err(bad(path, format!("more than {MAX_ANCHOR_FILE_LEN} bytes")));
        }
        Trust::from_pem(path, &pem)
    }

    /// The anchors of a PEM file's bytes; `source` names them in verdicts. Each certificate
    /// must be a self-signed CA with a P-256 (Intel role, at most one) or P-384 (NVIDIA roles,
    /// at most two: device identity first, then RIM signing) key.
    pub fn from_pem(source: &str, pem: &[u8]) -> Result<Trust, crate::Error> {
        let certs = Certificate::from_pem_bundle(pem).map_err(|e| bad(source, e))?;
        if certs.len() > 4 {
            return Err(bad(
                source,
                format!("{} certificates, at most 4", certs.len()),
            ));
        }
        let mut intel = None;
        let mut p384 = Vec::new();
        let mut names = Vec::new();
        for c in certs {
            let name = format!(
                "'{}' (sha256 {}…)",
                c.subject_cn.as_deref().unwrap_or("no CN"),
                &hex::encode(c.sha256)[..16]
            );
            let Some(is_p384) = self_signed_kind(&c) else {
                return Err(bad(
                    source,
                    format!("{name} is not a self-signed CA certificate with a P-256 or P-384 key"),
                ));
            };
            let c = Arc::new(c);
            if is_p384 {
                if p384.len() == 2 {
                    return Err(bad(source, "more than two P-384 (NVIDIA) roots"));
                }
                names.push(format!(
                    "{name} as the NVIDIA {} root",
                    if p384.is_empty() {
                        "device-identity"
                    } else {
                        "RIM-signing"
                    }
                ));
                p384.push(c);
            } else {
                if intel.is_some() {
                    return Err(bad(source, "more than one P-256 (Intel) root"));
                }
                names.push(format!("{name} as the Intel SGX root"));
                intel = Some(c);
            }
        }
        let nvidia = match p384.as_slice() {
            [] => None,
            [one] => Some(TrustAnchors {
                device: Arc::clone(one),
                rim: Arc::clone(one),
            }),
            [device, rim, ..] => Some(TrustAnchors {
                device: Arc::clone(device),
                rim: Arc::clone(rim),
            }),
        };
        Ok(Trust::Anchors(Arc::new(AnchorFile {
            source: source.to_string(),
            sha256: crate::crypto::sha256(pem),
            intel,
            nvidia,
            names,
        })))
    }

    /// `"production"`, `"test"`, or the anchor file's path.
    pub fn as_str(&self) -> &str {
        match self {
            Trust::Production => "production",
            Trust::Test => "test",
            Trust::Anchors(a) => &a.source,
        }
    }

    /// Whether these are the production roots (serde: the key is left out then).
    pub fn is_production(&self) -> bool {
        *self == Trust::Production
    }

    /// The NVIDIA device and RIM roots (`None` if a compiled-in copy fails its pin, or an
    /// anchor file has no NVIDIA root; [`Trust::missing`] says which).
    pub fn nvidia(&self) -> Option<TrustAnchors> {
        match self {
            Trust::Production => TrustAnchors::nvidia(),
            Trust::Test => test_nvidia(),
            Trust::Anchors(a) => a.nvidia.clone(),
        }
    }

    /// The Intel root's DER and how verdicts name it. `Err` if the compiled-in copy fails
    /// its pin or an anchor file has no Intel root.
    pub fn intel_root(&self) -> Result<(Vec<u8>, String), String> {
        match self {
            Trust::Production => {
                if hex::encode(crate::crypto::sha256(INTEL_ROOT_DER)) != INTEL_ROOT_SHA256 {
                    return Err("the compiled-in Intel SGX Root CA does not match its pin".into());
                }
                Ok((INTEL_ROOT_DER.to_vec(), "Intel's SGX Root CA".into()))
            }
            Trust::Test => test_intel()
                .map(|c| {
                    (
                        c.der().to_vec(),
                        "the TEST SGX root (trust = \"test\")".to_string(),
                    )
                })
                .ok_or_else(|| "the compiled-in test Intel root does not match its pin".into()),
            Trust::Anchors(a) => match &a.intel {
                Some(c) => Ok((
                    c.der().to_vec(),
                    format!(
                        "the caller's root '{}' (trust anchor file {})",
                        c.subject_cn.as_deref().unwrap_or("no CN"),
                        a.source
                    ),
                )),
                None => Err(self.missing("Intel (P-256)")),
            },
        }
    }

    /// Why a role has no anchor.
    pub fn missing(&self, role: &str) -> String {
        match self {
            Trust::Anchors(a) => format!(
                "the trust anchor file {} has no {role} root, so no chain of that kind can verify",
                a.source
            ),
            _ => format!("the compiled-in {role} roots do not match their pinned digests"),
        }
    }

    /// How verdicts name the roots when they are not the production ones (`None` for those).
    pub fn label(&self) -> Option<String> {
        match self {
            Trust::Production => None,
            Trust::Test => Some("trust = \"test\"".into()),
            Trust::Anchors(a) => Some(format!("trust anchor file {}", a.source)),
        }
    }

    /// The `trust.anchors` row: `None` for the production roots, a warning naming the roots
    /// in use otherwise.
    pub fn check(&self) -> Option<Check> {
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
            Trust::Anchors(a) => Some(Check::new(
                ids::ANCHORS,
                CheckStatus::Warn,
                format!(
                    "CALLER'S TRUST ANCHORS in use (trust anchor file {}, sha256 {}…): {} replace NVIDIA's and Intel's roots; this verdict proves only what those roots vouch for",
                    a.source,
                    &hex::encode(a.sha256)[..16],
                    a.names.join(", ")
                ),
            )),
        }
    }

    /// The opening words of a summary under these roots (`None` for the production ones).
    pub fn banner_of(anchors_row: &Check) -> &'static str {
        if anchors_row.detail.starts_with("TEST ROOTS") {
            TEST_BANNER
        } else {
            ANCHORS_BANNER
        }
    }
}

impl Serialize for Trust {
    /// The name, or the anchor file's path (`file:`-prefixed when the path alone would read as
    /// something else), so that a written-out policy reads back the same.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Trust::Anchors(a)
                if NAMES.contains(&a.source.as_str()) || a.source.starts_with(FILE_PREFIX) =>
            {
                s.serialize_str(&format!("{FILE_PREFIX}{}", a.source))
            }
            other => s.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for Trust {
    /// `"production"`, `"test"`, or an anchor file's path (read now).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Trust, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
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
        let (test_root, name) = Trust::Test.intel_root().unwrap();
        assert!(name.contains("TEST"));
        let (prod_root, _) = Trust::Production.intel_root().unwrap();
        assert_ne!(test_root, prod_root);
        assert!(Trust::Production.check().is_none());
        let c = Trust::Test.check().unwrap();
        assert_eq!(c.status, CheckStatus::Warn);
        assert!(c.detail.contains("TEST ROOTS"));
    }

    #[test]
    fn anchor_files_are_checked_and_named() {
        let dir = std::env::temp_dir().join(format!("ccverify-anchors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let intel = dir.join("intel.pem");
        std::fs::write(&intel, TEST_INTEL_ROOT_PEM).unwrap();
        let path = intel.to_str().unwrap();
        let t: Trust = path.parse().unwrap();
        let (der, name) = t.intel_root().unwrap();
        assert_eq!(Some(der), test_intel().map(|c| c.der().to_vec()));
        assert!(name.contains(path), "{name}");
        assert!(t.nvidia().is_none());
        assert!(
            t.missing("NVIDIA (P-384)")
                .contains("has no NVIDIA (P-384) root")
        );
        let row = t.check().unwrap();
        assert_eq!(row.status, CheckStatus::Warn);
        assert!(row.detail.starts_with("CALLER'S TRUST ANCHORS") && row.detail.contains(path));
        assert_eq!(Trust::banner_of(&row), ANCHORS_BANNER);
        assert_eq!(Trust::banner_of(&Trust::Test.check().unwrap()), TEST_BANNER);
        // Two P-384 roots: device identity first, then RIM signing.
        let both = [TEST_DEVICE_ROOT_PEM, TEST_RIM_ROOT_PEM, TEST_INTEL_ROOT_PEM].concat();
        let t = Trust::from_pem("all.pem", &both).unwrap();
        let nv = t.nvidia().unwrap();
        assert_eq!(Some(nv.device), test_nvidia().map(|a| a.device));
        assert_eq!(Some(nv.rim), test_nvidia().map(|a| a.rim));
        // Refused: not PEM, a non-CA or not self-signed certificate, a second Intel root,
        // a directory, a device, a missing file, an empty name.
        assert!(Trust::from_pem("x", b"hello").is_err());
        let twice = [TEST_INTEL_ROOT_PEM, TEST_INTEL_ROOT_PEM].concat();
        assert!(Trust::from_pem("x", &twice).is_err());
        // `file:` makes any name a file.
        let t: Trust = format!("file:{path}").parse().unwrap();
        assert_eq!(t.as_str(), path);
        let e = "file:test".parse::<Trust>().unwrap_err().to_string();
        assert!(e.contains("trust anchor file test"), "{e}");
        // A file named like a root set is written out so that it reads back as the file.
        let named = Trust::from_pem("test", TEST_INTEL_ROOT_PEM).unwrap();
        assert_eq!(serde_json::to_string(&named).unwrap(), "\"file:test\"");
        let plain = Trust::from_pem("lab.pem", TEST_INTEL_ROOT_PEM).unwrap();
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"lab.pem\"");
        for bad in [
            "file:",
            dir.to_str().unwrap(),
            "/dev/zero",
            "/nonexistent/roots.pem",
            "",
        ] {
            let e = bad.parse::<Trust>().unwrap_err().to_string();
            assert!(e.contains("trust"), "{bad}: {e}");
        }
        let big = dir.join("big.pem");
        std::fs::write(&big, vec![b' '; MAX_ANCHOR_FILE_LEN as usize + 1]).unwrap();
        assert!(big.to_str().unwrap().parse::<Trust>().is_err());
        // The policy digest covers the file's content, not only its path.
        let digest = |pem: &[u8]| {
            std::fs::write(&intel, pem).unwrap();
            crate::policy::Policy {
                trust: path.parse().unwrap(),
                ..crate::policy::Policy::default()
            }
            .digest()
        };
        assert_ne!(digest(TEST_INTEL_ROOT_PEM), digest(&both));
        std::fs::remove_dir_all(&dir).unwrap();
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
        // Anything else is a file, which must exist and hold roots.
        assert!(serde_json::from_str::<Trust>("\"Test\"").is_err());
        assert!(serde_json::from_str::<Trust>("\"/nonexistent/roots.pem\"").is_err());
        assert!(serde_json::from_str::<Trust>("\"\"").is_err());
        for name in NAMES {
            let t: Trust = name.parse().unwrap();
            assert_eq!(t.as_str(), *name);
        }
        assert!("Test".parse::<Trust>().is_err());
    }
}
