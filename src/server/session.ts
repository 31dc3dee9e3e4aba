/**
 * One client connection: reads requests (RequestReader), dispatches them to the server in
 * order, and writes replies back in the same order, one socket write per event-loop turn.
 * Replies may complete out of order (asynchronous writes); a queue of slots restores the
 * connection's order. Holds the connection's state: protocol, database, name, MULTI queue,
 * WATCHed keys, subscriptions, CLIENT REPLY mode.
 */
import type { Socket } from 'node:net';
import { ReplyWriter, type Protocol } from '../resp/writer';
import { ProtocolError, QueryBufferOverflow, RequestReader } from '../resp/request-reader';
import { ErrorReply, NoReply, type Reply } from '../resp/reply';
import { err } from '../resp/errors';
import type { CatenaServer } from './server';
import type { CommandSpec } from '../commands/spec';
import { clientOutputBufferBytesMax } from '../limits';

interface Slot {
  reply: Reply | undefined;
  proto: Protocol;
}

export interface QueuedCommand {
  spec: CommandSpec;
  args: string[];
}

export interface WatchedKey {
  db: number;
  key: string;
  /** The key was already logically expired when watched (Redis: an expiry later does not abort). */
  expiredAtWatch: boolean;
}

/**
 * The reader asks for proto-max-bulk-len at every bulk header; a config lookup there was ~3%
 * of a pipelined SET's CPU (bench --profile). So the numbers are kept per server and updated
 * by the registry's change listeners (CONFIG SET goes through setRaw, which calls them).
 */
interface ReaderLimitValues {
  protoMaxBulkLen: number;
  queryBufferLimit: number;
}
const readerLimitValues = new WeakMap<CatenaServer, ReaderLimitValues>();

function readerLimitsOf(server: CatenaServer): ReaderLimitValues {
  let v = readerLimitValues.get(server);
  if (v === undefined) {
    const values: ReaderLimitValues = {
      protoMaxBulkLen: server.config.getNumber('proto-max-bulk-len'),
      queryBufferLimit: server.config.getNumber('client-query-buffer-limit'),
    };
    server.config.onChange('proto-max-bulk-len', (x) => (values.protoMaxBulkLen = Number(x)));
    server.config.onChange('client-query-buffer-limit', (x) => (values.queryBufferLimit = Number(x)));
    readerLimitValues.set(server, values);
    v = values;
  }
  return v;
}

export class Session {
  readonly reader: RequestReader;
  private readonly writer = new ReplyWriter(4096);
  private readonly slots: Slot[] = [];
  private flushScheduled = false;
  private processing = false;
  private closing = false;
  closed = false;
  /** Stop reading commands (blocked client); `resume()` continues. */
  private paused = false;

