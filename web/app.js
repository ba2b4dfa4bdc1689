// app.js - raslog's web page: sign-in (a passkey, or a token), the navigation the
// signed-in user's roles allow, and a small hash router (#/accreditation,
// #/trainee/42, #/log, ...) that renders one view at a time, moves focus to
// its heading and says what happened in the live region.

import { api, ApiError, getToken, setToken, clearToken, setCsrf, hasSession, setUnauthorizedHandler } from './js/api.js';
import { h, clear } from './js/dom.js';
import { announce, errorBox } from './js/ui.js';
import * as accreditation from './js/view-accreditation.js';
import * as trainee from './js/view-trainee.js';
import * as log from './js/view-log.js';
import * as trainers from './js/view-trainers.js';
import * as waiting from './js/view-waiting.js';
import * as settings from './js/view-settings.js';
import * as signin from './js/view-signin.js';
import * as account from './js/view-account.js';
import * as device from './js/view-device.js';
import * as oversight from './js/view-oversight.js';
import * as admin from './js/view-admin.js';

/* name -> the view, its nav label, and the roles that may open it (none: anyone signed in). */
const ROUTES = {
	accreditation: { view: accreditation, label: 'Accreditation', roles: ['faculty'] },
	log: { view: log, label: 'Log a session', roles: ['trainee'] },
	progress: { view: trainee, label: 'My progress', roles: ['trainee'] },
	waiting: { view: waiting, label: 'Waiting for me', roles: ['trainer'] },
	trainers: { view: trainers, label: 'Trainers', roles: [] },
	trainee: { view: trainee, label: 'Trainee', roles: [], hidden: true },
	settings: { view: settings, label: 'Notifications', roles: [] },
	account: { view: account, label: 'Your account', roles: [] },
	device: { view: device, label: 'Approve a sign-in', roles: [], hidden: true },
	oversight: { view: oversight, label: 'Oversight', roles: ['faculty'] },
	admin: { view: admin, label: 'People', roles: ['admin'] },
};
const NAV_ORDER = ['accreditation', 'oversight', 'admin', 'log', 'progress', 'waiting', 'trainers', 'settings', 'account'];

const el = (id) => document.getElementById(id);
let me = null;
let current = null;       // AbortController of the view on screen
let firstRender = true;

const allowed = (name, user) => {
	const r = ROUTES[name];
	return r && (!r.roles.length || r.roles.some((x) => user.roles.includes(x)));
};

function defaultRoute(user) {
	for (const name of ['accreditation', 'admin', 'log', 'waiting', 'trainers'])
		if (allowed(name, user)) return name;
	return 'trainers';
}

/** "#/trainee/42?x=1" -> {name: 'trainee', params: ['42'], query}. */
function parseHash() {
	const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
	const [path, qs] = raw.split('?');
	const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
	return { name: parts[0] || '', params: parts.slice(1), query: new URLSearchParams(qs || '') };
}

export function navigate(hash, { replace = false } = {}) {
	if (location.hash === hash) {
		route();
	} else if (replace) {
		history.replaceState(null, '', hash);
		route();
	} else {
		location.hash = hash;
	}
}

function renderNav() {
	const list = clear(el('nav-list'));
	for (const name of NAV_ORDER) {
		if (!allowed(name, me)) continue;
		list.append(h('li', null, h('a', { href: `#/${name}`, class: 'nav-link', dataset: { route: name } }, ROUTES[name].label)));
	}
	el('who-name').textContent = `${me.name} (${me.roles.join(', ')})`;
	el('nav').hidden = false;
	el('who').hidden = false;
}

function markNav(name) {
	for (const a of document.querySelectorAll('.nav-link')) {
		const on = a.dataset.route === name || (name === 'trainee' && a.dataset.route === 'accreditation');
		if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
		a.classList.toggle('is-active', on);
	}
}

function showSignIn(message) {
	if (current) current.abort();
	me = null;
	el('nav').hidden = true;
	el('who').hidden = true;
	clear(el('view'));
	el('sign-in').hidden = false;
	document.body.dataset.view = 'sign-in';
	document.title = 'Sign in – raslog';
	const input = el('token');
	input.value = '';
	setFieldError(message || '');
	if (!firstRender || message) el('sign-in-title').focus();
	firstRender = false;
}

function setFieldError(msg) {
	const input = el('token'), err = el('token-error');
	err.hidden = !msg;
	clear(err);
	if (msg) err.append(h('span', { class: 'visually-hidden' }, 'Error: '), msg);
	el('field-token').classList.toggle('has-error', !!msg);
	if (msg) {
		input.setAttribute('aria-invalid', 'true');
		input.setAttribute('aria-describedby', 'token-hint token-error');
	} else {
		input.removeAttribute('aria-invalid');
		input.setAttribute('aria-describedby', 'token-hint');
	}
}

