//! Intel collateral for TDX quotes, from Intel PCS or a PCCS.
//!
//! [`CollateralClient::fetch`] reads the PCK certificate chain out of a quote (certification
//! data type 5), takes the platform's FMSPC and the PCK CA (platform or processor) from its leaf,
//! and fetches with the PCS/PCCS v4 API:
//!
//! | item | request | issuer chain |
//! |---|---|---|
//! | TCB Info | `GET {base}/tdx/certification/v4/tcb?fmspc={FMSPC}` → `{"tcbInfo":…,"signature":"hex"}` | header `TCB-Info-Issuer-Chain` (or `SGX-TCB-Info-Issuer-Chain`) |
//! | QE Identity | `GET {base}/tdx/certification/v4/qe/identity` → `{"enclaveIdentity":…,"signature":"hex"}` | header `SGX-Enclave-Identity-Issuer-Chain` |
//! | PCK CRL | `GET {base}/sgx/certification/v4/pckcrl?ca={platform\|processor}&encoding=der` → DER | header `SGX-PCK-CRL-Issuer-Chain` |
//! | Root CA CRL | a PCCS's `GET {base}/sgx/certification/v4/rootcacrl` (hex or DER), else [`INTEL_ROOT_CA_CRL_URL`] | — |
//!
//! The issuer chains are URL-encoded PEM. The result is dcap-qvl's `QuoteCollateralV3` JSON,
//! exactly what [`ccverify::tdx::verify_tdx`] consumes: `tcb_info` and `qe_identity` are the
//! **byte-exact** text of the signed `tcbInfo` / `enclaveIdentity` members as the service sent
//! them (never re-serialised, or the signatures would not verify), and the quote's PCK chain is
//! attached as `pck_certificate_chain`.
//!
//! Like everything in this crate it only fetches: the collateral is verified afterwards
//! (Intel's signatures, chains to the pinned SGX Root CA, CRLs, dates), so a network attacker
//! or a corrupted cache can make `tdx.collateral` fail, never pass. The replies are still
//! checked for shape (the TCB Info must be TDX's and for the requested FMSPC, signatures 64
//! bytes, CRLs DER) before they are returned or cached.
//!
//! **Cache.** With [`CollateralClient::with_cache_dir`], collateral is stored per FMSPC and CA
//! type as `tdx-{FMSPC}-{ca}.json` (written atomically) together with the service it came from
//! and the time it was fetched. A cached entry is used only when it came from the configured
//! service, was fetched at most [`CollateralClient::with_max_age`] ago (default
//! [`DEFAULT_MAX_AGE`], one day), is still current at the verification time (no TCB Info, QE
//! Identity or CRL past its `nextUpdate`) and, with [`CollateralClient::with_max_issue_age`]
//! (the policy's `max_collateral_age_secs`), was issued recently enough. Otherwise it is fetched
//! again; [`CollateralClient::offline`] never fetches and reports why the cache cannot serve.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ccverify::tdx::dcap::DcapConfig;
use dcap_qvl::QuoteCollateralV3;
use dcap_qvl::quote::Quote;
use reqwest::StatusCode;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use super::{
    HttpClient, Reply, check_url, key_allowed, read_limited, status_error, write_atomically,
};
use ccverify::tdx::{MAX_COLLATERAL_LEN, TdxPolicy};
use ccverify::time::{format_time, parse_time};

/// Intel's Provisioning Certification Service (PCS); the v4 API is under this base.
pub const INTEL_PCS_URL: &str = ccverify::services::INTEL_PCS_URL;

/// Where Intel publishes the CRL of the SGX Root CA (the CRL distribution point of the root
/// certificate), in DER.
pub const INTEL_ROOT_CA_CRL_URL: &str =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

/// Cached collateral fetched longer ago than this is fetched again, unless
/// [`CollateralClient::with_max_age`] says otherwise.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The header carrying an Intel PCS API key (`Ocp-Apim-Subscription-Key`). The v4 collateral
/// endpoints do not require one; it is sent when configured, over `https://` (or to a loopback
/// address) only.
pub const PCS_API_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";

/// The largest reply accepted from the collateral service, in bytes (each of the four).
pub const MAX_COLLATERAL_REPLY_LEN: usize = 512 * 1024;

/// The version of the cache file format.
const CACHE_FORMAT: u64 = 1;

/// How far in the future a cache entry's fetch time may be (clock adjustments) before it is
/// distrusted.
const CLOCK_SLACK_SECS: i64 = 300;

/// The Intel CA that issued a PCK certificate, which selects the PCK CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PckCa {
    /// "Intel SGX PCK Platform CA" (multi-package platforms, including TDX servers).
    Platform,
    /// "Intel SGX PCK Processor CA".
    Processor,
}

impl PckCa {
    /// The name the PCS API uses (`ca=platform` / `ca=processor`).
    pub fn as_str(self) -> &'static str {
        match self {
            PckCa::Platform => "platform",
            PckCa::Processor => "processor",
        }
    }

    /// Parses `platform` or `processor` (any case).
    pub fn parse(text: &str) -> Option<PckCa> {
        if text.eq_ignore_ascii_case("platform") {
            Some(PckCa::Platform)
        } else if text.eq_ignore_ascii_case("processor") {
            Some(PckCa::Processor)
        } else {
            None
        }
    }
}

