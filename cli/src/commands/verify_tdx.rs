//! `ccverify verify-tdx`: Verify an Intel TDX quote (io.net's `cpu.quote`) with Intel collateral.

use crate::*;

/// The arguments of `ccverify verify-tdx`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The quote: hex text as io.net sends it, or the raw binary quote (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    quote: PathBuf,
    /// Intel collateral as dcap-qvl's QuoteCollateralV3 JSON [default: fetched, see above].
    #[arg(long, value_name = "FILE")]
    collateral: Option<PathBuf>,
    /// The nonce you sent: REPORTDATA must be nonce || 32 zero bytes (io.net's rule).
    #[arg(long, value_name = "HEX", conflicts_with = "report_data")]
    nonce: Option<String>,
    /// The exact expected REPORTDATA (128 hex digits).
    #[arg(long, value_name = "HEX")]
    report_data: Option<String>,
    /// Verification time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Policy JSON: accepted_tcb_statuses, rejected_advisories, allow_debug, td_attributes,
    /// mrtd, rtmr0..rtmr3, mrseam, xfam, mrconfigid, mrowner, mrownerconfig, mrsignerseam,
    /// seam_attributes, fmspc, min_tee_tcb_svn, qe_vendor_id, require_sept_ve_disable,
    /// max_collateral_age_secs, min_tcb_eval_data_number.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The roots to trust: `production` (Intel's SGX Root CA; the default), `test` (ccverify's
    /// TEST PKI) or FILE, a PEM file of your own roots (its P-256 root replaces Intel's).
    /// Anything but `production` is warned about in the verdict (`trust.anchors`).
    #[arg(long, value_name = "production|test|FILE")]
    trust: Option<String>,
    /// Never use the network: collateral only from --collateral or the cache (builds
    /// without the `net` feature never use it, and need --collateral).
    #[arg(long)]
    offline: bool,
    /// Base URL of the collateral service: Intel PCS, or a PCCS serving the same v4 API.
    #[arg(long, value_name = "URL", default_value = DEFAULT_PCS_URL)]
    pccs_url: String,
    /// Cache of fetched collateral, one file per FMSPC and PCK CA [default:
    /// $XDG_CACHE_HOME/ccverify/collateral or ~/.cache/ccverify/collateral].
    #[arg(long, value_name = "DIR", conflicts_with = "no_collateral_cache")]
    collateral_cache: Option<PathBuf>,
    /// Do not read or write a collateral cache.
    #[arg(long)]
    no_collateral_cache: bool,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-tdx`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        quote,
        collateral,
        nonce,
        report_data,
        at,
        policy,
        trust,
        offline,
        pccs_url,
        collateral_cache,
        no_collateral_cache,
        json,
    } = args;
    let at = parse_at(at.as_deref())?;
    let policy = match policy {
        Some(path) => {
            let text = read_input(&path, "policy")?;
            let text = String::from_utf8(text)
                .map_err(|_| UsageError("the policy file is not UTF-8".into()))?;
            <ccverify::tdx::TdxPolicy as ccverify::Options>::from_json(&text)
                .map_err(|e| UsageError(e.to_string()))?
        }
        None => ccverify::tdx::TdxPolicy::default(),
    };
    let options = ccverify::tdx::TdxOptions {
        nonce,
        report_data,
        at,
        policy,
        trust: trust
            .as_deref()
            .map(crate::session::trust_arg)
            .transpose()?
            .unwrap_or_default(),
    };
    // Argument errors before any input is read or fetched.
    options.expected().map_err(|e| UsageError(e.to_string()))?;
    let quote = read_input(&quote, "quote")?;
    let verdict = match collateral {
        Some(path) => {
            let collateral = read_input(&path, "collateral")?;
            ccverify::tdx::verify_tdx_with(&quote, &collateral, &options)
                .map_err(|e| UsageError(e.to_string()))?
                .with_fact("tdx.collateral_source", format!("file {}", path.display()))
        }
        None => {
            let online = TdxOnline {
                offline,
                pccs_url,
                collateral_cache,
                no_collateral_cache,
            };
            let now = at.unwrap_or_else(ccverify::time::Time::now).unix();
            match fetch_tdx_collateral(&quote, &online, &options.policy, now)? {
                Ok((collateral, source)) => {
                    ccverify::tdx::verify_tdx_with(&quote, collateral.as_bytes(), &options)
                        .map_err(|e| UsageError(e.to_string()))?
                        .with_fact("tdx.collateral_source", source)
                }
                Err(why) => {
                    ccverify::tdx::verify_tdx_without_collateral_with(&quote, &options, &why)
                        .map_err(|e| UsageError(e.to_string()))?
                }
            }
        }
    };
    print_verdict_with(&verdict, json, false);
    Ok(verdict_code(&verdict))
}

/// The collateral options of `verify-tdx` (used without `--collateral`).
#[cfg_attr(not(feature = "net"), allow(dead_code))]
pub(crate) struct TdxOnline {
    pub(crate) offline: bool,
    pub(crate) pccs_url: String,
    pub(crate) collateral_cache: Option<PathBuf>,
    pub(crate) no_collateral_cache: bool,
}

/// Collateral JSON and a line saying where it came from; `Ok(Err(why))` when it could not be
/// had (the verdict then says so), `Err` for a usage error.
pub(crate) type FetchedTdx = Result<(String, String), String>;

#[cfg(feature = "net")]
fn fetch_tdx_collateral(
    quote: &[u8],
    online: &TdxOnline,
    policy: &ccverify::tdx::TdxPolicy,
    now: i64,
) -> Result<FetchedTdx, UsageError> {
    online::fetch_tdx_collateral(quote, online, policy, now).map_err(UsageError)
}

/// Without the `net` feature there is nothing to fetch from.
#[cfg(not(feature = "net"))]
fn fetch_tdx_collateral(
    _quote: &[u8],
    _online: &TdxOnline,
    _policy: &ccverify::tdx::TdxPolicy,
    _now: i64,
) -> Result<FetchedTdx, UsageError> {
    Err(UsageError(
        "--collateral FILE is needed: this ccverify was built without the `net` feature and cannot fetch Intel collateral".into(),
    ))
}
