//! `ccverify verify-response`: Verify a plain (non-streamed) response: signer, and both hashes of the signed text.

use crate::*;

/// The arguments of `ccverify verify-response`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The exact request body you sent.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// The exact response body you received.
    #[arg(long, value_name = "FILE")]
    response: PathBuf,
    /// The response headers as a JSON object of strings (names are case-insensitive).
    #[arg(long, value_name = "FILE")]
    headers: PathBuf,
    /// The attested signing address the response must be signed by.
    #[arg(long, value_name = "ADDR")]
    expect_address: Option<String>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-response`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        request,
        response,
        headers,
        expect_address,
        json,
    } = args;
    let expected = parse_address(expect_address.as_deref())?;
    let request = read_input(&request, "request")?;
    let response = read_input(&response, "response")?;
    let headers = parse_headers(&read_input(&headers, "headers")?)?;
    let verdict = ccverify::verify_response(&request, &response, &headers, expected.as_ref());
    print_verdict(&verdict, json);
    Ok(verdict_code(&verdict))
}
