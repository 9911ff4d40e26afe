"""Time NVIDIA's reference GPU verifier (nv-local-gpu-verifier 2.7.3) in-process, offline.

Runs `verifier.cc_admin.attest()` on the package's own bundled Hopper sample (report + 5-cert
chain) with the two "test_no_gpu" RIMs, N times in one process after one warm-up, and prints
median / p10 / p90 in ms. The harness only imports and monkeypatches the package (the project's
NVIDIA GPU spec, sections 10-11, explains each patch):

  * OCSP: `CcAdminUtils.ocsp_certificate_chain_validation` returns "good" (no network here).
  * NVML ready-state calls are stubbed (there is no GPU; they are not expected to be reached).
  * `HopperSettings.DRIVER_RIM_PATH` is set, because 2.7.3 ignores the `--driver_rim` value.
  * OpenSSL verification time is pinned (default 2024-06-01) by making every
    `crypto.X509Store()` and `SSL.Context.get_cert_store()` call `set_time`, because the
    bundled RIM signing certificates have expired.

Every run (warm-up included) is checked afterwards: the report signature, the FWID, the nonce,
both RIMs' schema, cert chain and XML-DSig claims must be true, OCSP must have been consulted
for all three chains, and `measres` must be set, i.e. the run reached the measurement
comparison. Otherwise the script exits non-zero. Expected outcome: overall false (the bundled
RIMs do not match this report's driver/VBIOS versions or measurements).

Usage (from the repo root, with the venv described in bench/README-nv.md):
    target/nv-venv/bin/python bench/nv_reference.py [--runs N] [--json] [--verify-time YYYY-MM-DD|now]
                                                    [--no-debug-log]
"""

import argparse
import datetime
import json
import logging
import os
import platform
import re
import statistics
import sys
import tempfile
import time

PACKAGE = "nv-local-gpu-verifier"
EXPECTED_VERSION = "2.7.3"
# Request nonce inside samples/hopperAttestationReport.txt (the package's own BaseSettings.NONCE
# is a different value, which is why the stock --test_no_gpu run stops at the nonce check).
NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
DRIVER_RIM = "Driver_RIM_test_no_gpu.swidtag"
VBIOS_RIM = "1010_0200_882_96005E0001_test_no_gpu.swidtag"
# Golden indices that mismatch for this report and these two RIMs (spec section 10.1).
EXPECTED_MISMATCH = {
    "Firmware": [1, 2, 3, 9, 11],
    "Driver": [7, 21, 22, 25, 26, 27, 29, 30, 31, 32, 34, 36, 37, 39, 40],
}
# Claims (version 3.0) that must be true for the run to count as having done all the work.
REQUIRED_TRUE = [
    "x-nvidia-gpu-arch-check",
    "x-nvidia-gpu-attestation-report-parsed",
    "x-nvidia-gpu-attestation-report-cert-chain-fwid-match",
    "x-nvidia-gpu-attestation-report-nonce-match",
    "x-nvidia-gpu-attestation-report-signature-verified",
    "x-nvidia-gpu-driver-rim-fetched",
    "x-nvidia-gpu-driver-rim-schema-validated",
    "x-nvidia-gpu-driver-rim-signature-verified",
    "x-nvidia-gpu-driver-rim-measurements-available",
    "x-nvidia-gpu-vbios-rim-fetched",
    "x-nvidia-gpu-vbios-rim-schema-validated",
    "x-nvidia-gpu-vbios-rim-signature-verified",
    "x-nvidia-gpu-vbios-rim-measurements-available",
    "x-nvidia-gpu-vbios-index-no-conflict",
]
CERT_CHAIN_CLAIMS = [
    "x-nvidia-gpu-attestation-report-cert-chain",
    "x-nvidia-gpu-driver-rim-cert-chain",
    "x-nvidia-gpu-vbios-rim-cert-chain",
]
# Per-run claims that change every run and say nothing about the verification.
VOLATILE_CLAIMS = {"nbf", "exp", "iat", "jti"}
MISMATCH_LINE = re.compile(r"^\s*(\d+) \[(Firmware|Driver)\]\s*$")


def die(msg, code=2):
    print(f"nv_reference: {msg}", file=sys.stderr)
    sys.exit(code)


class Capture(logging.Handler):
    """Collects formatted log messages (used for failure diagnostics and the mismatch list)."""

    def __init__(self, level):
        super().__init__(level)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


