/**
 * Building Arrow columns from JS values of plain-object rows, for a given Arrow type (a table's
 * or an inferred one). Accepted values per type:
 *
 * - Int8/16/32/64: integer numbers or bigints within the type's range;
 * - Float32/64: numbers (bigints are converted);
 * - Utf8: strings; Binary: `Uint8Array`s; Bool: booleans;
 * - Date32: `Date`s (the UTC day) or `YYYY-MM-DD` strings;
 * - Timestamp: `Date`s, ISO-8601 strings (a zone-less one read as UTC), or bigints in the
 *   type's unit;
 * - Decimal: numbers, bigints or decimal strings whose value fits the precision at the scale;
 * - Struct: plain objects (missing keys are null; unknown keys are refused);
 * - List: arrays; Map: `Map`s or plain objects;
 * - a variant field (extension name `arrow.parquet.variant`): any value `encodeVariant` takes
 *   (JSON-like values, `Date`, `Uint8Array`, bigint...), encoded on the way, or an
 *   `EncodedVariant` (what `encodeVariant` returns) written as it is; `null`/`undefined` is a
 *   NULL variant column (write `encodeVariant(null)` for a variant holding JSON null).
 *
 * `null` and `undefined` are nulls; in a non-nullable field, and any value that does not fit,
 * they give a {@link SchemaMismatchError} naming the column path. Pure.
 */
import { type Data, type DataType, type Decimal, type Field, makeData, type Timestamp, TimeUnit, Type } from "apache-arrow";
import { NullConstraintError } from "../../errors/constraint-errors.js";
import { SchemaMismatchError } from "../../errors/schema-errors.js";
import { parseTimestampText, timestampToMicros } from "../../expr/time.js";
import { parseDateText, parseDecimalText, pow10, rescaleDecimal } from "../../expr/values.js";
import { floorDiv } from "../../util/bigint.js";
import { EncodedVariant, encodeVariant, isVariantField } from "../../variant/index.js";
import { describeValue, isPlainObject } from "./rows-infer.js";

/** Accumulates one column's values. */
export interface ColumnBuilder {
  append(value: unknown): void;
  finish(): Data;
}

const utf8 = new TextEncoder();

function mismatch(path: string, type: DataType, value: unknown, detail: string): SchemaMismatchError {
  return new SchemaMismatchError(path, String(type), describeValue(value), detail);
}

/** A builder for values of `field`'s type; `path` names the column in errors. */
export function builderFor(field: Field, path: string): ColumnBuilder {
  return new Column(field.type, field.nullable, path, isVariantField(field));
}

class Column implements ColumnBuilder {
  private length = 0;
  private nulls = 0;
  private readonly valid: number[] = [];
  private readonly values: unknown[] = [];
  private readonly offsets: number[] = [0];
  private readonly children: Column[];
  private readonly convert: (v: unknown) => unknown;
  /** Struct fields by name and by lower-cased name. */
  private readonly fieldIndex = new Map<string, number>();

  constructor(
    private readonly type: DataType,
    private readonly nullable: boolean,
    private readonly path: string,
    /** A variant column: values are encoded into the metadata and value children. */
    private readonly variant = false,
  ) {
    const fields = (type.children ?? []) as Field[];
    if (type.typeId === Type.Map) {
      const [key, value] = fields[0]!.type.children as Field[];
      this.children = [
        new Column(key!.type, false, `${path}.key`),
        new Column(value!.type, value!.nullable, `${path}.value`, isVariantField(value!)),
      ];
    } else if (type.typeId === Type.List) {
      this.children = [new Column(fields[0]!.type, fields[0]!.nullable, `${path}.element`, isVariantField(fields[0]!))];
    } else {
      this.children = fields.map((f) => new Column(f.type, f.nullable, `${path}.${f.name}`, isVariantField(f)));
      fields.forEach((f, i) => {
        this.fieldIndex.set(f.name, i);
        if (!this.fieldIndex.has(f.name.toLowerCase())) this.fieldIndex.set(f.name.toLowerCase(), i);
      });
    }
    this.convert = converterFor(type, path);
  }

  append(value: unknown): void {
    if (value === null || value === undefined) {
      if (!this.nullable) throw new NullConstraintError(this.path, this.length, 1);
      this.valid.push(0);
      this.nulls++;
      this.appendEmpty();
    } else {
      this.valid.push(1);
      this.appendValue(value);
    }
    this.length++;
  }

