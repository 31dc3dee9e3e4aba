/**
 * Approximate memory accounting in Redis's terms, for MEMORY USAGE and MEMORY STATS: what a
 * key and its value would occupy in a Redis 7.0 built with jemalloc (robj headers, sds headers,
 * dict entries, jemalloc size classes). Strings are exact (checked against Redis in tests);
 * collections are estimated unless the value type reports its own size. Pure: reads values,
 * never changes them.
 */
import { RawString, type StringValue, type Value, isString, stringEncoding } from './values';

/** sizeof(robj), sizeof(dictEntry) and sizeof(dictEntry*) on 64-bit Redis. */
const robjBytes = 16;
const dictEntryBytes = 24;
const pointerBytes = 8;
/** Redis PROTO_MBULK_BIG_ARG: bulk arguments this long keep the query buffer's 2 spare bytes. */
const bigArgBytes = 32 * 1024;

/** A collection value that knows its Redis-equivalent size; types may implement it. */
export interface MemorySized {
  /** Bytes of the value (without key and dict entry), sampling at most `samples` elements (0: all). */
  memoryUsage(samples: number): number;
}

function isMemorySized(v: unknown): v is MemorySized {
  return typeof (v as Partial<MemorySized>).memoryUsage === 'function';
}

/** jemalloc's size class for an allocation of `n` bytes (8, 16, 32, 48 ... then 4 classes per doubling). */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  let pow = 128;
  while (pow * 2 < n) pow *= 2;
  const step = pow / 4;
  return Math.ceil(n / step) * step;
}

/** Header bytes of an sds string of `len` bytes (sdsReqType; type 5 only for short keys). */
function sdsHeaderBytes(len: number, allowType5: boolean): number {
  if (len < 32 && allowType5 && len > 0) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 4294967296) return 9;
  return 17;
}

/** zmalloc_size of an sds holding `len` bytes with room for `alloc` (>= len). */
function sdsBytes(len: number, alloc: number, allowType5: boolean): number {
  return allocSize(sdsHeaderBytes(alloc, allowType5) + alloc + 1);
}

/** What a key costs besides its value: its sds and the dict entry. */
export function keyOverhead(key: string): number {
  return sdsBytes(key.length, key.length, true) + dictEntryBytes;
}

/** Redis objectComputeSize for a string value. */
export function stringUsage(v: StringValue): number {
  if (v instanceof RawString) return robjBytes + sdsBytes(v.len, Math.max(v.len, v.buf.length), false);
  const enc = stringEncoding(v);
  if (enc === 'int') return robjBytes;
  if (enc === 'embstr') return allocSize(robjBytes + 3 + v.length + 1);
  return robjBytes + sdsBytes(v.length, v.length >= bigArgBytes ? v.length + 2 : v.length, false);
}

/**
 * Estimate for a collection that does not report its size: compact encodings (listpack,
 * intset) at ~12 bytes per element in one allocation; hash tables and skiplists at a dict
 * entry, a pointer slot and a ~32-byte element object per element.
 */
function collectionEstimate(v: Exclude<Value, StringValue>): number {
  const n = v.size;
  const enc = v.encoding();
  if (enc === 'listpack' || enc === 'intset' || enc === 'ziplist') return robjBytes + allocSize(7 + n * 12);
  if (enc === 'quicklist') return robjBytes + 48 + Math.ceil(n / 128) * (32 + allocSize(7 + 128 * 12));
  const perElement = dictEntryBytes + pointerBytes + 32 + (enc === 'skiplist' ? 40 : 0);
  return robjBytes + 96 + n * perElement;
}

/** MEMORY USAGE: bytes for the key, its value and its dict entry. */
export function memoryUsage(key: string, v: Value, samples: number): number {
  let valueBytes: number;
  if (isString(v)) valueBytes = stringUsage(v);
  else if (isMemorySized(v)) valueBytes = v.memoryUsage(samples);
  else valueBytes = collectionEstimate(v);
  return valueBytes + keyOverhead(key);
}

/** Redis's dict overhead of a table holding `n` entries (buckets: next power of two). */
export function dictOverhead(n: number): number {
  if (n === 0) return 0;
  let buckets = 4;
  while (buckets < n) buckets *= 2;
  return buckets * pointerBytes + n * dictEntryBytes;
}