/// What a TDX quote says about where its collateral comes from: the PCK certificate chain it
/// carries, and the FMSPC and issuing CA of its leaf. Nothing here is verified yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotePck {
    /// The platform's FMSPC, 12 upper-case hex digits.
    pub fmspc: String,
    /// The CA that issued the PCK certificate.
    pub ca: PckCa,
    /// The PCK certificate chain (PEM, leaf first) from the quote's certification data.
    pub chain_pem: String,
}

impl QuotePck {
    /// Reads the PCK chain, FMSPC and CA from a TDX quote (raw bytes, or hex text as io.net
    /// sends it).
    ///
    /// # Errors
    /// When the quote does not decode, is not a TDX quote, or does not carry its PCK chain
    /// (certification data type 5; quotes with an encrypted PPID are not supported).
    pub fn from_quote(quote: &[u8]) -> Result<QuotePck, String> {
        let raw = ccverify::tdx::decode_quote_input(quote)?;
        let parsed = Quote::parse(&raw).map_err(|e| format!("malformed quote: {e:#}"))?;
        if parsed.header.tee_type != 0x81 {
            return Err(format!(
                "TEE type 0x{:x} is not TDX (0x81)",
                parsed.header.tee_type
            ));
        }
        let cert_type = parsed.inner_cert_type();
        if cert_type != 5 {
            return Err(format!(
                "the quote's certification data is type {cert_type}, not a PCK certificate chain (type 5): its collateral cannot be found from the quote alone"
            ));
        }
        let chain = parsed.inner_cert_data();
        let end = chain
            .iter()
            .rposition(|b| *b != 0)
            .map_or(0, |i| i.saturating_add(1));
        let chain_pem = std::str::from_utf8(&chain[..end])
            .map_err(|_| "the quote's PCK certificate chain is not PEM text".to_string())?
            .to_string();
        let fmspc = dcap_qvl::intel::quote_fmspc_with::<DcapConfig>(&parsed)
            .map_err(|e| format!("cannot read the FMSPC from the PCK certificate: {e:#}"))?;
        let ca = dcap_qvl::intel::quote_ca_with::<DcapConfig>(&parsed)
            .map_err(|e| format!("cannot read the PCK certificate's issuer: {e:#}"))?;
        Ok(QuotePck {
            fmspc: hex::encode_upper(fmspc),
            ca: match ca {
                dcap_qvl::config::PckCa::Platform => PckCa::Platform,
                dcap_qvl::config::PckCa::Processor => PckCa::Processor,
            },
            chain_pem,
        })
    }
}

/// Collateral ready for [`ccverify::tdx::verify_tdx`], and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedCollateral {
    /// dcap-qvl's `QuoteCollateralV3` JSON.
    pub json: String,
    /// The FMSPC it is for (12 upper-case hex digits).
    pub fmspc: String,
    /// The PCK CA whose CRL it holds.
    pub ca: PckCa,
    /// The base URL of the service it was fetched from.
    pub source: String,
    /// When it was fetched from that service (system clock, Unix seconds).
    pub fetched_at: i64,
    /// The cache file it was read from; `None` when it was fetched just now.
    pub cache_file: Option<PathBuf>,
    /// The earliest `nextUpdate` of its TCB Info, QE Identity and CRLs (Unix seconds), when
    /// readable. Past it, the collateral no longer verifies.
    pub expires: Option<i64>,
    /// What happened on the way, for logs: a cache entry refused and why, a cache file that
    /// could not be written.
    pub notes: Vec<String>,
}

impl FetchedCollateral {
    /// One line saying where the collateral came from, e.g. `https://api.trustedservices.intel.com
    /// (fetched 2025-06-20T06:13:20Z)` or `cache /…/tdx-B0C06F000000-platform.json (fetched … from …)`.
    pub fn describe(&self) -> String {
        match &self.cache_file {
            Some(path) => format!(
                "cache {} (fetched {} from {})",
                path.display(),
                format_time(self.fetched_at),
                self.source
            ),
            None => format!("{} (fetched {})", self.source, format_time(self.fetched_at)),
        }
    }
}

/// Fetches Intel collateral for TDX quotes from Intel PCS ([`INTEL_PCS_URL`], the default) or a
/// PCCS, with an optional on-disk cache. Blocking; the four requests of a fetch run in
/// parallel. See the [module documentation](self) for the endpoints and the cache rules.
#[derive(Clone, Debug)]
pub struct CollateralClient {
    http: HttpClient,
    base: String,
    root_ca_crl_url: String,
    api_key: Option<String>,
    cache: Option<PathBuf>,
    max_age: Duration,
    max_issue_age: Option<u64>,
    offline: bool,
}

impl CollateralClient {
    /// A client for Intel PCS, without a cache or an API key.
    pub fn new(http: HttpClient) -> Self {
        CollateralClient {
            http,
            base: INTEL_PCS_URL.to_string(),
            root_ca_crl_url: INTEL_ROOT_CA_CRL_URL.to_string(),
            api_key: None,
            cache: None,
            max_age: DEFAULT_MAX_AGE,
            max_issue_age: None,
            offline: false,
        }
    }

