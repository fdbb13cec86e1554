/**
 * Validation of the public attention API's arguments and resolution of its options.
 *
 * Every check runs before anything is allocated or enqueued. Each error names the public
 * function, the argument, what was expected and what was received, e.g.
 * "flashAttnFunc: k must have 4 dims [batch, seqlenK, headsKV, headDim], got [2, 128, 64]".
 * test/validation.test.ts holds one test per message.
 *
 * Window semantics are FlashAttention's: a bound at least as wide as the key length (the longest
 * key length, maxSeqlenK, for varlen) is resolved to -1 (unbounded), then causal sets the right
 * bound to 0 whatever was given. `causal` in the result is true exactly when the resolved mask is
 * the bottom-right causal one (left unbounded, right 0), as FlashAttention decides its kernel.
 */
import { Tensor, dimsOf, stridesOf } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { AttentionProblem, VarlenProblem } from './problem.js';
import type { AttentionOptions, ResolvedAttention, VarlenOptions } from './types.js';

/** Raised for every invalid argument of the public attention API. */
export class AttentionArgumentError extends Error {
  /** The public function that was called, e.g. 'flashAttnFunc'. */
  readonly fn: string;
  /** The argument at fault, e.g. 'k', 'windowSize', 'cuSeqlensQ'. */
  readonly argument: string;
  constructor(fn: string, argument: string, message: string) {
    super(`${fn}: ${message}`);
    this.name = 'AttentionArgumentError';
    this.fn = fn;
    this.argument = argument;
  }
}

/** Input dtypes the attention forward accepts today. */
export const ATTENTION_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16'];
/** Largest head dim any backend handles (FlashAttention's limit). */
export const MAX_HEAD_DIM = 256;
/** Head dims must be multiples of this: 16-byte vector loads of 16-bit elements on the GPU. */
export const HEAD_DIM_MULTIPLE = 8;

/** The options flashAttnFunc and the packed variants take. */
export const DENSE_OPTION_KEYS = [
  'softmaxScale',
  'causal',
  'windowSize',
  'softcap',
  'returnLse',
  'deterministic',
  'out',
  'stream',
] as const;
const VARLEN_OPTION_KEYS = [...DENSE_OPTION_KEYS, 'cuSeqlensQ', 'cuSeqlensK', 'maxSeqlenQ', 'maxSeqlenK', 'sequsedK'] as const;

/** How the caller named q, k and v (packed functions pass one tensor for several). */
export interface ArgNames {
  q: string;
  k: string;
  v: string;
}
export const PLAIN_NAMES: ArgNames = { q: 'q', k: 'k', v: 'v' };

/**
 * A validated problem before its outputs exist: api.ts allocates them (or takes opts.out) and
 * completes this object into the AttentionProblem in place.
 */
export type ValidatedProblem = Omit<AttentionProblem, 'out' | 'lse'> & {
  /** The caller's preallocated output, already checked against the problem. */
  out: Tensor | undefined;
  /** Undefined here: present so that completing the object keeps its shape. */
  lse: Tensor | undefined;
  returnLse: boolean;
  /** Dense calls: the option values validation checked, each read once (the plan cache records them). */
  options?: AttentionOptions;
};

// ---- formatting ---------------------------------------------------------------------------------

