// passkeys.test.mjs - invitation to passkey in the real Chromium with its
// virtual authenticator (DevTools WebAuthn domain through a CDP session),
// against a raslogd whose public_url is BASE (http://localhost:PORT, so the
// RP id is "localhost"):
//
//   node tests/browser/passkeys.test.mjs BASE ADMIN_TOKEN OUTDIR
//
// An admin invites a trainee (API, bearer token); the trainee opens the
// link on a phone-sized screen (390x844), accepts, creates a passkey and
// lands on their page; signs out; signs in with the passkey at 1280 px;
// adds a second passkey from "Your account" (on a second authenticator);
// removing the last passkey is refused on the page; signs out everywhere;
// the admin deactivates the account and the passkey sign-in is refused.
// Nothing secret in localStorage or sessionStorage; axe on the new views;
// no CSP violation or script error.  TAP; exits 1 on any failure.

import { harness } from './harness.mjs';

const { base, ADMIN, OUT, ok, step, adminApi, axe, shot, launch, watch, finish } = harness({ usage: 'node tests/browser/passkeys.test.mjs BASE_URL ADMIN_TOKEN OUTDIR' });
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const problems = await watch(page, { console: /status of 40[0-9]/, csp: true });

// The authenticator is added once the page shows the site's origin: the first navigation from
// about:blank may move the page to another renderer, and an authenticator enabled before it was
// then sometimes gone (the ceremony waited for an authenticator that was not there).
await page.goto(base, { waitUntil: 'domcontentloaded' });
const cdp = await page.context().newCDPSession(page);
await cdp.send('WebAuthn.enable');
const AUTH = { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true };
let { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTH });

const storageClean = () => page.evaluate(() => localStorage.length === 0 && !sessionStorage.getItem('raslog.token'));

