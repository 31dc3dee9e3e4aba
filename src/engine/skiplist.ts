/**
 * The order-statistic skiplist of a large sorted set, as Redis's zskiplist (t_zset.c): nodes
 * ordered by (score, member bytes), per-level forward pointers with spans so rank and
 * by-rank lookups are O(log n), a backward pointer at level 0, level probability 1/4, at
 * most 32 levels. Pure data: no clock, no I/O; the level of a new node comes from the
 * list's own seeded generator, so the same operations give the same structure everywhere.
 *
 * Layout: nodes are integer ids into typed arrays (score, level-0 forward, backward, level)
 * rather than one object per node, so a search touches a few compact arrays instead of
 * scattered objects and boxed doubles (at a million members, rank lookups measured ~8x faster
 * than with a node object per member). Levels above 0 live as [forward, span] pairs in one
 * pooled Int32Array (level 0's span is always 1). Id 0 is the header; since the header is
 * never a forward or backward target, 0 also means "none". The arrays shrink when the list
 * drops below a quarter of its capacity, keeping every node's level, so the structure is the
 * same as if it had never grown.
 */

/** Redis ZSKIPLIST_MAXLEVEL. */
export const skiplistLevelMax = 32;
/** Redis ZSKIPLIST_P, as the 16-bit threshold zslRandomLevel compares with. */
const levelThreshold = Math.floor(0.25 * 0xffff);
/** Node capacity of a new list, and the floor it never shrinks below. */
const capacityMin = 16;

/** A node id; 0 (the header) doubles as "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

/** A score interval (Redis zrangespec): `minex`/`maxex` make a bound exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** The lexicographic extremes "-" and "+" (Redis shared.minstring / shared.maxstring). */
export const LEX_MIN: unique symbol = Symbol('-');
export const LEX_MAX: unique symbol = Symbol('+');
export type LexBound = string | typeof LEX_MIN | typeof LEX_MAX;

/** A member interval (Redis zlexrangespec). */
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** Redis sdscmplex: byte order, with the sentinels below / above every string. */
export function cmpLex(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.min);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.max);
  return r.maxex ? c < 0 : c <= 0;
}

/** True when the range can contain nothing whatever the set (min > max, or equal and open). */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpLex(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

/** Order of (score, member) pairs, as zslInsert compares them (memcmp on the bytes). */
export function before(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2);
}

export class Skiplist {
  tail: NodeId = NONE;
  length = 0;
  level = 1;
  private rand: number;

  private cap: number;
  private sc: Float64Array;
  private el: string[];
  /** Level-0 forward pointers. */
  private nx: Int32Array;
  private bk: Int32Array;
  private lv: Uint8Array;
  /** Offset of each node's upper-level block in `up` (levels 1..lv-1, as [forward, span]). */
  private uo: Int32Array;
  private up: Int32Array;
  private upTop = 0;
  /** Free blocks of `up`, one list per node level (the block's first slot links the next). */
  private readonly upFree = new Int32Array(skiplistLevelMax + 1).fill(-1);
  private freeIds: number[] = [];
  private nextId = 1;
  /** Scratch vectors of a search (Redis's update[] and rank[]). */
  private readonly update = new Int32Array(skiplistLevelMax);
  private readonly rank = new Float64Array(skiplistLevelMax);

  /** `seed` drives the level choice (xorshift32); any value gives a correct list. */
  constructor(seed: number) {
    this.rand = seed >>> 0 || 0x9e3779b9;
    this.cap = capacityMin;
    this.sc = new Float64Array(this.cap);
    this.el = new Array<string>(this.cap).fill('');
    this.nx = new Int32Array(this.cap);
    this.bk = new Int32Array(this.cap);
    this.lv = new Uint8Array(this.cap);
    this.uo = new Int32Array(this.cap).fill(-1);
    this.up = new Int32Array(128);
    this.lv[0] = skiplistLevelMax;
    this.uo[0] = this.allocUp(skiplistLevelMax);
  }

  // ---- node access ----------------------------------------------------------------------

  get first(): NodeId {
    return this.nx[0] as number;
  }

  next(x: NodeId): NodeId {
    return this.nx[x] as number;
  }