/** A short, unambiguous rendering of a received value for error messages. */
export function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (typeof x === 'function') return 'a function';
  if (x instanceof Tensor) return x.isDisposed ? 'a disposed Tensor' : x.toString();
  if (Array.isArray(x)) return `[${x.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  const ctor = (x as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

function dimsStr(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function deviceStr(t: Tensor): string {
  return t.location === 'cpu' ? 'cpu' : `cuda:${t.device}`;
}

// ---- single-tensor checks -----------------------------------------------------------------------

function checkTensor(fn: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new AttentionArgumentError(fn, name, `${name} must be a Tensor, got ${describe(x)}`);
  if (x.isDisposed) throw new AttentionArgumentError(fn, name, `${name} must be a live Tensor, got a disposed one`);
}

/** Dims each layout string names, counted once (validation runs on every call). */
const layoutRanks = new Map<string, number>();

function checkRank(fn: string, name: string, t: Tensor, layout: string): void {
  let want = layoutRanks.get(layout);
  if (want === undefined) layoutRanks.set(layout, (want = layout.split(',').length));
  if (t.ndim !== want) {
    throw new AttentionArgumentError(fn, name, `${name} must have ${want} dims ${layout}, got ${dimsStr(dimsOf(t))}`);
  }
}

/** ATTENTION_DTYPES as a set: membership is tested on every call. */
const ATTENTION_DTYPE_SET: ReadonlySet<DType> = new Set(ATTENTION_DTYPES);

function checkInputDType(fn: string, name: string, t: Tensor): void {
  if (ATTENTION_DTYPE_SET.has(t.dtype)) return;
  const float8 = t.dtype.startsWith('float8') ? ' (float8 inputs are not supported yet)' : '';
  throw new AttentionArgumentError(fn, name, `${name} dtype must be float32, float16 or bfloat16${float8}, got ${t.dtype}`);
}

function checkLastDimContiguous(fn: string, name: string, t: Tensor): void {
  if (stridesOf(t)[t.ndim - 1] !== 1) {
    throw new AttentionArgumentError(
      fn,
      name,
      `${name} must have a contiguous last dim (stride 1), got strides ${dimsStr(stridesOf(t))} for dims ${dimsStr(dimsOf(t))}`,
    );
  }
}

// Size checks are written `if (bad) throw sizeError(...)`: the message, whose parts are often
// built from the argument names, is formatted only for a failure. Validation runs on every call
// that is not a repeat; formatting there cost microseconds, and a closure per check still showed.

function atLeastOneError(fn: string, name: string, what: string, value: number, note = ''): AttentionArgumentError {
  return new AttentionArgumentError(fn, name, `${name} ${what} must be at least 1${note}, got ${value}`);
}

function equalError(fn: string, name: string, what: string, value: number, other: string, want: number): AttentionArgumentError {
  return new AttentionArgumentError(fn, name, `${name} ${what} must equal ${other} ${want}, got ${value}`);
}

function isHeadDim(d: number): boolean {
  return d % HEAD_DIM_MULTIPLE === 0 && d >= HEAD_DIM_MULTIPLE && d <= MAX_HEAD_DIM;
}

function headDimError(fn: string, name: string, what: string, d: number): AttentionArgumentError {
  return new AttentionArgumentError(
    fn,
    name,
    `${name} ${what} must be a multiple of ${HEAD_DIM_MULTIPLE} between ${HEAD_DIM_MULTIPLE} and ${MAX_HEAD_DIM}, got ${d}`,
  );
}

// ---- options ------------------------------------------------------------------------------------

/** The option names as sets: every key of every call's options is looked up. */
const DENSE_OPTION_SET: ReadonlySet<string> = new Set(DENSE_OPTION_KEYS);
const VARLEN_OPTION_SET: ReadonlySet<string> = new Set(VARLEN_OPTION_KEYS);

/** `known` lists the option names for the message, `knownSet` holds the same names. */
function checkOptionsObject(
  fn: string,
  name: string,
  opts: unknown,
  known: readonly string[],
  knownSet: ReadonlySet<string>,
): Record<string, unknown> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new AttentionArgumentError(fn, name, `${name} must be an options object, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!knownSet.has(key) && (opts as Record<string, unknown>)[key] !== undefined) {
      throw new AttentionArgumentError(
        fn,
        name,
        `${name} must only have the options ${known.join(', ')}, got unknown option ${JSON.stringify(key)}`,
      );
    }
  }
  return opts as Record<string, unknown>;
}

function checkBoolean(fn: string, name: string, x: unknown): boolean {
  if (x === undefined) return false;
  if (typeof x !== 'boolean') throw new AttentionArgumentError(fn, name, `${name} must be a boolean, got ${describe(x)}`);
  return x;
}

/** windowSize's default: both sides unbounded. */
const NO_WINDOW: readonly [number, number] = Object.freeze([-1, -1] as const);

function isBound(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= -1;
}

/**
 * Resolves user options into the form every implementation receives.
 * @param seqlenK key length the window is resolved against (varlen: maxSeqlenK)
 */
