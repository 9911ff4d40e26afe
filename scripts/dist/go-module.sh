#!/usr/bin/env bash
# go-module.sh VERSION OUTDIR: the Go module's source, ccverify-go-VERSION.tar.gz, unpacked and
# used through a `replace` until the module is published (its cgo flags come from pkg-config,
# so it needs the C SDK, not this repository). Its tests read the shared vectors from
# CCVERIFY_ROOT.
set -euo pipefail
version=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
name="ccverify-go-$version"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
install -d "$work/$name"
install -m 644 "$root"/go/go.mod "$root"/go/*.go "$root"/go/README.md "$root/LICENSE" "$work/$name/"
if [ -f "$root/go/go.sum" ]; then install -m 644 "$root/go/go.sum" "$work/$name/"; fi
mkdir -p "$out"
"$root/scripts/dist/tarball.sh" "$out/$name.tar.gz" "$work" "$name"
echo "dist: $out/$name.tar.gz"
