#!/usr/bin/env python3
"""published_pom.py BUILD_POM OUT: the pom published beside the jar.

kotlin/pom.xml is the build's pom: it names the generated sources, the native library's
directory under target/ and the Kotlin compiler plugin. A consumer needs none of that, only the
coordinates, what the artefact is, its licence and its runtime dependencies; this writes exactly
those, read from the build pom, so the two cannot disagree. Standard library only.
"""

import sys
import xml.etree.ElementTree as ET

NS = "http://maven.apache.org/POM/4.0.0"
Q = f"{{{NS}}}"


def main():
    build, out = sys.argv[1], sys.argv[2]
    ET.register_namespace("", NS)
    root = ET.parse(build).getroot()
    props = {p.tag[len(Q):]: (p.text or "") for p in root.find(Q + "properties")}

    def text(elem):
        value = elem.text or ""
        for key, val in props.items():
            value = value.replace("${" + key + "}", val)
        if "${" in value:
            sys.exit(f"published-pom: unresolved property in {value!r}")
        return value

    pom = ET.Element(Q + "project")
    pom.set("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
    pom.set("xsi:schemaLocation", f"{NS} https://maven.apache.org/xsd/maven-4.0.0.xsd")
    for tag in ("modelVersion", "groupId", "artifactId", "version", "packaging", "name",
                "description", "url"):
        src = root.find(Q + tag)
        if src is not None:
            ET.SubElement(pom, Q + tag).text = text(src)
    for tag in ("licenses", "scm"):
        src = root.find(Q + tag)
        if src is not None:
            pom.append(src)
    deps = ET.SubElement(pom, Q + "dependencies")
    for dep in root.find(Q + "dependencies"):
        scope = dep.find(Q + "scope")
        if scope is not None and scope.text in ("test", "provided"):
            continue
        d = ET.SubElement(deps, Q + "dependency")
        for tag in ("groupId", "artifactId", "version"):
            ET.SubElement(d, Q + tag).text = text(dep.find(Q + tag))
        ET.SubElement(d, Q + "scope").text = "compile"
    ET.indent(pom, "  ")
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write("<!-- The published pom of io.ccverify:ccverify, written by scripts/dist/published_pom.py "
                "from kotlin/pom.xml. -->\n")
        f.write(ET.tostring(pom, encoding="unicode"))
        f.write("\n")


if __name__ == "__main__":
    main()