export function resolveOptions(
  fn: string,
  opts: Pick<AttentionOptions, 'softmaxScale' | 'causal' | 'windowSize' | 'softcap'>,
  headDim: number,
  seqlenK: number,
): ResolvedAttention {
  const scale = opts.softmaxScale ?? 1 / Math.sqrt(headDim);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) {
    throw new AttentionArgumentError(fn, 'softmaxScale', `softmaxScale must be a finite number, got ${describe(scale)}`);
  }
  const causal = checkBoolean(fn, 'causal', opts.causal);
  const softcap = opts.softcap ?? 0;
  if (typeof softcap !== 'number' || !Number.isFinite(softcap) || softcap < 0) {
    throw new AttentionArgumentError(fn, 'softcap', `softcap must be a finite number >= 0 (0 = off), got ${describe(softcap)}`);
  }
  const w: unknown = opts.windowSize ?? NO_WINDOW;
  if (!Array.isArray(w) || w.length !== 2 || !isBound(w[0]) || !isBound(w[1])) {
    throw new AttentionArgumentError(
      fn,
      'windowSize',
      `windowSize must be [left, right] with integers >= -1 (-1 = unbounded), got ${describe(w)}`,
    );
  }
  // `+ 0` turns a caller's -0 into 0, so the resolved bounds print and compare as plain integers.
  const windowLeft = w[0] >= seqlenK ? -1 : w[0] + 0;
  const windowRight = causal ? 0 : w[1] >= seqlenK ? -1 : w[1] + 0;
  return {
    softmaxScale: scale,
    causal: windowLeft < 0 && windowRight === 0,
    windowLeft,
    windowRight,
    softcap,
  };
}

/** The caller's out (not undefined) against the output's `dims`. */
function checkOut(fn: string, out: unknown, dims: readonly number[], q: Tensor): Tensor {
  checkTensor(fn, 'out', out);
  if (!sameDims(dimsOf(out), dims)) {
    throw new AttentionArgumentError(fn, 'out', `out must have dims ${dimsStr(dims)}, got ${dimsStr(dimsOf(out))}`);
  }
  if (out.dtype !== q.dtype) {
    throw new AttentionArgumentError(fn, 'out', `out dtype must be ${q.dtype} (the inputs' dtype), got ${out.dtype}`);
  }
  if (out.location !== q.location || out.device !== q.device) {
    throw new AttentionArgumentError(fn, 'out', `out must be on the inputs' device ${deviceStr(q)}, got ${deviceStr(out)}`);
  }
  checkLastDimContiguous(fn, 'out', out);
  return out;
}

// ---- dense --------------------------------------------------------------------------------------

const DENSE_LAYOUT = {
  q: '[batch, seqlenQ, heads, headDim]',
  k: '[batch, seqlenK, headsKV, headDim]',
  v: '[batch, seqlenK, headsKV, headDimV]',
};
const VARLEN_LAYOUT = {
  q: '[totalQ, heads, headDim]',
  k: '[totalK, headsKV, headDim]',
  v: '[totalK, headsKV, headDimV]',
};

/** Checks that apply to q, k, v alike, in both layouts. */
function checkInputs(fn: string, names: ArgNames, q: unknown, k: unknown, v: unknown, layout: typeof DENSE_LAYOUT): [Tensor, Tensor, Tensor] {
  checkTensor(fn, names.q, q);
  checkTensor(fn, names.k, k);
  checkTensor(fn, names.v, v);
  checkRank(fn, names.q, q, layout.q);
  checkRank(fn, names.k, k, layout.k);
  checkRank(fn, names.v, v, layout.v);
  checkInputDType(fn, names.q, q);
  checkLikeQ(fn, names.q, q, names.k, k);
  checkLikeQ(fn, names.q, q, names.v, v);
  return [q, k, v];
}

/** k or v (named `name`) has q's dtype and device. */
function checkLikeQ(fn: string, qName: string, q: Tensor, name: string, t: Tensor): void {
  if (t.dtype !== q.dtype) {
    throw new AttentionArgumentError(fn, name, `${name} dtype must match ${qName} dtype ${q.dtype}, got ${t.dtype}`);
  }
  if (t.location !== q.location || t.device !== q.device) {
    throw new AttentionArgumentError(fn, name, `${name} must be on ${qName}'s device ${deviceStr(q)}, got ${deviceStr(t)}`);
  }
}

