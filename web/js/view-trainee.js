// view-trainee.js - one trainee's detail (#/trainee/ID for faculty and
// trainers, #/progress for the trainee's own): each module's requirements
// with target, signed and pending figures; what waits for a signature;
// signed hours over time by activity and GEARS scores over time, each a
// chart with its data table; and the evidence list, every row of which is
// re-verified here with WebCrypto against the ledger entry it cites.

import { api, all, tools as loadTools, ledgerEntry, userName, trainers as loadTrainers } from './api.js';
import { h, clear, sr, tableWrap, uid, time, fmtDate, fmtMonth, fmtMinutes, fmtHours, parseDate, pool } from './dom.js';
import { ACTIVITIES, activityLabel, platformLabel, roleLabel, prettyCode } from './codes.js';
import { badge, mark, bar, announce, empty, title } from './ui.js';
import { lineChart, legend, STYLES } from './charts.js';
import { checkEvidence, accreditedKeys, keyChain, checkCorrections, retiredReason } from './verify.js';
import { reconcile } from './figures.js';
import { importsSection } from './imports.js';

const UNITS = {
	minutes: (n) => fmtMinutes(n),
	cases: (n) => `${n} ${n === 1 ? 'case' : 'cases'}`,
	steps: (n) => `${n} ${n === 1 ? 'step' : 'steps'}`,
	assessments: (n) => `${n} ${n === 1 ? 'assessment' : 'assessments'}`,
	module_signoff: (n) => (n >= 1 ? 'Signed off' : 'Not yet'),
	elearning: (n) => `${n} ${n === 1 ? 'certificate' : 'certificates'}`,
};
const amount = (kind, n) => (UNITS[kind] || ((x) => String(x)))(Number(n) || 0);
const targetText = (kind, n) => (kind === 'module_signoff' ? 'Trainer’s sign-off' : amount(kind, n));

function section(id, heading, ...children) {
	return h('section', { class: 'detail-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, heading), ...children);
}

/* ------------------------------------------------------------ modules */

function modulesSection(p) {
	const titles = Object.fromEntries((p.modules || []).map((m) => [m.id, m.title || prettyCode(m.id)]));
	const out = section('modules', 'Modules and requirements',
		h('p', { class: 'section-note' }, 'Only evidence signed by an accredited trainer counts towards a target. “Pending” is what the trainee has logged that still waits for a signature.'));
	for (const m of p.modules || []) {
		const hid = uid('mod');
		const reqs = m.requirements || [];
		const met = reqs.filter((r) => r.status === 'met').length;
		const prereqs = (m.prerequisites || []).map((x) => titles[x] || x);
		const table = h('table', { class: 'data requirements' },
			h('caption', { class: 'visually-hidden' }, `Requirements of ${m.title || m.id}`),
			h('colgroup', null, ['c-req', 'c-target', 'c-signed', 'c-pending', 'c-status'].map((c) => h('col', { class: c }))),
			h('thead', null, h('tr', null,
				h('th', { scope: 'col' }, 'Requirement'), h('th', { scope: 'col', class: 'num' }, 'Target'),
				h('th', { scope: 'col', class: 'num' }, 'Signed'), h('th', { scope: 'col', class: 'num' }, 'Pending'),
				h('th', { scope: 'col' }, 'Status'))),
			h('tbody', null, reqs.map((r) => h('tr', null,
				h('th', { scope: 'row' }, h('span', { class: 'req-title' }, r.title || prettyCode(r.id)),
					r.description ? h('span', { class: 'req-desc' }, r.description) : null),
				h('td', { class: 'num' }, targetText(r.kind, r.target)),
				h('td', { class: 'num' }, amount(r.kind, r.signed),
					bar(r.signed, r.target, `${Math.min(100, Math.round(((r.signed || 0) / (r.target || 1)) * 100))}% of target signed`)),
				h('td', { class: 'num' }, r.pending ? amount(r.kind, r.pending) : h('span', { class: 'muted' }, '–', sr('none'))),
				h('td', null, badge('requirement', r.status))))));
		out.append(h('section', { class: 'module', 'aria-labelledby': hid },
			h('div', { class: 'module-head' },
				h('h3', { id: hid }, m.title || prettyCode(m.id)), badge('requirement', m.status),
				h('span', { class: 'muted small' }, `${met} of ${reqs.length} requirements met`)),
			prereqs.length ? h('p', { class: 'small muted' }, `Needs first: ${prereqs.join(', ')}.`) : null,
			tableWrap(`Requirements of ${m.title || m.id}, scrollable`, table)));
	}
	return out;
}

/* ------------------------------------------------------------ pending */

function pendingSection(p, names, own) {
	const items = Array.isArray(p.pending) ? p.pending : [];
	const out = section('pending', 'Waiting for sign-off');
	if (!items.length) {
		out.append(empty(own ? 'Nothing you logged is waiting for a trainer’s signature.' : 'Nothing is waiting for a trainer’s signature.'));
		return out;
	}
	out.append(h('p', { class: 'section-note' }, `${items.length} ${items.length === 1 ? 'session waits' : 'sessions wait'} for the named trainer to sign with their own key. These do not count towards any target yet.`),
		tableWrap('Sessions waiting for sign-off, scrollable', h('table', { class: 'data' },
			h('caption', { class: 'visually-hidden' }, 'Sessions waiting for sign-off'),
			h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Session'), h('th', { scope: 'col' }, 'Date'),
				h('th', { scope: 'col' }, 'Activity'), h('th', { scope: 'col', class: 'num' }, 'Time'), h('th', { scope: 'col' }, 'Trainer'),
				h('th', { scope: 'col' }, 'Status'))),
			h('tbody', null, items.map((x) => h('tr', null,
				h('th', { scope: 'row' }, `#${x.session ?? x.id}`), h('td', null, time(x.date)),
				h('td', null, activityLabel(x.activity)), h('td', { class: 'num' }, fmtMinutes(x.minutes)),
				h('td', null, names.get(x.trainer) || (x.trainer_name ?? `user ${x.trainer}`)),
				h('td', null, badge('session', 'pending'))))))));
	return out;
}

