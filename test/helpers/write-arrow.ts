/**
 * Exact Arrow test data for writer tests, built buffer by buffer with `makeData` (not with
 * `vectorFromArray`, whose timestamp and date builders take milliseconds as JS numbers): every
 * value is stored exactly as given.
 *
 * Values per Arrow type: Int8/16/32 and Float numbers; Int64 bigints; Bool booleans; Utf8
 * strings; Binary `Uint8Array`s; DateDay day numbers; Timestamp bigints in the type's unit;
 * Decimal bigints (the unscaled value); Struct plain objects; List arrays; Map arrays of
 * `[key, value]` pairs. `null` is null everywhere.
 */
import { type Data, type DataType, Field, RecordBatch, Schema, Struct, Table, Type, makeData } from "apache-arrow";

const utf8 = new TextEncoder();

function bitmap(flags: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(Math.max(1, Math.ceil(flags.length / 8)));
  flags.forEach((on, i) => {
    if (on) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}

/** The Arrow data of `values` as `type` (see the module notes for the value forms). */
export function arrowData(type: DataType, values: readonly unknown[]): Data {
  const valid = values.map((v) => v !== null && v !== undefined);
  const nullCount = valid.filter((v) => !v).length;
  const base = { type, length: values.length, nullCount, nullBitmap: nullCount > 0 ? bitmap(valid) : undefined };
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp: {
      const ArrayType = type.ArrayType as unknown as { from(v: unknown[]): ArrayBufferView };
      const zero = (ArrayType as unknown) === BigInt64Array ? 0n : 0;
      return makeData({ ...base, data: ArrayType.from(values.map((v) => v ?? zero)) } as never);
    }
    case Type.Bool:
      return makeData({ ...base, data: bitmap(values.map((v) => v === true)) } as never);
    case Type.Decimal: {
      const words = new Uint32Array(values.length * 4);
      values.forEach((v, i) => {
        let rest = BigInt.asUintN(128, (v as bigint | null) ?? 0n);
        for (let k = 0; k < 4; k++, rest >>= 32n) words[i * 4 + k] = Number(rest & 0xffffffffn);
      });
      return makeData({ ...base, data: words } as never);
    }
    case Type.Utf8:
    case Type.Binary: {
      const chunks = values.map((v) =>
        v === null || v === undefined ? new Uint8Array(0) : typeof v === "string" ? utf8.encode(v) : (v as Uint8Array),
      );
      const offsets = new Int32Array(values.length + 1);
      chunks.forEach((c, i) => (offsets[i + 1] = offsets[i]! + c.length));
      const bytes = new Uint8Array(offsets[values.length]!);
      chunks.forEach((c, i) => bytes.set(c, offsets[i]!));
      return makeData({ ...base, valueOffsets: offsets, data: bytes } as never);
    }
    case Type.Struct: {
      const fields = type.children as Field[];
      const children = fields.map((f) =>
        arrowData(
          f.type,
          values.map((v) => (v === null || v === undefined ? null : ((v as Record<string, unknown>)[f.name] ?? null))),
        ),
      );
      return makeData({ ...base, children } as never);
    }
    case Type.List: {
      const lists = values.map((v) => (v ?? []) as unknown[]);
      const offsets = new Int32Array(values.length + 1);
      lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.length));
      const child = arrowData((type.children[0] as Field).type, lists.flat(1));
      return makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    case Type.Map: {
      const pairs = values.map((v) => (v ?? []) as Array<[unknown, unknown]>);
      const offsets = new Int32Array(values.length + 1);
      pairs.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
      const entriesType = (type.children[0] as Field).type as Struct;
      const flat = pairs.flat(1).map(([key, value]) => ({ key, value }));
      const child = arrowData(entriesType, flat);
      return makeData({ ...base, valueOffsets: offsets, child } as never);
    }
  }
  throw new Error(`arrowData: unsupported type ${String(type)}`);
}

/** A column of a test batch: its field and its values. */
export type TestColumn = [field: Field, values: readonly unknown[]];

/** One record batch of the given columns (all the same length). */
export function testBatch(columns: readonly TestColumn[]): RecordBatch {
  const schema = new Schema(columns.map(([f]) => f));
  const length = columns[0]?.[1].length ?? 0;
  const children = columns.map(([f, values]) => arrowData(f.type, values));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/** An Arrow table of one batch of the given columns. */
export function testTable(columns: readonly TestColumn[]): Table {
  return new Table([testBatch(columns)]);
}

/** A field, nullable unless told otherwise. */
export function field(name: string, type: DataType, nullable = true): Field {
  return new Field(name, type, nullable);
}
