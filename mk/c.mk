# C ABI: header drift (cargo test), C and C++ consumers under ASan/UBSan, valgrind runs, Go.
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
SHARED_LIB := target/debug/libccverify_ffi.so
# What a static link of libccverify_ffi.a needs besides libc: the template's Libs.private, which is
# rustc's `--print native-static-libs` for the archive (aws-lc is compiled into the archive and
# needs nothing more). Static test builds use it, so a list that is too short fails here.
NATIVE_LIBS := $(shell sed -n 's/^Libs.private: //p' bindings/c/ccverify.pc.in)
CTEST_DIR := target/ctest

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
PREFIX ?= /usr/local
CTEST_PREFIX := $(CURDIR)/$(CTEST_DIR)/prefix

BINDING_TESTS += test-c test-go
BINDING_REGEN += regen-c

.PHONY: build-c build-c-cli install-c test-c test-go regen-c bench-c

build-c:
	$(CARGO) build -p ccverify-ffi

# The client tests (tests/c/test_client.c, tests/go/client_test.go) run real sandbox gateways:
# `target/debug/ccverify sandbox` (CCVERIFY_BIN overrides).
build-c-cli:
	$(CARGO) build -p ccverify-cli

test-c: build-c build-c-cli ## C ABI: gcc and g++ consumers under ASan/UBSan, static and shared, valgrind; the client against sandboxes
	@mkdir -p $(CTEST_DIR)
	gcc $(CC_FLAGS) $(SAN) tests/c/test_ccverify.c $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/c_asan
	gcc $(CC_FLAGS) $(SAN) tests/c/test_client.c $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/c_client_asan
	g++ $(CXX_FLAGS) $(SAN) tests/c/test_ccverify.c -x none $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/cxx_asan
	g++ $(CXX_FLAGS) $(SAN) tests/c/test_client.c -x none $(STATIC_LIB) $(NATIVE_LIBS) -o $(CTEST_DIR)/cxx_client_asan
	$(MAKE) --no-print-directory install-c PREFIX=$(CTEST_PREFIX)
	gcc -std=c11 -Wall -Wextra -Werror -g tests/c/test_ccverify.c \
	  $$(PKG_CONFIG_PATH=$(CTEST_PREFIX)/lib/pkgconfig pkg-config --cflags --libs ccverify) \
	  -Wl,-rpath,$(CTEST_PREFIX)/lib -o $(CTEST_DIR)/c_shared
	gcc -std=c11 -Wall -Wextra -Werror -g tests/c/test_client.c \
	  $$(PKG_CONFIG_PATH=$(CTEST_PREFIX)/lib/pkgconfig pkg-config --cflags --libs ccverify) \
	  -Wl,-rpath,$(CTEST_PREFIX)/lib -o $(CTEST_DIR)/c_client_shared
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/c_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/cxx_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/c_client_asan $(CURDIR)
	ASAN_OPTIONS=detect_leaks=1 $(CTEST_DIR)/cxx_client_asan $(CURDIR)
	valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --show-possibly-lost=no $(CTEST_DIR)/c_shared $(CURDIR)
	valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  --show-possibly-lost=no $(CTEST_DIR)/c_client_shared $(CURDIR)

install-c: build-c ## Install libccverify_ffi (static + shared), ccverify.h and ccverify.pc under PREFIX
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 include/ccverify.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(STATIC_LIB) $(SHARED_LIB) $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' bindings/c/ccverify.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ccverify.pc

test-go: build-c build-c-cli ## Go: a cgo consumer of the static library runs the shared vectors and the client against sandboxes
	cd tests/go && CGO_ENABLED=1 go vet ./... && CGO_ENABLED=1 go test -count=1 ./...

regen-c:
	UPDATE_HEADER=1 $(CARGO) test -p ccverify-ffi --test header

bench-c: ## Median cost of one verify_response through the C ABI (compare with `cargo bench --bench ratio`)
	$(CARGO) bench -p ccverify --bench exchange -- verify_response_1k_4k
	$(CARGO) build --release -p ccverify-ffi
	gcc -O2 -std=c11 -Iinclude bench/c_overhead.c target/release/libccverify_ffi.a $(NATIVE_LIBS) -o target/c_overhead
	target/c_overhead target/bench-inputs
	$(CARGO) bench -p ccverify --bench ratio
