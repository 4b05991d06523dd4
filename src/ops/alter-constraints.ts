/**
 * ALTER TABLE ADD / DROP CONSTRAINT: CHECK constraints live in table properties
 * (`delta.constraints.<name>`); adding one validates every existing row first, and upgrades the
 * protocol to the `checkConstraints` feature when needed.
 */
import { WriteRefusedError } from "../errors/txn-errors.js";
import type { Engine } from "../engine/index.js";
import type { Snapshot } from "../log/snapshot.js";
import { scanSnapshot } from "../scan/scan.js";
import { featuresRequiredBy, protocolDiffers, requiredProtocol } from "../txn/protocol-support.js";
import { Transaction, type CommitResult, type TransactionOptions } from "../txn/transaction.js";
import { constraintPropertyKey, validateExistingData } from "./write/constraints.js";

/**
 * Adds CHECK constraint `name` = `expression` after checking that every row of the snapshot
 * satisfies it (`ConstraintViolationError` with examples otherwise; nothing committed). I/O: a
 * full scan of the columns the expression reads, then one commit. The commit conflicts with any
 * concurrent change of data (it read the whole table).
 */
export async function addConstraint(
  engine: Engine,
  snapshot: Snapshot,
  constraint: { name: string; expression: string },
  options: TransactionOptions = {},
): Promise<CommitResult> {
  const { name, expression } = constraint;
  const key = constraintPropertyKey(name);
  if (snapshot.properties[key] !== undefined) {
    throw new WriteRefusedError(snapshot.tableUrl, `constraint ${name} already exists (${snapshot.properties[key]}); drop it first`);
  }
  await validateExistingData(
    scanSnapshot(snapshot, { engine }, { signal: options.signal }),
    { name, expression, schema: snapshot.schema },
    options,
  );
  const metadata = { ...snapshot.metadata, configuration: { ...snapshot.properties, [key]: expression } };
  const txn = new Transaction(engine, snapshot, options);
  txn.readWholeTable();
  txn.setMetadata(metadata);
  const protocol = requiredProtocol(featuresRequiredBy(metadata, snapshot.schema), snapshot.protocol);
  if (protocolDiffers(snapshot.protocol, protocol)) txn.setProtocol(protocol);
  return txn.commit({ operation: "ADD CONSTRAINT", operationParameters: { name, expr: expression } });
}

/** Removes CHECK constraint `name`; with `ifExists: false` (default) a missing one is an error. */
export async function dropConstraint(
  engine: Engine,
  snapshot: Snapshot,
  name: string,
  options: TransactionOptions & { ifExists?: boolean } = {},
): Promise<CommitResult | undefined> {
  const key = constraintPropertyKey(name);
  if (snapshot.properties[key] === undefined) {
    if (options.ifExists) return undefined;
    throw new WriteRefusedError(snapshot.tableUrl, `constraint ${name} does not exist`);
  }
  const configuration = { ...snapshot.properties };
  delete configuration[key];
  const txn = new Transaction(engine, snapshot, options);
  txn.setMetadata({ ...snapshot.metadata, configuration });
  return txn.commit({ operation: "DROP CONSTRAINT", operationParameters: { name } });
}
