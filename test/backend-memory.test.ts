// The memory backend honours the storage port's contract: nothing survives, the applied
// sequence number only moves forward, and use after close is a programmer error.
import t from 'tap';
import { MemoryBackend } from '../backends/memory/store';

t.test('memory backend: sequence numbers, empty load, close', async (t) => {
  const b = new MemoryBackend();
  t.equal(await b.appliedSeq(), 0n);
  await b.apply([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }], 5n);
  t.equal(await b.appliedSeq(), 5n);
  await t.rejects(b.apply([], 4n), /went backwards/);
  const loaded = [];
  for await (const k of b.load()) loaded.push(k);
  t.same(loaded, [], 'a memory backend loads nothing');
  await b.close();
  await t.rejects(b.apply([], 6n), /after close/);
});
