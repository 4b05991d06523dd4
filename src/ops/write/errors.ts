/**
 * Errors of turning user input into write batches (defined with the other schema errors).
 */
export { SchemaInferenceError } from "../../errors/schema-errors.js";
