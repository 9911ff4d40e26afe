//! Gives the shared library the SONAME its C SDK installs it under.
//!
//! The cdylib is built as `libccverify_ffi.so`; the C SDK (`make dist-c`) ships it as
//! `libccverify.so.<version>` with the links `libccverify.so.<abi>` and `libccverify.so`. The
//! SONAME is the ABI name, cargo-c's convention: `libccverify.so.<major>` from 1.0 on,
//! `libccverify.so.0.<minor>` before (in 0.x a minor release may break the ABI). Programs
//! linked against the SDK then load the ABI they were built for.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" || target_os == "android" || target_os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libccverify.so.{abi}");
    }
}
