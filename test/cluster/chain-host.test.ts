// The driver of one chain on a node, fed messages as its predecessor would send them: a good
// update is applied and forwarded; an authenticated update that no correct head would make
// (undecodable payload, or a command that is not a data command) is never applied and does
// not crash the node — the replica halts that chain and says so (DESIGN invariant 4).
import t from 'tap';
import { ChainHost } from '../../src/cluster/chain-host';
import { encodeChainMsg, decodeChainMsg } from '../../protocol/chain/codec';
import { writeBatchEntry, type UpdatePayload } from '../../src/cluster/update-codec';
import { ByteWriter } from '../../src/cluster/reply-codec';
import { batchBytesTarget, batchEntriesMax, watchedKeysMax } from '../../src/cluster/limits';
import { buildTable } from '../../src/commands/table';
import { Keyspace } from '../../src/engine/keyspace';
import type { ChainId, Epoch, NodeId, Seq } from '../../protocol/config/cluster';

const members = ['n1', 'n2', 'n3'] as NodeId[];
const chain = 'n1>n2>n3' as ChainId;

function host(self = 'n2') {
  const sent: Array<{ to: NodeId; kind: string; bytes: Uint8Array }> = [];
  const logs: string[] = [];
  const h = new ChainHost(chain, members, 1, null, {
    self: self as NodeId,
    table: buildTable(),
    sendChain: (to, _c, bytes) => {
      const m = decodeChainMsg(bytes);
      sent.push({ to, kind: 'error' in m ? 'bad' : m.kind, bytes });
    },
    answer: () => {},
    requestSeal: (h) => setImmediate(() => h.sealTurn()),
    updated: () => {},
    log: (l) => logs.push(l),
  }, new Keyspace());
  return { h, sent, logs };
}

/** A chain update's payload: a batch of client updates (update-codec: batch). */
function batch(...payloads: UpdatePayload[]): Uint8Array {
  const w = new ByteWriter();
  payloads.forEach((payload, i) => writeBatchEntry(w, { origin: { node: 'n1', request: i + 1 }, payload }));
  return w.take();
}

function update(seq: number, payload: Uint8Array): Uint8Array {
  return encodeChainMsg({ kind: 'update', epoch: 1 as Epoch, chain, seq: seq as Seq, payload, origin: { node: 'n1' as NodeId, request: seq } });
}

t.test('a good update is applied and forwarded to the successor', async (t) => {
  const { h, sent } = host();
  h.onChainMessage('n1' as NodeId, update(1, batch({ db: 0, nowMs: 1000, seed: 1, items: [{ args: ['SET', 'k', 'v'] }] }, { db: 0, nowMs: 1000, seed: 2, items: [{ args: ['INCR', 'n'] }] })));
  t.equal(h.ks.db(0).data.get('k'), 'v');
  t.equal(h.ks.db(0).data.get('n'), '1', 'every client update of the batch is applied');
  t.match(sent, [{ to: 'n3', kind: 'update' }]);
  t.equal(sent.length, 1);
});

t.test('an undecodable or non-data update halts the chain here, applies nothing, throws nothing', async (t) => {
  for (const bad of [new Uint8Array([0xff, 0x00, 0x13]), new Uint8Array(0), batch({ db: 0, nowMs: 1, seed: 1, items: [{ args: ['SET', 'a', 'b'] }] }, { db: 0, nowMs: 1, seed: 1, items: [{ args: ['CONFIG', 'SET', 'x', 'y'] }] })]) {
    const { h, sent, logs } = host();
    t.doesNotThrow(() => h.onChainMessage('n1' as NodeId, update(1, bad)));
    t.not(h.halted, null, `halted: ${h.halted}`);
    t.match(logs.join('\n'), /HALTED/);
    h.onChainMessage('n1' as NodeId, update(2, batch({ db: 0, nowMs: 1, seed: 1, items: [{ args: ['SET', 'k', 'v'] }] })));
    t.equal(h.ks.db(0).size, 0, 'nothing of it (not even its good first entry) nor after it is applied');
    t.same(sent, [], 'nothing is forwarded');
    t.notOk(h.cleanFor(0, ['k']), 'a halted replica answers no read itself');
  }
});

