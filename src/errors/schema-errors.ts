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
