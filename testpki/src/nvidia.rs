//! The NVIDIA side: a device-identity hierarchy down to one leaf per GPU, a RIM-signing
//! hierarchy, the driver and VBIOS RIMs re-signed under it, fresh SPDM measurement reports and
//! an OCSP responder.
//!
//! Shapes are NVIDIA's: the measurement report is NVIDIA's published Hopper sample with the
//! caller's nonce written in and a new signature; the leaf certificates carry the sample
//! leaf's TCG DICE FWID and subject alternative name, so the report's FWID matches; the RIMs
//! are the project's synthetic RIMs for that report, whose golden values are its measurements.

use std::collections::HashMap;

use base64::Engine as _;

use crate::der;
use crate::keys::Key;
use crate::x509::{self, Issued, Spec, basic_constraints, key_usage, name};

const SAMPLE_REPORT_HEX: &str =
    include_str!("../../tests/vectors/gpu/nvidia/hopperAttestationReport.txt");
const SAMPLE_CHAIN_PEM: &str = include_str!("../../tests/vectors/gpu/nvidia/hopperCertChain.txt");
const DRIVER_RIM: &[u8] =
    include_bytes!("../../tests/vectors/gpu/synthetic/NV_GPU_DRIVER_GH100_550.90.07.xml");
const VBIOS_RIM: &[u8] =
    include_bytes!("../../tests/vectors/gpu/synthetic/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml");

/// The driver RIM id the sample report names.
pub const DRIVER_RIM_ID: &str = "NV_GPU_DRIVER_GH100_550.90.07";
/// The VBIOS RIM id the sample report names.
pub const VBIOS_RIM_ID: &str = "NV_GPU_VBIOS_1010_0200_882_96009F0001";

/// The most GPUs one attestation can carry (a HGX board has 8).
pub const MAX_GPUS: usize = 8;

const TEST_O: &str = "ccverify TEST ONLY";

/// One GPU's certificates: the leaf (attestation key) and the device certificate above it.
#[derive(Clone, Debug)]
pub struct Gpu {
    /// The attestation-key certificate (FMC leaf).
    pub leaf: Issued,
    /// The device identity certificate (BROM).
    pub device: Issued,
}

/// The NVIDIA-shaped test PKI.
#[derive(Debug)]
pub struct Nvidia {
    /// "ccverify TEST Device Identity CA": the device trust anchor.
    pub device_root: Issued,
    /// "ccverify TEST GH100 Identity".
    pub identity: Issued,
    /// "ccverify TEST GH100 Provisioner ICA 1".
    pub ica: Issued,
    /// One per GPU slot.
    pub gpus: Vec<Gpu>,
    /// "ccverify TEST CoRIM signing Root CA": the RIM trust anchor.
    pub rim_root: Issued,
    /// RIM CA, L3 and signer.
    pub rim_ca: Issued,
    /// The L3 below the RIM CA.
    pub rim_l3: Issued,
    /// The RIM signer.
    pub rim_signer: Issued,
    /// RIM id → signed XML.
    pub rims: Vec<(String, Vec<u8>)>,
    report: Vec<u8>,
}

fn serial(label: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut s = Sha256::digest(label.as_bytes())[..12].to_vec();
    s[0] &= 0x3f;
    s[0] |= 0x10;
    s
}

fn ca(label: &str, cn: &str, issuer: Option<&Issued>) -> Issued {
    x509::issue(Spec {
        serial: serial(label),
        subject: name(&[("CN", cn), ("O", TEST_O)]),
        key: Key::p384(label),
        issuer,
        extensions: vec![basic_constraints(true, None), key_usage(true, false)],
    })
}

