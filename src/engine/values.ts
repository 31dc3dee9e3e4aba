/**
 * Value representations held in the keyspace. Strings are binary strings (one char per
 * byte, latin1) — compact in V8 and immutable, so a reply or an effect can share them. A
 * string edited in place (APPEND, SETRANGE, SETBIT) becomes a RawString with a growable
 * buffer, which is also what Redis reports as the "raw" encoding. Collection types
 * (hash, list, set, zset) implement `CollectionValue`.
 */

export class RawString {
  buf: Buffer;
  len: number;

  constructor(initial: string, capacity = initial.length) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, initial.length, 16));
    this.len = this.buf.write(initial, 0, 'latin1');
  }

  /** Make room for `size` bytes, zero-filling any new bytes up to `size`. */
  ensure(size: number): void {
    if (size > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    if (size > this.len) {
      this.buf.fill(0, this.len, size);
      this.len = size;
    }
  }

  write(offset: number, bytes: string): void {
    this.ensure(offset + bytes.length);
    this.buf.write(bytes, offset, 'latin1');
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.len);
  }

  slice(start: number, end: number): string {
    return this.buf.toString('latin1', start, end);
  }
}

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** What every collection type implements; the families of the data-types issue add them. */
export interface CollectionValue {
  readonly type: Exclude<TypeName, 'string'>;
  /** OBJECT ENCODING, following Redis's thresholds. */
  encoding(): string;
  /** Deep copy (COPY, effects that must not alias live state). */
  clone(): CollectionValue;
  /** Number of elements. */
  readonly size: number;
  /**
   * A deterministic serialisation of the contents for digests: the same logical value gives
   * the same strings whatever its history or encoding (unordered types sort their elements).
   */
  canonical(): string[];
}

export type StringValue = string | RawString;
export type Value = StringValue | CollectionValue;

export function isString(v: Value): v is StringValue {
  return typeof v === 'string' || v instanceof RawString;
}

export function stringOf(v: StringValue): string {
  return typeof v === 'string' ? v : v.toString();
}

export function stringLength(v: StringValue): number {
  return typeof v === 'string' ? v.length : v.len;
}

export function typeOf(v: Value): TypeName {
  if (typeof v === 'string' || v instanceof RawString) return 'string';
  return v.type;
}

/** Redis's string encodings: int for a canonical integer of at most 20 chars, embstr up to 44 bytes. */
export function stringEncoding(v: StringValue): string {
  if (typeof v !== 'string') return 'raw';
  if (v.length <= 20 && isCanonicalLong(v)) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

function isCanonicalLong(s: string): boolean {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return false;
  const b = BigInt(s);
  return b >= -9223372036854775808n && b <= 9223372036854775807n;
}

export function cloneValue(v: Value): Value {
  if (typeof v === 'string') return v;
  if (v instanceof RawString) return new RawString(v.toString());
  return v.clone();
}
