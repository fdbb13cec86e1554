/**
 * Host-side Tensor: construction, strides, views (against an index model written here), copies,
 * random fills, lifetime; and the device paths, which skip without a CUDA device (test/support/gpu.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DTYPES, type DType, type HostArray, encodeElement, roundToDType } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor, contiguousStrides } from '../src/tensor/tensor.js';
import { gpu, gpuTest } from './support/gpu.js';

// ---- an index model, independent of tensor.ts ----------------------------------------------------

/** A view as the list of owner-storage addresses of its elements, in row-major order. */
interface ModelView {
  readonly dims: number[];
  readonly addrs: number[];
}

const prod = (ds: readonly number[]): number => ds.reduce((a, b) => a * b, 1);

/** Row-major multi-index of linear position `j` in `dims`. */
function unravel(j: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = dims.length - 1; k >= 0; k--) {
    idx[k] = j % dims[k]!;
    j = Math.floor(j / dims[k]!);
  }
  return idx;
}

function ravel(idx: readonly number[], dims: readonly number[]): number {
  let j = 0;
  for (let k = 0; k < dims.length; k++) j = j * dims[k]! + idx[k]!;
  return j;
}

/** A new model whose element at idx is the old one at `from(idx)`. */
function remap(m: ModelView, dims: number[], from: (idx: number[]) => number[]): ModelView {
  const addrs: number[] = [];
  for (let j = 0; j < prod(dims); j++) addrs.push(m.addrs[ravel(from(unravel(j, dims)), m.dims)]!);
  return { dims, addrs };
}

const ownerModel = (dims: number[]): ModelView => ({ dims, addrs: Array.from({ length: prod(dims) }, (_, j) => j) });

function modelSelect(m: ModelView, dim: number, index: number): ModelView {
  const d = dim < 0 ? dim + m.dims.length : dim;
  const i = index < 0 ? index + m.dims[d]! : index;
  return remap(m, m.dims.filter((_, k) => k !== d), (idx) => [...idx.slice(0, d), i, ...idx.slice(d)]);
}

/** Python's slice(start, end, step).indices(size) for step > 0. */
function pySliceIndices(size: number, start: number, end: number | undefined, step: number): number[] {
  const clamp = (x: number): number => (x < 0 ? Math.max(x + size, 0) : Math.min(x, size));
  const out: number[] = [];
  for (let i = clamp(start); i < (end === undefined ? size : clamp(end)); i += step) out.push(i);
  return out;
}

function modelSlice(m: ModelView, dim: number, start: number, end: number | undefined, step: number): ModelView {
  const d = dim < 0 ? dim + m.dims.length : dim;
  const kept = pySliceIndices(m.dims[d]!, start, end, step);
  const dims = [...m.dims];
  dims[d] = kept.length;
  return remap(m, dims, (idx) => idx.map((x, k) => (k === d ? kept[x]! : x)));
}

function modelPermute(m: ModelView, order: readonly number[]): ModelView {
  const ord = order.map((o) => (o < 0 ? o + m.dims.length : o));
  return remap(
    m,
    ord.map((o) => m.dims[o]!),
    (idx) => {
      const old = new Array<number>(idx.length);
      ord.forEach((o, k) => (old[o] = idx[k]!));
      return old;
    },
  );
}

/** Reinterpreting as `dims` keeps the row-major order of elements. */
const modelView = (m: ModelView, dims: number[]): ModelView => ({ dims, addrs: m.addrs });

/**
 * Whether some strides make a view with `dims` over the same addresses: the strides are forced by
 * the elements one step along each dimension, then every element must agree.
 */
function viewable(m: ModelView, dims: readonly number[]): boolean {
  const n = m.addrs.length;
  if (n === 0) return true;
  const strides = dims.map((d, k) => {
    if (d === 1) return 0;
    const unit = dims.map((_, q) => (q === k ? 1 : 0));
    return m.addrs[ravel(unit, dims)]! - m.addrs[0]!;
  });
  for (let j = 0; j < n; j++) {
    const idx = unravel(j, dims);
    if (m.addrs[j] !== m.addrs[0]! + idx.reduce((s, x, k) => s + x * strides[k]!, 0)) return false;
  }
  return true;
}

/** The tensor's own address arithmetic (offset + sum idx * stride) must land on the model's addresses. */
function assertMatchesModel(t: Tensor, m: ModelView, ownerValues: ArrayLike<number>, what: string): void {
  assert.deepEqual([...t.dims], m.dims, `${what}: dims`);
  assert.equal(t.numel, m.addrs.length, `${what}: numel`);
  for (let j = 0; j < m.addrs.length; j++) {
    const idx = unravel(j, m.dims);
    const addr = t.offset + idx.reduce((s, x, k) => s + x * t.strides[k]!, 0);
    if (addr !== m.addrs[j]) assert.fail(`${what}: element [${idx}] at storage ${addr}, model says ${m.addrs[j]}`);
  }
  const got = t.toFloat64Array();
  const want = m.addrs.map((a) => ownerValues[a]!);
  assert.deepEqual(Array.from(got), want, `${what}: toFloat64Array`);
}

// ---- test inputs ---------------------------------------------------------------------------------------

/** Distinct non-zero float32 values (never zeros, so an unwritten element shows). */
function freshValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (i + 1) * (rng.uniform() < 0.5 ? -1 : 1) + rng.uniform() * 0.5;
  return v;
}

/** Random values of `dtype`, as the numbers that dtype stores exactly. */
function freshOf(dtype: DType, n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const scale = dtype === 'int32' ? 1000 : dtype.startsWith('float8') ? 8 : 4;
  return Array.from({ length: n }, () => {
    let x = 0;
    while (x === 0) x = roundToDType((rng.uniform() * 2 - 1) * scale, dtype);
    return x;
  });
}

function randomChoice<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length)]!;
}

