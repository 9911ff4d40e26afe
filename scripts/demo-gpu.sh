#!/usr/bin/env bash
# make demo, part 2: verify NVIDIA's real H100 evidence (from nv-local-gpu-verifier 2.7.3) in an
# io.net `gpu` object, offline, genuine and tampered, and contrast each verdict with the nonce
# check the io.net docs show (the JSON echo starts with your nonce).
set -euo pipefail
bin=${1:-target/debug/ccverify}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nonce=931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb
# Extract a few shared conformance cases as plain files.
python3 - "$root/tests/vectors/gpu/cases.json" "$work" <<'PY'
import json, sys
cases = {c["name"]: c for c in json.load(open(sys.argv[1]))["cases"]}
for name in ["sample_no_rims", "flip_measurement_block_1", "flip_request_nonce", "chain_foreign_root"]:
    open(f"{sys.argv[2]}/{name}.json", "w").write(cases[name]["gpu"])
PY
summary=()
run() { # name, description, file, extra args...
  local name=$1 about=$2 file=$3; shift 3
  echo "=== $name"
  echo "    $about"
  set +e
  "$bin" verify-gpu "$file" --nonce "$nonce" --offline "$@" | sed 's/^/    /'
  local code=${PIPESTATUS[0]}
  set -e
  if [ "$code" -gt 1 ]; then echo "ccverify failed to run (exit $code)" >&2; exit "$code"; fi
  local docs
  docs=$(python3 -c 'import json,sys; print("accept" if json.load(open(sys.argv[1])).get("nonce","").startswith(sys.argv[2]) else "reject")' "$file" "$nonce")
  summary+=("$(printf '%-34s %-14s %s' "$name" "$([ "$code" -eq 0 ] && echo VERIFIED || echo 'NOT VERIFIED')" "$docs")")
  echo
}
run genuine-offline "NVIDIA's real report and chain; no RIMs or OCSP offline, so only the report checks can pass" \
  "$work/sample_no_rims.json" --at 2024-06-01T00:00:00Z
run genuine-relaxed "the same with a policy that accepts missing RIMs and OCSP as warnings" \
  "$work/sample_no_rims.json" --at 2024-06-01T00:00:00Z --allow-no-rims --allow-no-ocsp --expect-gpus 1
run genuine-wrong-rims "real NVIDIA RIMs for other versions: version and measurement mismatches, with indices" \
  "$work/sample_no_rims.json" --at 2024-06-01T00:00:00Z --rim-dir "$root/tests/vectors/gpu/rimdirs/mismatched"
run rims-expired-today "the same RIMs today: their signer chain expired on 2026-11-11" \
  "$work/sample_no_rims.json" --rim-dir "$root/tests/vectors/gpu/rimdirs/mismatched"
run tampered-measurement "one measurement byte changed: the report signature breaks" \
  "$work/flip_measurement_block_1.json" --at 2024-06-01T00:00:00Z --allow-no-rims --allow-no-ocsp
run replayed-other-nonce "the report carries another nonce, the JSON echo is yours" \
  "$work/flip_request_nonce.json" --at 2024-06-01T00:00:00Z --allow-no-rims --allow-no-ocsp
run foreign-root "the chain ends in a root that is not NVIDIA's device root" \
  "$work/chain_foreign_root.json" --at 2024-06-01T00:00:00Z --allow-no-rims --allow-no-ocsp
printf '%-34s %-14s %s\n' "GPU EVIDENCE" "CCVERIFY" "ECHO-ONLY NONCE CHECK (io.net docs)"
printf '%s\n' "${summary[@]}"
