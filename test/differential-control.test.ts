// Negative control for the differential harness (STYLE #8): a node with one deliberately
// broken command must be caught, at the first command whose reply it changes, in both
// protocols. Proves the oracle comparison can fail.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { startRedis } from './helpers/redis-oracle';
import { runDifferential } from './helpers/differential';
import { generate } from './diff/gen-strings';
import type { CommandSpec } from '../src/commands/spec';

for (const proto of [2, 3] as const) {
  t.test(`a node whose GETRANGE is off by one is caught (RESP${proto})`, async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return t.plan(0, 'no Redis to compare with: set REDIS_URL or install redis-server');
    const catena = await startCatena(t);
    const real = catena.server.table.get('getrange') as CommandSpec;
    const broken: CommandSpec = {
      ...real,
      data: (x, args) => {
        const r = (real.data as NonNullable<CommandSpec['data']>)(x, args);
        return typeof r === 'string' && r.length > 0 ? r.slice(1) : r;
      },
    };
    catena.server.table.set('getrange', broken);
    const r = await runDifferential(t, {
      label: 'sabotaged GETRANGE',
      catenaPort: catena.port,
      redisPort: redis.port,
      redisHost: redis.host,
      seed: proto === 2 ? 0x5712 : 0x5713,
      count: 12000,
      proto,
      generate,
      expectMismatch: true,
    });
    t.equal(r.mismatches, 1, 'the harness reports the broken reply');
    t.ok(r.sent < 12000, `caught at command #${r.sent}, before the end of the run`);
  });
}
