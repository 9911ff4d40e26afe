//! `verifyGpu`: NVIDIA GPU evidence (the `gpu` member of an io.net attestation), over
//! [`ccverify::gpu::verify_gpu`]. Only argument conversion lives here; every default and every
//! rule is the core's.

use napi::bindgen_prelude::{Object, Unknown};
use napi::{JsValue, ValueType};
use napi_derive::napi;

use crate::{Result, Verdict, core_error, guard, invalid_argument, js_bytes, js_string};

/// Options of {@link verifyGpu}: where the RIMs and cached OCSP responses are, the verification
/// time, and the appraisal policy. Every key is optional and defaults to the strict policy;
/// `undefined` (and `null` for `rimDir`, `ocspDir`, `at` and `expectedCount`) means "not set".
/// Any other key throws `invalid_argument`, so that a misspelt key cannot silently weaken the
/// policy.
// Only the TypeScript interface is generated from this struct: `verifyGpu` reads the JS object
// itself (`GpuOptions::from_js`) so that every wrong value throws our `invalid_argument`.
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Debug, Default)]
pub struct GpuOptions {
    /// Directory of NVIDIA RIMs named by RIM id (`<id>`, `<id>.xml` or `<id>.swidtag`). Without
    /// it the RIM and measurement checks cannot run.
    pub rim_dir: Option<String>,
    /// Directory of cached DER OCSP responses (`*.der`, `*.ocsp`), matched by CertID.
    pub ocsp_dir: Option<String>,
    /// The verification time: a `Date`, whole Unix seconds, or an RFC 3339 string such as
    /// `'2024-06-01T00:00:00Z'`. Default: the system clock at the call.
    #[napi(ts_type = "Date | number | string")]
    pub at: Option<i64>,
    /// How many GPUs must be attested. Default: not enforced, and `gpu.count` warns (io.net
    /// silently drops GPUs whose evidence it could not collect).
    pub expected_count: Option<u32>,
    /// The architecture the evidence must show (default `'HOPPER'`, the only one supported).
    pub expected_arch: Option<String>,
    /// Revocation must be proven by OCSP (default `true`). With `false`, a certificate without
    /// an OCSP answer makes `gpu.ocsp` warn instead of skip.
    pub require_revocation: Option<bool>,
    /// RIMs, and so the measurement comparison, are required (default `true`). With `false`, a
    /// RIM that cannot be found is a warning instead of a skip.
    pub require_rims: Option<bool>,
    /// Accept RIMs whose signer chain has expired at the verification time (default `false`).
    pub allow_expired_rims: Option<bool>,
    /// Accept a RIM signer certificate that is on hold (OCSP `certificateHold`), for RIM chains
    /// only (default `false`).
    pub allow_hold_for_rims: Option<bool>,
}

impl GpuOptions {
    /// Reads the `options` argument: `undefined`, `null` or a plain object.
    // See `js_bytes` in lib.rs for why this needs `Unknown::cast`.
    #[allow(unsafe_code)]
    fn from_js(value: Option<Unknown<'_>>) -> Result<GpuOptions> {
        let mut options = GpuOptions::default();
        let Some(value) = value else {
            return Ok(options);
        };
        let wrong = || invalid_argument("options must be an object, null or undefined");
        match value.get_type().map_err(|_| wrong())? {
            ValueType::Undefined | ValueType::Null => return Ok(options),
            ValueType::Object => {}
            _ => return Err(wrong()),
        }
        // SAFETY: `value` is a live handle of the current call's env and was just checked to be
        // an object, which is all `Object::from_napi_value` requires.
        let object = unsafe { value.cast::<Object<'_>>() }.map_err(|_| wrong())?;
        for key in Object::keys(&object).map_err(|_| wrong())? {
            let name = format!("options.{key}");
            let Some(field) = object.get::<Unknown<'_>>(&key).map_err(|_| wrong())? else {
                continue; // undefined: not set
            };
            let nullable = matches!(key.as_str(), "rimDir" | "ocspDir" | "at" | "expectedCount");
            if nullable && field.get_type().map_err(|_| wrong())? == ValueType::Null {
                continue;
            }
            match key.as_str() {
                "rimDir" => options.rim_dir = Some(js_string(&field, &name)?),
                "ocspDir" => options.ocsp_dir = Some(js_string(&field, &name)?),
                "at" => options.at = Some(js_time(&field, &name)?),
                "expectedCount" => options.expected_count = Some(js_count(&field, &name)?),
                "expectedArch" => options.expected_arch = Some(js_string(&field, &name)?),
                "requireRevocation" => options.require_revocation = Some(js_bool(&field, &name)?),
                "requireRims" => options.require_rims = Some(js_bool(&field, &name)?),
                "allowExpiredRims" => options.allow_expired_rims = Some(js_bool(&field, &name)?),
                "allowHoldForRims" => options.allow_hold_for_rims = Some(js_bool(&field, &name)?),
                _ => return Err(invalid_argument(format!("unknown GPU option {key:?}"))),
            }
        }
        Ok(options)
    }