/* ------------------------------------------------------------ hours */

/** Signed sessions as {id, date, minutes, activity}: from /sessions, else from the evidence. */
function hoursData(sessions, p) {
	if (sessions) return sessions.filter((x) => x.status === undefined || x.status === 'signed')
		.map((x) => ({ id: x.id, date: x.date, minutes: Number(x.minutes) || 0, activity: x.activity }));
	const seen = new Map();
	for (const m of p.modules || [])
		for (const r of m.requirements || []) {
			if (r.kind !== 'minutes') continue;
			const acts = Array.isArray(r.activity) ? r.activity : r.activity ? [r.activity] : [];
			for (const e of r.evidence || [])
				if (e.type === 'session' && !seen.has(e.session))
					seen.set(e.session, { id: e.session, date: e.date, minutes: Number(e.amount) || 0, activity: acts.length === 1 ? acts[0] : acts.join('_or_') });
		}
	return [...seen.values()];
}

function hoursSection(rows, partial) {
	const out = section('hours', 'Signed hours over time');
	if (partial) out.append(h('p', { class: 'section-note' }, 'Only the sessions you may see (those you supervised) are counted here; the requirement figures above count every signed session.'));
	rows = rows.filter((r) => parseDate(r.date)).sort((a, b) => a.date.localeCompare(b.date));
	if (!rows.length) {
		out.append(empty('No signed sessions yet.'));
		return out;
	}
	const order = ACTIVITIES.map(([c]) => c);
	const acts = [...new Set(rows.map((r) => r.activity))].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
	const label = (a) => a.split('_or_').map(activityLabel).join(' or ');
	const series = acts.map((a, i) => {
		let sum = 0;
		const byDate = new Map();
		for (const r of rows) if (r.activity === a) { sum += r.minutes; byDate.set(r.date, sum); }
		const points = [...byDate].map(([d, m]) => ({ x: parseDate(d), y: m / 60, label: `${fmtHours(m)} h cumulative` }));
		return { name: label(a), style: STYLES[i % STYLES.length], points };
	});
	const chartId = uid('hours-chart');
	const totalMin = rows.reduce((a, r) => a + r.minutes, 0);
	const chart = lineChart({ id: chartId, title: 'Cumulative signed hours by activity',
		desc: `${acts.length} activities, ${fmtHours(totalMin)} signed hours in all from ${fmtDate(rows[0].date)} to ${fmtDate(rows[rows.length - 1].date)}. The table beside it gives the same figures by month.`,
		series, stepLine: true, y: { min: 0, label: 'Hours (cumulative)' } });

	// The table: cumulative hours per activity at the end of each month.
	const months = [];
	const first = parseDate(rows[0].date), last = parseDate(rows[rows.length - 1].date);
	for (let y = first.getUTCFullYear(), m = first.getUTCMonth(); y < last.getUTCFullYear() || (y === last.getUTCFullYear() && m <= last.getUTCMonth()); m === 11 ? (y++, m = 0) : m++)
		months.push(`${y}-${String(m + 1).padStart(2, '0')}`);
	const cum = Object.fromEntries(acts.map((a) => [a, 0]));
	const body = months.map((mo) => {
		let monthTotal = 0;
		for (const r of rows) if (r.date.slice(0, 7) === mo) { cum[r.activity] += r.minutes; monthTotal += r.minutes; }
		const total = Object.values(cum).reduce((a, b) => a + b, 0);
		return h('tr', null, h('th', { scope: 'row' }, fmtMonth(mo + '-01')),
			acts.map((a) => h('td', { class: 'num' }, fmtHours(cum[a]))),
			h('td', { class: 'num' }, fmtHours(total)), h('td', { class: 'num' }, monthTotal ? fmtHours(monthTotal) : '0'));
	});
	const table = h('table', { class: 'data chart-data' },
		h('caption', null, 'Cumulative signed hours at the end of each month'),
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Month'), acts.map((a) => h('th', { scope: 'col', class: 'num' }, label(a))),
			h('th', { scope: 'col', class: 'num' }, 'All activities'), h('th', { scope: 'col', class: 'num' }, 'Signed that month'))),
		h('tbody', null, body));
	out.append(h('div', { class: 'chart-pair chart-pair-stacked' },
		h('figure', { class: 'chart-figure chart-figure-wide' }, chart, legend(series),
			h('figcaption', null, 'Each line adds up the signed time of one activity and ends at its last signed session; each step up is a signed session.')),
		tableWrap('Cumulative signed hours by month, scrollable', table)));
	return out;
}

