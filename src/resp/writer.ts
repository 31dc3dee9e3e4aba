/**
 * The reply encoder: writes Reply values as RESP2 or RESP3 bytes into one growable buffer
 * per connection. Bytes leave through `take()`, once per event-loop turn per connection.
 * No sockets here. RESP2/RESP3 differences follow Redis 7.0's networking.c (addReplyMap,
 * addReplyDouble, addReplyNull, addReplyVerbatim...).
 */
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  MultiReply,
  NoReply,
  NullArrayReply,
  PairsReply,
  PushReply,
  type Reply,
  SetReply,
  StatusReply,
  VerbatimReply,
} from './reply';
import { formatDouble } from './format';
import { replyBufferKeepBytesMax } from '../limits';

export type Protocol = 2 | 3;

const CRLF = 0x0a0d; // little-endian "\r\n"

export class ReplyWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written since the last take, as a buffer the caller owns. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    if (this.buf.length > replyBufferKeepBytesMax) this.buf = Buffer.allocUnsafe(16 * 1024);
    return out;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  private crlf(): void {
    this.ensure(2);
    this.buf.writeUInt16LE(CRLF, this.len);
    this.len += 2;
  }

  /** `<prefix><n>\r\n` */
  private header(prefix: string, n: number | bigint): void {
    this.ascii(prefix + n + '\r\n');
  }

  write(r: Reply, proto: Protocol): void {
    if (typeof r === 'string') return this.bulk(r);
    if (typeof r === 'number' || typeof r === 'bigint') return this.header(':', r);
    if (r === null) return proto === 3 ? this.ascii('_\r\n') : this.ascii('$-1\r\n');
    if (Array.isArray(r)) {
      this.header('*', r.length);
      for (let i = 0; i < r.length; i++) this.write(r[i] as Reply, proto);
      return;
    }
    if (r instanceof StatusReply) return this.ascii('+' + r.text + '\r\n');
    if (r instanceof ErrorReply) return this.error(r.text);
    if (r instanceof MapReply) {
      if (proto === 3) this.header('%', r.flat.length / 2);
      else this.header('*', r.flat.length);
      for (let i = 0; i < r.flat.length; i++) this.write(r.flat[i] as Reply, proto);
      return;
    }
    if (r instanceof PairsReply) {
      if (proto === 3) {
        this.header('*', r.flat.length / 2);
        for (let i = 0; i < r.flat.length; i += 2) {
          this.header('*', 2);
          this.write(r.flat[i] as Reply, proto);
          this.write(r.flat[i + 1] as Reply, proto);
        }
      } else {
        this.header('*', r.flat.length);
        for (let i = 0; i < r.flat.length; i++) this.write(r.flat[i] as Reply, proto);
      }
      return;
    }
    if (r instanceof SetReply) {
      this.header(proto === 3 ? '~' : '*', r.items.length);
      for (let i = 0; i < r.items.length; i++) this.write(r.items[i] as Reply, proto);
      return;
    }
    if (r instanceof PushReply) {
      this.header(proto === 3 ? '>' : '*', r.items.length);
      for (let i = 0; i < r.items.length; i++) this.write(r.items[i] as Reply, proto);
      return;
    }
    if (r instanceof DoubleReply) {
      const text = formatDouble(r.value);
      return proto === 3 ? this.ascii(',' + text + '\r\n') : this.bulk(text);
    }
    if (r instanceof BoolReply) {
      if (proto === 3) return this.ascii(r.value ? '#t\r\n' : '#f\r\n');
      return this.ascii(r.value ? ':1\r\n' : ':0\r\n');
    }
    if (r instanceof VerbatimReply) {
      if (proto === 2) return this.bulk(r.text);
      this.header('=', r.text.length + 4);
      this.ascii(r.format + ':');
      this.raw(r.text);
      return this.crlf();
    }
    if (r instanceof NullArrayReply) return proto === 3 ? this.ascii('_\r\n') : this.ascii('*-1\r\n');
    if (r instanceof MultiReply) {
      for (const x of r.replies) this.write(x, proto);
      return;
    }
    if (r instanceof NoReply) return;
    throw new Error(`not a reply: ${String(r)}`);
  }

  bulk(s: string): void {
    this.header('$', s.length);
    this.raw(s);
    this.crlf();
  }

  /** Redis replaces newlines in error texts with spaces so the line stays one line. */
  error(text: string): void {
    const clean = text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 ? text.replace(/[\r\n]/g, ' ') : text;
    this.ascii('-' + clean + '\r\n');
  }

  private raw(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }
}
