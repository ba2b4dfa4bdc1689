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

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'js', 'package.json'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

const [BASE, ADMIN, OUT] = process.argv.slice(2);
if (!OUT) {
	console.error('usage: node tests/browser/oidc.test.mjs BASE_URL ADMIN_TOKEN OUTDIR');
	process.exit(2);
}
const base = BASE.replace(/\/+$/, '');
fs.mkdirSync(OUT, { recursive: true });

let n = 0, failed = 0;
function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond) {
		failed++;
		if (diag) for (const line of String(diag).split('\n')) console.log(`#   ${line}`);
	}
	return cond;
}
async function step(name, fn) {
	try {
		const r = await fn();
		if (r !== undefined) ok(!!r, name);
	} catch (e) {
		ok(false, name, e?.stack || e);
	}
}
const adminApi = async (method, p, body) => {
	const r = await fetch(base + '/api/v1' + p, { method, headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
		body: body ? JSON.stringify(body) : undefined });
	return { status: r.status, json: await r.json().catch(() => null) };
};
async function axe(page, view) {
	const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
	const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	fs.writeFileSync(path.join(OUT, `axe-${view}.json`), JSON.stringify(r.violations, null, 1));
	ok(bad.length === 0, `axe: no serious or critical violations on ${view}`,
		bad.map((v) => `${v.impact} ${v.id}: ${v.help} ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(' | ')}`).join('\n'));
}
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
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
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
