//! RIM verification (schema, XML-DSig, signer chain) and golden-measurement comparison against
//! NVIDIA's 26 bundled RIMs and sample report, and against the synthetic RIMs in
//! `tests/vectors/gpu/synthetic/` (written once by `tests/vectors/gen/gpu_rims.py` with a TEST
//! PKI; see its README).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use ccverify::crypto::sha384;
use ccverify::gpu::rim::{
    Comparison, MeasurementSource, NVDEC0_DISABLED, NVDEC0_ENABLED, Rim, RimReport, compare,
    verify_rim,
};
use ccverify::gpu::roots::TrustAnchors;
use ccverify::x509::{Certificate, ChainStatus};
use ccverify::xml;

/// 2024-06-01T00:00:00Z: every bundled RIM is valid then.
const JUNE_2024: i64 = 1_717_200_000;
/// 2026-11-18: every bundled RIM's signer chain has expired.
const NOV_2026: i64 = 1_795_000_000;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(vectors().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn nvidia_anchor() -> Arc<Certificate> {
    TrustAnchors::nvidia().unwrap().rim
}

fn test_anchor() -> Arc<Certificate> {
    let pem = read("synthetic/test_rim_root.pem");
    TrustAnchors::for_tests(&pem, &pem).unwrap().rim
}

fn real_rims() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(vectors().join("nvidia/rims"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The sample report's SPDM measurement blocks (spec §2.3) and its NVDEC0 status (TLV 11).
fn sample_report() -> (Vec<(u8, Vec<u8>)>, u8) {
    let text = read("nvidia/hopperAttestationReport.txt");
    let raw = hex::decode(String::from_utf8(text).unwrap().trim()).unwrap();
    assert_eq!(raw[41], 64);
    let mut blocks = Vec::new();
    for k in 0..64 {
        let off = 45 + 55 * k;
        assert_eq!(raw[off + 1], 1);
        assert_eq!(u16::from_le_bytes([raw[off + 5], raw[off + 6]]), 48);
        blocks.push((raw[off], raw[off + 7..off + 55].to_vec()));
    }
    let l1 = 64 * 55;
    let l2_off = 45 + l1 + 32;
    let l2 = usize::from(u16::from_le_bytes([raw[l2_off], raw[l2_off + 1]]));
    let mut off = l2_off + 2;
    let end = off + l2;
    let mut nvdec0 = None;
    while off < end {
        let ty = u16::from_le_bytes([raw[off], raw[off + 1]]);
        let len = usize::from(u16::from_le_bytes([raw[off + 2], raw[off + 3]]));
        if ty == 11 {
            assert_eq!(len, 1);
            nvdec0 = Some(raw[off + 4]);
        }
        off += 4 + len;
    }
    assert_eq!(off, end);
    (blocks, nvdec0.unwrap())
}

fn indices(c: &Comparison, src: MeasurementSource) -> Vec<u32> {
    c.mismatches
        .iter()
        .filter(|m| m.source == src)
        .map(|m| m.index)
        .collect()
}

fn assert_fully_valid(name: &str, r: &RimReport) -> Arc<Rim> {
    assert_eq!(r.schema, Ok(()), "{name}");
    assert_eq!(r.signature, Ok(()), "{name}");
    assert_eq!(r.chain.status, ChainStatus::Valid, "{name}");
    assert!(r.is_fully_valid());
    r.rim.clone().unwrap()
}

fn replace_once(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = std::str::from_utf8(xml).unwrap();
    assert_eq!(
        s.matches(from).count(),
        1,
        "'{from}' must occur exactly once"
    );
    s.replacen(from, to, 1).into_bytes()
}

/// The path of the `ds:Signature` element (the last element child of the root).
fn signature_path(doc: &xml::Document) -> Vec<usize> {
    let (i, sig) = doc.root.child_elements().last().unwrap();
    assert!(sig.is("http://www.w3.org/2000/09/xmldsig#", "Signature"));
    vec![i]
}

fn element_text<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    &xml[start..end]
}

// ---------------------------------------------------------------------------------------------
// NVIDIA's bundled RIMs
// ---------------------------------------------------------------------------------------------

#[test]
fn all_bundled_rims_verify_in_june_2024_and_are_expired_in_november_2026() {
    let rims = real_rims();
    assert_eq!(rims.len(), 26);
    for (name, bytes) in &rims {
        let r = verify_rim(bytes, &nvidia_anchor(), JUNE_2024);
        let rim = assert_fully_valid(name, &r);
        assert_eq!(r.chain.path.len(), 4, "{name}");
        assert_eq!(rim.signer_chain.len(), 4, "{name}");
        assert_eq!(rim.product.as_deref(), Some("GH100"));
        assert_eq!(rim.firmware_manufacturer_id.as_deref(), Some("5703"));
        assert_eq!(rim.measurements.len(), 64);
        let later = verify_rim(bytes, &nvidia_anchor(), NOV_2026);
        assert_eq!(later.schema, Ok(()));
        assert_eq!(later.signature, Ok(()));
        assert!(
            matches!(later.chain.status, ChainStatus::Expired { .. }),
            "{name}: {:?}",
            later.chain.status
        );
        // Still reported as a RIM: expiry is for the policy to judge.
        assert!(later.rim.is_some());
    }
}

#[test]
fn active_index_sets_match_the_spec() {
    let vbios_active: Vec<u32> = (0..=6).chain(8..=12).collect();
    let driver_active: Vec<u32> = std::iter::once(7).chain(21..=40).collect();
    for (name, bytes) in real_rims() {
        let rim = verify_rim(&bytes, &nvidia_anchor(), JUNE_2024).rim.unwrap();
        let multi: Vec<(u32, usize)> = rim
            .measurements
            .iter()
            .filter(|m| m.active && m.alternatives.len() > 1)
            .map(|m| (m.index, m.alternatives.len()))
            .collect();
        if name.starts_with("Driver") {
            assert_eq!(rim.active_indices(), driver_active, "{name}");
            assert_eq!(multi, vec![(23, 2), (24, 2), (35, 2)], "{name}");
            assert_eq!(rim.version, "545.00");
        } else {
            assert_eq!(rim.active_indices(), vbios_active, "{name}");
            assert_eq!(multi, vec![(12, 4)], "{name}");
            assert!(rim.version.starts_with("96.00."), "{name}");
        }
        for m in &rim.measurements {
            assert_eq!(m.size, 48);
            assert!(m.alternatives.iter().all(|a| a.len() == 48));
        }
    }
}

#[test]
fn canonical_document_is_16856_bytes_and_matches_the_digest() {
    let bytes = read("nvidia/rims/1010_0200_882_96005E0001_PROD.swidtag");
    let doc = xml::parse(&bytes).unwrap();
    let sig = signature_path(&doc);
    let canonical = xml::canonicalize(&doc, Some(&sig)).unwrap();
    assert_eq!(canonical.len(), 16856);
    let text = std::str::from_utf8(&bytes).unwrap();
    let digest = B64.decode(element_text(text, "ds:DigestValue")).unwrap();
    assert_eq!(sha384(&canonical).to_vec(), digest);
    // The canonical form expands empty elements and keeps the namespace declarations.
    let c = std::str::from_utf8(&canonical).unwrap();
    assert!(c.starts_with(
        "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" \
         xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" \
         xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\" corpus=\"false\""
    ));
    assert!(c.contains("tagCreator\"></ns0:Entity>"));
    assert!(c.ends_with("</ns0:Payload>\n</SoftwareIdentity>"));
}

#[test]
fn signed_info_must_carry_inherited_namespaces() {
    let bytes = read("nvidia/rims/1010_0200_882_96005E0001_PROD.swidtag");
    let doc = xml::parse(&bytes).unwrap();
    let mut si = signature_path(&doc);
    let (si_index, _) = doc
        .element_at(&si)
        .unwrap()
        .child_elements()
        .next()
        .unwrap();
    si.push(si_index);
    let good = xml::canonicalize_subtree(&doc, &si).unwrap();
    let good_text = String::from_utf8(good.clone()).unwrap();
    let inherited = " xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\"";
    let inherited_ns0 = " xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\"";
    let inherited_ns2 = " xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\"";
    assert!(good_text.starts_with(&format!(
        "<ds:SignedInfo{inherited} xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"{inherited_ns0}{inherited_ns2}><ds:CanonicalizationMethod"
    )));
    // The classic bug: only the declarations written on the Signature element.
    let bad_text = good_text
        .replacen(inherited, "", 1)
        .replacen(inherited_ns0, "", 1)
        .replacen(inherited_ns2, "", 1);
    assert!(bad_text.starts_with(
        "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:CanonicalizationMethod"
    ));

    let text = std::str::from_utf8(&bytes).unwrap();
    let sig = B64
        .decode(
            element_text(text, "ds:SignatureValue")
                .split_whitespace()
                .collect::<String>(),
        )
        .unwrap();
    assert_eq!(sig.len(), 96);
    let rim = verify_rim(&bytes, &nvidia_anchor(), JUNE_2024).rim.unwrap();
    let signer = &rim.signer_chain[0];
    assert_eq!(signer.subject_cn.as_deref(), Some("HCC RIM L4 Signer"));
    assert!(signer.verify_raw(&good, &sig));
    assert!(!signer.verify_raw(bad_text.as_bytes(), &sig));
}

#[test]
fn test_no_gpu_rims_against_the_sample_report_fail_at_the_documented_indices() {
    let driver = verify_rim(
        &read("nvidia/rims/Driver_RIM_test_no_gpu.swidtag"),
        &nvidia_anchor(),
        JUNE_2024,
    );
    let vbios = verify_rim(
        &read("nvidia/rims/1010_0200_882_96005E0001_test_no_gpu.swidtag"),
        &nvidia_anchor(),
        JUNE_2024,
    );
    let driver = assert_fully_valid("driver", &driver);
    let vbios = assert_fully_valid("vbios", &vbios);
    // Versions do not match the report (550.90.07, 96.00.9f.00.01).
    assert_eq!(driver.version, "545.00");
    assert_eq!(vbios.version, "96.00.5E.00.01");

    let (runtime, nvdec0) = sample_report();
    assert_eq!(nvdec0, NVDEC0_DISABLED);
    let c = compare(Some(&driver), Some(&vbios), &runtime, nvdec0);
    assert_eq!(c.error, None);
    assert!(c.conflicts.is_empty());
    assert_eq!(c.skipped, vec![35]);
    assert_eq!(
        indices(&c, MeasurementSource::Firmware),
        vec![1, 2, 3, 9, 11]
    );
    assert_eq!(
        indices(&c, MeasurementSource::Driver),
        vec![7, 21, 22, 25, 26, 27, 29, 30, 31, 32, 34, 36, 37, 39, 40]
    );
    assert_eq!(c.compared, 21 - 1 + 12);
    assert!(!c.is_success());
    for m in &c.mismatches {
        assert_eq!(m.golden_size, 48);
        assert_eq!(m.runtime.as_ref().map(Vec::len), Some(48));
    }

    // A PROD VBIOS RIM mismatches at 1, 2, 9 and 11 only (spec §10.1).
    let prod = verify_rim(
        &read("nvidia/rims/1010_0200_882_96005E0001_PROD.swidtag"),
        &nvidia_anchor(),
        JUNE_2024,
    )
    .rim
    .unwrap();
    let c = compare(None, Some(&prod), &runtime, nvdec0);
    assert_eq!(indices(&c, MeasurementSource::Firmware), vec![1, 2, 9, 11]);

    // The same active index in both RIMs is an index conflict.
    let c = compare(Some(&driver), Some(&driver), &runtime, nvdec0);
    assert_eq!(c.conflicts.len(), 21);
    // NVDEC0 must be 0xAA or 0x55.
    assert!(
        compare(Some(&driver), Some(&vbios), &runtime, 0x00)
            .error
            .is_some()
    );
}

// ---------------------------------------------------------------------------------------------
// Negative vectors
// ---------------------------------------------------------------------------------------------

#[test]
fn changed_hash_character_fails_the_digest() {
    let bytes = read("nvidia/rims/1010_0200_882_96005E0001_PROD.swidtag");
    let good = "ns2:Hash0=\"c3f65ef79a19c029868cd7ce54b10e44f192444edb3506dde29cef2aac4e916c90a4f438e55aa7581a9e384c74d82db6\"";
    let bad = replace_once(&bytes, good, &good.replacen("c3f6", "c3f7", 1));
    let r = verify_rim(&bad, &nvidia_anchor(), JUNE_2024);
    assert_eq!(r.schema, Ok(()));
    let err = r.signature.unwrap_err();
    assert!(err.contains("digest"), "{err}");
    assert!(r.rim.is_none());
}

#[test]
fn schema_violations_are_reported_with_reasons() {
    let bytes = read("nvidia/rims/Driver_RIM_test_no_gpu.swidtag");
    let cases: &[(&str, &str, &str)] = &[
        (
            "index=\"7\" active=\"True\"",
            "index=\"7\" active=\"true\"",
            "only \"True\" and \"False\"",
        ),
        (
            "index=\"0\" active=\"False\"",
            "index=\"0\" active=\"false\"",
            "only \"True\" and \"False\"",
        ),
        (
            "index=\"7\" active=\"True\" alternatives=\"1\"",
            "index=\"7\" active=\"True\" alternatives=\"2\"",
            "Hash1",
        ),
        ("index=\"7\"", "index=\"8\"", "duplicate Resource index 8"),
        ("index=\"7\"", "index=\"-7\"", "not a decimal"),
        (
            "type=\"Measurement\" index=\"9\"",
            "type=\"Other\" index=\"9\"",
            "type",
        ),
        (
            "colloquialVersion=\"545.00\"",
            "colloquialVersionX=\"545.00\"",
            "colloquialVersion",
        ),
        (
            "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\"",
            "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2014/schema.xsd\"",
            "SoftwareIdentity",
        ),
    ];
    for (from, to, why) in cases {
        let bad = replace_once(&bytes, from, to);
        let r = verify_rim(&bad, &nvidia_anchor(), JUNE_2024);
        let err = r.schema.clone().unwrap_err();
        assert!(err.contains(why), "{to}: {err}");
        assert!(r.rim.is_none());
    }
    // Upper-case hex is refused.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let start = text.find("ns2:Hash0=\"a25b").unwrap();
    let mut upper = text.clone();
    upper.replace_range(start + 11..start + 15, "A25B");
    let r = verify_rim(upper.as_bytes(), &nvidia_anchor(), JUNE_2024);
    assert!(r.schema.unwrap_err().contains("lower-case hex"));
}

#[test]
fn truncated_and_garbage_inputs_are_errors() {
    let bytes = read("nvidia/rims/g520_0202_885_96006D0008_PROD.swidtag");
    for n in [
        0,
        1,
        100,
        5000,
        bytes.len() / 2,
        bytes.len() - 30,
        bytes.len() - 2,
    ] {
        let r = verify_rim(&bytes[..n], &nvidia_anchor(), JUNE_2024);
        assert!(r.rim.is_none(), "truncated to {n}");
        assert!(r.schema.is_err() || r.signature.is_err());
    }
    // Whitespace after the root element is not part of the canonical form: dropping the final
    // line feed changes nothing.
    let r = verify_rim(&bytes[..bytes.len() - 1], &nvidia_anchor(), JUNE_2024);
    assert!(r.is_fully_valid());
    let garbage: &[&[u8]] = &[
        b"\x00\x01\x02",
        b"<<<<",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
        b"<?xml-stylesheet href=\"x\"?><SoftwareIdentity/>",
        &[0xff; 1000],
    ];
    for g in garbage {
        let r = verify_rim(g, &nvidia_anchor(), JUNE_2024);
        assert!(r.schema.is_err());
        assert!(r.signature.is_err());
        assert!(matches!(r.chain.status, ChainStatus::Invalid(_)));
        assert!(r.rim.is_none());
    }
    // The signature removed entirely.
    let text = std::str::from_utf8(&bytes).unwrap();
    let cut = text.find("<ds:Signature").unwrap();
    let unsigned = format!("{}</SoftwareIdentity>\n", &text[..cut]);
    let r = verify_rim(unsigned.as_bytes(), &nvidia_anchor(), JUNE_2024);
    assert!(r.schema.is_err());
    assert!(r.signature.unwrap_err().contains("no ds:Signature"));
}

#[test]
fn foreign_anchor_fails_the_chain_only() {
    let bytes = read("nvidia/rims/1010_0210_886_9600740011_PROD.swidtag");
    let r = verify_rim(&bytes, &test_anchor(), JUNE_2024);
    assert_eq!(r.schema, Ok(()));
    assert_eq!(r.signature, Ok(()));
    assert!(matches!(r.chain.status, ChainStatus::Invalid(_)));
    assert!(!r.is_fully_valid());
}

// ---------------------------------------------------------------------------------------------
// Synthetic RIMs (TEST PKI) matching the sample report
// ---------------------------------------------------------------------------------------------

const SYN_DRIVER: &str = "synthetic/NV_GPU_DRIVER_GH100_550.90.07.xml";
const SYN_VBIOS: &str = "synthetic/NV_GPU_VBIOS_1010_0200_882_96009F0001.xml";

#[test]
fn synthetic_rims_verify_and_match_the_sample_report() {
    let driver = verify_rim(&read(SYN_DRIVER), &test_anchor(), JUNE_2024);
    let vbios = verify_rim(&read(SYN_VBIOS), &test_anchor(), JUNE_2024);
    let driver = assert_fully_valid("synthetic driver", &driver);
    let vbios = assert_fully_valid("synthetic vbios", &vbios);
    assert_eq!(driver.version, "550.90.07");
    assert_eq!(vbios.version, "96.00.9f.00.01");
    assert_eq!(
        driver.signer_chain[0].subject_cn.as_deref(),
        Some("ccverify TEST RIM Signer")
    );
    assert_eq!(driver.signer_chain.len(), 4);
    assert_eq!(
        driver.active_indices(),
        std::iter::once(7).chain(21..=40).collect::<Vec<_>>()
    );
    assert_eq!(
        vbios.active_indices(),
        (0..=6).chain(8..=12).collect::<Vec<_>>()
    );

    let (runtime, nvdec0) = sample_report();
    let c = compare(Some(&driver), Some(&vbios), &runtime, nvdec0);
    assert_eq!(c.error, None);
    assert!(c.conflicts.is_empty());
    assert!(c.mismatches.is_empty(), "{:?}", c.mismatches);
    assert_eq!(c.skipped, vec![35]);
    assert_eq!(c.compared, 32);
    assert!(c.is_success());
    // With NVDEC0 enabled index 35 is compared too, and matches.
    let c = compare(Some(&driver), Some(&vbios), &runtime, NVDEC0_ENABLED);
    assert!(c.is_success());
    assert_eq!(c.compared, 33);

    // Valid at any time in 2024..2044 with the TEST root, expired after.
    let later = verify_rim(&read(SYN_DRIVER), &test_anchor(), 2_400_000_000);
    assert!(matches!(later.chain.status, ChainStatus::Expired { .. }));
    // NVIDIA's root does not anchor the TEST chain.
    let foreign = verify_rim(&read(SYN_VBIOS), &nvidia_anchor(), JUNE_2024);
    assert_eq!(foreign.signature, Ok(()));
    assert!(matches!(foreign.chain.status, ChainStatus::Invalid(_)));
}

/// Re-signs a mutated synthetic RIM with the TEST signer key: recomputes the reference digest
/// and the SignatureValue with this crate's canonicaliser.
fn resign(xml_bytes: &[u8]) -> Vec<u8> {
    let key_pem = String::from_utf8(read("synthetic/test_rim_signer.key.pem")).unwrap();
    let body: String = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &B64.decode(body).unwrap())
            .unwrap();

    let doc = xml::parse(xml_bytes).unwrap();
    let digest = sha384(&xml::canonicalize(&doc, Some(&signature_path(&doc))).unwrap());
    let text = String::from_utf8(xml_bytes.to_vec()).unwrap();
    let old = element_text(&text, "ds:DigestValue").to_string();
    let text = text.replacen(&old, &B64.encode(digest), 1);

    let doc = xml::parse(text.as_bytes()).unwrap();
    let mut si = signature_path(&doc);
    si.push(0);
    let canonical_si = xml::canonicalize_subtree(&doc, &si).unwrap();
    assert!(canonical_si.starts_with(b"<ds:SignedInfo xmlns="));
    let sig = key.sign(&SystemRandom::new(), &canonical_si).unwrap();
    let old = element_text(&text, "ds:SignatureValue").to_string();
    text.replacen(&old, &B64.encode(sig.as_ref()), 1)
        .into_bytes()
}

#[test]
fn resigned_mutations_exercise_schema_and_comparison() {
    let (runtime, nvdec0) = sample_report();
    let original = read(SYN_DRIVER);
    let vbios = verify_rim(&read(SYN_VBIOS), &test_anchor(), JUNE_2024)
        .rim
        .unwrap();

    // Re-signing an unchanged document verifies: our signer and verifier agree with signxml.
    let same = resign(&original);
    assert_ne!(same, original);
    assert!(verify_rim(&same, &test_anchor(), JUNE_2024).is_fully_valid());

    // A correctly signed RIM with active="false" still fails the schema.
    let bad = resign(&replace_once(
        &original,
        "index=\"7\" active=\"True\"",
        "index=\"7\" active=\"false\"",
    ));
    let r = verify_rim(&bad, &test_anchor(), JUNE_2024);
    assert_eq!(r.signature, Ok(()));
    assert!(r.schema.unwrap_err().contains("active"));
    assert!(r.rim.is_none());

    // Signed, alternatives="2" with Hash1 missing.
    let bad = resign(&replace_once(
        &original,
        "index=\"7\" active=\"True\" alternatives=\"1\"",
        "index=\"7\" active=\"True\" alternatives=\"2\"",
    ));
    let r = verify_rim(&bad, &test_anchor(), JUNE_2024);
    assert_eq!(r.signature, Ok(()));
    assert!(r.schema.unwrap_err().contains("Hash1"));

    // Signed, duplicate index.
    let bad = resign(&replace_once(&original, "index=\"22\"", "index=\"21\""));
    let r = verify_rim(&bad, &test_anchor(), JUNE_2024);
    assert_eq!(r.signature, Ok(()));
    assert!(r.schema.unwrap_err().contains("duplicate"));

    // Signed, index 35's golden values corrupted: matters only when NVDEC0 is enabled.
    let text = String::from_utf8(original.clone()).unwrap();
    let start = text.find("index=\"35\"").unwrap();
    let end = start + text[start..].find("name=").unwrap();
    let mut corrupted = text[start..end].to_string();
    for k in 0..2 {
        let marker = format!("ns2:Hash{k}=\"");
        let p = corrupted.find(&marker).unwrap() + marker.len();
        let flipped = if &corrupted[p..=p] == "0" { "1" } else { "0" };
        corrupted.replace_range(p..=p, flipped);
    }
    let mutated = format!("{}{}{}", &text[..start], corrupted, &text[end..]);
    let r = verify_rim(&resign(mutated.as_bytes()), &test_anchor(), JUNE_2024);
    let driver = assert_fully_valid("corrupted index 35", &r);
    let c = compare(Some(&driver), Some(&vbios), &runtime, nvdec0);
    assert!(c.is_success());
    let c = compare(Some(&driver), Some(&vbios), &runtime, NVDEC0_ENABLED);
    assert_eq!(indices(&c, MeasurementSource::Driver), vec![35]);

    // Signed, driver index 0 made active: index conflict with the VBIOS RIM.
    let bad = resign(&replace_once(
        &original,
        "index=\"0\" active=\"False\"",
        "index=\"0\" active=\"True\"",
    ));
    let driver = assert_fully_valid("conflict", &verify_rim(&bad, &test_anchor(), JUNE_2024));
    let c = compare(Some(&driver), Some(&vbios), &runtime, nvdec0);
    assert_eq!(c.conflicts, vec![0]);
    assert!(!c.is_success());
}

/// Rough timing (run with `cargo test --release --test gpu_rim -- --ignored --nocapture`).
#[test]
#[ignore = "timing, not a check"]
fn timing() {
    let rims = real_rims();
    let t = std::time::Instant::now();
    let r = verify_rim(&rims[0].1, &nvidia_anchor(), JUNE_2024);
    let cold = t.elapsed();
    assert!(r.is_fully_valid());
    let t = std::time::Instant::now();
    let r = verify_rim(&rims[1].1, &nvidia_anchor(), JUNE_2024);
    let second = t.elapsed();
    assert!(r.is_fully_valid());
    let t = std::time::Instant::now();
    let r = verify_rim(&rims[0].1, &nvidia_anchor(), JUNE_2024);
    let cached = t.elapsed();
    assert!(r.is_fully_valid());
    let doc = xml::parse(&rims[2].1).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..100 {
        xml::parse(&rims[2].1).unwrap();
    }
    let parse = t.elapsed() / 100;
    let t = std::time::Instant::now();
    for _ in 0..100 {
        xml::canonicalize(&doc, Some(&signature_path(&doc))).unwrap();
    }
    let c14n = t.elapsed() / 100;
    println!(
        "verify_rim cold (first in process): {cold:?}; another RIM (link cache warm): {second:?}; \
         cached: {cached:?}; parse: {parse:?}; c14n: {c14n:?}"
    );
}

/// The whole GPU appraisal of NVIDIA's sample report with the TEST RIM root trusted and the
/// given RIMs (driver, VBIOS) under the ids the report asks for.
fn appraise(report: &[u8], driver: Vec<u8>, vbios: Vec<u8>) -> ccverify::Verdict {
    use ccverify::gpu::{GpuEvidence, GpuPolicy, GpuVerifier, MemoryRimSource};
    let device_root = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/gpu/roots/verifier_device_root.pem"),
    )
    .unwrap();
    let anchors =
        TrustAnchors::for_tests(&device_root, &read("synthetic/test_rim_root.pem")).unwrap();
    let mut rims = MemoryRimSource::new();
    rims.insert("NV_GPU_DRIVER_GH100_550.90.07", driver);
    rims.insert("NV_GPU_VBIOS_1010_0200_882_96009F0001", vbios);
    let policy = GpuPolicy {
        require_revocation: false,
        ..GpuPolicy::default()
    };
    GpuVerifier::new(policy)
        .with_test_anchors(anchors)
        .with_rims(rims)
        .verify_evidence(
            &[GpuEvidence {
                evidence: B64.encode(report),
                certificate: B64.encode(read("nvidia/hopperCertChain.txt")),
            }],
            &hex::decode("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb")
                .unwrap()
                .try_into()
                .unwrap(),
            JUNE_2024,
        )
}

