// view-waiting.js - for trainers: the sessions that name them and wait for
// their signature (GET /api/v1/sessions?waiting_for_me=1).  Signing needs
// the trainer's secret key, which only the raslog command-line client holds,
// so this page lists and links; it never signs.

import { all } from './api.js';
import { h, tableWrap, time, fmtMinutes } from './dom.js';
import { activityLabel, platformLabel, roleLabel, stepLabel } from './codes.js';
import { empty, title } from './ui.js';

export async function render(root, ctx) {
	root.append(title('Waiting for my signature'),
		h('p', { class: 'lede' }, 'Sessions that trainees logged with you as their supervising trainer. Sign or reject them with the raslog client, which holds your key: ',
			h('code', null, 'raslog pending'), ', then ', h('code', null, 'raslog sign ID'), ' or ', h('code', null, 'raslog reject ID --reason TEXT'), '.'));
	const items = await all('/sessions', { waiting_for_me: 1 }, 1000);
	if (ctx.signal.aborted) return;
	if (!items.length) {
		root.append(empty('Nothing is waiting for your signature.'));
		return;
	}
	root.append(h('p', null, `${items.length} ${items.length === 1 ? 'session waits' : 'sessions wait'} for you.`),
		tableWrap('Sessions waiting for my signature, scrollable', h('table', { class: 'data' },
			h('caption', { class: 'visually-hidden' }, 'Sessions waiting for my signature'),
			h('thead', null, h('tr', null, ['Session', 'Trainee', 'Date', 'Activity', 'Time', 'Claimed role and steps', 'Command']
				.map((x) => h('th', { scope: 'col', class: x === 'Time' ? 'num' : null }, x)))),
			h('tbody', null, items.map((x) => h('tr', null,
				h('th', { scope: 'row' }, `#${x.id}`),
				h('td', null, h('a', { href: `#/trainee/${x.trainee}` }, x.trainee_name || `trainee ${x.trainee}`)),
				h('td', null, time(x.date)),
				h('td', null, activityLabel(x.activity), x.platform ? h('span', { class: 'block small muted' }, platformLabel(x.platform)) : null,
					x.procedure ? h('span', { class: 'block small muted' }, x.procedure) : null),
				h('td', { class: 'num' }, fmtMinutes(x.minutes)),
				h('td', null, x.role ? roleLabel(x.role) : h('span', { class: 'muted' }, 'not given'),
					Array.isArray(x.steps) && x.steps.length ? h('ul', { class: 'plain small' }, x.steps.map((st) => h('li', null, stepLabel(st)))) : null),
				h('td', null, h('code', null, `raslog sign ${x.id}`))))))));
}
