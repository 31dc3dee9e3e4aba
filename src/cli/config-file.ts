/**
 * Reads a redis.conf-style file: one `name value...` per line, `#` comments, quoted values
 * as Redis's config parser accepts them. Returns parameter → value text.
 */
import * as fs from 'node:fs';
import { splitArgs } from '../resp/inline';

export function readConfigFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = fs.readFileSync(file, 'latin1');
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = splitArgs(line);
    if (words === null || words.length === 0) throw new Error(`${file}:${lineNo}: unbalanced quotes`);
    const [name, ...rest] = words;
    out[(name as string).toLowerCase()] = rest.join(' ');
  }
  return out;
}
