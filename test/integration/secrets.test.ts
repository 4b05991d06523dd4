/**
 * Secrets never leak: the API and the CLI run with known marker credentials — an S3 access key id,
 * secret and session token, an Azure account key, a SAS token, a connection string — against
 * endpoints on 127.0.0.1 that fail (a port with nothing listening; a tiny HTTP server answering
 * 403 the way S3 and Azure do, echoing the access key id as real S3 does; one answering 500; and
 * for S3 one that serves a valid log whose data file then answers 403, so a scan fails
 * mid-read). Every output is collected — the thrown error's message, `String(err)`, its stack,
 * `util.inspect` and `JSON.stringify` of it and of every error down its cause chain, the CLI's
 * stdout and stderr with and without `--verbose`, and every byte of tables written (commitInfo)
 * with the markers in the options or environment — and no marker may appear in any of it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLakelogError } from "../../src/errors/base.js";
import type { StorageOptions } from "../../src/storage/options.js";
import { DeltaTable, writeDeltaTable } from "../../src/table/delta-table.js";
import { cli } from "../unit/cli/run-cli.js";

const AKID = "AKIAMARKERKEYID00017";
const SECRET = "MarkerSecretAccessKey0017/abcdefghijklmnopqrs";
const TOKEN = "MarkerSessionToken0017xyz";
const AZ_KEY_RAW = "marker-azure-account-key-0017-abcdefgh";
const AZ_KEY = Buffer.from(AZ_KEY_RAW).toString("base64");
const CONN_KEY_RAW = "marker-connection-string-key-0017-zz";
const CONN_KEY = Buffer.from(CONN_KEY_RAW).toString("base64");
const SAS_SIG = "MarkerSasSignature0017abc";
const SAS = `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=${SAS_SIG}%3D`;
const MARKERS = [AKID, SECRET, TOKEN, AZ_KEY, AZ_KEY_RAW, CONN_KEY, CONN_KEY_RAW, SAS_SIG];
const ACCOUNT = "markeracct";

/** How the fake server answers. */
type Mode = "403" | "500" | "log";

const COMMIT = [
  { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
  {
    metaData: {
      id: "secrets",
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify({ type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] }),
      partitionColumns: [],
      configuration: {},
      createdTime: 0,
    },
  },
  { add: { path: "part-0.parquet", partitionValues: {}, size: 500, modificationTime: 1, dataChange: true } },
]
  .map((a) => JSON.stringify(a))
  .join("\n");

/** S3's answer to a bad signature: it names the access key id it was given, as real S3 does. */
function s3Denied(req: IncomingMessage): string {
  const akid = /Credential=([^/]+)/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>${akid}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256</StringToSign><SignatureProvided>00</SignatureProvided><RequestId>r1</RequestId></Error>`;
}

function answer(mode: Mode, req: IncomingMessage, res: ServerResponse): void {
  const azure = req.headers["x-ms-version"] !== undefined;
  const url = new URL(req.url ?? "/", "http://x");
  if (mode === "log" && !azure) {
    if (url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const key = "t/_delta_log/00000000000000000000.json";
      const contents = key.startsWith(prefix)
        ? `<Contents><Key>${key}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>"e1"</ETag><Size>${Buffer.byteLength(COMMIT)}</Size></Contents>`
        : "";
      res
        .writeHead(200, { "content-type": "application/xml" })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bucket</Name><Prefix>${prefix}</Prefix><KeyCount>${contents ? 1 : 0}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        );
      return;
    }
    if (url.pathname.endsWith("/00000000000000000000.json")) {
      res
        .writeHead(200, {
          "content-type": "application/json",
          etag: '"e1"',
          "last-modified": new Date(0).toUTCString(),
          "content-length": Buffer.byteLength(COMMIT),
        })
        .end(req.method === "HEAD" ? undefined : COMMIT);
      return;
    }
    if (url.pathname.includes("/_delta_log/")) {
      res
        .writeHead(404, { "content-type": "application/xml" })
        .end(
          req.method === "HEAD"
            ? undefined
            : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`,
        );
      return;
    }
  }
  const status = mode === "500" ? 500 : 403;
  if (azure) {
    const code = status === 403 ? "AuthenticationFailed" : "InternalError";
    res
      .writeHead(status, { "content-type": "application/xml", "x-ms-error-code": code })
      .end(
        req.method === "HEAD"
          ? undefined
          : `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>Server failed to authenticate the request.</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request is not the same as any computed signature.</AuthenticationErrorDetail></Error>`,
      );
  } else {
    const body =
      status === 403
        ? s3Denied(req)
        : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`;
    res.writeHead(status, { "content-type": "application/xml" }).end(req.method === "HEAD" ? undefined : body);
  }
}

const servers = new Map<Mode | "dead", string>();
const started: Server[] = [];
const dirs: string[] = [];

async function listen(handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => handler?.(req, res));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

beforeAll(async () => {
  for (const mode of ["403", "500", "log"] as const) {
    const server = await listen((req, res) => answer(mode, req, res));
    started.push(server);
    servers.set(mode, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  const dead = await listen();
  servers.set("dead", `http://127.0.0.1:${(dead.address() as AddressInfo).port}`);
  await new Promise((done) => dead.close(done));
});

