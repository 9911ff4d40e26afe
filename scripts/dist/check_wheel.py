#!/usr/bin/env python3
"""check_wheel.py DIST VERSION: the Python artefacts are what pip users expect.

- exactly one wheel, `ccverify-VERSION-cp39-abi3-manylinux_*_x86_64.whl`: one build for every
  CPython >= 3.9 (the stable ABI);
- `auditwheel show` accepts it, and the manylinux tag it derives from the symbols the library
  uses is the one in the file name (a wheel claiming an older glibc than it needs would install
  and then fail to import);
- it carries the typed package (py.typed, the .pyi stubs), the abi3 extension and the licence;
- the sdist `ccverify-VERSION.tar.gz` holds the pyproject, the Rust crates it builds from, and
  the licence.
Exits 1 naming what is wrong. Run with the tools venv's Python (auditwheel installed).
"""

import glob
import os
import re
import subprocess
import sys
import tarfile
import zipfile


def fail(msg):
    print(f"check-wheel: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    dist, version = sys.argv[1], sys.argv[2]
    wheels = glob.glob(os.path.join(dist, f"ccverify-{version}-*.whl"))
    if len(wheels) != 1:
        fail(f"expected one wheel for {version} in {dist}, found {wheels}")
    wheel = wheels[0]
    m = re.fullmatch(rf"ccverify-{re.escape(version)}-cp39-abi3-(manylinux_\d+_\d+_x86_64)\.whl",
                     os.path.basename(wheel))
    if not m:
        fail(f"{os.path.basename(wheel)} is not a cp39-abi3 manylinux x86_64 wheel")
    claimed = m.group(1)
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", wheel],
                           capture_output=True, text=True)
    if shown.returncode != 0:
        fail(f"auditwheel show refused the wheel:\n{shown.stdout}{shown.stderr}")
    text = " ".join(shown.stdout.split())
    found = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if not found:
        fail(f"auditwheel show named no platform tag:\n{shown.stdout}")
    if found.group(1) != claimed:
        fail(f"the wheel is tagged {claimed}, auditwheel derives {found.group(1)}")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    for want in ("ccverify/__init__.py", "ccverify/py.typed", "ccverify/_native.pyi",
                 "ccverify/_native.abi3.so"):
        if want not in names:
            fail(f"the wheel lacks {want}")
    if not any(n.startswith(f"ccverify-{version}.dist-info/") and n.endswith("LICENSE") for n in names):
        fail("the wheel carries no LICENSE in its dist-info")
    sdist = os.path.join(dist, f"ccverify-{version}.tar.gz")
    if not os.path.exists(sdist):
        fail(f"no sdist {sdist}")
    with tarfile.open(sdist) as t:
        members = [n.split("/", 1)[1] for n in t.getnames() if "/" in n]
    for want in ("pyproject.toml", "PKG-INFO", "core/Cargo.toml", "core/src/lib.rs",
                 "bindings/python/Cargo.toml", "LICENSE"):
        if not any(n == want or n.endswith("/" + want) for n in members):
            fail(f"the sdist lacks {want}")
    print(f"check-wheel: {os.path.basename(wheel)} ({found.group(1)}, auditwheel agrees) "
          f"and {os.path.basename(sdist)}")


if __name__ == "__main__":
    main()
