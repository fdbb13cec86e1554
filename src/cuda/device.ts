/**
 * Driver initialization, devices, their properties and primary contexts.
 *
 * Every device operation first calls `useDevice(d)`, which retains the device's primary context
 * (the one the runtime API and PyTorch share) and makes it current on this thread only when it
 * is not already.
 */
import { ATTR, CudaUnavailableError, check, driver, loadDriver } from './driver.js';
import { builtToolkitVersion } from './kernels-dir.js';

export interface DeviceProperties {
  index: number;
  name: string;
  /** [major, minor], e.g. [9, 0] for the H100. */
  computeCapability: [number, number];
  smCount: number;
  /** Largest dynamic shared memory one block may opt in to, in bytes. */
  maxSharedMemoryPerBlockOptin: number;
  maxSharedMemoryPerSM: number;
  maxRegistersPerSM: number;
  maxThreadsPerBlock: number;
  l2CacheBytes: number;
  totalMemoryBytes: number;
  /** Peak SM clock, kHz. */
  clockRateKHz: number;
  /** Peak memory clock, kHz. */
  memoryClockRateKHz: number;
  memoryBusWidthBits: number;
  pciBusId: number;
}

interface InitState {
  ok: boolean;
  reason?: string;
  driverVersion?: number;
  deviceCount?: number;
}

let init: InitState | undefined;
const contexts = new Map<number, bigint>();
let currentDevice = -1;
const propsCache = new Map<number, DeviceProperties>();

/** Driver versions are encoded as 1000 * major + 10 * minor. */
export function formatCudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

function initialize(): InitState {
  if (init) return init;
  const l = loadDriver();
  if (!l.driver) return (init = { ok: false, reason: l.error ?? 'libcuda.so.1 could not be loaded' });
  const d = l.driver;
  const r = d.cuInit(0);
  if (r !== 0) {
    const name: [string | null] = [null];
    d.cuGetErrorName(r, name);
    const why = r === 100 ? 'no CUDA device is present' : `cuInit failed with ${name[0] ?? r}`;
    return (init = { ok: false, reason: why });
  }
  const ver: [number] = [0];
  check('cuDriverGetVersion', d.cuDriverGetVersion(ver));
  const count: [number] = [0];
  check('cuDeviceGetCount', d.cuDeviceGetCount(count));
  if (count[0] === 0) return (init = { ok: false, reason: 'no CUDA device is present', driverVersion: ver[0] });
  const need = builtToolkitVersion();
  if (need !== undefined && ver[0] < need) {
    return (init = {
      ok: false,
      reason: `the driver supports CUDA ${formatCudaVersion(ver[0])}, but the kernels were built with CUDA ${formatCudaVersion(need)}; update the NVIDIA driver or rebuild with an older nvcc`,
      driverVersion: ver[0],
      deviceCount: count[0],
    });
  }
  return (init = { ok: true, driverVersion: ver[0], deviceCount: count[0] });
}

/** True when a driver and at least one device can be used. Never throws. */
export function isAvailable(): boolean {
  try {
    return initialize().ok;
  } catch (e) {
    init = { ok: false, reason: (e as Error).message };
    return false;
  }
}

/** Why isAvailable() is false (undefined when it is true). */
export function unavailableReason(): string | undefined {
  isAvailable();
  return init?.ok ? undefined : init?.reason;
}

function ensureInit(): InitState {
  const s = initialize();
  if (!s.ok) throw new CudaUnavailableError(s.reason ?? 'unknown reason');
  return s;
}

/** The driver's CUDA version, e.g. 13000 for 13.0. */
export function driverVersion(): number {
  return ensureInit().driverVersion!;
}

export function deviceCount(): number {
  return isAvailable() ? init!.deviceCount! : 0;
}

function checkIndex(device: number): void {
  const n = ensureInit().deviceCount!;
  if (!Number.isInteger(device) || device < 0 || device >= n) {
    throw new RangeError(`cuda: device must be an integer in [0, ${n - 1}], got ${device}`);
  }
}

/** Makes the primary context of `device` current (retaining it the first time). */
export function useDevice(device: number): void {
  if (device === currentDevice) return;
  checkIndex(device);
  const d = driver();
  let ctx = contexts.get(device);
  if (ctx === undefined) {
    const out: [bigint | null] = [null];
    check('cuDevicePrimaryCtxRetain', d.cuDevicePrimaryCtxRetain(out, device));
    ctx = out[0]!;
    contexts.set(device, ctx);
  }
  check('cuCtxSetCurrent', d.cuCtxSetCurrent(ctx));
  currentDevice = device;
}

/** Waits for all work on `device`. */
export function synchronizeDevice(device = 0): void {
  useDevice(device);
  check('cuCtxSynchronize', driver().cuCtxSynchronize());
}

export function getDeviceProperties(device = 0): DeviceProperties {
  const cached = propsCache.get(device);
  if (cached) return cached;
  checkIndex(device);
  const d = driver();
  const attr = (a: number): number => {
    const v: [number] = [0];
    check('cuDeviceGetAttribute', d.cuDeviceGetAttribute(v, a, device), `attribute ${a}`);
    return v[0];
  };
  const nameBuf = new Uint8Array(256);
  check('cuDeviceGetName', d.cuDeviceGetName(nameBuf, nameBuf.length, device));
  const end = nameBuf.indexOf(0);
  const total: [number | bigint] = [0];
  check('cuDeviceTotalMem_v2', d.cuDeviceTotalMem(total, device));
  const props: DeviceProperties = {
    index: device,
    name: new TextDecoder().decode(nameBuf.subarray(0, end < 0 ? nameBuf.length : end)),
    computeCapability: [attr(ATTR.COMPUTE_CAPABILITY_MAJOR), attr(ATTR.COMPUTE_CAPABILITY_MINOR)],
    smCount: attr(ATTR.MULTIPROCESSOR_COUNT),
    maxSharedMemoryPerBlockOptin: attr(ATTR.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
    maxSharedMemoryPerSM: attr(ATTR.MAX_SHARED_MEMORY_PER_MULTIPROCESSOR),
    maxRegistersPerSM: attr(ATTR.MAX_REGISTERS_PER_MULTIPROCESSOR),
    maxThreadsPerBlock: attr(ATTR.MAX_THREADS_PER_BLOCK),
    l2CacheBytes: attr(ATTR.L2_CACHE_SIZE),
    totalMemoryBytes: Number(total[0]),
    clockRateKHz: attr(ATTR.CLOCK_RATE),
    memoryClockRateKHz: attr(ATTR.MEMORY_CLOCK_RATE),
    memoryBusWidthBits: attr(ATTR.GLOBAL_MEMORY_BUS_WIDTH),
    pciBusId: attr(ATTR.PCI_BUS_ID),
  };
  propsCache.set(device, props);
  return props;
}

/** Free and total device memory in bytes, as the driver reports them. */
export function memoryInfo(device = 0): { free: number; total: number } {
  useDevice(device);
  const free: [number | bigint] = [0];
  const total: [number | bigint] = [0];
  check('cuMemGetInfo_v2', driver().cuMemGetInfo(free, total));
  return { free: Number(free[0]), total: Number(total[0]) };
}
