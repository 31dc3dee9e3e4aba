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

/** scanLineEnd: no end byte in the data yet. */
const LINE_OPEN = -1;
/** scanLineEnd: a NUL comes first, so this line never ends. */
const LINE_NUL = -2;

/**
 * Where the line starting at `from` ends (the index of `endByte`), as Redis finds it with
 * `strchr(querybuf + qb_pos, '\r' or '\n')`: strchr stops at a NUL byte, so a line holding a
 * NUL before its end byte never ends; Redis waits, and closes it only at the size limit.
 */
function scanLineEnd(buf: Buffer, from: number, end: number, endByte: number): number {
  for (let i = from; i < end; i++) {
    const c = buf[i] as number;
    if (c === endByte) return i;
    if (c === 0) return LINE_NUL;
  }
  return LINE_OPEN;
}

export class RequestReader {
  /** Set by the session: before AUTH, Redis applies much smaller limits. */
  authenticated = true;

  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Start of the multibulk bytes in `chunk` not yet given to redis-parser. */
  private segStart = 0;
  private state = State.Start;
  private line = '';
  /** The line being read holds a NUL before its end: it can never end (see scanLineEnd). */
  private lineBlocked = false;
  /** The partial header line is not given to redis-parser (it can only end in an error). */
  private lineUnfed = false;
  private elementsLeft = 0;
  private bodyLeft = 0;
  /** Length of the bulk being read, including its trailing two bytes. */
  private bodyBytes = 0;
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
          // Redis: the size limit applies only while the line has no end yet; a complete
          // line of any length that arrived in one read is accepted (processInlineBuffer).
          const nl = this.lineBlocked ? LINE_NUL : scanLineEnd(buf, this.pos, end, 10);
          if (nl < 0) {
            if (nl === LINE_NUL) this.lineBlocked = true;
            this.line += buf.toString('latin1', this.pos, end);
            this.pos = end;
            if (this.line.length > inlineLineBytesMax) return this.fail('too big inline request');
            return null;
          }
          let text = this.line + buf.toString('latin1', this.pos, nl);
          this.pos = nl + 1;
          this.line = '';
          this.state = State.Start;
          if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
          const args = splitArgs(text);
          if (args === null) return this.fail('unbalanced quotes in request');
          if (args.length === 0) break;
          return args;
        }
        case State.MultibulkCount:
        case State.BulkHeader: {
          const mbulk = this.state === State.MultibulkCount;
          if (this.pos >= end) return this.suspend();
          // Redis checks the '$' only once the whole header line is there, so a header that
          // does not start with '$' is never given to redis-parser (which would throw on it).
          if (this.line.length === 0) this.lineUnfed = !mbulk && buf[this.pos] !== 36; /* '$' */
          const cr = this.lineBlocked ? LINE_NUL : scanLineEnd(buf, this.pos, end, 13);
          if (cr < 0 || cr + 1 >= end) {
            // Header line incomplete (Redis also waits for the byte after '\r'). Redis's limit
            // counts the line from its first byte ('*' included) and only while no '\r' is found.
            if (cr === LINE_NUL) this.lineBlocked = true;
            const upto = cr < 0 ? end : cr;
            const from = this.pos;
            this.line += buf.toString('latin1', this.pos, upto);
            this.pos = upto;
            if (cr < 0 && this.line.length + (mbulk ? 1 : 0) > inlineLineBytesMax) {
              return this.fail(mbulk ? 'too big mbulk count string' : 'too big bulk count string');
            }
            return this.lineBlocked || this.lineUnfed ? this.suspend(from) : this.suspend();
          }
          const text = this.line + buf.toString('latin1', this.pos, cr);
          this.pos = cr + 2;
          this.line = '';
          // An empty line's first byte is its '\r' (sent as a space, as Redis's error sanitizing does).
          if (this.lineUnfed) return this.fail(`expected '$', got '${text.length > 0 ? text.charAt(0) : '\r'}'`);
          if (mbulk) {
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
            const n = parseInt64Loose(text.slice(1));
            if (n === null || n < 0 || n > this.limits.protoMaxBulkLen()) return this.fail('invalid bulk length');
            if (!this.authenticated && n > unauthenticatedBulkLengthMax) return this.fail('unauthenticated bulk length');
            this.bodyLeft = n + 2;
            this.bodyBytes = n + 2;
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
          // Redis holds a big argument whole in its query buffer, so a complete bulk over the
          // limit closes the client too, however it was cut into reads.
          if (this.bodyBytes > this.limits.queryBufferLimit()) return QueryBufferOverflow.instance;
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

  /**
   * Chunk exhausted inside a multibulk request: give redis-parser what we have (up to
   * `feedEnd`: a header line that can only fail is kept from it), wait for more.
   * client-query-buffer-limit counts what Redis keeps in its query buffer: the element being
   * read (a bulk's bytes so far, or a header line), not the arguments already parsed.
   */
  private suspend(feedEnd = this.pos): ReadResult {
    const fed = feedEnd - this.segStart;
    if (fed > 0) this.parser.execute(this.chunk.subarray(this.segStart, feedEnd));
    this.pendingBytes += this.pos - this.segStart;
    this.segStart = this.pos;
    const partial = this.state === State.BulkBody ? this.bodyBytes - this.bodyLeft : this.line.length;
    if (partial > this.limits.queryBufferLimit()) return QueryBufferOverflow.instance;
    return null;
  }

  private fail(text: string): ProtocolError {
    this.chunk = Buffer.alloc(0);
    this.pos = 0;
    this.segStart = 0;
    this.state = State.Start;
    this.line = '';
    this.lineBlocked = false;
    this.lineUnfed = false;
    this.parser.reset();
    return new ProtocolError(text);
  }
}
