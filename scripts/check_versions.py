#!/usr/bin/env python3
"""Every manifest carries the workspace's one version (issue: distribution).

The version lives once, in Cargo.toml's [workspace.package]; the crates inherit it, the Python
wheel takes it from its crate (maturin, `dynamic = ["version"]`), and the manifests that cannot
inherit it must repeat it: the path dependencies of [workspace.dependencies], node/package.json,
kotlin/pom.xml, the version tests/kotlin tests, the newest entry of CHANGELOG.md, and every
artefact file name, SONAME and module version the install docs mention. Exits 1 naming every
disagreement.
Standard library only.
"""

import json
import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Documents that name release files or versions, and what a version looks like in them.
DOCS = ("README.md", "python/README.md", "node/README.md", "kotlin/README.md", "include/README.md",
        "go/README.md", "go/doc.go", "swift/README.md", "CHANGELOG.md", "ARCHITECTURE.md",
        "tests/go-consumer/go.mod")
# ccverify-0.1.0.jar, ccverify-c-0.1.0-linux…, ccverify-ccverify-linux-x64-gnu-0.1.0.tgz, …
ARTEFACT = re.compile(r"ccverify(?:-[a-z][a-z0-9]*)*-(\d+\.\d+\.\d+)(?=[-.])")
# libccverify.so.0.1 (the SONAME; a full libccverify.so.0.1.0 is not matched)
SONAME = re.compile(r"libccverify\.so\.(\d+(?:\.\d+)?)(?![.\d])")
# io.ccverify:ccverify:0.1.0, ccverify/go v0.1.0, @v0.1.0
GO_REQUIRE = re.compile(r"(?:ccverify/go(?:@v| v)|io\.ccverify:ccverify:)(\d+\.\d+\.\d+)")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def main():
    cargo = tomllib.loads(read("Cargo.toml"))
    want = cargo["workspace"]["package"]["version"]
    found = []
    for name, dep in cargo["workspace"]["dependencies"].items():
        if isinstance(dep, dict) and "path" in dep:
            found.append((f"Cargo.toml [workspace.dependencies] {name}", dep.get("version")))
    for member in ("core", "net", "sandbox", "testpki", "cli", "fuzz") + tuple(
        os.path.join("bindings", b) for b in sorted(os.listdir(os.path.join(ROOT, "bindings")))
    ):
        path = os.path.join(member, "Cargo.toml")
        if os.path.exists(os.path.join(ROOT, path)):
            package = tomllib.loads(read(path)).get("package", {})
            version = package.get("version")
            ok = version == {"workspace": True} or version == want
            found.append((path, want if ok else version))
    python = tomllib.loads(read("python/pyproject.toml"))["project"]
    found.append(("python/pyproject.toml (dynamic, from its crate)",
                  want if "version" in python.get("dynamic", []) else python.get("version")))
    found.append(("node/package.json", json.loads(read("node/package.json"))["version"]))
    pom = re.search(r"<artifactId>ccverify</artifactId>\s*<version>([^<]+)</version>", read("kotlin/pom.xml"))
    found.append(("kotlin/pom.xml", pom.group(1) if pom else None))
    tested = re.search(r"<ccverify.version>([^<]+)</ccverify.version>", read("tests/kotlin/pom.xml"))
    found.append(("tests/kotlin/pom.xml (ccverify.version)", tested.group(1) if tested else None))
    changelog = re.search(r"^## \[?([0-9][^\]\s]*)", read("CHANGELOG.md"), re.M)
    found.append(("CHANGELOG.md (newest entry)", changelog.group(1) if changelog else None))
    # The install instructions name the artefacts' files, the SONAME and the module version.
    major, minor = want.split(".")[:2]
    abi = f"0.{minor}" if major == "0" else major
    for doc in DOCS:
        text = read(doc)
        for m in ARTEFACT.finditer(text):
            found.append((f"{doc}: {m.group(0)}", m.group(1)))
        for m in SONAME.finditer(text):
            found.append((f"{doc}: {m.group(0)} (SONAME)", want if m.group(1) == abi else m.group(1)))
        for m in GO_REQUIRE.finditer(text):
            found.append((f"{doc}: {m.group(0)}", m.group(1)))
    bad = [(where, got) for where, got in found if got != want]
    for where, got in bad:
        print(f"check-versions: {where} says {got!r}, the workspace {want!r}", file=sys.stderr)
    if bad:
        return 1
    print(f"check-versions: {len(found)} manifests and doc mentions carry {want}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