/* ------------------------------------------------------------ GEARS */

function gearsSection(p, toolList, names) {
	const out = section('gears', 'GEARS scores over time');
	const all = (Array.isArray(p.assessments) ? p.assessments : []).filter((a) => Array.isArray(a.scores));
	const byTool = new Map();
	for (const a of all) {
		if (!byTool.has(a.tool)) byTool.set(a.tool, []);
		byTool.get(a.tool).push(a);
	}
	if (!byTool.size) {
		out.append(empty('No signed assessments yet.'));
		return out;
	}
	const reqs = (p.modules || []).flatMap((m) => m.requirements || []).filter((r) => r.kind === 'assessments');
	const tools = [...byTool.keys()].sort((a, b) => (a === 'gears' ? -1 : b === 'gears' ? 1 : a.localeCompare(b)));
	for (const tool of tools) {
		const list = byTool.get(tool).slice().sort((a, b) => String(a.date).localeCompare(String(b.date)) || (a.ledger_index ?? 0) - (b.ledger_index ?? 0));
		const def = toolList.find((t) => t.id === tool);
		const n = Math.max(...list.map((a) => a.scores.length));
		const domains = Array.from({ length: n }, (_, i) => def?.domains?.[i]?.title || prettyCode(def?.domains?.[i]?.id || `domain ${i + 1}`));
		const min = def?.min ?? 1, max = def?.max ?? 5;
		const req = reqs.find((r) => r.tool === tool);
		const domainMin = req?.domain_min, totalMin = req?.total_min;
		const toolName = def?.title ? `${tool.toUpperCase()} (${def.title})` : tool.toUpperCase();
		const block = h('div', { class: 'tool-block' });
		if (tools.length > 1 || tool !== 'gears') block.append(h('h3', null, toolName));
		const panels = h('div', { class: 'multiples' });
		const mk = (name, values, lo, hi, threshold, i) => {
			const points = list.map((a, j) => ({ x: parseDate(a.date) || j, y: values[j] })).filter((pt) => Number.isFinite(pt.y));
			return h('figure', { class: 'multiple' },
				h('figcaption', null, name),
				lineChart({ id: uid('gears'), width: 300, height: 170, title: `${name} over time`,
					desc: `${points.length} assessments; scores ${points.map((x) => x.y).join(', ')}${threshold ? `; expected standard ${threshold}` : ''}.`,
					series: [{ name, style: STYLES[i % STYLES.length], points }],
					y: { min: lo, max: hi, step: hi - lo > 10 ? 6 : 1 },
					thresholds: threshold ? [{ y: threshold, label: `standard ${threshold}` }] : [] }));
		};
		domains.forEach((d, i) => panels.append(mk(d, list.map((a) => a.scores[i]), min, max, domainMin, i)));
		const totals = list.map((a) => a.total ?? a.scores.reduce((x, y) => x + y, 0));
		panels.append(mk('Total', totals, min * n, max * n, totalMin, domains.length));
		const meets = (a, t) => (domainMin === undefined || a.scores.every((x) => x >= domainMin)) && (totalMin === undefined || t >= totalMin);
		const table = h('table', { class: 'data chart-data' },
			h('caption', null, `${toolName} scores by assessment${totalMin ? ` (standard: total at least ${totalMin}` + (domainMin ? `, every domain at least ${domainMin})` : ')') : ''}`),
			h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'Session'),
				domains.map((d) => h('th', { scope: 'col', class: 'num' }, d)), h('th', { scope: 'col', class: 'num' }, 'Total'),
				req ? h('th', { scope: 'col' }, 'At standard') : null, h('th', { scope: 'col' }, 'Assessor'))),
			h('tbody', null, list.map((a, j) => h('tr', null,
				h('th', { scope: 'row' }, time(a.date)), h('td', null, a.session ? `#${a.session}` : ''),
				domains.map((_, i) => h('td', { class: 'num' }, a.scores[i] ?? '')), h('td', { class: 'num' }, String(totals[j])),
				req ? h('td', null, meets(a, totals[j]) ? 'Yes' : 'No') : null,
				h('td', null, names.get(a.signed_by) || '')))));
		block.append(h('div', { class: 'chart-pair chart-pair-stacked' },
			h('div', null, h('p', { class: 'section-note' }, `One small chart per domain, scored ${min} to ${max}; the dashed line is the expected standard.`), panels),
			tableWrap(`${toolName} scores, scrollable`, table)));
		out.append(block);
	}
	return out;
}

