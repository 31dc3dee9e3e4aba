/**
 * What a backend stores, independent of where: a key's value taken apart into native records
 * (a string's bytes, a hash's fields, a list's items, a set's members, a sorted set's
 * members and scores), and the way back — the effects that rebuild a stored key when a
 * replica loads (Backend.load). Shared by every backend so they decompose and rebuild alike.
 * Pure: no I/O.
 */
import type { Effect } from '../src/engine/effects';
import { isString, stringOf, type Value } from '../src/engine/values';
import { HashValue } from '../src/engine/types/hash';
import { ListValue } from '../src/engine/types/list';
import { SetValue } from '../src/engine/types/set';
import { ZSetValue } from '../src/engine/types/zset';
import { loadChunkElements } from './limits';

export type Records =
  | { type: 'string'; bytes: string }
  /** fields: [field, value, ...]; ttls: field → absolute ms, only fields that have one. */
  | { type: 'hash'; fields: string[]; ttls: Map<string, number> }
  | { type: 'list'; items: string[] }
  | { type: 'set'; members: string[] }
  | { type: 'zset'; members: string[]; scores: number[] };

/** A value as native records (a `put` effect's value, or a key a backend writes whole). */
export function recordsOf(v: Value): Records {
  if (isString(v)) return { type: 'string', bytes: stringOf(v) };
  if (v instanceof HashValue) {
    const fields: string[] = [];
    const ttls = new Map<string, number>();
    v.forEach((f, val, at) => {
      fields.push(f, val);
      if (at !== 0) ttls.set(f, at);
    });
    return { type: 'hash', fields, ttls };
  }
  if (v instanceof ListValue) return { type: 'list', items: v.toArray() };
  if (v instanceof SetValue) return { type: 'set', members: v.members() };
  if (v instanceof ZSetValue) {
    const members: string[] = [];
    const scores: number[] = [];
    v.forEach((m, s) => {
      members.push(m);
      scores.push(s);
    });
    return { type: 'zset', members, scores };
  }
  throw new Error(`cannot store a value of type ${(v as { type?: string }).type ?? typeof v}`);
}

/**
 * Builds the load stream of Backend.load: feed it a key's records as they are read (in any
 * number of pieces, any size), and it cuts them into chunks of at most `loadChunkElements`
 * elements. A backend's load() adds each key, yields `takeFull()` as it goes, and finally
 * `takeAll()`.
 */
export class LoadBuilder {
  private readonly done: Effect[][] = [];
  private current: Effect[] = [];
  private weight = 0;
  private negativeZeros: string[] = [];

  /** A whole string key (strings are one record, whatever their size). */
  string(db: number, key: string, bytes: string, expireAt: number | null): void {
    this.push({ op: 'put', db, key, value: bytes, expireAt }, 1);
  }

  /** Hash fields [field, value, ...]; give field TTLs (hashTtl) after the fields they name. */
  hashFields(db: number, key: string, fields: readonly string[]): void {
    this.split(fields.length / 2, (from, to) => this.push({ op: 'hset', db, key, fields: fields.slice(from * 2, to * 2) }, to - from));
  }

  /** The TTL of a field already given; absolute ms. */
  hashTtl(db: number, key: string, field: string, expireAt: number): void {
    this.push({ op: 'hexpire', db, key, fields: [field], expireAt }, 1);
  }

  /** List items in order, head first. */
  listItems(db: number, key: string, items: readonly string[]): void {
    this.split(items.length, (from, to) => this.push({ op: 'rpush', db, key, items: items.slice(from, to) }, to - from));
  }

  setMembers(db: number, key: string, members: readonly string[]): void {
    this.split(members.length, (from, to) => this.push({ op: 'sadd', db, key, members: members.slice(from, to) }, to - from));
  }

  /**
   * Sorted-set members. Members scored -0 are held back until `expire` ends the key: a small
   * sorted set (listpack) stores -0 as 0, so adding them first would lose the sign a big one
   * (skiplist) keeps; added last, they land where the original did.
   */
  zsetMembers(db: number, key: string, members: readonly string[], scores: readonly number[]): void {
    let m = members;
    let s = scores;
    if (scores.some((x) => Object.is(x, -0))) {
      const keptMembers: string[] = [];
      const keptScores: number[] = [];
      for (let i = 0; i < members.length; i++) {
        if (Object.is(scores[i], -0)) this.negativeZeros.push(members[i] as string);
        else {
          keptMembers.push(members[i] as string);
          keptScores.push(scores[i] as number);
        }
      }
      m = keptMembers;
      s = keptScores;
    }
    this.split(m.length, (from, to) => this.push({ op: 'zadd', db, key, members: m.slice(from, to), scores: s.slice(from, to) }, to - from));
  }

  /** Ends a collection key (call it for every collection, even with a null expiry): its held-back members, then its expiry. */
  expire(db: number, key: string, expireAt: number | null): void {
    if (this.negativeZeros.length > 0) {
      const held = this.negativeZeros;
      this.negativeZeros = [];
      this.split(held.length, (from, to) => this.push({ op: 'zadd', db, key, members: held.slice(from, to), scores: held.slice(from, to).map(() => -0) }, to - from));
    }
    if (expireAt !== null) this.push({ op: 'expire', db, key, expireAt }, 1);
  }

  /** Every record of one value (recordsOf), then its expiry. */
  value(db: number, key: string, r: Records, expireAt: number | null): void {
    switch (r.type) {
      case 'string':
        this.string(db, key, r.bytes, expireAt);
        return;
      case 'hash':
        this.hashFields(db, key, r.fields);
        for (const [f, at] of r.ttls) this.hashTtl(db, key, f, at);
        break;
      case 'list':
        this.listItems(db, key, r.items);
        break;
      case 'set':
        this.setMembers(db, key, r.members);
        break;
      case 'zset':
        this.zsetMembers(db, key, r.members, r.scores);
        break;
    }
    this.expire(db, key, expireAt);
  }

  /** Cut n elements into pieces that fit the current chunk. */
  private split(n: number, emit: (from: number, to: number) => void): void {
    let from = 0;
    while (from < n) {
      const to = Math.min(n, from + Math.max(1, loadChunkElements - this.weight));
      emit(from, to);
      from = to;
    }
  }

  private push(e: Effect, weight: number): void {
    this.current.push(e);
    this.weight += weight;
    if (this.weight >= loadChunkElements) {
      this.done.push(this.current);
      this.current = [];
      this.weight = 0;
    }
  }

  /** The chunks completed so far. */
  takeFull(): Effect[][] {
    return this.done.splice(0, this.done.length);
  }

  /** Every chunk, the last partial one included (call at the end of the load). */
  takeAll(): Effect[][] {
    const out = this.takeFull();
    if (this.current.length > 0) out.push(this.current);
    this.current = [];
    this.weight = 0;
    return out;
  }
}
