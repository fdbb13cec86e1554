// Compile-time configuration of the Hopper attention forward: tile sizes, warp roles, register
// split, shared-memory layout, named-barrier ids, and the K/V pipeline state.
#pragma once
#include <cstdint>
#include <type_traits>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "common/mbarrier.cuh"

namespace fa::sm90 {

// kBlockN per head dim (kBlockM is 64 per consumer warpgroup: ConsumerWarpgroups below).
//  64: 128 (with three consumer warpgroups, 192 x 128 tiles, as FA3).
// 128: 128. FA3's non-causal 176 is the next step (K/V stages 2 x 44 KB each).
// 192: 112 (FA3's choice too), because Q 48 KB + K 2 x 42 KB + V 2 x 42 KB = 216 KB fits and
//      kBlockN 128 would need Q 48 KB + 4 x 48 KB = 240 KB (227 KB is all there is). Registers per
//      consumer thread: O 96 + S 56 + P 28 = 180 of 240.
// 256: 80, because Q 64 KB + K 2 x 40 KB + V 2 x 40 KB = 224 KB is all the shared memory there is
//      (kBlockN 96 would need 256 KB).
// Head dims that are not multiples of 64 run on the next size up (TMA zero-fills the extra columns).
template <int kHeadDim>
struct TileN;
template <>
struct TileN<64> {
  static constexpr int value = 128;
};
template <>
struct TileN<128> {
  static constexpr int value = 128;
};
template <>
struct TileN<192> {
  static constexpr int value = 112;
};
template <>
struct TileN<256> {
  static constexpr int value = 80;
};

// Consumer warpgroups (64 query rows each) per head dim. At head dim 64 a warpgroup's two GEMMs
// per key block take about as long as its softmax (the exp2 work per score is the same at every
// head dim, the GEMM work halves), so with two warpgroups one's softmax cannot hide under the
// other's GEMMs; with three it hides under the other two's (FA3 does the same). Larger head dims
// need the registers: 240 per consumer thread with two warpgroups, 160 with three.
// The windowed head-dim-64 kernel keeps two: with three its mask code spilled at 160 registers
// (kBlockN 96-128; 64-80 fit, measured in kernels/NOTES.md).
// Varlen kernels keep two as well (their producer warp needs 40 registers: kProducerRegisters).
template <int kHeadDim, bool kWindowed, bool kVarlen>
struct ConsumerWarpgroups {
  static constexpr int value = kHeadDim == 64 && !kWindowed && !kVarlen ? 3 : 2;
};

// Fixed ids of the named barriers (0 is __syncthreads). Counts are in the comments of their users.
enum NamedBarrierId : uint32_t {
  kBarrierEpilogueWg0 = 1,   // + consumer warpgroup index (up to 3): its 128 threads around the O store
  kBarrierSchedulerWg0 = 4,  // + consumer warpgroup index: pingpong turn of that warpgroup (256)
  kBarrierTileFull0 = 7,     // varlen, + tile slot: the producer warp posted the slot (tile_scheduler.cuh)
  kBarrierTileEmpty0 = 9,    // varlen, + tile slot: every reader is done with the slot
  kBarrierConsumers = 11,    // Traits::kOInV: every consumer thread, before O is written over the V stages
  kBarrierTileFullWg1_0 = 12,  // Traits::kTileFullPerWg, + tile slot: as kBarrierTileFull0, for warpgroup 1 alone
};

// kBlockNOverride (0: TileN), kStagesOverride (0: 2), kSeparateOAllowed = false,
// kConsumerWgOverride (0: ConsumerWarpgroups), kPSetsOverride, kWaitOverride, kWarpSpecialized_ =
// false, kLeanMask_, kRescaleOverride, kSpeculativeExp_, kMaxOverride, kBoundaryOverride and
// kRowSumOverride exist for experiments built only into the checker (kernels/test/attn_fwd_sm90_check.cu);
// kPackGqa_ = true (with kConsumerWgOverride = 2 at head dim 64) makes the production `_packgqa`
// kernels (ATTN_FWD_SM90_TRAITS in attn_fwd_sm90_instances.h); kClusterOverride = 2 makes the
// production `_cluster` kernels (ATTN_FWD_SM90_CLUSTER_TRAITS there); kIssueOverride (0: kIssueDefault) the
// checker's `_sleep` and `_uwg` kernels (kWaitSuspendNs, kUniformWarpgroup), and
// kScheduleOverride (0: kSnakeDefault) its `_snake` kernels, kLoopOverride its `_rit`, `_nm`, `_cap` kernels.
template <typename Element_, int kHeadDim_, bool kWindowed_, bool kIntraWgOverlap_, bool kPingpong_,
          bool kPersistent_ = true, int kBlockNOverride = 0, int kStagesOverride = 0, bool kSeparateOAllowed = true,
          int kConsumerWgOverride = 0, bool kVarlen_ = false, int kPSetsOverride = 0,
          int kWaitOverride = 0, bool kWarpSpecialized_ = true, bool kPackGqa_ = false, bool kLeanMask_ = false,
          int kRescaleOverride = 0, bool kSpeculativeExp_ = false, int kMaxOverride = 0,
          int kBoundaryOverride = 0, int kRowSumOverride = 0, int kClusterOverride = 0, int kIssueOverride = 0,
          int kScheduleOverride = 0, int kLoopOverride = 0, int kExpOverride = 0>
struct Traits {
  using Element = Element_;
  static_assert(sizeof(Element) == 2, "16-bit inputs only (fp8 needs V transposed in shared memory)");
  static constexpr int kHeadDim = kHeadDim_;
  // Causal and local windows share one mask: causal is the window [-1, 0].
  static constexpr bool kWindowed = kWindowed_;
  // Softmax of block j runs while the tensor cores compute Q K_{j-1}^T (FA3's intra-warpgroup overlap).
  static constexpr bool kIntraWgOverlap = kIntraWgOverlap_;
  // The consumer warpgroups take turns issuing GEMMs (round robin), so one's softmax hides under
  // the others' GEMMs.
  static constexpr bool kPingpong = kPingpong_;
  // Grid = min(#SMs, #work units), each CTA loops over units (tile_scheduler.cuh); false: one CTA per tile (v1).
  static constexpr bool kPersistent = kPersistent_;
  // Packed variable-length sequences (cuSeqlens, sequsedK): tiles come from a warp-wide search over
  // the sequences (tile_scheduler.cuh), so the producer is a whole warp; O rows that a TMA box would
  // write into the next sequence go out as plain stores (epilogue.cuh).
  static constexpr bool kVarlen = kVarlen_;
  static_assert(!kVarlen || kPersistent, "varlen tiles are found by the persistent scheduler");
  // A producer warpgroup issues every load (FA3's warp specialization). false: the "without warp
  // specialization" ablation of FA3's Table 2 (checker only): the CTA is the consumer warpgroups
  // alone, without setmaxnreg, and thread 0 of the last one issues the loads from inside the
  // consumer loop (ConsumerIssuedLoads, mainloop_producer.cuh, which argues why it cannot deadlock).
  // Its load points sit in the overlapped, pingponged loop and Q is refilled at releaseQ (separate
  // O tile); the dense tile scheduler walks the tiles.
  static constexpr bool kWarpSpecialized = kWarpSpecialized_;
  static_assert(kWarpSpecialized || (kIntraWgOverlap_ && kPingpong_ && !kWindowed_ && !kVarlen_),
                "without warp specialization: dense, non-windowed, with overlap and pingpong only");
  // PackGQA (FA3's PackGQA; the `_packgqa` kernels, kernels/NOTES.md): a tile holds the rows of all
  // p.headGroup query heads that share one KV head, R = kBlockM / headGroup rows of each
  // (PackedRows, tile_scheduler.cuh), so a short query (decoding: 1-64 rows) fills the M tile
  // instead of leaving most of a 128-row tile of one head empty, and the K/V of a KV head is read
  // once for its whole group. headGroup is a power of two with R a multiple of 8 (2..16 at
  // kBlockM 128), checked on the host: each head's rows then start on a 128B-swizzle atom (8 rows).
  static constexpr bool kPackGqa = kPackGqa_;
  static_assert(!kPackGqa_ || (kPersistent_ && !kVarlen_ && kWarpSpecialized_),
                "PackGQA: dense persistent warp-specialized kernels only");
  // Order of the windowed (causal, local) dense kernels' tiles (TileScheduler, tile_scheduler.cuh):
  // false (production), pairs of query blocks of equal cost, dealt round robin; true, single tiles
  // longest first across every (head, batch), dealt in snake order: 20-35% slower at 512-2k keys on
  // the H100 (each level re-reads every head's K/V: L2), level at 8k-16k (kernels/NOTES.md,
  // "Session 11"). kScheduleOverride (checker experiments): 0 the default, 1 pairs, 2 snake (`_snake`).
  static constexpr bool kSnakeDefault = false;
  static constexpr bool kSnakeOrder = kWindowed_ && kPersistent_ && !kVarlen_ && !kPackGqa_ &&
                                      (kScheduleOverride == 0 ? kSnakeDefault : kScheduleOverride == 2);
  // kScheduleOverride 3 (checker experiments, `_dyn`): single tiles handed out by a global counter,
  // longest first within L2 sections of heads (DynamicTileSearch, tile_scheduler.cuh; FA3's
  // dynamic scheduler). The producer warp fetches them and posts them to the consumers through the
  // varlen kernels' ring (kTileHandover). Clusters: the CTAs of a cluster take the same unit (a
  // group of adjacent query blocks), which rank 0's producer fetches and passes to rank 1's
  // (kUnitHandoff).
  static constexpr bool kDynamicTiles = kWindowed_ && kPersistent_ && kWarpSpecialized_ && !kVarlen_ && !kPackGqa_ &&
                                        kScheduleOverride == 3;
  // Dynamic tiles in a cluster of two: rank 0 stores each unit into rank 1's shared memory
  // (st.async, completing a transaction on rank 1's unitFull mbarrier) and rank 1 frees the slot
  // with a remote arrival on rank 0's unitEmpty (DynamicTileSearch::exchangeUnit).
  static constexpr bool kUnitHandoff = kDynamicTiles && kClusterOverride > 1;
  // The producer warp hands each tile to the consumers through shared memory (tile_scheduler.cuh).
  static constexpr bool kTileHandover = kVarlen_ || kDynamicTiles;

