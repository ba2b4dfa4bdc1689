// 84-account-ratelimit.mjs URL ORIGIN ADMIN_TOKEN - sign-in is rate limited
// per account as well as per address (issue 14 item 6), against a raslogd
// serving with --auth-failures 3 behind a trusted proxy (127.0.0.1), so
// X-Forwarded-For names the client.  Two invited people register passkeys
// (tests/js/softauthn.mjs); three refused sign-ins to Priya's account, each
// from another address (none of them blocked: one failure each), block her
// account: her next good sign-in, from a fourth address, is 429; Sam's, from
// that same address, still works.  TAP; the last line "# next N".
import { SoftKey } from '../js/softauthn.mjs';
import { tap, webClient } from '../js/webclient.mjs';

const [URL, ORIGIN, ADMIN] = process.argv.slice(2);
const { ok, done } = tap(0);
const Client = webClient(URL, ORIGIN);
const admin = new Client({ 'X-Forwarded-For': '10.9.9.9' });
admin.bearer = ADMIN;

async function person(name, email, ip) {
	const inv = await admin.req('POST', '/api/v1/invitations', { name, email, roles: ['trainee'] });
	const c = new Client({ 'X-Forwarded-For': ip });
	const acc = await c.req('POST', '/api/v1/invitations/accept', { code: inv.json?.url?.split('/#/invitation/')[1] });
	const key = new SoftKey(-7);
	const o = await c.req('POST', '/api/v1/passkeys/register/options');
	const r = await c.req('POST', '/api/v1/passkeys/register', { name: 'Phone', credential: key.create(o.json, ORIGIN) });
	ok(acc.status === 201 && r.status === 201, `${name} is invited and registers a passkey`, [acc.json, r.json]);
	return { key, id: acc.json?.user?.id };
}
async function login(key, ip, t = {}) {
	const c = new Client({ 'X-Forwarded-For': ip });
	const o = await c.req('POST', '/api/v1/passkeys/login/options');
	return c.req('POST', '/api/v1/passkeys/login', { credential: key.get(o.json, ORIGIN, t) });
}

const priya = await person('Priya Shah', 'priya.shah@test.raslog.org', '10.0.0.100');
const sam = await person('Sam Lee', 'sam.lee@test.raslog.org', '10.0.0.101');
let r = await login(priya.key, '10.0.0.50');
ok(r.status === 200, 'Priya signs in', r.json);
for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
	r = await login(priya.key, ip, { badSig: true });
	ok(r.status === 401, `a refused sign-in to Priya's account from ${ip}: 401`, r.json);
}
r = await login(priya.key, '10.0.0.4');
ok(r.status === 429 && r.json?.type?.endsWith('rate-limited') && Number(r.headers.get('retry-after')) > 0,
	'her account is now blocked: a good sign-in from a fresh address gets 429 with Retry-After', r.json);
ok(!/raslog_session=[^;]/.test(r.headers.get('set-cookie') || ''), 'and no session cookie');
r = await login(sam.key, '10.0.0.4');
ok(r.status === 200, 'Sam signs in from that same address: the block is on the account, not the address', r.json);
r = await login(sam.key, '10.0.0.1');
ok(r.status === 200, 'and from an address that failed once for Priya', r.json);
done();