/** Shape checks shared by dense and varlen once the leading (batch/sequence) dims are checked. */
function checkHeads(fn: string, names: ArgNames, q: Tensor, k: Tensor, v: Tensor): void {
  const h = q.ndim - 2; // heads dim index
  const heads = dimsOf(q)[h]!;
  const headsKV = dimsOf(k)[h]!;
  if (heads < 1) throw atLeastOneError(fn, names.q, `heads (dim ${h})`, heads);
  if (headsKV < 1) throw atLeastOneError(fn, names.k, `headsKV (dim ${h})`, headsKV);
  if (dimsOf(v)[h] !== headsKV) throw equalError(fn, names.v, `headsKV (dim ${h})`, dimsOf(v)[h]!, `${names.k} headsKV`, headsKV);
  if (heads % headsKV !== 0) {
    throw new AttentionArgumentError(fn, names.k, `${names.k} headsKV (dim ${h}) must divide ${names.q} heads ${heads}, got ${headsKV}`);
  }
  const d = q.ndim - 1;
  const headDim = dimsOf(q)[d]!;
  if (!isHeadDim(headDim)) throw headDimError(fn, names.q, `headDim (dim ${d})`, headDim);
  if (dimsOf(k)[d] !== headDim) throw equalError(fn, names.k, `headDim (dim ${d})`, dimsOf(k)[d]!, `${names.q} headDim`, headDim);
  if (!isHeadDim(dimsOf(v)[d]!)) throw headDimError(fn, names.v, `headDimV (dim ${d})`, dimsOf(v)[d]!);
  checkLastDimContiguous(fn, names.q, q);
  checkLastDimContiguous(fn, names.k, k);
  checkLastDimContiguous(fn, names.v, v);
}

/**
 * Validates flashAttnFunc-style arguments (also used by the packed variants, whose views are
 * named after the packed tensor in messages).
 */
export function validateDense(
  fn: string,
  names: ArgNames,
  qIn: unknown,
  kIn: unknown,
  vIn: unknown,
  optsIn: unknown,
): ValidatedProblem {
  const opts = readOptions(checkOptionsObject(fn, 'opts', optsIn, DENSE_OPTION_KEYS, DENSE_OPTION_SET) as AttentionOptions);
  const [q, k, v] = checkInputs(fn, names, qIn, kIn, vIn, DENSE_LAYOUT);
  const batch = dimsOf(q)[0]!;
  const seqlenQ = dimsOf(q)[1]!;
  const seqlenK = dimsOf(k)[1]!;
  if (batch < 1) throw atLeastOneError(fn, names.q, 'batch (dim 0)', batch, ' (empty batch)');
  if (dimsOf(k)[0] !== batch) throw equalError(fn, names.k, 'batch (dim 0)', dimsOf(k)[0]!, `${names.q} batch`, batch);
  if (dimsOf(v)[0] !== batch) throw equalError(fn, names.v, 'batch (dim 0)', dimsOf(v)[0]!, `${names.q} batch`, batch);
  if (seqlenQ < 1) throw atLeastOneError(fn, names.q, 'seqlenQ (dim 1)', seqlenQ);
  if (seqlenK < 1) throw atLeastOneError(fn, names.k, 'seqlenK (dim 1)', seqlenK);
  if (dimsOf(v)[1] !== seqlenK) throw equalError(fn, names.v, 'seqlenK (dim 1)', dimsOf(v)[1]!, `${names.k} seqlenK`, seqlenK);
  checkHeads(fn, names, q, k, v);
  const heads = dimsOf(q)[2]!;
  const headDim = dimsOf(q)[3]!;
  const headDimV = dimsOf(v)[3]!;
  const params = resolveOptions(fn, opts, headDim, seqlenK);
  const returnLse = checkBoolean(fn, 'returnLse', opts.returnLse);
  checkBoolean(fn, 'deterministic', opts.deterministic);
  const outIn = opts.out;
  const out = outIn === undefined ? undefined : checkOut(fn, outIn, [batch, seqlenQ, heads, headDimV], q);
  return {
    fn,
    q,
    k,
    v,
    out,
    lse: undefined,
    returnLse,
    batch,
    seqlenQ,
    seqlenK,
    heads,
    headsKV: dimsOf(k)[2]!,
    headDim,
    headDimV,
    params,
    stream: opts.stream,
    options: opts,
  };
}

/**
 * The option values, each read once (windowSize copied): a getter then cannot show validation one
 * value and the plan cache, which records what was validated, another.
 */
function readOptions(opts: AttentionOptions): AttentionOptions {
  const w: unknown = opts.windowSize;
  const windowSize = Array.isArray(w) ? copyArray(w) : w;
  return {
    softmaxScale: opts.softmaxScale,
    causal: opts.causal,
    windowSize: windowSize as AttentionOptions['windowSize'],
    softcap: opts.softcap,
    returnLse: opts.returnLse,
    deterministic: opts.deterministic,
    out: opts.out,
    stream: opts.stream,
  };
}

