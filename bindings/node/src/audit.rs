//! `verifyExchanges` and `auditJsonl`: audits of recorded exchanges over
//! [`ccverify::audit`], on the libuv thread pool. Only conversion lives here: the record rules,
//! the bundle re-verification and the result rows are the core's.

use ccverify::Options as _;
use ccverify::audit::{
    AuditOptions as CoreOptions, Auditor, BadRow, Field, Record, ResultRow, row_from_fields,
};
use napi::bindgen_prelude::{AsyncTask, Either, JsObjectValue, Null, Object, Unknown};
use napi::{Env, JsValue, Task, ValueType};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::error::rejection;
use crate::input::{js_bytes, js_headers, js_json, js_plain_object, js_string};
use crate::{Result, core_error, guard, invalid_argument};

/// Options of {@link verifyExchanges} and {@link auditJsonl}: how the bundles that exchanges
/// name are re-verified, and where they come from. Any other key throws `invalid_argument`.
// Only the TypeScript interface is generated from this struct: the object is read by the core's
// `AuditOptions` schema, `bundles` here.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct AuditOptions {
    /// The time bundles are verified at: a `Date`, whole Unix seconds, an RFC 3339 string, or
    /// `'recorded'` (the bundle's own time: `bundle.inputs` then warns). Default: now.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// The policy bundles are verified under, in any form {@link ReportOptions.policy} takes, or
    /// `'recorded'`. Default: the `default` preset.
    #[napi(ts_type = "'recorded' | string | Policy")]
    pub policy: Option<String>,
    /// The directory relative `bundle` paths are read from. Default: the current directory.
    pub bundle_dir: Option<String>,
    /// Bundles supplied by the name records use for them (the bundle JSON as a `Buffer`,
    /// `Uint8Array` or string); names found here are never read from files, and with bundles
    /// but no `bundleDir` no file is read at all.
    #[napi(ts_type = "Record<string, Buffer | Uint8Array | string>")]
    pub bundles: Option<String>,
}

/// One recorded exchange, as {@link verifyExchanges} takes it: the README's record, with the
/// bytes as a `Buffer`/`Uint8Array` (exact) or a string (its UTF-8 bytes). `null` and
/// `undefined` members are absent fields; any other member throws nothing but makes the row an
/// `error` row.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct ExchangeRecord {
    /// Your name for the exchange (echoed in its result).
    pub id: String,
    /// The exact request body sent.
    #[napi(ts_type = "Buffer | Uint8Array | string")]
    pub request: Option<String>,
    /// The request body as base64 (instead of `request`).
    #[napi(js_name = "request_b64")]
    pub request_b64: Option<String>,
    /// A plain reply's exact body (with `headers`).
    #[napi(ts_type = "Buffer | Uint8Array | string")]
    pub response: Option<String>,
    /// The body as base64 (instead of `response`).
    #[napi(js_name = "response_b64")]
    pub response_b64: Option<String>,
    /// A streamed reply's exact bytes, every byte up to the end.
    #[napi(ts_type = "Buffer | Uint8Array | string")]
    pub stream: Option<String>,
    /// The stream as base64 (instead of `stream`).
    #[napi(js_name = "stream_b64")]
    pub stream_b64: Option<String>,
    /// The plain reply's headers, name → value.
    #[napi(ts_type = "Record<string, string>")]
    pub headers: Option<String>,
    /// The `0x…` address the reply must be signed by.
    pub address: Option<String>,
    /// Or: the path of the evidence bundle whose attested key must have signed it.
    pub bundle: Option<String>,
}

/// One exchange's audit result. Values that are absent are `null`.
#[napi(object)]
pub struct ExchangeResult {
    /// The record's id (`null` when a row is not a record and has no readable id).
    pub id: Either<String, Null>,
    /// Whether the reply is signed by the record's key over exactly its bytes (and the key did
    /// not come from a bundle that failed).
    pub verified: bool,
    /// Where the key came from: `'attested'` (a bundle that verified, nothing relaxed about its
    /// key), `'caveated'` (a bundle that verified, its key resting on a warning such as io.net
    /// not binding it into hardware evidence), `'named'` (the record's own `address`, attested
    /// by nothing here) or `'none'`.
    #[napi(ts_type = "'attested' | 'caveated' | 'named' | 'none'")]
    pub key: String,
    /// The ids of the checks that failed or were skipped.
    pub failed: Vec<String>,
    /// The ids of the checks that warned.
    pub warnings: Vec<String>,
    /// The address recovered from the signature, when one could be.
    pub signer: Either<String, Null>,
    /// SHA-256 (hex) of the request bytes, as the agent hashes them.
    pub request_hash: Either<String, Null>,
    /// SHA-256 (hex) of the response bytes, as the agent hashes them.
    pub response_hash: Either<String, Null>,
    /// Why the row is not a record (then nothing was verified).
    pub error: Either<String, Null>,
    /// Where the record came from (`log:LINE` for {@link auditJsonl}).
    pub source: Either<String, Null>,
}

