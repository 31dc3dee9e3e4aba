/**
 * The list value's RDB form (rdb.c rdbSaveObject / rdbLoadObject for OBJ_LIST, Redis 7.0):
 * DUMP writes RDB_TYPE_LIST_QUICKLIST_2; RESTORE reads it and the older QUICKLIST (ziplist
 * nodes), ZIPLIST and plain LIST encodings. Pure: bytes in, values out. Imported by list.ts
 * for its side effect (the registration); touches no keyspace.
 *
 * Where DUMP is byte-identical with Redis, and where it cannot be. A Redis list is a chain of
 * listpack nodes whose split depends on the list's push/pop history; a Catena list keeps only
 * its elements (and so does every replica and every backend), so DUMP must choose a split from
 * the content and the configuration alone. It chooses the one Redis 7.0.15 builds when the
 * elements arrive by RPUSH (quicklistPushTail: each node filled until
 * _quicklistNodeAllowInsert refuses), which is also the split Redis itself makes when it loads
 * a plain LIST or a ZIPLIST payload. So DUMP equals Redis's for any list built by RPUSH alone
 * (in any number of calls), and for a list small enough to sit in one node whichever end it
 * was pushed from, as long as list-max-listpack-size now is what it was at push time. It
 * differs — same elements, other node boundaries, a payload that still loads in Redis — for
 * a multi-node list built with LPUSH (Redis fills nodes from the tail then), after pops,
 * LINSERT, LSET, LREM or LTRIM (Redis keeps, splits and merges the old nodes), and for a
 * payload RESTOREd from a Redis whose nodes were split otherwise. Keeping Redis's split would
 * need the history, which no replica or backend has: DUMP must answer alike on all of them.
 * list-compress-depth does not change the bytes: a node Redis keeps LZF-compressed is written
 * with the same LZF bytes rdbSaveRawString produces for it uncompressed (see saveList).
 */
import { RawString, type Value } from '../values';
import { type EncodingLimits, defaultEncodingLimits } from '../keyspace';
import { RdbFormatError, type RdbReader, RdbType, type RdbWriter, registerRdbType } from '../rdb';
import { decodeListpack, decodeZiplist } from './hash';
import { parseInt64 } from '../../resp/format';
import { ListValue } from './list';

/** quicklist.h QUICKLIST_NODE_CONTAINER_*: a node holding one raw element, or a listpack. */
const containerPlain = 1;
const containerPacked = 2;

// quicklist.c's node-size rule (Redis 7.0.15), by its names.
/** packed_threshold: an element at least this long gets a PLAIN node of its own. */
const packedThresholdBytes = 1 << 30;
/** SIZE_SAFETY_LIMIT: no multi-element node grows past this when the limit is a count. */
const sizeSafetyLimitBytes = 8192;
/** SIZE_ESTIMATE_OVERHEAD: the per-entry overhead _quicklistNodeAllowInsert assumes. */
const sizeEstimateOverheadBytes = 8;
/** optimization_level: the node size limits of list-max-listpack-size -1 ... -5. */
const optimizationLevelBytes = [4096, 8192, 16384, 32768, 65536];
/** quicklistSetFill clamps the fill to [-5, FILL_MAX]. */
const fillMin = -5;
const fillMax = (1 << 15) - 1;
/** An empty listpack: 4-byte total length, 2-byte count, the 0xff terminator (lpNew). */
const listpackEmptyBytes = 7;
/** The listpack header's element count saturates here (LP_HDR_NUMELE_UNKNOWN). */
const listpackCountUnknown = 65535;

/** One quicklist node of a DUMP: `count` elements from `start`; `bytes` is lpBytes (or the element's length for PLAIN). */
export interface QuicklistNode {
  start: number;
  count: number;
  bytes: number;
  plain: boolean;
}

