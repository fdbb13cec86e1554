#!/usr/bin/env python3
"""Where ptxas put the P V wait in the steady-state key loop of each Hopper forward kernel, from a
`cuobjdump -sass` listing (made on the device: `cuobjdump -sass BINARY > F`; there is no SASS
disassembler on the build machine).

For every S wait (`WARPGROUP.DEPBAR.LE gsb0, 0x1`) of a kernel, counts the softmax instructions
between it and the next P V wait (`WARPGROUP.DEPBAR.LE gsb0, 0x0`), and those between that wait and
the next pingpong turn (`BAR.SYNC`) or loop branch: how much of the softmax ptxas kept above the
wait, where the P V of the previous block can hide it (kernels/NOTES.md, "Session 12"). Counts
follow the listing's order, so code that a branch jumps over at run time is counted too: the
softcap's body (two MUFU, three FADD, two FMUL per score) shows up above the wait of every kernel
that tests the softcap inside the loop.

    python3 scripts/sass-wait-placement.py SASS.txt [name-substring ...]
"""
import importlib.util
import pathlib
import re
import sys

# The opcode parser is ncu-sass-summary.py's.
_spec = importlib.util.spec_from_file_location("ncu_sass_summary", pathlib.Path(__file__).with_name("ncu-sass-summary.py"))
_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_summary)

OPS = ["FMNMX", "FFMA", "MUFU", "FADD", "FMUL", "F2FP", "BRA"]


def functions(path):
    funcs, cur = {}, None
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.search(r"Function : (\w+)", line)
        if m:
            cur = m.group(1)
            funcs[cur] = []
            continue
        m = re.match(r"\s*/\*([0-9a-f]{4,6})\*/\s+(.*?);", line)
        if cur and m:
            funcs[cur].append((int(m.group(1), 16), m.group(2).strip()))
    return funcs


def opcode(ins):
    return _summary.opcode(ins).split(".")[0]


def placements(ins):
    """(address, counts above the P V wait, counts below it) per S wait that has a P V wait after it."""
    out = []
    for i, (addr, s) in enumerate(ins):
        if "DEPBAR.LE gsb0, 0x1" not in s:
            continue
        above = {o: 0 for o in OPS}
        j = i + 1
        while j < len(ins) and "DEPBAR.LE gsb0, 0x0" not in ins[j][1] and "DEPBAR.LE gsb0, 0x1" not in ins[j][1]:
            op = opcode(ins[j][1])
            if op in above:
                above[op] += 1
            j += 1
        if j >= len(ins) or "gsb0, 0x0" not in ins[j][1]:
            continue
        below = {o: 0 for o in OPS}
        k = j + 1
        while k < len(ins) and "BAR.SYNC" not in ins[k][1] and "DEPBAR" not in ins[k][1] and "HGMMA" not in ins[k][1]:
            op = opcode(ins[k][1])
            if op in below:
                below[op] += 1
            k += 1
        out.append((addr, above, below))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    funcs = functions(sys.argv[1])
    wanted = sys.argv[2:]
    print("kernel / S wait at: softmax ops above the P V wait | below it (to the next turn or wgmma)")
    for name in sorted(funcs):
        if wanted and not any(w in name for w in wanted):
            continue
        for addr, above, below in placements(funcs[name]):
            if above["MUFU"] + below["MUFU"] < 16:  # not a softmax block (e.g. the epilogue's waits)
                continue
            fa = " ".join(f"{o} {above[o]}" for o in OPS if above[o])
            fb = " ".join(f"{o} {below[o]}" for o in OPS if below[o])
            print(f"{name} @{addr:05x}: {fa or '-'} | {fb or '-'}")


if __name__ == "__main__":
    main()
