/**
 * `npm run fuzz [-- <cases>] [-- --target <name>] [-- --seed <n>]`: the benchmark-style fuzz run.
 * Feeds every target of test/fuzz/targets.ts its share of `<cases>` generated inputs (default
 * 100,000 in all, or LAKELOG_FUZZ_CASES) and prints, per target, the count of each outcome (a read
 * equal to the uncorrupted one, a changed but well-formed read, or a typed error code), then the
 * histogram of typed error codes and every contract violation (untyped error, hang, wrong result)
 * with the input that caused it. Exits 1 when there was a violation.
 */
import fc from "fast-check";
import { FuzzViolation, OutcomeTally } from "../test/fuzz/fuzz-core.js";
import { FUZZ_TARGETS } from "../test/fuzz/targets.js";

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const positional = process.argv.slice(2).find((a, i, all) => /^\d+$/.test(a) && !["--seed", "--target"].includes(all[i - 1] ?? ""));
const total = Number(positional ?? process.env.LAKELOG_FUZZ_CASES ?? 100_000);
const seed = Number(argValue("--seed") ?? Date.now() % 2 ** 31);
const only = argValue("--target");
const targets = FUZZ_TARGETS.filter((t) => only === undefined || t.name === only);
const weightSum = targets.reduce((n, t) => n + t.weight, 0);

const tally = new OutcomeTally();
const violations: Array<{ target: string; problem: string; input: string }> = [];
const started = Date.now();
console.log(`fuzz: ${total} cases over ${targets.length} targets, seed ${seed}`);
for (const target of targets) {
  const cases = Math.max(1, Math.round((total * target.weight) / weightSum));
  const t0 = Date.now();
  let done = 0;
  const batch = 1000;
  for (let from = 0; from < cases; from += batch) {
    const inputs = fc.sample(target.arbitrary, { numRuns: Math.min(batch, cases - from), seed: seed + from });
    for (const input of inputs) {
      try {
        tally.add(target.name, await target.run(input));
      } catch (err) {
        tally.add(target.name, "VIOLATION");
        const problem = err instanceof FuzzViolation ? err.problem : `harness error ${String(err)}`;
        if (violations.length < 50)
          violations.push({
            target: target.name,
            problem,
            input: JSON.stringify(input, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v)).slice(0, 400),
          });
      }
      done++;
    }
  }
  console.log(`  ${target.name}: ${done} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`\n${tally.format()}\n`);
console.log(`total ${tally.total()} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${violations.length} violations`);
for (const v of violations) console.log(`VIOLATION ${v.target}: ${v.problem}\n  input: ${v.input}`);
process.exitCode = violations.length > 0 ? 1 : 0;
