/**
 * Authenticated node-to-node links (DESIGN "runtime"; invariant 4: nothing unauthenticated is
 * believed). May touch node:net sockets, timers and node:crypto; the frame layout and the link
 * checks are protocol/auth/frame.ts. Must not know what a message means: messages are the
 * chain layer's opaque bytes, delivered FIFO per sender → receiver pair, at most once.
 *
 * Each node dials every peer for its own outgoing traffic and only receives on the connections
 * it accepts, so A → B messages share one TCP connection and keep their order. A link that
 * drops loses what was in flight; the chain layer resends its unacknowledged updates on
 * `onLinkUp` (chain replication's "resend on reconfiguration", van Renesse & Schneider §3).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import {
  FrameDecoder,
  FrameKind,
  acceptorHelloHeader,
  acceptorHelloProblem,
  dataFrameProblem,
  decodeBatch,
  dialerHelloHeader,
  dialerHelloProblem,
  encodeBatch,
  encodeFrame,
  helloBody,
  linkSessionId,
  nodeIdProblem,
  nonceBytes,
  batchMessageOverheadBytes,
  type Frame,
  type FrameRejection,
  type Mac,
} from '../../protocol/auth/frame';
import * as authLimits from '../../protocol/auth/limits';
import * as limits from './limits';

/** HMAC-SHA256 under `key`, SHA-256 body digests, crypto.timingSafeEqual. */
export function hmacSha256Mac(key: Uint8Array): Mac {
  const keyCopy = Buffer.from(key);
  return {
    digest: (body) => crypto.createHash('sha256').update(body).digest(),
    mac: (data) => crypto.createHmac('sha256', keyCopy).update(data).digest(),
    equal: (a, b) => a.length === b.length && crypto.timingSafeEqual(a, b),
  };
}

/**
 * The frame MAC key, derived from the cluster secret with HKDF-SHA256 under a label naming
 * this one use, so the same secret can key other proofs (result digests, …) without a MAC
 * from one being valid as the other.
 */
export function frameMacKey(secret: Uint8Array): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, new Uint8Array(0), 'catena/auth/frame/v1', 32));
}

/**
 * The `--cluster-secret` / `--cluster-secret-file` flags. A file's trailing line break is not
 * part of the secret (editors add one). Returns the reason when the secret is missing,
 * doubly given, unreadable, empty or shorter than clusterSecretBytesMin.
 */
export function loadClusterSecret(opts: { secret?: string; secretFile?: string }): Buffer | { error: string } {
  if (opts.secret !== undefined && opts.secretFile !== undefined) {
    return { error: 'give --cluster-secret or --cluster-secret-file, not both' };
  }
  let secret: Buffer;
  if (opts.secretFile !== undefined) {
    try {
      secret = fs.readFileSync(opts.secretFile);
    } catch (e) {
      return { error: `cannot read --cluster-secret-file ${opts.secretFile}: ${(e as Error).message}` };
    }
    let end = secret.length;
    if (end > 0 && secret[end - 1] === 0x0a) end--;
    if (end > 0 && secret[end - 1] === 0x0d) end--;
    secret = secret.subarray(0, end);
  } else if (opts.secret !== undefined) {
    secret = Buffer.from(opts.secret, 'utf8');
  } else {
    return { error: 'a cluster secret is required: --cluster-secret or --cluster-secret-file' };
  }
  if (secret.length === 0) return { error: 'the cluster secret is empty' };
  if (secret.length < limits.clusterSecretBytesMin) {
    return { error: `the cluster secret is ${secret.length} bytes; at least ${limits.clusterSecretBytesMin} are required` };
  }
  return secret;
}

export interface PeerTransportLimits {
  frameBodyBytesMax: number;
  peerQueueBytesMax: number;
  peerQueueBytesHardMax: number;
  frameBatchBytesTarget: number;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  handshakeTimeoutMs: number;
  keepAliveDelayMs: number;
  inboundLinksMax: number;
}

