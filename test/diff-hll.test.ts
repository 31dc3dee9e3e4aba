// Differential test of the hll family: the same seeded random commands go to Catena and to
// a real Redis, in RESP2 and RESP3, and every reply must be byte-identical (see
// test/diff/gen-hll.ts for what is generated). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generate } from './diff/gen-hll';

differentialSuite(t, {
  family: 'HyperLogLog',
  generate: generate,
  seeds: { 2: 0x4111, 3: 0x4112 },
});
