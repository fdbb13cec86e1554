/**
 * The float64 attention reference: the oracle every kernel and CPU path is tested against, its
 * low-precision "naive" twin, and FlashAttention's acceptance rule (DESIGN.md, "Numerics").
 *
 * Semantics are FlashAttention's, taken literally from the definition: s = softmaxScale * q.k,
 * optional softcap, GQA head mapping, causal/local masks aligned to the bottom-right corner, a row
 * with no visible key gives output 0 and LSE -inf. No window bound is rewritten (FlashAttention-2's
 * host code turns `right >= seqlenK` into -1, which changes rows when seqlenQ > seqlenK + 1; any
 * such resolution belongs in the validation layer, before ResolvedAttention reaches us).
 */
import type { DType } from '../tensor/dtype.js';
import { decodeArray, encodeArray, roundToDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ResolvedAttention } from './types.js';

/** Variable-length batch description for the reference (host int32 arrays). */
export interface ReferenceVarlen {
  /** [batch + 1], cumulative query lengths, starting at 0 and ending at totalQ. */
  cuSeqlensQ: Int32Array;
  /** [batch + 1], cumulative key lengths, starting at 0 and ending at most at totalK. */
  cuSeqlensK: Int32Array;
  /** [batch]: sequence b uses only its first sequsedK[b] keys (at most its cuSeqlensK length). */
  sequsedK?: Int32Array;
}

export interface ReferenceResult {
  /** Row-major [batch, seqlenQ, heads, headDimV] (varlen: [totalQ, heads, headDimV]). */
  out: Float64Array;
  /** Row-major [batch, heads, seqlenQ] (varlen: [heads, totalQ]), natural log; -inf for empty rows. */
  lse: Float64Array;
  outDims: number[];
  lseDims: number[];
}

/** The precisions the naive low-precision attention can mimic. */
export type NaiveDType = Extract<DType, 'float16' | 'bfloat16'>;

/** Absolute slack of the acceptance rule, as in FlashAttention's tests. */
export const ACCEPTANCE_ATOL = 1e-5;
/** A kernel may be this many times worse than the naive low-precision computation. */
export const ACCEPTANCE_FACTOR = 2;

/** Inputs decoded to float64, row-major, plus the per-sequence layout shared by dense and varlen. */
interface Problem {
  q: Float64Array; // [totalQ, heads, headDim]
  k: Float64Array; // [totalK, headsKV, headDim]
  v: Float64Array; // [totalK, headsKV, headDimV]
  batch: number;
  heads: number;
  headsKV: number;
  headDim: number;
  headDimV: number;
  totalQ: number;
  cuQ: Int32Array; // [batch + 1]
  cuK: Int32Array; // [batch + 1] start rows of each sequence's keys
  usedK: Int32Array; // [batch] keys each sequence uses
  /** Dense: lse is [batch, heads, seqlenQ]; varlen: [heads, totalQ]. */
  varlen: boolean;
  outDims: number[];
  lseDims: number[];
}

/**
 * Computes one output row. `qOff` indexes q, `kRow0` is the first visible key row (global), `count`
 * the number of visible keys (>= 1), `kvHead` the KV head; writes headDimV values at `outOff` and
 * returns the LSE.
 */
type RowKernel = (
  p: Problem,
  qOff: number,
  kRow0: number,
  count: number,
  kvHead: number,
  out: Float64Array,
  outOff: number,
) => number;

/**
 * Exact float64 attention, FlashAttention semantics (see the file header and DESIGN.md).
 *
 * Dense: q [batch, seqlenQ, heads, headDim], k [batch, seqlenK, headsKV, headDim],
 * v [batch, seqlenK, headsKV, headDimV]; out [batch, seqlenQ, heads, headDimV], lse [batch, heads, seqlenQ].
 * Varlen (when `varlen` is given): q [totalQ, heads, headDim], k/v [totalK, headsKV, *];
 * out [totalQ, heads, headDimV], lse [heads, totalQ].
 * Inputs may have any float dtype and any strides (cuda tensors are copied to the host first);
 * values are decoded exactly. Query head h reads KV head floor(h / (heads / headsKV)).
 * NaN propagates only to the rows (and, through v, the columns) it reaches.
 */
export function attentionReference(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: ResolvedAttention,
  varlen?: ReferenceVarlen,
): ReferenceResult {
  const p = buildProblem('attentionReference', q, k, v, opts, varlen);
  return run(p, opts, makeRowFloat64(opts));
}

