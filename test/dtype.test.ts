/**
 * Conversions between numbers and the narrow float formats, checked over every bit pattern against
 * an oracle written here from the format definitions (sign, biased exponent, mantissa, subnormals,
 * specials), not from src/tensor/dtype.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DTYPES,
  type DType,
  type HostArray,
  allocHostArray,
  bfloat16Bits,
  bfloat16FromBits,
  decodeArray,
  decodeElement,
  dtypeSize,
  encodeArray,
  encodeElement,
  float16Bits,
  float16FromBits,
  float8E4m3Bits,
  float8E4m3FromBits,
  float8E5m2Bits,
  float8E5m2FromBits,
  hostArrayName,
  isDType,
  isFloatDType,
  roundToDType,
} from '../src/tensor/dtype.js';

type NarrowDType = 'float16' | 'bfloat16' | 'float8_e4m3' | 'float8_e5m2';

/** A binary float format as its definition states it. */
interface FormatSpec {
  readonly dtype: NarrowDType;
  readonly totalBits: number;
  readonly expBits: number;
  readonly mantBits: number;
  readonly bias: number;
  /** 'ieee': exponent all ones is inf (mantissa 0) or NaN; 'fn': no infinities, only S.1..1.1..1 is NaN. */
  readonly specials: 'ieee' | 'fn';
  readonly encode: (x: number) => number;
  readonly decode: (bits: number) => number;
}

const FORMATS: readonly FormatSpec[] = [
  { dtype: 'float16', totalBits: 16, expBits: 5, mantBits: 10, bias: 15, specials: 'ieee', encode: float16Bits, decode: float16FromBits },
  { dtype: 'bfloat16', totalBits: 16, expBits: 8, mantBits: 7, bias: 127, specials: 'ieee', encode: bfloat16Bits, decode: bfloat16FromBits },
  { dtype: 'float8_e4m3', totalBits: 8, expBits: 4, mantBits: 3, bias: 7, specials: 'fn', encode: float8E4m3Bits, decode: float8E4m3FromBits },
  { dtype: 'float8_e5m2', totalBits: 8, expBits: 5, mantBits: 2, bias: 15, specials: 'ieee', encode: float8E5m2Bits, decode: float8E5m2FromBits },
];

// ---- the oracle ---------------------------------------------------------------------------------

const patternCount = (f: FormatSpec): number => 2 ** f.totalBits;
const signBitOf = (f: FormatSpec): number => 2 ** (f.totalBits - 1);

/** Value of a bit pattern, from the definition: (-1)^S * 2^(E - bias) * 1.M, or 2^(1 - bias) * 0.M. */
function oracleDecode(bits: number, f: FormatSpec): number {
  const half = signBitOf(f);
  const negative = bits >= half;
  const magnitude = negative ? bits - half : bits;
  const mantScale = 2 ** f.mantBits;
  const e = Math.floor(magnitude / mantScale);
  const m = magnitude - e * mantScale;
  const eAllOnes = 2 ** f.expBits - 1;
  let v: number;
  if (f.specials === 'ieee' && e === eAllOnes) v = m === 0 ? Infinity : NaN;
  else if (f.specials === 'fn' && e === eAllOnes && m === mantScale - 1) v = NaN;
  else if (e === 0) v = (m / mantScale) * 2 ** (1 - f.bias);
  else v = (1 + m / mantScale) * 2 ** (e - f.bias);
  return negative ? -v : v;
}

const isNaNPattern = (bits: number, f: FormatSpec): boolean => Number.isNaN(oracleDecode(bits, f));

/** Bits of the largest finite positive value: positive patterns ascend in value up to it. */
function maxFiniteBits(f: FormatSpec): number {
  const eAllOnes = 2 ** f.expBits - 1;
  return f.specials === 'ieee' ? eAllOnes * 2 ** f.mantBits - 1 : signBitOf(f) - 2;
}

/** Positive finite values by bit pattern (index = bits), plus the step past the largest one. */
function positiveLadder(f: FormatSpec): Float64Array {
  const top = maxFiniteBits(f);
  const values = new Float64Array(top + 2);
  for (let b = 0; b <= top; b++) values[b] = oracleDecode(b, f);
  // The value one quantum past the largest finite one: the first value that does not exist.
  values[top + 1] = values[top]! + (values[top]! - values[top - 1]!);
  return values;
}

