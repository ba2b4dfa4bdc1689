// view-log.js - the trainee's logging page: a session form that works on a
// phone, POST /api/v1/sessions, the API's field errors shown beside their
// fields (aria-invalid, aria-describedby) with a summary that links to
// them, and "My sessions" where a new session appears as pending.

import { api, all, trainers as loadTrainers, ApiError } from './api.js';
import { h, clear, sr, tableWrap, time, fmtMinutes, todayISO, uid } from './dom.js';
import { ACTIVITIES, PLATFORMS, ROLES, activityLabel, platformLabel, roleLabel } from './codes.js';
import { announce, badge, errorBox, empty, loading, title } from './ui.js';

/* The form's fields in page order: name -> how it is built and read. */
const FIELDS = ['date', 'minutes', 'activity', 'trainer', 'platform', 'site', 'procedure', 'steps', 'role', 'notes'];

function field(name, label, control, hint, optional) {
	const hintId = hint ? `log-${name}-hint` : null;
	control.id = `log-${name}`;
	control.name = name;
	if (hintId) control.setAttribute('aria-describedby', hintId);
	return h('div', { class: 'field', id: `field-${name}` },
		h('label', { for: control.id }, label, optional ? h('span', { class: 'optional' }, ' (optional)') : null),
		hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
		h('p', { class: 'field-error', id: `log-${name}-error`, hidden: true }),
		control);
}

const options = (list, blank) => [blank ? h('option', { value: '' }, blank) : null,
	...list.map(([v, text]) => h('option', { value: v }, text))];

function sessionsTable(items) {
	return h('table', { class: 'data my-sessions' },
		h('caption', { class: 'visually-hidden' }, 'My sessions, newest first'),
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Session'), h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'Activity'),
			h('th', { scope: 'col', class: 'num' }, 'Time'), h('th', { scope: 'col' }, 'Trainer'), h('th', { scope: 'col' }, 'Status'))),
		h('tbody', null, items.map(sessionRow)));
}

function sessionRow(x) {
	const detail = [x.platform && platformLabel(x.platform), x.procedure, x.role && roleLabel(x.role)].filter(Boolean).join(' · ');
	return h('tr', { dataset: { session: String(x.id), status: x.status } },
		h('th', { scope: 'row' }, `#${x.id}`), h('td', null, time(x.date)),
		h('td', null, activityLabel(x.activity), detail ? h('span', { class: 'block small muted' }, detail) : null),
		h('td', { class: 'num' }, fmtMinutes(x.minutes)),
		h('td', null, x.trainer_name || `user ${x.trainer}`),
		h('td', null, badge('session', x.status),
			x.status === 'rejected' && x.signoff?.reason ? h('span', { class: 'block small' }, `Reason: ${x.signoff.reason}`) : null,
			x.status === 'signed' && x.signoff?.ledger_index !== undefined ? h('span', { class: 'block small muted' }, `Ledger entry ${x.signoff.ledger_index}`) : null));
}

