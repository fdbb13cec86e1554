/**
 * Parameters and modules: a module owns named parameters and child modules, and builds its
 * parameters with a seeded initializer so the same seed gives the same model on any device.
 *
 * Parameter carries a `grad` slot and `requiresGrad` already: the backward pass (later) fills
 * gradients without changing how modules are built or called.
 */
import type { DType } from '../tensor/dtype.js';
import { Tensor, type DeviceSpec } from '../tensor/tensor.js';
import { NN_DTYPES, NnArgumentError, describeValue } from './functional.js';
import { uniformInit } from './init.js';

/** A trainable tensor of a module. */
export class Parameter {
  /** Gradient of the loss with respect to `data` (filled by the backward pass, later). */
  grad: Tensor | undefined = undefined;
  requiresGrad = true;
  constructor(public data: Tensor) {}
}

/** Where and how a module's parameters are made. */
export interface ModuleOptions {
  /** Parameter dtype; default 'float32' for single modules, 'bfloat16' for SimpleTransformer. */
  dtype?: DType;
  /** Where the parameters live; default 'cpu'. */
  device?: DeviceSpec;
  /** Seed of the initialization; default 0. */
  seed?: number;
  /** Shared by the modules of one model so each parameter gets its own stream of values. */
  init?: Initializer;
}

/** Makes parameters: seeded uniform fills (identical on CPU and GPU), ones and zeros. */
export class Initializer {
  private nextStream = 0;
  constructor(
    readonly dtype: DType,
    readonly device: DeviceSpec,
    readonly seed: number,
  ) {}

  static from(fn: string, opts: ModuleOptions, defaultDType: DType = 'float32'): Initializer {
    if (opts.init) return opts.init;
    const dtype = opts.dtype ?? defaultDType;
    if (!NN_DTYPES.includes(dtype)) throw new NnArgumentError(fn, 'dtype', `dtype must be float32, float16 or bfloat16, got ${describeValue(dtype)}`);
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new NnArgumentError(fn, 'seed', `seed must be an integer in [0, 2^32), got ${describeValue(seed)}`);
    }
    return new Initializer(dtype, opts.device ?? 'cpu', seed);
  }

  /** U(-bound, bound), the next stream of this initializer's seed. */
  uniform(dims: readonly number[], bound: number): Tensor {
    return uniformInit(dims, { dtype: this.dtype, device: this.device, seed: this.seed, stream: this.nextStream++, bound });
  }

  full(dims: readonly number[], value: number): Tensor {
    this.nextStream++; // keep later streams independent of whether a tensor was random or constant
    return Tensor.full(dims, value, { dtype: this.dtype, device: this.device });
  }
}

export abstract class Module {
  private readonly ownParams = new Map<string, Parameter>();
  private readonly childModules = new Map<string, Module>();

  protected addParameter(name: string, data: Tensor): Parameter {
    const p = new Parameter(data);
    this.ownParams.set(name, p);
    return p;
  }

  protected addModule<M extends Module>(name: string, m: M): M {
    this.childModules.set(name, m);
    return m;
  }

  /** Every parameter with its dotted path ('blocks.0.attn.qkv.weight'), in construction order. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, m] of this.childModules) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.data.numel, 0);
  }

  /** Moves every parameter to `device` (a copy; the old memory is freed). Returns this module. */
  to(device: DeviceSpec): this {
    for (const p of this.parameters()) {
      const moved = p.data.to(device);
      p.data.dispose();
      p.data = moved;
      p.grad?.dispose();
      p.grad = undefined;
    }
    return this;
  }

  /** Frees every parameter (and gradient). The module cannot be used afterwards. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.data.dispose();
      p.grad?.dispose();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
