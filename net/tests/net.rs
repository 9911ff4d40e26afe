//! ccverify-net against a loopback HTTP/1.1 server started by each test: NVIDIA's RIM
//! service, OCSP responders and NRAS are emulated with the committed fixtures. Nothing here
//! leaves 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use ccverify::CheckStatus;
use ccverify::gpu::RimSource;
use ccverify::gpu::nras::{self, Jwks};
use ccverify::gpu::ocsp::{self, DirOcspSource, OcspOutcome, OcspSource};
use ccverify::gpu::source::{ChainOcspSource, ChainRimSource, DirRimSource};
use ccverify::x509::Certificate;
use ccverify_net::{HttpClient, HttpOcspSource, HttpRimSource, MAX_RIM_REPLY_LEN, NrasClient};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server
// ---------------------------------------------------------------------------------------------

#[path = "support/http.rs"]
mod http;
use http::{Reply, Server, dead_url};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/gpu")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(vectors().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const DRIVER_ID: &str = "NV_GPU_DRIVER_GH100_550.90.07";
const VBIOS_ID: &str = "NV_GPU_VBIOS_1010_0200_882_96009F0001";

fn rim_xml(id: &str) -> Vec<u8> {
    read(&format!("rimdirs/mismatched/{id}.xml"))
}

/// The RIM service's reply for `id`.
fn rim_reply(id: &str, xml: &[u8]) -> Value {
    serde_json::json!({
        "id": id,
        "rim": base64::engine::general_purpose::STANDARD.encode(xml),
        "sha256": "not checked",
        "request_id": "test",
    })
}

/// A RIM service serving the two RIMs of `rimdirs/mismatched`.
fn rim_service() -> Server {
    Server::start(|r| {
        let id = r.path.strip_prefix("/v1/rim/").unwrap_or("");
        if r.method == "GET" && (id == DRIVER_ID || id == VBIOS_ID) {
            Reply::json(&rim_reply(id, &rim_xml(id)))
        } else {
            Reply::status(404)
        }
    })
}

fn http() -> HttpClient {
    HttpClient::new().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccverify-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem_bundle(&read(&format!("ocsp/pki/{name}.pem")))
        .unwrap()
        .remove(0)
}

fn ocsp_now() -> i64 {
    let index: Value = serde_json::from_slice(&read("ocsp/index.json")).unwrap();
    index["now"].as_i64().unwrap()
}

// ---------------------------------------------------------------------------------------------
// RIM service
// ---------------------------------------------------------------------------------------------

#[test]
fn rim_fetched_cached_and_served_from_the_cache() {
    let server = rim_service();
    let cache = temp_dir("rimcache");
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url("/"))
        .unwrap()
        .with_cache_dir(&cache)
        .unwrap();
    assert_eq!(
        src.url_for(DRIVER_ID),
        server.url(&format!("/v1/rim/{DRIVER_ID}"))
    );
    let xml = src.fetch(DRIVER_ID).unwrap().unwrap();
    assert_eq!(xml, rim_xml(DRIVER_ID));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, format!("/v1/rim/{DRIVER_ID}"));
    assert!(reqs[0].header("authorization").is_none());
    // Written atomically under <id>.xml, no temporary file left behind.
    assert_eq!(
        std::fs::read(cache.join(format!("{DRIVER_ID}.xml"))).unwrap(),
        xml
    );
    let names: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec![format!("{DRIVER_ID}.xml")]);
    assert!(src.log().is_empty(), "{:?}", src.log().entries());
    // Second fetch: from the cache, no request.
    assert_eq!(src.fetch(DRIVER_ID).unwrap().unwrap(), xml);
    assert_eq!(server.requests().len(), 1);
    // Another source with the same cache and no service at all still finds it.
    let offline = HttpRimSource::new(http())
        .with_base_url(&dead_url())
        .unwrap()
        .with_cache_dir(&cache)
        .unwrap();
    assert_eq!(offline.fetch(DRIVER_ID).unwrap().unwrap(), xml);
    assert!(offline.describe().contains("cache"));
    // ... but not a RIM it never cached: the service is unreachable.
    let e = offline.fetch(VBIOS_ID).unwrap_err();
    assert!(e.contains("unreachable"), "{e}");
    assert_eq!(offline.log().entries(), vec![e]);
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn rim_service_key_is_sent_as_bearer() {
    let server = rim_service();
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url(""))
        .unwrap()
        .with_service_key("k3y");
    assert!(src.fetch(VBIOS_ID).unwrap().is_some());
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer k3y")
    );
}

