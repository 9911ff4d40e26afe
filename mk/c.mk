# C ABI: header drift (cargo test), C and C++ consumers under ASan/UBSan, the C SDK tarball
# through pkg-config and under valgrind, and the Go module.
#
# valgrind fails on definite leaks and memory errors only, and does not list "possibly lost"
# blocks: the GPU verifier's process-wide caches (certificate links, RIMs; freed by
# ccverify::gpu::clear_caches) and x509-parser's extension table live in hash tables that
# valgrind sees only through interior pointers, so they would print hundreds of lines of
# false positives at exit. The ASan runs' LeakSanitizer, which follows interior pointers, still
# reports every leak.
CC_FLAGS := -std=c11 -Wall -Wextra -Werror -g -Iinclude
CXX_FLAGS := -x c++ -std=c++17 -Wall -Wextra -Werror -g -Iinclude
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
STATIC_LIB := target/debug/libccverify_ffi.a
# What a static link of libccverify_ffi.a needs besides libc: the template's Libs.private, which is
# rustc's `--print native-static-libs` for the archive (aws-lc is compiled into the archive and
# needs nothing more). Static test builds use it, so a list that is too short fails here.
NATIVE_LIBS := $(shell sed -n 's/^Libs.private: //p' bindings/c/ccverify.pc.in)
CTEST_DIR := target/ctest

PREFIX ?= /usr/local

BINDING_TESTS += test-c test-go
BINDING_REGEN += regen-c

.PHONY: build-c build-c-cli install-c test-c test-go regen-c bench-c

build-c:
	$(CARGO) build -p ccverify-ffi

# The client tests (tests/c/test_client.c, go/client_test.go) run real sandbox gateways:
# `target/debug/ccverify sandbox` (CCVERIFY_BIN overrides).
build-c-cli:
	$(CARGO) build -p ccverify-cli

# The debug static library under ASan/UBSan (gcc and g++), then the release C SDK as a user gets
# it: dist/ccverify-c-*.tar.gz unpacked into a temporary prefix, the consumers built with
# `pkg-config --cflags --libs ccverify` alone, run, and run under valgrind, without Rust on PATH.
test-c: build-c build-c-cli dist-c ## C ABI: gcc and g++ consumers under ASan/UBSan; the C SDK tarball through pkg-config, valgrind; the client against sandboxes
	@mkdir -p $(CTEST_DIR)
	gcc $(CC_FLAGS) $(SAN) tests/c/test_ccverify.c $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/c_asan
	gcc $(CC_FLAGS) $(SAN) tests/c/test_client.c $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/c_client_asan
	g++ $(CXX_FLAGS) $(SAN) tests/c/test_ccverify.c -x none $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/cxx_asan
	g++ $(CXX_FLAGS) $(SAN) tests/c/test_client.c -x none $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/cxx_client_asan
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/c_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/cxx_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/c_client_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/cxx_client_asan $(CURDIR)
	scripts/without-rust scripts/dist/test-c-sdk.sh $(C_SDK) $(CURDIR)

install-c: dist-c ## Install the C SDK (ccverify.h, libccverify.so.VERSION + links, libccverify.a, ccverify.pc) under PREFIX
	install -d $(DESTDIR)$(PREFIX)
	tar -xzf $(C_SDK) -C $(DESTDIR)$(PREFIX) --strip-components=1 --no-same-owner
	@# The loader finds a system prefix's libraries through its cache, which ldconfig refreshes.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# The Go module (go/) builds against the C SDK through pkg-config; its tests run the shared
# vectors and the client against sandboxes. Then a consumer module outside the repository uses
# the unpacked module tarball through a `replace`. Both without Rust on PATH.
test-go: dist-c dist-go build-c-cli ## Go: go vet and the module's tests against the unpacked C SDK; a consumer module via replace
	scripts/without-rust scripts/dist/test-go.sh $(C_SDK) $(GO_MOD) $(CURDIR)

regen-c:
	UPDATE_HEADER=1 $(CARGO) test -p ccverify-ffi --test header

bench-c: ## Median cost of one verify_response through the C ABI (compare with `cargo bench --bench ratio`)
	$(CARGO) bench -p ccverify --bench exchange -- verify_response_1k_4k
	$(CARGO) build --release -p ccverify-ffi
	gcc -O2 -std=c11 -Iinclude bench/c_overhead.c target/release/libccverify_ffi.a $(NATIVE_LIBS) -o target/c_overhead
	target/c_overhead target/bench-inputs
	$(CARGO) bench -p ccverify --bench ratio
