import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import type * as AzureBlob from "@azure/storage-blob";
import { NotFoundError } from "../../../src/errors/storage-errors.js";
import { AzureStore, quoteEtag } from "../../../src/storage/azure-store.js";

interface FakeBlobEntry {
  data: Uint8Array;
  metadata?: Record<string, string>;
}

/**
 * Just enough of a ContainerClient for list/head/get: pages of `pageSize` names in byte order,
 * an optional hierarchical-namespace directory marker, and a switch for servers that ignore Range.
 */
function fakeContainer(blobs: Map<string, FakeBlobEntry>, pageSize: number, options: { ignoreRange?: boolean } = {}) {
  const calls = { pages: 0, downloads: [] as Array<[number, number | undefined]> };
  const names = () => [...blobs.keys()].sort();
  const notFound = () => Object.assign(new Error("nf"), { statusCode: 404, details: { errorCode: "BlobNotFound" } });
  const props = (name: string) => {
    const blob = blobs.get(name);
    if (!blob) throw notFound();
    return { contentLength: blob.data.byteLength, lastModified: new Date(1_700_000_000_000), etag: '"0xE"', metadata: blob.metadata ?? {} };
  };
  const container = {
    listBlobsFlat: (opts: { prefix?: string }) => ({
      byPage: ({ continuationToken }: { continuationToken?: string }) => ({
        next: async () => {
          calls.pages++;
          const all = names().filter((n) => n.startsWith(opts.prefix ?? ""));
          const start = continuationToken ? Number(continuationToken) : 0;
          const slice = all.slice(start, start + pageSize);
          const more = start + pageSize < all.length;
          return {
            done: false,
            value: {
              continuationToken: more ? String(start + pageSize) : "",
              segment: {
                blobItems: slice.map((name) => ({
                  name,
                  metadata: blobs.get(name)!.metadata,
                  properties: { ...props(name), etag: "0xE" },
                })),
              },
            },
          };
        },
      }),
    }),
    getBlobClient: (name: string) => ({
      getProperties: async () => props(name),
      download: async (offset: number, count?: number) => {
        calls.downloads.push([offset, count]);
        const p = props(name);
        const data = blobs.get(name)!.data;
        const ranged = offset > 0 || count !== undefined;
        const body = options.ignoreRange || !ranged ? data : data.subarray(offset, count === undefined ? undefined : offset + count);
        return {
          ...p,
          contentLength: body.byteLength,
          readableStreamBody: Readable.from([Buffer.from(body)]),
          _response: { status: options.ignoreRange || !ranged ? 200 : 206 },
        };
      },
    }),
  };
  return { container: container as unknown as AzureBlob.ContainerClient, calls };
}

const storeOver = (container: AzureBlob.ContainerClient, prefix = "root") =>
  new AzureStore(container, { BlobBatch: class {} as unknown as typeof AzureBlob.BlobBatch }, prefix, `az://c/${prefix}`);

const entry = (s: string, metadata?: Record<string, string>): FakeBlobEntry => ({ data: new TextEncoder().encode(s), metadata });

async function paths(iterable: AsyncIterable<{ path: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of iterable) out.push(m.path);
  return out;
}

describe("AzureStore over a fake container", () => {
  it("hides hierarchical-namespace directory markers from list, head and get", async () => {
    const blobs = new Map([
      ["root/_delta_log", entry("", { hdi_isfolder: "true" })],
      ["root/_delta_log/0.json", entry("{}")],
      ["root/part", entry("", { HDI_ISFOLDER: "TRUE" })],
      ["root/part/a.parquet", entry("pq")],
    ]);
    const { container } = fakeContainer(blobs, 5000);
    const store = storeOver(container);
    expect(await paths(store.list(""))).toEqual(["_delta_log/0.json", "part/a.parquet"]);
    await expect(store.head("_delta_log")).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get("part")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists the whole store under `<root>/`, never a sibling root like `root0/` or a key `rootx`", async () => {
    const { container } = fakeContainer(
      new Map([
        ["root/a", entry("x")],
        ["root0/b", entry("x")],
        ["rootx", entry("x")],
      ]),
      10,
    );
    expect(await paths(storeOver(container).list(""))).toEqual(["a"]);
  });

  it("quotes the bare etags of a listing like the headers do, and maps keys under the prefix", async () => {
    const { container } = fakeContainer(new Map([["root/a", entry("x")]]), 10);
    const [meta] = await (async () => {
      const out = [];
      for await (const m of storeOver(container).list("")) out.push(m);
      return out;
    })();
    expect(meta).toEqual({ path: "a", size: 1, lastModified: 1_700_000_000_000, etag: '"0xE"' });
  });

  it("skips pages that end before startAfter without yielding from them", async () => {
    const blobs = new Map(Array.from({ length: 50 }, (_, i) => [`root/k${String(i).padStart(2, "0")}`, entry("x")] as const));
    const { container, calls } = fakeContainer(blobs, 10);
    const store = storeOver(container);
    expect(await paths(store.list("k", { startAfter: "k34" }))).toEqual(Array.from({ length: 15 }, (_, i) => `k${35 + i}`));
    expect(calls.pages).toBe(5);
  });

  it("answers a startAfter beyond the prefix without any request", async () => {
    const { container, calls } = fakeContainer(new Map([["root/a/1", entry("x")]]), 10);
    expect(await paths(storeOver(container).list("a/", { startAfter: "b" }))).toEqual([]);
    expect(calls.pages).toBe(0);
    expect(await paths(storeOver(container).list("a/", { startAfter: "0" }))).toEqual(["a/1"]);
  });

  it("cuts the range itself when a server ignores the Range header", async () => {
    const { container } = fakeContainer(new Map([["root/r", entry("0123456789")]]), 10, { ignoreRange: true });
    const store = storeOver(container);
    expect(new TextDecoder().decode(await store.get("r", { range: { offset: 3, length: 4 } }))).toBe("3456");
    expect(new TextDecoder().decode(await store.get("r", { range: { suffix: 2 } }))).toBe("89");
  });

  it("reads a suffix as size first, then one ranged download of the resolved window", async () => {
    const { container, calls } = fakeContainer(new Map([["root/r", entry("0123456789")]]), 10);
    expect(new TextDecoder().decode(await storeOver(container).get("r", { range: { suffix: 3 } }))).toBe("789");
    expect(calls.downloads).toEqual([[7, 3]]);
  });

  it("returns plain Uint8Arrays, not Buffers", async () => {
    const { container } = fakeContainer(new Map([["root/r", entry("abc")]]), 10);
    const data = await storeOver(container).get("r");
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
  });
});

describe("quoteEtag", () => {
  it.each([
    ["0x8D1", '"0x8D1"'],
    ['"0x8D1"', '"0x8D1"'],
    ['W/"x"', 'W/"x"'],
    ["", undefined],
    [undefined, undefined],
  ])("%o -> %o", (input, output) => {
    expect(quoteEtag(input)).toBe(output);
  });
});
