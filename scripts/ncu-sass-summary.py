#!/usr/bin/env python3
"""Summarizes Nsight Compute's SASS source page (`ncu -i REP --page source --print-source sass --csv`,
as scripts/sm90-check.sh's profile and fa3profile steps write it): per opcode, the instructions
executed and the warp-stall samples; then the instructions that hold the most samples, with their
address, so two kernels (ours and FlashAttention-3's, say) can be set side by side.

    python3 scripts/ncu-sass-summary.py prof_ours_dense.sass.csv [prof_fa3_dense.sass.csv ...] [--top 25]
"""
import csv
import io
import sys
from collections import defaultdict


def find(header, *names):
    """Index of the first column whose name contains one of names (case-insensitive), or None."""
    low = [h.lower() for h in header]
    for n in names:
        for i, h in enumerate(low):
            if n.lower() in h:
                return i
    return None


def num(x):
    try:
        return float(x.replace(",", ""))
    except (AttributeError, ValueError):
        return 0.0


def load(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    lines = text.splitlines()
    # ncu may print a few lines (kernel name, notes) before the CSV header.
    start = next((i for i, l in enumerate(lines) if "Source" in l and "Address" in l), None)
    if start is None:
        sys.exit(f"{path}: no CSV header with Address and Source (is it --page source --csv output?)")
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:]))))
    return rows[0], rows[1:]


def opcode(src):
    s = src.strip()
    if s.startswith("@"):
        s = s.split(None, 1)[1] if " " in s else s
    return s.split(None, 1)[0].rstrip(";") if s else "?"


def summarize(path, top):
    header, rows = load(path)
    a, src = find(header, "Address"), find(header, "Source")
    ex = find(header, "Instructions Executed")
    allS = find(header, "Warp Stall Sampling (All")
    notI = find(header, "Warp Stall Sampling (Not")
    if src is None or ex is None:
        sys.exit(f"{path}: needs the Source and Instructions Executed columns, got {header}")
    by = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    tot = [0.0, 0.0, 0.0]
    for r in rows:
        if len(r) <= max(src, ex):
            continue
        op = opcode(r[src])
        base = op.split(".")[0]
        v = (num(r[ex]), num(r[allS]) if allS is not None else 0.0, num(r[notI]) if notI is not None else 0.0)
        e = by[base]
        for i in range(3):
            e[i] += v[i]
            tot[i] += v[i]
        e[3] += 1
    print(f"== {path}")
    print(f"instructions executed {tot[0]:.4g}, stall samples {tot[1]:.0f} (not issued {tot[2]:.0f})")
    print(f"{'opcode':<14}{'sites':>6}{'executed':>12}{'% exec':>8}{'samples':>9}{'% samp':>8}")
    for op, e in sorted(by.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"{op:<14}{e[3]:>6}{e[0]:>12.4g}{100 * e[0] / max(tot[0], 1):>8.1f}{e[1]:>9.0f}{100 * e[1] / max(tot[1], 1):>8.1f}")
    if allS is not None:
        print(f"-- the {top} instructions with the most samples")
        ranked = sorted((r for r in rows if len(r) > max(src, ex, allS)), key=lambda r: -num(r[allS]))[:top]
        for r in ranked:
            where = r[a] if a is not None else ""
            print(f"{where:>8} {num(r[allS]):>7.0f} {100 * num(r[allS]) / max(tot[1], 1):5.1f}%  {r[src].strip()[:90]}")
    print()


def main(argv):
    top = 25
    paths = []
    i = 0
    while i < len(argv):
        if argv[i] == "--top" and i + 1 < len(argv):
            top = int(argv[i + 1])
            i += 2
        else:
            paths.append(argv[i])
            i += 1
    if not paths:
        sys.exit(__doc__)
    for p in paths:
        summarize(p, top)


if __name__ == "__main__":
    main(sys.argv[1:])