    /// Uses another service: a PCCS (or a proxy of Intel PCS) serving the same v4 paths. A
    /// trailing `/sgx/certification/v4` or `/tdx/certification/v4` is accepted and removed.
    ///
    /// # Errors
    /// When `url` is not an absolute `http(s)://` URL.
    pub fn with_base_url(mut self, url: &str) -> Result<Self, String> {
        let url = check_url(url)?;
        let mut base = url.trim_end_matches('/');
        for suffix in ["/sgx/certification/v4", "/tdx/certification/v4"] {
            base = base.strip_suffix(suffix).unwrap_or(base);
        }
        self.base = base.trim_end_matches('/').to_string();
        Ok(self)
    }

    /// Where the SGX Root CA CRL is fetched when the service does not serve it (Intel PCS never
    /// does; a PCCS is asked first). Default [`INTEL_ROOT_CA_CRL_URL`].
    ///
    /// # Errors
    /// When `url` is not an absolute `http(s)://` URL.
    pub fn with_root_ca_crl_url(mut self, url: &str) -> Result<Self, String> {
        self.root_ca_crl_url = check_url(url)?;
        Ok(self)
    }

    /// Sends `key` as [`PCS_API_KEY_HEADER`] with the requests to the service, over `https://`
    /// (or to a loopback address) only.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Reads collateral from, and stores fetched collateral in, `dir` (created if missing).
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the collateral cache {}: {e}", dir.display()))?;
        self.cache = Some(dir);
        Ok(self)
    }

    /// Cached collateral fetched longer ago than `max_age` is fetched again (or refused, when
    /// offline). Default [`DEFAULT_MAX_AGE`].
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Cached collateral whose TCB Info or QE Identity was issued more than `secs` seconds
    /// before the verification time is fetched again (or refused, when offline): the rule of
    /// [`TdxPolicy::max_collateral_age_secs`], which would fail it anyway. Default: none.
    pub fn with_max_issue_age(mut self, secs: Option<u64>) -> Self {
        self.max_issue_age = secs;
        self
    }

    /// The ages a policy implies: with `max_collateral_age_secs`, cached collateral must have
    /// been fetched and issued at most that long ago; without, the fetch age is
    /// [`DEFAULT_MAX_AGE`].
    pub fn with_policy(self, policy: &TdxPolicy) -> Self {
        let max_age = policy
            .max_collateral_age_secs
            .map_or(DEFAULT_MAX_AGE, Duration::from_secs);
        self.with_max_age(max_age)
            .with_max_issue_age(policy.max_collateral_age_secs)
    }

    /// Never uses the network: only the cache serves, and a missing or refused cache entry is
    /// an error that says why.
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// The service's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The cache directory, if any.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_deref()
    }

    /// Whether the service is Intel PCS itself (which serves no root CA CRL).
    pub fn is_intel_pcs(&self) -> bool {
        self.base.eq_ignore_ascii_case(INTEL_PCS_URL)
    }

    /// The TCB Info URL for `fmspc`.
    pub fn tcb_info_url(&self, fmspc: &str) -> String {
        format!("{}/tdx/certification/v4/tcb?fmspc={fmspc}", self.base)
    }

    /// The QE Identity URL.
    pub fn qe_identity_url(&self) -> String {
        format!("{}/tdx/certification/v4/qe/identity", self.base)
    }

    /// The PCK CRL URL for `ca`.
    pub fn pck_crl_url(&self, ca: PckCa) -> String {
        format!(
            "{}/sgx/certification/v4/pckcrl?ca={}&encoding=der",
            self.base,
            ca.as_str()
        )
    }

    /// The cache file of the collateral for (`fmspc`, `ca`), when there is a cache.
    pub fn cache_file(&self, fmspc: &str, ca: PckCa) -> Option<PathBuf> {
        let fmspc = normalize_fmspc(fmspc).ok()?;
        Some(
            self.cache
                .as_ref()?
                .join(format!("tdx-{fmspc}-{}.json", ca.as_str())),
        )
    }

    /// The collateral for a TDX quote (raw or hex), to verify it at `now` (Unix seconds, the
    /// verification time): from the cache when an entry is usable at `now`, else from the
    /// service (then cached). The quote's PCK chain is attached.
    ///
    /// # Errors
    /// When the quote has no usable PCK chain, the service cannot be reached or answers
    /// something unusable, or (offline) the cache cannot serve.
    pub fn fetch(&self, quote: &[u8], now: i64) -> Result<FetchedCollateral, String> {
        let pck = QuotePck::from_quote(quote)?;
        let (mut collateral, mut fetched) = self.collateral_for(&pck.fmspc, pck.ca, now)?;
        collateral.pck_certificate_chain = Some(pck.chain_pem);
        fetched.json = to_json(&collateral)?;
        Ok(fetched)
    }

    /// The collateral for an FMSPC and PCK CA, without a PCK chain (enough for quotes that
    /// carry theirs, as TDX quotes do). Same cache rules as [`CollateralClient::fetch`].
    ///
    /// # Errors
    /// As [`CollateralClient::fetch`]; also when `fmspc` is not 12 hex digits.
    pub fn fetch_for_fmspc(
        &self,
        fmspc: &str,
        ca: PckCa,
        now: i64,
    ) -> Result<FetchedCollateral, String> {
        let fmspc = normalize_fmspc(fmspc)?;
        let (collateral, mut fetched) = self.collateral_for(&fmspc, ca, now)?;
        fetched.json = to_json(&collateral)?;
        Ok(fetched)
    }

    fn collateral_for(
        &self,
        fmspc: &str,
        ca: PckCa,
        now: i64,
    ) -> Result<(QuoteCollateralV3, FetchedCollateral), String> {
        let mut notes = Vec::new();
        let path = self.cache_file(fmspc, ca);
        if let Some(path) = &path {
            match self.read_cache(path, fmspc, ca, now) {
                Ok(Some((collateral, fetched_at))) => {
                    let expires = expiry(&collateral);
                    return Ok((
                        collateral,
                        FetchedCollateral {
                            json: String::new(),
                            fmspc: fmspc.to_string(),
                            ca,
                            source: self.base.clone(),
                            fetched_at,
                            cache_file: Some(path.clone()),
                            expires,
                            notes,
                        },
                    ));
                }
                Ok(None) => {}
                Err(why) => notes.push(format!(
                    "cached collateral {} refused: {why}",
                    path.display()
                )),
            }
        }
        if self.offline {
            return Err(match (&path, notes.pop()) {
                (None, _) => "offline, and there is no collateral cache".to_string(),
                (Some(_), Some(why)) => format!("offline: {why}"),
                (Some(p), None) => format!(
                    "offline, and no collateral is cached for FMSPC {fmspc} ({} CA): {} does not exist",
                    ca.as_str(),
                    p.display()
                ),
            });
        }
        let collateral = self.fetch_live(fmspc, ca)?;
        let fetched_at = ccverify::time::unix_now();
        if let Some(path) = &path
            && let Err(e) = self.write_cache(path, fmspc, ca, fetched_at, &collateral)
        {
            notes.push(format!("collateral not cached in {}: {e}", path.display()));
        }
        let expires = expiry(&collateral);
        Ok((
            collateral,
            FetchedCollateral {
                json: String::new(),
                fmspc: fmspc.to_string(),
                ca,
                source: self.base.clone(),
                fetched_at,
                cache_file: None,
                expires,
                notes,
            },
        ))
    }

    /// `Ok(None)`: no entry. `Err(why)`: an entry that must not be used.
    fn read_cache(
        &self,
        path: &Path,
        fmspc: &str,
        ca: PckCa,
        now: i64,
    ) -> Result<Option<(QuoteCollateralV3, i64)>, String> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        if !meta.is_file() {
            return Err("not a file".into());
        }
        if meta.len() > u64::try_from(2 * MAX_COLLATERAL_LEN).unwrap_or(u64::MAX) {
            return Err(format!("{} bytes is too large", meta.len()));
        }
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let entry: Value = ccverify::limits::json_from_slice(&bytes, "the cache entry")?;
        if entry.get("format").and_then(Value::as_u64) != Some(CACHE_FORMAT) {
            return Err("unknown cache format".into());
        }
        let source = entry.get("source").and_then(Value::as_str).unwrap_or("");
        if source != self.base {
            return Err(format!("it came from {source:?}, not from {}", self.base));
        }
        if entry.get("fmspc").and_then(Value::as_str) != Some(fmspc)
            || entry.get("ca").and_then(Value::as_str) != Some(ca.as_str())
        {
            return Err("it is for another FMSPC or CA".into());
        }
        let fetched_at = entry
            .get("fetched_at")
            .and_then(Value::as_i64)
            .ok_or("no fetch time")?;
        let collateral: QuoteCollateralV3 = entry
            .get("collateral")
            .cloned()
            .map(serde_json::from_value)
            .ok_or("no collateral")?
            .map_err(|e| format!("malformed collateral ({e})"))?;
        check_shape(&collateral, fmspc)?;

        let wall = ccverify::time::unix_now();
        let age = wall.saturating_sub(fetched_at);
        if age < -CLOCK_SLACK_SECS {
            return Err(format!(
                "its fetch time {} is in the future",
                format_time(fetched_at)
            ));
        }
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        if age > max_age {
            return Err(format!(
                "fetched {} ({age} s ago), more than {max_age} s ago",
                format_time(fetched_at)
            ));
        }
        let dates = Dates::of(&collateral);
        if let Some((what, when)) = dates.first_expiring()
            && when <= now
        {
            return Err(format!(
                "its {what} expired at {} (verification time {})",
                format_time(when),
                format_time(now)
            ));
        }
        if let Some(max_issue) = self.max_issue_age {
            let issued = dates.issued.ok_or("its issue dates are unreadable")?;
            let issue_age = now.saturating_sub(issued);
            if issue_age > i64::try_from(max_issue).unwrap_or(i64::MAX) {
                return Err(format!(
                    "issued {} ({issue_age} s before the verification time), more than the policy's {max_issue} s",
                    format_time(issued)
                ));
            }
        }
        Ok(Some((collateral, fetched_at)))
    }

    fn write_cache(
        &self,
        path: &Path,
        fmspc: &str,
        ca: PckCa,
        fetched_at: i64,
        collateral: &QuoteCollateralV3,
    ) -> Result<(), String> {
        let entry = serde_json::json!({
            "format": CACHE_FORMAT,
            "source": self.base,
            "fmspc": fmspc,
            "ca": ca.as_str(),
            "fetched_at": fetched_at,
            "collateral": collateral,
        });
        let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        else {
            return Err("bad cache path".into());
        };
        write_atomically(dir, name, entry.to_string().as_bytes())
    }

    fn fetch_live(&self, fmspc: &str, ca: PckCa) -> Result<QuoteCollateralV3, String> {
        fn join<T>(h: std::thread::ScopedJoinHandle<'_, Result<T, String>>) -> Result<T, String> {
            h.join()
                .unwrap_or_else(|_| Err("a fetch thread panicked".to_string()))
        }
        let (pck, tcb, qe, root) = std::thread::scope(|s| {
            let pck = s.spawn(|| self.pck_crl(ca));
            let tcb = s.spawn(|| self.tcb_info(fmspc));
            let qe = s.spawn(|| self.qe_identity());
            let root = self.root_ca_crl();
            (join(pck), join(tcb), join(qe), root)
        });
        let (pck_crl_issuer_chain, pck_crl) = pck?;
        let (tcb_info_issuer_chain, tcb_info, tcb_info_signature) = tcb?;
        let (qe_identity_issuer_chain, qe_identity, qe_identity_signature) = qe?;
        let root_ca_crl = root?;
        let collateral = QuoteCollateralV3 {
            pck_crl_issuer_chain,
            root_ca_crl,
            pck_crl,
            tcb_info_issuer_chain,
            tcb_info,
            tcb_info_signature,
            qe_identity_issuer_chain,
            qe_identity,
            qe_identity_signature,
            pck_certificate_chain: None,
        };
        check_shape(&collateral, fmspc)?;
        Ok(collateral)
    }

    /// GET `url`; the API key goes only to the service. Anything but 200 is an error.
    fn get(&self, url: &str, what: &str, to_service: bool) -> Result<Reply, String> {
        let mut request = self.http.client.get(url);
        if to_service
            && let Some(key) = &self.api_key
            && key_allowed(url)
        {
            request = request.header(PCS_API_KEY_HEADER, key);
        }
        let response = self.http.send(request, url)?;
        match response.status() {
            StatusCode::OK => Ok(response),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(format!(
                "{what}: the service refused the request (an API key may be needed, set {PCS_API_KEY_HEADER}): {}",
                status_error(url, response)
            )),
            _ => Err(format!("{what}: {}", status_error(url, response))),
        }
    }

    fn pck_crl(&self, ca: PckCa) -> Result<(String, Vec<u8>), String> {
        let url = self.pck_crl_url(ca);
        let response = self.get(&url, "PCK CRL", true)?;
        let chain = issuer_chain(&response, &["SGX-PCK-CRL-Issuer-Chain"], &url)?;
        let body = read_limited(response, MAX_COLLATERAL_REPLY_LEN, &url)?;
        let crl = decode_crl(&body).map_err(|e| format!("{url}: PCK CRL {e}"))?;
        Ok((chain, crl))
    }

    fn tcb_info(&self, fmspc: &str) -> Result<(String, String, Vec<u8>), String> {
        let url = self.tcb_info_url(fmspc);
        let response = self.get(&url, "TCB Info", true)?;
        let chain = issuer_chain(
            &response,
            &["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"],
            &url,
        )?;
        let body = read_limited(response, MAX_COLLATERAL_REPLY_LEN, &url)?;
        let (text, signature) =
            signed_member(&body, "tcbInfo").map_err(|e| format!("{url}: TCB Info {e}"))?;
        Ok((chain, text, signature))
    }

    fn qe_identity(&self) -> Result<(String, String, Vec<u8>), String> {
        let url = self.qe_identity_url();
        let response = self.get(&url, "QE Identity", true)?;
        let chain = issuer_chain(&response, &["SGX-Enclave-Identity-Issuer-Chain"], &url)?;
        let body = read_limited(response, MAX_COLLATERAL_REPLY_LEN, &url)?;
        let (text, signature) = signed_member(&body, "enclaveIdentity")
            .map_err(|e| format!("{url}: QE Identity {e}"))?;
        Ok((chain, text, signature))
    }

    /// A PCCS's `rootcacrl` first (hex or DER), then [`Self::with_root_ca_crl_url`]'s URL.
    fn root_ca_crl(&self) -> Result<Vec<u8>, String> {
        let mut errors = Vec::new();
        if !self.is_intel_pcs() {
            let url = format!("{}/sgx/certification/v4/rootcacrl", self.base);
            let got = self.get(&url, "root CA CRL", true).and_then(|r| {
                let body = read_limited(r, MAX_COLLATERAL_REPLY_LEN, &url)?;
                decode_crl(&body).map_err(|e| format!("{url}: root CA CRL {e}"))
            });
            match got {
                Ok(crl) => return Ok(crl),
                Err(e) => errors.push(e),
            }
        }
        let url = &self.root_ca_crl_url;
        let got = self.get(url, "root CA CRL", false).and_then(|r| {
            let body = read_limited(r, MAX_COLLATERAL_REPLY_LEN, url)?;
            decode_crl(&body).map_err(|e| format!("{url}: root CA CRL {e}"))
        });
        got.map_err(|e| {
            errors.push(e);
            errors.join("; ")
        })
    }
}

