/**
 * Loading compiled kernels and launching them.
 *
 * A launch passes one argument, the kernel's parameter struct, by value. Its bytes live in
 * native memory owned by the Kernel, and `kernelParams` is a persistent one-entry array holding
 * that memory's address, so a launch costs one FFI call (no per-call koffi arrays: ~0.2 µs
 * instead of several µs).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUDA_SUCCESS, FUNC_ATTR, allocNative, check, driver, freeNative } from './driver.js';
import { useDevice } from './device.js';
import { kernelManifest, kernelsDir } from './kernels-dir.js';
import { type Stream, resolveStream } from './stream.js';

/** The most bytes a kernel's parameters may take (CUDA 12.1+ on Volta and newer). */
export const MAX_PARAM_BYTES = 32764;

export class Module {
  private readonly functions = new Map<string, Kernel>();
  private constructor(
    readonly handle: bigint,
    readonly device: number,
    readonly label: string,
  ) {}

  /**
   * Loads a cubin, fatbin or NUL-terminated PTX image on `device`. Images are cached by content,
   * so loading the same bytes twice returns the same module.
   */
  static load(image: Uint8Array, device = 0, label = 'module'): Module {
    const key = `${device}:${createHash('sha1').update(image).digest('hex')}`;
    const hit = moduleCache.get(key);
    if (hit) return hit;
    useDevice(device);
    const out: [bigint | null] = [null];
    // A NUL after the image lets the same call take PTX text; the driver copies what it loads.
    const copy = allocNative(image.byteLength + 1);
    copy.view.set(image);
    copy.view[image.byteLength] = 0;
    try {
      check('cuModuleLoadData', driver().cuModuleLoadData(out, copy.ptr), label);
    } finally {
      freeNative(copy.ptr);
    }
    const m = new Module(out[0]!, device, label);
    moduleCache.set(key, m);
    return m;
  }

  /** The kernel `name` (an extern "C" symbol) of this module. */
  getFunction(name: string): Kernel {
    let k = this.functions.get(name);
    if (!k) {
      useDevice(this.device);
      const out: [bigint | null] = [null];
      check('cuModuleGetFunction', driver().cuModuleGetFunction(out, this.handle, name), `${this.label}: ${name}`);
      k = new Kernel(out[0]!, this.device, name);
      this.functions.set(name, k);
    }
    return k;
  }
}

const moduleCache = new Map<string, Module>();

export type Dim3 = readonly [number, number, number];

export class Kernel {
  private readonly params = allocNative(MAX_PARAM_BYTES);
  /** void *kernelParams[1] = { &params }. */
  private readonly argv = allocNative(8);
  private dynamicSmemLimit = 48 * 1024;

  constructor(
    readonly handle: bigint,
    readonly device: number,
    readonly name: string,
  ) {
    new DataView(this.argv.view.buffer, this.argv.view.byteOffset, 8).setBigUint64(0, this.params.ptr, true);
  }

  /** Raises the dynamic shared memory this kernel may use above the default 48 KB. */
  setMaxDynamicSharedMemory(bytes: number): void {
    if (bytes <= this.dynamicSmemLimit) return;
    useDevice(this.device);
    check(
      'cuFuncSetAttribute',
      driver().cuFuncSetAttribute(this.handle, FUNC_ATTR.MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
      `${this.name}: ${bytes} bytes of dynamic shared memory`,
    );
    this.dynamicSmemLimit = bytes;
  }

  /** A CUfunction attribute (FUNC_ATTR), e.g. registers per thread. */
  attribute(attr: number): number {
    useDevice(this.device);
    const v: [number] = [0];
    check('cuFuncGetAttribute', driver().cuFuncGetAttribute(v, attr, this.handle), this.name);
    return v[0];
  }

  /** Registers per thread, as the driver reports them. */
  get registers(): number {
    return this.attribute(FUNC_ATTR.NUM_REGS);
  }

  /**
   * Enqueues one launch. `params` are the bytes of the kernel's single by-value struct parameter;
   * they are copied, so the caller may reuse its buffer at once.
   */
  launch(grid: Dim3, block: Dim3, sharedMemBytes: number, params: Uint8Array, stream?: Stream): void {
    if (params.byteLength > MAX_PARAM_BYTES) {
      throw new RangeError(`Kernel.launch(${this.name}): params take ${params.byteLength} bytes, at most ${MAX_PARAM_BYTES}`);
    }
    if (sharedMemBytes > this.dynamicSmemLimit) this.setMaxDynamicSharedMemory(sharedMemBytes);
    const s = resolveStream(stream, this.device);
    this.params.view.set(params);
    useDevice(this.device);
    const r = driver().cuLaunchKernel(
      this.handle,
      grid[0],
      grid[1],
      grid[2],
      block[0],
      block[1],
      block[2],
      sharedMemBytes,
      s.handle,
      this.argv.ptr,
      null,
    );
    // The detail is formatted only for a failure: building it on every launch cost ~0.25 µs.
    if (r !== CUDA_SUCCESS) {
      check('cuLaunchKernel', r, `${this.name} grid [${grid.join(', ')}] block [${block.join(', ')}] smem ${sharedMemBytes}`);
    }
  }
}

/** Whether the install-time build produced `moduleName`. */
export function hasBuiltModule(moduleName: string): boolean {
  return kernelManifest()?.modules.some((m) => m.name === moduleName) ?? false;
}

/**
 * Loads a kernel built at install time: `moduleName` as listed in kernels/build-table.mjs,
 * `functionName` its extern "C" entry point.
 */
export function loadBuiltKernel(moduleName: string, functionName: string, device = 0): Kernel {
  const m = kernelManifest()?.modules.find((x) => x.name === moduleName);
  if (!m) {
    throw new Error(
      `cuda: kernel module '${moduleName}' was not built (no nvcc when the package was installed?); ` +
        `run 'npm run build:kernels' on a machine with the CUDA toolkit`,
    );
  }
  const path = join(kernelsDir(), m.file);
  if (!existsSync(path)) throw new Error(`cuda: kernel image ${path} is missing; rebuild with 'npm run build:kernels'`);
  return Module.load(new Uint8Array(readFileSync(path)), device, m.file).getFunction(functionName);
}
