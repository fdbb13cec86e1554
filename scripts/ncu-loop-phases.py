#!/usr/bin/env python3
"""Where a consumer warp's time goes in one key block of the attention main loop, from Nsight
Compute's SASS source page (`ncu -i REP --page source --print-source sass --csv`, as the profile and
fa3profile steps of scripts/sm90-check.sh write it).

The loop is the set of instructions executed at least --min-exec times (default: 90% of the most
executed QK^T wgmma, `HGMMA ... RZ, !UPT`), optionally limited to --range LO:HI (hex offsets from the
kernel's first instruction); an unrolled loop's copies are all taken. Warp-stall samples are a
warp's time at each instruction, so samples per key block (divided by the number of first QK^T
wgmmas executed) compare two kernels' loops directly. Each copy is cut into phases at its markers:

    loop top      before the pingpong turn (K wait, descriptors)
    turn + S      BAR.SYNC (the turn) and the QK^T wgmmas
    P V issue     from the first `.tnspB` wgmma (O += P V)
    S wait        WARPGROUP.DEPBAR.LE gsb0, 0x1 (QK^T complete, P V may run)
    softmax       from there to the P V wait
    P V wait      WARPGROUP.DEPBAR.LE gsb0, 0x0
    after P V     the rest (O's rescale, stage release, with one P set the conversion)

    python3 scripts/ncu-loop-phases.py prof_ours_causal.sass.csv [prof_fa3_causal.sass.csv ...] [--range 5860:a000]
"""
import argparse
import importlib.util
import pathlib
import sys
from collections import defaultdict

PHASES = ["loop top", "turn + S", "P V issue", "arrive", "S wait", "softmax", "P V wait", "after P V"]


# The SASS source page's loader and the opcode parser are ncu-sass-summary.py's.
_spec = importlib.util.spec_from_file_location("ncu_sass_summary", pathlib.Path(__file__).with_name("ncu-sass-summary.py"))
_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_summary)


def load(path):
    """(offset from the kernel's first instruction, source, executions, stall samples) per instruction."""
    h, rows = _summary.load(path)
    col = {name: h.index(name) for name in ("Address", "Source", "Instructions Executed", "Warp Stall Sampling (All Samples)")}
    out = []
    for r in rows:
        try:
            out.append((int(r[col["Address"]], 16), r[col["Source"]].strip(), int(r[col["Instructions Executed"]] or 0),
                        int(r[col["Warp Stall Sampling (All Samples)"]] or 0)))
        except (ValueError, IndexError):
            continue
    base = min(a for a, *_ in out)
    return [(a - base, s, e, n) for a, s, e, n in out]


def opcode(src):
    return _summary.opcode(src).split(".")[0]


def analyze(path, lo, hi, min_exec):
    rows = [r for r in load(path) if lo <= r[0] < hi]
    first_s = [e for a, s, e, n in rows if s.startswith("HGMMA") and "RZ, !UPT" in s]
    if not first_s:
        sys.exit(f"{path}: no QK^T wgmma (HGMMA ... RZ, !UPT) in range")
    threshold = min_exec or int(0.9 * max(first_s))
    loop = [r for r in rows if r[2] >= threshold]
    iters = sum(e for a, s, e, n in loop if s.startswith("HGMMA") and "RZ, !UPT" in s)
    phase_samples = defaultdict(int)
    op_samples = defaultdict(int)
    phase = "loop top"
    for a, s, e, n in loop:
        if "BAR.SYNC" in s:
            phase = "turn + S"
        elif s.startswith("HGMMA") and "tnspB" in s and phase == "turn + S":
            phase = "P V issue"
        elif "BAR.ARV" in s and phase == "P V issue":
            phase = "arrive"
        elif "DEPBAR.LE gsb0, 0x1" in s:
            phase = "S wait"
        elif "DEPBAR.LE gsb0, 0x0" in s:
            phase = "P V wait"
        elif phase == "S wait":
            phase = "softmax"
        elif phase == "P V wait":
            phase = "after P V"
        elif s.startswith("HGMMA") and "RZ, !UPT" in s and phase not in ("turn + S",):
            phase = "turn + S"
        phase_samples[phase] += n
        op = "DEPBAR " + s.split()[-1] if "DEPBAR" in s else opcode(s)
        op_samples[op] += n
    return iters, phase_samples, op_samples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="SASS source pages (CSV) of ncu")
    ap.add_argument("--range", default=None, help="LO:HI, hex offsets from the kernel's first instruction")
    ap.add_argument("--min-exec", type=int, default=0, help="loop instructions run at least this often")
    ap.add_argument("--top", type=int, default=20, help="opcodes listed")
    args = ap.parse_args()
    lo, hi = (int(x, 16) for x in args.range.split(":")) if args.range else (0, 1 << 40)
    paths, min_exec, top = args.paths, args.min_exec, args.top
    res = [analyze(p, lo, hi, min_exec) for p in paths]
    names = [p.rsplit("/", 1)[-1].replace(".sass.csv", "")[:16] for p in paths]
    print("warp-stall samples per key block (one consumer warp's loop iteration)")
    print(f"{'phase':<12}" + "".join(f"{n:>18}" for n in names))
    for ph in PHASES:
        print(f"{ph:<12}" + "".join(f"{(r[1][ph] / r[0]):>18.4f}" for r in res))
    print(f"{'total':<12}" + "".join(f"{(sum(r[1].values()) / r[0]):>18.4f}" for r in res))
    print(f"{'key blocks':<12}" + "".join(f"{r[0]:>18d}" for r in res))
    ops = sorted({k for r in res for k in r[2]}, key=lambda k: -max(r[2][k] / r[0] for r in res))[:top]
    print(f"\n{'opcode':<16}" + "".join(f"{n:>18}" for n in names))
    for k in ops:
        print(f"{k:<16}" + "".join(f"{(r[2][k] / r[0]):>18.4f}" for r in res))


if __name__ == "__main__":
    main()
