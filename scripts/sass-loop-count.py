#!/usr/bin/env python3
"""Instruction counts of the key-block loops of the Hopper forward kernels, from SASS.

Reads `nvdisasm -c CUBIN` output (scripts/get-sass-tools.sh fetches nvdisasm for the build machine)
or `cuobjdump -sass` output (made on the device). A loop is a backward branch and the code from its
target up to it; the innermost loops that hold an HGMMA are the consumers' key-block loops. Counts are static,
in listing order: code the loop branches over at run time (the softcap's body, a mask) is counted
too, so compare kernels built with the same features. Opcodes are grouped into the classes that
kernels/NOTES.md budgets (tensor, MUFU, FP32, uniform datapath, integer, move, control, memory).

    python3 scripts/sass-loop-count.py SASS.txt NAME [NAME ...]      # one table per kernel
    python3 scripts/sass-loop-count.py SASS.txt NAME --ops          # and every opcode's count
    python3 scripts/sass-loop-count.py SASS.txt NAME --list N       # and the listing of loop N

NAME matches a kernel exactly, or as a substring when no kernel has that exact name.
"""
import collections
import re
import sys

INSTR = re.compile(r'^\s*/\*([0-9a-f]{4,})\*/\s+(?:\{\s*)?(@!?U?P[0-9T]+\s+)?([A-Z][A-Z0-9_]*)((?:\.[A-Z0-9_]+)*)([^;]*);')
LABEL = re.compile(r'^(\.L_x_\d+):')
FUNC_SASS = re.compile(r'^\s+Function : (\S+)')
FUNC_NVDISASM = re.compile(r'^\.text\.(\S+):')
TARGET = re.compile(r'`\((\.L_x_\d+)\)|BRA\s+(?:[A-Z.]+\s+)?(0x[0-9a-f]+)')  # nvdisasm's label, cuobjdump's address

CLASSES = [
    ("tensor", {"HGMMA", "WARPGROUP"}),
    ("MUFU", {"MUFU"}),
    ("FP32", {"FADD", "FMUL", "FFMA", "FMNMX", "FSEL", "FSETP", "F2FP", "FCHK", "HADD2", "HMUL2", "HFMA2", "HMNMX2"}),
    ("uniform", None),  # every opcode that starts with U (UIADD3, UMOV, ULEA, ...), and R2UR / S2UR
    ("integer", {"IMAD", "IADD3", "VIADD", "LOP3", "SHF", "LEA", "ISETP", "SEL", "IABS", "VIADDMNMX", "PRMT", "IMNMX", "I2F", "F2I", "I2FP", "PLOP3", "POPC", "FLO", "BMSK"}),
    ("move", {"MOV", "CS2R", "S2R", "SHFL"}),
    ("control", {"BRA", "BAR", "BSSY", "BSYNC", "WARPSYNC", "NOP", "YIELD", "EXIT", "CALL", "RET", "ELECT", "ENDCOLLECTIVE", "BPT"}),
    ("memory", {"LDS", "STS", "LDG", "STG", "LD", "ST", "LDL", "STL", "SYNCS", "UTMALDG", "UTMASTG", "UTMACCTL", "FENCE", "MEMBAR", "LDSM", "STSM", "ATOMS", "ATOMG", "RED"}),
]


def classify(op):
    for name, ops in CLASSES:
        if ops is None:
            if op.startswith("U") and not op.startswith("UTMA") or op in ("R2UR", "S2UR"):
                return name
        elif op in ops:
            return name
    return "other"


def functions(path):
    """{name: [(address, opcode, modifiers, text, labels-at-this-address)]} in listing order."""
    funcs, cur, pending = {}, None, []
    for line in open(path, errors="replace"):
        m = FUNC_SASS.match(line) or FUNC_NVDISASM.match(line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            pending = []
            continue
        if cur is None:
            continue
        m = LABEL.match(line.strip())
        if m:
            pending.append(m.group(1))
            continue
        m = INSTR.match(line)
        if m:
            cur.append((int(m.group(1), 16), m.group(3), m.group(4), line.strip(), pending))
            pending = []
    return funcs


def loops(instrs):
    """(first index, last index) of every backward branch's loop, in listing order."""
    where = {}
    for i, ins in enumerate(instrs):
        where[hex(ins[0])] = i
        for label in ins[4]:
            where[label] = i
    out = []
    for i, (_, op, _, text, _) in enumerate(instrs):
        if op != "BRA":
            continue
        m = TARGET.search(text)
        target = m and (m.group(1) or hex(int(m.group(2), 16)))
        if target in where and where[target] <= i:
            out.append((where[target], i))
    return out


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    path, rest = argv[1], argv[2:]
    show_ops = "--ops" in rest
    listing = None
    if "--list" in rest:
        k = rest.index("--list")
        listing = int(rest[k + 1])
        rest = rest[:k] + rest[k + 2:]
    names = [a for a in rest if not a.startswith("--")]
    funcs = functions(path)
    for want in names:
        picked = [want] if want in funcs else sorted(n for n in funcs if want in n)
        for name in picked:
            instrs = funcs[name]
            print(f"== {name}: {len(instrs)} instructions")
            n = 0
            # A span with an EXIT is not a key-block loop: the mbarrier retry paths sit after the
            # kernel's end and branch back above their wait, so they enclose everything between.
            spans = [(f, l) for f, l in loops(instrs)
                     if any(ins[1] == "HGMMA" for ins in instrs[f:l + 1]) and not any(ins[1] == "EXIT" for ins in instrs[f:l + 1])]
            # Only the innermost: a loop around another HGMMA loop counts the tile's prologue and
            # epilogue too.
            spans = [(f, l) for f, l in spans if not any((f2, l2) != (f, l) and f <= f2 and l2 <= l for f2, l2 in spans)]
            for first, last in spans:
                body = instrs[first:last + 1]
                n += 1
                ops = collections.Counter(ins[1] for ins in body)
                cls = collections.Counter()
                for op, c in ops.items():
                    cls[classify(op)] += c
                print(f"  loop {n}: {instrs[first][0]:#06x}-{instrs[last][0]:#06x}, {len(body)} instructions, "
                      f"HGMMA {ops['HGMMA']}, MUFU {ops['MUFU']}")
                print("    " + ", ".join(f"{c} {cls[c]}" for c, _ in CLASSES + [("other", None)] if cls[c]))
                if show_ops:
                    print("    " + ", ".join(f"{op} {c}" for op, c in ops.most_common()))
                if listing == n:
                    for ins in body:
                        for label in ins[4]:
                            print(f"  {label}:")
                        print("      " + ins[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
