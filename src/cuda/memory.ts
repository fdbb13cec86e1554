/**
 * Device memory: a caching allocator, copies between host and device, fills, pinned host buffers.
 *
 * cuMemAlloc and cuMemFree synchronize the device and cost tens of microseconds, so freed blocks
 * go to per-size free lists and are handed out again. Sizes are rounded up to a size class so that
 * a block fits many nearby requests. Blocks are reused only by work on the same stream as the one
 * that freed them (stream order then guarantees the old user has finished before the new one
 * starts); all allocations here are made for one stream per device, the library stream, unless an
 * explicit stream is given.
 */
import { CUDA_ERROR_OUT_OF_MEMORY, CudaError, CudaOutOfMemoryError, check, driver, viewNative } from './driver.js';
import { memoryInfo, synchronizeDevice, useDevice } from './device.js';
import { type Stream, resolveStream } from './stream.js';

/** Requests below this many bytes are rounded to SMALL_GRANULE; above it to LARGE_GRANULE. */
const SMALL_LIMIT = 1 << 20;
/** 512 B keeps every block 512-byte aligned (TMA and 16-byte vector loads need far less). */
const SMALL_GRANULE = 512;
const LARGE_GRANULE = 2 << 20;

export function roundAllocationSize(bytes: number): number {
  const g = bytes < SMALL_LIMIT ? SMALL_GRANULE : LARGE_GRANULE;
  return Math.ceil(bytes / g) * g;
}

/** One device allocation handed out by the allocator. */
export interface DeviceBlock {
  /** Device address (CUdeviceptr). 0n for a zero-byte block. */
  readonly ptr: bigint;
  /** Bytes requested. */
  readonly bytes: number;
  /** Bytes reserved for it (size class). */
  readonly capacity: number;
  readonly device: number;
  readonly freed: boolean;
  /** Returns the block to the allocator; harmless when called twice. */
  free(): void;
}

export interface AllocatorStats {
  /** Bytes of live blocks (their size classes). */
  inUseBytes: number;
  /** Bytes obtained from the driver and not yet returned (in use + cached). */
  reservedBytes: number;
  /** Highest inUseBytes since the last resetPeak(). */
  peakInUseBytes: number;
  liveBlocks: number;
  cachedBlocks: number;
  /** cuMemAlloc calls made (cache misses). */
  driverAllocations: number;
}

class Block implements DeviceBlock {
  freed = false;
  constructor(
    readonly ptr: bigint,
    readonly bytes: number,
    readonly capacity: number,
    readonly device: number,
    readonly streamHandle: bigint,
    private readonly owner: CachingAllocator,
  ) {}
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.owner.release(this);
  }
}

/** The caching allocator of one device. */
export class CachingAllocator {
  /**
   * Free blocks by stream handle, then by size class. Nested maps, not a "stream:size" string key:
   * formatting the bigint handle on every allocate and free cost ~0.3 µs each.
   */
  private readonly cache = new Map<bigint, Map<number, bigint[]>>();
  private inUse = 0;
  private reserved = 0;
  private peak = 0;
  private live = 0;
  private cached = 0;
  private driverAllocs = 0;

  constructor(readonly device: number) {}