/// `null` for `None`.
fn nullable(value: Option<String>) -> Either<String, Null> {
    value.map_or(Either::B(Null), Either::A)
}

impl From<ResultRow> for ExchangeResult {
    fn from(r: ResultRow) -> Self {
        ExchangeResult {
            id: nullable(r.id),
            verified: r.verified,
            key: r.key,
            failed: r.failed,
            warnings: r.warnings,
            signer: nullable(r.signer),
            request_hash: nullable(r.request_hash),
            response_hash: nullable(r.response_hash),
            error: nullable(r.error),
            source: nullable(r.source),
        }
    }
}

/// Reads the options: the core's `AuditOptions` schema (camelCase) and the supplied bundles.
fn read_options(value: Option<Unknown<'_>>) -> Result<Auditor> {
    let Some(value) = value else {
        return Ok(Auditor::new(&CoreOptions::default()));
    };
    if matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null)) {
        return Ok(Auditor::new(&CoreOptions::default()));
    }
    let object = js_plain_object(&value, "options")?;
    let mut json = Map::new();
    let mut supplied: Vec<(String, Vec<u8>)> = Vec::new();
    for key in Object::keys(&object).map_err(|_| invalid_argument("options must be an object"))? {
        let member = object
            .get::<Unknown<'_>>(&key)
            .map_err(|_| invalid_argument(format!("options.{key} cannot be read")))?;
        let Some(member) = member else { continue };
        if key == "bundles" {
            if matches!(
                member.get_type(),
                Ok(ValueType::Undefined | ValueType::Null)
            ) {
                continue;
            }
            let bundles = js_plain_object(&member, "options.bundles")?;
            for name in Object::keys(&bundles)
                .map_err(|_| invalid_argument("options.bundles must be an object"))?
            {
                let Some(bytes) = bundles
                    .get::<Unknown<'_>>(&name)
                    .map_err(|_| invalid_argument("options.bundles cannot be read"))?
                else {
                    continue;
                };
                let bytes = js_bytes(&bytes, &format!("options.bundles[{name:?}]"))?;
                supplied.push((name, bytes.as_slice().to_vec()));
            }
            continue;
        }
        if matches!(member.get_type(), Ok(ValueType::Undefined)) {
            continue;
        }
        json.insert(key.clone(), js_json(&member, &format!("options.{key}"), 1)?);
    }
    let options = CoreOptions::from_camel(Value::Object(json)).map_err(core_error)?;
    let mut auditor = Auditor::new(&options);
    if !supplied.is_empty() && options.bundle_dir.is_none() {
        auditor.bundles_mut().only_supplied();
    }
    for (name, bytes) in supplied {
        auditor.bundles_mut().supply(name, bytes);
    }
    Ok(auditor)
}

/// Reads one record object into its fields (the core applies the rules).
fn read_record(value: &Unknown<'_>, index: usize) -> Result<std::result::Result<Record, BadRow>> {
    let object = js_plain_object(value, &format!("records[{index}]"))?;
    let names = Object::keys(&object)
        .map_err(|_| invalid_argument(format!("records[{index}] cannot be read")))?;
    let mut fields = Vec::with_capacity(names.len());
    for name in names {
        let member = object
            .get::<Unknown<'_>>(&name)
            .map_err(|_| invalid_argument(format!("records[{index}].{name} cannot be read")))?;
        let field = match member {
            None => Field::Null,
            Some(m) => match m.get_type() {
                Ok(ValueType::Undefined | ValueType::Null) => Field::Null,
                Ok(ValueType::String) => js_string(&m, &name).map_or(Field::Other, Field::Text),
                Ok(ValueType::Object) if name == "headers" => {
                    js_headers(&m).map_or(Field::Other, Field::Headers)
                }
                Ok(ValueType::Object) if m.is_typedarray().unwrap_or(false) => js_bytes(&m, &name)
                    .map_or(Field::Other, |b| Field::Bytes(b.as_slice().to_vec())),
                _ => Field::Other,
            },
        };
        fields.push((name, field));
    }
    Ok(row_from_fields(fields))
}

/// An audit on the libuv thread pool.
pub struct AuditTask {
    auditor: Auditor,
    rows: Vec<std::result::Result<Record, BadRow>>,
}

