#!/usr/bin/env python3
"""Checks every Swift `import` against the target dependencies declared in Package.swift.

Fails (exit 1), naming target, file and module, on:
  - an import of a project module (a target of this package) that the target does not declare;
  - a declared dependency (project target or package product) that no Swift file of the target imports;
  - a cycle among the declared dependencies.
Targets without Swift files (C targets, system libraries) are not scanned: their dependencies are
C includes. A target's files are those under its `path:` (default Sources/<name>, Tests/<name> for
test targets), less its `exclude:` entries and the paths of other targets nested inside it.

Usage: scripts/check_module_graph.py [PACKAGE_ROOT]   (Python 3 standard library only)
"""
import os
import re
import sys

TARGET_KINDS = ("target", "executableTarget", "testTarget", "systemLibrary", "binaryTarget", "plugin", "macro")
IMPORT = re.compile(r"^\s*(?:@[\w.()]+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
                    r"(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_]\w*)")


class PackageError(Exception):
    pass


def strip_comments(text):
    """Package.swift with // and /* */ comments blanked out (string literals kept intact)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1]); i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c); i += 1
    return "".join(out)


def balanced(text, start):
    """Index just past the bracket that closes the one at text[start] ( '(' or '[' ), skipping strings."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise PackageError("unbalanced brackets in Package.swift")


def depth(text, end):
    """How many brackets are open at text[end], strings skipped."""
    level, i = 0, 0
    while i < end:
        c = text[i]
        if c == '"':
            i += 1
            while i < end and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "([":
            level += 1
        elif c in ")]":
            level -= 1
        i += 1
    return level


def argument(call, label):
    """The text of `label: [...]` or `label: "..."` at the top level of a call, or None."""
    m = re.search(r"\b%s:\s*" % label, call)
    if not m:
        return None
    k = m.end()
    if call[k] == "[":
        return call[k:balanced(call, k)]
    s = re.match(r'"([^"]*)"', call[k:])
    return s.group(1) if s else None


def parse_package(text):
    """[{name, kind, path, exclude, deps: [(name, is_product)]}] from Package.swift's source."""
    text = strip_comments(text)
    # The package's own `targets:` argument, not a product's (depth 1: inside `Package(` only).
    m = next((m for m in re.finditer(r"\btargets:\s*\[", text) if depth(text, m.start()) == 1), None)
    if not m:
        raise PackageError("Package.swift has no `targets: [` list")
    body = text[m.end() - 1:balanced(text, m.end() - 1)]
    targets = []
    for call in re.finditer(r"\.(%s)\s*\(" % "|".join(TARGET_KINDS), body):
        # Only calls at the top level of the list are targets (`.target(name:)` also names a dependency).
        if depth(body, call.start()) != 1:
            continue
        args = body[call.end() - 1:balanced(body, call.end() - 1)]
        name = re.search(r'name:\s*"([^"]+)"', args).group(1)
        deps = []
        dep_text = argument(args, "dependencies") or "[]"
        # A whole `.product(name:, package:)` is one match, so its package string is not taken for a target.
        for d in re.finditer(r'\.product\s*\(\s*name:\s*"([^"]+)"[^)]*\)|\.(?:target|byName)\s*\(\s*name:\s*"([^"]+)"[^)]*\)'
                             r'|"([^"]+)"', dep_text):
            deps.append((d.group(1), True) if d.group(1) else (d.group(2) or d.group(3), False))
        kind = call.group(1)
        default = os.path.join("Tests" if kind == "testTarget" else "Sources", name)
        exclude = argument(args, "exclude")
        targets.append({"name": name, "kind": kind, "path": argument(args, "path") or default,
                        "exclude": re.findall(r'"([^"]+)"', exclude) if exclude else [], "deps": deps})
    return targets


def swift_files(root, target, all_targets):
    """Swift files of a target, as paths relative to the package root."""
    base = os.path.normpath(target["path"])
    skip = {os.path.normpath(os.path.join(base, e)) for e in target["exclude"]}
    skip |= {os.path.normpath(t["path"]) for t in all_targets
             if t is not target and os.path.normpath(t["path"]).startswith(base + os.sep)}
    found = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, base)):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if os.path.normpath(os.path.join(rel, d)) not in skip)
        for f in sorted(filenames):
            p = os.path.normpath(os.path.join(rel, f))
            if f.endswith(".swift") and p not in skip:
                found.append(p)
    return found


def imports(path):
    """[(line number, module)] of the import declarations in a Swift file (multi-line strings skipped)."""
    out, in_string = [], False
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not in_string:
                m = IMPORT.match(line)
                if m:
                    out.append((number, m.group(1)))
            if line.count('"""') % 2 == 1:
                in_string = not in_string
    return out


def find_cycle(targets):
    """One dependency cycle as a list of names (first == last), or None."""
    graph = {t["name"]: [d for d, product in t["deps"] if not product] for t in targets}
    state = {}  # name -> 1 on the current path, 2 done

    def visit(node, path):
        state[node] = 1
        path.append(node)
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep not in state:
                cycle = visit(dep, path)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, [])
            if cycle:
                return cycle
    return None


def check(root):
    """The list of problems found in the package at `root` (empty when the graph is clean)."""
    with open(os.path.join(root, "Package.swift"), encoding="utf-8") as f:
        targets = parse_package(f.read())
    project = {t["name"] for t in targets}
    problems = []
    for t in targets:
        declared = {d for d, _ in t["deps"]}
        unknown = sorted(d for d, product in t["deps"] if not product and d not in project)
        for d in unknown:
            problems.append("%s: declares %s, which is not a target of this package" % (t["name"], d))
        files = swift_files(root, t, targets)
        if not files:
            continue  # C target or system library
        used = set()
        for path in files:
            for number, module in imports(os.path.join(root, path)):
                used.add(module)
                if module in project and module != t["name"] and module not in declared:
                    problems.append("%s: %s:%d imports %s, which %s does not declare in Package.swift"
                                    % (t["name"], path, number, module, t["name"]))
        for d, product in t["deps"]:
            if d not in used:
                what = "product" if product else "dependency"
                problems.append("%s: declares %s %s in Package.swift but no file under %s imports it"
                                % (t["name"], what, d, t["path"]))
    cycle = find_cycle(targets)
    if cycle:
        problems.append("dependency cycle: " + " -> ".join(cycle))
    return problems, len(targets)


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    try:
        problems, count = check(root)
    except (OSError, PackageError, AttributeError) as e:
        print("module graph: cannot read %s: %s. Fix: check Package.swift's targets list" % (root, e))
        return 1
    for p in problems:
        print("module graph: " + p)
    if problems:
        print("module graph: FAILED, %d problem(s). Fix: make each target's `dependencies:` in Package.swift "
              "list exactly the project modules its files import" % len(problems))
        return 1
    print("module graph: OK (%d targets; every import declared, every dependency used, no cycles)" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
