#!/usr/bin/env bash
# test-python.sh VENV DIST VERSION: installs the release wheel into a new venv and runs the
# Python suite against it (make test-python runs this through scripts/without-rust).
set -euo pipefail
venv=$1 dist=$2 version=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
wheel=$(ls "$(cd "$dist" && pwd)"/ccverify-"$version"-cp39-abi3-manylinux_*_x86_64.whl)
rm -rf "$venv"
python3 -m venv "$venv"
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check)
echo "test-python: installing $(basename "$wheel") into a new venv (no cargo, no rustc)"
"${pip[@]}" install --quiet --no-index --no-deps "$wheel"
"${pip[@]}" install --quiet -r "$root/python/requirements-test.txt"
export CCVERIFY_EXPECT_NO_RUST=1 MYPY_CACHE_DIR="$venv/.mypy_cache" PYTHONDONTWRITEBYTECODE=1
cd "$root/python/tests"
timeout --kill-after=30 1200 "$py" -m pytest -c ../pyproject.toml --rootdir .. .
echo "test-python: mypy stubtest of the installed package"
( cd "$venv" && "$py" -m mypy.stubtest ccverify )
echo "test-python: mypy --strict on the tests (the stubs as a typed user sees them)"
"$py" -m mypy --config-file ../pyproject.toml .

# The abi3 tag's two ends: the floor (3.9) and the newest CPython this machine has, if it has
# them (pyenv's; a machine with only its own Python runs the suite above and says so here).
for v in 3.9 3.13; do
  other=$(command -v "python$v" 2>/dev/null || true)
  if [ -z "$other" ] || ! "$other" -c 'import sys' >/dev/null 2>&1; then
    other=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | tail -n 1 || true)
  fi
  if [ -z "$other" ]; then echo "test-python: no Python $v here; the wheel's smoke check under it did not run"; continue; fi
  smoke="$venv-$v"
  rm -rf "$smoke" && "$other" -m venv "$smoke"
  "$smoke/bin/python" -m pip --disable-pip-version-check install --quiet --no-index --no-deps "$wheel"
  ( cd "$smoke" && bin/python "$root/scripts/dist/wheel_smoke.py" "$root" )
done
