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
  /**
   * The byte offset of `field`, which must be of `type` (a ptr field is also u64); throws as a
   * setter by name would. For packers that run per kernel launch: they resolve their fields once
   * and write with the writer's setters by offset, which look nothing up.
   */
  offsetOf(field: F, type: FieldType): number;
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
  // Setters by byte offset, for offsets from StructLayout.offsetOf of the same type (not checked
  // again: resolving a field's offset by name cost more than the write, ~25 times a launch).
  ptrAt(offset: number, value: bigint): this;
  i64At(offset: number, value: number | bigint): this;
  i32At(offset: number, value: number): this;
  f32At(offset: number, value: number): this;
  tensormapAt(offset: number, map: Uint8Array): this;
}

export function defineStruct<F extends string>(name: string, fields: readonly (readonly [F, FieldType])[]): StructLayout<F> {
  const offsets = {} as Record<F, number>;
  const types = {} as Record<F, FieldType>;
  const slots = newSlots<F>();
  let off = 0;
  let align = 1;
  for (const [f, t] of fields) {
    if (f in offsets) throw new Error(`defineStruct(${name}): field ${f} is declared twice`);
    const a = FIELD_ALIGN[t];
    off = Math.ceil(off / a) * a;
    offsets[f] = off;
    types[f] = t;
    slots[t].set(f, off);
    if (t === 'ptr') slots.u64.set(f, off);
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
    writer: () => new Writer<F>(name, size, types, slots),
    offsetOf: (field, type) => offsetIn(name, types, slots, field, type),
  };
}

function offsetIn<F extends string>(name: string, types: Record<F, FieldType>, slots: Slots<F>, field: F, type: FieldType): number {
  const off = slots[type].get(field);
  if (off !== undefined) return off;
  const t = types[field];
  if (t === undefined) throw new Error(`${name}: no field ${field}`);
  throw new Error(`${name}.${field} is ${t}, written as ${type}`);
}

/**
 * The offsets each setter may write, one table per setter (a ptr field also takes u64), so a write
 * is one lookup: setters run for every kernel launch, and comparing field types per write showed
 * in profiles of the attention call.
 */
type Slots<F extends string> = Readonly<Record<FieldType, Map<F, number>>>;

function newSlots<F extends string>(): Record<FieldType, Map<F, number>> {
  return { ptr: new Map(), i64: new Map(), u64: new Map(), i32: new Map(), u32: new Map(), f32: new Map(), tensormap: new Map() };
}

const TWO_POW_32 = 2 ** 32;

class Writer<F extends string> implements StructWriter<F> {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(
    private readonly name: string,
    size: number,
    private readonly types: Record<F, FieldType>,
    private readonly slots: Slots<F>,
  ) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  private at(field: F, type: FieldType): number {
    return offsetIn(this.name, this.types, this.slots, field, type);
  }
  /**
   * Writes an integer as two 32-bit halves (converting it to a BigInt allocated on every write).
   * The bits are those of the value modulo 2^64, as setBigInt64 and setBigUint64 would write them:
   * for an integer-valued double every step here is exact.
   */
  private int64(off: number, value: number | bigint, type: 'i64' | 'u64', field: F | number): void {
    if (typeof value === 'bigint') {
      if (type === 'i64') this.dv.setBigInt64(off, value, true);
      else this.dv.setBigUint64(off, value, true);
      return;
    }
    if (!Number.isInteger(value)) throw new RangeError(`${this.name}.${this.label(field)}: ${type} must be an integer, got ${value}`);
    const hi = Math.floor(value / TWO_POW_32);
    this.dv.setUint32(off, value - hi * TWO_POW_32, true);
    this.dv.setInt32(off + 4, hi, true);
  }
  ptr(field: F, value: bigint): this {
    this.dv.setBigUint64(this.at(field, 'ptr'), value, true);
    return this;
  }
  i64(field: F, value: number | bigint): this {
    this.int64(this.at(field, 'i64'), value, 'i64', field);
    return this;
  }
  u64(field: F, value: number | bigint): this {
    this.int64(this.at(field, 'u64'), value, 'u64', field);
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
    return this.copyMap(this.at(field, 'tensormap'), map, field);
  }
  ptrAt(offset: number, value: bigint): this {
    this.dv.setBigUint64(offset, value, true);
    return this;
  }
  i64At(offset: number, value: number | bigint): this {
    this.int64(offset, value, 'i64', offset);
    return this;
  }
  i32At(offset: number, value: number): this {
    this.dv.setInt32(offset, value, true);
    return this;
  }
  f32At(offset: number, value: number): this {
    this.dv.setFloat32(offset, value, true);
    return this;
  }
  tensormapAt(offset: number, map: Uint8Array): this {
    return this.copyMap(offset, map, offset);
  }
  private copyMap(offset: number, map: Uint8Array, field: F | number): this {
    if (map.byteLength !== 128) throw new Error(`${this.name}.${this.label(field)}: a tensor map is 128 bytes, got ${map.byteLength}`);
    this.bytes.set(map, offset);
    return this;
  }
  /** A field's name for messages, also when a setter by offset was given its offset. */
  private label(field: F | number): string {
    if (typeof field === 'string') return field;
    for (const byName of Object.values(this.slots)) {
      for (const [name, off] of byName) if (off === field) return name;
    }
    return `(offset ${field})`;
  }
}