  // Register sets for P (the A operand of O += P V) and where the softmax sits against the P V's
  // wait. With intra-warpgroup overlap the P V of block n + 1 runs while block n's softmax makes
  // the next P, but ptxas, which schedules the softmax freely around a wgmma.wait_group, sank it
  // below the P V's wait (ncu and SASS, kernels/NOTES.md), so the softmax did not overlap the P V.
  // Modes:
  //  1: one P set, converted after the wait (the softmax may sink below it);
  //  2: two P sets, alternating by key block (the loop is unrolled by two) and kept allocated past
  //     the wait (keepOperandsLive), so the conversion need not wait: kBlockN / 4 more registers;
  //  3: (checker experiment) two sets without keepOperandsLive: ptxas merges them into one;
  //  4, 5: 1 and 2 with a scheduling fence (schedulingFence) before the wait, which keeps the
  //     softmax above it;
  //  6: (checker experiment) one P set kept allocated past the wait (keepOperandsLive), no fence:
  //     FlashAttention-3's arrangement. ptxas may then place the wait where the first conversion
  //     into P needs it, after the row maxima and the first exponentials, and interleave O's
  //     rescale and the conversion with the remaining exponentials; in mode 1 it gave P's
  //     registers to softmax temporaries and hoisted the wait above the whole softmax (SASS of the
  //     causal hd128 kernel, kernels/NOTES.md "Session 12").
  //  7: (checker experiment, `_psmem`) no register set: P goes through shared memory (kPFromSmem,
  //     below), as one set converted after the wait.
  // Mode 5 at head dim 128 (dense, non-windowed): +1-5% over 1 at 2k-16k. The windowed kernel
  // spills with it (mask registers); at head dims 64 (160 registers), 192 and 256 and in the
  // varlen kernels two sets spill, and mode 4 measured no better than 1 (NOTES).
  // FlashAttention-3's loop arrangement (kernels/NOTES.md, "Session 12"): one P set without the
  // fence (mode 1), no branch in the steady loop (kLoopBits 6: no mask test, softcap per tile),
  // only warpgroup 0 waits on the K/V barriers (kWaitMode 2; its pingpong turn orders the
  // others after it) and the warpgroup index known warp-uniform (kIssueBits 2). Measured together
  // on the dense hd128 cluster kernel: +2-8%, 8% fewer cycles; each part alone level.
  // The windowed hd128 kernels take it too, with FA3's separate masking loop (kSplitMaskedBlocks,
  // below) instead of the dense kernels' dropped mask test: causal +4-8% at 16k, -2% to +12% at 8k in
  // the checker (`_hd128_window_fa3like_maskloop`, NOTES "Session 13"). At head dim 64 with two
  // consumer warpgroups it measured level at 8k-16k (session 13) and 1-3% slower at 512-4k
  // (session 16, made the default there and reverted), at 192 and 256 it spilled; the windowed head-dim-64
  // kernel with three (192 x 96 tiles, the production `_wide` kernel for long causal problems,
  // ATTN_FWD_SM90_WIDE_INSTANCES) takes it: +3-10% at 8k-16k over two
  // (`_hd64_window_fa3like_maskloop_wg3_n96`, NOTES "Session 13"). Checker experiments that need
  // two P sets keep the earlier loop: the speculative exponentials, and windowed ones that pick a
  // P set mode (the masking loop is written for one set).
  static constexpr bool kFa3Loop = kIntraWgOverlap_ && kPingpong_ && kWarpSpecialized_ &&
                                   (kHeadDim_ == 128 || (kHeadDim_ == 64 && kWindowed_ && kConsumerWgOverride == 3)) &&
                                   !kVarlen_ && !kPackGqa_ && !kSpeculativeExp_ &&
                                   !(kWindowed_ && kPSetsOverride != 0 && kPSetsOverride != 7);
  static constexpr int kPSetsDefault =
      kFa3Loop ? 1 : kIntraWgOverlap_ && kHeadDim_ == 128 && !kWindowed_ && !kVarlen_ ? 5 : 1;
  static constexpr int kPSetsMode = kPSetsOverride ? kPSetsOverride : kPSetsDefault;
  // The element mask keeps only its two rows' positions across the key loop and derives their
  // visible key range where it is applied (ScoreMask::rowPos; checker experiments so far): two
  // vector registers instead of four, which is what the windowed hd128 kernel needs for two P sets
  // (mode 5: 0 spill bytes with it, 32 B without; ptxas 13.0).
  static constexpr bool kLeanMask = kLeanMask_;
  // How new row maxima reach O (OnlineSoftmax, softmax.cuh): 0 eager (every block), 1 vote (a
  // warp skips O's rescale in blocks where none of its rows' maxima moved: exact, the same output
  // bit for bit), 2 lazy (a row keeps its maximum until it rose by 2^8: less accurate). Production
  // is eager: the vote measured 0-5% slower at head dim 128 (NOTES, "Session 6") and, where the
  // rescale is largest (head dim 256: 128 FMUL per thread and key block against 80 keys of softmax
  // work), +1% on average at 4k-16k (NOTES, "Session 7"); lazy fails the acceptance rule now and then.
  // kRescaleOverride (checker experiments): 1 + the mode.
  static constexpr int kRescaleModeDefault = 0;
  static constexpr int kRescaleMode = kRescaleOverride == 0 ? kRescaleModeDefault : kRescaleOverride - 1;
  static_assert(kRescaleMode >= 0 && kRescaleMode <= 2, "rescale mode 0 to 2");
  // Where that rescale runs (intra-warpgroup overlap). After block n's P V wait (production), it
  // sits between the last exponentials and the next pingpong turn: the SASS of session 10 shows it
  // issued after the last MUFU, on the path to the turn (kernels/NOTES.md, "Session 12").
  // kRescaleInTurn: in the next block's turn instead, after its S GEMM is issued and before the
  // P V GEMM that accumulates into O (FlashAttention-3's RescaleOBeforeGemm, which it takes above
  // head dim 128), so the FMULs run while the tensor cores work on that S GEMM. The tile's last P
  // V (lastPV) rescales before it too.
  // The steady-state key loop's branches (session 12: FA3's unmasked loop is one basic block from
  // the S wait to the conversion of P; ours branches twice there, for the softcap and the mask):
  // kSteadyMaskTest false drops the mask test from the steady blocks of the dense kernels, where
  // only the tile's first block (the one with the last keys, always processed first) can need it;
  // kSoftcapOutsideLoop picks the softcap once per tile and runs one of two copies of the loop.
  // kSplitMaskedBlocks (windowed kernels, one P set, with kSoftcapOutsideLoop): FA3's separate
  // masking iterations: the steady blocks that may need the mask (the ones crossing the diagonal
  // or seqlenK, which the walk from the top reaches first) keep the test, the rest run in a
  // second loop without it (ScoreMask::lastUnmaskedBlock; windows with a left edge keep one loop).
  // kLoopOverride (checker experiments): 0 the defaults; else 1 + bits: bit 0 kRescaleInTurn
  // (`_rit`), bit 1 no steady mask test (`_nm`, dense only), bit 2 softcap outside (`_cap`), bit
  // 3 kSplitMaskedBlocks (`_maskloop`; at head dims 192 and 256 with `_fa3like`'s other parts it
  // spilled 20-48 B, so the checker has it at 64 and 128 only), bit 4 kPartialFirstBlock (below).
  static constexpr int kLoopBits = kLoopOverride == 0 ? (!kFa3Loop ? 0 : kWindowed_ ? 12 : 6) : kLoopOverride - 1;
  static constexpr bool kRescaleInTurn = kIntraWgOverlap_ && (kLoopBits & 1) != 0;
  static constexpr bool kSteadyMaskTest = kWindowed_ || (kLoopBits & 2) == 0;
  static constexpr bool kSoftcapOutsideLoop = kIntraWgOverlap_ && (kLoopBits & 4) != 0;
  static constexpr bool kSplitMaskedBlocks = kWindowed_ && (kLoopBits & 8) != 0;
  // bit 4 (checker experiments, `_diag`; streamed tiles, kBlockN 128): the softmax of a tile's first
  // key block (the one the causal diagonal or seqlenK crosses) skips, warp by warp, the 32-column
  // quarters that every row of the warp has masked (ScoreMask::visibleGroups16): with an aligned
  // causal diagonal 37.5% of that block's maxima and exponentials; the output is the same bit for
  // bit. At head dim 128 every form of it spilled 124-180 B (the P V of the previous tile is in
  // flight there, holding O and P), so the checker has it at head dim 64 only.
  static constexpr bool kPartialFirstBlock = (kLoopBits & 16) != 0;
  // bit 5 (`_halfdiag`, streamed tiles): a tile's first S GEMM is m64n(N/2) where every row of the
  // warpgroup has the upper half of that key block masked (ScoreMask::upperHalfMasked; with an
  // aligned causal diagonal, warpgroup 0 of each tile), the columns it leaves set to -inf as the
  // mask would, and that block's P V takes only the lower half's k-steps (P is 0 above), in the
  // second block's turn (a one-block tile's goes out whole in the next tile's first turn). Half of
  // warpgroup 0's tensor work on each diagonal block, the same output. The kernel runs one of two
  // copies of the tile per warpgroup (attn_fwd_sm90.cu). ptxas (session 20): the S half alone, or
  // a run-time branch between GEMM shapes, serialized the wgmmas (C7511 / C7515); this form is
  // clean at head dim 64 and spills or serializes at 128 (kernels/NOTES.md, "Left for later").
  static constexpr bool kHalfDiagonal = (kLoopBits & 32) != 0;
  // A row maximum from four partial maxima instead of one chain (OnlineSoftmax, kSplitMax): a
  // shorter dependency chain ahead of the exponentials, the same value. kMaxOverride (checker
  // experiments): 1 one chain, 2 split. Production keeps one chain: split measured 1-2% slower
  // at head dim 128 (kernels/NOTES.md, "Session 6"), and at head dim 256 with PackGQA it spills 4 B.
  static constexpr bool kSplitMaxDefault = false;
  static constexpr bool kSplitMax = kMaxOverride == 0 ? kSplitMaxDefault : kMaxOverride == 2;
  // The steady-state softmax takes its exponentials against the kept maximum first and looks for
  // a new maximum only where they come out too large (OnlineSoftmax::updateSpeculative). Needs
  // the lazy rescale and two P sets (it packs P while s is still needed). Checker experiment.
  static constexpr bool kSpeculativeExp = kSpeculativeExp_;
  static constexpr int kPBuffers = kPSetsMode == 1 || kPSetsMode == 4 || kPSetsMode == 6 || kPSetsMode == 7 ? 1 : 2;
  static constexpr bool kKeepPLive = kPSetsMode == 2 || kPSetsMode == 5 || kPSetsMode == 6;
  // Modes 4 (one set) and 5 (two kept sets): a scheduling fence between the softmax and the P V
  // wait (schedulingFence), so ptxas cannot move the softmax below the wait.
  static constexpr bool kFenceBeforePvWait = kPSetsMode == 4 || kPSetsMode == 5;
  static_assert(kPSetsMode >= 1 && kPSetsMode <= 7, "P set mode 1 to 7");
  static_assert(!kSplitMaskedBlocks || (kSoftcapOutsideLoop && kPBuffers == 1),
                "the split of masked key blocks is written for the per-tile softcap loop with one P set");
  static_assert(kPBuffers == 1 || kIntraWgOverlap_, "two P sets only with intra-warpgroup overlap");
  static_assert(!kSpeculativeExp || (kRescaleMode == 2 && kPBuffers == 2), "speculative exponentials: lazy rescale, two P sets");
  // Where a consumer warpgroup waits for the K and V of a steady-state key block. The producer
  // loads K n before V n + 1, so by default a warpgroup waits for K n before its pingpong turn
  // and for V n + 1 inside it, between the S and the P V GEMM. kWaitOverride (checker
  // experiments): bit 0 waits for V before the turn too (no try_wait latency inside the turn,
  // but S no longer starts before V has landed): +3-4% at head dim 128 non-causal 8k-16k, -3 to
  // -15% elsewhere (kernels/NOTES.md), so not the default; bit 1 lets only warpgroup 0 wait (the
  // others get their turn after it, as FA3 does).
  static constexpr int kWaitMode = kWaitOverride ? kWaitOverride - 1 : kFa3Loop ? 2 : 0;
  static constexpr bool kWaitVBeforeTurn = (kWaitMode & 1) != 0;
  static constexpr bool kOnlyFirstWarpgroupWaits = (kWaitMode & 2) != 0;
  static constexpr int kConsumerWarpgroups =
      kConsumerWgOverride ? kConsumerWgOverride : ConsumerWarpgroups<kHeadDim, kWindowed, kVarlen_>::value;
  static_assert(kConsumerWarpgroups == 2 || kConsumerWarpgroups == 3, "two or three consumer warpgroups");
  static constexpr int kRowsPerWarpgroup = 64;  // one m64 wgmma
  static constexpr int kBlockM = kConsumerWarpgroups * kRowsPerWarpgroup;
  // PackGQA splits the tile's rows with shifts (PackedRows), so kBlockM must be a power of two.
  static constexpr int kLog2BlockM = kBlockM == 128 ? 7 : -1;
  static_assert(!kPackGqa_ || kLog2BlockM > 0, "PackGQA: two consumer warpgroups (kBlockM 128)");
  static constexpr int kBlockN = kBlockNOverride ? kBlockNOverride : TileN<kHeadDim>::value;
  static constexpr int kStages = kStagesOverride ? kStagesOverride : 2;
  static constexpr int kThreads = 128 * ((kWarpSpecialized ? 1 : 0) + kConsumerWarpgroups);
  // Threads of the producer warpgroup that run the producer: one issues every TMA; varlen keeps its
  // whole warp for the sequence search and for zeroing V rows past a sequence's keys.
  static constexpr int kProducerThreads = kTileHandover ? 32 : 1;
  // Per thread, producer / consumers. The pool setmaxnreg moves registers in is what the launch
  // gave the CTA: kThreads x (65536 / kThreads rounded down to 8), i.e. 384 x 168 = 64512 or
  // 512 x 128 = 65536; asking for more makes setmaxnreg.inc wait forever (a varlen split of 48 / 232
  // = 65536 hung the H100). 24 / 240 with two consumer warpgroups (64512), 32 / 160 with three
  // (65536). Varlen: 56 / 224 (64512). Its tile values come from memory, i.e. vector registers,
  // with loop bounds and pipeline stages derived from them: the producer warp, which also runs
  // the tile search, spilled 12-48 B at 40; hd192/hd256 varlen consumers spill even at 240
  // (kernels/NOTES.md). Without warp specialization the split is unused: 2 x 128 threads launched
  // with __launch_bounds__(256, 1) may use 255 registers each.
  static constexpr int kProducerRegisters = kVarlen ? 56 : kConsumerWarpgroups == 3 ? 32 : 24;
  static constexpr int kConsumerRegisters = kVarlen ? 224 : kConsumerWarpgroups == 3 ? 160 : 240;
  static constexpr int kLaunchRegisterPool = kThreads * (65536 / kThreads / 8 * 8);
  static_assert(!kWarpSpecialized ||
                    128 * (kProducerRegisters + kConsumerWarpgroups * kConsumerRegisters) <= kLaunchRegisterPool,
                "setmaxnreg would ask for more registers than the launch gave the CTA");
  static_assert(!kVarlen || kHeadDim <= 128, "varlen consumers spill past head dim 128 (kernels/NOTES.md)");

