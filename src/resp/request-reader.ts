/**
 * Client request reader: turns socket bytes into commands (arrays of binary strings).
 * `redis-parser` parses the multibulk requests; in front of it a header scanner applies
 * what redis-parser does not: Redis's inline commands, its strict header syntax and its
 * limits (multibulk length, proto-max-bulk-len, pre-AUTH limits, query buffer limit), with
 * Redis 7.0's exact "Protocol error" texts. Pull-based (`next()`), so a session can stop
 * between commands (blocked client, QUIT) and so limits see the auth state of the moment.
 * No sockets here.
 */
import RedisParser from 'redis-parser';
import { splitArgs } from './inline';
import { parseInt64Loose } from './format';
import {
  inlineLineBytesMax,
  multibulkLengthMax,
  unauthenticatedBulkLengthMax,
  unauthenticatedMultibulkLengthMax,
} from '../limits';

/** A request the reader refuses: the session replies `-ERR Protocol error: <text>` and closes. */
export class ProtocolError {
  constructor(readonly text: string) {}
}
/** The client's unparsed input exceeded client-query-buffer-limit: close without a reply, as Redis. */
export class QueryBufferOverflow {
  private constructor() {}
  static readonly instance = new QueryBufferOverflow();
}

export interface ReaderLimits {
  protoMaxBulkLen(): number;
  queryBufferLimit(): number;
}

const enum State {
  Start,
  MultibulkCount,
  BulkHeader,
  BulkBody,
  Inline,
}

export type ReadResult = string[] | ProtocolError | QueryBufferOverflow | null;

export class RequestReader {
  /** Set by the session: before AUTH, Redis applies much smaller limits. */
  authenticated = true;

  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Start of the multibulk bytes in `chunk` not yet given to redis-parser. */
  private segStart = 0;
  private state = State.Start;
  private line = '';
  private elementsLeft = 0;
  private bodyLeft = 0;
  private pendingBytes = 0;
  private parsed: string[] | null = null;
  private parsedEmpty = false;
  private readonly parser: RedisParser;