// CRAQ (Terrace & Freedman, ATC 2009, §2.3): a non-tail replica answers a read itself only
// when its copy is clean — no update of the key is waiting for the tail's acknowledgement.
t.test('a middle answers reads of a key only once the tail has acknowledged its last change', async (t) => {
  const middle = host('n2');
  const tail = host('n3');
  await new Promise((r) => setImmediate(r));
  const u = update(1, batch({ db: 0, nowMs: 1000, seed: 1, items: [{ args: ['SET', 'k', 'v'] }] }, { db: 3, nowMs: 1000, seed: 2, items: [{ args: ['SET', 'x', 'y'] }] }));
  t.ok(middle.h.cleanFor(0, ['k']), 'clean before any update');
  middle.h.onChainMessage('n1' as NodeId, u);
  t.notOk(middle.h.cleanFor(0, ['k']), 'dirty while the update is not acknowledged');
  t.notOk(middle.h.cleanFor(3, ['x']), 'in every database it changed');
  t.ok(middle.h.cleanFor(0, ['other']), 'keys it did not change stay clean');
  t.notOk(middle.h.cleanFor(0, null), 'a keyless read (DBSIZE, SCAN) needs every update acknowledged');

  // A lying ack (wrong digest) is not believed, so it cleans nothing (DESIGN invariant 4).
  middle.h.onChainMessage('n3' as NodeId, encodeChainMsg({ kind: 'ack', epoch: 1 as Epoch, chain, seq: 1 as Seq, digest: 'f'.repeat(32) }));
  t.notOk(middle.h.cleanFor(0, ['k']), 'still dirty after an ack whose digest differs');
  t.equal(middle.h.divergences, 1);

  tail.h.onChainMessage('n2' as NodeId, u);
  t.ok(tail.h.cleanFor(0, ['k']), 'the tail always answers itself');
  await new Promise((r) => setImmediate(r));
  const ack = tail.sent.find((m) => m.kind === 'ack');
  t.ok(ack, 'the tail acknowledged');
  middle.h.onChainMessage('n3' as NodeId, ack!.bytes);
  t.ok(middle.h.cleanFor(0, ['k']), 'clean once the tail acknowledged it');
  t.ok(middle.h.cleanFor(3, ['x']));
  t.ok(middle.h.cleanFor(0, null));
  t.equal(middle.h.read(0, ['GET', 'k'], 1000), 'v', 'and the middle answers it');
});

// limits.batchEntriesMax / batchBytesTarget: the head seals its open batch when it is full,
// not only at the end of the turn, so one chain update stays a bounded stretch of work.
t.test('the head seals a batch at batchEntriesMax entries or batchBytesTarget bytes', async (t) => {
  const head = host('n1');
  const updates = () => head.sent.filter((m) => m.kind === 'update').length;
  const origin = { node: 'n1' as NodeId, request: 1 };
  for (let i = 0; i < batchEntriesMax + 5; i++) t.equal(head.h.submit({ db: 0, nowMs: 1, seed: 1, items: [{ args: ['INCR', 'n'] }] }, origin), null);
  t.equal(updates(), 1, 'one full batch sealed at once');
  await new Promise((r) => setImmediate(r));
  t.equal(updates(), 2, 'the rest at the end of the turn');
  t.equal(head.h.ks.db(0).data.get('n'), String(batchEntriesMax + 5), 'every entry applied once');
  head.h.submit({ db: 0, nowMs: 1, seed: 1, items: [{ args: ['SET', 'big', 'x'.repeat(batchBytesTarget)] }] }, origin);
  t.equal(updates(), 3, 'an entry that fills the batch bytes seals it at once');
});

// limits.watchedKeysMax: a head refuses a WATCH that would track more keys than that.
t.test('a head refuses to watch more than watchedKeysMax keys', async (t) => {
  const head = host('n1');
  t.equal(head.h.registerWatch([{ db: 0, key: 'a' }]), 0, 'a WATCH gets the head sequence number');
  const tooMany = Array.from({ length: watchedKeysMax }, (_, i) => ({ db: 0, key: `k${i}` }));
  t.match(head.h.registerWatch(tooMany), { text: /^TRYAGAIN Too many watched keys/ });
  t.equal(head.h.watchedKeys, 1, 'nothing of the refused WATCH is kept');
  head.h.releaseWatch([{ db: 0, key: 'a' }]);
  t.equal(head.h.watchedKeys, 0);
});
