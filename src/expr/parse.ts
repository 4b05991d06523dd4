/**
 * A small SQL-ish parser for expression strings: predicates as the CLI and `replaceWhere` take
 * them, and value expressions for updates and merges (spec/expressions.md has the grammar):
 *
 * ```text
 * part = 'a' AND id >= 10
 * x IS NOT NULL OR (y < 2.5 AND NOT flag)
 * d IN ('2024-01-01', '2024-01-02')
 * ts BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND '2024-02-01'
 * `weird.name` <> X'00ff'
 * price * (1 - discount / 100)
 * CASE WHEN qty > 10 THEN 'bulk' ELSE lower(kind) END
 * name LIKE 'a\_%' ESCAPE '\\' AND coalesce(source.x, target.x) IS NOT NULL
 * cast(amount AS decimal(12,2))
 * ```
 *
 * Keywords are case-insensitive; strings use single quotes (`''` or `\'` for a quote, `\\` for a
 * backslash); identifiers may be quoted in backticks; `!=` and `<>` are the same; `==` is `=`.
 */
import { ExpressionParseError } from "../errors/expression-errors.js";
import { type Token, tokenize } from "./lex.js";
import { decimalParts } from "../schema/types.js";
import {
  type ArithmeticOp,
  type CaseBranch,
  type CastTypeName,
  type CompareOp,
  DATE_FUNCTIONS,
  type Expression,
  type FunctionName,
  type LiteralExpression,
  type LiteralValue,
} from "./expression.js";

/** Words with a meaning in the grammar; quote them in backticks to use them as column names. */
export const KEYWORDS = new Set([
  "AND",
  "OR",
  "NOT",
  "IN",
  "IS",
  "NULL",
  "TRUE",
  "FALSE",
  "BETWEEN",
  "DATE",
  "TIMESTAMP",
  "TIMESTAMP_NTZ",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "LIKE",
  "ESCAPE",
  "CAST",
  "AS",
]);

/** Functions by the names the parser accepts (`substr` is `substring`); `cast` has its own syntax. */
export const FUNCTIONS: Readonly<Record<string, FunctionName>> = {
  coalesce: "coalesce",
  lower: "lower",
  lcase: "lower",
  upper: "upper",
  ucase: "upper",
  substring: "substring",
  substr: "substring",
  abs: "abs",
  length: "length",
  char_length: "length",
  trim: "trim",
  concat: "concat",
  ...DATE_FUNCTIONS,
};

/** Type names `cast` accepts, with their Delta spelling (decimal handled apart). */
export const CAST_TYPES: Readonly<Record<string, CastTypeName>> = {
  string: "string",
  varchar: "string",
  boolean: "boolean",
  bool: "boolean",
  byte: "byte",
  tinyint: "byte",
  short: "short",
  smallint: "short",
  int: "integer",
  integer: "integer",
  long: "long",
  bigint: "long",
  float: "float",
  real: "float",
  double: "double",
  date: "date",
  timestamp: "timestamp",
  timestamp_ltz: "timestamp",
  timestamp_ntz: "timestamp_ntz",
  binary: "binary",
};

