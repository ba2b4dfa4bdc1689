// sso.js - "Sign in with <organisation>" on the sign-in screen when raslogd
// has single sign-on configured (GET /api/v1/health names the provider).
// The button is a plain link to /auth/oidc/start: the server does the
// OpenID Connect flow and comes back to this page with a web session.

import { api } from './api.js';
import { h } from './dom.js';

/** Adds the single sign-on button above the passkey block, once. */
export async function mount() {
	const title = document.getElementById('sign-in-title');
	if (!title || document.getElementById('oidc-sign-in')) return;
	let health;
	try {
		health = await api('/health', { token: null });
	} catch {
		return; // no button; passkeys and tokens still work
	}
	const oidc = health?.oidc;
	if (!oidc?.name || document.getElementById('oidc-sign-in')) return;
	const block = h('div', { class: 'oidc-sign-in passkey-sign-in' },
		h('p', null, `Use your ${oidc.name} account. Your administrator must have invited you with the same e-mail address.`),
		h('a', { id: 'oidc-sign-in', class: 'button button-primary', href: oidc.start || '/auth/oidc/start' },
			`Sign in with ${oidc.name}`));
	title.after(block);
}
