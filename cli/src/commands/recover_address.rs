//! `ccverify recover-address`: Recover the address that signed a message as an EIP-191 personal message.

use crate::*;

/// The arguments of `ccverify recover-address`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The signed message, as text (e.g. the `text` header of a response).
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "message_file",
        required_unless_present = "message_file"
    )]
    message: Option<String>,
    /// The signed message, read as raw bytes from a file (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    message_file: Option<PathBuf>,
    /// 65-byte r||s||v signature as hex, with or without 0x.
    #[arg(long, value_name = "HEX")]
    signature: String,
    /// Print `{"address": "0x…"}`.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify recover-address`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        message,
        message_file,
        signature,
        json,
    } = args;
    let message = match (message, message_file) {
        (Some(text), _) => text.into_bytes(),
        (None, Some(path)) => read_input(&path, "message")?,
        (None, None) => return Err(UsageError("give --message or --message-file".into())),
    };
    let address = ccverify::eth::recover_personal_signer(&message, &signature)
        .map_err(|e| UsageError(e.to_string()))?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "address": address.to_checksum() })
        );
    } else {
        println!("{address}");
    }
    Ok(ExitCode::SUCCESS)
}
