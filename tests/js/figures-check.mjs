// figures-check.mjs URL TOKEN [TAMPER] - runs the web page's reconciliation
// (web/js/figures.js) for every trainee of the accreditation list: each
// full progress report (GET /trainees/{id}/evidence) against the statements of
// the ledger export (GET /ledger), as the trainee page does after checking
// each entry's signature.  Prints TAP.  With TAMPER=inflate, the first
// trainee's first non-zero requirement is raised by one in the report
// before reconciling, as a lying server would, and must be named.
import { reconcile } from '../../web/js/figures.js';

const [url, token, tamper] = process.argv.slice(2);
const get = async (p) => {
	const r = await fetch(url + '/api/v1' + p, { headers: { Authorization: `Bearer ${token}` } });
	if (!r.ok) throw new Error(`${p}: ${r.status}`);
	return p.startsWith('/ledger?') ? r.text() : r.json();
};
const verified = new Map();
for (const line of (await get('/ledger?from=0&count=100000')).split('\n').filter(Boolean)) {
	const e = JSON.parse(line);
	if (e.message) verified.set(e.index, JSON.parse(e.message.slice(e.message.indexOf('\n') + 1)));
}
const tools = (await get('/assessment-tools')).items;
const list = (await get('/accreditation')).items;
let n = 0, bad = 0;
for (const t of list) {
	const p = await get(`/trainees/${t.id}/evidence`);
	let want = true, what = '';
	if (tamper === 'inflate' && n === 0) {
		const r = p.modules.flatMap((m) => m.requirements).find((x) => x.signed > 0);
		r.signed += 1;
		want = false;
		what = ' (its report inflated by one: a difference is named)';
	}
	const r = reconcile(p, verified, t.id, tools);
	n++;
	const ok = r.ok === want && r.checked > 0 && (want || r.differences.some((d) => / signed$/.test(d.what)));
	if (!ok) bad++;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - trainee ${t.id}: ${r.checked} requirements reconciled with the ledger${what}`);
	if (!ok) console.log(`# ${JSON.stringify(r.differences).slice(0, 400)}`);
}
console.log(`1..${n}`);
process.exit(bad ? 1 : 0);