/**
 * FlashAttention's "outNaive": plain softmax(QK^T)V at the precision a `dtype` kernel works in.
 * Inputs rounded to `dtype`; q.k accumulated, scaled, softcapped and softmaxed in float32; P rounded
 * to `dtype`; P@V accumulated in float32; output rounded to `dtype`; LSE left in float32. Same
 * shapes and layouts as attentionReference (values returned as float64 holding those roundings).
 */
export function attentionNaiveLowPrecision(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: ResolvedAttention,
  dtype: NaiveDType,
  varlen?: ReferenceVarlen,
): ReferenceResult {
  if (dtype !== 'float16' && dtype !== 'bfloat16') {
    throw new TypeError(`attentionNaiveLowPrecision: dtype must be 'float16' or 'bfloat16', got ${JSON.stringify(dtype)}`);
  }
  const p = buildProblem('attentionNaiveLowPrecision', q, k, v, opts, varlen);
  roundArray(p.q, dtype);
  roundArray(p.k, dtype);
  roundArray(p.v, dtype);
  return run(p, opts, makeRowLowPrecision(opts, dtype, p.headDimV));
}

export interface AcceptanceResult {
  ok: boolean;
  /** max |actual - ref| over positions where ref is finite. */
  maxErr: number;
  /** max |naive - ref| over positions where both are finite. */
  naiveErr: number;
  /** ACCEPTANCE_FACTOR * naiveErr + atol. */
  bound: number;
  /** First index that breaks the rule, when one does. */
  firstBad?: number;
  /** One line for an assertion failure (or a summary when ok). */
  message: string;
}

/**
 * FlashAttention's acceptance rule: maxAbs(actual - ref) <= 2 * maxAbs(naive - ref) + atol.
 * Where ref is NaN, actual must be NaN; where ref is infinite (the -inf LSE of an empty row),
 * actual must be the same infinity; where ref is finite, actual must be finite. Non-finite naive
 * values do not widen the bound.
 */
export function acceptanceCheck(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
  naive: ArrayLike<number>,
  atol = ACCEPTANCE_ATOL,
): AcceptanceResult {
  const n = ref.length;
  if (actual.length !== n || naive.length !== n) {
    throw new RangeError(
      `acceptanceCheck: actual, ref and naive must have the same length, got ${actual.length}, ${n} and ${naive.length}`,
    );
  }
  let naiveErr = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(naive[i]! - ref[i]!);
    if (Number.isFinite(d) && d > naiveErr) naiveErr = d;
  }
  const bound = ACCEPTANCE_FACTOR * naiveErr + atol;
  let maxErr = 0;
  let maxAt = -1;
  let firstBad: number | undefined;
  let firstBadWhy = '';
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const r = ref[i]!;
    const a = actual[i]!;
    let why = '';
    if (Number.isNaN(r)) {
      if (!Number.isNaN(a)) why = `expected NaN, got ${a}`;
    } else if (!Number.isFinite(r)) {
      if (a !== r) why = `expected ${r}, got ${a}`;
    } else if (!Number.isFinite(a)) {
      why = `expected a finite value near ${r}, got ${a}`;
    } else {
      const e = Math.abs(a - r);
      if (e > maxErr) {
        maxErr = e;
        maxAt = i;
      }
      if (e > bound) why = `|${a} - ${r}| = ${e} > bound ${bound}`;
    }
    if (why !== '') {
      bad++;
      if (firstBad === undefined) {
        firstBad = i;
        firstBadWhy = why;
      }
    }
  }
  const ok = bad === 0;
  const summary = `maxErr ${maxErr}${maxAt >= 0 ? ` at ${maxAt}` : ''}, naiveErr ${naiveErr}, bound ${ACCEPTANCE_FACTOR} * naiveErr + ${atol} = ${bound}`;
  const message = ok
    ? `acceptanceCheck: ok, ${summary}`
    : `acceptanceCheck: ${bad} of ${n} elements fail; first at index ${firstBad}: ${firstBadWhy}; ${summary}`;
  return firstBad === undefined ? { ok, maxErr, naiveErr, bound, message } : { ok, maxErr, naiveErr, bound, firstBad, message };
}

// ---- driver ---------------------------------------------------------------------------------------