class Harness:
    def __init__(self, verify_time, debug_log=True):
        self.verify_time = verify_time
        self.ocsp_calls = 0
        self.nvml_calls = []
        # verifier.config opens a DEBUG file log "verifier.log" in the current directory at
        # import time (and deletes any existing one there): import from a scratch directory so
        # the repo is not touched. The log keeps being written during the runs, as it would be
        # in real use.
        self.workdir = tempfile.TemporaryDirectory(prefix="nv-reference-")
        cwd = os.getcwd()
        os.chdir(self.workdir.name)
        try:
            import jwt
            from OpenSSL import SSL, crypto
            from verifier import cc_admin, config
            from verifier.cc_admin_utils import CcAdminUtils
            from verifier.nvml import NvmlHandler
            from verifier.utils.claims_utils import ClaimsUtils
        except ImportError as e:
            die(
                f"cannot import the reference verifier ({e}). Create the venv first:\n"
                "  python3.11 -m venv target/nv-venv && "
                "target/nv-venv/bin/pip install -r bench/requirements-nv.txt\n"
                "and run this script with target/nv-venv/bin/python"
            )
        finally:
            os.chdir(cwd)
        from importlib.metadata import version

        self.version = version(PACKAGE)
        if self.version != EXPECTED_VERSION:
            die(f"{PACKAGE} {self.version} is installed, this harness is for {EXPECTED_VERSION}")
        self.jwt, self.cc_admin, self.config = jwt, cc_admin, config
        self.ClaimsUtils = ClaimsUtils

        # The verifier prints its progress with a StreamHandler bound to sys.stdout at import:
        # keep the logging work but send it to /dev/null (terminal I/O would add noise, and
        # --json must print JSON only).
        self.devnull = open(os.devnull, "w")
        info_log = logging.getLogger("gpu-verifier-info")
        for h in info_log.handlers:
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
                h.setStream(self.devnull)
        # Errors from either logger explain a short-circuited run.
        self.errors = Capture(logging.ERROR)
        info_log.addHandler(self.errors)
        logging.getLogger("gpu-verifier-event").addHandler(self.errors)
        self.info_log = info_log
        if not debug_log:
            # Skip the ~500 DEBUG/INFO records per run that the package writes to verifier.log
            # (it has no switch for that); errors still reach the capture handler.
            logging.getLogger("gpu-verifier-event").setLevel(logging.ERROR)

        # Patch 1: OCSP (needs the network). Same return shape as the real method:
        # (chain ok, warning, ocsp status, revocation reason).
        def ocsp_good(cert_chain, settings, mode):
            self.ocsp_calls += 1
            return True, "", "good", None

        CcAdminUtils.ocsp_certificate_chain_validation = staticmethod(ocsp_good)

        # Patch 2: NVML ready-state calls (no GPU). With test_no_gpu and user_mode they should
        # not be reached; count them in case they are.
        def nvml_stub(name, value):
            def stub(*_args, **_kwargs):
                self.nvml_calls.append(name)
                return value

            return staticmethod(stub)

        NvmlHandler.get_gpu_ready_state = nvml_stub("get_gpu_ready_state", False)
        NvmlHandler.set_gpu_ready_state = nvml_stub("set_gpu_ready_state", None)
        NvmlHandler.is_cc_dev_mode = nvml_stub("is_cc_dev_mode", False)

        # Patch 3: 2.7.3 reads the driver RIM from HopperSettings.DRIVER_RIM_PATH (default "")
        # whatever --driver_rim says.
        samples = config.HopperSettings.RIM_DIRECTORY_PATH
        self.driver_rim = os.path.join(samples, DRIVER_RIM)
        self.vbios_rim = os.path.join(samples, VBIOS_RIM)
        for p in (self.driver_rim, self.vbios_rim):
            if not os.path.isfile(p):
                die(f"bundled sample RIM not found: {p}")
        config.HopperSettings.DRIVER_RIM_PATH = self.driver_rim

        # Patch 4: pin the OpenSSL verification time. The device chain and the signxml RIM
        # chain go through crypto.X509Store(); signxml builds its store with
        # SSL.Context(...).get_cert_store(), which does not run X509Store.__init__.
        if verify_time is not None:
            orig_init = crypto.X509Store.__init__
            orig_get_store = SSL.Context.get_cert_store

            def store_init(store, *a, **k):
                orig_init(store, *a, **k)
                store.set_time(verify_time)

            def get_cert_store(ctx):
                store = orig_get_store(ctx)
                if store is not None:
                    store.set_time(verify_time)
                return store

            crypto.X509Store.__init__ = store_init
            SSL.Context.get_cert_store = get_cert_store

        # What the CLI would pass (cc_admin.main builds this dict from argparse).
        self.args = {
            "verbose": False,
            "test_no_gpu": True,
            "driver_rim": self.driver_rim,
            "vbios_rim": self.vbios_rim,
            "user_mode": True,
            "allow_hold_cert": False,
            "service_key": None,
            "nonce": NONCE,
            "rim_root_cert": None,
            "rim_service_url": None,
            "ocsp_url": None,
            "ocsp_nonce_disabled": False,
            "claims_version": "3.0",
        }

    def reset(self):
        """Undo state that attest() leaves behind, so each run starts clean and its claims are
        its own: GPU_ARCHITECTURE_MAP holds ONE HopperSettings instance whose check results
        persist across calls, and cc_admin keeps module-level lists that grow every call."""
        self.config.GPU_ARCHITECTURE_MAP[9] = self.config.HopperSettings()
        for name in ("hwmodel", "oemid", "ueid", "gpu_driver_attestation_warning_list",
                     "gpu_vbios_attestation_warning_list"):
            getattr(self.cc_admin, name).clear()
        self.ocsp_calls = 0
        self.errors.lines.clear()

    def run_once(self, capture_info=False):
        self.reset()
        t0 = time.perf_counter()
        evidence = self.cc_admin.collect_gpu_evidence(NONCE, no_gpu_mode=True)
        t1 = time.perf_counter()
        info = None
        if capture_info:
            info = Capture(logging.INFO)
            self.info_log.addHandler(info)
        try:
            c2, t2 = time.process_time(), time.perf_counter()
            out = self.cc_admin.attest(self.args, NONCE, evidence)
            t3, c3 = time.perf_counter(), time.process_time()
        finally:
            if info is not None:
                self.info_log.removeHandler(info)
        return (t3 - t2) * 1e3, (c3 - c2) * 1e3, (t1 - t0) * 1e3, out, info

    def check(self, out):
        """Return (result, gpu claims) or exit non-zero if the run did not do all the work."""
        problems = []
        if not isinstance(out, tuple) or len(out) != 2:
            die(f"attest() returned {out!r}, expected (result, claims)", 3)
        result, detached = out
        try:
            overall = self.jwt.decode(detached[0][1], options={"verify_signature": False})
            gpu_tokens = detached[1]
        except Exception as e:  # noqa: BLE001
            die(f"cannot decode the claims attest() returned: {e}", 3)
        settings = self.config.GPU_ARCHITECTURE_MAP[9]
        if len(gpu_tokens) != 1:
            problems.append(f"expected claims for 1 GPU, got {len(gpu_tokens)} (an exception "
                            "aborted attest(); the claims below are rebuilt from its settings)")
            claims = self.ClaimsUtils.get_current_gpu_claims(settings)
        else:
            claims = self.jwt.decode(next(iter(gpu_tokens.values())),
                                     options={"verify_signature": False})
        for key in REQUIRED_TRUE:
            if claims.get(key) is not True:
                problems.append(f"{key} = {claims.get(key)!r} (want true)")
        for key in CERT_CHAIN_CLAIMS:
            chain = claims.get(key) or {}
            if chain.get("x-nvidia-cert-status") != "valid":
                problems.append(f"{key}.x-nvidia-cert-status = {chain.get('x-nvidia-cert-status')!r}")
            if chain.get("x-nvidia-cert-ocsp-status") != "good":
                problems.append(f"{key}.x-nvidia-cert-ocsp-status = "
                                f"{chain.get('x-nvidia-cert-ocsp-status')!r}")
        for name in ("check_if_gpu_attestation_report_cert_chain_validated",
                     "check_if_gpu_driver_rim_cert_chain_validated",
                     "check_if_gpu_vbios_rim_cert_chain_validated"):
            if getattr(settings, name)() is not True:
                problems.append(f"settings.{name}() = {getattr(settings, name)()!r}")
        if self.ocsp_calls != 3:
            problems.append(f"OCSP stub called {self.ocsp_calls} times (want 3: device, driver RIM, VBIOS RIM)")
        if claims.get("measres") not in ("success", "fail"):
            problems.append(f"measres = {claims.get('measres')!r}: the measurement comparison was not reached")
        if self.nvml_calls:
            problems.append(f"NVML stubs were called: {sorted(set(self.nvml_calls))}")
        if overall.get("x-nvidia-overall-att-result") != result:
            problems.append("overall claim disagrees with the returned result")
        if problems:
            msg = "the run short-circuited, refusing to report a time:\n  " + "\n  ".join(problems)
            if self.errors.lines:
                msg += "\nverifier errors:\n  " + "\n  ".join(
                    line.strip() for line in self.errors.lines[:10])
            die(msg, 3)
        return result, claims


