/**
 * Turning parsed text (CSV fields) or JSON values (NDJSON) into Arrow columns of a Delta type,
 * and inferring Delta types from samples when no schema is known.
 */
import {
  Field,
  RecordBatch,
  Schema,
  Struct,
  makeData,
  type Timestamp,
  vectorFromArray,
  type Data,
  type DataType as ArrowType,
} from "apache-arrow";
import { toArrowType, type DataType, type StructField } from "../../index.js";
import { CliError } from "../exit.js";

/** A value that does not fit its column. */
export function badValue(column: string, row: number, value: unknown, type: DataType): CliError {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : JSON.stringify(value);
  const typeName = typeof type === "string" ? type : type.type;
  return new CliError("CLI_BAD_INPUT", `row ${row}, column ${column}: ${shown} is not a ${typeName} (give the column types with --schema)`);
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(NaN|Infinity|inf)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const INT_RANGES: Record<string, [number, number]> = { integer: [-(2 ** 31), 2 ** 31 - 1], short: [-32768, 32767], byte: [-128, 127] };

/** Microseconds since the epoch of an ISO-8601 text; `zoned` false reads it as wall-clock UTC. */
export function parseTimestampMicros(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) {
    if (DATE.test(text.trim())) return BigInt(Date.parse(`${text.trim()}T00:00:00Z`)) * 1000n;
    return undefined;
  }
  const zone = m[6] === undefined || m[6].toUpperCase() === "Z" ? "Z" : m[6].length === 5 ? `${m[6].slice(0, 3)}:${m[6].slice(3)}` : m[6];
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? "00"}${zone}`);
  if (!Number.isFinite(ms)) return undefined;
  const fraction = (m[5] ?? "").padEnd(6, "0").slice(0, 6);
  return BigInt(ms) * 1000n + BigInt(fraction);
}

/** The unscaled value of a decimal text at `scale`; undefined when it does not parse or would lose digits. */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const fraction = m[3] ?? "";
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) return undefined;
  const digits = `${m[2]}${fraction.slice(0, scale).padEnd(scale, "0")}`;
  const value = BigInt(digits === "" ? "0" : digits);
  return m[1] === "-" ? -value : value;
}

function decimalWords(unscaled: bigint): Uint32Array {
  const words = new Uint32Array(4);
  let x = BigInt.asUintN(128, unscaled);
  for (let k = 0; k < 4; k++) {
    words[k] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
  return words;
}

/** The value apache-arrow's builders take for `type`, from text or a JSON value; throws for misfits. */
export function builderValue(type: DataType, v: unknown, where: () => CliError): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type !== "string") return nestedValue(type, v, where);
  const text = typeof v === "string" ? v : undefined;
  switch (type) {
    case "string":
      return text ?? JSON.stringify(v);
    case "long":
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      if (text !== undefined && INTEGER.test(text.trim())) return BigInt(text.trim());
      throw where();
    case "integer":
    case "short":
    case "byte": {
      const n = typeof v === "number" ? v : text !== undefined && INTEGER.test(text.trim()) ? Number(text) : NaN;
      const [lo, hi] = INT_RANGES[type]!;
      if (!Number.isInteger(n) || n < lo || n > hi) throw where();
      return n;
    }
    case "float":
    case "double": {
      const n =
        typeof v === "number"
          ? v
          : text !== undefined && NUMBER.test(text.trim())
            ? Number(text.trim().replace(/^([+-]?)inf$/i, "$1Infinity"))
            : NaN;
      if (Number.isNaN(n) && !(text !== undefined && /nan/i.test(text))) throw where();
      return n;
    }
    case "boolean":
      if (typeof v === "boolean") return v;
      if (text !== undefined && /^(true|false)$/i.test(text.trim())) return text.trim().toLowerCase() === "true";
      throw where();
    case "date": {
      const ms = text !== undefined && DATE.test(text.trim()) ? Date.parse(`${text.trim()}T00:00:00Z`) : NaN;
      if (!Number.isFinite(ms)) throw where();
      return new Date(ms);
    }
    case "timestamp":
    case "timestamp_ntz": {
      const micros = typeof v === "number" ? BigInt(Math.round(v)) * 1000n : text !== undefined ? parseTimestampMicros(text) : undefined;
      if (micros === undefined) throw where();
      return micros;
    }
    case "binary":
      return new TextEncoder().encode(text ?? JSON.stringify(v));
    default: {
      const scale = /^decimal\(\d+,\s*(\d+)\)$/.exec(type)?.[1];
      if (scale === undefined) throw where();
      const unscaled = parseDecimal(typeof v === "number" ? String(v) : (text ?? ""), Number(scale));
      if (unscaled === undefined) throw where();
      return decimalWords(unscaled);
    }
  }
}

/** Nested values (NDJSON): timestamps inside go to the builders as milliseconds. */
function nestedValue(type: Exclude<DataType, string>, v: unknown, where: () => CliError): unknown {
  const inner = (t: DataType, x: unknown): unknown => {
    const value = builderValue(t, x, where);
    return typeof value === "bigint" && (t === "timestamp" || t === "timestamp_ntz") ? Number(value / 1000n) : value;
  };
  if (type.type === "array") {
    if (!Array.isArray(v)) throw where();
    return v.map((x) => inner(type.elementType, x));
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw where();
  if (type.type === "map") return new Map(Object.entries(v).map(([k, x]) => [inner(type.keyType, k), inner(type.valueType, x)]));
  const record = v as Record<string, unknown>;
  return Object.fromEntries(type.fields.map((f) => [f.name, inner(f.type, record[f.name])]));
}

/** One Arrow column of `type` from builder values (top-level timestamps as microsecond bigints). */
export function columnData(type: DataType, values: unknown[]): Data {
  const arrowType = toArrowType(type) as ArrowType;
  if (type === "timestamp" || type === "timestamp_ntz") {
    const micros = new BigInt64Array(values.length);
    const validity = new Uint8Array(Math.ceil(values.length / 8));
    let nulls = 0;
    values.forEach((v, i) => {
      if (v === null) nulls++;
      else {
        micros[i] = v as bigint;
        validity[i >> 3]! |= 1 << (i & 7);
      }
    });
    const type0 = arrowType as unknown as Timestamp;
    return makeData({
      type: type0,
      length: values.length,
      nullCount: nulls,
      nullBitmap: nulls ? validity : null,
      data: micros,
    }) as unknown as Data;
  }
  return vectorFromArray(values, arrowType).data[0]! as Data;
}

/** A record batch of `fields` from columns of builder values. */
export function batchOf(fields: StructField[], columns: unknown[][], length: number): RecordBatch {
  const children = fields.map((f, k) => columnData(f.type, columns[k]!));
  const schema = new Schema(fields.map((f, k) => new Field(f.name, children[k]!.type, true)));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/** The narrowest Delta type every non-null CSV text in `samples` fits. */
export function inferTextType(samples: Array<string | null>): DataType {
  const present = samples.filter((s): s is string => s !== null).map((s) => s.trim());
  if (present.length === 0) return "string";
  if (present.every((s) => INTEGER.test(s) && BigInt.asIntN(64, BigInt(s)) === BigInt(s))) return "long";
  if (present.every((s) => NUMBER.test(s))) return "double";
  if (present.every((s) => /^(true|false)$/i.test(s))) return "boolean";
  if (present.every((s) => DATE.test(s))) return "date";
  const stamps = present.map((s) => TIMESTAMP.exec(s));
  if (stamps.every((m) => m !== null)) return stamps.every((m) => m![6] !== undefined) ? "timestamp" : "timestamp_ntz";
  return "string";
}

/** The Delta type of JSON values (NDJSON): integers → long, numbers → double, objects → struct, arrays → array. */
export function inferJsonType(samples: unknown[]): DataType {
  const present = samples.filter((s) => s !== null && s !== undefined);
  if (present.length === 0) return "string";
  if (present.every((s) => typeof s === "number"))
    return present.every((s) => Number.isInteger(s) && Number.isSafeInteger(s)) ? "long" : "double";
  if (present.every((s) => typeof s === "boolean")) return "boolean";
  if (present.every((s) => Array.isArray(s)))
    return { type: "array", elementType: inferJsonType(present.flatMap((s) => s as unknown[])), containsNull: true };
  if (present.every((s) => typeof s === "object" && !Array.isArray(s))) {
    const keys = [...new Set(present.flatMap((s) => Object.keys(s as object)))];
    return {
      type: "struct",
      fields: keys.map((k) => ({
        name: k,
        type: inferJsonType(present.map((s) => (s as Record<string, unknown>)[k])),
        nullable: true,
        metadata: {},
      })),
    };
  }
  return "string";
}