function copyArray(a: readonly unknown[]): unknown[] {
  const copy: unknown[] = [];
  for (let i = 0; i < a.length; i++) copy.push(a[i]);
  return copy;
}

/** qkv [batch, seqlen, 3, heads, headDim]: checks the packing before it is split into views. */
export function checkQkvPacked(fn: string, qkv: unknown): asserts qkv is Tensor {
  checkTensor(fn, 'qkv', qkv);
  checkRank(fn, 'qkv', qkv, '[batch, seqlen, 3, heads, headDim]');
  if (dimsOf(qkv)[2] !== 3) {
    throw new AttentionArgumentError(fn, 'qkv', `qkv dim 2 must be 3 (q, k, v), got dims ${dimsStr(dimsOf(qkv))}`);
  }
}

/** kv [batch, seqlenK, 2, headsKV, headDim]: checks the packing before it is split into views. */
export function checkKvPacked(fn: string, kv: unknown): asserts kv is Tensor {
  checkTensor(fn, 'kv', kv);
  checkRank(fn, 'kv', kv, '[batch, seqlenK, 2, headsKV, headDim]');
  if (dimsOf(kv)[2] !== 2) {
    throw new AttentionArgumentError(fn, 'kv', `kv dim 2 must be 2 (k, v), got dims ${dimsStr(dimsOf(kv))}`);
  }
}

// ---- varlen -------------------------------------------------------------------------------------

/** Host copy of a small int32 index tensor (a device-to-host copy for cuda tensors). */
function readInt32(t: Tensor): Int32Array {
  const host = t.location === 'cpu' ? t : t.toHost();
  return Int32Array.from(host.data as Int32Array);
}

function checkIndexTensor(fn: string, name: string, x: unknown, q: Tensor, layout: string, want: number | undefined): Tensor {
  checkTensor(fn, name, x);
  if (x.dtype !== 'int32') throw new AttentionArgumentError(fn, name, `${name} dtype must be int32, got ${x.dtype}`);
  if (x.location !== q.location || x.device !== q.device) {
    throw new AttentionArgumentError(fn, name, `${name} must be on q's device ${deviceStr(q)}, got ${deviceStr(x)}`);
  }
  if (want === undefined) {
    if (x.ndim !== 1 || dimsOf(x)[0]! < 2) {
      throw new AttentionArgumentError(fn, name, `${name} must have 1 dim ${layout} with batch >= 1 (empty batch), got dims ${dimsStr(dimsOf(x))}`);
    }
  } else if (x.ndim !== 1 || dimsOf(x)[0] !== want) {
    throw new AttentionArgumentError(fn, name, `${name} must have dims [${want}] (${layout}), got ${dimsStr(dimsOf(x))}`);
  }
  if (!x.isContiguous()) {
    throw new AttentionArgumentError(fn, name, `${name} must be contiguous (stride 1), got strides ${dimsStr(stridesOf(x))}`);
  }
  return x;
}

/** Checks cumulative lengths and returns the longest sequence. */
function checkCumulative(fn: string, name: string, cu: Int32Array, total: number, tensorName: string): number {
  if (cu[0] !== 0) throw new AttentionArgumentError(fn, name, `${name}[0] must be 0, got ${cu[0]}`);
  let longest = 0;
  for (let i = 1; i < cu.length; i++) {
    const len = cu[i]! - cu[i - 1]!;
    if (len < 0) {
      throw new AttentionArgumentError(
        fn,
        name,
        `${name} must be non-decreasing, got ${name}[${i}] = ${cu[i]} after ${name}[${i - 1}] = ${cu[i - 1]}`,
      );
    }
    longest = Math.max(longest, len);
  }
  const last = cu[cu.length - 1]!;
  if (last !== total) {
    throw new AttentionArgumentError(
      fn,
      name,
      `${name} last entry must equal ${tensorName} total rows (dim 0) ${total}, got ${name}[${cu.length - 1}] = ${last}`,
    );
  }
  return longest;
}

function checkMaxSeqlen(fn: string, name: string, x: unknown, longest: number, what: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < longest) {
    throw new AttentionArgumentError(fn, name, `${name} must be an integer >= the longest ${what} sequence ${longest}, got ${describe(x)}`);
  }
  return x;
}