const OPS: Record<string, CompareOp> = { "=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

class Parser {
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  /** The current token (a method, so checks on one read do not narrow the next). */
  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private fail(expected: string): never {
    const t = this.peek();
    throw new ExpressionParseError(this.input, t.pos, expected, t.kind === "end" ? "end of input" : JSON.stringify(t.text));
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "ident" && t.value.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(word);
  }

  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "punct" && t.value === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(`'${p}'`);
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
    const left = this.parseAdditive();
    const t = this.peek();
    if (t.kind === "op") {
      this.i++;
      return { kind: "compare", op: OPS[t.value]!, left, right: this.parseAdditive() };
    }
    if (this.acceptKeyword("IS")) {
      const negated = this.acceptKeyword("NOT");
      if (!this.acceptKeyword("NULL")) this.fail("NULL");
      return { kind: negated ? "isNotNull" : "isNull", child: left };
    }
    const negated = this.isKeyword("NOT") && (this.isKeyword("IN", 1) || this.isKeyword("BETWEEN", 1) || this.isKeyword("LIKE", 1));
    if (negated) this.i++;
    const wrap = (e: Expression): Expression => (negated ? { kind: "not", child: e } : e);
    if (this.acceptKeyword("IN")) return wrap({ kind: "in", value: left, list: this.parseList() });
    if (this.acceptKeyword("BETWEEN")) {
      const low = this.parseAdditive();
      this.expectKeyword("AND");
      const high = this.parseAdditive();
      return wrap({
        kind: "and",
        children: [
          { kind: "compare", op: ">=", left, right: low },
          { kind: "compare", op: "<=", left, right: high },
        ],
      });
    }
    if (this.acceptKeyword("LIKE")) {
      const pattern = this.parseAdditive();
      if (!this.acceptKeyword("ESCAPE")) return wrap({ kind: "like", value: left, pattern });
      const e = this.peek();
      if (e.kind !== "string" || [...e.value].length !== 1) this.fail("a one-character string after ESCAPE");
      this.i++;
      return wrap({ kind: "like", value: left, pattern, escape: e.value });
    }
    return left;
  }

  /** `+`, `-` and `||` (one precedence level, left to right, as in Spark). */
  private parseAdditive(): Expression {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "punct" || (t.value !== "+" && t.value !== "-" && t.value !== "||")) return left;
      this.i++;
      const right = this.parseMultiplicative();
      left = t.value === "||" ? { kind: "concat", left, right } : { kind: "arithmetic", op: t.value as ArithmeticOp, left, right };
    }
  }

  private parseMultiplicative(): Expression {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "punct" || (t.value !== "*" && t.value !== "/" && t.value !== "%")) return left;
      this.i++;
      left = { kind: "arithmetic", op: t.value as ArithmeticOp, left, right: this.parseUnary() };
    }
  }

  private parseUnary(): Expression {
    if (this.isPunct("-")) {
      if (this.peek(1).kind === "number") return this.parseNumber();
      this.i++;
      return { kind: "negate", child: this.parseUnary() };
    }
    if (this.isPunct("+")) {
      this.i++;
      return this.parseUnary();
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expression {
    const t = this.peek();
    if (this.isPunct("(")) {
      this.i++;
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    if (this.isKeyword("CASE")) return this.parseCase();
    if (this.isKeyword("CAST") && this.isPunct("(", 1)) return this.parseCast();
    if (t.kind === "ident" && this.isPunct("(", 1) && !KEYWORDS.has(t.value.toUpperCase())) return this.parseCall();
    if (t.kind === "quoted" || (t.kind === "ident" && !KEYWORDS.has(t.value.toUpperCase()))) return this.parseColumn();
    return this.parseLiteral();
  }

  private parseCase(): Expression {
    this.i++;
    const operand = this.isKeyword("WHEN") ? undefined : this.parseOr();
    const branches: CaseBranch[] = [];
    while (this.acceptKeyword("WHEN")) {
      const when = this.parseOr();
      this.expectKeyword("THEN");
      branches.push({ when, then: this.parseOr() });
    }
    if (branches.length === 0) this.fail("WHEN");
    const otherwise = this.acceptKeyword("ELSE") ? this.parseOr() : undefined;
    if (!this.acceptKeyword("END")) this.fail(otherwise ? "END" : "WHEN, ELSE or END");
    return { kind: "case", ...(operand ? { operand } : {}), branches, ...(otherwise ? { otherwise } : {}) };
  }

  private parseCast(): Expression {
    this.i += 2;
    const child = this.parseOr();
    this.expectKeyword("AS");
    const type = this.parseTypeName();
    this.expectPunct(")");
    return { kind: "cast", child, type };
  }

  private parseTypeName(): CastTypeName {
    const t = this.peek();
    const word = t.kind === "ident" ? t.value.toLowerCase() : "";
    if (word === "decimal" || word === "dec" || word === "numeric") {
      this.i++;
      let precision = 10;
      let scale = 0;
      if (this.isPunct("(")) {
        this.i++;
        precision = this.parseSmallInt("a precision (1 to 38)", 1, 38);
        if (this.isPunct(",")) {
          this.i++;
          scale = this.parseSmallInt(`a scale (0 to ${precision})`, 0, precision);
        }
        this.expectPunct(")");
      }
      const type = `decimal(${precision},${scale})` as CastTypeName;
      return decimalParts(type) ? type : this.fail("a decimal type");
    }
    const type = CAST_TYPES[word];
    if (!type) this.fail(`a type name (${Object.keys(CAST_TYPES).join(", ")}, decimal(p,s))`);
    this.i++;
    return type;
  }

  private parseSmallInt(expected: string, min: number, max: number): number {
    const t = this.peek();
    const n = t.kind === "number" && /^\d+$/.test(t.value) ? Number(t.value) : NaN;
    if (!(n >= min && n <= max)) this.fail(expected);
    this.i++;
    return n;
  }

  private parseCall(): Expression {
    const t = this.peek();
    const name = FUNCTIONS[t.value.toLowerCase()];
    if (!name) this.fail(`a known function (${[...new Set(Object.values(FUNCTIONS))].join(", ")}, cast)`);
    this.i += 2;
    const args: Expression[] = [];
    if (!this.isPunct(")")) {
      args.push(this.parseOr());
      while (this.isPunct(",")) {
        this.i++;
        args.push(this.parseOr());
      }
    }
    this.expectPunct(")");
    return { kind: "call", name, args };
  }

  private parseList(): LiteralExpression[] {
    this.expectPunct("(");
    const list = [this.parseLiteral()];
    while (this.isPunct(",")) {
      this.i++;
      list.push(this.parseLiteral());
    }
    this.expectPunct(")");
    return list;
  }

  private parseColumn(): Expression {
    const path: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== "quoted" && t.kind !== "ident") this.fail("a column name");
      path.push(t.value);
      this.i++;
      if (!this.isPunct(".")) return { kind: "column", path };
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
 * Parses an expression string (a predicate or a value expression) into an {@link Expression}
 * (unbound: columns and types are checked by `bind` / `bindValue`). Throws
 * {@link ExpressionParseError} with the position (offset, line:column, caret excerpt) and what
 * was expected there.
 *
 * @example
 * parseExpression("part = 'a' AND id >= 10");
 * parseExpression("d IN ('2024-01-01', '2024-01-02')");
 */
export function parseExpression(input: string): Expression {
  return new Parser(input, tokenize(input)).parse();
}