function run(p: Problem, opts: ResolvedAttention, row: RowKernel): ReferenceResult {
  const { batch, heads, headsKV, headDim, headDimV, totalQ, cuQ, cuK, usedK } = p;
  const out = new Float64Array(totalQ * heads * headDimV);
  const lse = new Float64Array(totalQ * heads);
  const group = heads / headsKV;
  // Causal is a right window of 0 (FlashAttention's rule), whatever windowRight says.
  const right = opts.causal ? 0 : opts.windowRight;
  const left = opts.windowLeft;
  for (let b = 0; b < batch; b++) {
    const q0 = cuQ[b]!;
    const sq = cuQ[b + 1]! - q0;
    const sk = usedK[b]!;
    const k0 = cuK[b]!;
    const shift = sk - sq; // bottom-right alignment
    for (let h = 0; h < heads; h++) {
      const kvHead = Math.floor(h / group);
      const lseBase = p.varlen ? h * totalQ + q0 : (b * heads + h) * sq;
      for (let i = 0; i < sq; i++) {
        const lo = left >= 0 ? Math.max(0, i + shift - left) : 0;
        const hi = right >= 0 ? Math.min(sk - 1, i + shift + right) : sk - 1;
        const outOff = ((q0 + i) * heads + h) * headDimV;
        if (lo > hi) {
          lse[lseBase + i] = -Infinity; // out stays 0
          continue;
        }
        const qOff = ((q0 + i) * heads + h) * headDim;
        lse[lseBase + i] = row(p, qOff, k0 + lo, hi - lo + 1, kvHead, out, outOff);
      }
    }
  }
  return { out, lse, outDims: p.outDims, lseDims: p.lseDims };
}

// One row's scores (then its exponentials), reused across rows and calls.
let scoreScratch = new Float64Array(256);
function scores(n: number): Float64Array {
  if (scoreScratch.length < n) scoreScratch = new Float64Array(Math.max(n, 2 * scoreScratch.length));
  return scoreScratch;
}

