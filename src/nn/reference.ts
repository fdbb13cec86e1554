/**
 * float64 references of the nn ops and of the whole SimpleTransformer forward: the oracle the CPU
 * and GPU paths are tested against. Parameters are decoded exactly from their dtype; every op is
 * computed in float64 with nothing rounded in between (the paths under test round each op's output
 * to the model dtype, which is what the dtype's tolerance accounts for).
 */
import type { Tensor } from '../tensor/tensor.js';
import { erf, gelu, silu } from './math.js';
import type { SimpleTransformer, TransformerBlock } from './transformer.js';
import type { LayerNorm, Linear, Mlp, RMSNorm } from './layers.js';

export { erf };

/** Row-major float64 values of a tensor on any device. */
export function valuesOf(t: Tensor): Float64Array {
  if (t.location === 'cpu') return t.toFloat64Array();
  const h = t.toHost();
  const v = h.toFloat64Array();
  h.dispose();
  return v;
}

/** y [m, n] = x [m, k] w[n, k]^T + b. */
export function linearRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, m: number, n: number, k: number): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += x[i * k + c]! * w[j * k + c]!;
      y[i * n + j] = s + (b ? b[j]! : 0);
    }
  }
  return y;
}

export function layerNormRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, dim: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += dim) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += x[o + c]!;
    const mean = s / dim;
    let ss = 0;
    for (let c = 0; c < dim; c++) ss += (x[o + c]! - mean) ** 2;
    const rstd = 1 / Math.sqrt(ss / dim + eps);
    for (let c = 0; c < dim; c++) y[o + c] = (x[o + c]! - mean) * rstd * w[c]! + (b ? b[c]! : 0);
  }
  return y;
}

export function rmsNormRef(x: Float64Array, w: Float64Array, dim: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += dim) {
    let ss = 0;
    for (let c = 0; c < dim; c++) ss += x[o + c]! ** 2;
    const rstd = 1 / Math.sqrt(ss / dim + eps);
    for (let c = 0; c < dim; c++) y[o + c] = x[o + c]! * rstd * w[c]!;
  }
  return y;
}

export function geluRef(x: Float64Array): Float64Array {
  return x.map(gelu);
}

/** x rows of [gate | up] (2h) -> silu(gate) * up (h). */
export function swigluRef(x: Float64Array, h: number): Float64Array {
  const rows = x.length / (2 * h);
  const y = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) for (let c = 0; c < h; c++) y[r * h + c] = silu(x[r * 2 * h + c]!) * x[r * 2 * h + h + c]!;
  return y;
}

export function addRef(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]!);
}

/**
 * Softmax attention on packed qkv `[batch, seqlen, 3, heads, headDim]` (row-major values), causal
 * or not, returning `[batch, seqlen, heads, headDim]`.
 */
export function packedAttentionRef(
  qkv: Float64Array,
  batch: number,
  seqlen: number,
  heads: number,
  headDim: number,
  causal: boolean,
  softmaxScale = 1 / Math.sqrt(headDim),
): Float64Array {
  const out = new Float64Array(batch * seqlen * heads * headDim);
  const rowStride = 3 * heads * headDim;
  const scores = new Float64Array(seqlen);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < seqlen; i++) {
        const qo = (b * seqlen + i) * rowStride + h * headDim;
        const last = causal ? i : seqlen - 1;
        let max = -Infinity;
        for (let j = 0; j <= last; j++) {
          const ko = (b * seqlen + j) * rowStride + heads * headDim + h * headDim;
          let s = 0;
          for (let d = 0; d < headDim; d++) s += qkv[qo + d]! * qkv[ko + d]!;
          scores[j] = s * softmaxScale;
          if (scores[j]! > max) max = scores[j]!;
        }
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        const oo = ((b * seqlen + i) * heads + h) * headDim;
        for (let j = 0; j <= last; j++) {
          const vo = (b * seqlen + j) * rowStride + 2 * heads * headDim + h * headDim;
          const p = scores[j]! / sum;
          for (let d = 0; d < headDim; d++) out[oo + d] = out[oo + d]! + p * qkv[vo + d]!;
        }
      }
    }
  }
  return out;
}

function linearOf(l: Linear, x: Float64Array, m: number): Float64Array {
  return linearRef(x, valuesOf(l.weight.data), l.bias ? valuesOf(l.bias.data) : undefined, m, l.outFeatures, l.inFeatures);
}

function normOf(n: LayerNorm | RMSNorm, x: Float64Array): Float64Array {
  if ('bias' in n) return layerNormRef(x, valuesOf(n.weight.data), n.bias ? valuesOf(n.bias.data) : undefined, n.dim, n.eps);
  return rmsNormRef(x, valuesOf(n.weight.data), n.dim, n.eps);
}

function mlpOf(mlp: Mlp, x: Float64Array, m: number): Float64Array {
  const h = linearOf(mlp.up, x, m);
  const a = mlp.activation === 'gelu' ? geluRef(h) : swigluRef(h, mlp.hidden);
  return linearOf(mlp.down, a, m);
}

function blockOf(blk: TransformerBlock, x: Float64Array, batch: number, seqlen: number): Float64Array {
  const m = batch * seqlen;
  const attn = blk.attn;
  const qkv = linearOf(attn.qkv, normOf(blk.norm1, x), m);
  const o = packedAttentionRef(qkv, batch, seqlen, attn.heads, attn.headDim, attn.causal, attn.softmaxScale);
  const x1 = addRef(x, linearOf(attn.proj, o, m));
  return addRef(x1, mlpOf(blk.mlp, normOf(blk.norm2, x1), m));
}

/**
 * The model's forward in float64 on the host, from its parameters (on any device).
 * @param ids `[batch, seqlen]` row-major token ids (validated by the caller)
 * @returns logits `[batch, seqlen, vocabSize]` as float64, row-major
 */
export function simpleTransformerReference(model: SimpleTransformer, ids: Int32Array, batch: number, seqlen: number): Float64Array {
  const { embedSize } = model.config;
  const table = valuesOf(model.embedding.weight.data);
  let x: Float64Array = new Float64Array(batch * seqlen * embedSize);
  for (let t = 0; t < ids.length; t++) x.set(table.subarray(ids[t]! * embedSize, (ids[t]! + 1) * embedSize), t * embedSize);
  for (const blk of model.blocks) x = blockOf(blk, x, batch, seqlen);
  return linearOf(model.head, normOf(model.normOut, x), batch * seqlen);
}
