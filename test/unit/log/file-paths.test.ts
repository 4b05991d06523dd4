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
    // a colon makes the slow path check for a scheme; only a leading one is a scheme
    ["x=1/10:00:00/f.parquet", "x=1/10:00:00/f.parquet"],
    ["ts=2021-01-01 10%3A00/f.parquet", "ts=2021-01-01 10:00/f.parquet"],
    ["s3a://bucket/elsewhere/f", "s3a://bucket/elsewhere/f"],
    ["FILE:/data/table/f.parquet", "f.parquet"],
    ["/data/table/a%20b/f.parquet", "a b/f.parquet"],
    ["", ""],
  ])("%s -> %s", (path, expected) => {
    expect(canonicalizePath(path, root)).toBe(expected);
  });

  it("returns a plain relative path as the very same string", () => {
    const path = ["part=1", "file-0.parquet"].join("/");
    expect(canonicalizePath(path, root)).toBe(path);
  });

  it("qualifies a bare absolute path with the table's scheme and bucket", () => {
    expect(canonicalizePath("/t/x.parquet", "s3://bucket/t")).toBe("x.parquet");
    expect(canonicalizePath("s3://bucket/other/x", "s3://bucket/t")).toBe("s3://bucket/other/x");
  });
});