/** Bytes lpEncodeBacklen writes for an entry of `l` bytes. */
function backlenBytes(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** The listpack integer of `s` (lpStringToInt64), or null when it is stored as a string. */
function listpackInt(s: string): number | bigint | null {
  return s.length <= 20 ? parseInt64(s) : null;
}

/** Bytes of the encoding (without backlen) lpAppend picks for `s`. */
function entryEncodingBytes(s: string): number {
  const v = listpackInt(s);
  if (v !== null) {
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648 && v <= 2147483647) return 5;
    return 9;
  }
  const len = s.length;
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

/** Bytes one element takes in a listpack, backlen included. */
export function listpackEntryBytes(s: string): number {
  const enc = entryEncodingBytes(s);
  return enc + backlenBytes(enc);
}

/** _quicklistNodeAllowInsert for a PACKED node of `nodeBytes` and `count` and an element of `sz` bytes. */
function allowInsert(nodeBytes: number, count: number, fill: number, sz: number): boolean {
  const newSz = nodeBytes + sz + sizeEstimateOverheadBytes;
  if (fill < 0) {
    const level = optimizationLevelBytes[-fill - 1];
    if (level !== undefined && newSz <= level) return true;
  }
  if (newSz > sizeSafetyLimitBytes) return false;
  return count < fill;
}

/**
 * The nodes Redis 7.0.15's quicklistPushTail builds when `items` are pushed one by one to the
 * tail of an empty list with list-max-listpack-size `fill`. Node boundaries, not bytes.
 */
export function quicklistNodesByPushTail(items: readonly string[], fill: number, packedThreshold = packedThresholdBytes): QuicklistNode[] {
  const f = Math.max(fillMin, Math.min(fillMax, Math.trunc(fill)));
  const nodes: QuicklistNode[] = [];
  let tail: QuicklistNode | undefined;
  for (let i = 0; i < items.length; i++) {
    const s = items[i] as string;
    const sz = s.length;
    if (sz >= packedThreshold) {
      tail = { start: i, count: 1, bytes: sz, plain: true };
      nodes.push(tail);
    } else if (tail !== undefined && !tail.plain && allowInsert(tail.bytes, tail.count, f, sz)) {
      tail.count++;
      tail.bytes += listpackEntryBytes(s);
    } else {
      tail = { start: i, count: 1, bytes: listpackEmptyBytes + listpackEntryBytes(s), plain: false };
      nodes.push(tail);
    }
  }
  return nodes;
}

/**
 * The listpack of items[start, start+count), `bytes` long, byte for byte as successive
 * lpAppend calls build it (the same bytes as hash.ts's encodeListpack, written straight into
 * one buffer so that a node holding one 100 MB element costs 100 MB, not an array per byte).
 */
export function writeListpack(items: readonly string[], start: number, count: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  out.writeUInt32LE(bytes, 0);
  out.writeUInt16LE(Math.min(count, listpackCountUnknown), 4);
  let p = 6;
  for (let i = start; i < start + count; i++) {
    const s = items[i] as string;
    const from = p;
    const v = listpackInt(s);
    if (v !== null) {
      if (v >= 0 && v <= 127) {
        out[p++] = Number(v);
      } else if (v >= -4096 && v <= 4095) {
        const u = Number(v) & 0x1fff;
        out[p++] = 0xc0 | (u >> 8);
        out[p++] = u & 0xff;
      } else if (v >= -32768 && v <= 32767) {
        out[p++] = 0xf1;
        p = out.writeInt16LE(Number(v), p);
      } else if (v >= -8388608 && v <= 8388607) {
        out[p++] = 0xf2;
        p = out.writeIntLE(Number(v), p, 3);
      } else if (v >= -2147483648 && v <= 2147483647) {
        out[p++] = 0xf3;
        p = out.writeInt32LE(Number(v), p);
      } else {
        out[p++] = 0xf4;
        p = out.writeBigInt64LE(BigInt(v), p);
      }
    } else {
      const len = s.length;
      if (len < 64) {
        out[p++] = 0x80 | len;
      } else if (len < 4096) {
        out[p++] = 0xe0 | (len >> 8);
        out[p++] = len & 0xff;
      } else {
        out[p++] = 0xf0;
        p = out.writeUInt32LE(len, p);
      }
      p += out.write(s, p, 'latin1');
    }
    p = writeBacklen(out, p, p - from);
  }
  out[p++] = 0xff;
  if (p !== bytes) throw new Error(`listpack of ${count} entries is ${p} bytes, planned ${bytes}`);
  return out;
}

/** lpEncodeBacklen: the entry length, 7 bits a byte, read from its last byte backwards. */
function writeBacklen(out: Buffer, p: number, l: number): number {
  const n = backlenBytes(l);
  for (let k = n - 1; k >= 0; k--) {
    const group = Math.floor(l / 2 ** (7 * k)) & 127;
    out[p++] = k === n - 1 ? group : group | 128;
  }
  return p;
}

/** A Buffer as a string value for RdbWriter.string, without a latin1 copy. */
function bytesValue(buf: Buffer): RawString {
  const v = new RawString('');
  v.buf = buf;
  v.len = buf.length;
  return v;
}

/**
 * rdbSaveObject for a quicklist: the node count, then each node's container and its bytes by
 * rdbSaveRawString. Redis writes a node it keeps compressed (list-compress-depth) with
 * rdbSaveLzfBlob instead, but a node is compressed only when lzf_compress gains at least 8
 * bytes on at least 48, and then rdbSaveRawString's own LZF attempt (longer than 20 bytes,
 * at least 4 bytes gained) succeeds with the same bytes; an uncompressed node is written by
 * rdbSaveRawString in both cases. So the compression depth does not show in the payload.
 */
function saveList(w: RdbWriter, v: Value, limits: EncodingLimits = defaultEncodingLimits): void {
  if (!(v instanceof ListValue)) throw new Error('list codec given a non-list value');
  if (v.size === 0) throw new Error('DUMP of an empty list: empty lists are deleted');
  const items = v.toArray();
  writeQuicklist(w, items, quicklistNodesByPushTail(items, limits.listMaxListpackSize));
}

/** The body of an RDB_TYPE_LIST_QUICKLIST_2 object: `items` split into `nodes`. */
export function writeQuicklist(w: RdbWriter, items: readonly string[], nodes: readonly QuicklistNode[]): void {
  w.length(nodes.length);
  for (const n of nodes) {
    if (n.plain) {
      w.length(containerPlain);
      w.string(items[n.start] as string);
    } else {
      w.length(containerPacked);
      w.string(bytesValue(writeListpack(items, n.start, n.count, n.bytes)));
    }
  }
}

// ---- loading: rdbLoadObject for the four list types of Redis 7.0 ----------------------------

function blob(r: RdbReader): Buffer {
  return Buffer.from(r.string(), 'latin1');
}

/** A list of what was loaded; an empty one is Redis's "empty key", which RESTORE refuses. */
function listOf(items: string[]): ListValue {
  if (items.length === 0) throw new RdbFormatError('empty list');
  return new ListValue(items);
}

function append(to: string[], from: readonly string[]): void {
  for (const s of from) to.push(s);
}

/**
 * RDB_TYPE_LIST_QUICKLIST_2 (with containers) and RDB_TYPE_LIST_QUICKLIST (ziplist nodes):
 * a node count, then nodes. As Redis: zero nodes, an unknown container or an empty node blob
 * is corrupt; an empty listpack or ziplist is skipped; a list left empty is refused. Node
 * blobs are validated deeply (Redis checks only their headers unless sanitize-dump-payload
 * is yes, and a corrupt entry then fails later; here it fails the RESTORE).
 */
function loadQuicklist(r: RdbReader, withContainers: boolean): ListValue {
  const nodes = r.plainLength();
  if (nodes === 0) throw new RdbFormatError('quicklist without nodes');
  const items: string[] = [];
  for (let i = 0; i < nodes; i++) {
    let container = containerPacked;
    if (withContainers) {
      container = r.plainLength();
      if (container !== containerPacked && container !== containerPlain) throw new RdbFormatError('Quicklist integrity check failed.');
    }
    const data = blob(r);
    if (data.length === 0) throw new RdbFormatError('empty quicklist node');
    if (container === containerPlain) items.push(data.toString('latin1'));
    else append(items, withContainers ? decodeListpack(data) : decodeZiplist(data));
  }
  return listOf(items);
}

registerRdbType(
  'list',
  { typeOf: () => RdbType.listQuicklist2, save: saveList },
  {
    [RdbType.listQuicklist2]: (r: RdbReader) => loadQuicklist(r, true),
    [RdbType.listQuicklist]: (r: RdbReader) => loadQuicklist(r, false),
    [RdbType.listZiplist]: (r: RdbReader) => listOf(decodeZiplist(blob(r))),
    [RdbType.list]: (r: RdbReader) => {
      const n = r.plainLength();
      const items: string[] = [];
      // Each element reads at least one byte, so a corrupt count fails at the payload's end.
      for (let i = 0; i < n; i++) items.push(r.string());
      return listOf(items);
    },
  },
);
