#!/usr/bin/env python3
"""Type-checks the Swift column of every table in Docs/PyTorchMigration.md against the library, so
each spelling a porter copies exists with the arguments the table shows.

    swift build --target SwiftGrad && swift build --target SwiftGradModels
    python3 Scripts/check_migration_tables.py        # -v: print the generated statements

Each table row's second cell (the SwiftGrad column) becomes one function; every code span in the
cell becomes one statement of it, in order (so `let g = Generator(seed: 0)`; `g.manualSeed(1)`
works). Spans are read as the table writes them:
- a signature with labels and no values, `x.sort(axis:descending:stable:)` or
  `x.topk(k, axis:largest:sorted:)`, becomes a call with a value of any type for each label
  (`placeholder()` from Scripts/doc_snippets_prelude.swift), so the labels must exist in that order;
- `f(...)` is the name `f` alone (the table elides its arguments), `[...]` and other `...` are
  `placeholder()`;
- alternatives are expanded: `BatchNorm1d/2d/3d(16)` checks three calls, `mode: .bicubic / .area`
  two;
- a span that starts with `.` continues the previous span's base: after `Tensor.zerosLike(x)`,
  `.onesLike` is `Tensor.onesLike`; after `Linalg.inv`, `.det` is `Linalg.det`;
- a bare name is a reference (`_ = silu`, `_ = RNN.self`); a name with several overloads
  ("ambiguous use") counts as existing;
- a span right after `→` describes the result and is not compiled.
Names the cells use come from Scripts/doc_snippets_prelude.swift (x, y, model, opt, loader, ...) and
Scripts/migration_tables_names.swift: its part before the first `// MARK:` is declared at file
scope, and the declarations under `// MARK: <heading>` are local to the cells of the table under
that heading (so `p` may be a path in one table and a tensor in another).

A cell that cannot be compiled (a class declaration in prose, a type written with a placeholder
parameter) carries the marker `<!-- not compiled -->`, invisible when rendered; keep these few.
Exit status 1 when a cell fails, naming the file, line, span and the compiler's message.
"""
import os
import re
import subprocess
import sys
import tempfile

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_doc_snippets as snippets  # noqa: E402  (the build location and the compiler command)

doc = os.path.join(root, "Docs", "PyTorchMigration.md")
names_file = os.path.join(root, "Scripts", "migration_tables_names.swift")
MARKER = "<!-- not compiled -->"
verbose = "-v" in sys.argv


