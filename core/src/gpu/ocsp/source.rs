//! Where responses come from: a directory, memory, or nowhere.

use super::*;

/// An OCSP response obtained for one certificate, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspFetched {
    /// The DER `OCSPResponse`.
    pub der: Vec<u8>,
    /// The nonce the request carried, if the response was fetched live with one; `None` for
    /// cached responses.
    pub sent_nonce: Option<Vec<u8>>,
}

/// Where OCSP responses come from: a cache, memory, or (in `ccverify-net`) a
/// live responder. Implementations must be cheap to call repeatedly and must not verify:
/// [`verify_response`] does.
pub trait OcspSource: Send + Sync {
    /// A response about `cert` issued by `issuer`, or `None` if this source has none.
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched>;
}

/// A source that never has a response (revocation is then reported as not checked).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoOcsp;

impl OcspSource for NoOcsp {
    fn lookup(&self, _cert: &Certificate, _issuer: &Certificate) -> Option<OcspFetched> {
        None
    }
}

/// Responses indexed by every `CertID` they contain.
#[derive(Clone, Debug, Default)]
pub(super) struct ResponseIndex {
    blobs: Vec<Vec<u8>>,
    /// CertID → (blob index, thisUpdate of that SingleResponse).
    by_id: HashMap<CertId, (usize, i64)>,
    algorithms: Vec<HashAlgorithm>,
}

impl ResponseIndex {
    /// Parses and indexes one response. When two responses cover the same `CertID`, the one
    /// with the later `thisUpdate` wins (the earlier-added one on a tie).
    fn add(&mut self, der: Vec<u8>) -> Result<(), String> {
        let parsed = parse_response(&der).map_err(|e| e.to_string())?;
        let Some(basic) = parsed.basic else {
            return Err(format!(
                "responseStatus {}: nothing to index",
                parsed.status.name()
            ));
        };
        if basic.responses.is_empty() {
            return Err("no SingleResponse".into());
        }
        let slot = self.blobs.len();
        self.blobs.push(der);
        for single in basic.responses {
            if !self.algorithms.contains(&single.cert_id.hash) {
                self.algorithms.push(single.cert_id.hash);
                self.algorithms.sort();
            }
            let newer = self
                .by_id
                .get(&single.cert_id)
                .is_none_or(|&(_, this_update)| single.this_update > this_update);
            if newer {
                self.by_id
                    .insert(single.cert_id, (slot, single.this_update));
            }
        }
        Ok(())
    }

    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.algorithms
            .iter()
            .filter_map(|&hash| self.by_id.get(&CertId::new(cert, issuer, hash)))
            .max_by_key(|&&(slot, this_update)| (this_update, std::cmp::Reverse(slot)))
            .and_then(|&(slot, _)| self.blobs.get(slot))
            .map(|der| OcspFetched {
                der: der.clone(),
                sent_nonce: None,
            })
    }
}

/// Cached DER OCSP responses read once from a directory.
///
/// At construction every regular file named `*.der` or `*.ocsp` (any letter case) is read, in
/// file-name order, and every `SingleResponse` in it indexed by its `CertID`. Other files are
/// ignored; unreadable, oversized or unparsable files, and responses that are not
/// `successful`, are skipped and reported by [`DirOcspSource::warnings`]. Nothing is verified
/// here. A lookup recomputes the `CertID` of (cert, issuer) with each hash algorithm present;
/// if several responses match, the one with the latest `thisUpdate` is returned.
#[derive(Clone, Debug)]
pub struct DirOcspSource {
    dir: PathBuf,
    index: ResponseIndex,
    warnings: Vec<String>,
}

impl DirOcspSource {
    /// Reads `dir`. Fails only if the directory itself cannot be listed.
    pub fn new(dir: impl AsRef<Path>) -> std::io::Result<DirOcspSource> {
        let dir = dir.as_ref().to_path_buf();
        let mut warnings = Vec::new();
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    let wanted = path.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                        x.eq_ignore_ascii_case("der") || x.eq_ignore_ascii_case("ocsp")
                    });
                    if wanted && path.is_file() {
                        paths.push(path);
                    }
                }
                Err(e) => warnings.push(format!("{}: {e}", dir.display())),
            }
        }
        paths.sort();
        if paths.len() > MAX_CACHE_FILES {
            warnings.push(format!(
                "{}: {} response files, only the first {MAX_CACHE_FILES} were read",
                dir.display(),
                paths.len()
            ));
            paths.truncate(MAX_CACHE_FILES);
        }
        let mut index = ResponseIndex::default();
        for path in paths {
            let label = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let result = read_limited(&path).and_then(|der| index.add(der));
            if let Err(why) = result {
                warnings.push(format!("{label}: {why}"));
            }
        }
        Ok(DirOcspSource {
            dir,
            index,
            warnings,
        })
    }

    /// Files that were skipped, each as `"<file name>: <reason>"`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many responses were indexed.
    pub fn len(&self) -> usize {
        self.index.blobs.len()
    }

    /// Whether no response was indexed.
    pub fn is_empty(&self) -> bool {
        self.index.blobs.is_empty()
    }

    /// The directory this source was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

pub(super) fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut der = Vec::new();
    let limit = u64::try_from(MAX_RESPONSE_LEN).unwrap_or(u64::MAX);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut der)
        .map_err(|e| e.to_string())?;
    if der.len() > MAX_RESPONSE_LEN {
        return Err(format!("larger than {MAX_RESPONSE_LEN} bytes"));
    }
    Ok(der)
}

impl OcspSource for DirOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.index.lookup(cert, issuer)
    }
}

/// DER OCSP responses held in memory (for example stapled next to the evidence), indexed like
/// [`DirOcspSource`].
#[derive(Clone, Debug, Default)]
pub struct MemoryOcspSource {
    index: ResponseIndex,
    warnings: Vec<String>,
}

impl MemoryOcspSource {
    /// Indexes `blobs`. Blobs that do not parse, or are not `successful`, are skipped and
    /// reported by [`MemoryOcspSource::warnings`] as `"#<position>: <reason>"`.
    pub fn new(blobs: Vec<Vec<u8>>) -> MemoryOcspSource {
        let mut index = ResponseIndex::default();
        let mut warnings = Vec::new();
        for (i, der) in blobs.into_iter().enumerate() {
            if let Err(why) = index.add(der) {
                warnings.push(format!("#{i}: {why}"));
            }
        }
        MemoryOcspSource { index, warnings }
    }

    /// Blobs that were skipped, with the reason.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How many responses were indexed.
    pub fn len(&self) -> usize {
        self.index.blobs.len()
    }

    /// Whether no response was indexed.
    pub fn is_empty(&self) -> bool {
        self.index.blobs.is_empty()
    }
}

impl OcspSource for MemoryOcspSource {
    fn lookup(&self, cert: &Certificate, issuer: &Certificate) -> Option<OcspFetched> {
        self.index.lookup(cert, issuer)
    }
}
