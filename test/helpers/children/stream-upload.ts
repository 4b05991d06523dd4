/**
 * Child process for the bounded-memory upload test: streams `megabytes` MiB of deterministic
 * bytes into the store with putStream while sampling live ArrayBuffer memory after forced GCs
 * (run with --expose-gc), then prints the peak and the SHA-256 of what it sent.
 */
import { createHash } from "node:crypto";
import { openStore } from "../../../src/storage/open-store.js";
import type { StorageOptions } from "../../../src/storage/options.js";
import { childInput } from "../run-child.js";

const { url, options, key, megabytes } = childInput<{ url: string; options: StorageOptions; key: string; megabytes: number }>();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const store = await openStore(url, options);
gc();
const baseline = process.memoryUsage().arrayBuffers;
let peak = 0;
const sample = () => {
  gc();
  peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
};
const timer = setInterval(sample, 20);
const hash = createHash("sha256");
async function* source() {
  const chunk = 1 << 20;
  for (let i = 0; i < megabytes; i++) {
    const bytes = new Uint8Array(chunk);
    for (let j = 0; j < chunk; j += 4096) bytes[j] = (i * 31 + j) & 0xff;
    hash.update(bytes);
    yield bytes;
  }
}
await store.putStream(key, source());
clearInterval(timer);
sample();
process.stdout.write(`${JSON.stringify({ peakBytes: peak, sha256: hash.digest("hex") })}\n`);
await store.close?.();
