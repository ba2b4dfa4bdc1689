// view-settings.js - #/settings/notifications: which email the signed-in
// person receives (GET/PUT /api/v1/me/notifications).  Every message raslog
// sends links here.

import { api } from './api.js';
import { h } from './dom.js';
import { announce, title } from './ui.js';

const KINDS = [
	['reminders', 'Reminders of sessions waiting for my signature', 'For trainers: at most once a day, when many sessions wait or one has waited long.'],
	['decisions', 'My sessions signed or rejected, modules met, eligibility', 'For trainees: a rejection comes with the trainer\'s reason.'],
	['digest', 'Weekly digest of the programme', 'For faculty: newly eligible and stuck trainees, the longest trainer queues.'],
];

export async function render(root, ctx) {
	root.append(title('Notifications'),
		h('p', { class: 'lede' }, 'Choose which email raslog sends you. Mail holds names, counts, dates and links, never notes or scores.'));
	const prefs = await api('/me/notifications', { signal: ctx.signal });
	if (ctx.signal.aborted) return;
	const boxes = {};
	const form = h('form', { class: 'settings' });
	for (const [k, label, hint] of KINDS) {
		boxes[k] = h('input', { type: 'checkbox', id: `notify-${k}`, name: k });
		boxes[k].checked = !!prefs[k];
		form.append(h('div', { class: 'field field-check' }, boxes[k],
			h('label', { for: `notify-${k}` }, label), h('p', { class: 'hint' }, hint)));
	}
	const save = h('button', { type: 'submit' }, 'Save');
	form.append(save);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		save.disabled = true;
		try {
			const body = Object.fromEntries(KINDS.map(([k]) => [k, boxes[k].checked]));
			const now = await api('/me/notifications', { method: 'PUT', body });
			for (const [k] of KINDS) boxes[k].checked = !!now[k];
			announce('Your notification choices are saved.', 'success');
		} catch (e) {
			announce(`Not saved: ${e.message}`, 'error');
		} finally {
			save.disabled = false;
		}
	});
	root.append(form);
}
