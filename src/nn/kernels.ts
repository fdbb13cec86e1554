/**
 * GPU launchers of the small transformer ops (kernels/nn/nn_ops.cu) and the TypeScript layouts of
 * their parameter structs (kernels/nn/nn_params.h; a test compares them with the offsets the build
 * emits). Callers validate; these functions only enqueue on the tensors' stream.
 */
import * as cuda from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

export const EMBEDDING_PARAMS = cuda.defineStruct('EmbeddingParams', [
  ['out', 'ptr'],
  ['weight', 'ptr'],
  ['ids', 'ptr'],
  ['rows', 'i64'],
  ['dim', 'i32'],
  ['vocab', 'i32'],
] as const);

export const NORM_PARAMS = cuda.defineStruct('NormParams', [
  ['out', 'ptr'],
  ['x', 'ptr'],
  ['weight', 'ptr'],
  ['bias', 'ptr'],
  ['rows', 'i64'],
  ['dim', 'i32'],
  ['eps', 'f32'],
] as const);

export const ELEMENTWISE_PARAMS = cuda.defineStruct('ElementwiseParams', [
  ['out', 'ptr'],
  ['a', 'ptr'],
  ['b', 'ptr'],
  ['n', 'i64'],
  ['cols', 'i32'],
  ['reserved', 'i32'],
] as const);

export const UNIFORM_INIT_PARAMS = cuda.defineStruct('UniformInitParams', [
  ['out', 'ptr'],
  ['n', 'i64'],
  ['seed', 'u32'],
  ['stream', 'u32'],
  ['bound', 'f32'],
  ['reserved', 'i32'],
] as const);

/** Every layout above, for the offsets test. */
export const NN_PARAM_LAYOUTS = [EMBEDDING_PARAMS, NORM_PARAMS, ELEMENTWISE_PARAMS, UNIFORM_INIT_PARAMS];

/** The kernel module these ops live in (kernels/build-table.mjs). */
export const NN_MODULE = 'nn_ops';
const THREADS = 256;
/** Grid-stride kernels need no more blocks than keep every SM busy several times over. */
const MAX_BLOCKS = 65535;

const SUFFIX: Partial<Record<DType, string>> = { float32: 'f32', float16: 'f16', bfloat16: 'bf16' };

/** Loaded kernels by device and name: loading reads and hashes the module image, far too slow per launch. */
const kernels = new Map<string, cuda.Kernel>();

function kernel(op: string, dtype: DType, device: number): cuda.Kernel {
  const s = SUFFIX[dtype];
  if (!s) throw new TypeError(`nn: no GPU kernel for ${op} in ${dtype}`);
  const key = `${device}:${op}_${s}`;
  let k = kernels.get(key);
  if (!k) {
    k = cuda.loadBuiltKernel(NN_MODULE, `nn_${op}_${s}`, device);
    kernels.set(key, k);
  }
  return k;
}

function gridFor(n: number): cuda.Dim3 {
  return [Math.max(1, Math.min(Math.ceil(n / THREADS), MAX_BLOCKS)), 1, 1];
}

const BLOCK: cuda.Dim3 = [THREADS, 1, 1];

/** out[r, :] = weight[ids[r], :]; ids is an int32 cuda tensor [rows]. */
export function launchEmbedding(out: Tensor, weight: Tensor, ids: Tensor, stream?: cuda.Stream): void {
  const [vocab, dim] = weight.dims as [number, number];
  const rows = ids.numel;
  if (rows * dim === 0) return;
  const p = EMBEDDING_PARAMS.writer()
    .ptr('out', out.devicePointer())
    .ptr('weight', weight.devicePointer())
    .ptr('ids', ids.devicePointer())
    .i64('rows', rows)
    .i32('dim', dim)
    .i32('vocab', vocab);
  kernel('embedding', out.dtype, out.device).launch(gridFor(rows * dim), BLOCK, 0, p.bytes, stream);
}

/** LayerNorm (bias may be undefined) or RMSNorm over the last dim of a contiguous x. */
export function launchNorm(
  kind: 'layernorm' | 'rmsnorm',
  out: Tensor,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | undefined,
  eps: number,
  stream?: cuda.Stream,
): void {
  const dim = x.dims[x.ndim - 1]!;
  const rows = x.numel / dim;
  if (rows === 0) return;
  const p = NORM_PARAMS.writer()
    .ptr('out', out.devicePointer())
    .ptr('x', x.devicePointer())
    .ptr('weight', weight.devicePointer())
    .ptr('bias', bias ? bias.devicePointer() : 0n)
    .i64('rows', rows)
    .i32('dim', dim)
    .f32('eps', eps);
  kernel(kind, out.dtype, out.device).launch([rows, 1, 1], BLOCK, 0, p.bytes, stream);
}

/** add: out = a + b; gelu: out = gelu(a); swiglu: out [rows, cols] = silu(a[:, :cols]) * a[:, cols:]. */
export function launchElementwise(
  op: 'add' | 'gelu' | 'swiglu',
  out: Tensor,
  a: Tensor,
  b: Tensor | undefined,
  stream?: cuda.Stream,
): void {
  const n = out.numel;
  if (n === 0) return;
  const p = ELEMENTWISE_PARAMS.writer()
    .ptr('out', out.devicePointer())
    .ptr('a', a.devicePointer())
    .ptr('b', b ? b.devicePointer() : 0n)
    .i64('n', n)
    .i32('cols', out.dims[out.ndim - 1]!);
  kernel(op, out.dtype, out.device).launch(gridFor(n), BLOCK, 0, p.bytes, stream);
}

/** Fills a contiguous cuda tensor with the seeded uniform init of src/nn/init.ts. */
export function launchUniformInit(out: Tensor, seed: number, stream: number, bound: number, s?: cuda.Stream): void {
  const n = out.numel;
  if (n === 0) return;
  const p = UNIFORM_INIT_PARAMS.writer()
    .ptr('out', out.devicePointer())
    .i64('n', n)
    .u32('seed', seed >>> 0)
    .u32('stream', stream >>> 0)
    .f32('bound', bound);
  kernel('uniform_init', out.dtype, out.device).launch(gridFor(n), BLOCK, 0, p.bytes, s);
}
