/**
 * Kernel parameter structs written from TypeScript.
 *
 * A layout is declared field by field in the C++ header's order; offsets follow the C rules
 * (each field at a multiple of its alignment, the size a multiple of the largest alignment), and
 * a test compares them with the offsetof values the build emits from the real header.
 */
export type FieldType = 'ptr' | 'i64' | 'u64' | 'i32' | 'u32' | 'f32' | 'tensormap';

const FIELD_SIZE: Record<FieldType, number> = { ptr: 8, i64: 8, u64: 8, i32: 4, u32: 4, f32: 4, tensormap: 128 };
/** CUtensorMap is declared alignas(64) in cuda.h. */
const FIELD_ALIGN: Record<FieldType, number> = { ptr: 8, i64: 8, u64: 8, i32: 4, u32: 4, f32: 4, tensormap: 64 };

export interface StructLayout<F extends string = string> {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly offsets: Readonly<Record<F, number>>;
  readonly types: Readonly<Record<F, FieldType>>;
  /** A zeroed buffer with typed setters by field name. */
  writer(): StructWriter<F>;
}

export interface StructWriter<F extends string> {
  readonly bytes: Uint8Array;
  ptr(field: F, value: bigint): this;
  i64(field: F, value: number | bigint): this;
  u64(field: F, value: number | bigint): this;
  i32(field: F, value: number): this;
  u32(field: F, value: number): this;
  f32(field: F, value: number): this;
  /** Copies a 128-byte encoded CUtensorMap into the field. */
  tensormap(field: F, map: Uint8Array): this;
}

export function defineStruct<F extends string>(name: string, fields: readonly (readonly [F, FieldType])[]): StructLayout<F> {
  const offsets = {} as Record<F, number>;
  const types = {} as Record<F, FieldType>;
  let off = 0;
  let align = 1;
  for (const [f, t] of fields) {
    if (f in offsets) throw new Error(`defineStruct(${name}): field ${f} is declared twice`);
    const a = FIELD_ALIGN[t];
    off = Math.ceil(off / a) * a;
    offsets[f] = off;
    types[f] = t;
    off += FIELD_SIZE[t];
    align = Math.max(align, a);
  }
  const size = Math.ceil(off / align) * align;
  return {
    name,
    size,
    align,
    offsets,
    types,
    writer: () => new Writer<F>(name, size, offsets, types),
  };
}

class Writer<F extends string> implements StructWriter<F> {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(
    private readonly name: string,
    size: number,
    private readonly offsets: Record<F, number>,
    private readonly types: Record<F, FieldType>,
  ) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  private at(field: F, type: FieldType): number {
    const t = this.types[field];
    if (t === undefined) throw new Error(`${this.name}: no field ${field}`);
    if (t !== type && !(t === 'ptr' && type === 'u64')) throw new Error(`${this.name}.${field} is ${t}, written as ${type}`);
    return this.offsets[field];
  }
  ptr(field: F, value: bigint): this {
    this.dv.setBigUint64(this.at(field, 'ptr'), value, true);
    return this;
  }
  i64(field: F, value: number | bigint): this {
    this.dv.setBigInt64(this.at(field, 'i64'), BigInt(value), true);
    return this;
  }
  u64(field: F, value: number | bigint): this {
    this.dv.setBigUint64(this.at(field, 'u64'), BigInt(value), true);
    return this;
  }
  i32(field: F, value: number): this {
    this.dv.setInt32(this.at(field, 'i32'), value, true);
    return this;
  }
  u32(field: F, value: number): this {
    this.dv.setUint32(this.at(field, 'u32'), value, true);
    return this;
  }
  f32(field: F, value: number): this {
    this.dv.setFloat32(this.at(field, 'f32'), value, true);
    return this;
  }
  tensormap(field: F, map: Uint8Array): this {
    if (map.byteLength !== 128) throw new Error(`${this.name}.${field}: a tensor map is 128 bytes, got ${map.byteLength}`);
    this.bytes.set(map, this.at(field, 'tensormap'));
    return this;
  }
}
