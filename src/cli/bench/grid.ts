/**
 * The benchmark grid: which attention shapes a run times.
 *
 * The GPU default is the FlashAttention-3 paper's grid: batch x seqlen = 16k tokens, hidden 2048
 * (heads = 2048 / headDim), head dims 64/128/256, seqlen 512..16k, causal and not, bf16, forward.
 * The CPU default keeps the grid's shape at a size a CPU finishes in well under a minute.
 */
import type { Direction } from './flops.js';

export type BenchDType = 'bfloat16' | 'float16' | 'float32';

export interface GridSpec {
  dtype: BenchDType;
  headDims: number[];
  /** Query (= key) lengths. */
  seqlens: number[];
  /** Tokens per batch: batch = max(1, floor(tokens / seqlen)) unless `batch` is set. */
  tokens: number;
  /** A fixed batch for every seqlen (overrides `tokens`). */
  batch?: number;
  /** heads = hidden / headDim unless `heads` is set. */
  hidden: number;
  /** A fixed number of query heads for every head dim (overrides `hidden`). */
  heads?: number;
  /** Query heads per key/value head (GQA); headsKV = heads / gqa. 1 = plain multi-head. */
  gqa: number;
  /** Which causal settings to run, in order. */
  causal: boolean[];
  directions: Direction[];
}

/** One point of the grid. */
export interface BenchConfig {
  dtype: BenchDType;
  direction: Direction;
  headDim: number;
  causal: boolean;
  seqlen: number;
  seqlenK: number;
  batch: number;
  heads: number;
  headsKV: number;
}

export const FA3_SEQLENS = [512, 1024, 2048, 4096, 8192, 16384];

/** The FlashAttention-3 paper's grid (its figures 5-7). */
export const FA3_GRID: Readonly<GridSpec> = Object.freeze<GridSpec>({
  dtype: 'bfloat16',
  headDims: [64, 128, 256],
  seqlens: FA3_SEQLENS,
  tokens: 16384,
  hidden: 2048,
  gqa: 1,
  causal: [false, true],
  directions: ['fwd'],
});

/** The CPU path's default grid: the same shape of grid, 1k tokens and hidden 256. */
export const CPU_GRID: Readonly<GridSpec> = Object.freeze<GridSpec>({
  dtype: 'bfloat16',
  headDims: [64, 128, 256],
  seqlens: [128, 256, 512, 1024],
  tokens: 1024,
  hidden: 256,
  gqa: 1,
  causal: [false, true],
  directions: ['fwd'],
});

/** Raised for a grid that cannot be built (heads that do not divide, ...). */
export class GridError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridError';
  }
}

/** Heads for `headDim`: the fixed count, else hidden / headDim (which must divide evenly). */
export function headsFor(g: Pick<GridSpec, 'hidden' | 'heads'>, headDim: number): number {
  if (g.heads !== undefined) return g.heads;
  if (g.hidden % headDim !== 0 || g.hidden < headDim) {
    throw new GridError(`--hidden ${g.hidden} must be a multiple of every head dim, got head dim ${headDim}; or pass --heads`);
  }
  return g.hidden / headDim;
}

/** Batch for `seqlen`: the fixed batch, else max(1, floor(tokens / seqlen)). */
export function batchFor(g: Pick<GridSpec, 'tokens' | 'batch'>, seqlen: number): number {
  return g.batch ?? Math.max(1, Math.floor(g.tokens / seqlen));
}

/** Every point of the grid, ordered direction, head dim, causal, seqlen (the papers' panels). */
export function expandGrid(g: GridSpec): BenchConfig[] {
  const out: BenchConfig[] = [];
  for (const direction of g.directions) {
    for (const headDim of g.headDims) {
      const heads = headsFor(g, headDim);
      if (heads % g.gqa !== 0) {
        throw new GridError(`--gqa ${g.gqa} must divide the number of heads, got ${heads} heads at head dim ${headDim}`);
      }
      for (const causal of g.causal) {
        for (const seqlen of g.seqlens) {
          out.push({
            dtype: g.dtype,
            direction,
            headDim,
            causal,
            seqlen,
            seqlenK: seqlen,
            batch: batchFor(g, seqlen),
            heads,
            headsKV: heads / g.gqa,
          });
        }
      }
    }
  }
  return out;
}

/** A short label of a grid point for progress lines and errors. */
export function configLabel(c: BenchConfig): string {
  const kv = c.headsKV !== c.heads ? `/${c.headsKV}` : '';
  return `${c.direction} hdim ${c.headDim} ${c.causal ? 'causal' : 'non-causal'} seqlen ${c.seqlen} batch ${c.batch} heads ${c.heads}${kv}`;
}
