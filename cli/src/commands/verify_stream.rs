//! `ccverify verify-stream`: Verify a streamed (SSE) response read to its end, including its `event: signature` block.

use crate::*;

/// The arguments of `ccverify verify-stream`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The exact request body you sent.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// The exact SSE bytes you received, to the end of the connection.
    #[arg(long, value_name = "FILE")]
    stream: PathBuf,
    /// The attested signing address the stream must be signed by.
    #[arg(long, value_name = "ADDR")]
    expect_address: Option<String>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-stream`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        request,
        stream,
        expect_address,
        json,
    } = args;
    let expected = parse_address(expect_address.as_deref())?;
    let request = read_input(&request, "request")?;
    let stream = read_input(&stream, "stream")?;
    let verdict = ccverify::verify_stream(&request, &stream, expected.as_ref());
    print_verdict(&verdict, json);
    Ok(verdict_code(&verdict))
}