function shuffled(rng: Rng, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Random dims with the given number of elements, 1 to 4 of them, sometimes with a -1. */
function randomFactorization(rng: Rng, n: number): number[] {
  const rank = rng.int(1, 5);
  const dims: number[] = [];
  let rest = n;
  for (let k = 0; k < rank - 1; k++) {
    const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
    const d = randomChoice(rng, divisors);
    dims.push(d);
    rest /= d;
  }
  dims.push(rest);
  return shuffled(rng, dims.length).map((i) => dims[i]!);
}

type Op =
  | { kind: 'select'; dim: number; index: number }
  | { kind: 'slice'; dim: number; start: number; end: number | undefined; step: number }
  | { kind: 'permute'; order: number[] }
  | { kind: 'view'; dims: number[]; asked: number[] };

function randomOp(rng: Rng, m: ModelView): Op | undefined {
  const rank = m.dims.length;
  const r = rng.uniform();
  if (rank === 0) return undefined;
  const dim = rng.int(0, rank) - (rng.uniform() < 0.3 ? rank : 0);
  const size = m.dims[dim < 0 ? dim + rank : dim]!;
  if (r < 0.2 && size > 0 && rank > 1) return { kind: 'select', dim, index: rng.int(-size, size) };
  if (r < 0.5) {
    const start = rng.int(-size - 1, size + 2);
    const end = rng.uniform() < 0.25 ? undefined : rng.int(-size - 1, size + 2);
    return { kind: 'slice', dim, start, end, step: rng.int(1, 4) };
  }
  if (r < 0.75) return { kind: 'permute', order: shuffled(rng, rank).map((o) => (rng.uniform() < 0.2 ? o - rank : o)) };
  const n = prod(m.dims);
  if (n === 0) return undefined;
  const dims = randomFactorization(rng, n);
  const asked = [...dims];
  if (rng.uniform() < 0.3) asked[rng.int(0, asked.length)] = -1;
  return { kind: 'view', dims, asked };
}

function describeOp(op: Op): string {
  switch (op.kind) {
    case 'select':
      return `select(${op.dim}, ${op.index})`;
    case 'slice':
      return `slice(${op.dim}, ${op.start}, ${op.end}, ${op.step})`;
    case 'permute':
      return `permute([${op.order}])`;
    case 'view':
      return `view([${op.asked}])`;
  }
}

/**
 * Applies random view chains to `t` (an owner holding `values` row-major), checking every step
 * against the model; `check` sees each view that was made.
 */
function runRandomChains(
  seed: number,
  chains: number,
  makeOwner: (dims: number[]) => { t: Tensor; values: ArrayLike<number> },
  check: (view: Tensor, model: ModelView, values: ArrayLike<number>, what: string) => void,
): { views: number; refused: number } {
  const rng = new Rng(seed);
  let views = 0;
  let refused = 0;
  for (let c = 0; c < chains; c++) {
    const rank = rng.int(1, 5);
    const dims = Array.from({ length: rank }, () => rng.int(1, 6));
    const { t: owner, values } = makeOwner(dims);
    let t = owner;
    let m = ownerModel(dims);
    let what = `[${dims}]`;
    const steps = rng.int(1, 6);
    for (let s = 0; s < steps; s++) {
      const op = randomOp(rng, m);
      if (!op) break;
      what += `.${describeOp(op)}`;
      if (op.kind === 'view' && !viewable(m, op.dims)) {
        const current = t;
        assert.throws(() => current.view(op.asked), /Tensor\.view: .*cannot be viewed as .*call contiguous\(\) first/, what);
        refused++;
        continue;
      }
      switch (op.kind) {
        case 'select':
          t = t.select(op.dim, op.index);
          m = modelSelect(m, op.dim, op.index);
          break;
        case 'slice':
          t = t.slice(op.dim, op.start, op.end, op.step);
          m = modelSlice(m, op.dim, op.start, op.end, op.step);
          break;
        case 'permute':
          t = t.permute(op.order);
          m = modelPermute(m, op.order);
          break;
        case 'view':
          t = t.view(op.asked);
          m = modelView(m, op.dims);
          break;
      }
      assert.equal(t.isOwner, false, `${what}: a view must not own its storage`);
      check(t, m, values, what);
      views++;
    }
    owner.dispose();
  }
  return { views, refused };
}

// ---- construction -------------------------------------------------------------------------------------

describe('construction', () => {
  test('fromData: plain arrays and Float64Arrays round to nearest even, once', () => {
    // Just above the float16 midpoint 1 + 2^-11 by less than half a float32 ulp: only a direct
    // float64 -> float16 rounding goes up.
    const x = 1 + 2 ** -11 + 2 ** -40;
    const vals = [x, -x, 3.14159, -0, 1e6, 2 ** -30];
    for (const src of [vals, Float64Array.from(vals)]) {
      const t = Tensor.fromData(src, [2, 3], { dtype: 'float16' });
      assert.equal(t.dtype, 'float16');
      assert.ok(t.data instanceof Uint16Array);
      assert.deepEqual(Array.from(t.data), [0x3c01, 0xbc01, 0x4248, 0x8000, 0x7c00, 0x0000], src.constructor.name);
    }
    const f32 = Tensor.fromData([1 + 2 ** -24, 0.1, -2.5], [3]);
    assert.equal(f32.dtype, 'float32');
    assert.deepEqual(Array.from(f32.data), [1, Math.fround(0.1), -2.5]);
    const i32 = Tensor.fromData([1.9, -1.9, 42], [3], { dtype: 'int32' });
    assert.deepEqual(Array.from(i32.data), [1, -1, 42]);
  });

  test('fromData: a Float32Array converts for every dtype, and float32 data is wrapped without a copy', () => {
    const src = freshValues(24, 1);
    for (const dtype of DTYPES) {
      const t = Tensor.fromData(src, [2, 3, 4], { dtype });
      const want = Array.from(src, (v) => roundToDType(v, dtype));
      assert.deepEqual(Array.from(t.toFloat64Array()), want, dtype);
      assert.deepEqual(Array.from(t.data), Array.from(src, (v) => encodeElement(v, dtype)), dtype);
    }
    const shared = Tensor.fromData(src, [24]);
    src[5] = 99;
    assert.equal(shared.toFloat64Array()[5], 99, 'float32 data is the storage itself');
  });

  test('fromData: the dtype\'s own typed array is taken as stored bits, shared', () => {
    const bits16 = new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x8000]);
    const h = Tensor.fromData(bits16, [4], { dtype: 'float16' });
    assert.deepEqual(Array.from(h.toFloat64Array()), [1, -2, Infinity, -0]);
    const b = Tensor.fromData(bits16, [2, 2], { dtype: 'bfloat16' });
    assert.deepEqual(Array.from(b.toFloat64Array()), [2 ** -7, -2, 2 ** 121, -0]); // the same bits read as bfloat16
    const e4 = Tensor.fromData(new Uint8Array([0x38, 0x7e, 0xff, 0x01]), [4], { dtype: 'float8_e4m3' });
    assert.deepEqual(Array.from(e4.toFloat64Array()), [1, 448, NaN, 2 ** -9]);
    const e5 = Tensor.fromData(new Uint8Array([0x3c, 0x7b, 0xfc]), [3], { dtype: 'float8_e5m2' });
    assert.deepEqual(Array.from(e5.toFloat64Array()), [1, 57344, -Infinity]);
    const ints = new Int32Array([7, -8]);
    const it = Tensor.fromData(ints, [2], { dtype: 'int32' });
    ints[0] = 9;
    assert.deepEqual(Array.from(it.toFloat64Array()), [9, -8]);
    bits16[0] = 0x4000;
    assert.equal(h.toFloat64Array()[0], 2, 'bits are wrapped, not copied');
    assert.equal(h.hostStorageArray(), bits16);
  });

  test('fromBits wraps stored elements and checks their array type and length', () => {
    const t = Tensor.fromBits(new Uint16Array([0x3f80, 0x4000]), [2, 1], 'bfloat16');
    assert.deepEqual(t.toArray(), [[1], [2]]);
    assert.throws(() => Tensor.fromBits(new Uint8Array(2), [2], 'float16'), {
      name: 'TypeError',
      message: /Tensor\.fromBits: float16 is stored in a Uint16Array, got Uint8Array/,
    });
    assert.throws(() => Tensor.fromBits(new Uint16Array(3), [2, 2], 'float16'), {
      name: 'RangeError',
      message: /Tensor\.fromBits: 3 elements do not fill dims \[2, 2\]/,
    });
    assert.throws(() => Tensor.fromBits(new Float32Array(1), [1], 'float64' as DType), /Tensor\.fromBits: dtype must be one of/);
  });

  test('fromData: wrong length, bad dtype, bad dims and bad device are clear errors', () => {
    assert.throws(() => Tensor.fromData([1, 2, 3, 4, 5], [2, 3]), {
      name: 'RangeError',
      message: 'Tensor.fromData: data has 5 elements but dims [2, 3] need 6',
    });
    assert.throws(() => Tensor.fromData(new Float32Array(7), [2, 3]), /Tensor\.fromData: data has 7 elements but dims \[2, 3\] need 6/);
    assert.throws(() => Tensor.fromData([1], [], { dtype: 'float64' as DType }), {
      name: 'TypeError',
      message: /^Tensor\.fromData: dtype must be one of float32, float16, bfloat16, float8_e4m3, float8_e5m2, int32, got "float64"$/,
    });
    assert.throws(() => Tensor.fromData([1], [1], { dtype: 'bf16' as DType }), /got "bf16"/);
    for (const dims of [[2, -3], [2.5, 2], [NaN], [Infinity], [2 ** 60]]) {
      assert.throws(() => Tensor.fromData([1, 2, 3, 4, 5, 6], dims), {
        name: 'RangeError',
        message: /^Tensor\.fromData: dims must be non-negative integers, got \[/,
      });
    }
    assert.throws(() => Tensor.fromData([1], 1 as unknown as number[]), { name: 'TypeError', message: /Tensor\.fromData: dims must be an array/ });
    assert.throws(() => Tensor.fromData([1], [1], { device: 'gpu' as 'cuda' }), {
      name: 'TypeError',
      message: /^Tensor\.fromData: device must be 'cpu', 'cuda' or 'cuda:N', got "gpu"$/,
    });
    assert.throws(() => Tensor.zeros([2], { device: 'cuda:x' as 'cuda' }), /Tensor\.full: device must be/);
    assert.throws(() => Tensor.empty([-1]), /Tensor\.empty: dims must be non-negative integers, got \[-1\]/);
    assert.throws(() => Tensor.randn([2], { dtype: 'half' as DType }), { name: 'TypeError', message: /^Tensor\.randn: dtype must be one of/ });
    assert.throws(() => Tensor.rand([2], { device: 'tpu' as 'cuda' }), { name: 'TypeError', message: /^Tensor\.rand: device must be/ });
    assert.throws(() => Tensor.randn([2, -1]), /Tensor\.randn: dims must be non-negative integers/);
  });

  test('scalars and empty tensors', () => {
    const s = Tensor.fromData([2.5], []);
    assert.equal(s.ndim, 0);
    assert.equal(s.numel, 1);
    assert.deepEqual([...s.strides], []);
    assert.equal(s.toArray(), 2.5);
    for (const dims of [[0], [2, 0, 3], [0, 0]]) {
      const e = Tensor.fromData([], dims, { dtype: 'float16' });
      assert.equal(e.numel, 0);
      assert.equal(e.isContiguous(), true, `fresh [${dims}] is contiguous`);
      assert.equal(e.data.length, 0);
      assert.equal(e.toFloat64Array().length, 0);
      assert.equal(e.clone().numel, 0);
      assert.deepEqual([...e.view([0]).dims], [0]);
      assert.deepEqual([...e.view([3, 0, 1]).dims], [3, 0, 1]);
      e.fill_(1);
    }
    assert.deepEqual(Tensor.zeros([2, 0]).toArray(), [[], []]);
    assert.deepEqual(Tensor.zeros([2, 3]).slice(1, 2, 2).toArray(), [[], []]);
  });

  test('contiguousStrides is the row-major product of the later dims (size 0 counts as 1)', () => {
    const model = (dims: number[]): number[] => dims.map((_, k) => prod(dims.slice(k + 1).map((d) => Math.max(d, 1))));
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const dims = Array.from({ length: rng.int(0, 6) }, () => rng.int(0, 7));
      assert.deepEqual(contiguousStrides(dims), model(dims), `[${dims}]`);
      const t = Tensor.empty(dims, { dtype: 'float8_e5m2' });
      assert.deepEqual([...t.strides], model(dims));
      assert.equal(t.offset, 0);
      assert.equal(t.isContiguous(), true);
      assert.equal(t.isOwner, true);
    }
    assert.deepEqual(contiguousStrides([2, 3, 4]), [12, 4, 1]);
    assert.deepEqual(contiguousStrides([]), []);
    assert.deepEqual(contiguousStrides([2, 0, 3]), [3, 3, 1]);
  });

  test('dims and strides cannot be changed through the tensor or the caller\'s array', () => {
    const dims = [2, 3, 4];
    const t = Tensor.zeros(dims);
    dims[0] = 7;
    const v = t.permute([2, 0, 1]);
    for (const [x, want, wantStrides] of [[t, [2, 3, 4], [12, 4, 1]], [v, [4, 2, 3], [1, 12, 4]]] as const) {
      assert.ok(Object.isFrozen(x.dims) && Object.isFrozen(x.strides));
      assert.equal(x.dims, x.dims, 'the same array at every read');
      assert.throws(() => {
        (x.dims as number[])[0] = 5;
      }, TypeError);
      assert.throws(() => {
        (x.strides as number[]).push(1);
      }, TypeError);
      assert.throws(() => {
        (x as unknown as { dims: number[] }).dims = [1];
      }, TypeError);
      assert.deepEqual([...x.dims], want);
      assert.deepEqual([...x.strides], wantStrides);
    }
    assert.deepEqual([...t.view([6, 4]).dims], [6, 4]);
    assert.equal(t.numel, 24);
    assert.equal(String(v), 'Tensor(float32, [4, 2, 3], cpu)');
  });
});

