/**
 * Errors about table schemas and data that does not fit them.
 */
import { LakelogError } from "./base.js";

/** A schema string (or type) in the log is not valid Delta schema JSON. */
export class InvalidSchemaError extends LakelogError {
  readonly code = "INVALID_SCHEMA";
  constructor(
    readonly fieldPath: string,
    detail: string,
  ) {
    super(`invalid table schema${fieldPath ? ` at ${fieldPath}` : ""}: ${detail}`);
  }
}

/** Data offered for writing does not match the table schema; nothing was written. */
export class SchemaMismatchError extends LakelogError {
  readonly code = "SCHEMA_MISMATCH";
  constructor(
    readonly fieldPath: string,
    readonly expected: string,
    readonly actual: string,
    detail: string,
  ) {
    super(`schema mismatch at ${fieldPath}: ${detail} (table has ${expected}, data has ${actual})`);
  }
}

/**
 * No column type can be inferred from plain-object rows: the column is null (or an empty array
 * or map) in every row, or its values mix kinds that have no common type. `columnPath` is the
 * dotted path (`tags.element`, `attrs.value` for list elements and map values); empty when the
 * whole input is unusable (no rows and no schema).
 */
export class SchemaInferenceError extends LakelogError {
  readonly code = "SCHEMA_INFERENCE_FAILED";
  constructor(
    readonly columnPath: string,
    readonly reason: string,
  ) {
    super(`cannot infer a column type${columnPath ? ` for ${columnPath}` : ""}: ${reason} (pass a schema, or make the values agree)`);
  }
}
