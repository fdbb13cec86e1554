/**
 * SimpleTransformer: what the FlashAttention seed example meant. Token ids go through an Embedding
 * (not a Linear), then `layers` pre-norm residual blocks (x + attn(norm(x)), then x + mlp(norm(x))),
 * whose attention projects to a packed qkv and calls flashAttnQkvpackedFunc with the heads split,
 * then a final norm and a Linear head to vocabulary logits. Weights are float32, float16 or
 * bfloat16, seeded, and the same bits on the CPU and the GPU.
 */
import type { DType } from '../tensor/dtype.js';
import { Tensor, type DeviceSpec } from '../tensor/tensor.js';
import { type AttentionPath, MultiHeadAttention, checkHeads } from './attention.js';
import * as F from './functional.js';
import { NN_DTYPES, NnArgumentError, describeValue } from './functional.js';
import { type Activation, Embedding, LayerNorm, Linear, Mlp, RMSNorm } from './layers.js';
import { Initializer, Module, type ModuleOptions } from './module.js';

export type NormKind = 'layernorm' | 'rmsnorm';

export interface SimpleTransformerConfig {
  /** Number of token ids (32000 for the Llama-2 tokenizer). */
  vocabSize: number;
  /** Width of the residual stream; must be divisible by heads, with embedSize / heads a multiple of 8 up to 256. */
  embedSize: number;
  heads: number;
  /** Number of residual blocks (0 is allowed: embedding, norm, head). */
  layers: number;
  /** Causal self-attention; default true (a language model's). */
  causal?: boolean;
  /** Parameter and activation dtype; default 'bfloat16'. */
  dtype?: DType;
  /** Where the model lives; default 'cpu'. */
  device?: DeviceSpec;
  /** Seed of the initialization; default 0. */
  seed?: number;
  /** MLP hidden size = mlpRatio * embedSize; default 4. */
  mlpRatio?: number;
  /** 'gelu' (GELU MLP, default) or 'silu' (SwiGLU MLP). */
  activation?: Activation;
  /** 'layernorm' (default) or 'rmsnorm'. */
  norm?: NormKind;
  /** Norm epsilon; default 1e-5. */
  eps?: number;
}

type Norm = LayerNorm | RMSNorm;

function makeNorm(kind: NormKind, dim: number, eps: number, init: Initializer): Norm {
  return kind === 'rmsnorm' ? new RMSNorm(dim, { eps, init }) : new LayerNorm(dim, { eps, init });
}

export interface TransformerBlockOptions extends ModuleOptions {
  causal?: boolean;
  mlpRatio?: number;
  activation?: Activation;
  norm?: NormKind;
  eps?: number;
}

/** Pre-norm residual block: x + attn(norm1(x)), then + mlp(norm2(.)). */
export class TransformerBlock extends Module {
  readonly norm1: Norm;
  readonly attn: MultiHeadAttention;
  readonly norm2: Norm;
  readonly mlp: Mlp;
  constructor(embedSize: number, heads: number, opts: TransformerBlockOptions = {}) {
    super();
    const init = Initializer.from('TransformerBlock', opts);
    const eps = opts.eps ?? 1e-5;
    const norm = opts.norm ?? 'layernorm';
    this.norm1 = this.addModule('norm1', makeNorm(norm, embedSize, eps, init));
    this.attn = this.addModule('attn', new MultiHeadAttention(embedSize, heads, { init, causal: opts.causal }));
    this.norm2 = this.addModule('norm2', makeNorm(norm, embedSize, eps, init));
    this.mlp = this.addModule('mlp', new Mlp(embedSize, (opts.mlpRatio ?? 4) * embedSize, opts.activation ?? 'gelu', { init }));
  }

  /** x `[batch, seqlen, embedSize]` -> same dims. */
  forward(x: Tensor, opts: F.OpOptions = {}): Tensor {
    const h1 = this.norm1.forward(x, opts);
    const a = this.attn.forward(h1, opts);
    h1.dispose();
    const x1 = F.add(x, a, opts);
    a.dispose();
    const h2 = this.norm2.forward(x1, opts);
    const m = this.mlp.forward(h2, opts);
    h2.dispose();
    const x2 = F.add(x1, m, opts);
    x1.dispose();
    m.dispose();
    return x2;
  }
}

/** The resolved configuration (every default filled in). */
export type ResolvedTransformerConfig = Required<Omit<SimpleTransformerConfig, 'device'>> & { device: DeviceSpec };