#[test]
fn rim_id_mismatch_is_refused_and_not_cached() {
    let server = Server::start(|_| Reply::json(&rim_reply(VBIOS_ID, &rim_xml(VBIOS_ID))));
    let cache = temp_dir("mismatch");
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url(""))
        .unwrap()
        .with_cache_dir(&cache)
        .unwrap();
    let e = src.fetch(DRIVER_ID).unwrap_err();
    assert!(e.contains("not the requested"), "{e}");
    assert!(!cache.join(format!("{DRIVER_ID}.xml")).exists());
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn rim_404_is_none() {
    let server = rim_service();
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url(""))
        .unwrap();
    assert!(src.fetch("NV_GPU_DRIVER_GH100_1.2.3").unwrap().is_none());
    assert_eq!(server.requests().len(), 1);
    assert!(src.log().is_empty());
}

#[test]
fn rim_oversized_reply_is_refused() {
    let server =
        Server::start(|_| Reply::new(200, "application/json", vec![b' '; MAX_RIM_REPLY_LEN + 1]));
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url(""))
        .unwrap();
    let e = src.fetch(DRIVER_ID).unwrap_err();
    assert!(e.contains("more than"), "{e}");
}

#[test]
fn rim_errors_are_reported() {
    let server = Server::start(|r| match r.path.as_str() {
        p if p.ends_with("_500") => Reply::status(500),
        p if p.ends_with("_junk") => Reply::new(200, "application/json", "{not json"),
        p if p.ends_with("_hang") => Reply::hang(),
        _ => Reply::json(&serde_json::json!({"id": "X_b64", "rim": "%%%"})),
    });
    let src = HttpRimSource::new(http().with_timeout(Duration::from_millis(300)))
        .with_base_url(&server.url(""))
        .unwrap();
    for (id, want) in [
        ("X_500", "HTTP 500"),
        ("X_junk", "not JSON"),
        ("X_b64", "base64"),
        ("X_hang", "timed out"),
    ] {
        let e = src.fetch(id).unwrap_err();
        assert!(e.contains(want), "{id}: {e}");
    }
    assert_eq!(src.log().entries().len(), 4);
    // Ids are never turned into odd paths.
    assert!(src.fetch("../../etc/passwd").is_err());
    assert_eq!(server.requests().len(), 4);
    assert!(
        HttpRimSource::new(http())
            .with_base_url("file:///tmp")
            .is_err()
    );
}

