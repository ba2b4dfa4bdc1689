// 81-passkeys.mjs URL ORIGIN ADMIN_TOKEN - the passkey API against a real
// raslogd whose public_url is ORIGIN (http://localhost:PORT), driven by the
// software authenticator in tests/js/softauthn.mjs: registration (none and
// packed, ES256 and EdDSA) and sign-in, and every refusal: another origin,
// an unknown, spent or replayed challenge, another RP id, no user
// verification, a bad signature, a counter that does not increase, an
// unknown credential, a foreign user handle, a cross-site request; then
// list, remove (not the last), deactivation.  Prints TAP (numbered from
// START), the last line "# next N".
import { SoftKey, b64u, FLAG_UP, FLAG_AT } from '../js/softauthn.mjs';
import { tap, webClient } from '../js/webclient.mjs';
import crypto from 'node:crypto';

const [URL, ORIGIN, ADMIN, START] = process.argv.slice(2);
const P = 'urn:raslog:problem:';
const { ok, done } = tap(START);
const Client = webClient(URL, ORIGIN);

const admin = new Client();
admin.bearer = ADMIN;

/* ------------------------------------------------------------ invitation, then a passkey */

const inv = await admin.req('POST', '/api/v1/invitations', { name: 'Priya Shah', email: 'priya.shah@test.raslog.org', roles: ['trainee'] });
ok(inv.status === 201 && inv.json.url.startsWith(`${ORIGIN}/#/invitation/`), 'the invitation link is under public_url', inv.json);
const code = inv.json.url.split('/#/invitation/')[1];
const priya = new Client();
const acc = await priya.req('POST', '/api/v1/invitations/accept', { code });
ok(acc.status === 201 && priya.cookie && priya.csrf, 'accepting signs the person in with a web session', acc.json);
const priyaId = acc.json.user.id;

let opt = await priya.req('POST', '/api/v1/passkeys/register/options');
ok(opt.status === 200 && opt.json.rp.id === 'localhost' && opt.json.challenge.length === 43 &&
	opt.json.user.id.length === 43 && opt.json.user.name === 'priya.shah@test.raslog.org' &&
	opt.json.attestation === 'none' && opt.json.authenticatorSelection.userVerification === 'required' &&
	opt.json.pubKeyCredParams.map((p) => p.alg).join() === '-7,-8' && opt.json.excludeCredentials.length === 0,
'creation options: RP id localhost, random challenge and user handle, ES256 and EdDSA, user verification required', opt.json);
ok(opt.headers.get('cache-control') === 'no-store', 'options are not cached');
const handle = opt.json.user.id;

const k1 = new SoftKey(-7);
async function register(client, key, t = {}, name = 'Laptop') {
	const o = await client.req('POST', '/api/v1/passkeys/register/options');
	const cred = key.create(o.json, ORIGIN, t);
	return { r: await client.req('POST', '/api/v1/passkeys/register', { name, credential: cred }), o: o.json, cred };
}
const count = async () => (await priya.req('GET', '/api/v1/passkeys')).json.items.length;

let r = await register(priya, k1, { origin: 'https://evil.example' });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-origin', 'registration from another origin: 400 passkey-origin', r.r.json);
{
	const again = await priya.req('POST', '/api/v1/passkeys/register', { name: 'x', credential: k1.create(r.o, ORIGIN) });
	ok(again.status === 400 && again.json.type === P + 'passkey-challenge', 'the wrong-origin registration spent its challenge', again.json);
}
r = await register(priya, k1, { challenge: b64u(crypto.randomBytes(32)) });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-challenge', 'registration with a challenge we never issued: 400', r.r.json);
r = await register(priya, k1, { rpId: 'evil.example' });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-rp-id', 'registration for another RP id: 400 passkey-rp-id', r.r.json);
const spent = r.o;
r = { r: await priya.req('POST', '/api/v1/passkeys/register', { name: 'x', credential: k1.create(spent, ORIGIN) }) };
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-challenge', 'a refused registration spends its challenge', r.r.json);
r = await register(priya, k1, { flags: FLAG_UP | FLAG_AT });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-user-verification', 'registration without user verification: 400', r.r.json);
r = await register(priya, k1, { fmt: 'packed-badsig' });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-attestation', 'packed attestation with a bad signature: 400 passkey-attestation', r.r.json);
r = await register(priya, k1, { fmt: 'fido-u2f' });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-attestation', 'an attestation format raslog does not take: 400', r.r.json);
r = await register(priya, k1, { id: crypto.randomBytes(32) });
ok(r.r.status === 400 && r.r.json.type === P + 'passkey-credential-id', 'a credential id other than the authenticator data\'s: 400', r.r.json);
r = { r: await priya.req('POST', '/api/v1/passkeys/register', { name: 'x', credential: { id: 'AA', type: 'public-key', response: {} } }) };
ok(r.r.status === 400 && r.r.json.errors?.some((e) => e.field === 'clientDataJSON'), 'a registration missing its parts names them', r.r.json);
ok(await count() === 0, 'nothing refused was stored');