export const defaultPeerTransportLimits: Readonly<PeerTransportLimits> = Object.freeze({
  frameBodyBytesMax: authLimits.frameBodyBytesMax,
  peerQueueBytesMax: limits.peerQueueBytesMax,
  peerQueueBytesHardMax: limits.peerQueueBytesHardMax,
  frameBatchBytesTarget: limits.frameBatchBytesTarget,
  reconnectDelayMsMin: limits.reconnectDelayMsMin,
  reconnectDelayMsMax: limits.reconnectDelayMsMax,
  handshakeTimeoutMs: limits.handshakeTimeoutMs,
  keepAliveDelayMs: limits.keepAliveDelayMs,
  inboundLinksMax: limits.inboundLinksMax,
});

export interface PeerTransportOptions {
  self: string;
  secret: Buffer;
  epoch: number;
  listenHost: string;
  listenPort: number;
  peers: Map<string, { host: string; port: number }>;
  log?: (line: string) => void;
  /** Overrides of src/cluster/limits.ts (tests shrink queues and backoff). */
  limits?: Partial<PeerTransportLimits>;
}

export type RejectionCounts = Partial<Record<FrameRejection, number>>;

export interface PeerLinkStats {
  /** The outbound link (our messages to this peer) has finished its handshake. */
  connected: boolean;
  /** Authenticated inbound connections from this peer open now. */
  inboundLinks: number;
  /** Outbound handshakes completed (1 + reconnections). */
  linkUps: number;
  /** Data frames (hellos are not counted) and their bytes, header and MAC included. */
  framesSent: number;
  framesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Times the socket's buffer was full and flushing paused until 'drain' (a slow link or peer). */
  writesPaused: number;
  /** Messages refused by `send` past the hard limit, or discarded by `close`. */
  messagesDropped: number;
  queuedMessages: number;
  queuedBytes: number;
  /** Frames refused on links to or from this peer, by reason. */
  framesRejected: RejectionCounts;
}

export interface TransportStats {
  peers: Record<string, PeerLinkStats>;
  /**
   * Inbound connections, and frames refused on them before a hello was accepted: a frame
   * that failed its MAC there names a sender that cannot be believed, so it is counted here.
   */
  unauthenticated: { connectionsAccepted: number; connectionsRefused: number; framesRejected: RejectionCounts };
}

type LinkState = 'down' | 'connecting' | 'handshaking' | 'up';

interface OutboundLink {
  peer: string;
  host: string;
  port: number;
  state: LinkState;
  socket: net.Socket | null;
  decoder: FrameDecoder | null;
  dialerNonce: Uint8Array | null;
  session: Uint8Array | null;
  counterSent: number;
  /** Messages not yet written; `queue[queueHead..]` is live (shifting an array is O(n)). */
  queue: (Uint8Array | null)[];
  queueHead: number;
  queuedBytes: number;
  /** `send` returned false since the last drain callback. */
  overSoftLimit: boolean;
  droppingLogged: boolean;
  /** socket.write returned false: wait for 'drain' before writing more. */
  waitingDrain: boolean;
  flushImmediate: NodeJS.Immediate | null;
  reconnectTimer: NodeJS.Timeout | null;
  handshakeTimer: NodeJS.Timeout | null;
  reconnectDelayMs: number;
  dialFailureLogged: boolean;
  stats: PeerLinkStats;
}

interface InboundLink {
  socket: net.Socket;
  decoder: FrameDecoder;
  /** Set once the dialer's hello is accepted. */
  peer: string | null;
  session: Uint8Array | null;
  counterNext: number;
  handshakeTimer: NodeJS.Timeout | null;
}

function newPeerStats(): PeerLinkStats {
  return {
    connected: false,
    inboundLinks: 0,
    linkUps: 0,
    framesSent: 0,
    framesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    writesPaused: 0,
    messagesDropped: 0,
    queuedMessages: 0,
    queuedBytes: 0,
    framesRejected: {},
  };
}

