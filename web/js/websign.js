// websign.js - signing in the browser, for trainers on a phone.
//
// The device's signing key is a WebCrypto Ed25519 key pair generated with
// extractable = false and kept in IndexedDB on this device (a CryptoKey is
// stored as itself, never as bytes): the page can ask the browser to sign
// with it but can never read the private key, and it never leaves the
// device.  One key per user per origin.
//
// The statements are built exactly as the command-line client builds them
// (core/domain/statements.c, cli/sign.c) and signed over
//   "RASLOG-STATEMENT-v1\n" || JCS(statement)
// with the same JCS code the page's ledger checker uses (verify.js), so the
// server verifies a web signature as it verifies the CLI's.

import { api } from './api.js';
import { PREFIX, jcs } from './verify.js';

const DB = 'raslog-keys';
const STORE = 'keys';
export const KEY_PROOF_PREFIX = 'RASLOG-KEY-PROOF-v1\n';

function idb(mode, fn) {
	return new Promise((resolve, reject) => {
		const open = indexedDB.open(DB, 1);
		open.onupgradeneeded = () => open.result.createObjectStore(STORE);
		open.onerror = () => reject(open.error);
		open.onsuccess = () => {
			const db = open.result;
			const tx = db.transaction(STORE, mode);
			let out;
			Promise.resolve(fn(tx.objectStore(STORE))).then((r) => { out = r; }, reject);
			tx.oncomplete = () => { db.close(); resolve(out); };
			tx.onerror = () => { db.close(); reject(tx.error); };
		};
	});
}
const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

const slot = (user) => `${location.origin}|${user}`;

export const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** This device's key record for user: {user, public_key, key_id, privateKey, created_at}, or null. */
export async function deviceKey(user) {
	if (!globalThis.indexedDB) return null;
	return (await idb('readonly', (s) => req(s.get(slot(user))))) || null;
}

export async function forgetDeviceKey(user) {
	await idb('readwrite', (s) => req(s.delete(slot(user))));
}

/** RFC 3339 UTC without fractions, as the CLI writes signed_at. */
export const nowRfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function signText(privateKey, text) {
	return b64(await crypto.subtle.sign('Ed25519', privateKey, new TextEncoder().encode(text)));
}

/**
 * Generates this device's key (non-extractable), registers it with the
 * server with proof of possession (docs/api.md, Keys) and stores it.
 * Resolves the stored record.
 */
export async function createDeviceKey(user) {
	const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
	const publicKey = b64(await crypto.subtle.exportKey('raw', pair.publicKey));
	const health = await api('/health');
	const server = health?.public_url;
	if (!server) throw new Error('the server does not say its public URL (GET /health), so the key cannot be registered');
	const proof = await signText(pair.privateKey, KEY_PROOF_PREFIX + jcs({ key: publicKey, server, user }));
	const reg = await api('/keys', { method: 'POST', body: { public_key: publicKey, proof } });
	const rec = { user, public_key: publicKey, key_id: reg?.id, privateKey: pair.privateKey, created_at: reg?.created_at || nowRfc3339() };
	await idb('readwrite', (s) => req(s.put(rec, slot(user))));
	return rec;
}

const CERTIFIED = ['id', 'trainee', 'trainer', 'date', 'minutes', 'activity', 'platform', 'site',
	'procedure', 'steps', 'role', 'notes', 'created_at'];

/** The session's certified fields (core/domain/sessions.c rl_session_certified_fields). */
export function certifiedFields(session) {
	const o = {};
	for (const k of CERTIFIED)
		if (session[k] !== undefined && session[k] !== null) o[k] = session[k];
	return o;
}

function base(type, by) {
	return { v: 1, type, signer: by.user, key: by.key, signed_at: by.signed_at };
}

/** rl_stmt_session_signoff: a confirmation carries the trainer's role and steps, a rejection its reason. */
export function sessionStatement(session, decision, { role, steps, reason } = {}, by) {
	const o = base('session_signoff', by);
	o.decision = decision;
	o.session = certifiedFields(session);
	if (decision === 'confirmed') {
		if (role) o.role = role;
		if (Array.isArray(steps) && steps.length) o.steps = [...steps];
	}
	if (reason) o.reason = reason;
	return o;
}

