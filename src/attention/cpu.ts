/**
 * CPU attention forward: tiled, online-softmax, float32 state (FlashAttention's algorithm on the host).
 *
 * For each (sequence, head, tile of TILE_M queries) it walks the tiles of TILE_N keys that the
 * mask leaves visible, keeping per query row a running max m, a running sum l of exp(s - m) and an
 * unnormalized output accumulator, rescaled by exp(mOld - mNew) whenever the max grows. Nothing
 * larger than a tile of scores is ever held, so memory is O(TILE * (headDim + headDimV)) on top of
 * the inputs and outputs, never seqlenQ * seqlenK. Inputs are read in place through their strides
 * (packed qkv/kv views included) and decoded once per tile into float32 tile buffers.
 *
 * Arithmetic is JavaScript's float64 per operation, stored into float32 buffers (the state a GPU
 * kernel keeps in registers); the output is rounded once to the input dtype, to nearest even.
 */
import { decodeArray, encodeArray, type DType, type HostArray } from '../tensor/dtype.js';
import type { AttentionProblem } from './problem.js';

/** Query rows per tile. 64 x 64 keeps the three float32 tiles of head dim 256 within 200 KiB (L2). */
export const CPU_TILE_M = 64;
/** Key rows per tile. */
export const CPU_TILE_N = 64;

/** What the CPU path allocated, for tests that check memory stays O(tile), never O(sq * sk). */
export interface CpuAttentionStats {
  /** Forward calls so far. */
  calls: number;
  /** Bytes of scratch (tile buffers, running state) the last call allocated. */
  lastScratchBytes: number;
}
export const cpuAttentionStats: CpuAttentionStats = { calls: 0, lastScratchBytes: 0 };

let float16Table: Float32Array | undefined;

/** float16 bits -> value, built once: a table lookup is far cheaper than decoding bit fields. */
function float16Values(): Float32Array {
  if (!float16Table) {
    const bits = new Uint16Array(1 << 16);
    for (let i = 0; i < bits.length; i++) bits[i] = i;
    float16Table = new Float32Array(bits.length);
    decodeArray(bits, 'float16', float16Table);
  }
  return float16Table;
}

/** Copies `rows` rows of `n` contiguous elements (row step `rowStride`) into a dense float32 tile. */
type RowDecoder = (src: HostArray, off: number, rowStride: number, rows: number, n: number, dst: Float32Array) => void;

function decodeRowsF32(src: HostArray, off: number, rowStride: number, rows: number, n: number, dst: Float32Array): void {
  const s = src as Float32Array;
  for (let r = 0; r < rows; r++) {
    const o = off + r * rowStride;
    const t = r * n;
    for (let c = 0; c < n; c++) dst[t + c] = s[o + c]!;
  }
}

function makeDecodeRowsBf16(): RowDecoder {
  return (src, off, rowStride, rows, n, dst) => {
    const s = src as Uint16Array;
    // bfloat16 is the top half of a float32: write the bits straight into the tile.
    const d = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let r = 0; r < rows; r++) {
      const o = off + r * rowStride;
      const t = r * n;
      for (let c = 0; c < n; c++) d[t + c] = s[o + c]! << 16;
    }
  };
}

function makeDecodeRowsF16(): RowDecoder {
  const table = float16Values();
  return (src, off, rowStride, rows, n, dst) => {
    const s = src as Uint16Array;
    for (let r = 0; r < rows; r++) {
      const o = off + r * rowStride;
      const t = r * n;
      for (let c = 0; c < n; c++) dst[t + c] = table[s[o + c]!]!;
    }
  };
}

function rowDecoder(dtype: DType): RowDecoder {
  switch (dtype) {
    case 'float32':
      return decodeRowsF32;
    case 'bfloat16':
      return makeDecodeRowsBf16();
    case 'float16':
      return makeDecodeRowsF16();
    default:
      throw new Error(`attention cpu: dtype ${dtype} reached the CPU kernel; validation should have rejected it`);
  }
}