  constructor(private readonly limits: ReaderLimits) {
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        if (Array.isArray(reply)) {
          const args = new Array<string>(reply.length);
          for (let i = 0; i < reply.length; i++) args[i] = (reply[i] as Buffer).toString('latin1');
          if (args.length === 0) this.parsedEmpty = true;
          else this.parsed = args;
        } else {
          this.parsedEmpty = true; // *-1 / *0: an empty request, which Redis skips
        }
      },
      returnError: () => {
        throw new Error('redis-parser returned an error reply for a scanned request');
      },
      returnFatalError: (e: Error) => {
        throw new Error(`redis-parser fatal error on a scanned request: ${e.message}`);
      },
    });
  }

  /** Bytes received but not yet turned into a command. */
  get bufferedBytes(): number {
    return this.chunk.length - this.pos + this.pendingBytes;
  }

  feed(data: Buffer): void {
    if (this.pos < this.chunk.length) {
      // Unconsumed bytes remain (the session paused between commands): keep them in front.
      const rest = this.chunk.subarray(this.segStart < this.pos ? this.segStart : this.pos);
      const shift = this.segStart < this.pos ? this.segStart : this.pos;
      this.chunk = Buffer.concat([rest, data]);
      this.pos -= shift;
      this.segStart -= shift;
    } else {
      this.chunk = data;
      this.pos = 0;
      this.segStart = 0;
    }
  }

  /** The next complete command, a protocol error, or null when more bytes are needed. */
  next(): ReadResult {
    const buf = this.chunk;
    const end = buf.length;
    for (;;) {
      switch (this.state) {
        case State.Start: {
          if (this.pos >= end) return null;
          this.segStart = this.pos;
          this.pendingBytes = 0;
          if (buf[this.pos] === 42 /* '*' */) {
            this.state = State.MultibulkCount;
            this.line = '';
            this.pos++;
          } else {
            this.state = State.Inline;
            this.line = '';
          }
          break;
        }
        case State.Inline: {
          const nl = buf.indexOf(10, this.pos);
          if (nl < 0 || nl >= end) {
            this.line += buf.toString('latin1', this.pos, end);
            this.pos = end;
            if (this.line.length > inlineLineBytesMax) return this.fail('too big inline request');
            return null;
          }
          let text = this.line + buf.toString('latin1', this.pos, nl);
          this.pos = nl + 1;
          this.line = '';
          this.state = State.Start;
          if (text.length > inlineLineBytesMax) return this.fail('too big inline request');
          if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
          const args = splitArgs(text);
          if (args === null) return this.fail('unbalanced quotes in request');
          if (args.length === 0) break;
          return args;
        }
        case State.MultibulkCount:
        case State.BulkHeader: {
          if (this.state === State.BulkHeader && this.line.length === 0) {
            if (this.pos >= end) return this.suspend();
            const c = buf[this.pos] as number;
            if (c !== 36 /* '$' */) return this.fail(`expected '$', got '${String.fromCharCode(c)}'`);
            this.pos++;
            this.line = '$';
          }
          const cr = buf.indexOf(13, this.pos);
          if (cr < 0 || cr + 1 >= end) {
            // Header line incomplete (Redis also waits for the byte after '\r').
            const upto = cr < 0 ? end : cr;
            this.line += buf.toString('latin1', this.pos, upto);
            this.pos = upto;
            if (this.line.length > inlineLineBytesMax) {
              return this.fail(this.state === State.MultibulkCount ? 'too big mbulk count string' : 'too big bulk count string');
            }
            return this.suspend();
          }
          const text = this.line + buf.toString('latin1', this.pos, cr);
          this.pos = cr + 2;
          this.line = '';
          if (this.state === State.MultibulkCount) {
            if (text.length > inlineLineBytesMax) return this.fail('too big mbulk count string');
            const n = parseInt64Loose(text);
            if (n === null || n > multibulkLengthMax) return this.fail('invalid multibulk length');
            if (!this.authenticated && n > unauthenticatedMultibulkLengthMax) return this.fail('unauthenticated multibulk length');
            if (n <= 0) {
              this.state = State.Start;
              const empty = this.deliver();
              if (empty !== null) return empty;
              break;
            }
            this.elementsLeft = n;
            this.state = State.BulkHeader;
          } else {
            const body = text.slice(1);
            if (body.length + 1 > inlineLineBytesMax) return this.fail('too big bulk count string');
            const n = parseInt64Loose(body);
            if (n === null || n < 0 || n > this.limits.protoMaxBulkLen()) return this.fail('invalid bulk length');
            if (!this.authenticated && n > unauthenticatedBulkLengthMax) return this.fail('unauthenticated bulk length');
            this.bodyLeft = n + 2;
            this.state = State.BulkBody;
          }
          break;
        }
        case State.BulkBody: {
          const avail = end - this.pos;
          if (avail < this.bodyLeft) {
            this.bodyLeft -= avail;
            this.pos = end;
            return this.suspend();
          }
          this.pos += this.bodyLeft;
          this.bodyLeft = 0;
          this.elementsLeft--;
          if (this.elementsLeft > 0) {
            this.state = State.BulkHeader;
            break;
          }
          this.state = State.Start;
          const cmd = this.deliver();
          if (cmd !== null) return cmd;
          break;
        }
      }
    }
  }

  /** Hand the complete multibulk request to redis-parser and return what it parsed. */
  private deliver(): string[] | null {
    this.parser.execute(this.chunk.subarray(this.segStart, this.pos));
    this.segStart = this.pos;
    this.pendingBytes = 0;
    const out = this.parsed;
    this.parsed = null;
    if (out === null) {
      if (!this.parsedEmpty) throw new Error('redis-parser did not return a scanned request');
      this.parsedEmpty = false;
    }
    return out;
  }

  /** Chunk exhausted inside a multibulk request: give redis-parser what we have, wait for more. */
  private suspend(): ReadResult {
    const fed = this.pos - this.segStart;
    if (fed > 0) this.parser.execute(this.chunk.subarray(this.segStart, this.pos));
    this.segStart = this.pos;
    this.pendingBytes += fed;
    if (this.pendingBytes > this.limits.queryBufferLimit()) return QueryBufferOverflow.instance;
    return null;
  }

  private fail(text: string): ProtocolError {
    this.chunk = Buffer.alloc(0);
    this.pos = 0;
    this.segStart = 0;
    this.state = State.Start;
    this.parser.reset();
    return new ProtocolError(text);
  }
}
