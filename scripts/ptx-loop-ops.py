# Opcode counts of the key-block loops of a kernel in PTX: every loop body (a label up to the
# backward branch to it) that holds wgmma.mma_async, per function. Static counts: code a loop branches
# over (softcap, masks) is counted too. Used to compare our loop with FlashAttention-3's
# (kernels/NOTES.md, session 9):
#   python3 scripts/ptx-loop-ops.py dist/kernels/attn_fwd_sm90.ptx [function-name-substring]
import collections
import re
import sys


def functions(text):
    """(name, body) of every .entry in a PTX file."""
    for body in re.split(r'(?=^(?:\.visible\s+|\.weak\s+)?\.entry\s)', text, flags=re.M):
        m = re.match(r'^(?:\.visible\s+|\.weak\s+)?\.entry\s+(\S+?)\(', body)
        if m:
            yield m.group(1), body


def loops(body):
    """(first, last, instructions) of each loop of one function, innermost and outer alike."""
    labels, ins = {}, []
    for line in (l.strip() for l in body.split('\n')):
        label = re.match(r'^(\$?\w+):$', line)
        if label:
            labels[label.group(1)] = len(ins)
        elif line and not line.startswith(('//', '.')) and line not in '{}':
            ins.append(line)
    for i, line in enumerate(ins):
        branch = re.search(r'\bbra(?:\.uni)?\s+(\$?\w+);', line)
        if branch and labels.get(branch.group(1), i + 1) <= i:
            yield labels[branch.group(1)], i, ins[labels[branch.group(1)]:i + 1]


def main():
    text = open(sys.argv[1]).read()
    want = sys.argv[2] if len(sys.argv) > 2 else ''
    for name, body in functions(text):
        if want not in name:
            continue
        print(f'== {name}')
        for first, last, seg in loops(body):
            ops = collections.Counter(re.sub(r'^@!?%?\w+\s+', '', t).split()[0].rstrip(';') for t in seg)
            wgmma = sum(n for op, n in ops.items() if op.startswith('wgmma.mma_async'))
            if wgmma:
                print(f'  loop [{first}, {last}]: {len(seg)} instructions, {wgmma} wgmma')
                print('    ' + ', '.join(f'{op} {n}' for op, n in ops.most_common(40)))


if __name__ == '__main__':
    main()