/**
 * Round-to-nearest-even by search over the ladder of representable values (independent of the
 * arithmetic in dtype.ts). Overflow gives inf ('ieee') or NaN ('fn'); NaN input gives undefined.
 */
function oracleEncode(x: number, f: FormatSpec, ladder: Float64Array): number | undefined {
  if (Number.isNaN(x)) return undefined;
  const sign = x < 0 || Object.is(x, -0) ? signBitOf(f) : 0;
  const a = Math.abs(x);
  const top = ladder.length - 2;
  let k: number; // the chosen index into the ladder
  if (a >= ladder[top + 1]!) {
    k = top + 1;
  } else {
    let lo = 0; // largest index with ladder[lo] <= a
    let hi = top + 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ladder[mid]! <= a) lo = mid;
      else hi = mid;
    }
    const midpoint = (ladder[lo]! + ladder[lo + 1]!) / 2; // exact: few significant bits
    if (a < midpoint) k = lo;
    else if (a > midpoint) k = lo + 1;
    else k = lo % 2 === 0 ? lo : lo + 1; // the even mantissa is the even bit pattern
  }
  if (k <= top) return sign + k;
  const eAllOnes = 2 ** f.expBits - 1;
  return f.specials === 'ieee' ? sign + eAllOnes * 2 ** f.mantBits : sign + signBitOf(f) - 1;
}

// ---- helpers ------------------------------------------------------------------------------------

const scratch64 = new Float64Array(1);
const scratch64Bits = new BigUint64Array(scratch64.buffer);
const scratch32 = new Float32Array(1);
const scratch32Bits = new Uint32Array(scratch32.buffer);

/** The next double above x (x finite). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  scratch64[0] = x;
  scratch64Bits[0] = scratch64Bits[0]! + (x > 0 ? 1n : -1n);
  return scratch64[0]!;
}
const nextDown = (x: number): number => -nextUp(-x);

/** The next float32 above x (x a finite float32). */
function nextUp32(x: number): number {
  if (x === 0) return 2 ** -149;
  scratch32[0] = x;
  scratch32Bits[0] = scratch32Bits[0]! + (x > 0 ? 1 : -1);
  return scratch32[0]!;
}
const nextDown32 = (x: number): number => -nextUp32(-x);

const hex = (b: number, f: FormatSpec): string => `0x${b.toString(16).padStart(f.totalBits / 4, '0')}`;

/** Runs `check` for i in [0, n) and fails with the first few messages it returns. */
function expectAll(n: number, check: (i: number) => string | undefined): void {
  const failures: string[] = [];
  let count = 0;
  for (let i = 0; i < n; i++) {
    const msg = check(i);
    if (msg !== undefined) {
      count++;
      if (failures.length < 6) failures.push(msg);
    }
  }
  assert.equal(count, 0, `${count} of ${n} failed, first: \n  ${failures.join('\n  ')}`);
}

const sameValue = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Seeded 32-bit generator for test inputs (mulberry32), separate from the library's Rng. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
}

const bitsArray = (f: FormatSpec, n: number): Uint16Array | Uint8Array =>
  f.totalBits === 16 ? new Uint16Array(n) : new Uint8Array(n);

// ---- the oracle checks itself against values everyone agrees on ----------------------------------

