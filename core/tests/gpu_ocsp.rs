//! OCSP verification against the fixtures in `tests/vectors/gpu/ocsp/`, made by
//! `tests/vectors/gen/gpu_ocsp.py` with Python `cryptography` over a TEST P-384 PKI. The
//! expected outcome of every case, and the pinned verification time, come from its
//! `index.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ccverify::gpu::ocsp::{
    self, CertId, CertStatus, DirOcspSource, HashAlgorithm, MemoryOcspSource, NoOcsp, OcspOutcome,
    OcspSource, ResponderId, ResponseStatus, RevocationReason,
};
use ccverify::x509::{self, Certificate, ChainStatus, LeafUse};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu/ocsp")
}

struct Fixtures {
    index: Value,
    now: i64,
    nonce: Vec<u8>,
    certs: HashMap<String, Arc<Certificate>>,
}

impl Fixtures {
    fn load() -> Fixtures {
        let text = std::fs::read_to_string(dir().join("index.json")).unwrap();
        let index: Value = serde_json::from_str(&text).unwrap();
        let mut certs = HashMap::new();
        for (name, path) in index["certs"].as_object().unwrap() {
            let pem = std::fs::read(dir().join(path.as_str().unwrap())).unwrap();
            let mut list = Certificate::from_pem_bundle(&pem).unwrap();
            assert_eq!(list.len(), 1, "{name}");
            certs.insert(name.clone(), Arc::new(list.remove(0)));
        }
        Fixtures {
            now: index["now"].as_i64().unwrap(),
            nonce: hex::decode(index["nonce"].as_str().unwrap()).unwrap(),
            index,
            certs,
        }
    }

    fn cert(&self, name: &str) -> &Arc<Certificate> {
        self.certs
            .get(name)
            .unwrap_or_else(|| panic!("no cert {name}"))
    }

    fn anchor(&self) -> &Arc<Certificate> {
        self.cert(self.index["anchor"].as_str().unwrap())
    }

    fn response(&self, file: &str) -> Vec<u8> {
        std::fs::read(dir().join("responses").join(file)).unwrap()
    }

    fn cases(&self) -> &Vec<Value> {
        self.index["cases"].as_array().unwrap()
    }

    fn case(&self, name: &str) -> &Value {
        self.cases()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no case {name}"))
    }

    fn verify(
        &self,
        file: &str,
        cert: &str,
        issuer: &str,
        now: i64,
        nonce: Option<&[u8]>,
    ) -> OcspOutcome {
        ocsp::verify_response(
            &self.response(file),
            self.cert(cert),
            self.cert(issuer),
            self.anchor(),
            now,
            nonce,
        )
    }

    fn run_case(&self, case: &Value, now: i64) -> OcspOutcome {
        let nonce = case["sent_nonce"].as_str().map(|h| hex::decode(h).unwrap());
        self.verify(
            case["file"].as_str().unwrap(),
            case["cert"].as_str().unwrap(),
            case["issuer"].as_str().unwrap(),
            now,
            nonce.as_deref(),
        )
    }
}

/// What the Python index says a case must give.
fn expected(case: &Value) -> Option<OcspOutcome> {
    let this_update = case["this_update"].as_i64();
    let next_update = case["next_update"].as_i64();
    match case["expect"].as_str().unwrap() {
        "good" => Some(OcspOutcome::Good {
            this_update: this_update.unwrap(),
            next_update,
        }),
        "revoked" => Some(OcspOutcome::Revoked {
            at: case["revoked_at"].as_i64().unwrap(),
            reason: case["reason"].as_str().map(|name| {
                (0..=10)
                    .filter_map(RevocationReason::from_code)
                    .find(|r| r.name() == name)
                    .unwrap()
            }),
            this_update: this_update.unwrap(),
            next_update,
        }),
        "unknown" => Some(OcspOutcome::Unknown),
        "invalid" => None,
        other => panic!("unknown expectation {other}"),
    }
}

