/**
 * Errors of turning user input into write batches. (Belongs in `src/errors/schema-errors.ts`
 * next to `SchemaMismatchError`; kept here until that file is open to the writer.)
 */
import { LakelogError } from "../errors/base.js";

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
