//! `verifyTdx`: Intel TDX quotes (the `cpu.quote` of an io.net attestation) with Intel
//! collateral, over [`ccverify::tdx::verify_tdx_with`]. Only argument conversion lives here:
//! the policy keys are handed to [`ccverify::tdx::TdxPolicy::from_json`], so hex decoding, the
//! known TCB status names and every default are the core's.

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{JsValue, ValueType};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::gpu::{js_bool, js_count, js_number, js_time, whole};
use crate::{Result, Verdict, core_error, guard, invalid_argument, js_bytes, js_string};

/// Options of {@link verifyTdx}: what REPORTDATA must be, the verification time, and the
/// appraisal policy. Every key is optional and defaults to the strict policy; `undefined` (and
/// `null` for `nonce`, `reportData`, `at`, `tdAttributes`, `maxCollateralAgeSecs` and
/// `minTcbEvalDataNumber`) means "not set". Any other key throws `invalid_argument`, so that a
/// misspelt key cannot silently weaken the policy. Hex values may start with `0x`.
// Only the TypeScript interface is generated from this struct: `verifyTdx` reads the JS object
// itself (`TdxOptions::from_js`) so that every wrong value throws our `invalid_argument`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct TdxOptions {
    /// The nonce you sent to the attestation endpoint (hex, normalised as the agent does):
    /// REPORTDATA must be the nonce followed by 32 zero bytes (io.net's rule). Exclusive with
    /// `reportData`. With neither, `tdx.report_data` is skipped and the verdict is not verified.
    pub nonce: Option<String>,
    /// The exact expected REPORTDATA, 128 hex digits. Exclusive with `nonce`.
    pub report_data: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string such as
    /// `'2025-06-20T06:13:20Z'`. Default: the system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// Accepted TCB statuses, as Intel spells them (default `['UpToDate']`). `Revoked` and
    /// unknown names throw `invalid_argument`.
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Advisory ids (`INTEL-SA-…`) that fail `tdx.tcb_status` when the platform is affected.
    pub rejected_advisories: Option<Vec<String>>,
    /// Accept debug or profiling TDs (default `false`; never in production).
    pub allow_debug: Option<bool>,
    /// The exact TDATTRIBUTES, 16 hex digits as in the quote. Default: not pinned.
    pub td_attributes: Option<String>,
    /// Allowed MRTD values (96 hex digits each). Empty or unset: not pinned.
    pub mrtd: Option<Vec<String>>,
    /// Allowed RTMR0 values (96 hex digits each).
    pub rtmr0: Option<Vec<String>>,
    /// Allowed RTMR1 values (96 hex digits each).
    pub rtmr1: Option<Vec<String>>,
    /// Allowed RTMR2 values (96 hex digits each).
    pub rtmr2: Option<Vec<String>>,
    /// Allowed RTMR3 values (96 hex digits each).
    pub rtmr3: Option<Vec<String>>,
    /// Allowed MRSEAM (TDX module) values (96 hex digits each).
    pub mrseam: Option<Vec<String>>,
    /// Allowed XFAM values (16 hex digits each).
    pub xfam: Option<Vec<String>>,
    /// Refuse collateral whose TCB Info or QE Identity was issued longer ago than this many
    /// seconds before the verification time. Default: only Intel's own validity windows.
    pub max_collateral_age_secs: Option<i64>,
    /// The minimum TCB evaluation data number (Intel's TCB-recovery counter).
    pub min_tcb_eval_data_number: Option<u32>,
}

