/**
 * The list value (Redis quicklist) and the appliers of the list effects. Pure data: no
 * clock, no I/O, no keyspace access except through the effect appliers, which mirror what
 * the list commands do to the keyspace so that replaying effects reproduces it.
 *
 * Representation: one ring buffer of strings (a power-of-two array, a head index and a
 * length). Push and pop at both ends are O(1) amortised, LINDEX/LSET are O(1) anywhere,
 * an element costs one array slot (no node object per element), and the array shrinks as
 * the list does. Redis 7.0 reports every list as "quicklist", whatever its size.
 */
import type { CollectionValue } from '../values';
import type { Keyspace } from '../keyspace';
import { type Effect, registerEffect } from '../effects';

/** Smallest capacity kept once a list has grown (avoids resize churn at tiny sizes). */
const shrinkFloor = 8;

export class ListValue implements CollectionValue {
  /** Ring buffer; `items.length` is a power of two; unused slots hold undefined. */
  private items: Array<string | undefined>;
  private head = 0;
  private len = 0;

  constructor(initial?: readonly string[]) {
    const n = initial === undefined ? 0 : initial.length;
    this.items = makeRing(initial ?? [], 0, n, 0, capacityFor(n));
    this.len = n;
  }

  get type(): 'list' {
    return 'list';
  }

  get size(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return new ListValue(this.toArray());
  }

  canonical(): string[] {
    return this.toArray();
  }

  /** Element at position `i` (0 = head); caller checks 0 <= i < size. */
  at(i: number): string {
    return this.items[(this.head + i) & (this.items.length - 1)] as string;
  }

  set(i: number, v: string): void {
    this.items[(this.head + i) & (this.items.length - 1)] = v;
  }

  pushHead(v: string): void {
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    const mask = this.items.length - 1;
    this.head = (this.head - 1) & mask;
    this.items[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    this.items[(this.head + this.len) & (this.items.length - 1)] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & (this.items.length - 1);
    const v = this.items[i];
    this.items[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Elements [start, end] inclusive, in order; caller clamps to 0 <= start <= end < size. */
  range(start: number, end: number): string[] {
    const out: string[] = [];
    const mask = this.items.length - 1;
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) & mask] as string);
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  /** Insert `v` so it ends up at position `index` (0 <= index <= size), shifting the shorter side. */
  insertAt(index: number, v: string): void {
    if (index === 0) return this.pushHead(v);
    if (index === this.len) return this.pushTail(v);
    if (this.len === this.items.length) this.resize(this.items.length * 2);
    const mask = this.items.length - 1;
    if (index < this.len - index) {
      // Move [0, index) one step towards the head.
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) this.items[(this.head + i) & mask] = this.items[(this.head + i + 1) & mask];
    } else {
      for (let i = this.len; i > index; i--) this.items[(this.head + i) & mask] = this.items[(this.head + i - 1) & mask];
    }
    this.items[(this.head + index) & mask] = v;
    this.len++;
  }

  /** Remove the elements at these positions (strictly ascending, positions before removal). */
  removeAt(indexes: readonly number[]): void {
    if (indexes.length === 0) return;
    const mask = this.items.length - 1;
    let w = indexes[0] as number;
    let k = 0;
    for (let r = w; r < this.len; r++) {
      if (k < indexes.length && indexes[k] === r) {
        k++;
        continue;
      }
      this.items[(this.head + w) & mask] = this.items[(this.head + r) & mask];
      w++;
    }
    for (let i = w; i < this.len; i++) this.items[(this.head + i) & mask] = undefined;
    this.len = w;
    this.maybeShrink();
  }

  /** Keep [start, stop] (clamped by the caller; start > stop empties the list). */
  trim(start: number, stop: number): void {
    if (start > stop || start >= this.len) {
      this.items = makeRing([], 0, 0, 0, 1);
      this.head = 0;
      this.len = 0;
      return;
    }
    const keep = stop - start + 1;
    const mask = this.items.length - 1;
    for (let i = 0; i < start; i++) this.items[(this.head + i) & mask] = undefined;
    for (let i = stop + 1; i < this.len; i++) this.items[(this.head + i) & mask] = undefined;
    this.head = (this.head + start) & mask;
    this.len = keep;
    this.maybeShrink();
  }