  prev(x: NodeId): NodeId {
    return this.bk[x] as number;
  }

  score(x: NodeId): number {
    return this.sc[x] as number;
  }

  member(x: NodeId): string {
    return this.el[x] as string;
  }

  /** Number of levels of node `x` (MEMORY USAGE sizes nodes by it, as Redis's zmalloc_size). */
  levelOf(x: NodeId): number {
    return this.lv[x] as number;
  }

  private fwd(x: NodeId, i: number): NodeId {
    return i === 0 ? (this.nx[x] as number) : (this.up[(this.uo[x] as number) + 2 * i - 2] as number);
  }

  private setFwd(x: NodeId, i: number, n: NodeId): void {
    if (i === 0) this.nx[x] = n;
    else this.up[(this.uo[x] as number) + 2 * i - 2] = n;
  }

  private span(x: NodeId, i: number): number {
    return i === 0 ? 1 : (this.up[(this.uo[x] as number) + 2 * i - 1] as number);
  }

  private setSpan(x: NodeId, i: number, s: number): void {
    if (i !== 0) this.up[(this.uo[x] as number) + 2 * i - 1] = s;
  }

  // ---- storage --------------------------------------------------------------------------

  private allocUp(level: number): number {
    if (level <= 1) return -1;
    const head = this.upFree[level] as number;
    if (head >= 0) {
      this.upFree[level] = this.up[head] as number;
      return head;
    }
    const size = 2 * (level - 1);
    if (this.upTop + size > this.up.length) {
      let n = this.up.length * 2;
      while (n < this.upTop + size) n *= 2;
      const next = new Int32Array(n);
      next.set(this.up.subarray(0, this.upTop));
      this.up = next;
    }
    const off = this.upTop;
    this.upTop += size;
    return off;
  }

  private allocNode(level: number, score: number, ele: string): NodeId {
    let x = this.freeIds.pop();
    if (x === undefined) {
      if (this.nextId === this.cap) this.resize(this.cap * 2);
      x = this.nextId++;
    }
    this.sc[x] = score;
    this.el[x] = ele;
    this.lv[x] = level;
    const off = this.allocUp(level);
    this.uo[x] = off;
    for (let i = 0; i < 2 * (level - 1); i++) this.up[off + i] = 0;
    this.nx[x] = NONE;
    this.bk[x] = NONE;
    return x;
  }

  private freeNode(x: NodeId): void {
    const level = this.lv[x] as number;
    const off = this.uo[x] as number;
    if (level > 1) {
      this.up[off] = this.upFree[level] as number;
      this.upFree[level] = off;
    }
    this.el[x] = '';
    this.uo[x] = -1;
    this.freeIds.push(x);
  }