// ---- views --------------------------------------------------------------------------------------------

describe('views', () => {
  test('random select/slice/permute/view chains land on the model\'s addresses (float32)', () => {
    const { views, refused } = runRandomChains(
      11,
      1200,
      (dims) => {
        const values = freshValues(prod(dims), prod(dims) + dims.length);
        return { t: Tensor.fromData(values, dims), values };
      },
      (v, m, values, what) => assertMatchesModel(v, m, values, what),
    );
    assert.ok(views > 2500, `only ${views} views made`);
    assert.ok(refused > 40, `only ${refused} non-viewable views tried`);
  });

  test('random chains on every dtype: toFloat64Array, clone and contiguous agree with the model', () => {
    for (const dtype of DTYPES) {
      runRandomChains(
        23 + dtype.length,
        60,
        (dims) => {
          const values = freshOf(dtype, prod(dims), dims.length * 31 + prod(dims));
          return { t: Tensor.fromData(values, dims, { dtype }), values };
        },
        (v, m, values, what) => {
          const want = m.addrs.map((a) => values[a]!);
          assert.deepEqual(Array.from(v.toFloat64Array()), want, `${dtype} ${what}`);
          assert.deepEqual(Array.from(v.toFloat32Array()), want.map(Math.fround), `${dtype} ${what}: toFloat32Array`);
          const c = v.clone();
          assert.equal(c.isOwner, true);
          assert.equal(c.isContiguous(), true);
          assert.equal(c.offset, 0);
          assert.equal(c.dtype, dtype);
          assert.deepEqual(Array.from(c.toFloat64Array()), want, `${dtype} ${what}: clone`);
          assert.notEqual(c.hostStorageArray(), v.hostStorageArray());
          const k = v.contiguous();
          assert.ok(k.isContiguous());
          if (v.isContiguous()) assert.equal(k, v, 'contiguous() of a contiguous tensor is itself');
          assert.deepEqual(Array.from(k.toFloat64Array()), want, `${dtype} ${what}: contiguous`);
        },
      );
    }
  });

  test('select, slice with step, permute, view by example', () => {
    const values = freshValues(60, 5);
    const t = Tensor.fromData(values, [3, 4, 5]);
    const at = (i: number, j: number, k: number): number => values[i * 20 + j * 5 + k]!;
    const s = t.select(1, -1); // [3, 5], j = 3
    assert.deepEqual(s.toArray(), [0, 1, 2].map((i) => [0, 1, 2, 3, 4].map((k) => at(i, 3, k))));
    const sl = t.slice(2, 1, undefined, 2); // k = 1, 3
    assert.deepEqual([...sl.dims], [3, 4, 2]);
    assert.deepEqual([...sl.strides], [20, 5, 2]);
    assert.equal(sl.offset, 1);
    assert.equal(sl.select(0, 2).select(0, 1).toFloat64Array()[1], at(2, 1, 3));
    const p = t.permute([2, 0, 1]);
    assert.deepEqual([...p.dims], [5, 3, 4]);
    assert.deepEqual([...p.strides], [1, 20, 5]);
    assert.equal((p.toArray() as number[][][])[4]![2]![1], at(2, 1, 4));
    const merged = t.view([3, -1]);
    assert.deepEqual([...merged.dims], [3, 20]);
    assert.deepEqual([...t.view([-1]).dims], [60]);
    const split = t.view([3, 2, 2, 5]);
    assert.deepEqual([...split.strides], [20, 10, 5, 1]);
    // A slice along the first dim stays viewable as long as the rest stays whole.
    assert.deepEqual([...t.slice(0, 1).view([-1, 5]).dims], [8, 5]);
    // A slice of the middle dim can still split the last one.
    const mid = t.slice(1, 0, 2);
    assert.deepEqual([...mid.view([3, 2, 5, 1]).strides].slice(0, 3), [20, 5, 1]);
    assert.throws(() => mid.view([30]), /Tensor\.view: dims \[3, 2, 5\] with strides \[20, 5, 1\] cannot be viewed as \[30\] without a copy; call contiguous\(\) first/);
    assert.throws(() => t.permute([1, 0, 2]).view([60]), /cannot be viewed as \[60\]/);
    assert.deepEqual(Array.from(t.permute([1, 0, 2]).contiguous().view([60]).toFloat64Array()).slice(0, 6), [0, 1, 2, 3, 4, 20].map((o) => values[o]));
  });

  test('view and index errors name the method and the bad argument', () => {
    const t = Tensor.zeros([2, 3, 4]);
    assert.throws(() => t.view([-1, -1]), { name: 'RangeError', message: 'Tensor.view: at most one dim may be -1, got [-1, -1]' });
    assert.throws(() => t.view([5, -1]), { name: 'RangeError', message: 'Tensor.view: cannot infer -1 in [5, -1] for 24 elements' });
    assert.throws(() => t.view([5, 5]), { name: 'RangeError', message: 'Tensor.view: [5, 5] has 25 elements, tensor [2, 3, 4] has 24' });
    assert.throws(() => t.view([-2, -12]), /Tensor\.view: dims must be non-negative integers/);
    assert.throws(() => t.select(3, 0), { name: 'RangeError', message: 'Tensor.select: dim must be an integer in [-3, 2], got 3' });
    assert.throws(() => t.select(1, 3), { name: 'RangeError', message: 'Tensor.select: index must be in [-3, 2] for dim 1 of size 3, got 3' });
    assert.throws(() => t.select(1, -4), /Tensor\.select: index must be in \[-3, 2\]/);
    assert.throws(() => t.select(0.5, 0), /Tensor\.select: dim must be an integer/);
    assert.throws(() => t.slice(0, 0, 2, 0), { name: 'RangeError', message: 'Tensor.slice: step must be a positive integer, got 0' });
    assert.throws(() => t.slice(0, 0.5), /Tensor\.slice: start and end must be integers/);
    assert.throws(() => t.slice(-4, 0), /Tensor\.slice: dim must be an integer in \[-3, 2\], got -4/);
    assert.throws(() => t.permute([0, 1]), { name: 'RangeError', message: 'Tensor.permute: order must be a permutation of 0..2, got [0, 1]' });
    assert.throws(() => t.permute([0, 1, 1]), /Tensor\.permute: order must be a permutation of 0\.\.2, got \[0, 1, 1\]/);
    assert.throws(() => t.permute([0, 1, -3]), /Tensor\.permute: order must be a permutation/);
    assert.throws(() => t.permute([0, 1, 3]), /Tensor\.permute: dim must be an integer in \[-3, 2\], got 3/);
  });

  test('views share storage: fill_ through a strided view changes exactly its elements of the owner', () => {
    const rng = new Rng(77);
    for (let trial = 0; trial < 40; trial++) {
      const dims = [rng.int(2, 5), rng.int(2, 5), rng.int(2, 5)];
      const values = freshValues(prod(dims), trial);
      const owner = Tensor.fromData(Float32Array.from(values), dims);
      const step = rng.int(1, 3);
      const order = shuffled(rng, 3);
      const index = rng.int(0, dims[order[0]!]!);
      const v = owner.permute(order).slice(1, 1, undefined, step).select(0, index);
      const addrs = new Set(modelSelect(modelSlice(modelPermute(ownerModel(dims), order), 1, 1, undefined, step), 0, index).addrs);
      v.fill_(-7.25);
      const after = owner.toFloat64Array();
      for (let a = 0; a < after.length; a++) {
        assert.equal(after[a], addrs.has(a) ? -7.25 : values[a], `trial ${trial}, storage ${a}`);
      }
      assert.ok(v.toFloat64Array().every((x) => x === -7.25));
    }
  });

  test('fill_ rounds to the dtype, on contiguous and strided views of every dtype', () => {
    for (const dtype of DTYPES) {
      const values = freshOf(dtype, 24, 9);
      const owner = Tensor.fromData(values, [4, 6], { dtype });
      owner.slice(1, 1, 5, 3).fill_(0.3); // columns 1 and 4
      owner.select(0, 2).fill_(-1.7); // a contiguous row
      const got = owner.toFloat64Array();
      for (let i = 0; i < 24; i++) {
        const [r, c] = [Math.floor(i / 6), i % 6];
        const want = r === 2 ? roundToDType(-1.7, dtype) : c === 1 || c === 4 ? roundToDType(0.3, dtype) : values[i];
        assert.equal(got[i], want, `${dtype} [${r}, ${c}]`);
      }
    }
  });

  test('clone of a view is independent of the owner; toHost and to(\'cpu\') copy', () => {
    const values = freshValues(24, 4);
    const owner = Tensor.fromData(Float32Array.from(values), [2, 3, 4]);
    const v = owner.permute([2, 1, 0]).slice(0, 1, 3);
    const c = v.clone();
    const h = v.toHost();
    const k = v.to('cpu');
    const before = Array.from(c.toFloat64Array());
    owner.fill_(5);
    for (const copy of [c, h, k]) {
      assert.equal(copy.isOwner, true);
      assert.equal(copy.location, 'cpu');
      assert.equal(copy.device, -1);
      assert.deepEqual(Array.from(copy.toFloat64Array()), before);
    }
    c.fill_(1);
    assert.ok(owner.toFloat64Array().every((x) => x === 5));
    const same = owner.contiguous();
    assert.equal(same, owner);
    assert.notEqual(owner.toHost(), owner);
  });

  test('toArray nests row-major values, for owners and strided views', () => {
    const values = freshValues(6, 8);
    const t = Tensor.fromData(values, [2, 3]);
    const v = Array.from(values);
    assert.deepEqual(t.toArray(), [v.slice(0, 3), v.slice(3, 6)]);
    assert.deepEqual(t.permute([1, 0]).toArray(), [[v[0], v[3]], [v[1], v[4]], [v[2], v[5]]]);
    assert.deepEqual(t.view([3, 1, 2]).toArray(), [[[v[0], v[1]]], [[v[2], v[3]]], [[v[4], v[5]]]]);
    assert.equal(t.select(0, 1).select(0, 2).toArray(), v[5]);
    assert.deepEqual(Tensor.fromBits(new Uint16Array([0x3c00, 0xc000]), [2], 'float16').toArray(), [1, -2]);
  });

  test('data is the shared storage of a contiguous host tensor, and refuses strided views', () => {
    const t = Tensor.fromData(freshValues(12, 2), [3, 4], { dtype: 'bfloat16' });
    const row = t.select(0, 1);
    assert.equal(row.data.length, 4);
    row.data[0] = 0x3f80;
    assert.equal(t.toFloat64Array()[4], 1);
    assert.throws(() => t.select(1, 0).data, /Tensor\.data: tensor is not contiguous; call contiguous\(\) first/);
    assert.equal(t.toString(), 'Tensor(bfloat16, [3, 4], cpu)');
  });
});

