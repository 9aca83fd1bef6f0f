#!/usr/bin/python3
"""Summarize the valgrind logs of a `make valgrind` run (test/harness.sh valgrind).

usage: valgrind_report.py LOGDIR

Each server process writes LOGDIR/<pid>.log; valgrind wraps every error (and every
definite leak, thanks to --errors-for-leak-kinds=definite) between the markers
VALGRINDERROR-BEGIN and VALGRINDERROR-END.  An error is ours when a frame of its stack is
in conversion_quality.so or in one of our source files (src/*.c, src/*.cpp).  Prints the
counts per kind, every error of ours in full and the first few others, and exits 1 when
any error is ours or a log shows valgrind itself failing.
"""
import collections
import glob
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = ["conversion_quality.so"] + sorted(
    "(" + os.path.basename(f) + ":"
    for f in glob.glob(os.path.join(TOP, "src", "*.c")) + glob.glob(os.path.join(TOP, "src", "*.cpp")))
PREFIX = re.compile(r"^==\d+== ?")


def kind_of(first_line):
    if first_line.startswith("Invalid read") or first_line.startswith("Invalid write"):
        return "invalid read/write"
    if "uninitialised" in first_line:
        return "uninitialised value"
    if "definitely lost" in first_line:
        return "definite leak"
    if first_line.startswith("Invalid free") or "Mismatched free" in first_line:
        return "invalid free"
    return "other"


def main():
    logdir = sys.argv[1]
    logs = sorted(glob.glob(os.path.join(logdir, "*.log")))
    if not logs:
        print("valgrind: no logs in", logdir)
        return 1
    counts = collections.Counter()
    ours, others = [], []
    suppressed = 0
    broken = []
    for path in logs:
        block = None
        with open(path, errors="replace") as f:
            for raw in f:
                line = PREFIX.sub("", raw.rstrip("\n"))
                if "VALGRINDERROR-BEGIN" in line:
                    block = []
                elif "VALGRINDERROR-END" in line:
                    if block:
                        text = "\n".join(block)
                        first = next((l for l in block if l.strip()), "")
                        counts[kind_of(first)] += 1
                        entry = (os.path.basename(path), text)
                        (ours if any(o in text for o in OURS) else others).append(entry)
                    block = None
                elif block is not None:
                    block.append(line)
                else:
                    m = re.search(r"ERROR SUMMARY: .*\(suppressed: (\d+) from", line)
                    if m:
                        suppressed += int(m.group(1))
                    if "Valgrind's memory management: out of memory" in line or \
                            "valgrind: the 'impossible' happened" in line:
                        broken.append(os.path.basename(path))
    total = sum(counts.values())
    print("valgrind: %d process logs, %d errors reported (%s), %d suppressed by test/valgrind.supp"
          % (len(logs), total,
             ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())) or "none",
             suppressed))
    print("valgrind: %d error(s) with a frame in conversion_quality" % len(ours))
    for name, text in ours:
        print("--- ours, %s ---\n%s" % (name, text))
    for name, text in others[:3]:
        print("--- not ours (PostgreSQL or a system library), %s ---\n%s" % (name, text))
    if len(others) > 3:
        print("... and %d more not ours" % (len(others) - 3))
    if broken:
        print("valgrind failed in:", " ".join(broken))
    return 1 if ours or broken else 0


if __name__ == "__main__":
    sys.exit(main())
