/**
 * FLOP counts for attention, as FlashAttention's benchmarks count them.
 *
 * Forward: two matmuls over the (query, key) pairs the mask leaves visible, QK^T (2·D FLOPs per
 * pair) and PV (2·Dv per pair): 4·B·H·Sq·Sk·D when D = Dv and nothing is masked. Softmax, scaling
 * and masking are not counted. Backward counts 2.5x the forward (five matmuls against two).
 *
 * Causal masking (bottom-right aligned, as the API's): we count the continuous area of the visible
 * region of the Sq x Sk score matrix. For Sq = Sk that is S²/2, exactly FlashAttention's "halved
 * when causal", so our figures compare with the paper's and the peers'. For Sq < Sk it is
 * Sq·Sk - Sq²/2 (every query also sees the Sk - Sq keys before the diagonal), for Sq > Sk it is
 * Sk²/2 (the first Sq - Sk queries see no key). Counting discrete pairs instead would add half a
 * diagonal (S/2 pairs, 0.1% at S = 512) and break the equality with the published convention.
 */

export type Direction = 'fwd' | 'bwd' | 'fwd+bwd';
export const DIRECTIONS: readonly Direction[] = ['fwd', 'bwd', 'fwd+bwd'];

/** Backward FLOPs over forward FLOPs, FlashAttention's convention. */
export const BACKWARD_FLOP_FACTOR = 2.5;

export interface FlopShape {
  batch: number;
  /** Query heads (GQA does not change the count: every query head does its own matmuls). */
  heads: number;
  seqlenQ: number;
  seqlenK: number;
  headDim: number;
  /** Head dim of v; default headDim. */
  headDimV?: number;
  causal: boolean;
}

/** Visible (query, key) area of one head's score matrix, per the convention in the file comment. */
export function visibleScoreArea(seqlenQ: number, seqlenK: number, causal: boolean): number {
  if (!causal) return seqlenQ * seqlenK;
  if (seqlenQ <= seqlenK) return seqlenQ * seqlenK - (seqlenQ * seqlenQ) / 2;
  return (seqlenK * seqlenK) / 2;
}

/** Forward FLOPs of one attention call. */
export function forwardFlops(s: FlopShape): number {
  const dv = s.headDimV ?? s.headDim;
  return 2 * s.batch * s.heads * visibleScoreArea(s.seqlenQ, s.seqlenK, s.causal) * (s.headDim + dv);
}

/** FLOPs of one call in `direction`: forward, backward (2.5x forward) or both (3.5x). */
export function attentionFlops(s: FlopShape, direction: Direction): number {
  const f = forwardFlops(s);
  switch (direction) {
    case 'fwd':
      return f;
    case 'bwd':
      return BACKWARD_FLOP_FACTOR * f;
    case 'fwd+bwd':
      return (1 + BACKWARD_FLOP_FACTOR) * f;
  }
}

/** TFLOP/s of `flops` done in `ms` milliseconds. */
export function tflopsOf(flops: number, ms: number): number {
  return flops / ms / 1e9;
}
