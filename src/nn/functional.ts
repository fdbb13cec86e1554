/**
 * The ops a transformer forward is made of, as functions of tensors: each validates its arguments,
 * then runs on the tensors' device, the GPU kernel (kernels/nn/nn_ops.cu; Linear on cuBLASLt) for
 * cuda tensors and the CPU implementation (cpu.ts) for host tensors. Outputs are new tensors, owned
 * by the caller, in the inputs' dtype (float32, float16 or bfloat16) and on their device.
 *
 * Forward-only for now; a backward for each op will sit beside it (linearBackward, ...), taking the
 * tensors the forward saw, so modules can gain gradients without changing these signatures.
 */
import * as cuda from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { addCpu, embeddingCpu, geluCpu, linearCpu, normCpu, swigluCpu } from './cpu.js';
import { launchElementwise, launchEmbedding, launchNorm } from './kernels.js';

/** dtypes the nn ops take. */
export const NN_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];

/** An invalid argument of an nn op, module or model: names the function and the argument. */
export class NnArgumentError extends Error {
  constructor(
    readonly fn: string,
    readonly argument: string,
    message: string,
  ) {
    super(`${fn}: ${message}`);
    this.name = 'NnArgumentError';
  }
}

/** A short rendering of a received value for error messages. */
export function describeValue(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (x instanceof Tensor) return x.isDisposed ? 'a disposed Tensor' : x.toString();
  if (Array.isArray(x)) return x.length > 8 ? `an array of ${x.length} elements` : `[${x.map(describeValue).join(', ')}]`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'function') return 'a function';
  const ctor = (x as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

const dimsStr = (d: readonly number[]): string => `[${d.join(', ')}]`;
const where = (t: Tensor): string => (t.location === 'cpu' ? 'cpu' : `cuda:${t.device}`);

function checkTensor(fn: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new NnArgumentError(fn, name, `${name} must be a Tensor, got ${describeValue(t)}`);
  if (t.isDisposed) throw new NnArgumentError(fn, name, `${name} must be a live Tensor, got a disposed one`);
  if (!NN_DTYPES.includes(t.dtype)) {
    throw new NnArgumentError(fn, name, `${name} dtype must be float32, float16 or bfloat16, got ${t.dtype}`);
  }
  if (!t.isContiguous()) {
    throw new NnArgumentError(fn, name, `${name} must be contiguous, got dims ${dimsStr(t.dims)} strides ${dimsStr(t.strides)}; call contiguous() first`);
  }
}

function checkSame(fn: string, ref: Tensor, refName: string, t: Tensor, name: string): void {
  if (t.dtype !== ref.dtype) throw new NnArgumentError(fn, name, `${name} dtype must match ${refName} dtype ${ref.dtype}, got ${t.dtype}`);
  if (where(t) !== where(ref)) throw new NnArgumentError(fn, name, `${name} must be on ${refName}'s device ${where(ref)}, got ${where(t)}`);
}

function checkVector(fn: string, name: string, t: Tensor, size: number): void {
  if (t.ndim !== 1 || t.dims[0] !== size) throw new NnArgumentError(fn, name, `${name} must have dims [${size}], got ${dimsStr(t.dims)}`);
}

function emptyLike(dims: readonly number[], like: Tensor, stream?: cuda.Stream): Tensor {
  return Tensor.empty(dims, { dtype: like.dtype, device: like.location === 'cpu' ? 'cpu' : `cuda:${like.device}`, stream });
}

export interface OpOptions {
  /** Stream for device work; default the library stream. */
  stream?: cuda.Stream;
}

/**
 * A linear layer: y = x W^T + b, PyTorch's layout.
 * @param x `[..., inFeatures]`
 * @param weight `[outFeatures, inFeatures]`, x's dtype and device
 * @param bias `[outFeatures]` or undefined
 * @returns `[..., outFeatures]`. On cuda: cuBLASLt, float32 accumulation, the bias in its epilogue.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, opts: OpOptions = {}): Tensor {
  const fn = 'linear';
  checkTensor(fn, 'x', x);
  checkTensor(fn, 'weight', weight);
  checkSame(fn, x, 'x', weight, 'weight');
  if (weight.ndim !== 2) throw new NnArgumentError(fn, 'weight', `weight must have 2 dims [outFeatures, inFeatures], got ${dimsStr(weight.dims)}`);
  const [n, k] = weight.dims as [number, number];
  if (x.ndim < 1 || x.dims[x.ndim - 1] !== k) {
    throw new NnArgumentError(fn, 'x', `x must end in inFeatures = ${k} (weight is ${dimsStr(weight.dims)}), got ${dimsStr(x.dims)}`);
  }
  if (bias !== undefined) {
    checkTensor(fn, 'bias', bias);
    checkSame(fn, x, 'x', bias, 'bias');
    checkVector(fn, 'bias', bias, n);
  }
  if (x.location === 'cpu') return linearCpu(x, weight, bias);
  const outDims = [...x.dims.slice(0, -1), n];
  const out = emptyLike(outDims, x, opts.stream);
  const m = x.numel / k;
  if (m > 0) {
    cuda.cublasLt.matmul({
      dtype: x.dtype as cuda.cublasLt.MatmulDType,
      m,
      n,
      k,
      a: x.devicePointer(),
      b: weight.devicePointer(),
      transB: true,
      out: out.devicePointer(),
      bias: bias?.devicePointer(),
      device: x.device,
      stream: opts.stream,
    });
  }
  return out;
}

/** Token ids as the ops accept them: an int32 tensor (any device), an Int32Array or a number array. */
export type TokenIds = Tensor | Int32Array | readonly number[];

/**
 * Checks token ids and returns them as host int32 with their dims ([n] for arrays).
 * Throws NnArgumentError naming the first id outside [0, vocabSize).
 */
export function hostTokenIds(fn: string, ids: unknown, vocabSize: number): { ids: Int32Array; dims: number[] } {
  let arr: Int32Array;
  let dims: number[];
  if (ids instanceof Tensor) {
    if (ids.isDisposed) throw new NnArgumentError(fn, 'ids', 'ids must be a live Tensor, got a disposed one');
    if (ids.dtype !== 'int32') throw new NnArgumentError(fn, 'ids', `ids dtype must be int32, got ${ids.dtype}`);
    const host = ids.location === 'cpu' ? ids.contiguous() : ids.toHost();
    arr = Int32Array.from(host.data as Int32Array);
    dims = [...ids.dims];
    if (host !== ids) host.dispose();
  } else if (ids instanceof Int32Array) {
    arr = ids;
    dims = [ids.length];
  } else if (Array.isArray(ids)) {
    for (let i = 0; i < ids.length; i++) {
      const v: unknown = ids[i];
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new NnArgumentError(fn, 'ids', `ids must be integers in [0, ${vocabSize - 1}] (the vocabulary), got ${describeValue(v)} at position ${i}`);
      }
    }
    arr = Int32Array.from(ids as number[]);
    for (let i = 0; i < ids.length; i++) {
      if (arr[i] !== ids[i]) throw new NnArgumentError(fn, 'ids', `ids must be integers in [0, ${vocabSize - 1}] (the vocabulary), got ${ids[i]} at position ${i}`);
    }
    dims = [ids.length];
  } else {
    throw new NnArgumentError(fn, 'ids', `ids must be an int32 Tensor, an Int32Array or an array of integers, got ${describeValue(ids)}`);
  }
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i]!;
    if (v < 0 || v >= vocabSize) {
      throw new NnArgumentError(fn, 'ids', `ids must be integers in [0, ${vocabSize - 1}] (the vocabulary), got ${v} at position ${i}`);
    }
  }
  return { ids: arr, dims };
}

