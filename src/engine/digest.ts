/**
 * Keyspace digest: a SHA-256 over every database's keys in sorted order, with each key's
 * type, canonical contents and expiry. Two replicas (or a keyspace and its reload from a
 * backend) hold the same data exactly when their digests are equal. O(n log n); for tests,
 * verification and replica comparison, not for the request path.
 */
import { createHash } from 'node:crypto';
import type { Keyspace } from './keyspace';
import { isString, stringOf, typeOf, type Value } from './values';

function canonical(v: Value): string[] {
  return isString(v) ? [stringOf(v)] : v.canonical();
}

function frame(h: ReturnType<typeof createHash>, s: string): void {
  h.update(`${s.length}:`, 'latin1');
  h.update(s, 'latin1');
}

export function keyspaceDigest(ks: Keyspace): string {
  const h = createHash('sha256');
  for (let i = 0; i < ks.dbs.length; i++) {
    const db = ks.db(i);
    const keys = [...db.data.keys()].sort();
    frame(h, `db${i}:${keys.length}`);
    for (const k of keys) {
      const v = db.data.get(k) as Value;
      frame(h, k);
      frame(h, typeOf(v));
      const parts = canonical(v);
      frame(h, String(parts.length));
      for (const p of parts) frame(h, p);
      frame(h, String(db.expires.get(k) ?? -1));
    }
  }
  return h.digest('hex');
}

/** Digest of one database's logical contents at time `nowMs` (expired keys excluded). */
export function liveDigest(ks: Keyspace, nowMs: number): string {
  const h = createHash('sha256');
  for (let i = 0; i < ks.dbs.length; i++) {
    const db = ks.db(i);
    const keys = [...db.data.keys()].filter((k) => {
      const at = db.expires.get(k);
      return at === undefined || at > nowMs;
    });
    keys.sort();
    frame(h, `db${i}:${keys.length}`);
    for (const k of keys) {
      const v = db.data.get(k) as Value;
      frame(h, k);
      frame(h, typeOf(v));
      for (const p of canonical(v)) frame(h, p);
      frame(h, String(db.expires.get(k) ?? -1));
    }
  }
  return h.digest('hex');
}