fn sample_report_bytes() -> Vec<u8> {
    hex::decode(
        String::from_utf8(read("nvidia/hopperAttestationReport.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap()
}

fn row(v: &ccverify::Verdict, id: &str) -> ccverify::Check {
    v.check(id).unwrap().clone()
}

#[test]
fn the_synthetic_pair_proves_the_measurements_and_every_row_needs_it() {
    use ccverify::CheckStatus::{Fail, Pass, Skip};
    let report = sample_report_bytes();
    let v = appraise(&report, read(SYN_DRIVER), read(SYN_VBIOS));
    for id in [
        "gpu.nonce",
        "gpu.fwid",
        "gpu.driver_rim",
        "gpu.vbios_rim",
        "gpu.measurements",
    ] {
        assert_eq!(row(&v, id).status, Pass, "{id}: {}", row(&v, id).detail);
    }

    // A RIM that compares nothing proves nothing: every measurement inactive.
    let inactive = |xml: Vec<u8>| {
        resign(
            String::from_utf8(xml)
                .unwrap()
                .replace("active=\"True\"", "active=\"False\"")
                .as_bytes(),
        )
    };
    let v = appraise(
        &report,
        inactive(read(SYN_DRIVER)),
        inactive(read(SYN_VBIOS)),
    );
    assert_eq!(row(&v, "gpu.driver_rim").status, Pass);
    let m = row(&v, "gpu.measurements");
    assert_eq!(m.status, Fail, "{}", m.detail);
    assert!(
        m.detail.contains("no golden measurement was compared"),
        "{}",
        m.detail
    );
    assert_eq!(v.facts.get("gpu0.secboot"), None);

    // A RIM is matched to what the report asked for by its own identity, not only its version:
    // a correctly signed driver RIM for another product is refused.
    let other_product = resign(&replace_once(
        &read(SYN_DRIVER),
        "product=\"GH100\"",
        "product=\"GB100\"",
    ));
    let v = appraise(&report, other_product, read(SYN_VBIOS));
    let d = row(&v, "gpu.driver_rim");
    assert_eq!(d.status, Fail, "{}", d.detail);
    assert!(d.detail.contains("product GB100"), "{}", d.detail);
    // One document served under both ids is refused (and its version fits only one of them).
    let v = appraise(&report, read(SYN_VBIOS), read(SYN_VBIOS));
    let d = row(&v, "gpu.driver_rim");
    assert_eq!(d.status, Fail, "{}", d.detail);
    assert!(d.detail.contains("not a driver version"), "{}", d.detail);

    // A report whose signature does not verify says nothing: what passed on its content is
    // skipped (here the measurements would all still match).
    let mut forged = report.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let v = appraise(&forged, read(SYN_DRIVER), read(SYN_VBIOS));
    assert_eq!(row(&v, "gpu.report_signature").status, Fail);
    for id in [
        "gpu.nonce",
        "gpu.fwid",
        "gpu.driver_rim",
        "gpu.vbios_rim",
        "gpu.measurements",
    ] {
        let c = row(&v, id);
        assert_eq!(c.status, Skip, "{id}: {}", c.detail);
        assert!(
            c.detail.starts_with("not authenticated"),
            "{id}: {}",
            c.detail
        );
    }
    assert_eq!(row(&v, "gpu.mode").status, Skip);
    assert_eq!(v.facts.get("gpu0.secboot"), None);
}
