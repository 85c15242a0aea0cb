"""Finds the module conformance samples that stop the test process and lists them as crashes.

The module_db twin of find_crashes.py. Run by a developer from the repository root after the test
target is built (`swift build --build-tests`), whenever a module row is added or the fixtures change:
    python3 Scripts/conformance/find_module_crashes.py [ENTRY]

It runs ModuleConformanceTests with SWIFTGRAD_MODULE_CONFORMANCE_JOURNAL set: the test writes each
sample's id before running it and "ok" after. When the process dies, the last id in the journal is
the sample that stopped it; it is added to the "crash" list of Tests/SwiftGradTests/Resources/
module_conformance_expected.json (which the test then reads from the source tree, without a
rebuild), and the run starts again from that entry, until the test process exits normally. ENTRY
(`nn.Conv3d`) limits the runs to one module_db entry. Then run the test once with
SWIFTGRAD_MODULE_CONFORMANCE_WRITE=1 to record the failing samples and regenerate the module_db
section of Docs/Conformance.md, and rebuild so the bundle has the new list.
"""
import json
import os
import subprocess
import sys

EXPECTED = "Tests/SwiftGradTests/Resources/module_conformance_expected.json"
JOURNAL = "/tmp/swiftgrad_module_conformance_journal.txt"


def main():
    env = dict(os.environ, SWIFTGRAD_MODULE_CONFORMANCE_JOURNAL=JOURNAL, SWIFT_BACKTRACE="enable=no")
    if len(sys.argv) > 1:
        env["SWIFTGRAD_MODULE_CONFORMANCE_ONLY"] = sys.argv[1]
    found = 0
    while True:
        proc = subprocess.run(["swift", "test", "--skip-build", "--filter", "ModuleConformanceTests"],
                              env=env, capture_output=True, text=True)
        lines = [l for l in (open(JOURNAL).read().split("\n") if os.path.exists(JOURNAL) else []) if l]
        last = lines[-1] if lines else "done"
        if last in ("ok", "done") or not lines:
            if proc.returncode != 0 and not lines:
                print(proc.stdout[-2000:], proc.stderr[-2000:])
            print(f"finished: {found} new crash(es); test exit status {proc.returncode}")
            return
        key, sample = last.split(" ", 1)
        err = [l for l in (proc.stderr + proc.stdout).splitlines() if "Fatal error" in l]
        print(f"crash: {key} {sample}: {err[-1] if err else '(no message)'}")
        with open(EXPECTED) as f:
            expected = json.load(f)
        expected.setdefault("crash", {}).setdefault(key, [])
        if sample in expected["crash"][key]:
            print("  already listed: the journal and the list disagree; stopping")
            return
        expected["crash"][key].append(sample)
        env["SWIFTGRAD_MODULE_CONFORMANCE_FROM"] = key
        with open(EXPECTED, "w") as f:
            json.dump(expected, f, indent=2, sort_keys=True)
            f.write("\n")
        found += 1


if __name__ == "__main__":
    main()