test('oracle: anchor values of each format', () => {
  const [f16, bf16, e4m3, e5m2] = FORMATS as [FormatSpec, FormatSpec, FormatSpec, FormatSpec];
  const anchors: [FormatSpec, number, number][] = [
    [f16, 0x3c00, 1], [f16, 0xc000, -2], [f16, 0x7bff, 65504], [f16, 0x0400, 2 ** -14], [f16, 0x0001, 2 ** -24],
    [f16, 0x03ff, 1023 * 2 ** -24], [f16, 0x3555, 0.333251953125], [f16, 0x7c00, Infinity], [f16, 0xfc00, -Infinity],
    [f16, 0x8000, -0],
    [bf16, 0x3f80, 1], [bf16, 0x7f7f, 255 * 2 ** 120], [bf16, 0x0080, 2 ** -126], [bf16, 0x0001, 2 ** -133],
    [bf16, 0x4049, 3.140625], [bf16, 0x7f80, Infinity], [bf16, 0xff80, -Infinity],
    [e4m3, 0x38, 1], [e4m3, 0x7e, 448], [e4m3, 0xfe, -448], [e4m3, 0x08, 2 ** -6], [e4m3, 0x01, 2 ** -9],
    [e4m3, 0x07, 7 * 2 ** -9], [e4m3, 0x78, 256], [e4m3, 0x80, -0],
    [e5m2, 0x3c, 1], [e5m2, 0x7b, 57344], [e5m2, 0x04, 2 ** -14], [e5m2, 0x01, 2 ** -16], [e5m2, 0x7c, Infinity],
    [e5m2, 0xfc, -Infinity],
  ];
  for (const [f, bits, want] of anchors) {
    assert.ok(Object.is(oracleDecode(bits, f), want), `${f.dtype} ${hex(bits, f)}: oracle ${oracleDecode(bits, f)}, want ${want}`);
  }
  // NaN patterns: float16 has 2 * 1023, bfloat16 2 * 127, e5m2 2 * 3, e4m3fn exactly 0x7f and 0xff.
  const nanCounts = FORMATS.map((f) => {
    let c = 0;
    for (let b = 0; b < patternCount(f); b++) if (isNaNPattern(b, f)) c++;
    return c;
  });
  assert.deepEqual(nanCounts, [2046, 254, 2, 6]);
  assert.ok(isNaNPattern(0x7f, e4m3) && isNaNPattern(0xff, e4m3));
  assert.equal(positiveLadder(e4m3)[maxFiniteBits(e4m3) + 1], 480);
  assert.equal(positiveLadder(f16)[maxFiniteBits(f16) + 1], 65536);
});

// ---- every bit pattern ----------------------------------------------------------------------------

for (const f of FORMATS) {
  describe(`${f.dtype}: every bit pattern`, () => {
    const n = patternCount(f);
    const all = bitsArray(f, n);
    for (let b = 0; b < n; b++) all[b] = b;

    test('scalar decode matches the oracle', () => {
      expectAll(n, (b) => {
        const got = f.decode(b);
        const want = oracleDecode(b, f);
        return sameValue(got, want) ? undefined : `${hex(b, f)}: decode ${got}, oracle ${want}`;
      });
    });

    test('decodeElement, decodeArray (float64 and float32 out) match the oracle', () => {
      const out64 = new Float64Array(n).fill(12345.5);
      const out32 = new Float32Array(n).fill(12345.5);
      decodeArray(all, f.dtype, out64);
      decodeArray(all, f.dtype, out32);
      expectAll(n, (b) => {
        const want = oracleDecode(b, f);
        const el = decodeElement(b, f.dtype);
        if (!sameValue(el, want)) return `${hex(b, f)}: decodeElement ${el}, oracle ${want}`;
        if (!sameValue(out64[b]!, want)) return `${hex(b, f)}: decodeArray f64 ${out64[b]}, oracle ${want}`;
        if (!sameValue(out32[b]!, want)) return `${hex(b, f)}: decodeArray f32 ${out32[b]}, oracle ${want}`;
        return undefined;
      });
    });

    test('decode -> encode gives back the same bits; NaN patterns decode to NaN and NaN encodes to a NaN pattern', () => {
      const values = new Float64Array(n);
      for (let b = 0; b < n; b++) values[b] = oracleDecode(b, f);
      const nanBits = f.encode(NaN);
      assert.ok(isNaNPattern(nanBits, f), `encode(NaN) = ${hex(nanBits, f)} is not a NaN pattern`);
      const viaF64 = bitsArray(f, n);
      const viaF32 = bitsArray(f, n);
      const viaPlain = bitsArray(f, n);
      encodeArray(values, f.dtype, viaF64);
      encodeArray(Float32Array.from(values), f.dtype, viaF32); // every value here is a float32
      encodeArray(Array.from(values), f.dtype, viaPlain);
      expectAll(n, (b) => {
        const v = f.decode(b);
        const paths: [string, number][] = [
          ['scalar', f.encode(v)],
          ['encodeElement', encodeElement(v, f.dtype)],
          ['encodeArray(Float64Array)', viaF64[b]!],
          ['encodeArray(Float32Array)', viaF32[b]!],
          ['encodeArray(number[])', viaPlain[b]!],
        ];
        for (const [path, got] of paths) {
          if (isNaNPattern(b, f)) {
            if (!Number.isNaN(v)) return `${hex(b, f)}: NaN pattern decodes to ${v}`;
            if (!isNaNPattern(got, f)) return `${hex(b, f)}: ${path} encode(NaN) = ${hex(got, f)}, not a NaN pattern`;
          } else if (got !== b) {
            return `${hex(b, f)} (${v}): ${path} encodes back to ${hex(got, f)}`;
          }
        }
        return undefined;
      });
    });

    test('roundToDType is the identity on every representable value', () => {
      expectAll(n, (b) => {
        const v = oracleDecode(b, f);
        const r = roundToDType(v, f.dtype);
        return sameValue(r, v) ? undefined : `${hex(b, f)}: roundToDType(${v}) = ${r}`;
      });
    });
  });
}

