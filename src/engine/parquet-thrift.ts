/**
 * A lossless codec for the Thrift compact protocol, the encoding of Parquet footers and page
 * indexes.
 *
 * Values decode into a generic tree ({@link ThriftStruct}: field id to value) that keeps every
 * field, known or not, so a footer can be edited (columns pruned, offsets shifted) and written
 * back without a schema of the whole format. Integers of 64 bits are `bigint`. Pure functions, no
 * I/O. Malformed input throws {@link ThriftDecodeError}.
 */

/** Compact-protocol type codes (the wire values). */
export enum TType {
  BoolTrue = 1,
  BoolFalse = 2,
  I8 = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
  Uuid = 13,
}

/** A struct: field id to value, in wire order. */
export type ThriftStruct = Map<number, ThriftValue>;

/** One decoded value. Booleans inside lists keep their raw byte so they re-encode identically. */
export type ThriftValue =
  | { t: TType.BoolTrue; v: boolean }
  | { t: TType.I8 | TType.I16 | TType.I32; v: number }
  | { t: TType.I64; v: bigint }
  | { t: TType.Double; v: number }
  | { t: TType.Binary | TType.Uuid; v: Uint8Array }
  | { t: TType.List | TType.Set; elem: TType; v: ThriftValue[] }
  | { t: TType.Map; key: TType; value: TType; v: [ThriftValue, ThriftValue][] }
  | { t: TType.Struct; v: ThriftStruct };

/** The bytes are not valid compact-protocol data. */
export class ThriftDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThriftDecodeError";
  }
}

const MAX_DEPTH = 64;
const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Reads compact-protocol values from a byte array, starting at `pos`. */
export class ThriftReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads one struct (up to and including its stop byte). */
  readStruct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftDecodeError("nesting too deep");
    const fields: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag32() : lastId + delta;
      lastId = id;
      if (type === TType.BoolTrue || type === TType.BoolFalse) {
        fields.set(id, { t: TType.BoolTrue, v: type === TType.BoolTrue });
      } else {
        fields.set(id, this.readValue(type, depth));
      }
    }
  }

  private readValue(type: number, depth: number): ThriftValue {
    switch (type) {
      case TType.BoolTrue:
      case TType.BoolFalse:
        // only reached for collection elements: one byte, 1 = true
        return { t: TType.BoolTrue, v: this.byte() === 1 };
      case TType.I8:
        return { t: TType.I8, v: (this.byte() << 24) >> 24 };
      case TType.I16:
        return { t: TType.I16, v: this.zigzag32() };
      case TType.I32:
        return { t: TType.I32, v: this.zigzag32() };
      case TType.I64:
        return { t: TType.I64, v: this.zigzag64() };
      case TType.Double: {
        this.need(8);
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return { t: TType.Double, v };
      }
      case TType.Binary:
        return { t: TType.Binary, v: this.binary() };
      case TType.Uuid:
        this.need(16);
        this.pos += 16;
        return { t: TType.Uuid, v: this.bytes.slice(this.pos - 16, this.pos) };
      case TType.List:
      case TType.Set: {
        const header = this.byte();
        const elem = header & 0x0f;
        let size = header >> 4;
        if (size === 15) size = this.varint32();
        if (size > this.bytes.byteLength - this.pos) throw new ThriftDecodeError(`list of ${size} elements overruns the buffer`);
        const v: ThriftValue[] = [];
        for (let i = 0; i < size; i++) v.push(this.readValue(elem, depth + 1));
        return { t: type, elem, v };
      }
      case TType.Map: {
        const size = this.varint32();
        if (size === 0) return { t: TType.Map, key: TType.Binary, value: TType.Binary, v: [] };
        const kinds = this.byte();
        const key = kinds >> 4;
        const value = kinds & 0x0f;
        if (size > this.bytes.byteLength - this.pos) throw new ThriftDecodeError(`map of ${size} entries overruns the buffer`);
        const v: [ThriftValue, ThriftValue][] = [];
        for (let i = 0; i < size; i++) v.push([this.readValue(key, depth + 1), this.readValue(value, depth + 1)]);
        return { t: TType.Map, key, value, v };
      }
      case TType.Struct:
        return { t: TType.Struct, v: this.readStruct(depth + 1) };
      default:
        throw new ThriftDecodeError(`unknown compact type ${type} at byte ${this.pos}`);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new ThriftDecodeError(`unexpected end of data at byte ${this.pos}`);
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  private varint32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new ThriftDecodeError("varint too long");
    }
  }

  private zigzag32(): number {
    const n = this.varint32();
    return (n >>> 1) ^ -(n & 1);
  }

  private zigzag64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) throw new ThriftDecodeError("varint too long");
    }
    return (result >> 1n) ^ -(result & 1n);
  }

  private binary(): Uint8Array {
    const n = this.varint32();
    this.need(n);
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }
}

