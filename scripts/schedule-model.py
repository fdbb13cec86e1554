#!/usr/bin/env python3
"""Balance of the causal tile orders of the Hopper kernels (kernels/sm90/tile_scheduler.cuh), modelled.

Each tile of query block m costs m + 1 key blocks (causal, seqlenQ = seqlenK) plus a fixed overhead
per tile (Q load, epilogue) in key-block units; a CTA's time is the sum of its tiles. Prints, per
problem, mean / busiest CTA (1.0: no CTA idles at the end) for:
  pairs   pairs of query blocks (M-1-i, i), of equal cost, round robin (production to session 10)
  snake   single tiles longest first, rounds alternating direction (Traits::kSnakeOrder)
  tailN   pairs round robin, but the last N full rounds of pairs and the partial round singly,
          longest first, in snake order (tried in session 11; spilled, kernels/NOTES.md)
  greedy  single tiles longest first to whichever CTA frees first (an atomic counter)
  greedyL2  the same, longest first within sections of (head, batch) groups whose K/V fit 32 MB
          (FA3's order, and Traits::kDynamicTiles, `_dyn`: longest first across every head re-reads
          each head's K/V at every level, the snake order's loss on the H100)
  headsN  pairs round robin for all but the last N (head, batch) groups, whose tiles follow singly
          in level order (longest first), the CTAs' round robin continuing (a tile formula without
          a per-tile choice; modelled in session 21 and not built: worse than pairs)
A second table models the production kernels of the long causal points: head dim 64 on the wide
kernel (192-row tiles), 128 / 256 on the cluster kernels (a unit of two adjacent query blocks per
cluster of two CTAs, so 66 clusters walk groups of two blocks), and the one-CTA kernels that the
dynamic hand-out is built for (`_dyn`: the wide kernel, and 128-row tiles at 128 / 256).
    python3 scripts/schedule-model.py [--ctas 132] [--overhead 2]
"""
import argparse
import heapq


def pair_cost(M, u, c):
    return c(M - 1 - u) + (c(u) if M - 1 - u != u else 0)


def snake_deal(load, costs, G):
    for t, cost in enumerate(costs):
        r, b = divmod(t, G)
        load[b if r % 2 == 0 else G - 1 - b] += cost


def balance(M, HB, G, scheme, h, section=1):
    c = lambda m: m + 1 + h
    load = [0.0] * G
    pairs = [(hb, u) for hb in range(HB) for u in range((M + 1) // 2)]
    if scheme == 'pairs':
        for i, (_, u) in enumerate(pairs):
            load[i % G] += pair_cost(M, u, c)
    elif scheme == 'snake':
        snake_deal(load, [c(M - 1 - t // HB) for t in range(M * HB)], G)
    elif scheme.startswith('tail'):
        k = int(scheme[4:])
        head = max(0, len(pairs) // G - k) * G
        for i in range(head):
            load[i % G] += pair_cost(M, pairs[i][1], c)
        tail = []
        for _, u in pairs[head:]:
            tail += [M - 1 - u] + ([u] if M - 1 - u != u else [])
        snake_deal(load, [c(m) for m in sorted(tail, reverse=True)], G)
    elif scheme.startswith('heads'):
        k = int(scheme[5:])
        head = (HB - k) * ((M + 1) // 2)
        for i in range(head):
            load[i % G] += pair_cost(M, pairs[i][1], c)
        for t in range(k * M):
            load[(head + t) % G] += c(M - 1 - t // k)
    elif scheme in ('greedy', 'greedyL2'):
        step = HB if scheme == 'greedy' else section
        order = []
        for first in range(0, HB, step):
            order += sorted((m for m in range(M) for _ in range(min(step, HB - first))), reverse=True)
        heap = [(0.0, i) for i in range(G)]
        for m in order:
            t, i = heapq.heappop(heap)
            heapq.heappush(heap, (t + c(m), i))
        load = [t for t, _ in heap]
    return sum(load) / G / max(load)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ctas', type=int, default=132)
    ap.add_argument('--overhead', type=float, default=2.0)
    a = ap.parse_args()
    schemes = ['pairs', 'snake', 'tail1', 'tail2', 'greedy']
    print('problem (M query blocks x HB heads*batch)', *schemes, sep='\t')
    # bench/compare.sh's grid: batch x seqlen = 16k tokens, 2048 / head dim heads, 128-row tiles.
    for hd in (64, 128, 256):
        for s in (512, 2048, 8192, 16384):
            M, HB = s // 128, (16384 // s) * (2048 // hd)
            print(f'hd{hd} {s} ({M} x {HB})', *(f'{balance(M, HB, a.ctas, x, a.overhead):.4f}' for x in schemes), sep='\t')
    # The long causal points' production kernels: M counts units of rows x cluster query rows.
    schemes = ['pairs', 'heads1', 'heads2', 'heads4', 'greedy', 'greedyL2']
    print('kernel (M x HB, CTAs or clusters, L2 section)', *schemes, sep='\t')
    for hd, rows, cluster in ((64, 192, 1), (128, 128, 2), (256, 128, 2), (128, 128, 1), (256, 128, 1)):
        for s in (8192, 16384):
            M, HB, G = -(-s // (rows * cluster)), (16384 // s) * (2048 // hd), a.ctas // cluster
            # DynamicTileSearch's section: (head, batch) groups whose K and V (bf16) fit 32 MB.
            section = max(1, (32 << 20) // (s * hd * 4))
            print(f'hd{hd} {s} ({M} x {HB}, {G}, {section})',
                  *(f'{balance(M, HB, G, x, a.overhead, section):.4f}' for x in schemes), sep='\t')


if __name__ == '__main__':
    main()
