/**
 * Every Redis error text Catena sends, in one table (STYLE #5). Handlers return
 * `err.<name>` (or call the function for texts with arguments); nothing else spells an
 * error string. Texts are Redis 7.0's, byte for byte; docs/errors.md is generated from
 * this table and a test keeps the two in sync.
 */
import { ErrorReply } from './reply';

const e = (text: string) => new ErrorReply(text);

export const err = {
  syntax: e('ERR syntax error'),
  notInteger: e('ERR value is not an integer or out of range'),
  notFloat: e('ERR value is not a valid float'),
  wrongType: e('WRONGTYPE Operation against a key holding the wrong kind of value'),
  noSuchKey: e('ERR no such key'),
  overflow: e('ERR increment or decrement would overflow'),
  incrFloatNaN: e('ERR increment would produce NaN or Infinity'),
  stringTooLong: e('ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
  offsetOutOfRange: e('ERR offset is out of range'),
  dbIndexOutOfRange: e('ERR DB index is out of range'),
  invalidDbIndex: e('ERR invalid DB index'),
  invalidExpireTime: (cmd: string) => e(`ERR invalid expire time in '${cmd}' command`),
  sameObject: e('ERR source and destination objects are the same'),
  busyKey: e('BUSYKEY Target key name already exists.'),
  noAuth: e('NOAUTH Authentication required.'),
  wrongPass: e('WRONGPASS invalid username-password pair or user is disabled.'),
  authNotConfigured: e(
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  ),
  noProto: e('NOPROTO unsupported protocol version'),
  multiNested: e('ERR MULTI calls can not be nested'),
  execWithoutMulti: e('ERR EXEC without MULTI'),
  discardWithoutMulti: e('ERR DISCARD without MULTI'),
  watchInMulti: e('ERR WATCH inside MULTI is not allowed'),
  execAbort: e('EXECABORT Transaction discarded because of previous errors.'),
  unknownCommand: (name: string, argsPreview: string) =>
    e(`ERR unknown command '${name}', with args beginning with: ${argsPreview}`),
  unknownSubcommand: (sub: string, cmd: string) =>
    e(`ERR unknown subcommand '${sub}'. Try ${cmd.toUpperCase()} HELP.`),
  unknownSubcommandOrArity: (sub: string, cmd: string) =>
    e(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd.toUpperCase()} HELP.`),
  arity: (name: string) => e(`ERR wrong number of arguments for '${name}' command`),
  protocol: (what: string) => e(`ERR Protocol error: ${what}`),
  onlyInSubscribe: (name: string) =>
    e(
      `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    ),
  notAllowedInMulti: e('ERR Command not allowed inside a transaction'),
  noScript: e('NOSCRIPT No matching script. Please use EVAL.'),
  unsupportedConfig: (name: string) => e(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`),
  notImplemented: (what: string) => e(`ERR ${what} is not supported by Catena`),
  timeoutNotFloat: e('ERR timeout is not a float or out of range'),
  timeoutNegative: e('ERR timeout is negative'),
  lcsTooLarge: e('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len'),
  bitOffset: e('ERR bit offset is not an integer or out of range'),
  bitValue: e('ERR bit is not an integer or out of range'),
  clientNameSpaces: e('ERR Client names cannot contain spaces, newlines or special characters.'),
  noSuchClient: e('ERR No such client'),
  dumpPayload: e('ERR DUMP payload version or checksum are wrong'),
  badTtl: e('ERR Invalid TTL value, must be >= 0'),
  tryAgain: (why: string) => e(`TRYAGAIN ${why}`),
  crossSlot: e("CROSSSLOT Keys in request don't hash to the same slot"),
} as const;
