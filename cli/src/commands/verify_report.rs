//! `ccverify verify-report`: Verify a whole io.net attestation (`/v1/private/attestation` answer) for the nonce you sent:

#[allow(unused_imports)]
use crate::session::*;
use crate::*;

/// The arguments of `ccverify verify-report`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The attestation JSON (`-` for standard input).
    #[arg(value_name = "REPORT.json")]
    report: PathBuf,
    /// The nonce you sent (hex; normalised like the agent does).
    #[arg(long, value_name = "HEX")]
    nonce: String,
    #[command(flatten)]
    inputs: session::Inputs,
    /// Write an evidence bundle (everything used) to FILE.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-report`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    verify_report(
        &args.report,
        &args.nonce,
        &args.inputs,
        args.save.as_deref(),
        args.json,
    )
}

/// `verify-report`.
pub(crate) fn verify_report(
    report: &Path,
    nonce: &str,
    inputs: &Inputs,
    save: Option<&Path>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let report = read_input(report, "report")?;
    let nonce =
        ccverify::Nonce::normalize(nonce).map_err(|e| UsageError(format!("--nonce: {e}")))?;
    let now = parse_at(inputs.at.as_deref())?
        .unwrap_or_else(ccverify::time::Time::now)
        .unix();
    let policy = inputs.policy()?;
    let collateral = inputs.collateral_bytes()?;
    #[cfg(feature = "net")]
    let (verdict, bundle) = {
        let config = ccverify_net::client::ClientConfig {
            policy,
            rim_dir: inputs.rim_dir.clone(),
            ocsp_dir: inputs.ocsp_dir.clone(),
            collateral,
            pccs_url: Some(inputs.pccs_url.clone()),
            rim_url: inputs.rim_url.clone(),
            ocsp_url: inputs.ocsp_url.clone(),
            progress: Some(progress()),
            ..ccverify_net::client::ClientConfig::default()
        };
        ccverify_net::client::verify_attestation(&config, &report, &nonce, now)
            .map_err(|e| UsageError(e.to_string()))?
    };
    #[cfg(not(feature = "net"))]
    let (verdict, bundle) = {
        let options = ccverify::report::ReportOptions {
            nonce: nonce.to_hex(),
            rim_dir: inputs.rim_dir.as_ref().map(|p| p.display().to_string()),
            ocsp_dir: inputs.ocsp_dir.as_ref().map(|p| p.display().to_string()),
            collateral,
            at: Some(ccverify::time::Time::from_unix(now)),
            policy,
        };
        let v = ccverify::report::verify_report(&report, &options)
            .map_err(|e| UsageError(e.to_string()))?;
        if save.is_some() {
            return Err(UsageError(
                "--save needs a build with the net feature".into(),
            ));
        }
        (v, None::<ccverify::bundle::Bundle>)
    };
    #[cfg(feature = "net")]
    if let Some(path) = save {
        save_bundle(&bundle, path)?;
    }
    #[cfg(not(feature = "net"))]
    let _ = bundle;
    print_report(&verdict, json);
    Ok(verdict_code(&verdict))
}