impl Task for AuditTask {
    type Output = Result<Vec<ResultRow>>;
    type JsValue = Vec<ExchangeResult>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let rows = std::mem::take(&mut self.rows);
        let auditor = &mut self.auditor;
        Ok(guard(|| Ok(auditor.verify_rows(&rows))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Vec<ExchangeResult>> {
        output
            .map(|rows| rows.into_iter().map(ExchangeResult::from).collect())
            .map_err(|e| rejection(env, e))
    }
}

/// Verifies recorded exchanges on every core, off the JavaScript thread (the libuv pool): each
/// reply against its record's `address`, or the attested key of its `bundle` (each bundle read
/// and re-verified once). Resolves to one result per record, in order; a record that breaks the
/// format (an unknown key, both `response` and `stream`, no `headers` for a plain reply, …) is
/// a result with its `error`, never a rejection.
///
/// Throws (`err.code` `invalid_argument`) at the call for arguments of the wrong type (records
/// that are not an array of plain objects, options with unknown or ill-typed keys).
#[napi(catch_unwind, ts_return_type = "Promise<ExchangeResult[]>")]
pub fn verify_exchanges(
    #[napi(ts_arg_type = "ExchangeRecord[]")] records: Unknown<'_>,
    #[napi(ts_arg_type = "AuditOptions | null")] options: Option<Unknown<'_>>,
) -> Result<AsyncTask<AuditTask>> {
    guard(|| {
        let wrong = || invalid_argument("records must be an array of exchange records");
        if !records.is_array().map_err(|_| wrong())? {
            return Err(wrong());
        }
        let array = js_plain_array(&records)?;
        let mut rows = Vec::with_capacity(array.len());
        for (i, item) in array.iter().enumerate() {
            rows.push(read_record(item, i)?);
        }
        Ok(AsyncTask::new(AuditTask {
            auditor: read_options(options)?,
            rows,
        }))
    })
}

/// The elements of a JS array.
fn js_plain_array<'env>(value: &Unknown<'env>) -> Result<Vec<Unknown<'env>>> {
    let wrong = || invalid_argument("records must be an array of exchange records");
    let object = value.coerce_to_object().map_err(|_| wrong())?;
    let len = object.get_array_length().map_err(|_| wrong())?;
    (0..len)
        .map(|i| object.get_element::<Unknown<'env>>(i).map_err(|_| wrong()))
        .collect()
}

/// A JSON Lines audit on the libuv thread pool.
pub struct AuditJsonlTask {
    auditor: Auditor,
    log: Vec<u8>,
}

impl Task for AuditJsonlTask {
    type Output = Result<ccverify::audit::AuditReport>;
    type JsValue = AuditReport;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let log = std::mem::take(&mut self.log);
        let auditor = &mut self.auditor;
        Ok(guard(|| Ok(auditor.audit_jsonl(&log, "log"))))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<AuditReport> {
        output
            .map(|report| AuditReport {
                summary: report.summary.to_value(),
                results: report
                    .results
                    .into_iter()
                    .map(ExchangeResult::from)
                    .collect(),
            })
            .map_err(|e| rejection(env, e))
    }
}

/// Audits a JSON Lines log of recorded exchanges (the README's format) held in memory, on the
/// libuv pool. Resolves to `{ summary, results }` ({@link AuditReport}); lines that are not
/// records are listed in `summary.bad_lines` with their numbers and never stop the audit.
#[napi(catch_unwind, ts_return_type = "Promise<AuditReport>")]
pub fn audit_jsonl(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] log: Unknown<'_>,
    #[napi(ts_arg_type = "AuditOptions | null")] options: Option<Unknown<'_>>,
) -> Result<AsyncTask<AuditJsonlTask>> {
    guard(|| {
        let log = js_bytes(&log, "log")?.as_slice().to_vec();
        Ok(AsyncTask::new(AuditJsonlTask {
            auditor: read_options(options)?,
            log,
        }))
    })
}

/// What {@link auditJsonl} resolves to.
#[napi(object)]
pub struct AuditReport {
    /// The summary, a JSON document with the core's snake_case names: `exchanges`, `verified`,
    /// `not_verified`, `bad_lines` (each `{ source, line, reason }`), `bundles`
    /// (`{ verified, not_verified, failures }`), `keys` (count by key source),
    /// `duplicate_ids` and `failed_checks` (count by check id).
    #[napi(ts_type = "AuditSummary")]
    pub summary: Value,
    /// One result per record, in the log's order, each with its `source` (`log:LINE`).
    pub results: Vec<ExchangeResult>,
}

/// The summary of an audit ({@link AuditReport.summary}): a JSON document, so its names are the
/// core's snake_case ones, the same in every language.
// Only the TypeScript interface is generated from this struct.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct AuditSummary {
    /// Records verified (lines that are not records are not exchanges).
    pub exchanges: u32,
    /// Records that verified.
    pub verified: u32,
    /// Records that did not.
    #[napi(js_name = "not_verified")]
    pub not_verified: u32,
    /// The lines that are not records: where, the 1-based line number, and why.
    #[napi(
        js_name = "bad_lines",
        ts_type = "{ source: string; line: number; reason: string }[]"
    )]
    pub bad_lines: Vec<String>,
    /// The bundles named: how many gave a key, how many did not, and why not.
    #[napi(ts_type = "{ verified: number; not_verified: number; failures: string[] }")]
    pub bundles: String,
    /// Records by where their key came from (`attested`, `caveated`, `named`, `none`).
    #[napi(ts_type = "Record<string, number>")]
    pub keys: String,
    /// Records whose id an earlier record already had.
    #[napi(js_name = "duplicate_ids")]
    pub duplicate_ids: u32,
    /// For each check id, how many records it failed (or skipped) in.
    #[napi(js_name = "failed_checks", ts_type = "Record<string, number>")]
    pub failed_checks: String,
}