// ---- random fills -------------------------------------------------------------------------------------

describe('full, zeros, randn, rand', () => {
  test('full and zeros: every element is the value rounded to the dtype, including -0 and NaN', () => {
    for (const dtype of DTYPES) {
      for (const value of [0.1, -3.7, -0, 1e6, NaN]) {
        const t = Tensor.full([3, 5], value, { dtype });
        assert.equal(t.dtype, dtype);
        const want = roundToDType(value, dtype);
        assert.ok(
          t.toFloat64Array().every((x) => Object.is(x, want) || (Number.isNaN(x) && Number.isNaN(want))),
          `${dtype} full(${value})`,
        );
      }
      const z = Tensor.zeros([4, 2], { dtype });
      assert.ok(Array.from(z.data).every((b) => Object.is(b, 0)), `${dtype} zeros`);
      assert.equal(Tensor.empty([3], { dtype }).numel, 3);
    }
    assert.ok(Array.from(Tensor.full([2], -0, { dtype: 'float16' }).data).every((b) => b === 0x8000));
    assert.ok(Object.is(Tensor.full([1], -0).toFloat64Array()[0], -0));
  });

  test('randn and rand: the same seed gives the same bits, another seed other bits', () => {
    for (const dtype of DTYPES) {
      const a = Tensor.randn([50, 7], { dtype, seed: 42 });
      const b = Tensor.randn([50, 7], { dtype, seed: 42 });
      const c = Tensor.randn([50, 7], { dtype, seed: 43 });
      assert.deepEqual(a.data, b.data, dtype);
      assert.notDeepEqual(a.data, c.data, dtype);
      const u = Tensor.rand([50, 7], { dtype, seed: 42, low: -3, high: 3 });
      assert.deepEqual(u.data, Tensor.rand([50, 7], { dtype, seed: 42, low: -3, high: 3 }).data, dtype);
      assert.notDeepEqual(u.data, Tensor.rand([50, 7], { dtype, seed: 7, low: -3, high: 3 }).data, dtype);
    }
    assert.deepEqual(Tensor.randn([10]).data, Tensor.randn([10], { seed: 0 }).data, 'the default seed is 0');
  });

  test('randn draws are the seeded normals rounded once to the dtype', () => {
    for (const dtype of ['float32', 'float16', 'bfloat16', 'float8_e4m3'] as const) {
      const rng = new Rng(9);
      const t = Tensor.randn([1000], { dtype, seed: 9, mean: 0.5, std: 2 });
      const got = t.toFloat64Array();
      for (let i = 0; i < 1000; i++) {
        const want = roundToDType(0.5 + 2 * rng.normal(), dtype);
        assert.ok(Object.is(got[i], want), `${dtype} draw ${i}: ${got[i]} vs ${want}`);
      }
    }
  });

  test('randn: mean ~0 and std ~1 over 1e5 draws; mean/std options shift and scale', () => {
    const n = 100_000;
    const stats = (x: Float64Array): { mean: number; std: number; within1: number } => {
      let s = 0;
      for (const v of x) s += v;
      const mean = s / x.length;
      let q = 0;
      let within = 0;
      for (const v of x) {
        q += (v - mean) ** 2;
        if (Math.abs(v - mean) < 1) within++;
      }
      return { mean, std: Math.sqrt(q / (x.length - 1)), within1: within / x.length };
    };
    // Tolerances are about five standard errors at n = 1e5.
    const std = stats(Tensor.randn([n], { seed: 1234 }).toFloat64Array());
    assert.ok(Math.abs(std.mean) < 0.016, `mean ${std.mean}`);
    assert.ok(Math.abs(std.std - 1) < 0.012, `std ${std.std}`);
    assert.ok(Math.abs(std.within1 - 0.6827) < 0.0075, `P(|x| < 1) = ${std.within1}`);
    const shifted = stats(Tensor.randn([n], { seed: 99, mean: -4, std: 0.25 }).toFloat64Array());
    assert.ok(Math.abs(shifted.mean + 4) < 0.004, `mean ${shifted.mean}`);
    assert.ok(Math.abs(shifted.std - 0.25) < 0.003, `std ${shifted.std}`);
    // Box-Muller hands out its draws in pairs: neighbours must still be uncorrelated.
    const x = Tensor.randn([n], { seed: 5 }).toFloat64Array();
    let cross = 0;
    for (let i = 0; i + 1 < n; i += 2) cross += x[i]! * x[i + 1]!;
    assert.ok(Math.abs(cross / (n / 2)) < 0.025, `pair correlation ${cross / (n / 2)}`);
  });

  test('rand: uniform in [low, high) with flat histogram', () => {
    const n = 100_000;
    const x = Tensor.rand([n], { seed: 2024, low: 2, high: 5 }).toFloat64Array();
    const bins = new Array<number>(10).fill(0);
    let s = 0;
    for (const v of x) {
      assert.ok(v >= 2 && v < 5, `draw ${v} outside [2, 5)`);
      bins[Math.floor((v - 2) / 0.3)]!++;
      s += v;
    }
    assert.ok(Math.abs(s / n - 3.5) < 0.015, `mean ${s / n}`);
    for (const b of bins) assert.ok(Math.abs(b - n / 10) < 500, `bins ${bins}`); // ~5 sd of a binomial count
    const d = Tensor.rand([1000], { seed: 3 }).toFloat64Array();
    assert.ok(d.every((v) => v >= 0 && v < 1));
  });

  test('rand stays below high after rounding to a narrow dtype', () => {
    // Draws within half an ulp of `high` round up to it: 1 in 512 for bfloat16 on [0, 1).
    for (const dtype of ['bfloat16', 'float16', 'float8_e4m3', 'float8_e5m2', 'float32'] as const) {
      const x = Tensor.rand([20_000], { seed: 8, dtype }).toFloat64Array();
      const bad = x.filter((v) => !(v >= 0 && v < 1));
      assert.equal(bad.length, 0, `${dtype}: ${bad.length} draws outside [0, 1), e.g. ${bad[0]}`);
    }
    const y = Tensor.rand([20_000], { seed: 8, dtype: 'float16', low: -2, high: 6 }).toFloat64Array();
    assert.ok(y.every((v) => v >= -2 && v < 6));
    assert.ok(Math.max(...y) > 5.99 && Math.min(...y) < -1.99);
  });

  test('Rng: integer seeds only; int() covers its range', () => {
    assert.throws(() => new Rng(1.5), { name: 'TypeError', message: 'Rng: seed must be an integer, got 1.5' });
    const r = new Rng(-1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = r.int(-3, 4);
      assert.ok(Number.isInteger(k) && k >= -3 && k < 4);
      seen.add(k);
      const u = r.nextUint32();
      assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
    }
    assert.equal(seen.size, 7);
    assert.notEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32());
  });
});

