/**
 * The JS forms of variant values that have no exact plain-JS equivalent, and the encoded pair.
 *
 * {@link decodeVariant} returns these for decimals, dates, timestamps, times and UUIDs (a `Date`
 * would drop microseconds, a number would round a decimal), and {@link encodeVariant} accepts
 * them back, so such values keep their exact variant type through a round trip. Each has a
 * `toJSON` giving the text a JSON rendering shows. Pure.
 */

/** An encoded variant: the `metadata` dictionary and the `value` bytes (the unshredded Parquet pair). */
export class EncodedVariant {
  constructor(
    readonly metadata: Uint8Array,
    readonly value: Uint8Array,
  ) {}
}

/** An exact decimal: `unscaled × 10^-scale`; scale 0..38, at most 38 digits. */
export class VariantDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  /** Exact decimal text, e.g. `-12.50` for unscaled -1250 at scale 2. */
  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString().padStart(this.scale + 1, "0");
    const text = this.scale === 0 ? digits : `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`;
    return negative ? `-${text}` : text;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A calendar date: days since 1970-01-01. */
export class VariantDate {
  constructor(readonly days: number) {}

  /** `YYYY-MM-DD` (proleptic Gregorian, UTC). */
  toString(): string {
    return new Date(this.days * 86_400_000).toISOString().slice(0, 10);
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * A timestamp: `epoch` units since 1970-01-01T00:00:00 (`micros` or `nanos`), adjusted to UTC
 * (`timestamp`) or not (`timestamp_ntz`, a wall-clock reading).
 */
export class VariantTimestamp {
  constructor(
    readonly epoch: bigint,
    readonly unit: "micros" | "nanos" = "micros",
    readonly adjustedToUtc = true,
  ) {}

  /** The same instant (or wall-clock reading) as a `Date`; sub-millisecond digits are dropped. */
  toDate(): Date {
    const perMs = this.unit === "micros" ? 1000n : 1_000_000n;
    let ms = this.epoch / perMs;
    if (this.epoch % perMs < 0n) ms -= 1n;
    return new Date(Number(ms));
  }

  /** ISO-8601 with every fractional digit, `Z` when adjusted to UTC (e.g. `2024-05-01T10:00:00.000001Z`). */
  toString(): string {
    const digits = this.unit === "micros" ? 6 : 9;
    const per = 10n ** BigInt(digits);
    let seconds = this.epoch / per;
    let fraction = this.epoch % per;
    if (fraction < 0n) {
      seconds -= 1n;
      fraction += per;
    }
    const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
    return `${base}.${fraction.toString().padStart(digits, "0")}${this.adjustedToUtc ? "Z" : ""}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A time of day without zone: microseconds since midnight. */
export class VariantTime {
  constructor(readonly micros: bigint) {}

  /** `HH:MM:SS.ffffff`. */
  toString(): string {
    const total = Number(this.micros / 1_000_000n);
    const pad = (n: number) => String(n).padStart(2, "0");
    const fraction = (this.micros % 1_000_000n).toString().padStart(6, "0");
    return `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}.${fraction}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A UUID: its 16 bytes in big-endian (network) order. */
export class VariantUuid {
  constructor(readonly bytes: Uint8Array) {}

  /** Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; undefined when the text is not a UUID. */
  static parse(text: string): VariantUuid | undefined {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return undefined;
    const hex = text.replace(/-/g, "");
    return new VariantUuid(Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)));
  }

  /** Lower-case `8-4-4-4-12` hex text. */
  toString(): string {
    const hex = Array.from(this.bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * What {@link decodeVariant} returns and {@link encodeVariant} accepts (besides `Date`, which
 * encodes as a UTC timestamp, and `undefined`, which is skipped in objects and null in arrays).
 */
export type VariantValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | VariantDecimal
  | VariantDate
  | VariantTimestamp
  | VariantTime
  | VariantUuid
  | VariantValue[]
  | { [key: string]: VariantValue };