impl TdxOptions {
    /// Reads the `options` argument: `undefined`, `null` or a plain object.
    fn from_js(value: Option<Unknown<'_>>) -> Result<TdxOptions> {
        let mut options = TdxOptions::default();
        let Some(value) = value else {
            return Ok(options);
        };
        let wrong = || invalid_argument("options must be an object, null or undefined");
        match value.get_type().map_err(|_| wrong())? {
            ValueType::Undefined | ValueType::Null => return Ok(options),
            ValueType::Object => {}
            _ => return Err(wrong()),
        }
        // An object coerces to itself.
        let object = value.coerce_to_object().map_err(|_| wrong())?;
        for key in Object::keys(&object).map_err(|_| wrong())? {
            let name = format!("options.{key}");
            let Some(field) = object.get::<Unknown<'_>>(&key).map_err(|_| wrong())? else {
                continue; // undefined: not set
            };
            let nullable = matches!(
                key.as_str(),
                "nonce"
                    | "reportData"
                    | "at"
                    | "tdAttributes"
                    | "maxCollateralAgeSecs"
                    | "minTcbEvalDataNumber"
            );
            if nullable && field.get_type().map_err(|_| wrong())? == ValueType::Null {
                continue;
            }
            let strings = || js_strings(&field, &name).map(Some);
            match key.as_str() {
                "nonce" => options.nonce = Some(js_string(&field, &name)?),
                "reportData" => options.report_data = Some(js_string(&field, &name)?),
                "at" => options.at = Some(js_time(&field, &name)?),
                "acceptedTcbStatuses" => options.accepted_tcb_statuses = strings()?,
                "rejectedAdvisories" => options.rejected_advisories = strings()?,
                "allowDebug" => options.allow_debug = Some(js_bool(&field, &name)?),
                "tdAttributes" => options.td_attributes = Some(js_string(&field, &name)?),
                "mrtd" => options.mrtd = strings()?,
                "rtmr0" => options.rtmr0 = strings()?,
                "rtmr1" => options.rtmr1 = strings()?,
                "rtmr2" => options.rtmr2 = strings()?,
                "rtmr3" => options.rtmr3 = strings()?,
                "mrseam" => options.mrseam = strings()?,
                "xfam" => options.xfam = strings()?,
                "maxCollateralAgeSecs" => {
                    options.max_collateral_age_secs = Some(js_seconds(&field, &name)?);
                }
                "minTcbEvalDataNumber" => {
                    options.min_tcb_eval_data_number = Some(js_count(&field, &name)?);
                }
                _ => return Err(invalid_argument(format!("unknown TDX option {key:?}"))),
            }
        }
        Ok(options)
    }

    /// The core options. The policy keys that were set become the JSON object the core's
    /// `TdxPolicy::from_json` reads (the C ABI's and the CLI's form), which decodes and checks
    /// the hex values and TCB status names; the keys left unset keep the core's defaults.
    fn into_core(self) -> Result<ccverify::tdx::TdxOptions> {
        let mut policy = Map::new();
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                policy.insert(key.to_string(), value);
            }
        };
        set(
            "accepted_tcb_statuses",
            self.accepted_tcb_statuses.map(Value::from),
        );
        set(
            "rejected_advisories",
            self.rejected_advisories.map(Value::from),
        );
        set("allow_debug", self.allow_debug.map(Value::from));
        set("td_attributes", self.td_attributes.map(Value::from));
        set("mrtd", self.mrtd.map(Value::from));
        set("rtmr0", self.rtmr0.map(Value::from));
        set("rtmr1", self.rtmr1.map(Value::from));
        set("rtmr2", self.rtmr2.map(Value::from));
        set("rtmr3", self.rtmr3.map(Value::from));
        set("mrseam", self.mrseam.map(Value::from));
        set("xfam", self.xfam.map(Value::from));
        set(
            "max_collateral_age_secs",
            self.max_collateral_age_secs.map(Value::from),
        );
        set(
            "min_tcb_eval_data_number",
            self.min_tcb_eval_data_number.map(Value::from),
        );
        let policy = ccverify::tdx::TdxPolicy::from_json(&Value::Object(policy).to_string())
            .map_err(core_error)?;
        Ok(ccverify::tdx::TdxOptions {
            nonce: self.nonce,
            report_data: self.report_data,
            at: self.at,
            policy,
        })
    }
}

/// Reads an array of strings (`string[]`).
pub(crate) fn js_strings(value: &Unknown<'_>, name: &str) -> Result<Vec<String>> {
    let wrong = || invalid_argument(format!("{name} must be an array of strings"));
    if !value.is_array().map_err(|_| wrong())? {
        return Err(wrong());
    }
    // An array is an object and coerces to itself.
    let array = value.coerce_to_object().map_err(|_| wrong())?;
    let length = array.get_array_length().map_err(|_| wrong())?;
    (0..length)
        .map(|i| {
            let item = array.get_element::<Unknown<'_>>(i).map_err(|_| wrong())?;
            js_string(&item, &format!("{name}[{i}]"))
        })
        .collect()
}

/// Reads a non-negative whole `number` of seconds (a safe integer).
pub(crate) fn js_seconds(value: &Unknown<'_>, name: &str) -> Result<i64> {
    let wrong = || invalid_argument(format!("{name} must be a non-negative integer"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Number {
        return Err(wrong());
    }
    js_number(value)
        .and_then(whole)
        .filter(|n| *n >= 0)
        .ok_or_else(wrong)
}

/// Verifies an Intel TDX quote — io.net's `cpu.quote` (hex text, with or without `0x`) or the
/// raw binary quote — with Intel's collateral for it (dcap-qvl's `QuoteCollateralV3` JSON:
/// TCB Info, QE Identity, CRLs and their chains).
///
/// Pass the nonce you sent with the attestation request as `options.nonce` (REPORTDATA must be
/// the nonce followed by 32 zero bytes), or the exact 64 bytes as `options.reportData`; without
/// either, `tdx.report_data` is skipped and the verdict is not verified. By default only TCB
/// status `UpToDate` is accepted, debug TDs are refused and measurements are reported but not
/// pinned (`tdx.measurements` warns) until you give allowlists (`mrtd`, `rtmr0`…`rtmr3`,
/// `mrseam`, `xfam`). The measurements, TCB status and collateral dates are in `facts`
/// (`tdx.mrtd`, `tdx.tcb_status`, …).
///
/// Offline: nothing is fetched; the verification time is `options.at` or the system clock.
/// Runs synchronously on the calling thread.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, an
/// unknown or ill-typed option, bad hex or a wrong length in `reportData`, `tdAttributes` or an
/// allowlist, an unknown (or `Revoked`) TCB status name, or both `nonce` and `reportData`.
#[napi(catch_unwind)]
pub fn verify_tdx(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] quote: Unknown<'_>,
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] collateral: Unknown<'_>,
    #[napi(ts_arg_type = "TdxOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| {
        let quote = js_bytes(&quote, "quote")?;
        let collateral = js_bytes(&collateral, "collateral")?;
        let options = TdxOptions::from_js(options)?.into_core()?;
        ccverify::tdx::verify_tdx_with(quote.as_slice(), collateral.as_slice(), &options)
            .map(Verdict::from)
            .map_err(core_error)
    })
}
