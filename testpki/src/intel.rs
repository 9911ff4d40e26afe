//! The Intel side: an SGX root CA, a PCK Platform CA and PCK leaf (carrying the SGX
//! extension of a real TDX platform, so FMSPC, TCB components and PCE id are real values), a
//! TCB-signing certificate, CRLs, TCB Info and QE Identity, and TDX quotes.
//!
//! Shapes are Intel's: quotes start from dcap-qvl's published v4 sample (header, TD report
//! and QE report kept), with the caller's REPORTDATA (and optional TD attributes) written in,
//! a new attestation key, the QE report re-bound to it and re-signed by the test PCK key, and
//! the test PCK chain as certification data. TCB Info and QE Identity are the sample's, with
//! fresh dates, signed by the test TCB-signing key.

use sha2::{Digest, Sha256};

use crate::der;
use crate::keys::Key;
use crate::x509::{self, Issued, Spec, basic_constraints, key_usage, name};

const SAMPLE_QUOTE: &[u8] = include_bytes!("../../tests/vectors/tdx/dcap-qvl/tdx_quote");
const SAMPLE_COLLATERAL: &str =
    include_str!("../../tests/vectors/tdx/dcap-qvl/tdx_quote_collateral.json");

const TEST_O: &str = "ccverify TEST ONLY";
const HEADER: usize = 48;
const BODY: usize = 584;
/// Offset of TDATTRIBUTES in the v4 TD report body.
pub const TD_ATTRIBUTES: std::ops::Range<usize> = 120..128;
/// Offset of REPORTDATA in the v4 TD report body.
pub const REPORT_DATA: std::ops::Range<usize> = 520..584;

/// The Intel-shaped test PKI.
#[derive(Debug)]
pub struct Intel {
    /// "ccverify TEST SGX Root CA": the Intel trust anchor.
    pub root: Issued,
    /// "ccverify TEST SGX PCK Platform CA".
    pub platform_ca: Issued,
    /// The PCK certificate.
    pub pck: Issued,
    /// "ccverify TEST SGX TCB Signing".
    pub tcb_signer: Issued,
    /// The quoting enclave's attestation key.
    pub attestation_key: Key,
    header: Vec<u8>,
    body: Vec<u8>,
    qe_report: Vec<u8>,
    qe_auth: Vec<u8>,
    tcb_info: String,
    qe_identity: String,
}

/// What to change in a quote's TD report, and the quote format.
#[derive(Clone, Debug, Default)]
pub struct TdChanges {
    /// TDATTRIBUTES (8 bytes), when not the sample's.
    pub td_attributes: Option<[u8; 8]>,
    /// MRTD (48 bytes), when not the sample's.
    pub mrtd: Option<[u8; 48]>,
    /// RTMR0..RTMR3 (48 bytes each), each when not the sample's.
    pub rtmrs: [Option<[u8; 48]>; 4],
    /// Write a v5 quote (the TD 1.0 report behind a v5 body descriptor) instead of v4.
    pub v5: bool,
    /// MRCONFIGID (48 bytes), when not the sample's (zero).
    pub mrconfigid: Option<[u8; 48]>,
    /// MROWNER (48 bytes), when not the sample's (zero).
    pub mrowner: Option<[u8; 48]>,
    /// MROWNERCONFIG (48 bytes), when not the sample's (zero).
    pub mrownerconfig: Option<[u8; 48]>,
    /// TEE_TCB_SVN (16 bytes), when not the sample's. The TCB Info must still have a level the
    /// new value meets.
    pub tee_tcb_svn: Option<[u8; 16]>,
}

fn serial(label: &str) -> Vec<u8> {
    Sha256::digest(label.as_bytes())[..16]
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 0 { (b & 0x3f) | 0x10 } else { *b })
        .collect()
}

fn u16le(b: &[u8], at: usize) -> usize {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]) as usize)
}

fn json_str(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string()
}

impl Intel {
    /// Builds the hierarchy (deterministic).
    pub fn new() -> Intel {
        let q = SAMPLE_QUOTE;
        let sig = HEADER + BODY + 4;
        let inner = sig + 128 + 6;
        let qe_report = q.get(inner..inner + 384).unwrap_or_default().to_vec();
        let auth_len = u16le(q, inner + 448);
        let qe_auth = q
            .get(inner + 450..inner + 450 + auth_len)
            .unwrap_or_default()
            .to_vec();
        let pck_pem_at = inner + 450 + auth_len + 6;
        let pck_len = q
            .get(pck_pem_at - 4..pck_pem_at)
            .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize);
        let sample_pem =
            String::from_utf8_lossy(q.get(pck_pem_at..pck_pem_at + pck_len).unwrap_or_default())
                .to_string();
        let sample_pck = der::pem_certificates(&sample_pem)
            .into_iter()
            .next()
            .unwrap_or_default();
        let sgx_ext = x509::extension_of(&sample_pck, "1.2.840.113741.1.13.1");

