// passkeys.js - WebAuthn in the browser: turns the server's JSON options
// (binary members as base64url) into what navigator.credentials expects,
// and the credential it returns back into JSON for the server.  The
// server (libfido2) checks everything; this file only carries bytes.

import { api } from './api.js';

const b64uToBuf = (s) => {
	const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
	const out = new Uint8Array(b.length);
	for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
	return out.buffer;
};
const bufToB64u = (buf) => {
	const bytes = new Uint8Array(buf);
	let s = '';
	for (const x of bytes) s += String.fromCharCode(x);
	return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export const supported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

function creationOptions(o) {
	return {
		...o,
		challenge: b64uToBuf(o.challenge),
		user: { ...o.user, id: b64uToBuf(o.user.id) },
		excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) })),
	};
}

function requestOptions(o) {
	return {
		...o,
		challenge: b64uToBuf(o.challenge),
		allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) })),
	};
}

function credentialJSON(cred) {
	const r = cred.response, response = { clientDataJSON: bufToB64u(r.clientDataJSON) };
	if (r.attestationObject) {
		response.attestationObject = bufToB64u(r.attestationObject);
		if (typeof r.getTransports === 'function') response.transports = r.getTransports();
	} else {
		response.authenticatorData = bufToB64u(r.authenticatorData);
		response.signature = bufToB64u(r.signature);
		if (r.userHandle) response.userHandle = bufToB64u(r.userHandle);
	}
	const id = bufToB64u(cred.rawId);
	return { id, rawId: id, type: cred.type, response };
}

/** A sentence for the errors navigator.credentials throws (the person cancelled, timed out, ...). */
export function browserMessage(e) {
	if (e?.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out. Try again when you are ready.';
	if (e?.name === 'InvalidStateError') return 'This device already holds a passkey for your account here.';
	if (e?.name === 'SecurityError') return 'This browser refused to use a passkey for this address.';
	return null;
}

/** Creates a passkey on this device for the signed-in person; resolves with the server's record. */
export async function register(name) {
	const options = await api('/passkeys/register/options', { method: 'POST' });
	const cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
	return api('/passkeys/register', { method: 'POST', body: { name, credential: credentialJSON(cred) } });
}

/** Signs in with a passkey; resolves with {user, csrf_token, session_expires_at} (the cookie is set). */
export async function signIn() {
	const options = await api('/passkeys/login/options', { method: 'POST', token: null });
	const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
	return api('/passkeys/login', { method: 'POST', token: null, body: { credential: credentialJSON(cred) } });
}
