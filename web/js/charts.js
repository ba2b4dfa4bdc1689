// charts.js - small SVG line charts drawn by hand (no library).  Every
// series differs by colour, dash pattern and marker shape, so no reader has
// to tell series apart by colour alone; every chart the views draw has a
// data table beside it holding the same figures.

import { h, s, fmtMonth, fmtDate } from './dom.js';

/* Dark enough for 3:1 against white (WCAG 1.4.11), distinct in greyscale by dash and marker. */
export const STYLES = [
	{ color: '#0b57a4', dash: '', marker: 'circle' },
	{ color: '#b3261e', dash: '6 3', marker: 'square' },
	{ color: '#1e7b34', dash: '2 3', marker: 'triangle' },
	{ color: '#7b1fa2', dash: '10 3 2 3', marker: 'diamond' },
	{ color: '#a04d00', dash: '', marker: 'cross' },
	{ color: '#00707a', dash: '6 3', marker: 'circle-open' },
	{ color: '#5d4037', dash: '2 3', marker: 'square-open' },
	{ color: '#ad1457', dash: '10 3 2 3', marker: 'triangle-open' },
	{ color: '#37474f', dash: '', marker: 'diamond-open' },
];

function marker(shape, x, y, color, r = 4) {
	const open = shape.endsWith('-open');
	const base = shape.replace('-open', '');
	const paint = open ? { fill: '#ffffff', stroke: color, 'stroke-width': 2 } : { fill: color, stroke: color, 'stroke-width': 1 };
	switch (base) {
	case 'square':
		return s('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, ...paint });
	case 'triangle':
		return s('path', { d: `M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z`, ...paint });
	case 'diamond':
		return s('path', { d: `M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z`, ...paint });
	case 'cross':
		return s('path', { d: `M${x - r} ${y - r}L${x + r} ${y + r}M${x + r} ${y - r}L${x - r} ${y + r}`, fill: 'none', stroke: color, 'stroke-width': 2.5 });
	default:
		return s('circle', { cx: x, cy: y, r, ...paint });
	}
}

/** A legend entry's swatch: a short line with the series' dash and marker. */
export function swatch(style) {
	return s('svg', { width: 36, height: 14, viewBox: '0 0 36 14', 'aria-hidden': 'true', focusable: 'false', class: 'swatch' },
		s('line', { x1: 1, y1: 7, x2: 35, y2: 7, stroke: style.color, 'stroke-width': 2.5, 'stroke-dasharray': style.dash || null }),
		marker(style.marker, 18, 7, style.color, 4));
}

export function legend(series) {
	return h('ul', { class: 'legend' }, series.map((ser) => h('li', null, swatch(ser.style), ' ', ser.name)));
}

function niceStep(range, count) {
	const raw = range / Math.max(count, 1);
	const mag = 10 ** Math.floor(Math.log10(raw || 1));
	const n = raw / mag;
	return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

function monthTicks(t0, t1, max) {
	const d0 = new Date(t0), d1 = new Date(t1);
	const months = (d1.getUTCFullYear() - d0.getUTCFullYear()) * 12 + d1.getUTCMonth() - d0.getUTCMonth() + 1;
	const every = Math.max(1, Math.ceil(months / max));
	const out = [];
	let y = d0.getUTCFullYear(), m = d0.getUTCMonth() + 1;
	if (m > 11) { m = 0; y++; }
	for (let t = Date.UTC(y, m, 1); t <= t1; ) {
		out.push(t);
		m += every;
		y += Math.floor(m / 12);
		m %= 12;
		t = Date.UTC(y, m, 1);
	}
	return out;
}

const DAY = 864e5;
function dayTicks(t0, t1, max) {
	const every = [1, 2, 7, 14, 28].find((d) => (t1 - t0) / (d * DAY) <= max) || 28;
	const out = [];
	for (let t = Math.ceil(t0 / DAY) * DAY; t <= t1; t += every * DAY) out.push(t);
	return out;
}
const dayFmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const shortDay = (t) => dayFmt.format(new Date(t));

/**
 * lineChart({title, desc, series: [{name, style, points: [{x: Date|number, y}]}],
 *            y: {min, max, step, label, format}, thresholds: [{y, label}],
 *            width, height, stepLine, xType: 'date'|'index'})
 * Returns an <svg role="img"> labelled by its own <title> and <desc>.
 */
export function lineChart(opt) {
	const W = opt.width || 640, H = opt.height || 300;
	const small = W < 360;
	const m = { top: 14, right: small ? 10 : 18, bottom: small ? 30 : 40, left: small ? 30 : 52 };
	const iw = W - m.left - m.right, ih = H - m.top - m.bottom;
	const pts = opt.series.flatMap((ser) => ser.points);
	const xs = pts.map((p) => +p.x);
	let x0 = Math.min(...xs), x1 = Math.max(...xs);
	const isDate = (opt.xType || 'date') === 'date';
	if (!pts.length) { x0 = 0; x1 = 1; }
	if (x0 === x1) { x0 -= isDate ? 15 * 864e5 : 1; x1 += isDate ? 15 * 864e5 : 1; }
	const ymin = opt.y?.min ?? 0;
	let ymax = opt.y?.max ?? Math.max(1, ...pts.map((p) => p.y));
	const ystep = opt.y?.step || niceStep(ymax - ymin, small ? 4 : 5);
	if (opt.y?.max === undefined) ymax = Math.ceil(ymax / ystep) * ystep;
	const X = (v) => m.left + ((+v - x0) / (x1 - x0)) * iw;
	const Y = (v) => m.top + ih - ((v - ymin) / (ymax - ymin || 1)) * ih;
	const fmtY = opt.y?.format || ((v) => String(Math.round(v * 10) / 10));
	const tid = opt.id ? `${opt.id}-title` : undefined, did = opt.id ? `${opt.id}-desc` : undefined;

	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: ['chart', small && 'chart-small'], role: 'img',
		'aria-labelledby': tid, 'aria-describedby': did, focusable: 'false', preserveAspectRatio: 'xMidYMid meet' });
	svg.append(s('title', { id: tid }, opt.title), s('desc', { id: did }, opt.desc || ''));

	const grid = s('g', { class: 'grid' });
	for (let v = ymin; v <= ymax + 1e-9; v += ystep) {
		const y = Y(v);
		grid.append(s('line', { x1: m.left, x2: W - m.right, y1: y, y2: y, class: 'gridline' }),
			s('text', { x: m.left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, fmtY(v)));
	}
	svg.append(grid);
	const axis = s('g', { class: 'axis' });
	axis.append(s('line', { x1: m.left, x2: W - m.right, y1: m.top + ih, y2: m.top + ih, class: 'axisline' }),
		s('line', { x1: m.left, x2: m.left, y1: m.top, y2: m.top + ih, class: 'axisline' }));
	if (isDate) {
		const months = monthTicks(x0, x1, small ? 3 : 7);
		const ticks = months.length >= 2 ? months.map((t) => [t, fmtMonth(new Date(t).toISOString())])
			: dayTicks(x0, x1, small ? 3 : 6).map((t) => [t, shortDay(t)]);
		for (const [t, text] of ticks) {
			const x = X(t);
			axis.append(s('line', { x1: x, x2: x, y1: m.top + ih, y2: m.top + ih + 5, class: 'axisline' }),
				s('text', { x, y: m.top + ih + (small ? 16 : 20), 'text-anchor': 'middle', class: 'tick' }, text));
		}
	} else {
		const step = Math.max(1, Math.ceil((x1 - x0) / (small ? 4 : 8)));
		for (let t = Math.ceil(x0); t <= x1; t += step) {
			const x = X(t);
			axis.append(s('text', { x, y: m.top + ih + (small ? 16 : 20), 'text-anchor': 'middle', class: 'tick' }, String(t)));
		}
	}
	if (opt.y?.label && !small)
		axis.append(s('text', { x: 12, y: m.top + ih / 2, transform: `rotate(-90 12 ${m.top + ih / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, opt.y.label));
	if (opt.x?.label && !small)
		axis.append(s('text', { x: m.left + iw / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, opt.x.label));
	svg.append(axis);

	for (const th of opt.thresholds || []) {
		const y = Y(th.y);
		svg.append(s('g', { class: 'threshold' },
			s('line', { x1: m.left, x2: W - m.right, y1: y, y2: y }),
			s('text', { x: W - m.right - 2, y: y - 4, 'text-anchor': 'end', class: 'tick' }, th.label)));
	}

	for (const ser of opt.series) {
		const p = ser.points.slice().sort((a, b) => +a.x - +b.x);
		if (!p.length) continue;
		let d = '';
		p.forEach((pt, i) => {
			const x = X(pt.x), y = Y(pt.y);
			if (i === 0) d += `M${x} ${y}`;
			else if (opt.stepLine) d += `H${x}V${y}`;
			else d += `L${x} ${y}`;
		});
		const g = s('g', { class: 'series' });
		g.append(s('path', { d, fill: 'none', stroke: ser.style.color, 'stroke-width': small ? 2 : 2.5,
			'stroke-dasharray': ser.style.dash || null, 'stroke-linejoin': 'round' }));
		for (const pt of p) {
			if (pt.marker === false) continue;
			const mk = marker(ser.style.marker, X(pt.x), Y(pt.y), ser.style.color, small ? 3.5 : 4);
			mk.append(s('title', null, `${ser.name}: ${pt.label || fmtY(pt.y)}${isDate ? ' on ' + fmtDate(new Date(+pt.x).toISOString()) : ''}`));
			g.append(mk);
		}
		svg.append(g);
	}
	return svg;
}
