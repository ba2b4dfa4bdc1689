// admin.test.mjs - the admin screen (#/admin) and the faculty's oversight
// page (#/oversight) in headless Chromium at a phone's 390 px and a
// laptop's 1280 px: an admin finds a person by search, moves them to the
// other programme, deactivates and reactivates them, invites someone into
// a programme and creates a programme; faculty see the four oversight
// sections, the sites chart (an inline SVG with one bar per site) beside
// its table, and download a CSV.  Nothing overflows the viewport sideways.
//
//   node tests/browser/admin.test.mjs BASE_URL ADMIN_TOKEN FACULTY_TOKEN
//
// Prints one line per check; exits 1 on any failure.  tests/browser/admin.sh
// runs it against the demo.

import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'js', 'package.json'));
const { chromium } = require('playwright-core');

const [BASE, ADMIN, FACULTY] = process.argv.slice(2);
if (!FACULTY) {
	console.error('usage: node tests/browser/admin.test.mjs BASE_URL ADMIN_TOKEN FACULTY_TOKEN');
	process.exit(2);
}
const base = BASE.replace(/\/+$/, '');
let failed = 0;
const ok = (cond, name, diag) => {
	if (cond) console.log(`ok - ${name}`);
	else { failed++; console.error(`not ok - ${name}${diag ? `: ${diag}` : ''}`); }
};

async function signIn(page, token) {
	await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
	await page.locator('#token').waitFor();
	await page.fill('#token', token);
	await page.click('#sign-in-form button[type=submit]');
	await page.locator('#who-name').waitFor({ state: 'visible' });
}
const noSideScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
try {
	for (const width of [390, 1280]) {
		const ctx = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
		const page = await ctx.newPage();
		page.setDefaultTimeout(15000);
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));

		// ---- admin ----
		await signIn(page, ADMIN);
		await page.goto(`${base}/#/admin`);
		await page.locator('#admin-people table').waitFor();
		ok(await page.locator('#view h1').textContent() === 'People and programmes', `${width}px: the admin screen opens`);
		await page.fill('#admin-q', 'Mei Chen');
		await page.click('form.search button[type=submit]');
		await page.locator('#admin-people tbody tr', { hasText: 'Mei Chen' }).waitFor();
		ok(await page.locator('#admin-people tbody tr').count() === 1, `${width}px: the search finds one person`);
		const row = page.locator('#admin-people tbody tr').first();
		const before = (await row.locator('td.programme').textContent()).trim();
		const target = before === 'START North East' ? 'START South West' : 'START North East';
		await row.locator('button').click();
		await page.selectOption('#edit-programme', { label: target });
		await page.click('form.admin-edit button[type=submit]');
		await page.locator('#admin-people td.programme', { hasText: target }).waitFor();
		ok(true, `${width}px: moved from ${before} to ${target}`);
		await page.locator('#admin-people tbody tr').first().locator('button').click();
		await page.click('#edit-active');
		await page.locator('#admin-people td.status', { hasText: 'deactivated' }).waitFor();
		ok(true, `${width}px: deactivated`);
		await page.locator('#admin-people tbody tr').first().locator('button').click();
		await page.click('#edit-active');
		await page.locator('#admin-people td.status', { hasText: 'active' }).waitFor();
		ok((await page.locator('#admin-people td.status').textContent()).trim() === 'active', `${width}px: reactivated`);
		await page.fill('#inv-name', `Nia New ${width}`);
		await page.fill('#inv-email', `nia.${width}@test.raslog.org`);
		await page.selectOption('#inv-programme', { label: 'START South West' });
		await page.click('form.admin-invite button[type=submit]');
		const url = await page.locator('#invite-result .invite-url').inputValue();
		ok(/#\/invitation\/[A-Za-z0-9_-]{43}$/.test(url), `${width}px: the invitation link is shown`, url);
		await page.fill('#prog-name', `START Browser ${width}`);
		await page.click('form.admin-programme button[type=submit]');
		await page.locator('#admin-programmes th', { hasText: `START Browser ${width}` }).waitFor();
		ok(true, `${width}px: a programme is created and listed`);
		ok(await noSideScroll(page), `${width}px: the admin screen does not scroll sideways`);
		await page.screenshot({ path: path.join(process.env.OUT || '/tmp', `admin-${width}.png`), fullPage: true });

		// ---- faculty: oversight ----
		await page.evaluate(() => sessionStorage.clear());
		await signIn(page, FACULTY);
		await page.goto(`${base}/#/oversight`);
		await page.locator('#ov-sites').waitFor();
		for (const id of ['ov-trainers', 'ov-agreement', 'ov-stuck', 'ov-sites'])
			ok(await page.locator(`#${id} h2`).count() === 1, `${width}px: oversight section ${id}`);
		const bars = await page.locator('#ov-sites svg.site-chart rect').count();
		const sites = await page.evaluate(async () => (await (await fetch('/api/v1/sites', { headers: { Authorization: `Bearer ${sessionStorage.getItem('raslog.token') || ''}` } })).json()).items?.length);
		ok(bars > 0 && (sites === undefined || bars === sites), `${width}px: the sites chart draws one bar per site`, `${bars} bars, ${sites} sites`);
		ok(await page.locator('#ov-sites table tbody tr').count() > 0, `${width}px: the sites data table`);
		ok(await page.locator('#ov-trainers table tbody tr').count() > 0, `${width}px: the trainers table`);
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#ov-trainers button.csv')]);
		const file = await dl.path();
		const head = (await import('node:fs')).readFileSync(file, 'utf8').split('\r\n')[0];
		ok(head === 'trainer,name,waiting,oldest_waiting_since,decided,median_seconds,p90_seconds', `${width}px: the trainers CSV downloads`, head);
		ok(await noSideScroll(page), `${width}px: the oversight page does not scroll sideways`);
		await page.screenshot({ path: path.join(process.env.OUT || '/tmp', `oversight-${width}.png`), fullPage: true });
		ok(errors.length === 0, `${width}px: no page errors`, errors.join('; '));
		await ctx.close();
	}
} catch (e) {
	ok(false, 'the browser run', e?.stack || e);
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
