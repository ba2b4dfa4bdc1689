// view-account.js - #/account, the person's own account: who they are and
// their sign-in methods - passkeys (list, add one for another device,
// remove one, never the last) and "Sign out everywhere".

import { api, itemsOf, ApiError } from './api.js';
import { h, clear, time, tableWrap } from './dom.js';
import { announce, errorBox, title, empty } from './ui.js';
import * as passkeys from './passkeys.js';
import { defaultName } from './view-signin.js';

export async function render(view, ctx) {
	const { me, signal } = ctx;
	const status = h('div', { class: 'account-messages', tabindex: '-1' });
	const listBox = h('div', { id: 'passkey-list' });
	view.append(title('Your account'),
		h('p', null, `${me.name}, ${me.email || ''} (${me.roles.join(', ')})`),
		h('section', { class: 'sign-in-methods', 'aria-labelledby': 'methods-title' },
			h('h2', { id: 'methods-title' }, 'Sign-in methods'),
			status,
			h('h3', null, 'Passkeys'),
			h('p', null, 'A passkey lives on one phone or computer and is unlocked with your fingerprint, face or screen lock. Add one for each device you use.'),
			listBox,
			addForm(),
			h('h3', null, 'Sign out everywhere'),
			h('p', null, 'Ends every session of yours on every device, including this one. Your passkeys stay.'),
			h('button', { type: 'button', id: 'sign-out-everywhere', class: 'button button-secondary', onclick: signOutEverywhere }, 'Sign out everywhere')));

	function say(node) {
		clear(status);
		if (node) {
			status.append(node);
			status.focus();
		}
	}

	async function load() {
		const items = itemsOf(await api('/passkeys', { signal }));
		clear(listBox);
		if (!items.length) {
			listBox.append(empty('You have no passkey yet.'));
			return;
		}
		const rows = items.map((p) => h('tr', { dataset: { passkey: p.id } },
			h('th', { scope: 'row' }, p.name),
			h('td', null, time(p.created_at)),
			h('td', null, p.last_used_at ? time(p.last_used_at, true) : 'Not yet'),
			h('td', null, h('button', { type: 'button', class: 'button button-secondary', 'aria-label': `Remove passkey ${p.name}`,
				onclick: () => remove(p) }, 'Remove'))));
		listBox.append(tableWrap('Your passkeys', h('table', { class: 'table' },
			h('caption', { class: 'visually-hidden' }, 'Your passkeys'),
			h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Created'),
				h('th', { scope: 'col' }, 'Last used'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
			h('tbody', null, rows))));
	}

	async function remove(p) {
		try {
			await api(`/passkeys/${p.id}`, { method: 'DELETE' });
			announce(`Passkey ${p.name} removed.`);
			say(null);
			await load();
		} catch (e) {
			say(errorBox(e, e instanceof ApiError && e.status === 409 ? 'This passkey cannot be removed' : 'The passkey was not removed'));
		}
	}

	function addForm() {
		const input = h('input', { id: 'new-passkey-name', type: 'text', maxlength: '80', autocomplete: 'off', value: defaultName() });
		const button = h('button', { type: 'submit', id: 'add-passkey', class: 'button button-primary' }, 'Add a passkey');
		const form = h('form', { class: 'form', novalidate: true },
			h('div', { class: 'field' }, h('label', { for: 'new-passkey-name' }, 'Name for the new passkey'), input),
			button);
		if (!passkeys.supported()) button.disabled = true;
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			button.setAttribute('aria-disabled', 'true');
			try {
				const r = await passkeys.register(input.value.trim() || defaultName());
				announce(`Passkey ${r.name} added.`);
				say(null);
				await load();
			} catch (e) {
				const msg = passkeys.browserMessage(e);
				say(errorBox(msg ? { message: msg } : e, 'The passkey was not added'));
			} finally {
				button.removeAttribute('aria-disabled');
			}
		});
		return form;
	}

	async function signOutEverywhere() {
		try {
			const r = await api('/session/logout-all', { method: 'POST' });
			window.dispatchEvent(new CustomEvent('raslog:signed-out', {
				detail: `You have signed out everywhere (${r.ended} session${r.ended === 1 ? '' : 's'} ended).` }));
		} catch (e) {
			say(errorBox(e, 'Could not sign out everywhere'));
		}
	}

	await load();
}
