#!/usr/bin/env python3
"""Self-test of scripts/check_module_graph.py: runs it on small fake package trees, one clean and one
per fault (undeclared import, unused dependency, cycle), and checks its exit code and message.
Prints one PASS or FAIL line; exits 1 on failure. Python 3 standard library only."""
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_module_graph.py")

# A clean package: a product dependency (its package string is not a target), a `targets:` inside a
# product, a nested target path, comments and a multi-line string that mention imports.
CLEAN_PACKAGE = """// swift-tools-version:6.0
import PackageDescription
// .target(name: "Ghost", dependencies: ["Nowhere"]),
let package = Package(
    name: "Fake",
    products: [.library(name: "Lib", targets: ["Lib"])],
    dependencies: [.package(url: "https://example.com/parser", from: "1.0.0")],
    targets: [
        .target(name: "Base"),
        .target(name: "Lib", dependencies: ["Base"]),
        .executableTarget(name: "Tool", dependencies: [
            "Lib", .target(name: "Base"), .product(name: "Parser", package: "parser"),
        ]),
        .executableTarget(name: "tool-bench", dependencies: ["Lib"], path: "bench", exclude: ["notes"]),
        .executableTarget(name: "tool-bench-inner", dependencies: ["Base"], path: "bench/inner"),
        .testTarget(name: "LibTests", dependencies: ["Lib"]),
    ]
)
"""
CLEAN_FILES = {
    "Sources/Base/Base.swift": "import Foundation\npublic let base = 1\n",
    "Sources/Lib/Lib.swift": "import Base\n// import Tool  (a comment is not an import)\n"
                             "let s = \"\"\"\nimport Tool\n\"\"\"\n",
    "Sources/Tool/main.swift": "import Base\n@testable import Lib\nimport Parser\n",
    "bench/main.swift": "import Lib\n",
    "bench/notes/old.swift": "import Tool\n",          # excluded
    "bench/inner/main.swift": "import Base\n",        # its own target, not tool-bench's
    "Tests/LibTests/LibTests.swift": "import XCTest\n@testable import Lib\n",
}


def write_tree(root, package, files):
    with open(os.path.join(root, "Package.swift"), "w") as f:
        f.write(package)
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


def run(package, files):
    with tempfile.TemporaryDirectory(prefix="thaw-module-graph-") as root:
        write_tree(root, package, files)
        p = subprocess.run([sys.executable, CHECKER, root], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        return p.returncode, p.stdout


def with_file(path, text):
    files = dict(CLEAN_FILES)
    files[path] = text
    return files


CASES = [
    # (name, package, files, expected exit code, strings the output must contain)
    ("clean package passes", CLEAN_PACKAGE, CLEAN_FILES, 0, ["module graph: OK"]),
    ("undeclared import fails", CLEAN_PACKAGE,
     with_file("Sources/Lib/Extra.swift", "import Foundation\nimport Tool\n"), 1,
     ["Lib: Sources/Lib/Extra.swift:2 imports Tool, which Lib does not declare", "FAILED"]),
    ("unused dependency fails", CLEAN_PACKAGE,
     with_file("Sources/Tool/main.swift", "import Base\nimport Parser\n"), 1,
     ["Tool: declares dependency Lib in Package.swift but no file under Sources/Tool imports it", "FAILED"]),
    ("unused product fails", CLEAN_PACKAGE,
     with_file("Sources/Tool/main.swift", "import Base\nimport Lib\n"), 1,
     ["Tool: declares product Parser", "FAILED"]),
    ("cycle fails", CLEAN_PACKAGE.replace('.target(name: "Base"),', '.target(name: "Base", dependencies: ["Lib"]),'),
     with_file("Sources/Base/Base.swift", "import Lib\npublic let base = 1\n"), 1,
     ["dependency cycle: Base -> Lib -> Base", "FAILED"]),
    ("test target undeclared import fails", CLEAN_PACKAGE,
     with_file("Tests/LibTests/LibTests.swift", "import XCTest\nimport Lib\nimport Base\n"), 1,
     ["LibTests: Tests/LibTests/LibTests.swift:3 imports Base, which LibTests does not declare"]),
]


def main():
    failures = []
    for name, package, files, want_code, want_text in CASES:
        code, out = run(package, files)
        missing = [t for t in want_text if t not in out]
        if code != want_code or missing:
            failures.append("%s: exit %d (wanted %d), missing %r in output:\n%s" % (name, code, want_code, missing, out))
    for f in failures:
        print("  " + f)
    if failures:
        print("check_module_graph self-test: FAIL (%d of %d cases)" % (len(failures), len(CASES)))
        return 1
    print("check_module_graph self-test: PASS (%d cases: clean, undeclared import, unused dependency, "
          "unused product, cycle, test target)" % len(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
