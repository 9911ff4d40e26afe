#!/usr/bin/env bash
# test-node.sh PROJECT DIST VERSION: an empty npm project installs the two tarballs (the main
# package and, as its optional dependency, the linux-x64-gnu addon), then proves what a user
# relies on: require and import both work and give one module, TypeScript resolves the types from
# CommonJS and ESM files, and the whole Node suite passes against the installed package (make
# test-node runs this through scripts/without-rust).
set -euo pipefail
proj=$1 dist=$2 version=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=$(cd "$dist" && pwd)
main="$dist/ccverify-ccverify-$version.tgz"
platform="$dist/ccverify-ccverify-linux-x64-gnu-$version.tgz"
dev() { node -p "require('$root/node/package.json').devDependencies['$1']"; }

rm -rf "$proj" && mkdir -p "$proj/test"
cd "$proj"
cat > package.json <<JSON
{ "name": "ccverify-install-test", "version": "0.0.0", "private": true }
JSON
echo "test-node: installing $(basename "$main") and $(basename "$platform") (no cargo, no rustc)"
npm install --no-audit --no-fund --loglevel=error "$main" "$platform" \
  "typescript@$(dev typescript)" "@types/node@$(dev @types/node)" "openai@$(dev openai)"
addon=node_modules/@ccverify/ccverify-linux-x64-gnu/ccverify.linux-x64-gnu.node
test -f "$addon" || { echo "test-node: the platform package did not install $addon"; exit 1; }
if ls node_modules/@ccverify/ccverify/*.node >/dev/null 2>&1; then
  echo "test-node: the main package carries a binary; it belongs in the platform package"; exit 1
fi
want=$(node -p "require('@ccverify/ccverify/package.json').optionalDependencies['@ccverify/ccverify-linux-x64-gnu']")
[ "$want" = "$version" ] || { echo "test-node: the main package wants the addon at $want, not $version"; exit 1; }

node -e "const c = require('@ccverify/ccverify'); if (c.normalizeNonce('AB'.repeat(32)) !== 'ab'.repeat(32)) process.exit(1)"
node --input-type=module -e "
import { normalizeNonce } from '@ccverify/ccverify'
import { COMPLETIONS_PATH } from '@ccverify/ccverify/fetch'
if (normalizeNonce('AB'.repeat(32)) !== 'ab'.repeat(32) || !COMPLETIONS_PATH) process.exit(1)"
echo "test-node: require() and import both load the installed addon"

cp "$root"/node/test/*.mjs "$root"/node/test/types.ts "$root"/node/test/esm-types.mts test/
cat > tsconfig.json <<JSON
{
  "compilerOptions": { "strict": true, "noEmit": true, "module": "nodenext",
    "moduleResolution": "nodenext", "target": "es2022", "types": ["node"], "skipLibCheck": false },
  "files": ["test/types.ts", "test/esm-types.mts"]
}
JSON
node_modules/.bin/tsc -p .
echo "test-node: the installed types check from a CommonJS .ts and an ESM .mts"

export CCVERIFY_ROOT="$root" CCVERIFY_EXPECT_NO_RUST=1
export CCVERIFY_BIN="${CCVERIFY_BIN:-$root/target/debug/ccverify}"
# A hung test (a server left listening) must fail this suite, never hold CI until its limit.
timeout --kill-after=30 1200 node --test --test-force-exit --test-timeout=300000 test/*.test.mjs