  // 128-byte swizzle: a tile is stored as column chunks of 64 elements (128 B) x rows.
  static constexpr int kChunkCols = 64;
  static constexpr int kChunks = kHeadDim / kChunkCols;
  // Compiled head dims are multiples of 64; others run on the next one up (zero-filled columns).
  static_assert(kHeadDim % kChunkCols == 0, "compiled head dims are multiples of 64");
  static_assert(kBlockN % 16 == 0 && kBlockN <= 256, "kBlockN is the N of an m64nNk16 wgmma and the K of P V");

  static constexpr int kQBytes = kBlockM * kHeadDim * 2;
  // Streamed tiles (kStreamTiles, just below) keep two Q tiles, so the next tile's Q is in shared memory
  // before this tile's last block is done. Production (kStreamDefault): the windowed one-CTA kernels
  // at head dims 64 and 128 with two consumer warpgroups, not varlen or PackGQA, every experiment
  // override at its default (the checker's windowed experiments keep the boundary they were
  // measured with); src/attention/sm90.ts (sm90StreamsTiles) counts their shared memory.
  // One CTA (no cluster), and every experiment override at its default.
  static constexpr bool kOneCtaProduction =
      kIntraWgOverlap_ && kPingpong_ && kPersistent_ && kWarpSpecialized_ && !kVarlen_ && !kPackGqa_ &&
      kBlockNOverride == 0 && kStagesOverride == 0 && kSeparateOAllowed && kConsumerWgOverride == 0 &&
      kPSetsOverride == 0 && kWaitOverride == 0 && !kLeanMask_ && kRescaleOverride == 0 && !kSpeculativeExp_ &&
      kMaxOverride == 0 && kBoundaryOverride == 0 && kRowSumOverride == 0 && kClusterOverride == 0 &&
      kIssueOverride == 0 && kScheduleOverride == 0 && kLoopOverride == 0 && kExpOverride == 0;
  static constexpr bool kStreamDefault = kOneCtaProduction && kWindowed_ && (kHeadDim_ == 64 || kHeadDim_ == 128);
  // The one-CTA kernels at head dims 192 and 256 (dense and windowed; no room for an O tile of
  // their own) write O over the V stages and release Q early (kOInV below; boundary mode 1): on
  // the H100 +4-14% below 2k keys, level at 2k-4k (NOTES "Session 20").
  static constexpr bool kOInVDefault = kOneCtaProduction && (kHeadDim_ == 192 || kHeadDim_ == 256);
  // The tile-boundary mode (kBoundaryOverride and the modes' bits: the comment above kEarlyQRelease
  // below), here because the streamed tiles' second Q tile is part of the layout.
  static constexpr int kBoundaryModeDefault =
      kStreamDefault ? 8
      : kOInVDefault || (kFa3Loop && kHeadDim_ == 128 && !kWindowed_ && kClusterOverride == 0) ? 1
                                                                                              : 0;
  static constexpr int kBoundaryMode = kBoundaryOverride == 0 ? kBoundaryModeDefault : kBoundaryOverride - 1;
  // bit 3, kStreamTiles (checker experiments, `_stream`): the key blocks of a CTA's tiles run as one
  // stream. A tile's last P V is not waited for at the tile's end: it goes out in the next tile's
  // first pingpong turn together with that tile's first S GEMM (Q double-buffered: kQBuffers), and
  // the previous tile's epilogue runs after that first block's softmax, while the other warpgroups'
  // GEMMs keep the tensor cores busy. So a tile boundary costs about an epilogue instead of a
  // pipeline drain and refill (the last P V alone, the first S alone, the first softmax with no
  // P V under it), which at 512 keys is a large part of a causal tile of 1-4 key blocks. Q is freed
  // at each tile's last S GEMM (early release). One P set, intra-warpgroup overlap, pingpong, warp
  // specialization, dense scheduler (not varlen), a separate O tile.
  static constexpr bool kStreamTiles = (kBoundaryMode & 8) != 0;
  static constexpr int kQBuffers = kStreamTiles ? 2 : 1;
  static constexpr int kKBytes = kBlockN * kHeadDim * 2;
  static constexpr int kVBytes = kBlockN * kHeadDim * 2;
  // P through shared memory (P set mode 7, checker experiments `_psmem`; FlashAttention-3's choice for
  // its dense head-dim-64 kernel, 192 x 192 tiles with Mma1_is_RS false): each consumer warpgroup
  // writes its P [64 rows][kBlockN keys] into a tile of its own (the Q tile's 128B-swizzled chunk
  // layout, keys as the K dimension), and O += P V is an SS wgmma reading it. That frees P's
  // kBlockN / 4 registers per thread (live until the RS P V's wait, after the softmax), for
  // kBlockN / 4 32-bit shared stores, a proxy fence and a warpgroup barrier per key block. With
  // three consumer warpgroups (160 registers) it lets the windowed head-dim-64 kernel take 128 keys
  // with FA3's loop; FA3's dense 192 x 192 still spills (kernels/NOTES.md, "Session 21").
  static constexpr bool kPFromSmem = kPSetsMode == 7;
  static constexpr int kPWgBytes = kPFromSmem ? (kBlockN + 63) / 64 * kRowsPerWarpgroup * 128 : 0;  // whole chunks
  static constexpr int kPBytes = kConsumerWarpgroups * kPWgBytes;
  static_assert(!kPFromSmem || (!kVarlen_ && !kPackGqa_ && !kSpeculativeExp_),
                "P through shared memory: not varlen or packed (checker experiment)");
  // Varlen and dynamic tiles: slots of the ring through which the producer warp posts tiles
  // (tile_scheduler.cuh).
  static constexpr int kTileSlots = kTileHandover ? 2 : 0;
  static constexpr int kTileSlotBytes = 28;  // sizeof(Tile)
  // Q full, Q free, full/empty K, full/empty V; varlen: V landed (the tail block before zeroing);
  // with O in the V stages (kOInV, below) one more, O stored (kBarrierCount).
  // (The tile slots are handed over with named barriers: tile_scheduler.cuh.)
  // kUnitHandoff: unitFull and unitEmpty, and 8 bytes for the unit after the tile slots.
  static constexpr int kBarrierCountBase = 2 * kQBuffers + 4 * kStages + (kVarlen ? 1 : 0) + (kUnitHandoff ? 2 : 0);
  static constexpr int kUnitSlotBytes = kUnitHandoff ? 8 : 0;
  static constexpr int kSmemAlign = 1024;
  static constexpr int kMaxSmemBytes = 232448;  // 227 KB, what an H100 block may use
  // O gets its own tile where it fits (head dims 64 and 128; 192 and 256 have no room): Q is then
  // free as soon as the tile's last S GEMM completed, so the next tile's Q loads under the last
  // P V and the epilogue. Otherwise O goes over the V stages (kOInV, below: the one-CTA kernels at
  // head dims 192 and 256) or overwrites Q, and then the next Q waits for the O store to leave.
  // Dynamic shared memory is only 16-byte aligned: kSmemAlign of slack rounds the base up.
  static constexpr bool kSeparateO =
      kSeparateOAllowed && (kQBuffers + 1) * kQBytes + kStages * (kKBytes + kVBytes) + kPBytes + 8 * kBarrierCountBase +
                                   kTileSlots * kTileSlotBytes + kUnitSlotBytes + kSmemAlign <=
                               kMaxSmemBytes;
  // Tile boundaries of the persistent loop (kernels/NOTES.md, "Session 7"). With an O tile of its
  // own, Q is only read by the S GEMMs, so
  //  - kEarlyQRelease: a consumer warpgroup frees Q as soon as its tile's last S GEMM has completed
  //    (with K's stage), not after the last block's softmax: the next tile's Q is in flight under
  //    that softmax, the last P V and the epilogue;
  //  - kNextTileBeforeEpilogue: a consumer warpgroup issues the next tile's first S GEMM before
  //    its epilogue, so the tensor cores work while it converts and stores O (dense scheduler:
  //    varlen consumers read their tiles from a ring they would have to look ahead in; with warp
  //    specialization: the consumer-issued loads keep their own order).
  // kBoundaryOverride (checker experiments): 1 + bits, bit 0 early release, bit 1 next tile first,
  // bit 2 no epilogue at all (a diagnostic that writes no output: what the epilogue costs), bit 3
  // streamed tiles (kStreamTiles, above, with kBoundaryMode itself).
  // Session 7 (H200, the earlier loop) measured neither as a gain that holds. With FA3's loop
  // (kFa3Loop), early release measured +3-5% at 512 and 2k keys, mixed at 1k, on the H100 (session
  // 15, `_hd128_bnd_earlyq`), so the dense one-CTA head-dim-128 kernels take it; the cluster kernels
  // (4096 keys and more) keep mode 0 (not measured alone there), the windowed one-CTA kernels at
  // head dims 64 and 128 stream their tiles (mode 8, session 17), and the one-CTA kernels at head
  // dims 192 and 256 take mode 1 with O over the V stages (kOInVDefault, session 20).
  static_assert(!kStreamTiles || (kSeparateO && kIntraWgOverlap_ && kPingpong_ && kWarpSpecialized_ && !kVarlen_ &&
                                  kPersistent_ && kPBuffers == 1 && !kRescaleInTurn),
                "streamed tiles: one P set, overlap, pingpong, warp specialization, persistent dense scheduler, separate O");
  static_assert(!kPartialFirstBlock || (kStreamTiles && !kPackGqa_), "the partial first block is written for streamed tiles");
  static_assert(!kHalfDiagonal || (kStreamTiles && kWindowed_ && !kPackGqa_ && kBlockN % 16 == 0),
                "the half-width diagonal S GEMM is written for streamed windowed tiles");
  // Without an O tile (head dims 192 and 256, or three K/V stages at 128), early release (bit 0)
  // writes O into the V stages' memory instead of Q's (kOInV, FlashAttention-3's arrangement: its
  // epilogue's O overlaps smem_v): Q is then only read by the S GEMMs, as with an O tile of its own.
  // The consumer warpgroups meet before writing O (every one's last P V has read its V stage), and
  // the producer loads no V of the next tile before the O store has left (barrier freeO).
  // One-CTA, warp-specialized, not varlen or PackGQA. (Session 18 stored O from registers instead,
  // kDirectO: on the H100 it lost 4-12% at head dim 256 below 4k keys; NOTES "Session 19".)
  // Clusters: a V block lands in both CTAs, so each CTA's producer would have to wait for both
  // CTAs' O stores. Session 19 had every consumer warpgroup arrive on both CTAs' freeO; the H100
  // (session 20) measured it level (0.98-1.02) and found it wrong where a pair's tiles are empty
  // (causal, more queries than keys): with no K or V to share, one CTA's consumers run tiles ahead
  // of the other's producer and their arrivals complete its phases early (a launch failure). So
  // one CTA only.
  static constexpr bool kOInV = !kSeparateO && kIntraWgOverlap_ && kWarpSpecialized_ && !kVarlen_ && !kPackGqa_ &&
                                kClusterOverride == 0 && (kBoundaryMode & 1) != 0;
  static_assert(!kOInV || kStages * kVBytes >= kQBytes, "O in the V stages: they hold a whole O tile");
  static constexpr int kBarrierCount = kBarrierCountBase + (kOInV ? 1 : 0);
  static constexpr bool kEarlyQRelease =
      (kSeparateO || kOInV) && kIntraWgOverlap_ && ((kBoundaryMode & 1) != 0 || kStreamTiles);
  static constexpr bool kNextTileBeforeEpilogue =
      kSeparateO && kIntraWgOverlap_ && kWarpSpecialized_ && !kVarlen_ && (kBoundaryMode & 2) != 0;
  // The boundary experiments write O to shared memory with st.shared (storeShared32); production
  // keeps its generic stores (ST.E in the SASS), so that its machine code stays as measured.
  static constexpr bool kSharedStoresInEpilogue = kBoundaryMode != 0;
  static constexpr bool kSkipEpilogue = (kBoundaryMode & 4) != 0;
  static_assert(!kSkipEpilogue || !kNextTileBeforeEpilogue, "the no-epilogue diagnostic runs on the per-tile loop");
  static_assert(!kStreamTiles || (!kSkipEpilogue && !kNextTileBeforeEpilogue), "streamed tiles have their own boundary");
  static_assert(!kDynamicTiles || !kNextTileBeforeEpilogue,
                "dynamic tiles: the consumers read each tile from the ring, so they cannot look ahead");
  // Streamed tiles with the dynamic hand-out: each consumer warpgroup waits for a posted tile at its
  // own named barrier (the producer warp arrives on both), since a full barrier shared by both
  // would make them meet at every tile boundary, which the streamed boundary avoids (warpgroup 0
  // starts the next tile while warpgroup 1 finishes the last softmax). Two consumer warpgroups.
  static constexpr bool kTileFullPerWg = kDynamicTiles && kStreamTiles;
  static_assert(!kTileFullPerWg || kConsumerWarpgroups == 2, "per-warpgroup tile barriers: two consumer warpgroups");
  // Row sums of P (checker diagnostics so far; kRowSumOverride = 1 + bits): bit 0 leaves out the
  // 64 FADD per thread and key block that sum the f32 p (the output is then wrong: timing only);
  // bit 1 adds a m64n8k16 wgmma per k16 step of P V, P times a block of ones (what a tensor-core row
  // sum would cost; its result is discarded); bit 2 sums each row over four interleaved partial sums
  // (kRowSumChains; session 13: the row sum's one FADD chain sits between the MUFU of the softmax
  // tail, NOTES "Session 13").
  static constexpr int kRowSumMode = kRowSumOverride == 0 ? 0 : kRowSumOverride - 1;
  static constexpr bool kNoFaddRowSum = (kRowSumMode & 1) != 0;
  static constexpr bool kOnesRowSum = (kRowSumMode & 2) != 0;
  static_assert(!kOnesRowSum || !kPFromSmem, "the ones row sum reads P from registers");
  static constexpr int kRowSumChains = (kRowSumMode & 4) != 0 ? 4 : 1;
  // Exponentials on the FMA pipe (checker experiments `_pexp<n>`; kExpOverride = n + 10 x degree):
  // of every 8 column pairs of a row, the first n take 2^x from ex2Poly (kernels/common/fast_math.cuh)
  // instead of the MUFU unit, which two consumer warps of an SM sub-partition share (8 cycles a warp
  // instruction: 512 cycles of each warp's 64 exponentials per key block at head dim 128; ncu put
  // our loop's MUFU samples at 1.5x FA3's, NOTES "Session 13"). The polynomial's degree: 3 for
  // bfloat16, 4 for float16 unless the tens digit says otherwise.
  static constexpr int kPolyExpOf8 = kExpOverride % 10;
  static_assert(kPolyExpOf8 <= 8, "at most 8 of 8 column pairs");
  static constexpr int kPolyExpDegree =
      kExpOverride / 10 % 10 != 0 ? kExpOverride / 10 % 10 : (std::is_same<Element_, __half>::value ? 4 : 3);
  // CTAs per cluster along the query blocks (FA3's ClusterM; kClusterOverride: 2 in the production
  // `_cluster` kernels, ATTN_FWD_SM90_CLUSTER_INSTANCES, and in checker experiments): the
  // kClusterSize CTAs of a cluster take adjacent query blocks of one (head, batch), which walk the
  // same key blocks, and each K or V block is read from L2 once per cluster: CTA r loads
  // the 64-column chunks c with c % kClusterSize == r and multicasts them to every CTA of the
  // cluster (MainloopProducer::loadChunksShared). A stage is then free for reloading only once the
  // consumers of every CTA released it, so each consumer warpgroup arrives on the empty barriers of
  // the whole cluster. Not varlen or PackGQA, warp-specialized and persistent (TileScheduler hands
  // a cluster pairs of query blocks; windowed ones walk the union of the pair's key ranges).
  static constexpr int kClusterSize = kClusterOverride == 0 ? 1 : kClusterOverride;
  static_assert(kClusterSize == 1 || kClusterSize == 2, "clusters of one or two CTAs");
  // Windowed clusters (the production `_window_cluster` kernels, session 14): both CTAs walk the
  // union of their key ranges (keyBlockRange), in pairs of query-block groups (TileScheduler).
  // (The next tile's first S GEMM before the epilogue, kNextTileBeforeEpilogue, is allowed with
  // clusters since session 14 for the checker's `_bnd_both_cluster` experiments: the next tile's K
  // halves come from both producers once both CTAs released the stage, as within a tile.)
  static_assert(kClusterSize == 1 || (kPersistent_ && kWarpSpecialized_ && !kVarlen_ && !kPackGqa_ && !kSnakeOrder),
                "clusters: persistent warp-specialized kernels (not varlen, packed or snake)");
  // Instruction issue (session 10, after ncu set FlashAttention-3's SASS beside ours; kernels/NOTES.md,
  // "Session 10" and "Session 11"), bits, production default kIssueDefault (0: neither; on the H100
  // both together measured within the run-to-run noise of production, -5% to +7% point by point,
  // no better on average, so production keeps the build its GPU suite and table ran on):
  //  bit 0: a warp waiting on an mbarrier sleeps (mbarrier.try_wait with a suspend-time hint,
  //   NANOSLEEP.SYNCS in the SASS, as CUTLASS and FlashAttention-3) instead of spinning on try_wait
  //   (kernels/common/mbarrier.cuh, kMbarrierSuspendNs);
  //  bit 1: the warpgroup index is broadcast from lane 0 (__shfl_sync, as CUTLASS's
  //   canonical_warp_group_idx), so ptxas knows it is warp-uniform and keeps what derives from it
  //   (the Q descriptors of the S GEMMs) in uniform registers: without it our SASS moved them with
  //   two R2UR per S wgmma, FlashAttention-3's has almost none.
  // kIssueOverride (checker experiments, `_sleep`, `_uwg`, `_sleep_uwg`): 0 the default; 1-3 those
  // bits; 4 neither.
  // The streamed windowed kernels take bit 1 too (at head dim 64, the one without FA3's loop: +4% at
  // 512 causal keys, level at 1k-4k in the checker's same-run A/B, NOTES "Session 17").
  static constexpr int kIssueDefault = kFa3Loop || kStreamDefault ? 2 : 0;
  static constexpr int kIssueBits = kIssueOverride == 0 ? kIssueDefault : (kIssueOverride & 3);
  static constexpr uint32_t kWaitSuspendNs = (kIssueBits & 1) != 0 ? kMbarrierSuspendNs : 0u;
  static constexpr bool kUniformWarpgroup = (kIssueBits & 2) != 0;
  // Layout from the 1024-aligned base: Q, O (or none), K stages, V stages, P (kPFromSmem), then the
  // mbarriers.
  // Every chunk is a multiple of 1024 B, so each swizzle atom starts on its repeat boundary.
  static_assert(kWarpSpecialized || kSeparateO, "without warp specialization Q is refilled at releaseQ");
  static constexpr int kOffsetQ = 0;
  static constexpr int kOffsetK = kQBytes * (kQBuffers + (kSeparateO ? 1 : 0));
  static constexpr int kOffsetV = kOffsetK + kStages * kKBytes;
  static constexpr int kOffsetO = kSeparateO ? kQBuffers * kQBytes : kOInV ? kOffsetV : kOffsetQ;
  static constexpr int kOffsetP = kOffsetV + kStages * kVBytes;  // kPBytes (0 but with kPFromSmem)
  static constexpr int kOffsetBarriers = kOffsetP + kPBytes;
  static constexpr int kOffsetTileSlots = kOffsetBarriers + 8 * kBarrierCount;
  static constexpr int kOffsetUnitSlot = kOffsetTileSlots + kTileSlots * kTileSlotBytes;
  static constexpr int kSmemBytes = kOffsetUnitSlot + kUnitSlotBytes + kSmemAlign;
  static_assert(kSmemBytes <= kMaxSmemBytes, "more than the 227 KB of shared memory an H100 block may use");
};

// Byte offset of the 16-bit element (row, col) in a tile of 64-column chunks of chunkRows rows,
// 128 B a row, 128B-swizzled (the Q, O and P tiles). Chunks start 1024-aligned, so the swizzle
// XORs the 16-byte index with row % 8: a quad's 8 rows land in 8 different 16-byte bank groups.
__device__ __forceinline__ uint32_t swizzledOffset128B(int row, int col, int chunkRows) {
  uint32_t off = (col / 64) * (chunkRows * 128) + row * 128 + (col % 64) * 2;
  off ^= (row % 8) << 4;
  return off;
}

// One tile of work: 128 query rows of one head of one sequence (tile_scheduler.cuh).
struct Tile {
  int mBlock;
  int head;  // PackGQA: the first query head of the group (KV head x headGroup)
  int batch;
  // The sequence's first row in q/out and in k/v (varlen; 0 dense), and its lengths (seqlenK after sequsedK).
  int qStart;
  int kStart;
  int seqlenQ;
  int seqlenK;
};
static_assert(sizeof(Tile) == 28, "Traits::kSmemBytes and src/attention/sm90.ts count 28 bytes per tile slot");

// Stage index and phase parity of a circular buffer of mbarrier-guarded stages.
template <int kStages>
struct PipelineState {
  int stage = 0;
  uint32_t phase = 0;
  __device__ __forceinline__ void advance() {
    if (++stage == kStages) {
      stage = 0;
      phase ^= 1;
    }
  }
};

// Pointers into the CTA's shared memory.
template <class T>
struct SharedTiles {
  uint8_t* q;  // [kChunks][kBlockM][128 B]
  uint8_t* o;  // same layout; == q, or its own tile (T::kSeparateO), or == v (T::kOInV); each consumer warpgroup writes its own rows
  uint8_t* k;  // [kStages][kChunks][kBlockN][128 B]
  uint8_t* v;  // [kStages][kChunks][kBlockN][128 B]
  uint8_t* p;  // T::kPFromSmem: [consumer warpgroup][ceil(kBlockN / 64)][64 rows][128 B]
  uint64_t* barQ;
  // Q tile free: one arrival per consumer warpgroup, once its last S GEMM completed (T::kSeparateO)
  // or once its O store has left the Q tile; the producer waits on it before loading the next Q.
  uint64_t* emptyQ;
  uint64_t* fullK;   // [kStages], 1 arrival + bytes
  uint64_t* emptyK;  // [kStages], one arrival per consumer warpgroup of the cluster
  uint64_t* fullV;
  uint64_t* emptyV;
  // Varlen: the V block that crosses a sequence's end lands here (1 arrival + bytes); the producer
  // warp zeroes the rows past the end and only then arrives on fullV.
  uint64_t* landedV;
  // T::kOInV: the O tile (in the V stages) has been written and read by its TMA store, one arrival
  // per consumer warpgroup per tile; the producer waits on it before the next tile's first V load.
  uint64_t* freeO;
  // T::kUnitHandoff: rank 1's unit has landed (1 arrival + 4 bytes of st.async from rank 0) / rank
  // 0's slot in rank 1 is free again (1 remote arrival from rank 1); the unit itself.
  uint64_t* unitFull;
  uint64_t* unitEmpty;
  int32_t* unitSlot;
  Tile* tiles;  // varlen and dynamic tiles, [kTileSlots]

