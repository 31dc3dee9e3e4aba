/**
 * The keyspace: 16 logical databases, each a Dict of values plus a map of expiry times
 * (absolute Unix milliseconds), as Redis keeps `db->dict` and `db->expires`. Pure data:
 * no clock, no I/O. Expiry decisions are made by the engine with `ctx.nowMs`.
 */
import { Dict } from './dict';
import type { Value } from './values';
import { databasesDefault } from '../limits';

export class Db {
  readonly data: Dict<Value>;
  readonly expires = new Map<string, number>();
  constructor(seed: number) {
    this.data = new Dict<Value>(seed);
  }
  get size(): number {
    return this.data.size;
  }
  clear(): void {
    this.data.clear();
    this.expires.clear();
  }
}

/**
 * Thresholds at which a small collection leaves its compact encoding (Redis's
 * *-max-listpack-* / set-max-intset-entries). Part of the engine's configuration, set from
 * CONFIG; every replica of a chain must use the same values so OBJECT ENCODING agrees.
 */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  listMaxListpackSize: number;
  listCompressDepth: number;
  /** hll-sparse-max-bytes: a sparse HyperLogLog longer than this is promoted to dense. */
  hllSparseMaxBytes: number;
}

export const defaultEncodingLimits: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2,
  listCompressDepth: 0,
  hllSparseMaxBytes: 3000,
};

export class Keyspace {
  readonly dbs: Db[];
  readonly encoding: EncodingLimits = { ...defaultEncodingLimits };
  constructor(
    readonly databases = databasesDefault,
    readonly hashSeed = 0,
  ) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Db(hashSeed));
  }

  db(index: number): Db {
    const d = this.dbs[index];
    if (d === undefined) throw new Error(`db index ${index} out of range`);
    return d;
  }

  swap(a: number, b: number): void {
    const da = this.db(a);
    const dbb = this.db(b);
    this.dbs[a] = dbb;
    this.dbs[b] = da;
  }

  flushAll(): void {
    for (const d of this.dbs) d.clear();
  }
}
