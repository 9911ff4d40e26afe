//! NVIDIA reference integrity manifests (RIMs): ISO/IEC 19770-2:2015 SWID tags that list the
//! golden SHA-384 measurements of a GPU driver or VBIOS, signed with an enveloped XML-DSig
//! signature (Canonical XML 1.1, ECDSA P-384 / SHA-384).
//!
//! [`verify_rim`] checks a RIM in three independent parts and reports each:
//! * **schema**: strict structural checks standing in for NVIDIA's XSD validation (root
//!   `SoftwareIdentity` in the SWID 2015 namespace with `Entity`, `Meta`, `Payload` and the
//!   `ds:Signature` as its element children, in that order; every `Resource` well-formed);
//! * **signature**: the XML-DSig profile NVIDIA uses, and nothing else (one `Reference URI=""`,
//!   enveloped-signature then C14N 1.1, SHA-384 digest, raw `r‖s` ECDSA P-384 signature by the
//!   first embedded certificate);
//! * **chain**: the embedded certificates validated to the caller's anchor at the caller's
//!   time. Expiry is reported, not enforced (NVIDIA's RIM signer certificates live two years).
//!
//! A [`Rim`] is only returned when schema and signature pass, and its measurements are read from
//! the very document whose signature verified. [`compare`] then appraises runtime measurements
//! against a driver and a VBIOS RIM with the rules of NVIDIA's `nvat` library.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;

use crate::crypto;
use crate::x509::{self, Certificate, ChainReport, ChainStatus, LeafUse};
use crate::xml::{self, Document, Element};

/// The SWID 2015 namespace of `SoftwareIdentity` and its children.
pub const NS_SWID: &str = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
/// The namespace of the `HashN` attributes of a `Resource`.
pub const NS_SHA384: &str = "http://www.w3.org/2001/04/xmlenc#sha384";
/// The TCG RIM information-model namespace (`Meta/@FirmwareManufacturerId`).
pub const NS_TCG_RIM: &str = "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
/// The XML-DSig namespace.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Canonical XML 1.1 without comments.
pub const ALG_C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// ECDSA with SHA-384.
pub const ALG_ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
/// The enveloped-signature transform.
pub const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// SHA-384 as an XML-DSig digest method.
pub const ALG_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";

/// Most `Resource` elements one RIM may hold (Hopper RIMs have 64).
pub const MAX_RESOURCES: usize = 1024;
/// Most alternatives one golden measurement may list (Hopper RIMs use at most 4).
pub const MAX_ALTERNATIVES: usize = 64;
/// Length of a golden measurement in bytes (SHA-384).
pub const MEASUREMENT_LEN: usize = 48;
/// NVDEC0 status value meaning "NVDEC0 enabled" (report TLV 11).
pub const NVDEC0_ENABLED: u8 = 0xAA;
/// NVDEC0 status value meaning "NVDEC0 disabled": golden index 35 is then not compared.
pub const NVDEC0_DISABLED: u8 = 0x55;
/// The golden index skipped when NVDEC0 is disabled.
pub const NVDEC0_INDEX: u32 = 35;

/// One golden measurement (`Payload/Resource`) of a RIM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoldenMeasurement {
    /// The 0-based RIM index; it is compared with SPDM measurement block `index + 1`.
    pub index: u32,
    /// Whether the measurement is compared (`active="True"`; anything but `"True"` and
    /// `"False"` is rejected by the schema check).
    pub active: bool,
    /// The `size` attribute: the expected length of the runtime value in bytes.
    pub size: usize,
    /// The acceptable values (`Hash0`, `Hash1`, …), each 48 bytes; never empty.
    pub alternatives: Vec<Vec<u8>>,
    /// The `name` attribute (for example `HashedMeasurement_1_FSP`).
    pub name: String,
}

/// A RIM whose schema and XML signature verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rim {
    /// `SoftwareIdentity/@tagId`.
    pub tag_id: String,
    /// `Meta/@colloquialVersion`: the driver version (`550.90.07`) or the dotted VBIOS version
    /// (`96.00.9F.00.01`), as written (case varies between RIMs).
    pub version: String,
    /// `Meta/@product` (`GH100`), if present.
    pub product: Option<String>,
    /// `Meta/@FirmwareManufacturerId` in the TCG RIM namespace (`5703`), if present; NVIDIA
    /// reports it as the `oemid` claim.
    pub firmware_manufacturer_id: Option<String>,
    /// The golden measurements, in document order.
    pub measurements: Vec<GoldenMeasurement>,
    /// The certificates embedded in the signature's `KeyInfo`, leaf (the signer) first.
    pub signer_chain: Vec<Arc<Certificate>>,
    /// SHA-256 of the RIM's XML bytes.
    pub sha256: [u8; 32],
}

impl Rim {
    /// The indices of the active golden measurements, in document order.
    pub fn active_indices(&self) -> Vec<u32> {
        self.measurements
            .iter()
            .filter(|m| m.active)
            .map(|m| m.index)
            .collect()
    }
}

