/**
 * A small transformer toolkit on FlashAttention: functional ops (CPU and GPU), layers, multi-head
 * attention over packed qkv, and SimpleTransformer. Forward only for now; parameters carry a grad
 * slot for the backward pass to come.
 */
export {
  NN_DTYPES,
  NnArgumentError,
  type OpOptions,
  type TokenIds,
  add,
  embedding,
  gelu,
  hostTokenIds,
  layerNorm,
  linear,
  rmsNorm,
  swiglu,
} from './functional.js';
export { Initializer, Module, type ModuleOptions, Parameter } from './module.js';
export { type Activation, Embedding, LayerNorm, Linear, Mlp, RMSNorm } from './layers.js';
export {
  type AttentionPath,
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
  checkHeads,
  formatAttentionPath,
} from './attention.js';
export {
  type NormKind,
  type ResolvedTransformerConfig,
  SimpleTransformer,
  type SimpleTransformerConfig,
  TransformerBlock,
  type TransformerBlockOptions,
  resolveTransformerConfig,
} from './transformer.js';
export { uniformInit, uniformInitValues } from './init.js';
