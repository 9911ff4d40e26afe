//! Writes the test PKI's public roots where ccverify compiles them in
//! (`core/src/testroots/`) and the synthetic TDX conformance inputs
//! (`tests/vectors/tdx/testpki/`). Usage: `gen-test-pki [REPO_ROOT]` (default: the current
//! directory). Everything is deterministic, so a run on a clean tree changes nothing.

use std::path::PathBuf;

fn main() {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let roots = ccverify_testpki::root_files()
        .into_iter()
        .map(|(n, pem)| (n, pem.into_bytes()));
    write(&root.join("core/src/testroots"), roots);
    write(
        &root.join("tests/vectors/tdx/testpki"),
        ccverify_testpki::tdx_vector_files(),
    );
}

fn write(dir: &std::path::Path, files: impl IntoIterator<Item = (&'static str, Vec<u8>)>) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("gen-test-pki: {}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("gen-test-pki: {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
    }
}