async function signIn(event) {
	event.preventDefault();
	const token = el('token').value.trim();
	if (!token) {
		setFieldError('Enter your access token');
		el('token').focus();
		return;
	}
	const button = event.submitter || el('sign-in-form').querySelector('button');
	button.setAttribute('aria-disabled', 'true');
	try {
		const user = await api('/me', { token });
		setToken(token);
		start(user, true);
	} catch (e) {
		let msg = e.message;
		if (e instanceof ApiError && e.status === 401) msg = 'That token was not accepted. Check it and try again.';
		else if (e instanceof ApiError && e.status === 429)
			msg = `Too many failed sign-in attempts. Try again in ${e.problem.retry_after || 'a few'} seconds.`;
		setFieldError(msg);
		el('token').focus();
	} finally {
		button.removeAttribute('aria-disabled');
	}
}

function start(user, announceIt) {
	me = { ...user, roles: Array.isArray(user.roles) ? user.roles : [] };
	el('sign-in').hidden = true;
	renderNav();
	if (announceIt) announce(`Signed in as ${me.name}.`);
	const { name } = parseHash();
	if (!name || !ROUTES[name]) navigate(`#/${defaultRoute(me)}`, { replace: true });
	else route();
}

async function signOut() {
	// A cookie session is ended on the server too, before the page says so; a token just leaves this tab.
	const session = hasSession();
	if (session) await api('/session/logout', { method: 'POST' }).catch(() => {});
	clearToken();
	history.replaceState(null, '', '#/');
	showSignIn();
	announce(session ? 'You have signed out. Your session on this device has ended.'
		: 'You have signed out. The token has been removed from this browser.');
}

/* #/invitation/CODE: the landing page of an invitation link, signed in or not. */
function invitationRoute() {
	const { name, params } = parseHash();
	if (name !== 'invitation' || !params[0]) return false;
	if (current) current.abort();
	me = null;
	el('nav').hidden = true;
	el('who').hidden = true;
	el('sign-in').hidden = true;
	signin.renderInvitation(el('view'), params[0], (user) => start(user, true));
	firstRender = false;
	return true;
}

async function route() {
	if (invitationRoute()) return;
	if (!me) return;
	const { name, params, query } = parseHash();
	if (!name || !ROUTES[name]) {
		// A fragment such as #main (the skip link) is not a route.
		if (!location.hash || location.hash.startsWith('#/')) navigate(`#/${defaultRoute(me)}`, { replace: true });
		return;
	}
	const r = ROUTES[name];
	if (current) current.abort();
	current = new AbortController();
	const view = clear(el('view'));
	if (!firstRender) el('status').textContent = '';
	document.body.dataset.view = name;
	markNav(name);
	const focusTitle = !firstRender;
	firstRender = false;
	if (!allowed(name, me)) {
		document.title = 'Not available – raslog';
		view.append(h('h1', { tabindex: '-1', class: 'view-title' }, 'This page is not available to you'),
			h('p', null, `${r.label} is for the ${r.roles.join(' or ')} role; you are signed in as ${me.roles.join(', ')}.`),
			h('p', null, h('a', { href: `#/${defaultRoute(me)}` }, 'Go to your start page')));
		view.querySelector('h1').focus();
		return;
	}
	document.title = `${r.label} – raslog`;
	view.setAttribute('aria-busy', 'true');
	const ctx = { me, name, params, query, signal: current.signal, navigate, setTitle: (t) => { document.title = `${t} – raslog`; } };
	try {
		await r.view.render(view, ctx);
	} catch (e) {
		if (e?.name === 'AbortError' || ctx.signal.aborted) return;
		if (e instanceof ApiError && e.status === 401) return;
		console.error(e);
		if (!view.querySelector('h1')) view.prepend(h('h1', { tabindex: '-1', class: 'view-title' }, r.label));
		view.append(errorBox(e, e instanceof ApiError && e.status === 404 ? 'Not found' : 'This page could not be loaded'));
	} finally {
		if (!ctx.signal.aborted) view.removeAttribute('aria-busy');
	}
	if (ctx.signal.aborted) return;
	if (focusTitle) {
		const h1 = view.querySelector('h1');
		if (h1) h1.focus({ preventScroll: false });
	}
}

function init() {
	el('sign-in-form').addEventListener('submit', signIn);
	el('sign-out').addEventListener('click', signOut);
	// The skip link: focus main without turning the fragment into a route.
	document.querySelector('.skip-link').addEventListener('click', (e) => {
		e.preventDefault();
		const target = el('view').querySelector('h1') || el('sign-in').querySelector('h1') || el('main');
		target.focus();
	});
	window.addEventListener('hashchange', route);
	signin.mount(start);
	window.addEventListener('raslog:signed-out', (e) => {
		clearToken();
		history.replaceState(null, '', '#/');
		showSignIn();
		announce(e.detail || 'You have signed out.');
	});
	setUnauthorizedHandler(() => {
		clearToken();
		showSignIn('Your session has ended or the token was revoked. Sign in again.');
	});
	if (invitationRoute()) return;
	const token = getToken();
	if (!token) {
		// Perhaps a web session (passkey or invitation sign-in) is still open in this browser.
		api('/me', { token: null }).then((user) => {
			setCsrf(user.csrf_token);
			start(user, false);
		}).catch(() => showSignIn());
		return;
	}
	api('/me').then((user) => start(user, false)).catch((e) => {
		if (e instanceof ApiError && e.status === 401) return; // handled above
		showSignIn();
		el('view').append(errorBox(e, 'The server could not be reached'));
	});
}

init();