/// The outcome of [`verify_rim`]: each part is reported on its own so that callers can tell
/// a forged RIM from an expired one.
#[derive(Clone, Debug)]
pub struct RimReport {
    /// The structural ("schema") checks: `Err` holds the first reason found.
    pub schema: Result<(), String>,
    /// The XML-DSig verification: `Err` holds the reason.
    pub signature: Result<(), String>,
    /// Path validation of the embedded certificates to the anchor at the given time (keyUsage
    /// digitalSignature required on the leaf). Not enforced here: expiry is for the policy.
    pub chain: ChainReport,
    /// The parsed RIM, present only when `schema` and `signature` are both `Ok`.
    pub rim: Option<Arc<Rim>>,
}

impl RimReport {
    /// True when schema, signature and chain all passed, the chain being valid at the time
    /// given to [`verify_rim`].
    pub fn is_fully_valid(&self) -> bool {
        self.schema.is_ok()
            && self.signature.is_ok()
            && self.chain.status == ChainStatus::Valid
            && self.rim.is_some()
    }
}

/// Most successful verifications remembered by [`verify_rim`].
const CACHE_MAX: usize = 64;

fn cache() -> &'static Mutex<HashMap<[u8; 32], Arc<Rim>>> {
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Arc<Rim>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Forgets every cached RIM verification.
pub fn clear_cache() {
    if let Ok(mut c) = cache().lock() {
        c.clear();
    }
}

