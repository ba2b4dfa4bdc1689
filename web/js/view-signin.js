// view-signin.js - signing in without a token: "Sign in with a passkey"
// on the sign-in screen (the primary way; the access-token form stays
// below it for scripts and the older test accounts), and the invitation
// landing page #/invitation/CODE: accept, then create a passkey on this
// device.  Both end in a web session (cookie + CSRF token in memory).

import { api, ApiError, clearToken, setCsrf } from './api.js';
import { h, clear } from './dom.js';
import { announce } from './ui.js';
import * as passkeys from './passkeys.js';
import * as sso from './sso.js';

const el = (id) => document.getElementById(id);

function problemText(e) {
	const b = passkeys.browserMessage(e);
	if (b) return b;
	if (e instanceof ApiError && e.status === 429)
		return `Too many failed sign-in attempts. Try again in ${e.problem.retry_after || 'a few'} seconds.`;
	if (e instanceof ApiError && e.status === 401)
		return `That passkey was not accepted: ${e.message}.`;
	return e?.message || String(e);
}

function showError(box, msg) {
	clear(box);
	box.hidden = !msg;
	if (msg) box.append(h('h2', { class: 'notice-title' }, 'There is a problem'), h('p', null, msg));
}

/**
 * Adds the passkey part above the token form of the sign-in screen.
 * onSignedIn(user) starts the page for the person.
 */
export function mount(onSignedIn) {
	const section = el('sign-in');
	if (!section || el('passkey-sign-in')) return;
	const error = h('div', { id: 'passkey-error', class: 'notice notice-error', role: 'alert', tabindex: '-1', hidden: true });
	const button = h('button', { type: 'button', id: 'passkey-sign-in', class: 'button button-primary' }, 'Sign in with a passkey');
	const block = h('div', { class: 'passkey-sign-in' },
		h('p', null, 'Use the passkey on this phone or computer: your fingerprint, face or screen lock. Nothing secret is kept by this page.'),
		error, button);
	if (!passkeys.supported()) {
		button.disabled = true;
		block.append(h('p', { class: 'hint' }, 'This browser cannot use passkeys; use an access token below.'));
	}
	button.addEventListener('click', async () => {
		showError(error, '');
		button.setAttribute('aria-disabled', 'true');
		try {
			const r = await passkeys.signIn();
			clearToken();
			setCsrf(r.csrf_token);
			onSignedIn(r.user, true);
		} catch (e) {
			showError(error, problemText(e));
			error.focus();
		} finally {
			button.removeAttribute('aria-disabled');
		}
	});
	const intro = section.querySelector('p:not(.hint):not(.field-error)');
	if (intro) intro.textContent = 'An access token from your administrator also works. It stays in this browser tab only and is forgotten when you sign out or close the tab.';
	el('sign-in-title').after(block, h('h2', { class: 'sign-in-alt' }, 'Or use an access token'));
	sso.mount(); // "Sign in with <organisation>" above the passkey, when single sign-on is configured
	const tokenButton = el('sign-in-form')?.querySelector('button[type=submit]');
	if (tokenButton) tokenButton.className = 'button button-secondary';
}

/**
 * The invitation landing page in view: accept the invitation (which signs
 * the person in), then create a passkey.  onDone(user) starts the page.
 */
export function renderInvitation(view, code, onDone) {
	clear(view);
	document.body.dataset.view = 'invitation';
	document.title = 'Your invitation – raslog';
	const title = h('h1', { tabindex: '-1', class: 'view-title' }, 'Welcome to raslog');
	const error = h('div', { class: 'notice notice-error', role: 'alert', tabindex: '-1', hidden: true });
	const accept = h('button', { type: 'button', id: 'accept-invitation', class: 'button button-primary' }, 'Accept the invitation');
	const step = h('div', { class: 'invitation-step' },
		h('p', null, 'You have been invited to keep your robot-assisted surgery training record here. Accepting creates your account; next you will make a passkey so that you can sign in with this device.'),
		accept);
	view.append(title, error, step);
	title.focus();
	let user = null;

	accept.addEventListener('click', async () => {
		showError(error, '');
		accept.setAttribute('aria-disabled', 'true');
		try {
			const r = await api('/invitations/accept', { method: 'POST', token: null, body: { code } });
			// The reply also carries an access token; the page does not keep it (the cookie signs in).
			clearToken();
			setCsrf(r.csrf_token);
			user = r.user;
			history.replaceState(null, '', '#/invitation'); // the code is spent; keep it out of history
			passkeyStep();
		} catch (e) {
			let msg = problemText(e);
			if (e instanceof ApiError && e.status === 410) msg = `${e.message}.`;
			showError(error, msg.charAt(0).toUpperCase() + msg.slice(1));
			error.focus();
		} finally {
			accept.removeAttribute('aria-disabled');
		}
	});

	function passkeyStep() {
		clear(step);
		const nameId = 'passkey-name';
		const input = h('input', { id: nameId, name: 'name', type: 'text', maxlength: '80', autocomplete: 'off', value: defaultName(), 'aria-describedby': 'passkey-name-hint' });
		const create = h('button', { type: 'submit', id: 'create-passkey', class: 'button button-primary' }, 'Create a passkey');
		const form = h('form', { class: 'form', novalidate: true },
			h('div', { class: 'field' },
				h('label', { for: nameId }, 'Name for this passkey'),
				h('p', { class: 'hint', id: 'passkey-name-hint' }, 'So that you can tell your devices apart later, for example "My phone".'),
				input),
			create);
		step.append(h('h2', null, `Hello, ${user.name}`),
			h('p', null, 'Your account is ready. Create a passkey on this device: your browser will ask for your fingerprint, face or screen lock. You can add one for your laptop later.'),
			form);
		announce('Invitation accepted. Now create a passkey.');
		step.querySelector('h2').setAttribute('tabindex', '-1');
		step.querySelector('h2').focus();
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			showError(error, '');
			create.setAttribute('aria-disabled', 'true');
			try {
				await passkeys.register(input.value.trim() || defaultName());
				announce('Passkey created. You are signed in.');
				onDone(user);
			} catch (e) {
				showError(error, problemText(e));
				error.focus();
			} finally {
				create.removeAttribute('aria-disabled');
			}
		});
	}
}

export function defaultName() {
	const ua = navigator.userAgent;
	const small = window.matchMedia('(max-width: 40em)').matches;
	if (/iPhone|Android.*Mobile/.test(ua) || small) return 'My phone';
	return 'This computer';
}
