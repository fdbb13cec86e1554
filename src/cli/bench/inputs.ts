/**
 * Random device inputs for GPU benchmarks, drawn once and carved into views.
 *
 * The grid needs up to a few hundred MB of inputs per point; drawing that many normals on the host
 * for every point would take longer than timing it. So one pool per dtype holds N(0, 1) values:
 * a chunk drawn on the host, uploaded, then doubled on the device until the pool is full. Inputs
 * of every grid point are views into it at 256-byte-aligned offsets. The values repeat with the
 * chunk's period (4M elements), which changes nothing a kernel's speed depends on: every tile
 * still holds distinct random values.
 */
import * as cuda from '../../cuda/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { dtypeSize, type DType } from '../../tensor/dtype.js';

/** Normals drawn on the host per pool; the rest are device copies of them. */
export const RANDOM_CHUNK_ELEMENTS = 1 << 22;
/** Start of each view: TMA needs 16 B, coalesced loads like 128 B; 256 B serves both. */
export const VIEW_ALIGN_BYTES = 256;

export class DeviceInputPool {
  private pool: Tensor | undefined;
  private readonly align: number;

  constructor(
    readonly dtype: DType,
    readonly stream: cuda.Stream,
    readonly seed: number,
  ) {
    this.align = VIEW_ALIGN_BYTES / dtypeSize(dtype);
  }

  /** Elements one view of `numel` takes, alignment padding included. */
  private span(numel: number): number {
    return Math.ceil(numel / this.align) * this.align;
  }

  /** Device bytes the pool holds now. */
  get bytes(): number {
    return this.pool ? this.pool.numel * dtypeSize(this.dtype) : 0;
  }

  private ensure(elements: number): Tensor {
    if (this.pool && this.pool.numel >= elements) return this.pool;
    this.pool?.dispose();
    this.pool = undefined;
    const device = `cuda:${this.stream.device}` as const;
    const pool = Tensor.empty([elements], { dtype: this.dtype, device, stream: this.stream });
    const first = Math.min(elements, RANDOM_CHUNK_ELEMENTS);
    const chunk = Tensor.randn([first], { dtype: this.dtype, device, seed: this.seed, stream: this.stream });
    const es = dtypeSize(this.dtype);
    const base = pool.devicePointer();
    cuda.copyDeviceToDevice(base, chunk.devicePointer(), first * es, this.stream);
    for (let filled = first; filled < elements; ) {
      const n = Math.min(filled, elements - filled);
      cuda.copyDeviceToDevice(base + BigInt(filled * es), base, n * es, this.stream);
      filled += n;
    }
    this.stream.synchronize();
    chunk.dispose();
    this.pool = pool;
    return pool;
  }

  /**
   * Views of the given dims at consecutive aligned offsets, each holding distinct random values
   * (as long as the pool is larger than the chunk). Valid until the next take().
   */
  take(dimsList: readonly (readonly number[])[]): Tensor[] {
    const numels = dimsList.map((d) => d.reduce((a, b) => a * b, 1));
    const total = numels.reduce((a, n) => a + this.span(n), 0);
    const pool = this.ensure(total);
    const views: Tensor[] = [];
    let off = 0;
    dimsList.forEach((dims, i) => {
      views.push(pool.slice(0, off, off + numels[i]!).view(dims));
      off += this.span(numels[i]!);
    });
    return views;
  }

  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }
}
