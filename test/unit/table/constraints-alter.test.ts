import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConstraintViolationError } from "../../../src/errors/constraint-errors.js";
import { DeltaTable } from "../../../src/table/delta-table.js";

async function table() {
  const t = await DeltaTable.create(`memory://alter-${randomUUID()}/t`, {
    schema: { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] },
  });
  await t.write([{ id: 1n }, { id: 2n }, { id: 3n }]);
  return t.refresh();
}

describe("addConstraint / dropConstraint", () => {
  it("adds a constraint that existing rows satisfy, upgrades the protocol, and enforces it on later writes", async () => {
    const t = await table();
    const version = await t.addConstraint("positive", "id > 0");
    const after = await t.refresh();
    expect(after.version).toBe(version);
    expect(after.properties["delta.constraints.positive"]).toBe("id > 0");
    expect(after.protocol.minWriterVersion).toBeGreaterThanOrEqual(3);
    await expect(after.write([{ id: 0n }])).rejects.toBeInstanceOf(ConstraintViolationError);
    expect((await after.refresh()).version).toBe(version);
  });

  it("refuses a constraint existing rows violate, naming the values, and commits nothing", async () => {
    const t = await table();
    const err = await t.addConstraint("small", "id < 3").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConstraintViolationError);
    expect((err as ConstraintViolationError).violations[0]?.values).toEqual({ id: 3n });
    expect((await t.refresh()).version).toBe(t.version);
  });

  it("drops a constraint, after which the write it blocked succeeds", async () => {
    const t = await table();
    await t.addConstraint("positive", "id > 0");
    await t.dropConstraint("positive");
    const after = await t.refresh();
    expect(after.properties["delta.constraints.positive"]).toBeUndefined();
    await expect(after.write([{ id: 0n }])).resolves.toMatchObject({ skipped: false });
    await expect(after.dropConstraint("positive")).rejects.toMatchObject({ code: "WRITE_REFUSED" });
    await expect(after.dropConstraint("positive", { ifExists: true })).resolves.toBeUndefined();
  });
});