/// For invalid cases: a word the reason must contain, so each is refused for its own fault.
const INVALID_REASONS: &[(&str, &str)] = &[
    ("nonce_wrong", "nonce differs"),
    ("nonce_missing", "carries none"),
    ("stale", "stale: nextUpdate"),
    ("future_this_update", "thisUpdate"),
    ("no_next_update_old", "stale: no nextUpdate"),
    (
        "unrelated_key",
        "does not verify with the key of the issuer",
    ),
    ("responder_no_eku", "OCSPSigning"),
    ("responder_expired", "is not valid at"),
    ("responder_root_issued", "was not certified by the issuer"),
    ("responder_not_included", "neither the issuer nor"),
    ("signature_sha256", "not ecdsa-with-SHA384"),
    ("other_serial", "no SingleResponse"),
    ("wrong_issuer_given", "was not issued by"),
    ("truncated", "truncated"),
    ("trailing_bytes", "trailing bytes"),
    ("tampered", "does not verify"),
    ("try_later", "tryLater"),
];

#[test]
fn test_pki_is_consistent_with_pki_rs() {
    let f = Fixtures::load();
    let root = f.anchor();
    for leaf in ["leaf", "leaf_other", "responder", "responder_no_eku"] {
        let chain = [Arc::clone(f.cert(leaf)), Arc::clone(f.cert("intermediate"))];
        let report = x509::validate_chain(&chain, root, f.now, LeafUse::DigitalSignature);
        assert_eq!(report.status, ChainStatus::Valid, "{leaf}");
    }
    let chain = [
        Arc::clone(f.cert("responder_expired")),
        Arc::clone(f.cert("intermediate")),
    ];
    assert!(matches!(
        x509::validate_chain(&chain, root, f.now, LeafUse::DigitalSignature).status,
        ChainStatus::Expired { .. }
    ));
    // The leaf serial has its top bit set (DER carries a leading 0x00; the model strips it).
    assert_eq!(f.cert("leaf").serial.len(), 19);
    assert!(f.cert("leaf").serial[0] & 0x80 != 0);
}

