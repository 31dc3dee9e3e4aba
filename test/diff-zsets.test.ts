// Differential test of the sorted-set family: the same seeded random zset commands go to
// Catena and to a real Redis 7.0, in RESP2 and RESP3, and every reply must be byte-identical
// (random replies — ZRANDMEMBER, ZSCAN of a skiplist — by shape; see gen-zsets.ts). The
// workload crosses the listpack/skiplist thresholds, so OBJECT ENCODING is compared too.
// Reproduce a failure with DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generateWithSets } from './diff/gen-zsets';

differentialSuite(t, {
  family: 'sorted-set (with set inputs)',
  generate: generateWithSets,
  seeds: { 2: 0x25e7, 3: 0x25e3 },
  after: (t, catena) => t.equal(catena.server.blocking.blockedCount, 0, 'no client is left blocked'),
});
