# Coverage-guided fuzzing (cargo-fuzz, libFuzzer, the nightly toolchain). The targets' bodies
# and oracles live in fuzz/src (crate ccverify-fuzz, also tested on stable over the seeds and
# past findings); fuzz/libfuzzer holds one thin binary per target.
FUZZ_DIR       := fuzz/libfuzzer
FUZZ_TARGETS   := $(sort $(basename $(notdir $(wildcard $(FUZZ_DIR)/fuzz_targets/*.rs))))
FUZZ_SECONDS   ?= 60
FUZZ_SMOKE_SECONDS ?= 5
# No sanitizer by default: the Rust code is memory-safe and panics are the oracles; set
# FUZZ_SANITIZER=address to also instrument the C in aws-lc.
FUZZ_SANITIZER ?= none
FUZZ_TOOLCHAIN ?= nightly
# Bounded work: an input inside the limits that takes seconds, or a memory blow-up, is a
# finding (a linear pass over the largest input takes milliseconds).
FUZZ_FLAGS     ?= -timeout=5 -rss_limit_mb=1536 -max_len=262144
CARGO_FUZZ     := $(CARGO) +$(FUZZ_TOOLCHAIN) fuzz

BINDING_TESTS += fuzz-smoke

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seeds cargo-fuzz

cargo-fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	@rustup toolchain list | grep -q '^$(FUZZ_TOOLCHAIN)' || rustup toolchain install $(FUZZ_TOOLCHAIN) --profile minimal

fuzz-build: cargo-fuzz
	$(CARGO_FUZZ) build --fuzz-dir $(FUZZ_DIR) --sanitizer $(FUZZ_SANITIZER)

# Runs every target for $(1) seconds: new inputs go to fuzz/corpus/<target> (not committed), the
# committed seeds and past findings are read too. Stops at the first finding (libFuzzer writes
# it under fuzz/libfuzzer/artifacts/<target>/; commit it to fuzz/regressions/<target>/ with the
# fix).
define fuzz_all
	@mkdir -p fuzz/corpus
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t fuzz/regressions/$$t; \
	  echo "fuzz: $$t for $(1) s"; \
	  $(CARGO_FUZZ) run --fuzz-dir $(FUZZ_DIR) --sanitizer $(FUZZ_SANITIZER) $$t \
	    fuzz/corpus/$$t fuzz/seeds/$$t fuzz/regressions/$$t -- \
	    -max_total_time=$(1) $(FUZZ_FLAGS) -print_final_stats=1 2>&1 \
	    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE|INFO: seed corpus|==[0-9]+==|SUMMARY|thread .* panicked|Test unit written)' ; \
	  test $${PIPESTATUS[0]} -eq 0 || { echo "fuzz: $$t found a defect (see fuzz/libfuzzer/artifacts/$$t)"; exit 1; }; \
	done
endef

fuzz-smoke: fuzz-build ## Every fuzz target for FUZZ_SMOKE_SECONDS (5) on the seeds and past findings (part of make test)
	$(call fuzz_all,$(FUZZ_SMOKE_SECONDS))
	@echo "fuzz-smoke: $(words $(FUZZ_TARGETS)) targets ran, no finding"

fuzz: fuzz-build ## Every fuzz target for FUZZ_SECONDS (60) each; FUZZ_TARGETS=... to choose
	$(call fuzz_all,$(FUZZ_SECONDS))
	@echo "fuzz: $(words $(FUZZ_TARGETS)) targets ran for $(FUZZ_SECONDS) s each, no finding"

fuzz-seeds: ## Rewrite fuzz/seeds from tests/vectors and the examples
	$(PYTHON) fuzz/seeds.py
