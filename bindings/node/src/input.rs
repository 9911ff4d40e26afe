//! Reading JavaScript arguments: bytes, strings, addresses, headers and options objects. Only
//! conversion: an options object is turned into JSON data and read by the core's schema.

use ccverify::Address;
use napi::bindgen_prelude::{JsObjectValue, Object, Uint8ArraySlice, Unknown};
use napi::{JsValue, ValueType};
use serde_json::{Map, Number, Value};

use crate::{Result, core_error, invalid_argument};

/// Bytes of a `Buffer` / `Uint8Array` (borrowed) or a string (its UTF-8 encoding).
pub(crate) enum Bytes<'env> {
    View(Uint8ArraySlice<'env>),
    Text(String),
}

impl Bytes<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::View(view) => view,
            Bytes::Text(text) => text.as_bytes(),
        }
    }
}

/// Reads a `Buffer | Uint8Array | string` argument.
// Arguments are taken as `Unknown` so that a value of the wrong type throws our
// `invalid_argument` rather than napi's own codes; turning a checked `Unknown` into a typed
// view needs napi's `unsafe fn Unknown::cast`.
#[allow(unsafe_code)]
pub(crate) fn js_bytes<'env>(value: &Unknown<'env>, name: &str) -> Result<Bytes<'env>> {
    let wrong = || invalid_argument(format!("{name} must be a Buffer, Uint8Array or string"));
    match value.get_type().map_err(|_| wrong())? {
        ValueType::String => js_string(value, name).map(Bytes::Text),
        ValueType::Object if value.is_typedarray().map_err(|_| wrong())? => {
            // SAFETY: `value` is a live handle of the current call's env, and
            // `Uint8ArraySlice::from_napi_value` itself checks that the typed array is a
            // `Uint8Array` (a `Buffer` is one), returning an error for any other kind. The
            // slice borrows the JS memory for the duration of this synchronous call only.
            unsafe { value.cast::<Uint8ArraySlice<'env>>() }
                .map(Bytes::View)
                .map_err(|_| wrong())
        }
        _ => Err(wrong()),
    }
}

/// Reads a `string` argument.
pub(crate) fn js_string(value: &Unknown<'_>, name: &str) -> Result<String> {
    let wrong = || invalid_argument(format!("{name} must be a string"));
    if value.get_type().map_err(|_| wrong())? != ValueType::String {
        return Err(wrong());
    }
    let text = value.coerce_to_string().map_err(|_| wrong())?;
    text.into_utf8()
        .and_then(|utf8| utf8.into_owned())
        .map_err(|_| wrong())
}

/// Reads an optional `string | null | undefined` expected address.
pub(crate) fn js_address(value: Option<Unknown<'_>>) -> Result<Option<Address>> {
    let Some(value) = value else { return Ok(None) };
    let wrong = || invalid_argument("expectedAddress must be a string, null or undefined");
    match value.get_type().map_err(|_| wrong())? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::String => {
            let text = js_string(&value, "expectedAddress")?;
            Address::parse(&text).map(Some).map_err(core_error)
        }
        _ => Err(wrong()),
    }
}

