/**
 * The fuzz harness's core: how one case is run and judged. A case ends in an {@link Outcome} —
 * a read (the same as the uncorrupted read, or, where the corruption can legitimately change
 * values, a different but well-formed one) or a typed `LakelogError` — or it is a
 * {@link FuzzViolation}: an untyped throw, a hang, or a wrong result.
 */
import { isLakelogError } from "../../src/errors/base.js";

/** How one case ended when it ended acceptably. */
export type Outcome = "ok" | "ok-same" | "ok-changed" | `error:${string}`;

/** A case that broke the contract: untyped error, hang or wrong result. */
export class FuzzViolation extends Error {
  constructor(
    readonly target: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${target}: ${problem}`, options);
    this.name = "FuzzViolation";
  }
}

/** Per-case time limit; generous because the machine is shared (a hang is minutes, not seconds). */
export const CASE_TIMEOUT_MS = Number(process.env.LAKELOG_FUZZ_CASE_TIMEOUT_MS ?? 20_000);

/**
 * Runs `work` with a time limit and classifies a rejection: a `LakelogError` with a string code
 * becomes `error:<code>`; anything else (and the time limit) is a {@link FuzzViolation}.
 */
export async function judge(target: string, work: () => Promise<Outcome>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzViolation(target, `no outcome within ${CASE_TIMEOUT_MS} ms (hang)`)), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (err) {
    if (err instanceof FuzzViolation) throw err;
    if (isLakelogError(err) && typeof err.code === "string" && err.code.length > 0) return `error:${err.code}`;
    const shown = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new FuzzViolation(target, `untyped error ${shown.slice(0, 300)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Counts of outcomes per target, for the report. */
export class OutcomeTally {
  readonly byTarget = new Map<string, Map<string, number>>();

  add(target: string, outcome: string): void {
    let counts = this.byTarget.get(target);
    if (!counts) this.byTarget.set(target, (counts = new Map()));
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }

  total(target?: string): number {
    let n = 0;
    for (const [name, counts] of this.byTarget) if (target === undefined || name === target) for (const c of counts.values()) n += c;
    return n;
  }

  /** One line per target: total, then outcomes by count. */
  format(): string {
    const lines: string[] = [];
    for (const [name, counts] of this.byTarget) {
      const sorted = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
      lines.push(`${name}: ${this.total(name)} cases — ${sorted.join(", ")}`);
    }
    const codes = new Map<string, number>();
    for (const counts of this.byTarget.values())
      for (const [k, v] of counts) if (k.startsWith("error:")) codes.set(k.slice(6), (codes.get(k.slice(6)) ?? 0) + v);
    lines.push(
      `typed error codes: ${[...codes]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
    return lines.join("\n");
  }
}
