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
// Screenshots in $OUT (tests/out/browser).  Prints TAP (harness.mjs);
// exits 1 on any failure.  tests/browser/admin.sh runs it against the demo.

import fs from 'node:fs';
import { harness } from './harness.mjs';

const { arg, base, ADMIN, ok, launch, watch, signIn, noSideScroll, shot, finish } =
	harness({ usage: 'node tests/browser/admin.test.mjs BASE_URL ADMIN_TOKEN FACULTY_TOKEN' });
const FACULTY = arg.FACULTY_TOKEN;

const browser = await launch();
try {
	for (const width of [390, 1280]) {
		const ctx = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
		const page = await ctx.newPage();
		page.setDefaultTimeout(15000);
		const errors = await watch(page);

		// ---- admin ----
		await signIn(page, ADMIN);
		await page.goto(`${base}/#/admin`);
		await page.locator('#admin-people table').waitFor();
		ok(await page.locator('#view h1').textContent() === 'People and programmes', `${width}px: the admin screen opens`);
		await page.fill('#admin-q', 'Mei Chen');
		await page.click('form.search button[type=submit]');
		await page.locator('#admin-people tbody tr', { hasText: 'Mei Chen' }).waitFor();
		// The first, unfiltered list may still be on screen: give the search's reply its time, then count.
		await page.waitForFunction(() => document.querySelectorAll('#admin-people tbody tr').length === 1, null,
			{ timeout: 10000 }).catch(() => {});
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
		await shot(page, `admin-${width}`);

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
		const head = fs.readFileSync(file, 'utf8').split('\r\n')[0];
		ok(head === 'trainer,name,waiting,oldest_waiting_since,decided,median_seconds,p90_seconds', `${width}px: the trainers CSV downloads`, head);
		ok(await noSideScroll(page), `${width}px: the oversight page does not scroll sideways`);
		await shot(page, `oversight-${width}`);
		ok(errors.length === 0, `${width}px: no page errors`, errors.join('; '));
		await ctx.close();
	}
} catch (e) {
	ok(false, 'the browser run', e?.stack || e);
} finally {
	await browser.close();
}
finish();
