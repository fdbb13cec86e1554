/**
 * The Hopper forward kernels on an sm_90 GPU (src/attention/sm90.ts), the cases with long key
 * ranges or many tiles, in a file of their own so that the test runner can run them beside the
 * rest (test/attention-sm90.test.ts has the build checks and the short shapes): the cluster kernels
 * (dense from 4096 keys; the shapes of the windowed ones from 8192), the wide head-dim-64 kernels
 * from 4096 query rows, seqlen 4097, and more tiles than SMs. Each case: the public API forced onto
 * the sm90 backend against the float64 reference with FlashAttention's acceptance rule, on fresh
 * random inputs and NaN-poisoned outputs (test/support/sm90-cases.ts).
 */
import { gpuTest } from './support/gpu.js';
import { checkCase, requireSm90 } from './support/sm90-cases.js';

gpuTest('sm90: the cluster kernels (two CTAs sharing K/V by multicast) at 4096 keys and more', (t) => {
  if (!requireSm90(t)) return;
  // sm90UsesCluster: dense, head dims 128-256, seqlenK >= 4096, an even count of 128-row blocks.
  // Rows past seqlenQ in the second block, a key tail past a whole block, MQA, softcap, and a head
  // dim run on the next one up; several tiles per CTA are the checker's (attn_fwd_sm90_check.cu).
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 256, sk: 4096, heads: 2, headsKV: 2, d: 128, kernel: 'attn_fwd_sm90_bf16_hd128_cluster' });
  checkCase({ dtype: 'float16', batch: 1, sq: 200, sk: 4097, heads: 2, headsKV: 1, d: 256, kernel: 'attn_fwd_sm90_fp16_hd256_cluster' });
  checkCase({ dtype: 'bfloat16', batch: 2, sq: 256, sk: 4100, heads: 2, headsKV: 2, d: 192, opts: { softcap: 10 }, kernel: 'attn_fwd_sm90_bf16_hd192_cluster' });
  checkCase({ dtype: 'float16', batch: 1, sq: 130, sk: 5000, heads: 3, headsKV: 3, d: 96, kernel: 'attn_fwd_sm90_fp16_hd128_cluster' });
  // An odd block count stays on the one-CTA kernel.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 129 + 128, sk: 4096, heads: 1, headsKV: 1, d: 128, kernel: 'attn_fwd_sm90_bf16_hd128' });
});

gpuTest('sm90: the windowed cluster kernels (causal, two CTAs sharing K/V by multicast) from 8192 keys', (t) => {
  if (!requireSm90(t)) return;
  // sm90UsesCluster, windowed: no left window edge, head dims 128-256, seqlenK >= 8192, an even
  // count of 128-row blocks. Both CTAs of a pair walk the union of their key ranges, so the lower
  // block's first key block is wholly masked for it; 4-6 blocks make two or three pairs per head,
  // dealt two to a cluster unit (the longer first). softcap, GQA, a right-only window, head dim 160
  // on 192, rows past seqlenQ in the last block.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 512, sk: 8192, heads: 2, headsKV: 2, d: 128, opts: { causal: true }, kernel: 'attn_fwd_sm90_bf16_hd128_window_cluster' });
  checkCase({ dtype: 'float16', batch: 1, sq: 700, sk: 9000, heads: 1, headsKV: 1, d: 256, opts: { causal: true, softcap: 30 }, kernel: 'attn_fwd_sm90_fp16_hd256_window_cluster' });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 500, sk: 8192, heads: 2, headsKV: 1, d: 160, opts: { windowSize: [-1, 100] }, kernel: 'attn_fwd_sm90_bf16_hd192_window_cluster' });
  // An odd block count, or a left window edge, stays on the one-CTA kernel.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 384, sk: 8192, heads: 1, headsKV: 1, d: 128, opts: { causal: true }, kernel: 'attn_fwd_sm90_bf16_hd128_window' });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 256, sk: 8192, heads: 1, headsKV: 1, d: 128, opts: { windowSize: [2000, 0] }, kernel: 'attn_fwd_sm90_bf16_hd128_window' });
});

