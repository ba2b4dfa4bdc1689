// check-evidence.mjs - the web page's evidence check (web/js/verify.js
// checkEvidence: signature, then the statement against the item shown) on
// one evidence item of a progress report and its ledger entry.
// usage: node check-evidence.mjs ITEM.json ENTRY.json SUBJECT  -> prints "state: reason"
import { readFileSync } from 'node:fs';
import { checkEvidence } from '../../web/js/verify.js';

const [itemFile, entryFile, subject] = process.argv.slice(2);
const item = JSON.parse(readFileSync(itemFile, 'utf8'));
const entry = JSON.parse(readFileSync(entryFile, 'utf8'));
const r = await checkEvidence(async () => entry, item, Number(subject));
console.log(`${r.state}: ${r.reason}`);
