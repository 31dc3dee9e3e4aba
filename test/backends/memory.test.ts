// The reference adapter passes the backend contract suite; as a node's backend (no store)
// it persists nothing, as a Redis without persistence.
import t from 'tap';
import { MemoryBackend, MemoryStore } from '../../backends/memory/store';
import { backendConformance } from '../helpers/backend-conformance';

let store = new MemoryStore();
backendConformance(t, {
  name: 'memory',
  open: async () => new MemoryBackend(store),
  fresh: async () => {
    store = new MemoryStore();
    return new MemoryBackend(store);
  },
});

t.test('memory backend without a store: nothing survives, sequence only moves forward', async (t) => {
  const b = new MemoryBackend();
  t.equal(await b.appliedSeq(), 0n);
  await b.apply([{ op: 'put', db: 0, key: 'k', value: 'v', expireAt: null }], 5n);
  t.equal(await b.appliedSeq(), 5n);
  await t.rejects(b.apply([], 4n), /went backwards/);
  const loaded = [];
  for await (const k of b.load()) loaded.push(k);
  t.same(loaded, [], 'a memory backend without a store loads nothing');
  await b.close();
  await t.rejects(b.apply([], 6n), /after close/);
});
