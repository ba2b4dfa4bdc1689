// view-oversight.js - #/oversight: where training is stuck, for faculty
// (their programmes only; the server applies the rule).  Per trainer: the
// queue and the time from logging to signature; role agreement between
// trainees and trainers, with the disagreements; stuck trainees; and the
// per-site activity report as an SVG bar chart drawn with DOM APIs and a
// data table with the same figures.  Each table has a CSV download from
// the same API (?format=csv).

import { api, getToken, itemsOf } from './api.js';
import { h, s, tableWrap, fmtDate } from './dom.js';
import { announce, empty, title } from './ui.js';

function duration(sec) {
	if (sec === null || sec === undefined) return '–';
	if (sec < 3600) return `${Math.round(sec / 60)} min`;
	if (sec < 86400 * 2) return `${(sec / 3600).toFixed(1)} h`;
	return `${(sec / 86400).toFixed(1)} days`;
}
const pct = (g) => (g.compared ? `${Math.round((100 * g.agreed) / g.compared)}%` : '–');

/** A button that downloads path?format=csv (with the page's credentials) as FILE. */
function csvButton(path, file, label = 'Download CSV') {
	const b = h('button', { type: 'button', class: 'button-secondary csv' }, label);
	b.addEventListener('click', async () => {
		try {
			const t = getToken();
			const sep = path.includes('?') ? '&' : '?';
			const res = await fetch(`/api/v1${path}${sep}format=csv`, { credentials: 'same-origin',
				headers: t ? { Authorization: `Bearer ${t}` } : {} });
			if (!res.ok) throw new Error(`the server answered ${res.status}`);
			const url = URL.createObjectURL(await res.blob());
			const a = h('a', { href: url, download: file });
			document.body.append(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(url), 1000);
		} catch (e) {
			announce(`The CSV could not be downloaded: ${e.message}`, 'error');
		}
	});
	return b;
}

function table(caption, head, rows) {
	return tableWrap(caption, h('table', null, h('caption', null, caption),
		h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', null, c))))))));
}

/** Horizontal bars of signed hours per site, built with DOM APIs (no innerHTML, no library). */
export function siteChart(totals) {
	const W = 640, bar = 22, gap = 10, left = 190, right = 70;
	const max = Math.max(1, ...totals.map((t) => t.minutes));
	const H = totals.length * (bar + gap) + 30;
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart site-chart', role: 'img',
		'aria-labelledby': 'site-chart-title' },
		s('title', { id: 'site-chart-title' }, 'Signed hours by site (the table below holds the same figures)'));
	totals.forEach((t, i) => {
		const y = 10 + i * (bar + gap);
		const w = Math.max(1, ((W - left - right) * t.minutes) / max);
		svg.append(
			s('text', { x: left - 8, y: y + bar / 2 + 5, 'text-anchor': 'end', class: 'chart-label' }, t.site.length > 28 ? `${t.site.slice(0, 27)}…` : t.site),
			s('rect', { x: left, y, width: w, height: bar, fill: '#0b57a4' }),
			s('text', { x: left + w + 6, y: y + bar / 2 + 5, class: 'chart-value' }, `${(t.minutes / 60).toFixed(1)} h`));
	});
	svg.append(s('line', { x1: left, y1: 5, x2: left, y2: H - 15, stroke: '#37474f', 'stroke-width': 1 }));
	return svg;
}

