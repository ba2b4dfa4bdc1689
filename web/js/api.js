// api.js - the only way the page talks to raslogd: the public JSON API at
// /api/v1, authenticated either by the web-session cookie a passkey or
// invitation sign-in set (HttpOnly, so the page never sees it; writes carry
// the session's CSRF token, held in memory only) or by a bearer token kept
// in sessionStorage (gone when the tab closes; sign-out removes it).  Errors arrive as RFC 9457 problems and are
// thrown as ApiError so views can show "detail" and "errors" as they are.

const BASE = '/api/v1';
const TOKEN_KEY = 'raslog.token';

export class ApiError extends Error {
	constructor(status, problem) {
		super(problem?.detail || problem?.title || `the server answered ${status}`);
		this.status = status;
		this.problem = problem || {};
		this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
	}
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (t) => sessionStorage.setItem(TOKEN_KEY, t);
/* The cookie session's CSRF token: in this module's memory, never in storage. */
let csrf = null;
export const setCsrf = (t) => { csrf = t || null; };
export const hasSession = () => !!csrf;
export function clearToken() {
	csrf = null;
	sessionStorage.removeItem(TOKEN_KEY);
	sessionStorage.removeItem('raslog.listHash');
	cache.clear();
}

/** Called with the ApiError when any call answers 401 (token expired or revoked). */
let onUnauthorized = () => {};
export const setUnauthorizedHandler = (fn) => { onUnauthorized = fn; };

/**
 * api('/me') / api('/sessions', {method: 'POST', body: {...}}).
 * Resolves with the parsed JSON (or text for other types); rejects with ApiError.
 */
export async function api(path, { method = 'GET', body, query, token = getToken(), signal } = {}) {
	let url = BASE + path;
	if (query) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query))
			if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
		const qs = q.toString();
		if (qs) url += (url.includes('?') ? '&' : '?') + qs;
	}
	const headers = { Accept: 'application/json' };
	if (token) headers.Authorization = `Bearer ${token}`;
	else if (csrf && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let res;
	try {
		res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
			signal, cache: 'no-store', credentials: token ? 'omit' : 'same-origin' });
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		throw new ApiError(0, { title: 'Network error', detail: 'the server cannot be reached; check your connection and try again' });
	}
	const type = res.headers.get('Content-Type') || '';
	let data = null;
	if (res.status !== 204) {
		const text = await res.text();
		if (type.includes('json')) {
			try {
				data = text ? JSON.parse(text) : null;
			} catch {
				data = null;
			}
		} else {
			data = text;
		}
	}
	if (!res.ok) {
		const problem = data && typeof data === 'object' ? data : { title: res.statusText, detail: `the server answered ${res.status}` };
		if (res.status === 429) {
			const after = res.headers.get('Retry-After');
			if (after) problem.retry_after = Number(after);
		}
		const err = new ApiError(res.status, problem);
		if (res.status === 401 && (token || csrf)) onUnauthorized(err);
		throw err;
	}
	return data;
}

/** The items of a list reply, whether {"items":[...]} or a bare array. */
export const itemsOf = (r) => (Array.isArray(r) ? r : Array.isArray(r?.items) ? r.items : []);

/** Every page of a list, up to max items. */
export async function all(path, query = {}, max = 1000) {
	const out = [];
	let cursor;
	do {
		const r = await api(path, { query: { ...query, limit: 200, cursor } });
		out.push(...itemsOf(r));
		cursor = Array.isArray(r) ? null : r?.next_cursor;
	} while (cursor && out.length < max);
	return out;
}

/* Reference data that rarely changes, fetched once per sign-in. */
const cache = new Map();
function once(key, fn) {
	if (!cache.has(key)) {
		const p = fn().catch((e) => {
			cache.delete(key);
			throw e;
		});
		cache.set(key, p);
	}
	return cache.get(key);
}

export const trainers = () => once('trainers', () => all('/trainers'));
export const tools = () => once('tools', () => api('/assessment-tools').then(itemsOf));
export const curricula = () => once('curricula', () => api('/curricula').then(itemsOf));
export const ledgerEntry = (i) => once(`ledger:${i}`, () => api(`/ledger/entries/${i}`));
export const ledgerKey = () => once('ledger-key', () => api('/ledger/key'));

/** A user's display name by id; falls back to "user N" when not visible. */
export function userName(id) {
	if (id === undefined || id === null) return Promise.resolve('');
	return once(`user:${id}`, async () => {
		try {
			const list = await trainers();
			const t = list.find((x) => x.id === id);
			if (t?.name) return t.name;
		} catch { /* fall through to /users */ }
		const u = await api(`/users/${id}`);
		return u?.name || `user ${id}`;
	}).catch(() => `user ${id}`);
}
