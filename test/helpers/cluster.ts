/**
 * A Catena cluster in this process, for tests: N nodes (CatenaServer + ClusterNode) on free
 * loopback ports, real sockets between clients and nodes and between nodes (HMAC-authenticated
 * transport), the memory backend unless a per-chain opener is given. Closed in teardown.
 */
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { CatenaServer } from '../../src/server/server';
import { ClusterNode } from '../../src/cluster/node';
import type { Durability } from '../../src/server/durability';
import type { ChainId, ClusterConfig, NodeId } from '../../protocol/config/cluster';
import { keyspaceDigest } from '../../src/engine/digest';
import { freePort } from './redis-oracle';

export interface ClusterHandle {
  config: ClusterConfig;
  nodes: Array<{ id: NodeId; server: CatenaServer; cluster: ClusterNode; port: number }>;
  secret: Buffer;
  /** Per chain: the digest of each member's keyspace (every replica of a chain must agree). */
  chainDigests(): Map<ChainId, Map<NodeId, string>>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  replication?: number;
  vnodes?: number;
  openChain?: (node: NodeId, chain: ChainId) => Promise<Durability | null>;
}

export async function startCluster(t: Test, o: ClusterOptions): Promise<ClusterHandle> {
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}` as NodeId);
  const nodes = [];
  for (const id of ids) nodes.push({ id, host: '127.0.0.1', port: await freePort(), peerHost: '127.0.0.1', peerPort: await freePort() });
  const config = { epoch: 1, replication: o.replication ?? Math.min(3, o.nodes), vnodes: o.vnodes ?? 64, nodes } as unknown as ClusterConfig;
  const secret = randomBytes(32);
  const handles: ClusterHandle['nodes'] = [];
  for (const n of nodes) {
    const cluster = new ClusterNode({
      config,
      self: n.id,
      secret,
      openChain: async (chain) => (o.openChain === undefined ? null : o.openChain(n.id, chain)),
      log: () => {},
    });
    const server = new CatenaServer({ port: n.port, bind: '127.0.0.1', log: false, cluster });
    await server.listen();
    handles.push({ id: n.id, server, cluster, port: n.port });
  }
  const close = async () => {
    for (const h of handles) await h.server.close();
  };
  t.teardown(close);
  return {
    config,
    nodes: handles,
    secret,
    chainDigests: () => {
      const out = new Map<ChainId, Map<NodeId, string>>();
      for (const h of handles) {
        for (const [chain, host] of h.cluster.chains) {
          let m = out.get(chain);
          if (m === undefined) out.set(chain, (m = new Map()));
          m.set(h.id, keyspaceDigest(host.ks));
        }
      }
      return out;
    },
    close,
  };
}
