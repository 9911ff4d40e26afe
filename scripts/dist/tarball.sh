#!/usr/bin/env bash
# tarball.sh OUT.tar.gz DIR NAME: packs DIR/NAME reproducibly (sorted names, root-owned, every
# mtime the last commit's time), so the same commit gives the same bytes.
set -euo pipefail
out=$1 dir=$2 name=$3
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$dir" -cf - "$name" | gzip -n -9 > "$out"
