// view-waiting.js - for trainers: the sessions that name them and wait for
// their signature (GET /api/v1/sessions?waiting_for_me=1), signed here in
// the browser, on a phone between cases or at a desk.
//
// Each session is shown in words (trainee, date, activity, procedure, the
// steps and role the trainee claims).  The trainer confirms with their own
// view of role and steps, rejects with a reason, or ticks several and signs
// them together.  Before anything is signed the exact statements (the
// canonical JSON that is signed) are shown.  The signature is made with
// this device's own key (websign.js: WebCrypto Ed25519, non-extractable, in
// IndexedDB); a new device's key is registered here and approved from a
// device already trusted (this page's "Keys" section there, or
// `raslog key approve ID`), or by faculty.
//
// Below the sessions, the imports waiting for the trainer (docs/imports.md):
// simulator files naming them, and e-learning certificates of trainees
// they supervise.  They are countersigned (simulator_import) or confirmed
// (elearning_confirmation) the same way; a certificate whose proof did not
// verify is shown as UNVERIFIED and is confirmed only with a box ticked
// that says so, which the statement records ("unverified_ok").

import { all, api, ApiError } from './api.js';
import { h, clear, uid, time, fmtMinutes } from './dom.js';
import { ROLES, activityLabel, platformLabel, roleLabel, stepLabel } from './codes.js';
import { announce, empty, errorBox, title } from './ui.js';
import { createDeviceKey, deviceKey, deviceKeyStatement, elearningStatement, nowRfc3339, sessionStatement, simulatorImportStatement, submit } from './websign.js';
import { certificateFacts } from './imports.js';
import { jcs } from './verify.js';

const reasonOf = (e) => (e instanceof ApiError ? (e.errors[0]?.message ? `${e.problem.detail || ''} ${e.errors.map((x) => `${x.field}: ${x.message}`).join('; ')}`.trim() : e.message) : e?.message || String(e));

