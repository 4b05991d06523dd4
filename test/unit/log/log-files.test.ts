import { describe, expect, it } from "vitest";
import { parseLogFile } from "../../../src/log/log-files.js";

const meta = (name: string) => ({ path: `_delta_log/${name}`, size: 1, lastModified: 5 });
const v = "00000000000000000012";

describe("parseLogFile", () => {
  it.each([
    [`${v}.json`, { kind: "commit", version: 12 }],
    [`${v}.checkpoint.parquet`, { kind: "checkpoint", version: 12, format: "classic", fileType: "parquet" }],
    [`${v}.checkpoint.0000000002.0000000003.parquet`, { kind: "checkpoint", version: 12, format: "multipart", part: 2, parts: 3 }],
    [`${v}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json`, { kind: "checkpoint", format: "v2", fileType: "json" }],
    [`${v}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet`, { kind: "checkpoint", format: "v2", fileType: "parquet" }],
    [`${v}.00000000000000000015.compacted.json`, { kind: "compaction", version: 12, endVersion: 15 }],
    [`${v}.crc`, { kind: "crc", version: 12 }],
  ])("classifies %s", (name, expected) => {
    expect(parseLogFile(meta(name))).toMatchObject(expected);
  });

  it.each(["_last_checkpoint", `${v}.json.tmp`, "12.json", `_sidecars/${v}.parquet`, `${v}.checkpoint.nope.parquet`])(
    "ignores %s",
    (name) => {
      expect(parseLogFile(meta(name))).toBeUndefined();
    },
  );
});