/** Where one sequence's rows start and how many it has, for dense and varlen layouts alike. */
interface Sequence {
  qStart: number; // first query row (dense: 0; varlen: cuSeqlensQ[b])
  sq: number;
  kStart: number;
  sk: number; // keys used (varlen with sequsedK: sequsedK[b])
}

function sequenceOf(p: AttentionProblem, b: number): Sequence {
  if (!p.varlen) return { qStart: 0, sq: p.seqlenQ, kStart: 0, sk: p.seqlenK };
  const { cuSeqlensQ, cuSeqlensK, sequsedK } = p.varlen.host;
  const qStart = cuSeqlensQ[b]!;
  const kStart = cuSeqlensK[b]!;
  const sk = sequsedK ? sequsedK[b]! : cuSeqlensK[b + 1]! - kStart;
  return { qStart, sq: cuSeqlensQ[b + 1]! - qStart, kStart, sk };
}

/**
 * Runs the forward on host tensors: writes p.out (and p.lse when present).
 * Rows with no visible key get output 0 and LSE -inf; NaN in a query row stays in that row.
 */
export function attentionForwardCpu(p: AttentionProblem): void {
  const { q, k, v, out, lse, heads, headsKV, headDim: d, headDimV: dv } = p;
  const { softmaxScale: scale, softcap, windowLeft, windowRight } = p.params;
  const group = heads / headsKV;
  const varlen = p.varlen !== undefined;

  // Strides of the (row, head) dims: dense [b, s, h, d] uses dims 1, 2; varlen [t, h, d] uses 0, 1.
  const r0 = varlen ? 0 : 1;
  const qRow = q.strides[r0]!, qHead = q.strides[r0 + 1]!, qBatch = varlen ? 0 : q.strides[0]!;
  const kRow = k.strides[r0]!, kHead = k.strides[r0 + 1]!, kBatch = varlen ? 0 : k.strides[0]!;
  const vRow = v.strides[r0]!, vHead = v.strides[r0 + 1]!, vBatch = varlen ? 0 : v.strides[0]!;
  const oRow = out.strides[r0]!, oHead = out.strides[r0 + 1]!, oBatch = varlen ? 0 : out.strides[0]!;
  const qData = q.hostStorageArray();
  const kData = k.hostStorageArray();
  const vData = v.hostStorageArray();
  const oData = out.hostStorageArray();
  const lseData = lse ? (lse.hostStorageArray() as Float32Array) : undefined;
  // lse: dense [b, h, sq] -> (b, h, i); varlen [h, totalQ] -> (h, qStart + i).
  const lseBatch = lse && !varlen ? lse.strides[0]! : 0;
  const lseHead = lse ? lse.strides[varlen ? 0 : 1]! : 0;
  const lseRow = lse ? lse.strides[varlen ? 1 : 2]! : 0;

  const decode = rowDecoder(q.dtype);
  const outDType = out.dtype;

  const qTile = new Float32Array(CPU_TILE_M * d);
  const kTile = new Float32Array(CPU_TILE_N * d);
  const vTile = new Float32Array(CPU_TILE_N * dv);
  // Scores stay float64 between the dot product and exp: rounding a logit of 1e4 to float32 would
  // move its probability by 5e-4 relative, more than every other error of the float32 path.
  const scores = new Float64Array(CPU_TILE_M * CPU_TILE_N);
  const acc = new Float32Array(CPU_TILE_M * dv);
  const rowMax = new Float32Array(CPU_TILE_M);
  const rowSum = new Float32Array(CPU_TILE_M);
  const outRow = new Float32Array(dv);
  const lo = new Int32Array(CPU_TILE_M);
  const hi = new Int32Array(CPU_TILE_M);
  cpuAttentionStats.calls++;
  cpuAttentionStats.lastScratchBytes = [qTile, kTile, vTile, scores, acc, rowMax, rowSum, outRow, lo, hi].reduce(
    (n, a) => n + a.byteLength,
    0,
  );

  for (let b = 0; b < p.batch; b++) {
    const { qStart, sq, kStart, sk } = sequenceOf(p, b);
    // Bottom-right alignment: query i lines up with key i + sk - sq.
    const shift = sk - sq;
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor(h / group);
      const qBase = q.offset + b * qBatch + qStart * qRow + h * qHead;
      const kBase = k.offset + b * kBatch + kStart * kRow + hk * kHead;
      const vBase = v.offset + b * vBatch + kStart * vRow + hk * vHead;
      const oBase = out.offset + b * oBatch + qStart * oRow + h * oHead;
      const lseBase = lse ? lse.offset + b * lseBatch + h * lseHead + qStart * lseRow : 0;

      for (let m0 = 0; m0 < sq; m0 += CPU_TILE_M) {
        const rows = Math.min(CPU_TILE_M, sq - m0);
        // Visible keys of each row form one interval [lo, hi] (empty when lo > hi); both ends
        // grow with the row, so the tile's keys span [lo[0], hi[rows - 1]].
        for (let r = 0; r < rows; r++) {
          const i = m0 + r;
          lo[r] = windowLeft >= 0 ? Math.max(0, i + shift - windowLeft) : 0;
          hi[r] = windowRight >= 0 ? Math.min(sk - 1, i + shift + windowRight) : sk - 1;
        }
        rowMax.fill(-Infinity, 0, rows);
        rowSum.fill(0, 0, rows);
        acc.fill(0, 0, rows * dv);
        const kFirst = lo[0]!;
        const kLast = hi[rows - 1]!;
        if (kFirst <= kLast) decode(qData, qBase + m0 * qRow, qRow, rows, d, qTile);

        // Key tiles outside [kFirst, kLast] are fully masked for every row of this tile: skipped.
        for (let n0 = kFirst; n0 <= kLast; n0 += CPU_TILE_N) {
          const cols = Math.min(CPU_TILE_N, kLast + 1 - n0);
          decode(kData, kBase + n0 * kRow, kRow, cols, d, kTile);
          decode(vData, vBase + n0 * vRow, vRow, cols, dv, vTile);
          tileScores(qTile, kTile, scores, rows, cols, d);
          onlineSoftmaxTile(scores, rows, cols, n0, lo, hi, scale, softcap, rowMax, rowSum, acc, dv);
          accumulatePV(scores, vTile, acc, rows, cols, dv);
        }

        for (let r = 0; r < rows; r++) {
          const l = rowSum[r]!;
          // l is 0 only for a row that saw no key (the max key contributes exp(0) = 1).
          const empty = l === 0;
          const inv = empty ? 0 : 1 / l;
          const ao = r * dv;
          for (let c = 0; c < dv; c++) outRow[c] = empty ? 0 : acc[ao + c]! * inv;
          const o = oBase + (m0 + r) * oRow;
          if (outDType === 'float32') {
            oData.set(outRow, o);
          } else {
            encodeArray(outRow, outDType, oData.subarray(o, o + dv) as HostArray);
          }
          if (lseData) lseData[lseBase + (m0 + r) * lseRow] = empty ? -Infinity : rowMax[r]! + Math.log(l);
        }
      }
    }
  }
}