  /** A block of at least `bytes` bytes, usable in order on `stream`. */
  allocate(bytes: number, stream?: Stream): DeviceBlock {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`cuda.allocate: bytes must be a non-negative integer, got ${bytes}`);
    }
    const s = resolveStream(stream, this.device);
    if (bytes === 0) return new Block(0n, 0, 0, this.device, s.handle, this);
    const capacity = roundAllocationSize(bytes);
    let ptr = this.cache.get(s.handle)?.get(capacity)?.pop();
    if (ptr !== undefined) {
      this.cached--;
    } else {
      ptr = this.driverAlloc(capacity);
    }
    this.inUse += capacity;
    this.live++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return new Block(ptr, bytes, capacity, this.device, s.handle, this);
  }

  private driverAlloc(capacity: number): bigint {
    useDevice(this.device);
    const d = driver();
    const out: [bigint | number] = [0n];
    let r = d.cuMemAlloc(out, capacity);
    if (r === CUDA_ERROR_OUT_OF_MEMORY) {
      // Cached blocks may be what stands in the way: give them back and try once more.
      this.emptyCache();
      r = d.cuMemAlloc(out, capacity);
      if (r === CUDA_ERROR_OUT_OF_MEMORY) {
        const info = memoryInfo(this.device);
        throw new CudaOutOfMemoryError(
          `cuda: out of memory allocating ${formatBytes(capacity)} on device ${this.device} ` +
            `(free ${formatBytes(info.free)} of ${formatBytes(info.total)}; this allocator holds ` +
            `${formatBytes(this.inUse)} in use, ${formatBytes(this.reserved)} reserved)`,
        );
      }
    }
    check('cuMemAlloc_v2', r, `${capacity} bytes on device ${this.device}`);
    this.reserved += capacity;
    this.driverAllocs++;
    return BigInt(out[0]);
  }

  /** Called by Block.free(). */
  release(block: Block): void {
    if (block.capacity === 0) return;
    this.inUse -= block.capacity;
    this.live--;
    let bySize = this.cache.get(block.streamHandle);
    if (!bySize) this.cache.set(block.streamHandle, (bySize = new Map()));
    let list = bySize.get(block.capacity);
    if (!list) bySize.set(block.capacity, (list = []));
    list.push(block.ptr);
    this.cached++;
  }

  /** Returns every cached (unused) block to the driver, after the device has finished its work. */
  emptyCache(): void {
    if (this.cached === 0) return;
    synchronizeDevice(this.device);
    const d = driver();
    for (const bySize of this.cache.values()) {
      for (const [capacity, list] of bySize) {
        for (const ptr of list) {
          check('cuMemFree_v2', d.cuMemFree(ptr));
          this.reserved -= capacity;
        }
      }
    }
    this.cache.clear();
    this.cached = 0;
  }

  stats(): AllocatorStats {
    return {
      inUseBytes: this.inUse,
      reservedBytes: this.reserved,
      peakInUseBytes: this.peak,
      liveBlocks: this.live,
      cachedBlocks: this.cached,
      driverAllocations: this.driverAllocs,
    };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }
}

const allocators = new Map<number, CachingAllocator>();

export function getAllocator(device = 0): CachingAllocator {
  let a = allocators.get(device);
  if (!a) {
    useDevice(device);
    a = new CachingAllocator(device);
    allocators.set(device, a);
  }
  return a;
}

/** Allocates `bytes` of device memory on `device` through its caching allocator. */
export function allocate(bytes: number, device = 0, stream?: Stream): DeviceBlock {
  return getAllocator(device).allocate(bytes, stream);
}

export function memoryStats(device = 0): AllocatorStats {
  return getAllocator(device).stats();
}

/** Frees every cached block of `device` (live blocks stay). */
export function emptyCache(device = 0): void {
  getAllocator(device).emptyCache();
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  return `${n} B`;
}

/** Which device a pointer-based call runs on: the stream's, or device 0. */
function deviceOf(stream: Stream | undefined): number {
  return stream ? stream.device : 0;
}

/**
 * Copies host bytes to device memory, in order on `stream`. Returns once the source may be
 * reused (the driver stages pageable memory before returning).
 */
export function copyHostToDevice(dst: bigint, src: ArrayBufferView, stream?: Stream, device = deviceOf(stream)): void {
  if (src.byteLength === 0) return;
  const s = resolveStream(stream, device);
  useDevice(device);
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  check('cuMemcpyHtoDAsync_v2', driver().cuMemcpyHtoDAsync(dst, bytes, src.byteLength, s.handle));
}

/** Copies device bytes into `dst` after the work already on `stream`, and waits for them. */
export function copyDeviceToHost(dst: ArrayBufferView, src: bigint, stream?: Stream, device = deviceOf(stream)): void {
  if (dst.byteLength === 0) return;
  const s = resolveStream(stream, device);
  useDevice(device);
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  const d = driver();
  check('cuMemcpyDtoHAsync_v2', d.cuMemcpyDtoHAsync(bytes, src, dst.byteLength, s.handle));
  check('cuStreamSynchronize', d.cuStreamSynchronize(s.handle));
}

