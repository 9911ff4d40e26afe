//! Online mode (feature `net`): for `verify-gpu` NVIDIA's RIM service, live OCSP and NRAS; for
//! `verify-tdx` Intel collateral from Intel PCS or a PCCS.
//!
//! Only inputs come from the network; the verification is the same pure code as offline.

use std::path::PathBuf;
use std::time::Duration;

use ccverify::Verdict;
use ccverify::gpu::source::{ChainOcspSource, ChainRimSource};
use ccverify::gpu::{GpuPolicy, GpuVerifier};
use ccverify::tdx::TdxPolicy;
use ccverify_net::{
    CollateralClient, FetchLog, HttpClient, HttpOcspSource, HttpRimSource, NrasClient,
};

use crate::commands::verify_gpu::{GpuOnline, LocalSources};
use crate::commands::verify_tdx::{FetchedTdx, TdxOnline};

/// Environment variable holding an NVIDIA service key, sent as `Authorization: Bearer`.
const SERVICE_KEY_ENV: &str = "CCVERIFY_SERVICE_KEY";

/// Live OCSP answers describe the present: they are not asked for when the verification time
/// is further than this from the system clock (they could only be refused as not fresh).
const MAX_LIVE_OCSP_DISTANCE_SECS: i64 = 24 * 60 * 60;

/// NRAS appraises every GPU before answering: allow it more than the 10 s of the other services.
const NRAS_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variable holding an Intel PCS API key, sent as `Ocp-Apim-Subscription-Key`.
const PCS_KEY_ENV: &str = "CCVERIFY_PCS_API_KEY";

/// `$XDG_CACHE_HOME/ccverify/<name>`, else `~/.cache/ccverify/<name>` (relative values ignored,
/// as the XDG specification says).
fn default_cache(name: &str) -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("ccverify").join(name))
}

fn default_rim_cache() -> Option<PathBuf> {
    default_cache("rims")
}

