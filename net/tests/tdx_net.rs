//! `net::CollateralClient` against a loopback server emulating Intel PCS and a PCCS with the
//! committed dcap-qvl sample collateral, split back into PCS-shaped replies (issuer chains in
//! URL-encoded headers, `{"tcbInfo":…,"signature":…}` bodies holding the signed text byte for
//! byte, DER CRLs). The assembled collateral must verify the real quotes at their pinned times.
//! Nothing here leaves 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ccverify::CheckStatus;
use ccverify::tdx::{ExpectedReportData, TdxPolicy, verify_tdx};
use ccverify_net::HttpClient;
use ccverify_net::collateral::{
    CollateralClient, DEFAULT_MAX_AGE, MAX_COLLATERAL_REPLY_LEN, PCS_API_KEY_HEADER, PckCa,
};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server with reply headers
// ---------------------------------------------------------------------------------------------

#[path = "support/http.rs"]
mod http;
use http::{Reply, Request, Server, dead_url};

// ---------------------------------------------------------------------------------------------
// PCS emulation from the fixtures
// ---------------------------------------------------------------------------------------------

fn tdx_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tdx")
}

fn fixture(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(tdx_dir().join("dcap-qvl").join(name)).unwrap()).unwrap()
}

fn case(name: &str) -> Value {
    let doc: Value =
        serde_json::from_slice(&std::fs::read(tdx_dir().join("cases.json")).unwrap()).unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .clone()
}

/// Percent-encodes everything but RFC 3986 unreserved characters, as Intel's headers are.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn s<'a>(c: &'a Value, k: &str) -> &'a str {
    c[k].as_str().unwrap()
}

fn der(c: &Value, k: &str) -> Vec<u8> {
    hex::decode(s(c, k)).unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Intel PCS: no rootcacrl endpoint, `TCB-Info-Issuer-Chain`.
    Pcs,
    /// A PCCS: rootcacrl as hex, the older `SGX-TCB-Info-Issuer-Chain` name.
    Pccs,
}

/// The reply of a PCS or PCCS holding collateral `c` for FMSPC `fmspc`.
fn pcs_reply(c: &Value, shape: Shape, r: &Request) -> Reply {
    let fmspc = s(
        &serde_json::from_str::<Value>(s(c, "tcb_info")).unwrap(),
        "fmspc",
    )
    .to_string();
    let path = r.path.as_str();
    if path == "/sgx/certification/v4/pckcrl?ca=platform&encoding=der" {
        Reply::ok(der(c, "pck_crl")).with_header(
            "SGX-PCK-CRL-Issuer-Chain",
            &url_encode(s(c, "pck_crl_issuer_chain")),
        )
    } else if path == format!("/tdx/certification/v4/tcb?fmspc={fmspc}") {
        let body = format!(
            r#"{{"tcbInfo":{},"signature":"{}"}}"#,
            s(c, "tcb_info"),
            s(c, "tcb_info_signature")
        );
        let name = match shape {
            Shape::Pcs => "TCB-Info-Issuer-Chain",
            Shape::Pccs => "SGX-TCB-Info-Issuer-Chain",
        };
        Reply::ok(body).with_header(name, &url_encode(s(c, "tcb_info_issuer_chain")))
    } else if path == "/tdx/certification/v4/qe/identity" {
        let body = format!(
            r#"{{"enclaveIdentity":{},"signature":"{}"}}"#,
            s(c, "qe_identity"),
            s(c, "qe_identity_signature")
        );
        Reply::ok(body).with_header(
            "SGX-Enclave-Identity-Issuer-Chain",
            &url_encode(s(c, "qe_identity_issuer_chain")),
        )
    } else if path == "/IntelSGXRootCA.der" && shape == Shape::Pcs {
        Reply::ok(der(c, "root_ca_crl"))
    } else if path == "/sgx/certification/v4/rootcacrl" && shape == Shape::Pccs {
        Reply::ok(s(c, "root_ca_crl").to_string())
    } else {
        Reply::status(404)
    }
}

fn pcs(collateral: &'static str, shape: Shape) -> Server {
    let c = fixture(collateral);
    Server::start(move |r| pcs_reply(&c, shape, r))
}