/**
 * Looks up rows of an embedding table.
 * @param weight `[vocabSize, dim]`
 * @param ids token ids, each in [0, vocabSize); any dims
 * @returns `[...idsDims, dim]`, weight's dtype, on weight's device (rows copied bit for bit)
 */
export function embedding(weight: Tensor, ids: TokenIds, opts: OpOptions = {}): Tensor {
  const fn = 'embedding';
  checkTensor(fn, 'weight', weight);
  if (weight.ndim !== 2) throw new NnArgumentError(fn, 'weight', `weight must have 2 dims [vocabSize, dim], got ${dimsStr(weight.dims)}`);
  const [vocab, dim] = weight.dims as [number, number];
  const h = hostTokenIds(fn, ids, vocab);
  if (weight.location === 'cpu') return embeddingCpu(weight, h.ids, h.dims);
  const out = emptyLike([...h.dims, dim], weight, opts.stream);
  if (h.ids.length > 0) {
    const dev = Tensor.fromData(h.ids, [h.ids.length], { dtype: 'int32', device: `cuda:${weight.device}`, stream: opts.stream });
    launchEmbedding(out, weight, dev, opts.stream);
    dev.dispose(); // the allocator reuses it only after this stream's later work
  }
  return out;
}

function normChecks(fn: string, x: Tensor, weight: Tensor, bias: Tensor | undefined, eps: number): void {
  checkTensor(fn, 'x', x);
  checkTensor(fn, 'weight', weight);
  checkSame(fn, x, 'x', weight, 'weight');
  if (x.ndim < 1) throw new NnArgumentError(fn, 'x', `x must have at least 1 dim, got ${dimsStr(x.dims)}`);
  const dim = x.dims[x.ndim - 1]!;
  checkVector(fn, 'weight', weight, dim);
  if (bias !== undefined) {
    checkTensor(fn, 'bias', bias);
    checkSame(fn, x, 'x', bias, 'bias');
    checkVector(fn, 'bias', bias, dim);
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new NnArgumentError(fn, 'eps', `eps must be a finite number >= 0, got ${describeValue(eps)}`);
  }
}