#[test]
fn rim_that_does_not_verify_is_returned_but_not_cached() {
    let server = Server::start(|r| {
        let id = r.path.strip_prefix("/v1/rim/").unwrap_or("");
        Reply::json(&rim_reply(id, b"<SoftwareIdentity/>"))
    });
    let cache = temp_dir("garbage");
    let src = HttpRimSource::new(http())
        .with_base_url(&server.url(""))
        .unwrap()
        .with_cache_dir(&cache)
        .unwrap();
    // Returned (the verifier will say why it is bad) ...
    assert_eq!(
        src.fetch(DRIVER_ID).unwrap().unwrap(),
        b"<SoftwareIdentity/>"
    );
    // ... but not kept.
    assert!(!cache.join(format!("{DRIVER_ID}.xml")).exists());
    assert!(src.log().entries()[0].contains("not cached"));
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn rim_chain_directory_then_service() {
    let server = rim_service();
    let chain = ChainRimSource::new()
        .with(DirRimSource::new(vectors().join("nvidia/rims")).unwrap())
        .with(
            HttpRimSource::new(http())
                .with_base_url(&server.url(""))
                .unwrap(),
        );
    // In the directory: no request.
    assert!(
        chain
            .fetch("NV_GPU_VBIOS_1010_0200_882_96005E0001")
            .unwrap()
            .is_some()
    );
    assert!(server.requests().is_empty());
    // Not in the directory: from the service.
    assert_eq!(chain.fetch(DRIVER_ID).unwrap().unwrap(), rim_xml(DRIVER_ID));
    assert_eq!(server.requests().len(), 1);
    // Nowhere.
    assert!(chain.fetch("NV_GPU_DRIVER_GH100_0.0.1").unwrap().is_none());
    assert!(chain.describe().contains(", then RIM service http://"));
}

// ---------------------------------------------------------------------------------------------
// OCSP
// ---------------------------------------------------------------------------------------------

/// Checks the outer DER SEQUENCE of a request and returns the nonce: the request ends with the
/// nonce extension's OCTET STRING { OCTET STRING (32 bytes) }.
fn request_nonce(der: &[u8]) -> [u8; 32] {
    assert_eq!(der[0], 0x30, "an OCSPRequest is a SEQUENCE");
    let (len, hdr) = match der[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(der[2]), 3),
        0x82 => (usize::from(der[2]) << 8 | usize::from(der[3]), 4),
        other => panic!("length form {other:#x}"),
    };
    assert_eq!(hdr + len, der.len(), "one SEQUENCE, nothing after it");
    let tail = &der[der.len() - 34..];
    assert_eq!(
        &tail[..2],
        &[0x04, 0x20],
        "the request ends with a 32-byte nonce"
    );
    tail[2..].try_into().unwrap()
}

#[test]
fn ocsp_request_is_well_formed_and_the_reply_passed_through() {
    let reply = read("ocsp/responses/good_issuer.der");
    let served = reply.clone();
    let server = Server::start(move |r| {
        if r.method == "POST" && r.header("content-type") == Some("application/ocsp-request") {
            Reply::new(200, "application/ocsp-response", served.clone())
        } else {
            Reply::status(400)
        }
    });
    let (leaf, inter) = (cert("leaf"), cert("intermediate"));
    let src = HttpOcspSource::new(http())
        .with_url(&server.url("/ocsp"))
        .unwrap()
        .with_service_key("k");
    let fetched = src.lookup(&leaf, &inter).unwrap();
    let again = src.lookup(&leaf, &inter).unwrap();
    assert!(src.log().is_empty(), "{:?}", src.log().entries());

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let r = &reqs[0];
    assert_eq!(r.path, "/ocsp");
    assert_eq!(r.header("authorization"), Some("Bearer k"));
    let nonce = request_nonce(&r.body);
    // Exactly the request build_request makes for this pair and nonce.
    assert_eq!(r.body, ocsp::build_request(&leaf, &inter, Some(&nonce)));
    // The reply is passed through with the nonce that was sent.
    assert_eq!(fetched.der, reply);
    assert_eq!(fetched.sent_nonce.as_deref(), Some(&nonce[..]));
    // A fresh nonce per query.
    let nonce2 = request_nonce(&reqs[1].body);
    assert_ne!(nonce, nonce2);
    assert_eq!(again.sent_nonce.as_deref(), Some(&nonce2[..]));
    // This fixture has no nonce: a live answer without the echo is refused.
    let root = std::sync::Arc::new(cert("root"));
    let outcome = ocsp::verify_response(
        &fetched.der,
        &leaf,
        &inter,
        &root,
        ocsp_now(),
        fetched.sent_nonce.as_deref(),
    );
    assert!(
        matches!(outcome, OcspOutcome::Invalid(ref w) if w.contains("nonce")),
        "{outcome:?}"
    );
}

