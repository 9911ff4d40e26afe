"""Time the Python path io.net users have today on the same inputs as the Rust bench.

"Today" means what a careful Python client would do without ccverify: recompute both hashes
the agent signs (pydantic model + json.dumps for the request, json.loads + compact json.dumps
for the response) and recover the signer with eth_account. Prints the median per call.

Usage: python bench/python_baseline.py target/bench-inputs   (written by `cargo bench`)
"""

import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "vectors" / "gen"))

from eth_account import Account  # noqa: E402
from eth_account.messages import encode_defunct  # noqa: E402
from gen_vectors import CompletionRequest  # noqa: E402


def verify(request: bytes, response: bytes, headers: dict, expected: str) -> bool:
    req = CompletionRequest(**json.loads(request)).model_dump(exclude_none=True)
    req_hash = hashlib.sha256(json.dumps(req, separators=(",", ":")).encode()).hexdigest()
    resp = json.loads(response)
    resp_hash = hashlib.sha256(json.dumps(resp, separators=(",", ":")).encode()).hexdigest()
    text = headers["text"]
    signer = Account.recover_message(encode_defunct(text=text), signature=headers["signature"])
    return text == f"{req_hash}:{resp_hash}" and signer.lower() == expected.lower()


def median_us(fn, runs: int = 2000) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


def main() -> None:
    d = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench-inputs")
    request = (d / "request.json").read_bytes()
    response = (d / "response.json").read_bytes()
    headers = json.loads((d / "headers.json").read_text())
    expected = headers["signing_address"]
    assert verify(request, response, headers, expected), "baseline must accept the genuine exchange"
    recover = lambda: Account.recover_message(  # noqa: E731
        encode_defunct(text=headers["text"]), signature=headers["signature"]
    )
    print(f"python recover_message only          median {median_us(recover):8.1f} us")
    print(f"python full check (hashes + recover) median {median_us(lambda: verify(request, response, headers, expected)):8.1f} us")


if __name__ == "__main__":
    main()
