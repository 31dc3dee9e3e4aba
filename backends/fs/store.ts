/**
 * The `fs` backend: a replica's keyspace in an embedded, on-disk, crash-safe store (LMDB via
 * lmdb-js). It may touch only the files of its own directory (one LMDB environment: data.mdb,
 * lock.mdb); it must not load a directory that is not its own (foreign files, another format).
 *
 * Crash safety: every apply() is one LMDB write transaction holding all of its effects and the
 * applied sequence number, committed with LMDB's sync on commit (lmdb-js's overlappingSync is
 * off, so the promise resolves only once the commit is on disk). LMDB's B-tree is
 * copy-on-write and a commit ends by writing one of two meta pages, so a crash or a torn write
 * at any moment leaves the last committed transaction: no journal of our own is needed.
 *
 * Layout: binary keys, compared bytewise; integers big-endian; f64 an IEEE double.
 *   00 "format"          "catena-fs 1"; a store without it (holding data) or with another is refused
 *   00 "seq"             the applied sequence number, decimal
 *   00 "nextid"          the next key id, decimal
 *   01 u32 db            u32 slot where database db lives (SWAPDB swaps two); only when slot ≠ db
 *   02 u32 slot, name    a key's meta: u8 type, u8 flags (1 expiry, 2 long name), u64 id,
 *                        f64 count (string bytes, list items; 0 otherwise), f64 expireAt, [full name]
 *   03 u64 id, ...       the key's elements, contiguous under its id (rename/move keep the id):
 *     string  u32 chunk  bytes, in chunks of fsStringChunkBytes
 *     hash    name       u8 flags (1 TTL, 2 long name), f64 TTL, [u32 length, full name], value
 *     set     name       u8 flags (2 long name), [full name]
 *     zset    name       f64 score (-0 and ±inf kept), u8 flags (2 long name), [full name]
 *     list    f64 pos    item; integer positions encoded to sort numerically, head first: a push
 *                        goes a step before the first / after the last, LINSERT takes the midpoint
 *                        of its neighbours or renumbers the nearer side when none is left
 *   A name is its bytes, or when longer than fsNameInlineBytesMax its first bytes and their
 *   SHA-256, the full name then kept in the value (LMDB keys are at most 1978 bytes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { open, type RootDatabase, type Transaction } from 'lmdb';
import { BackendUnavailable, type Backend } from '../backend';
import type { Effect } from '../../src/engine/effects';
import { LoadBuilder, recordsOf, type Records } from '../records';
import { fsListPositionStep, fsMapSizeInitial, fsNameInlineBytesMax, fsStringChunkBytes, loadChunkElements } from '../limits';

type Store = RootDatabase<Buffer, Buffer>;

/** The layout above; bump it with any change to it. */
const formatVersion = 'catena-fs 1';

const kindHeader = 0x00;
const kindDbMap = 0x01;
const kindMeta = 0x02;
const kindElement = 0x03;

const formatKey = Buffer.from([kindHeader, ...Buffer.from('format')]);
const seqKey = Buffer.from([kindHeader, ...Buffer.from('seq')]);
const nextIdKey = Buffer.from([kindHeader, ...Buffer.from('nextid')]);

const typeString = 1;
const typeHash = 2;
const typeList = 3;
const typeSet = 4;
const typeZset = 5;
const typeNames = ['', 'string', 'hash', 'list', 'set', 'zset'];

const flagExpiry = 1;
const flagTtl = 1;
const flagLongName = 2;

const metaHeaderBytes = 26;
const elementPrefixBytes = 9;
const hashHeaderBytes = 9;
const zsetHeaderBytes = 9;
/** Keys, element names and ids are removed in batches of this many (a range is never removed while iterated). */
const removeBatch = 1024;
/** Integer positions stay exact up to here. */
const positionMax = Number.MAX_SAFE_INTEGER;

/** The only files of an LMDB environment directory. */
const storeFiles = new Set(['data.mdb', 'lock.mdb']);
/** LMDB's meta page magic (MDB_MAGIC), little-endian, after the page header (16 bytes; 24 in lmdb-js's LMDB). */
const lmdbMagic = 0xbeefc0de;

/** An effect that does not fit the stored data, or a sequence number going backwards: the caller's bug, not retried. */
class EffectRefused extends Error {}

interface Meta {
  type: number;
  id: number;
  /** String bytes or list items; 0 for the other types. */
  count: number;
  expireAt: number | null;
}

/** A name as stored in a key, and the full name when it had to be shortened. */
interface Name {
  enc: Buffer;
  full: Buffer | null;
}

interface Found {
  key: Buffer;
  name: Name;
  meta: Meta;
}

