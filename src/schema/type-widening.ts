/**
 * Which primitive type changes a write may make, in three tiers:
 *
 * 1. {@link isImplicitUpcast}: data of a narrower type written into a wider table column, cast
 *    by the writer without changing the table (every value converts exactly):
 *    byte → short → integer → long; byte/short/integer → double; float → double;
 *    decimal(p,s) → decimal(p+k1, s+k2) with k1 ≥ k2 ≥ 0; byte/short/integer → decimal(10+k1, k2)
 *    and long → decimal(20+k1, k2) with k1 ≥ k2 ≥ 0; date → timestamp_ntz (midnight). These are
 *    Spark's lossless `Cast.canUpCast` casts among the types Delta's widening rules know.
 * 2. {@link isSchemaEvolutionWidening}: the table column itself widened to the data's type during
 *    a `merge` write, on tables with type widening enabled. Delta's automatic set (Spark
 *    `TypeWideningShims.isTypeChangeSupportedForSchemaEvolution`): integer widening, float → double,
 *    decimal precision/scale increase (k1 ≥ k2 ≥ 0), date → timestamp_ntz.
 * 3. {@link isSupportedTypeChange}: everything the Type Widening protocol allows (tier 2 plus
 *    byte/short/integer → double and integers → decimal); Delta applies these only on an explicit
 *    ALTER COLUMN, never during a write, "to avoid accidental promotion of integer values to
 *    decimals" (Delta docs, Type widening).
 */
import { decimalParts, type DataType } from "./types.js";

const INTEGER_RANK: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
/** The narrowest decimal holding every value of each integer type (Type Widening RFC). */
const INTEGER_DIGITS: Record<string, number> = { byte: 10, short: 10, integer: 10, long: 20 };

/** decimal(p + k1, s + k2) with k1 ≥ k2 ≥ 0: every value of `from` fits `to` exactly. */
function isWiderDecimal(from: { precision: number; scale: number }, to: { precision: number; scale: number }): boolean {
  return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
}

function isIntegerWidening(from: DataType, to: DataType): boolean {
  const a = typeof from === "string" ? INTEGER_RANK[from] : undefined;
  const b = typeof to === "string" ? INTEGER_RANK[to] : undefined;
  return a !== undefined && b !== undefined && a < b;
}

function isIntegerToDecimal(from: DataType, to: DataType): boolean {
  const digits = typeof from === "string" ? INTEGER_DIGITS[from] : undefined;
  const decimal = decimalParts(to);
  return digits !== undefined && decimal !== undefined && isWiderDecimal({ precision: digits, scale: 0 }, decimal);
}

function isDecimalWidening(from: DataType, to: DataType): boolean {
  const a = decimalParts(from);
  const b = decimalParts(to);
  return a !== undefined && b !== undefined && (a.precision !== b.precision || a.scale !== b.scale) && isWiderDecimal(a, b);
}

const SMALL_INTEGER = new Set(["byte", "short", "integer"]);

/** True when values of primitive type `from` convert exactly to `to` and the writer may cast them silently (tier 1). */
export function isImplicitUpcast(from: DataType, to: DataType): boolean {
  if (typeof from !== "string" || typeof to !== "string" || from === to) return false;
  if (isIntegerWidening(from, to) || isDecimalWidening(from, to) || isIntegerToDecimal(from, to)) return true;
  if (from === "date" && to === "timestamp_ntz") return true;
  return to === "double" && (from === "float" || SMALL_INTEGER.has(from));
}

/** True when a `merge` write may widen a table column from `from` to `to` on a type-widening table (tier 2). */
export function isSchemaEvolutionWidening(from: DataType, to: DataType): boolean {
  if (typeof from !== "string" || typeof to !== "string" || from === to) return false;
  if (isIntegerWidening(from, to) || isDecimalWidening(from, to)) return true;
  return (from === "float" && to === "double") || (from === "date" && to === "timestamp_ntz");
}

/** True for every type change the Type Widening protocol allows (tier 3). */
export function isSupportedTypeChange(from: DataType, to: DataType): boolean {
  if (isSchemaEvolutionWidening(from, to) || isIntegerToDecimal(from, to)) return true;
  return to === "double" && typeof from === "string" && SMALL_INTEGER.has(from);
}

/**
 * Type changes Iceberg V2 cannot follow: refused when IcebergCompatV1/V2 is on (Type Widening RFC,
 * writer requirements): byte/short/integer → double, date → timestamp_ntz, a decimal scale
 * increase, integers → decimal.
 */
export function isIcebergIncompatibleChange(from: DataType, to: DataType): boolean {
  if (to === "double" && typeof from === "string" && SMALL_INTEGER.has(from)) return true;
  if (from === "date" && to === "timestamp_ntz") return true;
  if (isIntegerToDecimal(from, to)) return true;
  const a = decimalParts(from);
  const b = decimalParts(to);
  return a !== undefined && b !== undefined && b.scale > a.scale;
}
