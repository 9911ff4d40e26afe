//! `ccverify nonce`: Print a fresh 32-byte nonce, or normalise one the way the io.net agent does.

use crate::*;

/// The arguments of `ccverify nonce`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Normalise this nonce (lowercase, `0x` removed, right-padded to 32 bytes).
    #[arg(long, value_name = "HEX")]
    normalize: Option<String>,
    /// Print `{"nonce": "…"}`.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify nonce`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args { normalize, json } = args;
    let nonce = match normalize {
        Some(input) => Nonce::normalize(&input).map_err(|e| UsageError(e.to_string()))?,
        None => Nonce::generate().map_err(|e| UsageError(e.to_string()))?,
    };
    if json {
        println!("{}", serde_json::json!({ "nonce": nonce.to_hex() }));
    } else {
        println!("{nonce}");
    }
    Ok(ExitCode::SUCCESS)
}
