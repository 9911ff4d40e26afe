"""Parse Swift files with tree-sitter-swift and fail on syntax errors.

There is no Swift compiler on this project's machines; this is a syntax check only (no types,
no linking). The grammar misreads two constructs UniFFI generates, so they are rewritten before
parsing: `#if swift(>=5.8) @_documentation(...) #endif` blocks around attributes are removed, and
the closure `{ () }` (returning the empty tuple, in callback interfaces whose methods return
nothing) becomes the equivalent `{ Void() }`. A deliberately broken snippet is parsed first to
prove the check can fail.

Usage: python scripts/swift_syntax_check.py FILE...
"""

import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

DOC_ATTR = re.compile(r"^\s*#if swift\(>=5\.8\)\n\s*@_documentation\(visibility: private\)\n\s*#endif\n", re.M)
UNIT_CLOSURE = re.compile(r"\{ \(\) \}")


def errors(source: str) -> list[tuple[int, int]]:
    parser = Parser(Language(tree_sitter_swift.language()))
    tree = parser.parse(UNIT_CLOSURE.sub("{ Void() }", DOC_ATTR.sub("", source)).encode())
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            found.append((node.start_point[0] + 1, node.start_point[1] + 1))
        stack.extend(node.children)
    return found


def main() -> int:
    assert errors("func f( {\n let = \n}\n"), "the check must detect a broken snippet"
    assert not errors("func f() {\n    let w = { () }\n    g(w)\n}\n"), "{ () } is valid Swift"
    status = 0
    for path in sys.argv[1:]:
        problems = errors(open(path, encoding="utf-8").read())
        for line, col in problems[:20]:
            print(f"{path}:{line}:{col}: syntax error")
        print(f"{path}: {'OK' if not problems else f'{len(problems)} syntax errors'}")
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
