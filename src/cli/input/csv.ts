/**
 * A streaming CSV reader (RFC 4180): quoted fields with `""` escapes and embedded line breaks,
 * CRLF or LF line ends. An unquoted empty field is a null; a quoted empty field (`""`) is an
 * empty string, the same convention `lakelog scan --format csv` writes.
 */
import { CliError } from "../exit.js";

/** One record: its fields, null for an unquoted empty field. */
export type CsvRecord = Array<string | null>;

const State = {
  /** At the start of a field. */
  FieldStart: 0,
  /** Inside an unquoted field. */
  Plain: 1,
  /** Inside quotes. */
  Quoted: 2,
  /** Saw a quote inside quotes: either an escaped quote or the end of the quoted part. */
  QuoteInQuoted: 3,
  /** After a CR: a following LF belongs to the same line end. */
  AfterCR: 4,
} as const;
type State = (typeof State)[keyof typeof State];

/** Incremental CSV parser: feed text, take finished records. */
export class CsvParser {
  private state: State = State.FieldStart;
  private field = "";
  private wasQuoted = false;
  private record: CsvRecord = [];
  private records: CsvRecord[] = [];

  constructor(private readonly delimiter = ",") {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
      throw new CliError("CLI_BAD_INPUT", `not a usable CSV delimiter: ${JSON.stringify(delimiter)}`);
    }
  }

  /** Parses `text`; returns the records it completed. */
  feed(text: string): CsvRecord[] {
    const d = this.delimiter;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      switch (this.state) {
        case State.Quoted: {
          const q = text.indexOf('"', i);
          if (q < 0) {
            this.field += text.slice(i);
            i = text.length;
          } else {
            this.field += text.slice(i, q);
            i = q;
            this.state = State.QuoteInQuoted;
          }
          break;
        }
        case State.QuoteInQuoted:
          if (c === '"') {
            this.field += '"';
            this.state = State.Quoted;
          } else {
            this.state = State.Plain;
            i--; // the end of the quoted part: handle c as plain text
          }
          break;
        case State.AfterCR:
          this.state = State.FieldStart;
          if (c !== "\n") i--;
          break;
        case State.FieldStart:
          if (c === '"') {
            this.state = State.Quoted;
            this.wasQuoted = true;
            break;
          }
          this.state = State.Plain;
          i--;
          break;
        case State.Plain: {
          if (c === d) this.endField();
          else if (c === "\n" || c === "\r") {
            this.endRecord();
            this.state = c === "\r" ? State.AfterCR : State.FieldStart;
          } else {
            let j = i;
            while (j < text.length && text[j] !== d && text[j] !== "\n" && text[j] !== "\r") j++;
            this.field += text.slice(i, j);
            i = j - 1;
          }
          break;
        }
      }
    }
    const done = this.records;
    this.records = [];
    return done;
  }

  /** Ends the input; returns the last record if there is one. */
  end(): CsvRecord[] {
    if (this.state === State.Quoted) throw new CliError("CLI_BAD_INPUT", "the CSV input ends inside a quoted field (a quote is missing)");
    if (this.field !== "" || this.wasQuoted || this.record.length > 0) this.endRecord();
    const done = this.records;
    this.records = [];
    return done;
  }

  private endField(): void {
    this.record.push(this.field === "" && !this.wasQuoted ? null : this.field);
    this.field = "";
    this.wasQuoted = false;
    this.state = State.FieldStart;
  }

  private endRecord(): void {
    const blank = this.record.length === 0 && this.field === "" && !this.wasQuoted;
    if (!blank) {
      this.endField();
      this.records.push(this.record);
    }
    this.record = [];
    this.field = "";
    this.wasQuoted = false;
  }
}

/** Records from text chunks, in groups. */
export async function* csvRecords(chunks: AsyncIterable<string>, delimiter = ","): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser(delimiter);
  for await (const chunk of chunks) {
    const records = parser.feed(chunk);
    if (records.length > 0) yield records;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}