fn env_key(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

fn service_key() -> Option<String> {
    env_key(SERVICE_KEY_ENV)
}

/// Collateral for `quote` at `now` from the cache or the service (`Ok(Err(why))` when it
/// cannot be had), and a line saying where it came from. `Err` is a usage error: a bad URL, a
/// cache directory that cannot be created, `--offline` without any cache.
pub(crate) fn fetch_tdx_collateral(
    quote: &[u8],
    online: &TdxOnline,
    policy: &TdxPolicy,
    now: i64,
) -> Result<FetchedTdx, String> {
    if online.offline && online.no_collateral_cache {
        return Err(
            "--offline without --collateral reads the collateral cache: drop --no-collateral-cache or give --collateral FILE"
                .into(),
        );
    }
    let mut client = CollateralClient::new(HttpClient::new()?)
        .with_base_url(&online.pccs_url)
        .map_err(|e| format!("--pccs-url: {e}"))?
        .with_policy(policy);
    if let Some(key) = env_key(PCS_KEY_ENV) {
        client = client.with_api_key(key);
    }
    if !online.no_collateral_cache {
        match &online.collateral_cache {
            Some(dir) => {
                client = client
                    .with_cache_dir(dir)
                    .map_err(|e| format!("--collateral-cache: {e}"))?;
            }
            None => match default_cache("collateral") {
                Some(dir) => match client.clone().with_cache_dir(dir) {
                    Ok(c) => client = c,
                    Err(e) if online.offline => return Err(e),
                    Err(e) => eprintln!("ccverify: warning: {e}; collateral will not be cached"),
                },
                None if online.offline => {
                    return Err(
                        "--offline without --collateral needs a collateral cache: set --collateral-cache DIR"
                            .into(),
                    );
                }
                None => {}
            },
        }
    }
    if online.offline {
        client = client.offline();
    }
    Ok(match client.fetch(quote, now) {
        Ok(fetched) => {
            for note in fetched.notes.iter().filter(|n| n.contains("not cached")) {
                eprintln!("ccverify: warning: {note}");
            }
            Ok((fetched.json.clone(), fetched.describe()))
        }
        Err(why) => Err(why),
    })
}

/// Local checks with RIMs and OCSP answers fetched as needed, then, with `--nras`, NRAS's rows.
pub(crate) fn verify_gpu(
    local: LocalSources,
    online: GpuOnline,
    policy: GpuPolicy,
    gpu: &[u8],
    nonce: &[u8; 32],
    now: i64,
    expect_gpus: Option<usize>,
) -> Result<Verdict, String> {
    let key = service_key();
    let http = HttpClient::new()?;

    // RIMs: --rim-dir, then the service (through the cache).
    // A network failure is "RIM not available" (skip, or warn per policy), not a failed check.
    let mut service = HttpRimSource::new(http.clone())
        .with_base_url(&online.rim_url)
        .map_err(|e| format!("--rim-url: {e}"))?
        .with_errors_as_missing();
    if let Some(k) = &key {
        service = service.with_service_key(k.clone());
    }
    if !online.no_rim_cache {
        match online.rim_cache {
            Some(dir) => {
                service = service
                    .with_cache_dir(dir)
                    .map_err(|e| format!("--rim-cache: {e}"))?;
            }
            None => {
                if let Some(dir) = default_rim_cache() {
                    match service.clone().with_cache_dir(dir) {
                        Ok(s) => service = s,
                        Err(e) => eprintln!("ccverify: warning: {e}; RIMs will not be cached"),
                    }
                }
            }
        }
    }
    let rim_log = service.log();
    let trust = local.trust;
    let mut rims = ChainRimSource::new();
    if let Some(dir) = local.rims {
        rims.push(Box::new(dir));
    }
    rims.push(Box::new(service));

    // OCSP: a fresh answer from --ocsp-dir, else the responder.
    let mut live = HttpOcspSource::new(http.clone());
    if let Some(url) = &online.ocsp_url {
        live = live.with_url(url).map_err(|e| format!("--ocsp-url: {e}"))?;
    }
    if let Some(k) = &key {
        live = live.with_service_key(k.clone());
    }
    let mut ocsp = ChainOcspSource::new().fresh_at(now);
    if let Some(dir) = local.ocsp {
        ocsp.push(Box::new(dir));
    }
    let log =
        if now.abs_diff(ccverify::time::unix_now()) <= MAX_LIVE_OCSP_DISTANCE_SECS.unsigned_abs() {
            let log = live.log();
            ocsp.push(Box::new(live));
            log
        } else {
            let log = FetchLog::new();
            log.record(format!(
                "live OCSP not queried: the verification time {} is not the present",
                ccverify::time::format_time(now)
            ));
            log
        };

    let nras = if online.nras {
        let mut client = NrasClient::new(http.with_timeout(NRAS_TIMEOUT))
            .with_url(&online.nras_url)
            .map_err(|e| format!("--nras-url: {e}"))?
            .with_jwks_url(&online.jwks_url)
            .map_err(|e| format!("--jwks-url: {e}"))?;
        if let Some(k) = key {
            client = client.with_service_key(k);
        }
        Some(client)
    } else {
        None
    };

    let mut verdict = GpuVerifier::new(policy)
        .with_trust(trust)
        .with_rims(rims)
        .with_ocsp(ocsp)
        .verify_json(gpu, nonce, now);
    log.annotate(&mut verdict, ccverify::gpu::ids::OCSP);
    rim_log.annotate(&mut verdict, ccverify::gpu::ids::DRIVER_RIM);
    rim_log.annotate(&mut verdict, ccverify::gpu::ids::VBIOS_RIM);
    if let Some(client) = nras {
        let remote = client.appraise(gpu, nonce, expect_gpus, now);
        verdict = merge(verdict, remote);
    }
    Ok(verdict)
}

/// The local rows, then the remote ones; verified only if all of them are.
fn merge(local: Verdict, remote: Verdict) -> Verdict {
    let mut checks = local.checks;
    checks.extend(remote.checks);
    let mut merged = Verdict::from_checks(checks, None);
    merged.facts = remote.facts;
    merged.facts.extend(local.facts);
    merged
}
