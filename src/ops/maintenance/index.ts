/**
 * # ops/maintenance — keeping a table healthy
 *
 * Each operation is one file (plus helpers named after it) and one method on `DeltaTable`;
 * the guarantees are in spec/maintenance.md:
 * - `checkpoint*.ts`: classic, multi-part and v2 checkpoints written in Spark's layout, streamed
 *   from the snapshot's file index; `checkpoint-auto.ts` runs one after every
 *   `delta.checkpointInterval`-th commit without delaying or failing that commit;
 * - `log-cleanup.ts`: removes expired commits and checkpoints, keeping every retained version
 *   readable;
 * - `optimize*.ts`, `zorder.ts`, `clustering.ts`: bin-packing and z-order / liquid clustering,
 *   committed with `dataChange: false`;
 * - `vacuum*.ts`: lite (expired tombstones) and full (everything unreferenced) vacuum;
 * - `restore.ts`: one commit making the table equal to an earlier version.
 */
export { writeCheckpoint } from "./checkpoint.js";
export { cleanupExpiredLog } from "./log-cleanup.js";
export { optimizeTable } from "./optimize.js";
export { restoreTable } from "./restore.js";
export { vacuumTable } from "./vacuum.js";