  private appendEmpty(): void {
    switch (this.type.typeId) {
      case Type.Struct:
        for (const c of this.children) c.appendLoose();
        return;
      case Type.List:
      case Type.Map:
      case Type.Utf8:
      case Type.Binary:
        this.offsets.push(this.offsets[this.offsets.length - 1]!);
        return;
      default:
        this.values.push(undefined);
    }
  }

  /** Appends a null under a null parent: children of a null struct may be null whatever their nullability. */
  private appendLoose(): void {
    this.valid.push(0);
    this.nulls++;
    this.appendEmpty();
    this.length++;
  }

  private appendValue(value: unknown): void {
    if (this.variant) return this.appendVariant(value);
    switch (this.type.typeId) {
      case Type.Struct:
        return this.appendStruct(value);
      case Type.List: {
        if (!Array.isArray(value)) throw mismatch(this.path, this.type, value, "expected an array");
        for (const e of value) this.children[0]!.append(e);
        this.offsets.push(this.children[0]!.length);
        return;
      }
      case Type.Map: {
        const entries = value instanceof Map ? [...value] : isPlainObject(value) ? Object.entries(value) : undefined;
        if (!entries) throw mismatch(this.path, this.type, value, "expected a Map or a plain object");
        for (const [k, v] of entries) {
          this.children[0]!.append(k);
          this.children[1]!.append(v);
        }
        this.offsets.push(this.children[0]!.length);
        return;
      }
      case Type.Utf8:
      case Type.Binary: {
        const bytes = this.convert(value) as Uint8Array;
        this.values.push(bytes);
        this.offsets.push(this.offsets[this.offsets.length - 1]! + bytes.length);
        return;
      }
      default:
        this.values.push(this.convert(value));
    }
  }

  private appendVariant(value: unknown): void {
    const encoded = value instanceof EncodedVariant ? value : encodeVariant(value, this.path);
    this.children[this.fieldIndex.get("metadata")!]!.append(encoded.metadata);
    this.children[this.fieldIndex.get("value")!]!.append(encoded.value);
  }

  private appendStruct(value: unknown): void {
    if (!isPlainObject(value)) throw mismatch(this.path, this.type, value, "expected a plain object");
    const row: unknown[] = new Array(this.children.length);
    for (const key of Object.keys(value)) {
      const i = this.fieldIndex.get(key) ?? this.fieldIndex.get(key.toLowerCase());
      if (i === undefined) throw mismatch(`${this.path}.${key}`, this.type, value[key], "the struct has no such field");
      row[i] = value[key];
    }
    this.children.forEach((c, i) => c.append(row[i]));
  }

  finish(): Data {
    const nullBitmap = this.nulls > 0 ? packBits(this.valid) : undefined;
    const base = { type: this.type, length: this.length, nullCount: this.nulls, nullBitmap };
    switch (this.type.typeId) {
      case Type.Struct:
        return makeData({ ...base, children: this.children.map((c) => c.finish()) } as never);
      case Type.List:
      case Type.Map:
        return makeData({
          ...base,
          valueOffsets: Int32Array.from(this.offsets),
          child: this.children.length === 1 ? this.children[0]!.finish() : this.entries(),
        } as never);
      case Type.Utf8:
      case Type.Binary: {
        const bytes = new Uint8Array(this.offsets[this.offsets.length - 1]!);
        let at = 0;
        for (const v of this.values as Uint8Array[]) {
          bytes.set(v, at);
          at += v.length;
        }
        return makeData({ ...base, valueOffsets: Int32Array.from(this.offsets), data: bytes } as never);
      }
      default:
        return makeData({ ...base, data: this.valueArray() } as never);
    }
  }

  private entries(): Data {
    const struct = this.type.children[0]!.type;
    const children = this.children.map((c) => c.finish());
    return makeData({ type: struct, length: children[0]!.length, nullCount: 0, children } as never);
  }

  private valueArray(): ArrayBufferView {
    const t = this.type;
    if (t.typeId === Type.Bool) return packBits(this.values.map((v) => (v === true ? 1 : 0)));
    if (t.typeId === Type.Decimal) {
      const words = new Uint32Array(this.values.length * 4);
      this.values.forEach((v, i) => {
        let rest = BigInt.asUintN(128, (v as bigint | undefined) ?? 0n);
        for (let k = 0; k < 4; k++, rest >>= 32n) words[i * 4 + k] = Number(rest & 0xffffffffn);
      });
      return words;
    }
    const ArrayType = t.ArrayType as unknown as { from(values: unknown[]): ArrayBufferView };
    const zero = ArrayType === (BigInt64Array as unknown) ? 0n : 0;
    return ArrayType.from(this.values.map((v) => v ?? zero));
  }
}

