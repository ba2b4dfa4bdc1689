// softauthn.mjs - a software WebAuthn authenticator for the API tests: it
// makes the registration (attestation "none" or "packed" self attestation)
// and sign-in (assertion) answers a browser would send, with ES256 or
// Ed25519 keys from node:crypto, and lets a test tamper with any part
// (origin, challenge, RP id, flags, counter, signature) to check that the
// server refuses it.  The tiny CBOR encoder below writes only what these
// answers need (maps, byte and text strings, small integers).

import crypto from 'node:crypto';

/* ------------------------------------------------------------ CBOR (encode only) */

function head(major, n) {
	if (n < 24) return Buffer.from([(major << 5) | n]);
	if (n < 256) return Buffer.from([(major << 5) | 24, n]);
	if (n < 65536) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
	const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

export function cbor(v) {
	if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
	if (typeof v === 'string') { const s = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, s.length), s]); }
	if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
	if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
	if (v instanceof Map) {
		const parts = [head(5, v.size)];
		for (const [k, x] of v) parts.push(cbor(k), cbor(x));
		return Buffer.concat(parts);
	}
	if (v && typeof v === 'object') return cbor(new Map(Object.entries(v)));
	throw new Error(`cbor: cannot encode ${v}`);
}

/* ------------------------------------------------------------ helpers */

export const b64u = (b) => Buffer.from(b).toString('base64url');
export const unb64u = (s) => Buffer.from(s, 'base64url');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };

export const FLAG_UP = 0x01, FLAG_UV = 0x04, FLAG_AT = 0x40;

/* ------------------------------------------------------------ the authenticator */

export class SoftKey {
	/** alg: -7 (ES256) or -8 (EdDSA). */
	constructor(alg = -7) {
		this.alg = alg;
		const { privateKey, publicKey } = alg === -8 ? crypto.generateKeyPairSync('ed25519')
			: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
		this.priv = privateKey;
		this.pub = publicKey;
		this.id = crypto.randomBytes(32);
		this.counter = 0;
		this.userHandle = null;
	}

	coseKey() {
		const jwk = this.pub.export({ format: 'jwk' });
		if (this.alg === -8) return cbor(new Map([[1, 1], [3, -8], [-1, 6], [-2, unb64u(jwk.x)]]));
		return cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, unb64u(jwk.x)], [-3, unb64u(jwk.y)]]));
	}

	sign(data) {
		return this.alg === -8 ? crypto.sign(null, data, this.priv) : crypto.sign('sha256', data, this.priv);
	}

	/**
	 * The answer to navigator.credentials.create(options), as toJSON() gives it.
	 * t: {origin, rpId, challenge, flags, fmt ('none'|'packed'|'packed-badsig'|other), type, id}
	 */
	create(options, origin, t = {}) {
		const rpId = t.rpId ?? options.rp.id;
		const clientData = Buffer.from(JSON.stringify({ type: t.type ?? 'webauthn.create',
			challenge: t.challenge ?? options.challenge, origin: t.origin ?? origin, crossOrigin: false }));
		const flags = t.flags ?? (FLAG_UP | FLAG_UV | FLAG_AT);
		const idLen = Buffer.alloc(2); idLen.writeUInt16BE(this.id.length);
		const authData = Buffer.concat([sha256(Buffer.from(rpId)), Buffer.from([flags]), u32(this.counter),
			Buffer.alloc(16), idLen, this.id, this.coseKey()]);
		const fmt = t.fmt ?? 'none';
		let attStmt = new Map();
		if (fmt.startsWith('packed')) {
			const sig = this.sign(Buffer.concat([authData, sha256(clientData)]));
			if (fmt === 'packed-badsig') sig[sig.length - 1] ^= 1;
			attStmt = new Map([['alg', this.alg], ['sig', sig]]);
		}
		const attObj = cbor(new Map([['fmt', fmt.replace('-badsig', '')], ['attStmt', attStmt], ['authData', authData]]));
		this.userHandle = options.user?.id ?? null;
		const id = b64u(t.id ?? this.id);
		return { id, rawId: id, type: 'public-key',
			response: { clientDataJSON: b64u(clientData), attestationObject: b64u(attObj), transports: ['internal'] },
			clientExtensionResults: {} };
	}

	/**
	 * The answer to navigator.credentials.get(options).
	 * t: {origin, rpId, challenge, flags, counter, badSig, userHandle, type, id}
	 */
	get(options, origin, t = {}) {
		const rpId = t.rpId ?? options.rpId;
		if (t.counter === undefined) this.counter++;
		const counter = t.counter ?? this.counter;
		const clientData = Buffer.from(JSON.stringify({ type: t.type ?? 'webauthn.get',
			challenge: t.challenge ?? options.challenge, origin: t.origin ?? origin, crossOrigin: false }));
		const authData = Buffer.concat([sha256(Buffer.from(rpId)), Buffer.from([t.flags ?? (FLAG_UP | FLAG_UV)]), u32(counter)]);
		const sig = this.sign(Buffer.concat([authData, sha256(clientData)]));
		if (t.badSig) sig[sig.length - 1] ^= 1;
		const id = b64u(t.id ?? this.id);
		const response = { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(sig) };
		const uh = t.userHandle ?? this.userHandle;
		if (uh) response.userHandle = uh;
		return { id, rawId: id, type: 'public-key', response, clientExtensionResults: {} };
	}
}
