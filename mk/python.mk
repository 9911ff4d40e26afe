# Python binding: the `ccverify` wheel built by maturin from python/ (package) and
# bindings/python/ (PyO3 crate), tested as installed — never from the source tree.
#
# Tools live in their own venv, python/.venv, pinned in python/requirements-dev.txt.

PY_PKG  := python
PY_VENV := $(PY_PKG)/.venv
PY_VPY  := $(PY_VENV)/bin/python
# maturin builds with PyO3's extension-module settings (environment variables cargo does not
# hash into artefact names), so sharing target/debug with `cargo build --workspace` would
# rebuild pyo3-ffi and pyo3 on every switch. A target dir of its own avoids that (and the
# wait for target/'s lock) at the cost of building the dependencies once more.
PY_TARGET := $(CURDIR)/target/python

.PHONY: test-python python-cli

# The client tests (test_client.py, test_openai.py) talk to a real `ccverify sandbox` process:
# the CLI binary, target/debug/ccverify (CCVERIFY_BIN overrides the path the tests use).
python-cli:
	$(CARGO) build -p ccverify-cli

$(PY_VENV)/.stamp: $(PY_PKG)/requirements-dev.txt
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VPY) -m pip install --quiet --disable-pip-version-check -r $(PY_PKG)/requirements-dev.txt
	touch $@

# One shell, so the temporary wheel directory is removed whatever happens. The debug wheel is
# enough to test behaviour and builds much faster. pytest runs from python/tests with
# --import-mode=importlib (pyproject.toml), so `import ccverify` is the installed wheel, and its
# exit status is never masked: "no tests collected" (5) fails the target like any failure.
# Caches go to the venv or the temporary directory: nothing is written into the source tree.
test-python: $(PY_VENV)/.stamp python-cli ## Python binding: build the wheel, install it, run pytest and mypy (stubtest, typed tests)
	@set -euo pipefail; \
	dist=$$(mktemp -d); trap 'rm -rf "$$dist"' EXIT; \
	echo "test-python: building the wheel"; \
	( cd $(PY_PKG) && CARGO="$(CARGO)" .venv/bin/maturin build --quiet --strip \
		--interpreter .venv/bin/python --target-dir "$(PY_TARGET)" --out "$$dist" ); \
	$(PY_VPY) -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
		--force-reinstall "$$dist"/ccverify-*.whl; \
	cd $(PY_PKG)/tests; export MYPY_CACHE_DIR=../.venv/.mypy_cache PYTHONDONTWRITEBYTECODE=1; \
	../.venv/bin/python -m pytest -c ../pyproject.toml --rootdir .. . ; \
	echo "test-python: mypy stubtest of the installed package"; \
	( cd "$$dist" && $(CURDIR)/$(PY_VPY) -m mypy.stubtest ccverify ); \
	echo "test-python: mypy --strict on the tests (the stubs as a typed user sees them)"; \
	../.venv/bin/python -m mypy --config-file ../pyproject.toml .

BINDING_TESTS += test-python