/// Verifies a RIM (the XML bytes as served by NVIDIA's RIM service or shipped as a
/// `.swidtag`) against the RIM-signing trust `anchor` at `now` (Unix seconds).
///
/// Successful schema and signature results are cached process-wide by the SHA-256 of `xml`
/// (at most 64 entries); the chain is validated again on every call, so `now` is always
/// honoured.
pub fn verify_rim(xml: &[u8], anchor: &Arc<Certificate>, now: i64) -> RimReport {
    let digest = crypto::sha256(xml);
    let cached = cache().lock().ok().and_then(|c| c.get(&digest).cloned());
    if let Some(rim) = cached {
        let chain = x509::validate_chain(&rim.signer_chain, anchor, now, LeafUse::DigitalSignature);
        return RimReport {
            schema: Ok(()),
            signature: Ok(()),
            chain,
            rim: Some(rim),
        };
    }
    let invalid_chain = |why: &str| ChainReport {
        status: ChainStatus::Invalid(why.to_string()),
        path: Vec::new(),
        earliest_not_after: None,
    };
    let doc = match xml::parse(xml) {
        Ok(d) => d,
        Err(e) => {
            return RimReport {
                schema: Err(format!("not well-formed XML: {e}")),
                signature: Err("not checked: the document is not well-formed".into()),
                chain: invalid_chain("not checked: the document is not well-formed"),
                rim: None,
            };
        }
    };
    let content = check_schema(&doc);
    let sig = find_signature(&doc).and_then(|path| verify_signature(&doc, &path));
    let (signature, signer_chain) = match sig {
        Ok(chain) => (Ok(()), Some(chain)),
        Err(SigError { reason, chain }) => (Err(reason), chain),
    };
    let chain = match &signer_chain {
        Some(c) => x509::validate_chain(c, anchor, now, LeafUse::DigitalSignature),
        None => invalid_chain("no usable embedded certificate chain"),
    };
    let (schema, rim) = match (content, &signature, signer_chain) {
        (Ok(c), Ok(()), Some(signer_chain)) => {
            let rim = Arc::new(Rim {
                tag_id: c.tag_id,
                version: c.version,
                product: c.product,
                firmware_manufacturer_id: c.firmware_manufacturer_id,
                measurements: c.measurements,
                signer_chain,
                sha256: digest,
            });
            if let Ok(mut cache) = cache().lock() {
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
                cache.insert(digest, Arc::clone(&rim));
            }
            (Ok(()), Some(rim))
        }
        (Ok(_), _, _) => (Ok(()), None),
        (Err(e), _, _) => (Err(e), None),
    };
    RimReport {
        schema,
        signature,
        chain,
        rim,
    }
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

/// What the structural checks extract.
struct Content {
    tag_id: String,
    version: String,
    product: Option<String>,
    firmware_manufacturer_id: Option<String>,
    measurements: Vec<GoldenMeasurement>,
}

fn check_schema(doc: &Document) -> Result<Content, String> {
    let root = &doc.root;
    if !root.is(NS_SWID, "SoftwareIdentity") {
        return Err(format!(
            "the root element is <{}> in namespace {}, expected SoftwareIdentity in {NS_SWID}",
            root.qname(),
            root.namespace.as_deref().unwrap_or("(none)")
        ));
    }
    if root.has_non_whitespace_text() {
        return Err("text directly inside SoftwareIdentity".into());
    }
    let tag_id = required(root, "tagId")?;
    required(root, "name")?;
    let children: Vec<&Element> = root.child_elements().map(|(_, e)| e).collect();
    let names: Vec<String> = children.iter().map(|e| e.qname()).collect();
    let shape_ok = children.len() == 4
        && children[0].is(NS_SWID, "Entity")
        && children[1].is(NS_SWID, "Meta")
        && children[2].is(NS_SWID, "Payload")
        && children[3].is(NS_DSIG, "Signature");
    if !shape_ok {
        return Err(format!(
            "SoftwareIdentity must contain exactly Entity, Meta, Payload (SWID 2015 namespace) \
             and ds:Signature, in that order; found [{}]",
            names.join(", ")
        ));
    }
    let (entity, meta, payload) = (children[0], children[1], children[2]);
    for e in [entity, meta] {
        if e.child_elements().next().is_some() || e.has_non_whitespace_text() {
            return Err(format!("<{}> must be empty", e.qname()));
        }
    }
    required(entity, "name")?;
    required(entity, "role")?;
    let version = required(meta, "colloquialVersion")?;
    let product = meta.attr("product").map(str::to_string);
    let firmware_manufacturer_id = meta
        .attr_ns(NS_TCG_RIM, "FirmwareManufacturerId")
        .map(str::to_string);
    if payload.has_non_whitespace_text() {
        return Err("text directly inside Payload".into());
    }
    let mut measurements = Vec::new();
    let mut seen = HashSet::new();
    for (_, r) in payload.child_elements() {
        if !r.is(NS_SWID, "Resource") {
            return Err(format!("unexpected <{}> inside Payload", r.qname()));
        }
        if measurements.len() >= MAX_RESOURCES {
            return Err(format!("more than {MAX_RESOURCES} Resource elements"));
        }
        let m = parse_resource(r)?;
        if !seen.insert(m.index) {
            return Err(format!("duplicate Resource index {}", m.index));
        }
        measurements.push(m);
    }
    if measurements.is_empty() {
        return Err("Payload holds no Resource".into());
    }
    Ok(Content {
        tag_id,
        version,
        product,
        firmware_manufacturer_id,
        measurements,
    })
}

fn required(e: &Element, name: &str) -> Result<String, String> {
    match e.attr(name) {
        Some(v) if !v.trim().is_empty() => Ok(v.to_string()),
        Some(_) => Err(format!("<{}> has an empty {name} attribute", e.qname())),
        None => Err(format!("<{}> lacks the {name} attribute", e.qname())),
    }
}

/// A non-negative decimal integer without sign or leading zeros.
fn parse_decimal(s: &str) -> Option<u32> {
    let canonical = !s.is_empty()
        && s.len() <= 9
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

fn parse_resource(r: &Element) -> Result<GoldenMeasurement, String> {
    if r.child_elements().next().is_some() || r.has_non_whitespace_text() {
        return Err("a Resource element must be empty".into());
    }
    let index_text = r
        .attr("index")
        .ok_or("a Resource lacks the index attribute")?;
    let index = parse_decimal(index_text)
        .ok_or_else(|| format!("Resource index \"{index_text}\" is not a decimal integer"))?;
    let at = |msg: String| format!("Resource index {index}: {msg}");
    match r.attr("type") {
        Some("Measurement") => {}
        Some(t) => return Err(at(format!("type is \"{t}\", expected \"Measurement\""))),
        None => return Err(at("lacks the type attribute".into())),
    }
    let active = match r.attr("active") {
        Some("True") => true,
        Some("False") => false,
        Some(v) => {
            return Err(at(format!(
                "active is \"{v}\"; only \"True\" and \"False\" are allowed"
            )));
        }
        None => return Err(at("lacks the active attribute".into())),
    };
    let alt_text = r
        .attr("alternatives")
        .ok_or_else(|| at("lacks the alternatives attribute".into()))?;
    let alternatives_count = parse_decimal(alt_text)
        .map(|n| n as usize)
        .filter(|n| (1..=MAX_ALTERNATIVES).contains(n))
        .ok_or_else(|| {
            at(format!(
                "alternatives \"{alt_text}\" is not an integer in 1..={MAX_ALTERNATIVES}"
            ))
        })?;
    let size_text = r
        .attr("size")
        .ok_or_else(|| at("lacks the size attribute".into()))?;
    let size = parse_decimal(size_text)
        .map(|n| n as usize)
        .ok_or_else(|| at(format!("size \"{size_text}\" is not a decimal integer")))?;
    if size != MEASUREMENT_LEN {
        return Err(at(format!(
            "size is {size}, but SHA-384 golden values are {MEASUREMENT_LEN} bytes"
        )));
    }
    let name = r
        .attr("name")
        .ok_or_else(|| at("lacks the name attribute".into()))?
        .to_string();
    for a in &r.attributes {
        match a.namespace.as_deref() {
            None => {
                if !matches!(
                    a.local.as_str(),
                    "type" | "index" | "active" | "alternatives" | "name" | "size"
                ) {
                    return Err(at(format!("unexpected attribute {}", a.local)));
                }
            }
            Some(NS_SHA384) => {
                let k = a
                    .local
                    .strip_prefix("Hash")
                    .and_then(parse_decimal)
                    .map(|k| k as usize);
                if k.is_none_or(|k| k >= alternatives_count) {
                    return Err(at(format!(
                        "unexpected attribute {{{NS_SHA384}}}{} (alternatives = {alternatives_count})",
                        a.local
                    )));
                }
            }
            Some(_) => {}
        }
    }
    let mut alternatives = Vec::with_capacity(alternatives_count);
    for k in 0..alternatives_count {
        let local = format!("Hash{k}");
        let hex_text = r.attr_ns(NS_SHA384, &local).ok_or_else(|| {
            at(format!(
                "alternatives = {alternatives_count} but Hash{k} (in namespace {NS_SHA384}) is missing"
            ))
        })?;
        let lower_hex = hex_text.len() == 2 * MEASUREMENT_LEN
            && hex_text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let value = if lower_hex {
            hex::decode(hex_text).ok()
        } else {
            None
        };
        let value = value.ok_or_else(|| {
            at(format!(
                "Hash{k} is not {} lower-case hex digits",
                2 * MEASUREMENT_LEN
            ))
        })?;
        alternatives.push(value);
    }
    Ok(GoldenMeasurement {
        index,
        active,
        size,
        alternatives,
        name,
    })
}

// ---------------------------------------------------------------------------------------------
// XML-DSig
// ---------------------------------------------------------------------------------------------

struct SigError {
    reason: String,
    /// The embedded chain when it could be read (so the chain is still reported).
    chain: Option<Vec<Arc<Certificate>>>,
}

impl From<String> for SigError {
    fn from(reason: String) -> Self {
        SigError {
            reason,
            chain: None,
        }
    }
}

/// The path of the one `ds:Signature` element child of the root. A signature anywhere else,
/// or more than one, is refused.
fn find_signature(doc: &Document) -> Result<Vec<usize>, SigError> {
    let sigs: Vec<usize> = doc
        .root
        .child_elements()
        .filter(|(_, e)| e.is(NS_DSIG, "Signature"))
        .map(|(i, _)| i)
        .collect();
    match sigs.as_slice() {
        [one] => {
            let last_element = doc.root.child_elements().last().map(|(i, _)| i);
            if last_element != Some(*one) {
                return Err("ds:Signature is not the last element of SoftwareIdentity"
                    .to_string()
                    .into());
            }
            Ok(vec![*one])
        }
        [] => Err("no ds:Signature element under SoftwareIdentity"
            .to_string()
            .into()),
        _ => Err("more than one ds:Signature element under SoftwareIdentity"
            .to_string()
            .into()),
    }
}

/// The element children of `e`, refusing any non-whitespace text between them.
fn element_children(e: &Element) -> Result<Vec<(usize, &Element)>, String> {
    if e.has_non_whitespace_text() {
        return Err(format!("unexpected text inside <{}>", e.qname()));
    }
    Ok(e.child_elements().collect())
}

/// Whether `e` carries no attribute other than an un-prefixed `Id`.
fn only_id_attribute(e: &Element) -> bool {
    e.attributes
        .iter()
        .all(|a| a.namespace.is_none() && a.local == "Id")
}

/// Requires `e` to be `{NS_DSIG}local`.
fn expect_ds(e: &Element, local: &str) -> Result<(), String> {
    if e.is(NS_DSIG, local) {
        Ok(())
    } else {
        Err(format!(
            "found <{}> where ds:{local} was expected",
            e.qname()
        ))
    }
}

/// Requires `e` to be an empty `ds:<local>` whose only attribute is `Algorithm="<alg>"`.
fn expect_algorithm(e: &Element, local: &str, alg: &str) -> Result<(), String> {
    expect_ds(e, local)?;
    if !element_children(e)?.is_empty() {
        return Err(format!("ds:{local} must not have child elements"));
    }
    if e.attributes.len() != 1 {
        return Err(format!(
            "ds:{local} must carry only the Algorithm attribute"
        ));
    }
    match e.attr("Algorithm") {
        Some(a) if a == alg => Ok(()),
        Some(a) => Err(format!(
            "ds:{local} Algorithm is {a}, only {alg} is accepted"
        )),
        None => Err(format!("ds:{local} lacks its Algorithm attribute")),
    }
}

/// The text content of a leaf element, decoded as base64 with XML whitespace removed.
fn base64_content(e: &Element, what: &str) -> Result<Vec<u8>, String> {
    if e.child_elements().next().is_some() {
        return Err(format!("{what} must hold only text"));
    }
    let text: String = e
        .text()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|err| format!("{what} is not valid base64: {err}"))
}

fn verify_signature(doc: &Document, sig_path: &[usize]) -> Result<Vec<Arc<Certificate>>, SigError> {
    let sig = doc
        .element_at(sig_path)
        .ok_or_else(|| SigError::from("signature element not found".to_string()))?;
    if !only_id_attribute(sig) {
        return Err("ds:Signature carries unexpected attributes"
            .to_string()
            .into());
    }
    let parts = element_children(sig)?;
    let [(si_index, signed_info), (_, sig_value), (_, key_info)] = parts.as_slice() else {
        return Err(format!(
            "ds:Signature must contain exactly SignedInfo, SignatureValue and KeyInfo; found {} elements",
            parts.len()
        )
        .into());
    };
    expect_ds(signed_info, "SignedInfo")?;
    expect_ds(sig_value, "SignatureValue")?;
    expect_ds(key_info, "KeyInfo")?;

    // KeyInfo: exactly one X509Data holding 1..=MAX_CHAIN_LEN X509Certificate.
    let chain = embedded_chain(key_info)?;

    let fail = |reason: String| SigError {
        reason,
        chain: Some(chain.clone()),
    };

    // SignedInfo: the exact algorithms and one Reference.
    if !signed_info.attributes.is_empty() {
        return Err(fail("ds:SignedInfo carries attributes".into()));
    }
    let si = element_children(signed_info).map_err(&fail)?;
    let [(_, c14n), (_, sig_method), (_, reference)] = si.as_slice() else {
        return Err(fail(format!(
            "ds:SignedInfo must contain exactly CanonicalizationMethod, SignatureMethod and one \
             Reference; found {} elements",
            si.len()
        )));
    };
    expect_algorithm(c14n, "CanonicalizationMethod", ALG_C14N11).map_err(&fail)?;
    expect_algorithm(sig_method, "SignatureMethod", ALG_ECDSA_SHA384).map_err(&fail)?;
    expect_ds(reference, "Reference").map_err(&fail)?;
    if reference.attributes.len() != 1 || reference.attr("URI") != Some("") {
        return Err(fail(
            "ds:Reference must carry exactly URI=\"\" (the whole document)".into(),
        ));
    }
    let rc = element_children(reference).map_err(&fail)?;
    let [(_, transforms), (_, digest_method), (_, digest_value)] = rc.as_slice() else {
        return Err(fail(format!(
            "ds:Reference must contain exactly Transforms, DigestMethod and DigestValue; found {} \
             elements",
            rc.len()
        )));
    };
    expect_ds(transforms, "Transforms").map_err(&fail)?;
    if !transforms.attributes.is_empty() {
        return Err(fail("ds:Transforms carries attributes".into()));
    }
    let tc = element_children(transforms).map_err(&fail)?;
    let [(_, t1), (_, t2)] = tc.as_slice() else {
        return Err(fail(format!(
            "ds:Transforms must hold exactly enveloped-signature then C14N 1.1; found {} \
             transforms",
            tc.len()
        )));
    };
    expect_algorithm(t1, "Transform", ALG_ENVELOPED).map_err(&fail)?;
    expect_algorithm(t2, "Transform", ALG_C14N11).map_err(&fail)?;
    expect_algorithm(digest_method, "DigestMethod", ALG_SHA384).map_err(&fail)?;
    expect_ds(digest_value, "DigestValue").map_err(&fail)?;
    let expected_digest = base64_content(digest_value, "ds:DigestValue").map_err(&fail)?;
    if expected_digest.len() != 48 {
        return Err(fail(format!(
            "ds:DigestValue holds {} bytes, SHA-384 needs 48",
            expected_digest.len()
        )));
    }
    if !only_id_attribute(sig_value) {
        return Err(fail(
            "ds:SignatureValue carries unexpected attributes".into(),
        ));
    }
    let signature_value = base64_content(sig_value, "ds:SignatureValue").map_err(&fail)?;
    if signature_value.len() != 96 {
        return Err(fail(format!(
            "ds:SignatureValue holds {} bytes; ECDSA P-384 raw r||s needs 96",
            signature_value.len()
        )));
    }

    // 1. Reference digest over the document minus the signature, C14N 1.1.
    let canonical_doc = xml::canonicalize(doc, Some(sig_path))
        .map_err(|e| fail(format!("canonicalising the document: {e}")))?;
    if crypto::sha384(&canonical_doc)[..] != expected_digest[..] {
        return Err(fail(
            "reference digest mismatch: the document was modified after signing".into(),
        ));
    }

    // 2. SignatureValue over canonical SignedInfo (with inherited namespaces), first cert.
    let mut si_path = sig_path.to_vec();
    si_path.push(*si_index);
    let canonical_si = xml::canonicalize_subtree(doc, &si_path)
        .map_err(|e| fail(format!("canonicalising SignedInfo: {e}")))?;
    let signer = &chain[0];
    if signer.p384_point.is_none() {
        return Err(fail(format!(
            "the signer certificate '{}' does not hold a P-384 key",
            signer.display_name()
        )));
    }
    if !signer.verify_raw(&canonical_si, &signature_value) {
        return Err(fail(format!(
            "SignatureValue does not verify with the key of '{}'",
            signer.display_name()
        )));
    }
    Ok(chain)
}

fn embedded_chain(key_info: &Element) -> Result<Vec<Arc<Certificate>>, String> {
    let kc = element_children(key_info)?;
    let [(_, x509_data)] = kc.as_slice() else {
        return Err(format!(
            "ds:KeyInfo must hold exactly one X509Data; found {} elements",
            kc.len()
        ));
    };
    expect_ds(x509_data, "X509Data")?;
    let certs = element_children(x509_data)?;
    if certs.is_empty() || certs.len() > x509::MAX_CHAIN_LEN {
        return Err(format!(
            "ds:X509Data holds {} certificates (1..={} accepted)",
            certs.len(),
            x509::MAX_CHAIN_LEN
        ));
    }
    let mut chain = Vec::with_capacity(certs.len());
    for (n, (_, c)) in certs.iter().enumerate() {
        expect_ds(c, "X509Certificate")?;
        let der = base64_content(c, "ds:X509Certificate")?;
        let cert =
            Certificate::from_der(&der).map_err(|e| format!("embedded certificate {n}: {e}"))?;
        chain.push(Arc::new(cert));
    }
    Ok(chain)
}

// ---------------------------------------------------------------------------------------------
// Golden comparison
// ---------------------------------------------------------------------------------------------

/// Which RIM a golden measurement came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeasurementSource {
    /// The driver RIM.
    Driver,
    /// The VBIOS (firmware) RIM.
    Firmware,
}

