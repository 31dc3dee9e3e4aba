/**
 * CLUSTER and READONLY/READWRITE: what a cluster-aware client asks to learn the topology.
 * On a single node they answer as a Redis without cluster support. In a Catena cluster
 * (src/cluster/node.ts) every node accepts every command, so no reply ever redirects; the
 * topology they describe names, per slot range, the head of its chain as the master (writes
 * enter there) and the rest of the chain, tail last, as its replicas — so a client that
 * writes to "masters" writes to heads, and one that reads from replicas reads from nodes
 * that forward to the tail (docs/cluster.md).
 */
import { createHash } from 'node:crypto';
import type { CommandDef } from './spec';
import type { CatenaServer } from '../server/server';
import type { ClusterNode } from '../cluster/node';
import { MapReply, OK, VerbatimReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import { keySlot } from '../../protocol/config/slots';
import type { NodeId } from '../../protocol/config/cluster';

/** A Redis-style 40-hex node id for a Catena node id. */
export function redisNodeId(id: string): string {
  return createHash('sha1').update(`catena-node:${id}`).digest('hex');
}

function clusterOf(server: CatenaServer): ClusterNode | null {
  return server.cluster;
}

function nodeEntry(c: ClusterNode, id: NodeId): Reply[] {
  const n = c.options.config.nodes.find((x) => x.id === id);
  if (n === undefined) throw new Error(`node ${id} missing from the configuration`);
  return [n.host, n.port, redisNodeId(id), new MapReply([])];
}

function slots(c: ClusterNode): Reply {
  return c.placement.slotRanges().map((r) => [r.from, r.to, ...c.placement.membersOf(r.chain).map((id) => nodeEntry(c, id))]);
}

function shards(c: ClusterNode): Reply {
  const out: Reply[] = [];
  for (const chain of c.placement.chains()) {
    const ranges = c.placement.slotsOf(chain).flat();
    const members = c.placement.membersOf(chain);
    const nodes = members.map((id, i) => {
      const n = c.options.config.nodes.find((x) => x.id === id);
      if (n === undefined) throw new Error(`node ${id} missing from the configuration`);
      return new MapReply(['id', redisNodeId(id), 'port', n.port, 'ip', n.host, 'endpoint', n.host, 'role', i === 0 ? 'master' : 'replica', 'replication-offset', 0, 'health', 'online']);
    });
    out.push(new MapReply(['slots', ranges, 'nodes', nodes]));
  }
  return out;
}

function nodesText(c: ClusterNode): string {
  const lines: string[] = [];
  for (const n of c.options.config.nodes) {
    const headed: string[] = [];
    for (const r of c.placement.slotRanges()) {
      if (c.placement.membersOf(r.chain)[0] === n.id) headed.push(r.from === r.to ? String(r.from) : `${r.from}-${r.to}`);
    }
    const flags = n.id === c.self ? 'myself,master' : 'master';
    lines.push(`${redisNodeId(n.id)} ${n.host}:${n.port}@${n.peerPort} ${flags} - 0 0 ${c.options.config.epoch} connected ${headed.join(' ')}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}

function infoText(c: ClusterNode): string {
  const nodes = c.options.config.nodes.length;
  const fields: Array<[string, string | number]> = [
    ['cluster_state', 'ok'],
    ['cluster_slots_assigned', 16384],
    ['cluster_slots_ok', 16384],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', 0],
    ['cluster_known_nodes', nodes],
    ['cluster_size', nodes],
    ['cluster_current_epoch', c.options.config.epoch],
    ['cluster_my_epoch', c.options.config.epoch],
    ['cluster_replication_factor', c.options.config.replication],
    ['cluster_chains', c.placement.chains().length],
  ];
  return fields.map(([k, v]) => `${k}:${v}\r\n`).join('');
}

const inCluster =
  (f: (c: ClusterNode, args: string[]) => Reply) =>
  (_s: unknown, args: string[], server: CatenaServer): Reply => {
    const c = clusterOf(server);
    return c === null ? err.clusterDisabled : f(c, args);
  };

export const commands: CommandDef[] = [
  { name: 'cluster|slots', node: inCluster((c) => slots(c)) },
  { name: 'cluster|shards', node: inCluster((c) => shards(c)) },
  { name: 'cluster|nodes', node: inCluster((c) => new VerbatimReply('txt', nodesText(c))) },
  { name: 'cluster|info', node: inCluster((c) => new VerbatimReply('txt', infoText(c))) },
  { name: 'cluster|myid', node: inCluster((c) => redisNodeId(c.self)) },
  { name: 'cluster|keyslot', node: inCluster((_c, args) => keySlot(args[2] as string)) },
  { name: 'readonly', node: (_s, _args, server) => (clusterOf(server) === null ? err.clusterDisabled : OK) },
  { name: 'readwrite', node: (_s, _args, server) => (clusterOf(server) === null ? err.clusterDisabled : OK) },
];