fn to_json(collateral: &QuoteCollateralV3) -> Result<String, String> {
    let json = serde_json::to_string(collateral)
        .map_err(|e| format!("cannot serialise the collateral: {e}"))?;
    if json.len() > MAX_COLLATERAL_LEN {
        return Err(format!(
            "the collateral is {} bytes of JSON, more than {MAX_COLLATERAL_LEN}",
            json.len()
        ));
    }
    Ok(json)
}

/// 12 hex digits, upper-cased.
fn normalize_fmspc(fmspc: &str) -> Result<String, String> {
    if fmspc.len() == 12 && fmspc.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(fmspc.to_ascii_uppercase())
    } else {
        Err(format!("FMSPC {fmspc:?} is not 12 hex digits"))
    }
}

/// An issuer chain header: URL-encoded PEM.
fn issuer_chain(response: &Reply, names: &[&str], url: &str) -> Result<String, String> {
    let value = names
        .iter()
        .find_map(|n| response.headers().get(*n))
        .ok_or_else(|| format!("{url}: the reply has no {} header", names.join(" or ")))?;
    let text = value
        .to_str()
        .map_err(|_| format!("{url}: {} is not ASCII", names[0]))?;
    let pem = percent_decode(text).map_err(|e| format!("{url}: {}: {e}", names[0]))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("{url}: {} holds no PEM certificate", names[0]));
    }
    Ok(pem)
}