afterAll(async () => {
  for (const s of started) await new Promise((done) => s.close(done));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Everything a caller could print about `err`: each error down the cause chain (and inside AggregateErrors), every way. */
function everything(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && parts.length < 400) {
    const cur = queue.shift();
    if (cur === undefined || cur === null || seen.has(cur)) continue;
    seen.add(cur);
    parts.push(String(cur), inspect(cur, { depth: 8 }));
    try {
      parts.push(JSON.stringify(cur) ?? "");
    } catch {
      parts.push("(not JSON-serialisable)");
    }
    if (cur instanceof Error) {
      parts.push(cur.message, cur.stack ?? "");
      queue.push(cur.cause);
      if (cur instanceof AggregateError) queue.push(...(cur.errors as unknown[]));
    }
  }
  return parts.join("\n");
}

function leaked(text: string): string[] {
  return MARKERS.filter((m) => text.includes(m));
}

type Endpoint = "dead" | Mode;

/** The storage options of each credential kind, pointing at `endpoint`. */
function credentials(endpoint: string): Array<{ name: string; url: string; storage: StorageOptions; env: Record<string, string> }> {
  const retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 };
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${CONN_KEY};BlobEndpoint=${endpoint}/${ACCOUNT};`;
  return [
    {
      name: "s3 keys",
      url: "s3://bucket/t",
      storage: { s3: { endpoint, region: "us-east-1", accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN }, retry },
      env: {
        AWS_ACCESS_KEY_ID: AKID,
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: TOKEN,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: "us-east-1",
      },
    },
    {
      name: "azure account key",
      url: "az://cont/t",
      storage: { azure: { accountName: ACCOUNT, accountKey: AZ_KEY, endpoint: `${endpoint}/${ACCOUNT}` }, retry },
      env: {
        AZURE_STORAGE_ACCOUNT_NAME: ACCOUNT,
        AZURE_STORAGE_ACCOUNT_KEY: AZ_KEY,
        AZURE_STORAGE_BLOB_ENDPOINT: `${endpoint}/${ACCOUNT}`,
      },
    },
    {
      name: "azure SAS",
      url: "az://cont/t",
      storage: { azure: { accountName: ACCOUNT, sasToken: SAS, endpoint: `${endpoint}/${ACCOUNT}` }, retry },
      env: { AZURE_STORAGE_ACCOUNT_NAME: ACCOUNT, AZURE_STORAGE_SAS_TOKEN: SAS, AZURE_STORAGE_BLOB_ENDPOINT: `${endpoint}/${ACCOUNT}` },
    },
    {
      name: "azure connection string",
      url: "az://cont/t",
      storage: { azure: { connectionString }, retry },
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
    },
  ];
}

const ENDPOINTS: Endpoint[] = ["dead", "403", "500", "log"];

const OPS: Record<string, (url: string, storage: StorageOptions) => Promise<unknown>> = {
  open: (url, storage) => DeltaTable.open(url, { storage }),
  write: (url, storage) => writeDeltaTable(url, [{ id: 1n }], { storage }),
  scan: async (url, storage) => (await DeltaTable.open(url, { storage })).toArrow(),
};

/** Runs `op`; it must fail typed, except where it may succeed. Returns everything printable about the outcome. */
async function failure(op: () => Promise<unknown>, maySucceed: boolean): Promise<{ text: string; code: string }> {
  try {
    const result = await op();
    if (maySucceed) return { text: inspect(result, { depth: 4 }), code: "ok" };
  } catch (err) {
    expect(isLakelogError(err), `untyped: ${String(err)}`).toBe(true);
    return { text: everything(err), code: (err as { code: string }).code };
  }
  throw new Error("the operation succeeded against a failing endpoint");
}

describe("secrets through the API", () => {
  it.each(ENDPOINTS)(
    "no marker in any error, cause chain, stack, inspect or JSON of open/write/scan against the %s endpoint",
    async (endpoint) => {
      const codes: string[] = [];
      for (const cred of credentials(servers.get(endpoint)!)) {
        for (const [op, run] of Object.entries(OPS)) {
          // the "log" server serves S3 a valid log: opening succeeds there, the scan then fails on the data file
          const { text, code } = await failure(
            () => run(cred.url, cred.storage),
            endpoint === "log" && op === "open" && cred.url.startsWith("s3:"),
          );
          codes.push(`${cred.name}/${op}: ${code}`);
          expect(leaked(text), `${cred.name} ${op} via ${endpoint} (${code}):\n${text.slice(0, 3000)}`).toEqual([]);
        }
      }
      if (endpoint === "log") expect(codes).toContain("s3 keys/scan: PERMISSION_DENIED");
      console.log(`secrets, ${endpoint} endpoint: ${codes.join("; ")}`);
    },
  );

  it("writes no marker into a table (commitInfo, metadata, data) when the options carry credentials for other stores", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-secrets-"));
    dirs.push(dir);
    const storage: StorageOptions = {
      ...credentials("http://127.0.0.1:1")[0]!.storage,
      azure: credentials("http://127.0.0.1:1")[1]!.storage.azure,
    };
    await writeDeltaTable(dir, [{ id: 1n, name: "a" }], { storage });
    const table = await DeltaTable.open(dir, { storage });
    await table.write([{ id: 2n, name: "b" }], { mode: "overwrite" });
    const files = readdirSync(dir, { recursive: true }).map(String);
    expect(files.some((f) => f.endsWith(".json"))).toBe(true);
    for (const f of files) {
      if (!f.includes(".")) continue;
      const text = readFileSync(join(dir, f), "latin1");
      expect(leaked(text), f).toEqual([]);
    }
  });
});

describe("secrets through the CLI", () => {
  const commands: Array<{ name: string; args: (url: string) => string[] }> = [
    { name: "info", args: (url) => ["info", url] },
    { name: "scan", args: (url) => ["scan", url, "--format", "ndjson"] },
    { name: "create", args: (url) => ["create", url, "--schema", "id long"] },
  ];

  it("prints no marker on stdout or stderr, with and without --verbose, for info/scan/create against failing endpoints", async () => {
    const runs: Array<{ label: string; run: () => Promise<{ code: number; stdout: string; stderr: string }> }> = [];
    // every credential kind with and without --verbose; commands and endpoints rotate across the
    // runs (each CLI start costs seconds on a shared machine)
    let k = 0;
    for (const cred of credentials("ENDPOINT")) {
      for (const verbose of [false, true]) {
        const command = commands[k % commands.length]!;
        const endpoint = ENDPOINTS[(k + Math.floor(k / ENDPOINTS.length)) % ENDPOINTS.length]!;
        k++;
        const real = credentials(servers.get(endpoint)!).find((c) => c.name === cred.name)!;
        const args = [...command.args(real.url), ...(verbose ? ["--verbose"] : [])];
        runs.push({
          label: `${cred.name} ${args.join(" ")} via ${endpoint}`,
          run: () => cli(args, { env: { ...real.env, LAKELOG_S3_ATOMIC_CREATE: "none" } }),
        });
      }
    }
    // and an S3 scan that opens the served log, then fails reading the data file
    const s3 = credentials(servers.get("log")!)[0]!;
    for (const verbose of [false, true]) {
      const args = ["scan", s3.url, ...(verbose ? ["--verbose"] : [])];
      runs.push({ label: `${s3.name} ${args.join(" ")} via log`, run: () => cli(args, { env: s3.env }) });
    }
    const outcomes: string[] = [];
    for (let i = 0; i < runs.length; i += 4) {
      const results = await Promise.all(runs.slice(i, i + 4).map(async (r) => ({ label: r.label, result: await r.run() })));
      for (const { label, result } of results) {
        expect(result.code, `${label} should fail: ${result.stdout}${result.stderr}`).not.toBe(0);
        expect(result.stderr.length, label).toBeGreaterThan(0);
        expect(leaked(result.stdout + result.stderr), `${label}:\n${result.stderr}`).toEqual([]);
        outcomes.push(`${label} -> exit ${result.code}`);
      }
    }
    expect(outcomes.filter((o) => o.includes("--verbose"))).toHaveLength(runs.length / 2);
    console.log(`secrets, CLI:\n  ${outcomes.join("\n  ")}`);
  }, 300_000);

  it("writes no marker into a table the CLI creates and imports into with marker credentials in the environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lakelog-secrets-cli-"));
    dirs.push(dir);
    const env = { ...credentials("http://127.0.0.1:1")[0]!.env, ...credentials("http://127.0.0.1:1")[3]!.env };
    const table = join(dir, "t");
    const created = await cli(["create", table, "--schema", "id long, name string", "--verbose"], { env });
    expect(created.code, created.stderr).toBe(0);
    const imported = await cli(["import", table, "-", "--format", "ndjson", "--verbose"], { env, input: '{"id":1,"name":"a"}\n' });
    expect(leaked(created.stdout + created.stderr + imported.stdout + imported.stderr)).toEqual([]);
    for (const f of readdirSync(table, { recursive: true }).map(String)) {
      if (f.includes(".")) expect(leaked(readFileSync(join(table, f), "latin1")), f).toEqual([]);
    }
  }, 120_000);
});
