/**
 * Tensor: a typed, strided view of host or device memory.
 *
 * Ownership: the tensor that allocated a storage owns it; views (`select`, `slice`, `view`,
 * `permute`) borrow it and keep their owner reachable. `dispose()` on the owner frees the memory
 * at once, after which any use of the owner or its views is a clear error; `dispose()` on a view
 * retires only that view. A FinalizationRegistry frees an owner of device memory that was never
 * disposed, as a leak backstop only: garbage collection does not feel device-memory pressure.
 * Owners are registered in batches, at the end of the job that made them (see enrollInBackstop).
 *
 * Over 500 lines because the Tensor class is one API (construction, views, copies, lifetime) that
 * users read in one place; stride arithmetic lives in layout.ts.
 */
import {
  type DType,
  type HostArray,
  allocHostArray,
  decodeArray,
  dtypeSize,
  elementBits,
  encodeArray,
  encodeElement,
  hostArrayName,
  isDType,
  roundToDType,
} from './dtype.js';
import { Rng } from './random.js';
import { contiguousStrides, forEachOffset, product, viewStrides } from './layout.js';
import * as cuda from '../cuda/index.js';

export type Location = 'cpu' | 'cuda';

/** Where a tensor lives: 'cpu', 'cuda' (device 0) or 'cuda:N'. */
export type DeviceSpec = Location | `cuda:${number}`;

export interface TensorOptions {
  /** Element type; default 'float32'. */
  dtype?: DType;
  /** Where to allocate; default 'cpu'. */
  device?: DeviceSpec;
  /** Stream for device work; default the library stream of the device. */
  stream?: cuda.Stream;
}

export interface RandomOptions extends TensorOptions {
  /** Seed of the generator; the same seed gives the same values everywhere. */
  seed?: number;
}

/** The memory behind one or more tensors. */
abstract class Storage {
  disposed = false;
  /** Whether leakBackstop holds it (an owner is registered only when still live at the next flush). */
  inBackstop = false;
  abstract readonly location: Location;
  abstract readonly device: number;
  abstract readonly byteLength: number;
  abstract release(): void;
}

class HostStorage extends Storage {
  readonly location = 'cpu';
  readonly device = -1;
  constructor(readonly data: HostArray) {
    super();
  }
  get byteLength(): number {
    return this.data.byteLength;
  }
  release(): void {
    this.disposed = true;
  }
}

class DeviceStorage extends Storage {
  readonly location = 'cuda';
  constructor(readonly block: cuda.DeviceBlock) {
    super();
  }
  get device(): number {
    return this.block.device;
  }
  get byteLength(): number {
    return this.block.bytes;
  }
  release(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.block.free();
  }
}

const leakBackstop = new FinalizationRegistry<Storage>((s) => s.release());

/**
 * Owners of device memory not yet registered with leakBackstop, and their storages. Registering
 * costs ~1 µs an owner in Node 20, most of it garbage collection: a registered tensor outlives
 * young-generation collections (Tensor.empty + dispose on the fake driver of
 * scripts/hostcost-fake-driver.mjs, 2-core VM: 1.2-1.9 µs registered, 0.4-0.9 µs not). Attention
 * outputs are mostly disposed within the step that made them, so an owner waits here until the
 * job that made it ends (a microtask) or BACKSTOP_BATCH owners wait; the ones disposed by then are
 * never registered. A leaked owner is kept alive only until then.
 */
const BACKSTOP_BATCH = 256;
const awaitingOwners: (Tensor | undefined)[] = new Array<Tensor | undefined>(BACKSTOP_BATCH).fill(undefined);
const awaitingStorages: (Storage | undefined)[] = new Array<Storage | undefined>(BACKSTOP_BATCH).fill(undefined);
let awaiting = 0;

function enrollInBackstop(t: Tensor, s: Storage): void {
  if (awaiting === 0) queueMicrotask(registerAwaitingOwners);
  awaitingOwners[awaiting] = t;
  awaitingStorages[awaiting] = s;
  if (++awaiting === BACKSTOP_BATCH) registerAwaitingOwners();
}

function registerAwaitingOwners(): void {
  for (let i = 0; i < awaiting; i++) {
    const s = awaitingStorages[i]!;
    if (!s.disposed) {
      leakBackstop.register(awaitingOwners[i]!, s, s);
      s.inBackstop = true;
    }
    awaitingOwners[i] = undefined;
    awaitingStorages[i] = undefined;
  }
  awaiting = 0;
}