impl MeasurementSource {
    /// `"Driver"` or `"Firmware"`, as NVIDIA's `measurementSource` field spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasurementSource::Driver => "Driver",
            MeasurementSource::Firmware => "Firmware",
        }
    }
}

/// A golden measurement that the runtime value does not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The 0-based golden index (runtime SPDM block `index + 1`).
    pub index: u32,
    /// The RIM the golden value came from.
    pub source: MeasurementSource,
    /// The acceptable golden values.
    pub golden: Vec<Vec<u8>>,
    /// The golden `size`.
    pub golden_size: usize,
    /// The runtime value, `None` when the report has no such block.
    pub runtime: Option<Vec<u8>>,
}

/// The result of [`compare`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Golden indices active in both RIMs (or twice in one): an index conflict. Such indices
    /// are not compared.
    pub conflicts: Vec<u32>,
    /// Golden measurements whose runtime value differs or is missing, ordered by index.
    pub mismatches: Vec<Mismatch>,
    /// How many golden measurements were compared (matched or not).
    pub compared: usize,
    /// Golden indices deliberately not compared (index 35 when NVDEC0 is disabled).
    pub skipped: Vec<u32>,
    /// Set when the comparison could not be done (invalid NVDEC0 status, duplicate runtime
    /// block). Nothing is compared then.
    pub error: Option<String>,
}