// ---- lifetime -----------------------------------------------------------------------------------------

/** Every public method that must refuse a disposed tensor, by the name its error must carry. */
const USES: [string, (t: Tensor) => unknown][] = [
  ['select', (t) => t.select(0, 0)],
  ['slice', (t) => t.slice(0, 0, 1)],
  ['view', (t) => t.view([-1])],
  ['permute', (t) => t.permute([1, 0])],
  ['clone', (t) => t.clone()],
  ['contiguous', (t) => t.contiguous()],
  ['toHost', (t) => t.toHost()],
  ['to', (t) => t.to('cpu')],
  ['fill_', (t) => t.fill_(1)],
  ['toFloat64Array', (t) => t.toFloat64Array()],
  ['toFloat32Array', (t) => t.toFloat32Array()],
  ['toArray', (t) => t.toArray()],
  ['data', (t) => t.data],
  ['hostStorageArray', (t) => t.hostStorageArray()],
  ['devicePointer', (t) => t.devicePointer()],
];

describe('dispose', () => {
  test('twice is harmless; every later use is an error naming the method', () => {
    const t = Tensor.randn([3, 4], { seed: 1 });
    assert.equal(t.isDisposed, false);
    t.dispose();
    t.dispose();
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
    assert.equal(t.toString(), 'Tensor(float32, [3, 4], cpu, disposed)');
    assert.deepEqual([...t.dims], [3, 4], 'metadata stays readable');
    for (const [name, use] of USES) {
      assert.throws(() => use(t), { message: `Tensor.${name}: this tensor was disposed` }, name);
    }
  });

  test('disposing a view retires only the view', () => {
    const values = freshValues(12, 6);
    const owner = Tensor.fromData(values, [3, 4]);
    const a = owner.permute([1, 0]);
    const b = owner.select(0, 1);
    const bb = b.slice(0, 1, 3);
    a.dispose();
    a.dispose();
    assert.equal(a.isDisposed, true);
    assert.equal(owner.isDisposed, false);
    assert.deepEqual(Array.from(owner.toFloat64Array()), Array.from(values));
    assert.deepEqual(Array.from(b.toFloat64Array()), Array.from(values.slice(4, 8)));
    assert.deepEqual(Array.from(bb.toFloat64Array()), Array.from(values.slice(5, 7)));
    for (const [name, use] of USES) assert.throws(() => use(a), { message: `Tensor.${name}: this tensor was disposed` }, name);
    b.dispose();
    assert.deepEqual(Array.from(bb.toFloat64Array()), Array.from(values.slice(5, 7)), 'a view of a disposed view still reads the owner');
  });

  test('disposing the owner makes every view unusable, with an error naming the method; copies survive', () => {
    const owner = Tensor.randn([4, 6], { seed: 2, dtype: 'float16' });
    const v = owner.slice(1, 0, 6, 2);
    const vv = v.view([2, 6]).permute([1, 0]).select(1, 1);
    const copy = v.clone();
    const want = Array.from(copy.toFloat64Array());
    owner.dispose();
    assert.equal(v.isDisposed, true);
    assert.equal(vv.isDisposed, true);
    for (const view of [v, vv]) {
      for (const [name, use] of USES) {
        assert.throws(() => use(view), { message: `Tensor.${name}: the storage of this view was disposed with its owner` }, name);
      }
      view.dispose();
      view.dispose();
    }
    assert.deepEqual(Array.from(copy.toFloat64Array()), want);
  });
});

