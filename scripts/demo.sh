#!/usr/bin/env bash
# make demo: verify the bundled signed exchanges (genuine and tampered, plain and streamed)
# offline, and contrast each verdict with what the io.net docs' sample code checks (the
# signer only).
set -euo pipefail
bin=${1:-target/debug/ccverify}
root=$(cd "$(dirname "$0")/.." && pwd)
summary=()
for dir in "$root"/examples/exchanges/*/; do
  name=$(basename "$dir")
  addr=$(tr -d '\n' < "$dir/expected_address.txt")
  echo "=== $name"
  echo "    $(cat "$dir/description.txt")"
  if [ -f "$dir/stream.sse" ]; then
    args=(verify-stream --request "$dir/request.json" --stream "$dir/stream.sse")
  else
    args=(verify-response --request "$dir/request.json" --response "$dir/response.json" --headers "$dir/headers.json")
  fi
  set +e
  "$bin" "${args[@]}" --expect-address "$addr" | sed 's/^/    /'
  code=${PIPESTATUS[0]}
  json=$("$bin" "${args[@]}" --expect-address "$addr" --json)
  set -e
  if [ "$code" -gt 1 ]; then echo "ccverify failed to run (exit $code)" >&2; exit "$code"; fi
  signer_only=$(printf '%s' "$json" | python3 -c '
import json, sys
v = json.load(sys.stdin)
ok = {c["id"]: c["status"] for c in v["checks"]}.get("response.signer") == "pass"
print("accept" if ok else "reject")')
  verdict=$([ "$code" -eq 0 ] && echo "VERIFIED" || echo "NOT VERIFIED")
  summary+=("$(printf '%-40s %-14s %s' "$name" "$verdict" "$signer_only")")
  echo
done
printf '%-40s %-14s %s\n' "EXAMPLE" "CCVERIFY" "SIGNER-ONLY CHECK (io.net docs)"
printf '%s\n' "${summary[@]}"
