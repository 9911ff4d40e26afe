# Python binding: the `ccverify` wheel built by maturin from python/ (package) and
# bindings/python/ (PyO3 crate). make dist-python (mk/dist.mk) builds the release abi3 wheel and
# the sdist into dist/; test-python installs that wheel into a fresh venv, without a Rust
# toolchain on PATH, and runs the suite against it — never the source tree.
#
# Build tools live in python/.venv (python/requirements-dev.txt); the suite's own needs are
# python/requirements-test.txt, installed into the fresh venv beside the wheel.

PY_PKG  := python
PY_VENV := $(PY_PKG)/.venv
PY_VPY  := $(PY_VENV)/bin/python
PY_TEST_VENV := $(CURDIR)/target/install/python

.PHONY: test-python python-cli

# The client tests (test_client.py, test_openai.py) talk to a real `ccverify sandbox` process:
# the CLI binary, target/debug/ccverify (CCVERIFY_BIN overrides the path the tests use).
python-cli:
	$(CARGO) build -p ccverify-cli

$(PY_VENV)/.stamp: $(PY_PKG)/requirements-dev.txt $(PY_PKG)/requirements-test.txt
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VPY) -m pip install --quiet --disable-pip-version-check -r $(PY_PKG)/requirements-dev.txt
	touch $@

# The wheel goes in with --no-index --no-deps: it must install as it is, from the file. pytest
# runs from python/tests with --import-mode=importlib (pyproject.toml), so `import ccverify` is
# the installed wheel, and its exit status is never masked: "no tests collected" (5) fails the
# target like any failure. Caches go to the venv: nothing is written into the source tree.
test-python: dist-python python-cli ## Python: a fresh venv without Rust installs the dist/ wheel; pytest, mypy stubtest, typed tests
	scripts/without-rust scripts/dist/test-python.sh $(PY_TEST_VENV) $(DIST) $(VERSION)

BINDING_TESTS += test-python
