#!/usr/bin/env bash
# make demo, part 3: verify real Intel TDX quotes (dcap-qvl 0.7.1's samples) with their Intel
# collateral at pinned times, genuine and tampered, and show what the verdict proves.
set -euo pipefail
bin=${1:-target/debug/ccverify}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$root/tests/vectors/tdx/cases.json" "$work" <<'PY'
import json, sys
cases = {c["name"]: c for c in json.load(open(sys.argv[1]))["cases"]}
for name in ["v4_uptodate", "v5_td15ex_uptodate", "v4_wrong_nonce", "v4_flip_report_data",
             "v4_after_window", "outdated_sample", "policy_mrtd_other", "agent_error_string"]:
    c = cases[name]
    open(f"{sys.argv[2]}/{name}.quote", "w").write(c["quote"])
    exp = c["expected_report_data"] or {}
    args = [f"--collateral={sys.argv[1].rsplit('/', 1)[0]}/{c['collateral']}", f"--at={c['at']}"]
    if "nonce" in exp: args.append(f"--nonce={exp['nonce']}")
    if "report_data" in exp: args.append(f"--report-data={exp['report_data']}")
    if c["policy"]:
        open(f"{sys.argv[2]}/{name}.policy.json", "w").write(json.dumps(c["policy"]))
        args.append(f"--policy={sys.argv[2]}/{name}.policy.json")
    open(f"{sys.argv[2]}/{name}.args", "w").write("\n".join(args) + "\n")
    open(f"{sys.argv[2]}/{name}.about", "w").write(c["about"])
PY
summary=()
for name in v4_uptodate v5_td15ex_uptodate v4_wrong_nonce v4_flip_report_data v4_after_window outdated_sample policy_mrtd_other agent_error_string; do
  echo "=== $name"
  echo "    $(cat "$work/$name.about")"
  mapfile -t args < "$work/$name.args"
  set +e
  "$bin" verify-tdx --offline --quote "$work/$name.quote" "${args[@]}" | sed 's/^/    /'
  code=${PIPESTATUS[0]}
  set -e
  if [ "$code" -gt 1 ]; then echo "ccverify failed to run (exit $code)" >&2; exit "$code"; fi
  summary+=("$(printf '%-28s %s' "$name" "$([ "$code" -eq 0 ] && echo VERIFIED || echo 'NOT VERIFIED')")")
  echo
done
printf '%-28s %s\n' "TDX QUOTE" "CCVERIFY"
printf '%s\n' "${summary[@]}"
