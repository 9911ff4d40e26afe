# Release artefacts. `make dist` writes into dist/ every package a user installs, all at the
# workspace's one version (scripts/check_versions.py fails the build when a manifest disagrees):
#
#   ccverify-VERSION-cp39-abi3-manylinux_*.whl, ccverify-VERSION.tar.gz   Python wheel and sdist
#   ccverify-ccverify-VERSION.tgz, ccverify-ccverify-linux-x64-gnu-VERSION.tgz   npm packages
#   ccverify-VERSION.jar, ccverify-VERSION.pom                            Maven (JNA resource inside)
#   ccverify-c-VERSION-linux-x86_64.tar.gz                                 C SDK (header, .so, .a, .pc)
#   ccverify-go-VERSION.tar.gz                                             Go module source
#   SHA256SUMS
#
# The release libraries are built once, by one cargo invocation (dist-lib): the C SDK and the Go
# module use target/release/libccverify_ffi.{so,a}, the jar target/release/libccverify_uniffi.so.
# napi and maturin then build only their glue crates into the same target/release (maturin's PyO3
# settings recompile PyO3 and the crates whose features it changes, not the rest).
#
# The install tests (test-c, test-go, test-python, test-node, test-kotlin) install these files,
# not the source tree, through scripts/without-rust.

DIST      := dist
DIST_WORK := target/dist
REL       := target/release
C_SDK     := $(DIST)/ccverify-c-$(VERSION)-linux-x86_64.tar.gz
GO_MOD    := $(DIST)/ccverify-go-$(VERSION).tar.gz
JAR       := $(DIST)/ccverify-$(VERSION).jar
POM       := $(DIST)/ccverify-$(VERSION).pom
NPM_MAIN  := $(DIST)/ccverify-ccverify-$(VERSION).tgz
NPM_PLATFORM := $(DIST)/ccverify-ccverify-linux-x64-gnu-$(VERSION).tgz
SDIST     := $(DIST)/ccverify-$(VERSION).tar.gz

.PHONY: dist dist-lib dist-c dist-go dist-jvm dist-node dist-python

dist: dist-c dist-go dist-jvm dist-node dist-python ## Every release artefact into dist/ (wheel + sdist, npm tarballs, jar, C SDK, Go module) with SHA256SUMS
	cd $(DIST) && rm -f SHA256SUMS && sha256sum $(notdir $(C_SDK) $(GO_MOD) $(JAR) $(POM) $(NPM_MAIN) $(NPM_PLATFORM) $(SDIST)) \
	  $$(ls ccverify-$(VERSION)-*.whl) > SHA256SUMS
	@echo "dist: $$(wc -l < $(DIST)/SHA256SUMS) artefacts at $(VERSION) in $(DIST)/"; cat $(DIST)/SHA256SUMS

dist-lib: ## The release libraries every artefact reuses (C ABI and UniFFI), built once
	python3 scripts/check_versions.py
	$(CARGO) build --release -p ccverify-ffi -p ccverify-uniffi

dist-c: dist-lib ## The C SDK tarball: ccverify.h, libccverify.so.VERSION (SONAME), libccverify.a, ccverify.pc, docs
	rm -f $(DIST)/ccverify-c-*.tar.gz
	scripts/dist/c-sdk.sh $(VERSION) $(REL) $(DIST)

dist-go: ## The Go module's source tarball (cgo flags from pkg-config: it builds against the C SDK)
	rm -f $(DIST)/ccverify-go-*.tar.gz
	scripts/dist/go-module.sh $(VERSION) $(DIST)

# The Kotlin sources are generated from the release library itself, which the jar carries as
# the JNA resource linux-x86-64/libccverify_uniffi.so (stripped): no jna.library.path needed.
# `clean` first, so a class whose generated source is gone cannot linger in the jar. The pom
# published beside it is the build pom reduced to what a consumer reads (coordinates, licence,
# runtime dependencies).
dist-jvm: dist-lib ## The Maven jar (Kotlin bindings + the native library as a JNA resource) and its pom
	rm -rf $(DIST_WORK)/jvm $(DIST)/ccverify-*.jar $(DIST)/ccverify-*.pom && mkdir -p $(DIST_WORK)/jvm/native $(DIST)
	$(UNIFFI_BINDGEN) generate --library $(REL)/libccverify_uniffi.so --language kotlin \
	  --out-dir $(DIST_WORK)/jvm/kotlin --no-format
	install -m 755 $(REL)/libccverify_uniffi.so $(DIST_WORK)/jvm/native/
	strip --strip-unneeded $(DIST_WORK)/jvm/native/libccverify_uniffi.so
	cd kotlin && mvn -B -ntp -q clean package -Dmaven.test.skip=true -Dnative.dir=$(CURDIR)/$(DIST_WORK)/jvm/native \
	  -Dgenerated.dir=$(CURDIR)/$(DIST_WORK)/jvm/kotlin
	cp kotlin/target/ccverify-$(VERSION).jar $(JAR)
	python3 scripts/dist/published_pom.py kotlin/pom.xml $(POM)
	@unzip -l $(JAR) | grep -q ' linux-x86-64/libccverify_uniffi.so$$' \
	  || { echo "dist-jvm: the jar lacks linux-x86-64/libccverify_uniffi.so"; exit 1; }
	@echo "dist: $(JAR) (+ .pom)"

# napi builds the release addon into node/ (and regenerates index.js/index.d.ts, which
# test-node drift-checks); the staged packages are packed as npm would publish them.
dist-node: $(NODE_STAMP) ## The npm tarballs: @ccverify/ccverify (CJS + ESM, types) and @ccverify/ccverify-linux-x64-gnu
	$(NAPI_BUILD) --release --strip
	node scripts/node-esm.mjs $(NODE_DIR)
	node scripts/dist/stage-node.mjs $(NODE_DIR) LICENSE $(DIST_WORK)/node
	rm -f $(DIST)/ccverify-ccverify-*.tgz && mkdir -p $(DIST)
	cd $(DIST_WORK)/node/main && npm pack --quiet --pack-destination $(CURDIR)/$(DIST)
	cd $(DIST_WORK)/node/linux-x64-gnu && npm pack --quiet --pack-destination $(CURDIR)/$(DIST)
	@test -f $(NPM_MAIN) && test -f $(NPM_PLATFORM)

dist-python: $(PY_VENV)/.stamp ## The abi3 manylinux wheel (checked by auditwheel show) and the sdist
	rm -f $(DIST)/ccverify-*.whl $(DIST)/ccverify-[0-9]*.tar.gz && mkdir -p $(DIST)
	cd $(PY_PKG) && CARGO="$(CARGO)" .venv/bin/maturin build --quiet --release --strip \
	  --interpreter .venv/bin/python --target-dir $(CURDIR)/target --out $(CURDIR)/$(DIST)
	cd $(PY_PKG) && .venv/bin/maturin sdist --out $(CURDIR)/$(DIST)
	$(PY_VPY) scripts/dist/check_wheel.py $(DIST) $(VERSION)
