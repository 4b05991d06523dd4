/**
 * A small SQL-ish parser for predicate strings, as the CLI and `replaceWhere` take them:
 *
 * ```text
 * part = 'a' AND id >= 10
 * x IS NOT NULL OR (y < 2.5 AND NOT flag)
 * d IN ('2024-01-01', '2024-01-02')
 * ts BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND '2024-02-01'
 * `weird.name` <> X'00ff'
 * ```
 *
 * Keywords are case-insensitive; strings use single quotes (`''` or `\'` for a quote, `\\` for a
 * backslash); identifiers may be quoted in backticks; `!=` and `<>` are the same; `==` is `=`.
 */
import { ExpressionParseError } from "../errors/expression-errors.js";
import type { CompareOp, Expression, LiteralExpression, LiteralValue, Operand } from "./expression.js";

type TokenKind = "ident" | "quoted" | "string" | "number" | "hex" | "op" | "punct" | "end";

interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value: identifier name, string contents, hex bytes, number text. */
  value: string;
  pos: number;
}

/** Words with a meaning in the grammar; quote them in backticks to use them as column names. */
export const KEYWORDS = new Set(["AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE", "BETWEEN", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ"]);

const OPS: Record<string, CompareOp> = { "=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

function tokenize(input: string): Token[] {
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
    } else if ("(),.-".includes(c)) {
      tokens.push({ kind: "punct", text: c, value: c, pos: start });
      i++;
    } else {
      fail(i, "a column, literal, operator or parenthesis");
    }
  }
  tokens.push({ kind: "end", text: "", value: "", pos: input.length });
  return tokens;
}

function readQuoted(input: string, start: number, quote: string, fail: (pos: number, expected: string) => never): { value: string; end: number } {
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

class Parser {
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  /** The current token (a method, so checks on one read do not narrow the next). */
  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private fail(expected: string): never {
    const t = this.peek();
    throw new ExpressionParseError(this.input, t.pos, expected, t.kind === "end" ? "end of input" : JSON.stringify(t.text));
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && t.kind === "ident" && t.value.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectPunct(p: string): void {
    if (this.peek().kind !== "punct" || this.peek().value !== p) this.fail(`'${p}'`);
    this.i++;
  }

  parse(): Expression {
    if (this.peek().kind === "end") this.fail("a predicate");
    const expr = this.parseOr();
    if (this.peek().kind !== "end") this.fail("AND, OR or end of input");
    return expr;
  }

  private parseOr(): Expression {
    const children = [this.parseAnd()];
    while (this.acceptKeyword("OR")) children.push(this.parseAnd());
    return children.length === 1 ? children[0]! : { kind: "or", children };
  }

  private parseAnd(): Expression {
    const children = [this.parseNot()];
    while (this.acceptKeyword("AND")) children.push(this.parseNot());
    return children.length === 1 ? children[0]! : { kind: "and", children };
  }

  private parseNot(): Expression {
    if (this.acceptKeyword("NOT")) return { kind: "not", child: this.parseNot() };
    return this.parsePredicate();
  }

  private parsePredicate(): Expression {
    if (this.peek().kind === "punct" && this.peek().value === "(") {
      this.i++;
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    const left = this.parseOperand();
    const t = this.peek();
    if (t.kind === "op") {
      this.i++;
      return { kind: "compare", op: OPS[t.value]!, left, right: this.parseOperand() };
    }
    if (this.acceptKeyword("IS")) {
      const negated = this.acceptKeyword("NOT");
      if (!this.acceptKeyword("NULL")) this.fail("NULL");
      return { kind: negated ? "isNotNull" : "isNull", child: left };
    }
    const negated = this.isKeyword("NOT") && (this.isKeyword("IN", 1) || this.isKeyword("BETWEEN", 1));
    if (negated) this.i++;
    if (this.acceptKeyword("IN")) {
      const inExpr: Expression = { kind: "in", value: left, list: this.parseList() };
      return negated ? { kind: "not", child: inExpr } : inExpr;
    }
    if (this.acceptKeyword("BETWEEN")) {
      const low = this.parseOperand();
      if (!this.acceptKeyword("AND")) this.fail("AND");
      const high = this.parseOperand();
      const range: Expression = {
        kind: "and",
        children: [
          { kind: "compare", op: ">=", left, right: low },
          { kind: "compare", op: "<=", left, right: high },
        ],
      };
      return negated ? { kind: "not", child: range } : range;
    }
    return left;
  }

  private parseList(): LiteralExpression[] {
    this.expectPunct("(");
    const list = [this.parseLiteral()];
    while (this.peek().kind === "punct" && this.peek().value === ",") {
      this.i++;
      list.push(this.parseLiteral());
    }
    this.expectPunct(")");
    return list;
  }

  private parseOperand(): Operand {
    const t = this.peek();
    if (t.kind === "quoted" || (t.kind === "ident" && !KEYWORDS.has(t.value.toUpperCase()))) return this.parseColumn();
    return this.parseLiteral();
  }

  private parseColumn(): Operand {
    const path: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== "quoted" && t.kind !== "ident") this.fail("a column name");
      path.push(t.value);
      this.i++;
      if (!(this.peek().kind === "punct" && this.peek().value === ".")) return { kind: "column", path };
      this.i++;
    }
  }

  private parseLiteral(): LiteralExpression {
    const t = this.peek();
    if (t.kind === "string") {
      this.i++;
      return { kind: "literal", value: t.value };
    }
    if (t.kind === "hex") {
      this.i++;
      const bytes = new Uint8Array(t.value.length / 2);
      for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(t.value.slice(2 * k, 2 * k + 2), 16);
      return { kind: "literal", value: bytes };
    }
    if (t.kind === "number" || (t.kind === "punct" && t.value === "-")) return this.parseNumber();
    if (t.kind === "ident") {
      const word = t.value.toUpperCase();
      const constants: Record<string, LiteralValue> = { NULL: null, TRUE: true, FALSE: false };
      if (word in constants) {
        this.i++;
        return { kind: "literal", value: constants[word]! };
      }
      if (word === "DATE" || word === "TIMESTAMP" || word === "TIMESTAMP_NTZ") {
        this.i++;
        if (this.peek().kind !== "string") this.fail(`a quoted ${word.toLowerCase()} after ${word}`);
        return this.parseLiteral();
      }
    }
    return this.fail("a column or literal");
  }

  private parseNumber(): LiteralExpression {
    let sign = "";
    if (this.peek().kind === "punct") {
      sign = "-";
      this.i++;
      if (this.peek().kind !== "number") this.fail("a number after '-'");
    }
    const text = sign + this.peek().value;
    this.i++;
    if (/^-?\d+$/.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? { kind: "literal", value: n, text } : { kind: "literal", value: BigInt(text), text };
    }
    return { kind: "literal", value: Number(text), text };
  }
}

/**
 * Parses a predicate string into an {@link Expression} (unbound: columns are checked by `bind`).
 * Throws {@link ExpressionParseError} with the position and what was expected.
 *
 * @example
 * parseExpression("part = 'a' AND id >= 10");
 * parseExpression("d IN ('2024-01-01', '2024-01-02')");
 */
export function parseExpression(input: string): Expression {
  return new Parser(input, tokenize(input)).parse();
}