gpuTest('sm90: the wide kernels (head dim 64, windowed, three consumer warpgroups) from 4096 query rows', (t) => {
  if (!requireSm90(t)) return;
  // sm90UsesWide: windowed without a left edge, compiled head dim 64, seqlenQ >= 4096, not packed.
  // 192-row query blocks that end past seqlenQ, 96-key blocks crossing the diagonal and seqlenK,
  // more rows than keys (top rows see none), GQA, softcap, a right-only window, a head dim run on 64.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 4096, sk: 4096, heads: 2, headsKV: 1, d: 64, opts: { causal: true }, kernel: 'attn_fwd_sm90_bf16_hd64_window_wide' });
  checkCase({ dtype: 'float16', batch: 1, sq: 4100, sk: 4500, heads: 1, headsKV: 1, d: 64, opts: { causal: true, softcap: 20 }, kernel: 'attn_fwd_sm90_fp16_hd64_window_wide' });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 4200, sk: 3000, heads: 1, headsKV: 1, d: 40, opts: { causal: true }, kernel: 'attn_fwd_sm90_bf16_hd64_window_wide' });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 4096, sk: 4096, heads: 1, headsKV: 1, d: 64, opts: { windowSize: [-1, 100] }, kernel: 'attn_fwd_sm90_bf16_hd64_window_wide' });
  // A left window edge keeps the two-warpgroup kernel.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 4096, sk: 4096, heads: 1, headsKV: 1, d: 64, opts: { windowSize: [300, 0] }, kernel: 'attn_fwd_sm90_bf16_hd64_window' });
});

gpuTest('sm90: the short dense head-dim-64 kernels (FA3 loop, early Q release) up to 2048 keys', (t) => {
  if (!requireSm90(t)) return;
  // sm90UsesShort: dense, compiled head dim 64, seqlenK <= 2048, not varlen or packed. 144 tiles on
  // 132 SMs (early Q release loads a CTA's next Q under its last blocks), 192-row query blocks
  // ending past seqlenQ, a last key block cut by seqlenK, GQA (groups of 3: never packed), softcap,
  // a head dim run on 64; one key past the bound runs the three-warpgroup kernel with the earlier loop.
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 576, sk: 300, heads: 48, headsKV: 48, d: 64, kernel: 'attn_fwd_sm90_bf16_hd64_short' });
  checkCase({ dtype: 'float16', batch: 3, sq: 200, sk: 2048, heads: 6, headsKV: 2, d: 64, opts: { softcap: 30 }, kernel: 'attn_fwd_sm90_fp16_hd64_short' });
  checkCase({ dtype: 'bfloat16', batch: 2, sq: 333, sk: 77, heads: 6, headsKV: 2, d: 40, kernel: 'attn_fwd_sm90_bf16_hd64_short' });
  checkCase({ dtype: 'bfloat16', batch: 1, sq: 400, sk: 2049, heads: 2, headsKV: 2, d: 64, kernel: 'attn_fwd_sm90_bf16_hd64' });
});

gpuTest('sm90: seqlen 4097, causal (float16, head dim 64)', (t) => {
  if (!requireSm90(t)) return;
  checkCase({ dtype: 'float16', batch: 1, sq: 4097, sk: 4097, heads: 1, headsKV: 1, d: 64, opts: { causal: true } });
});

gpuTest('sm90: more tiles than SMs, so each persistent CTA runs several (causal ones with empty tiles)', (t) => {
  if (!requireSm90(t)) return;
  // 3 query blocks x 48 heads x 2 = 288 tiles (192 work units when causal: pairs of query blocks),
  // more than the 132 SMs of an H100: the K/V ring and the Q barriers cross tile boundaries, and
  // the causal case has tiles whose rows see no key.
  checkCase({ dtype: 'bfloat16', batch: 2, sq: 300, sk: 300, heads: 48, headsKV: 8, d: 64 });
  checkCase({ dtype: 'float16', batch: 2, sq: 300, sk: 120, heads: 48, headsKV: 8, d: 64, opts: { causal: true } });
});
