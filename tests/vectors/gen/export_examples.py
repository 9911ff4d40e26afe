"""Export a few shared vectors as plain files for `make demo` and the README examples.

Usage: python export_examples.py [VECTORS_DIR] [OUT_DIR]
Each example folder holds exactly what a client has after one exchange: request.json, then
response.json + headers.json (plain) or stream.sse (streamed), and expected_address.txt (the
attested signing address), plus description.txt.
"""

import base64
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = [
    "n1_plain",
    "n_body_tampered",
    "sig_other_response",
    "sig_foreign_key_header_attested",
    "s1_stream_a5",
    "s_spliced_mid_line",
    "s_tampered_delta",
    "s_missing_block",
]


def main() -> None:
    vectors = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "vectors"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "examples" / "exchanges"
    if out.exists():
        shutil.rmtree(out)
    for n, case_id in enumerate(EXAMPLES, 1):
        case = json.loads((vectors / "exchange" / f"{case_id}.json").read_text())
        d = out / f"{n:02d}-{case_id}"
        d.mkdir(parents=True)
        (d / "request.json").write_bytes(base64.b64decode(case["request_b64"]))
        if case["kind"] == "response":
            (d / "response.json").write_bytes(base64.b64decode(case["response_b64"]))
            (d / "headers.json").write_text(json.dumps(case["headers"], indent=2) + "\n")
        else:
            (d / "stream.sse").write_bytes(base64.b64decode(case["stream_b64"]))
        (d / "expected_address.txt").write_text((case["expected_address"] or "") + "\n")
        (d / "description.txt").write_text(case["description"] + "\n")


if __name__ == "__main__":
    main()