/** Appends compact-protocol values to a growable buffer. */
export class ThriftWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  /** The bytes written so far (a copy-free view). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Writes a struct with its fields in ascending id order, then the stop byte. */
  writeStruct(fields: ThriftStruct): void {
    let lastId = 0;
    for (const id of [...fields.keys()].sort((a, b) => a - b)) {
      const value = fields.get(id) as ThriftValue;
      const type = value.t === TType.BoolTrue ? (value.v ? TType.BoolTrue : TType.BoolFalse) : value.t;
      const delta = id - lastId;
      if (delta > 0 && delta <= 15) {
        this.byte((delta << 4) | type);
      } else {
        this.byte(type);
        this.zigzag32(id);
      }
      lastId = id;
      if (value.t !== TType.BoolTrue) this.writeValue(value);
    }
    this.byte(0);
  }

  private writeValue(value: ThriftValue): void {
    switch (value.t) {
      case TType.BoolTrue:
        this.byte(value.v ? 1 : 2);
        return;
      case TType.I8:
        this.byte(value.v & 0xff);
        return;
      case TType.I16:
      case TType.I32:
        this.zigzag32(value.v);
        return;
      case TType.I64:
        this.zigzag64(value.v);
        return;
      case TType.Double: {
        this.reserve(8);
        new DataView(this.buf.buffer).setFloat64(this.len, value.v, true);
        this.len += 8;
        return;
      }
      case TType.Binary:
        this.varint32(value.v.byteLength);
        this.raw(value.v);
        return;
      case TType.Uuid:
        this.raw(value.v);
        return;
      case TType.List:
      case TType.Set:
        if (value.v.length < 15) {
          this.byte((value.v.length << 4) | value.elem);
        } else {
          this.byte(0xf0 | value.elem);
          this.varint32(value.v.length);
        }
        for (const item of value.v) this.writeValue(item);
        return;
      case TType.Map:
        this.varint32(value.v.length);
        if (value.v.length === 0) return;
        this.byte((value.key << 4) | value.value);
        for (const [k, v] of value.v) {
          this.writeValue(k);
          this.writeValue(v);
        }
        return;
      case TType.Struct:
        this.writeStruct(value.v);
        return;
    }
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.byteLength) return;
    const next = new Uint8Array(Math.max(this.buf.byteLength * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, this.len);
    this.len += bytes.byteLength;
  }

  private varint32(n: number): void {
    let v = n >>> 0;
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.byte(v);
  }

  private zigzag32(n: number): void {
    this.varint32((n << 1) ^ (n >> 31));
  }

  private zigzag64(n: bigint): void {
    let v = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
}

/** Decodes one struct from `bytes` (which may hold trailing data). */
export function decodeStruct(bytes: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const reader = new ThriftReader(bytes, offset);
  const value = reader.readStruct();
  return { value, end: reader.pos };
}

/** Encodes one struct. */
export function encodeStruct(value: ThriftStruct): Uint8Array {
  const writer = new ThriftWriter();
  writer.writeStruct(value);
  return writer.finish();
}

// --- typed accessors, so callers never switch on wire types themselves ---

/** The i32/i16/i8 field `id`, or undefined. */
export function getInt(s: ThriftStruct, id: number): number | undefined {
  const f = s.get(id);
  if (!f) return undefined;
  if (f.t === TType.I32 || f.t === TType.I16 || f.t === TType.I8) return f.v;
  if (f.t === TType.I64) return Number(f.v);
  return undefined;
}

/** The i64 field `id` (also accepts narrower ints), or undefined. */
export function getI64(s: ThriftStruct, id: number): bigint | undefined {
  const f = s.get(id);
  if (!f) return undefined;
  if (f.t === TType.I64) return f.v;
  if (f.t === TType.I32 || f.t === TType.I16 || f.t === TType.I8) return BigInt(f.v);
  return undefined;
}

/** The binary field `id` decoded as UTF-8, or undefined. */
export function getString(s: ThriftStruct, id: number): string | undefined {
  const f = s.get(id);
  return f && f.t === TType.Binary ? decoder.decode(f.v) : undefined;
}

/** The list field `id` as an array of values, or an empty array. */
export function getList(s: ThriftStruct, id: number): ThriftValue[] {
  const f = s.get(id);
  return f && (f.t === TType.List || f.t === TType.Set) ? f.v : [];
}

/** The list-of-structs field `id`. */
export function getStructList(s: ThriftStruct, id: number): ThriftStruct[] {
  return getList(s, id).flatMap((v) => (v.t === TType.Struct ? [v.v] : []));
}

/** The struct field `id`, or undefined. */
export function getStruct(s: ThriftStruct, id: number): ThriftStruct | undefined {
  const f = s.get(id);
  return f && f.t === TType.Struct ? f.v : undefined;
}

/** Makes an i64 value. */
export const i64 = (v: bigint | number): ThriftValue => ({ t: TType.I64, v: BigInt(v) });
/** Makes an i32 value. */
export const i32 = (v: number): ThriftValue => ({ t: TType.I32, v });
/** Makes an i16 value. */
export const i16 = (v: number): ThriftValue => ({ t: TType.I16, v });
/** Makes a binary value from a string. */
export const str = (v: string): ThriftValue => ({ t: TType.Binary, v: encoder.encode(v) });
/** Makes a list of structs. */
export const structList = (items: ThriftStruct[]): ThriftValue => ({
  t: TType.List,
  elem: TType.Struct,
  v: items.map((v) => ({ t: TType.Struct, v })),
});
