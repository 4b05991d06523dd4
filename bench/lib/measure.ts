/**
 * Measurement helpers shared by the benchmarks: timing with medians, peak memory, result shape.
 */

/** One compared figure: ours against a named peer measured in the same run. */
export interface Comparison {
  metric: string;
  unit: string;
  ours: number;
  peer: number;
  peerName: string;
  /** Whether a larger figure is better (throughput) or worse (latency, time). */
  higherIsBetter: boolean;
  note?: string;
}

/** What a benchmark module prints as its last stdout line (JSON). */
export interface BenchResult {
  name: string;
  comparisons: Comparison[];
  /** Extra facts (counts of files read, requests, ...). */
  facts: Record<string, string | number>;
  /** Peak resident set size of the benchmark process, in MiB. */
  peakRssMiB: number;
}

/** Runs `fn` `repeats` times (after `warmup` runs) and returns the median wall time in ms. */
export async function medianMs(fn: () => Promise<unknown>, repeats = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Wall and CPU time of one run of `fn` (GC forced first when `--expose-gc` is on), and the count it returns. */
export interface TimedRun {
  ms: number;
  /** Process CPU time (all threads): steadier than wall time on a loaded machine. */
  cpuMs: number;
  count: number;
}

/** Runs `fn` once after a forced GC (when available) and returns its wall and CPU time. */
export async function timed(fn: () => Promise<number>): Promise<TimedRun> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const count = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, count };
}

/** Peak RSS of this process so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A run's wall time and peak RSS. */
export interface TimeAndMemory {
  ms: number;
  rssMiB: number;
}

/**
 * The two comparisons of a rewrite benchmark against one peer: time in seconds (`note` beside it)
 * and peak RSS (`${metric}: peak RSS`, or `memoryMetric`).
 */
export function timeAndMemory(
  metric: string,
  ours: TimeAndMemory,
  peer: TimeAndMemory,
  peerName: string,
  note?: string,
  memoryMetric = `${metric}: peak RSS`,
): Comparison[] {
  return [
    { metric, unit: "s", ours: ours.ms / 1000, peer: peer.ms / 1000, peerName, higherIsBetter: false, ...(note ? { note } : {}) },
    { metric: memoryMetric, unit: "MiB", ours: ours.rssMiB, peer: peer.rssMiB, peerName, higherIsBetter: false },
  ];
}

/** Ours-to-peer ratio oriented so that > 1 means lakelog is better. */
export function advantage(c: Comparison): number {
  return c.higherIsBetter ? c.ours / c.peer : c.peer / c.ours;
}

/** Prints the result as the benchmark's final stdout line, for bench/run.ts to collect. */
export function emit(result: Omit<BenchResult, "peakRssMiB">): void {
  const full: BenchResult = { ...result, peakRssMiB: peakRssMiB() };
  process.stdout.write(`\n@@RESULT ${JSON.stringify(full)}\n`);
}

/** Emits an empty result for `name` that says why the benchmark did not run. */
export function emitSkipped(name: string, why: string): void {
  console.log(`  SKIPPED: ${why}`);
  emit({ name, comparisons: [], facts: { skipped: why } });
}

/** Deterministic pseudo-random bytes (no crypto cost in the measured loop). */
export function fillBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}
