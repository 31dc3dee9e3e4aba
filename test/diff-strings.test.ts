// Differential test of the strings family: the same seeded random string commands (and the
// generic key commands that observe them: DEL, EXISTS, PERSIST, TTL, PTTL, EXPIRE) go to
// Catena and to a real Redis, in RESP2 and RESP3, and every reply must be byte-identical
// (TTL/PTTL within a tolerance). Reproduce a failure with DIFF_SEED=<seed>.
import t from 'tap';
import { differentialSuite } from './helpers/differential';
import { generate } from './diff/gen-strings';

differentialSuite(t, {
  family: 'strings',
  generate,
  seeds: { 2: 0x5712, 3: 0x5713 },
});
