/**
 * Element types and exact conversions between JavaScript numbers and the narrow float formats.
 *
 * 16-bit and 8-bit floats are stored as their bit patterns (Uint16Array / Uint8Array). Every
 * conversion from a number rounds to nearest, ties to even, computed from the full float64 value
 * (no intermediate float32 rounding, which could round twice).
 */

export type DType = 'float32' | 'float16' | 'bfloat16' | 'float8_e4m3' | 'float8_e5m2' | 'int32';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float8_e4m3', 'float8_e5m2', 'int32'];

/** Typed array that holds a tensor's elements on the host, by dtype. */
export type HostArray = Float32Array | Uint16Array | Uint8Array | Int32Array;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'float8_e4m3':
    case 'float8_e5m2':
      return 1;
  }
}

export function isFloatDType(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** Allocates a zeroed host array of `length` elements for `dtype`. */
export function allocHostArray(dtype: DType, length: number): HostArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(length);
    case 'float8_e4m3':
    case 'float8_e5m2':
      return new Uint8Array(length);
  }
}

/** The typed-array class that stores `dtype`, for checking user-supplied data. */
export function hostArrayName(dtype: DType): string {
  return allocHostArray(dtype, 0).constructor.name;
}

/**
 * A binary floating-point format with a sign bit, `expBits` exponent bits and `mantBits` stored
 * mantissa bits. `ieeeSpecials` formats reserve the top exponent for inf/NaN; float8_e4m3 (the
 * "fn" variant used by CUDA and PyTorch) has no infinities and only S.1111.111 as NaN.
 */
interface FloatFormat {
  readonly expBits: number;
  readonly mantBits: number;
  readonly bias: number;
  readonly ieeeSpecials: boolean;
}

const FORMATS = {
  float16: { expBits: 5, mantBits: 10, bias: 15, ieeeSpecials: true },
  bfloat16: { expBits: 8, mantBits: 7, bias: 127, ieeeSpecials: true },
  float8_e4m3: { expBits: 4, mantBits: 3, bias: 7, ieeeSpecials: false },
  float8_e5m2: { expBits: 5, mantBits: 2, bias: 15, ieeeSpecials: true },
} as const satisfies Record<string, FloatFormat>;

type NarrowFloat = keyof typeof FORMATS;

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const HI = 1; // little-endian: the high word of a float64 is the second uint32

/** Unbiased binary exponent of a finite, non-zero, non-subnormal double: floor(log2(a)). */
function exponentOf(a: number): number {
  scratchF64[0] = a;
  return ((scratchU32[HI]! >>> 20) & 0x7ff) - 1023;
}

function encodeFloat(x: number, f: FloatFormat): number {
  const signBit = 1 << (f.expBits + f.mantBits);
  const expAllOnes = (1 << f.expBits) - 1;
  const nanBits = f.ieeeSpecials ? (expAllOnes << f.mantBits) | (1 << (f.mantBits - 1)) : signBit - 1;
  if (Number.isNaN(x)) return nanBits;
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  if (a === Infinity) return f.ieeeSpecials ? sign | (expAllOnes << f.mantBits) : sign | nanBits;
  // Double subnormals (< 2^-1022) are far below every narrow format's smallest subnormal.
  if (a < 2 ** -1022) return sign;
  const minNormalExp = 1 - f.bias;
  let q = Math.max(exponentOf(a), minNormalExp); // exponent of the quantum's leading bit
  const scaled = a * 2 ** (f.mantBits - q); // exact: scaling by a power of two
  let m = Math.floor(scaled);
  const frac = scaled - m; // exact: scaled < 2^(mantBits+1) has no bits below 2^-52 lost
  if (frac > 0.5 || (frac === 0.5 && (m & 1) === 1)) m += 1;
  const hidden = 1 << f.mantBits;
  if (m === 2 * hidden) {
    m = hidden;
    q += 1;
  }
  let biased: number;
  if (m < hidden) {
    biased = 0; // subnormal (or rounded to zero)
  } else {
    biased = q + f.bias;
    m -= hidden;
  }
  if (f.ieeeSpecials) {
    if (biased >= expAllOnes) return sign | (expAllOnes << f.mantBits); // overflow to infinity
  } else if (biased > expAllOnes || (biased === expAllOnes && m === hidden - 1)) {
    return sign | nanBits; // e4m3fn has no infinity: overflow is NaN, as in CUDA's and PyTorch's casts
  }
  return sign | (biased << f.mantBits) | m;
}

function decodeFloat(bits: number, f: FloatFormat): number {
  const mantMask = (1 << f.mantBits) - 1;
  const expAllOnes = (1 << f.expBits) - 1;
  const negative = (bits >>> (f.expBits + f.mantBits)) & 1;
  const e = (bits >>> f.mantBits) & expAllOnes;
  const m = bits & mantMask;
  let v: number;
  if (f.ieeeSpecials && e === expAllOnes) {
    v = m === 0 ? Infinity : NaN;
  } else if (!f.ieeeSpecials && e === expAllOnes && m === mantMask) {
    v = NaN;
  } else if (e === 0) {
    v = m * 2 ** (1 - f.bias - f.mantBits);
  } else {
    v = (m + (1 << f.mantBits)) * 2 ** (e - f.bias - f.mantBits);
  }
  return negative ? -v : v;
}

