#!/usr/bin/env bash
# test-c-sdk.sh SDK.tar.gz REPO: the C SDK as a user installs it. Unpacked into a temporary
# prefix, its layout and SONAME are checked, the C consumers (tests/c) are built with nothing but
# `pkg-config --cflags --libs ccverify`, and run, and run under valgrind; one more links the
# static library with `pkg-config --static`. (make test-c runs this through scripts/without-rust.)
set -euo pipefail
sdk=$1 repo=$2
prefix=$(mktemp -d); trap 'rm -rf "$prefix"' EXIT
tar -xzf "$sdk" -C "$prefix" --strip-components=1 --no-same-owner
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
unset PKG_CONFIG_LIBDIR C_INCLUDE_PATH CPATH LIBRARY_PATH

version=$(pkg-config --modversion ccverify)
real="$prefix/lib/libccverify.so.$version"
test -f "$real" && test -L "$prefix/lib/libccverify.so" && test -f "$prefix/lib/libccverify.a" \
  && test -f "$prefix/include/ccverify.h" && test -f "$prefix/share/doc/ccverify/README.md" \
  && test -f "$prefix/share/doc/ccverify/LICENSE" \
  || { echo "test-c-sdk: the SDK's layout is incomplete"; find "$prefix"; exit 1; }
soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$(readlink "$prefix/lib/$soname")" = "libccverify.so.$version" ] \
  || { echo "test-c-sdk: lib/$soname does not link to libccverify.so.$version"; exit 1; }
echo "test-c-sdk: ccverify $version, SONAME $soname; flags: $(pkg-config --cflags --libs ccverify)"

out="$prefix/bin"; mkdir -p "$out"
for t in test_ccverify test_client; do
  # shellcheck disable=SC2046 # pkg-config's output is a list of flags
  gcc -std=c11 -Wall -Wextra -Werror -g "$repo/tests/c/$t.c" $(pkg-config --cflags --libs ccverify) -o "$out/$t"
done
# The static library, linked the way pkg-config --static describes it.
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -g "$repo/tests/c/test_ccverify.c" $(pkg-config --cflags ccverify) \
  $(pkg-config --libs-only-L ccverify) -Wl,-Bstatic -lccverify -Wl,-Bdynamic \
  $(pkg-config --static --libs-only-l ccverify | sed 's/-lccverify\b//') -o "$out/test_static"
readelf -d "$out/test_static" > "$out/test_static.dynamic"
if grep -q 'libccverify' "$out/test_static.dynamic"; then
  echo "test-c-sdk: the static build still needs libccverify.so"; exit 1
fi
needed=$(readelf -d "$out/test_ccverify" | sed -n 's/.*(NEEDED).*\[\(libccverify[^]]*\)\]/\1/p')
[ "$needed" = "$soname" ] || { echo "test-c-sdk: the consumer needs '$needed', not $soname"; exit 1; }

export LD_LIBRARY_PATH="$prefix/lib"
"$out/test_ccverify" "$repo"
"$out/test_client" "$repo"
"$out/test_static" "$repo"
for t in test_ccverify test_client; do
  valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --show-possibly-lost=no "$out/$t" "$repo"
done
echo "test-c-sdk: the SDK's shared and static libraries pass the C suite (and valgrind)"