/** Validates flashAttnVarlenFunc arguments and reads the small index tensors to the host once. */
export function validateVarlen(fn: string, qIn: unknown, kIn: unknown, vIn: unknown, optsIn: unknown): ValidatedProblem {
  if (optsIn === undefined || optsIn === null || typeof optsIn !== 'object') {
    throw new AttentionArgumentError(
      fn,
      'varlenOpts',
      `varlenOpts must be an object with cuSeqlensQ, cuSeqlensK, maxSeqlenQ and maxSeqlenK, got ${describe(optsIn)}`,
    );
  }
  const opts = checkOptionsObject(fn, 'varlenOpts', optsIn, VARLEN_OPTION_KEYS, VARLEN_OPTION_SET) as unknown as VarlenOptions;
  const names = PLAIN_NAMES;
  const [q, k, v] = checkInputs(fn, names, qIn, kIn, vIn, VARLEN_LAYOUT);
  if (dimsOf(q)[0]! < 1) throw atLeastOneError(fn, 'q', 'total rows (dim 0)', dimsOf(q)[0]!, ' (empty batch)');
  if (dimsOf(k)[0]! < 1) throw atLeastOneError(fn, 'k', 'total rows (dim 0)', dimsOf(k)[0]!, ' (empty batch)');
  if (dimsOf(v)[0] !== dimsOf(k)[0]) throw equalError(fn, 'v', 'total rows (dim 0)', dimsOf(v)[0]!, 'k total rows', dimsOf(k)[0]!);
  checkHeads(fn, names, q, k, v);
  const [totalQ, heads, headDim] = dimsOf(q) as [number, number, number];
  const totalK = dimsOf(k)[0]!;
  const headDimV = dimsOf(v)[2]!;

  const cuQ = checkIndexTensor(fn, 'cuSeqlensQ', opts.cuSeqlensQ, q, '[batch + 1]', undefined);
  const batch = dimsOf(cuQ)[0]! - 1;
  const cuK = checkIndexTensor(fn, 'cuSeqlensK', opts.cuSeqlensK, q, '[batch + 1], as cuSeqlensQ', batch + 1);
  const sequsedK =
    opts.sequsedK === undefined ? undefined : checkIndexTensor(fn, 'sequsedK', opts.sequsedK, q, '[batch]', batch);
  const host: VarlenProblem['host'] = { cuSeqlensQ: readInt32(cuQ), cuSeqlensK: readInt32(cuK) };
  const longestQ = checkCumulative(fn, 'cuSeqlensQ', host.cuSeqlensQ, totalQ, 'q');
  const longestK = checkCumulative(fn, 'cuSeqlensK', host.cuSeqlensK, totalK, 'k');
  if (sequsedK) {
    const used = readInt32(sequsedK);
    for (let b = 0; b < batch; b++) {
      const lenK = host.cuSeqlensK[b + 1]! - host.cuSeqlensK[b]!;
      if (used[b]! < 0 || used[b]! > lenK) {
        throw new AttentionArgumentError(
          fn,
          'sequsedK',
          `sequsedK[${b}] must be in [0, ${lenK}] (that sequence's key length), got ${used[b]}`,
        );
      }
    }
    host.sequsedK = used;
  }
  const maxSeqlenQ = checkMaxSeqlen(fn, 'maxSeqlenQ', opts.maxSeqlenQ, longestQ, 'query');
  const maxSeqlenK = checkMaxSeqlen(fn, 'maxSeqlenK', opts.maxSeqlenK, longestK, 'key');

  // FlashAttention resolves windows against the longest key sequence (maxSeqlenK >= 1 here: k has
  // rows and cuSeqlensK ends at their count).
  const params = resolveOptions(fn, opts, headDim, maxSeqlenK);
  const returnLse = checkBoolean(fn, 'returnLse', opts.returnLse);
  checkBoolean(fn, 'deterministic', opts.deterministic);
  const outIn = opts.out;
  const out = outIn === undefined ? undefined : checkOut(fn, outIn, [totalQ, heads, headDimV], q);
  const varlen: VarlenProblem = { cuSeqlensQ: cuQ, cuSeqlensK: cuK, maxSeqlenQ, maxSeqlenK, host };
  if (sequsedK) varlen.sequsedK = sequsedK;
  return {
    fn,
    q,
    k,
    v,
    out,
    lse: undefined,
    returnLse,
    batch,
    seqlenQ: totalQ,
    seqlenK: totalK,
    heads,
    headsKV: dimsOf(k)[1]!,
    headDim,
    headDimV,
    varlen,
    params,
    stream: opts.stream,
  };
}