        let ca = |label: &str, cn: &str, issuer: Option<&Issued>, path_len: Option<u64>| {
            x509::issue(Spec {
                serial: serial(label),
                subject: name(&[
                    ("CN", cn),
                    ("O", TEST_O),
                    ("L", "Santa Clara"),
                    ("ST", "CA"),
                    ("C", "US"),
                ]),
                key: Key::p256(label),
                issuer,
                extensions: vec![basic_constraints(true, path_len), key_usage(true, false)],
            })
        };
        let root = ca("intel/root", "ccverify TEST SGX Root CA", None, Some(1));
        let platform_ca = ca(
            "intel/platform-ca",
            "ccverify TEST SGX PCK Platform CA",
            Some(&root),
            Some(0),
        );
        let mut pck_ext = vec![key_usage(false, true), basic_constraints(false, None)];
        pck_ext.extend(sgx_ext);
        let pck = x509::issue(Spec {
            serial: serial("intel/pck"),
            subject: name(&[
                ("CN", "ccverify TEST SGX PCK Certificate"),
                ("O", TEST_O),
                ("L", "Santa Clara"),
                ("ST", "CA"),
                ("C", "US"),
            ]),
            key: Key::p256("intel/pck"),
            issuer: Some(&platform_ca),
            extensions: pck_ext,
        });
        let tcb_signer = x509::issue(Spec {
            serial: serial("intel/tcb-signer"),
            subject: name(&[
                ("CN", "ccverify TEST SGX TCB Signing"),
                ("O", TEST_O),
                ("L", "Santa Clara"),
                ("ST", "CA"),
                ("C", "US"),
            ]),
            key: Key::p256("intel/tcb-signer"),
            issuer: Some(&root),
            extensions: vec![key_usage(false, true), basic_constraints(false, None)],
        });
        let collateral: serde_json::Value =
            serde_json::from_str(SAMPLE_COLLATERAL).unwrap_or_default();
        Intel {
            root,
            platform_ca,
            pck,
            tcb_signer,
            attestation_key: Key::p256("intel/attestation-key"),
            header: q.get(..HEADER).unwrap_or_default().to_vec(),
            body: q.get(HEADER..HEADER + BODY).unwrap_or_default().to_vec(),
            qe_report,
            qe_auth,
            tcb_info: json_str(&collateral, "tcb_info"),
            qe_identity: json_str(&collateral, "qe_identity"),
        }
    }

    /// The MRTD every quote carries (the sample TD's), as hex: what a policy pins.
    pub fn mrtd_hex(&self) -> String {
        hex::encode(self.body.get(136..184).unwrap_or_default())
    }

    /// The PCK chain as a quote carries it (leaf, platform CA, root; PEM).
    pub fn pck_chain_pem(&self) -> String {
        [&self.pck, &self.platform_ca, &self.root]
            .iter()
            .map(|c| c.pem())
            .collect()
    }

    /// A TDX quote (v4, or v5 with `changes.v5`) whose REPORTDATA is `report_data`, signed by the
    /// test attestation key.
    pub fn quote(&self, report_data: &[u8; 64], changes: &TdChanges) -> Vec<u8> {
        let mut body = self.body.clone();
        body[REPORT_DATA].copy_from_slice(report_data);
        if let Some(a) = changes.td_attributes {
            body[TD_ATTRIBUTES].copy_from_slice(&a);
        }
        if let Some(m) = changes.mrtd {
            body[136..184].copy_from_slice(&m);
        }
        for (at, v) in [
            (184, changes.mrconfigid),
            (232, changes.mrowner),
            (280, changes.mrownerconfig),
        ] {
            if let Some(v) = v {
                body[at..at + 48].copy_from_slice(&v);
            }
        }
        if let Some(svn) = changes.tee_tcb_svn {
            body[..16].copy_from_slice(&svn);
        }
        for (i, r) in changes.rtmrs.iter().enumerate() {
            if let Some(r) = r {
                let at = 328 + 48 * i;
                body[at..at + 48].copy_from_slice(r);
            }
        }
        let mut signed = self.header.clone();
        if changes.v5 {
            // Version 5; then the body descriptor: type 2 (TD 1.0 report), its size.
            signed[..2].copy_from_slice(&5u16.to_le_bytes());
            signed.extend_from_slice(&2u16.to_le_bytes());
            signed.extend_from_slice(&(BODY as u32).to_le_bytes());
        }
        signed.extend_from_slice(&body);
        let quote_sig = self.attestation_key.sign_raw(&signed);
        let att_pub = self.attestation_key.public_point()[1..].to_vec();

        // The QE report binds the attestation key: REPORTDATA = SHA-256(key ‖ auth data) ‖ 0.
        let mut qe_report = self.qe_report.clone();
        let mut h = Sha256::new();
        h.update(&att_pub);
        h.update(&self.qe_auth);
        qe_report[320..352].copy_from_slice(&h.finalize());
        qe_report[352..384].fill(0);
        let qe_sig = self.pck.key.sign_raw(&qe_report);

        let chain = self.pck_chain_pem().into_bytes();
        let mut cert5 = 5u16.to_le_bytes().to_vec();
        cert5.extend_from_slice(&(chain.len() as u32).to_le_bytes());
        cert5.extend_from_slice(&chain);
        let mut qe_data = qe_report;
        qe_data.extend_from_slice(&qe_sig);
        qe_data.extend_from_slice(&(self.qe_auth.len() as u16).to_le_bytes());
        qe_data.extend_from_slice(&self.qe_auth);
        qe_data.extend_from_slice(&cert5);
        let mut sig_data = quote_sig;
        sig_data.extend_from_slice(&att_pub);
        sig_data.extend_from_slice(&6u16.to_le_bytes());
        sig_data.extend_from_slice(&(qe_data.len() as u32).to_le_bytes());
        sig_data.extend_from_slice(&qe_data);

        let mut quote = signed;
        quote.extend_from_slice(&(sig_data.len() as u32).to_le_bytes());
        quote.extend_from_slice(&sig_data);
        quote
    }

    fn redate(json: &str, issued: i64, next: i64) -> String {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("issueDate".into(), der::rfc3339(issued).into());
            o.insert("nextUpdate".into(), der::rfc3339(next).into());
        }
        v.to_string()
    }

    /// TCB Info (`{"tcbInfo":…,"signature":…}` as Intel PCS serves it) issued at `issued`,
    /// valid for 30 days.
    pub fn tcb_info(&self, issued: i64) -> (String, String) {
        let body = Self::redate(&self.tcb_info, issued, issued + 30 * 86_400);
        let sig = hex::encode(self.tcb_signer.key.sign_raw(body.as_bytes()));
        (body, sig)
    }

    /// QE Identity issued at `issued`, valid for 30 days, with its signature (hex).
    pub fn qe_identity(&self, issued: i64) -> (String, String) {
        let body = Self::redate(&self.qe_identity, issued, issued + 30 * 86_400);
        let sig = hex::encode(self.tcb_signer.key.sign_raw(body.as_bytes()));
        (body, sig)
    }

    /// The TCB-signing chain (signer, root; PEM).
    pub fn tcb_chain_pem(&self) -> String {
        format!("{}{}", self.tcb_signer.pem(), self.root.pem())
    }

    /// The PCK CRL issuer chain (platform CA, root; PEM).
    pub fn pck_crl_chain_pem(&self) -> String {
        format!("{}{}", self.platform_ca.pem(), self.root.pem())
    }

    /// The root CA CRL issued at `issued` (valid 30 days).
    pub fn root_crl(&self, issued: i64) -> Vec<u8> {
        x509::crl(&self.root, 1, issued, issued + 30 * 86_400)
    }

    /// The PCK (platform) CA CRL issued at `issued` (valid 30 days).
    pub fn pck_crl(&self, issued: i64) -> Vec<u8> {
        x509::crl(&self.platform_ca, 1, issued, issued + 30 * 86_400)
    }

    /// Complete collateral (dcap-qvl's `QuoteCollateralV3` JSON) issued at `issued`.
    pub fn collateral_json(&self, issued: i64) -> String {
        self.collateral_json_qe_min(issued, None)
    }

    /// [`Intel::collateral_json`], with the QE Identity's TCB levels requiring QE ISVSVN
    /// `min_qe_isvsvn` when given (so the test QE is below every level).
    pub fn collateral_json_qe_min(&self, issued: i64, min_qe_isvsvn: Option<u16>) -> String {
        let (tcb, tcb_sig) = self.tcb_info(issued);
        let (qe, qe_sig) = match min_qe_isvsvn {
            None => self.qe_identity(issued),
            Some(min) => {
                let mut v: serde_json::Value =
                    serde_json::from_str(&self.qe_identity).unwrap_or_default();
                if let Some(levels) = v.get_mut("tcbLevels").and_then(|l| l.as_array_mut()) {
                    for level in levels {
                        level["tcb"]["isvsvn"] = min.into();
                    }
                }
                let body = Self::redate(&v.to_string(), issued, issued + 30 * 86_400);
                let sig = hex::encode(self.tcb_signer.key.sign_raw(body.as_bytes()));
                (body, sig)
            }
        };
        serde_json::json!({
            "pck_crl_issuer_chain": self.pck_crl_chain_pem(),
            "root_ca_crl": hex::encode(self.root_crl(issued)),
            "pck_crl": hex::encode(self.pck_crl(issued)),
            "tcb_info_issuer_chain": self.tcb_chain_pem(),
            "tcb_info": tcb,
            "tcb_info_signature": tcb_sig,
            "qe_identity_issuer_chain": self.tcb_chain_pem(),
            "qe_identity": qe,
            "qe_identity_signature": qe_sig,
        })
        .to_string()
    }
}

impl Default for Intel {
    fn default() -> Self {
        Intel::new()
    }
}
