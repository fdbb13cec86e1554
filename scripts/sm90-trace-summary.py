# Summarizes a timeline written by the checker's trace build (kernels/sm90/trace.cuh):
#   python3 scripts/sm90-trace-summary.py trace_<kernel>_<seqlen>.txt [CTA]
# For each consumer warpgroup of the CTA (default 0): events, cycles between successive pingpong
# turns (one key block), and the time between each pair of consecutive events, largest total first.
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

if __name__ == '__main__':
    main()