function makeRowFloat64(opts: ResolvedAttention): RowKernel {
  const scale = opts.softmaxScale;
  const cap = opts.softcap;
  return (p, qOff, kRow0, count, kvHead, out, outOff) => {
    const { q, k, v, headDim: d, headDimV: dv, headsKV } = p;
    const s = scores(count);
    let m = -Infinity;
    const kStride = headsKV * d;
    let j = 0;
    // Two keys per pass over q (each key's four partial sums as below: the same values).
    for (; j + 1 < count; j += 2) {
      const kA = ((kRow0 + j) * headsKV + kvHead) * d;
      const kB = kA + kStride;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      let c = 0;
      for (; c + 3 < d; c += 4) {
        const q0 = q[qOff + c]!;
        const q1 = q[qOff + c + 1]!;
        const q2 = q[qOff + c + 2]!;
        const q3 = q[qOff + c + 3]!;
        a0 += q0 * k[kA + c]!;
        a1 += q1 * k[kA + c + 1]!;
        a2 += q2 * k[kA + c + 2]!;
        a3 += q3 * k[kA + c + 3]!;
        b0 += q0 * k[kB + c]!;
        b1 += q1 * k[kB + c + 1]!;
        b2 += q2 * k[kB + c + 2]!;
        b3 += q3 * k[kB + c + 3]!;
      }
      for (; c < d; c++) {
        a0 += q[qOff + c]! * k[kA + c]!;
        b0 += q[qOff + c]! * k[kB + c]!;
      }
      s[j] = (a0 + a1 + (a2 + a3)) * scale;
      s[j + 1] = (b0 + b1 + (b2 + b3)) * scale;
    }
    for (; j < count; j++) {
      const kOff = ((kRow0 + j) * headsKV + kvHead) * d;
      // Four partial sums break the add chain's latency; in float64 the order is immaterial here.
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let c = 0;
      for (; c + 3 < d; c += 4) {
        d0 += q[qOff + c]! * k[kOff + c]!;
        d1 += q[qOff + c + 1]! * k[kOff + c + 1]!;
        d2 += q[qOff + c + 2]! * k[kOff + c + 2]!;
        d3 += q[qOff + c + 3]! * k[kOff + c + 3]!;
      }
      for (; c < d; c++) d0 += q[qOff + c]! * k[kOff + c]!;
      s[j] = (d0 + d1 + (d2 + d3)) * scale;
    }
    for (let i = 0; i < count; i++) {
      let x = s[i]!;
      if (cap > 0) x = cap * Math.tanh(x / cap);
      s[i] = x;
      m = Math.max(m, x); // Math.max propagates NaN, so a NaN score poisons exactly this row
    }
    // Subtracting the row max keeps every exp in (0, 1]: scores of 1e4 stay finite.
    let sum = 0;
    for (let j = 0; j < count; j++) {
      const e = Math.exp(s[j]! - m);
      s[j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < dv; c++) out[outOff + c] = 0;
    // Each column's sum over the keys in order; four keys per pass over the columns.
    const vStride = headsKV * dv;
    let jv = 0;
    for (; jv + 3 < count; jv += 4) {
      const p0 = s[jv]! * inv;
      const p1 = s[jv + 1]! * inv;
      const p2 = s[jv + 2]! * inv;
      const p3 = s[jv + 3]! * inv;
      const v0 = ((kRow0 + jv) * headsKV + kvHead) * dv;
      const v1 = v0 + vStride;
      const v2 = v1 + vStride;
      const v3 = v2 + vStride;
      for (let c = 0; c < dv; c++) {
        out[outOff + c] = out[outOff + c]! + p0 * v[v0 + c]! + p1 * v[v1 + c]! + p2 * v[v2 + c]! + p3 * v[v3 + c]!;
      }
    }
    for (; jv < count; jv++) {
      const pj = s[jv]! * inv;
      const vOff = ((kRow0 + jv) * headsKV + kvHead) * dv;
      for (let c = 0; c < dv; c++) out[outOff + c] += pj * v[vOff + c]!;
    }
    return m + Math.log(sum);
  };
}

function makeRowLowPrecision(opts: ResolvedAttention, dtype: NaiveDType, headDimV: number): RowKernel {
  const f = Math.fround;
  const scale = f(opts.softmaxScale);
  const cap = f(opts.softcap);
  const acc = new Float64Array(headDimV);
  let probs = new Float32Array(256);
  let bits = new Uint16Array(256);
  return (p, qOff, kRow0, count, kvHead, out, outOff) => {
    const { q, k, v, headDim: d, headDimV: dv, headsKV } = p;
    const s = scores(count);
    let m = -Infinity;
    // A product of two 16-bit floats is exact in float32 (at most 22 significant bits): only the sums
    // round. Each key's float32 sum is one chain in c, as FlashAttention's naive twin accumulates;
    // four keys at a time only interleave four independent chains (the same values, ~3x faster).
    const kStride = headsKV * d;
    let j = 0;
    for (; j + 3 < count; j += 4) {
      const k0 = ((kRow0 + j) * headsKV + kvHead) * d;
      const k1 = k0 + kStride;
      const k2 = k1 + kStride;
      const k3 = k2 + kStride;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let c = 0; c < d; c++) {
        const qc = q[qOff + c]!;
        a0 = f(a0 + qc * k[k0 + c]!);
        a1 = f(a1 + qc * k[k1 + c]!);
        a2 = f(a2 + qc * k[k2 + c]!);
        a3 = f(a3 + qc * k[k3 + c]!);
      }
      s[j] = a0;
      s[j + 1] = a1;
      s[j + 2] = a2;
      s[j + 3] = a3;
    }
    for (; j < count; j++) {
      const kOff = ((kRow0 + j) * headsKV + kvHead) * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot = f(dot + q[qOff + c]! * k[kOff + c]!);
      s[j] = dot;
    }
    for (let i = 0; i < count; i++) {
      let x = f(s[i]! * scale);
      if (cap > 0) x = f(cap * f(Math.tanh(f(x / cap))));
      s[i] = x;
      m = Math.max(m, x);
    }
    let sum = 0;
    for (let j = 0; j < count; j++) {
      const e = f(Math.exp(f(s[j]! - m)));
      s[j] = e;
      sum = f(sum + e);
    }
    if (probs.length < count) {
      probs = new Float32Array(2 * count);
      bits = new Uint16Array(2 * count);
    }
    for (let j = 0; j < count; j++) probs[j] = s[j]! / sum; // the store rounds to float32
    roundFloat32Row(probs, bits, count, dtype);
    acc.fill(0);
    // Each output column's float32 sum runs over the keys in order; four keys per pass over the
    // columns only save loads and stores of acc (the same additions in the same order).
    const vStride = headsKV * dv;
    let jv = 0;
    for (; jv + 3 < count; jv += 4) {
      const p0 = probs[jv]!;
      const p1 = probs[jv + 1]!;
      const p2 = probs[jv + 2]!;
      const p3 = probs[jv + 3]!;
      const v0 = ((kRow0 + jv) * headsKV + kvHead) * dv;
      const v1 = v0 + vStride;
      const v2 = v1 + vStride;
      const v3 = v2 + vStride;
      for (let c = 0; c < dv; c++) {
        // exact products, as above
        acc[c] = f(f(f(f(acc[c]! + p0 * v[v0 + c]!) + p1 * v[v1 + c]!) + p2 * v[v2 + c]!) + p3 * v[v3 + c]!);
      }
    }
    for (; jv < count; jv++) {
      const pj = probs[jv]!;
      const vOff = ((kRow0 + jv) * headsKV + kvHead) * dv;
      for (let c = 0; c < dv; c++) acc[c] = f(acc[c]! + pj * v[vOff + c]!);
    }
    for (let c = 0; c < dv; c++) out[outOff + c] = roundToDType(acc[c]!, dtype);
    return f(m + f(Math.log(sum)));
  };
}