export function float16Bits(x: number): number {
  return encodeFloat(x, FORMATS.float16);
}
export function bfloat16Bits(x: number): number {
  return encodeFloat(x, FORMATS.bfloat16);
}
export function float8E4m3Bits(x: number): number {
  return encodeFloat(x, FORMATS.float8_e4m3);
}
export function float8E5m2Bits(x: number): number {
  return encodeFloat(x, FORMATS.float8_e5m2);
}

let f16Table: Float32Array | undefined;
let e4m3Table: Float32Array | undefined;
let e5m2Table: Float32Array | undefined;

function tableFor(dtype: NarrowFloat): Float32Array {
  switch (dtype) {
    case 'float16':
      return (f16Table ??= buildTable(FORMATS.float16, 1 << 16));
    case 'float8_e4m3':
      return (e4m3Table ??= buildTable(FORMATS.float8_e4m3, 1 << 8));
    case 'float8_e5m2':
      return (e5m2Table ??= buildTable(FORMATS.float8_e5m2, 1 << 8));
    case 'bfloat16':
      throw new Error('bfloat16 decodes by shifting, not through a table');
  }
}

function buildTable(f: FloatFormat, n: number): Float32Array {
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = decodeFloat(i, f);
  return t;
}

export function float16FromBits(bits: number): number {
  return decodeFloat(bits & 0xffff, FORMATS.float16);
}
export function bfloat16FromBits(bits: number): number {
  return decodeFloat(bits & 0xffff, FORMATS.bfloat16);
}
export function float8E4m3FromBits(bits: number): number {
  return decodeFloat(bits & 0xff, FORMATS.float8_e4m3);
}
export function float8E5m2FromBits(bits: number): number {
  return decodeFloat(bits & 0xff, FORMATS.float8_e5m2);
}

/** Rounds `x` to the nearest value representable in `dtype` (what a store then load gives). */
export function roundToDType(x: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(x);
    case 'int32':
      return x | 0;
    case 'float16':
      return float16FromBits(float16Bits(x));
    case 'bfloat16':
      return bfloat16FromBits(bfloat16Bits(x));
    case 'float8_e4m3':
      return float8E4m3FromBits(float8E4m3Bits(x));
    case 'float8_e5m2':
      return float8E5m2FromBits(float8E5m2Bits(x));
  }
}

/** Encodes one number as the stored element of `dtype` (bits for narrow floats). */
export function encodeElement(x: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return x;
    case 'int32':
      return x | 0;
    case 'float16':
      return float16Bits(x);
    case 'bfloat16':
      return bfloat16Bits(x);
    case 'float8_e4m3':
      return float8E4m3Bits(x);
    case 'float8_e5m2':
      return float8E5m2Bits(x);
  }
}

const bitsScratch = new Float32Array(1);
const bitsScratchU32 = new Uint32Array(bitsScratch.buffer);

/** The raw unsigned bit pattern that stores `x` as one element of `dtype` (for device fills). */
export function elementBits(x: number, dtype: DType): number {
  if (dtype === 'float32') {
    bitsScratch[0] = x;
    return bitsScratchU32[0]!;
  }
  if (dtype === 'int32') return (x | 0) >>> 0;
  return encodeElement(x, dtype);
}

/** Decodes one stored element of `dtype` to a number. */
export function decodeElement(stored: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return stored;
    case 'bfloat16':
      return bfloat16FromBits(stored);
    default:
      return tableFor(dtype)[stored]!;
  }
}

const bf16Scratch = new Float32Array(1);
const bf16ScratchU32 = new Uint32Array(bf16Scratch.buffer);

/**
 * Fills `out` with the stored form of `src` in `dtype`. Float32 sources take a fast path for
 * bfloat16 (the classic add-0x7FFF-plus-lsb rounding, exact because the input is already float32).
 */
export function encodeArray(src: ArrayLike<number>, dtype: DType, out: HostArray): void {
  const n = src.length;
  if (dtype === 'bfloat16' && src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const b = bits[i]!;
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) {
        out[i] = ((b >>> 16) & 0x8000) | 0x7fc0; // NaN stays NaN (quiet), whatever its payload
      } else {
        out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
      }
    }
    return;
  }
  if (dtype === 'float32' || dtype === 'int32') {
    for (let i = 0; i < n; i++) out[i] = encodeElement(src[i]!, dtype);
    return;
  }
  const f = FORMATS[dtype];
  for (let i = 0; i < n; i++) out[i] = encodeFloat(src[i]!, f);
}

/** Decodes `src` (stored form of `dtype`) into numbers in `out`. */
export function decodeArray(src: HostArray, dtype: DType, out: Float32Array | Float64Array): void {
  const n = src.length;
  if (dtype === 'bfloat16') {
    for (let i = 0; i < n; i++) {
      bf16ScratchU32[0] = src[i]! << 16;
      out[i] = bf16Scratch[0]!;
    }
    return;
  }
  if (dtype === 'float32' || dtype === 'int32') {
    for (let i = 0; i < n; i++) out[i] = src[i]!;
    return;
  }
  const t = tableFor(dtype);
  for (let i = 0; i < n; i++) out[i] = t[src[i]!]!;
}
