/**
 * Store throughput: small-object create latency and large-object upload/download rates, for
 * each backend, against the raw fs / SDK call doing the same thing in the same run.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { BlobServiceClient } from "@azure/storage-blob";
import { startTestServers, type CloudTarget } from "../scripts/test-servers.js";
import { openStore } from "../src/storage/open-store.js";
import type { ObjectStore } from "../src/storage/store.js";
import { emit, fillBytes, medianMs, type Comparison } from "./lib/measure.js";
import { rawS3Client } from "./lib/s3-client.js";

const SMALL = 1024;
const CREATES = 100;
const LARGE = 64 << 20;
const CHUNK = 1 << 20;

/** The raw operations a backend's peer performs. */
interface RawPeer {
  name: string;
  create(key: string, data: Uint8Array): Promise<void>;
  upload(key: string, data: Uint8Array): Promise<void>;
  download(key: string): Promise<number>;
}

async function* chunks(data: Uint8Array): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += CHUNK) yield data.subarray(i, i + CHUNK);
}

async function compareBackend(label: string, store: ObjectStore, raw: RawPeer): Promise<Comparison[]> {
  const small = fillBytes(SMALL, 7);
  const large = fillBytes(LARGE, 9);
  const run = randomUUID();
  let n = 0;
  const oursCreate = await medianMs(async () => {
    const base = `bench-${run}/ours-small-${n++}`;
    for (let i = 0; i < CREATES; i++) await store.put(`${base}/${i}`, small, { mode: "create" });
  }, 3);
  const rawCreate = await medianMs(async () => {
    const base = `bench-${run}/raw-small-${n++}`;
    for (let i = 0; i < CREATES; i++) await raw.create(`${base}/${i}`, small);
  }, 3);
  const oursUp = await medianMs(() => store.putStream(`bench-${run}/ours-large`, chunks(large)), 3);
  const rawUp = await medianMs(() => raw.upload(`bench-${run}/raw-large`, large), 3);
  const oursDown = await medianMs(() => store.get(`bench-${run}/ours-large`), 3);
  const rawDown = await medianMs(() => raw.download(`bench-${run}/raw-large`), 3);
  const mibs = (ms: number) => LARGE / 2 ** 20 / (ms / 1000);
  return [
    {
      metric: `${label}: create 1 KiB (per object)`,
      unit: "ms",
      ours: oursCreate / CREATES,
      peer: rawCreate / CREATES,
      peerName: raw.name,
      higherIsBetter: false,
      note: label === "local" ? "lakelog fsyncs file and directory; the raw write does not" : "",
    },
    {
      metric: `${label}: upload 64 MiB`,
      unit: "MiB/s",
      ours: mibs(oursUp),
      peer: mibs(rawUp),
      peerName: raw.name,
      higherIsBetter: true,
      note: "lakelog streams 1 MiB chunks with bounded memory; the raw call sends one buffer",
    },
    {
      metric: `${label}: download 64 MiB`,
      unit: "MiB/s",
      ours: mibs(oursDown),
      peer: mibs(rawDown),
      peerName: raw.name,
      higherIsBetter: true,
    },
  ];
}

function localPeer(dir: string): RawPeer {
  return {
    name: "node:fs writeFile/readFile",
    create: async (key, data) => {
      const file = join(dir, key);
      await fs.mkdir(join(file, ".."), { recursive: true });
      await fs.writeFile(file, data, { flag: "wx" });
    },
    upload: async (key, data) => {
      const file = join(dir, key);
      await fs.mkdir(join(file, ".."), { recursive: true });
      await fs.writeFile(file, data);
    },
    download: async (key) => (await fs.readFile(join(dir, key))).byteLength,
  };
}

function s3Peer(target: CloudTarget): RawPeer {
  const { client, bucket, prefix } = rawS3Client(target);
  const key = (k: string) => (prefix ? `${prefix}/${k}` : k);
  return {
    name: "client-s3 PutObject/GetObject",
    create: async (k, data) =>
      void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(k), Body: data, IfNoneMatch: "*" }))),
    upload: async (k, data) => void (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key(k), Body: data }))),
    download: async (k) =>
      (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(k) }))).Body!.transformToByteArray()).byteLength,
  };
}

function azurePeer(target: CloudTarget): RawPeer {
  const [container, ...rest] = target.url.slice("az://".length).split("/");
  const client = BlobServiceClient.fromConnectionString(target.options.azure!.connectionString!).getContainerClient(container!);
  const blob = (k: string) => client.getBlockBlobClient([...rest, k].join("/"));
  return {
    name: "storage-blob upload/downloadToBuffer",
    create: async (k, data) => void (await blob(k).upload(data, data.byteLength, { conditions: { ifNoneMatch: "*" } })),
    upload: async (k, data) => void (await blob(k).uploadData(data)),
    download: async (k) => (await blob(k).downloadToBuffer()).byteLength,
  };
}

async function main(): Promise<void> {
  const servers = await startTestServers();
  const localDir = mkdtempSync(join(tmpdir(), "lakelog-bench-store-"));
  const comparisons: Comparison[] = [];
  try {
    const targets: Array<[string, CloudTarget, RawPeer]> = [
      ["local", { url: join(localDir, "ours"), options: {} }, localPeer(join(localDir, "raw"))],
      ["s3 (Ceph RGW)", servers.s3, s3Peer(servers.s3)],
      ["azure (Azurite)", servers.azure, azurePeer(servers.azure)],
    ];
    for (const [label, target, peer] of targets) {
      const store = await openStore(target.url, target.options);
      comparisons.push(...(await compareBackend(label, store, peer)));
      await store.close?.();
      console.log(`  ${label} done`);
    }
  } finally {
    rmSync(localDir, { recursive: true, force: true });
    await servers.stop();
  }
  emit({ name: "store", comparisons, facts: { "small creates per sample": CREATES, "large object": "64 MiB", "samples (median of)": 3 } });
}

await main();
