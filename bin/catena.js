#!/usr/bin/env node
'use strict';
// The `catena` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
require('../dist/src/cli/main.js').main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`catena: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 1;
  },
);
