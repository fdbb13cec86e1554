#!/usr/bin/env python3
"""Same-run A/B summary of the checker's bench output (attn_fwd_sm90_check --kernels=A,B --passes=N).

   python3 scripts/bench-ab.py BENCH_LOG [BENCH_LOG ...]

For each log and each sequence length: every kernel's TFLOP/s pass by pass, and the ratio of sums
of the times (the first kernel named in the log / each other one: above 1 means the other is
faster), the way kernels/NOTES.md reports A/Bs. Pass-by-pass figures are kept because one slow pass
(a clock or power dip) can move a sum by several percent.
"""
import collections
import sys


def summarize(path):
    order, ms, tflops = [], collections.defaultdict(list), collections.defaultdict(list)
    for line in open(path):
        w = line.split()
        # kernel hdim seqlen batch causal ms TFLOP/s pass
        if len(w) >= 8 and w[0].startswith('attn_fwd') and w[1].isdigit() and w[2].isdigit():
            if w[0] not in order:
                order.append(w[0])
            ms[(w[0], int(w[2]), w[4])].append(float(w[5]))
            tflops[(w[0], int(w[2]), w[4])].append(float(w[6]))
    print(path)
    if not order:
        print('  no bench rows')
        return
    base = order[0]
    for seqlen, causal in sorted({(k[1], k[2]) for k in ms}):
        cells = []
        for name in order:
            t = tflops.get((name, seqlen, causal))
            if t:
                cells.append(f"{name.replace('attn_fwd_sm90_', '')} {'-'.join(f'{x:.0f}' for x in t)}")
        ratios = []
        for name in order[1:]:
            a, b = ms.get((base, seqlen, causal)), ms.get((name, seqlen, causal))
            if a and b and len(a) == len(b):
                ratios.append(f"{name.replace('attn_fwd_sm90_', '')} {sum(a) / sum(b):.3f}")
        print(f"  {seqlen:>6} causal {causal}: {' / '.join(cells)}; first / other (sum of ms): {', '.join(ratios) or '-'}")


for p in sys.argv[1:]:
    summarize(p)
