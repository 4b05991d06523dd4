/**
 * The S3 store's request logic against a scripted client (no server): which requests it sends,
 * and how it reads the answers. The same behaviour against a real server is covered by the
 * storage conformance suite.
 */
import { describe, expect, it } from "vitest";
import { AlreadyExistsError, NotFoundError, PermissionDeniedError, PreconditionError } from "../../../src/errors/storage-errors.js";
import { parseLocation } from "../../../src/storage/location.js";
import { createS3Store } from "../../../src/storage/s3-store.js";
import type { ObjectStore } from "../../../src/storage/store.js";

type Input = Record<string, unknown>;
type Handler = (input: Input) => unknown;

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** A client that answers each command with the next scripted handler for its name. */
class ScriptedClient {
  readonly sent: Array<{ command: string; input: Input }> = [];
  destroyed = false;
  private readonly script = new Map<string, Handler[]>();

  on(command: string, ...handlers: Handler[]): this {
    this.script.set(command, [...(this.script.get(command) ?? []), ...handlers]);
    return this;
  }

  async send(command: { constructor: { name: string }; input: Input }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    this.sent.push({ command: name, input: command.input });
    const queue = this.script.get(name) ?? [];
    const handler = queue.length > 1 ? queue.shift() : queue[0];
    if (!handler) throw new Error(`unscripted ${name}`);
    return handler(command.input);
  }

  destroy(): void {
    this.destroyed = true;
  }

  names(): string[] {
    return this.sent.map((s) => s.command);
  }
}

const fail =
  (err: Error): Handler =>
  () => {
    throw err;
  };

