#!/usr/bin/env bash
# Generates the Swift package sources from the built UniFFI library into OUT (default swift/).
# Usage: scripts/gen-swift.sh LIBRARY [OUT]
set -euo pipefail
lib=$1
out=${2:-swift}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run -q -p uniffi-bindgen -- generate --library "$lib" --language swift --out-dir "$tmp" --no-format
mkdir -p "$out/Sources/CCVerify" "$out/Sources/ccverifyFFI"
cp "$tmp/CCVerify.swift" "$out/Sources/CCVerify/CCVerify.swift"
cp "$tmp/ccverifyFFI.h" "$out/Sources/ccverifyFFI/ccverifyFFI.h"
# SwiftPM's system-library target wants module.modulemap; link the Rust library by name.
sed 's|^}$|    link "ccverify_uniffi"\n}|' "$tmp/ccverifyFFI.modulemap" > "$out/Sources/ccverifyFFI/module.modulemap"
