/**
 * `flash-attn info` per-shape dispatch: which backend (sm90, sm80, cpu) would run a given
 * attention shape, and why the others would not. Also used by the benchmark to record which
 * backend ran each grid point.
 */
import * as cuda from '../cuda/index.js';
// The attention index registers the GPU backends whose kernels were built: import it, not dispatch.js alone.
import { type AttentionProblem, type BackendName, describeProblem, explainDispatch, validateDense } from '../attention/index.js';
import { PLAIN_NAMES } from '../attention/validate.js';
import { sm90KernelFor } from '../attention/sm90.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { CliArgumentError, type FlagSpec, parseFlags } from './flags.js';

/** A dense attention shape, as `--shape` and friends describe it. */
export interface ShapeQuery {
  batch: number;
  seqlen: number;
  seqlenK: number;
  heads: number;
  headsKV: number;
  headDim: number;
  dtype: DType;
  causal: boolean;
  /** 'cuda' (device 0), 'cuda:N' or 'cpu'. */
  device: 'cpu' | 'cuda' | `cuda:${number}`;
}

export interface DispatchAnswer {
  query: ShapeQuery;
  /** describeProblem's one-line summary. */
  problem: string;
  backend: BackendName | undefined;
  reasons: string[];
  /**
   * The kernel entry point, when the backend is sm90: e.g. attn_fwd_sm90_bf16_hd128_packgqa, whose
   * tiles hold a whole GQA group (short queries with heads / headsKV a power of two up to 16).
   */
  kernel?: string;
}

/**
 * The validated problem for q/k/v/out as flashAttnFunc would build it (throws the same argument
 * errors it would).
 */
export function problemOf(q: Tensor, k: Tensor, v: Tensor, out: Tensor, opts: { causal: boolean; stream?: cuda.Stream }): AttentionProblem {
  const vp = validateDense('flashAttnFunc', PLAIN_NAMES, q, k, v, { causal: opts.causal, out, stream: opts.stream });
  const { returnLse: _returnLse, ...rest } = vp;
  return { ...rest, out, lse: undefined };
}

/**
 * Which backend runs `query`. Allocates (uninitialized) tensors of the shape on its device for
 * the duration of the question, since backends may look at strides and addresses.
 */
export function explainShape(query: ShapeQuery): DispatchAnswer {
  const opts = { dtype: query.dtype, device: query.device };
  const q = Tensor.empty([query.batch, query.seqlen, query.heads, query.headDim], opts);
  const k = Tensor.empty([query.batch, query.seqlenK, query.headsKV, query.headDim], opts);
  const v = Tensor.empty([query.batch, query.seqlenK, query.headsKV, query.headDim], opts);
  const out = Tensor.empty([query.batch, query.seqlen, query.heads, query.headDim], opts);
  try {
    const p = problemOf(q, k, v, out, { causal: query.causal });
    const { backend, reasons } = explainDispatch(p);
    const answer: DispatchAnswer = { query, problem: describeProblem(p), backend, reasons };
    if (backend === 'sm90') answer.kernel = sm90KernelFor(p);
    return answer;
  } finally {
    for (const t of [q, k, v, out]) t.dispose();
  }
}

export const SHAPE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  shape: { kind: 'string', expects: 'BATCHxSEQLENxHEADSxHEADDIM, e.g. 2x4096x16x128' },
  'seqlen-k': { kind: 'int' },
  'heads-kv': { kind: 'int' },
  dtype: {
    kind: 'string',
    choices: ['bfloat16', 'float16', 'float32'],
    aliases: { bf16: 'bfloat16', fp16: 'float16', half: 'float16', fp32: 'float32', float: 'float32' },
    expects: 'bf16, fp16 or fp32',
  },
  causal: { kind: 'bool' },
  device: { kind: 'string', expects: "cpu, cuda or cuda:N" },
};