/// Decodes `%XX` escapes (`+` stays `+`: it is a base64 digit in PEM).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let digits = bytes
                .get(i + 1..i + 3)
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or("bad percent escape")?;
            out.push(digits);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 after percent-decoding".to_string())
}

/// A CRL reply: DER, PEM (`X509 CRL`) or hex text (a PCCS's `rootcacrl`); the result must
/// parse as a DER CRL.
fn decode_crl(body: &[u8]) -> Result<Vec<u8>, String> {
    let is_crl = |der: &[u8]| x509_parser::parse_x509_crl(der).is_ok();
    if is_crl(body) {
        return Ok(body.to_vec());
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| "is not a DER CRL".to_string())?
        .trim();
    let der = if let Some(rest) = text.strip_prefix("-----BEGIN X509 CRL-----") {
        use base64::Engine as _;
        let b64: String = rest
            .split("-----END X509 CRL-----")
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("is bad PEM: {e}"))?
    } else {
        hex::decode(text).map_err(|_| "is neither a DER CRL, PEM nor hex".to_string())?
    };
    if !is_crl(&der) {
        return Err("is not a DER CRL".into());
    }
    Ok(der)
}

/// `{"<member>": {...}, "signature": "<hex>"}` → (the exact text of the member, signature).
fn signed_member(body: &[u8], member: &str) -> Result<(String, Vec<u8>), String> {
    let text = std::str::from_utf8(body).map_err(|_| "reply is not UTF-8".to_string())?;
    let signed = raw_member(text, member)?;
    if !signed.starts_with('{') {
        return Err(format!("\"{member}\" is not an object"));
    }
    let signature: String = serde_json::from_str(raw_member(text, "signature")?)
        .map_err(|_| "\"signature\" is not a string".to_string())?;
    let signature =
        hex::decode(signature.trim()).map_err(|_| "signature is not hex".to_string())?;
    Ok((signed.to_string(), signature))
}

