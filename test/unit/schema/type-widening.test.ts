import { describe, expect, it } from "vitest";
import {
  isIcebergIncompatibleChange,
  isImplicitUpcast,
  isSchemaEvolutionWidening,
  isSupportedTypeChange,
} from "../../../src/schema/type-widening.js";
import type { DataType } from "../../../src/schema/types.js";

// [from, to, silent writer upcast, automatic widening in a merge, allowed by the protocol, refused under Iceberg compat]
const CASES: [DataType, DataType, boolean, boolean, boolean, boolean][] = [
  ["byte", "short", true, true, true, false],
  ["byte", "integer", true, true, true, false],
  ["byte", "long", true, true, true, false],
  ["short", "integer", true, true, true, false],
  ["short", "long", true, true, true, false],
  ["integer", "long", true, true, true, false],
  ["float", "double", true, true, true, false],
  ["byte", "double", true, false, true, true],
  ["integer", "double", true, false, true, true],
  ["long", "double", false, false, false, false],
  ["integer", "decimal(10,0)", true, false, true, true],
  ["integer", "decimal(12,2)", true, false, true, true],
  ["integer", "decimal(9,0)", false, false, false, false],
  ["long", "decimal(20,0)", true, false, true, true],
  ["long", "decimal(20,1)", false, false, false, false],
  ["decimal(10,2)", "decimal(12,2)", true, true, true, false],
  ["decimal(10,2)", "decimal(12,4)", true, true, true, true],
  ["decimal(10,2)", "decimal(12,5)", false, false, false, false],
  ["decimal(10,2)", "decimal(10,1)", false, false, false, false],
  ["date", "timestamp_ntz", true, true, true, true],
  ["date", "timestamp", false, false, false, false],
  ["timestamp", "timestamp_ntz", false, false, false, false],
  ["long", "integer", false, false, false, false],
  ["double", "float", false, false, false, false],
  ["string", "binary", false, false, false, false],
  ["integer", "integer", false, false, false, false],
];

describe("type change tiers", () => {
  it.each(CASES)("%s → %s: upcast %s, evolution %s, protocol %s, iceberg-refused %s", (from, to, upcast, evolution, supported, iceberg) => {
    expect(isImplicitUpcast(from, to)).toBe(upcast);
    expect(isSchemaEvolutionWidening(from, to)).toBe(evolution);
    expect(isSupportedTypeChange(from, to)).toBe(supported);
    if (supported) expect(isIcebergIncompatibleChange(from, to)).toBe(iceberg);
  });

  it("never treats nested types as primitive changes", () => {
    const array: DataType = { type: "array", elementType: "integer", containsNull: true };
    expect(isImplicitUpcast(array, array)).toBe(false);
    expect(isSchemaEvolutionWidening("integer", array)).toBe(false);
  });
});