export async function render(root, ctx) {
	const me = ctx.me;
	root.append(title('Waiting for my signature'),
		h('p', { class: 'lede' }, 'Sessions that trainees logged with you as their supervising trainer. Check each one, confirm it with your own view of the role and steps, or reject it with a reason. You can also tick several and sign them together. The raslog client works too: ',
			h('code', null, 'raslog sign ID'), '.'));
	const keyBox = h('section', { class: 'panel websign-key', 'aria-labelledby': 'websign-key-h' });
	const list = h('div', { class: 'websign-list' });
	const importBox = h('section', { class: 'websign-imports', id: 'waiting-imports', 'aria-labelledby': 'waiting-imports-h' });
	const review = h('section', { class: 'websign-review', id: 'websign-review', 'aria-live': 'polite' });
	root.append(keyBox, list, importBox, review);

	let rec = null;
	try {
		rec = await deviceKey(me.id);
	} catch { rec = null; }
	let keys = [];
	async function loadKeys() {
		try {
			const r = await api('/keys');
			keys = Array.isArray(r) ? r : r?.items || [];
		} catch { keys = []; }
	}
	await loadKeys();
	if (ctx.signal.aborted) return;

	function renderKeyBox() {
		clear(keyBox);
		keyBox.append(h('h2', { id: 'websign-key-h' }, 'Signing on this device'));
		if (!globalThis.crypto?.subtle || !globalThis.indexedDB) {
			keyBox.append(h('p', null, 'This browser cannot keep a signing key (it needs WebCrypto on a secure page and IndexedDB). Use the raslog client.'));
			return;
		}
		if (!rec) {
			const btn = h('button', { type: 'button', class: 'button button-primary', id: 'websign-create' }, 'Create a signing key on this device');
			btn.addEventListener('click', async () => {
				btn.disabled = true;
				try {
					rec = await createDeviceKey(me.id);
					await loadKeys();
					announce('A signing key was created on this device and registered.', 'ok');
				} catch (e) {
					keyBox.append(errorBox(e, 'The key could not be created'));
				}
				btn.disabled = false;
				renderKeyBox();
				renderList();
			});
			keyBox.append(h('p', null, 'This device has no signing key yet. The key is made by this browser and its private half never leaves this device; the server only learns the public key.'), btn);
			return;
		}
		const mine = keys.find((k) => k.public_key === rec.public_key);
		const trusted = (k) => k.device_index !== undefined || k.accreditation_index !== undefined;
		const state = !mine ? 'unknown to the server' : mine.revoked_at ? 'revoked' : mine.device_index !== undefined ? `approved (ledger index ${mine.device_index})`
			: mine.accreditation_index !== undefined ? `named by your trainer accreditation (ledger index ${mine.accreditation_index})` : 'registered, not yet approved';
		keyBox.append(h('p', { id: 'websign-key-state', dataset: { state: !mine ? 'unknown' : mine.revoked_at ? 'revoked' : trusted(mine) ? 'approved' : 'registered' } },
			`This device's key${mine ? ` (key ${mine.id})` : ''}: `, h('code', { class: 'break' }, rec.public_key), ` — ${state}.`));
		if (mine && !mine.revoked_at && !trusted(mine))
			keyBox.append(h('p', { class: 'small' }, 'It signs once it is trusted: approve it from a device you already sign with (this page there, or ',
				h('code', null, `raslog key approve ${mine.id}`), '), or ask faculty to accredit or approve it.'));
		// Every live key of mine, with a way to revoke it (a lost phone): two presses, then DELETE /keys/{id}.
		const live = keys.filter((k) => !k.revoked_at);
		if (live.length) {
			keyBox.append(h('h3', null, 'Your keys'), h('ul', { class: 'plain websign-keys' }, live.map((k) => {
				const b = h('button', { type: 'button', class: 'button button-secondary', dataset: { revoke: k.id } }, `Revoke key ${k.id}`);
				b.addEventListener('click', async () => {
					if (b.dataset.armed !== '1') {
						b.dataset.armed = '1';
						b.textContent = `Press again to revoke key ${k.id}: it signs nothing from now on`;
						return;
					}
					b.disabled = true;
					try {
						await api(`/keys/${k.id}`, { method: 'DELETE' });
						announce(`Key ${k.id} is revoked; what it signed before stays valid.`, 'ok');
					} catch (e) {
						keyBox.append(errorBox(e, 'The key could not be revoked'));
					}
					await loadKeys();
					renderKeyBox();
				});
				const what = k.public_key === rec.public_key ? 'this device' : trusted(k) ? 'trusted' : 'not yet approved';
				return h('li', null, `Key ${k.id} (${what}): `, h('code', { class: 'break' }, k.public_key), ' ', b);
			})));
		}
		const others = keys.filter((k) => k.public_key !== rec.public_key && !k.revoked_at && !trusted(k));
		if (others.length && mine && !mine.revoked_at) {
			keyBox.append(h('h3', null, 'Your other keys waiting for approval'),
				h('ul', { class: 'plain' }, others.map((k) => {
					const b = h('button', { type: 'button', class: 'button button-secondary', dataset: { key: k.id } }, `Approve key ${k.id}`);
					b.addEventListener('click', () => showReview([{ label: `Approve key ${k.id} (registered ${time(k.created_at)})`, build: (by) => deviceKeyStatement(me.id, k.public_key, by) }]));
					return h('li', null, h('code', { class: 'break' }, k.public_key), ' ', b);
				})));
		}
	}

	const items = await all('/sessions', { waiting_for_me: 1 }, 1000);
	if (ctx.signal.aborted) return;
	// Imports waiting for me, each with its items (a simulator statement carries every attempt's result).
	let imports = [];
	try {
		const pending = (await all('/imports', { status: 'pending' }, 500)).filter((x) => x.trainee !== me.id);
		imports = await Promise.all(pending.map((x) => api(`/imports/${x.id}`)));
	} catch { imports = []; }
	if (ctx.signal.aborted) return;

	function importCard(x) {
		const hid = uid('wi'), cert = x.kind === 'certificate', verified = cert && x.certificate?.verified === true;
		const ok = cert && !verified ? h('input', { type: 'checkbox', id: `${hid}-ok`, class: 'websign-unverified-ok' }) : null;
		const reason = h('textarea', { id: `${hid}-reason`, rows: 2, maxlength: 1000 });
		const confirm = h('button', { type: 'button', class: 'button button-primary', dataset: { act: 'confirm', import: x.id } }, cert ? 'Confirm…' : 'Countersign…');
		const reject = h('button', { type: 'button', class: 'button button-secondary', dataset: { act: 'reject', import: x.id } }, 'Reject…');
		confirm.addEventListener('click', () => {
			if (ok && !ok.checked) {
				ok.setAttribute('aria-invalid', 'true');
				ok.focus();
				announce('This certificate’s proof could not be verified: tick the box to confirm it knowing so, or reject it.', 'error');
				return;
			}
			ok?.removeAttribute('aria-invalid');
			showReview([{ label: `${cert ? 'Confirm' : 'Countersign'} import #${x.id}`,
				build: (by) => (cert ? elearningStatement(x, 'confirmed', null, !!ok, by) : simulatorImportStatement(x, 'confirmed', null, by)) }]);
		});
		reject.addEventListener('click', () => {
			const why = reason.value.trim();
			reason.removeAttribute('aria-invalid');
			if (!why) {
				reason.setAttribute('aria-invalid', 'true');
				reason.focus();
				announce('A rejection needs a reason the trainee can read.', 'error');
				return;
			}
			showReview([{ label: `Reject import #${x.id}`,
				build: (by) => (cert ? elearningStatement(x, 'rejected', why, false, by) : simulatorImportStatement(x, 'rejected', why, by)) }]);
		});
		return h('article', { class: 'card websign-card', dataset: { import: x.id, verified: cert ? String(verified) : null }, 'aria-labelledby': `${hid}-h` },
			h('h3', { id: `${hid}-h`, class: 'card-title' }, `Import #${x.id}: ${x.trainee_name || `trainee ${x.trainee}`}, ${cert ? 'e-learning certificate' : 'simulator attempts'}`),
			h('p', null, `${x.filename}, uploaded `, time(x.created_at), '; SHA-256 ', h('code', { class: 'break' }, x.sha256)),
			cert ? certificateFacts(x) : h('p', null, `${x.attempts} attempt${x.attempts === 1 ? '' : 's'}: `,
				(x.items || []).slice(0, 20).map((a) => `${a.exercise} ${a.score_pct}%`).join(', '), (x.items || []).length > 20 ? ', …' : ''),
			ok ? h('p', { class: 'notice notice-warning' }, h('label', { class: 'check', for: `${hid}-ok` }, ok,
				' I have checked this certificate another way and confirm it although its proof could not be verified (the statement says so).')) : null,
			h('div', { class: 'actions' }, confirm),
			h('details', { class: 'websign-reject' }, h('summary', null, 'Reject this import'),
				h('label', { for: `${hid}-reason` }, 'Reason the trainee will read'), reason, h('div', { class: 'actions' }, reject)));
	}

	function renderImports() {
		clear(importBox).append(h('h2', { id: 'waiting-imports-h' }, 'Imports waiting for me'));
		if (!imports.length) {
			importBox.append(empty('No simulator file or certificate waits for you.'));
			return;
		}
		importBox.append(h('p', null, `${imports.length} ${imports.length === 1 ? 'import waits' : 'imports wait'} for you. The raslog client works too: `,
			h('code', null, 'raslog import confirm ID'), '.'), ...imports.map(importCard));
	}
	const choices = new Map(); // session id -> {select checkbox, role select, step boxes}

	function stepsOf(x) {
		const c = choices.get(x.id);
		return c ? c.steps.filter((b) => b.checked).map((b) => b.value) : x.steps || [];
	}
	function roleOf(x) {
		const c = choices.get(x.id);
		return c ? c.role.value : x.role;
	}

	function card(x) {
		const hid = uid('ws'), sel = h('input', { type: 'checkbox', id: `${hid}-sel`, class: 'websign-select', value: String(x.id) });
		const roleSel = h('select', { id: `${hid}-role` }, h('option', { value: '' }, 'No role'),
			ROLES.map(([c]) => h('option', { value: c, selected: c === x.role }, roleLabel(c))));
		roleSel.value = x.role || '';
		const stepBoxes = (x.steps || []).map((st) => h('input', { type: 'checkbox', value: st, checked: true }));
		choices.set(x.id, { select: sel, role: roleSel, steps: stepBoxes });
		const confirm = h('button', { type: 'button', class: 'button button-primary', dataset: { act: 'confirm', id: x.id } }, 'Confirm…');
		const reason = h('textarea', { id: `${hid}-reason`, rows: 2, maxlength: 1000 });
		const reject = h('button', { type: 'button', class: 'button button-secondary', dataset: { act: 'reject', id: x.id } }, 'Reject…');
		confirm.addEventListener('click', () => showReview([{ label: `Confirm session #${x.id}`, build: (by) => sessionStatement(x, 'confirmed', { role: roleOf(x), steps: stepsOf(x) }, by) }]));
		reject.addEventListener('click', () => {
			const why = reason.value.trim();
			reason.removeAttribute('aria-invalid');
			if (!why) {
				reason.setAttribute('aria-invalid', 'true');
				reason.focus();
				announce('A rejection needs a reason the trainee can read.', 'error');
				return;
			}
			showReview([{ label: `Reject session #${x.id}`, build: (by) => sessionStatement(x, 'rejected', { reason: why }, by) }]);
		});
		return h('article', { class: 'card websign-card', dataset: { session: x.id }, 'aria-labelledby': `${hid}-h` },
			h('h2', { id: `${hid}-h`, class: 'card-title' },
				h('label', { for: `${hid}-sel`, class: 'websign-pick' }, sel, ` Session #${x.id}: ${x.trainee_name || `trainee ${x.trainee}`}`)),
			h('dl', { class: 'facts' },
				h('dt', null, 'Date'), h('dd', null, time(x.date)),
				h('dt', null, 'Activity'), h('dd', null, activityLabel(x.activity), x.platform ? `, ${platformLabel(x.platform)}` : '', x.minutes ? `, ${fmtMinutes(x.minutes)}` : ''),
				x.procedure ? [h('dt', null, 'Procedure'), h('dd', null, x.procedure)] : null,
				x.site ? [h('dt', null, 'Site'), h('dd', null, x.site)] : null,
				h('dt', null, 'Role the trainee claims'), h('dd', null, x.role ? roleLabel(x.role) : 'not given'),
				h('dt', null, 'Steps the trainee claims'), h('dd', null, (x.steps || []).length ? (x.steps || []).map(stepLabel).join(', ') : 'none'),
				x.notes ? [h('dt', null, 'Notes'), h('dd', null, x.notes)] : null),
			h('fieldset', { class: 'websign-view' }, h('legend', null, 'Your view'),
				h('label', { for: `${hid}-role` }, 'Role you saw'), roleSel,
				stepBoxes.length ? h('div', { class: 'websign-steps', role: 'group', 'aria-label': 'Steps you saw' },
					stepBoxes.map((b) => h('label', { class: 'check' }, b, ' ', stepLabel(b.value)))) : null),
			h('div', { class: 'actions' }, confirm),
			h('details', { class: 'websign-reject' }, h('summary', null, 'Reject this session'),
				h('label', { for: `${hid}-reason` }, 'Reason the trainee will read'), reason, h('div', { class: 'actions' }, reject)));
	}

	function renderList() {
		clear(list);
		choices.clear();
		if (!items.length) {
			list.append(empty('Nothing is waiting for your signature.'));
			return;
		}
		const batch = h('button', { type: 'button', class: 'button button-primary', id: 'websign-batch' }, 'Sign the selected sessions…');
		batch.addEventListener('click', () => {
			const picked = items.filter((x) => choices.get(x.id)?.select.checked);
			if (!picked.length) {
				announce('Tick the sessions you want to sign together first.', 'error');
				return;
			}
			showReview(picked.map((x) => ({ label: `Confirm session #${x.id}`, build: (by) => sessionStatement(x, 'confirmed', { role: roleOf(x), steps: stepsOf(x) }, by) })));
		});
		list.append(h('p', null, `${items.length} ${items.length === 1 ? 'session waits' : 'sessions wait'} for you.`),
			...items.map(card), h('div', { class: 'actions websign-batch' }, batch));
	}

	/* The statements, exactly as they will be signed; then sign them with this device's key. */
	function showReview(jobs) {
		clear(review);
		if (!rec) {
			review.append(h('div', { class: 'notice notice-error', role: 'alert' }, h('p', null, 'This device has no signing key yet: create one above first.')));
			review.scrollIntoView({ block: 'nearest' });
			return;
		}
		const by = { user: me.id, key: rec.public_key, signed_at: nowRfc3339() };
		const built = jobs.map((j) => ({ ...j, statement: j.build(by) }));
		const go = h('button', { type: 'button', class: 'button button-primary', id: 'websign-sign' }, built.length === 1 ? 'Sign this statement' : `Sign these ${built.length} statements`);
		const cancel = h('button', { type: 'button', class: 'button button-secondary' }, 'Cancel');
		const results = h('ul', { class: 'plain websign-results' });
		cancel.addEventListener('click', () => clear(review));
		go.addEventListener('click', async () => {
			// The server takes a signed_at within 10 minutes of its clock: an old preview is built again and shown.
			if (Date.now() - Date.parse(by.signed_at) > 5 * 60 * 1000) {
				announce('The statement was shown more than 5 minutes ago: here it is again with the time now. Check it and sign.', 'info');
				showReview(jobs);
				return;
			}
			go.disabled = true;
			cancel.disabled = true;
			let done = 0;
			for (const b of built) {
				try {
					const r = await submit(rec, b.statement);
					done++;
					results.append(h('li', { dataset: { ok: '1' } }, `${b.label}: signed, ledger index ${r?.ledger_index}.`));
					const sid = b.statement.session?.id, iid = b.statement.import?.id;
					const i = sid !== undefined ? items.findIndex((x) => x.id === sid) : -1;
					if (i >= 0) items.splice(i, 1);
					const k = iid !== undefined ? imports.findIndex((x) => x.id === iid) : -1;
					if (k >= 0) imports.splice(k, 1);
				} catch (e) {
					results.append(h('li', { dataset: { ok: '0' }, class: 'error' }, `${b.label}: not signed — ${reasonOf(e)}`));
				}
			}
			announce(`${done} of ${built.length} signed.`, done === built.length ? 'ok' : 'error');
			go.remove();
			cancel.disabled = false;
			cancel.textContent = 'Close';
			await loadKeys();
			renderKeyBox();
			renderList();
			renderImports();
		});
		review.append(h('h2', { tabindex: '-1', id: 'websign-review-h' }, 'The exact statement' + (built.length === 1 ? '' : 's') + ' you sign'),
			h('p', { class: 'small' }, 'Your key signs the text "RASLOG-STATEMENT-v1", a new line, then each statement below in canonical JSON (RFC 8785), the same bytes the raslog client signs.'),
			...built.map((b) => h('figure', { class: 'websign-statement' }, h('figcaption', null, b.label),
				h('pre', { class: 'statement', tabindex: '0' }, jcs(b.statement)))),
			h('div', { class: 'actions' }, go, cancel), results);
		review.querySelector('#websign-review-h').focus();
	}

	renderKeyBox();
	renderList();
	renderImports();
}
