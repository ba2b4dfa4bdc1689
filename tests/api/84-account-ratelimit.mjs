// 84-account-ratelimit.mjs URL ORIGIN ADMIN_TOKEN - sign-in is rate limited
// per account as well as per address (issue 14 item 6), against a raslogd
// serving with --auth-failures 3 behind a trusted proxy (127.0.0.1), so
// X-Forwarded-For names the client.  Two invited people register passkeys
// (tests/js/softauthn.mjs); three refused sign-ins to Priya's account, each
// from another address (none of them blocked: one failure each), block her
// account: her next good sign-in, from a fourth address, is 429; Sam's, from
// that same address, still works.  TAP; the last line "# next N".
import { SoftKey } from '../js/softauthn.mjs';

const [URL, ORIGIN, ADMIN] = process.argv.slice(2);
let n = 0, failed = 0;
function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond) { failed++; if (diag !== undefined) console.log(`#   ${JSON.stringify(diag).slice(0, 600)}`); }
	return cond;
}
class Client {
	constructor(ip) { this.cookie = null; this.csrf = null; this.bearer = null; this.ip = ip; }
	async req(method, path, body) {
		const headers = { Origin: ORIGIN, 'Sec-Fetch-Site': 'same-origin', 'X-Forwarded-For': this.ip };
		if (this.bearer) headers.Authorization = `Bearer ${this.bearer}`;
		if (this.cookie) headers.Cookie = `raslog_session=${this.cookie}`;
		if (this.csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		const res = await fetch(URL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		let json = null;
		try { json = JSON.parse(await res.text()); } catch { /* not JSON */ }
		const m = /raslog_session=([^;]*)/.exec(res.headers.get('set-cookie') || '');
		if (m) this.cookie = m[1] || null;
		if (json?.csrf_token) this.csrf = json.csrf_token;
		return { status: res.status, json, headers: res.headers };
	}
}
const admin = new Client('10.9.9.9');
admin.bearer = ADMIN;

async function person(name, email, ip) {
	const inv = await admin.req('POST', '/api/v1/invitations', { name, email, roles: ['trainee'] });
	const c = new Client(ip);
	const acc = await c.req('POST', '/api/v1/invitations/accept', { code: inv.json?.url?.split('/#/invitation/')[1] });
	const key = new SoftKey(-7);
	const o = await c.req('POST', '/api/v1/passkeys/register/options');
	const r = await c.req('POST', '/api/v1/passkeys/register', { name: 'Phone', credential: key.create(o.json, ORIGIN) });
	ok(acc.status === 201 && r.status === 201, `${name} is invited and registers a passkey`, [acc.json, r.json]);
	return { key, id: acc.json?.user?.id };
}
async function login(key, ip, t = {}) {
	const c = new Client(ip);
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
console.log(`# next ${n}`);
process.exit(failed ? 1 : 0);
