// Differential test of the lists family: the same seeded random list commands (blocking forms
// included, served at once or timing out at once) go to Catena and to a real Redis 7.0, in
// RESP2 and RESP3, and every reply must be byte-identical. Reproduce a failure with
// DIFF_SEED=<seed>; DIFF_COUNT changes the length.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generate } from './diff/gen-lists';

differentialSuite(t, {
  family: 'list',
  generate,
  seeds: { 2: 0x1157, 3: 0x1153 },
  count: 10000,
  after: (t, catena) => t.equal(catena.server.blocking.blockedCount, 0, 'no client is left blocked'),
});
