/**
 * The CUDA driver API through koffi: the only file that declares foreign functions.
 *
 * libcuda.so.1 is loaded lazily on first use, so importing the library never throws on a machine
 * without a GPU. Every call goes through `check()`, which turns a non-zero CUresult into a
 * CudaError carrying the call's name and the driver's own name and description of the error.
 */
import koffi, { type LibraryHandle } from 'koffi';

/** Handles (contexts, streams, events, modules, functions) and device pointers are bigint addresses. */
export type Handle = bigint;

export const CUDA_SUCCESS = 0;
export const CUDA_ERROR_OUT_OF_MEMORY = 2;
export const CUDA_ERROR_NO_DEVICE = 100;

/** CUdevice_attribute values used by getDeviceProperties (cuda.h). */
export const ATTR = {
  MAX_THREADS_PER_BLOCK: 1,
  CLOCK_RATE: 13,
  MULTIPROCESSOR_COUNT: 16,
  PCI_BUS_ID: 33,
  MEMORY_CLOCK_RATE: 36,
  GLOBAL_MEMORY_BUS_WIDTH: 37,
  L2_CACHE_SIZE: 38,
  COMPUTE_CAPABILITY_MAJOR: 75,
  COMPUTE_CAPABILITY_MINOR: 76,
  MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: 81,
  MAX_REGISTERS_PER_MULTIPROCESSOR: 82,
  MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: 97,
} as const;

/** CUfunction_attribute values (cuda.h). */
export const FUNC_ATTR = {
  MAX_THREADS_PER_BLOCK: 0,
  SHARED_SIZE_BYTES: 1,
  LOCAL_SIZE_BYTES: 3,
  NUM_REGS: 4,
  PTX_VERSION: 5,
  BINARY_VERSION: 6,
  MAX_DYNAMIC_SHARED_SIZE_BYTES: 8,
} as const;

export const CU_STREAM_NON_BLOCKING = 0x1;

/** A failed driver call: `call` is the function, `codeName` the CUresult's name (CUDA_ERROR_...). */
export class CudaError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    readonly codeName: string,
    readonly description: string,
    detail?: string,
  ) {
    super(`${call} failed: ${codeName} (${code}): ${description}${detail ? ` [${detail}]` : ''}`);
    this.name = 'CudaError';
  }
}

/** The device has too little free memory for an allocation, even after the cache was emptied. */
export class CudaOutOfMemoryError extends CudaError {
  constructor(message: string) {
    super('cuMemAlloc_v2', CUDA_ERROR_OUT_OF_MEMORY, 'CUDA_ERROR_OUT_OF_MEMORY', 'out of memory', undefined);
    this.message = message;
    this.name = 'CudaOutOfMemoryError';
  }
}

/** CUDA is not usable here: the message says why (no driver library, no device, driver too old). */
export class CudaUnavailableError extends Error {
  constructor(reason: string) {
    super(`CUDA is not available: ${reason}`);
    this.name = 'CudaUnavailableError';
  }
}

