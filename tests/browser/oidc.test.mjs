// oidc.test.mjs - single sign-on in the real Chromium through a real,
// certified OpenID provider (npm oidc-provider, tests/oidc/provider.mjs, on
// loopback), against a raslogd whose public_url is BASE and whose
// oidc_issuer is that provider:
//
//   node tests/browser/oidc.test.mjs BASE ADMIN_TOKEN OUTDIR
//
// The sign-in screen offers "Sign in with Test Trust"; an invited person
// (olu, invited by the admin) signs in at the provider's own login and
// consent pages and lands on their page with a web session; signs out; signs
// in again (the invitation is already accepted: the account is matched);
// someone whose address was never invited (stranger) is refused with a
// clear page and no session; someone whose address the provider does not
// vouch for (unverified) too.  axe on the sign-in screen and the refusal
// page; no CSP violation or script error on raslog's pages.  TAP.

import { harness } from './harness.mjs';

const { base, ADMIN, OUT, ok, step, adminApi, axe, shot, launch, finish } = harness({ usage: 'node tests/browser/oidc.test.mjs BASE_URL ADMIN_TOKEN OUTDIR' });
const browser = await launch();
const problems = [];
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
// Only raslog's own pages are held to no script errors and no CSP violations (the provider's are its own).
const ours = () => page.url().startsWith(base);
page.on('pageerror', (e) => { if (ours()) problems.push(`page error: ${e.message}`); });
page.on('console', (m) => {
	if (ours() && m.type() === 'error' && !/status of 40[0-9]/.test(m.text())) problems.push(`console error: ${m.text()}`);
});
await page.addInitScript(() => {
	document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
});

// At the provider: its development login form (any password), then its consent page if it asks.
async function atProvider(login) {
	await page.waitForURL((u) => !u.href.startsWith(base));
	await page.locator('input[name=login]').waitFor();
	await page.fill('input[name=login]', login);
	await page.fill('input[name=password]', 'any password');
	await shot(page, `oidc-provider-login-${login}`);
	await page.click('button[type=submit]');
	await page.waitForURL((u) => u.href.startsWith(base) || /\/interaction\//.test(u.pathname));
	if (!page.url().startsWith(base)) {
		await page.locator('button[type=submit]').waitFor();
		await page.click('button[type=submit]'); // consent: "Continue"
		await page.waitForURL((u) => u.href.startsWith(base));
	}
}
const cookies = async () => (await context.cookies(base)).map((c) => c.name);

try {
	const inv = await adminApi('POST', '/invitations', { name: 'Olu Adeyemi', email: 'olu.adeyemi@test.raslog.org', roles: ['trainer'] });
	ok(inv.status === 201, 'the admin invites Olu by the address the provider knows', JSON.stringify(inv.json));

	await step('the sign-in screen offers "Sign in with Test Trust"', async () => {
		await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
		await page.locator('#oidc-sign-in').waitFor();
		return (await page.locator('#oidc-sign-in').textContent()) === 'Sign in with Test Trust' && await page.locator('#passkey-sign-in').isVisible();
	});
	await axe(page, 'sign-in-with-oidc');
	await shot(page, 'oidc-01-sign-in');

	await step('Olu signs in at the provider and lands on his page', async () => {
		await page.click('#oidc-sign-in');
		await atProvider('olu');
		await page.locator('#who-name').waitFor({ state: 'visible' });
		return (await page.locator('#who-name').textContent()).includes('Olu Adeyemi') && await page.locator('#sign-in').isHidden();
	});
	await shot(page, 'oidc-02-landed');
	ok((await cookies()).includes('raslog_session') && !(await cookies()).includes('raslog_oidc'),
		'a web session cookie, and the pre-session cookie is gone', JSON.stringify(await cookies()));
	ok(await page.evaluate(() => localStorage.length === 0 && !sessionStorage.getItem('raslog.token')), 'nothing secret in localStorage or sessionStorage');
	await step('the page works with the session: GET /api/v1/me says "session"', async () =>
		page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).auth === 'session'));
	const users = await adminApi('GET', '/users?q=olu');
	ok(JSON.stringify(users.json).includes('olu.adeyemi@test.raslog.org'), 'the invitation was accepted: Olu has an account', JSON.stringify(users.json).slice(0, 300));

	await step('signing out returns to the sign-in screen', async () => {
		await page.click('#sign-out');
		await page.locator('#oidc-sign-in').waitFor({ state: 'visible' });
		return true;
	});
	await step('Olu signs in again (his account is matched by email; the provider remembers him)', async () => {
		await page.click('#oidc-sign-in');
		await page.waitForURL((u) => !u.href.startsWith(base) || u.pathname === '/');
		if (!page.url().startsWith(base)) {
			if (await page.locator('input[name=login]').count()) await atProvider('olu');
			else if (await page.locator('button[type=submit]').count()) {
				await page.click('button[type=submit]');
				await page.waitForURL((u) => u.href.startsWith(base));
			}
		}
		await page.locator('#who-name').waitFor({ state: 'visible' });
		return (await page.locator('#who-name').textContent()).includes('Olu Adeyemi');
	});
	await page.click('#sign-out');
	await page.locator('#oidc-sign-in').waitFor({ state: 'visible' });

	// Someone else at the provider: a fresh browser context (no provider session).
	for (const [login, title, reason] of [['stranger', 'No account for this address', 'oidc-unknown-email'],
		['unverified', 'E-mail address not verified', 'oidc-email-unverified']]) {
		await context.clearCookies();
		await step(`${login}: refused with a clear page (${reason}) and no session`, async () => {
			await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
			await page.click('#oidc-sign-in');
			await atProvider(login);
			await page.locator('#oidc-title').waitFor();
			const t = await page.locator('#oidc-title').textContent();
			const r = await page.locator('#oidc-reason').textContent();
			return ok(t === title && r === reason, `${login}: the page says "${title}"`, `${t} / ${r}`) &&
				!(await cookies()).includes('raslog_session');
		});
		if (login === 'stranger') {
			await axe(page, 'oidc-refused');
			await shot(page, 'oidc-03-refused');
			await step('the refusal page links back to the sign-in screen', async () => {
				await page.click('text=Back to the sign-in page');
				await page.locator('#oidc-sign-in').waitFor({ state: 'visible' });
				return true;
			});
		}
	}
	ok(problems.length === 0, 'no script error or CSP violation on raslog\'s pages', problems.join('\n'));
} catch (e) {
	ok(false, 'the browser test ran to the end', e?.stack || e);
} finally {
	await browser.close();
}
finish();