    /// The core options: the core's defaults, overridden by every key that was set.
    fn into_core(self) -> ccverify::gpu::GpuOptions {
        let mut core = ccverify::gpu::GpuOptions {
            rim_dir: self.rim_dir,
            ocsp_dir: self.ocsp_dir,
            at: self.at,
            ..Default::default()
        };
        let policy = &mut core.policy;
        if let Some(count) = self.expected_count {
            // u32 → usize is lossless on every target napi supports (32- and 64-bit).
            policy.expected_count = Some(count as usize);
        }
        if let Some(arch) = self.expected_arch {
            policy.expected_arch = arch;
        }
        if let Some(flag) = self.require_revocation {
            policy.require_revocation = flag;
        }
        if let Some(flag) = self.require_rims {
            policy.require_rims = flag;
        }
        if let Some(flag) = self.allow_expired_rims {
            policy.allow_expired_rims = flag;
        }
        if let Some(flag) = self.allow_hold_for_rims {
            policy.allow_hold_for_rims = flag;
        }
        core
    }
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS number that is a whole number in the safe-integer range.
pub(crate) fn whole(n: f64) -> Option<i64> {
    // The range check keeps the cast exact (and excludes NaN and the infinities).
    (n.trunc() == n && n.abs() <= MAX_SAFE_INTEGER).then_some(n as i64)
}

/// The number value of a JS value already known to be a number or a `Date`.
pub(crate) fn js_number(value: &Unknown<'_>) -> Option<f64> {
    value.coerce_to_number().and_then(|n| n.get_double()).ok()
}

/// Reads a `boolean`.
pub(crate) fn js_bool(value: &Unknown<'_>, name: &str) -> Result<bool> {
    let wrong = || invalid_argument(format!("{name} must be a boolean"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Boolean {
        return Err(wrong());
    }
    value.coerce_to_bool().map_err(|_| wrong())
}

/// Reads a non-negative whole `number` that fits a u32.
pub(crate) fn js_count(value: &Unknown<'_>, name: &str) -> Result<u32> {
    let wrong = || invalid_argument(format!("{name} must be a non-negative integer"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Number {
        return Err(wrong());
    }
    js_number(value)
        .and_then(whole)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(wrong)
}

/// Reads a verification time as Unix seconds: a `Date` (rounded down to the second), whole Unix
/// seconds, or RFC 3339 text (parsed by the core, as the C ABI, the CLI and the vectors do).
pub(crate) fn js_time(value: &Unknown<'_>, name: &str) -> Result<i64> {
    let wrong = || {
        invalid_argument(format!(
            "{name} must be a Date, whole Unix seconds or an RFC 3339 string"
        ))
    };
    match value.get_type().map_err(|_| wrong())? {
        ValueType::String => {
            let text = js_string(value, name)?;
            ccverify::gpu::pki::parse_time(&text)
                .ok_or_else(|| invalid_argument(format!("{name} {text:?} is not an RFC 3339 time")))
        }
        ValueType::Number => js_number(value).and_then(whole).ok_or_else(wrong),
        ValueType::Object if value.is_date().map_err(|_| wrong())? => {
            // A Date's number value is its time in milliseconds (NaN for an invalid Date).
            js_number(value)
                .and_then(whole)
                .map(|ms| ms.div_euclid(1000))
                .ok_or_else(|| invalid_argument(format!("{name} is an invalid Date")))
        }
        _ => Err(wrong()),
    }
}

/// Verifies an io.net `gpu` object — the JSON of the attestation's `gpu` member, NVIDIA
/// Hopper evidence — for the nonce you sent with the attestation request (hex; normalised as
/// the agent does, so `normalizeNonce` of it must succeed).
///
/// Offline: nothing is fetched. RIMs and OCSP responses come from `options.rimDir` and
/// `options.ocspDir`; the verification time is `options.at` or the system clock. Per-GPU
/// checks carry a `subject` (`gpu0`, `gpu1`, …). Runs synchronously on the calling thread.
///
/// Bad evidence never throws; it is a failed check. Throws (`err.code`) `invalid_nonce` for a
/// nonce the agent would refuse, and `invalid_argument` for arguments of the wrong type, an
/// unknown or ill-typed option, or a `rimDir` / `ocspDir` that is not a readable directory.
#[napi(catch_unwind)]
pub fn verify_gpu(
    #[napi(ts_arg_type = "Buffer | Uint8Array | string")] gpu_json: Unknown<'_>,
    #[napi(ts_arg_type = "string")] nonce: Unknown<'_>,
    #[napi(ts_arg_type = "GpuOptions | null")] options: Option<Unknown<'_>>,
) -> Result<Verdict> {
    guard(|| {
        let gpu_json = js_bytes(&gpu_json, "gpuJson")?;
        let nonce = js_string(&nonce, "nonce")?;
        let options = GpuOptions::from_js(options)?.into_core();
        ccverify::gpu::verify_gpu(gpu_json.as_slice(), &nonce, &options)
            .map(Verdict::from)
            .map_err(core_error)
    })
}