impl Nvidia {
    /// Builds the hierarchy (deterministic: same keys, same certificates, every time).
    pub fn new() -> Nvidia {
        let sample_chain = der::pem_certificates(SAMPLE_CHAIN_PEM);
        let sample_leaf = sample_chain.first().cloned().unwrap_or_default();
        let dice = x509::extension_of(&sample_leaf, "2.23.133.5.4.1");
        let san = x509::extension_of(&sample_leaf, "2.5.29.17");

        let device_root = ca(
            "nvidia/device-root",
            "ccverify TEST Device Identity CA",
            None,
        );
        let identity = ca(
            "nvidia/identity",
            "ccverify TEST GH100 Identity",
            Some(&device_root),
        );
        let ica = ca(
            "nvidia/ica",
            "ccverify TEST GH100 Provisioner ICA 1",
            Some(&identity),
        );
        let gpus = (0..MAX_GPUS)
            .map(|i| {
                let dev_label = format!("nvidia/gpu{i}/device");
                let device = x509::issue(Spec {
                    serial: serial(&dev_label),
                    subject: name(&[
                        ("serialNumber", &hex::encode_upper(serial(&dev_label))),
                        ("C", "US"),
                        ("O", TEST_O),
                        ("CN", "GH100 A01 GSP BROM"),
                    ]),
                    key: Key::p384(&dev_label),
                    issuer: Some(&ica),
                    extensions: vec![basic_constraints(true, None), key_usage(true, false)],
                });
                let leaf_label = format!("nvidia/gpu{i}/leaf");
                let mut extensions = vec![key_usage(false, false)];
                extensions.extend(san.clone());
                extensions.extend(dice.clone());
                let leaf = x509::issue(Spec {
                    serial: serial(&leaf_label),
                    subject: name(&[
                        ("serialNumber", &hex::encode_upper(serial(&leaf_label))),
                        ("C", "US"),
                        ("O", TEST_O),
                        ("CN", "GH100 A01 GSP FMC LF"),
                    ]),
                    key: Key::p384(&leaf_label),
                    issuer: Some(&device),
                    extensions,
                });
                Gpu { leaf, device }
            })
            .collect();

        let rim_root = ca(
            "nvidia/rim-root",
            "ccverify TEST CoRIM signing Root CA",
            None,
        );
        let rim_ca = ca(
            "nvidia/rim-ca",
            "ccverify TEST CoRIM signing CA",
            Some(&rim_root),
        );
        let rim_l3 = ca(
            "nvidia/rim-l3",
            "ccverify TEST RIM GH100 001",
            Some(&rim_ca),
        );
        let rim_signer = x509::issue(Spec {
            serial: serial("nvidia/rim-signer"),
            subject: name(&[("CN", "ccverify TEST RIM Signer GH100"), ("O", TEST_O)]),
            key: Key::p384("nvidia/rim-signer"),
            issuer: Some(&rim_l3),
            extensions: vec![key_usage(false, false)],
        });
        let chain = [&rim_signer, &rim_l3, &rim_ca, &rim_root];
        let rims = [(DRIVER_RIM_ID, DRIVER_RIM), (VBIOS_RIM_ID, VBIOS_RIM)]
            .iter()
            .map(|(id, xml)| (id.to_string(), resign_rim(xml, &chain)))
            .collect();

        let report = hex::decode(SAMPLE_REPORT_HEX.trim()).unwrap_or_default();
        Nvidia {
            device_root,
            identity,
            ica,
            gpus,
            rim_root,
            rim_ca,
            rim_l3,
            rim_signer,
            rims,
            report,
        }
    }

    /// A fresh SPDM 1.1 measurement report for `nonce`, signed by GPU `index`'s leaf key.
    pub fn report(&self, index: usize, nonce: &[u8; 32]) -> Vec<u8> {
        let mut r = self.report.clone();
        if r.len() < 36 + 96 || index >= self.gpus.len() {
            return r;
        }
        r[4..36].copy_from_slice(nonce);
        let body = r.len() - 96;
        let sig = self.gpus[index].leaf.key.sign_raw(&r[..body]);
        r[body..].copy_from_slice(&sig);
        r
    }

