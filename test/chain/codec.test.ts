// The chain message codec is a frozen wire format (STYLE #10): the golden bytes below are
// written out from the layout in protocol/chain/codec.ts by hand, not captured from the
// encoder. If one changes, a deployed cluster could not talk to an upgraded node; add an
// opcode instead. Decoding returns a reason for every malformed input and never throws.
import t from 'tap';
import type { ChainId, Epoch, NodeId, Seq } from '../../protocol/config/cluster';
import { chainOpcode, decodeChainMsg, encodeChainMsg } from '../../protocol/chain/codec';
import { chainIdBytesMax, digestBytesMax, updatePayloadBytesMax } from '../../protocol/chain/limits';
import type { ChainMsg } from '../../protocol/chain/messages';

const chain = 'n1>n2>n3' as ChainId;
const update: ChainMsg<Uint8Array> = {
  kind: 'update',
  epoch: 3 as Epoch,
  chain,
  seq: 258 as Seq,
  payload: Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
  origin: { node: 'n1' as NodeId, request: 7 },
};
const ack: ChainMsg<Uint8Array> = { kind: 'ack', epoch: 3 as Epoch, chain, seq: 258 as Seq, digest: 'ab12' };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

const updateGolden =
  '01' + // opcode update
  '0000000000000003' + // epoch
  '0008 6e313e6e323e6e33' + // chain "n1>n2>n3"
  '0000000000000102' + // seq 258
  '02 6e31' + // origin node "n1"
  '0000000000000007' + // origin request
  '00000004 deadbeef'; // payload
const ackGolden =
  '02' + // opcode ack
  '0000000000000003' +
  '0008 6e313e6e323e6e33' +
  '0000000000000102' +
  '0004 61623132'; // digest "ab12"

function plain(m: ChainMsg<Uint8Array> | { error: string }): unknown {
  return 'kind' in m && m.kind === 'update' ? { ...m, payload: [...m.payload] } : m;
}

t.test('golden bytes: one message of each kind, opcodes append-only', async (t) => {
  t.same(chainOpcode, { update: 1, ack: 2 }, 'opcodes are frozen');
  t.equal(hex(encodeChainMsg(update)), hex(bytes(updateGolden)));
  t.equal(hex(encodeChainMsg(ack)), hex(bytes(ackGolden)));
  t.same(plain(decodeChainMsg(bytes(updateGolden))), plain(update));
  t.same(decodeChainMsg(bytes(ackGolden)), ack);
});

t.test('round trips at the edges of each field', async (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  const msgs: ChainMsg<Uint8Array>[] = [
    { ...update, epoch: big as Epoch, seq: big as Seq, origin: { node: 'x'.repeat(40) as NodeId, request: big } },
    { ...update, payload: new Uint8Array(0) },
    { ...update, payload: Uint8Array.from({ length: 70000 }, (_, i) => i & 0xff) },
    { ...update, chain: Array.from({ length: 16 }, () => 'y'.repeat(40)).join('>') as ChainId },
    { ...ack, digest: 'f'.repeat(digestBytesMax), seq: 0 as Seq },
  ];
  for (const m of msgs) t.same(plain(decodeChainMsg(encodeChainMsg(m))), plain(m), `${m.kind} ${m.seq}`);
  const decoded = decodeChainMsg(bytes(updateGolden));
  if (!('kind' in decoded) || decoded.kind !== 'update') throw new Error('expected an update');
  t.equal(decoded.payload.length, 4, 'payload is a view of the input, not a copy');
});

t.test('malformed input is an error value, never a throw', async (t) => {
  for (const [name, golden] of [['update', updateGolden], ['ack', ackGolden]] as const) {
    const full = bytes(golden);
    for (let n = 0; n < full.length; n++) {
      const got = decodeChainMsg(full.subarray(0, n));
      if (!('error' in got) || !/truncated/.test(got.error)) t.fail(`${name} cut at ${n}: ${JSON.stringify(got)}`);
    }
    t.match(decodeChainMsg(Uint8Array.from([...full, 0])), { error: /1 trailing bytes/ }, `${name} with a trailing byte`);
  }
  const patched = (golden: string, at: number, patch: number[]): Uint8Array => {
    const b = bytes(golden);
    b.set(patch, at);
    return b;
  };
  t.match(decodeChainMsg(patched(ackGolden, 0, [0])), { error: 'unknown opcode 0' });
  t.match(decodeChainMsg(patched(ackGolden, 0, [3])), { error: 'unknown opcode 3' });
  t.match(decodeChainMsg(patched(ackGolden, 1, [0, 0x20])), { error: /epoch .* not a safe integer/ });
  t.match(decodeChainMsg(patched(ackGolden, 19, [0xff])), { error: /seq .* not a safe integer/ });
  t.match(decodeChainMsg(patched(ackGolden, 9, [0xff, 0xff])), { error: `chain length 65535 exceeds ${chainIdBytesMax}` });
  t.match(decodeChainMsg(patched(ackGolden, 11, [0x0a])), { error: 'chain is not printable ASCII' });
  t.match(decodeChainMsg(patched(ackGolden, 27, [0xff, 0xff])), { error: `digest length 65535 exceeds ${digestBytesMax}` });
  t.match(decodeChainMsg(patched(updateGolden, 27, [41])), { error: 'origin node length 41 exceeds 40' });
  t.match(decodeChainMsg(patched(updateGolden, 38, [0xff, 0xff, 0xff, 0xff])), { error: `payload length 4294967295 exceeds ${updatePayloadBytesMax}` });
  t.match(decodeChainMsg(patched(updateGolden, 38, [0, 0, 0, 5])), { error: /truncated: payload/ });
  t.match(decodeChainMsg(new Uint8Array(0)), { error: /truncated: opcode/ });

  // Random garbage and random mutations of valid frames: an answer every time, no throw.
  let seed = 12345;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  let threw = 0;
  for (let i = 0; i < 3000; i++) {
    const b = i % 2 === 0 ? Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)) : bytes(i % 4 === 1 ? updateGolden : ackGolden);
    if (i % 2 === 1) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
    try {
      const got = decodeChainMsg(b);
      if ('kind' in got) encodeChainMsg(got); // anything decoded is encodable again
    } catch {
      threw++;
    }
  }
  t.equal(threw, 0);
});

t.test('encoding asserts programmer errors', async (t) => {
  t.throws(() => encodeChainMsg({ ...ack, digest: 'é' }), /not printable ASCII/);
  t.throws(() => encodeChainMsg({ ...ack, digest: 'a b' }), /not printable ASCII/);
  t.throws(() => encodeChainMsg({ ...ack, digest: 'f'.repeat(digestBytesMax + 1) }), /longer than/);
  t.throws(() => encodeChainMsg({ ...ack, seq: -1 as Seq }), /seq/);
  t.throws(() => encodeChainMsg({ ...ack, epoch: 2 ** 53 as Epoch }), /epoch/);
  t.throws(() => encodeChainMsg({ ...update, origin: { node: 'n1' as NodeId, request: 0.5 } }), /origin request/);
});
