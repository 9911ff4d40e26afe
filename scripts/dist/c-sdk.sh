#!/usr/bin/env bash
# c-sdk.sh VERSION LIBDIR OUTDIR: the C SDK tarball, ccverify-c-VERSION-linux-x86_64.tar.gz.
#
#   include/ccverify.h                    the generated, drift-checked header
#   lib/libccverify.so.VERSION            the shared library, SONAME libccverify.so.ABI
#   lib/libccverify.so.ABI -> …VERSION    what programs load (ABI: 0.MINOR before 1.0)
#   lib/libccverify.so -> …ABI            what `-lccverify` links
#   lib/libccverify.a                     the static library (aws-lc inside; Libs.private lists the rest)
#   lib/pkgconfig/ccverify.pc             relocatable (${pcfiledir}), so any prefix works
#   share/doc/ccverify/                   the ABI guide, the licence, the changelog
set -euo pipefail
version=$1 libdir=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
major=${version%%.*} rest=${version#*.} minor=${rest%%.*}
if [ "$major" = 0 ]; then abi="0.$minor"; else abi=$major; fi
name="ccverify-c-$version-linux-x86_64"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
sdk="$work/$name"
install -d "$sdk/include" "$sdk/lib/pkgconfig" "$sdk/share/doc/ccverify"
install -m 644 "$root/include/ccverify.h" "$sdk/include/"
install -m 755 "$libdir/libccverify_ffi.so" "$sdk/lib/libccverify.so.$version"
strip --strip-unneeded "$sdk/lib/libccverify.so.$version"
ln -s "libccverify.so.$version" "$sdk/lib/libccverify.so.$abi"
ln -s "libccverify.so.$abi" "$sdk/lib/libccverify.so"
install -m 644 "$libdir/libccverify_ffi.a" "$sdk/lib/libccverify.a"
strip --strip-debug "$sdk/lib/libccverify.a"
sed -e "s|@VERSION@|$version|" "$root/bindings/c/ccverify.pc.in" > "$sdk/lib/pkgconfig/ccverify.pc"
install -m 644 "$root/include/README.md" "$sdk/share/doc/ccverify/README.md"
install -m 644 "$root/LICENSE" "$root/CHANGELOG.md" "$sdk/share/doc/ccverify/"
soname=$(readelf -d "$sdk/lib/libccverify.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libccverify.so.$abi" ]; then
  echo "c-sdk: the shared library's SONAME is '$soname', not libccverify.so.$abi" >&2; exit 1
fi
mkdir -p "$out"
"$root/scripts/dist/tarball.sh" "$out/$name.tar.gz" "$work" "$name"
echo "dist: $out/$name.tar.gz (SONAME $soname)"