/** rl_stmt_device_key: approve a further key of user. */
export function deviceKeyStatement(user, publicKey, by) {
	const o = base('device_key', by);
	o.user = user;
	o.public_key = publicKey;
	return o;
}

/** rl_stmt_simulator_import: a trainer countersigns (or rejects) a simulator import as a whole; imp is GET /imports/{id}. */
export function simulatorImportStatement(imp, decision, reason, by) {
	const o = base('simulator_import', by);
	const i = {};
	for (const k of ['id', 'trainee', 'trainer', 'attempts']) i[k] = Number.isInteger(imp[k]) ? imp[k] : 0;
	for (const k of ['kind', 'sha256', 'attempts_sha256']) i[k] = typeof imp[k] === 'string' ? imp[k] : '';
	if (Array.isArray(imp.items))
		i.results = imp.items.map((a) => ({ platform: a.platform || '', exercise: a.exercise || '', attempt_at: a.attempt_at || '',
			score_bp: Math.round(Number(a.score_pct) * 100), passed: a.passed === true ? 1 : 0 }));
	o.decision = decision;
	o.import = i;
	if (reason) o.reason = reason;
	return o;
}

/**
 * rl_stmt_elearning_confirmation: a trainer or faculty confirms (or rejects) a
 * certificate import; unverifiedOk says the signer confirms an unverified one on purpose.
 */
export function elearningStatement(imp, decision, reason, unverifiedOk, by) {
	const o = base('elearning_confirmation', by);
	const c = imp.certificate || {};
	const str = (v) => (typeof v === 'string' ? v : '');
	o.decision = decision;
	o.import = { id: imp.id, trainee: imp.trainee, kind: str(imp.kind), sha256: str(imp.sha256), attempts_sha256: str(imp.attempts_sha256),
		certificate_kind: str(c.kind), issuer: str(c.issuer), achievement: str(c.achievement), completed_on: str(c.completed_on),
		verified: c.verified === true };
	if (unverifiedOk) o.unverified_ok = true;
	if (reason) o.reason = reason;
	return o;
}

/** The exact bytes that are signed, as text. */
export const message = (statement) => PREFIX + jcs(statement);

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Free text is committed to, never embedded (docs/ledger.md, Free text;
 * core/ledger/texts.h rl_texts_seal): each of "reason" and "session.notes"
 * becomes "<name>_commit": "sha256:" + hex(SHA-256(salt || UTF-8 text))
 * with a fresh 32-byte salt, and "v" 2.  Resolves {statement, texts}.
 */
export async function seal(plain) {
	const statement = JSON.parse(JSON.stringify(plain));
	const texts = {};
	for (const path of ['reason', 'session.notes']) {
		const [first, last] = path.includes('.') ? path.split('.') : [null, path];
		const parent = first ? statement[first] : statement;
		if (!parent || typeof parent !== 'object' || typeof parent[last] !== 'string') continue;
		const salt = crypto.getRandomValues(new Uint8Array(32));
		const text = new TextEncoder().encode(parent[last]);
		const both = new Uint8Array(salt.length + text.length);
		both.set(salt);
		both.set(text, salt.length);
		texts[path] = { text: parent[last], salt: hex(salt) };
		delete parent[last];
		parent[`${last}_commit`] = `sha256:${hex(await crypto.subtle.digest('SHA-256', both))}`;
		statement.v = 2;
	}
	return { statement, texts };
}

/** Seals the statement's free text, signs with this device's key and posts to /signoffs; resolves the server's reply. */
export async function submit(rec, plain) {
	const { statement, texts } = await seal(plain);
	const signature = await signText(rec.privateKey, message(statement));
	const body = { statement, signature };
	if (Object.keys(texts).length) body.texts = texts;
	return api('/signoffs', { method: 'POST', body });
}