fn client(server: &Server) -> CollateralClient {
    CollateralClient::new(HttpClient::new().unwrap())
        .with_base_url(&server.url(""))
        .unwrap()
        .with_root_ca_crl_url(&server.url("/IntelSGXRootCA.der"))
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccverify-tdxnet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

struct Case {
    quote: String,
    expected: ExpectedReportData,
    at: i64,
}

fn load(name: &str) -> Case {
    let c = case(name);
    Case {
        quote: s(&c, "quote").to_string(),
        expected: ExpectedReportData::from_report_data_hex(s(
            &c["expected_report_data"],
            "report_data",
        ))
        .unwrap(),
        at: ccverify::time::parse_time(s(&c, "at")).unwrap(),
    }
}

const V4: &str = "v4_uptodate";
const V4_COLLATERAL: &str = "tdx_quote_collateral.json";
const V5: &str = "v5_td15ex_uptodate";
const V5_COLLATERAL: &str = "tdx_quote_td15ex_collateral.json";

fn assert_verifies(case: &Case, json: &str) {
    let v = verify_tdx(
        case.quote.as_bytes(),
        json.as_bytes(),
        &case.expected,
        &TdxPolicy::default(),
        case.at,
    );
    assert!(v.verified, "{}", v.to_json());
    assert_eq!(v.facts["tdx.tcb_status"], "UpToDate");
    for id in [
        "tdx.quote_parse",
        "tdx.collateral",
        "tdx.quote_signature",
        "tdx.tcb_status",
        "tdx.td_attributes",
        "tdx.report_data",
    ] {
        assert_eq!(v.check(id).unwrap().status, CheckStatus::Pass, "{id}");
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn pcs_shaped_replies_assemble_the_fixture_byte_for_byte_and_verify() {
    let server = pcs(V4_COLLATERAL, Shape::Pcs);
    let v4 = load(V4);
    let got = client(&server)
        .with_api_key("test-key")
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap();
    assert_eq!(got.fmspc, "B0C06F000000");
    assert_eq!(got.ca, PckCa::Platform);
    assert_eq!(got.source, server.url(""));
    assert_eq!(got.cache_file, None);
    assert!(got.notes.is_empty(), "{:?}", got.notes);
    assert!(got.describe().starts_with(&server.url("")));
    assert_eq!(
        got.expires,
        ccverify::time::parse_time("2025-07-19T10:00:35Z"),
        "the PCK CRL expires first"
    );

    // Every field is the fixture's, exactly; the quote's PCK chain is attached.
    let assembled: Value = serde_json::from_str(&got.json).unwrap();
    let want = fixture(V4_COLLATERAL);
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&assembled[k], v, "{k}");
    }
    let chain = s(&assembled, "pck_certificate_chain");
    assert!(chain.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(chain.matches("-----END CERTIFICATE-----").count(), 3);

    assert_verifies(&v4, &got.json);

    // The requests: v4 paths, the PCS API key on the service's requests only.
    assert_eq!(
        server.paths(),
        vec![
            "/IntelSGXRootCA.der",
            "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
            "/sgx/certification/v4/rootcacrl",
            "/tdx/certification/v4/qe/identity",
            "/tdx/certification/v4/tcb?fmspc=B0C06F000000",
        ]
    );
    for r in server.requests() {
        let key = r.header(PCS_API_KEY_HEADER);
        if r.path == "/IntelSGXRootCA.der" {
            assert_eq!(key, None);
        } else {
            assert_eq!(key, Some("test-key"), "{}", r.path);
        }
    }
}

#[test]
fn pccs_shaped_replies_root_crl_from_the_pccs() {
    let server = pcs(V4_COLLATERAL, Shape::Pccs);
    let v4 = load(V4);
    // A PCCS URL as commonly configured, with the v4 suffix.
    let got = CollateralClient::new(HttpClient::new().unwrap())
        .with_base_url(&server.url("/sgx/certification/v4/"))
        .unwrap()
        .with_root_ca_crl_url(&dead_url())
        .unwrap()
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap();
    assert_verifies(&v4, &got.json);
    assert!(
        !server.paths().contains(&"/IntelSGXRootCA.der".to_string()),
        "{:?}",
        server.paths()
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header(PCS_API_KEY_HEADER).is_none())
    );
    // And the five-digit-case FMSPC API.
    let by_fmspc = CollateralClient::new(HttpClient::new().unwrap())
        .with_base_url(&server.url(""))
        .unwrap()
        .fetch_for_fmspc("b0c06f000000", PckCa::Platform, v4.at)
        .unwrap();
    let v: Value = serde_json::from_str(&by_fmspc.json).unwrap();
    assert!(v.get("pck_certificate_chain").is_none());
    assert_verifies(&v4, &by_fmspc.json);
}

#[test]
fn cache_serves_refuses_and_refreshes() {
    let server = pcs(V4_COLLATERAL, Shape::Pcs);
    let v4 = load(V4);
    let dir = temp_dir("cache");
    let c = client(&server).with_cache_dir(&dir).unwrap();
    let file = c.cache_file("B0C06F000000", PckCa::Platform).unwrap();
    assert_eq!(file, dir.join("tdx-B0C06F000000-platform.json"));

    let first = c.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_eq!(first.cache_file, None);
    assert!(file.is_file());
    let n = server.requests().len();
    assert_eq!(n, 5);

    // Served from the cache: no request, the same collateral.
    let second = c.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_eq!(second.cache_file.as_deref(), Some(file.as_path()));
    assert_eq!(second.json, first.json);
    assert_eq!(second.fetched_at, first.fetched_at);
    assert!(second.describe().starts_with("cache "));
    assert_eq!(server.requests().len(), n);
    assert_verifies(&v4, &second.json);

    // Offline from the cache too.
    let offline = c.clone().offline();
    assert_eq!(
        offline.fetch(v4.quote.as_bytes(), v4.at).unwrap().json,
        first.json
    );

    // Past an expiry at the verification time: refused, refetched (the same, still expired).
    let later = ccverify::time::parse_time("2025-08-01T00:00:00Z").unwrap();
    let err = offline.fetch(v4.quote.as_bytes(), later).unwrap_err();
    assert!(err.starts_with("offline: cached collateral"), "{err}");
    assert!(err.contains("expired at 2025-07-19T10:00:35Z"), "{err}");
    let refreshed = c.fetch(v4.quote.as_bytes(), later).unwrap();
    assert_eq!(refreshed.cache_file, None);
    assert!(
        refreshed.notes[0].contains("expired"),
        "{:?}",
        refreshed.notes
    );
    assert_eq!(server.requests().len(), n + 5);

    // Issued longer ago than the policy allows: refused.
    let policy = TdxPolicy {
        max_collateral_age_secs: Some(3600),
        ..TdxPolicy::default()
    };
    let err = offline
        .clone()
        .with_policy(&policy)
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap_err();
    assert!(err.contains("more than the policy's 3600 s"), "{err}");
    let day = TdxPolicy {
        max_collateral_age_secs: Some(2 * 86_400),
        ..TdxPolicy::default()
    };
    assert!(
        offline
            .clone()
            .with_policy(&day)
            .fetch(v4.quote.as_bytes(), v4.at)
            .is_ok()
    );

    // Fetched longer ago than the maximum age: refused offline, refetched online.
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let old = ccverify::time::unix_now() - 2 * DEFAULT_MAX_AGE.as_secs() as i64;
    entry["fetched_at"] = old.into();
    std::fs::write(&file, entry.to_string()).unwrap();
    let err = offline.fetch(v4.quote.as_bytes(), v4.at).unwrap_err();
    assert!(err.contains("s ago), more than 86400 s ago"), "{err}");
    assert!(
        offline
            .clone()
            .with_max_age(3 * DEFAULT_MAX_AGE)
            .fetch(v4.quote.as_bytes(), v4.at)
            .is_ok()
    );
    let n = server.requests().len();
    let again = c.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_eq!(again.cache_file, None);
    assert_eq!(server.requests().len(), n + 5);
    let entry: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(entry["fetched_at"].as_i64().unwrap() > old);

    // A cache written for another service is not used by this one.
    let other = pcs(V4_COLLATERAL, Shape::Pcs);
    let from_other = client(&other).with_cache_dir(&dir).unwrap();
    let got = from_other.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_eq!(got.cache_file, None);
    assert!(got.notes[0].contains("came from"), "{:?}", got.notes);
    assert_eq!(other.requests().len(), 5);

    // A corrupted entry is refused and overwritten.
    std::fs::write(&file, b"{\"format\":1,").unwrap();
    let err = offline.fetch(v4.quote.as_bytes(), v4.at).unwrap_err();
    assert!(err.contains("not JSON"), "{err}");
    let fixed = c.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_verifies(&v4, &fixed.json);
    assert!(
        c.fetch(v4.quote.as_bytes(), v4.at)
            .unwrap()
            .cache_file
            .is_some()
    );

    // Tampered collateral in the cache is served (the cache is not trusted) and then fails
    // verification: the cache can make tdx.collateral fail, never pass.
    let mut entry: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let tcb = entry["collateral"]["tcb_info"].as_str().unwrap().replace(
        "\"tcbEvaluationDataNumber\":17",
        "\"tcbEvaluationDataNumber\":99",
    );
    assert_ne!(tcb, entry["collateral"]["tcb_info"].as_str().unwrap());
    entry["collateral"]["tcb_info"] = tcb.into();
    std::fs::write(&file, entry.to_string()).unwrap();
    let tampered = offline.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    let v = verify_tdx(
        v4.quote.as_bytes(),
        tampered.json.as_bytes(),
        &v4.expected,
        &TdxPolicy::default(),
        v4.at,
    );
    assert!(!v.verified);
    assert_eq!(
        v.check("tdx.collateral").unwrap().status,
        CheckStatus::Fail,
        "{}",
        v.to_json()
    );

    // Offline with nothing cached.
    std::fs::remove_file(&file).unwrap();
    let err = offline.fetch(v4.quote.as_bytes(), v4.at).unwrap_err();
    assert!(
        err.contains("no collateral is cached for FMSPC B0C06F000000"),
        "{err}"
    );
    let err = CollateralClient::new(HttpClient::new().unwrap())
        .offline()
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap_err();
    assert!(err.contains("no collateral cache"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn expired_cache_entry_is_replaced_by_the_services_newer_collateral() {
    // The service publishes new collateral for the same FMSPC between the two verifications.
    let generation = Arc::new(AtomicUsize::new(0));
    let g = Arc::clone(&generation);
    let (old, new) = (fixture(V4_COLLATERAL), fixture(V5_COLLATERAL));
    let server = Server::start(move |r| {
        let c = if g.load(Ordering::SeqCst) == 0 {
            &old
        } else {
            &new
        };
        pcs_reply(c, Shape::Pcs, r)
    });
    let dir = temp_dir("generations");
    let c = client(&server).with_cache_dir(&dir).unwrap();
    let (v4, v5) = (load(V4), load(V5));
    let a = c.fetch(v4.quote.as_bytes(), v4.at).unwrap();
    assert_verifies(&v4, &a.json);
    generation.store(1, Ordering::SeqCst);
    // The v4 quote is served from the cache; the v5 one, verified in 2026, cannot be.
    assert!(
        c.fetch(v4.quote.as_bytes(), v4.at)
            .unwrap()
            .cache_file
            .is_some()
    );
    let b = c.fetch(v5.quote.as_bytes(), v5.at).unwrap();
    assert_eq!(b.cache_file, None);
    assert!(b.notes[0].contains("expired"), "{:?}", b.notes);
    assert_verifies(&v5, &b.json);
    assert!(
        c.fetch(v5.quote.as_bytes(), v5.at)
            .unwrap()
            .cache_file
            .is_some()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server answering like `pcs(V4)` except where `patch` returns a reply.
fn patched(patch: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> Server {
    let c = fixture(V4_COLLATERAL);
    Server::start(move |r| patch(r).unwrap_or_else(|| pcs_reply(&c, Shape::Pcs, r)))
}

fn fetch_error(server: &Server) -> String {
    let v4 = load(V4);
    client(server)
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap_err()
}

#[test]
fn service_failures_are_errors_that_say_why() {
    // Unknown FMSPC.
    let srv = patched(|r| r.path.contains("/tcb?").then(|| Reply::status(404)));
    let e = fetch_error(&srv);
    assert!(
        e.starts_with("TCB Info: ") && e.contains("tcb?fmspc=B0C06F000000: HTTP 404"),
        "{e}"
    );

    // Refused (an API key may be needed).
    let srv = patched(|r| r.path.contains("/qe/").then(|| Reply::status(401)));
    let e = fetch_error(&srv);
    assert!(e.contains("Ocp-Apim-Subscription-Key"), "{e}");

    // No issuer chain header.
    let srv = patched(|r| {
        r.path
            .contains("/tcb?")
            .then(|| Reply::ok(r#"{"tcbInfo":{},"signature":"00"}"#))
    });
    let e = fetch_error(&srv);
    assert!(
        e.contains("no TCB-Info-Issuer-Chain or SGX-TCB-Info-Issuer-Chain header"),
        "{e}"
    );

    // TCB Info for another platform.
    let c = fixture(V4_COLLATERAL);
    let srv = patched(move |r| {
        r.path.contains("/tcb?").then(|| {
            let body = format!(
                r#"{{"tcbInfo":{},"signature":"{}"}}"#,
                s(&c, "tcb_info").replace("B0C06F000000", "00806F050000"),
                s(&c, "tcb_info_signature")
            );
            Reply::ok(body).with_header(
                "TCB-Info-Issuer-Chain",
                &url_encode(s(&c, "tcb_info_issuer_chain")),
            )
        })
    });
    let e = fetch_error(&srv);
    assert!(
        e.contains("for FMSPC \"00806F050000\", not the requested B0C06F000000"),
        "{e}"
    );

    // Not JSON.
    let c = fixture(V4_COLLATERAL);
    let srv = patched(move |r| {
        r.path.contains("/qe/").then(|| {
            Reply::ok("<html>").with_header(
                "SGX-Enclave-Identity-Issuer-Chain",
                &url_encode(s(&c, "qe_identity_issuer_chain")),
            )
        })
    });
    let e = fetch_error(&srv);
    assert!(e.contains("QE Identity reply is not a JSON object"), "{e}");

    // A PCK CRL that is not one.
    let c = fixture(V4_COLLATERAL);
    let srv = patched(move |r| {
        r.path.contains("/pckcrl").then(|| {
            Reply::ok("nope").with_header(
                "SGX-PCK-CRL-Issuer-Chain",
                &url_encode(s(&c, "pck_crl_issuer_chain")),
            )
        })
    });
    let e = fetch_error(&srv);
    assert!(e.contains("PCK CRL is neither"), "{e}");

    // Oversized.
    let c = fixture(V4_COLLATERAL);
    let srv = patched(move |r| {
        r.path.contains("/pckcrl").then(|| {
            Reply::ok(vec![b'0'; MAX_COLLATERAL_REPLY_LEN + 1]).with_header(
                "SGX-PCK-CRL-Issuer-Chain",
                &url_encode(s(&c, "pck_crl_issuer_chain")),
            )
        })
    });
    let e = fetch_error(&srv);
    assert!(e.contains("more than"), "{e}");

    // No root CA CRL anywhere: both attempts are reported.
    let srv = patched(|r| {
        r.path
            .contains("IntelSGXRootCA")
            .then(|| Reply::status(503))
    });
    let e = fetch_error(&srv);
    assert!(
        e.contains("rootcacrl: HTTP 404") && e.contains("IntelSGXRootCA.der: HTTP 503"),
        "{e}"
    );

    // Nothing listening.
    let v4 = load(V4);
    let e = CollateralClient::new(HttpClient::new().unwrap())
        .with_base_url(&dead_url())
        .unwrap()
        .with_root_ca_crl_url(&dead_url())
        .unwrap()
        .fetch(v4.quote.as_bytes(), v4.at)
        .unwrap_err();
    assert!(e.contains("unreachable"), "{e}");

    // Not a quote with a PCK chain: nothing is fetched.
    let srv = pcs(V4_COLLATERAL, Shape::Pcs);
    let e = client(&srv)
        .fetch(b"Error: TDX Interface not found", v4.at)
        .unwrap_err();
    assert!(e.contains("the agent returned an error"), "{e}");
    assert!(srv.requests().is_empty());
}
