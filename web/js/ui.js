// ui.js - pieces every view uses: the live status region, status badges,
// verification marks, progress bars, error boxes and loading notes.

import { h, s, sr } from './dom.js';
import { overallLabel, reqStatusLabel, sessionStatusLabel, trainerStateLabel } from './codes.js';

/**
 * Says msg in a polite live region: the visible status bar, or with quiet
 * a screen-reader-only one (for updates the page already shows, such as a
 * new page of results).
 */
export function announce(msg, kind = 'info', { quiet = false } = {}) {
	const region = document.getElementById(quiet ? 'sr-status' : 'status');
	if (!region) return;
	if (!quiet) document.getElementById('sr-status').textContent = '';
	region.textContent = '';
	region.dataset.kind = kind;
	// A fresh text node after a tick is announced even when the text repeats.
	setTimeout(() => { region.textContent = msg; }, 30);
}

/** A status pill: always text, the colour only repeats it. */
export function badge(kind, value) {
	const label = { overall: overallLabel, requirement: reqStatusLabel, session: sessionStatusLabel, trainer: trainerStateLabel }[kind](value);
	return h('span', { class: ['badge', `badge-${kind}`, `is-${String(value).replace(/[^a-z_-]/gi, '')}`] }, label);
}

function icon(name) {
	const paths = {
		ok: 'M3.5 8.5l3 3 6-7',
		fail: 'M4 4l8 8M12 4l-8 8',
		wait: 'M8 4v4l2.5 2.5',
		warn: 'M8 4v5M8 11.5v.5',
	};
	return s('svg', { class: 'icon', viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' },
		name === 'wait' || name === 'warn' ? s('circle', { cx: 8, cy: 8, r: 6.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }) : null,
		s('path', { d: paths[name], fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }));
}

/**
 * A signature mark: icon + word (+ the reason as a tooltip and for screen
 * readers), so the result never rests on colour.
 */
export function mark(state, reason) {
	const words = { verified: 'Verified', failed: 'Failed', checking: 'Checking…', unchecked: 'Not checked' };
	const icons = { verified: 'ok', failed: 'fail', checking: 'wait', unchecked: 'warn' };
	const el = h('span', { class: ['mark', `mark-${state}`], title: reason || null, dataset: { state } },
		icon(icons[state]), ' ', h('span', { class: 'mark-word' }, words[state]));
	if (reason && state !== 'verified') el.append(h('span', { class: 'mark-reason' }, sr(': '), reason.charAt(0).toUpperCase() + reason.slice(1) + '.'));
	return el;
}

/** A progress bar with its figures as text; value/max numbers. */
export function bar(value, max, label) {
	const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
	const fill = h('span', { class: ['bar-fill', pct >= 100 && 'is-full'] });
	fill.style.width = `${pct}%`;
	return h('span', { class: 'bar', role: 'img', 'aria-label': label || `${Math.round(pct)}%` }, fill);
}

export function errorBox(err, title = 'Something went wrong') {
	const detail = err?.problem?.detail || err?.message || String(err);
	const box = h('div', { class: 'notice notice-error', role: 'alert' },
		h('h2', { class: 'notice-title' }, title),
		h('p', null, detail.charAt(0).toUpperCase() + detail.slice(1)));
	if (err?.problem?.request_id) box.append(h('p', { class: 'muted' }, `Request id: ${err.problem.request_id}`));
	return box;
}

export const loading = (what) => h('p', { class: 'loading' }, icon('wait'), ' ', `Loading ${what}…`);

export function empty(text) {
	return h('p', { class: 'empty' }, text);
}

/** The heading a view starts with; focused on navigation. */
export const title = (text, ...rest) => h('h1', { tabindex: '-1', class: 'view-title' }, text, ...rest);

export { sr };