// ---- rounding -------------------------------------------------------------------------------------

for (const f of FORMATS) {
  describe(`${f.dtype}: rounding to nearest, ties to even`, () => {
    const ladder = positiveLadder(f);
    const top = maxFiniteBits(f);
    const signBit = signBitOf(f);
    const eAllOnes = 2 ** f.expBits - 1;
    const overflowBits = f.specials === 'ieee' ? eAllOnes * 2 ** f.mantBits : signBit - 1;

    /** Probe values and the bits they must encode to, over every pair of neighbouring finite values. */
    function neighbourProbes(): { x: number[]; want: number[] } {
      const x: number[] = [];
      const want: number[] = [];
      const add = (v: number, bits: number): void => {
        x.push(v, -v);
        want.push(bits, bits + signBit);
      };
      for (let b = 0; b < top; b++) {
        const mid = (ladder[b]! + ladder[b + 1]!) / 2; // exact in float64
        add(mid, b % 2 === 0 ? b : b + 1);
        add(nextUp(mid), b + 1);
        add(nextDown(mid), b);
      }
      // The largest value and the step past it: the tie goes to the even side.
      const mid = (ladder[top]! + ladder[top + 1]!) / 2;
      add(nextDown(mid), top);
      add(mid, top % 2 === 0 ? top : overflowBits);
      add(nextUp(mid), overflowBits);
      return { x, want };
    }

    test('every midpoint goes to the even mantissa, a tiny step off it to the nearer value (scalar)', () => {
      const { x, want } = neighbourProbes();
      expectAll(x.length, (i) => {
        const got = f.encode(x[i]!);
        return got === want[i] || (isNaNPattern(got, f) && isNaNPattern(want[i]!, f))
          ? undefined
          : `encode(${x[i]}) = ${hex(got, f)}, want ${hex(want[i]!, f)}`;
      });
    });

    test('the same probes through encodeArray (Float64Array and number[])', () => {
      const { x, want } = neighbourProbes();
      for (const src of [Float64Array.from(x), x]) {
        const out = bitsArray(f, x.length).fill(0xaa);
        encodeArray(src, f.dtype, out);
        expectAll(x.length, (i) =>
          out[i] === want[i] || (isNaNPattern(out[i]!, f) && isNaNPattern(want[i]!, f))
            ? undefined
            : `encodeArray(${src.constructor.name}) ${x[i]} -> ${hex(out[i]!, f)}, want ${hex(want[i]!, f)}`,
        );
      }
    });

    test('midpoints from float32 inputs (encodeArray with a Float32Array; the bfloat16 fast path)', () => {
      // Every midpoint of these formats is a float32, so the float32 neighbours of it probe the tie.
      const x: number[] = [];
      const want: number[] = [];
      for (let b = 0; b < top; b++) {
        const mid = (ladder[b]! + ladder[b + 1]!) / 2;
        const even = b % 2 === 0 ? b : b + 1;
        x.push(mid, nextUp32(mid), nextDown32(mid), -mid, -nextUp32(mid), -nextDown32(mid));
        want.push(even, b + 1, b, even + signBit, b + 1 + signBit, b + signBit);
      }
      const src = Float32Array.from(x);
      assert.deepEqual(Array.from(src), x, 'probes must be exact float32 values');
      const out = bitsArray(f, x.length).fill(0xaa);
      encodeArray(src, f.dtype, out);
      expectAll(x.length, (i) =>
        out[i] === want[i] ? undefined : `float32 ${x[i]} -> ${hex(out[i]!, f)}, want ${hex(want[i]!, f)}`,
      );
    });

    test('random doubles over the whole range agree with a nearest-value search', () => {
      const rnd = mulberry32(0x5eed + f.totalBits * 7 + f.mantBits);
      const u = (): number => rnd() / 2 ** 32;
      const minExp = 1 - f.bias - f.mantBits - 3;
      const maxExp = 2 ** f.expBits - f.bias + 1;
      const count = 60_000;
      const x = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const kind = i % 4;
        let v: number;
        if (kind === 0) {
          v = 2 ** (minExp + u() * (maxExp - minExp)); // log-uniform over every binade and past both ends
        } else if (kind === 1) {
          // Within a few units of the last place of a midpoint, where rounding is decided.
          const b = Math.floor(u() * top);
          let m = (ladder[b]! + ladder[b + 1]!) / 2;
          for (let s = Math.floor(u() * 7) - 3; s !== 0; s += s > 0 ? -1 : 1) m = s > 0 ? nextUp(m) : nextDown(m);
          v = m;
        } else if (kind === 2) {
          v = ladder[Math.floor(u() * (top + 1))]! * (1 + (u() - 0.5) * 2 ** -f.mantBits); // near representable values
        } else {
          v = (u() - 0.5) * 4 * ladder[top]!; // linear over the finite range and a bit beyond
        }
        x[i] = rnd() & 1 ? -v : v;
      }
      const arrayOut = bitsArray(f, count);
      encodeArray(x, f.dtype, arrayOut);
      expectAll(count, (i) => {
        const want = oracleEncode(x[i]!, f, ladder)!;
        const got = f.encode(x[i]!);
        if (got !== want && !(isNaNPattern(got, f) && isNaNPattern(want, f))) {
          return `encode(${x[i]}) = ${hex(got, f)}, nearest is ${hex(want, f)}`;
        }
        if (arrayOut[i] !== got) return `encodeArray(${x[i]}) = ${hex(arrayOut[i]!, f)}, scalar ${hex(got, f)}`;
        const r = roundToDType(x[i]!, f.dtype);
        if (!sameValue(r, oracleDecode(want, f))) return `roundToDType(${x[i]}) = ${r}, want ${oracleDecode(want, f)}`;
        return undefined;
      });
    });

    test('underflow gives a zero of the right sign; -0 is kept', () => {
      const minSub = ladder[1]!;
      const tiny = [minSub / 2, minSub / 4, 2 ** -200, 2 ** -1022, 2 ** -1074, Number.MIN_VALUE, 1e-300];
      for (const v of tiny) {
        assert.equal(f.encode(v), 0, `${f.dtype}: encode(${v})`);
        assert.equal(f.encode(-v), signBit, `${f.dtype}: encode(-${v})`);
      }
      assert.equal(f.encode(nextUp(minSub / 2)), 1);
      assert.equal(f.encode(-nextUp(minSub / 2)), signBit + 1);
      assert.equal(f.encode(0), 0);
      assert.equal(f.encode(-0), signBit);
      assert.ok(Object.is(f.decode(signBit), -0));
      assert.ok(Object.is(roundToDType(-0, f.dtype), -0));
      assert.ok(Object.is(roundToDType(-minSub / 4, f.dtype), -0));
      for (const src of [new Float64Array([-0, -minSub / 4, 0]), new Float32Array([-0, -minSub / 4, 0]), [-0, -minSub / 4, 0]]) {
        const out = bitsArray(f, 3).fill(0x55);
        encodeArray(src, f.dtype, out);
        assert.deepEqual(Array.from(out), [signBit, signBit, 0], `${f.dtype}: encodeArray(${src.constructor.name})`);
      }
    });

    test('infinities and values past the largest finite one', () => {
      const past = [ladder[top + 1]!, 1e6, 1e30, 1e300, Number.MAX_VALUE, Infinity].filter((v) => v >= ladder[top + 1]!);
      for (const v of past) {
        if (f.specials === 'ieee') {
          assert.equal(f.encode(v), overflowBits, `${f.dtype}: encode(${v}) must be +inf`);
          assert.equal(f.encode(-v), overflowBits + signBit, `${f.dtype}: encode(-${v}) must be -inf`);
        } else {
          assert.ok(isNaNPattern(f.encode(v), f), `${f.dtype}: encode(${v}) must be NaN (no infinity)`);
          assert.ok(isNaNPattern(f.encode(-v), f), `${f.dtype}: encode(-${v}) must be NaN (no infinity)`);
        }
      }
      assert.equal(f.encode(ladder[top]!), top);
      assert.equal(f.encode(-ladder[top]!), top + signBit);
    });
  });
}

