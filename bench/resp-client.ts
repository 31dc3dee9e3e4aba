/**
 * The harness's own RESP client: encodes commands, finds where replies end (without
 * decoding them), and pipelines batches over one socket. Used to probe, prepare and load
 * servers and, through `replyEnd`, by the fixed-rate latency client. Knows nothing of Catena.
 */
import * as net from 'node:net';

/** A command as RESP bytes (binary strings, one char per byte). */
export function encodeCommand(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

function lineNumber(buf: Buffer, from: number, cr: number): number {
  return Number(buf.toString('latin1', from, cr));
}

/**
 * Where the reply starting at `pos` ends (the offset just past it), or -1 when `buf` does
 * not hold all of it yet. Understands RESP2 and RESP3 types; throws on a byte that starts
 * no reply (the stream is corrupt, nothing sensible can follow).
 */
export function replyEnd(buf: Buffer, pos: number): number {
  const end = buf.length;
  if (pos >= end) return -1;
  const cr = buf.indexOf(13, pos + 1);
  if (cr < 0 || cr + 1 >= end) return -1;
  const after = cr + 2;
  const type = buf[pos] as number;
  switch (type) {
    case 0x2b: // + status
    case 0x2d: // - error
    case 0x3a: // : integer
    case 0x5f: // _ null
    case 0x23: // # boolean
    case 0x2c: // , double
    case 0x28: // ( big number
      return after;
    case 0x24: // $ bulk
    case 0x3d: // = verbatim
    case 0x21: {
      // ! bulk error
      const n = lineNumber(buf, pos + 1, cr);
      if (n < 0) return after;
      const e = after + n + 2;
      return e <= end ? e : -1;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x25: // % map
    case 0x7c: {
      // | attribute
      const n = lineNumber(buf, pos + 1, cr);
      if (n <= 0) return after;
      const items = type === 0x25 || type === 0x7c ? 2 * n : n;
      let p = after;
      for (let i = 0; i < items; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      throw new Error(`not a RESP reply: byte ${type} at offset ${pos}`);
  }
}

/** The text of an error reply ("ERR unknown command ..."), or null when `raw` is not an error. */
export function errorText(raw: string): string | null {
  if (raw.charCodeAt(0) !== 0x2d) return null;
  return raw.slice(1, raw.indexOf('\r'));
}

/** The payload of a bulk string reply, or null for anything else (INFO answers with one). */
export function bulkText(raw: string): string | null {
  if (raw.charCodeAt(0) !== 0x24) return null;
  const cr = raw.indexOf('\r');
  const n = Number(raw.slice(1, cr));
  return n < 0 ? null : raw.slice(cr + 2, cr + 2 + n);
}

/** A value of INFO's "field:value" text, or null when absent. */
export function infoField(info: string, field: string): string | null {
  const m = new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(info);
  return m === null ? null : (m[1] as string);
}

interface Waiter {
  left: number;
  keep: boolean;
  replies: string[];
  firstError: string | null;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

export interface BatchResult {
  /** The raw replies (latin1), when asked for; otherwise empty. */
  replies: string[];
  /** The first error reply of the batch, if any. */
  firstError: string | null;
}

/** One pipelining connection: replies are matched to batches in order. */
export class RespConnection {
  private pending: Buffer | null = null;
  private readonly waiters: Waiter[] = [];
  private closedError: Error | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new RespConnection(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  private fail(e: Error): void {
    if (this.closedError === null) this.closedError = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private onData(d: Buffer): void {
    let buf = this.pending === null ? d : Buffer.concat([this.pending, d]);
    let pos = 0;
    for (;;) {
      const w = this.waiters[0];
      if (w === undefined) break;
      const e = replyEnd(buf, pos);
      if (e < 0) break;
      if (w.keep || (w.firstError === null && buf[pos] === 0x2d)) {
        const raw = buf.toString('latin1', pos, e);
        if (w.keep) w.replies.push(raw);
        if (w.firstError === null) w.firstError = errorText(raw);
      }
      pos = e;
      if (--w.left === 0) {
        this.waiters.shift();
        w.resolve({ replies: w.replies, firstError: w.firstError });
      }
    }
    if (pos < buf.length) {
      buf = buf.subarray(pos);
      this.pending = buf;
    } else {
      this.pending = null;
    }
  }

  /** Send pre-encoded bytes holding `count` commands; resolves when all their replies are in. */
  sendBatch(bytes: Buffer, count: number, keepReplies = false): Promise<BatchResult> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiters.push({ left: count, keep: keepReplies, replies: [], firstError: null, resolve, reject });
      this.sock.write(bytes);
    });
  }

  /** One command; resolves with its raw reply (latin1). */
  async call(...args: string[]): Promise<string> {
    const r = await this.sendBatch(encodeCommand(args), 1, true);
    return r.replies[0] as string;
  }

  /**
   * Send `total` commands made by `make(i)`, `batchSize` per write, with at most `window`
   * batches unanswered. Returns the first error reply seen, or null.
   */
  async pipeline(total: number, make: (i: number) => readonly string[], batchSize = 1000, window = 8): Promise<string | null> {
    let firstError: string | null = null;
    const inFlight: Array<Promise<BatchResult>> = [];
    for (let start = 0; start < total; start += batchSize) {
      const n = Math.min(batchSize, total - start);
      const parts: Buffer[] = [];
      for (let i = 0; i < n; i++) parts.push(encodeCommand(make(start + i)));
      const sent = this.sendBatch(Buffer.concat(parts), n);
      // A closed connection rejects every batch at once: the first await reports it, the rest must not go unhandled.
      sent.catch(() => {});
      inFlight.push(sent);
      if (inFlight.length >= window) {
        const r = await (inFlight.shift() as Promise<BatchResult>);
        firstError ??= r.firstError;
      }
    }
    for (const p of inFlight) firstError ??= (await p).firstError;
    return firstError;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Open a connection, run `fn`, always close. */
export async function withConnection<T>(port: number, host: string, fn: (c: RespConnection) => Promise<T>): Promise<T> {
  const c = await RespConnection.connect(port, host);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