/** Tensor.id of the next tensor made. */
let nextTensorId = 1;

/** Tensor.rand gives up redrawing after this many draws in a row round to `high` (a range with no value below it). */
const MAX_RAND_REDRAWS = 32;

interface ParsedDevice {
  readonly location: Location;
  readonly device: number;
}
const CPU_DEVICE: ParsedDevice = { location: 'cpu', device: -1 };
/** 'cuda:N' specs already parsed: outputs are allocated per attention call, and the regex showed. */
const parsedCudaSpecs = new Map<string, ParsedDevice>([['cuda', { location: 'cuda', device: 0 }]]);
/** More spellings than any machine has devices ('cuda:01' is one too); beyond it, parse each time. */
const MAX_PARSED_SPECS = 64;

function parseDevice(spec: DeviceSpec | undefined, fn: string): ParsedDevice {
  if (spec === undefined || spec === 'cpu') return CPU_DEVICE;
  const known = parsedCudaSpecs.get(spec);
  if (known) return known;
  const m = /^cuda:(\d+)$/.exec(String(spec));
  if (!m) throw new TypeError(`${fn}: device must be 'cpu', 'cuda' or 'cuda:N', got ${JSON.stringify(spec)}`);
  const parsed: ParsedDevice = { location: 'cuda', device: Number(m[1]) };
  if (parsedCudaSpecs.size < MAX_PARSED_SPECS) parsedCudaSpecs.set(spec, parsed);
  return parsed;
}

