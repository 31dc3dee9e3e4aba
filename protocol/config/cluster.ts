/**
 * The cluster configuration: which nodes exist, their addresses, R and the ring's vnodes,
 * under an epoch. Pure: validates plain JSON values, no file or network access (the caller
 * reads the file; protocol/ is type-checked without Node's types).
 */

import { clusterNodesMax, hostBytesMax, nodeIdBytesMax, replicationMax, vnodesMax } from '../chain/limits';

export type NodeId = string & { readonly __brand: 'NodeId' };
/** Configuration number; every chain message carries it and a replica rejects other epochs. */
export type Epoch = number & { readonly __brand: 'Epoch' };
/** Update sequence number within one chain: a safe integer, 1 for the first update. */
export type Seq = number & { readonly __brand: 'Seq' };
/** A chain's members, head to tail, joined by '>' (e.g. 'n1>n3>n2'). */
export type ChainId = string & { readonly __brand: 'ChainId' };

export interface ClusterNode {
  id: NodeId;
  host: string;
  /** Client RESP port. */
  port: number;
  peerHost: string;
  /** Node-to-node (chain) port. */
  peerPort: number;
}

export interface ClusterConfig {
  epoch: Epoch;
  /** R: replicas per chain. */
  replication: number;
  /** Virtual points per node on the placement ring. */
  vnodes: number;
  nodes: ClusterNode[];
}

export const epochDefault = 1 as Epoch;
/** R when the file does not say, capped at the node count so a 1- or 2-node file is valid. */
export const replicationDefault = 3;
export const vnodesDefault = 64;
/** Offset from a local node's client port to its peer port (localClusterConfig). */
export const localPeerPortOffset = 10000;

const nodeIdPattern = new RegExp(`^[A-Za-z0-9_-]{1,${nodeIdBytesMax}}$`);
/** Printable ASCII without spaces: names, IPv4 and IPv6 literals all fit. */
const hostPattern = /^[\x21-\x7e]+$/;
const topKeys = new Set(['epoch', 'replication', 'vnodes', 'nodes']);
const nodeKeys = new Set(['id', 'host', 'port', 'peerHost', 'peerPort']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function unknownKey(o: Record<string, unknown>, allowed: Set<string>): string | undefined {
  return Object.keys(o).find((k) => !allowed.has(k));
}

function parseNode(v: unknown, at: string): ClusterNode | { error: string } {
  if (!isRecord(v)) return { error: `${at}: must be an object` };
  const extra = unknownKey(v, nodeKeys);
  if (extra !== undefined) return { error: `${at}: unknown field ${JSON.stringify(extra)}` };
  const { id, host, port, peerHost, peerPort } = v;
  if (typeof id !== 'string' || !nodeIdPattern.test(id)) {
    return { error: `${at}.id: must match [A-Za-z0-9_-]{1,${nodeIdBytesMax}}, got ${show(id)}` };
  }
  for (const [name, h] of [['host', host], ['peerHost', peerHost]] as const) {
    if (typeof h !== 'string' || h.length > hostBytesMax || !hostPattern.test(h)) {
      return { error: `${at}.${name}: must be a host name or address (printable, no spaces, at most ${hostBytesMax}), got ${show(h)}` };
    }
  }
  for (const [name, p] of [['port', port], ['peerPort', peerPort]] as const) {
    if (!intIn(p, 1, 65535)) return { error: `${at}.${name}: must be an integer in 1..65535, got ${show(p)}` };
  }
  return { id: id as NodeId, host: host as string, port: port as number, peerHost: peerHost as string, peerPort: peerPort as number };
}

/** Validates a parsed JSON cluster file; returns the configuration or the first reason it is invalid. */
export function parseClusterConfig(json: unknown): ClusterConfig | { error: string } {
  if (!isRecord(json)) return { error: 'cluster config: must be a JSON object' };
  const extra = unknownKey(json, topKeys);
  if (extra !== undefined) return { error: `cluster config: unknown field ${JSON.stringify(extra)}` };
  const { epoch = epochDefault, vnodes = vnodesDefault, nodes: rawNodes } = json;
  if (!intIn(epoch, 1, Number.MAX_SAFE_INTEGER)) return { error: `epoch: must be a positive safe integer, got ${show(epoch)}` };
  if (!intIn(vnodes, 1, vnodesMax)) return { error: `vnodes: must be an integer in 1..${vnodesMax}, got ${show(vnodes)}` };
  if (!Array.isArray(rawNodes)) return { error: 'nodes: must be an array' };
  if (rawNodes.length < 1 || rawNodes.length > clusterNodesMax) {
    return { error: `nodes: must hold 1..${clusterNodesMax} nodes, got ${rawNodes.length}` };
  }
  const nodes: ClusterNode[] = [];
  const ids = new Set<string>();
  const endpoints = new Map<string, string>();
  for (let i = 0; i < rawNodes.length; i++) {
    const at = `nodes[${i}]`;
    const node = parseNode(rawNodes[i], at);
    if ('error' in node) return node;
    if (ids.has(node.id)) return { error: `${at}.id: duplicate node id ${JSON.stringify(node.id)}` };
    ids.add(node.id);
    // Client and peer endpoints share one namespace: two listeners cannot bind the same address.
    for (const [name, host, port] of [['host:port', node.host, node.port], ['peerHost:peerPort', node.peerHost, node.peerPort]] as const) {
      const endpoint = `${host.toLowerCase()}:${port}`;
      const prior = endpoints.get(endpoint);
      if (prior !== undefined) return { error: `${at}.${name}: address ${endpoint} already used by ${prior}` };
      endpoints.set(endpoint, `${at}.${name}`);
    }
    nodes.push(node);
  }
  const replication = json.replication ?? Math.min(replicationDefault, nodes.length);
  if (!intIn(replication, 1, replicationMax)) {
    return { error: `replication: must be an integer in 1..${replicationMax}, got ${show(replication)}` };
  }
  if (replication > nodes.length) {
    return { error: `replication: ${replication} replicas need at least ${replication} nodes, got ${nodes.length}` };
  }
  return { epoch: epoch as Epoch, replication, vnodes, nodes };
}

/**
 * A development cluster on loopback: nodes n1..nN, client ports basePort.., peer ports
 * basePort+10000... R is capped at n so `localClusterConfig(1, port)` is a valid single node.
 */
export function localClusterConfig(n: number, basePort: number, r = replicationDefault): ClusterConfig {
  if (!Number.isSafeInteger(n) || n < 1 || n > clusterNodesMax) throw new Error(`localClusterConfig: bad node count ${n}`);
  if (!Number.isSafeInteger(r) || r < 1) throw new Error(`localClusterConfig: bad replication ${r}`);
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort + n - 1 + localPeerPortOffset > 65535) {
    throw new Error(`localClusterConfig: ports ${basePort}..${basePort + n - 1 + localPeerPortOffset} do not fit 1..65535`);
  }
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      id: `n${i + 1}` as NodeId,
      host: '127.0.0.1',
      port: basePort + i,
      peerHost: '127.0.0.1',
      peerPort: basePort + i + localPeerPortOffset,
    });
  }
  const config = parseClusterConfig({ epoch: epochDefault, replication: Math.min(r, n), vnodes: vnodesDefault, nodes });
  if ('error' in config) throw new Error(`localClusterConfig: ${config.error}`);
  return config;
}
