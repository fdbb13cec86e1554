/**
 * CPU implementations of the small ops and of Linear. Inputs are decoded exactly, arithmetic is
 * float64 per operation, and each output is rounded once to its dtype (to nearest even): the GPU
 * kernels do the same in float32, so the two paths differ only by float32's own rounding.
 * Callers (functional.ts) validate shapes, dtypes and contiguity first.
 */
import { type DType, allocHostArray, encodeArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { gelu, silu } from './math.js';

/** A host tensor of `dims` holding `values` rounded to `dtype`. */
export function hostTensorFrom(values: Float64Array | Float32Array, dims: readonly number[], dtype: DType): Tensor {
  if (dtype === 'float32') {
    return Tensor.fromData(values instanceof Float32Array ? values : Float32Array.from(values), dims, { dtype });
  }
  const host = allocHostArray(dtype, values.length);
  encodeArray(values, dtype, host);
  return Tensor.fromBits(host, dims, dtype);
}

/** y[m, n] = sum_k x[m, k] w[n, k] (+ b[n]); x [..., K], w [N, K]. */
export function linearCpu(x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  const [n, k] = w.dims as [number, number];
  const m = x.numel / k;
  const xv = x.toFloat32Array();
  const wv = w.toFloat32Array();
  const bv = b?.toFloat64Array();
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const xo = i * k;
    for (let j = 0; j < n; j++) {
      const wo = j * k;
      // Four partial sums let the JIT overlap the multiply-adds; float64 keeps them exact enough.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let c = 0;
      for (; c + 3 < k; c += 4) {
        s0 += xv[xo + c]! * wv[wo + c]!;
        s1 += xv[xo + c + 1]! * wv[wo + c + 1]!;
        s2 += xv[xo + c + 2]! * wv[wo + c + 2]!;
        s3 += xv[xo + c + 3]! * wv[wo + c + 3]!;
      }
      for (; c < k; c++) s0 += xv[xo + c]! * wv[wo + c]!;
      out[i * n + j] = s0 + s1 + s2 + s3 + (bv ? bv[j]! : 0);
    }
  }
  return hostTensorFrom(out, [...x.dims.slice(0, -1), n], x.dtype);
}

/** out[..., :] = weight[ids[...], :], copied bit for bit. */
export function embeddingCpu(weight: Tensor, ids: Int32Array, idsDims: readonly number[]): Tensor {
  const dim = weight.dims[1]!;
  const src = weight.contiguous().data;
  const out = allocHostArray(weight.dtype, ids.length * dim);
  for (let r = 0; r < ids.length; r++) {
    const o = ids[r]! * dim;
    out.set(src.subarray(o, o + dim) as never, r * dim);
  }
  return Tensor.fromBits(out, [...idsDims, dim], weight.dtype);
}

/** LayerNorm (two-pass statistics) or RMSNorm over the last dim. */
export function normCpu(kind: 'layernorm' | 'rmsnorm', x: Tensor, w: Tensor, b: Tensor | undefined, eps: number): Tensor {
  const dim = x.dims[x.ndim - 1]!;
  const rows = x.numel / dim;
  const xv = x.toFloat64Array();
  const wv = w.toFloat64Array();
  const bv = b?.toFloat64Array();
  const out = new Float64Array(xv.length);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    if (kind === 'layernorm') {
      let s = 0;
      for (let c = 0; c < dim; c++) s += xv[o + c]!;
      const mean = s / dim;
      let ss = 0;
      for (let c = 0; c < dim; c++) ss += (xv[o + c]! - mean) ** 2;
      const rstd = 1 / Math.sqrt(ss / dim + eps);
      for (let c = 0; c < dim; c++) out[o + c] = (xv[o + c]! - mean) * rstd * wv[c]! + (bv ? bv[c]! : 0);
    } else {
      let ss = 0;
      for (let c = 0; c < dim; c++) ss += xv[o + c]! ** 2;
      const rstd = 1 / Math.sqrt(ss / dim + eps);
      for (let c = 0; c < dim; c++) out[o + c] = xv[o + c]! * rstd * wv[c]!;
    }
  }
  return hostTensorFrom(out, x.dims, x.dtype);
}

export function addCpu(a: Tensor, b: Tensor): Tensor {
  const av = a.toFloat64Array();
  const bv = b.toFloat64Array();
  for (let i = 0; i < av.length; i++) av[i] = av[i]! + bv[i]!;
  return hostTensorFrom(av, a.dims, a.dtype);
}

export function geluCpu(x: Tensor): Tensor {
  const v = x.toFloat64Array();
  for (let i = 0; i < v.length; i++) v[i] = gelu(v[i]!);
  return hostTensorFrom(v, x.dims, x.dtype);
}

/** x [..., 2H] = [gate | up] -> silu(gate) * up [..., H]. */
export function swigluCpu(x: Tensor): Tensor {
  const two = x.dims[x.ndim - 1]!;
  const h = two / 2;
  const rows = x.numel / two;
  const v = x.toFloat64Array();
  const out = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < h; c++) out[r * h + c] = silu(v[r * two + c]!) * v[r * two + h + c]!;
  }
  return hostTensorFrom(out, [...x.dims.slice(0, -1), h], x.dtype);
}
