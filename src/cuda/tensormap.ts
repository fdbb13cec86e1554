/**
 * TMA tensor maps (CUtensorMap): 128 opaque bytes the copy engine reads, encoded by the driver at
 * a 64-byte-aligned address, then copied into a kernel's parameter struct.
 */
import { allocNative, check, driver, freeNative } from './driver.js';
import { useDevice } from './device.js';

export const TENSOR_MAP_BYTES = 128;

/** CUtensorMapDataType values (cuda.h). */
export const TensorMapDataType = { uint8: 0, uint16: 1, uint32: 2, int32: 3, float16: 6, float32: 7, bfloat16: 9 } as const;
/** CUtensorMapSwizzle values (cuda.h). */
export const TensorMapSwizzle = { none: 0, '32B': 1, '64B': 2, '128B': 3 } as const;
/** CUtensorMapL2promotion values (cuda.h). */
export const TensorMapL2Promotion = { none: 0, '64B': 1, '128B': 2, '256B': 3 } as const;

export interface TiledTensorMapSpec {
  dataType: keyof typeof TensorMapDataType;
  /** Device address of element 0; 16-byte aligned. */
  globalAddress: bigint;
  /** Sizes, innermost (contiguous) dimension first, as the driver wants them. */
  globalDims: readonly number[];
  /** Byte strides of dimensions 1..rank-1 (dimension 0 is contiguous); multiples of 16. */
  globalStridesBytes: readonly number[];
  /** Box (tile) size per dimension, innermost first; each at most 256. */
  boxDims: readonly number[];
  /** Default all 1. */
  elementStrides?: readonly number[];
  swizzle?: keyof typeof TensorMapSwizzle;
  l2Promotion?: keyof typeof TensorMapL2Promotion;
  /** Out-of-bounds elements read as zero (default) or as NaN requests. */
  oobFillNaN?: boolean;
}

/** Encodes a tiled tensor map; returns its 128 bytes. */
export function encodeTensorMapTiled(spec: TiledTensorMapSpec, device = 0): Uint8Array {
  const rank = spec.globalDims.length;
  if (rank < 1 || rank > 5) throw new RangeError(`encodeTensorMapTiled: rank must be 1..5, got ${rank}`);
  if (spec.globalStridesBytes.length !== rank - 1 || spec.boxDims.length !== rank) {
    throw new RangeError(
      `encodeTensorMapTiled: ${rank} dims need ${rank - 1} strides and ${rank} box dims, got ${spec.globalStridesBytes.length} and ${spec.boxDims.length}`,
    );
  }
  if (spec.globalAddress % 16n !== 0n) {
    throw new RangeError(`encodeTensorMapTiled: globalAddress must be 16-byte aligned, got 0x${spec.globalAddress.toString(16)}`);
  }
  for (const s of spec.globalStridesBytes) {
    if (s % 16 !== 0) throw new RangeError(`encodeTensorMapTiled: strides must be multiples of 16 bytes, got [${spec.globalStridesBytes.join(', ')}]`);
  }
  useDevice(device);
  // The driver requires the map's address to be 64-byte aligned: over-allocate and align.
  const scratch = allocNative(TENSOR_MAP_BYTES + 64);
  try {
    const pad = Number((64n - (scratch.ptr % 64n)) % 64n);
    const dims = BigUint64Array.from(spec.globalDims.map(BigInt));
    const strides = BigUint64Array.from((rank > 1 ? spec.globalStridesBytes : [0]).map(BigInt));
    const box = Uint32Array.from(spec.boxDims);
    const estr = Uint32Array.from(spec.elementStrides ?? new Array<number>(rank).fill(1));
    check(
      'cuTensorMapEncodeTiled',
      driver().cuTensorMapEncodeTiled(
        scratch.ptr + BigInt(pad),
        TensorMapDataType[spec.dataType],
        rank,
        spec.globalAddress,
        dims,
        strides,
        box,
        estr,
        0,
        TensorMapSwizzle[spec.swizzle ?? 'none'],
        TensorMapL2Promotion[spec.l2Promotion ?? '128B'],
        spec.oobFillNaN ? 1 : 0,
      ),
      `dims [${spec.globalDims.join(', ')}] box [${spec.boxDims.join(', ')}]`,
    );
    return scratch.view.slice(pad, pad + TENSOR_MAP_BYTES);
  } finally {
    freeNative(scratch.ptr);
  }
}
