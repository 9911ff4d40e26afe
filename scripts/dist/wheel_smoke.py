"""wheel_smoke.py REPO: the installed wheel verifies a recorded exchange and refuses a tampered one.

make test-python runs the whole suite under the machine's Python; this short check runs under
the other CPython versions it finds (the abi3 floor, 3.9, and the newest), each in a fresh venv
holding nothing but the wheel, so the `cp39-abi3` tag is exercised at both ends.
"""

import json
import pathlib
import sys

import ccverify

ex = pathlib.Path(sys.argv[1]) / "examples" / "exchanges" / "01-n1_plain"
request = (ex / "request.json").read_bytes()
response = (ex / "response.json").read_bytes()
headers = json.loads((ex / "headers.json").read_text())
address = (ex / "expected_address.txt").read_text().strip()

genuine = ccverify.verify_response(request, response, headers, expected_address=address)
tampered = ccverify.verify_response(
    request, response.replace(b"Hello", b"Jello", 1), headers, expected_address=address
)
failed = {c.id for c in tampered.checks if c.status == "fail"}
if not genuine.verified or tampered.verified or "response.response_hash" not in failed:
    sys.exit(f"wheel-smoke: wrong verdicts under {sys.version.split()[0]}: {genuine.verified} {failed}")
try:
    ccverify.normalize_nonce("")
    sys.exit("wheel-smoke: an empty nonce was accepted")
except ccverify.InvalidNonceError as e:
    assert e.code == "invalid_nonce", e.code
# The audit without pyarrow (this venv holds nothing but the wheel): dicts in, dicts out.
from ccverify.audit import Auditor  # noqa: E402

record = {"id": "a", "request": request, "response": response, "headers": headers, "address": address}
rows = Auditor().verify_rows([record, {**record, "response": response.replace(b"Hello", b"Jello", 1)}])
if [r["verified"] for r in rows.to_pylist()] != [True, False]:
    sys.exit(f"wheel-smoke: wrong audit rows: {rows.to_pylist()}")
try:
    import pyarrow  # noqa: F401

    sys.exit("wheel-smoke: pyarrow is installed; this check is of the wheel alone")
except ImportError:
    pass
print(f"wheel-smoke: Python {sys.version.split()[0]}: genuine verified, tampered refused, audit without pyarrow")
