import { describe, expect, it } from "vitest";
import { CorruptLogError } from "../../../src/errors/log-errors.js";
import type { Action } from "../../../src/log/actions.js";
import { forEachAction, parseActions, readCommitInfo } from "../../../src/log/parse-actions.js";

const FILE = "_delta_log/00000000000000000007.json";

const addLine = (path: string) => JSON.stringify({ add: { path, partitionValues: {}, size: 1, modificationTime: 2, dataChange: true } });

/** UTF-8 bytes of `lines` joined by newlines, with a trailing newline. */
const bytesOf = (lines: string[]) => new TextEncoder().encode(lines.join("\n") + "\n");

const pathsOf = (actions: Action[]) => actions.map((a) => ("add" in a ? a.add.path : "?"));

/** Enough add lines to span several decoding chunks (~64 KiB each). */
const manyPaths = Array.from({ length: 3_000 }, (_, i) => `part=${i % 5}/file-${i}.parquet`);

describe("forEachAction", () => {
  it("reads every line of a log larger than one decoding chunk, in order, with its line number", () => {
    const bytes = bytesOf(manyPaths.map(addLine));
    expect(bytes.byteLength).toBeGreaterThan(3 * 65_536);
    const seen: [string, number][] = [];
    forEachAction(bytes, FILE, (a, line) => seen.push(["add" in a ? a.add.path : "?", line]));
    expect(seen).toEqual(manyPaths.map((p, i) => [p, i + 1]));
  });

  it("decodes multi-byte UTF-8 in any chunk, also when the rest of the file is ASCII", () => {
    const paths = manyPaths.map((p, i) => (i === 0 || i === 1_500 || i === 2_999 ? `straße=ü/文件-${i}.parquet` : p));
    expect(pathsOf(parseActions(bytesOf(paths.map(addLine)), FILE))).toEqual(paths);
  });

  it("reads a Uint8Array that is a window on a larger buffer", () => {
    const inner = bytesOf(["a", "b"].map(addLine));
    const outer = new Uint8Array(inner.byteLength + 20).fill(0x7b);
    outer.set(inner, 10);
    expect(pathsOf(parseActions(outer.subarray(10, 10 + inner.byteLength), FILE))).toEqual(["a", "b"]);
  });

  it("skips blank lines (also CRLF ones) but counts them, and reads a last line without newline", () => {
    const text = `${addLine("a")}\r\n\r\n\n   \n${addLine("b")}\n${addLine("c")}`;
    const seen: [string, number][] = [];
    forEachAction(new TextEncoder().encode(text), FILE, (a, line) => seen.push(["add" in a ? a.add.path : "?", line]));
    expect(seen).toEqual([
      ["a", 1],
      ["b", 5],
      ["c", 6],
    ]);
  });

  it("drops a byte-order mark at the start of the file, as a whole-file decode does", () => {
    const bytes = bytesOf([addLine("a")]);
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
    expect(pathsOf(parseActions(withBom, FILE))).toEqual(["a"]);
  });

  it("does not drop a byte-order mark at the start of a later chunk: that line is corrupt", () => {
    const lines = manyPaths.map(addLine);
    const before = new TextEncoder().encode(lines.slice(0, 1_000).join("\n") + "\n");
    expect(before.byteLength).toBeGreaterThan(65_536);
    // put the mark at the start of the line that begins the second chunk
    let offset = 0;
    let line = 0;
    while (offset <= 65_536) offset += new TextEncoder().encode(lines[line++]! + "\n").byteLength;
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const all = bytesOf(lines);
    const bytes = new Uint8Array([...all.subarray(0, offset), ...bom, ...all.subarray(offset)]);
    const err = (() => {
      try {
        parseActions(bytes, FILE);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorruptLogError);
    expect(err).toMatchObject({ file: FILE, line: line + 1 });
  });

  it.each([
    ["a line that is not JSON", "{oops", "not valid JSON"],
    ["an add without a path", JSON.stringify({ add: { size: 1 } }), "add needs a non-empty path"],
    ["an add without a numeric size", JSON.stringify({ add: { path: "p", size: "1" } }), "add p needs a numeric size"],
  ])("names the file and line of %s in a later chunk", (_, bad, message) => {
    const lines = manyPaths.map(addLine);
    lines.splice(2_500, 0, bad);
    const err = (() => {
      try {
        parseActions(bytesOf(lines), FILE);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CorruptLogError);
    expect(err).toMatchObject({ file: FILE, line: 2_501 });
    expect((err as Error).message).toContain(message);
  });

  it("reads an empty file as no actions", () => {
    expect(parseActions(new Uint8Array(0), FILE)).toEqual([]);
  });
});

describe("readCommitInfo", () => {
  const info = JSON.stringify({ commitInfo: { operation: "WRITE", txnId: "t-1" } });

  it("returns the commitInfo and parses nothing after it", () => {
    // the corrupt line after the commitInfo is never reached
    expect(readCommitInfo(bytesOf([info, addLine("a"), "{not json"]), FILE)).toEqual({ operation: "WRITE", txnId: "t-1" });
    expect(readCommitInfo(bytesOf([addLine("a"), info]), FILE)?.txnId).toBe("t-1");
  });

  it("returns undefined for a commit without one, and throws for a corrupt line before it", () => {
    expect(readCommitInfo(bytesOf([addLine("a")]), FILE)).toBeUndefined();
    expect(() => readCommitInfo(bytesOf(["{not json", info]), FILE)).toThrow(CorruptLogError);
  });
});
