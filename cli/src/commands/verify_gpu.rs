//! `ccverify verify-gpu`: Verify an io.net `gpu` object (NVIDIA H100/H200 evidence) against NVIDIA's pinned roots.

use crate::*;

/// The arguments of `ccverify verify-gpu`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The `gpu` member of the attestation response, as JSON (`-` for standard input).
    #[arg(value_name = "GPU.json")]
    gpu: PathBuf,
    /// The nonce you sent to /v1/private/attestation (hex; normalised like the agent does).
    #[arg(long, value_name = "HEX")]
    nonce: String,
    /// Directory of RIMs named by RIM id (`NV_GPU_DRIVER_GH100_<ver>[.xml|.swidtag]`, ...).
    #[arg(long, value_name = "DIR")]
    rim_dir: Option<PathBuf>,
    /// Directory of cached DER OCSP responses (matched to certificates by CertID).
    #[arg(long, value_name = "DIR")]
    ocsp_dir: Option<PathBuf>,
    /// Verification time (RFC 3339, e.g. 2024-06-01T00:00:00Z); default: now. Live OCSP is
    /// not queried when this is more than 24 h from the system clock.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Never use the network: only --rim-dir and --ocsp-dir (builds without the `net`
    /// feature never use it).
    #[arg(long)]
    offline: bool,
    /// Cache of RIMs fetched from the RIM service, as `<id>.xml` [default:
    /// $XDG_CACHE_HOME/ccverify/rims or ~/.cache/ccverify/rims].
    #[arg(long, value_name = "DIR", conflicts_with = "no_rim_cache")]
    rim_cache: Option<PathBuf>,
    /// Do not read or write a RIM cache.
    #[arg(long)]
    no_rim_cache: bool,
    /// Base URL of the RIM service (RIMs are at <URL>/v1/rim/<id>).
    #[arg(long, value_name = "URL", default_value = DEFAULT_RIM_URL)]
    rim_url: String,
    /// Send every OCSP query to this responder [default: the certificate's own OCSP URL,
    /// else https://ocsp.ndis.nvidia.com/].
    #[arg(long, value_name = "URL")]
    ocsp_url: Option<String>,
    /// Also send the evidence to NVIDIA's Remote Attestation Service and verify its signed
    /// answer (rows `gpu.nras`); the local checks still run and must pass too.
    #[arg(long, conflicts_with = "offline")]
    nras: bool,
    /// NRAS attestation endpoint, for --nras.
    #[arg(long, value_name = "URL", default_value = DEFAULT_NRAS_URL)]
    nras_url: String,
    /// NRAS signing keys (JWKS), for --nras.
    #[arg(long, value_name = "URL", default_value = DEFAULT_JWKS_URL)]
    jwks_url: String,
    /// Number of GPUs that must be attested.
    #[arg(long, value_name = "N")]
    expect_gpus: Option<usize>,
    /// Accept missing OCSP answers as a warning instead of "not verified".
    #[arg(long)]
    allow_no_ocsp: bool,
    /// Accept missing RIMs as a warning instead of "not verified".
    #[arg(long)]
    allow_no_rims: bool,
    /// Accept RIMs whose signer chain expired at the verification time (as a warning).
    #[arg(long)]
    allow_expired_rims: bool,
    /// Accept RIM signer certificates on hold (OCSP certificateHold), RIM chains only.
    #[arg(long)]
    allow_hold_cert: bool,
    /// The roots to trust: `production` (NVIDIA's; the default), `test` (ccverify's TEST PKI)
    /// or FILE, a PEM file of your own roots (its P-384 roots replace NVIDIA's: the device
    /// identity root first, then the RIM signing root). Anything but `production` is warned
    /// about in the verdict (`trust.anchors`).
    #[arg(long, value_name = "production|test|FILE")]
    trust: Option<String>,
    /// Print the verdict as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ccverify verify-gpu`.