function countRejection(counts: RejectionCounts, reason: FrameRejection): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

export class PeerTransport {
  private readonly self: string;
  private readonly epoch: number;
  private readonly mac: Mac;
  private readonly listenHost: string;
  private readonly listenPort: number;
  private readonly log: (line: string) => void;
  private readonly limits: PeerTransportLimits;
  private readonly messageBytesMax: number;
  private readonly outbound = new Map<string, OutboundLink>();
  private readonly inbound = new Set<InboundLink>();
  private readonly unauthenticated = { connectionsAccepted: 0, connectionsRefused: 0, framesRejected: {} as RejectionCounts };
  private server: net.Server | null = null;
  /** 'new': send queues for start(); 'running': links are dialed; 'closed': send drops until start() again. */
  private phase: 'new' | 'running' | 'closed' = 'new';
  private readonly messageHandlers: ((from: string, msg: Uint8Array) => void)[] = [];
  private readonly linkUpHandlers: ((peer: string) => void)[] = [];
  private readonly linkDownHandlers: ((peer: string) => void)[] = [];
  private readonly drainHandlers: ((peer: string) => void)[] = [];

  constructor(opts: PeerTransportOptions) {
    const idProblem = nodeIdProblem(opts.self);
    if (idProblem !== null) throw new Error(`PeerTransport: self: ${idProblem}`);
    if (!Number.isInteger(opts.epoch) || opts.epoch < 0 || opts.epoch > 0xffffffff) throw new Error(`PeerTransport: epoch ${opts.epoch} is not a uint32`);
    if (opts.secret.length < limits.clusterSecretBytesMin) throw new Error('PeerTransport: secret too short (use loadClusterSecret)');
    this.limits = { ...defaultPeerTransportLimits, ...opts.limits };
    const l = this.limits;
    if (l.frameBodyBytesMax > authLimits.frameBodyBytesMax || l.frameBodyBytesMax < authLimits.helloBodyBytesMax) throw new RangeError('PeerTransport: frameBodyBytesMax out of range');
    if (l.frameBatchBytesTarget > l.frameBodyBytesMax) throw new RangeError('PeerTransport: frameBatchBytesTarget > frameBodyBytesMax');
    if (l.peerQueueBytesHardMax < l.peerQueueBytesMax) throw new RangeError('PeerTransport: peerQueueBytesHardMax < peerQueueBytesMax');
    if (l.reconnectDelayMsMin <= 0 || l.reconnectDelayMsMax < l.reconnectDelayMsMin) throw new RangeError('PeerTransport: bad reconnect delays');
    this.messageBytesMax = l.frameBodyBytesMax - batchMessageOverheadBytes;
    this.self = opts.self;
    this.epoch = opts.epoch;
    this.mac = hmacSha256Mac(frameMacKey(opts.secret));
    this.listenHost = opts.listenHost;
    this.listenPort = opts.listenPort;
    this.log = opts.log ?? (() => {});
    for (const [peer, addr] of opts.peers) {
      const problem = nodeIdProblem(peer);
      if (problem !== null) throw new Error(`PeerTransport: peer ${JSON.stringify(peer)}: ${problem}`);
      if (peer === opts.self) throw new Error('PeerTransport: a node is not its own peer');
      this.outbound.set(peer, {
        peer,
        host: addr.host,
        port: addr.port,
        state: 'down',
        socket: null,
        decoder: null,
        dialerNonce: null,
        session: null,
        counterSent: 0,
        queue: [],
        queueHead: 0,
        queuedBytes: 0,
        overSoftLimit: false,
        droppingLogged: false,
        waitingDrain: false,
        flushImmediate: null,
        reconnectTimer: null,
        handshakeTimer: null,
        reconnectDelayMs: l.reconnectDelayMsMin,
        dialFailureLogged: false,
        stats: newPeerStats(),
      });
    }
  }

  onMessage(fn: (from: string, msg: Uint8Array) => void): void {
    this.messageHandlers.push(fn);
  }

