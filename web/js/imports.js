// imports.js - records kept elsewhere, on the web page (docs/imports.md).
// On the trainee's own page: upload a simulator attempts file (for the
// trainer named to countersign) or an e-learning certificate (an Open
// Badges 3.0 / Verifiable Credential or an xAPI statement, for a trainer
// who supervises them or faculty to confirm), and the list of their
// imports with their state.  A certificate whose proof did not verify is
// said to be UNVERIFIED, in words, wherever it is shown: it is never
// presented as trusted.  The trainer's side (confirm or reject, signed in
// the browser) is in view-waiting.js.

import { api, itemsOf, trainers as loadTrainers } from './api.js';
import { h, clear, uid, time } from './dom.js';
import { announce, errorBox, empty } from './ui.js';

/** A certificate import in words: what, from whom, when, and whether its proof verified. */
export function certificateFacts(imp) {
	const c = imp.certificate || {};
	const verified = c.verified === true;
	return h('dl', { class: 'facts certificate-facts' },
		h('dt', null, 'Certificate'), h('dd', null, `${c.achievement_name || c.achievement || '?'} (${(c.kind || '?').replace('_', ' ')})`),
		h('dt', null, 'Achievement id'), h('dd', null, h('code', { class: 'break' }, c.achievement || '?')),
		h('dt', null, 'Issuer'), h('dd', null, c.issuer_name ? `${c.issuer_name}, ` : '', h('code', { class: 'break' }, c.issuer || '?')),
		h('dt', null, 'Completed'), h('dd', null, c.completed_on ? time(c.completed_on) : '?', c.result ? ` · ${c.result}` : ''),
		h('dt', null, 'Proof'), h('dd', { class: verified ? 'cert-verified' : 'cert-unverified', dataset: { verified: verified ? '1' : '0' } },
			verified ? 'Verified: ' : 'UNVERIFIED: ', c.verification || (verified ? 'the issuer’s signature verifies' : 'no proof raslog can check')));
}

const STATES = { pending: 'waiting for confirmation', signed: 'confirmed', rejected: 'rejected', imported: 'imported' };

function fileBase64(file) {
	return file.arrayBuffer().then((buf) => {
		const bytes = new Uint8Array(buf);
		let bin = '';
		for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
		return btoa(bin);
	});
}

