#!/usr/bin/env python3
"""Type-checks every ```swift block in Docs/*.md, README.md and the DocC articles against the
SwiftGrad module of a debug build, so the docs cannot drift from the API.

    swift build --target SwiftGrad && python3 Scripts/check_doc_snippets.py

How a block is compiled:
- Blocks that declare extensions or protocols, or use @main, are checked each on its own at file
  scope (`-parse-as-library`); every other block becomes the body of its own
  `func snippet() async throws`, so blocks never see each other's names and may use `try`.
- Names a fragment uses without declaring (`model`, `x`, `loader`, ...) come from
  Scripts/doc_snippets_prelude.swift; a block's own declarations shadow them.
- `...` stands for elided code: a line of its own is dropped, and elsewhere it becomes
  `placeholder()`, which the prelude defines as a value of any type (or a statement).
- A block that cannot compile on its own (a sketch with `...`, output, pseudo-code, a different
  module such as SwiftGradDistributed's MPI programs) is skipped by putting the line
  `<!-- snippet: skip -->` right above its opening fence (an HTML comment: invisible when rendered).
- A block marked `<!-- snippet: main.swift -->` is a whole `main.swift` (top-level code, globals
  used inside functions) and is compiled alone as one, in the Swift 6 language mode, without the
  prelude. `<!-- snippet: main.swift needs FLAGS -->` compiles it with those compiler flags and
  also checks that it fails without them, so a guide's "this needs FLAGS" stays true.

Exit status 1 when a block fails, with the file and line of the block and the compiler's messages.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
build = os.environ.get("SWIFTGRAD_BUILD") or next(
    (d for d in [os.path.join(root, ".build", "debug"), os.path.join(root, ".build", "x86_64-unknown-linux-gnu", "debug")]
     if os.path.isdir(os.path.join(d, "Modules"))), os.path.join(root, ".build", "debug"))
files = sorted(glob.glob(os.path.join(root, "Docs", "*.md"))) + [os.path.join(root, "README.md")] + \
    sorted(glob.glob(os.path.join(root, "Sources", "SwiftGrad", "SwiftGrad.docc", "*.md")))
prelude = os.path.join(root, "Scripts", "doc_snippets_prelude.swift")
file_scope = re.compile(r"^(public |private |fileprivate )?(extension|protocol) |^@main", re.M)


def blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```swift":
            marked = re.fullmatch(r"<!-- snippet: (.*?) -->", lines[i - 1].strip()) if i > 0 else None
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield start + 1, "\n".join(lines[start:j]), marked.group(1) if marked else ""
            i = j
        i += 1


def typecheck(sources, library, flags=()):
    modules = os.path.join(build, "Modules")
    cmd = ["swiftc", "-typecheck", "-I", modules, "-I", build] + list(flags)
    for c in ["CBLAS", "CZlib", "CPNG", "CJPEG"]:
        cmd += ["-Xcc", "-fmodule-map-file=" + os.path.join(root, "Sources", c, "module.modulemap")]
    if library:
        cmd.append("-parse-as-library")
    result = subprocess.run(cmd + sources, capture_output=True, text=True)
    return result.returncode == 0, result.stdout + result.stderr


def body(code):
    """The block without its imports, with each elision `...` replaced: a line of its own is
    dropped, anything else becomes `placeholder()` (a value of any type, or a statement)."""
    out = []
    for line in code.split("\n"):
        if re.match(r"^import (SwiftGrad|Foundation)\s*$", line) or line.strip() == "...":
            continue
        out.append(re.sub(r"(?<![\w\]\).\"])\.\.\.(?![\w(\[.<\"])", "placeholder()", line))
    return "\n".join(out)


failures_early = []


def main():
    wrapped, alone, mains, skipped = [], [], [], 0
    for path in files:
        for line, code, marker in blocks(path):
            where = f"{os.path.relpath(path, root)}:{line}"
            if marker == "skip":
                skipped += 1
            elif marker.startswith("main.swift"):
                needs = re.fullmatch(r"main\.swift(?:\s+needs\s+(.*))?", marker)
                if needs is None:
                    failures_early.append((where, [f"unknown marker '{marker}'"]))
                    continue
                mains.append((where, code, (needs.group(1) or "").split()))
            elif marker:
                failures_early.append((where, [f"unknown marker '{marker}'"]))
            elif file_scope.search(code):
                alone.append((where, code))
            else:
                wrapped.append((where, code))
    failures = list(failures_early)
    with tempfile.TemporaryDirectory() as tmp:
        # Every function-body block in one file, each in its own function: one compiler run.
        text = ["import Foundation", "import SwiftGrad", ""]
        owners = []       # (first line in the file, last line, where)
        for n, (where, code) in enumerate(wrapped):
            text.append(f"// {where}")
            text.append(f"func snippet{n}() async throws {{")
            first = len(text) + 1
            text += body(code).split("\n")
            owners.append((first, len(text), where))
            text += ["}", ""]
        main_file = os.path.join(tmp, "Snippets.swift")
        open(main_file, "w").write("\n".join(text) + "\n")
        ok, out = typecheck([main_file, prelude], library=True)
        if not ok:
            by_block = {}
            for m in re.finditer(r"Snippets\.swift:(\d+):\d+: error: (.*)", out):
                ln = int(m.group(1))
                owner = next((w for a, b, w in owners if a <= ln <= b), "generated code")
                by_block.setdefault(owner, []).append(f"line {ln - next((a for a, b, w in owners if w == owner), 0) + 1}: {m.group(2)}")
            if not by_block:
                by_block["(compiler)"] = [out[-2000:]]
            failures += list(by_block.items())
        for n, (where, code) in enumerate(alone):
            f = os.path.join(tmp, f"Alone{n}.swift")
            open(f, "w").write("import Foundation\nimport SwiftGrad\n" + body(code) + "\n")
            ok, out = typecheck([f, prelude], library=True)
            if not ok:
                failures.append((where, re.findall(r"error: (.*)", out) or [out[-1000:]]))
        for n, (where, code, flags) in enumerate(mains):
            folder = os.path.join(tmp, f"main{n}")
            os.makedirs(folder)
            f = os.path.join(folder, "main.swift")
            open(f, "w").write(code + "\n")
            ok, out = typecheck([f], library=False, flags=["-swift-version", "6"] + flags)
            if not ok:
                failures.append((where, re.findall(r"error: (.*)", out) or [out[-1000:]]))
            elif flags:
                ok, out = typecheck([f], library=False, flags=["-swift-version", "6"])
                if ok:
                    failures.append((where, [f"compiles without {' '.join(flags)}, which the marker says it needs"]))
    total = len(wrapped) + len(alone) + len(mains)
    for where, messages in failures:
        print(f"{where}: this block does not compile:")
        for m in messages[:8]:
            print(f"    {m}")
    print(f"doc snippets: {total - len(failures)} of {total} compile, {skipped} marked skip")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