/* ------------------------------------------------------------ evidence */

function collectEvidence(p, sessionsById) {
	const byIndex = new Map();
	for (const m of p.modules || [])
		for (const r of m.requirements || [])
			for (const e of r.evidence || []) {
				if (e.ledger_index === undefined || e.ledger_index === null) continue;
				let row = byIndex.get(e.ledger_index);
				if (!row) {
					const item = { ...e };
					const s = e.type === 'session' ? sessionsById?.get(e.session) : null;
					if (s) Object.assign(item, { minutes: s.minutes, activity: s.activity, platform: s.platform, procedure: s.procedure });
					row = { item, towards: [] };
					byIndex.set(e.ledger_index, row);
				}
				row.towards.push(`${m.title || m.id}: ${r.title || r.id}${r.kind !== 'module_signoff' ? ` (${amount(r.kind, e.amount)})` : ''}`);
			}
	for (const a of p.assessments || [])
		if (a.ledger_index !== undefined && !byIndex.has(a.ledger_index))
			byIndex.set(a.ledger_index, { item: { type: 'assessment', ...a }, towards: [] });
	const sorted = [...byIndex.values()].sort((a, b) => String(a.item.date || a.item.signed_at || '').localeCompare(String(b.item.date || b.item.signed_at || '')) || a.item.ledger_index - b.item.ledger_index);
	// The accreditation rests on everything above it, so it comes last.
	if (p.accreditation?.ledger_index !== undefined && !byIndex.has(p.accreditation.ledger_index))
		sorted.push({ item: { type: 'accreditation', ...p.accreditation }, towards: ['Accreditation'] });
	return sorted;
}

