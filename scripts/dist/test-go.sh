#!/usr/bin/env bash
# test-go.sh SDK.tar.gz GOMOD.tar.gz REPO: the Go module against the C SDK, as a user builds it
# (make test-go runs this through scripts/without-rust).
#  1. The C SDK is unpacked into a temporary prefix; cgo finds it through pkg-config alone.
#  2. go vet and the module's own tests, in the unpacked module tarball (the shared vectors from
#     CCVERIFY_ROOT, the client against sandboxes), with Go's default -mod=readonly.
#  3. A consumer module outside the repository requires the module, replaced by the unpacked
#     module tarball, and its tests verify a recorded exchange and a tampered copy.
set -euo pipefail
sdk=$1 gomod=$2 repo=$3
work=$(mktemp -d); trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/prefix" "$work/module"
tar -xzf "$sdk" -C "$work/prefix" --strip-components=1 --no-same-owner
tar -xzf "$gomod" -C "$work/module" --strip-components=1 --no-same-owner
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" LD_LIBRARY_PATH="$work/prefix/lib" CGO_ENABLED=1
export CCVERIFY_ROOT="$repo" CCVERIFY_BIN="${CCVERIFY_BIN:-$repo/target/debug/ccverify}"
unset GOFLAGS

echo "test-go: the unpacked module, against the C SDK ($(pkg-config --modversion ccverify))"
( cd "$work/module" && go vet ./... && go test -count=1 ./... )

echo "test-go: a consumer module outside the repository, through replace"
consumer="$work/consumer"
cp -r "$repo/tests/go-consumer" "$consumer"
( cd "$consumer" && go mod edit -replace "github.com/ccverify/ccverify/go=$work/module" \
  && go vet ./... && go test -count=1 -v ./... )