/** The trainee's imports section: the upload form and the list. */
export function importsSection(ctx) {
	const me = ctx.me;
	const hid = uid('imp');
	const out = h('section', { class: 'detail-section no-print', id: 'imports', 'aria-labelledby': 'imports-h' },
		h('h2', { id: 'imports-h' }, 'Imports: simulator results and e-learning certificates'),
		h('p', { class: 'section-note' }, 'Upload a simulator attempts file (the raslog format) for a trainer to countersign, or an e-learning certificate (Open Badges, Verifiable Credential or xAPI) for a trainer who supervises you, or faculty, to confirm. Nothing counts until it is signed.'));
	const kind = h('select', { id: `${hid}-kind`, name: 'kind' },
		h('option', { value: 'certificate' }, 'E-learning certificate (JSON)'),
		h('option', { value: 'simulator' }, 'Simulator attempts (CSV or JSON)'));
	const file = h('input', { type: 'file', id: `${hid}-file`, name: 'file', required: true, accept: '.json,.csv,application/json,text/csv' });
	const trainer = h('select', { id: `${hid}-trainer`, name: 'trainer' }, h('option', { value: '' }, 'Loading trainers…'));
	const trainerHint = h('span', { class: 'hint', id: `${hid}-trainer-hint` });
	const submit = h('button', { type: 'submit', class: 'button button-primary', id: 'import-upload' }, 'Upload');
	const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
	const list = h('div', { id: 'import-list' });
	const hint = () => {
		trainerHint.textContent = kind.value === 'simulator' ? 'Required: the trainer who countersigns the file.'
			: 'Optional: any trainer who supervises you, or faculty, may confirm a certificate.';
		trainer.required = kind.value === 'simulator';
	};
	kind.addEventListener('change', hint);
	hint();
	const form = h('form', { class: 'import-form', novalidate: true },
		h('div', { class: 'field' }, h('label', { for: `${hid}-kind` }, 'What'), kind),
		h('div', { class: 'field' }, h('label', { for: `${hid}-file` }, 'File'), file),
		h('div', { class: 'field' }, h('label', { for: `${hid}-trainer` }, 'Trainer'), trainer, trainerHint),
		h('div', { class: 'actions' }, submit));
	out.append(form, result, h('h3', null, 'My imports'), list);

	loadTrainers().then((all) => {
		const others = all.filter((t) => t.id !== me.id);
		clear(trainer).append(h('option', { value: '' }, 'No trainer named'),
			...others.sort((a, b) => a.name.localeCompare(b.name)).map((t) => h('option', { value: String(t.id) }, t.name)));
	}).catch(() => clear(trainer).append(h('option', { value: '' }, 'Trainers could not be loaded')));

	async function refresh() {
		let items = [];
		try {
			items = itemsOf(await api('/imports')).filter((x) => x.trainee === me.id);
		} catch (e) {
			clear(list).append(errorBox(e, 'Your imports could not be loaded'));
			return;
		}
		clear(list);
		if (!items.length) {
			list.append(empty('No imports yet.'));
			return;
		}
		list.append(h('ul', { class: 'plain import-items' }, items.map((x) => h('li', { class: 'card', dataset: { import: x.id, status: x.status } },
			h('p', null, h('strong', null, `Import #${x.id}`), ` · ${x.filename} · ${STATES[x.status] || x.status}`,
				x.kind === 'simulator' ? ` · ${x.attempts} simulator attempt${x.attempts === 1 ? '' : 's'}` : '',
				x.signoff?.reason ? ` · reason: ${x.signoff.reason}` : ''),
			x.kind === 'certificate' ? certificateFacts(x) : null))));
	}

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clear(result);
		const f = file.files?.[0];
		if (!f) {
			file.setAttribute('aria-invalid', 'true');
			file.focus();
			announce('Choose the file to upload.', 'error');
			return;
		}
		if (kind.value === 'simulator' && !trainer.value) {
			trainer.setAttribute('aria-invalid', 'true');
			trainer.focus();
			announce('A simulator file needs the trainer who countersigns it.', 'error');
			return;
		}
		file.removeAttribute('aria-invalid');
		trainer.removeAttribute('aria-invalid');
		submit.disabled = true;
		try {
			const body = { kind: kind.value, filename: f.name.replace(/^.*[\\/]/, ''), content_base64: await fileBase64(f) };
			if (trainer.value) body.trainer = Number(trainer.value);
			const r = await api('/imports', { method: 'POST', body });
			const unverified = r.kind === 'certificate' && r.verified !== true;
			result.append(h('div', { class: ['notice', unverified ? 'notice-warning' : 'notice-ok'], role: 'status', id: 'import-done' },
				h('p', null, `Import #${r.id} is stored and waits for ${r.kind === 'certificate' ? 'confirmation' : 'countersigning'}.`,
					unverified ? ' Its proof could not be verified: it is kept as UNVERIFIED evidence, and whoever confirms it is told so.' : ''),
				r.kind === 'certificate' ? certificateFacts(r) : null));
			announce(`Import #${r.id} uploaded${unverified ? ', unverified' : ''}.`, unverified ? 'info' : 'ok');
			form.reset();
			hint();
			await refresh();
		} catch (err) {
			const box = errorBox(err, 'The file was not imported');
			const fields = err?.errors || [];
			if (fields.length) box.append(h('ul', null, fields.slice(0, 16).map((x) => h('li', null, `${x.field}: ${x.message}`))));
			box.id = 'import-error';
			result.append(box);
			announce('The file was not imported; nothing was stored.', 'error');
		}
		submit.disabled = false;
	});
	refresh();
	return out;
}