function describe(item) {
	switch (item.type) {
	case 'session':
		return [`Session #${item.session}`, item.activity ? ` · ${activityLabel(item.activity)}` : '', item.minutes ? ` · ${fmtMinutes(item.minutes)}` : '',
			item.platform ? ` · ${platformLabel(item.platform)}` : '',
			item.signed_role ? h('span', { class: 'block small' }, `Role signed: ${roleLabel(item.signed_role)}${item.claimed_role && item.claimed_role !== item.signed_role ? `; trainee claimed ${roleLabel(item.claimed_role)}` : ''}`) : null];
	case 'assessment':
		return `${String(item.tool || '').toUpperCase()} assessment of session #${item.session}: ${(item.scores || []).join(', ')} (total ${item.total ?? ''})`;
	case 'module_completion':
		return `Module completion: ${prettyCode(item.module)}`;
	case 'simulator':
		return `Simulator: ${item.exercise}, ${item.attempts} countersigned attempt${item.attempts === 1 ? '' : 's'}, best ${(Number(item.best_score_bp) / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
	case 'elearning':
		return [`E-learning certificate: ${item.achievement} from ${item.issuer} (import #${item.import})`,
			item.verified === false ? h('span', { class: 'block small' }, 'Its proof was not verified; the signer confirmed it knowing so.') : null];
	case 'accreditation':
		return `Accreditation${item.valid_until ? ` until ${fmtDate(item.valid_until)}` : ''}`;
	default:
		return prettyCode(item.type);
	}
}

function evidenceSection(rows, names) {
	const out = section('evidence', 'Signed evidence');
	const summary = h('p', { class: 'verify-summary', id: 'verify-summary' });
	if (!rows.length) {
		out.append(empty('No signed evidence yet.'));
		return { out, summary: null, cells: [] };
	}
	const cells = [];
	const table = h('table', { class: 'data evidence' },
		h('caption', { class: 'visually-hidden' }, 'Signed evidence with its ledger entry and the signature check done in this browser'),
		h('thead', null, h('tr', null, h('th', { scope: 'col', class: 'num' }, 'Ledger index'), h('th', { scope: 'col' }, 'Evidence'),
			h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'Counts towards'), h('th', { scope: 'col' }, 'Signed by'),
			h('th', { scope: 'col' }, 'Signed at'), h('th', { scope: 'col' }, 'Signature'))),
		h('tbody', null, rows.map((row) => {
			const cell = h('td', { class: 'sig' }, mark('checking'));
			const it = row.item;
			const signer = h('td', null, names.get(it.signed_by ?? it.signer) || (it.signed_by ? `user ${it.signed_by}` : h('span', { class: 'muted' }, 'see signature')));
			const signedAt = h('td', null, it.signed_at ? time(it.signed_at, true) : h('span', { class: 'muted' }, '–', sr('not given')));
			cells.push({ row, cell, signer, signedAt });
			return h('tr', { dataset: { ledgerIndex: String(it.ledger_index) } },
				h('th', { scope: 'row', class: 'num' }, String(it.ledger_index)),
				h('td', null, describe(it)),
				h('td', null, time(it.date)),
				h('td', null, row.towards.length ? h('ul', { class: 'plain' }, row.towards.map((t) => h('li', null, t))) : h('span', { class: 'muted' }, 'no requirement')),
				signer, signedAt,
				cell);
		})));
	out.append(h('p', { class: 'section-note' }, 'Every row names the ledger entry that proves it. This browser fetches each entry and checks its Ed25519 signature itself (WebCrypto), and that the signed statement is about this very record, so these figures do not rest on trusting the server.'),
		summary, tableWrap('Signed evidence, scrollable', table));
	return { out, summary, cells };
}

