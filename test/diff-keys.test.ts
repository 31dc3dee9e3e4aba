// Differential test of the keys family: the same seeded random generic-key commands (with
// string, hash, set, list and sorted-set writes mixed in) go to Catena and to a real Redis, in RESP2 and RESP3, and every
// reply must be byte-identical, or equal under the comparison gen-keys.ts documents for
// timing-, order- or randomness-dependent replies. Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generate } from './diff/gen-keys';

differentialSuite(t, {
  family: 'keys',
  generate,
  seeds: { 2: 0x6b21, 3: 0x6b31 },
});