/**
 * s[r * cols + j] = q_r . k_j over a tile. Head dims are multiples of 8 (validated), so the dot
 * product is unrolled by 8: loop overhead dominates JavaScript's short inner loops otherwise.
 */
function tileScores(q: Float32Array, k: Float32Array, s: Float64Array, rows: number, cols: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const qo = r * d;
    const so = r * cols;
    for (let j = 0; j < cols; j++) {
      const ko = j * d;
      let dot = 0;
      for (let c = 0; c < d; c += 8) {
        const a = qo + c;
        const b = ko + c;
        dot +=
          q[a]! * k[b]! +
          q[a + 1]! * k[b + 1]! +
          q[a + 2]! * k[b + 2]! +
          q[a + 3]! * k[b + 3]! +
          q[a + 4]! * k[b + 4]! +
          q[a + 5]! * k[b + 5]! +
          q[a + 6]! * k[b + 6]! +
          q[a + 7]! * k[b + 7]!;
      }
      s[so + j] = dot;
    }
  }
}

/**
 * Turns a tile of raw dot products into unnormalized probabilities in place (0 where masked),
 * growing each row's running max and sum and rescaling its accumulator when the max grows.
 * Row r of the tile sees keys [lo[r], hi[r]] (sequence indices; the tile starts at key n0).
 */
