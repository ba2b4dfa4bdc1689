#!/usr/bin/env node
// check-export.mjs - runs the web page's own checker (web/js/verify.js
// checkExport) on a ledger export, so the API tests cover what the browser
// does with full and redacted lines.
//
//   node tests/js/check-export.mjs EXPORT.jsonl HEAD.json LOG_PUBLIC_KEY_BASE64
//
// Prints "check-export: N entries, R redacted, root <hex>: OK" and exits 0,
// or prints why on stderr and exits 1.  Needs Node's WebCrypto (Node >= 20).
import { readFileSync } from 'node:fs';
import { checkExport } from '../../web/js/verify.js';

const [exp, headPath, logKey] = process.argv.slice(2);
if (!logKey) {
	process.stderr.write('usage: node check-export.mjs EXPORT.jsonl HEAD.json LOG_PUBLIC_KEY_BASE64\n');
	process.exit(2);
}
const lines = readFileSync(exp, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
const r = await checkExport(lines, JSON.parse(readFileSync(headPath, 'utf8')), logKey);
if (r.ok) {
	process.stdout.write(`check-export: ${r.entries} entries, ${r.redacted} redacted, ${r.texts} texts match, ${r.erased} erased, root ${r.root}: OK\n`);
} else {
	process.stderr.write(`check-export: ${r.index !== undefined ? `entry ${r.index}: ` : ''}${r.reason}\n`);
	process.exitCode = 1;
}
