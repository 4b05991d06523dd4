/**
 * A string-keyed hash index over a column of keys, built for log replay's one hot loop:
 * `keyOf(slot)` is the replay key of file slot `slot`, and the index finds the live slot of a key.
 *
 * Measured here: a `Map<string, number>` costs 80–150 ms for 300,000 fresh path strings (growth
 * and per-entry overhead), about half of JSON-parsing the log that produced them. This index keeps
 * `(hash, slot)` pairs side by side in one `Int32Array` (one cache line per probe) with open
 * addressing and linear probing, hashes with FNV-1a over UTF-16 units, and stores no keys of its
 * own: it compares against the column, so entering a key allocates nothing.
 */

/** A cell's slot word: 0 is empty (a fresh `Int32Array` is all empty), -1 deleted, else slot + 1. */
const EMPTY = 0;
const DELETED = -1;
/** Int32s per cell: the key's hash, then its slot word. */
const CELL = 2;
/** Keys hashed ahead of probing by {@link KeyTable.insertRange}. */
const HASH_BATCH = 4096;
/** Largest share of cells in use (live or deleted) before the table is rebuilt. */
const MAX_LOAD = 0.5;

/** The keys a {@link KeyTable} indexes. A slot's key must not change while the slot is in the table. */
export type KeyOf = (slot: number) => string;

/** Maps string keys to slots (non-negative integers) of a key column; at most one live slot per key. */
export class KeyTable {
  private cells = new Int32Array(1024 * CELL);
  private used = 0; // occupied + deleted cells
  private count = 0;
  private readonly batchHashes = new Int32Array(HASH_BATCH);

  /** @param keyOf the key column: the key of slot `s` is `keyOf(s)`. */
  constructor(private readonly keyOf: KeyOf) {}

  /** Number of live keys. */
  get size(): number {
    return this.count;
  }

  /** Makes room for about `entries` keys at once (avoids repeated growth when the count is known). */
  reserve(entries: number): void {
    let capacity = this.capacity;
    while (capacity * MAX_LOAD < entries) capacity *= 2;
    if (capacity > this.capacity) this.rehash(capacity);
  }

  /** The live slot of `key`, or -1. */
  get(key: string): number {
    const cell = this.find(key, hashString(key));
    return cell < 0 ? -1 : this.cells[cell + 1]! - 1;
  }

  /**
   * Enters slot `slot` under its key `keyOf(slot)`: it becomes the key's live slot. Returns the
   * slot it replaces, or -1 when the key was absent.
   */
  insert(slot: number): number {
    return this.insertHashed(slot, hashString(this.keyOf(slot)));
  }

  /**
   * Enters slots `from` to `to - 1`, oldest first, exactly as that many {@link insert} calls
   * would; returns the slots they replaced. The run is hashed in batches before it is probed:
   * with nothing in between, the CPU overlaps the probes' cache misses instead of waiting on
   * each one after hashing the next key.
   */
  insertRange(from: number, to: number): number[] {
    const replaced: number[] = [];
    const hashes = this.batchHashes;
    for (let start = from; start < to; start += hashes.length) {
      const end = Math.min(to, start + hashes.length);
      for (let slot = start; slot < end; slot++) hashes[slot - start] = hashString(this.keyOf(slot));
      for (let slot = start; slot < end; slot++) {
        const previous = this.insertHashed(slot, hashes[slot - start]!);
        if (previous >= 0) replaced.push(previous);
      }
    }
    return replaced;
  }

  /** Removes `key`; returns its slot, or -1 when absent. */
  delete(key: string): number {
    const cell = this.find(key, hashString(key));
    if (cell < 0) return -1;
    const slot = this.cells[cell + 1]! - 1;
    this.cells[cell + 1] = DELETED;
    this.count--;
    return slot;
  }

  private get capacity(): number {
    return this.cells.length / CELL;
  }

  /** {@link insert} with the key's hash already computed. */
  private insertHashed(slot: number, hash: number): number {
    if (this.used + 1 > this.capacity * MAX_LOAD) this.grow();
    const cell = this.probe(this.keyOf(slot), hash);
    if (cell >= 0) {
      const previous = this.cells[cell + 1]! - 1;
      this.cells[cell + 1] = slot + 1;
      return previous;
    }
    this.cells[~cell] = hash;
    this.cells[~cell + 1] = slot + 1;
    this.used++;
    this.count++;
    return -1;
  }

  /** The offset in `cells` of the cell holding `key`, or -1. */
  private find(key: string, hash: number): number {
    const cell = this.probe(key, hash);
    return cell >= 0 ? cell : -1;
  }

  /**
   * The offset in `cells` of the cell holding `key`; when absent, `~offset` of the empty cell
   * that ends its probe sequence (where it would be placed).
   */
  private probe(key: string, hash: number): number {
    const cells = this.cells;
    const mask = cells.length - CELL;
    for (let cell = firstCell(hash, mask); ; cell = (cell + CELL) & mask) {
      const word = cells[cell + 1]!;
      if (word === EMPTY) return ~cell;
      if (word !== DELETED && cells[cell] === hash && this.keyOf(word - 1) === key) return cell;
    }
  }

  /** Writes `(hash, word)` into the first empty cell of its probe sequence. */
  private place(hash: number, word: number): void {
    const cells = this.cells;
    const mask = cells.length - CELL;
    let cell = firstCell(hash, mask);
    while (cells[cell + 1] !== EMPTY) cell = (cell + CELL) & mask;
    cells[cell] = hash;
    cells[cell + 1] = word;
  }

  /** Rebuilds the table, doubled until the live keys fill at most a quarter of it (deleted cells are dropped). */
  private grow(): void {
    let capacity = this.capacity;
    while (capacity * MAX_LOAD < this.count * 2) capacity *= 2;
    this.rehash(capacity);
  }

  /** Moves the live cells into a table of `capacity` cells (a power of two), dropping deleted ones. */
  private rehash(capacity: number): void {
    const old = this.cells;
    this.cells = new Int32Array(capacity * CELL);
    for (let cell = 0; cell < old.length; cell += CELL) {
      const word = old[cell + 1]!;
      if (word > 0) this.place(old[cell]!, word);
    }
    this.used = this.count;
  }
}

/** Where the probe sequence of `hash` starts (int32 arithmetic: CELL is 2). */
function firstCell(hash: number, mask: number): number {
  return (hash << 1) & mask;
}

/** FNV-1a over UTF-16 code units, finished with a murmur-style mix. */
export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
