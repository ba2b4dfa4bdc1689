// dom.js - building elements without innerHTML (so nothing from the API is
// ever parsed as markup) and small formatting helpers shared by the views.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
		else if (k === 'text') el.textContent = v;
		else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else if (k === 'style') throw new Error('set styles through classes or element.style');
		else if (k === 'value' && 'value' in el && el.namespaceURI !== SVG_NS) el.value = v;
		else if (v === true) el.setAttribute(k, '');
		else el.setAttribute(k, String(v));
	}
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

/** h('p', {class: 'x'}, 'text', child...) - an HTML element. */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	apply(el, attrs);
	append(el, children);
	return el;
}

/** s('rect', {x: 1}) - an SVG element. */
export function s(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	apply(el, attrs);
	append(el, children);
	return el;
}

export function clear(el) {
	while (el.firstChild) el.firstChild.remove();
	return el;
}

/** Text read by screen readers only. */
export const sr = (text) => h('span', { class: 'visually-hidden' }, text);

/** A horizontally scrollable, keyboard-reachable wrapper for a wide table. */
export function tableWrap(label, table) {
	return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

let idCounter = 0;
export const uid = (prefix = 'id') => `${prefix}-${++idCounter}`;

const dateFmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const monthFmt = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTimeFmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric',
	hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

/** A Date from "YYYY-MM-DD" or an RFC 3339 time, or null. */
export function parseDate(v) {
	if (!v) return null;
	const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? v + 'T00:00:00Z' : v);
	return isNaN(d) ? null : d;
}

export function fmtDate(v) {
	const d = parseDate(v);
	return d ? dateFmt.format(d) : (v || '');
}

export function fmtMonth(v) {
	const d = parseDate(v);
	return d ? monthFmt.format(d) : (v || '');
}

export function fmtDateTime(v) {
	const d = parseDate(v);
	return d ? dateTimeFmt.format(d) : (v || '');
}

/** A <time> element showing a date. */
export function time(v, withTime = false) {
	if (!v) return '';
	return h('time', { datetime: v }, withTime ? fmtDateTime(v) : fmtDate(v));
}

/** 150 -> "2 h 30 min". */
export function fmtMinutes(m) {
	m = Number(m) || 0;
	const hrs = Math.floor(m / 60), min = m % 60;
	if (!hrs) return `${min} min`;
	return min ? `${hrs} h ${min} min` : `${hrs} h`;
}

export const fmtHours = (minutes) => {
	const v = Math.round((Number(minutes) || 0) / 6) / 10;
	return v.toLocaleString('en-GB', { maximumFractionDigits: 1 });
};

export const todayISO = () => {
	const d = new Date();
	const pad = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** Runs fn over items with at most n at a time. */
export async function pool(items, n, fn) {
	const out = new Array(items.length);
	let next = 0;
	async function worker() {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i], i);
		}
	}
	await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
	return out;
}
