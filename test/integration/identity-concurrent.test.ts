/**
 * Identity columns under concurrent writers in separate processes (local disk): four children
 * append at once to a table with a GENERATED ALWAYS identity column. Each commit moves the
 * high-water mark in the schema, so racing writers conflict; the losers retry at the API level
 * and allocate again. Every row must end up with a distinct identity value from the sequence.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StructType } from "../../src/schema/types.js";
import { DeltaTable } from "../../src/table/delta-table.js";
import { jsonLines, raceChildren } from "../helpers/run-child.js";

const WRITERS = 4;
const APPENDS = 3;
const ROWS = 2;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SCHEMA: StructType = {
  type: "struct",
  fields: [
    {
      name: "id",
      type: "long",
      nullable: false,
      metadata: { "delta.identity.start": 1, "delta.identity.step": 1, "delta.identity.allowExplicitInsert": false },
    },
    { name: "v", type: "string", nullable: true, metadata: {} },
  ],
};

describe("identity columns with concurrent writers", () => {
  it(`${WRITERS} processes appending at once get distinct identity values`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-identity-"));
    dirs.push(dir);
    const url = join(dir, "table");
    await DeltaTable.create(url, { schema: SCHEMA });
    const inputs = Array.from({ length: WRITERS }, (_, id) => ({ url, id, count: APPENDS, rows: ROWS }));
    const children = await raceChildren("test/helpers/children/identity-writer.ts", inputs);
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const conflicts = results.map((r) => jsonLines(r.stdout).find((l) => l.event === "done")!.conflicts as number);
    console.log(`identity writers: API-level retries after a conflict per writer: ${conflicts.join(", ")}`);
    const table = await DeltaTable.open(url);
    const arrow = await table.toArrow();
    const ids = Array.from(arrow.getChild("id")!.toArray() as BigInt64Array, Number).sort((a, b) => a - b);
    const total = WRITERS * APPENDS * ROWS;
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(Array.from(arrow.getChild("v")!, String)).size).toBe(total);
    expect(table.schema.fields[0]!.metadata["delta.identity.highWaterMark"]).toBe(total);
    expect(table.version).toBe(WRITERS * APPENDS);
  });
});