  __device__ __forceinline__ explicit SharedTiles(uint8_t* raw) {
    uint8_t* base = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(raw) + T::kSmemAlign - 1) &
                                               ~static_cast<uintptr_t>(T::kSmemAlign - 1));
    q = base + T::kOffsetQ;
    o = base + T::kOffsetO;
    k = base + T::kOffsetK;
    v = base + T::kOffsetV;
    p = base + T::kOffsetP;
    uint64_t* bars = reinterpret_cast<uint64_t*>(base + T::kOffsetBarriers);
    barQ = bars;  // [kQBuffers]
    emptyQ = bars + T::kQBuffers;
    fullK = bars + 2 * T::kQBuffers;
    emptyK = fullK + T::kStages;
    fullV = emptyK + T::kStages;
    emptyV = fullV + T::kStages;
    // Only allocated (and initialized) when T::kVarlen:
    landedV = emptyV + T::kStages;
    // Only when T::kOInV:
    freeO = landedV + (T::kVarlen ? 1 : 0);
    // Only when T::kUnitHandoff:
    unitFull = freeO + (T::kOInV ? 1 : 0);
    unitEmpty = unitFull + 1;
    unitSlot = reinterpret_cast<int32_t*>(base + T::kOffsetUnitSlot);
    tiles = reinterpret_cast<Tile*>(base + T::kOffsetTileSlots);
  }
  __device__ __forceinline__ uint8_t* qBuffer(uint32_t b) const { return q + b * T::kQBytes; }
  __device__ __forceinline__ uint8_t* kStage(int s) const { return k + s * T::kKBytes; }
  __device__ __forceinline__ uint8_t* vStage(int s) const { return v + s * T::kVBytes; }
};

}  // namespace fa::sm90