def mismatch_indexes(lines):
    found = {"Firmware": [], "Driver": []}
    for line in lines:
        m = MISMATCH_LINE.match(line)
        if m:
            found[m.group(2)].append(int(m.group(1)))
    return found


def parse_time(value):
    if value == "now":
        return None
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError("want YYYY-MM-DD or 'now'") from None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="timed runs after one warm-up (default 30)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--verify-time", type=parse_time, default="2024-06-01",
                    help="OpenSSL verification time, YYYY-MM-DD (default 2024-06-01) or 'now' "
                         "(the bundled RIM certs have expired, so 'now' makes the check fail)")
    ap.add_argument("--no-debug-log", action="store_true",
                    help="do not let the package write its DEBUG event log (verifier.log, on by "
                         "default in the package and here); for a sensitivity figure only")
    opts = ap.parse_args()
    if opts.runs < 1:
        die("--runs must be >= 1")

    h = Harness(opts.verify_time, debug_log=not opts.no_debug_log)

    warm_ms, _, _, out, info = h.run_once(capture_info=True)
    result, claims = h.check(out)
    mismatched = mismatch_indexes(info.lines)
    warnings = []
    if result is not False or claims.get("measres") != "fail":
        warnings.append(f"unexpected outcome: result={result} measres={claims.get('measres')!r} "
                        "(expected false / 'fail')")
    if mismatched != EXPECTED_MISMATCH:
        warnings.append(f"mismatched indexes {mismatched} differ from the expected {EXPECTED_MISMATCH}")
    for key in ("x-nvidia-gpu-driver-rim-version-match", "x-nvidia-gpu-vbios-rim-version-match"):
        if claims.get(key) is not False:
            warnings.append(f"{key} = {claims.get(key)!r} (expected false)")

    samples, cpu, evidence = [], [], []
    for _ in range(opts.runs):
        ms, cpu_ms, ev_ms, out, _ = h.run_once()
        r, _ = h.check(out)
        if r != result:
            die(f"result changed between runs ({result} -> {r})", 3)
        samples.append(ms)
        cpu.append(cpu_ms)
        evidence.append(ev_ms)

    if len(samples) >= 2:
        deciles = statistics.quantiles(samples, n=10, method="inclusive")
        p10, p90 = deciles[0], deciles[-1]
    else:
        p10 = p90 = samples[0]
    median = statistics.median(samples)
    verify_time = opts.verify_time.strftime("%Y-%m-%d") if opts.verify_time else "now"

    for w in warnings:
        print(f"nv_reference: warning: {w}", file=sys.stderr)

    if opts.json:
        checks = {k: v for k, v in claims.items() if k not in VOLATILE_CLAIMS}
        print(json.dumps({
            "tool": PACKAGE,
            "version": h.version,
            "runs": opts.runs,
            "median_ms": round(median, 3),
            "p10_ms": round(p10, 3),
            "p90_ms": round(p90, 3),
            "min_ms": round(min(samples), 3),
            "max_ms": round(max(samples), 3),
            "warmup_ms": round(warm_ms, 3),
            "cpu_median_ms": round(statistics.median(cpu), 3),
            "timed": "verifier.cc_admin.attest() (evidence collection excluded)",
            "evidence_median_ms": round(statistics.median(evidence), 3),
            "result": result,
            "checks": checks,
            "mismatched_indexes": mismatched,
            "verify_time": verify_time,
            "ocsp": "stubbed good",
            "debug_log": not opts.no_debug_log,
            "python": platform.python_version(),
        }, indent=2))
    else:
        print(f"{PACKAGE} {h.version}: attest() in one process, {opts.runs} runs after 1 warm-up "
              f"(Python {platform.python_version()}, verification time {verify_time}, OCSP stubbed"
              f"{', debug log off' if opts.no_debug_log else ''})")
        print(f"  median {median:.2f} ms   p10 {p10:.2f} ms   p90 {p90:.2f} ms   "
              f"(min {min(samples):.2f}, max {max(samples):.2f}, warm-up {warm_ms:.2f})")
        print(f"  process CPU time median {statistics.median(cpu):.2f} ms; evidence collection "
              f"(not timed above) median {statistics.median(evidence):.2f} ms")
        print(f"  result {result}; reached the measurement comparison: measres={claims.get('measres')}; "
              f"mismatched Firmware {mismatched['Firmware']}, Driver {mismatched['Driver']}")


if __name__ == "__main__":
    main()
