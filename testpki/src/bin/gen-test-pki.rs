//! Writes the test PKI's public roots where ccverify compiles them in
//! (`core/src/testroots/`). Usage: `gen-test-pki [REPO_ROOT]` (default: the current
//! directory). The roots are deterministic, so a run on a clean tree changes nothing.

use std::path::PathBuf;

fn main() {
    let root = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let dir = root.join("core/src/testroots");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-test-pki: {}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, pem) in ccverify_testpki::root_files() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, pem) {
            eprintln!("gen-test-pki: {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("wrote {}", path.display());
    }
}
