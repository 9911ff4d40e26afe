//! `ccverify attest`: Attest a model's machine with a fresh nonce and verify everything (API key: $IO_API_KEY).

#[allow(unused_imports)]
use crate::session::*;
use crate::*;

/// The arguments of `ccverify attest`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    gateway: session::Gateway,
    #[command(flatten)]
    inputs: session::Inputs,
    /// Write an evidence bundle to FILE.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify attest`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    attest(&args.gateway, &args.inputs, args.save.as_deref(), args.json)
}

/// `attest`.
#[cfg(feature = "net")]
pub(crate) fn attest(
    gw: &Gateway,
    inputs: &Inputs,
    save: Option<&Path>,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let config = client_config(gw, inputs)?;
    let session = ccverify_net::client::Session::attest(config, &gw.model_id).map_err(net_error)?;
    if let Some(path) = save {
        save_bundle(&session.bundle(), path)?;
    }
    print_report(session.verdict(), json);
    Ok(verdict_code(session.verdict()))
}
