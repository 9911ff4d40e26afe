//! Where RIMs come from. Verification never trusts a source: every RIM is schema-checked,
//! signature-checked and chain-checked to NVIDIA's RIM root whatever its origin.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Largest RIM file accepted (real ones are about 20 KiB).
pub const MAX_RIM_LEN: u64 = 4 * 1024 * 1024;

/// A provider of RIM documents by RIM id (e.g. `NV_GPU_DRIVER_GH100_550.90.07`).
pub trait RimSource: Send + Sync {
    /// The RIM XML for `rim_id`: `Ok(None)` when the source does not have it, `Err` when the
    /// source failed (I/O or network error), with a reason.
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String>;
    /// A short description for verdict details (e.g. `directory ./rims`).
    fn describe(&self) -> String;
}

/// No RIMs at all: RIM and measurement checks are skipped (and policy decides).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRims;

impl RimSource for NoRims {
    fn fetch(&self, _rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn describe(&self) -> String {
        "no RIM source".into()
    }
}

/// RIMs held in memory, by id.
#[derive(Clone, Debug, Default)]
pub struct MemoryRimSource {
    rims: HashMap<String, Vec<u8>>,
}

impl MemoryRimSource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds (or replaces) the RIM for `rim_id`.
    pub fn insert(&mut self, rim_id: impl Into<String>, xml: Vec<u8>) {
        self.rims.insert(rim_id.into(), xml);
    }
}

impl RimSource for MemoryRimSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.rims.get(rim_id).cloned())
    }
    fn describe(&self) -> String {
        format!("{} RIM(s) in memory", self.rims.len())
    }
}

/// RIMs in a directory, one file per RIM, named by RIM id: `<id>`, `<id>.xml` or
/// `<id>.swidtag`. VBIOS RIMs are also found under the file name NVIDIA's Python verifier uses
/// (`<project>_<project sku>_<chip sku>` in lower case, then `_<VBIOS hex>_PROD.swidtag`).
#[derive(Clone, Debug)]
pub struct DirRimSource {
    dir: PathBuf,
}

