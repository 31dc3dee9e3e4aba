// Differential test of the bitmaps family: the same seeded random commands go to Catena and to
// a real Redis, in RESP2 and RESP3, and every reply must be byte-identical (see
// test/diff/gen-bitmaps.ts for what is generated). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generate } from './diff/gen-bitmaps';

differentialSuite(t, {
  family: 'bitmap',
  generate,
  seeds: { 2: 0xb17a, 3: 0xb17b },
});
