#!/usr/bin/python3
# kmeansseg: a chart of a benchmark report (tests/benchmarks/run.sh)
# Copyright (C) 2026 The kmeansseg authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Draw the speed chart of docs/performance.md from a run.sh report.

Usage: tests/benchmarks/chart.py REPORT.md OUTPUT.svg [--size 1920x1080]
    [--k 8] [--level v3]

Left: ms per frame of every method of compare.py's table at one size and k
(log scale), the copy of a frame marked. Right: kmsbench's ratio to a copy
for each k and size, one thread. Needs Debian's python3-matplotlib (only
this script does; nothing else in the project).
"""

import argparse
import sys


def tables(path):
    """Every Markdown table of the report: a list of (header, rows)."""
    out, header, rows = [], None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("|"):
                if header:
                    out.append((header, rows))
                header, rows = None, []
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if header is None:
                header = cells
            elif not all(set(c) <= set("-: ") for c in cells):
                rows.append(dict(zip(header, cells)))
    if header:
        out.append((header, rows))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("output")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--k", default="8")
    ap.add_argument("--level", default=None,
                    help="the kmsbench rows of this CPU level (default: "
                    "the last level of the first kmsbench table)")
    args = ap.parse_args()

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("chart.py: needs python3-matplotlib (apt-get install "
                 "python3-matplotlib)")

    compare = bench = None
    for header, rows in tables(args.report):
        if "method" in header:
            compare = rows
        elif "ratio" in header and "copy ms" in header and bench is None:
            # the first kmsbench table: the matrix at the best level
            bench = rows
    if not compare or not bench:
        sys.exit("chart.py: %s has no compare.py and kmsbench tables"
                 % args.report)

    if "level" in bench[0]:
        # one level's rows: --level, else the last one the table lists
        # (the best, with --cpu all)
        names = []
        for r in bench:
            if r["level"] not in names:
                names.append(r["level"])
        level = args.level or names[-1]
        bench = [r for r in bench if r["level"] == level]
        if not bench:
            sys.exit("chart.py: no rows of level %s (the table has %s)"
                     % (level, ", ".join(names)))

    sel = [r for r in compare
           if r["size"] == args.size and r["k"] == args.k]
    copy = [float(r["copy ms"]) for r in bench
            if r["size"] == args.size and r["k"] == args.k
            and r["threads"] == "1"]
    if not sel:
        sys.exit("chart.py: no %s k=%s rows in the comparison"
                 % (args.size, args.k))

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))

    names = ["%s, %s thread%s" % (r["method"], r["threads"],
                                  "" if r["threads"] == "1" else "s")
             for r in sel]
    ms = [float(r["ms/frame"]) for r in sel]
    colours = ["#2a7ab0" if r["method"].startswith("kmeansseg") else "#999999"
               for r in sel]
    y = range(len(sel))[::-1]
    left.barh(list(y), ms, color=colours)
    left.set_yticks(list(y))
    left.set_yticklabels(names, fontsize=8)
    left.set_xscale("log")
    left.set_xlabel("ms per frame (log scale), lower is better")
    left.set_title("%s, k=%s, real footage" % (args.size, args.k),
                   fontsize=10)
    for yi, v in zip(y, ms):
        left.text(v * 1.08, yi, "%.0f" % v if v >= 100 else "%.3g" % v,
                  va="center", fontsize=8)
    if copy:
        left.axvline(copy[0], color="#d04040", linestyle="--", linewidth=1)
        left.text(copy[0] * 1.05, len(sel) - 0.6, "copy of a frame",
                  color="#d04040", fontsize=8)
    left.set_xlim(right=max(ms) * 4)

    sizes = []
    for r in bench:
        if r["size"] not in sizes:
            sizes.append(r["size"])
    for size in sizes:
        pts = [(int(r["k"]), float(r["ratio"])) for r in bench
               if r["size"] == size and r["threads"] == "1"]
        pts.sort()
        right.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                   label=size)
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    ks = sorted({int(r["k"]) for r in bench})
    right.set_xticks(ks)
    right.set_xticklabels([str(k) for k in ks])
    right.set_xlabel("k")
    right.set_ylabel("time / time of a copy of the frame")
    right.set_title("kmeansseg, one thread, RGBx", fontsize=10)
    right.axhline(5, color="#d04040", linestyle="--", linewidth=1)
    right.text(ks[0], 5.3, "5x a copy", color="#d04040", fontsize=8)
    right.grid(True, alpha=0.3)
    right.legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(args.output)


if __name__ == "__main__":
    main()