#[test]
fn ocsp_failures_are_none_with_a_reason() {
    let server = Server::start(|r| match r.path.as_str() {
        "/500" => Reply::status(500),
        "/big" => Reply::new(
            200,
            "application/ocsp-response",
            vec![0u8; ocsp::MAX_RESPONSE_LEN + 1],
        ),
        _ => Reply::hang(),
    });
    let (leaf, inter) = (cert("leaf"), cert("intermediate"));
    let client = http().with_timeout(Duration::from_millis(300));
    for (url, want) in [
        (server.url("/500"), "HTTP 500"),
        (server.url("/big"), "more than"),
        (server.url("/hang"), "timed out"),
        (dead_url(), "unreachable"),
    ] {
        let src = HttpOcspSource::new(client.clone()).with_url(&url).unwrap();
        assert!(src.lookup(&leaf, &inter).is_none(), "{url}");
        let log = src.log().entries();
        assert_eq!(log.len(), 1, "{log:?}");
        assert!(log[0].contains(want), "{url}: {log:?}");
        assert!(log[0].contains("OCSP for '"), "{log:?}");
        assert!(src.query(&leaf, &inter).unwrap_err().contains(want));
    }
}

#[test]
fn ocsp_chain_cache_first_then_live() {
    let reply = read("ocsp/responses/good_delegated.der");
    let served = reply.clone();
    let server =
        Server::start(move |_| Reply::new(200, "application/ocsp-response", served.clone()));
    let cache = DirOcspSource::new(vectors().join("ocsp/cache")).unwrap();
    let live = HttpOcspSource::new(http())
        .with_url(&server.url("/"))
        .unwrap();
    let log = live.log();
    let chain = ChainOcspSource::new()
        .with(cache)
        .with(live)
        .fresh_at(ocsp_now());
    let (leaf, inter, responder) = (cert("leaf"), cert("intermediate"), cert("responder"));
    // Cached and fresh: no query, no nonce.
    let f = chain.lookup(&leaf, &inter).unwrap();
    assert_eq!(f.der, read("ocsp/cache/leaf_sha1.der"));
    assert!(f.sent_nonce.is_none());
    assert!(server.requests().is_empty());
    // Not cached: asked live.
    let f = chain.lookup(&responder, &inter).unwrap();
    assert_eq!(f.der, reply);
    assert!(f.sent_nonce.is_some());
    assert_eq!(server.requests().len(), 1);
    assert!(log.is_empty());
    // Cached but stale: asked live, and the fresh live answer wins.
    let stale_dir = temp_dir("stale");
    std::fs::create_dir_all(&stale_dir).unwrap();
    std::fs::write(
        stale_dir.join("stale.der"),
        read("ocsp/responses/stale.der"),
    )
    .unwrap();
    let stale_first = |fresh_at: i64| {
        ChainOcspSource::new()
            .with(DirOcspSource::new(&stale_dir).unwrap())
            .with(
                HttpOcspSource::new(http())
                    .with_url(&server.url("/"))
                    .unwrap(),
            )
            .fresh_at(fresh_at)
    };
    assert_eq!(
        stale_first(ocsp_now()).lookup(&leaf, &inter).unwrap().der,
        reply
    );
    assert_eq!(server.requests().len(), 2);
    // Nothing fresh anywhere (much later): the first response found, so the verdict can say
    // why it is refused.
    let much_later = stale_first(ocsp_now() + 60 * 86_400);
    assert_eq!(
        much_later.lookup(&leaf, &inter).unwrap().der,
        read("ocsp/responses/stale.der")
    );
    assert_eq!(server.requests().len(), 3);
    std::fs::remove_dir_all(&stale_dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// NRAS
// ---------------------------------------------------------------------------------------------

fn nras_index() -> Value {
    serde_json::from_slice(&read("nras/index.json")).unwrap()
}

fn nras_nonce() -> [u8; 32] {
    let mut n = [0u8; 32];
    hex::decode_to_slice(nras_index()["nonce"].as_str().unwrap(), &mut n).unwrap();
    n
}

/// NRAS: `POST /v4/attest/gpu` answers with `eat`; `GET /jwks.json` with the fixture JWKS.
fn nras_service(eat: &'static str) -> Server {
    Server::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v4/attest/gpu") if r.header("content-type") == Some("application/json") => {
            Reply::new(200, "application/json", read(&format!("nras/{eat}")))
        }
        ("POST", "/v4/attest/gpu") => Reply::status(415),
        ("POST", "/forbidden") => Reply::new(403, "application/json", r#"{"error":"no key"}"#),
        ("GET", "/jwks.json") => Reply::new(200, "application/json", read("nras/jwks.json")),
        ("GET", "/bad-jwks") => Reply::new(200, "application/json", r#"{"keys":[]}"#),
        _ => Reply::status(404),
    })
}

fn nras_client(server: &Server) -> NrasClient {
    NrasClient::new(http())
        .with_url(&server.url("/v4/attest/gpu"))
        .unwrap()
        .with_jwks_url(&server.url("/jwks.json"))
        .unwrap()
}

#[test]
fn nras_attest_and_jwks_round_trip() {
    let server = nras_service("good_1gpu.json");
    let client = nras_client(&server).with_service_key("nras-key");
    let gpu = br#"{"nonce":"931d","arch":"HOPPER","evidence_list":[],"claims_version":"3.0"}"#;
    let eat = client.attest(gpu).unwrap();
    assert_eq!(eat, read("nras/good_1gpu.json"));
    let reqs = server.requests();
    assert_eq!(reqs[0].body, gpu, "the gpu object is posted as is");
    assert_eq!(reqs[0].header("authorization"), Some("Bearer nras-key"));
    let jwks = client.jwks().unwrap();
    assert_eq!(jwks, Jwks::from_json(&read("nras/jwks.json")).unwrap());
    assert!(server.requests()[1].header("authorization").is_none());

    let now = nras_index()["now"].as_i64().unwrap();
    let v = nras::verdict_from_eat(&eat, &jwks, &nras_nonce(), Some(1), now);
    assert!(v.verified, "{}", v.to_json());
    assert_eq!(v.checks.len(), 2);
    let v = client.appraise(gpu, &nras_nonce(), Some(1), now);
    assert!(v.verified, "{}", v.to_json());
    let v = client.appraise(gpu, &[7; 32], Some(1), now);
    assert!(!v.verified);
}

#[test]
fn nras_verifies_what_it_fetched() {
    let server = nras_service("neg_tampered_gpu.json");
    let now = nras_index()["now"].as_i64().unwrap();
    let v = nras_client(&server).appraise(b"{}", &nras_nonce(), None, now);
    assert!(!v.verified);
    assert!(v.checks.iter().any(|c| c.status == CheckStatus::Fail));
}

#[test]
fn nras_failures() {
    let server = nras_service("good_1gpu.json");
    let now = nras_index()["now"].as_i64().unwrap();
    let forbidden = nras_client(&server)
        .with_url(&server.url("/forbidden"))
        .unwrap();
    let e = forbidden.attest(b"{}").unwrap_err();
    assert!(e.contains("forbidden") && e.contains("no key"), "{e}");
    let v = forbidden.appraise(b"{}", &nras_nonce(), None, now);
    assert!(!v.verified);
    assert_eq!(v.checks.len(), 1);
    assert_eq!(v.checks[0].id, nras::CHECK_ID);
    assert_eq!(v.checks[0].status, CheckStatus::Skip);
    assert!(v.checks[0].detail.contains("forbidden"));

    let bad_jwks = nras_client(&server)
        .with_jwks_url(&server.url("/bad-jwks"))
        .unwrap();
    assert!(bad_jwks.jwks().unwrap_err().contains("no usable"));
    let v = bad_jwks.appraise(b"{}", &nras_nonce(), None, now);
    assert_eq!(v.checks[0].status, CheckStatus::Skip);
    assert!(v.checks[0].detail.contains("key set"));

    let missing = nras_client(&server)
        .with_jwks_url(&server.url("/nothing"))
        .unwrap();
    assert!(missing.jwks().unwrap_err().contains("HTTP 404"));

    let dead = NrasClient::new(http()).with_url(&dead_url()).unwrap();
    assert!(dead.attest(b"{}").unwrap_err().contains("unreachable"));
    assert!(NrasClient::new(http()).with_url("nras").is_err());
}