/// The exact text of the value of `key` in the top-level JSON object `text` (which must be a
/// well-formed object, with `key` present once).
fn raw_member<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    fn one<T: DeserializeOwned>(text: &str) -> Result<(T, usize), String> {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<T>();
        match stream.next() {
            Some(Ok(v)) => Ok((v, stream.byte_offset())),
            Some(Err(e)) => Err(format!("reply is not JSON: {e}")),
            None => Err("reply is truncated".into()),
        }
    }
    let bytes = text.as_bytes();
    let skip = |mut p: usize| {
        while bytes.get(p).is_some_and(|b| b" \t\r\n".contains(b)) {
            p += 1;
        }
        p
    };
    let mut pos = skip(0);
    if bytes.get(pos) != Some(&b'{') {
        return Err("reply is not a JSON object".into());
    }
    pos = skip(pos + 1);
    let mut found = None;
    if bytes.get(pos) == Some(&b'}') {
        pos += 1;
    } else {
        loop {
            if bytes.get(pos) != Some(&b'"') {
                return Err("reply is not JSON: expected a member name".into());
            }
            let (name, used): (String, usize) = one(&text[pos..])?;
            pos = skip(pos + used);
            if bytes.get(pos) != Some(&b':') {
                return Err("reply is not JSON: expected ':'".into());
            }
            pos = skip(pos + 1);
            let (IgnoredAny, used) = one::<IgnoredAny>(&text[pos..])?;
            if name == key {
                if found.is_some() {
                    return Err(format!("reply has \"{key}\" twice"));
                }
                found = Some(&text[pos..pos + used]);
            }
            pos = skip(pos + used);
            match bytes.get(pos) {
                Some(b',') => pos = skip(pos + 1),
                Some(b'}') => {
                    pos += 1;
                    break;
                }
                _ => return Err("reply is not JSON: expected ',' or '}'".into()),
            }
        }
    }
    if skip(pos) != bytes.len() {
        return Err("reply has data after the JSON object".into());
    }
    found.ok_or_else(|| format!("reply has no \"{key}\""))
}

