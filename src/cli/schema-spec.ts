/**
 * Schemas given on the command line: a compact DDL (`id long not null, name string,
 * price decimal(10,2), tags array<string>, attrs map<string, int>, at struct<x: double, y: double>`)
 * or the Delta schema JSON (`{"type":"struct","fields":[...]}`), inline or from `@file.json`.
 */
import { readFileSync } from "node:fs";
import { type DataType, InvalidSchemaError, isSimpleTypeName, parseSchemaString, type StructField, type StructType } from "../index.js";
import { UsageError } from "./exit.js";

const ALIASES: Record<string, string> = {
  int: "integer",
  bigint: "long",
  smallint: "short",
  tinyint: "byte",
  bool: "boolean",
  varchar: "string",
  text: "string",
  real: "float",
};

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new UsageError(`--schema: ${what} at character ${this.pos + 1} of ${JSON.stringify(this.text)}`);
  }

  skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(token: string): boolean {
    this.skip();
    return this.text.slice(this.pos, this.pos + token.length).toLowerCase() === token;
  }

  eat(token: string): void {
    if (!this.peek(token)) this.fail(`expected ${JSON.stringify(token)}`);
    this.pos += token.length;
  }

  word(): string {
    this.skip();
    if (this.text[this.pos] === "`") {
      const end = this.text.indexOf("`", this.pos + 1);
      if (end < 0) this.fail("unclosed backquote");
      const name = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return name;
    }
    const m = /^[A-Za-z_][\w]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail("expected a name");
    this.pos += m[0].length;
    return m[0];
  }

  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }

  fields(): StructField[] {
    const out: StructField[] = [];
    for (;;) {
      const name = this.word();
      if (this.peek(":")) this.eat(":");
      const type = this.type();
      let nullable = true;
      if (this.peek("not null")) {
        this.eat("not null");
        nullable = false;
      }
      out.push({ name, type, nullable, metadata: {} });
      if (!this.peek(",")) break;
      this.eat(",");
    }
    return out;
  }

  type(): DataType {
    const raw = this.word().toLowerCase();
    const name = ALIASES[raw] ?? raw;
    if (isSimpleTypeName(name)) return name;
    if (name === "decimal" || name === "numeric") {
      this.eat("(");
      const precision = this.number();
      this.eat(",");
      const scale = this.number();
      this.eat(")");
      if (precision < 1 || precision > 38 || scale > precision)
        this.fail(`decimal(${precision},${scale}) needs 1 ≤ precision ≤ 38 and scale ≤ precision`);
      return `decimal(${precision},${scale})`;
    }
    if (name === "array") {
      this.eat("<");
      const elementType = this.type();
      this.eat(">");
      return { type: "array", elementType, containsNull: true };
    }
    if (name === "map") {
      this.eat("<");
      const keyType = this.type();
      this.eat(",");
      const valueType = this.type();
      this.eat(">");
      return { type: "map", keyType, valueType, valueContainsNull: true };
    }
    if (name === "struct") {
      this.eat("<");
      const fields = this.fields();
      this.eat(">");
      return { type: "struct", fields };
    }
    return this.fail(`unknown type ${raw}`);
  }

  number(): number {
    this.skip();
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (!m) this.fail("expected a number");
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

/** Parses a `--schema` value (DDL, JSON, or `@file`). */
export function parseSchemaSpec(spec: string): StructType {
  let text = spec.trim();
  if (text.startsWith("@")) {
    try {
      text = readFileSync(text.slice(1), "utf8").trim();
    } catch (err) {
      throw new UsageError(`--schema: cannot read ${text.slice(1)}: ${(err as Error).message}`);
    }
  }
  if (text.startsWith("{")) {
    // the log's own schema parser: every type and field checked, as for a table's schemaString
    try {
      return parseSchemaString(text);
    } catch (err) {
      if (err instanceof InvalidSchemaError) throw new UsageError(`--schema: ${err.message}`);
      throw err;
    }
  }
  const parser = new Parser(text);
  const fields = parser.fields();
  if (!parser.atEnd()) parser.fail("unexpected text");
  return { type: "struct", fields };
}