function onlineSoftmaxTile(
  s: Float64Array,
  rows: number,
  cols: number,
  n0: number,
  lo: Int32Array,
  hi: Int32Array,
  scale: number,
  softcap: number,
  rowMax: Float32Array,
  rowSum: Float32Array,
  acc: Float32Array,
  dv: number,
): void {
  for (let r = 0; r < rows; r++) {
    const so = r * cols;
    const jLo = Math.max(lo[r]! - n0, 0);
    const jHi = Math.min(hi[r]! - n0, cols - 1);
    if (jLo > jHi) {
      s.fill(0, so, so + cols);
      continue;
    }
    s.fill(0, so, so + jLo);
    s.fill(0, so + jHi + 1, so + cols);
    let tileMax = -Infinity;
    for (let j = jLo; j <= jHi; j++) {
      let x = s[so + j]! * scale;
      if (softcap > 0) x = softcap * Math.tanh(x / softcap);
      s[so + j] = x;
      // Math.max keeps NaN, so a NaN query row poisons only its own state.
      tileMax = Math.max(tileMax, s[so + j]!);
    }
    const mOld = rowMax[r]!;
    // The running max is float32 state: round it before use so that every exp of this row and
    // the rescale factor of the next tile refer to the same stored value.
    const mNew = Math.fround(Math.max(mOld, tileMax));
    if (mNew === -Infinity) {
      // -inf minus -inf is NaN: a row whose scores are all -inf so far has nothing to add.
      s.fill(0, so + jLo, so + jHi + 1);
      continue;
    }
    const alpha = Math.exp(mOld - mNew); // 0 on the row's first visible tile (mOld = -inf)
    rowMax[r] = mNew;
    let sum = 0;
    for (let j = jLo; j <= jHi; j++) {
      const pj = Math.exp(s[so + j]! - mNew);
      s[so + j] = pj;
      sum += pj;
    }
    rowSum[r] = rowSum[r]! * alpha + sum;
    if (alpha !== 1) {
      const ao = r * dv;
      for (let c = 0; c < dv; c++) acc[ao + c] = acc[ao + c]! * alpha;
    }
  }
}

/** acc[r] += sum_j p[r, j] * v_j over a tile; head dims are multiples of 8, unrolled by 8. */
function accumulatePV(p: Float64Array, v: Float32Array, acc: Float32Array, rows: number, cols: number, dv: number): void {
  for (let r = 0; r < rows; r++) {
    const po = r * cols;
    const ao = r * dv;
    for (let j = 0; j < cols; j++) {
      const pj = p[po + j]!;
      // Masked keys have p = 0 exactly; skipping them saves work on diagonal and window tiles.
      // NaN is not 0, so a NaN row still reaches its accumulator.
      if (pj === 0) continue;
      const vo = j * dv;
      for (let c = 0; c < dv; c += 8) {
        const a = ao + c;
        const b = vo + c;
        acc[a] = acc[a]! + pj * v[b]!;
        acc[a + 1] = acc[a + 1]! + pj * v[b + 1]!;
        acc[a + 2] = acc[a + 2]! + pj * v[b + 2]!;
        acc[a + 3] = acc[a + 3]! + pj * v[b + 3]!;
        acc[a + 4] = acc[a + 4]! + pj * v[b + 4]!;
        acc[a + 5] = acc[a + 5]! + pj * v[b + 5]!;
        acc[a + 6] = acc[a + 6]! + pj * v[b + 6]!;
        acc[a + 7] = acc[a + 7]! + pj * v[b + 7]!;
      }
    }
  }
}