/// The checks a fetched or cached collateral must pass to be returned: a TDX TCB Info for the
/// FMSPC, a TD_QE identity, 64-byte signatures, PEM chains and DER CRLs. Signatures and chains
/// are verified later, by the verifier.
fn check_shape(c: &QuoteCollateralV3, fmspc: &str) -> Result<(), String> {
    let tcb: Value = ccverify::limits::json_from_slice(c.tcb_info.as_bytes(), "the TCB Info")?;
    if tcb.get("id").and_then(Value::as_str) != Some("TDX") {
        return Err("the TCB Info is not TDX's (id is not \"TDX\")".into());
    }
    let got = tcb.get("fmspc").and_then(Value::as_str).unwrap_or("");
    if !got.eq_ignore_ascii_case(fmspc) {
        return Err(format!(
            "the TCB Info is for FMSPC {got:?}, not the requested {fmspc}"
        ));
    }
    let qe: Value = ccverify::limits::json_from_slice(c.qe_identity.as_bytes(), "the QE Identity")?;
    if qe.get("id").and_then(Value::as_str) != Some("TD_QE") {
        return Err("the QE Identity is not the TDX QE's (id is not \"TD_QE\")".into());
    }
    for (what, sig) in [
        ("TCB Info", &c.tcb_info_signature),
        ("QE Identity", &c.qe_identity_signature),
    ] {
        if sig.len() != 64 {
            return Err(format!(
                "the {what} signature is {} bytes, not 64",
                sig.len()
            ));
        }
    }
    for (what, chain) in [
        ("PCK CRL", &c.pck_crl_issuer_chain),
        ("TCB Info", &c.tcb_info_issuer_chain),
        ("QE Identity", &c.qe_identity_issuer_chain),
    ] {
        if !chain.contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!("the {what} issuer chain holds no PEM certificate"));
        }
    }
    for (what, crl) in [("PCK CRL", &c.pck_crl), ("root CA CRL", &c.root_ca_crl)] {
        if x509_parser::parse_x509_crl(crl).is_err() {
            return Err(format!("the {what} is not a DER CRL"));
        }
    }
    Ok(())
}