/** Rounds the first n float32 values of `row` to `dtype` in place, through the array codecs (fast for bf16). */
function roundFloat32Row(row: Float32Array, bits: Uint16Array, n: number, dtype: NaiveDType): void {
  const src = row.subarray(0, n);
  const stored = bits.subarray(0, n);
  encodeArray(src, dtype, stored);
  decodeArray(stored, dtype, src);
}

/**
 * Rounds every value of `a` to `dtype`. Going through float32 first is exact: every tensor dtype
 * holds float32-representable values, so only the final rounding to `dtype` changes anything.
 */
function roundArray(a: Float64Array, dtype: NaiveDType): void {
  const f32 = Float32Array.from(a);
  roundFloat32Row(f32, new Uint16Array(f32.length), f32.length, dtype);
  a.set(f32);
}

// ---- validation and decoding ------------------------------------------------------------------------

function decode(t: Tensor): Float64Array {
  if (t.location === 'cpu') return t.toFloat64Array();
  const host = t.toHost();
  try {
    return host.toFloat64Array();
  } finally {
    host.dispose();
  }
}

function dimsText(t: Tensor): string {
  return `[${t.dims.join(', ')}]`;
}

function checkTensor(fn: string, name: string, t: Tensor, rank: number, layout: string): void {
  if (t.dtype === 'int32') throw new TypeError(`${fn}: ${name} must have a float dtype, got int32`);
  if (t.ndim !== rank) throw new RangeError(`${fn}: ${name} must have ${rank} dims ${layout}, got ${dimsText(t)}`);
}

function checkOpts(fn: string, opts: ResolvedAttention): void {
  if (typeof opts.softmaxScale !== 'number' || Number.isNaN(opts.softmaxScale)) {
    throw new TypeError(`${fn}: opts.softmaxScale must be a number, got ${opts.softmaxScale}`);
  }
  if (typeof opts.softcap !== 'number' || !(opts.softcap >= 0)) {
    throw new RangeError(`${fn}: opts.softcap must be >= 0, got ${opts.softcap}`);
  }
  for (const [key, w] of [['windowLeft', opts.windowLeft], ['windowRight', opts.windowRight]] as const) {
    if (!Number.isInteger(w) || w < -1) throw new RangeError(`${fn}: opts.${key} must be an integer >= -1, got ${w}`);
  }
}

function checkCuSeqlens(fn: string, name: string, cu: Int32Array, batch: number, total: number, exact: boolean): void {
  if (!(cu instanceof Int32Array)) throw new TypeError(`${fn}: varlen.${name} must be an Int32Array, got ${String(cu)}`);
  if (cu.length !== batch + 1) {
    throw new RangeError(`${fn}: varlen.${name} must have batch + 1 = ${batch + 1} entries, got ${cu.length}`);
  }
  if (cu[0] !== 0) throw new RangeError(`${fn}: varlen.${name}[0] must be 0, got ${cu[0]}`);
  for (let b = 0; b < batch; b++) {
    if (cu[b + 1]! < cu[b]!) {
      throw new RangeError(`${fn}: varlen.${name} must be non-decreasing, got ${cu[b]} then ${cu[b + 1]} at index ${b}`);
    }
  }
  const last = cu[batch]!;
  if (exact ? last !== total : last > total) {
    throw new RangeError(`${fn}: varlen.${name}[${batch}] must be ${exact ? '' : '<= '}${total} (rows of the tensor), got ${last}`);
  }
}