function nameOf(s: string): Name {
  const raw = Buffer.from(s, 'latin1');
  if (raw.length <= fsNameInlineBytesMax) return { enc: raw, full: null };
  // 480 bytes + 32 of SHA-256 = 512: longer than any inline name, so the length tells them apart.
  const digest = createHash('sha256').update(raw).digest();
  return { enc: Buffer.concat([raw.subarray(0, fsNameInlineBytesMax - 31), digest]), full: raw };
}

function writeU64(b: Buffer, off: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 2 ** 32), off);
  b.writeUInt32BE(n >>> 0, off + 4);
}

function readU64(b: Buffer, off: number): number {
  return b.readUInt32BE(off) * 2 ** 32 + b.readUInt32BE(off + 4);
}

function u32Key(kind: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = kind;
  b.writeUInt32BE(n, 1);
  return b;
}

function metaKey(slot: number, name: Name): Buffer {
  return Buffer.concat([u32Key(kindMeta, slot), name.enc]);
}

function elementPrefix(id: number): Buffer {
  const b = Buffer.allocUnsafe(elementPrefixBytes);
  b[0] = kindElement;
  writeU64(b, 1, id);
  return b;
}

function elementKey(id: number, suffix: Buffer): Buffer {
  return Buffer.concat([elementPrefix(id), suffix]);
}

function chunkKey(id: number, chunk: number): Buffer {
  const b = Buffer.allocUnsafe(elementPrefixBytes + 4);
  b[0] = kindElement;
  writeU64(b, 1, id);
  b.writeUInt32BE(chunk, elementPrefixBytes);
  return b;
}

/** A double encoded so that bytewise order is numeric order (sign bit flipped, negatives inverted). */
function positionBytes(p: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeDoubleBE(p + 0);
  if ((b[0] as number) & 0x80) for (let i = 0; i < 8; i++) b[i] = ~(b[i] as number) & 0xff;
  else b[0] = (b[0] as number) ^ 0x80;
  return b;
}

function positionOf(key: Buffer): number {
  const b = Buffer.from(key.subarray(elementPrefixBytes, elementPrefixBytes + 8));
  if ((b[0] as number) & 0x80) b[0] = (b[0] as number) ^ 0x80;
  else for (let i = 0; i < 8; i++) b[i] = ~(b[i] as number) & 0xff;
  return b.readDoubleBE(0);
}

function metaBytes(m: Meta, full: Buffer | null): Buffer {
  const b = Buffer.alloc(metaHeaderBytes + (full?.length ?? 0));
  b[0] = m.type;
  b[1] = (m.expireAt !== null ? flagExpiry : 0) | (full !== null ? flagLongName : 0);
  writeU64(b, 2, m.id);
  b.writeDoubleBE(m.count, 10);
  b.writeDoubleBE(m.expireAt ?? 0, 18);
  full?.copy(b, metaHeaderBytes);
  return b;
}

function parseMeta(v: Buffer): Meta {
  const flags = v[1] as number;
  return { type: v[0] as number, id: readU64(v, 2), count: v.readDoubleBE(10), expireAt: flags & flagExpiry ? v.readDoubleBE(18) : null };
}

/** The key's full name: from the meta value when the key holds a shortened one. */
function metaName(key: Buffer, v: Buffer): string {
  return ((v[1] as number) & flagLongName ? v.subarray(metaHeaderBytes) : key.subarray(5)).toString('latin1');
}

function hashBytes(ttl: number, full: Buffer | null, value: Buffer): Buffer {
  const extra = full === null ? 0 : 4 + full.length;
  const b = Buffer.allocUnsafe(hashHeaderBytes + extra + value.length);
  b[0] = (ttl !== 0 ? flagTtl : 0) | (full !== null ? flagLongName : 0);
  b.writeDoubleBE(ttl, 1);
  if (full !== null) {
    b.writeUInt32BE(full.length, hashHeaderBytes);
    full.copy(b, hashHeaderBytes + 4);
  }
  value.copy(b, hashHeaderBytes + extra);
  return b;
}

function parseHash(key: Buffer, v: Buffer): { field: Buffer; ttl: number; value: Buffer } {
  const flags = v[0] as number;
  const ttl = flags & flagTtl ? v.readDoubleBE(1) : 0;
  if (!(flags & flagLongName)) return { field: key.subarray(elementPrefixBytes), ttl, value: v.subarray(hashHeaderBytes) };
  const len = v.readUInt32BE(hashHeaderBytes);
  const start = hashHeaderBytes + 4;
  return { field: v.subarray(start, start + len), ttl, value: v.subarray(start + len) };
}

function setBytes(full: Buffer | null): Buffer {
  return full === null ? Buffer.from([0]) : Buffer.concat([Buffer.from([flagLongName]), full]);
}