// ---- the overflow thresholds, by name -------------------------------------------------------------

describe('overflow thresholds', () => {
  test('float16: 65504 is the largest; from 65520 (the midpoint to 65536) on it is inf', () => {
    assert.equal(float16Bits(65504), 0x7bff);
    assert.equal(float16Bits(65519.99), 0x7bff);
    assert.equal(float16Bits(nextDown(65520)), 0x7bff);
    assert.equal(float16Bits(65520), 0x7c00); // tie: 65504 has odd mantissa 0x3ff
    assert.equal(float16Bits(-65520), 0xfc00);
    assert.equal(float16Bits(70000), 0x7c00);
    assert.equal(roundToDType(65520, 'float16'), Infinity);
    assert.equal(roundToDType(-65519, 'float16'), -65504);
  });

  test('bfloat16: (2 - 2^-7) * 2^127 is the largest; from (2 - 2^-8) * 2^127 on it is inf', () => {
    const max = (2 - 2 ** -7) * 2 ** 127;
    const mid = (2 - 2 ** -8) * 2 ** 127;
    assert.equal(bfloat16Bits(max), 0x7f7f);
    assert.equal(bfloat16Bits(nextDown(mid)), 0x7f7f);
    assert.equal(bfloat16Bits(mid), 0x7f80);
    assert.equal(bfloat16Bits(-mid), 0xff80);
    // The float32 path: the largest float32 is past the midpoint, so it overflows too.
    const out = new Uint16Array(4);
    encodeArray(new Float32Array([max, nextDown32(mid), mid, 3.4028234663852886e38]), 'bfloat16', out);
    assert.deepEqual(Array.from(out), [0x7f7f, 0x7f7f, 0x7f80, 0x7f80]);
  });

  test('float8_e5m2: 57344 is the largest; from 61440 on it is inf', () => {
    assert.equal(float8E5m2Bits(57344), 0x7b);
    assert.equal(float8E5m2Bits(61439.99), 0x7b);
    assert.equal(float8E5m2Bits(61440), 0x7c);
    assert.equal(float8E5m2Bits(-61440), 0xfc);
    assert.equal(float8E5m2Bits(1e9), 0x7c);
  });

  test('float8_e4m3 (fn): 448 is the largest, (448, 464] rounds to 448, past 464 it is NaN', () => {
    // 464 is the midpoint between 448 (mantissa 110) and the step that would be 480 (111, the NaN
    // pattern): ties-to-even keeps 448 there, as CUDA's __nv_cvt_float_to_fp8 and PyTorch do.
    for (const v of [448, 448.5, 450, 460, 463.99, nextDown(464), 464]) {
      assert.equal(float8E4m3Bits(v), 0x7e, `encode(${v})`);
      assert.equal(float8E4m3Bits(-v), 0xfe, `encode(-${v})`);
    }
    for (const v of [nextUp(464), 465, 470, 479, 480, 512, 1e5, Infinity]) {
      assert.equal(float8E4m3Bits(v) & 0x7f, 0x7f, `encode(${v}) must be NaN`);
      assert.equal(float8E4m3Bits(-v) & 0x7f, 0x7f, `encode(-${v}) must be NaN`);
      assert.ok(Number.isNaN(roundToDType(v, 'float8_e4m3')));
    }
    assert.equal(float8E4m3Bits(NaN) & 0x7f, 0x7f);
  });
});