// Each signature is written as in cuda.h, with the versioned symbol that cuda.h's macros select.
// Pointers to device memory (CUdeviceptr) are uint64_t; handles are void *.
const SIGNATURES = {
  cuInit: 'int cuInit(unsigned int flags)',
  cuDriverGetVersion: 'int cuDriverGetVersion(_Out_ int *version)',
  cuGetErrorName: 'int cuGetErrorName(int error, _Out_ const char **str)',
  cuGetErrorString: 'int cuGetErrorString(int error, _Out_ const char **str)',
  cuDeviceGetCount: 'int cuDeviceGetCount(_Out_ int *count)',
  cuDeviceGet: 'int cuDeviceGet(_Out_ int *device, int ordinal)',
  cuDeviceGetName: 'int cuDeviceGetName(_Out_ uint8_t *name, int len, int dev)',
  cuDeviceGetAttribute: 'int cuDeviceGetAttribute(_Out_ int *value, int attrib, int dev)',
  cuDeviceTotalMem: 'int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int dev)',
  cuDevicePrimaryCtxRetain: 'int cuDevicePrimaryCtxRetain(_Out_ void **pctx, int dev)',
  cuCtxSetCurrent: 'int cuCtxSetCurrent(void *ctx)',
  cuCtxSynchronize: 'int cuCtxSynchronize()',
  cuMemGetInfo: 'int cuMemGetInfo_v2(_Out_ size_t *free, _Out_ size_t *total)',
  cuStreamCreate: 'int cuStreamCreate(_Out_ void **stream, unsigned int flags)',
  cuStreamDestroy: 'int cuStreamDestroy_v2(void *stream)',
  cuStreamSynchronize: 'int cuStreamSynchronize(void *stream)',
  cuEventCreate: 'int cuEventCreate(_Out_ void **event, unsigned int flags)',
  cuEventRecord: 'int cuEventRecord(void *event, void *stream)',
  cuEventSynchronize: 'int cuEventSynchronize(void *event)',
  cuEventElapsedTime: 'int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)',
  cuEventDestroy: 'int cuEventDestroy_v2(void *event)',
  cuMemAlloc: 'int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)',
  cuMemFree: 'int cuMemFree_v2(uint64_t dptr)',
  cuMemHostAlloc: 'int cuMemHostAlloc(_Out_ void **pp, size_t bytes, unsigned int flags)',
  cuMemFreeHost: 'int cuMemFreeHost(void *p)',
  cuMemcpyHtoDAsync: 'int cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes, void *stream)',
  cuMemcpyDtoHAsync: 'int cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes, void *stream)',
  cuMemcpyDtoDAsync: 'int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void *stream)',
  cuMemsetD8Async: 'int cuMemsetD8Async(uint64_t dst, uint8_t value, size_t count, void *stream)',
  cuMemsetD16Async: 'int cuMemsetD16Async(uint64_t dst, uint16_t value, size_t count, void *stream)',
  cuMemsetD32Async: 'int cuMemsetD32Async(uint64_t dst, uint32_t value, size_t count, void *stream)',
  cuModuleLoadData: 'int cuModuleLoadData(_Out_ void **module, const void *image)',
  cuModuleUnload: 'int cuModuleUnload(void *module)',
  cuModuleGetFunction: 'int cuModuleGetFunction(_Out_ void **func, void *module, const char *name)',
  cuFuncSetAttribute: 'int cuFuncSetAttribute(void *func, int attrib, int value)',
  cuFuncGetAttribute: 'int cuFuncGetAttribute(_Out_ int *value, int attrib, void *func)',
  cuLaunchKernel:
    'int cuLaunchKernel(void *func, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int sharedBytes, void *stream, void *params, void *extra)',
  cuTensorMapEncodeTiled:
    'int cuTensorMapEncodeTiled(void *map, int dataType, unsigned int rank, uint64_t globalAddress, const uint64_t *globalDim, const uint64_t *globalStrides, const uint32_t *boxDim, const uint32_t *elementStrides, int interleave, int swizzle, int l2Promotion, int oobFill)',
} as const;

type DriverFn = ((...args: unknown[]) => number) & { info: unknown };
export type Driver = { readonly [K in keyof typeof SIGNATURES]: DriverFn };

interface Loaded {
  driver?: Driver;
  error?: string;
}

let loaded: Loaded | undefined;

/** Loads libcuda.so.1 once; never throws (the reason is kept for isAvailable()). */
export function loadDriver(): Loaded {
  if (loaded) return loaded;
  const path = process.env.FLASH_ATTN_LIBCUDA ?? 'libcuda.so.1';
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (e) {
    loaded = { error: `cannot load ${path} (no NVIDIA driver on this machine?): ${(e as Error).message}` };
    return loaded;
  }
  const fns: Record<string, DriverFn> = {};
  try {
    for (const [name, sig] of Object.entries(SIGNATURES)) fns[name] = lib.func(sig) as unknown as DriverFn;
  } catch (e) {
    loaded = { error: `${path} lacks a needed function (driver too old?): ${(e as Error).message}` };
    return loaded;
  }
  loaded = { driver: fns as unknown as Driver };
  return loaded;
}

/** The driver's functions; throws CudaUnavailableError when libcuda cannot be loaded. */
export function driver(): Driver {
  const l = loadDriver();
  if (!l.driver) throw new CudaUnavailableError(l.error ?? 'unknown reason');
  return l.driver;
}

function errorText(fn: 'cuGetErrorName' | 'cuGetErrorString', code: number): string {
  const out: [string | null] = [null];
  try {
    if (driver()[fn](code, out) === CUDA_SUCCESS && out[0]) return out[0];
  } catch {
    // fall through: the error itself is what matters
  }
  return fn === 'cuGetErrorName' ? `CUresult ${code}` : 'unknown error';
}

/** Throws a CudaError naming `call` unless `result` is CUDA_SUCCESS. */
export function check(call: string, result: number, detail?: string): void {
  if (result === CUDA_SUCCESS) return;
  throw new CudaError(call, result, errorText('cuGetErrorName', result), errorText('cuGetErrorString', result), detail);
}

/** Stable native memory (never moved by the garbage collector) and a byte view of it. */
export function allocNative(bytes: number): { ptr: bigint; view: Uint8Array } {
  const ptr = koffi.alloc('uint8_t', bytes) as bigint;
  return { ptr, view: new Uint8Array(koffi.view(ptr, bytes)) };
}

export function freeNative(ptr: bigint): void {
  koffi.free(ptr);
}

/** A byte view of native memory the driver gave us (pinned host memory). */
export function viewNative(ptr: bigint, bytes: number): Uint8Array {
  return new Uint8Array(koffi.view(ptr, bytes));
}
