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

/**
 * Ports come from freePort(), which frees them before the nodes listen: another process (or an
 * outgoing connection's ephemeral port) can take one in between. Then every node started so
 * far is closed and the cluster starts again on new ports, a few times.
 */
export async function startCluster(t: Test, o: ClusterOptions): Promise<ClusterHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(t, o);
    } catch (e) {
      if (attempt >= 5 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}

async function startClusterOnce(t: Test, o: ClusterOptions): Promise<ClusterHandle> {
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
    try {
      await server.listen();
    } catch (e) {
      // Nothing of a cluster that did not start may stay open (it would keep the test process alive).
      await server.close().catch(() => {});
      for (const h of handles) await h.server.close().catch(() => {});
      throw e;
    }
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
