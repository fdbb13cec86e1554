/**
 * The layers of a transformer: Linear, Embedding, LayerNorm, RMSNorm and the MLP. Each builds its
 * parameters through an Initializer (PyTorch's default schemes, drawn from a seeded uniform that is
 * bit-identical on CPU and GPU) and runs the functional ops of functional.ts on their device.
 */
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional.js';
import { NnArgumentError, describeValue } from './functional.js';
import { Initializer, Module, type ModuleOptions, type Parameter } from './module.js';

function checkSize(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new NnArgumentError(fn, name, `${name} must be a positive integer, got ${describeValue(v)}`);
  }
}

/** unit-variance uniform: U(-sqrt 3, sqrt 3) has variance 1. */
const SQRT3 = Math.sqrt(3);

/**
 * y = x W^T + b with W `[outFeatures, inFeatures]` (PyTorch's layout). W and b are drawn from
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), as nn.Linear does. cuBLASLt on the GPU.
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: ModuleOptions & { bias?: boolean } = {},
  ) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const init = Initializer.from('Linear', opts);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.addParameter('weight', init.uniform([outFeatures, inFeatures], bound));
    this.bias = opts.bias === false ? undefined : this.addParameter('bias', init.uniform([outFeatures], bound));
  }

  /** x `[..., inFeatures]` -> `[..., outFeatures]`. */
  forward(x: Tensor, opts: F.OpOptions = {}): Tensor {
    return F.linear(x, this.weight.data, this.bias?.data, opts);
  }
}

/** A lookup table `[numEmbeddings, dim]`, drawn with unit variance (U(-sqrt 3, sqrt 3)). */
export class Embedding extends Module {
  readonly weight: Parameter;
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    opts: ModuleOptions = {},
  ) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'dim', dim);
    this.weight = this.addParameter('weight', Initializer.from('Embedding', opts).uniform([numEmbeddings, dim], SQRT3));
  }

  /** ids (any dims, each in [0, numEmbeddings)) -> `[...idsDims, dim]`. */
  forward(ids: F.TokenIds, opts: F.OpOptions = {}): Tensor {
    return F.embedding(this.weight.data, ids, opts);
  }
}

/** LayerNorm over the last dim; weight 1 and bias 0 at init, as in PyTorch. */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  readonly eps: number;
  constructor(
    readonly dim: number,
    opts: ModuleOptions & { eps?: number; bias?: boolean } = {},
  ) {
    super();
    checkSize('LayerNorm', 'dim', dim);
    const init = Initializer.from('LayerNorm', opts);
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.addParameter('weight', init.full([dim], 1));
    this.bias = opts.bias === false ? undefined : this.addParameter('bias', init.full([dim], 0));
  }

  forward(x: Tensor, opts: F.OpOptions = {}): Tensor {
    return F.layerNorm(x, this.weight.data, this.bias?.data, this.eps, opts);
  }
}

/** RMSNorm over the last dim (Llama's norm); weight 1 at init. */
export class RMSNorm extends Module {
  readonly weight: Parameter;
  readonly eps: number;
  constructor(
    readonly dim: number,
    opts: ModuleOptions & { eps?: number } = {},
  ) {
    super();
    checkSize('RMSNorm', 'dim', dim);
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.addParameter('weight', Initializer.from('RMSNorm', opts).full([dim], 1));
  }

  forward(x: Tensor, opts: F.OpOptions = {}): Tensor {
    return F.rmsNorm(x, this.weight.data, this.eps, opts);
  }
}

export type Activation = 'gelu' | 'silu';

/**
 * The feed-forward block. 'gelu': fc1 (dim -> hidden, bias) -> exact GELU -> fc2 (hidden -> dim,
 * bias), as in GPT-2/BERT. 'silu': SwiGLU as in Llama: one projection dim -> 2*hidden (gate | up,
 * no bias) -> silu(gate) * up -> down (hidden -> dim, no bias).
 */
export class Mlp extends Module {
  readonly up: Linear;
  readonly down: Linear;
  constructor(
    readonly dim: number,
    readonly hidden: number,
    readonly activation: Activation = 'gelu',
    opts: ModuleOptions = {},
  ) {
    super();
    checkSize('Mlp', 'dim', dim);
    checkSize('Mlp', 'hidden', hidden);
    if (activation !== 'gelu' && activation !== 'silu') {
      throw new NnArgumentError('Mlp', 'activation', `activation must be 'gelu' or 'silu', got ${describeValue(activation)}`);
    }
    const init = Initializer.from('Mlp', opts);
    const gated = activation === 'silu';
    this.up = this.addModule('up', new Linear(dim, gated ? 2 * hidden : hidden, { init, bias: !gated }));
    this.down = this.addModule('down', new Linear(hidden, dim, { init, bias: !gated }));
  }

  /** x `[..., dim]` -> `[..., dim]`. */
  forward(x: Tensor, opts: F.OpOptions = {}): Tensor {
    const h = this.up.forward(x, opts);
    const a = this.activation === 'gelu' ? F.gelu(h, opts) : F.swiglu(h, opts);
    h.dispose();
    const y = this.down.forward(a, opts);
    a.dispose();
    return y;
  }
}
