import { describe, expect, it } from "vitest";
import { InvalidPathError } from "../../../src/errors/storage-errors.js";
import { parseLocation } from "../../../src/storage/location.js";
import { canonicalEtag, etagSpellings } from "../../../src/storage/s3-etag.js";
import { S3KeyMap } from "../../../src/storage/s3-keys.js";

function mapFor(url: string): S3KeyMap {
  const location = parseLocation(url);
  if (location.kind !== "s3") throw new Error(`not an s3 URL: ${url}`);
  return new S3KeyMap(location, "s3");
}

describe("S3KeyMap: URL to bucket, root and keys", () => {
  it.each([
    ["s3://bucket/tables/events", "bucket", "tables/events", "s3://bucket/tables/events"],
    ["s3://bucket/tables/events/", "bucket", "tables/events", "s3://bucket/tables/events"],
    ["s3a://bucket/t", "bucket", "t", "s3://bucket/t"],
    ["s3://bucket", "bucket", "", "s3://bucket"],
    ["s3://bucket/", "bucket", "", "s3://bucket"],
    ["s3://bucket//a//b/./c", "bucket", "a/b/c", "s3://bucket/a/b/c"],
    ["s3://bucket/with%20space/t", "bucket", "with space/t", "s3://bucket/with space/t"],
  ])("%s -> bucket %s, root %s, rootUrl %s", (url, bucket, root, rootUrl) => {
    const keys = mapFor(url);
    expect(keys.bucket).toBe(bucket);
    expect(keys.root).toBe(root);
    expect(keys.rootUrl).toBe(rootUrl);
  });

  it.each([
    ["s3://b/t", "_delta_log/0.json", "t/_delta_log/0.json"],
    ["s3://b/t", "/a//b/./c", "t/a/b/c"],
    ["s3://b/t", "a/../b", "t/b"],
    ["s3://b", "part-0.parquet", "part-0.parquet"],
  ])("under %s, path %s is key %s", (url, path, key) => {
    expect(mapFor(url).key(path)).toBe(key);
  });

  it.each(["..", "../other-table/x", "a/../../x", ""])("refuses path %j with InvalidPathError", (path) => {
    expect(() => mapFor("s3://b/t").key(path)).toThrow(InvalidPathError);
  });

  it("refuses a root prefix that climbs out of the bucket", () => {
    expect(() => new S3KeyMap({ bucket: "b", prefix: "../x" }, "s3")).toThrow(InvalidPathError);
  });

  it.each([
    ["s3://b/t", "", "t/"],
    ["s3://b/t", "_delta_log/", "t/_delta_log/"],
    ["s3://b/t", "_delta_log/0000", "t/_delta_log/0000"],
    ["s3://b", "", ""],
    ["s3://b", "x/", "x/"],
  ])("under %s, list prefix %j is %j (never a sibling root like t2/)", (url, prefix, listPrefix) => {
    expect(mapFor(url).listPrefix(prefix)).toBe(listPrefix);
  });

  it.each([
    ["s3://b/t", "t/a/b.json", "a/b.json"],
    ["s3://b/t", "t/dir/", undefined],
    ["s3://b/t", "t/", undefined],
    ["s3://b/t", "t2/x", undefined],
    ["s3://b", "x", "x"],
    ["s3://b", "folder/", undefined],
  ])("under %s, listed key %s is path %s", (url, key, path) => {
    expect(mapFor(url).relative(key)).toBe(path);
  });
});

describe("etag spelling", () => {
  it.each([
    ['"abc"', '"abc"'],
    ["abc", '"abc"'],
    ['  "abc-3" ', '"abc-3"'],
    ['W/"weak"', 'W/"weak"'],
    ["", undefined],
    [undefined, undefined],
  ])("canonical form of %j is %j", (raw, canonical) => {
    expect(canonicalEtag(raw)).toBe(canonical);
  });

  it.each([
    ['"abc"', { quoted: '"abc"', bare: "abc" }],
    ["abc", { quoted: '"abc"', bare: "abc" }],
    ['W/"abc"', { quoted: 'W/"abc"', bare: "abc" }],
  ])("spellings of %j", (etag, spellings) => {
    expect(etagSpellings(etag)).toEqual(spellings);
  });
});