function buildProblem(
  fn: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: ResolvedAttention,
  varlen: ReferenceVarlen | undefined,
): Problem {
  checkOpts(fn, opts);
  const isVarlen = varlen !== undefined;
  const rank = isVarlen ? 3 : 4;
  checkTensor(fn, 'q', q, rank, isVarlen ? '[totalQ, heads, headDim]' : '[batch, seqlenQ, heads, headDim]');
  checkTensor(fn, 'k', k, rank, isVarlen ? '[totalK, headsKV, headDim]' : '[batch, seqlenK, headsKV, headDim]');
  checkTensor(fn, 'v', v, rank, isVarlen ? '[totalK, headsKV, headDimV]' : '[batch, seqlenK, headsKV, headDimV]');
  const [heads, headDim] = q.dims.slice(-2) as [number, number];
  const [headsKV, headDimK] = k.dims.slice(-2) as [number, number];
  const [headsV, headDimV] = v.dims.slice(-2) as [number, number];
  if (headDimK !== headDim) throw new RangeError(`${fn}: k must have headDim ${headDim} like q, got ${dimsText(k)}`);
  if (headsV !== headsKV || v.dims.slice(0, -1).some((d, i) => d !== k.dims[i])) {
    throw new RangeError(`${fn}: v must match k ${dimsText(k)} in every dim but the last, got ${dimsText(v)}`);
  }
  if (headsKV === 0 || heads % headsKV !== 0) {
    throw new RangeError(`${fn}: heads (${heads}) must be a multiple of headsKV (${headsKV})`);
  }
  let batch: number;
  let totalQ: number;
  let cuQ: Int32Array;
  let cuK: Int32Array;
  let usedK: Int32Array;
  let outDims: number[];
  let lseDims: number[];
  if (varlen) {
    totalQ = q.dims[0]!;
    const totalK = k.dims[0]!;
    if (!(varlen.cuSeqlensQ instanceof Int32Array) || varlen.cuSeqlensQ.length < 1) {
      throw new TypeError(`${fn}: varlen.cuSeqlensQ must be an Int32Array of batch + 1 >= 1 entries, got ${String(varlen.cuSeqlensQ)}`);
    }
    batch = varlen.cuSeqlensQ.length - 1;
    checkCuSeqlens(fn, 'cuSeqlensQ', varlen.cuSeqlensQ, batch, totalQ, true);
    checkCuSeqlens(fn, 'cuSeqlensK', varlen.cuSeqlensK, batch, totalK, false);
    cuQ = varlen.cuSeqlensQ;
    cuK = varlen.cuSeqlensK;
    usedK = new Int32Array(batch);
    for (let b = 0; b < batch; b++) usedK[b] = cuK[b + 1]! - cuK[b]!;
    if (varlen.sequsedK !== undefined) {
      const used = varlen.sequsedK;
      if (!(used instanceof Int32Array) || used.length !== batch) {
        throw new RangeError(`${fn}: varlen.sequsedK must be an Int32Array of batch = ${batch} entries, got ${String(used?.length)} entries`);
      }
      for (let b = 0; b < batch; b++) {
        if (used[b]! < 0 || used[b]! > usedK[b]!) {
          throw new RangeError(`${fn}: varlen.sequsedK[${b}] must be in [0, ${usedK[b]}] (the keys of sequence ${b}), got ${used[b]}`);
        }
        usedK[b] = used[b]!;
      }
    }
    outDims = [totalQ, heads, headDimV];
    lseDims = [heads, totalQ];
  } else {
    const [bq, sq] = q.dims as [number, number];
    const [bk, sk] = k.dims as [number, number];
    if (bk !== bq) throw new RangeError(`${fn}: k must have batch ${bq} like q, got ${dimsText(k)}`);
    batch = bq;
    totalQ = bq * sq;
    cuQ = new Int32Array(batch + 1);
    cuK = new Int32Array(batch + 1);
    usedK = new Int32Array(batch).fill(sk);
    for (let b = 0; b <= batch; b++) {
      cuQ[b] = b * sq;
      cuK[b] = b * sk;
    }
    outDims = [bq, sq, heads, headDimV];
    lseDims = [bq, heads, sq];
  }
  return {
    q: decode(q),
    k: decode(k),
    v: decode(v),
    batch,
    heads,
    headsKV,
    headDim,
    headDimV,
    totalQ,
    cuQ,
    cuK,
    usedK,
    varlen: isVarlen,
    outDims,
    lseDims,
  };
}
