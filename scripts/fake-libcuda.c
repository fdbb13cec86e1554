/*
 * A libcuda.so.1 stand-in for measuring the host cost of attention calls on a machine without a
 * GPU (scripts/hostcost-fake-driver.mjs builds it and points FLASH_ATTN_LIBCUDA at it). Every
 * function of src/cuda/driver.ts's SIGNATURES is here, doing the host-side minimum: one device of
 * compute capability 9.0 with an H100's SM count and shared memory, "device" memory that is host
 * memory (so copies and fills work) at the same addresses in every process that allocates in the
 * same order (so two builds' kernel arguments compare byte for byte), and launches and tensor-map
 * encodes that do no work. The
 * TypeScript side, koffi's marshalling included, runs exactly as on a GPU host; only the driver's
 * own time (a real cuLaunchKernel takes 3.5-6.8 µs) is missing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE /* Linux 4.17+; elsewhere the address is a hint */
#define MAP_FIXED_NOREPLACE 0
#endif

typedef unsigned long long u64;

/* cuda.h's CUdevice_attribute values that dispatch reads (src/cuda/driver.ts, ATTR). */
#define ATTR_MULTIPROCESSOR_COUNT 16
#define ATTR_COMPUTE_CAPABILITY_MAJOR 75
#define ATTR_COMPUTE_CAPABILITY_MINOR 76
#define ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN 97
#define H100_SXM_SMS 132
#define H100_SMEM_OPTIN 232448
/* The caching allocator's granule (src/cuda/memory.ts): every block is 512-byte aligned. */
#define ALLOC_ALIGN 512
#define CUDA_ERROR_OUT_OF_MEMORY 2

int cuInit(unsigned flags) { return 0; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuGetErrorName(int e, const char **s) { *s = "CUDA_ERROR_FAKE"; return 0; }
int cuGetErrorString(int e, const char **s) { *s = "error from the fake libcuda"; return 0; }
int cuDeviceGetCount(int *c) { *c = 1; return 0; }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int dev) { strncpy(name, "Fake H100 (scripts/fake-libcuda.c)", len); return 0; }
int cuDeviceGetAttribute(int *v, int attr, int dev) {
  switch (attr) {
    case ATTR_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
    case ATTR_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
    case ATTR_MULTIPROCESSOR_COUNT: *v = H100_SXM_SMS; break;
    case ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = H100_SMEM_OPTIN; break;
    default: *v = 1024;
  }
  return 0;
}
int cuDeviceTotalMem_v2(size_t *bytes, int dev) { *bytes = 80ull << 30; return 0; }
int cuDevicePrimaryCtxRetain(void **ctx, int dev) { *ctx = (void *)0x1000; return 0; }
int cuCtxSetCurrent(void *ctx) { return 0; }
int cuCtxSynchronize(void) { return 0; }
int cuMemGetInfo_v2(size_t *free_, size_t *total) { *free_ = 70ull << 30; *total = 80ull << 30; return 0; }
/* Handles are numbered, not allocated, so that they too are the same in every process. */
static uintptr_t handles = 0x10000;
int cuStreamCreate(void **s, unsigned flags) { *s = (void *)(handles += 16); return 0; }
int cuStreamDestroy_v2(void *s) { return 0; }
int cuStreamSynchronize(void *s) { return 0; }
int cuEventCreate(void **e, unsigned flags) { *e = (void *)(handles += 16); return 0; }
int cuEventRecord(void *e, void *s) { return 0; }
int cuEventSynchronize(void *e) { return 0; }
int cuEventElapsedTime(float *ms, void *a, void *b) { *ms = 0; return 0; }
int cuEventDestroy_v2(void *e) { return 0; }
/*
 * Device memory: a bump allocator in one reserved range at a fixed address (the first of a few
 * that is free in this process), never reused (the library's caching allocator reuses blocks
 * itself), so addresses depend only on the order of allocations.
 */