/// Reads a `Record<string, string>` of response headers (own and inherited enumerable
/// string keys, as `for…in` sees them). `undefined` values count as absent headers.
// See `js_bytes` for why this needs `Unknown::cast`.
#[allow(unsafe_code)]
pub(crate) fn js_headers(value: &Unknown<'_>) -> Result<Vec<(String, String)>> {
    let wrong = || invalid_argument("headers must be an object mapping names to strings");
    if value.get_type().map_err(|_| wrong())? != ValueType::Object {
        return Err(wrong());
    }
    // SAFETY: `value` is a live handle of the current call's env and was just checked to be
    // an object, which is all `Object::from_napi_value` requires.
    let object = unsafe { value.cast::<Object<'_>>() }.map_err(|_| wrong())?;
    let names = Object::keys(&object).map_err(|_| wrong())?;
    let mut headers = Vec::with_capacity(names.len());
    for name in names {
        let header = object.get::<Unknown<'_>>(&name).map_err(|_| wrong())?;
        let Some(header) = header else { continue };
        let text = js_string(&header, &format!("header {name:?}"))?;
        headers.push((name, text));
    }
    Ok(headers)
}

/// Reads a `boolean`.
pub(crate) fn js_bool(value: &Unknown<'_>, name: &str) -> Result<bool> {
    let wrong = || invalid_argument(format!("{name} must be a boolean"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Boolean {
        return Err(wrong());
    }
    value.coerce_to_bool().map_err(|_| wrong())
}

/// Whether a JS value is `null`.
pub(crate) fn is_null(value: &Unknown<'_>) -> bool {
    matches!(value.get_type(), Ok(ValueType::Null))
}

/// Reads a plain object (not an array, a typed array or a `Date`) as napi's `Object`.
pub(crate) fn js_plain_object<'env>(value: &Unknown<'env>, name: &str) -> Result<Object<'env>> {
    let wrong = || invalid_argument(format!("{name} must be a plain object"));
    if value.get_type().map_err(|_| wrong())? != ValueType::Object
        || value.is_array().map_err(|_| wrong())?
        || value.is_typedarray().map_err(|_| wrong())?
        || value.is_date().map_err(|_| wrong())?
    {
        return Err(wrong());
    }
    // An object coerces to itself.
    value.coerce_to_object().map_err(|_| wrong())
}

/// Reads an options argument (`undefined`, `null` or a plain object with camelCase keys) into
/// the core's options type: the object becomes a JSON value ([`js_json`]) and the core reads
/// it ([`ccverify::Options::from_camel`]): every key, default, type and value rule is the
/// core's, and its errors name the keys as the caller wrote them.
pub(crate) fn js_options<T: ccverify::Options>(
    value: Option<Unknown<'_>>,
    name: &str,
) -> Result<T> {
    let json = match value {
        None => Value::Null,
        Some(value) => match value.get_type() {
            Ok(ValueType::Undefined | ValueType::Null) => Value::Null,
            Ok(ValueType::Object) => js_json(&value, name, 0)?,
            _ => {
                return Err(invalid_argument(format!(
                    "{name} must be an object, null or undefined"
                )));
            }
        },
    };
    T::from_camel(json).map_err(core_error)
}

/// The largest nesting an options object may have (a policy is three levels deep, collateral a
/// few more; stops a cyclic object).
const MAX_DEPTH: usize = 64;

/// Converts a JS value to JSON as `JSON.stringify` would for plain data — `undefined` members
/// are left out — except that a `Date` becomes its whole Unix seconds (rounded down) and, for
/// the `collateral` member, a `Buffer` or `Uint8Array` becomes its UTF-8 text. Functions,
/// symbols, bigints, other typed arrays, non-finite numbers, cycles and deeper nesting than
/// [`MAX_DEPTH`] are refused.
pub(crate) fn js_json(value: &Unknown<'_>, name: &str, depth: usize) -> Result<Value> {
    let wrong = |why: &str| invalid_argument(format!("{name} {why}"));
    if depth > MAX_DEPTH {
        return Err(wrong("is nested too deeply (or cyclic)"));
    }
    match value.get_type().map_err(|_| wrong("is unreadable"))? {
        ValueType::Null => Ok(Value::Null),
        ValueType::Boolean => js_bool(value, name).map(Value::Bool),
        ValueType::String => js_string(value, name).map(Value::String),
        ValueType::Number => {
            let n = js_number(value).ok_or_else(|| wrong("is unreadable"))?;
            match whole(n) {
                Some(i) => Ok(Value::from(i)),
                None => Number::from_f64(n)
                    .map(Value::Number)
                    .ok_or_else(|| wrong("is not a finite number")),
            }
        }
        ValueType::Object if value.is_date().map_err(|_| wrong("is unreadable"))? => {
            // A Date's number value is its time in milliseconds (NaN for an invalid Date).
            js_number(value)
                .and_then(whole)
                .map(|ms| Value::from(ms.div_euclid(1000)))
                .ok_or_else(|| wrong("is an invalid Date"))
        }
        ValueType::Object if value.is_typedarray().map_err(|_| wrong("is unreadable"))? => {
            if !name.ends_with(".collateral") {
                return Err(wrong("is a typed array, not JSON data"));
            }
            let bytes = js_bytes(value, name)?;
            String::from_utf8(bytes.as_slice().to_vec())
                .map(Value::String)
                .map_err(|_| wrong("is not UTF-8 text"))
        }
        ValueType::Object if value.is_array().map_err(|_| wrong("is unreadable"))? => {
            let array = value
                .coerce_to_object()
                .map_err(|_| wrong("is unreadable"))?;
            let length = array
                .get_array_length()
                .map_err(|_| wrong("is unreadable"))?;
            (0..length)
                .map(|i| {
                    let item = array
                        .get_element::<Unknown<'_>>(i)
                        .map_err(|_| wrong("is unreadable"))?;
                    match item.get_type() {
                        // JSON.stringify writes `null` for a missing array element.
                        Ok(ValueType::Undefined) => Ok(Value::Null),
                        _ => js_json(&item, &format!("{name}[{i}]"), depth + 1),
                    }
                })
                .collect::<Result<Vec<Value>>>()
                .map(Value::Array)
        }
        ValueType::Object => {
            let object = js_plain_object(value, name)?;
            let mut members = Map::new();
            for key in Object::keys(&object).map_err(|_| wrong("is unreadable"))? {
                let Some(field) = object
                    .get::<Unknown<'_>>(&key)
                    .map_err(|_| wrong("is unreadable"))?
                else {
                    continue; // undefined: left out
                };
                let json = js_json(&field, &format!("{name}.{key}"), depth + 1)?;
                members.insert(key, json);
            }
            Ok(Value::Object(members))
        }
        _ => Err(wrong("is not JSON data")),
    }
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS number that is a whole number in the safe-integer range.
fn whole(n: f64) -> Option<i64> {
    // The range check keeps the cast exact (and excludes NaN and the infinities).
    (n.trunc() == n && n.abs() <= MAX_SAFE_INTEGER).then_some(n as i64)
}

/// The number value of a JS value already known to be a number or a `Date`.
fn js_number(value: &Unknown<'_>) -> Option<f64> {
    value.coerce_to_number().and_then(|n| n.get_double()).ok()
}