// ---- device paths (skipped without a CUDA device) -----------------------------------------------------

if (!gpu.available) console.log(`# tensor.test: GPU tests skip: ${gpu.reason}`);

/** Bit patterns of a host tensor's contiguous storage, as unsigned integers. */
function storedBits(t: Tensor): number[] {
  const d: HostArray = t.data;
  if (d instanceof Float32Array) return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
  return Array.from(d);
}

/** Every pattern for the 8- and 16-bit formats, random patterns (NaN payloads included) for 32-bit ones. */
function everyPattern(dtype: DType): { bits: HostArray; dims: number[] } {
  switch (dtype) {
    case 'float16':
    case 'bfloat16':
      return { bits: Uint16Array.from({ length: 65536 }, (_, i) => i), dims: [256, 256] };
    case 'float8_e4m3':
    case 'float8_e5m2':
      return { bits: Uint8Array.from({ length: 256 }, (_, i) => i), dims: [16, 16] };
    case 'float32':
    case 'int32': {
      const rng = new Rng(dtype.length);
      const u = Uint32Array.from({ length: 4096 * 3 }, () => rng.nextUint32());
      u[0] = 0x7fc00001; // a NaN with a payload: the copy must not canonicalize it
      u[1] = 0xff800000;
      u[2] = 0x80000000;
      u[3] = 0x00000001;
      return { bits: dtype === 'float32' ? new Float32Array(u.buffer) : new Int32Array(u.buffer), dims: [4096, 3] };
    }
  }
}