async function verifyAll(cells, summary, subject, signal, printNote, report, toolList) {
	let done = 0, ok = 0, bad = 0, unchecked = 0, chained = 0, unchained = 0;
	const verified = new Map(); // ledger index -> the statement whose signature verified here
	const keys = accreditedKeys(await loadTrainers().catch(() => []), ledgerEntry);
	// Corrections (supersedes, withdrawals), verified here too: evidence they retire counts nowhere.
	const corrections = checkCorrections(ledgerEntry, report.corrections, subject);
	const total = cells.length;
	const update = () => {
		summary.dataset.state = done < total ? 'checking' : bad ? 'failed' : unchecked ? 'unchecked' : 'verified';
		clear(summary).append(done < total ? mark('checking') : bad ? mark('failed') : unchecked ? mark('unchecked') : mark('verified'), ' ',
			done < total ? `Checking signatures in this browser: ${done} of ${total} done.`
				: bad ? `${bad} of ${total} signatures FAILED the check in this browser; ${ok} verified. Do not rely on the failed rows.`
					: unchecked ? `${ok} of ${total} signatures verified; ${unchecked} could not be checked.`
						: `All ${total} signatures verified in this browser.`,
			done < total || !(chained + unchained) ? '' : unchained
				? ` ${chained} signed with a key that faculty accredited; ${unchained} could not be traced to a current trainer accreditation.`
				: ` Every trainer’s key traced to its faculty accreditation.`);
	};
	update();
	await pool(cells, 6, async ({ row, cell, signer, signedAt }) => {
		if (signal.aborted) return;
		let r = await checkEvidence(ledgerEntry, row.item, subject);
		if (signal.aborted) return;
		const retired = retiredReason(row.item, (await corrections).retired);
		if (retired && r.state === 'verified') r = { state: 'failed', reason: `the signature is valid but ${retired}` };
		// Rows the progress report gives no signer for (an accreditation) take it from the verified statement.
		if (r.state === 'verified' && row.item.signed_by === undefined && r.statement?.signer !== undefined) {
			clear(signer).append(await userName(r.statement.signer));
			if (!row.item.signed_at && r.statement.signed_at) clear(signedAt).append(time(r.statement.signed_at, true));
		}
		clear(cell).append(mark(r.state, r.reason));
		cell.dataset.state = r.state;
		if (r.state === 'verified') verified.set(Number(row.item.ledger_index), r.statement);
		// One step further up the chain: was the signing key accredited by faculty for this signer, that day?
		const chain = r.state === 'verified' ? keyChain(r.statement, await keys, row.item.ledger_index) : null;
		if (chain?.ok) {
			chained++;
			cell.append(h('span', { class: 'chain small' }, chain.device ? `Device key introduced in ledger entry ${chain.index}` : `Key accredited by faculty in ledger entry ${chain.index}`));
		} else if (chain) {
			unchained++;
			cell.append(h('span', { class: 'chain chain-unknown small' }, `Note: ${chain.reason}; check with raslog verify.`));
		}
		done++;
		if (r.state === 'verified') ok++;
		else if (r.state === 'failed') bad++;
		else unchecked++;
		update();
	});
	if (signal.aborted) return;
	// Every figure on the page recomputed from the entries verified above (issue 13 item 7): a figure the
	// verified statements do not give is a failure of the check, whatever the signatures say.
	const rec = reconcile(report, verified, subject, toolList);
	const figures = h('p', { class: 'figures-check', id: 'figures-check', dataset: { state: rec.ok ? 'verified' : 'failed' } },
		mark(rec.ok ? 'verified' : 'failed'), ' ',
		rec.ok ? `All ${rec.checked} requirement figures, the module states and the status were recomputed in this browser from the verified entries and match.`
			: `${rec.differences.length} figure${rec.differences.length === 1 ? '' : 's'} on this page do NOT match the verified ledger entries: ` +
			  rec.differences.slice(0, 6).map((d) => `${d.what}: the server shows ${d.server}, the verified entries give ${d.ledger}`).join('; ') +
			  `${rec.differences.length > 6 ? '; …' : ''}. Do not rely on these figures.`);
	document.getElementById('figures-check')?.remove();
	summary.after(figures);
	if (!rec.ok) {
		summary.dataset.state = 'failed';
		clear(summary).append(mark('failed'), ' ', `The check FAILED: ${ok} of ${total} signatures verify, but the figures shown do not follow from the verified entries (below).`);
	}
	printNote.textContent = `Signatures checked in the browser when printed: ${ok} verified, ${bad} failed, ${unchecked} not checked, of ${total}; figures ${rec.ok ? 'match the verified entries' : 'do NOT match the verified entries'}.`;
	announce(bad ? `Signature check finished: ${bad} of ${total} failed.` : !rec.ok ? `Signatures verified, but ${rec.differences.length} figures do not match the verified entries.`
		: `Signature check finished: ${ok} of ${total} verified.`, bad || !rec.ok ? 'error' : 'info', { quiet: !bad && rec.ok });
}