#define DEVICE_BYTES (1ull << 34)
static const u64 DEVICE_BASES[] = {0x200000000000ull, 0x300000000000ull, 0x100000000000ull};
static unsigned char *deviceNext, *deviceEnd;
int cuMemAlloc_v2(u64 *p, size_t bytes) {
  for (size_t i = 0; !deviceNext && i < sizeof DEVICE_BASES / sizeof DEVICE_BASES[0]; i++) {
    void *m = mmap((void *)(uintptr_t)DEVICE_BASES[i], DEVICE_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (m != MAP_FAILED) {
      deviceNext = m;
      deviceEnd = deviceNext + DEVICE_BYTES;
    }
  }
  if (!deviceNext) return CUDA_ERROR_OUT_OF_MEMORY;
  size_t rounded = (bytes + ALLOC_ALIGN - 1) / ALLOC_ALIGN * ALLOC_ALIGN;
  if (rounded > (size_t)(deviceEnd - deviceNext)) return CUDA_ERROR_OUT_OF_MEMORY;
  *p = (u64)(uintptr_t)deviceNext;
  deviceNext += rounded;
  return 0;
}
int cuMemFree_v2(u64 p) { return 0; }
int cuMemHostAlloc(void **p, size_t bytes, unsigned flags) { *p = malloc(bytes); return 0; }
int cuMemFreeHost(void *p) { free(p); return 0; }
int cuMemcpyHtoDAsync_v2(u64 d, const void *s, size_t n, void *st) { memcpy((void *)(uintptr_t)d, s, n); return 0; }
int cuMemcpyDtoHAsync_v2(void *d, u64 s, size_t n, void *st) { memcpy(d, (void *)(uintptr_t)s, n); return 0; }
int cuMemcpyDtoDAsync_v2(u64 d, u64 s, size_t n, void *st) { memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return 0; }
int cuMemsetD8Async(u64 d, unsigned char v, size_t n, void *s) { memset((void *)(uintptr_t)d, v, n); return 0; }
int cuMemsetD16Async(u64 d, unsigned short v, size_t n, void *s) {
  for (size_t i = 0; i < n; i++) ((unsigned short *)(uintptr_t)d)[i] = v;
  return 0;
}
int cuMemsetD32Async(u64 d, unsigned v, size_t n, void *s) {
  for (size_t i = 0; i < n; i++) ((unsigned *)(uintptr_t)d)[i] = v;
  return 0;
}
int cuModuleLoadData(void **m, const void *image) { *m = (void *)(handles += 16); return 0; }
int cuModuleUnload(void *m) { return 0; }
int cuModuleGetFunction(void **f, void *m, const char *name) { *f = (void *)(handles += 16); return 0; }
int cuFuncSetAttribute(void *f, int attr, int value) { return 0; }
int cuFuncGetAttribute(int *v, int attr, void *f) { *v = 0; return 0; }

/* Reads the parameter pointer, as the driver copies the struct, so the call is not a bare return. */
volatile u64 launchSink;
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned smem, void *stream, void **params, void **extra) {
  launchSink += (u64)(uintptr_t)params[0];
  return 0;
}

/*
 * Writes every argument into the 128 opaque bytes (address, rank, dims, strides, box, element
 * strides, then the enum values), so maps of different layouts differ as real ones do.
 */
int cuTensorMapEncodeTiled(void *map, int dataType, unsigned rank, u64 globalAddress, const u64 *globalDim,
                           const u64 *globalStrides, const unsigned *boxDim, const unsigned *elementStrides,
                           int interleave, int swizzle, int l2Promotion, int oobFill) {
  unsigned char *m = map;
  size_t at = 0;
  memset(m, 0, 128);
#define PUT(src, n) (memcpy(m + at, (src), (n)), at += (n))
  PUT(&globalAddress, 8);
  m[at++] = (unsigned char)rank;
  for (unsigned i = 0; i < rank && i < 5; i++) PUT(&globalDim[i], 8);
  for (unsigned i = 0; i + 1 < rank && i < 4; i++) PUT(&globalStrides[i], 8);
  for (unsigned i = 0; i < rank && i < 5; i++) { m[at++] = (unsigned char)boxDim[i]; m[at++] = (unsigned char)elementStrides[i]; }
  m[at++] = (unsigned char)dataType;
  m[at++] = (unsigned char)interleave;
  m[at++] = (unsigned char)swizzle;
  m[at++] = (unsigned char)l2Promotion;
  m[at++] = (unsigned char)oobFill;
#undef PUT
  return 0;
}
