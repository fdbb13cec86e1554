// The CUDA layer: driver loading and errors, devices, memory, copies, launches, events, tensor maps.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import * as cuda from '../src/cuda/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/random.js';
import { gpu, gpuTest } from './support/gpu.js';
import { assertLayoutMatches, emittedLayouts, paramOffsetsPath } from './support/param-offsets.js';
import { IOTA_PARAMS, TMA_COPY_PARAMS } from './support/test-kernels.js';

test('importing the library never throws, and isAvailable explains itself', () => {
  const available = cuda.isAvailable();
  assert.equal(typeof available, 'boolean');
  if (!available) {
    assert.match(cuda.unavailableReason() ?? '', /\S/);
    assert.equal(cuda.deviceCount(), 0);
    assert.throws(() => cuda.getDeviceProperties(0), (e: Error) => e instanceof cuda.CudaUnavailableError && /not available/.test(e.message));
  } else {
    assert.equal(cuda.unavailableReason(), undefined);
  }
});

test('a missing driver library gives a reason, not a crash', () => {
  const script = `import('${join(process.cwd(), 'dist/src/cuda/index.js').replace(/\\/g, '/')}').then((c) => {
    console.log(JSON.stringify({ ok: c.isAvailable(), reason: c.unavailableReason() }));
  });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, FLASH_ATTN_LIBCUDA: 'libcuda-does-not-exist.so.1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; reason: string };
  assert.equal(out.ok, false);
  assert.match(out.reason, /cannot load libcuda-does-not-exist\.so\.1/);
});

test('struct layouts written from TypeScript match the offsets the build emitted from the C++ headers', (t) => {
  const emitted = emittedLayouts();
  if (!emitted) {
    t.skip(`kernels were not built (no nvcc at install): ${paramOffsetsPath()} is missing`);
    return;
  }
  for (const layout of [IOTA_PARAMS, TMA_COPY_PARAMS]) assertLayoutMatches(layout, emitted);
});

test('defineStruct follows the C layout rules and the writer checks field types', () => {
  const L = cuda.defineStruct('Mixed', [
    ['a', 'i32'],
    ['p', 'ptr'],
    ['f', 'f32'],
    ['m', 'tensormap'],
    ['z', 'i32'],
  ] as const);
  assert.deepEqual({ ...L.offsets }, { a: 0, p: 8, f: 16, m: 64, z: 192 });
  assert.equal(L.size, 256);
  const w = L.writer().i32('a', -5).ptr('p', 0x1234_5678_9abcn).f32('f', 1.5);
  const dv = new DataView(w.bytes.buffer);
  assert.equal(dv.getInt32(0, true), -5);
  assert.equal(dv.getBigUint64(8, true), 0x1234_5678_9abcn);
  assert.equal(dv.getFloat32(16, true), 1.5);
  assert.throws(() => w.f32('a', 1), /Mixed\.a is i32, written as f32/);
  assert.throws(() => w.tensormap('m', new Uint8Array(64)), /a tensor map is 128 bytes, got 64/);
});

test('setters by offset write what setters by name write; offsetOf checks the type once', () => {
  const L = cuda.defineStruct('Mixed', [
    ['a', 'i32'],
    ['p', 'ptr'],
    ['s', 'i64'],
    ['f', 'f32'],
    ['m', 'tensormap'],
  ] as const);
  const map = Uint8Array.from({ length: 128 }, (_, i) => i + 1);
  const byName = L.writer().i32('a', -5).ptr('p', 0x1234_5678_9abcn).i64('s', -(2 ** 40) - 3).f32('f', 1.5).tensormap('m', map);
  const byOffset = L.writer()
    .i32At(L.offsetOf('a', 'i32'), -5)
    .ptrAt(L.offsetOf('p', 'ptr'), 0x1234_5678_9abcn)
    .i64At(L.offsetOf('s', 'i64'), -(2 ** 40) - 3)
    .f32At(L.offsetOf('f', 'f32'), 1.5)
    .tensormapAt(L.offsetOf('m', 'tensormap'), map);
  assert.deepEqual(byOffset.bytes, byName.bytes);
  assert.equal(L.offsetOf('p', 'u64'), L.offsets.p, 'a ptr field is also u64');
  assert.throws(() => L.offsetOf('a', 'f32'), /Mixed\.a is i32, written as f32/);
  assert.throws(() => L.offsetOf('x' as 'a', 'i32'), /Mixed: no field x/);
  assert.throws(() => L.writer().i64At(L.offsetOf('s', 'i64'), 0.5), /Mixed\.s: i64 must be an integer, got 0.5/);
  assert.throws(() => L.writer().tensormapAt(L.offsetOf('m', 'tensormap'), new Uint8Array(64)), /Mixed\.m: a tensor map is 128 bytes, got 64/);
});

test('64-bit fields written from numbers hold the bits setBigInt64 and setBigUint64 write', () => {
  const L = cuda.defineStruct('Wide', [
    ['s', 'i64'],
    ['u', 'u64'],
  ] as const);
  const w = L.writer();
  const dv = new DataView(w.bytes.buffer);
  const want = new DataView(new ArrayBuffer(16));
  for (const x of [0, 1, -1, 4096, 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 5, 2 ** 53 - 1, -(2 ** 53), 2 ** 60, -(2 ** 63), 1e20, -0]) {
    w.i64('s', x).u64('u', x);
    want.setBigInt64(0, BigInt(x), true);
    want.setBigUint64(8, BigInt(x), true);
    assert.equal(dv.getBigInt64(0, true), want.getBigInt64(0, true), `i64 ${x}`);
    assert.equal(dv.getBigUint64(8, true), want.getBigUint64(8, true), `u64 ${x}`);
  }
  w.i64('s', -5n).u64('u', 2n ** 64n - 1n);
  assert.equal(dv.getBigInt64(0, true), -5n);
  assert.equal(dv.getBigUint64(8, true), 2n ** 64n - 1n);
  assert.throws(() => w.i64('s', 1.5), /Wide\.s: i64 must be an integer, got 1\.5/);
  assert.throws(() => w.u64('u', NaN), /Wide\.u: u64 must be an integer, got NaN/);
  assert.throws(() => w.i32('s', 1), /Wide\.s is i64, written as i32/);
  assert.throws(() => w.i32('nope' as 's', 1), /Wide: no field nope/);
});

gpuTest('driver initializes and reports the device', () => {
  assert.ok(cuda.deviceCount() >= 1);
  assert.ok(cuda.driverVersion() >= 12000);
  const p = cuda.getDeviceProperties(0);
  assert.match(p.name, /\S/);
  assert.ok(p.computeCapability[0] >= 7, `compute capability ${p.computeCapability.join('.')}`);
  assert.ok(p.smCount > 0 && p.l2CacheBytes > 0 && p.totalMemoryBytes > 1e9);
  assert.ok(p.maxSharedMemoryPerBlockOptin >= 48 * 1024);
  assert.throws(() => cuda.getDeviceProperties(cuda.deviceCount()), /device must be an integer in \[0, /);
});

gpuTest('synchronous copies round-trip random bytes', () => {
  const rng = new Rng(11);
  const src = new Uint8Array(3 * 1024 * 1024 + 7);
  for (let i = 0; i < src.length; i++) src[i] = rng.nextUint32() & 0xff;
  const block = cuda.allocate(src.length);
  try {
    cuda.copyHostToDevice(block.ptr, src);
    const back = new Uint8Array(src.length);
    cuda.copyDeviceToHost(back, block.ptr);
    assert.deepEqual(back, src);
    // Device-to-device into a second block, then back.
    const b2 = cuda.allocate(src.length);
    cuda.copyDeviceToDevice(b2.ptr, block.ptr, src.length);
    const back2 = new Uint8Array(src.length);
    cuda.copyDeviceToHost(back2, b2.ptr);
    assert.deepEqual(back2, src);
    b2.free();
  } finally {
    block.free();
  }
});

gpuTest('asynchronous copies through pinned memory round-trip', () => {
  const n = 1 << 20;
  const stream = cuda.Stream.create(0);
  const pinned = new cuda.PinnedBuffer(n);
  const block = cuda.allocate(n, 0, stream);
  try {
    for (let i = 0; i < n; i++) pinned.view[i] = (i * 7 + 3) & 0xff;
    pinned.copyToDevice(block.ptr, n, stream);
    // The copy engine reads the buffer while the copy runs: overwriting it before the stream has
    // passed the copy races with it (the H100 read zeros here at byte 627147 once, 2026-12-07).
    stream.synchronize();
    pinned.view.fill(0);
    pinned.copyFromDevice(block.ptr, n, stream);
    stream.synchronize();
    for (let i = 0; i < n; i += 4099) assert.equal(pinned.view[i], (i * 7 + 3) & 0xff, `byte ${i}`);
    assert.throws(() => pinned.copyToDevice(block.ptr, n + 1, stream), /outside the buffer/);
  } finally {
    block.free();
    pinned.dispose();
    pinned.dispose(); // twice is harmless
    stream.dispose();
  }
});

gpuTest('a launched kernel writes what its parameters say, timed by events', () => {
  const count = 1_000_003;
  const out = Tensor.full([count], Number.NaN, { device: 'cuda' }); // poisoned
  const k = cuda.loadBuiltKernel('test_kernels', 'iota_f32');
  const params = IOTA_PARAMS.writer().ptr('out', out.devicePointer()).i64('count', count).f32('start', -3).f32('step', 0.5);
  const start = cuda.Event.create().record();
  k.launch([Math.ceil(count / 256), 1, 1], [256, 1, 1], 0, params.bytes);
  const end = cuda.Event.create().record();
  end.synchronize();
  assert.ok(end.elapsedSince(start) > 0);
  const host = out.toHost().data as Float32Array;
  for (let i = 0; i < count; i += 997) assert.equal(host[i], Math.fround(-3 + Math.fround(i) * 0.5), `element ${i}`);
  assert.equal(host[count - 1], Math.fround(-3 + (count - 1) * 0.5));
  out.dispose();
  start.dispose();
  end.dispose();
});

gpuTest('a bad launch is a CudaError naming the call and the driver error', () => {
  const k = cuda.loadBuiltKernel('test_kernels', 'iota_f32');
  const params = IOTA_PARAMS.writer().ptr('out', 0n).i64('count', 0);
  assert.throws(
    () => k.launch([1, 1, 1], [4096, 1, 1], 0, params.bytes),
    (e: Error) => e instanceof cuda.CudaError && /^cuLaunchKernel failed: CUDA_ERROR_INVALID_VALUE \(1\): /.test(e.message),
  );
  assert.throws(() => cuda.loadBuiltKernel('test_kernels', 'no_such_kernel'), /cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND/);
  assert.throws(() => cuda.loadBuiltKernel('no_such_module', 'x'), /kernel module 'no_such_module' was not built/);
  // The context survives: a good launch still works.
  const out = Tensor.empty([4], { device: 'cuda' });
  k.launch([1, 1, 1], [32, 1, 1], 0, IOTA_PARAMS.writer().ptr('out', out.devicePointer()).i64('count', 4).f32('start', 1).f32('step', 1).bytes);
  assert.deepEqual([...out.toHost().toFloat32Array()], [1, 2, 3, 4]);
  out.dispose();
});

gpuTest('a tensor map encoded from TypeScript drives a TMA load (sm_90)', (t) => {
  if (cuda.getDeviceProperties(0).computeCapability[0] < 9) {
    t.skip('TMA needs compute capability 9.0');
    return;
  }
  const rows = 100;
  const cols = 72; // neither a multiple of the box: the edge boxes are partly out of bounds
  const src = Tensor.randn([rows, cols], { dtype: 'bfloat16', seed: 5, device: 'cuda' });
  const out = Tensor.full([rows, cols], Number.NaN, { dtype: 'bfloat16', device: 'cuda' });
  const boxRows = 32;
  const boxCols = 64;
  const map = cuda.encodeTensorMapTiled({
    dataType: 'bfloat16',
    globalAddress: src.devicePointer(),
    globalDims: [cols, rows],
    globalStridesBytes: [cols * 2],
    boxDims: [boxCols, boxRows],
  });
  assert.equal(map.byteLength, 128);
  const k = cuda.loadBuiltKernel('tma_copy_sm90', 'tma_copy_bf16');
  const p = TMA_COPY_PARAMS.writer().tensormap('src', map).ptr('out', out.devicePointer()).i32('rows', rows).i32('cols', cols);
  p.i32('boxRows', boxRows).i32('boxCols', boxCols);
  k.launch([Math.ceil(cols / boxCols), Math.ceil(rows / boxRows), 1], [128, 1, 1], 0, p.bytes);
  assert.deepEqual(out.toHost().data, src.toHost().data);
  assert.throws(
    () => cuda.encodeTensorMapTiled({ dataType: 'bfloat16', globalAddress: src.devicePointer() + 2n, globalDims: [cols, rows], globalStridesBytes: [cols * 2], boxDims: [64, 32] }),
    /globalAddress must be 16-byte aligned/,
  );
  src.dispose();
  out.dispose();
});

gpuTest('10,000 allocate/free cycles leave in-use bytes where they started and reuse cached blocks', () => {
  const a = cuda.getAllocator(0);
  const before = a.stats();
  const sizes = [1, 511, 512, 4097, 1 << 20, (3 << 20) + 5];
  for (let i = 0; i < 10_000; i++) {
    const b = a.allocate(sizes[i % sizes.length]!);
    if (i % 3 === 0) {
      const c = a.allocate(sizes[(i + 1) % sizes.length]!);
      c.free();
    }
    b.free();
  }
  const after = a.stats();
  assert.equal(after.inUseBytes, before.inUseBytes);
  assert.equal(after.liveBlocks, before.liveBlocks);
  assert.ok(after.driverAllocations - before.driverAllocations <= 2 * sizes.length, `driver allocations ${after.driverAllocations - before.driverAllocations}`);
  assert.ok(after.peakInUseBytes >= after.inUseBytes);
  a.emptyCache();
  assert.equal(a.stats().cachedBlocks, 0);
  assert.equal(a.stats().reservedBytes, a.stats().inUseBytes);
});

gpuTest('an allocation larger than the card is a clear out-of-memory error, and the process carries on', () => {
  const total = cuda.getDeviceProperties(0).totalMemoryBytes;
  assert.throws(
    () => cuda.allocate(total * 2),
    (e: Error) => e instanceof cuda.CudaOutOfMemoryError && /out of memory allocating .* on device 0 \(free /.test(e.message),
  );
  const t = Tensor.randn([1000], { device: 'cuda', seed: 1 });
  assert.equal(t.toHost().numel, 1000);
  t.dispose();
});

gpuTest('tensors free their device memory on dispose; twice is harmless; use after dispose is an error', () => {
  const a = cuda.getAllocator(0);
  const before = a.stats().inUseBytes;
  const t = Tensor.zeros([256, 1024], { device: 'cuda' });
  assert.equal(a.stats().inUseBytes, before + cuda.roundAllocationSize(256 * 1024 * 4));
  const v = t.select(0, 3);
  t.dispose();
  t.dispose();
  assert.equal(a.stats().inUseBytes, before);
  assert.throws(() => t.toHost(), /Tensor\.toHost: this tensor was disposed/);
  assert.throws(() => v.toHost(), /the storage of this view was disposed with its owner/);
});

test('GPU availability is what the environment claims', () => {
  if (process.env.FLASH_ATTN_REQUIRE_GPU === '1') assert.ok(gpu.available, gpu.reason);
});