/* ------------------------------------------------------------ view */

export async function render(root, ctx) {
	const own = ctx.name === 'progress';
	const id = own ? ctx.me.id : Number(ctx.params[0]);
	if (!Number.isInteger(id) || id < 1) {
		root.append(title('Trainee not found'), h('p', null, 'The address does not name a trainee.'));
		return;
	}
	const [p, toolList, sessions] = await Promise.all([
		api(`/trainees/${id}/evidence`, { signal: ctx.signal }),  // the figures with the evidence behind them
		loadTools().catch(() => []),
		all('/sessions', { trainee: id, status: 'signed' }, 2000).catch(() => null),
	]);
	if (ctx.signal.aborted) return;
	const name = p.trainee?.name || (own ? ctx.me.name : `Trainee ${id}`);
	ctx.setTitle(own ? 'My progress' : name);

	const ids = new Set();
	for (const m of p.modules || []) for (const r of m.requirements || []) for (const e of r.evidence || []) ids.add(e.signed_by);
	for (const a of p.assessments || []) ids.add(a.signed_by);
	for (const x of p.pending || []) ids.add(x.trainer);
	ids.delete(undefined);
	const names = new Map(await Promise.all([...ids].map(async (u) => [u, await userName(u)])));
	if (ctx.signal.aborted) return;
	const sessionsById = sessions ? new Map(sessions.map((x) => [x.id, x])) : null;

	const cur = p.curriculum || {};
	const printNote = h('p', { class: 'print-only' });
	const head = h('header', { class: 'detail-head' },
		h('p', { class: 'print-only print-heading' }, `Training portfolio · printed ${fmtDate(new Date().toISOString())} from raslog`),
		title(own ? 'My progress' : name),
		h('dl', { class: 'facts' },
			own ? [h('dt', null, 'Trainee'), h('dd', null, name)] : null,
			h('dt', null, 'Site'), h('dd', null, p.trainee?.site || '–'),
			h('dt', null, 'Curriculum'), h('dd', null, `${cur.title || cur.code || '–'}${cur.code ? ` (${cur.code}, version ${cur.version})` : ''}`),
			h('dt', null, 'Status'), h('dd', null, badge('overall', p.status), ' ',
				`${p.modules_met ?? 0} of ${p.modules_total ?? 0} modules met`,
				p.accreditation ? ` · accredited${p.accreditation.valid_until ? ` until ${fmtDate(p.accreditation.valid_until)}` : ''} (ledger entry ${p.accreditation.ledger_index})` : '',
				p.status === 'eligible' ? ' · every requirement is met by signed evidence' : '')),
		printNote);
	const actions = h('div', { class: 'actions no-print' },
		!own && ctx.me.roles.includes('faculty') ? h('a', { href: sessionStorage.getItem('raslog.listHash') || '#/accreditation', class: 'button button-secondary' }, '← Back to the trainee list') : null,
		own ? h('a', { href: '#/log', class: 'button button-secondary' }, 'Log a session') : null,
		h('button', { type: 'button', class: 'button button-secondary', onclick: () => window.print() }, 'Print portfolio'));
	const toc = h('nav', { class: 'toc no-print', 'aria-label': 'On this page' }, h('ul', null,
		[['modules', 'Modules'], ['pending', 'Waiting for sign-off'], ['hours', 'Signed hours'], ['gears', 'GEARS scores'], ['evidence', 'Signed evidence']]
			.map(([hid, text]) => h('li', null, h('a', { href: `#${hid}`, onclick: (e) => {
				e.preventDefault();
				const target = root.querySelector(`#${hid}-h`);
				target.setAttribute('tabindex', '-1');
				target.focus();
			} }, text)))));

	const rows = collectEvidence(p, sessionsById);
	const ev = evidenceSection(rows, names);
	root.append(head, actions, toc, modulesSection(p), pendingSection(p, names, own), own ? importsSection(ctx) : '',
		hoursSection(hoursData(sessions, p), sessions && !own && !ctx.me.roles.includes('faculty')), gearsSection(p, toolList, names), ev.out);
	if (ev.summary) verifyAll(ev.cells, ev.summary, id, ctx.signal, printNote, p, toolList);
	else printNote.textContent = 'No signed evidence to check.';
}

