/**
 * Running a benchmark file as a child process: the child prints progress (passed through) and one
 * tagged line (`@@TAG <payload>`) that the parent collects.
 */
import { spawn } from "node:child_process";

/**
 * Runs `script` with `args` in a new Node process (with this process's Node flags, so it also runs
 * under tsx, and `--expose-gc`) and resolves with the payload of its `tag` line; rejects when it
 * exits non-zero or prints no such line. Its other stdout lines are passed through.
 */
export function runChild(script: string, args: string[], tag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, "--expose-gc", script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      process.stdout.write(chunk.replace(/^@@[A-Z]+ .*\n?/gm, ""));
    });
    proc.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(`${tag} `));
      if (code !== 0 || !line) return reject(new Error(`child ${script} ${args.join(" ")} failed (exit ${code})`));
      resolve(line.slice(tag.length + 1));
    });
  });
}

/** The median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
