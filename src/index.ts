/**
 * flash-attn-ts: FlashAttention for TypeScript.
 *
 * Public surface: the attention functions (names follow flash_attn, in camelCase), Tensor, and the
 * CUDA layer as the `cuda` namespace (devices, streams, events, allocator statistics).
 */
export * from './attention/index.js';
export { Tensor, type DeviceSpec, type Location, type TensorOptions, type RandomOptions } from './tensor/tensor.js';
export {
  type DType,
  type HostArray,
  DTYPES,
  dtypeSize,
  roundToDType,
  float16Bits,
  float16FromBits,
  bfloat16Bits,
  bfloat16FromBits,
  float8E4m3Bits,
  float8E4m3FromBits,
  float8E5m2Bits,
  float8E5m2FromBits,
} from './tensor/dtype.js';
export { Rng } from './tensor/random.js';
export * as cuda from './cuda/index.js';
export { CudaError, CudaOutOfMemoryError, CudaUnavailableError, Stream, Event } from './cuda/index.js';
export * as nn from './nn/index.js';
export { Embedding, LayerNorm, Linear, Mlp, MultiHeadAttention, RMSNorm, SimpleTransformer, type SimpleTransformerConfig, formatAttentionPath } from './nn/index.js';
export { Tokenizer, TokenizerError, llama2Tokenizer } from './tokenizer/index.js';
