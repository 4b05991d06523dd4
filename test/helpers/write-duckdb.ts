/**
 * DuckDB as an independent reader of the Parquet files lakelog writes: one in-memory instance
 * per suite (UTC session time zone), queries answered as rows of text.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** A DuckDB connection and a way to close it. */
export interface DuckDB {
  /** Runs `sql` and returns every row, each value rendered with `String` (NULL as null). */
  rows(sql: string): Promise<Array<Array<string | null>>>;
  close(): void;
}

/** Opens an in-memory DuckDB with `TimeZone = 'UTC'`. */
export async function openDuckDB(): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection: DuckDBConnection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return {
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL list of file paths for `read_parquet`. */
export function sqlPaths(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(", ")}]`;
}
