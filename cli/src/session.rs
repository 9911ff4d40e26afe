//! What the whole-attestation commands share (`verify-report`, `verify-bundle`, `attest`,
//! `chat`, `demo`): where inputs come from, the gateway, the policy argument, bundles and the
//! report printout.

#[cfg(feature = "net")]
use std::path::Path;
use std::path::PathBuf;
#[cfg(feature = "net")]
use std::sync::Arc;

use ccverify::Verdict;
#[cfg(feature = "net")]
use ccverify::bundle::Bundle;
use ccverify::policy::Policy;
use clap::Args;

#[cfg(feature = "net")]
use crate::parse_at;
use crate::{UsageError, print_verdict, read_input};

/// Where verification inputs come from, shared by verify-report, attest and chat.
#[derive(Args, Clone, Debug)]
pub(crate) struct Inputs {
    /// The policy: a TOML or JSON file, or a preset name (default, offline, strict).
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// Directory of NVIDIA RIMs named by RIM id, consulted before NVIDIA's RIM service.
    #[arg(long, value_name = "DIR")]
    pub rim_dir: Option<PathBuf>,
    /// Directory of DER OCSP responses, consulted before the live responders.
    #[arg(long, value_name = "DIR")]
    pub ocsp_dir: Option<PathBuf>,
    /// Intel collateral JSON for the TDX quote (otherwise fetched from --pccs-url).
    #[arg(long, value_name = "FILE")]
    pub collateral: Option<PathBuf>,
    /// Intel PCS or a PCCS for collateral.
    #[arg(long, value_name = "URL", default_value = crate::DEFAULT_PCS_URL)]
    pub pccs_url: String,
    /// NVIDIA's RIM service, or another serving `{URL}/v1/rim/{id}` (e.g. the sandbox's).
    #[arg(long, value_name = "URL")]
    pub rim_url: Option<String>,
    /// Ask this OCSP responder about every certificate (default: each certificate's own).
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// The roots to trust: `production` (NVIDIA's and Intel's; the default), `test`
    /// (ccverify's TEST PKI, e.g. for `ccverify sandbox --evidence test`: proves nothing about
    /// real hardware, and every verdict says so), or FILE: a PEM file of your own root
    /// certificates (a private lab, a conformance suite), warned about in every verdict
    /// (`file:FILE` for a file named `test` or `production`). Overrides the policy's `trust`.
    #[arg(long, value_name = "production|test|FILE")]
    pub trust: Option<String>,
    /// Verification time (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Fetch nothing: only the given directories and collateral (same as the offline preset's
    /// rule, whatever the policy).
    #[arg(long)]
    pub offline: bool,
}

impl Inputs {
    pub(crate) fn policy(&self) -> Result<Policy, UsageError> {
        let mut p = load_policy(self.policy.as_deref())?;
        if self.offline {
            p.offline = true;
        }
        if let Some(t) = &self.trust {
            p.trust = trust_arg(t)?;
        }
        Ok(p)
    }

    pub(crate) fn collateral_bytes(&self) -> Result<Option<Vec<u8>>, UsageError> {
        self.collateral
            .as_ref()
            .map(|f| read_input(f, "collateral"))
            .transpose()
    }
}

/// `--trust production|test|FILE`.
pub(crate) fn trust_arg(text: &str) -> Result<ccverify::trust::Trust, UsageError> {
    text.parse()
        .map_err(|e: ccverify::Error| UsageError(format!("--trust: {e}")))
}

/// A policy from a file (TOML or JSON) or a preset name; default preset when absent.
pub(crate) fn load_policy(arg: Option<&str>) -> Result<Policy, UsageError> {
    let Some(arg) = arg else {
        return Ok(Policy::default());
    };
    if ccverify::policy::PRESETS.contains(&arg) {
        return Policy::preset(arg).map_err(|e| UsageError(e.to_string()));
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        UsageError(format!(
            "--policy {arg}: not a preset and not a readable file: {e}"
        ))
    })?;
    Policy::parse(&text).map_err(|e| UsageError(format!("--policy {arg}: {e}")))
}

#[cfg(feature = "net")]
pub(crate) fn save_bundle(bundle: &Bundle, path: &Path) -> Result<(), UsageError> {
    std::fs::write(path, bundle.to_json() + "\n")
        .map_err(|e| UsageError(format!("cannot write bundle {}: {e}", path.display())))?;
    eprintln!(
        "ccverify: evidence bundle written to {} (re-verify with `ccverify verify-bundle {}`)",
        path.display(),
        path.display()
    );
    Ok(())
}

pub(crate) fn print_report(verdict: &Verdict, json: bool) {
    print_verdict(verdict, json);
    if !json && let Some(s) = verdict.facts.get("summary") {
        println!("summary: {s}");
    }
}

#[cfg(feature = "net")]
pub(crate) fn progress() -> ccverify_net::client::Progress {
    Arc::new(|line: &str| eprintln!("ccverify: {line}"))
}

/// Gateway connection flags for attest and chat.
#[cfg(feature = "net")]
#[derive(Args, Clone, Debug)]
pub(crate) struct Gateway {
    /// The gateway (the API key comes from $IO_API_KEY).
    #[arg(long, value_name = "URL", default_value = ccverify_net::client::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// The model to attest (its UUID, as `/v1/models` lists it).
    #[arg(long, value_name = "UUID")]
    pub model_id: String,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// Retries on connection failures, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
}

#[cfg(feature = "net")]
pub(crate) fn client_config(
    gw: &Gateway,
    inputs: &Inputs,
) -> Result<ccverify_net::client::ClientConfig, UsageError> {
    Ok(ccverify_net::client::ClientConfig {
        base_url: gw.base_url.clone(),
        timeout: std::time::Duration::from_secs(gw.timeout.max(1)),
        retries: gw.retries,
        policy: inputs.policy()?,
        rim_dir: inputs.rim_dir.clone(),
        ocsp_dir: inputs.ocsp_dir.clone(),
        collateral: inputs.collateral_bytes()?,
        pccs_url: Some(inputs.pccs_url.clone()),
        rim_url: inputs.rim_url.clone(),
        ocsp_url: inputs.ocsp_url.clone(),
        at: parse_at(inputs.at.as_deref())?,
        progress: Some(progress()),
        ..ccverify_net::client::ClientConfig::from_env()
    })
}

#[cfg(feature = "net")]
pub(crate) fn net_error(e: ccverify::Error) -> UsageError {
    UsageError(e.to_string())
}
