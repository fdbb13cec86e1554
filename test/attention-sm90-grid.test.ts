/**
 * The Hopper forward kernels on an sm_90 GPU against FlashAttention-3's own forward test grid
 * (its seqlen pairs crossed with head dims, masks, softcap, GQA and dtypes), in a file of its own
 * so that the test runner can run it beside the rest. Each case as in test/attention-sm90.test.ts.
 */
import type { AttentionOptions } from '../src/attention/types.js';
import { gpuTest } from './support/gpu.js';
import { type Dt, checkCase, requireSm90 } from './support/sm90-cases.js';

/**
 * The (seqlenQ, seqlenK) pairs of FlashAttention-3's own forward test (hopper/test_flash_attn.py),
 * the largest left to one case of its own below (the float64 reference is JavaScript).
 */
const FA3_SEQLEN_PAIRS: readonly (readonly [number, number])[] = [
  [1, 1], [64, 128], [128, 192], [256, 256], [239, 1], [799, 3], [113, 203], [113, 128], [128, 217],
  [113, 211], [108, 256], [256, 512], [384, 256], [640, 128], [512, 256], [1024, 1024], [1023, 1024],
  [1024, 1023],
];

gpuTest("sm90: FlashAttention-3's seqlen pairs, crossed with head dims, masks, softcap, GQA and dtypes", (t) => {
  if (!requireSm90(t)) return;
  // Each pair runs twice: once causal, once with a configuration that rotates through head dims
  // (compiled and padded), masks (none, local windows on either side), softcap and the GQA ratio,
  // so that over the list every feature meets short, long, square and lopsided shapes.
  const dims = [64, 96, 128, 192, 256, 40, 160] as const;
  FA3_SEQLEN_PAIRS.forEach(([sq, sk], i) => {
    const dtype: Dt = i % 2 === 0 ? 'bfloat16' : 'float16';
    const [heads, headsKV] = [[4, 4], [4, 2], [6, 1]][i % 3]!;
    const windows: (AttentionOptions | undefined)[] = [
      undefined,
      { windowSize: [Math.max(1, Math.floor(sk / 3)), 17] },
      { windowSize: [-1, Math.floor(sq / 5)] },
      { windowSize: [33, -1] },
    ];
    const opts: AttentionOptions = { ...windows[i % windows.length], ...(i % 3 === 1 ? { softcap: 15 } : {}) };
    checkCase({ dtype, batch: 1 + (i % 2), sq, sk, heads, headsKV, d: dims[i % dims.length]!, opts });
    checkCase({ dtype, batch: 1, sq, sk, heads: 2, headsKV: 1, d: dims[(i + 3) % dims.length]!, opts: { causal: true } });
  });
  // FA3's long square pair, on the smallest head dim (the reference's cost grows as seqlen^2 x d).
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 4224, sk: 4224, heads: 1, headsKV: 1, d: 64, opts: { causal: true } });
});