    /// GPU `index`'s certificate chain as io.net sends it: PEM blocks, leaf first, joined by
    /// a newline.
    pub fn chain_pem(&self, index: usize) -> String {
        let g = &self.gpus[index.min(self.gpus.len() - 1)];
        [
            &g.leaf,
            &g.device,
            &self.ica,
            &self.identity,
            &self.device_root,
        ]
        .iter()
        .map(|c| c.pem().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
    }

    /// io.net's `gpu` object for `count` GPUs: every report carries `nonces[i]` (the caller's
    /// nonce, unless a test substitutes one).
    pub fn gpu_object(&self, nonce: &[u8; 32], nonces: &[[u8; 32]]) -> serde_json::Value {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let list: Vec<serde_json::Value> = nonces
            .iter()
            .enumerate()
            .take(MAX_GPUS)
            .map(|(i, n)| {
                serde_json::json!({
                    "evidence": b64(&self.report(i, n)),
                    "certificate": b64(self.chain_pem(i).as_bytes()),
                })
            })
            .collect();
        serde_json::json!({
            "nonce": hex::encode(nonce),
            "arch": "HOPPER",
            "evidence_list": list,
            "claims_version": "3.0",
        })
    }

    /// The signed RIM called `id`.
    pub fn rim(&self, id: &str) -> Option<&[u8]> {
        self.rims
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, x)| x.as_slice())
    }

    /// Every certificate an OCSP request may ask about, by serial, with its issuer.
    pub fn issued_by(&self) -> HashMap<Vec<u8>, &Issued> {
        let mut m: HashMap<Vec<u8>, &Issued> = HashMap::new();
        m.insert(self.identity.serial.clone(), &self.device_root);
        m.insert(self.ica.serial.clone(), &self.identity);
        for g in &self.gpus {
            m.insert(g.device.serial.clone(), &self.ica);
            m.insert(g.leaf.serial.clone(), &g.device);
        }
        m.insert(self.rim_ca.serial.clone(), &self.rim_root);
        m.insert(self.rim_l3.serial.clone(), &self.rim_ca);
        m.insert(self.rim_signer.serial.clone(), &self.rim_l3);
        m
    }
}

impl Default for Nvidia {
    fn default() -> Self {
        Nvidia::new()
    }
}

/// Replaces the text between `open` and `close` (the first such pair).
fn replace_between(text: &str, open: &str, close: &str, with: &str) -> String {
    match (text.find(open), text.find(close)) {
        (Some(a), Some(b)) if a + open.len() <= b => {
            format!("{}{}{}", &text[..a + open.len()], with, &text[b..])
        }
        _ => text.to_string(),
    }
}

/// Re-signs a RIM (XML-DSig, C14N 1.1, ECDSA P-384) with `chain[0]`, embedding `chain`.
/// The canonical forms come from ccverify's canonicaliser; NVIDIA's real RIMs and
/// signxml-made ones test that canonicaliser independently.
fn resign_rim(xml: &[u8], chain: &[&Issued]) -> Vec<u8> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let text = String::from_utf8_lossy(xml).to_string();
    let certs: String = chain
        .iter()
        .map(|c| format!("<ds:X509Certificate>{}</ds:X509Certificate>", b64(&c.der)))
        .collect();
    let text = replace_between(&text, "<ds:X509Data>", "</ds:X509Data>", &certs);
    let Ok(doc) = ccverify::xml::parse(text.as_bytes()) else {
        return text.into_bytes();
    };
    let Some(sig_index) = doc
        .root
        .child_elements()
        .find(|(_, e)| e.is("http://www.w3.org/2000/09/xmldsig#", "Signature"))
        .map(|(i, _)| i)
    else {
        return text.into_bytes();
    };
    let Ok(canonical) = ccverify::xml::canonicalize(&doc, Some(&[sig_index])) else {
        return text.into_bytes();
    };
    let digest = ccverify::crypto::sha384(&canonical);
    let text = replace_between(
        &text,
        "<ds:DigestValue>",
        "</ds:DigestValue>",
        &b64(&digest),
    );
    let Ok(doc) = ccverify::xml::parse(text.as_bytes()) else {
        return text.into_bytes();
    };
    let Some(si_index) = doc.element_at(&[sig_index]).and_then(|sig| {
        sig.child_elements()
            .find(|(_, e)| e.is("http://www.w3.org/2000/09/xmldsig#", "SignedInfo"))
            .map(|(i, _)| i)
    }) else {
        return text.into_bytes();
    };
    let Ok(si) = ccverify::xml::canonicalize_subtree(&doc, &[sig_index, si_index]) else {
        return text.into_bytes();
    };
    let sig = chain[0].key.sign_raw(&si);
    replace_between(
        &text,
        "<ds:SignatureValue>",
        "</ds:SignatureValue>",
        &b64(&sig),
    )
    .into_bytes()
}