// ---- double rounding --------------------------------------------------------------------------------

describe('float64 inputs round once, not twice through float32', () => {
  // x sits just above a midpoint of the narrow format, by less than half a float32 ulp: rounding
  // to float32 first lands exactly on the midpoint, and ties-to-even then goes the wrong way.
  const cases: { dtype: NarrowDType; x: number; want: number; doubleRounded: number }[] = [
    { dtype: 'float16', x: 1 + 2 ** -11 + 2 ** -40, want: 0x3c01, doubleRounded: 0x3c00 },
    { dtype: 'float16', x: -(1 + 2 ** -11 + 2 ** -40), want: 0xbc01, doubleRounded: 0xbc00 },
    { dtype: 'float16', x: 2 ** -25 + 2 ** -60, want: 0x0001, doubleRounded: 0x0000 }, // subnormal
    { dtype: 'float16', x: 65520 - 2 ** -20, want: 0x7bff, doubleRounded: 0x7c00 }, // just below overflow
    { dtype: 'bfloat16', x: 1 + 2 ** -8 + 2 ** -40, want: 0x3f81, doubleRounded: 0x3f80 },
    { dtype: 'float8_e4m3', x: 1 + 2 ** -4 + 2 ** -40, want: 0x39, doubleRounded: 0x38 },
    { dtype: 'float8_e4m3', x: 464 + 2 ** -30, want: 0x7f, doubleRounded: 0x7e },
    { dtype: 'float8_e5m2', x: 1 + 2 ** -3 + 2 ** -40, want: 0x3d, doubleRounded: 0x3c },
  ];
  for (const c of cases) {
    test(`${c.dtype}: ${c.x}`, () => {
      const f = FORMATS.find((g) => g.dtype === c.dtype)!;
      assert.equal(f.encode(Math.fround(c.x)), c.doubleRounded, 'the case must really double-round');
      assert.equal(f.encode(c.x), c.want);
      assert.equal(encodeElement(c.x, c.dtype), c.want);
      for (const src of [new Float64Array([c.x]), [c.x]]) {
        const out = bitsArray(f, 1);
        encodeArray(src, c.dtype, out);
        assert.equal(out[0], c.want, `encodeArray(${src.constructor.name})`);
      }
      assert.ok(sameValue(roundToDType(c.x, c.dtype), oracleDecode(c.want, f)));
    });
  }
});

