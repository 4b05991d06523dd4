/**
 * Runs TypeScript helper scripts as real, separate Node processes (through tsx), for tests that
 * need true concurrency between processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** A started child: its process, a promise of its stdout lines, and a way to write a line to it. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the first stdout line that satisfies `match`. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  send(line: string): void;
  /** Resolves with the exit code and all stdout/stderr once the child exits. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `node --import tsx <script> <args>` with `input` in the LAKELOG_CHILD_INPUT env var (JSON). */
export function startChild(script: string, input: unknown, nodeArgs: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LAKELOG_CHILD_INPUT: JSON.stringify(input) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return {
    process: child,
    waitFor: (match) =>
      new Promise((res, rej) => {
        waiters.push({ match, resolve: res });
        void done.then(({ code }) => rej(new Error(`child exited (${code}) before the expected line; stderr:\n${stderr}`)));
      }),
    send: (line) => child.stdin.write(`${line}\n`),
    done,
  };
}

/** Starts one child of `script` per input, waits until each prints `ready`, then writes `go` to all at once. */
export async function raceChildren(script: string, inputs: unknown[]): Promise<Child[]> {
  const children = inputs.map((input) => startChild(script, input));
  await Promise.all(children.map((c) => c.waitFor((line) => line === "ready")));
  for (const c of children) c.send("go");
  return children;
}

/** Every line of a child's stdout that is a JSON object, parsed. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Reads the JSON input a parent passed to this child process. */
export function childInput<T>(): T {
  return JSON.parse(process.env.LAKELOG_CHILD_INPUT ?? "null") as T;
}
