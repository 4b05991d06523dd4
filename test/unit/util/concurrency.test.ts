import { describe, expect, it } from "vitest";
import { mapInOrder, prefetchInOrder } from "../../../src/util/concurrency.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mapInOrder / prefetchInOrder", () => {
  it("consume in input order while keeping at most `limit` fetches in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const fetch = async (n: number) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(n % 3 === 0 ? 5 : 1); // later items often finish first
      inFlight--;
      return n * 10;
    };
    const seen: Array<[number, number, number]> = [];
    await mapInOrder([1, 2, 3, 4, 5, 6, 7], 3, fetch, (r, item, i) => void seen.push([r, item, i]));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7].map((n, i) => [n * 10, n, i]));
    expect(most).toBe(3);
    const yielded: number[] = [];
    for await (const r of prefetchInOrder([3, 1, 2], 2, fetch)) yielded.push(r);
    expect(yielded).toEqual([30, 10, 20]);
  });

  it("stop at the first failure, fetch or consume, and honour an aborted signal", async () => {
    const consumed: number[] = [];
    await expect(
      mapInOrder(
        [1, 2, 3],
        2,
        async (n) => (n === 2 ? Promise.reject(new Error("two")) : n),
        (r) => void consumed.push(r),
      ),
    ).rejects.toThrow("two");
    expect(consumed).toEqual([1]);
    await expect(
      mapInOrder(
        [1, 2, 3],
        2,
        async (n) => n,
        (r) => {
          if (r === 1) throw new Error("consume");
        },
      ),
    ).rejects.toThrow("consume");
    const controller = new AbortController();
    controller.abort();
    await expect(
      mapInOrder(
        [1],
        1,
        async (n) => n,
        () => undefined,
        controller.signal,
      ),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});