export async function render(root, ctx) {
	root.append(title('Oversight'),
		h('p', { class: 'lede' }, 'Where training is waiting or stuck in your programmes, from the signed statements in the ledger.'));
	const [tr, ag, st, sites] = await Promise.all([
		api('/oversight/trainers', { signal: ctx.signal }), api('/oversight/agreement', { signal: ctx.signal }),
		api('/oversight/stuck', { signal: ctx.signal }), api('/sites', { signal: ctx.signal })]);
	if (ctx.signal.aborted) return;

	root.append(h('section', { id: 'ov-trainers', 'aria-labelledby': 'ov-trainers-h' },
		h('h2', { id: 'ov-trainers-h' }, 'Trainers: queues and time to signature'),
		tr.items.length ? table('Trainers', ['Trainer', 'Waiting', 'Oldest waiting since', 'Decided', 'Median time to signature', '90th percentile'],
			tr.items.map((r) => [r.name, String(r.waiting), r.oldest_waiting_since ? fmtDate(r.oldest_waiting_since) : '–',
				String(r.decided), duration(r.median_seconds), duration(r.p90_seconds)])) : empty('No trainer has sessions from your programmes.'),
		csvButton('/oversight/trainers', 'raslog-trainers.csv')));

	const groups = [['by_trainer', 'Trainer', (g) => g.trainer.name], ['by_site', 'Site', (g) => g.site],
		['by_step', 'Procedure step', (g) => g.step], ['by_programme', 'Programme', (g) => g.programme.name]];
	const agSec = h('section', { id: 'ov-agreement', 'aria-labelledby': 'ov-agreement-h' },
		h('h2', { id: 'ov-agreement-h' }, 'Role agreement'),
		h('p', { class: 'overall' }, `The trainer's signed role and steps matched the trainee's claim in ${ag.overall.agreed} of ${ag.overall.compared} sessions (${pct(ag.overall)}).`));
	for (const [key, label, name] of groups)
		if (ag[key].length)
			agSec.append(table(`Agreement by ${label.toLowerCase()}`, [label, 'Compared', 'Agreed', 'Rate'],
				ag[key].map((g) => [name(g), String(g.compared), String(g.agreed), pct(g)])));
	agSec.append(csvButton('/oversight/agreement', 'raslog-agreement.csv'));
	agSec.append(h('h3', null, 'Disagreements'), ag.disagreements.length
		? table('Disagreements', ['Session', 'Trainee', 'Site', 'Claimed role', 'Signed role', 'Claimed steps', 'Signed steps'],
			ag.disagreements.map((d) => [String(d.session), d.trainee_name, d.site || '–', d.claimed_role || '–', d.signed_role || '–',
				d.claimed_steps.join(', ') || '–', d.signed_steps.join(', ') || '–']))
		: empty('No disagreements.'),
	csvButton('/oversight/agreement?part=disagreements', 'raslog-disagreements.csv', 'Download disagreements as CSV'));
	root.append(agSec);

	const reasons = { 'no-signed-activity': 'nothing signed', 'pending-too-long': 'waiting too long' };
	root.append(h('section', { id: 'ov-stuck', 'aria-labelledby': 'ov-stuck-h' },
		h('h2', { id: 'ov-stuck-h' }, 'Stuck trainees'),
		st.items.length ? table('Stuck trainees', ['Trainee', 'Programme', 'Last signed', 'Waiting since', 'Waiting', 'Why'],
			st.items.map((r) => [h('a', { href: `#/trainee/${r.trainee}` }, r.name), r.programme ? r.programme.name : '–',
				r.last_signed_at ? fmtDate(r.last_signed_at) : 'never', r.oldest_pending_since ? fmtDate(r.oldest_pending_since) : '–',
				String(r.waiting), r.reasons.map((x) => `${reasons[x] || x} (over ${r.threshold_days} days)`).join('; ')]))
			: empty('No trainee is stuck.'),
		csvButton('/oversight/stuck', 'raslog-stuck.csv')));

	const list = itemsOf(sites);
	const totals = list.map((x) => ({ site: x.site, minutes: x.rows.reduce((a, r) => a + r.signed_minutes, 0) }))
		.sort((a, b) => b.minutes - a.minutes);
	const rows = [];
	for (const x of list)
		for (const r of x.rows)
			rows.push([x.site, r.month, r.activity, r.platform || '–', (r.signed_minutes / 60).toFixed(1), String(r.sessions), String(r.trainees), String(r.trainers)]);
	root.append(h('section', { id: 'ov-sites', 'aria-labelledby': 'ov-sites-h' },
		h('h2', { id: 'ov-sites-h' }, 'Activity by site'),
		totals.length ? h('figure', null, siteChart(totals), h('figcaption', null, 'Signed hours by site')) : empty('Nothing signed yet.'),
		rows.length ? table('Signed activity by site and month', ['Site', 'Month', 'Activity', 'Platform', 'Signed hours', 'Sessions', 'Trainees', 'Trainers'], rows) : null,
		csvButton('/sites', 'raslog-sites.csv')));
}
