// view-device.js - #/device: approving `raslog login` (the OAuth 2.0 device
// authorization grant, RFC 8628).  The command line shows a code and this
// address; the signed-in person checks the code and approves or denies it
// (POST /api/v1/device/approve).  Approving hands that computer a token
// that acts as this person, so the page says so before the buttons.

import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { announce, errorBox, title } from './ui.js';

const CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-?[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** "bcdf ghjk" -> "BCDF-GHJK" (what raslog login prints). */
const tidy = (v) => {
	const s = String(v || '').toUpperCase().replace(/[\s-]/g, '');
	return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4)}` : String(v || '').trim().toUpperCase();
};

export async function render(root, ctx) {
	ctx.setTitle('Approve a sign-in');
	const given = tidy(ctx.query.get('user_code'));
	const input = h('input', { id: 'device-code', name: 'user_code', autocomplete: 'off', autocapitalize: 'characters',
		spellcheck: 'false', inputmode: 'text', maxlength: 9, size: 10, class: 'device-code',
		'aria-describedby': 'device-code-help', value: given });
	const result = h('div', { id: 'device-result', 'aria-live': 'polite' });
	const approve = h('button', { type: 'submit', class: 'button button-primary', value: 'approve' }, 'Approve');
	const deny = h('button', { type: 'button', class: 'button button-secondary', value: 'deny' }, 'Deny');
	const form = h('form', { class: 'form device-form', novalidate: true, 'aria-labelledby': 'device-form-title' },
		h('h2', { id: 'device-form-title' }, 'The code from raslog login'),
		h('label', { for: 'device-code' }, 'Code'),
		input,
		h('p', { id: 'device-code-help', class: 'small muted' }, 'Eight letters shown by raslog login, such as BCDF-GHJK.'),
		h('div', { class: 'form-actions' }, approve, deny));

	const decide = async (yes) => {
		const code = tidy(input.value);
		result.replaceChildren();
		if (!CODE.test(code)) {
			input.setAttribute('aria-invalid', 'true');
			result.append(errorBox(new ApiError(400, { detail: 'enter the eight letters raslog login showed, such as BCDF-GHJK' }), 'That is not a sign-in code'));
			input.focus();
			return;
		}
		input.removeAttribute('aria-invalid');
		for (const b of [approve, deny]) b.disabled = true;
		try {
			await api('/device/approve', { method: 'POST', body: { user_code: code, approve: yes }, signal: ctx.signal });
			const msg = yes
				? `Approved. raslog on that computer is now signed in as ${ctx.me.name}; you can close this page.`
				: 'Denied. raslog on that computer will not be signed in.';
			result.append(h('p', { class: 'notice', role: 'status' }, msg));
			announce(msg, yes ? 'ok' : 'info');
			form.hidden = true;
		} catch (e) {
			if (e?.name === 'AbortError') return;
			result.append(errorBox(e, yes ? 'The sign-in could not be approved' : 'The sign-in could not be denied'));
			for (const b of [approve, deny]) b.disabled = false;
		}
	};
	form.addEventListener('submit', (e) => { e.preventDefault(); decide(true); });
	deny.addEventListener('click', () => decide(false));

	root.append(title('Approve a sign-in'),
		h('p', { class: 'lede' }, 'Someone ran ', h('code', null, 'raslog login'), ' and was shown a code. Approve it only if that was you, just now, and the code below is the one on your screen: approving gives that computer a token that acts as you (',
			ctx.me.name, '). You can revoke it later with ', h('code', null, 'raslog logout'), '.'),
		form, result);
}
