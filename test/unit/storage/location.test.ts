import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidStorageConfigError } from "../../../src/errors/storage-errors.js";
import { parseLocation } from "../../../src/storage/location.js";

describe("parseLocation", () => {
  it.each([
    ["./tables/t", { kind: "local", directory: resolve("./tables/t") }],
    ["/data/t", { kind: "local", directory: "/data/t" }],
    ["file:///data/my%20t", { kind: "local", directory: "/data/my t" }],
    ["memory://demo/a/b", { kind: "memory", bucket: "demo", prefix: "a/b" }],
    ["s3://bucket/prefix/t/", { kind: "s3", bucket: "bucket", prefix: "prefix/t" }],
    ["s3a://bucket", { kind: "s3", bucket: "bucket", prefix: "" }],
    ["az://container/dir/t", { kind: "azure", container: "container", prefix: "dir/t" }],
    ["azure://container/t", { kind: "azure", container: "container", prefix: "t" }],
    [
      "abfss://data@acct.dfs.core.windows.net/lake/t",
      { kind: "azure", container: "data", account: "acct", prefix: "lake/t", endpoint: "https://acct.blob.core.windows.net" },
    ],
    ["https://acct.blob.core.windows.net/data/lake/t", { kind: "azure", container: "data", account: "acct", prefix: "lake/t" }],
  ])("%s", (url, expected) => {
    expect(parseLocation(url)).toMatchObject(expected);
  });

  it.each(["", "ftp://host/x", "s3:///nobucket", "abfss://acct.dfs.core.windows.net/x", "https://example.com/x"])(
    "refuses %j with a typed error",
    (url) => {
      expect(() => parseLocation(url)).toThrow(InvalidStorageConfigError);
    },
  );
});
