//! `ccverify checks`: List every check id with what a pass proves.

use crate::*;

/// The arguments of `ccverify checks`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Print the table as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify checks`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args { json } = args;
    if json {
        let rows: Vec<_> = ccverify::CHECKS
            .iter()
            .map(|(id, proves)| serde_json::json!({ "id": id, "proves": proves }))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for (id, proves) in ccverify::CHECKS {
            println!("{id:28}  {proves}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