/** The shape query in `values` (from SHAPE_FLAGS), or undefined when --shape was not given. */
export function shapeQueryOf(command: string, values: ReadonlyMap<string, unknown>): ShapeQuery | undefined {
  const raw = values.get('shape') as string | undefined;
  const others = ['seqlen-k', 'heads-kv', 'dtype', 'causal', 'device'].filter((f) => values.has(f));
  if (raw === undefined) {
    if (others.length > 0) throw new CliArgumentError(command, `--${others[0]} describes a shape: pass --shape BATCHxSEQLENxHEADSxHEADDIM too`);
    return undefined;
  }
  const m = /^(\d+)x(\d+)x(\d+)x(\d+)$/i.exec(raw.trim());
  const nums = m ? m.slice(1).map(Number) : [];
  if (!m || nums.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new CliArgumentError(command, `--shape must be BATCHxSEQLENxHEADSxHEADDIM with positive integers, e.g. 2x4096x16x128, got '${raw}'`);
  }
  const [batch, seqlen, heads, headDim] = nums as [number, number, number, number];
  const device = (values.get('device') as string | undefined) ?? (cuda.isAvailable() ? 'cuda' : 'cpu');
  if (!/^(cpu|cuda|cuda:\d+)$/.test(device)) {
    throw new CliArgumentError(command, `--device must be cpu, cuda or cuda:N, got '${device}'`);
  }
  if (device !== 'cpu' && !cuda.isAvailable()) {
    throw new CliArgumentError(command, `--device ${device}: CUDA is not available (${cuda.unavailableReason()})`);
  }
  return {
    batch,
    seqlen,
    seqlenK: (values.get('seqlen-k') as number | undefined) ?? seqlen,
    heads,
    headsKV: (values.get('heads-kv') as number | undefined) ?? heads,
    headDim,
    dtype: (values.get('dtype') as DType | undefined) ?? 'bfloat16',
    causal: (values.get('causal') as boolean | undefined) ?? false,
    device: device as ShapeQuery['device'],
  };
}

/** Parses info's shape flags out of `argv` (other flags, like --json, are the caller's). */
export function parseShapeArgs(command: string, argv: readonly string[], extra: Readonly<Record<string, FlagSpec>>): {
  query: ShapeQuery | undefined;
  values: ReadonlyMap<string, unknown>;
} {
  const { values, positional } = parseFlags(command, argv, { ...SHAPE_FLAGS, ...extra });
  if (positional.length > 0) throw new CliArgumentError(command, `unexpected argument '${positional[0]}'`);
  return { query: shapeQueryOf(command, values), values };
}

/** Representative configurations for info's dispatch table: every dtype x these head dims. */
export const INFO_HEAD_DIMS = [64, 96, 128, 192, 256];
const INFO_DTYPES: DType[] = ['bfloat16', 'float16', 'float32'];
/**
 * A small shape without GQA: the backend does not depend on the sequence length, only the sm90
 * kernel does (PackGQA for GQA with short queries: INFO_DECODE_PROBE).
 */
const INFO_PROBE = { batch: 1, seqlen: 128, heads: 2 };
/** A GQA decode step: 16 query heads on 2 KV heads, one query position, 1024 keys. */
export const INFO_DECODE_PROBE = { batch: 1, seqlen: 1, seqlenK: 1024, heads: 16, headsKV: 2 };

/** Which backend each (dtype, head dim, causal) takes on `device` at a small shape. */
export function dispatchTable(device: ShapeQuery['device']): DispatchAnswer[] {
  const out: DispatchAnswer[] = [];
  for (const dtype of INFO_DTYPES) {
    for (const causal of [false, true]) {
      for (const headDim of INFO_HEAD_DIMS) {
        out.push(
          explainShape({ ...INFO_PROBE, seqlenK: INFO_PROBE.seqlen, headsKV: INFO_PROBE.heads, headDim, dtype, causal, device }),
        );
      }
    }
  }
  return out;
}

/** Which backend (and whether a PackGQA kernel) each (dtype, head dim, causal) GQA decode step takes. */
export function decodeDispatchTable(device: ShapeQuery['device']): DispatchAnswer[] {
  const out: DispatchAnswer[] = [];
  for (const dtype of INFO_DTYPES) {
    for (const causal of [false, true]) {
      for (const headDim of INFO_HEAD_DIMS) out.push(explainShape({ ...INFO_DECODE_PROBE, headDim, dtype, causal, device }));
    }
  }
  return out;
}

/** A table cell: the backend, 'sm90+pack' when it runs a PackGQA kernel, 'none' when nothing can. */
function cellOf(r: DispatchAnswer): string {
  if (r.backend === undefined) return 'none';
  return r.kernel?.endsWith('_packgqa') ? `${r.backend}+pack` : r.backend;
}

/** Text lines of a dispatch table: one row per dtype and causal setting, one column per head dim. */
export function formatDispatchTable(rows: readonly DispatchAnswer[]): string[] {
  const lines = [`  ${'dtype'.padEnd(9)} ${'causal'.padEnd(6)} ${INFO_HEAD_DIMS.map((d) => `hdim ${d}`.padEnd(9)).join(' ')}`.trimEnd()];
  for (let i = 0; i < rows.length; i += INFO_HEAD_DIMS.length) {
    const group = rows.slice(i, i + INFO_HEAD_DIMS.length);
    const first = group[0]!.query;
    const cells = group.map((r) => cellOf(r).padEnd(9));
    lines.push(`  ${first.dtype.padEnd(9)} ${(first.causal ? 'yes' : 'no').padEnd(6)} ${cells.join(' ')}`.trimEnd());
  }
  return lines;
}