function packBits(flags: readonly number[]): Uint8Array {
  const out = new Uint8Array(((flags.length + 63) & ~63) >> 3);
  for (let i = 0; i < flags.length; i++) if (flags[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

const INT_RANGE: Record<number, [bigint, bigint]> = {
  8: [-128n, 127n],
  16: [-32768n, 32767n],
  32: [-(2n ** 31n), 2n ** 31n - 1n],
  64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** The conversion of one non-null JS value to what the type's value buffer holds. */
function converterFor(type: DataType, path: string): (v: unknown) => unknown {
  const fail = (v: unknown, detail: string): never => {
    throw mismatch(path, type, v, detail);
  };
  switch (type.typeId) {
    case Type.Int: {
      const bits = (type as unknown as { bitWidth: number; isSigned: boolean }).bitWidth;
      const [lo, hi] = INT_RANGE[bits]!;
      return (v) => {
        const n = typeof v === "bigint" ? v : typeof v === "number" && Number.isInteger(v) ? BigInt(v) : fail(v, "expected an integer");
        if (n < lo || n > hi) fail(v, `out of range for a ${bits}-bit integer`);
        return bits === 64 ? n : Number(n);
      };
    }
    case Type.Float:
      return (v) => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : fail(v, "expected a number"));
    case Type.Utf8:
      return (v) => (typeof v === "string" ? utf8.encode(v) : fail(v, "expected a string"));
    case Type.Binary:
      return (v) => (v instanceof Uint8Array ? v : fail(v, "expected a Uint8Array"));
    case Type.Bool:
      return (v) => (typeof v === "boolean" ? v : fail(v, "expected a boolean"));
    case Type.Date:
      return (v) => {
        const days =
          v instanceof Date && !Number.isNaN(v.getTime())
            ? Math.floor(v.getTime() / 86_400_000)
            : typeof v === "string"
              ? parseDateText(v)
              : undefined;
        if (days === undefined) return fail(v, "expected a Date or YYYY-MM-DD");
        return days < -2147483648 || days > 2147483647 ? fail(v, "out of range for a 32-bit date") : days;
      };
    case Type.Timestamp:
      return timestampConverter(type as Timestamp, fail);
    case Type.Decimal:
      return decimalConverter(type as Decimal, fail);
    case Type.Struct:
    case Type.List:
    case Type.Map:
      return (v) => v;
    default:
      throw new SchemaMismatchError(path, String(type), "JS values", "plain-object rows cannot be turned into this Arrow type");
  }
}

const PER_MICRO: Record<number, [bigint, bigint]> = {
  [TimeUnit.SECOND]: [1n, 1_000_000n],
  [TimeUnit.MILLISECOND]: [1n, 1000n],
  [TimeUnit.MICROSECOND]: [1n, 1n],
  [TimeUnit.NANOSECOND]: [1000n, 1n],
};

function timestampConverter(type: Timestamp, fail: (v: unknown, detail: string) => never): (v: unknown) => bigint {
  const [mul, div] = PER_MICRO[type.unit]!;
  const fromMicros = (us: bigint) => floorDiv(us * mul, div);
  const [lo, hi] = INT_RANGE[64]!;
  const inRange = (v: unknown, n: bigint): bigint => (n < lo || n > hi ? fail(v, "out of range for a 64-bit timestamp") : n);
  return (v) => {
    if (typeof v === "bigint") return inRange(v, v);
    if (v instanceof Date && !Number.isNaN(v.getTime())) return inRange(v, fromMicros(BigInt(v.getTime()) * 1000n));
    const parsed = typeof v === "string" ? parseTimestampText(v) : undefined;
    return parsed ? inRange(v, fromMicros(timestampToMicros(parsed))) : fail(v, "expected a Date, an ISO-8601 string or a bigint");
  };
}

function decimalConverter(type: Decimal, fail: (v: unknown, detail: string) => never): (v: unknown) => bigint {
  const limit = pow10(type.precision);
  return (v) => {
    const text =
      typeof v === "number" && Number.isFinite(v) ? String(v) : typeof v === "bigint" || typeof v === "string" ? String(v) : undefined;
    const parsed = text === undefined ? undefined : parseDecimalText(text);
    if (!parsed) return fail(v, "expected a number, bigint or decimal string");
    const { unscaled, exact } = rescaleDecimal(parsed, type.scale);
    if (!exact) fail(v, `more than ${type.scale} fractional digits`);
    if (unscaled <= -limit || unscaled >= limit) fail(v, `does not fit precision ${type.precision}`);
    return unscaled;
  };
}