r = await register(priya, k1, {}, 'Work laptop');
ok(r.r.status === 201 && r.r.json.name === 'Work laptop', 'attestation "none" with an ES256 key: registered (201)', r.r.json);
const pk1 = r.r.json.id;
r = { r: await priya.req('POST', '/api/v1/passkeys/register', { name: 'again', credential: k1.create((await priya.req('POST', '/api/v1/passkeys/register/options')).json, ORIGIN) }) };
ok(r.r.status === 409 && r.r.json.type === P + 'passkey-exists', 'the same credential twice: 409', r.r.json);
opt = await priya.req('POST', '/api/v1/passkeys/register/options');
ok(opt.json.excludeCredentials.length === 1 && opt.json.excludeCredentials[0].id === b64u(k1.id) && opt.json.user.id === handle,
	'options exclude the registered passkey and keep the user handle', opt.json);

const k2 = new SoftKey(-8);
r = await register(priya, k2, { fmt: 'packed' }, 'Phone');
ok(r.r.status === 201, 'packed self attestation with an EdDSA key: registered', r.r.json);
const pk2 = r.r.json.id;

const list = await priya.req('GET', '/api/v1/passkeys');
ok(list.status === 200 && list.json.items.length === 2 && list.json.items[0].name === 'Work laptop' &&
	list.json.items[1].algorithm === 'EdDSA' && list.json.items[0].last_used_at === null && list.json.items[0].created_at,
'GET /passkeys lists both with name, algorithm, created and last used', list.json);

/* ------------------------------------------------------------ sign-in */

async function login(key, t = {}, client = new Client()) {
	const o = await client.req('POST', '/api/v1/passkeys/login/options');
	const cred = key.get(o.json, ORIGIN, t);
	const res = await client.req('POST', '/api/v1/passkeys/login', { credential: cred });
	return { res, o: o.json, cred, client };
}

let L = await login(k1);
ok(L.o.rpId === 'localhost' && L.o.userVerification === 'required' && L.o.allowCredentials.length === 0,
	'request options: RP id, user verification required, discoverable credentials', L.o);
ok(L.res.status === 200 && L.res.json.user.id === priyaId && L.client.cookie && L.res.json.csrf_token,
	'a good ES256 assertion signs in and sets the session cookie', L.res.json);
const me = await L.client.req('GET', '/api/v1/me');
ok(me.status === 200 && me.json.id === priyaId && me.json.auth === 'session', 'the cookie authenticates /me as a session', me.json);
const setc = L.res.headers.get('set-cookie') || '';
ok(/HttpOnly/.test(setc) && /SameSite=Strict/.test(setc), 'the cookie is HttpOnly and SameSite=Strict', setc);

const replay = await new Client().req('POST', '/api/v1/passkeys/login', { credential: L.cred });
ok(replay.status === 401 && replay.json.type === P + 'passkey-challenge', 'a replayed assertion is refused (challenge spent)', replay.json);

