//! What the claims of the overall and per-GPU tokens must say, and how claims are read.

use super::*;

/// `x-nvidia-overall-att-result` and the shape of `submods`. Returns the submods (name →
/// digest, or why the entry is malformed) when `submods` is an object.
pub(super) fn check_overall_claims(
    claims: &Map<String, Value>,
    f: &mut Findings,
) -> Option<BTreeMap<String, Result<[u8; 32], String>>> {
    match claims.get("x-nvidia-overall-att-result") {
        Some(Value::Bool(true)) => f.ok("x-nvidia-overall-att-result true"),
        Some(Value::Bool(false)) => {
            f.fail(
                FailureKind::OverallResult,
                "x-nvidia-overall-att-result is false",
            );
        }
        Some(v) => f.fail(
            FailureKind::OverallResult,
            format!(
                "x-nvidia-overall-att-result is {}, not true",
                clip(&claim_text(v))
            ),
        ),
        None => f.fail(
            FailureKind::OverallResult,
            "x-nvidia-overall-att-result is missing",
        ),
    }
    let Some(sub) = claims.get("submods") else {
        f.fail(FailureKind::Submods, "submods is missing");
        return None;
    };
    let Some(sub) = sub.as_object() else {
        f.fail(FailureKind::Submods, "submods is not an object");
        return None;
    };
    if sub.len() > MAX_GPUS {
        f.fail(
            FailureKind::Submods,
            format!("submods has {} entries; the limit is {MAX_GPUS}", sub.len()),
        );
        return None;
    }
    Some(
        sub.iter()
            .map(|(name, entry)| (name.clone(), submod_digest(entry)))
            .collect(),
    )
}

/// Parses `["DIGEST", ["SHA-256", "<64 hex>"]]`.
pub(super) fn submod_digest(entry: &Value) -> Result<[u8; 32], String> {
    let bad = || {
        format!(
            "the submods entry is {}, not [\"DIGEST\", [\"SHA-256\", \"<64 hex>\"]]",
            clip(&claim_text(entry))
        )
    };
    let [tag, inner] = entry.as_array().map(Vec::as_slice).ok_or_else(bad)? else {
        return Err(bad());
    };
    let [alg, digest] = inner.as_array().map(Vec::as_slice).ok_or_else(bad)? else {
        return Err(bad());
    };
    if tag.as_str() != Some("DIGEST") || alg.as_str() != Some("SHA-256") {
        return Err(bad());
    }
    let digest = digest.as_str().ok_or_else(bad)?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(digest, &mut out).map_err(|_| bad())?;
    Ok(out)
}

/// The per-GPU appraisal claims; surfaces the informative ones into `g`.
pub(super) fn check_gpu_claims(claims: &Map<String, Value>, g: &mut GpuResult, f: &mut Findings) {
    g.measres = str_claim(claims, "measres");
    g.secboot = claims.get("secboot").and_then(Value::as_bool);
    g.dbgstat = str_claim(claims, "dbgstat");
    g.arch_check = claims
        .get("x-nvidia-gpu-arch-check")
        .and_then(Value::as_bool);
    g.driver_version = str_claim(claims, "x-nvidia-gpu-driver-version");
    g.vbios_version = str_claim(claims, "x-nvidia-gpu-vbios-version");
    g.hwmodel = str_claim(claims, "hwmodel");
    g.ueid = claims.get("ueid").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    g.error_details = claims
        .get("x-nvidia-error-details")
        .filter(|v| !is_empty_claim(v))
        .map(claim_text);

    let mut appraisal = Vec::new();
    let mut expect = |name: &str, kind: FailureKind, want: &Value| match claims.get(name) {
        Some(v) if v == want => appraisal.push(format!("{name} {}", claim_text(want))),
        Some(v) => f.fail(
            kind,
            format!(
                "{name} is {}; {} required",
                clip(&claim_text(v)),
                claim_text(want)
            ),
        ),
        None => f.fail(
            kind,
            format!("{name} is missing; {} required", claim_text(want)),
        ),
    };
    expect(
        "measres",
        FailureKind::Measres,
        &Value::String("success".into()),
    );
    expect("secboot", FailureKind::Secboot, &Value::Bool(true));
    expect(
        "dbgstat",
        FailureKind::Dbgstat,
        &Value::String("disabled".into()),
    );
    expect(
        "x-nvidia-gpu-arch-check",
        FailureKind::ArchCheck,
        &Value::Bool(true),
    );
    if !appraisal.is_empty() {
        f.ok(appraisal.join(", "));
    }
    let mut facts = Vec::new();
    for (label, v) in [
        ("driver", &g.driver_version),
        ("VBIOS", &g.vbios_version),
        ("hwmodel", &g.hwmodel),
        ("ueid", &g.ueid),
    ] {
        if let Some(v) = v {
            facts.push(format!("{label} {}", clip(v)));
        }
    }
    if !facts.is_empty() {
        f.ok(facts.join(", "));
    }
}

/// A JWT NumericDate: a JSON number of seconds, truncated towards negative infinity.
pub(super) fn numeric_date(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // `as` saturates for out-of-range values; JSON cannot express NaN.
    f.is_finite().then(|| f.floor() as i64)
}

pub(super) fn str_claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_string)
}

/// `null`, `""`, `{}` and `[]` carry no error.
pub(super) fn is_empty_claim(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A claim as text: strings as they are, anything else as compact JSON.
pub(super) fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GPU-<n>` (decimal, no leading zero, at most 9 digits) → n.
pub(super) fn gpu_index(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("GPU-")?;
    let ok = !digits.is_empty()
        && digits.len() <= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    if ok { digits.parse().ok() } else { None }
}

/// Numbered GPUs first, by number; other names after, by name.
pub(super) fn gpu_sort_key(name: &str) -> (bool, u32, String) {
    match gpu_index(name) {
        Some(i) => (false, i, String::new()),
        None => (true, 0, name.to_string()),
    }
}

pub(super) fn short_hex(digest: &[u8]) -> String {
    let h = hex::encode(digest);
    format!("{}…", h.get(..16).unwrap_or(&h))
}

/// At most [`CLIP`] characters of untrusted text, with control characters escaped.
pub(super) fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(CLIP)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if s.chars().nth(CLIP).is_some() {
        out.push('…');
    }
    out
}