describe('device (cuda)', () => {
  gpuTest('host -> device -> host round trip of every dtype is bit-exact', () => {
    for (const dtype of DTYPES) {
      const { bits, dims } = everyPattern(dtype);
      const host = Tensor.fromData(bits, dims, { dtype });
      const want = storedBits(host);
      const dev = Tensor.fromData(bits, dims, { dtype, device: 'cuda' });
      assert.equal(dev.location, 'cuda');
      assert.equal(dev.device, 0);
      assert.equal(dev.dtype, dtype);
      assert.throws(() => dev.data, /Tensor\.data: tensor is on cuda; call toHost\(\) first/);
      assert.throws(() => dev.toFloat64Array(), /Tensor\.toFloat64Array: tensor is on cuda; call toHost\(\) first/);
      const back = dev.toHost();
      assert.equal(back.location, 'cpu');
      assert.deepEqual(storedBits(back), want, `${dtype} via fromData({device})`);
      const viaTo = host.to('cuda');
      assert.deepEqual(storedBits(viaTo.to('cpu')), want, `${dtype} via to('cuda')`);
      assert.deepEqual(storedBits(viaTo.to('cuda:0').toHost()), want, `${dtype} via device -> device to()`);
      dev.dispose();
      viaTo.dispose();
    }
  });

  gpuTest('strided device views come back to the host like the same host views', () => {
    for (const dtype of ['float16', 'float32', 'float8_e5m2', 'int32'] as const) {
      runRandomChains(
        101 + dtype.length,
        25,
        (dims) => {
          const values = freshOf(dtype, prod(dims), prod(dims));
          return { t: Tensor.fromData(values, dims, { dtype, device: 'cuda' }), values };
        },
        (v, m, values, what) => {
          assert.equal(v.location, 'cuda');
          const h = v.toHost();
          assert.equal(h.location, 'cpu');
          assert.deepEqual(Array.from(h.toFloat64Array()), m.addrs.map((a) => values[a]!), `${dtype} ${what}`);
        },
      );
    }
  });

  gpuTest('clone on the device: contiguous and strided, independent of the source', () => {
    const values = freshOf('bfloat16', 4 * 6 * 5, 17);
    const owner = Tensor.fromData(values, [4, 6, 5], { dtype: 'bfloat16', device: 'cuda' });
    const views = [owner, owner.select(0, 2), owner.permute([2, 0, 1]).slice(1, 1, 4), owner.slice(1, 1, 6, 2).select(2, -1)];
    for (const v of views) {
      const c = v.clone();
      assert.equal(c.location, 'cuda');
      assert.equal(c.isOwner, true);
      assert.equal(c.isContiguous(), true);
      assert.notEqual(c.devicePointer(), v.devicePointer());
      const want = Array.from(v.toHost().toFloat64Array());
      assert.deepEqual(Array.from(c.toHost().toFloat64Array()), want);
      c.fill_(3);
      assert.deepEqual(Array.from(v.toHost().toFloat64Array()), want, 'filling the clone left the source alone');
      c.dispose();
    }
    owner.dispose();
  });

  gpuTest('fill_ on the device writes each dtype\'s stored value into exactly the view', () => {
    for (const dtype of DTYPES) {
      for (const value of [1, 0.3, -1.7, 1e6, -0]) {
        const values = freshOf(dtype, 24, 5);
        const owner = Tensor.fromData(values, [4, 6], { dtype, device: 'cuda' });
        const row = owner.select(0, 2);
        assert.equal(row.fill_(value), row);
        const got = owner.toHost().toFloat64Array();
        const fillWant = roundToDType(value, dtype);
        for (let i = 0; i < 24; i++) {
          const want = Math.floor(i / 6) === 2 ? fillWant : values[i];
          assert.ok(Object.is(got[i], want), `${dtype} fill_(${value}) element ${i}: ${got[i]} vs ${want}`);
        }
        assert.throws(() => owner.slice(1, 0, 6, 2).fill_(value), /Tensor\.fill_: strided cuda views are not supported/);
        owner.dispose();
      }
    }
  });

  gpuTest('Tensor.full and zeros on the device match the host, for every dtype', () => {
    for (const dtype of DTYPES) {
      for (const value of [0, 1, -2.5, 0.1, -0, 7e5, NaN]) {
        const dev = Tensor.full([3, 77], value, { dtype, device: 'cuda' });
        assert.equal(dev.location, 'cuda');
        assert.deepEqual(storedBits(dev.toHost()), storedBits(Tensor.full([3, 77], value, { dtype })), `${dtype} full(${value})`);
        dev.dispose();
      }
      const z = Tensor.zeros([1000], { dtype, device: 'cuda' });
      assert.ok(storedBits(z.toHost()).every((b) => b === 0), `${dtype} zeros`);
      z.dispose();
    }
  });

  gpuTest('device dispose: twice harmless, views die with the owner, a view does not free the owner', () => {
    const owner = Tensor.randn([8, 8], { device: 'cuda', seed: 3 });
    const want = Array.from(owner.toHost().toFloat64Array());
    const v = owner.select(0, 1);
    v.dispose();
    assert.deepEqual(Array.from(owner.toHost().toFloat64Array()), want);
    const w = owner.slice(0, 2, 4);
    owner.dispose();
    owner.dispose();
    assert.throws(() => owner.toHost(), { message: 'Tensor.toHost: this tensor was disposed' });
    assert.throws(() => owner.devicePointer(), { message: 'Tensor.devicePointer: this tensor was disposed' });
    assert.throws(() => w.toHost(), { message: 'Tensor.toHost: the storage of this view was disposed with its owner' });
    assert.throws(() => w.clone(), /Tensor\.clone: the storage/);
    w.dispose();
  });

  gpuTest('empty device tensors round-trip', () => {
    const z = Tensor.zeros([0, 3], { dtype: 'float16', device: 'cuda' });
    assert.equal(z.toHost().numel, 0);
    assert.equal(z.clone().numel, 0);
    z.fill_(1);
    z.dispose();
  });
});