export async function render(root, ctx) {
	const me = ctx.me;
	root.append(title('Log a session'),
		h('p', { class: 'lede' }, 'Record what you did. It counts towards your targets once the trainer you name signs it with their own key.'));

	const summary = h('div', { class: 'error-summary', tabindex: '-1', hidden: true, role: 'alert', 'aria-labelledby': 'log-summary-title' });

	const trainerSelect = h('select', { required: true }, h('option', { value: '' }, 'Loading trainers…'));
	const c = {
		date: h('input', { type: 'date', value: todayISO(), max: todayISO(), required: true, autocomplete: 'off' }),
		minutes: h('input', { type: 'number', inputmode: 'numeric', min: '1', max: '1440', step: '1', required: true, autocomplete: 'off' }),
		activity: h('select', { required: true }, options(ACTIVITIES, 'Choose an activity')),
		trainer: trainerSelect,
		platform: h('select', null, options(PLATFORMS, 'None or not applicable')),
		site: h('input', { type: 'text', value: me.site || '', autocomplete: 'organization', maxlength: '120' }),
		procedure: h('input', { type: 'text', autocomplete: 'off', maxlength: '120' }),
		steps: h('input', { type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' }),
		role: h('select', null, options(ROLES.map(([code, text]) => [code, `${code}: ${text}`]), 'Not given')),
		notes: h('textarea', { rows: '3', maxlength: '2000' }),
	};
	const form = h('form', { class: 'form log-form', novalidate: true, 'aria-labelledby': 'log-form-title' },
		h('h2', { id: 'log-form-title' }, 'New session'),
		h('div', { class: 'form-grid' },
			field('date', 'Date', c.date, 'The day of the session, not in the future.'),
			field('minutes', 'Minutes', c.minutes, 'Whole minutes, 1 to 1440.'),
			field('activity', 'Activity', c.activity),
			field('trainer', 'Supervising trainer', c.trainer, 'The accredited trainer who will sign this session.'),
			field('platform', 'Platform', c.platform, null, true),
			field('site', 'Site', c.site, null, true),
			field('procedure', 'Procedure', c.procedure, 'For example: robotic radical prostatectomy.', true),
			field('steps', 'Steps performed', c.steps, 'Step codes separated by commas, for example: prostatectomy.bladder_detachment, prostatectomy.bladder_neck_dissection', true),
			field('role', 'Your role', c.role, 'UK eLogbook code.', true),
			field('notes', 'Notes', c.notes, null, true)),
		h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary button-large' }, 'Log session')));
	const stepHelp = h('div', { class: 'step-help' });
	root.append(summary, form, stepHelp);

	const mineId = uid('mine');
	const mineBody = h('div', null, loading('your sessions'));
	const more = h('div', { class: 'pager' });
	root.append(h('section', { class: 'detail-section', 'aria-labelledby': mineId }, h('h2', { id: mineId }, 'My sessions'),
		h('p', { class: 'section-note' }, 'Newest first. A pending session waits for its trainer’s signature; see ', h('a', { href: '#/progress' }, 'My progress'), ' for what counts so far.'),
		mineBody, more));

	/* trainers; the one named on the newest session is chosen by default */
	let lastTrainer = null;
	const preselect = () => {
		if (lastTrainer && !trainerSelect.value && [...trainerSelect.options].some((o) => o.value === String(lastTrainer)))
			trainerSelect.value = String(lastTrainer);
	};
	loadTrainers().then((list) => {
		if (ctx.signal.aborted) return;
		const others = list.filter((t) => t.id !== me.id);
		const active = others.filter((t) => t.accreditation?.state === 'active');
		const shown = active.length ? active : others;
		clear(trainerSelect).append(h('option', { value: '' }, shown.length ? 'Choose your trainer' : 'No trainers are listed'),
			...shown.sort((a, b) => a.name.localeCompare(b.name)).map((t) => h('option', { value: String(t.id) },
				`${t.name}${t.site ? ', ' + t.site : ''}${t.accreditation?.valid_until ? ` (accredited until ${t.accreditation.valid_until})` : ''}`)));
		preselect();
	}).catch((e) => {
		clear(trainerSelect).append(h('option', { value: '' }, 'Trainers could not be loaded'));
		showErrors([{ field: 'trainer', message: `the list of trainers could not be loaded (${e.message})` }], null, false);
	});

	/* step codes the trainee's curriculum counts, as a reference */
	api(`/trainees/${me.id}/progress`, { signal: ctx.signal }).then((p) => {
		const steps = [...new Set((p.modules || []).flatMap((m) => m.requirements || []).flatMap((r) => r.steps || []))];
		if (!steps.length) return;
		stepHelp.append(h('details', { class: 'no-print' }, h('summary', null, 'Step codes your curriculum counts'),
			h('ul', { class: 'codes' }, steps.map((x) => h('li', null, h('code', null, x))))));
	}).catch(() => {});

	/* my sessions */
	let cursor = null;
	let tbody = null;
	async function loadMine(append) {
		const r = await api('/sessions', { signal: ctx.signal, query: { trainee: me.id, limit: 20, cursor: append ? cursor : undefined } });
		const items = Array.isArray(r) ? r : r.items || [];
		cursor = r.next_cursor || null;
		if (!append) {
			lastTrainer = items[0]?.trainer ?? null;
			preselect();
			clear(mineBody);
			if (!items.length) mineBody.append(empty('You have not logged any sessions yet.'));
			else {
				const t = sessionsTable(items);
				tbody = t.querySelector('tbody');
				mineBody.append(tableWrap('My sessions, scrollable', t));
			}
		} else {
			tbody.append(...items.map(sessionRow));
		}
		clear(more);
		if (cursor) more.append(h('button', { type: 'button', class: 'button button-secondary', onclick: async (e) => {
			const n = tbody.rows.length;
			await loadMine(true);
			announce(`${tbody.rows.length - n} more sessions shown.`);
			(tbody.rows[n]?.querySelector('th') || e.target).setAttribute('tabindex', '-1');
			tbody.rows[n]?.querySelector('th')?.focus();
		} }, 'Show older sessions'));
	}
	loadMine(false).catch((e) => {
		if (!ctx.signal.aborted) clear(mineBody).append(errorBox(e, 'Your sessions could not be loaded'));
	});

	/* errors */
	function clearErrors() {
		summary.hidden = true;
		clear(summary);
		for (const name of FIELDS) {
			const input = c[name];
			const err = root.querySelector(`#log-${name}-error`);
			err.hidden = true;
			clear(err);
			input.removeAttribute('aria-invalid');
			const hint = root.querySelector(`#log-${name}-hint`);
			if (hint) input.setAttribute('aria-describedby', hint.id);
			else input.removeAttribute('aria-describedby');
			root.querySelector(`#field-${name}`).classList.remove('has-error');
		}
	}

	/** errors: [{field, message}] from the API; the summary lists them all with links. */
	function showErrors(errors, detail, focus = true) {
		const byField = new Map();
		const other = [];
		for (const e of errors) {
			const name = String(e.field || '').replace(/\[\d+\]$/, '').split('.')[0];
			const label = name === 'steps' && /\[(\d+)\]/.test(e.field) ? `step ${Number(/\[(\d+)\]/.exec(e.field)[1]) + 1}: ` : '';
			const msg = label + (e.message || 'is not valid');
			if (FIELDS.includes(name)) {
				if (!byField.has(name)) byField.set(name, []);
				byField.get(name).push(msg);
			} else {
				other.push(`${e.field ? e.field + ': ' : ''}${msg}`);
			}
		}
		for (const [name, msgs] of byField) {
			const input = c[name];
			const err = root.querySelector(`#log-${name}-error`);
			clear(err).append(sr('Error: '), msgs.map((m) => m.charAt(0).toUpperCase() + m.slice(1)).join('. '));
			err.hidden = false;
			input.setAttribute('aria-invalid', 'true');
			const hint = root.querySelector(`#log-${name}-hint`);
			input.setAttribute('aria-describedby', [hint?.id, err.id].filter(Boolean).join(' '));
			root.querySelector(`#field-${name}`).classList.add('has-error');
		}
		const total = [...byField.values()].reduce((a, b) => a + b.length, 0) + other.length;
		clear(summary).append(h('h2', { id: 'log-summary-title', class: 'error-summary-title' },
			total ? `There ${total === 1 ? 'is a problem' : `are ${total} problems`} with this session` : 'The session was not saved'),
		h('ul', { class: 'error-summary-list' },
			FIELDS.filter((n) => byField.has(n)).map((n) => h('li', null, h('a', { href: `#log-${n}`, onclick: (ev) => {
				ev.preventDefault();
				c[n].focus();
			} }, `${root.querySelector(`label[for="log-${n}"]`).firstChild.textContent}: ${byField.get(n).join('. ')}`))),
			other.map((m) => h('li', null, m)),
			!total && detail ? h('li', null, detail) : null));
		summary.hidden = false;
		if (focus) summary.focus();
	}

	/* submit */
	let busy = false;
	const button = form.querySelector('button[type=submit]');
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		if (busy) return;
		clearErrors();
		const body = {};
		const v = (n) => c[n].value.trim();
		if (v('date')) body.date = v('date');
		if (v('minutes') !== '') body.minutes = /^-?\d+$/.test(v('minutes')) ? Number(v('minutes')) : v('minutes');
		else if (c.minutes.validity.badInput) {
			showErrors([{ field: 'minutes', message: 'enter the time as a whole number of minutes' }]);
			return;
		}
		if (v('activity')) body.activity = v('activity');
		if (v('trainer')) body.trainer = Number(v('trainer'));
		for (const n of ['platform', 'site', 'procedure', 'role', 'notes']) if (v(n)) body[n] = v(n);
		if (v('steps')) body.steps = v('steps').split(',').map((x) => x.trim()).filter(Boolean);
		busy = true;
		button.setAttribute('aria-disabled', 'true');
		announce('Saving the session…');
		try {
			const created = await api('/sessions', { method: 'POST', body });
			const trainerName = created.trainer_name || trainerSelect.selectedOptions[0]?.textContent.split(',')[0] || 'your trainer';
			const row = sessionRow({ trainer_name: trainerName, ...body, ...created, status: created.status || 'pending' });
			if (!tbody) {
				const t = sessionsTable([]);
				tbody = t.querySelector('tbody');
				clear(mineBody).append(tableWrap('My sessions, scrollable', t));
			}
			tbody.prepend(row);
			row.classList.add('is-new');
			for (const n of ['minutes', 'procedure', 'steps', 'notes']) c[n].value = '';
			// Likely mistakes (duplicate, uncounted step, unaccredited trainer, implausible length): stored anyway.
			const warnings = (created.warnings || []).map((w) => w.detail);
			if (warnings.length) {
				row.lastElementChild.append(...warnings.map((d) => h('span', { class: 'block small warning' }, `Check: ${d}`)));
				announce(`Session #${created.id} logged and pending, but check it: ${warnings.join(' ')}`, 'warning');
			} else {
				announce(`Session #${created.id} logged on ${body.date} and pending: it waits for ${trainerName} to sign it.`, 'success');
			}
		} catch (err) {
			if (err instanceof ApiError && err.status === 400) {
				showErrors(err.errors, err.message);
				announce('The session was not saved. Check the fields marked with an error.', 'error');
			} else if (err instanceof ApiError && err.status === 401) {
				// the app shows sign-in
			} else {
				showErrors([], err.message);
				announce(`The session was not saved: ${err.message}`, 'error');
			}
		} finally {
			busy = false;
			button.removeAttribute('aria-disabled');
		}
	});
}
