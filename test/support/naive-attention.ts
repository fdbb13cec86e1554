/**
 * A deliberately plain second attention implementation, used only to cross-check the float64
 * reference (src/attention/reference.ts). It shares no code with it: it reads elements one by one
 * through strides, materializes the whole score matrix and an explicit mask per (sequence, head),
 * and takes the softmax as exp(s) / sum(exp(s)) with no max subtraction (so it overflows for
 * scores above ~709; tests with huge logits check the reference by hand instead).
 */
import { decodeElement } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { ResolvedAttention } from '../../src/attention/types.js';
import type { ReferenceResult, ReferenceVarlen } from '../../src/attention/reference.js';

/** Reads element `idx` of a host tensor through its strides. */
function at(t: Tensor, idx: readonly number[]): number {
  const storage = t.hostStorageArray();
  let pos = t.offset;
  for (let a = 0; a < idx.length; a++) pos += idx[a]! * t.strides[a]!;
  return decodeElement(storage[pos]!, t.dtype);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** True when query i may attend key j of a sequence with sq queries and sk keys, from the definition. */
export function naiveVisible(i: number, j: number, sq: number, sk: number, opts: ResolvedAttention): boolean {
  const diagonal = i + sk - sq; // the key aligned with query i when the corner is bottom-right
  if (opts.causal && j > diagonal) return false;
  if (opts.windowRight >= 0 && j > diagonal + opts.windowRight) return false;
  if (opts.windowLeft >= 0 && j < diagonal - opts.windowLeft) return false;
  return true;
}

interface Sequence {
  qRow: (i: number) => number[]; // index prefix of query row i in q
  kRow: (j: number) => number[]; // index prefix of key row j in k and v
  sq: number;
  sk: number;
  outRow: (i: number) => number; // first row index of query i in the [rows, heads] output
  lseAt: (h: number, i: number) => number;
}

/** Same contract and result layout as attentionReference, computed the slow, obvious way. */
export function naiveAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: ResolvedAttention,
  varlen?: ReferenceVarlen,
): ReferenceResult {
  const heads = q.dims.at(-2)!;
  const d = q.dims.at(-1)!;
  const headsKV = k.dims.at(-2)!;
  const dv = v.dims.at(-1)!;
  const seqs: Sequence[] = [];
  let outDims: number[];
  let lseDims: number[];
  if (varlen) {
    const totalQ = q.dims[0]!;
    const nb = varlen.cuSeqlensQ.length - 1;
    for (let b = 0; b < nb; b++) {
      const qs = varlen.cuSeqlensQ[b]!;
      const ks = varlen.cuSeqlensK[b]!;
      const sk = varlen.sequsedK ? varlen.sequsedK[b]! : varlen.cuSeqlensK[b + 1]! - ks;
      seqs.push({
        qRow: (i) => [qs + i],
        kRow: (j) => [ks + j],
        sq: varlen.cuSeqlensQ[b + 1]! - qs,
        sk,
        outRow: (i) => qs + i,
        lseAt: (h, i) => h * totalQ + qs + i,
      });
    }
    outDims = [totalQ, heads, dv];
    lseDims = [heads, totalQ];
  } else {
    const [nb, sq] = q.dims as [number, number];
    const sk = k.dims[1]!;
    for (let b = 0; b < nb; b++) {
      seqs.push({
        qRow: (i) => [b, i],
        kRow: (j) => [b, j],
        sq,
        sk,
        outRow: (i) => b * sq + i,
        lseAt: (h, i) => (b * heads + h) * sq + i,
      });
    }
    outDims = [nb, sq, heads, dv];
    lseDims = [nb, heads, sq];
  }
  const out = new Float64Array(outDims.reduce((a, b) => a * b, 1));
  const lse = new Float64Array(lseDims.reduce((a, b) => a * b, 1));
  const perKV = heads / headsKV;
  for (const seq of seqs) {
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor(h / perKV);
      const qh = range(seq.sq).map((i) => range(d).map((c) => at(q, [...seq.qRow(i), h, c])));
      const kh = range(seq.sk).map((j) => range(d).map((c) => at(k, [...seq.kRow(j), hk, c])));
      const vh = range(seq.sk).map((j) => range(dv).map((c) => at(v, [...seq.kRow(j), hk, c])));
      // scores[i][j] and mask[i][j] for the whole sequence
      const score: number[][] = [];
      const mask: boolean[][] = [];
      for (let i = 0; i < seq.sq; i++) {
        score.push([]);
        mask.push([]);
        for (let j = 0; j < seq.sk; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += qh[i]![c]! * kh[j]![c]!;
          let s = opts.softmaxScale * dot;
          if (opts.softcap > 0) s = opts.softcap * Math.tanh(s / opts.softcap);
          score[i]!.push(s);
          mask[i]!.push(naiveVisible(i, j, seq.sq, seq.sk, opts));
        }
      }
      for (let i = 0; i < seq.sq; i++) {
        const weights = score[i]!.map((s, j) => (mask[i]![j] ? Math.exp(s) : 0));
        const visible = mask[i]!.filter(Boolean).length;
        const total = weights.reduce((a, b) => a + b, 0);
        lse[seq.lseAt(h, i)] = visible === 0 ? -Infinity : Math.log(total);
        const base = (seq.outRow(i) * heads + h) * dv;
        for (let c = 0; c < dv; c++) {
          let acc = 0;
          for (let j = 0; j < seq.sk; j++) {
            if (mask[i]![j]) acc += (weights[j]! / total) * vh[j]![c]!;
          }
          out[base + c] = visible === 0 ? 0 : acc;
        }
      }
    }
  }
  return { out, lse, outDims, lseDims };
}
