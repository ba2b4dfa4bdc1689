// view-trainers.js - the trainers' list (GET /api/v1/trainers): who may
// sign, until when, and the faculty statement behind each accreditation,
// whose signature this browser checks like any other evidence.

import { trainers as loadTrainers, ledgerEntry } from './api.js';
import { h, clear, tableWrap, time, parseDate, pool, uid } from './dom.js';
import { announce, badge, mark, empty, title } from './ui.js';
import { checkEvidence } from './verify.js';

const ORDER = { active: 0, expired: 1, revoked: 2, none: 3 };

function expiry(acc) {
	if (!acc?.valid_until) return '';
	const until = parseDate(acc.valid_until);
	if (!until) return '';
	const days = Math.round((until - Date.now()) / 864e5);
	if (acc.state !== 'active') return days < 0 ? `${-days} days ago` : '';
	if (days < 0) return 'expired';
	if (days <= 90) return h('strong', { class: 'soon' }, `in ${days} ${days === 1 ? 'day' : 'days'}`);
	return `in ${Math.round(days / 30.4)} months`;
}

export async function render(root, ctx) {
	root.append(title('Trainers'),
		h('p', { class: 'lede' }, 'Accredited RAS trainers may countersign sessions, score assessments and sign module completions until their accreditation expires. Each accreditation is a faculty statement in the ledger, checked here in your browser.'));
	const list = await loadTrainers();
	if (ctx.signal.aborted) return;
	const showAll = h('input', { type: 'checkbox', id: 'trainers-all' });
	const counts = {};
	for (const t of list) {
		const st = t.accreditation?.state || 'none';
		counts[st] = (counts[st] || 0) + 1;
	}
	const filter = h('div', { class: 'field field-check no-print' }, showAll,
		h('label', { for: 'trainers-all' }, `Also show trainers who are not currently accredited (${list.length - (counts.active || 0)})`));
	const sectionId = uid('tr');
	const body = h('div');
	root.append(h('p', null, `${counts.active || 0} accredited, ${counts.expired || 0} expired, ${counts.revoked || 0} revoked, ${counts.none || 0} never accredited.`),
		filter, h('section', { 'aria-labelledby': sectionId }, h('h2', { id: sectionId, class: 'visually-hidden' }, 'List of trainers'), body));

	const sorted = list.slice().sort((a, b) => (ORDER[a.accreditation?.state || 'none'] ?? 9) - (ORDER[b.accreditation?.state || 'none'] ?? 9) || a.name.localeCompare(b.name));
	const cells = new Map();
	const rows = sorted.map((t) => {
		const acc = t.accreditation || { state: 'none' };
		const sig = h('td', { class: 'sig' }, acc.ledger_index !== undefined && acc.ledger_index !== null ? mark('checking') : h('span', { class: 'muted' }, 'no statement'));
		if (acc.ledger_index !== undefined && acc.ledger_index !== null) cells.set(t.id, { t, acc, sig });
		const tr = h('tr', { dataset: { state: acc.state || 'none' } },
			h('th', { scope: 'row' }, t.name), h('td', null, t.site || h('span', { class: 'muted' }, 'none')),
			h('td', null, badge('trainer', acc.state || 'none')),
			h('td', null, time(acc.valid_from)), h('td', null, time(acc.valid_until)), h('td', null, expiry(acc)),
			h('td', { class: 'num' }, acc.ledger_index ?? '–'), sig);
		return tr;
	});
	if (!rows.length) {
		body.append(empty('No trainers are registered.'));
		return;
	}
	const table = h('table', { class: 'data trainers' },
		h('caption', { class: 'visually-hidden' }, 'Trainers and their accreditation'),
		h('thead', null, h('tr', null, ['Trainer', 'Site', 'State', 'Accredited from', 'Until', 'Expires', 'Ledger index', 'Signature']
			.map((x, i) => h('th', { scope: 'col', class: i === 6 ? 'num' : null }, x)))),
		h('tbody', null, rows));
	body.append(tableWrap('Trainers, scrollable', table));
	const applyFilter = () => {
		for (const tr of rows) tr.hidden = !showAll.checked && tr.dataset.state !== 'active';
	};
	if (!counts.active) showAll.checked = true;
	showAll.addEventListener('change', () => {
		applyFilter();
		announce(showAll.checked ? `Showing all ${rows.length} trainers.` : `Showing the ${counts.active || 0} accredited trainers.`);
	});
	applyFilter();

	let bad = 0;
	await pool([...cells.values()], 6, async ({ t, acc, sig }) => {
		const r = await checkEvidence(ledgerEntry, { type: 'trainer_accreditation', ledger_index: acc.ledger_index, valid_until: acc.valid_until, valid_from: acc.valid_from }, t.id);
		if (ctx.signal.aborted) return;
		if (r.state === 'failed') bad++;
		clear(sig).append(mark(r.state, r.reason));
		sig.dataset.state = r.state;
	});
	if (!ctx.signal.aborted && cells.size)
		announce(bad ? `${bad} trainer accreditation signatures failed the check.` : `Trainer accreditation signatures checked: ${cells.size}.`, bad ? 'error' : 'info', { quiet: !bad });
}