async function storeWith(client: ScriptedClient, url = "s3://bucket/table"): Promise<ObjectStore> {
  const location = parseLocation(url);
  if (location.kind !== "s3") throw new Error("not s3");
  return createS3Store(location, { client }, {});
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("S3Store put", () => {
  it("creates with one PutObject carrying If-None-Match: * under the root prefix", async () => {
    const client = new ScriptedClient().on("PutObject", () => ({ ETag: '"e1"' }));
    const store = await storeWith(client);
    await expect(store.put("_delta_log/0.json", bytes("x"), { mode: "create" })).resolves.toEqual({ etag: '"e1"' });
    expect(client.sent).toEqual([
      { command: "PutObject", input: expect.objectContaining({ Bucket: "bucket", Key: "table/_delta_log/0.json", IfNoneMatch: "*" }) },
    ]);
  });

  it("reports a create answered 412 as AlreadyExistsError", async () => {
    const client = new ScriptedClient().on("PutObject", fail(sdkError("PreconditionFailed", 412)));
    await expect((await storeWith(client)).put("a", bytes("x"), { mode: "create" })).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("sends If-Match quoted first, and on 412 for an unchanged etag retries once with the bare spelling and keeps it", async () => {
    const client = new ScriptedClient()
      .on(
        "PutObject",
        fail(sdkError("PreconditionFailed", 412)),
        () => ({ ETag: '"e2"' }),
        () => ({ ETag: '"e3"' }),
      )
      .on("HeadObject", () => ({ ETag: '"e1"', ContentLength: 1 }));
    const store = await storeWith(client);
    await expect(store.put("a", bytes("x"), { mode: { ifMatch: '"e1"' } })).resolves.toEqual({ etag: '"e2"' });
    await expect(store.put("a", bytes("y"), { mode: { ifMatch: '"e2"' } })).resolves.toEqual({ etag: '"e3"' });
    expect(client.names()).toEqual(["PutObject", "HeadObject", "PutObject", "PutObject"]);
    expect(client.sent.filter((s) => s.command === "PutObject").map((s) => s.input.IfMatch)).toEqual(['"e1"', "e1", "e2"]);
  });

  it("reports a 412 for a changed etag as PreconditionError without a second write", async () => {
    const client = new ScriptedClient()
      .on("PutObject", fail(sdkError("PreconditionFailed", 412)))
      .on("HeadObject", () => ({ ETag: '"other"' }));
    const err = (await storeWith(client)).put("a", bytes("x"), { mode: { ifMatch: '"e1"' } });
    await expect(err).rejects.toBeInstanceOf(PreconditionError);
    expect(client.names()).toEqual(["PutObject", "HeadObject"]);
  });

  it("reports a 412 for a missing object as NotFoundError", async () => {
    const client = new ScriptedClient()
      .on("PutObject", fail(sdkError("PreconditionFailed", 412)))
      .on("HeadObject", fail(sdkError("NotFound", 404)));
    await expect((await storeWith(client)).put("a", bytes("x"), { mode: { ifMatch: "e1" } })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rethrows the signal's reason without sending when already aborted", async () => {
    const client = new ScriptedClient();
    const reason = new Error("stop");
    await expect((await storeWith(client)).put("a", bytes("x"), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(client.sent).toEqual([]);
  });
});

describe("S3Store get and head", () => {
  it.each([
    [{ offset: 2, length: 3 }, "bytes=2-4"],
    [{ offset: 7 }, "bytes=7-"],
    [{ suffix: 4 }, "bytes=-4"],
  ])("sends range %o as %s", async (range, header) => {
    const client = new ScriptedClient().on("GetObject", () => ({
      Body: { transformToByteArray: async () => bytes("abc") },
      ContentRange: "bytes 0-2/10",
    }));
    await (await storeWith(client)).get("f", { range });
    expect(client.sent[0]?.input.Range).toBe(header);
  });

  it("turns 416 (range starts at or after the end) into an empty result", async () => {
    const client = new ScriptedClient().on("GetObject", fail(sdkError("InvalidRange", 416)));
    expect((await (await storeWith(client)).get("f", { range: { offset: 100 } })).byteLength).toBe(0);
  });

  it("cuts the range locally when the server ignores Range and sends everything", async () => {
    const client = new ScriptedClient().on("GetObject", () => ({ Body: { transformToByteArray: async () => bytes("0123456789") } }));
    expect(text(await (await storeWith(client)).get("f", { range: { suffix: 3 } }))).toBe("789");
  });

  it("answers an empty range with a HEAD, so a missing object is still NotFoundError", async () => {
    const client = new ScriptedClient().on("HeadObject", fail(sdkError("NotFound", 404)));
    await expect((await storeWith(client)).get("f", { range: { offset: 3, length: 0 } })).rejects.toBeInstanceOf(NotFoundError);
    expect(client.names()).toEqual(["HeadObject"]);
  });

  it("maps HeadObject to ObjectMeta with a quoted etag", async () => {
    const client = new ScriptedClient().on("HeadObject", () => ({
      ContentLength: 5,
      LastModified: new Date(1_700_000_000_000),
      ETag: "abc",
    }));
    expect(await (await storeWith(client)).head("./a//b")).toEqual({
      path: "a/b",
      size: 5,
      lastModified: 1_700_000_000_000,
      etag: '"abc"',
    });
  });
});

describe("S3Store list", () => {
  it("follows continuation tokens, sends StartAfter only on the first page, and skips folder markers", async () => {
    const object = (Key: string) => ({ Key, Size: 1, LastModified: new Date(0), ETag: '"x"' });
    const client = new ScriptedClient().on(
      "ListObjectsV2",
      () => ({
        Contents: [object("table/_delta_log/1.json"), object("table/_delta_log/dir/")],
        IsTruncated: true,
        NextContinuationToken: "t1",
      }),
      fail(sdkError("SlowDown", 503)),
      () => ({ Contents: [object("table/_delta_log/2.json")], IsTruncated: false }),
    );
    const paths: string[] = [];
    for await (const meta of (await storeWith(client)).list("_delta_log/", { startAfter: "_delta_log/0.json" })) paths.push(meta.path);
    expect(paths).toEqual(["_delta_log/1.json", "_delta_log/2.json"]);
    const inputs = client.sent.map((s) => s.input);
    expect(inputs[0]).toMatchObject({ Prefix: "table/_delta_log/", StartAfter: "table/_delta_log/0.json", ContinuationToken: undefined });
    expect(inputs[1]).toMatchObject({ ContinuationToken: "t1", StartAfter: undefined });
    expect(inputs).toHaveLength(3); // the throttled page was retried
  });
});

describe("S3Store deleteMany", () => {
  it("sends batches of at most 1000 keys", async () => {
    const client = new ScriptedClient().on("DeleteObjects", () => ({}));
    await (await storeWith(client)).deleteMany(Array.from({ length: 2500 }, (_, i) => `f${i}`));
    const sizes = client.sent.map((s) => (s.input.Delete as { Objects: unknown[] }).Objects.length).sort((a, b) => b - a);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it("ignores missing keys and resends only the keys that failed transiently", async () => {
    const client = new ScriptedClient().on(
      "DeleteObjects",
      () => ({
        Errors: [
          { Key: "table/a", Code: "NoSuchKey" },
          { Key: "table/b", Code: "InternalError" },
        ],
      }),
      () => ({}),
    );
    await (await storeWith(client)).deleteMany(["a", "b", "c"]);
    expect(client.sent.map((s) => (s.input.Delete as { Objects: Array<{ Key: string }> }).Objects.map((o) => o.Key))).toEqual([
      ["table/a", "table/b", "table/c"],
      ["table/b"],
    ]);
  });

  it("rejects with the typed error of a key that cannot be deleted", async () => {
    const client = new ScriptedClient().on("DeleteObjects", () => ({
      Errors: [{ Key: "table/b", Code: "AccessDenied", Message: "Access Denied" }],
    }));
    const result = (await storeWith(client)).deleteMany(["a", "b"]);
    await expect(result).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(result).rejects.toMatchObject({ path: "b" });
  });
});

describe("S3Store identity", () => {
  it("has rootUrl s3://bucket/prefix, probe atomic create for an injected client, and leaves that client open", async () => {
    const client = new ScriptedClient();
    const store = await storeWith(client, "s3a://bucket/a/b/");
    expect(store.rootUrl).toBe("s3://bucket/a/b");
    expect(store.capabilities).toEqual({ atomicCreate: "probe", conditionalUpdate: true });
    await store.close?.();
    expect(client.destroyed).toBe(false);
  });
});
