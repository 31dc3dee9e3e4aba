/**
 * Generates docs/errors.md from the error table (src/resp/errors.ts): every error Catena
 * sends, with its wire text. test/docs.test.ts fails when the doc is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { err } from '../src/resp/errors';
import { ErrorReply } from '../src/resp/reply';

export function renderErrorsDoc(): string {
  const rows: string[] = [];
  for (const [name, v] of Object.entries(err).sort(([a], [b]) => a.localeCompare(b))) {
    let text: string;
    if (v instanceof ErrorReply) text = v.text;
    else {
      const fn = v as (...a: string[]) => ErrorReply;
      const params = Array.from({ length: fn.length }, (_, i) => `<${i + 1}>`);
      text = fn(...params).text;
    }
    rows.push(`| \`${name}\` | \`-${text.replace(/\|/g, '\\|')}\` |`);
  }
  return `# Errors\n\nGenerated from src/resp/errors.ts by \`npm run docs\`; do not edit by hand. Every error text Catena sends is in that one table; \`<n>\` marks a value filled in at run time.\n\n| name | wire text |\n|---|---|\n${rows.join('\n')}\n`;
}

if (require.main === module) {
  const target = path.join(process.cwd(), 'docs', 'errors.md');
  fs.writeFileSync(target, renderErrorsDoc());
  console.log(`wrote ${target}`);
}