try {
	/* ---------------------------------------------------------------- invitation on a phone */
	const inv = await adminApi('POST', '/invitations', { name: 'Tom Okafor', email: 'tom.okafor@test.raslog.org', roles: ['trainee'] });
	ok(inv.status === 201 && inv.json.url.startsWith(`${base}/#/invitation/`), 'the admin\'s invitation link is under public_url', JSON.stringify(inv.json));

	await step('the invitation link opens the landing page on a 390 px phone', async () => {
		await page.goto(inv.json.url, { waitUntil: 'domcontentloaded' });
		await page.locator('#accept-invitation').waitFor();
		return (await page.locator('#view h1').textContent()).includes('Welcome') && await page.locator('#sign-in').isHidden();
	});
	await axe(page, 'invitation');
	await shot(page, 'passkey-01-invitation-phone');
	await step('accepting asks for a passkey, and the code leaves the address bar', async () => {
		await page.click('#accept-invitation');
		await page.locator('#create-passkey').waitFor();
		return !page.url().includes(inv.json.url.split('/#/invitation/')[1]);
	});
	await axe(page, 'invitation-passkey');
	await step('creating the passkey (virtual authenticator) lands on the trainee\'s page', async () => {
		await page.fill('#passkey-name', 'Tom\'s phone');
		await page.click('#create-passkey');
		await page.locator('#who-name').waitFor({ state: 'visible' });
		await page.waitForFunction(() => location.hash === '#/log');
		return (await page.locator('#who-name').textContent()).includes('Tom Okafor');
	});
	const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
	ok(creds.length === 1 && creds[0].isResidentCredential && creds[0].rpId === 'localhost', 'the authenticator holds one discoverable credential for RP localhost', JSON.stringify(creds.map((c) => c.rpId)));
	await step('no horizontal scroll on the phone', async () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
	ok(await storageClean(), 'nothing secret in localStorage or sessionStorage after the invitation');
	await shot(page, 'passkey-02-landed-phone');

	await step('the person can use the page by cookie: their account view lists the passkey', async () => {
		await page.goto(base + '/#/account', { waitUntil: 'domcontentloaded' });
		await page.locator('#passkey-list table').waitFor();
		return (await page.locator('#passkey-list tbody tr').count()) === 1 &&
			(await page.locator('#passkey-list tbody').textContent()).includes('Tom\'s phone');
	});

	await step('sign out: back to the sign-in screen, the server session ended', async () => {
		await page.click('#sign-out');
		await page.locator('#passkey-sign-in').waitFor({ state: 'visible' });
		const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
		return me === 401;
	});

	/* ---------------------------------------------------------------- sign in on a laptop-sized screen */
	await page.setViewportSize({ width: 1280, height: 900 });
	await step('the passkey is the primary sign-in option (first and primary-styled), the token form still there', async () => {
		const order = await page.evaluate(() => {
			const pk = document.getElementById('passkey-sign-in'), form = document.getElementById('sign-in-form');
			return !!(pk.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING) && pk.classList.contains('button-primary');
		});
		return order && await page.locator('#token').isVisible();
	});
	await axe(page, 'sign-in-passkey');
	await shot(page, 'passkey-03-sign-in-laptop');
	await step('"Sign in with a passkey" at 1280 px signs Tom in', async () => {
		await page.click('#passkey-sign-in');
		await page.locator('#who-name').waitFor({ state: 'visible' });
		return (await page.locator('#who-name').textContent()).includes('Tom Okafor');
	});
	ok(await storageClean(), 'nothing secret in storage after the passkey sign-in');
	await step('the page is signed in by cookie session, and a write without X-CSRF-Token is refused (403)', async () => {
		const r = await page.evaluate(async () => {
			const me = await fetch('/api/v1/me').then((x) => x.json());
			const bare = await fetch('/api/v1/session/logout-all', { method: 'POST' });
			return { auth: me.auth, bare: bare.status };
		});
		return r.auth === 'session' && r.bare === 403;
	});

	/* ---------------------------------------------------------------- a second passkey */
	await step('"Add a passkey" on a second device registers a second one', async () => {
		await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
		({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTH }));
		await page.goto(base + '/#/account', { waitUntil: 'domcontentloaded' });
		await page.locator('#passkey-list table').waitFor();
		await page.fill('#new-passkey-name', 'Work laptop');
		await page.click('#add-passkey');
		await page.waitForFunction(() => document.querySelectorAll('#passkey-list tbody tr').length === 2);
		return (await page.locator('#passkey-list tbody').textContent()).includes('Work laptop');
	});
	await axe(page, 'account');
	await shot(page, 'passkey-04-account');
	await step('removing the first passkey works; removing the last is refused with a message', async () => {
		await page.click('#passkey-list tbody tr:first-child button');
		await page.waitForFunction(() => document.querySelectorAll('#passkey-list tbody tr').length === 1);
		await page.click('#passkey-list tbody tr:first-child button');
		await page.locator('.account-messages [role=alert]').waitFor();
		const msg = await page.locator('.account-messages').textContent();
		return /only passkey/.test(msg) && (await page.locator('#passkey-list tbody tr').count()) === 1;
	});

	/* ---------------------------------------------------------------- sign out everywhere */
	await step('"Sign out everywhere" ends the session and returns to sign-in', async () => {
		await page.click('#sign-out-everywhere');
		await page.locator('#passkey-sign-in').waitFor({ state: 'visible' });
		return (await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status))) === 401;
	});
	await step('the second passkey signs in again', async () => {
		await page.click('#passkey-sign-in');
		await page.locator('#who-name').waitFor({ state: 'visible' });
		await page.click('#sign-out');
		await page.locator('#passkey-sign-in').waitFor({ state: 'visible' });
		return true;
	});

	/* ---------------------------------------------------------------- deactivation */
	const list = await adminApi('GET', '/users?q=okafor');
	const tomId = list.json?.items?.[0]?.id;
	const d = await adminApi('PATCH', `/users/${tomId}`, { active: false });
	ok(d.status === 200, 'the admin deactivates Tom', JSON.stringify(d.json));
	await step('a deactivated person\'s passkey sign-in is refused on the page', async () => {
		await page.click('#passkey-sign-in');
		await page.locator('#passkey-error').waitFor({ state: 'visible' });
		const text = await page.locator('#passkey-error').textContent();
		return /deactivated/.test(text) && await page.locator('#who').isHidden();
	});
	await shot(page, 'passkey-05-refused');
} catch (e) {
	ok(false, 'the passkey walk-through ran to the end', e?.stack || e);
}

ok(problems.length === 0, 'no CSP violation or script error', problems.join('\n'));
await browser.close();
finish();
