/**
 * The tokenizer of the expression language: identifiers, backtick-quoted names, strings,
 * numbers, hex literals, operators and punctuation, each with its offset in the input.
 */
import { ExpressionParseError } from "../errors/expression-errors.js";

export type TokenKind = "ident" | "quoted" | "string" | "number" | "hex" | "op" | "punct" | "end";

/** One token: its kind, text as written, decoded value and 0-based offset. */
export interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value: identifier name, string contents, hex bytes, number text. */
  value: string;
  pos: number;
}

/** Splits `input` into tokens, ending with an `end` token. Throws {@link ExpressionParseError}. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (pos: number, expected: string): never => {
    throw new ExpressionParseError(input, pos, expected, JSON.stringify(input.slice(pos, pos + 10)));
  };
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const rest = input.slice(i);
    let m: RegExpExecArray | null;
    if ((c === "X" || c === "x") && input[i + 1] === "'") {
      const str = readQuoted(input, i + 1, "'", fail);
      if (!/^([0-9a-fA-F]{2})*$/.test(str.value)) fail(i + 2, "an even number of hex digits");
      tokens.push({ kind: "hex", text: input.slice(start, str.end), value: str.value, pos: start });
      i = str.end;
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      tokens.push({ kind: "ident", text: m[0], value: m[0], pos: start });
      i += m[0].length;
    } else if (c === "`") {
      const q = readQuoted(input, i, "`", fail);
      tokens.push({ kind: "quoted", text: input.slice(start, q.end), value: q.value, pos: start });
      i = q.end;
    } else if (c === "'") {
      const s = readQuoted(input, i, "'", fail);
      tokens.push({ kind: "string", text: input.slice(start, s.end), value: s.value, pos: start });
      i = s.end;
    } else if ((m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest))) {
      tokens.push({ kind: "number", text: m[0], value: m[0], pos: start });
      i += m[0].length;
    } else if ((m = /^(<=|>=|<>|!=|==|=|<|>)/.exec(rest))) {
      tokens.push({ kind: "op", text: m[0], value: m[0], pos: start });
      i += m[0].length;
    } else if (rest.startsWith("||")) {
      tokens.push({ kind: "punct", text: "||", value: "||", pos: start });
      i += 2;
    } else if ("(),.-+*/%".includes(c)) {
      tokens.push({ kind: "punct", text: c, value: c, pos: start });
      i++;
    } else {
      fail(i, "a column, literal, operator or parenthesis");
    }
  }
  tokens.push({ kind: "end", text: "", value: "", pos: input.length });
  return tokens;
}

function readQuoted(
  input: string,
  start: number,
  quote: string,
  fail: (pos: number, expected: string) => never,
): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  for (;;) {
    if (i >= input.length) fail(start, `a closing ${quote}`);
    const c = input[i]!;
    if (c === quote) {
      if (input[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (quote === "'" && c === "\\" && (input[i + 1] === "'" || input[i + 1] === "\\")) {
      value += input[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
}
