/**
 * A hash table with Redis's dict semantics where clients can observe them: SCAN's
 * reverse-binary cursor (a key present for the whole scan is returned at least once, even
 * across resizes) and RANDOMKEY's pick-a-bucket sampling. Deterministic: the layout depends
 * only on the hash seed and the sequence of inserts and deletes, so every replica of a chain
 * has the same layout and draws the same "random" key from the same seed.
 * Keys are binary strings (one char per byte).
 */

class Entry<V> {
  constructor(
    public key: string,
    public value: V,
    public hash: number,
    public next: Entry<V> | null,
  ) {}
}

const MIN_BUCKETS = 4;

/** FNV-1a over the key's bytes, 32-bit, mixed with the seed (murmur3 finaliser). */
export function hashKey(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  v = (v >>> 16) | (v << 16);
  return v >>> 0;
}

export class Dict<V> {
  private buckets: Array<Entry<V> | null>;
  private mask: number;
  private count = 0;

  constructor(private readonly seed = 0) {
    this.buckets = new Array<Entry<V> | null>(MIN_BUCKETS).fill(null);
    this.mask = MIN_BUCKETS - 1;
  }

  get size(): number {
    return this.count;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  private find(key: string): Entry<V> | null {
    const h = hashKey(key, this.seed);
    let e = this.buckets[h & this.mask] ?? null;
    while (e !== null) {
      if (e.hash === h && e.key === key) return e;
      e = e.next;
    }
    return null;
  }

  get(key: string): V | undefined {
    const e = this.find(key);
    return e === null ? undefined : e.value;
  }

  has(key: string): boolean {
    return this.find(key) !== null;
  }

  /** Insert or replace; true when the key is new. */
  set(key: string, value: V): boolean {
    const h = hashKey(key, this.seed);
    const idx = h & this.mask;
    let e = this.buckets[idx] ?? null;
    while (e !== null) {
      if (e.hash === h && e.key === key) {
        e.value = value;
        return false;
      }
      e = e.next;
    }
    this.buckets[idx] = new Entry(key, value, h, this.buckets[idx] ?? null);
    this.count++;
    if (this.count > this.buckets.length) this.resize(this.buckets.length * 2);
    return true;
  }

  delete(key: string): boolean {
    const h = hashKey(key, this.seed);
    const idx = h & this.mask;
    let prev: Entry<V> | null = null;
    let e = this.buckets[idx] ?? null;
    while (e !== null) {
      if (e.hash === h && e.key === key) {
        if (prev === null) this.buckets[idx] = e.next;
        else prev.next = e.next;
        this.count--;
        // Redis shrinks when fill drops under 10%; we do it here, deterministically.
        if (this.buckets.length > MIN_BUCKETS && this.count * 10 < this.buckets.length) {
          this.resize(Math.max(MIN_BUCKETS, nextPow2(this.count)));
        }
        return true;
      }
      prev = e;
      e = e.next;
    }
    return false;
  }

  /**
   * A copy with the same layout (bucket count, chain order), so it iterates, scans and draws
   * random keys exactly as the original: a value copied on one replica and rebuilt from an
   * effect on another must answer alike. Values are shared unless `copyValue` is given.
   */
  clone(copyValue: (v: V) => V = (v) => v): Dict<V> {
    const d = new Dict<V>(this.seed);
    d.buckets = this.buckets.map((head) => {
      let first: Entry<V> | null = null;
      let last: Entry<V> | null = null;
      for (let e = head; e !== null; e = e.next) {
        const c = new Entry(e.key, copyValue(e.value), e.hash, null);
        if (last === null) first = c;
        else last.next = c;
        last = c;
      }
      return first;
    });
    d.mask = this.mask;
    d.count = this.count;
    return d;
  }

  clear(): void {
    this.buckets = new Array<Entry<V> | null>(MIN_BUCKETS).fill(null);
    this.mask = MIN_BUCKETS - 1;
    this.count = 0;
  }

  private resize(n: number): void {
    const old = this.buckets;
    const next = new Array<Entry<V> | null>(n).fill(null);
    const mask = n - 1;
    for (let i = 0; i < old.length; i++) {
      let e = old[i] ?? null;
      while (e !== null) {
        const after: Entry<V> | null = e.next;
        const idx = e.hash & mask;
        e.next = next[idx] ?? null;
        next[idx] = e;
        e = after;
      }
    }
    this.buckets = next;
    this.mask = mask;
  }

  /**
   * Redis `dictScan`: visit one bucket (all its keys) and return the next cursor, 0 when the
   * scan is complete. Cursor values are unsigned 32-bit.
   */
  scan(cursor: number, visit: (key: string, value: V) => void): number {
    if (this.count === 0) return 0;
    let v = cursor >>> 0;
    const m0 = this.mask;
    let e = this.buckets[v & m0] ?? null;
    while (e !== null) {
      const after: Entry<V> | null = e.next;
      visit(e.key, e.value);
      e = after;
    }
    v = (v | ~m0) >>> 0;
    v = rev32(v);
    v = (v + 1) >>> 0;
    v = rev32(v);
    return v;
  }

  /** Redis `dictGetRandomKey`: a random non-empty bucket, then a random entry of its chain. */
  randomEntry(random: () => number): [string, V] | undefined {
    if (this.count === 0) return undefined;
    let e: Entry<V> | null = null;
    while (e === null) e = this.buckets[Math.floor(random() * this.buckets.length)] ?? null;
    let len = 0;
    for (let x: Entry<V> | null = e; x !== null; x = x.next) len++;
    let pick = Math.floor(random() * len);
    while (pick-- > 0 && e.next !== null) e = e.next;
    return [e.key, e.value];
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < this.buckets.length; i++) {
      let e = this.buckets[i] ?? null;
      while (e !== null) {
        const after: Entry<V> | null = e.next;
        yield [e.key, e.value];
        e = after;
      }
    }
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  forEach(fn: (value: V, key: string) => void): void {
    for (let i = 0; i < this.buckets.length; i++) {
      let e = this.buckets[i] ?? null;
      while (e !== null) {
        const after: Entry<V> | null = e.next;
        fn(e.value, e.key);
        e = after;
      }
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