  proto: Protocol = 2;
  db = 0;
  name = '';
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  multi: QueuedCommand[] | null = null;
  /** A command failed to queue inside MULTI: EXEC answers EXECABORT. */
  multiFailed = false;
  readonly watching: WatchedKey[] = [];
  /** A watched key was touched: the next EXEC aborts. */
  watchDirty = false;
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  replyMode: 'on' | 'off' | 'skip' = 'on';
  private skipNextReply = false;
  noEvict = false;
  noTouch = false;
  readonly createdMs = Date.now();
  lastInteractionMs = Date.now();
  lastCommand = 'NULL';
  /** Commands run and bytes exchanged, for CLIENT LIST / INFO. */
  commandsProcessed = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly server: CatenaServer,
  ) {
    const limits = readerLimitsOf(server);
    this.reader = new RequestReader({
      protoMaxBulkLen: () => limits.protoMaxBulkLen,
      queryBufferLimit: () => limits.queryBufferLimit,
    });
    this.authenticated = !server.authRequired();
    this.reader.authenticated = this.authenticated;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    socket.on('drain', () => {
      if (!this.paused && socket.isPaused()) socket.resume();
    });
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** RESP2 clients with subscriptions may only send subscription commands. */
  get inSubscribeContext(): boolean {
    return this.proto === 2 && this.subscriptionCount > 0;
  }

  get remoteAddress(): string {
    const a = this.socket.remoteAddress ?? '?';
    return `${a.includes(':') ? `[${a}]` : a}:${this.socket.remotePort ?? 0}`.replace(/^\[::ffff:([0-9.]+)\]/, '$1');
  }

  get localAddress(): string {
    const a = this.socket.localAddress ?? '?';
    return `${a.includes(':') ? `[${a}]` : a}:${this.socket.localPort ?? 0}`.replace(/^\[::ffff:([0-9.]+)\]/, '$1');
  }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    this.reader.authenticated = v;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.bytesIn += chunk.length;
    this.lastInteractionMs = Date.now();
    this.reader.feed(chunk);
    this.process();
  }

  /** Run every complete command in the input, stopping when paused or closing. */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.paused && !this.closing) {
        const req = this.reader.next();
        if (req === null) break;
        if (req instanceof ProtocolError) {
          this.server.stats.totalErrorReplies++;
          this.server.stats.countError('ERR');
          this.enqueue(err.protocol(req.text));
          this.closeAfterReply();
          break;
        }
        if (req instanceof QueryBufferOverflow) {
          this.server.log(`closing client that reached max query buffer length: id=${this.id}`);
          this.destroy();
          break;
        }
        this.runCommand(req);
      }
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  private runCommand(args: string[]): void {
    const skipThis = this.skipNextReply;
    this.skipNextReply = false;
    const modeBefore = this.replyMode;
    const result = this.server.dispatch(this, args);
    // CLIENT REPLY OFF/SKIP: the command that set the mode answers nothing (its handler
    // returns NoReply); CLIENT REPLY ON while off is answered.
    const suppress = skipThis || (modeBefore === 'off' && this.replyMode === 'off');
    if (this.replyMode === 'skip') {
      this.replyMode = 'on';
      this.skipNextReply = true;
    }
    if (result instanceof Promise) {
      const slot: Slot = { reply: undefined, proto: this.proto };
      this.slots.push(slot);
      result.then(
        (r) => this.complete(slot, suppress ? NoReply.instance : r),
        (e: unknown) => this.complete(slot, new ErrorReply(`ERR ${e instanceof Error ? e.message : String(e)}`)),
      );
    } else if (!suppress) {
      this.enqueue(result);
    }
  }

  /** Queue a reply in the connection's order (also used for pub/sub messages). */
  enqueue(r: Reply): void {
    if (this.closed) return;
    if (this.slots.length === 0) this.writer.write(r, this.proto);
    else this.slots.push({ reply: r, proto: this.proto });
    if (!this.processing) this.scheduleFlush();
  }

  private complete(slot: Slot, r: Reply): void {
    slot.reply = r;
    while (this.slots.length > 0 && this.slots[0]?.reply !== undefined) {
      const s = this.slots.shift() as Slot;
      this.writer.write(s.reply as Reply, s.proto);
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.closed || this.writer.length === 0) {
      if (this.closing && this.slots.length === 0) this.finishClose();
      return;
    }
    const out = this.writer.take();
    this.bytesOut += out.length;
    this.socket.write(out);
    if (this.socket.writableLength > clientOutputBufferBytesMax) {
      // Like Redis's client-output-buffer-limit: a client that does not read is closed.
      this.server.log(`client id=${this.id} closed for overcoming of output buffer limits`);
      this.destroy();
      return;
    }
    if (this.socket.writableLength > clientOutputBufferBytesMax / 4 && !this.socket.isPaused()) this.socket.pause();
    if (this.closing && this.slots.length === 0) this.finishClose();
  }

  /** Close once every queued reply has been written (QUIT, protocol errors, CLIENT KILL of self). */
  closeAfterReply(): void {
    this.closing = true;
  }

  private finishClose(): void {
    if (this.closed) return;
    this.socket.end();
    this.markClosed();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    setImmediate(() => this.process());
  }

  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    this.closed = true;
    this.server.onSessionClosed(this);
  }
}