  private resize(cap: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, Math.min(a.length, cap)));
      return b;
    };
    this.sc = grow(this.sc, (n) => new Float64Array(n));
    this.nx = grow(this.nx, (n) => new Int32Array(n));
    this.bk = grow(this.bk, (n) => new Int32Array(n));
    this.lv = grow(this.lv, (n) => new Uint8Array(n));
    this.uo = grow(this.uo, (n) => new Int32Array(n));
    if (cap > this.el.length) for (let i = this.el.length; i < cap; i++) this.el.push('');
    else this.el.length = cap;
    this.cap = cap;
  }

  /**
   * After deletions: below a quarter of the capacity, renumber the nodes 1..length in order
   * into arrays half that size. Levels are kept, so searches behave exactly as before.
   */
  private maybeShrink(): void {
    if (this.cap <= capacityMin || this.length * 4 >= this.cap) return;
    let cap = capacityMin;
    while (cap < this.length * 2 + 1) cap *= 2;
    const old = {
      sc: this.sc,
      el: this.el,
      nx: this.nx,
      lv: this.lv,
    };
    const headLevel = this.level;
    this.cap = cap;
    this.sc = new Float64Array(cap);
    this.el = new Array<string>(cap).fill('');
    this.nx = new Int32Array(cap);
    this.bk = new Int32Array(cap);
    this.lv = new Uint8Array(cap);
    this.uo = new Int32Array(cap).fill(-1);
    this.up = new Int32Array(128);
    this.upTop = 0;
    this.upFree.fill(-1);
    this.freeIds = [];
    this.nextId = 1;
    this.lv[0] = skiplistLevelMax;
    this.uo[0] = this.allocUp(skiplistLevelMax);
    const last = new Int32Array(skiplistLevelMax);
    const lastRank = new Float64Array(skiplistLevelMax);
    let r = 0;
    for (let o = old.nx[0] as number; o !== NONE; o = old.nx[o] as number) {
      r++;
      const level = old.lv[o] as number;
      const n = this.allocNode(level, old.sc[o] as number, old.el[o] as string);
      for (let i = 0; i < level; i++) {
        const p = last[i] as number;
        this.setFwd(p, i, n);
        this.setSpan(p, i, r - (lastRank[i] as number));
        last[i] = n;
        lastRank[i] = r;
      }
      this.bk[n] = r > 1 ? n - 1 : NONE;
    }
    for (let i = 0; i < headLevel; i++) {
      this.setFwd(last[i] as number, i, NONE);
      this.setSpan(last[i] as number, i, this.length - (lastRank[i] as number));
    }
    this.tail = this.length > 0 ? this.length : NONE;
  }

  /** Redis zslRandomLevel: 1 + the number of 1-in-4 successes in a row, at most 32. */
  private randomLevel(): number {
    let level = 1;
    for (;;) {
      let x = this.rand;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      this.rand = x;
      if ((x & 0xffff) >= levelThreshold || level >= skiplistLevelMax) break;
      level++;
    }
    return level;
  }

  // ---- changes --------------------------------------------------------------------------

  /** Insert a member known to be absent (the caller checked its dict). */
  insert(score: number, ele: string): NodeId {
    const update = this.update;
    const rank = this.rank;
    const sc = this.sc;
    const el = this.el;
    const nx = this.nx;
    const up = this.up;
    const uo = this.uo;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let r = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      for (;;) {
        // fwd/span inlined, and the member read only on a score tie: this loop is the hot path.
        const o = (uo[x] as number) + 2 * i - 2;
        const f = i === 0 ? (nx[x] as number) : (up[o] as number);
        if (f === NONE) break;
        const fs = sc[f] as number;
        if (!(fs < score || (fs === score && (el[f] as string) < ele))) break;
        r += i === 0 ? 1 : (up[o + 1] as number);
        x = f;
      }
      rank[i] = r;
      update[i] = x;
    }
    const level = this.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = 0;
        this.setSpan(0, i, this.length);
      }
      this.level = level;
    }
    const n = this.allocNode(level, score, ele);
    const r0 = rank[0] as number;
    for (let i = 0; i < level; i++) {
      const u = update[i] as number;
      this.setFwd(n, i, this.fwd(u, i));
      this.setFwd(u, i, n);
      const ri = rank[i] as number;
      this.setSpan(n, i, this.span(u, i) - (r0 - ri));
      this.setSpan(u, i, r0 - ri + 1);
    }
    for (let i = level; i < this.level; i++) {
      const u = update[i] as number;
      this.setSpan(u, i, this.span(u, i) + 1);
    }
    this.bk[n] = update[0] as number;
    const after = this.nx[n] as number;
    if (after !== NONE) this.bk[after] = n;
    else this.tail = n;
    this.length++;
    return n;
  }

  /** Unlink `x` given the update vector (Redis zslDeleteNode); the caller frees it. */
  private unlink(x: NodeId): void {
    const update = this.update;
    for (let i = 0; i < this.level; i++) {
      const u = update[i] as number;
      if (this.fwd(u, i) === x) {
        this.setSpan(u, i, this.span(u, i) + this.span(x, i) - 1);
        this.setFwd(u, i, this.fwd(x, i));
      } else {
        this.setSpan(u, i, this.span(u, i) - 1);
      }
    }
    const after = this.nx[x] as number;
    if (after !== NONE) this.bk[after] = this.bk[x] as number;
    else this.tail = this.bk[x] as number;
    while (this.level > 1 && this.fwd(0, this.level - 1) === NONE) this.level--;
    this.length--;
  }

  /** Fill the update vector for (score, ele): per level, the last node before it. Returns the node after. */
  private path(score: number, ele: string): NodeId {
    const update = this.update;
    const sc = this.sc;
    const el = this.el;
    const nx = this.nx;
    const up = this.up;
    const uo = this.uo;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = i === 0 ? (nx[x] as number) : (up[(uo[x] as number) + 2 * i - 2] as number);
        if (f === NONE) break;
        const fs = sc[f] as number;
        if (!(fs < score || (fs === score && (el[f] as string) < ele))) break;
        x = f;
      }
      update[i] = x;
    }
    return nx[x] as number;
  }

  /** Remove the node with this score and member; false when there is none. */
  delete(score: number, ele: string): boolean {
    const x = this.path(score, ele);
    if (x !== NONE && this.sc[x] === score && this.el[x] === ele) {
      this.unlink(x);
      this.freeNode(x);
      this.maybeShrink();
      return true;
    }
    return false;
  }

  /**
   * Change a member's score (Redis zslUpdateScore): in place when the order is unchanged,
   * otherwise remove and re-insert.
   */
  updateScore(curScore: number, ele: string, newScore: number): void {
    const x = this.path(curScore, ele);
    if (x === NONE || this.sc[x] !== curScore || this.el[x] !== ele) throw new Error('skiplist: updateScore of a missing member');
    const b = this.bk[x] as number;
    const a = this.nx[x] as number;
    if ((b === NONE || (this.sc[b] as number) < newScore) && (a === NONE || (this.sc[a] as number) > newScore)) {
      this.sc[x] = newScore;
      return;
    }
    this.unlink(x);
    this.freeNode(x);
    this.insert(newScore, ele);
  }

  // ---- queries --------------------------------------------------------------------------

  /** 1-based rank of (score, ele), 0 when absent (Redis zslGetRank). */
  getRank(score: number, ele: string): number {
    const sc = this.sc;
    const el = this.el;
    const nx = this.nx;
    const up = this.up;
    const uo = this.uo;
    let rank = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const o = (uo[x] as number) + 2 * i - 2;
        const f = i === 0 ? (nx[x] as number) : (up[o] as number);
        if (f === NONE) break;
        const fs = sc[f] as number;
        if (!(fs < score || (fs === score && (el[f] as string) <= ele))) break;
        rank += i === 0 ? 1 : (up[o + 1] as number);
        x = f;
      }
      if (x !== 0 && sc[x] === score && el[x] === ele) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or NONE (Redis zslGetElementByRank). */
  getByRank(rank: number): NodeId {
    const nx = this.nx;
    const up = this.up;
    const uo = this.uo;
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const o = (uo[x] as number) + 2 * i - 2;
        const f = i === 0 ? (nx[x] as number) : (up[o] as number);
        if (f === NONE) break;
        const s = i === 0 ? 1 : (up[o + 1] as number);
        if (traversed + s > rank) break;
        traversed += s;
        x = f;
      }
      if (traversed === rank) return x;
    }
    return NONE;
  }

  private isInRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    if (this.tail === NONE || !scoreGteMin(this.sc[this.tail] as number, r)) return false;
    const h = this.nx[0] as number;
    return h !== NONE && scoreLteMax(this.sc[h] as number, r);
  }

  /** First node within the range, or NONE (Redis zslFirstInRange). */
  firstInRange(r: ScoreRange): NodeId {
    if (!this.isInRange(r)) return NONE;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = this.fwd(x, i); f !== NONE && !scoreGteMin(this.sc[f] as number, r); f = this.fwd(x, i)) x = f;
    }
    const n = this.nx[x] as number;
    return scoreLteMax(this.sc[n] as number, r) ? n : NONE;
  }

  /** Last node within the range, or NONE (Redis zslLastInRange). */
  lastInRange(r: ScoreRange): NodeId {
    if (!this.isInRange(r)) return NONE;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = this.fwd(x, i); f !== NONE && scoreLteMax(this.sc[f] as number, r); f = this.fwd(x, i)) x = f;
    }
    return x !== 0 && scoreGteMin(this.sc[x] as number, r) ? x : NONE;
  }

  private isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    if (this.tail === NONE || !lexGteMin(this.el[this.tail] as string, r)) return false;
    const h = this.nx[0] as number;
    return h !== NONE && lexLteMax(this.el[h] as string, r);
  }

  /** Redis zslFirstInLexRange. */
  firstInLexRange(r: LexRange): NodeId {
    if (!this.isInLexRange(r)) return NONE;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = this.fwd(x, i); f !== NONE && !lexGteMin(this.el[f] as string, r); f = this.fwd(x, i)) x = f;
    }
    const n = this.nx[x] as number;
    return lexLteMax(this.el[n] as string, r) ? n : NONE;
  }

  /** Redis zslLastInLexRange. */
  lastInLexRange(r: LexRange): NodeId {
    if (!this.isInLexRange(r)) return NONE;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = this.fwd(x, i); f !== NONE && lexLteMax(this.el[f] as string, r); f = this.fwd(x, i)) x = f;
    }
    return x !== 0 && lexGteMin(this.el[x] as string, r) ? x : NONE;
  }

  // ---- range deletions ------------------------------------------------------------------

  /**
   * Delete the nodes of 1-based ranks start..end inclusive, in ascending order, calling
   * `removed` with each (Redis zslDeleteRangeByRank). Returns how many were deleted.
   */
  deleteRangeByRank(start: number, end: number, removed: (member: string, score: number) => void): number {
    const update = this.update;
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = this.fwd(x, i);
        if (f === NONE) break;
        const s = this.span(x, i);
        if (traversed + s >= start) break;
        traversed += s;
        x = f;
      }
      update[i] = x;
    }
    traversed++;
    let n = this.nx[x] as number;
    let count = 0;
    while (n !== NONE && traversed <= end) {
      const next = this.nx[n] as number;
      this.unlink(n);
      removed(this.el[n] as string, this.sc[n] as number);
      this.freeNode(n);
      count++;
      traversed++;
      n = next;
    }
    this.maybeShrink();
    return count;
  }

  /**
   * Redis zslDeleteRangeByLex: descend to the last node below the range's minimum, then delete
   * forward while members are within the maximum. (With members not in order — mixed scores —
   * the result depends on the levels, as in Redis.)
   */
  deleteRangeByLex(r: LexRange, removed: (member: string, score: number) => void): number {
    const update = this.update;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let f = this.fwd(x, i); f !== NONE && !lexGteMin(this.el[f] as string, r); f = this.fwd(x, i)) x = f;
      update[i] = x;
    }
    let n = this.nx[x] as number;
    let count = 0;
    while (n !== NONE && lexLteMax(this.el[n] as string, r)) {
      const next = this.nx[n] as number;
      this.unlink(n);
      removed(this.el[n] as string, this.sc[n] as number);
      this.freeNode(n);
      count++;
      n = next;
    }
    this.maybeShrink();
    return count;
  }

  /**
   * Check every structural invariant (order, spans, backward links, length, tail); returns
   * the first violation found, or null. O(n · levels): for tests.
   */
  verify(): string | null {
    let r = 0;
    let prev = NONE;
    const rankOf = new Map<NodeId, number>();
    for (let x = this.nx[0] as number; x !== NONE; x = this.nx[x] as number) {
      r++;
      rankOf.set(x, r);
      if ((this.bk[x] as number) !== prev) return `backward link of rank ${r}`;
      if (prev !== NONE && !before(this.sc[prev] as number, this.el[prev] as string, this.sc[x] as number, this.el[x] as string)) return `order at rank ${r}`;
      prev = x;
    }
    if (r !== this.length) return `length ${this.length} but ${r} nodes`;
    if (this.tail !== prev) return 'tail';
    for (let i = 1; i < this.level; i++) {
      let x = 0;
      let xr = 0;
      for (;;) {
        const f = this.fwd(x, i);
        if (f === NONE) break;
        const fr = rankOf.get(f);
        if (fr === undefined) return `level ${i} points to a node not in the list`;
        if (this.span(x, i) !== fr - xr) return `span at level ${i} from rank ${xr}`;
        if ((this.lv[f] as number) <= i) return `node of level ${this.lv[f]} linked at level ${i}`;
        x = f;
        xr = fr;
      }
    }
    return null;
  }
}