def rows():
    """(line number, section heading, Swift cell) for each body row of each table."""
    section, header_seen, fenced = "", False, False
    for n, line in enumerate(open(doc, encoding="utf-8").read().split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        if not line.startswith("|"):
            header_seen = False
            continue
        if re.match(r"^\|\s*-", line):
            continue
        if not header_seen:          # the table's header row
            header_seen = True
            continue
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        if len(cells) >= 2:
            yield n, section, cells[1]


def expand_alternatives(span):
    """`BatchNorm1d/2d/3d(16)` and `.mean / .sum` into one span per alternative."""
    m = re.search(r"\b([A-Za-z]\w*?)(\d[dD])((?:/\d[dD])+)", span)
    if m:
        tails = [m.group(2)] + m.group(3).split("/")[1:]
        return [v for t in tails for v in expand_alternatives(span[:m.start()] + m.group(1) + t + span[m.end():])]
    m = re.search(r"(\.\w+)((?:\s*/\s*\.\w+)+)", span)
    if m:
        options = [m.group(1)] + re.findall(r"\.\w+", m.group(2))
        return [v for o in options for v in expand_alternatives(span[:m.start()] + o + span[m.end():])]
    return [span]


def fill_labels(span):
    """Labels without values become `label: placeholder()`; `(...)` leaves the bare name."""
    strings = []
    # Keep string literals out of the rewriting.
    def stash(m):
        strings.append(m.group(0))
        return f"\x00{len(strings) - 1}\x00"
    s = re.sub(r'"[^"]*"', stash, span)
    s = re.sub(r",\s*\.\.\.(?=[)\]])", "", s)                        # f(a, ...) -> f(a)
    s = re.sub(r"(\w+):\.\.\.(?=\))", r"\1:", s)                    # f(a:b:...) -> f(a:b:)
    s = re.sub(r"\[\.\.\.\]", "placeholder()", s)                     # [...] -> any array or dictionary
    s = re.sub(r"(\w+):(?=\w+:)", r"\1: placeholder(), ", s)
    s = re.sub(r"(\w+):(?=\s*[,)])", r"\1: placeholder()", s)
    s = re.sub(r"(?<!\w)_: placeholder\(\)", "placeholder()", s)      # record(_:_:): positional
    s = re.sub(r"\(\.\.\.\)", "", s)                               # f(...) -> f
    s = re.sub(r"(?<![\w\]\).\"])\.\.\.(?![\w(\[.<\"])", "placeholder()", s)
    s = re.sub(r"\x00(\d+)\x00", lambda m: strings[int(m.group(1))], s)
    return s


def statement(span):
    """The Swift statement that checks one span, and whether it is a bare reference."""
    s = span.strip()
    if re.fullmatch(r"[A-Za-z_][\w.]*", s):
        if all(part[:1].isupper() for part in s.split(".")):   # a type: Linalg, IDXError
            return f"_ = {s}.self", True
        return f"_ = {s}", True
    if re.fullmatch(r"\[[A-Z]\w*\??(: [A-Z]\w*\??)?\]", s):          # [Float], [String: Tensor]
        return f"_ = {s}.self", True
    return s, False


def base_of(span):
    """`Tensor.zerosLike(x)` -> `Tensor`; `x.atleast1d()` -> `x`; `Linalg.inv` -> `Linalg`."""
    m = re.match(r"((?:try )?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.[A-Za-z_]\w*", span.strip())
    return m.group(1) if m else None


def cell_statements(cell):
    """[(span as written, statement, is reference)] for one cell."""
    out, base, last_end = [], None, 0
    for m in re.finditer(r"`([^`]+)`", cell):
        before, last_end = cell[last_end:m.start()], m.end()
        span = m.group(1)
        if re.search(r"→\s*$", before):
            continue
        if span.startswith("."):
            if base is None:
                out.append((span, None, False))
                continue
            span = base + span
        else:
            base = base_of(span) or base
        for alt in expand_alternatives(span):
            text, ref = statement(fill_labels(alt))
            out.append((m.group(1), text, ref))
    return out


def read_names():
    text = open(names_file, encoding="utf-8").read()
    parts = re.split(r"^// MARK: (.*)$", text, flags=re.M)
    sections = {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}
    return parts[0], sections


def main():
    global_names, sections = read_names()
    unknown = [s for s in sections if s not in {sec for _, sec, _ in rows()}]
    if unknown:
        print(f"{os.path.relpath(names_file, root)}: no table under the heading(s) {unknown}")
        return 1
    text = ["import Foundation", "import SwiftGrad", "import SwiftGradModels"] + global_names.split("\n")
    owners = {}          # generated line -> (doc line, span, statement, is reference)
    checked = skipped = 0
    failures = []
    for n, (line, section, cell) in enumerate(rows()):
        if MARKER in cell:
            skipped += 1
            continue
        stmts = cell_statements(cell)
        if not stmts:
            continue
        checked += 1
        text.append(f"// Docs/PyTorchMigration.md:{line}")
        text.append(f"func cell{n}() async throws {{")
        text += sections.get(section, "").strip("\n").split("\n")
        text.append("do {")
        for span, stmt, ref in stmts:
            if stmt is None:
                failures.append((line, span, ["a span starting with `.` with no span before it to continue"]))
                continue
            text.append(stmt)
            owners[len(text)] = (line, span, stmt, ref)
        text += ["}", "}", ""]
    with tempfile.TemporaryDirectory() as tmp:
        main_file = os.path.join(tmp, "MigrationTables.swift")
        open(main_file, "w").write("\n".join(text) + "\n")
        if verbose:
            print("\n".join(text))
        prelude = os.path.join(root, "Scripts", "doc_snippets_prelude.swift")
        ok, out = snippets.typecheck([main_file, prelude], library=True)
    if not ok:
        by_line = {}
        for m in re.finditer(r"MigrationTables\.swift:(\d+):\d+: error: (.*)", out):
            ln, message = int(m.group(1)), m.group(2)
            owner = owners.get(ln)
            if owner is None:
                by_line.setdefault((0, "(generated code or names file)", ""), []).append(f"line {ln}: {message}")
                continue
            doc_line, span, stmt, ref = owner
            if ref and (message.startswith("ambiguous use of") or re.match(r"generic parameter '\w+' could not be inferred", message)):
                continue         # several overloads of the name, or a generic name: it exists
            by_line.setdefault((doc_line, span, stmt), []).append(message)
        if not by_line and not re.search(r"MigrationTables\.swift:\d+:\d+: error", out):
            by_line[(0, "(compiler)", "")] = [out[-2000:]]
        failures += [(k[0], f"{k[1]}  [{k[2]}]" if k[2] else k[1], v) for k, v in by_line.items()]
    for line, span, messages in sorted(failures, key=lambda f: f[0]):
        print(f"Docs/PyTorchMigration.md:{line}: `{span}` does not compile:")
        for message in messages[:4]:
            print(f"    {message}")
    bad_rows = len({f[0] for f in failures})
    print(f"migration tables: {checked - bad_rows} of {checked} rows compile, {skipped} marked not compiled")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