/** Validates a config, filling defaults; every problem is an NnArgumentError naming the field. */
export function resolveTransformerConfig(config: unknown): ResolvedTransformerConfig {
  const fn = 'SimpleTransformer';
  if (typeof config !== 'object' || config === null) {
    throw new NnArgumentError(fn, 'config', `config must be an object { vocabSize, embedSize, heads, layers, causal? }, got ${describeValue(config)}`);
  }
  const c = config as Record<string, unknown>;
  const posInt = (name: string, min = 1): number => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new NnArgumentError(fn, name, `${name} must be an integer >= ${min}, got ${describeValue(v)}`);
    }
    return v;
  };
  const vocabSize = posInt('vocabSize');
  checkHeads(fn, c.embedSize, c.heads);
  const embedSize = c.embedSize as number;
  const heads = c.heads as number;
  const layers = posInt('layers', 0);
  const oneOf = <T extends string>(name: string, allowed: readonly T[], dflt: T): T => {
    const v = c[name] ?? dflt;
    if (!allowed.includes(v as T)) {
      throw new NnArgumentError(fn, name, `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`);
    }
    return v as T;
  };
  const causal = c.causal ?? true;
  if (typeof causal !== 'boolean') throw new NnArgumentError(fn, 'causal', `causal must be a boolean, got ${describeValue(causal)}`);
  const mlpRatio = c.mlpRatio ?? 4;
  if (typeof mlpRatio !== 'number' || !Number.isSafeInteger(mlpRatio) || mlpRatio < 1) {
    throw new NnArgumentError(fn, 'mlpRatio', `mlpRatio must be a positive integer, got ${describeValue(mlpRatio)}`);
  }
  const eps = c.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new NnArgumentError(fn, 'eps', `eps must be a finite number > 0, got ${describeValue(eps)}`);
  const seed = c.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new NnArgumentError(fn, 'seed', `seed must be an integer in [0, 2^32), got ${describeValue(seed)}`);
  }
  return {
    vocabSize,
    embedSize,
    heads,
    layers,
    causal,
    dtype: oneOf('dtype', NN_DTYPES, 'bfloat16'),
    device: (c.device as DeviceSpec | undefined) ?? 'cpu',
    seed,
    mlpRatio,
    activation: oneOf<Activation>('activation', ['gelu', 'silu'], 'gelu'),
    norm: oneOf<NormKind>('norm', ['layernorm', 'rmsnorm'], 'layernorm'),
    eps,
  };
}

/**
 * A decoder-style transformer over token ids.
 *
 * ```ts
 * const model = new SimpleTransformer({ vocabSize: 32000, embedSize: 512, heads: 8, layers: 4, device: 'cuda' });
 * const logits = model.forward([1, 15043, 29892]);   // [1, 3, 32000] bfloat16, on cuda
 * ```
 */
export class SimpleTransformer extends Module {
  readonly config: ResolvedTransformerConfig;
  readonly embedding: Embedding;
  readonly blocks: TransformerBlock[];
  readonly normOut: Norm;
  readonly head: Linear;

  constructor(config: SimpleTransformerConfig) {
    super();
    const c = resolveTransformerConfig(config);
    this.config = c;
    const init = new Initializer(c.dtype, c.device, c.seed);
    this.embedding = this.addModule('embedding', new Embedding(c.vocabSize, c.embedSize, { init }));
    this.blocks = [];
    for (let i = 0; i < c.layers; i++) {
      const b = new TransformerBlock(c.embedSize, c.heads, {
        init,
        causal: c.causal,
        mlpRatio: c.mlpRatio,
        activation: c.activation,
        norm: c.norm,
        eps: c.eps,
      });
      this.blocks.push(this.addModule(`blocks.${i}`, b));
    }
    this.normOut = this.addModule('normOut', makeNorm(c.norm, c.embedSize, c.eps, init));
    this.head = this.addModule('head', new Linear(c.embedSize, c.vocabSize, { init }));
  }

  /**
   * Logits for token ids.
   * @param ids `[seqlen]` or `[batch, seqlen]`: an int32 Tensor, an Int32Array or a number array
   *   (1-D), every id in [0, vocabSize); seqlen >= 1.
   * @returns logits `[batch, seqlen, vocabSize]` in the model's dtype, on its device (batch 1 for 1-D ids).
   */
  forward(ids: F.TokenIds, opts: F.OpOptions = {}): Tensor {
    const fn = 'SimpleTransformer.forward';
    const h = F.hostTokenIds(fn, ids, this.config.vocabSize);
    if (h.dims.length < 1 || h.dims.length > 2) {
      throw new NnArgumentError(fn, 'ids', `ids must have dims [seqlen] or [batch, seqlen], got [${h.dims.join(', ')}]`);
    }
    const [batch, seqlen] = h.dims.length === 1 ? [1, h.dims[0]!] : (h.dims as [number, number]);
    if (seqlen < 1 || batch < 1) {
      throw new NnArgumentError(fn, 'ids', `ids must hold at least one token, got dims [${h.dims.join(', ')}]`);
    }
    let x = this.embedding.forward(Tensor.fromData(h.ids, [batch, seqlen], { dtype: 'int32' }), opts);
    for (const b of this.blocks) {
      const next = b.forward(x, opts);
      x.dispose();
      x = next;
    }
    const n = this.normOut.forward(x, opts);
    x.dispose();
    const logits = this.head.forward(n, opts);
    n.dispose();
    return logits;
  }

  /** The attention path of the last forward (of the first block; all blocks take the same). */
  get attentionPath(): AttentionPath | undefined {
    return this.blocks[0]?.attn.lastPath;
  }
}
