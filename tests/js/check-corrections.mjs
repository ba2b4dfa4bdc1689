#!/usr/bin/env node
// check-corrections.mjs - runs the web page's own correction check
// (web/js/verify.js checkCorrections, retiredReason) on a progress report
// and a ledger export, as the trainee page does (docs/ledger.md rule 9).
//
//   node tests/js/check-corrections.mjs PROGRESS.json EXPORT.jsonl [INDEX...]
//
// Prints one line per correction it verified, "retired N by W (how)", and
// for each INDEX (an evidence row the server might still show) the page's
// verdict: "INDEX failed: <reason>" when a verified correction retired it,
// "INDEX counts" otherwise.  Exits 1 if a correction did not verify.
import { readFileSync } from 'node:fs';
import { checkCorrections, retiredReason } from '../../web/js/verify.js';

const [progressPath, exportPath, ...indexes] = process.argv.slice(2);
if (!exportPath) {
	process.stderr.write('usage: node check-corrections.mjs PROGRESS.json EXPORT.jsonl [INDEX...]\n');
	process.exit(2);
}
const progress = JSON.parse(readFileSync(progressPath, 'utf8'));
const entries = new Map(readFileSync(exportPath, 'utf8').split('\n').filter((l) => l !== '')
	.map((l) => JSON.parse(l)).map((e) => [Number(e.index), e]));
const fetchEntry = async (i) => {
	if (!entries.has(Number(i))) throw new Error(`no entry ${i}`);
	return entries.get(Number(i));
};
const { retired, failed } = await checkCorrections(fetchEntry, progress.corrections, progress.trainee.id);
for (const [n, r] of [...retired].sort((a, b) => a[0] - b[0])) process.stdout.write(`retired ${n} by ${r.by} (${r.how})\n`);
for (const i of indexes) {
	const why = retiredReason({ ledger_index: Number(i) }, retired);
	process.stdout.write(why ? `${i} failed: ${why}\n` : `${i} counts\n`);
}
for (const f of failed) process.stderr.write(`check-corrections: ${f}\n`);
if (failed.length) process.exitCode = 1;
