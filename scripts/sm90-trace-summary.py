# Summarizes a timeline written by the checker's trace build (kernels/sm90/trace.cuh):
#   python3 scripts/sm90-trace-summary.py trace_<kernel>_<seqlen>.txt [CTA]
# For each consumer warpgroup of the CTA (default 0): events, cycles between successive pingpong
# turns (one key block), and the time between each pair of consecutive events, largest total first.
# Then how much of each consumer warpgroup's softmax (SReady to SoftmaxDone) overlaps another's in
# time: two warpgroups' warps share each SM sub-partition's MUFU unit, so overlapping softmaxes
# slow each other where pingpong means them to alternate.
# The trace inflates every phase by its own cost (see trace.cuh): compare proportions.
import collections
import statistics as st
import sys

EVENTS = {1: 'TileStart', 2: 'Turn', 3: 'GemmsIssued', 4: 'SReady', 5: 'SoftmaxDone', 6: 'PvDone',
          7: 'EpiStart', 8: 'EpiEnd', 9: 'LoadQ', 10: 'LoadK', 11: 'LoadV', 12: 'KWait', 13: 'VWait'}

def main() -> None:
    path, cta = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0
    events = collections.defaultdict(list)
    for line in open(path):
        c, slot, clock, ev, arg = map(int, line.split())
        if c == cta:
            events[slot].append((clock, EVENTS[ev], arg))
    for slot in sorted(events):
        rows = sorted(events[slot])
        if slot == 0:
            print(f'producer: {len(rows)} events over {rows[-1][0] - rows[0][0]} cycles')
            continue
        turns = [t for t, e, _ in rows if e == 'Turn']
        per = [b - a for a, b in zip(turns, turns[1:])]
        print(f'consumer warpgroup {slot - 1}: {len(rows)} events, {len(turns)} turns, '
              f'median {st.median(per) if per else 0:.0f} cycles turn to turn')
        gaps = collections.defaultdict(list)
        for (ta, ea, _), (tb, eb, _) in zip(rows, rows[1:]):
            gaps[(ea, eb)].append(tb - ta)
        for (ea, eb), v in sorted(gaps.items(), key=lambda kv: -sum(kv[1])):
            print(f'  {ea:>11} -> {eb:<11} n={len(v):6} median {st.median(v):7.0f} total {sum(v):10}')
    softmax = {slot: intervals(sorted(events[slot]), 'SReady', 'SoftmaxDone') for slot in sorted(events) if slot > 0}
    for a in softmax:
        for b in softmax:
            if a < b:
                o, ta, tb = overlap(softmax[a], softmax[b]), total(softmax[a]), total(softmax[b])
                print(f'softmax overlap, warpgroups {a - 1} and {b - 1}: {o} cycles, '
                      f'{100 * o / max(ta, 1):.0f}% of {a - 1}\'s ({ta}), {100 * o / max(tb, 1):.0f}% of {b - 1}\'s ({tb})')


def intervals(rows, start, end):
    """[start, end) clock pairs of one warpgroup, each `start` event closed by the next `end`."""
    out, t0 = [], None
    for t, e, _ in rows:
        if e == start:
            t0 = t
        elif e == end and t0 is not None:
            out.append((t0, t))
            t0 = None
    return out


def total(iv):
    return sum(b - a for a, b in iv)


def overlap(x, y):
    """Cycles covered by both sorted, disjoint interval lists."""
    i = j = o = 0
    while i < len(x) and j < len(y):
        o += max(0, min(x[i][1], y[j][1]) - max(x[i][0], y[j][0]))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return o

if __name__ == '__main__':
    main()
