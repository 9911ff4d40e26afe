//! Verification of a detached EAT: every token's signature, issuer, times and nonce, and the
//! overall token's digests of the GPU tokens.

use super::*;

/// Settings of [`verify_eat_with`]. [`EatPolicy::default`] is what [`verify_eat`] uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EatPolicy {
    /// The `iss` every token must carry ([`NRAS_ISSUER`]).
    pub issuer: String,
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds ([`DEFAULT_LEEWAY_SECS`]).
    pub leeway_secs: i64,
    /// Whether a signing key's `x5c[0]` certificate must be within its validity at `now`
    /// (default `true`; keys without `x5c` are unaffected).
    pub check_key_validity: bool,
}

impl Default for EatPolicy {
    fn default() -> Self {
        EatPolicy {
            issuer: NRAS_ISSUER.to_string(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            check_key_validity: true,
        }
    }
}

/// Verifies an NRAS detached EAT with the default [`EatPolicy`]: see [`verify_eat_with`].
pub fn verify_eat(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
) -> EatReport {
    verify_eat_with(
        eat,
        jwks,
        expected_nonce,
        expected_gpus,
        now,
        &EatPolicy::default(),
    )
}

/// Verifies an NRAS detached EAT with [`verify_eat`] and turns the report into a
/// [`Verdict`](crate::Verdict): the rows of [`EatReport::checks`] (id [`CHECK_ID`],
/// `gpu.nras`: one for the overall token, then one per GPU with subject `gpu0`, `gpu1`, …), so
/// the verdict is verified exactly when [`EatReport::passed`].
///
/// Facts: `gpu.eat_nonce` (hex of `expected_nonce`), `gpu.nras.gpus` (number of GPU entries)
/// and, when the overall token carries them, `gpu.nras.kid`, `gpu.nras.issued_at`,
/// `gpu.nras.expires` (RFC 3339), `gpu.nras.overall_att_result` and `gpu.nras.jti`.
///
/// Pure: fetch the EAT and the key set first (for example with `net::NrasClient`, feature
/// `net`), or read them from files.
pub fn verdict_from_eat(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
) -> crate::Verdict {
    let report = verify_eat(eat, jwks, expected_nonce, expected_gpus, now);
    let mut checks = report.checks();
    let mut verdict = crate::Verdict::from_checks(checks.clone(), None);
    if verdict.verified != report.passed() {
        // Defensive: the rows and the report must agree; never let a row table without a
        // failure verify a report that did not pass.
        checks.push(Check::new(
            CHECK_ID,
            CheckStatus::Fail,
            "the NRAS EAT did not verify (no GPU entry)",
        ));
        verdict = crate::Verdict::from_checks(checks, None);
    }
    let o = &report.overall;
    let mut v = verdict
        .with_fact("gpu.eat_nonce", hex::encode(expected_nonce))
        .with_fact("gpu.nras.gpus", report.gpus.len().to_string());
    if let Some(kid) = &o.kid {
        v = v.with_fact("gpu.nras.kid", clip(kid));
    }
    if let Some(t) = o.issued_at {
        v = v.with_fact("gpu.nras.issued_at", crate::time::format_time(t));
    }
    if let Some(t) = o.expires {
        v = v.with_fact("gpu.nras.expires", crate::time::format_time(t));
    }
    if let Some(r) = o.overall_att_result {
        v = v.with_fact("gpu.nras.overall_att_result", r.to_string());
    }
    if let Some(jti) = &o.jti {
        v = v.with_fact("gpu.nras.jti", clip(jti));
    }
    v
}

/// Verifies an NRAS detached EAT (`[["JWT", overall], {"GPU-0": jwt, …}]`, the body of a 200
/// reply from NRAS) against `jwks`, the nonce that was sent to NRAS, and the verification time
/// `now` (Unix seconds). With `expected_gpus`, the EAT must carry exactly that many GPU tokens.
///
/// Never panics and never returns early without saying why: every broken rule is a
/// [`Failure`] in the report (see the module documentation for the rules). GPU tokens are
/// verified one by one even when the overall token fails, so the report is complete.
pub fn verify_eat_with(
    eat: &[u8],
    jwks: &Jwks,
    expected_nonce: &[u8; 32],
    expected_gpus: Option<usize>,
    now: i64,
    policy: &EatPolicy,
) -> EatReport {
    let mut report = EatReport {
        now,
        ..EatReport::default()
    };
    if eat.len() > MAX_EAT_LEN {
        report.overall.failures.push(Failure::new(
            FailureKind::Size,
            format!("the EAT is {} bytes; the limit is {MAX_EAT_LEN}", eat.len()),
        ));
        return report;
    }
    let (overall_jwt, gpu_tokens) = match parse_detached(eat) {
        Ok(p) => p,
        Err(f) => {
            report.overall.failures.push(f);
            return report;
        }
    };
    let ctx = Ctx {
        jwks,
        nonce_hex: hex::encode(expected_nonce),
        now,
        policy,
    };

    // The overall token.
    let mut overall = Findings::default();
    let token = ctx.verify_token(&overall_jwt, &mut overall);
    let mut submods: Option<BTreeMap<String, Result<[u8; 32], String>>> = None;
    if let Some(t) = &token {
        ctx.check_common_claims(&t.claims, true, &mut overall);
        submods = check_overall_claims(&t.claims, &mut overall);
        let o = &mut report.overall;
        o.kid = t.kid.clone();
        o.issuer = str_claim(&t.claims, "iss");
        o.issued_at = t.claims.get("iat").and_then(numeric_date);
        o.not_before = t.claims.get("nbf").and_then(numeric_date);
        o.expires = t.claims.get("exp").and_then(numeric_date);
        o.jti = str_claim(&t.claims, "jti");
        o.version = str_claim(&t.claims, "x-nvidia-ver");
        o.overall_att_result = t
            .claims
            .get("x-nvidia-overall-att-result")
            .and_then(Value::as_bool);
    }

    // The union of names, GPU tokens and submods alike, in GPU-number order.
    let mut names: BTreeSet<&str> = gpu_tokens.keys().map(String::as_str).collect();
    if let Some(s) = &submods {
        names.extend(s.keys().map(String::as_str));
    }
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_by_key(|n| gpu_sort_key(n));

    let mut digests_ok = 0usize;
    for name in &names {
        let mut g = GpuResult {
            name: (*name).to_string(),
            index: gpu_index(name),
            subject: gpu_index(name).map_or_else(|| clip(name), |i| format!("gpu{i}")),
            ..GpuResult::default()
        };
        let mut f = Findings::default();
        if g.index.is_none() {
            f.fail(
                FailureKind::Format,
                format!("the name {} is not GPU-<n>", clip(name)),
            );
        }
        match gpu_tokens.get(*name) {
            None => f.fail(
                FailureKind::Submods,
                "the overall token's submods lists this GPU, but the EAT carries no token for it",
            ),
            Some(jwt) => {
                if let Some(t) = ctx.verify_token(jwt, &mut f) {
                    ctx.check_common_claims(&t.claims, false, &mut f);
                    check_gpu_claims(&t.claims, &mut g, &mut f);
                    g.kid = t.kid;
                    g.claims = Some(t.claims);
                }
                match submods.as_ref().map(|s| s.get(*name)) {
                    None => f.fail(
                        FailureKind::Submods,
                        "the overall token has no readable submods, so this token's digest cannot be checked",
                    ),
                    Some(None) => f.fail(
                        FailureKind::Submods,
                        "the overall token's submods does not list this GPU",
                    ),
                    Some(Some(Err(why))) => f.fail(FailureKind::Submods, why.clone()),
                    Some(Some(Ok(want))) => {
                        let got = crypto::sha256(jwt.as_bytes());
                        if &got == want {
                            digests_ok += 1;
                            f.ok(format!("SHA-256 {} matches submods", short_hex(&got)));
                        } else {
                            f.fail(
                                FailureKind::Digest,
                                format!(
                                    "the token's SHA-256 is {} but submods says {}",
                                    hex::encode(got),
                                    hex::encode(want)
                                ),
                            );
                        }
                    }
                }
            }
        }
        g.failures = f.failures;
        g.verified = f.verified;
        report.gpus.push(g);
    }

    // The EAT as a whole.
    if let Some(s) = &submods {
        let listed: BTreeSet<&str> = s.keys().map(String::as_str).collect();
        let carried: BTreeSet<&str> = gpu_tokens.keys().map(String::as_str).collect();
        if listed != carried {
            let missing: Vec<String> = listed.difference(&carried).map(|n| clip(n)).collect();
            let extra: Vec<String> = carried.difference(&listed).map(|n| clip(n)).collect();
            overall.fail(
                FailureKind::Submods,
                format!(
                    "submods lists {} GPU(s) and the EAT carries {} token(s); listed without a token: [{}]; tokens not listed: [{}]",
                    listed.len(),
                    carried.len(),
                    missing.join(", "),
                    extra.join(", ")
                ),
            );
        } else if digests_ok == listed.len() && !listed.is_empty() {
            overall.ok(format!(
                "submods names exactly the {} GPU token(s) and every SHA-256 digest matches",
                listed.len()
            ));
        }
    }
    if gpu_tokens.is_empty() {
        overall.fail(FailureKind::Format, "the EAT carries no GPU token");
    }
    if let Some(n) = expected_gpus {
        if gpu_tokens.len() == n {
            overall.ok(format!("{n} GPU token(s) as expected"));
        } else {
            overall.fail(
                FailureKind::GpuCount,
                format!(
                    "the EAT carries {} GPU token(s); {n} expected",
                    gpu_tokens.len()
                ),
            );
        }
    }
    report.overall.failures = overall.failures;
    report.overall.verified = overall.verified;
    report.overall.claims = token.map(|t| t.claims);
    report
}

/// A decoded token (its signature may or may not have verified: see the findings).
pub(super) struct Token {
    pub(super) kid: Option<String>,
    pub(super) claims: Map<String, Value>,
}

pub(super) struct Ctx<'a> {
    pub(super) jwks: &'a Jwks,
    pub(super) nonce_hex: String,
    pub(super) now: i64,
    pub(super) policy: &'a EatPolicy,
}

