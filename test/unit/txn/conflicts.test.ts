/**
 * The conflict rules as a table of Spark's classic cases: two transactions read the same
 * snapshot, the "winner" commits first, then the "loser" commits and must either rebase or fail
 * with the named error.
 */
import { describe, expect, it } from "vitest";
import { createEngine } from "../../../src/engine/index.js";
import type { AddFile, RemoveFile } from "../../../src/log/actions.js";
import { loadSnapshot } from "../../../src/log/snapshot.js";
import { checkConflicts, summarizeWinner, type TransactionSummary } from "../../../src/txn/conflicts.js";
import { Transaction } from "../../../src/txn/transaction.js";
import { add, logStore, metaData, protocol } from "../../helpers/log-builder.js";

type Step = (txn: Transaction) => void;

const file = (path: string, part = "a"): AddFile => ({ path, partitionValues: { part }, size: 1, modificationTime: 1, dataChange: true });
const removeOf = (path: string, part = "a"): RemoveFile => ({ path, partitionValues: { part }, deletionTimestamp: 1, dataChange: true });

const append =
  (path: string, part = "a"): Step =>
  (t) =>
    t.addFiles([file(path, part)]);
const deleteFile =
  (path: string, part = "a"): Step =>
  (t) => {
    t.readWith([file(path, part)], (a) => a.partitionValues.part === part);
    t.removeFiles([removeOf(path, part)]);
  };
const deleteWhole: Step = (t) => {
  t.readWholeTable();
  t.removeFiles([removeOf("p0")]);
};
const readPartition =
  (part: string): Step =>
  (t) =>
    t.readWith([], (a) => a.partitionValues.part === part);
const changeMetadata: Step = (t) => t.setMetadata(metaDataAction({ k: "v" }));
const changeProtocol: Step = (t) => t.setProtocol({ minReaderVersion: 1, minWriterVersion: 3 });
const appTxn =
  (app: string, v: number): Step =>
  (t) =>
    t.setAppTransaction(app, v);
const domain =
  (name: string): Step =>
  (t) =>
    t.setDomainMetadata({ domain: name, configuration: "{}", removed: false });

function metaDataAction(configuration: Record<string, string>) {
  return (metaData({ partitionColumns: ["part"], configuration }) as { metaData: never }).metaData;
}

async function race(winnerSteps: Step[], loserSteps: Step[], isolationLevel?: "Serializable" | "WriteSerializable") {
  const { store, commit } = logStore();
  await commit(0, [
    protocol(),
    metaData({ partitionColumns: ["part"] }),
    add("p0", { partitionValues: { part: "a" } }),
    add("p1", { partitionValues: { part: "b" } }),
  ]);
  const snapshot = await loadSnapshot(createEngine(store));
  const winner = new Transaction(createEngine(store), snapshot);
  const loser = new Transaction(createEngine(store), snapshot, { isolationLevel });
  winnerSteps.forEach((s) => s(winner));
  loserSteps.forEach((s) => s(loser));
  await winner.commit({ operation: "WINNER" });
  return loser.commit({ operation: "LOSER" });
}

describe("conflict rules (winner commits first, loser must rebase or fail)", () => {
  it.each([
    ["append / append", [append("w")], [append("l")]],
    ["append / delete of another partition's file", [append("w", "b")], [deleteFile("p0", "a")]],
    ["delete in partition a / append to partition b", [deleteFile("p0", "a")], [append("l", "b")]],
    ["append to b / read partition a", [append("w", "b")], [readPartition("a"), append("l", "a")]],
    ["different app ids", [appTxn("app-1", 1), append("w")], [appTxn("app-2", 1), append("l")]],
    ["different domains", [domain("d1")], [domain("d2")]],
    ["blind append / whole-table delete (WriteSerializable ignores blind appends)", [append("w")], [deleteWhole]],
  ])("%s: rebases and commits version 2", async (_name, winner, loser) => {
    const result = await race(winner, loser);
    expect(result.version).toBe(2);
    expect(result.attempts).toBe(2);
  });

  it.each([
    ["append / whole-table delete under Serializable", [append("w")], [deleteWhole], "Serializable", "CONCURRENT_APPEND"],
    [
      "append into the partition the loser read",
      [append("w", "a")],
      [readPartition("a"), append("l", "a")],
      "Serializable",
      "CONCURRENT_APPEND",
    ],
    ["delete / delete of the same file", [deleteFile("p0")], [deleteFile("p0")], undefined, "CONCURRENT_DELETE_READ"],
    [
      "delete of a file the loser read",
      [deleteFile("p0")],
      [(t: Transaction) => t.readWith([file("p0")], () => false), append("l")],
      undefined,
      "CONCURRENT_DELETE_READ",
    ],
    ["delete / whole-table read", [deleteFile("p1", "b")], [deleteWhole], undefined, "CONCURRENT_DELETE_READ"],
    ["metadata change / append", [changeMetadata], [append("l")], undefined, "METADATA_CHANGED"],
    ["protocol change / append", [changeProtocol], [append("l")], undefined, "PROTOCOL_CHANGED"],
    ["same app id", [appTxn("etl", 5), append("w")], [appTxn("etl", 5), append("l")], undefined, "CONCURRENT_TRANSACTION"],
    ["same domain", [domain("d1")], [domain("d1")], undefined, "CONCURRENT_DOMAIN_METADATA"],
  ] as Array<[string, Step[], Step[], "Serializable" | undefined, string]>)(
    "%s: fails with %s naming version 1",
    async (_n, winner, loser, isolation, code) => {
      const err = await race(winner, loser, isolation).catch((e: unknown) => e);
      expect(err).toMatchObject({ code, winningVersion: 1 });
    },
  );

  it("a delete/delete conflict is reported as ConcurrentDeleteDelete when the loser did not read the file", async () => {
    const err = await race([deleteFile("p0")], [(t) => t.removeFiles([removeOf("p0")])]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONCURRENT_DELETE_DELETE", winningVersion: 1 });
  });
});

describe("checkConflicts returns the conflict as a value", () => {
  const summary = (over: Partial<TransactionSummary> = {}): TransactionSummary => ({
    isolationLevel: "WriteSerializable",
    readWholeTable: false,
    readsAddedFile: () => false,
    readFiles: new Set(),
    removedFiles: new Set(),
    appIds: new Set(),
    domains: new Set(),
    metadataChanged: false,
    ...over,
  });
  const context = { keyOf: (f: AddFile | RemoveFile) => f.path };

  it.each([
    [
      "nothing for a blind append against a blind append",
      summary(),
      [{ commitInfo: { isBlindAppend: true } }, { add: file("x") }],
      undefined,
    ],
    [
      "the protocol rule",
      summary(),
      [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }],
      { rule: "protocol-changed", winningVersion: 4 },
    ],
    [
      "the delete-read rule, naming the file",
      summary({ readFiles: new Set(["p0"]) }),
      [{ remove: removeOf("p0") }],
      { rule: "concurrent-delete-read", winningVersion: 4, path: "p0" },
    ],
    [
      "the application-transaction rule, naming the app",
      summary({ appIds: new Set(["etl"]) }),
      [{ txn: { appId: "etl", version: 1 } }],
      { rule: "concurrent-transaction", winningVersion: 4, appId: "etl" },
    ],
  ] as const)("gives %s", (_label, current, actions, expected) => {
    const winner = summarizeWinner(4, actions as never);
    expect(checkConflicts(current, winner, context)).toEqual(expected);
  });
});