impl Comparison {
    /// NVIDIA's `measres` "success": no error, no conflict, no mismatch, and at least one
    /// measurement compared.
    pub fn is_success(&self) -> bool {
        self.error.is_none()
            && self.conflicts.is_empty()
            && self.mismatches.is_empty()
            && self.compared > 0
    }
}

/// Compares runtime measurements with the active golden measurements of a driver and a VBIOS
/// RIM, with the rules of NVIDIA's `nvat` library:
///
/// * only entries with `active` true count; driver entries come first, then VBIOS entries, and
///   an index active in both is an index conflict (recorded in `conflicts`, not compared);
/// * `nvdec0_status` is report TLV 11: `0x55` (disabled) skips golden index 35, `0xAA`
///   (enabled) compares it, and any other value is an error;
/// * golden index `i` is compared with the runtime block whose 1-based SPDM index is `i + 1`;
///   it matches when one alternative equals the runtime bytes and `size` equals their length;
///   a missing runtime block is a mismatch.
///
/// `runtime` holds `(SPDM block index, value)` pairs as found in the attestation report.
pub fn compare(
    driver: Option<&Rim>,
    vbios: Option<&Rim>,
    runtime: &[(u8, Vec<u8>)],
    nvdec0_status: u8,
) -> Comparison {
    let mut out = Comparison::default();
    let skip_nvdec0 = match nvdec0_status {
        NVDEC0_DISABLED => true,
        NVDEC0_ENABLED => false,
        other => {
            out.error = Some(format!(
                "NVDEC0 status 0x{other:02x} is neither 0xAA (enabled) nor 0x55 (disabled)"
            ));
            return out;
        }
    };
    let mut blocks: HashMap<u8, &[u8]> = HashMap::new();
    for (index, value) in runtime {
        if blocks.insert(*index, value.as_slice()).is_some() {
            out.error = Some(format!("runtime measurement block {index} appears twice"));
            return out;
        }
    }
    let golden: Vec<(MeasurementSource, &GoldenMeasurement)> = [
        (MeasurementSource::Driver, driver),
        (MeasurementSource::Firmware, vbios),
    ]
    .into_iter()
    .filter_map(|(src, rim)| rim.map(|r| (src, r)))
    .flat_map(|(src, rim)| {
        rim.measurements
            .iter()
            .filter(|m| m.active)
            .map(move |m| (src, m))
    })
    .collect();
    let mut count: HashMap<u32, usize> = HashMap::new();
    for (_, m) in &golden {
        *count.entry(m.index).or_default() += 1;
    }
    let mut conflicts: Vec<u32> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(i, _)| *i)
        .collect();
    conflicts.sort_unstable();
    for (source, m) in golden {
        if conflicts.contains(&m.index) {
            continue;
        }
        if skip_nvdec0 && m.index == NVDEC0_INDEX {
            out.skipped.push(m.index);
            continue;
        }
        out.compared += 1;
        let runtime_value = u8::try_from(u64::from(m.index) + 1)
            .ok()
            .and_then(|spdm| blocks.get(&spdm).copied());
        let matched = runtime_value.is_some_and(|rt| {
            m.size == rt.len() && m.alternatives.iter().any(|alt| alt.as_slice() == rt)
        });
        if !matched {
            out.mismatches.push(Mismatch {
                index: m.index,
                source,
                golden: m.alternatives.clone(),
                golden_size: m.size,
                runtime: runtime_value.map(<[u8]>::to_vec),
            });
        }
    }
    out.mismatches.sort_by_key(|m| m.index);
    out.conflicts = conflicts;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &[u8] = include_bytes!(
        "../../../tests/vectors/gpu/nvidia/rims/1010_0200_882_96005E0001_PROD.swidtag"
    );
    const DRIVER: &[u8] =
        include_bytes!("../../../tests/vectors/gpu/nvidia/rims/Driver_RIM_test_no_gpu.swidtag");
    const RIM_ROOT: &[u8] = include_bytes!("roots/verifier_RIM_root.pem");
    const JUNE_2024: i64 = 1_717_200_000;

    fn anchor() -> Arc<Certificate> {
        Arc::new(Certificate::from_pem_bundle(RIM_ROOT).unwrap().remove(0))
    }

    fn replace_once(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
        let s = std::str::from_utf8(xml).unwrap();
        assert_eq!(s.matches(from).count(), 1, "{from}");
        s.replacen(from, to, 1).into_bytes()
    }

    #[test]
    fn prod_vbios_rim_verifies() {
        let r = verify_rim(PROD, &anchor(), JUNE_2024);
        assert_eq!(r.schema, Ok(()));
        assert_eq!(r.signature, Ok(()));
        assert_eq!(r.chain.status, ChainStatus::Valid);
        let rim = r.rim.unwrap();
        assert_eq!(rim.version, "96.00.5E.00.01");
        assert_eq!(rim.product.as_deref(), Some("GH100"));
        assert_eq!(rim.firmware_manufacturer_id.as_deref(), Some("5703"));
        assert_eq!(rim.measurements.len(), 64);
        assert_eq!(rim.signer_chain.len(), 4);
        assert_eq!(
            rim.active_indices(),
            vec![0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]
        );
        assert_eq!(rim.measurements[12].alternatives.len(), 4);
        // Second call comes from the cache and honours the new time.
        let again = verify_rim(PROD, &anchor(), 1_795_000_000);
        assert!(matches!(again.chain.status, ChainStatus::Expired { .. }));
        assert!(Arc::ptr_eq(again.rim.as_ref().unwrap(), &rim));
    }

    #[test]
    fn canonical_signed_info_needs_inherited_namespaces() {
        let doc = xml::parse(PROD).unwrap();
        let sig = find_signature(&doc).ok().unwrap();
        let mut si = sig.clone();
        si.push(0);
        let good = xml::canonicalize_subtree(&doc, &si).unwrap();
        let good_text = std::str::from_utf8(&good).unwrap();
        assert!(good_text.starts_with(
            "<ds:SignedInfo xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" \
             xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" \
             xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" \
             xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\">"
        ));
        // The classic bug: canonicalising SignedInfo as if it were a document of its own.
        let alone = xml::Document {
            root: doc.element_at(&si).unwrap().clone(),
        };
        let mut alone_root = alone.root.clone();
        alone_root.namespace_decls = vec![xml::NamespaceDecl {
            prefix: Some("ds".into()),
            uri: NS_DSIG.into(),
        }];
        let bad = xml::canonicalize(&xml::Document { root: alone_root }, None).unwrap();
        assert_ne!(good, bad);
        let sig_el = doc.element_at(&sig).unwrap();
        let (_, sv) = sig_el.child_elements().nth(1).unwrap();
        let sv = base64_content(sv, "sv").unwrap();
        let (_, ki) = sig_el.child_elements().nth(2).unwrap();
        let chain = embedded_chain(ki).unwrap();
        assert!(chain[0].verify_raw(&good, &sv));
        assert!(!chain[0].verify_raw(&bad, &sv));
    }

    #[test]
    fn digest_covers_measurements() {
        let bad = replace_once(
            PROD,
            "ns2:Hash0=\"c3f65ef79a19c029868cd7ce54b10e44f192444edb3506dde29cef2aac4e916c90a4f438e55aa7581a9e384c74d82db6\"",
            "ns2:Hash0=\"d3f65ef79a19c029868cd7ce54b10e44f192444edb3506dde29cef2aac4e916c90a4f438e55aa7581a9e384c74d82db6\"",
        );
        let r = verify_rim(&bad, &anchor(), JUNE_2024);
        assert_eq!(r.schema, Ok(()));
        assert!(r.signature.unwrap_err().contains("digest"));
        assert!(r.rim.is_none());
        // The chain is still reported.
        assert_eq!(r.chain.status, ChainStatus::Valid);
    }

    #[test]
    fn schema_errors() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "index=\"7\" active=\"False\"",
                "index=\"7\" active=\"false\"",
                "active",
            ),
            (
                "index=\"7\" active=\"False\" alternatives=\"1\"",
                "index=\"7\" active=\"False\" alternatives=\"2\"",
                "Hash1",
            ),
            ("index=\"7\"", "index=\"6\"", "duplicate"),
            ("index=\"7\"", "index=\"07\"", "decimal"),
            ("ns0:Entity name", "ns0:Entityx name", "Entity"),
        ];
        for (from, to, why) in cases {
            let bad = replace_once(PROD, from, to);
            let r = verify_rim(&bad, &anchor(), JUNE_2024);
            let err = r.schema.unwrap_err();
            assert!(err.contains(why), "{err}");
            assert!(r.rim.is_none());
        }
        // Renaming an element breaks the digest as well as the schema.
        let r = verify_rim(
            &replace_once(PROD, "ns0:Payload xmlns", "ns0:PayloadX xmlns"),
            &anchor(),
            JUNE_2024,
        );
        assert!(r.schema.is_err());
    }

    #[test]
    fn hash_prefix_is_resolved_by_uri() {
        // Rewriting ns2:HashN to SHA384:HashN (the same URI) keeps the schema valid; the
        // canonical form changes, so the signature fails.
        let text = std::str::from_utf8(PROD)
            .unwrap()
            .replace("ns2:Hash", "SHA384:Hash");
        let r = verify_rim(text.as_bytes(), &anchor(), JUNE_2024);
        assert_eq!(r.schema, Ok(()));
        assert!(r.signature.is_err());
        // An undeclared prefix is a parse error.
        let text = std::str::from_utf8(PROD)
            .unwrap()
            .replacen("ns2:Hash0", "zz:Hash0", 1);
        assert!(
            verify_rim(text.as_bytes(), &anchor(), JUNE_2024)
                .schema
                .is_err()
        );
    }

    #[test]
    fn signature_profile_is_strict() {
        let cases: &[(&str, &str)] = &[
            ("xmldsig-more#ecdsa-sha384", "xmldsig-more#ecdsa-sha256"),
            ("<ds:Reference URI=\"\">", "<ds:Reference URI=\"#x\">"),
            (
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#sha384\"/>",
                "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
            ),
            (
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"/>",
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
            ),
        ];
        for (from, to) in cases {
            let r = verify_rim(&replace_once(PROD, from, to), &anchor(), JUNE_2024);
            assert!(r.signature.is_err(), "{to}");
            assert!(r.rim.is_none());
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for n in (0..PROD.len()).step_by(97) {
            let r = verify_rim(&PROD[..n], &anchor(), JUNE_2024);
            assert!(r.rim.is_none());
            assert!(r.schema.is_err() || r.signature.is_err());
        }
        for junk in [&b""[..], b"\xff\xfe", b"<a/>", b"<SoftwareIdentity/>"] {
            let r = verify_rim(junk, &anchor(), JUNE_2024);
            assert!(r.schema.is_err());
            assert!(r.signature.is_err());
            assert!(matches!(r.chain.status, ChainStatus::Invalid(_)));
        }
    }

    fn gm(index: u32, active: bool, alts: &[u8]) -> GoldenMeasurement {
        GoldenMeasurement {
            index,
            active,
            size: 48,
            alternatives: alts.iter().map(|b| vec![*b; 48]).collect(),
            name: format!("m{index}"),
        }
    }

    fn rim_of(ms: Vec<GoldenMeasurement>) -> Rim {
        Rim {
            tag_id: "t".into(),
            version: "v".into(),
            product: None,
            firmware_manufacturer_id: None,
            measurements: ms,
            signer_chain: Vec::new(),
            sha256: [0; 32],
        }
    }

    #[test]
    fn compare_rules() {
        let driver = rim_of(vec![
            gm(0, true, &[1]),
            gm(35, true, &[9]),
            gm(2, false, &[7]),
        ]);
        let vbios = rim_of(vec![gm(1, true, &[5, 2]), gm(3, true, &[3])]);
        let runtime: Vec<(u8, Vec<u8>)> =
            vec![(1, vec![1; 48]), (2, vec![2; 48]), (36, vec![0; 48])];
        let c = compare(Some(&driver), Some(&vbios), &runtime, NVDEC0_DISABLED);
        assert_eq!(c.error, None);
        assert_eq!(c.skipped, vec![35]);
        assert_eq!(c.compared, 3);
        assert_eq!(c.mismatches.len(), 1);
        assert_eq!(c.mismatches[0].index, 3);
        assert_eq!(c.mismatches[0].source, MeasurementSource::Firmware);
        assert_eq!(c.mismatches[0].runtime, None);
        assert!(!c.is_success());

        let c = compare(Some(&driver), Some(&vbios), &runtime, NVDEC0_ENABLED);
        assert_eq!(
            c.mismatches.iter().map(|m| m.index).collect::<Vec<_>>(),
            vec![3, 35]
        );
        assert_eq!(c.mismatches[1].runtime, Some(vec![0; 48]));
        assert_eq!(c.mismatches[1].source.as_str(), "Driver");

        let c = compare(Some(&driver), Some(&vbios), &runtime, 0x00);
        assert!(c.error.is_some());

        // Index conflict: active in both RIMs.
        let vb2 = rim_of(vec![gm(0, true, &[1])]);
        let c = compare(Some(&driver), Some(&vb2), &runtime, NVDEC0_DISABLED);
        assert_eq!(c.conflicts, vec![0]);
        assert!(!c.is_success());
        // Inactive entries never conflict.
        let vb3 = rim_of(vec![gm(0, false, &[1]), gm(1, true, &[2])]);
        let c = compare(Some(&driver), Some(&vb3), &runtime, NVDEC0_DISABLED);
        assert!(c.conflicts.is_empty());
        assert!(c.is_success(), "{c:?}");

        // Size must equal the runtime length.
        let mut odd = gm(0, true, &[1]);
        odd.size = 47;
        let c = compare(Some(&rim_of(vec![odd])), None, &runtime, NVDEC0_DISABLED);
        assert_eq!(c.mismatches.len(), 1);

        // Duplicate runtime block.
        let dup = vec![(1u8, vec![1; 48]), (1u8, vec![1; 48])];
        assert!(
            compare(Some(&driver), None, &dup, NVDEC0_ENABLED)
                .error
                .is_some()
        );
        // Golden index beyond any SPDM block: mismatch, no panic.
        let c = compare(
            Some(&rim_of(vec![gm(300, true, &[1])])),
            None,
            &runtime,
            NVDEC0_ENABLED,
        );
        assert_eq!(c.mismatches.len(), 1);
    }

    #[test]
    fn driver_rim_active_set() {
        let r = verify_rim(DRIVER, &anchor(), JUNE_2024);
        assert!(r.is_fully_valid(), "{r:?}");
        let rim = r.rim.unwrap();
        assert_eq!(rim.version, "545.00");
        let mut expected = vec![7];
        expected.extend(21..=40);
        assert_eq!(rim.active_indices(), expected);
        for m in &rim.measurements {
            let want = if [23, 24, 35].contains(&m.index) {
                2
            } else {
                1
            };
            assert_eq!(m.alternatives.len(), want, "index {}", m.index);
        }
    }
}