impl Ctx<'_> {
    /// Parses a compact JWS and checks its header, key and signature. Returns the decoded
    /// claims whenever they could be decoded, so that every other rule is still reported.
    pub(super) fn verify_token(&self, jwt: &str, f: &mut Findings) -> Option<Token> {
        let jws = match parse_compact(jwt) {
            Ok(j) => j,
            Err(why) => {
                f.fail(FailureKind::Jws, why);
                return None;
            }
        };
        let mut sig_possible = true;
        if jws.header.contains_key("crit") {
            f.fail(
                FailureKind::Jws,
                "the header has a crit parameter, and no extension is supported",
            );
            sig_possible = false;
        }
        match jws.header.get("alg") {
            Some(Value::String(a)) if a == ALG_ES384 => {}
            Some(Value::String(a)) => {
                f.fail(
                    FailureKind::Alg,
                    format!("header alg is {}; only ES384 is accepted", clip(a)),
                );
                sig_possible = false;
            }
            Some(_) => {
                f.fail(FailureKind::Alg, "header alg is not a string");
                sig_possible = false;
            }
            None => {
                f.fail(FailureKind::Alg, "header alg is missing");
                sig_possible = false;
            }
        }
        let kid = match jws.header.get("kid") {
            Some(Value::String(k)) if !k.is_empty() => Some(k.clone()),
            Some(Value::String(_)) => {
                f.fail(FailureKind::Kid, "header kid is empty");
                None
            }
            Some(_) => {
                f.fail(FailureKind::Kid, "header kid is not a string");
                None
            }
            None => {
                f.fail(FailureKind::Kid, "header kid is missing");
                None
            }
        };
        let key = match &kid {
            Some(k) => match self.jwks.select(k) {
                Ok(key) => Some(key),
                Err(why) => {
                    let kind = if self.jwks.unusable.iter().any(|(u, _)| u == k) {
                        FailureKind::Key
                    } else {
                        FailureKind::Kid
                    };
                    f.fail(kind, why);
                    None
                }
            },
            None => None,
        };
        if let Some(key) = key {
            if self.policy.check_key_validity
                && let Some(cert) = &key.certificate
                && (self.now < cert.not_before || self.now > cert.not_after)
            {
                f.fail(
                    FailureKind::Key,
                    format!(
                        "the x5c certificate of {} is valid {} to {}, not at {}",
                        key.describe(),
                        crate::time::format_time(cert.not_before),
                        crate::time::format_time(cert.not_after),
                        crate::time::format_time(self.now)
                    ),
                );
            }
            if sig_possible {
                if jws.signature.len() != ES384_SIG_LEN {
                    f.fail(
                        FailureKind::Signature,
                        format!(
                            "the signature is {} bytes; ES384 in JWS is {ES384_SIG_LEN} bytes r‖s{}",
                            jws.signature.len(),
                            if jws.signature.first() == Some(&0x30) {
                                " (this looks DER-encoded, which JWS does not allow)"
                            } else {
                                ""
                            }
                        ),
                    );
                } else if crypto::verify_p384_raw(
                    &key.point,
                    jws.signing_input.as_bytes(),
                    &jws.signature,
                ) {
                    f.ok(format!("ES384 signature by {}", key.describe()));
                } else {
                    f.fail(
                        FailureKind::Signature,
                        format!(
                            "the ES384 signature does not verify with {}",
                            key.describe()
                        ),
                    );
                }
            }
        }
        Some(Token {
            kid,
            claims: jws.payload,
        })
    }

    /// `iss`, the time claims and `eat_nonce`; `overall` makes `iss`, `exp` and `eat_nonce`
    /// required.
    pub(super) fn check_common_claims(
        &self,
        claims: &Map<String, Value>,
        overall: bool,
        f: &mut Findings,
    ) {
        match claims.get("iss") {
            Some(Value::String(iss)) if *iss == self.policy.issuer => {
                f.ok(format!("iss {}", clip(iss)));
            }
            Some(Value::String(iss)) => f.fail(
                FailureKind::Issuer,
                format!(
                    "iss is {}; expected {}",
                    clip(iss),
                    clip(&self.policy.issuer)
                ),
            ),
            Some(_) => f.fail(FailureKind::Issuer, "iss is not a string"),
            None if overall => f.fail(FailureKind::Issuer, "iss is missing"),
            None => {}
        }

        let leeway = self.policy.leeway_secs.max(0);
        let now = self.now;
        let mut time_ok = true;
        let mut window = Vec::new();
        let date = |name: &str, f: &mut Findings| -> Option<i64> {
            let v = claims.get(name)?;
            let t = numeric_date(v);
            if t.is_none() {
                f.fail(
                    FailureKind::Claims,
                    format!("{name} is not a NumericDate (a JSON number of seconds)"),
                );
            }
            t
        };
        match date("exp", f) {
            Some(exp) => {
                if now >= exp.saturating_add(leeway) {
                    time_ok = false;
                    f.fail(
                        FailureKind::Expired,
                        format!(
                            "expired at {} (exp), now is {} (leeway {leeway} s)",
                            crate::time::format_time(exp),
                            crate::time::format_time(now)
                        ),
                    );
                }
                window.push(format!("exp {}", crate::time::format_time(exp)));
            }
            None => {
                time_ok = false;
                if overall && !claims.contains_key("exp") {
                    f.fail(FailureKind::Claims, "exp is missing");
                }
            }
        }
        if let Some(nbf) = date("nbf", f) {
            if now.saturating_add(leeway) < nbf {
                time_ok = false;
                f.fail(
                    FailureKind::NotYetValid,
                    format!(
                        "not valid before {} (nbf), now is {} (leeway {leeway} s)",
                        crate::time::format_time(nbf),
                        crate::time::format_time(now)
                    ),
                );
            }
            window.insert(0, format!("nbf {}", crate::time::format_time(nbf)));
        }
        if let Some(iat) = date("iat", f)
            && now.saturating_add(leeway) < iat
        {
            time_ok = false;
            f.fail(
                FailureKind::NotYetValid,
                format!(
                    "issued in the future: iat {}, now is {} (leeway {leeway} s)",
                    crate::time::format_time(iat),
                    crate::time::format_time(now)
                ),
            );
        }
        if time_ok {
            f.ok(format!(
                "valid at {} ({})",
                crate::time::format_time(now),
                window.join(", ")
            ));
        }

        match claims.get("eat_nonce") {
            Some(Value::String(n)) => {
                if n.eq_ignore_ascii_case(&self.nonce_hex) {
                    f.ok("eat_nonce matches");
                } else {
                    f.fail(
                        FailureKind::Nonce,
                        format!("eat_nonce is {}; expected {}", clip(n), self.nonce_hex),
                    );
                }
            }
            Some(_) => f.fail(FailureKind::Claims, "eat_nonce is not a string"),
            None if overall => f.fail(FailureKind::Nonce, "eat_nonce is missing"),
            None => {}
        }

        if let Some(e) = claims.get("x-nvidia-error-details")
            && !is_empty_claim(e)
        {
            f.fail(
                FailureKind::ErrorDetails,
                format!(
                    "x-nvidia-error-details says NRAS could not complete the appraisal: {}",
                    clip(&claim_text(e))
                ),
            );
        }
    }
}
