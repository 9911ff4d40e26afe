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
}