/// Issue and expiry dates of a collateral.
struct Dates {
    /// The earlier issue date of TCB Info and QE Identity.
    issued: Option<i64>,
    /// (what, nextUpdate) of each part that has one.
    next_updates: Vec<(&'static str, i64)>,
}

impl Dates {
    fn of(c: &QuoteCollateralV3) -> Dates {
        let json_date = |text: &str, key: &str| -> Option<i64> {
            let v: Value = ccverify::limits::json_from_slice(text.as_bytes(), "JSON").ok()?;
            parse_time(v.get(key)?.as_str()?)
        };
        let crl_next = |der: &[u8]| -> Option<i64> {
            let (_, crl) = x509_parser::parse_x509_crl(der).ok()?;
            Some(crl.next_update()?.timestamp())
        };
        let issued = match (
            json_date(&c.tcb_info, "issueDate"),
            json_date(&c.qe_identity, "issueDate"),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        let next_updates = [
            ("TCB Info", json_date(&c.tcb_info, "nextUpdate")),
            ("QE Identity", json_date(&c.qe_identity, "nextUpdate")),
            ("PCK CRL", crl_next(&c.pck_crl)),
            ("root CA CRL", crl_next(&c.root_ca_crl)),
        ]
        .into_iter()
        .filter_map(|(w, t)| t.map(|t| (w, t)))
        .collect();
        Dates {
            issued,
            next_updates,
        }
    }

    fn first_expiring(&self) -> Option<(&'static str, i64)> {
        self.next_updates.iter().copied().min_by_key(|(_, t)| *t)
    }
}

fn expiry(c: &QuoteCollateralV3) -> Option<i64> {
    Dates::of(c).first_expiring().map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_members_are_byte_exact() {
        let body = r#" { "tcbInfo" : {"b":1, "a":"x}\"{" ,"n":[1,2.50,{"z":null}]} , "signature":"ab01" } "#;
        assert_eq!(
            raw_member(body, "tcbInfo").unwrap(),
            r#"{"b":1, "a":"x}\"{" ,"n":[1,2.50,{"z":null}]}"#
        );
        assert_eq!(raw_member(body, "signature").unwrap(), r#""ab01""#);
        let (text, sig) = signed_member(body.as_bytes(), "tcbInfo").unwrap();
        assert!(text.starts_with(r#"{"b":1"#));
        assert_eq!(sig, vec![0xab, 0x01]);
        assert!(
            raw_member(body, "enclaveIdentity")
                .unwrap_err()
                .contains("no")
        );
        for bad in [
            "",
            "[]",
            r#"{"a":1"#,
            r#"{"a":1}x"#,
            r#"{"a" 1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":tru}"#,
            r#"{a:1}"#,
        ] {
            assert!(raw_member(bad, "a").is_err(), "{bad}");
        }
        assert_eq!(raw_member(r#"{"x":{},"a":-1.5e3}"#, "a").unwrap(), "-1.5e3");
        assert!(raw_member("{}", "a").is_err());
        assert!(signed_member(br#"{"tcbInfo":[1],"signature":"00"}"#, "tcbInfo").is_err());
        assert!(signed_member(br#"{"tcbInfo":{},"signature":"zz"}"#, "tcbInfo").is_err());
        assert!(signed_member(br#"{"tcbInfo":{},"signature":1}"#, "tcbInfo").is_err());
    }

    #[test]
    fn percent_decoding_keeps_plus() {
        assert_eq!(
            percent_decode("-----BEGIN%20CERTIFICATE-----%0AMII+/a%3D%3D%0A").unwrap(),
            "-----BEGIN CERTIFICATE-----\nMII+/a==\n"
        );
        assert!(percent_decode("%4").is_err());
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%ff").is_err());
    }

    #[test]
    fn crl_bodies() {
        use base64::Engine as _;
        let c: QuoteCollateralV3 = serde_json::from_slice(include_bytes!(
            "../../tests/vectors/tdx/dcap-qvl/tdx_quote_collateral.json"
        ))
        .unwrap();
        let der = c.root_ca_crl;
        assert_eq!(decode_crl(&der).unwrap(), der);
        assert_eq!(
            decode_crl(format!("{}\n", hex::encode(&der)).as_bytes()).unwrap(),
            der
        );
        let pem = format!(
            "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        assert_eq!(decode_crl(pem.as_bytes()).unwrap(), der);
        assert!(decode_crl(&der[..der.len() - 1]).is_err());
        assert!(decode_crl(b"3003020100").is_err());
        assert!(decode_crl(b"0203").is_err());
        assert!(decode_crl(b"hello").is_err());
        assert!(decode_crl(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn urls_and_cache_names() {
        let http = HttpClient::new().unwrap();
        let c = CollateralClient::new(http.clone());
        assert!(c.is_intel_pcs());
        assert_eq!(
            c.tcb_info_url("B0C06F000000"),
            "https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=B0C06F000000"
        );
        assert_eq!(
            c.qe_identity_url(),
            "https://api.trustedservices.intel.com/tdx/certification/v4/qe/identity"
        );
        assert_eq!(
            c.pck_crl_url(PckCa::Processor),
            "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der"
        );
        assert_eq!(c.cache_file("b0c06f000000", PckCa::Platform), None);
        let p = CollateralClient::new(http)
            .with_base_url("https://pccs.example:8081/sgx/certification/v4/")
            .unwrap();
        assert_eq!(p.base_url(), "https://pccs.example:8081");
        assert!(!p.is_intel_pcs());
        assert!(p.clone().with_base_url("file:///x").is_err());
        let dir = std::env::temp_dir().join(format!("ccverify-coll-unit-{}", std::process::id()));
        let p = p.with_cache_dir(&dir).unwrap();
        assert_eq!(
            p.cache_file("b0c06f000000", PckCa::Platform).unwrap(),
            dir.join("tdx-B0C06F000000-platform.json")
        );
        assert_eq!(p.cache_file("../../etc/pa", PckCa::Platform), None);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(PckCa::parse("Platform"), Some(PckCa::Platform));
        assert_eq!(PckCa::parse("x"), None);
        assert!(normalize_fmspc("B0C06F00000G").is_err());
    }

    #[test]
    fn pck_from_the_sample_quote() {
        let quote = include_bytes!("../../tests/vectors/tdx/dcap-qvl/tdx_quote");
        let pck = QuotePck::from_quote(quote).unwrap();
        assert_eq!(pck.fmspc, "B0C06F000000");
        assert_eq!(pck.ca, PckCa::Platform);
        assert!(pck.chain_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pck.chain_pem.ends_with("-----END CERTIFICATE-----\n"));
        assert_eq!(pck.chain_pem.matches("BEGIN CERTIFICATE").count(), 3);
        let hex_text = hex::encode(quote);
        assert_eq!(QuotePck::from_quote(hex_text.as_bytes()).unwrap(), pck);
        assert!(QuotePck::from_quote(b"Error: TDX Interface not found").is_err());
        assert!(QuotePck::from_quote(&quote[..600]).is_err());
    }

    #[test]
    fn sample_collateral_shape_and_dates() {
        let c: QuoteCollateralV3 = serde_json::from_slice(include_bytes!(
            "../../tests/vectors/tdx/dcap-qvl/tdx_quote_collateral.json"
        ))
        .unwrap();
        check_shape(&c, "B0C06F000000").unwrap();
        assert!(
            check_shape(&c, "B0C06F000001")
                .unwrap_err()
                .contains("FMSPC")
        );
        let d = Dates::of(&c);
        assert_eq!(d.issued, parse_time("2025-06-19T10:16:03Z"));
        let (what, when) = d.first_expiring().unwrap();
        assert_eq!(d.next_updates.len(), 4, "{:?}", d.next_updates);
        assert!(
            when > 1_750_400_000 && when < 1_760_000_000,
            "{what} {when}"
        );
    }
}
