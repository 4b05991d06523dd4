/**
 * The real servers the test suite and the benchmarks run against: a S3-compatible server (Ceph
 * RADOS Gateway, via scripts/ceph-s3.sh) and Azurite. Starts them (installing Ceph if needed),
 * proves that each refuses a second conditional create of the same key, and returns how to reach
 * them.
 *
 * - An endpoint given by environment variables is used as-is (LAKELOG_TEST_S3_* / LAKELOG_TEST_AZURE_*).
 * - A server already running from .test-servers/ is reused and left running.
 * - Otherwise the server is installed if needed, started, and stopped at the end.
 * If a server cannot be started or does not honour conditional writes, setup fails: the cloud
 * backends are never skipped silently.
 */
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { ensureAtomicCreate } from "../src/storage/atomic-create.js";
import { openStore } from "../src/storage/open-store.js";
import type { StorageOptions } from "../src/storage/options.js";

const run = promisify(execFile);
const ROOT = findRoot(import.meta.dirname);
const SERVERS = resolve(ROOT, ".test-servers");
const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A URL root on a test server and the options to reach it (JSON-serialisable, for child processes). */
export interface CloudTarget {
  url: string;
  options: StorageOptions;
}

/** The project root: the nearest folder above with a package.json (works from scripts/ and dist/scripts/). */
function findRoot(dir: string): string {
  let current = dir;
  while (!existsSync(resolve(current, "package.json"))) current = resolve(current, "..");
  return current;
}

const stops: Array<() => Promise<void>> = [];

function parseEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function s3Target(): Promise<CloudTarget> {
  const env = process.env;
  let settings: Record<string, string>;
  if (env.LAKELOG_TEST_S3_ENDPOINT || env.LAKELOG_TEST_S3_BUCKET) {
    settings = {
      S3_ENDPOINT: env.LAKELOG_TEST_S3_ENDPOINT ?? "",
      S3_BUCKET: env.LAKELOG_TEST_S3_BUCKET ?? "",
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? "",
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? "",
      AWS_REGION: env.AWS_REGION ?? "us-east-1",
    };
  } else {
    const dir = resolve(SERVERS, "ceph");
    const envFile = resolve(dir, "s3.env");
    const running = existsSync(envFile) && (await answers(parseEnvFile(envFile).S3_ENDPOINT ?? "http://127.0.0.1:1"));
    if (!running) {
      const started = Date.now();
      try {
        await run("bash", [resolve(ROOT, "scripts/ceph-s3.sh"), "start", dir], { maxBuffer: 1 << 24 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string };
        throw new Error(`could not start the local S3 server (scripts/ceph-s3.sh start ${dir}):\n${e.stderr ?? ""}${e.stdout ?? ""}`, {
          cause: err,
        });
      }
      console.log(`[servers] Ceph RADOS Gateway started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      stops.push(async () => void (await run("bash", [resolve(ROOT, "scripts/ceph-s3.sh"), "stop", dir])));
    } else {
      console.log("[servers] reusing the running Ceph RADOS Gateway from .test-servers/ceph");
    }
    settings = parseEnvFile(envFile);
  }
  const options: StorageOptions = {
    s3: {
      endpoint: settings.S3_ENDPOINT || undefined,
      region: settings.AWS_REGION || "us-east-1",
      accessKeyId: settings.AWS_ACCESS_KEY_ID || undefined,
      secretAccessKey: settings.AWS_SECRET_ACCESS_KEY || undefined,
      forcePathStyle: settings.S3_ENDPOINT ? true : undefined,
    },
  };
  return { url: `s3://${settings.S3_BUCKET}/lakelog-tests`, options };
}

async function azureTarget(): Promise<CloudTarget> {
  const given = process.env.LAKELOG_TEST_AZURE_CONNECTION_STRING;
  const container = process.env.LAKELOG_TEST_AZURE_CONTAINER ?? "test-container";
  let connectionString: string;
  if (given) {
    connectionString = given;
  } else {
    const port = 10000;
    const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
    connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
    if (await answers(`${endpoint}?comp=list`)) {
      console.log("[servers] reusing the Azurite already listening on 127.0.0.1:10000");
    } else {
      await startAzurite(port);
    }
  }
  const { BlobServiceClient } = await import("@azure/storage-blob");
  await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).createIfNotExists();
  return { url: `az://${container}/lakelog-tests`, options: { azure: { connectionString } } };
}

async function startAzurite(port: number): Promise<void> {
  const dir = resolve(SERVERS, "azurite");
  mkdirSync(dir, { recursive: true });
  const main = resolve(ROOT, "node_modules/azurite/dist/src/blob/main.js");
  if (!existsSync(main)) throw new Error("Azurite is not installed: run `npm ci` (it is a devDependency)");
  const log = openSync(resolve(dir, "azurite.log"), "a");
  const child = spawn(
    process.execPath,
    // blobs live in memory (Azurite refuses --location together with --inMemoryPersistence)
    [
      main,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--inMemoryPersistence",
      "--silent",
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--blobKeepAliveTimeout",
      "60",
    ],
    { stdio: ["ignore", log, log], detached: true },
  );
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!(await answers(`http://127.0.0.1:${port}/devstoreaccount1?comp=list`))) {
    if (exited) throw new Error(`Azurite exited during startup; see ${dir}/azurite.log`);
    if (Date.now() > deadline) throw new Error(`Azurite did not answer within 60 s; see ${dir}/azurite.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log("[servers] Azurite started on 127.0.0.1:" + port);
  stops.push(async () => {
    child.kill("SIGTERM");
  });
}

/** Refuses to run against a server that lets two conditional creates of one key both win. */
async function proveAtomicCreate(name: string, target: CloudTarget): Promise<void> {
  const store = await openStore(`${target.url}/setup-probe-${randomUUID()}`, target.options);
  const forced = Object.create(store, { capabilities: { value: { ...store.capabilities, atomicCreate: "probe" } } });
  try {
    await ensureAtomicCreate(forced);
  } catch (err) {
    throw new Error(`${name} test server does not honour conditional create (If-None-Match: *); refusing to run the suite against it`, {
      cause: err,
    });
  } finally {
    await store.close?.();
  }
}

/** Running servers and how to stop the ones this process started. */
export interface TestServers {
  s3: CloudTarget;
  azure: CloudTarget;
  /** Stops what was started here; servers found already running are left alone. */
  stop(): Promise<void>;
}

/** Finds or starts both servers and checks them; throws (never skips) when one cannot be used. */
export async function startTestServers(): Promise<TestServers> {
  const [s3, azure] = await Promise.all([s3Target(), azureTarget()]);
  await proveAtomicCreate("S3", s3);
  await proveAtomicCreate("Azure", azure);
  return {
    s3,
    azure,
    stop: async () => {
      for (const stop of stops.splice(0).reverse()) await stop().catch((err) => console.error("[servers] stop failed", err));
    },
  };
}
