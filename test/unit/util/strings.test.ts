import { describe, expect, it } from "vitest";
import { compareCodePoints } from "../../../src/util/strings.js";

const sign = (n: number) => Math.sign(n);
const utf8Order = (a: string, b: string) => sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

describe("compareCodePoints", () => {
  it("orders exactly as the strings' UTF-8 bytes, also around surrogates and U+E000..U+FFFF", () => {
    const alphabet = ["a", "z", "é", "\u0800", "\ud7ff", "\ue000", "\uffff", "😀", "\u{10000}", "\u{10ffff}", ""];
    const strings: string[] = [];
    for (const x of alphabet) for (const y of alphabet) for (const z of ["", "a", "😀"]) strings.push(x + y + z);
    for (const a of strings) for (const b of strings) expect([a, b, compareCodePoints(a, b)]).toEqual([a, b, utf8Order(a, b)]);
  });
});
