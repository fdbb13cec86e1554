/**
 * The CUDA layer: the only code that touches the FFI. It knows nothing about attention.
 */
export { CudaError, CudaOutOfMemoryError, CudaUnavailableError, FUNC_ATTR } from './driver.js';
export {
  type DeviceProperties,
  deviceCount,
  driverVersion,
  formatCudaVersion,
  getDeviceProperties,
  isAvailable,
  memoryInfo,
  synchronizeDevice,
  unavailableReason,
  useDevice,
} from './device.js';
export { Event, Stream, defaultStream, resolveStream } from './stream.js';
export {
  type AllocatorStats,
  CachingAllocator,
  type DeviceBlock,
  PinnedBuffer,
  allocate,
  copyDeviceToDevice,
  copyDeviceToHost,
  copyHostToDevice,
  emptyCache,
  fillElements,
  getAllocator,
  memoryStats,
  roundAllocationSize,
} from './memory.js';
export { type Dim3, Kernel, MAX_PARAM_BYTES, Module, hasBuiltModule, loadBuiltKernel } from './module.js';
export { type FieldType, type StructLayout, type StructWriter, defineStruct } from './params.js';
export { type BuiltModule, type KernelManifest, kernelManifest, kernelsDir } from './kernels-dir.js';
export { TENSOR_MAP_BYTES, type TiledTensorMapSpec, encodeTensorMapTiled } from './tensormap.js';
export * as cublasLt from './cublaslt.js';
