/**
 * Seeded initialization that gives the same bits on the CPU and the GPU.
 *
 * Each element is a pure function of (seed, stream, index): a counter-based hash, so the GPU fills
 * a tensor in one kernel (kernels/nn/nn_ops.cu, nn_uniform_init_*) with exactly the bits this file
 * computes on the host, and a model built with the same seed is the same model on either device.
 * `stream` separates the tensors of one model (its parameter index).
 */
import { type DType, allocHostArray, encodeArray } from '../tensor/dtype.js';
import { Tensor, type DeviceSpec } from '../tensor/tensor.js';
import { launchUniformInit } from './kernels.js';

/** lowbias32 (Wellons): the same mix as the CUDA twin, with Math.imul for the 32-bit products. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_M24 = 2 ** -24;
const TWO_POW_32 = 2 ** 32;

/**
 * The float32 values of a uniform U(-bound, bound) fill of `n` elements (before rounding to a
 * narrower dtype): (2u - 1) * bound with u = 24 hash bits / 2^24, the product rounded once to
 * float32 as the GPU's __fmul_rn does.
 */
export function uniformInitValues(n: number, seed: number, stream: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  const b = Math.fround(bound);
  const key = mix32(Math.imul(seed >>> 0, 0x9e3779b9) ^ mix32((stream + 0x632be5ab) >>> 0)) >>> 0;
  for (let i = 0; i < n; i++) {
    const lo = i % TWO_POW_32;
    const hi = Math.floor(i / TWO_POW_32);
    const h = mix32((mix32((lo ^ key) >>> 0) + hi) >>> 0);
    const u = (h >>> 8) * TWO_POW_M24;
    out[i] = (u * 2 - 1) * b; // 2u - 1 is exact; the Float32Array store is the one rounding
  }
  return out;
}

export interface UniformInitOptions {
  dtype: DType;
  device?: DeviceSpec;
  seed: number;
  /** Which tensor of the model this is (separates the streams of values). */
  stream: number;
  /** Values are drawn from U(-bound, bound). */
  bound: number;
}

/** A new tensor filled by the seeded uniform init, on the CPU or the GPU (identical bits). */
export function uniformInit(dims: readonly number[], opts: UniformInitOptions): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (opts.device && opts.device !== 'cpu') {
    const t = Tensor.empty(dims, { dtype: opts.dtype, device: opts.device });
    launchUniformInit(t, opts.seed, opts.stream, opts.bound);
    return t;
  }
  const vals = uniformInitValues(n, opts.seed, opts.stream, opts.bound);
  if (opts.dtype === 'float32') return Tensor.fromData(vals, dims, { dtype: 'float32' });
  if (opts.dtype === 'float16') return Tensor.fromBits(float32ToFloat16Bits(vals), dims, 'float16');
  const host = allocHostArray(opts.dtype, n);
  encodeArray(vals, opts.dtype, host);
  return Tensor.fromBits(host, dims, opts.dtype);
}

/**
 * float32 values to float16 bits, rounding to nearest even, straight from the float32 bit fields
 * (about 10x faster than the general encoder, which matters for models of tens of millions of
 * parameters; a test checks it against src/tensor/dtype.ts).
 */
export function float32ToFloat16Bits(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const b = bits[i]!;
    const sign = (b >>> 16) & 0x8000;
    const e = (b >>> 23) & 0xff;
    let m = b & 0x7fffff;
    if (e === 0xff) {
      out[i] = sign | 0x7c00 | (m !== 0 ? 0x200 : 0);
      continue;
    }
    const he = e - 112; // half's biased exponent: e - 127 + 15
    if (he >= 31) {
      out[i] = sign | 0x7c00;
    } else if (he <= 0) {
      // Half subnormal r * 2^-24: keep 14 - he fewer bits of the 24-bit significand.
      if (he < -10) {
        out[i] = sign;
        continue;
      }
      m |= 0x800000;
      const shift = 14 - he;
      let r = m >>> shift;
      const rem = m & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && (r & 1) === 1)) r++;
      out[i] = sign | r;
    } else {
      let r = (he << 10) | (m >>> 13);
      const rem = m & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++; // a carry into the exponent is right, up to inf
      out[i] = sign | r;
    }
  }
  return out;
}