  private maybeShrink(): void {
    const cap = this.items.length;
    if (cap > shrinkFloor && this.len * 4 <= cap) this.resize(Math.max(shrinkFloor, capacityFor(this.len * 2)));
  }

  private resize(capacity: number): void {
    this.items = makeRing(this.items, this.head, this.len, this.items.length - 1, capacity);
    this.head = 0;
  }
}

function capacityFor(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/**
 * A new ring of exactly `capacity` slots holding `len` elements of `src` (read as a ring from
 * `head` with `mask`, or as a plain array when mask is 0), starting at slot 0. Preallocated
 * rather than pushed, so a small list's backing store is not V8's growth-padded one.
 */
function makeRing(src: ReadonlyArray<string | undefined>, head: number, len: number, mask: number, capacity: number): Array<string | undefined> {
  const out = new Array<string | undefined>(capacity);
  if (mask === 0) for (let i = 0; i < len; i++) out[i] = src[i];
  else for (let i = 0; i < len; i++) out[i] = src[(head + i) & mask];
  for (let i = len; i < capacity; i++) out[i] = undefined;
  return out;
}

// ---- Effect appliers: the reference semantics of the list effects (effects.ts). ----

function listAt(ks: Keyspace, e: Effect & { key: string; db: number }): ListValue {
  const v = ks.db(e.db).data.get(e.key);
  if (!(v instanceof ListValue)) throw new Error(`${e.op} effect on ${v === undefined ? 'a missing key' : 'a non-list'}`);
  return v;
}

/** A list left empty is deleted with its expiry, as Redis deletes empty keys. */
function dropIfEmpty(ks: Keyspace, db: number, key: string, list: ListValue): void {
  if (list.size > 0) return;
  const d = ks.db(db);
  d.data.delete(key);
  d.expires.delete(key);
}

function applyPush(ks: Keyspace, e: Effect): void {
  if (e.op !== 'lpush' && e.op !== 'rpush') throw new Error(`bad effect ${e.op}`);
  const d = ks.db(e.db);
  const cur = d.data.get(e.key);
  if (cur !== undefined && !(cur instanceof ListValue)) throw new Error(`${e.op} effect on a non-list`);
  const list = cur ?? new ListValue();
  if (cur === undefined) d.data.set(e.key, list);
  if (e.op === 'lpush') for (const v of e.items) list.pushHead(v);
  else for (const v of e.items) list.pushTail(v);
}

function applyPop(ks: Keyspace, e: Effect): void {
  if (e.op !== 'lpop' && e.op !== 'rpop') throw new Error(`bad effect ${e.op}`);
  const list = listAt(ks, e);
  if (e.count > list.size) throw new Error(`${e.op} effect pops ${e.count} of ${list.size}`);
  if (e.op === 'lpop') for (let i = 0; i < e.count; i++) list.popHead();
  else for (let i = 0; i < e.count; i++) list.popTail();
  dropIfEmpty(ks, e.db, e.key, list);
}

registerEffect('lpush', applyPush);
registerEffect('rpush', applyPush);
registerEffect('lpop', applyPop);
registerEffect('rpop', applyPop);
registerEffect('lset', (ks, e) => {
  if (e.op !== 'lset') throw new Error(`bad effect ${e.op}`);
  const list = listAt(ks, e);
  if (e.index < 0 || e.index >= list.size) throw new Error('lset effect out of range');
  list.set(e.index, e.value);
});
registerEffect('linsert', (ks, e) => {
  if (e.op !== 'linsert') throw new Error(`bad effect ${e.op}`);
  const list = listAt(ks, e);
  if (e.index < 0 || e.index > list.size) throw new Error('linsert effect out of range');
  list.insertAt(e.index, e.value);
});
registerEffect('lremat', (ks, e) => {
  if (e.op !== 'lremat') throw new Error(`bad effect ${e.op}`);
  const list = listAt(ks, e);
  list.removeAt(e.indexes);
  dropIfEmpty(ks, e.db, e.key, list);
});
registerEffect('ltrim', (ks, e) => {
  if (e.op !== 'ltrim') throw new Error(`bad effect ${e.op}`);
  const list = listAt(ks, e);
  list.trim(e.start, e.stop);
  dropIfEmpty(ks, e.db, e.key, list);
});

import './list-rdb';