/**
 * LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias (biased variance).
 * @param x `[..., dim]`; weight, bias `[dim]` (bias may be undefined)
 */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor | undefined, eps = 1e-5, opts: OpOptions = {}): Tensor {
  normChecks('layerNorm', x, weight, bias, eps);
  if (x.location === 'cpu') return normCpu('layernorm', x, weight, bias, eps);
  const out = emptyLike(x.dims, x, opts.stream);
  launchNorm('layernorm', out, x, weight, bias, eps, opts.stream);
  return out;
}

/**
 * RMSNorm over the last dim: x / sqrt(mean(x^2) + eps) * weight.
 * @param x `[..., dim]`; weight `[dim]`
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-5, opts: OpOptions = {}): Tensor {
  normChecks('rmsNorm', x, weight, undefined, eps);
  if (x.location === 'cpu') return normCpu('rmsnorm', x, weight, undefined, eps);
  const out = emptyLike(x.dims, x, opts.stream);
  launchNorm('rmsnorm', out, x, weight, undefined, eps, opts.stream);
  return out;
}

/** a + b, elementwise (same dims, dtype and device): the residual connection. */
export function add(a: Tensor, b: Tensor, opts: OpOptions = {}): Tensor {
  const fn = 'add';
  checkTensor(fn, 'a', a);
  checkTensor(fn, 'b', b);
  checkSame(fn, a, 'a', b, 'b');
  if (dimsStr(a.dims) !== dimsStr(b.dims)) throw new NnArgumentError(fn, 'b', `b must have a's dims ${dimsStr(a.dims)}, got ${dimsStr(b.dims)}`);
  if (a.location === 'cpu') return addCpu(a, b);
  const out = emptyLike(a.dims, a, opts.stream);
  launchElementwise('add', out, a, b, opts.stream);
  return out;
}

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), elementwise (PyTorch's nn.GELU() default). */
export function gelu(x: Tensor, opts: OpOptions = {}): Tensor {
  checkTensor('gelu', 'x', x);
  if (x.location === 'cpu') return geluCpu(x);
  const out = emptyLike(x.dims, x, opts.stream);
  launchElementwise('gelu', out, x, undefined, opts.stream);
  return out;
}

/**
 * SwiGLU: x `[..., 2H]` holds [gate | up]; returns silu(gate) * up, `[..., H]` (Llama's MLP).
 */
export function swiglu(x: Tensor, opts: OpOptions = {}): Tensor {
  const fn = 'swiglu';
  checkTensor(fn, 'x', x);
  const two = x.dims[x.ndim - 1];
  if (x.ndim < 1 || two === undefined || two % 2 !== 0) {
    throw new NnArgumentError(fn, 'x', `x must end in an even size [..., 2 * hidden] (gate, then up), got ${dimsStr(x.dims)}`);
  }
  if (x.location === 'cpu') return swigluCpu(x);
  const out = emptyLike([...x.dims.slice(0, -1), two / 2], x, opts.stream);
  launchElementwise('swiglu', out, x, undefined, opts.stream);
  return out;
}