pub(crate) fn run(args: Args) -> Result<ExitCode, UsageError> {
    let Args {
        gpu,
        nonce,
        rim_dir,
        ocsp_dir,
        at,
        offline,
        rim_cache,
        no_rim_cache,
        rim_url,
        ocsp_url,
        nras,
        nras_url,
        jwks_url,
        expect_gpus,
        allow_no_ocsp,
        allow_no_rims,
        allow_expired_rims,
        allow_hold_cert,
        trust,
        json,
    } = args;
    let trust = trust
        .as_deref()
        .map(crate::session::trust_arg)
        .transpose()?
        .unwrap_or_default();
    let nonce = Nonce::normalize(&nonce).map_err(|e| UsageError(e.to_string()))?;
    let at = parse_at(at.as_deref())?;
    let policy = ccverify::gpu::GpuPolicy {
        expected_count: expect_gpus,
        require_revocation: !allow_no_ocsp,
        require_rims: !allow_no_rims,
        allow_expired_rims,
        allow_hold_for_rims: allow_hold_cert,
        ..Default::default()
    };
    let local = LocalSources::open(rim_dir.as_deref(), ocsp_dir.as_deref(), trust)?;
    let gpu = read_input(&gpu, "gpu")?;
    let now = at.unwrap_or_else(ccverify::time::Time::now).unix();
    let online = GpuOnline {
        rim_cache,
        no_rim_cache,
        rim_url,
        ocsp_url,
        nras,
        nras_url,
        jwks_url,
    };
    let verdict = if offline {
        local.verify(policy, &gpu, &nonce.0, now)
    } else {
        verify_gpu_online(local, online, policy, &gpu, &nonce.0, now, expect_gpus)?
    };
    print_verdict_with(&verdict, json, false);
    Ok(verdict_code(&verdict))
}

/// The directories given on the command line, opened.
pub(crate) struct LocalSources {
    pub(crate) rims: Option<ccverify::gpu::DirRimSource>,
    pub(crate) ocsp: Option<ccverify::gpu::ocsp::DirOcspSource>,
    /// The roots to trust (`--trust`).
    pub(crate) trust: ccverify::trust::Trust,
}

impl LocalSources {
    fn open(
        rim_dir: Option<&Path>,
        ocsp_dir: Option<&Path>,
        trust: ccverify::trust::Trust,
    ) -> Result<Self, UsageError> {
        let rims = rim_dir
            .map(|d| ccverify::gpu::DirRimSource::new(d).map_err(UsageError))
            .transpose()?;
        let ocsp = ocsp_dir
            .map(|d| {
                ccverify::gpu::ocsp::DirOcspSource::new(d).map_err(|e| {
                    UsageError(format!("cannot read OCSP directory {}: {e}", d.display()))
                })
            })
            .transpose()?;
        Ok(LocalSources { rims, ocsp, trust })
    }

    /// Offline verification with the directories only.
    fn verify(
        self,
        policy: ccverify::gpu::GpuPolicy,
        gpu: &[u8],
        nonce: &[u8; 32],
        now: i64,
    ) -> Verdict {
        let mut verifier = ccverify::gpu::GpuVerifier::new(policy).with_trust(self.trust);
        if let Some(r) = self.rims {
            verifier = verifier.with_rims(r);
        }
        if let Some(o) = self.ocsp {
            verifier = verifier.with_ocsp(o);
        }
        verifier.verify_json(gpu, nonce, now)
    }
}

/// The online options of `verify-gpu`.
#[cfg_attr(not(feature = "net"), allow(dead_code))]
pub(crate) struct GpuOnline {
    pub(crate) rim_cache: Option<PathBuf>,
    pub(crate) no_rim_cache: bool,
    pub(crate) rim_url: String,
    pub(crate) ocsp_url: Option<String>,
    pub(crate) nras: bool,
    pub(crate) nras_url: String,
    pub(crate) jwks_url: String,
}

#[cfg(feature = "net")]
fn verify_gpu_online(
    local: LocalSources,
    online: GpuOnline,
    policy: ccverify::gpu::GpuPolicy,
    gpu: &[u8],
    nonce: &[u8; 32],
    now: i64,
    expect_gpus: Option<usize>,
) -> Result<Verdict, UsageError> {
    online::verify_gpu(local, online, policy, gpu, nonce, now, expect_gpus).map_err(UsageError)
}

/// Without the `net` feature "online" is offline, and asking for NRAS is a usage error.
#[cfg(not(feature = "net"))]
fn verify_gpu_online(
    local: LocalSources,
    online: GpuOnline,
    policy: ccverify::gpu::GpuPolicy,
    gpu: &[u8],
    nonce: &[u8; 32],
    now: i64,
    _expect_gpus: Option<usize>,
) -> Result<Verdict, UsageError> {
    if online.nras {
        return Err(UsageError(
            "--nras needs the network: this ccverify was built without the `net` feature".into(),
        ));
    }
    Ok(local.verify(policy, gpu, nonce, now))
}
