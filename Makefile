# ccverify — the one source of commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO  ?= cargo
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
BIN    := target/debug/ccverify
# The one version: [workspace.package] in Cargo.toml (scripts/check_versions.py holds the rest to it).
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

.PHONY: help setup build lint test test-rust test-rust-pure bench-compare bench-readme-check test-cli vectors-check demo regen bench bench-nv bench-dcap bench-audit bench-python clean

# Each language binding brings its own targets in mk/<lang>.mk and appends its test target to
# BINDING_TESTS and its generator to BINDING_REGEN, so `make test` and `make regen` cover it.
BINDING_TESTS :=
BINDING_REGEN :=
# dist.mk last: its prerequisites name the other files' stamps.
include $(sort $(filter-out mk/dist.mk,$(wildcard mk/*.mk))) mk/dist.mk

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.stamp: tests/vectors/gen/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r tests/vectors/gen/requirements.txt
	touch $@

setup: $(VENV)/.stamp ## Create the Python venv the vector generator and benchmarks use

build: ## Build the library and the CLI
	$(CARGO) build --workspace

lint: ## rustfmt, clippy (warnings are errors) and one version in every manifest
	python3 scripts/check_versions.py
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p ccverify --no-default-features --features pure-rust --all-targets -- -D warnings

test-rust: test-rust-pure ## Rust unit, integration, property and vector tests (both crypto backends)
	$(CARGO) test --workspace

test-rust-pure: ## The core's whole suite on the pure-Rust crypto backend; its library links no aws-lc
	@if $(CARGO) tree -p ccverify --no-default-features --features pure-rust -e normal --prefix none | grep -q '^aws-lc'; then \
	  echo "the pure-rust build of ccverify still depends on aws-lc"; exit 1; fi
	$(CARGO) test -p ccverify --no-default-features --features pure-rust

test-cli: build ## The CLI contract (exit codes, --json) on the bundled examples
	$(CARGO) test -p ccverify-cli

vectors-check: setup ## Regenerate vectors and examples into a temp dir; fail if the committed ones drifted
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(VPY) tests/vectors/gen/gen_vectors.py "$$tmp/vectors" && \
	$(VPY) tests/vectors/gen/export_examples.py "$$tmp/vectors" "$$tmp/examples" && \
	for f in exchange canonical nonce.json eth.json; do diff -r "$$tmp/vectors/$$f" tests/vectors/$$f >/dev/null || { echo "tests/vectors/$$f drifted: run make regen"; exit 1; }; done && \
	$(VPY) tests/vectors/gen/gen_gpu_vectors.py "$$tmp/gpu" && \
	{ diff "$$tmp/gpu/cases.json" tests/vectors/gpu/cases.json >/dev/null || { echo "tests/vectors/gpu/cases.json drifted: run make regen"; exit 1; }; } && \
	$(VPY) tests/vectors/gen/gen_tdx_vectors.py "$$tmp/tdx" && \
	{ diff "$$tmp/tdx/cases.json" tests/vectors/tdx/cases.json >/dev/null || { echo "tests/vectors/tdx/cases.json drifted: run make regen"; exit 1; }; } && \
	{ diff -r "$$tmp/tdx/mutated" tests/vectors/tdx/mutated >/dev/null || { echo "tests/vectors/tdx/mutated drifted: run make regen"; exit 1; }; } && \
	$(VPY) tests/vectors/gen/gen_report_vectors.py "$$tmp/report" && \
	{ diff -r "$$tmp/report" tests/vectors/report >/dev/null || { echo "tests/vectors/report drifted: run make regen"; exit 1; }; } && \
	$(VPY) tests/vectors/gen/gen_audit_vectors.py "$$tmp/audit" && \
	{ diff -r "$$tmp/audit" tests/vectors/audit >/dev/null || { echo "tests/vectors/audit drifted: run make regen"; exit 1; }; } && \
	diff -r "$$tmp/examples" examples/exchanges >/dev/null || { echo "examples/exchanges drifted: run make regen"; exit 1; }; \
	echo "vectors-check: committed vectors and examples match the generator"

test: setup lint test-rust vectors-check bench-readme-check dist $(BINDING_TESTS) ## Everything CI runs: lint, every test suite, drift checks, the release artefacts installed and tested
	@echo "make test: every suite passed (make stops at the first failure)"
	@echo "suites: $(words lint test-rust vectors-check bench-readme-check dist $(BINDING_TESTS)) passed, 0 failed"

demo: build ## Offline, no API key: a verified test-PKI session and its faults, then real evidence (bundles, exchanges, GPU, TDX) genuine and tampered
	$(BIN) demo
	scripts/demo.sh $(BIN)
	scripts/demo-gpu.sh $(BIN)
	scripts/demo-tdx.sh $(BIN)

regen: setup $(BINDING_REGEN) ## Rewrite every generated artefact (vectors, examples, headers, stubs, the README check table)
	UPDATE_README=1 $(CARGO) test -p ccverify --test docs
	$(CARGO) run -q -p ccverify-testpki --bin gen-test-pki
	$(VPY) tests/vectors/gen/gen_vectors.py
	$(VPY) tests/vectors/gen/export_examples.py
	$(VPY) tests/vectors/gen/gen_gpu_vectors.py
	$(VPY) tests/vectors/gen/gen_tdx_vectors.py
	$(VPY) tests/vectors/gen/gen_report_vectors.py
	$(VPY) tests/vectors/gen/gen_audit_vectors.py

bench: setup ## Criterion benches, then the Python baseline on the same inputs
	$(VPY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(CARGO) bench -p ccverify --bench exchange
	$(CARGO) bench -p ccverify --bench exchange --features libsecp256k1 -- 'recover_signer_bare|verify_response_1k_4k'
	$(CARGO) bench -p ccverify --bench ratio
	$(CARGO) bench -p ccverify --bench ratio --features libsecp256k1
	$(VPY) bench/python_baseline.py target/bench-inputs
	$(CARGO) bench -p ccverify --bench gpu
	$(MAKE) bench-nv
	$(CARGO) bench -p ccverify --bench tdx
	$(CARGO) bench -p ccverify --bench report
	$(MAKE) bench-dcap

CMP_VENV := target/compare-venv
CMP_REQS := tests/vectors/gen/requirements.txt bench/requirements.txt bench/requirements-dcap.txt bench/requirements-nv.txt

$(CMP_VENV)/.stamp: $(CMP_REQS)
	python3.11 -m venv $(CMP_VENV)
	$(CMP_VENV)/bin/pip install --quiet --disable-pip-version-check $(addprefix -r ,$(CMP_REQS))
	touch $@

bench-compare: $(CMP_VENV)/.stamp ## ccverify beside eth_account, the dcap-qvl wheel and NVIDIA's verifier, interleaved; rewrites the README table
	@helper=$$($(CARGO) bench -p ccverify --bench compare --no-run --message-format=json 2>/dev/null \
	  | $(CMP_VENV)/bin/python -c 'import sys, json; [print(m["executable"]) for m in map(json.loads, sys.stdin) if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "compare" and m.get("executable")]'); \
	test -x "$$helper" || { echo "bench-compare: could not build core/benches/compare.rs"; exit 1; }; \
	$(CMP_VENV)/bin/python bench/compare.py --helper "$$helper" --write

bench-readme-check: ## The README performance table is what bench/results/compare.json renders to
	python3 bench/compare.py --check-readme

AUDIT_VENV := target/audit-bench-venv

bench-audit: dist-python ## Audit throughput on one generated data set: ccverify audit on one core and on all, Python's Arrow path, Spark local mode
	$(CARGO) build --release -p ccverify-cli
	test -x $(AUDIT_VENV)/bin/python || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
	$(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(DIST)/ccverify-$(VERSION)-cp39-abi3-manylinux_*_x86_64.whl
	$(AUDIT_VENV)/bin/python bench/audit_bench.py --cli target/release/ccverify --spark --json bench/results/audit.json

bench-dcap: ## The dcap-qvl PyPI wheel on the same TDX sample
	test -x target/dcap-venv/bin/python || $(PYTHON) -m venv target/dcap-venv
	target/dcap-venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements-dcap.txt
	target/dcap-venv/bin/python bench/dcap_qvl_python.py --runs 500

bench-nv: ## NVIDIA's Python verifier (nv-local-gpu-verifier 2.7.3) on its own sample, OCSP stubbed
	test -x target/nv-venv/bin/python || $(PYTHON) -m venv target/nv-venv
	target/nv-venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements-nv.txt
	target/nv-venv/bin/python bench/nv_reference.py --runs 30

clean: ## Remove build outputs, dist/ and the venv
	$(CARGO) clean
	rm -rf $(VENV) $(DIST)