  /** An outbound link finished its handshake: what was queued goes now; resend what was in flight. */
  onLinkUp(fn: (peer: string) => void): void {
    this.linkUpHandlers.push(fn);
  }

  /** An outbound link that was up is gone: messages written to it may not have arrived. */
  onLinkDown(fn: (peer: string) => void): void {
    this.linkDownHandlers.push(fn);
  }

  /** A peer's queue is back at or under peerQueueBytesMax after `send` returned false. */
  onDrain(fn: (peer: string) => void): void {
    this.drainHandlers.push(fn);
  }

  /** Listens, then dials every peer (retrying with backoff until close). Can follow a close. */
  async start(): Promise<void> {
    if (this.server !== null) throw new Error('PeerTransport: already started');
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.listenPort, this.listenHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      this.server = null;
      throw e;
    }
    server.on('error', (e) => this.log(`${this.self}: listener error: ${e.message}`));
    this.phase = 'running';
    for (const link of this.outbound.values()) {
      link.reconnectDelayMs = this.limits.reconnectDelayMsMin;
      this.dial(link);
    }
  }

  /** Ends every link and the listener and clears every timer; queued messages are dropped. */
  async close(): Promise<void> {
    this.phase = 'closed';
    for (const link of this.outbound.values()) {
      if (link.reconnectTimer !== null) clearTimeout(link.reconnectTimer);
      link.reconnectTimer = null;
      const socket = link.socket;
      if (socket !== null) {
        this.linkGone(link);
        socket.destroy();
      }
      link.stats.messagesDropped += link.queue.length - link.queueHead;
      link.queue = [];
      link.queueHead = 0;
      link.queuedBytes = 0;
      link.overSoftLimit = false;
      link.droppingLogged = false;
      this.updateQueueStats(link);
    }
    for (const link of this.inbound) this.dropInbound(link);
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Queues `msg` for `to` (not copied: the caller must not change it afterwards). Messages
   * queued in one event-loop turn leave together, batched into frames of about
   * frameBatchBytesTarget. Returns false when the peer's queue is over peerQueueBytesMax —
   * slow down until onDrain — and drops the message (counted) when it would pass
   * peerQueueBytesHardMax or the transport is closed. An unknown peer or a message larger
   * than messageBytesMax is a programmer error and throws.
   */
  send(to: string, msg: Uint8Array): boolean {
    const link = this.outbound.get(to);
    if (link === undefined) throw new Error(`PeerTransport.send: unknown peer ${JSON.stringify(to)}`);
    if (msg.length > this.messageBytesMax) throw new RangeError(`PeerTransport.send: message is ${msg.length} bytes; at most ${this.messageBytesMax}`);
    if (this.phase === 'closed') {
      link.stats.messagesDropped++;
      return false;
    }
    if (link.queuedBytes + msg.length > this.limits.peerQueueBytesHardMax) {
      link.stats.messagesDropped++;
      link.overSoftLimit = true;
      if (!link.droppingLogged) {
        link.droppingLogged = true;
        this.log(`${this.self}: queue to ${to} is full (${link.queuedBytes} bytes); dropping messages`);
      }
      return false;
    }
    link.queue.push(msg);
    link.queuedBytes += msg.length;
    this.updateQueueStats(link);
    if (link.state === 'up') this.scheduleFlush(link);
    if (link.queuedBytes > this.limits.peerQueueBytesMax) {
      link.overSoftLimit = true;
      return false;
    }
    return true;
  }

  stats(): TransportStats {
    const peers: Record<string, PeerLinkStats> = {};
    for (const [peer, link] of this.outbound) peers[peer] = { ...link.stats, framesRejected: { ...link.stats.framesRejected } };
    return {
      peers,
      unauthenticated: { ...this.unauthenticated, framesRejected: { ...this.unauthenticated.framesRejected } },
    };
  }

  // ---- outbound: our messages to one peer --------------------------------------------------

  private dial(link: OutboundLink): void {
    link.reconnectTimer = null;
    if (this.phase !== 'running') return;
    link.state = 'connecting';
    const socket = net.connect({ host: link.host, port: link.port });
    link.socket = socket;
    socket.setNoDelay(true); // frames are batched here; Nagle would only add latency
    link.handshakeTimer = setTimeout(() => {
      if (link.socket !== socket) return;
      this.log(`${this.self}: handshake with ${link.peer} timed out`);
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    socket.on('connect', () => {
      if (link.socket !== socket) return;
      socket.setKeepAlive(true, this.limits.keepAliveDelayMs);
      link.state = 'handshaking';
      link.dialerNonce = crypto.randomBytes(nonceBytes);
      // The acceptor only ever sends its hello, so nothing larger is accepted on this connection.
      link.decoder = new FrameDecoder(this.mac, authLimits.helloBodyBytesMax);
      socket.write(encodeFrame(dialerHelloHeader(this.self, this.epoch, link.dialerNonce), helloBody(link.peer), this.mac));
    });
    socket.on('data', (chunk: Buffer) => this.outboundData(link, socket, chunk));
    socket.on('drain', () => {
      if (link.socket !== socket) return;
      link.waitingDrain = false;
      this.flush(link);
    });
    socket.on('error', (e) => {
      if (link.socket !== socket || link.dialFailureLogged) return;
      link.dialFailureLogged = true; // a peer that is down would otherwise log on every retry
      this.log(`${this.self}: link to ${link.peer}: ${e.message}`);
    });
    socket.on('close', () => {
      if (link.socket !== socket) return;
      this.linkGone(link);
      this.scheduleReconnect(link);
    });
  }

  private outboundData(link: OutboundLink, socket: net.Socket, chunk: Buffer): void {
    if (link.socket !== socket || link.decoder === null) return;
    const decoder = link.decoder;
    decoder.push(chunk);
    for (let r = decoder.next(); r !== undefined && link.socket === socket; r = decoder.next()) {
      if (!r.ok) {
        this.rejected(link.stats.framesRejected, r.error, `from ${link.peer} (outbound link)`);
        socket.destroy();
        return;
      }
      if (link.state !== 'handshaking' || link.dialerNonce === null) {
        // An acceptor sends nothing after its hello.
        this.rejected(link.stats.framesRejected, 'unexpected-kind', `from ${link.peer} (outbound link)`);
        continue;
      }
      const problem = acceptorHelloProblem(r.frame, this.self, link.peer, this.epoch, link.dialerNonce);
      if (problem !== null) {
        this.rejected(link.stats.framesRejected, problem, `hello from ${link.peer}`);
        socket.destroy();
        return;
      }
      link.state = 'up';
      link.session = linkSessionId(link.dialerNonce, r.frame.session.subarray(nonceBytes));
      link.counterSent = 0;
      link.reconnectDelayMs = this.limits.reconnectDelayMsMin;
      link.dialFailureLogged = false;
      link.stats.connected = true;
      link.stats.linkUps++;
      if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
      link.handshakeTimer = null;
      this.log(`${this.self}: link to ${link.peer} is up`);
      for (const fn of this.linkUpHandlers) fn(link.peer);
      if (link.state === 'up') this.scheduleFlush(link);
    }
  }

  /** Forgets the link's connection; tells onLinkDown if it was up. */
  private linkGone(link: OutboundLink): void {
    const wasUp = link.state === 'up';
    if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
    if (link.flushImmediate !== null) clearImmediate(link.flushImmediate);
    link.handshakeTimer = null;
    link.flushImmediate = null;
    link.socket = null;
    link.decoder = null;
    link.dialerNonce = null;
    link.session = null;
    link.waitingDrain = false;
    link.state = 'down';
    link.stats.connected = false;
    if (wasUp) {
      this.log(`${this.self}: link to ${link.peer} is down`);
      for (const fn of this.linkDownHandlers) fn(link.peer);
    }
  }

  private scheduleReconnect(link: OutboundLink): void {
    if (this.phase !== 'running' || link.reconnectTimer !== null) return;
    const delayMs = link.reconnectDelayMs;
    link.reconnectDelayMs = Math.min(2 * delayMs, this.limits.reconnectDelayMsMax);
    link.reconnectTimer = setTimeout(() => this.dial(link), delayMs);
  }

  /** Send what is queued on every link now, not at the end of the turn (the chain's batches, just sealed). */
  flushNow(): void {
    for (const link of this.outbound.values()) {
      if (link.flushImmediate === null) continue;
      clearImmediate(link.flushImmediate);
      this.flush(link);
    }
  }

  private scheduleFlush(link: OutboundLink): void {
    // setImmediate, not a microtask: everything sent by all the I/O callbacks of this turn joins one frame.
    if (link.flushImmediate === null) link.flushImmediate = setImmediate(() => this.flush(link));
  }

  private flush(link: OutboundLink): void {
    link.flushImmediate = null;
    const socket = link.socket;
    if (link.state !== 'up' || link.waitingDrain || socket === null || link.session === null) return;
    while (link.queueHead < link.queue.length) {
      const batch: Uint8Array[] = [];
      let bodyBytes = 0;
      let messageBytes = 0;
      while (link.queueHead < link.queue.length) {
        const m = link.queue[link.queueHead];
        if (m === null || m === undefined) throw new Error('PeerTransport: queue hole below its tail');
        const need = batchMessageOverheadBytes + m.length;
        if (batch.length > 0 && bodyBytes + need > this.limits.frameBatchBytesTarget) break;
        batch.push(m);
        bodyBytes += need;
        messageBytes += m.length;
        link.queue[link.queueHead] = null; // let it be collected before the queue is compacted
        link.queueHead++;
      }
      link.queuedBytes -= messageBytes;
      link.counterSent++;
      const frame = encodeFrame(
        { kind: FrameKind.data, sender: this.self, epoch: this.epoch, session: link.session, counter: link.counterSent },
        encodeBatch(batch),
        this.mac,
      );
      link.stats.framesSent++;
      link.stats.messagesSent += batch.length;
      link.stats.bytesSent += frame.length;
      if (!socket.write(frame)) {
        link.waitingDrain = true;
        link.stats.writesPaused++;
        break;
      }
    }
    if (link.queueHead === link.queue.length) {
      link.queue = [];
      link.queueHead = 0;
    } else if (link.queueHead > 1024 && link.queueHead * 2 > link.queue.length) {
      link.queue = link.queue.slice(link.queueHead);
      link.queueHead = 0;
    }
    this.updateQueueStats(link);
    if (link.overSoftLimit && link.queuedBytes <= this.limits.peerQueueBytesMax) {
      link.overSoftLimit = false;
      link.droppingLogged = false;
      for (const fn of this.drainHandlers) fn(link.peer);
    }
  }

  private updateQueueStats(link: OutboundLink): void {
    link.stats.queuedMessages = link.queue.length - link.queueHead;
    link.stats.queuedBytes = link.queuedBytes;
  }

  // ---- inbound: a peer's messages to us ------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.phase !== 'running' || this.inbound.size >= this.limits.inboundLinksMax) {
      this.unauthenticated.connectionsRefused++;
      socket.destroy();
      return;
    }
    this.unauthenticated.connectionsAccepted++;
    const link: InboundLink = {
      socket,
      // Until the dialer proves it holds the secret it may not make us buffer more than a hello.
      decoder: new FrameDecoder(this.mac, authLimits.helloBodyBytesMax),
      peer: null,
      session: null,
      counterNext: 1,
      handshakeTimer: null,
    };
    this.inbound.add(link);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.limits.keepAliveDelayMs);
    link.handshakeTimer = setTimeout(() => {
      link.handshakeTimer = null;
      if (link.peer !== null) return;
      this.log(`${this.self}: inbound connection from ${socket.remoteAddress ?? '?'} did not finish its handshake`);
      socket.destroy();
    }, this.limits.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.inboundData(link, chunk));
    socket.on('error', () => {}); // the close that follows is all we act on
    socket.on('close', () => this.dropInbound(link));
  }

  private dropInbound(link: InboundLink): void {
    if (!this.inbound.delete(link)) return;
    if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
    link.handshakeTimer = null;
    if (link.peer !== null) {
      const stats = this.outbound.get(link.peer)?.stats;
      if (stats !== undefined) stats.inboundLinks--;
    }
    link.socket.destroy();
  }

  private inboundData(link: InboundLink, chunk: Buffer): void {
    if (!this.inbound.has(link)) return;
    link.decoder.push(chunk);
    for (;;) {
      if (!this.inbound.has(link)) return;
      const r = link.decoder.next();
      if (r === undefined) return;
      const peerStats = link.peer === null ? undefined : this.outbound.get(link.peer)?.stats;
      if (!r.ok) {
        const counts = peerStats?.framesRejected ?? this.unauthenticated.framesRejected;
        this.rejected(counts, r.error, `from ${link.peer ?? link.socket.remoteAddress ?? '?'} (inbound link)`);
        this.dropInbound(link);
        return;
      }
      const f = r.frame;
      if (link.peer === null || peerStats === undefined || link.session === null) {
        this.acceptHello(link, f);
        continue;
      }
      const problem = dataFrameProblem(f, link.peer, this.epoch, link.session, link.counterNext);
      if (problem !== null) {
        this.rejected(peerStats.framesRejected, problem, `from ${link.peer} (inbound link)`);
        // A gap means frames were lost: order can only be restored by a new link and the chain layer's resend.
        if (problem === 'counter-gap') this.dropInbound(link);
        continue;
      }
      link.counterNext++;
      const batch = decodeBatch(f.body);
      if ('error' in batch) {
        // Authentic but malformed: the peer has a bug. Its counter is consumed, so the link stays in step.
        this.rejected(peerStats.framesRejected, 'bad-body', `from ${link.peer}: ${batch.error}`);
        continue;
      }
      peerStats.framesReceived++;
      peerStats.bytesReceived += r.frameBytes;
      for (const m of batch.messages) {
        if (this.phase !== 'running') return;
        peerStats.messagesReceived++;
        for (const fn of this.messageHandlers) fn(link.peer, m);
      }
    }
  }

  private acceptHello(link: InboundLink, f: Frame): void {
    const problem = dialerHelloProblem(f, this.self, this.epoch, (id) => this.outbound.has(id));
    if (problem !== null) {
      // The MAC was good, so the sender is who it says, if it is one of ours.
      const counts = this.outbound.get(f.sender)?.stats.framesRejected ?? this.unauthenticated.framesRejected;
      this.rejected(counts, problem, `hello from ${f.sender}`);
      this.dropInbound(link);
      return;
    }
    const stats = (this.outbound.get(f.sender) as OutboundLink).stats;
    const dialerNonce = f.session.subarray(0, nonceBytes);
    const acceptorNonce = crypto.randomBytes(nonceBytes);
    link.peer = f.sender;
    link.session = linkSessionId(dialerNonce, acceptorNonce);
    link.decoder.bodyBytesMax = this.limits.frameBodyBytesMax;
    if (link.handshakeTimer !== null) clearTimeout(link.handshakeTimer);
    link.handshakeTimer = null;
    stats.inboundLinks++;
    link.socket.write(encodeFrame(acceptorHelloHeader(this.self, this.epoch, dialerNonce, acceptorNonce), helloBody(f.sender), this.mac));
  }

  private rejected(counts: RejectionCounts, reason: FrameRejection, what: string): void {
    countRejection(counts, reason);
    this.log(`${this.self}: rejected frame ${what}: ${reason}`);
  }
}