impl DirRimSource {
    /// A source reading from `dir` (which must exist).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(format!("RIM directory {} does not exist", dir.display()));
        }
        Ok(DirRimSource { dir })
    }

    fn candidates(&self, rim_id: &str) -> Vec<PathBuf> {
        let mut names = vec![
            rim_id.to_string(),
            format!("{rim_id}.xml"),
            format!("{rim_id}.swidtag"),
        ];
        if let Some(rest) = rim_id.strip_prefix("NV_GPU_VBIOS_") {
            let parts: Vec<&str> = rest.split('_').collect();
            if let [project, sku, chip, vbios] = parts.as_slice() {
                names.push(format!(
                    "{}_{}_{}_{}_PROD.swidtag",
                    project.to_ascii_lowercase(),
                    sku.to_ascii_lowercase(),
                    chip.to_ascii_lowercase(),
                    vbios.to_ascii_uppercase()
                ));
            }
        }
        names.into_iter().map(|n| self.dir.join(n)).collect()
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_RIM_LEN {
        return Err(format!(
            "{}: {} bytes is larger than {MAX_RIM_LEN}",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

impl RimSource for DirRimSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        if rim_id.is_empty()
            || !rim_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        {
            return Err(format!("refusing RIM id {rim_id:?} as a file name"));
        }
        for path in self.candidates(rim_id) {
            if path.is_file() {
                return read_bounded(&path).map(Some);
            }
        }
        Ok(None)
    }
    fn describe(&self) -> String {
        format!("directory {}", self.dir.display())
    }
}

/// Several RIM sources tried in order, for example a local directory, then NVIDIA's RIM
/// service (`ccverify_net::HttpRimSource`).
///
/// [`RimSource::fetch`] returns the first RIM found. A source that fails (`Err`) does not stop
/// the search: the next one is asked. If no source has the RIM, the result is `Err` with every
/// failure when at least one source failed (the RIM may exist but could not be fetched), and
/// `Ok(None)` otherwise. The RIM is verified afterwards whatever source it came from.
#[derive(Default)]
pub struct ChainRimSource {
    sources: Vec<Box<dyn RimSource>>,
}

impl ChainRimSource {
    /// An empty chain (which has no RIM at all).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `source`, asked after the sources already in the chain.
    pub fn with(mut self, source: impl RimSource + 'static) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Appends an already boxed source.
    pub fn push(&mut self, source: Box<dyn RimSource>) {
        self.sources.push(source);
    }

    /// How many sources the chain holds.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether the chain holds no source.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

impl std::fmt::Debug for ChainRimSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainRimSource")
            .field("sources", &self.describe())
            .finish()
    }
}

impl RimSource for ChainRimSource {
    fn fetch(&self, rim_id: &str) -> Result<Option<Vec<u8>>, String> {
        let mut errors = Vec::new();
        for source in &self.sources {
            match source.fetch(rim_id) {
                Ok(Some(xml)) => return Ok(Some(xml)),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(None)
        } else {
            Err(errors.join("; "))
        }
    }
    fn describe(&self) -> String {
        if self.sources.is_empty() {
            return "no RIM source".into();
        }
        self.sources
            .iter()
            .map(|s| s.describe())
            .collect::<Vec<_>>()
            .join(", then ")
    }
}

/// Several OCSP sources tried in order, for example a directory of cached responses
/// ([`DirOcspSource`](super::ocsp::DirOcspSource)), then a live responder
/// (`ccverify_net::HttpOcspSource`).
///
/// By default the first response found is returned. With [`ChainOcspSource::fresh_at`], a
/// response whose `SingleResponse` for the certificate is not fresh at that time (the same
/// rule as [`verify_response`](super::ocsp::verify_response):
/// `thisUpdate ≤ now + skew`, `now ≤ nextUpdate + skew`, or at most
/// [`MAX_AGE_WITHOUT_NEXT_UPDATE_SECS`](super::ocsp::MAX_AGE_WITHOUT_NEXT_UPDATE_SECS) old
/// without `nextUpdate`) is set aside and the next source is asked; if no source has a fresh
/// one, the first response found is returned, so that the verdict says why it was refused.
/// This pre-check only chooses: every response is verified afterwards.
#[derive(Default)]
pub struct ChainOcspSource {
    sources: Vec<Box<dyn super::ocsp::OcspSource>>,
    fresh_at: Option<i64>,
}

impl ChainOcspSource {
    /// An empty chain (which has no response at all).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `source`, asked after the sources already in the chain.
    pub fn with(mut self, source: impl super::ocsp::OcspSource + 'static) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Appends an already boxed source.
    pub fn push(&mut self, source: Box<dyn super::ocsp::OcspSource>) {
        self.sources.push(source);
    }

    /// Passes over responses that are not fresh at `now` (Unix seconds, normally the
    /// verification time) while a later source may have a fresh one.
    pub fn fresh_at(mut self, now: i64) -> Self {
        self.fresh_at = Some(now);
        self
    }

    /// How many sources the chain holds.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether the chain holds no source.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

impl std::fmt::Debug for ChainOcspSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainOcspSource")
            .field("sources", &self.sources.len())
            .field("fresh_at", &self.fresh_at)
            .finish()
    }
}

/// Whether `der` holds a `SingleResponse` about (cert, issuer) that is fresh at `now`.
fn ocsp_is_fresh(
    der: &[u8],
    cert: &crate::x509::Certificate,
    issuer: &crate::x509::Certificate,
    now: i64,
) -> bool {
    use super::ocsp::{MAX_AGE_WITHOUT_NEXT_UPDATE_SECS, MAX_CLOCK_SKEW_SECS, parse_response};
    let Ok(parsed) = parse_response(der) else {
        return false;
    };
    let Some(single) = parsed.basic.as_ref().and_then(|b| b.find(cert, issuer)) else {
        return false;
    };
    if single.this_update > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return false;
    }
    match single.next_update {
        Some(next) => now <= next.saturating_add(MAX_CLOCK_SKEW_SECS),
        None => now.saturating_sub(single.this_update) <= MAX_AGE_WITHOUT_NEXT_UPDATE_SECS,
    }
}

impl super::ocsp::OcspSource for ChainOcspSource {
    fn lookup(
        &self,
        cert: &crate::x509::Certificate,
        issuer: &crate::x509::Certificate,
    ) -> Option<super::ocsp::OcspFetched> {
        let mut first = None;
        for source in &self.sources {
            let Some(found) = source.lookup(cert, issuer) else {
                continue;
            };
            match self.fresh_at {
                None => return Some(found),
                Some(now) if ocsp_is_fresh(&found.der, cert, issuer, now) => return Some(found),
                Some(_) => {
                    if first.is_none() {
                        first = Some(found);
                    }
                }
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_lookup_by_id_and_python_name() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/gpu/nvidia/rims"
        );
        let src = DirRimSource::new(dir).unwrap();
        assert!(
            src.fetch("NV_GPU_VBIOS_1010_0200_882_96005E0001")
                .unwrap()
                .is_some()
        );
        assert!(
            src.fetch("NV_GPU_VBIOS_G520_0202_885_96006D0008")
                .unwrap()
                .is_some()
        );
        assert!(src.fetch("NV_GPU_DRIVER_GH100_1.2.3").unwrap().is_none());
        assert!(src.fetch("../etc/passwd").is_err());
        assert!(DirRimSource::new("/nonexistent/ccverify").is_err());
    }

    struct Failing;
    impl RimSource for Failing {
        fn fetch(&self, _rim_id: &str) -> Result<Option<Vec<u8>>, String> {
            Err("unreachable".into())
        }
        fn describe(&self) -> String {
            "failing".into()
        }
    }

    #[test]
    fn rim_chain_order_and_errors() {
        let mut a = MemoryRimSource::new();
        a.insert("A", b"from a".to_vec());
        let mut b = MemoryRimSource::new();
        b.insert("A", b"from b".to_vec());
        b.insert("B", b"from b".to_vec());
        let chain = ChainRimSource::new().with(a).with(Failing).with(b);
        assert_eq!(chain.len(), 3);
        assert_eq!(chain.fetch("A").unwrap().unwrap(), b"from a");
        // A failing source does not hide a later one.
        assert_eq!(chain.fetch("B").unwrap().unwrap(), b"from b");
        // Not found anywhere, but one source failed: the failure is reported.
        assert_eq!(chain.fetch("C").unwrap_err(), "unreachable");
        assert_eq!(
            chain.describe(),
            "1 RIM(s) in memory, then failing, then 2 RIM(s) in memory"
        );
        let plain = ChainRimSource::new().with(MemoryRimSource::new());
        assert!(plain.fetch("C").unwrap().is_none());
        assert!(ChainRimSource::new().is_empty());
        assert_eq!(ChainRimSource::new().describe(), "no RIM source");
    }

    #[test]
    fn ocsp_chain_prefers_fresh_responses() {
        use crate::gpu::ocsp::{MemoryOcspSource, OcspSource};
        use crate::x509::Certificate;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/gpu/ocsp/");
        let read = |n: &str| std::fs::read(format!("{dir}{n}")).unwrap();
        let cert = |n: &str| Certificate::from_pem_bundle(&read(n)).unwrap().remove(0);
        let (leaf, inter, root) = (
            cert("pki/leaf.pem"),
            cert("pki/intermediate.pem"),
            cert("pki/root.pem"),
        );
        let index: serde_json::Value = serde_json::from_slice(&read("index.json")).unwrap();
        let now = index["now"].as_i64().unwrap();
        let stale = read("responses/stale.der");
        let good = read("responses/good_issuer.der");
        let mem = |der: &Vec<u8>| MemoryOcspSource::new(vec![der.clone()]);

        let first = ChainOcspSource::new().with(mem(&stale)).with(mem(&good));
        assert_eq!(first.lookup(&leaf, &inter).unwrap().der, stale);
        let fresh = ChainOcspSource::new()
            .with(mem(&stale))
            .with(mem(&good))
            .fresh_at(now);
        assert_eq!(fresh.lookup(&leaf, &inter).unwrap().der, good);
        // Nothing fresh: the first response found, so the verdict can say it is stale.
        let only_stale = ChainOcspSource::new()
            .with(crate::gpu::ocsp::NoOcsp)
            .with(mem(&stale))
            .fresh_at(now);
        assert_eq!(only_stale.lookup(&leaf, &inter).unwrap().der, stale);
        let later = ChainOcspSource::new()
            .with(mem(&good))
            .with(mem(&stale))
            .fresh_at(now + 30 * 86_400);
        assert_eq!(later.lookup(&leaf, &inter).unwrap().der, good);
        // No source knows the pair.
        assert!(fresh.lookup(&inter, &root).is_none());
        assert!(ChainOcspSource::new().lookup(&leaf, &inter).is_none());
        assert_eq!(fresh.len(), 2);
    }
}