function memberOfSet(key: Buffer, v: Buffer): Buffer {
  return (v[0] as number) & flagLongName ? v.subarray(1) : key.subarray(elementPrefixBytes);
}

function zsetBytes(score: number, full: Buffer | null): Buffer {
  const b = Buffer.allocUnsafe(zsetHeaderBytes + (full?.length ?? 0));
  b.writeDoubleBE(score, 0);
  b[8] = full !== null ? flagLongName : 0;
  full?.copy(b, zsetHeaderBytes);
  return b;
}

function memberOfZset(key: Buffer, v: Buffer): Buffer {
  return (v[8] as number) & flagLongName ? v.subarray(zsetHeaderBytes) : key.subarray(elementPrefixBytes);
}

/**
 * Refuse a directory that is not an fs store before LMDB maps it: LMDB trusts its file and
 * may crash the process on garbage rather than report an error.
 */
function checkDirectory(dir: string): void {
  for (const f of fs.readdirSync(dir)) {
    if (!storeFiles.has(f)) throw new Error(`fs backend: ${dir} is not a Catena fs store (it holds ${JSON.stringify(f)})`);
  }
  const data = path.join(dir, 'data.mdb');
  if (!fs.existsSync(data)) return;
  const fd = fs.openSync(data, 'r');
  try {
    const head = Buffer.alloc(32);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n === 0) return;
    if (n < head.length || (head.readUInt32LE(16) !== lmdbMagic && head.readUInt32LE(24) !== lmdbMagic)) {
      throw new Error(`fs backend: ${dir} is not a Catena fs store (data.mdb is not an LMDB file)`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Errors of our own logic pass as they are; anything from LMDB or the OS is an operating error. */
function classify(err: unknown): Error {
  if (err instanceof EffectRefused || err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) return err;
  return new BackendUnavailable('fs', err instanceof Error ? err.message : String(err));
}

/** Records written and removed by one apply, the sequence-number record included. */
export interface ApplyStats {
  puts: number;
  removes: number;
}

/** One apply's work inside its LMDB write transaction: the effects mapped onto records. */
class Tx {
  puts = 0;
  removes = 0;
  private nextId: number | null = null;

  constructor(private readonly s: Store) {}

  // ---- records ------------------------------------------------------------------------

  private get(k: Buffer): Buffer | undefined {
    return this.s.get(k);
  }

  put(k: Buffer, v: Buffer): void {
    this.s.putSync(k, v);
    this.puts++;
  }

  private remove(k: Buffer): void {
    if (this.s.removeSync(k)) this.removes++;
  }

  private keysIn(start: Buffer, end: Buffer, limit: number): Buffer[] {
    return Array.from(this.s.getKeys({ start, end, limit }));
  }

  /** Remove every record in [start, end), in batches so no range is iterated while it changes. */
  private removeRange(start: Buffer, end: Buffer, each?: (key: Buffer) => void): void {
    for (;;) {
      const keys = this.keysIn(start, end, removeBatch);
      if (keys.length === 0) return;
      for (const k of keys) {
        each?.(k);
        this.remove(k);
      }
    }
  }

  /** Entries [from, from + count) of a list of n items, reached from the nearer end, head first. */
  private listSlice(id: number, n: number, from: number, count: number): Array<{ key: Buffer; value: Buffer }> {
    if (count <= 0) return [];
    const start = elementPrefix(id);
    const end = elementPrefix(id + 1);
    if (from <= n - from - count) return Array.from(this.s.getRange({ start, end, offset: from, limit: count }));
    const back = Array.from(this.s.getRange({ start: end, end: start, reverse: true, exclusiveStart: true, offset: n - from - count, limit: count }));
    return back.reverse();
  }

  private isEmpty(id: number): boolean {
    return this.keysIn(elementPrefix(id), elementPrefix(id + 1), 1).length === 0;
  }

  // ---- keys ---------------------------------------------------------------------------

  private slotOf(db: number): number {
    const v = this.get(u32Key(kindDbMap, db));
    return v === undefined ? db : v.readUInt32BE(0);
  }

  private setSlot(db: number, slot: number): void {
    if (slot === db) this.remove(u32Key(kindDbMap, db));
    else {
      const v = Buffer.allocUnsafe(4);
      v.writeUInt32BE(slot);
      this.put(u32Key(kindDbMap, db), v);
    }
  }

  private find(db: number, key: string): Found | null {
    const name = nameOf(key);
    const k = metaKey(this.slotOf(db), name);
    const v = this.get(k);
    return v === undefined ? null : { key: k, name, meta: parseMeta(v) };
  }

  /** The key, which the effect requires to exist with this type (null: any type). */
  private want(db: number, key: string, type: number | null, op: string): Found {
    const f = this.find(db, key);
    if (f === null) throw new EffectRefused(`${op} effect on a missing key`);
    if (type !== null && f.meta.type !== type) throw new EffectRefused(`${op} effect on a non-${typeNames[type]} key`);
    return f;
  }

  /** The key if it exists with this type, else null; a key of another type is refused. */
  private findTyped(db: number, key: string, type: number, op: string): Found | null {
    const f = this.find(db, key);
    if (f !== null && f.meta.type !== type) throw new EffectRefused(`${op} effect on a non-${typeNames[type]} key`);
    return f;
  }

  /** A new key's meta (not yet written: callers save it once they know its count). */
  private create(db: number, key: string, type: number): Found {
    const name = nameOf(key);
    if (this.nextId === null) {
      const v = this.get(nextIdKey);
      this.nextId = v === undefined ? 1 : Number(v.toString('latin1'));
    }
    const id = this.nextId++;
    return { key: metaKey(this.slotOf(db), name), name, meta: { type, id, count: 0, expireAt: null } };
  }

  private save(f: Found): void {
    this.put(f.key, metaBytes(f.meta, f.name.full));
  }

  private drop(f: Found): void {
    this.removeRange(elementPrefix(f.meta.id), elementPrefix(f.meta.id + 1));
    this.remove(f.key);
  }

  /** Drop the key when its last element is gone (Redis deletes empty collections, with their expiry). */
  private dropIfEmpty(f: Found): void {
    if (this.isEmpty(f.meta.id)) this.remove(f.key);
  }

  /** Write the next key id if this transaction allocated any. */
  finish(): void {
    if (this.nextId !== null) this.put(nextIdKey, Buffer.from(String(this.nextId), 'latin1'));
  }

  // ---- effects ------------------------------------------------------------------------

  apply(e: Effect): void {
    switch (e.op) {
      case 'put': {
        const old = this.find(e.db, e.key);
        if (old !== null) this.drop(old);
        this.putValue(this.create(e.db, e.key, typeString), recordsOf(e.value), e.expireAt);
        return;
      }
      case 'del': {
        const f = this.find(e.db, e.key);
        if (f !== null) this.drop(f);
        return;
      }
      case 'expire': {
        // The reference keeps an expiry of a missing key invisibly; nothing emits one.
        const f = this.find(e.db, e.key);
        if (f === null) return;
        f.meta.expireAt = e.expireAt;
        this.save(f);
        return;
      }
      case 'setrange':
        return this.setrange(e.db, e.key, e.offset, Buffer.from(e.bytes, 'latin1'));
      case 'rename':
        return this.relocate(e.db, e.key, e.db, e.to, 'rename');
      case 'move':
        return this.relocate(e.db, e.key, e.toDb, e.key, 'move');
      case 'flushdb': {
        const slot = this.slotOf(e.db);
        this.removeRange(u32Key(kindMeta, slot), u32Key(kindMeta, slot + 1), (k) => {
          const v = this.get(k) as Buffer;
          const id = readU64(v, 2);
          this.removeRange(elementPrefix(id), elementPrefix(id + 1));
        });
        return;
      }
      case 'flushall':
        // Every meta and element record; SWAPDB's slots stay (all databases are empty alike).
        this.removeRange(Buffer.from([kindMeta]), Buffer.from([kindElement + 1]));
        return;
      case 'swapdb': {
        if (e.db === e.other) return;
        const a = this.slotOf(e.db);
        const b = this.slotOf(e.other);
        this.setSlot(e.db, b);
        this.setSlot(e.other, a);
        return;
      }
      case 'hset':
        return this.hset(e.db, e.key, e.fields, e.keepTtl === true);
      case 'hdel': {
        const f = this.want(e.db, e.key, typeHash, 'hdel');
        for (const field of e.fields) this.remove(elementKey(f.meta.id, nameOf(field).enc));
        this.dropIfEmpty(f);
        return;
      }
      case 'hexpire': {
        // With no fields it only readies the hash's encoding for TTLs; encodings are not
        // stored (a load rebuilds them), so there is nothing to write.
        const f = this.want(e.db, e.key, typeHash, 'hexpire');
        for (const field of e.fields) {
          const k = elementKey(f.meta.id, nameOf(field).enc);
          const v = this.get(k);
          if (v === undefined) throw new EffectRefused('hexpire effect on a missing field');
          const h = parseHash(k, v);
          this.put(k, hashBytes(e.expireAt ?? 0, (v[0] as number) & flagLongName ? h.field : null, h.value));
        }
        return;
      }
      case 'lpush':
      case 'rpush':
        return this.push(e.db, e.key, e.items, e.op === 'lpush');
      case 'lpop':
      case 'rpop': {
        const f = this.want(e.db, e.key, typeList, e.op);
        const n = f.meta.count;
        if (e.count > n) throw new EffectRefused(`${e.op} effect pops ${e.count} of ${n}`);
        if (e.count === 0) return;
        if (e.count === n) return this.drop(f);
        for (const { key } of this.listSlice(f.meta.id, n, e.op === 'lpop' ? 0 : n - e.count, e.count)) this.remove(key);
        f.meta.count = n - e.count;
        this.save(f);
        return;
      }
      case 'lset': {
        const f = this.want(e.db, e.key, typeList, 'lset');
        if (e.index < 0 || e.index >= f.meta.count) throw new EffectRefused('lset effect out of range');
        const [item] = this.listSlice(f.meta.id, f.meta.count, e.index, 1);
        if (item === undefined) throw new EffectRefused('lset effect on a list shorter than its length');
        this.put(item.key, Buffer.from(e.value, 'latin1'));
        return;
      }
      case 'linsert':
        return this.linsert(e.db, e.key, e.index, Buffer.from(e.value, 'latin1'));
      case 'lremat': {
        const f = this.want(e.db, e.key, typeList, 'lremat');
        const n = f.meta.count;
        const first = e.indexes[0];
        const last = e.indexes[e.indexes.length - 1];
        if (first === undefined || last === undefined) return;
        if (first < 0 || last >= n) throw new EffectRefused('lremat effect out of range');
        const slice = this.listSlice(f.meta.id, n, first, last - first + 1);
        let previous = -1;
        for (const i of e.indexes) {
          const item = slice[i - first];
          if (item === undefined || i <= previous) throw new EffectRefused('lremat effect with positions not strictly ascending');
          previous = i;
          this.remove(item.key);
        }
        if (e.indexes.length >= n) return this.drop(f);
        f.meta.count = n - e.indexes.length;
        this.save(f);
        return;
      }
      case 'ltrim': {
        const f = this.want(e.db, e.key, typeList, 'ltrim');
        const n = f.meta.count;
        if (e.start > e.stop || e.start >= n) return this.drop(f);
        const start = Math.max(0, e.start);
        const stop = Math.min(e.stop, n - 1);
        for (const { key } of this.listSlice(f.meta.id, n, 0, start)) this.remove(key);
        for (const { key } of this.listSlice(f.meta.id, n, stop + 1, n - 1 - stop)) this.remove(key);
        f.meta.count = stop - start + 1;
        this.save(f);
        return;
      }
      case 'sadd': {
        let f = this.findTyped(e.db, e.key, typeSet, 'sadd');
        if (f === null) {
          if (e.members.length === 0) return;
          f = this.create(e.db, e.key, typeSet);
          this.save(f);
        }
        for (const m of e.members) {
          const name = nameOf(m);
          const k = elementKey(f.meta.id, name.enc);
          if (this.get(k) === undefined) this.put(k, setBytes(name.full));
        }
        return;
      }
      case 'srem': {
        const f = this.want(e.db, e.key, typeSet, 'srem');
        for (const m of e.members) this.remove(elementKey(f.meta.id, nameOf(m).enc));
        this.dropIfEmpty(f);
        return;
      }
      case 'zadd': {
        let f = this.findTyped(e.db, e.key, typeZset, 'zadd');
        if (f === null) {
          if (e.members.length === 0) return;
          f = this.create(e.db, e.key, typeZset);
          this.save(f);
        }
        for (let i = 0; i < e.members.length; i++) {
          const score = e.scores[i] as number;
          if (Number.isNaN(score)) continue;
          const name = nameOf(e.members[i] as string);
          const k = elementKey(f.meta.id, name.enc);
          const old = this.get(k);
          // As the reference: an equal score (0 and -0 alike) leaves the member as it is.
          if (old !== undefined && old.readDoubleBE(0) === score) continue;
          this.put(k, zsetBytes(score, name.full));
        }
        return;
      }
      case 'zrem': {
        const f = this.findTyped(e.db, e.key, typeZset, 'zrem');
        if (f === null) return;
        for (const m of e.members) this.remove(elementKey(f.meta.id, nameOf(m).enc));
        this.dropIfEmpty(f);
        return;
      }
    }
  }

  /** A whole value under a freshly created key (its old records already dropped). */
  private putValue(f: Found, r: Records, expireAt: number | null): void {
    const id = f.meta.id;
    f.meta.expireAt = expireAt;
    switch (r.type) {
      case 'string': {
        f.meta.type = typeString;
        const bytes = Buffer.from(r.bytes, 'latin1');
        f.meta.count = bytes.length;
        for (let c = 0; c * fsStringChunkBytes < bytes.length; c++) {
          this.put(chunkKey(id, c), bytes.subarray(c * fsStringChunkBytes, (c + 1) * fsStringChunkBytes));
        }
        break;
      }
      case 'hash':
        f.meta.type = typeHash;
        for (let i = 0; i + 1 < r.fields.length; i += 2) {
          const field = r.fields[i] as string;
          const name = nameOf(field);
          this.put(elementKey(id, name.enc), hashBytes(r.ttls.get(field) ?? 0, name.full, Buffer.from(r.fields[i + 1] as string, 'latin1')));
        }
        break;
      case 'list': {
        f.meta.type = typeList;
        f.meta.count = r.items.length;
        let pos = 0;
        for (const item of r.items) {
          this.put(elementKey(id, positionBytes(pos)), Buffer.from(item, 'latin1'));
          pos += fsListPositionStep;
        }
        break;
      }
      case 'set':
        f.meta.type = typeSet;
        for (const m of r.members) {
          const name = nameOf(m);
          this.put(elementKey(id, name.enc), setBytes(name.full));
        }
        break;
      case 'zset':
        f.meta.type = typeZset;
        for (let i = 0; i < r.members.length; i++) {
          const name = nameOf(r.members[i] as string);
          this.put(elementKey(id, name.enc), zsetBytes(r.scores[i] as number, name.full));
        }
        break;
    }
    this.save(f);
  }

  /** Overwrite bytes at offset, zero-filling a gap; only the chunks that change are written. */
  private setrange(db: number, key: string, offset: number, data: Buffer): void {
    let f = this.find(db, key);
    let dirty = false;
    if (f === null) {
      f = this.create(db, key, typeString);
      dirty = true;
    } else if (f.meta.type !== typeString) {
      // As the reference: a non-string value is replaced by the empty string first.
      this.removeRange(elementPrefix(f.meta.id), elementPrefix(f.meta.id + 1));
      f.meta.type = typeString;
      f.meta.count = 0;
      dirty = true;
    }
    const id = f.meta.id;
    const len = f.meta.count;
    const end = offset + data.length;
    const from = Math.min(offset, len);
    const newLen = Math.max(len, end);
    if (end > from) {
      for (let c = Math.floor(from / fsStringChunkBytes); c * fsStringChunkBytes < end; c++) {
        const cStart = c * fsStringChunkBytes;
        const chunk = Buffer.alloc(Math.min(newLen, cStart + fsStringChunkBytes) - cStart);
        const k = chunkKey(id, c);
        this.get(k)?.copy(chunk, 0);
        const s = Math.max(offset, cStart);
        const t = Math.min(end, cStart + chunk.length);
        if (s < t) data.copy(chunk, s - cStart, s - offset, t - offset);
        this.put(k, chunk);
      }
    }
    if (newLen !== len) {
      f.meta.count = newLen;
      dirty = true;
    }
    if (dirty) this.save(f);
  }

  /** RENAME and MOVE: the meta record moves, the elements stay under the key's id; a target is replaced. */
  private relocate(db: number, key: string, toDb: number, to: string, op: string): void {
    const f = this.want(db, key, null, op);
    if (db === toDb && key === to) return;
    const target = this.find(toDb, to);
    if (target !== null) this.drop(target);
    this.remove(f.key);
    const name = nameOf(to);
    this.save({ key: metaKey(this.slotOf(toDb), name), name, meta: f.meta });
  }

  private hset(db: number, key: string, fields: readonly string[], keepTtl: boolean): void {
    let f = this.findTyped(db, key, typeHash, 'hset');
    if (f === null) {
      if (fields.length < 2) return;
      f = this.create(db, key, typeHash);
      this.save(f);
    }
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = nameOf(fields[i] as string);
      const k = elementKey(f.meta.id, name.enc);
      const old = keepTtl ? this.get(k) : undefined;
      const ttl = old !== undefined && (old[0] as number) & flagTtl ? old.readDoubleBE(1) : 0;
      this.put(k, hashBytes(ttl, name.full, Buffer.from(fields[i + 1] as string, 'latin1')));
    }
  }

  private push(db: number, key: string, items: readonly string[], head: boolean): void {
    let f = this.findTyped(db, key, typeList, head ? 'lpush' : 'rpush');
    if (f === null) {
      if (items.length === 0) return;
      f = this.create(db, key, typeList);
    }
    if (items.length === 0) return;
    let n = f.meta.count;
    const step = head ? -fsListPositionStep : fsListPositionStep;
    let edge = n === 0 ? null : this.edgePosition(f.meta.id, n, head);
    if (edge !== null && Math.abs(edge + step * items.length) > positionMax) {
      this.renumber(f.meta.id, n);
      edge = this.edgePosition(f.meta.id, n, head);
    }
    for (const item of items) {
      const pos = edge === null ? 0 : edge + step;
      this.put(elementKey(f.meta.id, positionBytes(pos)), Buffer.from(item, 'latin1'));
      edge = pos;
      n++;
    }
    f.meta.count = n;
    this.save(f);
  }

  private edgePosition(id: number, n: number, head: boolean): number {
    const [item] = this.listSlice(id, n, head ? 0 : n - 1, 1);
    if (item === undefined) throw new EffectRefused('list shorter than its length');
    return positionOf(item.key);
  }

  private linsert(db: number, key: string, index: number, value: Buffer): void {
    const f = this.want(db, key, typeList, 'linsert');
    const n = f.meta.count;
    if (index < 0 || index > n) throw new EffectRefused('linsert effect out of range');
    if (index === 0 || index === n) return this.push(db, key, [value.toString('latin1')], index === 0);
    const id = f.meta.id;
    const [before, after] = this.listSlice(id, n, index - 1, 2);
    if (before === undefined || after === undefined) throw new EffectRefused('list shorter than its length');
    const a = positionOf(before.key);
    const b = positionOf(after.key);
    const mid = Math.floor((a + b) / 2);
    if (mid > a && mid < b) this.put(elementKey(id, positionBytes(mid)), value);
    else this.renumberSide(id, n, index, a, b, value);
    f.meta.count = n + 1;
    this.save(f);
  }

  /**
   * No position left between the neighbours at index-1 (a) and index (b): the items on the
   * nearer side of the insert point move a step apart each, making room (cost of that side,
   * as the walk to the insert point already was).
   */
  private renumberSide(id: number, n: number, index: number, a: number, b: number, value: Buffer): void {
    const headSide = index <= n - index;
    const moved = headSide ? this.listSlice(id, n, 0, index) : this.listSlice(id, n, index, n - index);
    const lowest = b - (index + 1) * fsListPositionStep;
    const highest = a + (n - index + 1) * fsListPositionStep;
    if ((headSide && lowest < -positionMax) || (!headSide && highest > positionMax)) {
      this.renumber(id, n);
      return this.linsertAfterRenumber(id, n, index, value);
    }
    for (const { key } of moved) this.remove(key);
    moved.forEach(({ value: v }, j) => {
      const pos = headSide ? b - (index - j + 1) * fsListPositionStep : a + (j + 2) * fsListPositionStep;
      this.put(elementKey(id, positionBytes(pos)), v);
    });
    this.put(elementKey(id, positionBytes(headSide ? b - fsListPositionStep : a + fsListPositionStep)), value);
  }

  private linsertAfterRenumber(id: number, n: number, index: number, value: Buffer): void {
    const [before, after] = this.listSlice(id, n, index - 1, 2);
    if (before === undefined || after === undefined) throw new EffectRefused('list shorter than its length');
    this.put(elementKey(id, positionBytes((positionOf(before.key) + positionOf(after.key)) / 2)), value);
  }

  /**
   * Positions exhausted at an end (about 2^37 pushes at one end of a list never emptied):
   * lay the whole list out again around 0. O(size), once in that many pushes.
   */
  private renumber(id: number, n: number): void {
    const items = this.listSlice(id, n, 0, n);
    for (const { key } of items) this.remove(key);
    const base = -Math.floor(n / 2) * fsListPositionStep;
    items.forEach(({ value }, j) => this.put(elementKey(id, positionBytes(base + j * fsListPositionStep)), value));
  }
}

export class FsBackend implements Backend {
  readonly name = 'fs';
  /** What the last successful apply() wrote and removed (tests check costs follow changes). */
  lastApplyStats: ApplyStats = { puts: 0, removes: 0 };
  private closed = false;

  private constructor(
    private readonly store: Store,
    readonly dir: string,
  ) {}

  /** Open (creating the directory and an empty store when missing) the store in `dir`. */
  static async open(opts: { dir: string }): Promise<FsBackend> {
    const dir = path.resolve(opts.dir);
    fs.mkdirSync(dir, { recursive: true });
    checkDirectory(dir);
    let store: Store;
    try {
      store = open<Buffer, Buffer>({
        path: dir,
        noSubdir: false,
        keyEncoding: 'binary',
        encoding: 'binary',
        // Resolve a commit only once it is on disk (LMDB's own sync on commit).
        overlappingSync: false,
        mapSize: fsMapSizeInitial,
      });
    } catch (err) {
      throw new BackendUnavailable('fs', `cannot open ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      const format = store.get(formatKey);
      if (format === undefined) {
        const any = Array.from(store.getKeys({ limit: 1 }));
        if (any.length > 0) throw new Error(`fs backend: ${dir} is not a Catena fs store (an LMDB environment without a format record)`);
        await store.childTransaction(() => store.putSync(formatKey, Buffer.from(formatVersion, 'latin1')));
      } else if (format.toString('latin1') !== formatVersion) {
        throw new Error(`fs backend: ${dir} holds format ${JSON.stringify(format.toString('latin1'))}; this build reads ${JSON.stringify(formatVersion)}`);
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return new FsBackend(store, dir);
  }

  async *load(): AsyncIterable<readonly Effect[]> {
    this.checkOpen();
    // One read transaction for the whole stream: a consistent snapshot however long the load.
    const txn = this.store.useReadTransaction();
    try {
      const dbOfSlot = new Map<number, number>();
      for (const { key, value } of this.store.getRange({ start: Buffer.from([kindDbMap]), end: Buffer.from([kindMeta]), transaction: txn })) {
        dbOfSlot.set(value.readUInt32BE(0), key.readUInt32BE(1));
      }
      const b = new LoadBuilder();
      for (const { key, value } of this.store.getRange({ start: Buffer.from([kindMeta]), end: Buffer.from([kindElement]), transaction: txn })) {
        const slot = key.readUInt32BE(1);
        yield* this.loadKey(b, txn, dbOfSlot.get(slot) ?? slot, metaName(key, value), parseMeta(value));
      }
      yield* b.takeAll();
    } finally {
      txn.done();
    }
  }

  /** One key's records into the builder, a piece of at most loadChunkElements at a time. */
  private *loadKey(b: LoadBuilder, txn: Transaction, db: number, key: string, m: Meta): Iterable<readonly Effect[]> {
    const elements = this.store.getRange({ start: elementPrefix(m.id), end: elementPrefix(m.id + 1), transaction: txn });
    if (m.type === typeString) {
      const chunks: Buffer[] = [];
      for (const { value } of elements) chunks.push(value);
      b.string(db, key, Buffer.concat(chunks).toString('latin1'), m.expireAt);
      yield* b.takeFull();
      return;
    }
    let a: string[] = [];
    let scores: number[] = [];
    let ttls: Array<[string, number]> = [];
    let seen = 0;
    const flush = (): void => {
      if (a.length === 0) return;
      if (m.type === typeHash) {
        b.hashFields(db, key, a);
        for (const [field, at] of ttls) b.hashTtl(db, key, field, at);
      } else if (m.type === typeList) b.listItems(db, key, a);
      else if (m.type === typeSet) b.setMembers(db, key, a);
      else b.zsetMembers(db, key, a, scores);
      a = [];
      scores = [];
      ttls = [];
    };
    for (const { key: k, value: v } of elements) {
      seen++;
      if (m.type === typeHash) {
        const h = parseHash(k, v);
        const field = h.field.toString('latin1');
        a.push(field, h.value.toString('latin1'));
        if (h.ttl !== 0) ttls.push([field, h.ttl]);
      } else if (m.type === typeList) a.push(v.toString('latin1'));
      else if (m.type === typeSet) a.push(memberOfSet(k, v).toString('latin1'));
      else if (m.type === typeZset) {
        a.push(memberOfZset(k, v).toString('latin1'));
        scores.push(v.readDoubleBE(0));
      } else throw new Error(`fs backend: ${this.dir} holds a key of unknown type ${m.type}`);
      if (seen % loadChunkElements === 0) {
        flush();
        yield* b.takeFull();
      }
    }
    // A collection without elements does not exist (nothing stores one; a torn one is not data).
    if (seen === 0) return;
    flush();
    b.expire(db, key, m.expireAt);
    yield* b.takeFull();
  }

  async apply(effects: readonly Effect[], appliedSeq: bigint): Promise<void> {
    this.checkOpen();
    let tx: Tx | null = null;
    try {
      await this.store.childTransaction(() => {
        const stored = this.readSeq();
        if (stored !== null && appliedSeq < stored) throw new EffectRefused(`applied sequence went backwards: ${appliedSeq} < ${stored}`);
        const t = new Tx(this.store);
        tx = t;
        // The same sequence number again: an earlier attempt committed this batch but its answer was lost.
        if (stored === appliedSeq) return;
        for (const e of effects) t.apply(e);
        t.finish();
        t.put(seqKey, Buffer.from(appliedSeq.toString(), 'latin1'));
      });
    } catch (err) {
      throw classify(err);
    }
    const done = tx as Tx | null;
    this.lastApplyStats = { puts: done?.puts ?? 0, removes: done?.removes ?? 0 };
  }

  async appliedSeq(): Promise<bigint> {
    this.checkOpen();
    try {
      return this.readSeq() ?? 0n;
    } catch (err) {
      throw classify(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.store.close();
  }

  private readSeq(): bigint | null {
    const v = this.store.get(seqKey);
    return v === undefined ? null : BigInt(v.toString('latin1'));
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('fs backend used after close');
  }
}
