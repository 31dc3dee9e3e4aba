// Differential test of the sets family: the same seeded random set commands (and the
// generic key commands that observe them: OBJECT ENCODING, DUMP, TYPE, EXISTS, DEL, EXPIRE,
// TTL) go to Catena and to a real Redis, in RESP2 and RESP3, and every reply must be
// byte-identical — except where Redis's order is a hash table's or the reply is random,
// which test/diff/gen-sets.ts compares order-insensitively or by shape, as its model of the
// keyspace decides. Reproduce a failure with DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t from 'tap';
import { differentialSuite, reversedOrderIsCaught } from './helpers/differential';
import { generate, orderStats } from './diff/gen-sets';

differentialSuite(t, {
  family: 'sets',
  generate,
  seeds: { 2: 0x5e72, 3: 0x5e73 },
  // Both comparison modes must have been exercised, or the run proved less than it claims.
  after: (t) =>
    t.ok(orderStats.exact > 0 && orderStats.unordered > 0, `ordered replies compared exactly: ${orderStats.exact}, order-insensitively: ${orderStats.unordered}`),
});

// Negative control (STYLE #8): exact where Redis's order is defined (intset order).
reversedOrderIsCaught(t, { family: 'sets', command: 'smembers', generate });