#[test]
fn every_case_matches_the_index() {
    let f = Fixtures::load();
    assert!(f.cases().len() >= 30);
    let mut failures = Vec::new();
    for case in f.cases() {
        let name = case["name"].as_str().unwrap();
        let got = f.run_case(case, f.now);
        match expected(case) {
            Some(want) if got != want => {
                failures.push(format!("{name}: want {want:?}, got {got:?}"))
            }
            Some(_) => {}
            None => match &got {
                OcspOutcome::Invalid(why) => {
                    if let Some((_, word)) = INVALID_REASONS.iter().find(|(n, _)| *n == name) {
                        if !why.contains(word) {
                            failures.push(format!("{name}: reason {why:?} lacks {word:?}"));
                        }
                    } else {
                        failures.push(format!("{name}: no reason word in INVALID_REASONS"));
                    }
                }
                other => failures.push(format!("{name}: want invalid, got {other:?}")),
            },
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn certificate_hold_is_exposed() {
    let f = Fixtures::load();
    match f.run_case(f.case("revoked_certificate_hold"), f.now) {
        OcspOutcome::Revoked {
            reason: Some(r), ..
        } => assert!(r.is_certificate_hold()),
        other => panic!("{other:?}"),
    }
    match f.run_case(f.case("revoked_key_compromise"), f.now) {
        OcspOutcome::Revoked {
            reason: Some(r), ..
        } => assert!(!r.is_certificate_hold()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.run_case(f.case("revoked_no_reason"), f.now).status_name(),
        "revoked"
    );
}

#[test]
fn freshness_boundaries() {
    let f = Fixtures::load();
    let good = f.case("good_issuer");
    let this = good["this_update"].as_i64().unwrap();
    let next = good["next_update"].as_i64().unwrap();
    let skew = ocsp::MAX_CLOCK_SKEW_SECS;
    assert!(f.run_case(good, this - skew).is_good());
    assert!(!f.run_case(good, this - skew - 1).is_good());
    assert!(f.run_case(good, next + skew).is_good());
    assert!(!f.run_case(good, next + skew + 1).is_good());

    let open = f.case("no_next_update_fresh");
    let this = open["this_update"].as_i64().unwrap();
    let max_age = ocsp::MAX_AGE_WITHOUT_NEXT_UPDATE_SECS;
    assert!(f.run_case(open, this + max_age).is_good());
    assert!(!f.run_case(open, this + max_age + 1).is_good());

    // The stale response was fine while it was fresh: time is an input.
    let stale = ocsp::parse_response(&f.response("stale.der"))
        .unwrap()
        .basic
        .unwrap();
    let at = stale.responses[0].this_update + 3600;
    assert!(f.run_case(f.case("stale"), at).is_good());
}

#[test]
fn nonce_rules() {
    let f = Fixtures::load();
    let n = f.nonce.clone();
    assert!(
        f.verify("nonce_echo.der", "leaf", "intermediate", f.now, Some(&n))
            .is_good()
    );
    assert!(
        f.verify(
            "nonce_echo_raw.der",
            "leaf",
            "intermediate",
            f.now,
            Some(&n)
        )
        .is_good()
    );
    assert!(
        f.verify("nonce_echo_raw.der", "leaf", "intermediate", f.now, None)
            .is_good()
    );
    let mut other = n.clone();
    other[31] ^= 1;
    for file in ["nonce_echo.der", "nonce_echo_raw.der"] {
        assert!(
            !f.verify(file, "leaf", "intermediate", f.now, Some(&other))
                .is_good()
        );
        assert!(
            !f.verify(file, "leaf", "intermediate", f.now, Some(&n[..31]))
                .is_good()
        );
    }
    // A cached response without a nonce is fine when none was sent.
    assert!(
        f.verify("good_issuer.der", "leaf", "intermediate", f.now, None)
            .is_good()
    );
}

#[test]
fn build_request_matches_cryptography() {
    let f = Fixtures::load();
    for (file, spec) in f.index["requests"].as_object().unwrap() {
        let want = std::fs::read(dir().join("requests").join(file)).unwrap();
        let nonce = spec["nonce"].as_str().map(|h| hex::decode(h).unwrap());
        let got = ocsp::build_request(
            f.cert(spec["cert"].as_str().unwrap()),
            f.cert(spec["issuer"].as_str().unwrap()),
            nonce.as_deref(),
        );
        assert_eq!(hex::encode(&got), hex::encode(&want), "{file}");
    }
}

#[test]
fn parsed_fields_and_cert_ids() {
    let f = Fixtures::load();
    let (leaf, inter) = (f.cert("leaf"), f.cert("intermediate"));
    for (file, hash) in [
        ("good_sha1_certid.der", HashAlgorithm::Sha1),
        ("good_sha256_certid.der", HashAlgorithm::Sha256),
        ("good_issuer.der", HashAlgorithm::Sha384),
    ] {
        let r = ocsp::parse_response(&f.response(file)).unwrap();
        assert_eq!(r.status, ResponseStatus::Successful);
        let basic = r.basic.unwrap();
        assert_eq!(basic.responses.len(), 1);
        let single = &basic.responses[0];
        assert_eq!(single.cert_id, CertId::new(leaf, inter, hash), "{file}");
        assert!(single.cert_id.matches(leaf, inter));
        assert!(!single.cert_id.matches(f.cert("leaf_other"), inter));
        assert_eq!(single.status, CertStatus::Good);
        assert_eq!(
            basic.responder_id,
            ResponderId::ByName(inter.subject_raw.clone())
        );
        assert!(basic.responder_id.identifies(inter));
        assert!(basic.certs.is_empty());
        assert!(basic.nonce_extn_value.is_none());
        assert!(basic.produced_at <= f.now + ocsp::MAX_CLOCK_SKEW_SECS);
    }
    let by_key = ocsp::parse_response(&f.response("good_issuer_by_key.der"))
        .unwrap()
        .basic
        .unwrap();
    assert!(matches!(by_key.responder_id, ResponderId::ByKey(ref h) if h.len() == 20));
    assert!(by_key.responder_id.identifies(inter));
    assert!(!by_key.responder_id.identifies(f.cert("root")));

    let delegated = ocsp::parse_response(&f.response("good_delegated.der"))
        .unwrap()
        .basic
        .unwrap();
    assert_eq!(delegated.certs.len(), 1);
    assert_eq!(delegated.certs[0], **f.cert("responder"));

    let multi = ocsp::parse_response(&f.response("multi.der"))
        .unwrap()
        .basic
        .unwrap();
    assert_eq!(multi.responses.len(), 2);
    assert!(multi.find(leaf, inter).is_some_and(|s| matches!(
        s.status,
        CertStatus::Revoked {
            reason: Some(RevocationReason::KeyCompromise),
            ..
        }
    )));

    let try_later = ocsp::parse_response(&f.response("try_later.der")).unwrap();
    assert_eq!(try_later.status, ResponseStatus::TryLater);
    assert!(try_later.basic.is_none());
    assert!(ocsp::parse_response(&f.response("truncated.der")).is_err());
    assert!(ocsp::parse_response(&f.response("trailing_bytes.der")).is_err());
}

#[test]
fn no_single_byte_change_keeps_a_response_good() {
    let f = Fixtures::load();
    for file in ["good_issuer.der", "good_delegated.der", "nonce_echo.der"] {
        let der = f.response(file);
        let nonce = (file == "nonce_echo.der").then_some(f.nonce.as_slice());
        let check = |bytes: &[u8]| {
            ocsp::verify_response(
                bytes,
                f.cert("leaf"),
                f.cert("intermediate"),
                f.anchor(),
                f.now,
                nonce,
            )
        };
        assert!(check(&der).is_good(), "{file}");
        for i in 0..der.len() {
            for flip in [0x01u8, 0x80] {
                let mut m = der.clone();
                m[i] ^= flip;
                assert!(
                    !check(&m).is_good(),
                    "{file}: byte {i} ^ {flip:#x} still good"
                );
            }
        }
        for cut in 0..der.len() {
            assert!(!check(&der[..cut]).is_good(), "{file}: cut at {cut}");
        }
    }
}

#[test]
fn garbage_never_panics() {
    let f = Fixtures::load();
    let (leaf, inter, anchor) = (f.cert("leaf"), f.cert("intermediate"), f.anchor());
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x80],
        vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        vec![0xff; 64],
    ];
    // Every prefix of the two-response file, and the file nested in an extra SEQUENCE.
    let multi = f.response("multi.der");
    inputs.extend((0..multi.len()).map(|n| multi[..n].to_vec()));
    for input in &inputs {
        let out = ocsp::verify_response(input, leaf, inter, anchor, f.now, None);
        assert!(matches!(out, OcspOutcome::Invalid(_)));
        assert_eq!(out.status_name(), "invalid");
    }
    for now in [i64::MIN, -1, 0, i64::MAX] {
        let out = f.verify("good_issuer.der", "leaf", "intermediate", now, None);
        assert!(!out.is_good(), "now = {now}");
        let out = f.verify(
            "no_next_update_fresh.der",
            "leaf",
            "intermediate",
            now,
            None,
        );
        assert!(!out.is_good(), "now = {now}");
    }
}

#[test]
fn a_foreign_root_as_issuer_is_refused() {
    let f = Fixtures::load();
    // The intermediate's status, signed by the root, checked against an anchor that is not
    // that root.
    let out = ocsp::verify_response(
        &f.response("good_intermediate_by_root.der"),
        f.cert("intermediate"),
        f.cert("root"),
        f.cert("intermediate"),
        f.now,
        None,
    );
    assert!(
        matches!(out, OcspOutcome::Invalid(ref why) if why.contains("trust anchor")),
        "{out:?}"
    );
}

#[test]
fn dir_source_indexes_by_cert_id() {
    let f = Fixtures::load();
    let source = DirOcspSource::new(dir().join("cache")).unwrap();
    assert_eq!(source.len(), 4, "{:?}", source.warnings());
    assert!(!source.is_empty());
    let mut warned: Vec<&str> = source
        .warnings()
        .iter()
        .map(|w| w.split(':').next().unwrap())
        .collect();
    warned.sort_unstable();
    assert_eq!(warned, ["empty.ocsp", "garbage.der", "try_later.ocsp"]);
    assert!(
        source
            .warnings()
            .iter()
            .all(|w| !w.starts_with("notes.txt"))
    );

    for lookup in f.index["cache_lookups"].as_array().unwrap() {
        let (cert, issuer) = (
            f.cert(lookup["cert"].as_str().unwrap()),
            f.cert(lookup["issuer"].as_str().unwrap()),
        );
        let got = source.lookup(cert, issuer);
        match lookup["file"].as_str() {
            None => assert!(got.is_none(), "{lookup}"),
            Some(file) => {
                let got = got.unwrap_or_else(|| panic!("no match: {lookup}"));
                let want = std::fs::read(dir().join("cache").join(file)).unwrap();
                assert!(got.der == want, "{lookup}");
                assert!(got.sent_nonce.is_none());
                // What the cache returns verifies.
                let out = ocsp::verify_response(&got.der, cert, issuer, f.anchor(), f.now, None);
                assert!(out.is_good(), "{lookup}: {out:?}");
            }
        }
    }
}

#[test]
fn dir_source_sha1_and_sha384_cert_ids() {
    let f = Fixtures::load();
    let (leaf, inter, root) = (f.cert("leaf"), f.cert("intermediate"), f.cert("root"));
    let id_hash = |der: &[u8]| {
        ocsp::parse_response(der).unwrap().basic.unwrap().responses[0]
            .cert_id
            .hash
    };
    let source = DirOcspSource::new(dir().join("cache")).unwrap();
    // The leaf is found by its SHA-1 CertID (the newer of its two responses) …
    let leaf_hit = source.lookup(leaf, inter).unwrap();
    assert_eq!(id_hash(&leaf_hit.der), HashAlgorithm::Sha1);
    // … and the intermediate by its SHA-384 one.
    let inter_hit = source.lookup(inter, root).unwrap();
    assert_eq!(id_hash(&inter_hit.der), HashAlgorithm::Sha384);

    // With only the older SHA-384 response for the leaf, that one is found.
    let memory = MemoryOcspSource::new(vec![
        std::fs::read(dir().join("cache/leaf_sha384_older.der")).unwrap(),
        b"garbage".to_vec(),
    ]);
    assert_eq!(memory.len(), 1);
    assert_eq!(memory.warnings().len(), 1);
    assert!(memory.warnings()[0].starts_with("#1: "));
    let hit = memory.lookup(leaf, inter).unwrap();
    assert_eq!(id_hash(&hit.der), HashAlgorithm::Sha384);
    assert!(memory.lookup(inter, root).is_none());
}

#[test]
fn dir_source_over_every_fixture() {
    let f = Fixtures::load();
    let source = DirOcspSource::new(dir().join("responses")).unwrap();
    let mut warned: Vec<&str> = source
        .warnings()
        .iter()
        .map(|w| w.split(':').next().unwrap())
        .collect();
    warned.sort_unstable();
    assert_eq!(
        warned,
        ["trailing_bytes.der", "truncated.der", "try_later.der"]
    );
    let hit = source.lookup(f.cert("leaf_other"), f.cert("intermediate"));
    assert!(hit.is_some());
    assert!(DirOcspSource::new(dir().join("no-such-directory")).is_err());
}

#[test]
fn memory_and_no_sources() {
    let f = Fixtures::load();
    let (leaf, inter) = (f.cert("leaf"), f.cert("intermediate"));
    assert!(NoOcsp.lookup(leaf, inter).is_none());
    let blobs = vec![f.response("multi.der"), f.response("good_issuer.der")];
    let memory = MemoryOcspSource::new(blobs.clone());
    assert!(memory.warnings().is_empty());
    // Both cover the leaf with thisUpdate equal: the earlier one wins on a tie.
    assert_eq!(memory.lookup(leaf, inter).unwrap().der, blobs[0]);
    assert_eq!(
        memory.lookup(f.cert("leaf_other"), inter).unwrap().der,
        blobs[0]
    );
    assert!(MemoryOcspSource::new(Vec::new()).is_empty());
    let sources: Vec<Box<dyn OcspSource>> = vec![Box::new(NoOcsp), Box::new(memory)];
    assert_eq!(
        sources
            .iter()
            .filter(|s| s.lookup(leaf, inter).is_some())
            .count(),
        1
    );
}
