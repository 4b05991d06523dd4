import { describe, expect, it } from "vitest";
import { canonicalizePath } from "../../../src/log/file-paths.js";

const root = "file:///data/table";

describe("canonicalizePath", () => {
  it.each([
    ["part-0.parquet", "part-0.parquet"],
    ["a%3D1/part%20x.parquet", "a=1/part x.parquet"],
    ["a%253A/f", "a%3A/f"], // decoded exactly once
    ["file:/data/table/f.parquet", "f.parquet"],
    ["file:///data/table/f.parquet", "f.parquet"],
    ["/data/table/f.parquet", "f.parquet"],
    ["file:/elsewhere/f", "file:///elsewhere/f"],
    ["file:///elsewhere/f", "file:///elsewhere/f"],
    ["/elsewhere/f", "file:///elsewhere/f"],
    ["/some/with%20space/p@%23h", "file:///some/with space/p@#h"],
    ["file:/some/with%20space/p@%23h", "file:///some/with space/p@#h"],
    ["bad%zzescape", "bad%zzescape"],
  ])("%s -> %s", (path, expected) => {
    expect(canonicalizePath(path, root)).toBe(expected);
  });

  it("qualifies a bare absolute path with the table's scheme and bucket", () => {
    expect(canonicalizePath("/t/x.parquet", "s3://bucket/t")).toBe("x.parquet");
    expect(canonicalizePath("s3://bucket/other/x", "s3://bucket/t")).toBe("s3://bucket/other/x");
  });
});
