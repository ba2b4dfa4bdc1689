// mini-idp.mjs - a deliberately small OpenID provider for tests/api/83-oidc.sh:
// it signs ID tokens with `jose` (the library oidc-provider itself uses) and
// can be told to get them wrong, so raslogd's refusals can be tested one by
// one.  The real, certified provider is tests/oidc/provider.mjs.
//
//   node tests/oidc/mini-idp.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI [post]
//
// With "post" it offers and accepts only client_secret_post (the secret in
// the form) instead of client_secret_basic.
// Prints "listening PORT" once it serves http://127.0.0.1:PORT (the issuer).
//   GET  /.well-known/openid-configuration, GET /jwks
//   GET  /authorize    checks client_id, redirect_uri, S256; answers 302 back
//                      with a code and the state (or error=access_denied)
//   POST /token        client_secret_basic, the code once, PKCE verifier;
//                      an ID token shaped by the current mode
//   POST /mode         body: MODE [EMAIL]; modes: ok, es256, wrong-aud,
//                      multi-aud, expired, future, bad-sig, unknown-kid,
//                      wrong-nonce, wrong-iss, unverified, no-email, none,
//                      hs256, deny, token-error
// Every token request is logged to stdout as "token MODE CODE".

import http from 'node:http';
import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'js', 'package.json'));
const jose = await import(pathToFileURL(require.resolve('jose')).href);

const [CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, AUTH] = process.argv.slice(2);
const POST = AUTH === 'post';
if (!CLIENT_ID || !CLIENT_SECRET || !REDIRECT_URI) {
	console.error('usage: node mini-idp.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI');
	process.exit(2);
}

const rsa = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const ec = await jose.generateKeyPair('ES256', { extractable: true });
const rogue = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwks = { keys: [
	{ ...(await jose.exportJWK(rsa.publicKey)), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
	{ ...(await jose.exportJWK(ec.publicKey)), kid: 'ec-1', use: 'sig', alg: 'ES256' },
] };

let mode = 'ok', email = 'olu.oidc@test.raslog.org';
const codes = new Map(); // code -> { nonce, challenge, redirect, used }
let ISSUER = '';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

async function idToken(nonce) {
	const now = Math.floor(Date.now() / 1000);
	const claims = { sub: 'sub-' + crypto.createHash('sha256').update(email).digest('hex').slice(0, 16), email,
		email_verified: true, name: 'Olu Oidc', nonce, aud: CLIENT_ID, iss: ISSUER, iat: now, exp: now + 300 };
	let key = rsa.privateKey, header = { alg: 'RS256', kid: 'rsa-1' };
	switch (mode) {
	case 'es256': key = ec.privateKey; header = { alg: 'ES256', kid: 'ec-1' }; break;
	case 'wrong-aud': claims.aud = 'another-app'; break;
	case 'multi-aud': claims.aud = [CLIENT_ID, 'another-app']; break; // several audiences and no azp
	case 'expired': claims.iat = now - 900; claims.exp = now - 600; break;
	case 'future': claims.iat = now + 3600; claims.exp = now + 3900; break;
	case 'bad-sig': key = rogue.privateKey; break; // a key the provider does not publish, under a published kid
	case 'unknown-kid': key = rogue.privateKey; header = { alg: 'RS256', kid: 'rogue' }; break;
	case 'wrong-nonce': claims.nonce = b64u(crypto.randomBytes(32)); break;
	case 'wrong-iss': claims.iss = 'https://idp.evil.example'; break;
	case 'unverified': claims.email_verified = false; break;
	case 'no-email': delete claims.email; break;
	case 'none':
		return `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(claims))}.`;
	case 'hs256': key = new TextEncoder().encode(CLIENT_SECRET); header = { alg: 'HS256', kid: 'rsa-1' }; break;
	}
	return new jose.SignJWT(claims).setProtectedHeader(header).sign(key);
}

function form(req) {
	return new Promise((resolve) => {
		let body = '';
		req.on('data', (c) => { body += c; });
		req.on('end', () => resolve(body));
	});
}

function json(res, status, obj) {
	res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
	res.end(JSON.stringify(obj));
}

const server = http.createServer(async (req, res) => {
	const url = new URL(req.url, ISSUER);
	try {
		if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
			return json(res, 200, { issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`,
				token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks`, response_types_supported: ['code'],
				subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256', 'ES256'],
				code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: [POST ? 'client_secret_post' : 'client_secret_basic'] });
		}
		if (req.method === 'GET' && url.pathname === '/jwks') return json(res, 200, jwks);
		if (req.method === 'GET' && url.pathname === '/authorize') {
			const q = url.searchParams;
			if (q.get('client_id') !== CLIENT_ID || q.get('redirect_uri') !== REDIRECT_URI || q.get('response_type') !== 'code' ||
			    q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !q.get('nonce') ||
			    !q.get('scope')?.split(' ').includes('openid'))
				return json(res, 400, { error: 'invalid_request', got: Object.fromEntries(q) });
			const back = new URL(REDIRECT_URI);
			if (mode === 'deny') {
				back.searchParams.set('error', 'access_denied');
				back.searchParams.set('error_description', 'The user declined');
			} else {
				const code = b64u(crypto.randomBytes(24));
				codes.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), used: false });
				back.searchParams.set('code', code);
			}
			back.searchParams.set('state', q.get('state'));
			res.writeHead(302, { Location: back.href });
			return res.end();
		}
		if (req.method === 'POST' && url.pathname === '/token') {
			const p = new URLSearchParams(await form(req));
			const auth = (req.headers.authorization || '').replace(/^Basic /, '');
			const [id, secret] = POST ? [req.headers.authorization ? null : p.get('client_id'), p.get('client_secret')]
				: Buffer.from(auth, 'base64').toString().split(':').map(decodeURIComponent);
			if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(res, 401, { error: 'invalid_client' });
			const c = codes.get(p.get('code'));
			console.log(`token ${mode} ${p.get('code')}`);
			if (mode === 'token-error') return json(res, 400, { error: 'invalid_grant', error_description: 'told to fail' });
			if (!c || c.used) return json(res, 400, { error: 'invalid_grant', error_description: 'code unknown or already used' });
			c.used = true;
			const s256 = crypto.createHash('sha256').update(p.get('code_verifier') || '').digest('base64url');
			if (s256 !== c.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verifier does not match' });
			if (p.get('redirect_uri') !== REDIRECT_URI || p.get('grant_type') !== 'authorization_code')
				return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri or grant_type' });
			return json(res, 200, { access_token: b64u(crypto.randomBytes(16)), token_type: 'Bearer', expires_in: 300,
				id_token: await idToken(c.nonce) });
		}
		if (req.method === 'POST' && url.pathname === '/mode') {
			const [m, e] = (await form(req)).trim().split(/\s+/);
			mode = m;
			email = e || 'olu.oidc@test.raslog.org';
			res.writeHead(204);
			return res.end();
		}
		json(res, 404, { error: 'not_found' });
	} catch (e) {
		json(res, 500, { error: 'server_error', error_description: String(e) });
	}
});

server.listen(0, '127.0.0.1', () => {
	ISSUER = `http://127.0.0.1:${server.address().port}`;
	console.log(`listening ${server.address().port}`);
});