L = await login(k1, { challenge: b64u(crypto.randomBytes(32)) });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-challenge', 'an assertion over a challenge we never issued: 401', L.res.json);
L = await login(k1, { origin: 'https://evil.example' });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-origin', 'an assertion made on another origin: 401 passkey-origin', L.res.json);
{
	const again = await new Client().req('POST', '/api/v1/passkeys/login', { credential: k1.get(L.o, ORIGIN) });
	ok(again.status === 401 && again.json.type === P + 'passkey-challenge', 'the wrong-origin attempt spent its challenge', again.json);
}
L = await login(k1, { rpId: 'evil.example' });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-rp-id', 'an assertion for another RP id: 401', L.res.json);
L = await login(k1, { flags: FLAG_UP });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-user-verification', 'no user verification flag: 401', L.res.json);
L = await login(k1, { badSig: true });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-signature', 'a bad signature: 401 passkey-signature', L.res.json);
L = await login(k1, { counter: 1 });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-counter', 'a counter that does not increase: 401 passkey-counter', L.res.json);
L = await login(new SoftKey(-7));
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-unknown', 'an unregistered credential: 401 passkey-unknown', L.res.json);
L = await login(k1, { userHandle: b64u(crypto.randomBytes(32)) });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-user-handle', 'a user handle that is not the passkey\'s: 401', L.res.json);
{
	const c = new Client();
	const o = await c.req('POST', '/api/v1/passkeys/login/options', undefined, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
	ok(o.status === 403 && o.json.type === P + 'cross-site', 'sign-in options asked from another site: 403', o.json);
	const o2 = await c.req('POST', '/api/v1/passkeys/login/options');
	const l = await c.req('POST', '/api/v1/passkeys/login', { credential: k1.get(o2.json, ORIGIN) }, { Origin: 'https://evil.example' });
	ok(l.status === 403 && !c.cookie, 'a sign-in posted from another site: 403, no cookie', l.json);
}
L = await login(k1);
ok(L.res.status === 200, 'the passkey still signs in after the refusals (counter kept increasing)', L.res.json);
L = await login(k2, { counter: 0 });
ok(L.res.status === 200, 'an EdDSA passkey whose counter stays 0 signs in', L.res.json);
const old = L.client.cookie;
L = await login(k2, { counter: 0 }, L.client);
ok(L.res.status === 200 && L.client.cookie !== old, 'signing in again rotates the session id', L.res.json);
{
	const stale = new Client(); stale.cookie = old;
	ok((await stale.req('GET', '/api/v1/me')).status === 401, 'the replaced session no longer works');
}
const used = (await priya.req('GET', '/api/v1/passkeys')).json.items;
ok(used.every((p) => p.last_used_at), 'last use is recorded', used);

/* ------------------------------------------------------------ removal */

const noCsrf = new Client(); noCsrf.cookie = L.client.cookie;
r = await noCsrf.req('DELETE', `/api/v1/passkeys/${pk1}`);
ok(r.status === 403 && r.json.type === P + 'csrf', 'removing a passkey by cookie needs the CSRF token', r.json);
const other = new Client();
other.bearer = ADMIN;
r = await other.req('DELETE', `/api/v1/passkeys/${pk1}`);
ok(r.status === 404, 'someone else\'s passkey cannot be removed (404)', r.json);
r = await L.client.req('DELETE', `/api/v1/passkeys/${pk1}`);
ok(r.status === 200 && r.json.removed === true, 'removing one of two passkeys: 200', r.json);
r = await L.client.req('DELETE', `/api/v1/passkeys/${pk2}`);
ok(r.status === 409 && r.json.type === P + 'last-passkey', 'removing the last passkey: 409 last-passkey', r.json);
L = await login(k1);
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-unknown', 'a removed passkey no longer signs in', L.res.json);

/* ------------------------------------------------------------ deactivation */

r = await admin.req('PATCH', `/api/v1/users/${priyaId}`, { active: false });
ok(r.status === 200 && r.json.revoked >= 2, 'deactivation counts the passkey among what it revoked', r.json);
L = await login(k2, { counter: 0 });
ok(L.res.status === 401 && L.res.json.type === P + 'passkey-disabled', 'a deactivated person\'s passkey is refused', L.res.json);
r = await admin.req('PATCH', `/api/v1/users/${priyaId}`, { active: true });
L = await login(k2, { counter: 0 });
ok(r.status === 200 && L.res.status === 401 && L.res.json.type === P + 'passkey-disabled',
	'reactivating the account does not bring the old passkeys back', L.res.json);

done();
