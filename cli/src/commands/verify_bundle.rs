//! `ccverify verify-bundle`: Re-verify an evidence bundle offline (its attestation and any recorded exchanges).

#[allow(unused_imports)]
use crate::session::*;
use crate::*;
use ccverify::bundle::{BundleOptions, BundlePolicy, BundleTime};

/// The arguments of `ccverify verify-bundle`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The bundle written by `attest --save`, `chat --save` or `verify-report --save`.
    #[arg(value_name = "BUNDLE.json")]
    bundle: PathBuf,
    #[command(flatten)]
    inputs: BundleArgs,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// How a bundle is re-verified: `--at`, `--policy`, `--trust` (`verify-bundle`, `audit`).
#[derive(clap::Args)]
pub(crate) struct BundleArgs {
    /// Verification time (RFC 3339); default now. `recorded` uses the time the bundle
    /// says it was verified at (untrusted: the verdict then warns).
    #[arg(long, value_name = "RFC3339|recorded")]
    pub(crate) at: Option<String>,
    /// Policy: a TOML/JSON file or a preset name; default the `default` preset. `recorded`
    /// applies the policy stored in the bundle (untrusted: the verdict then warns).
    #[arg(long, value_name = "FILE|PRESET|recorded")]
    pub(crate) policy: Option<String>,
    /// The roots to trust (overrides your policy's `trust`): `production` (the default) or
    /// `test` (ccverify's TEST PKI, for bundles of `ccverify sandbox --evidence test` sessions;
    /// proves nothing about real hardware). A bundle's recorded policy never selects the test
    /// roots.
    #[arg(long, value_name = "production|test|FILE")]
    pub(crate) trust: Option<String>,
}

impl BundleArgs {
    /// The core's bundle options these arguments select.
    pub(crate) fn options(&self) -> Result<BundleOptions, UsageError> {
        bundle_options(
            self.at.as_deref(),
            self.policy.as_deref(),
            self.trust.as_deref(),
        )
    }
}

/// Runs `ccverify verify-bundle`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    verify_bundle(
        &args.bundle,
        args.inputs.at.as_deref(),
        args.inputs.policy.as_deref(),
        args.inputs.trust.as_deref(),
        args.json,
    )
}

/// `verify-bundle`.
pub(crate) fn verify_bundle(
    file: &Path,
    at: Option<&str>,
    policy: Option<&str>,
    trust: Option<&str>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let bytes = read_input(file, "bundle")?;
    let options = bundle_options(at, policy, trust)?;
    let verdict = ccverify::bundle::verify_bundle(&bytes, &options)
        .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    print_report(&verdict, json);
    Ok(verdict_code(&verdict))
}

/// `--at`, `--policy` and `--trust` as the core's bundle options (also `ccverify audit`'s).
pub(crate) fn bundle_options(
    at: Option<&str>,
    policy: Option<&str>,
    trust: Option<&str>,
) -> Result<BundleOptions, UsageError> {
    if policy == Some("recorded") && trust.is_some() {
        return Err(UsageError(
            "--trust applies to your own policy; a bundle's recorded policy is always checked against the production roots".into(),
        ));
    }
    Ok(BundleOptions {
        at: match at {
            None => BundleTime::Now,
            Some(t) => BundleTime::from_text(t).map_err(|e| UsageError(format!("--at: {e}")))?,
        },
        policy: match policy {
            Some("recorded") => BundlePolicy::Recorded,
            other => {
                let mut p = load_policy(other)?;
                if let Some(t) = trust {
                    p.trust = trust_arg(t)?;
                }
                BundlePolicy::Caller(p)
            }
        },
    })
}