function checkDims(dims: readonly number[], fn: string): void {
  if (!Array.isArray(dims)) throw new TypeError(`${fn}: dims must be an array of non-negative integers, got ${String(dims)}`);
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${fn}: dims must be non-negative integers, got [${dims.join(', ')}]`);
    }
  }
}

export class Tensor {
  readonly dtype: DType;
  /** Offset of element [0, ..., 0] from the start of the storage, in elements. */
  readonly offset: number;
  /**
   * A number no other Tensor object of this process has (views get their own). Caches key on it
   * to recognize a tensor without holding it: a tensor's layout and storage never change.
   */
  readonly id: number;
  private readonly storage: Storage;
  /** The owning tensor of a view (kept reachable so the backstop cannot free a borrowed storage). */
  private readonly base: Tensor | undefined;
  private retired = false;
  /**
   * The dims and strides the library reads (dimsOf, stridesOf): plain arrays, never modified and
   * never handed out. The public `dims` and `strides` are frozen copies made on first use: in
   * Node 20's optimized code an element of a frozen array loads ~5x slower than one of a plain
   * array, and freezing two arrays per tensor showed in the cost of an attention call.
   */
  private readonly dimsPlain: readonly number[];
  private readonly stridesPlain: readonly number[];
  private frozenDims: readonly number[] | undefined;
  private frozenStrides: readonly number[] | undefined;

  /**
   * Takes `dims` and `strides` over: they must be arrays no caller holds or will modify (fresh
   * ones, or another tensor's plain ones), and are kept rather than copied (tensors are made for
   * every attention output).
   */
  private constructor(
    storage: Storage,
    dtype: DType,
    dims: readonly number[],
    strides: readonly number[],
    offset: number,
    base: Tensor | undefined,
  ) {
    this.storage = storage;
    this.dtype = dtype;
    this.dimsPlain = dims;
    this.stridesPlain = strides;
    this.frozenDims = undefined;
    this.frozenStrides = undefined;
    this.offset = offset;
    this.id = nextTensorId++;
    this.base = base;
  }

  /** Size of each dimension (a frozen array, the same one at every read). */
  get dims(): readonly number[] {
    return this.frozenDims ?? (this.frozenDims = Object.freeze(this.dimsPlain.slice()));
  }

  /** Step between neighbours along each dimension, in elements (a frozen array, the same one at every read). */
  get strides(): readonly number[] {
    return this.frozenStrides ?? (this.frozenStrides = Object.freeze(this.stridesPlain.slice()));
  }

  // ---- construction -------------------------------------------------------------------------

  /**
   * Wraps host data (no copy when `data` is already the dtype's typed array, contiguous).
   * Plain number arrays and Float32Array/Float64Array are converted, rounding to nearest even.
   */
  static fromData(
    data: ArrayLike<number> | HostArray,
    dims: readonly number[],
    opts: TensorOptions = {},
  ): Tensor {
    const dtype = opts.dtype ?? 'float32';
    Tensor.checkDType(dtype, 'Tensor.fromData');
    checkDims(dims, 'Tensor.fromData');
    parseDevice(opts.device, 'Tensor.fromData');
    const n = product(dims);
    if (data.length !== n) {
      throw new RangeError(
        `Tensor.fromData: data has ${data.length} elements but dims [${dims.join(', ')}] need ${n}`,
      );
    }
    let host: HostArray;
    if (data.constructor.name === hostArrayName(dtype) && dtype !== 'float32') {
      host = data as HostArray; // already stored bits of this dtype
    } else if (dtype === 'float32' && data instanceof Float32Array) {
      host = data;
    } else {
      host = allocHostArray(dtype, n);
      encodeArray(data, dtype, host);
    }
    const t = Tensor.wrapHost(host, dtype, dims);
    return opts.device && opts.device !== 'cpu' ? t.moveTo(opts.device, opts.stream) : t;
  }

  /** Wraps stored elements as they are (bits for narrow floats). */
  static fromBits(bits: HostArray, dims: readonly number[], dtype: DType): Tensor {
    Tensor.checkDType(dtype, 'Tensor.fromBits');
    checkDims(dims, 'Tensor.fromBits');
    if (bits.constructor.name !== hostArrayName(dtype)) {
      throw new TypeError(
        `Tensor.fromBits: ${dtype} is stored in a ${hostArrayName(dtype)}, got ${bits.constructor.name}`,
      );
    }
    if (bits.length !== product(dims)) {
      throw new RangeError(`Tensor.fromBits: ${bits.length} elements do not fill dims [${dims.join(', ')}]`);
    }
    return Tensor.wrapHost(bits, dtype, dims);
  }

  /** An uninitialized tensor (host memory is zeroed; device memory holds whatever was there). */
  static empty(dims: readonly number[], opts: TensorOptions = {}): Tensor {
    const dtype = opts.dtype ?? 'float32';
    Tensor.checkDType(dtype, 'Tensor.empty');
    checkDims(dims, 'Tensor.empty');
    const { location, device } = parseDevice(opts.device, 'Tensor.empty');
    const n = product(dims);
    if (location === 'cpu') return Tensor.wrapHost(allocHostArray(dtype, n), dtype, dims);
    const block = cuda.allocate(n * dtypeSize(dtype), device, opts.stream);
    return Tensor.wrapStorage(new DeviceStorage(block), dtype, dims);
  }

  static zeros(dims: readonly number[], opts: TensorOptions = {}): Tensor {
    return Tensor.full(dims, 0, opts);
  }

  /** A tensor whose every element is `value` (rounded to the dtype). */
  static full(dims: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
    const dtype = opts.dtype ?? 'float32';
    Tensor.checkDType(dtype, 'Tensor.full');
    checkDims(dims, 'Tensor.full');
    const { location, device } = parseDevice(opts.device, 'Tensor.full');
    const n = product(dims);
    if (location === 'cuda') {
      const t = Tensor.empty(dims, { dtype, device: `cuda:${device}` });
      cuda.fillElements(t.devicePointer(), elementBits(value, dtype), dtypeSize(dtype), n, opts.stream, device);
      return t;
    }
    const host = allocHostArray(dtype, n);
    if (value !== 0 || Object.is(value, -0)) host.fill(encodeElement(value, dtype));
    return Tensor.wrapHost(host, dtype, dims);
  }

  /** Normal draws, mean + std * N(0, 1), from a seeded generator (default seed 0). */
  static randn(dims: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
    checkDims(dims, 'Tensor.randn');
    Tensor.checkDType(opts.dtype ?? 'float32', 'Tensor.randn');
    parseDevice(opts.device, 'Tensor.randn');
    const rng = new Rng(opts.seed ?? 0);
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 1;
    const vals = new Float64Array(product(dims));
    for (let i = 0; i < vals.length; i++) vals[i] = mean + std * rng.normal();
    return Tensor.fromData(vals, dims, opts);
  }

  /** Uniform draws in [low, high) from a seeded generator (default seed 0). */
  static rand(dims: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
    checkDims(dims, 'Tensor.rand');
    const dtype = opts.dtype ?? 'float32';
    Tensor.checkDType(dtype, 'Tensor.rand');
    parseDevice(opts.device, 'Tensor.rand');
    const rng = new Rng(opts.seed ?? 0);
    const low = opts.low ?? 0;
    const high = opts.high ?? 1;
    const vals = new Float64Array(product(dims));
    for (let i = 0; i < vals.length; i++) {
      // Rounding to the dtype carries draws within half an ulp of `high` up to it (1 in 512 for
      // bfloat16 on [0, 1)); redraw those so the range stays half-open.
      let v = roundToDType(low + (high - low) * rng.uniform(), dtype);
      for (let tries = 0; v >= high && high > low && tries < MAX_RAND_REDRAWS; tries++) {
        v = roundToDType(low + (high - low) * rng.uniform(), dtype);
      }
      vals[i] = v;
    }
    return Tensor.fromData(vals, dims, opts);
  }

  /** Wraps a device allocation the caller already made; the tensor takes ownership of it. */
  static fromDeviceBlock(block: cuda.DeviceBlock, dims: readonly number[], dtype: DType): Tensor {
    checkDims(dims, 'Tensor.fromDeviceBlock');
    if (product(dims) * dtypeSize(dtype) > block.bytes) {
      throw new RangeError(`Tensor.fromDeviceBlock: block of ${block.bytes} bytes is too small for ${dtype} [${dims.join(', ')}]`);
    }
    return Tensor.wrapStorage(new DeviceStorage(block), dtype, dims);
  }

  private static wrapHost(host: HostArray, dtype: DType, dims: readonly number[]): Tensor {
    return Tensor.wrapStorage(new HostStorage(host), dtype, dims);
  }

  private static wrapStorage(storage: Storage, dtype: DType, dims: readonly number[]): Tensor {
    const t = new Tensor(storage, dtype, [...dims], contiguousStrides(dims), 0, undefined);
    if (storage instanceof DeviceStorage) enrollInBackstop(t, storage);
    return t;
  }

  private static checkDType(dtype: unknown, fn: string): asserts dtype is DType {
    if (!isDType(dtype)) {
      throw new TypeError(
        `${fn}: dtype must be one of float32, float16, bfloat16, float8_e4m3, float8_e5m2, int32, got ${JSON.stringify(dtype)}`,
      );
    }
  }

  // ---- properties -----------------------------------------------------------------------------

  get location(): Location {
    return this.storage.location;
  }
  /** Device index for cuda tensors, -1 on the host. */
  get device(): number {
    return this.storage.device;
  }
  get ndim(): number {
    return this.dimsPlain.length;
  }
  /** Number of elements. */
  get numel(): number {
    return product(this.dimsPlain);
  }
  get elementSize(): number {
    return dtypeSize(this.dtype);
  }
  get isDisposed(): boolean {
    return this.retired || this.storage.disposed;
  }
  /** True when the tensor owns its storage (it was not made by a view operation). */
  get isOwner(): boolean {
    return this.base === undefined;
  }

  /** True when the elements are laid out row-major with no gaps. */
  isContiguous(): boolean {
    if (this.numel === 0) return true; // no element to be out of place, whatever the strides
    let s = 1;
    for (let i = this.dimsPlain.length - 1; i >= 0; i--) {
      const d = this.dimsPlain[i]!;
      if (d !== 1 && this.stridesPlain[i] !== s) return false;
      s *= d;
    }
    return true;
  }

  /** Device address of element [0, ..., 0]. Only for cuda tensors. */
  devicePointer(): bigint {
    this.assertLive('devicePointer');
    if (!(this.storage instanceof DeviceStorage)) {
      throw new Error(`Tensor.devicePointer: tensor is on the cpu, expected a cuda tensor`);
    }
    const base = this.storage.block.ptr;
    // Most tensors start at their storage: no bigint arithmetic (each result is an allocation).
    return this.offset === 0 ? base : base + BigInt(this.offset * this.elementSize);
  }

  /**
   * The stored elements of a contiguous host tensor (bits for 16- and 8-bit floats), sharing memory.
   */
  get data(): HostArray {
    this.assertLive('data');
    if (!(this.storage instanceof HostStorage)) {
      throw new Error('Tensor.data: tensor is on cuda; call toHost() first');
    }
    if (!this.isContiguous()) throw new Error('Tensor.data: tensor is not contiguous; call contiguous() first');
    return this.storage.data.subarray(this.offset, this.offset + this.numel) as HostArray;
  }

  toString(): string {
    const where = this.location === 'cpu' ? 'cpu' : `cuda:${this.device}`;
    return `Tensor(${this.dtype}, [${this.dimsPlain.join(', ')}], ${where}${this.isDisposed ? ', disposed' : ''})`;
  }

  // ---- views ----------------------------------------------------------------------------------

  private makeView(dims: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(this.storage, this.dtype, dims, strides, offset, this.base ?? this);
  }

  private normDim(dim: number, fn: string, rankForNeg = this.ndim): number {
    if (!Number.isInteger(dim) || dim < -rankForNeg || dim >= rankForNeg) {
      throw new RangeError(`Tensor.${fn}: dim must be an integer in [${-rankForNeg}, ${rankForNeg - 1}], got ${dim}`);
    }
    return dim < 0 ? dim + rankForNeg : dim;
  }

  /** Removes dimension `dim` by fixing its index: a view. */
  select(dim: number, index: number): Tensor {
    this.assertLive('select');
    const d = this.normDim(dim, 'select');
    const size = this.dimsPlain[d]!;
    if (!Number.isInteger(index) || index < -size || index >= size) {
      throw new RangeError(`Tensor.select: index must be in [${-size}, ${size - 1}] for dim ${d} of size ${size}, got ${index}`);
    }
    const i = index < 0 ? index + size : index;
    const dims = this.dimsPlain.filter((_, k) => k !== d);
    const strides = this.stridesPlain.filter((_, k) => k !== d);
    return this.makeView(dims, strides, this.offset + i * this.stridesPlain[d]!);
  }

  /** Keeps indices start, start+step, ... below end along `dim`: a view. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    this.assertLive('slice');
    const d = this.normDim(dim, 'slice');
    const size = this.dimsPlain[d]!;
    const clamp = (x: number): number => Math.min(Math.max(x < 0 ? x + size : x, 0), size);
    if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
      throw new RangeError(`Tensor.slice: start and end must be integers, got ${start} and ${end}`);
    }
    if (!Number.isInteger(step) || step < 1) throw new RangeError(`Tensor.slice: step must be a positive integer, got ${step}`);
    const s = clamp(start);
    const e = Math.max(clamp(end ?? size), s);
    const dims = [...this.dimsPlain];
    const strides = [...this.stridesPlain];
    dims[d] = Math.ceil((e - s) / step);
    strides[d] = this.stridesPlain[d]! * step;
    return this.makeView(dims, strides, this.offset + s * this.stridesPlain[d]!);
  }

  /**
   * Reinterprets the elements with new dims (one may be -1). Works on contiguous tensors, and on
   * any tensor where only whole dimensions are split or merged that are themselves contiguous.
   */
  view(dims: readonly number[]): Tensor {
    this.assertLive('view');
    const n = this.numel;
    const want = [...dims];
    const inferred = want.filter((d) => d === -1).length;
    if (inferred > 1) throw new RangeError(`Tensor.view: at most one dim may be -1, got [${dims.join(', ')}]`);
    if (inferred === 1) {
      const known = product(want.filter((d) => d !== -1));
      if (known === 0 || n % known !== 0) {
        throw new RangeError(`Tensor.view: cannot infer -1 in [${dims.join(', ')}] for ${n} elements`);
      }
      want[want.indexOf(-1)] = n / known;
    }
    checkDims(want, 'Tensor.view');
    if (product(want) !== n) {
      throw new RangeError(`Tensor.view: [${dims.join(', ')}] has ${product(want)} elements, tensor [${this.dimsPlain.join(', ')}] has ${n}`);
    }
    const strides = n === 0 ? contiguousStrides(want) : viewStrides(this.dimsPlain, this.stridesPlain, want);
    if (!strides) {
      throw new Error(
        `Tensor.view: dims [${this.dimsPlain.join(', ')}] with strides [${this.stridesPlain.join(', ')}] cannot be viewed as [${want.join(', ')}] without a copy; call contiguous() first`,
      );
    }
    return this.makeView(want, strides, this.offset);
  }

  /** Reorders dimensions: a view. */
  permute(order: readonly number[]): Tensor {
    this.assertLive('permute');
    const seen = new Set<number>();
    const ds = order.map((o) => this.normDim(o, 'permute'));
    for (const d of ds) seen.add(d);
    if (order.length !== this.ndim || seen.size !== this.ndim) {
      throw new RangeError(`Tensor.permute: order must be a permutation of 0..${this.ndim - 1}, got [${order.join(', ')}]`);
    }
    return this.makeView(
      ds.map((d) => this.dimsPlain[d]!),
      ds.map((d) => this.stridesPlain[d]!),
      this.offset,
    );
  }

  // ---- copies ---------------------------------------------------------------------------------

  /** A copy on the host (waits for device work on the stream). */
  toHost(stream?: cuda.Stream): Tensor {
    this.assertLive('toHost');
    if (this.storage instanceof HostStorage) return this.clone();
    return this.deviceToHost(stream);
  }

  /**
   * A copy at `device` ('cpu', 'cuda', 'cuda:N'); returns a new tensor even when already there,
   * so the result is always owned by the caller.
   */
  to(device: DeviceSpec, opts: { stream?: cuda.Stream } = {}): Tensor {
    this.assertLive('to');
    const target = parseDevice(device, 'Tensor.to');
    if (target.location === 'cpu') return this.toHost(opts.stream);
    if (this.storage instanceof DeviceStorage && this.device === target.device) return this.clone(opts.stream);
    const host = this.storage instanceof HostStorage ? this : this.deviceToHost(opts.stream);
    return host.moveTo(device, opts.stream);
  }

  private moveTo(device: DeviceSpec, stream?: cuda.Stream): Tensor {
    const target = parseDevice(device, 'Tensor.to');
    const src = this.contiguousHost();
    const out = Tensor.empty(this.dimsPlain, { dtype: this.dtype, device: `cuda:${target.device}` });
    cuda.copyHostToDevice(out.devicePointer(), src.data, stream, target.device);
    return out;
  }

  private deviceToHost(stream?: cuda.Stream): Tensor {
    const storage = this.storage as DeviceStorage;
    const esz = this.elementSize;
    // Copy the byte range that covers the view, then gather on the host.
    const [lo, hi] = this.elementSpan();
    const host = allocHostArray(this.dtype, hi - lo);
    if (hi > lo) cuda.copyDeviceToHost(host, storage.block.ptr + BigInt(lo * esz), stream, this.device);
    const span = new Tensor(new HostStorage(host), this.dtype, this.dimsPlain, this.stridesPlain, this.offset - lo, undefined);
    return span.isContiguous() && span.offset === 0 && host.length === this.numel ? span : span.clone();
  }

  /** [first, last+1) element indices of the storage the view can touch. */
  private elementSpan(): [number, number] {
    if (this.numel === 0) return [this.offset, this.offset];
    let lo = this.offset;
    let hi = this.offset;
    for (let i = 0; i < this.ndim; i++) {
      const ext = (this.dimsPlain[i]! - 1) * this.stridesPlain[i]!;
      if (ext < 0) lo += ext;
      else hi += ext;
    }
    return [lo, hi + 1];
  }

  private contiguousHost(): Tensor {
    return this.isContiguous() && this.storage instanceof HostStorage ? this : this.clone();
  }

  /** A contiguous copy in the same place, or this tensor itself when it is already contiguous. */
  contiguous(stream?: cuda.Stream): Tensor {
    this.assertLive('contiguous');
    return this.isContiguous() ? this : this.clone(stream);
  }

  /** A contiguous copy in the same place, owned by the caller. */
  clone(stream?: cuda.Stream): Tensor {
    this.assertLive('clone');
    if (this.storage instanceof DeviceStorage) {
      const out = Tensor.empty(this.dimsPlain, { dtype: this.dtype, device: `cuda:${this.device}` });
      if (this.isContiguous()) {
        if (this.numel > 0) {
          cuda.copyDeviceToDevice(out.devicePointer(), this.devicePointer(), this.numel * this.elementSize, stream, this.device);
        }
      } else {
        // Strided device views go through the host for now (correct, not fast).
        const host = this.deviceToHost(stream);
        cuda.copyHostToDevice(out.devicePointer(), host.data, stream, this.device);
      }
      return out;
    }
    const src = (this.storage as HostStorage).data;
    const out = allocHostArray(this.dtype, this.numel);
    const dims = this.dimsPlain;
    if (this.isContiguous()) {
      out.set(src.subarray(this.offset, this.offset + this.numel) as never);
    } else {
      let i = 0;
      forEachOffset(dims, this.stridesPlain, this.offset, (pos) => {
        out[i++] = src[pos]!;
      });
    }
    return Tensor.wrapHost(out, this.dtype, dims);
  }

  /** Values in row-major order as float64 (decoding narrow floats exactly). Host tensors only. */
  toFloat64Array(): Float64Array {
    const c = this.hostValuesSource('toFloat64Array');
    const out = new Float64Array(c.numel);
    decodeArray(c.data, c.dtype, out);
    return out;
  }

  /** Values in row-major order as float32. Host tensors only. */
  toFloat32Array(): Float32Array {
    const c = this.hostValuesSource('toFloat32Array');
    const out = new Float32Array(c.numel);
    decodeArray(c.data, c.dtype, out);
    return out;
  }

  /** Values as a nested plain array, for printing small tensors. Host tensors only. */
  toArray(): unknown[] | number {
    this.assertLive('toArray');
    const flat = this.toFloat64Array();
    const build = (d: number, off: number): unknown[] | number => {
      if (d === this.ndim) return flat[off]!;
      const size = this.dimsPlain[d]!;
      const inner = product(this.dimsPlain.slice(d + 1));
      return Array.from({ length: size }, (_, i) => build(d + 1, off + i * inner));
    };
    return build(0, 0);
  }

  private hostValuesSource(fn: string): Tensor {
    this.assertLive(fn);
    if (!(this.storage instanceof HostStorage)) throw new Error(`Tensor.${fn}: tensor is on cuda; call toHost() first`);
    return this.contiguousHost();
  }

  /**
   * Writes `value` into every element of this tensor or view, in place (host, or contiguous cuda).
   * Tests use it to poison outputs before a kernel runs.
   */
  fill_(value: number, stream?: cuda.Stream): this {
    this.assertLive('fill_');
    if (this.storage instanceof DeviceStorage) {
      if (!this.isContiguous()) throw new Error('Tensor.fill_: strided cuda views are not supported; fill the owner');
      cuda.fillElements(this.devicePointer(), elementBits(value, this.dtype), this.elementSize, this.numel, stream, this.device);
      return this;
    }
    const enc = encodeElement(value, this.dtype);
    const data = (this.storage as HostStorage).data;
    if (this.isContiguous()) {
      data.fill(enc, this.offset, this.offset + this.numel);
      return this;
    }
    forEachOffset(this.dimsPlain, this.stridesPlain, this.offset, (p) => {
      data[p] = enc;
    });
    return this;
  }

  // ---- lifetime -------------------------------------------------------------------------------

  /**
   * Frees the memory now when this tensor owns it (its views become unusable); retires only this
   * view otherwise. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.base === undefined) {
      if (this.storage.inBackstop) leakBackstop.unregister(this.storage);
      this.storage.release();
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Throws a clear error when the tensor, or the storage it views, was disposed. */
  assertLive(what: string): void {
    if (this.retired) throw new Error(`Tensor.${what}: this tensor was disposed`);
    if (this.storage.disposed) throw new Error(`Tensor.${what}: the storage of this view was disposed with its owner`);
  }

  /** Internal: the host array behind a host tensor (shared, not a copy), with offset and strides. */
  hostStorageArray(): HostArray {
    this.assertLive('hostStorageArray');
    if (!(this.storage instanceof HostStorage)) throw new Error('Tensor.hostStorageArray: tensor is on cuda');
    return this.storage.data;
  }
}

/**
 * The library's reads of a tensor's dims: the numbers of `t.dims` in a plain array, faster to
 * index than the frozen one (see Tensor.dimsPlain). Internal (not exported by the package): the
 * array must never be modified or handed to a caller.
 */
export function dimsOf(t: Tensor): readonly number[] {
  return t['dimsPlain'];
}

/** The library's reads of a tensor's strides, as dimsOf. */
export function stridesOf(t: Tensor): readonly number[] {
  return t['stridesPlain'];
}

export { contiguousStrides, forEachOffset } from './layout.js';