export function copyDeviceToDevice(dst: bigint, src: bigint, bytes: number, stream?: Stream, device = deviceOf(stream)): void {
  if (bytes === 0) return;
  const s = resolveStream(stream, device);
  useDevice(device);
  check('cuMemcpyDtoDAsync_v2', driver().cuMemcpyDtoDAsync(dst, src, bytes, s.handle));
}

/**
 * Sets `count` elements of `elementSize` bytes (1, 2 or 4) at `dst` to the raw bit pattern `bits`.
 */
export function fillElements(
  dst: bigint,
  bits: number,
  elementSize: number,
  count: number,
  stream?: Stream,
  device = deviceOf(stream),
): void {
  if (count === 0) return;
  const s = resolveStream(stream, device);
  useDevice(device);
  const d = driver();
  switch (elementSize) {
    case 1:
      check('cuMemsetD8Async', d.cuMemsetD8Async(dst, bits & 0xff, count, s.handle));
      break;
    case 2:
      check('cuMemsetD16Async', d.cuMemsetD16Async(dst, bits & 0xffff, count, s.handle));
      break;
    case 4:
      check('cuMemsetD32Async', d.cuMemsetD32Async(dst, bits >>> 0, count, s.handle));
      break;
    default:
      throw new RangeError(`cuda.fillElements: elementSize must be 1, 2 or 4, got ${elementSize}`);
  }
}

/**
 * Page-locked host memory: the only host memory the copy engines read and write asynchronously.
 * Fill `view`, then `copyToDevice` returns at once, while the copy engine still reads the buffer:
 * synchronize the stream before writing `view` again. After `copyFromDevice`, synchronize the
 * stream before reading `view`.
 */
export class PinnedBuffer {
  readonly ptr: bigint;
  readonly view: Uint8Array;
  private disposed = false;

  constructor(
    readonly bytes: number,
    readonly device = 0,
  ) {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new RangeError(`PinnedBuffer: bytes must be a positive integer, got ${bytes}`);
    }
    useDevice(device);
    const out: [bigint | null] = [null];
    check('cuMemHostAlloc', driver().cuMemHostAlloc(out, bytes, 0));
    this.ptr = out[0]!;
    this.view = viewNative(this.ptr, bytes);
  }

  private range(offset: number, bytes: number, fn: string): void {
    this.assertLive(fn);
    if (offset < 0 || bytes < 0 || offset + bytes > this.bytes) {
      throw new RangeError(`PinnedBuffer.${fn}: range [${offset}, ${offset + bytes}) is outside the buffer of ${this.bytes} bytes`);
    }
  }

  /** Enqueues a copy of `bytes` from this buffer (at `offset`) to `dst`; returns immediately. */
  copyToDevice(dst: bigint, bytes: number, stream?: Stream, offset = 0): void {
    this.range(offset, bytes, 'copyToDevice');
    if (bytes === 0) return;
    const s = resolveStream(stream, this.device);
    useDevice(this.device);
    check('cuMemcpyHtoDAsync_v2', driver().cuMemcpyHtoDAsync(dst, this.ptr + BigInt(offset), bytes, s.handle));
  }

  /** Enqueues a copy of `bytes` from `src` into this buffer (at `offset`); returns immediately. */
  copyFromDevice(src: bigint, bytes: number, stream?: Stream, offset = 0): void {
    this.range(offset, bytes, 'copyFromDevice');
    if (bytes === 0) return;
    const s = resolveStream(stream, this.device);
    useDevice(this.device);
    check('cuMemcpyDtoHAsync_v2', driver().cuMemcpyDtoHAsync(this.ptr + BigInt(offset), src, bytes, s.handle));
  }

  private assertLive(fn: string): void {
    if (this.disposed) throw new Error(`PinnedBuffer.${fn}: this buffer was disposed`);
  }

  /** Frees the buffer; wait for copies that use it first. Harmless when called twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    useDevice(this.device);
    check('cuMemFreeHost', driver().cuMemFreeHost(this.ptr));
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export { CudaError };
