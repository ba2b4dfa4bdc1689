// view-accreditation.js - the faculty accreditation view: the counts by
// overall status, filters (site, curriculum, status), search by name, sort,
// cursor paging, and a table of trainees with a per-module progress bar.
// GET /api/v1/accreditation?site=&curriculum=&status=&q=&sort=&limit=&cursor=

import { api, itemsOf, curricula } from './api.js';
import { h, clear, sr, tableWrap, uid, time } from './dom.js';
import { OVERALL, overallLabel, reqStatusLabel } from './codes.js';
import { announce, badge, errorBox, loading, empty, title } from './ui.js';

const PAGE = 25;  // rows per page; #/accreditation?limit=N overrides (1..200)
const SORTS = [
	['name', 'Name, A to Z'],
	['-name', 'Name, Z to A'],
	['-progress', 'Most progress first'],
	['progress', 'Least progress first'],
	['status', 'Status'],
];

function select(id, label, options, value, hint) {
	const sel = h('select', { id, name: id.replace(/^f-/, '') },
		options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
	return { el: h('div', { class: 'field field-inline' }, h('label', { for: id }, label), hint || null, sel), input: sel };
}

/**
 * The site filter matches a trainee's home site, so its options are the
 * trainees' home sites the list reports (`sites`), not session locations.
 */
async function knownSites() {
	const names = new Set();
	try {
		const r = await api('/accreditation?limit=1');
		for (const n of Array.isArray(r?.sites) ? r.sites : []) if (typeof n === 'string' && n) names.add(n);
	} catch { /* optional */ }
	return names;
}

export async function render(root, ctx) {
	const q = ctx.query;
	const state = {
		site: q.get('site') || '', curriculum: q.get('curriculum') || '', status: q.get('status') || '',
		q: q.get('q') || '', sort: q.get('sort') || 'name',
	};
	const limit = Math.min(200, Math.max(1, Number(q.get('limit')) || PAGE));
	let cursors = [null];  // cursor of each page seen, for "Previous"
	sessionStorage.setItem('raslog.listHash', location.hash || '#/accreditation');

	root.append(title('Accreditation'),
		h('p', { class: 'lede' }, 'Every trainee, how far each stands from accreditation, and the signed evidence behind each figure.'));

	/* counts */
	const countsId = uid('counts');
	const countList = h('ul', { class: 'counts' });
	root.append(h('section', { class: 'counts-section', 'aria-labelledby': countsId },
		h('h2', { id: countsId, class: 'visually-hidden' }, 'Trainees by status'), countList));

	/* filters */
	const [curList, sites] = await Promise.all([curricula().catch(() => []), knownSites()]);
	if (ctx.signal.aborted) return;
	const curOptions = [['', 'All curricula']];
	const seen = new Set();
	for (const c of curList) {
		if (!c?.code || seen.has(c.code)) continue;
		seen.add(c.code);
		curOptions.push([c.code, c.title ? `${c.title} (${c.code})` : c.code]);
	}
	if (state.curriculum && !seen.has(state.curriculum)) curOptions.push([state.curriculum, state.curriculum]);
	if (state.site) sites.add(state.site);

	const fSite = select('f-site', 'Home site', [['', 'All sites'], ...[...sites].sort().map((x) => [x, x])], state.site);
	const fCur = select('f-curriculum', 'Curriculum', curOptions, state.curriculum);
	const fStatus = select('f-status', 'Status', [['', 'Any status'], ...OVERALL], state.status);
	const fSort = select('f-sort', 'Sort by', SORTS, state.sort);
	const search = h('input', { id: 'f-q', name: 'q', type: 'search', value: state.q, autocomplete: 'off', 'aria-describedby': 'f-q-hint' });
	const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter trainees', novalidate: true },
		h('div', { class: 'filters-row' },
			h('div', { class: 'field field-inline field-grow' }, h('label', { for: 'f-q' }, 'Search by name'),
				h('span', { class: 'hint', id: 'f-q-hint' }, 'Part of a name, any case'), search),
			fSite.el, fCur.el, fStatus.el, fSort.el),
		h('div', { class: 'filters-actions' },
			h('button', { type: 'submit', class: 'button button-primary' }, 'Apply filters'),
			h('button', { type: 'button', class: 'button button-secondary', onclick: () => {
				form.reset();
				for (const f of [fSite, fCur, fStatus]) f.input.value = '';
				fSort.input.value = 'name';
				search.value = '';
				apply();
			} }, 'Clear filters')));
	root.append(form);

	/* results */
	const resultsId = uid('results');
	const results = h('section', { class: 'results', 'aria-labelledby': resultsId },
		h('h2', { id: resultsId }, 'Trainees'));
	const body = h('div', { class: 'results-body' });
	const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of trainees' });
	results.append(body, pager);
	root.append(results);

	function readForm() {
		state.site = fSite.input.value;
		state.curriculum = fCur.input.value;
		state.status = fStatus.input.value;
		state.sort = fSort.input.value;
		state.q = search.value.trim();
	}

	function syncHash() {
		const p = new URLSearchParams();
		for (const k of ['site', 'curriculum', 'status', 'q']) if (state[k]) p.set(k, state[k]);
		if (state.sort !== 'name') p.set('sort', state.sort);
		if (limit !== PAGE) p.set('limit', String(limit));
		const qs = p.toString();
		history.replaceState(null, '', `#/accreditation${qs ? '?' + qs : ''}`);
		sessionStorage.setItem('raslog.listHash', location.hash);
	}

	function apply() {
		readForm();
		syncHash();
		cursors = [null];
		load(0, false);
	}

	form.addEventListener('submit', (e) => {
		e.preventDefault();
		apply();
	});
	for (const f of [fSite, fCur, fStatus, fSort]) f.input.addEventListener('change', apply);

	function renderCounts(counts) {
		clear(countList);
		for (const [code, label] of OVERALL) {
			const n = counts?.[code] ?? 0;
			const on = state.status === code;
			countList.append(h('li', null, h('button', {
				type: 'button', class: ['count', `count-${code}`], 'aria-pressed': on ? 'true' : 'false',
				onclick: () => {
					fStatus.input.value = on ? '' : code;
					apply();
				},
			}, h('span', { class: 'count-n' }, String(n)), h('span', { class: 'count-label' }, label),
			sr(on ? ' (filter on; press to show every status)' : ' (press to show only these)'))));
		}
	}

	function moduleBars(row) {
		const mods = Array.isArray(row.modules) ? row.modules : [];
		if (!mods.length) return h('span', { class: 'muted' }, 'No modules');
		return h('ol', { class: 'modbars', 'aria-label': `Progress of ${row.name} by module` }, mods.map((m) => {
			const met = Number(m.met_requirements) || 0, total = Number(m.total_requirements) || 0;
			const fill = h('span', { class: 'modbar-fill' });
			fill.style.width = `${total ? Math.min(100, (met / total) * 100) : 0}%`;
			const text = `${m.title || m.module}: ${met} of ${total} requirements met${m.status ? ', ' + reqStatusLabel(m.status).toLowerCase() : ''}`;
			return h('li', { class: ['modbar', `is-${m.status || 'unknown'}`], title: text },
				h('span', { class: 'modbar-track', 'aria-hidden': 'true' }, fill), sr(text));
		}));
	}

	function table(items, from) {
		const cap = h('caption', { tabindex: '-1' }, `Trainees ${from + 1} to ${from + items.length}`);
		return h('table', { class: 'data accreditation-table' }, cap,
			h('thead', null, h('tr', null,
				h('th', { scope: 'col' }, 'Trainee'), h('th', { scope: 'col' }, 'Site'), h('th', { scope: 'col' }, 'Curriculum'),
				h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col', class: 'num' }, 'Modules met'),
				h('th', { scope: 'col', class: 'col-bars' }, 'Progress by module'))),
			h('tbody', null, items.map((r) => h('tr', null,
				h('th', { scope: 'row' }, h('a', { href: `#/trainee/${r.id}`, class: 'trainee-link' }, r.name)),
				h('td', null, r.site || h('span', { class: 'muted' }, 'none')),
				h('td', null, r.curriculum?.code ? `${r.curriculum.code} v${r.curriculum.version ?? ''}` : ''),
				h('td', null, badge('overall', r.status), r.accredited_until ? h('span', { class: 'small muted block' }, 'until ', time(r.accredited_until)) : null),
				h('td', { class: 'num' }, `${r.modules_met ?? 0} of ${r.modules_total ?? 0}`),
				h('td', { class: 'col-bars' }, moduleBars(r))))));
	}

	let seq = 0;
	async function load(page, focusTable) {
		const my = ++seq;
		results.setAttribute('aria-busy', 'true');
		clear(body).append(loading('trainees'));
		clear(pager);
		let r;
		try {
			r = await api('/accreditation', { signal: ctx.signal, query: {
				site: state.site, curriculum: state.curriculum, status: state.status, q: state.q,
				sort: state.sort, limit, cursor: cursors[page] } });
		} catch (e) {
			if (ctx.signal.aborted || my !== seq) return;
			results.removeAttribute('aria-busy');
			clear(body).append(errorBox(e, 'The trainee list could not be loaded'));
			announce('The trainee list could not be loaded.', 'error');
			return;
		}
		if (ctx.signal.aborted || my !== seq) return;
		results.removeAttribute('aria-busy');
		renderCounts(r.counts);
		const items = itemsOf(r);
		const total = state.status ? r.counts?.[state.status] : Object.values(r.counts || {}).reduce((a, b) => a + (Number(b) || 0), 0);
		const from = page * limit;
		clear(body);
		const filtersText = [state.q && `name contains “${state.q}”`, state.site && `site ${state.site}`,
			state.curriculum && `curriculum ${state.curriculum}`, state.status && overallLabel(state.status).toLowerCase()].filter(Boolean);
		let summary;
		if (!items.length) {
			summary = `No trainees match${filtersText.length ? ': ' + filtersText.join(', ') : ''}.`;
			body.append(empty(summary));
		} else {
			summary = `Showing ${from + 1} to ${from + items.length}${Number.isFinite(total) ? ` of ${total}` : ''} trainees` +
				`${filtersText.length ? ' (' + filtersText.join(', ') + ')' : ''}.`;
			body.append(h('p', { class: 'results-summary' }, summary), tableWrap('Trainees, scrollable', table(items, from)));
		}
		if (page > 0 || r.next_cursor) {
			if (r.next_cursor) cursors[page + 1] = r.next_cursor;
			pager.append(...[
				page > 0 ? h('button', { type: 'button', class: 'button button-secondary', onclick: () => load(page - 1, true) }, '← Previous page') : null,
				h('span', { class: 'pager-where' }, `Page ${page + 1}${Number.isFinite(total) ? ` of ${Math.max(1, Math.ceil(total / limit))}` : ''}`),
				r.next_cursor ? h('button', { type: 'button', class: 'button button-secondary', onclick: () => load(page + 1, true) }, 'Next page →') : null,
			].filter(Boolean));
		}
		announce(summary, 'info', { quiet: true });
		if (focusTable) (body.querySelector('caption') || body.querySelector('p'))?.focus();
	}

	await load(0, false);
}