// ---- the bfloat16 fast path --------------------------------------------------------------------------

test('bfloat16: encodeArray(Float32Array) equals the scalar encoder on millions of float32 bit patterns', () => {
  const rnd = mulberry32(20240601);
  // Every high half with the low halves where rounding turns, then random patterns; exponents
  // 0 (subnormals) and 255 (inf, NaN) come up in both.
  const lowHalves = [0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff];
  const structured = 65536 * (lowHalves.length + 1);
  const randomCount = 3_000_000;
  const bits = new Uint32Array(structured + randomCount);
  let k = 0;
  for (let hi = 0; hi < 65536; hi++) {
    for (const lo of lowHalves) bits[k++] = ((hi << 16) | lo) >>> 0;
    bits[k++] = ((hi << 16) | (rnd() & 0xffff)) >>> 0;
  }
  for (let i = 0; i < randomCount; i++) {
    const r = rnd();
    // One in four gets an extreme exponent so subnormals, inf and NaN are common.
    const sel = r & 3;
    const x = rnd();
    bits[k++] = sel === 0 ? (x & 0x807fffff) | (r & 0x00800000 ? 0x7f800000 : 0) : x;
  }
  const src = new Float32Array(bits.buffer);
  // Read at a non-zero byte offset: the fast path must respect subarray views.
  const view = src.subarray(3);
  const out = new Uint16Array(view.length).fill(0x1234);
  encodeArray(view, 'bfloat16', out);
  const viaF64 = new Uint16Array(view.length);
  encodeArray(Float64Array.from(view), 'bfloat16', viaF64);
  const bf16 = FORMATS[1]!;
  expectAll(view.length, (i) => {
    const b = bits[i + 3]!;
    const isNaN32 = (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
    const scalar = bfloat16Bits(view[i]!);
    if (isNaN32) {
      return isNaNPattern(out[i]!, bf16) && isNaNPattern(scalar, bf16) && isNaNPattern(viaF64[i]!, bf16)
        ? undefined
        : `NaN 0x${b.toString(16)}: fast ${hex(out[i]!, bf16)}, scalar ${hex(scalar, bf16)}`;
    }
    if (out[i] !== scalar) return `0x${b.toString(16)} (${view[i]}): fast ${hex(out[i]!, bf16)}, scalar ${hex(scalar, bf16)}`;
    if (viaF64[i] !== scalar) return `0x${b.toString(16)}: Float64Array path ${hex(viaF64[i]!, bf16)}, scalar ${hex(scalar, bf16)}`;
    return undefined;
  });
});

// ---- float32 and int32, and the small helpers --------------------------------------------------------

describe('float32, int32 and dtype helpers', () => {
  test('float32 elements round to nearest float32; int32 elements truncate toward zero', () => {
    const xs = [1 + 2 ** -24, 1 + 2 ** -24 + 2 ** -50, -3.75, 1e39, -1e-50, NaN, -0];
    const out = new Float32Array(xs.length);
    encodeArray(xs, 'float32', out);
    expectAll(xs.length, (i) => {
      const want = Math.fround(xs[i]!);
      if (!sameValue(out[i]!, want)) return `float32 encodeArray(${xs[i]}) = ${out[i]}`;
      if (!sameValue(roundToDType(xs[i]!, 'float32'), want)) return `roundToDType(${xs[i]}, float32)`;
      return undefined;
    });
    assert.equal(out[0], 1); // tie to even
    assert.equal(out[1], 1 + 2 ** -23);
    const ints = new Int32Array(4);
    encodeArray([2.9, -2.9, 7, -(2 ** 31)], 'int32', ints);
    assert.deepEqual(Array.from(ints), [2, -2, 7, -(2 ** 31)]);
    assert.equal(roundToDType(-5.5, 'int32'), -5);
    assert.equal(decodeElement(-17, 'int32'), -17);
    assert.equal(decodeElement(0.1, 'float32'), 0.1);
    const back = new Float64Array(2);
    decodeArray(new Int32Array([-5, 2 ** 30]), 'int32', back);
    assert.deepEqual(Array.from(back), [-5, 2 ** 30]);
  });

  test('sizes, storage arrays and names', () => {
    const sizes: Record<DType, [number, string]> = {
      float32: [4, 'Float32Array'],
      float16: [2, 'Uint16Array'],
      bfloat16: [2, 'Uint16Array'],
      float8_e4m3: [1, 'Uint8Array'],
      float8_e5m2: [1, 'Uint8Array'],
      int32: [4, 'Int32Array'],
    };
    assert.deepEqual([...DTYPES].sort(), Object.keys(sizes).sort());
    for (const dt of DTYPES) {
      const [bytes, name] = sizes[dt];
      assert.equal(dtypeSize(dt), bytes, dt);
      assert.equal(hostArrayName(dt), name, dt);
      const a: HostArray = allocHostArray(dt, 5);
      assert.equal(a.constructor.name, name);
      assert.equal(a.length, 5);
      assert.equal(a.BYTES_PER_ELEMENT, bytes);
      assert.ok(a.every((v) => v === 0));
      assert.equal(isDType(dt), true);
      assert.equal(isFloatDType(dt), dt !== 'int32');
    }
    for (const bad of ['float64', 'fp16', 'Float16', 'bf16', '', 16, undefined, null, {}]) assert.equal(isDType(bad), false);
  });

  test('decode functions read only the low bits of their argument', () => {
    assert.equal(float16FromBits(0x13c00), 1);
    assert.equal(bfloat16FromBits(0x13f80), 1);
    assert.equal(float8E4m3FromBits(0x138), 1);
    assert.equal(float8E5m2FromBits(0x13c), 1);
  });
});
