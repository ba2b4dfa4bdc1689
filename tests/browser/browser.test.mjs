// browser.test.mjs - raslog's web page in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core), against a running server
// with the demo data:
//
//   node tests/browser/browser.test.mjs BASE_URL FACULTY_TOKEN TRAINEE_TOKEN OUTDIR [TRAINER_TOKEN]
//
// Faculty: sign in, counts, filter by status, search, open a trainee, every
// evidence signature checked in the browser (at least one verified, none
// failed), print view, trainers' list.  Trainee: a bad entry shows its
// field error beside the field, a good one appears as pending, own
// progress, the form on a phone.  axe-core on every main view (no serious
// or critical violations), keyboard checks, no CSP violations.  Prints TAP,
// saves screenshots (and a PDF of the portfolio) under OUTDIR, exits 1 on
// any failure.

import path from 'node:path';
import { harness } from './harness.mjs';

const t = harness({ usage: 'node tests/browser/browser.test.mjs BASE_URL FACULTY_TOKEN TRAINEE_TOKEN OUTDIR [TRAINER_TOKEN]' });
const { base, OUT, ok, note, step, axe, shot, watch } = t;
const { FACULTY_TOKEN: FACULTY, TRAINEE_TOKEN: TRAINEE, TRAINER_TOKEN: TRAINER } = t.arg;
let trainerId = null;
if (TRAINER) {
	const r = await t.api(TRAINER, 'GET', '/me');
	if (r.status === 200) trainerId = r.json.id;
}

/* ------------------------------------------------------------ helpers */

const browser = await t.launch();
const problems = [];

async function newPage(opts = {}) {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
	const page = await context.newPage();
	page.setDefaultTimeout(15000);
	await watch(page, { problems, console: /status of 40[0134]/, csp: true });
	return { context, page };
}

async function signIn(page, token) {
	await t.signIn(page, token);
	await page.locator('#view h1').waitFor();
}

const waitIdle = (page, sel) => page.waitForFunction((s) => {
	const el = document.querySelector(s);
	return el && el.getAttribute('aria-busy') !== 'true' && !el.querySelector('.loading');
}, sel);

/* ------------------------------------------------------------ faculty */

const fac = await newPage();
let page = fac.page;

await step('the page is served with a Content-Security-Policy and no inline code', async () => {
	const res = await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
	const csp = res.headers()['content-security-policy'] || '';
	const html = await res.text();
	ok(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), 'CSP header forbids inline script', `CSP: ${csp}`);
	return !/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) && !/\sstyle=/.test(html) && !/\son[a-z]+=/.test(html);
});

await step('keyboard: the first Tab reaches the skip link, which moves focus into main', async () => {
	// The page has finished rendering (the sign-in screen asks /health whether single sign-on is set up) before the first key.
	await page.waitForLoadState('networkidle');
	await page.locator('#token').waitFor({ state: 'visible' });
	await page.keyboard.press('Tab');
	const first = await page.evaluate(() => document.activeElement?.className);
	await page.keyboard.press('Enter');
	const after = await page.evaluate(() => document.activeElement?.closest('main') !== null);
	return first === 'skip-link' && after;
});

await step('a wrong token is refused with a message beside the field', async () => {
	await page.fill('#token', 'not-a-real-token');
	await page.click('#sign-in-form button[type=submit]');
	await page.locator('#token-error').waitFor({ state: 'visible' });
	const inv = await page.getAttribute('#token', 'aria-invalid');
	const desc = await page.getAttribute('#token', 'aria-describedby');
	return inv === 'true' && desc.includes('token-error');
});
await axe(page, 'sign-in');
await shot(page, '01-sign-in');

let counts = {};
await step('faculty signs in and sees the accreditation view with its counts', async () => {
	await signIn(page, FACULTY);
	await page.locator('h1', { hasText: 'Accreditation' }).waitFor();
	await waitIdle(page, '.results');
	const stored = await page.evaluate(() => sessionStorage.getItem('raslog.token'));
	ok(stored === FACULTY, 'the token is kept in sessionStorage');
	const cards = await page.locator('.count').all();
	for (const c of cards) {
		const text = await c.innerText();
		const m = /(\d+)\s*\n?\s*([A-Za-z ]+)/.exec(text);
		if (m) counts[m[2].trim().toLowerCase().replace(/ ✓.*/, '').replace(' ', '_')] = Number(m[1]);
	}
	note(`counts: ${JSON.stringify(counts)}`);
	const rows = await page.locator('.accreditation-table tbody tr').count();
	ok(rows > 0, 'the trainee table has rows', `rows: ${rows}`);
	return cards.length === 4 && Object.values(counts).reduce((a, b) => a + b, 0) > 0;
});
await axe(page, 'accreditation');
await shot(page, '02-accreditation');

const LABELS = { in_training: 'In training', eligible: 'Eligible', accredited: 'Accredited', lapsed: 'Lapsed' };
const order = ['accredited', 'eligible', 'lapsed', 'in_training'].filter((s) => counts[s] > 0);
const chosen = order[0] || 'in_training';

await step(`filtering by status "${chosen}" shows only such trainees and presses its count`, async () => {
	await page.selectOption('#f-status', chosen);
	await page.waitForFunction(() => /[?&]status=/.test(location.hash));
	await waitIdle(page, '.results');
	const badges = await page.locator('.accreditation-table tbody .badge-overall').allInnerTexts();
	const pressed = await page.getAttribute(`.count-${chosen}`, 'aria-pressed');
	ok(pressed === 'true', 'the count of that status is marked as the active filter');
	note(`${badges.length} rows after the filter`);
	return badges.length > 0 && badges.every((b) => b.trim() === LABELS[chosen]);
});
await shot(page, '03-accreditation-filtered');

await step('search by name narrows the list', async () => {
	const first = (await page.locator('.trainee-link').first().innerText()).trim();
	const word = first.split(/\s+/).pop();
	await page.fill('#f-q', word);
	await page.press('#f-q', 'Enter');
	await page.waitForFunction((w) => location.hash.includes('q=' + encodeURIComponent(w)), word);
	await waitIdle(page, '.results');
	const names = await page.locator('.trainee-link').allInnerTexts();
	await page.fill('#f-q', '');
	await page.press('#f-q', 'Enter');
	await page.waitForFunction(() => !/[?&]q=/.test(location.hash));
	await waitIdle(page, '.results');
	return names.length > 0 && names.every((x) => x.toLowerCase().includes(word.toLowerCase()));
});

await step('sorting by progress and paging (3 a page) keep working', async () => {
	await page.evaluate(() => { location.hash = '#/accreditation?sort=-progress&limit=3'; });
	await page.waitForFunction(() => document.querySelector('#f-sort')?.value === '-progress');
	await waitIdle(page, '.results');
	const first = await page.locator('.accreditation-table tbody tr').count();
	ok(first > 0 && first <= 3, 'a page holds at most the asked number of rows', `rows: ${first}`);
	const next = page.locator('.pager button', { hasText: 'Next page' });
	if (await next.count()) {
		const before = await page.locator('.trainee-link').allInnerTexts();
		await next.click();
		await waitIdle(page, '.results');
		const after = await page.locator('.trainee-link').allInnerTexts();
		const focused = await page.evaluate(() => document.activeElement?.tagName);
		ok(after.length > 0 && !after.some((x) => before.includes(x)), 'the next page shows other trainees', `${before} / ${after}`);
		ok(focused === 'CAPTION', 'focus moves to the new page of the table', `focus on ${focused}`);
		await page.locator('.pager button', { hasText: 'Previous page' }).click();
		await waitIdle(page, '.results');
		const back = await page.locator('.trainee-link').allInnerTexts();
		ok(back.join() === before.join(), 'the previous page shows the first trainees again');
	} else note('one page only: paging not exercised');
	await page.evaluate((c) => { location.hash = '#/accreditation?status=' + c; }, chosen);
	await page.waitForFunction((c) => document.querySelector('#f-status')?.value === c, chosen);
	await waitIdle(page, '.results');
	return true;
});

let traineeName = '';
const opened = await step('open a trainee whose evidence all verifies in the browser', async () => {
	const links = await page.locator('.trainee-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
	for (const href of links.slice(0, 6)) {
		await page.goto(base + '/' + href);
		await page.locator('#view h1').waitFor();
		await waitIdle(page, '#view');
		const rows = await page.locator('table.evidence tbody tr').count();
		if (!rows) continue;
		await page.waitForFunction(() => {
			const s = document.querySelector('#verify-summary');
			return s && s.dataset.state && s.dataset.state !== 'checking';
		}, null, { timeout: 60000 });
		traineeName = (await page.locator('#view h1').innerText()).trim();
		const verified = await page.locator('table.evidence td.sig[data-state="verified"]').count();
		const bad = await page.locator('table.evidence td.sig[data-state="failed"]').count();
		const texts = await page.locator('table.evidence td.sig').allInnerTexts();
		note(`${traineeName}: ${rows} evidence rows, ${verified} verified, ${bad} failed`);
		ok(verified >= 1, 'at least one evidence row is marked "Verified"', texts.slice(0, 3).join('\n'));
		ok(bad === 0, 'no evidence row is marked "Failed"', texts.filter((t) => /fail/i.test(t)).slice(0, 5).join('\n'));
		ok(texts.every((t) => /Verified/.test(t)), 'every mark says its result in words');
		const traced = await page.locator('table.evidence .chain:not(.chain-unknown)').count();
		const untraced = await page.locator('table.evidence .chain-unknown').count();
		note(`${traced} signing keys traced to a faculty accreditation, ${untraced} not`);
		ok(traced >= 1, 'signing keys are traced to the faculty accreditation of the trainer');
		return true;
	}
	throw new Error('none of the first trainees of the filtered list has signed evidence');
});

if (opened) {
	await step('the detail shows modules with target, signed and pending, and the charts with their tables', async () => {
		const modules = await page.locator('#modules section.module').count();
		const head = await page.locator('table.requirements').first().locator('thead').innerText();
		const hoursChart = await page.locator('#hours svg.chart').count();
		const hoursTable = await page.locator('#hours table').count();
		const gears = await page.locator('#gears').innerText();
		const gearsCharts = await page.locator('#gears svg.chart').count();
		const gearsTable = await page.locator('#gears table').count();
		note(`modules ${modules}, hours chart ${hoursChart}/${hoursTable}, GEARS charts ${gearsCharts}/${gearsTable}`);
		ok(!gearsCharts || gearsTable > 0, 'every GEARS chart has a data table');
		ok(/Target/.test(head) && /Signed/.test(head) && /Pending/.test(head), 'requirement tables have target, signed and pending');
		ok(hoursChart === 0 || hoursTable > 0, 'the hours chart has a data table beside it');
		void gears;
		return modules > 0 && hoursChart === 1;
	});
	await axe(page, 'trainee-detail');
	await shot(page, '04-trainee-detail');

	await step('the print stylesheet hides navigation and buttons and keeps the tables', async () => {
		await page.emulateMedia({ media: 'print' });
		const r = await page.evaluate(() => ({
			nav: getComputedStyle(document.querySelector('.site-header')).display,
			buttons: [...document.querySelectorAll('#view button')].every((b) => getComputedStyle(b).display === 'none'),
			tables: [...document.querySelectorAll('#view table')].every((t) => getComputedStyle(t).display !== 'none'),
			heading: getComputedStyle(document.querySelector('.print-heading')).display,
		}));
		await shot(page, '05-trainee-print');
		await page.pdf({ path: path.join(OUT, 'portfolio.pdf'), format: 'A4', printBackground: true });
		await page.emulateMedia({ media: 'screen' });
		return r.nav === 'none' && r.buttons && r.tables && r.heading !== 'none';
	});
}

await step('the trainers list shows accreditation state and expiry, with checked signatures', async () => {
	await page.click('.nav-link[data-route="trainers"]');
	await page.locator('h1', { hasText: 'Trainers' }).waitFor();
	await page.locator('table.trainers').waitFor();
	await page.waitForFunction(() => !document.querySelector('table.trainers td.sig .mark-checking'), null, { timeout: 30000 });
	const focused = await page.evaluate(() => document.activeElement?.tagName);
	ok(focused === 'H1', 'navigating moves focus to the new heading', `focus on ${focused}`);
	const rows = await page.locator('table.trainers tbody tr:not([hidden])').count();
	const bad = await page.locator('table.trainers td.sig[data-state="failed"]').count();
	ok(bad === 0, 'no trainer accreditation signature fails');
	return rows > 0;
});
await axe(page, 'trainers');
await shot(page, '06-trainers');

await step('the notifications page shows the faculty default (digest on) and saves a change', async () => {
	await page.click('.nav-link[data-route="settings"]');
	await page.locator('h1', { hasText: 'Notifications' }).waitFor();
	const before = await page.locator('#notify-digest').isChecked();
	await page.locator('#notify-digest').uncheck();
	await page.click('form.settings button[type="submit"]');
	await page.waitForFunction(() => !document.querySelector('form.settings button').disabled);
	const saved = await page.evaluate(async () => (await fetch('/api/v1/me/notifications', {
		headers: { Authorization: `Bearer ${sessionStorage.getItem('raslog.token')}` } })).json());
	return before === true && saved.digest === false;
});
await axe(page, 'settings');

await step('sign-out forgets the token', async () => {
	await page.click('#sign-out');
	await page.locator('#sign-in').waitFor({ state: 'visible' });
	const t = await page.evaluate(() => sessionStorage.getItem('raslog.token'));
	return t === null && (await page.locator('#nav').isHidden());
});
await fac.context.close();

/* ------------------------------------------------------------ trainee */

const tr = await newPage();
page = tr.page;
let created = null;

await step('a trainee signs in and gets the logging page', async () => {
	await signIn(page, TRAINEE);
	await page.locator('h1', { hasText: 'Log a session' }).waitFor();
	await page.waitForFunction(() => document.querySelectorAll('#log-trainer option').length > 1 ||
		/could not|No trainers/.test(document.querySelector('#log-trainer')?.textContent || ''));
	const nav = await page.locator('.nav-link').allInnerTexts();
	note(`nav: ${nav.join(', ')}`);
	return !nav.includes('Accreditation') && nav.includes('My progress');
});
await waitIdle(page, '#view');
await axe(page, 'log-session');
await shot(page, '07-log-form');

const activity = 'simulator';
await step('minutes 0 is refused and the "minutes" error is shown beside its field', async () => {
	await page.fill('#log-minutes', '0');
	await page.selectOption('#log-activity', activity);
	const ids = await page.locator('#log-trainer option').evaluateAll((os) => os.map((o) => o.value));
	if (trainerId && ids.includes(String(trainerId))) await page.selectOption('#log-trainer', String(trainerId));
	else await page.selectOption('#log-trainer', { index: 1 });
	await page.click('.log-form button[type=submit]');
	await page.locator('#log-minutes-error').waitFor({ state: 'visible' });
	const msg = (await page.locator('#log-minutes-error').innerText()).trim();
	const inv = await page.getAttribute('#log-minutes', 'aria-invalid');
	const desc = (await page.getAttribute('#log-minutes', 'aria-describedby')) || '';
	const summary = await page.locator('.error-summary').innerText();
	const besideField = await page.evaluate(() => document.querySelector('#log-minutes-error').closest('.field') === document.querySelector('#log-minutes').closest('.field'));
	const focused = await page.evaluate(() => document.activeElement?.classList.contains('error-summary'));
	note(`minutes error: ${msg}`);
	ok(focused, 'focus moves to the error summary');
	ok(/minutes/i.test(summary), 'the summary names the minutes field');
	return msg.length > 0 && inv === 'true' && desc.split(' ').includes('log-minutes-error') && besideField;
});
await axe(page, 'log-session-errors');
await shot(page, '08-log-error');

await step('the error summary links to the field', async () => {
	await page.locator('.error-summary a').first().click();
	return (await page.evaluate(() => document.activeElement?.id)) === 'log-minutes';
});

await step('a good session is accepted and appears in "My sessions" as pending', async () => {
	const resp = page.waitForResponse((r) => r.url().endsWith('/api/v1/sessions') && r.request().method() === 'POST');
	await page.fill('#log-minutes', '45');
	await page.selectOption('#log-platform', { index: 1 });
	await page.fill('#log-procedure', 'Browser test session');
	await page.fill('#log-steps', 'prostatectomy.bladder_detachment, prostatectomy.bladder_neck_dissection');
	await page.selectOption('#log-role', 'S-TS');
	await page.click('.log-form button[type=submit]');
	const r = await resp;
	created = await r.json();
	ok(r.status() === 201, 'POST /api/v1/sessions answered 201', `status ${r.status()}: ${JSON.stringify(created)}`);
	const row = page.locator(`.my-sessions tbody tr[data-session="${created.id}"]`);
	await row.waitFor();
	const text = await row.innerText();
	const errors = await page.locator('.field-error:not([hidden])').count();
	ok(errors === 0, 'the field errors are cleared');
	await page.locator('#status', { hasText: 'pending' }).waitFor();
	return /Pending/.test(text);
});
await shot(page, '09-log-pending');

await step('after a reload the new session is still listed as pending (from the server)', async () => {
	await page.reload();
	await page.locator('h1', { hasText: 'Log a session' }).waitFor();
	const row = page.locator(`.my-sessions tbody tr[data-session="${created?.id}"]`);
	await row.waitFor();
	return (await row.getAttribute('data-status')) === 'pending';
});

await step('"My progress" shows own requirements and the new session waiting for sign-off', async () => {
	await page.click('.nav-link[data-route="progress"]');
	await page.locator('h1', { hasText: 'My progress' }).waitFor();
	await waitIdle(page, '#view');
	const pending = await page.locator('#pending').innerText();
	const modules = await page.locator('#modules section.module').count();
	await page.waitForFunction(() => {
		const s = document.querySelector('#verify-summary');
		return !s || (s.dataset.state && s.dataset.state !== 'checking');
	}, null, { timeout: 60000 });
	const bad = await page.locator('table.evidence td.sig[data-state="failed"]').count();
	ok(bad === 0, 'none of the trainee\'s own evidence fails verification');
	return modules > 0 && pending.includes(`#${created?.id}`);
});
await axe(page, 'my-progress');
await shot(page, '10-my-progress');
await tr.context.close();

/* ------------------------------------------------------------ trainer */

if (TRAINER) {
	const trc = await newPage();
	page = trc.page;
	await step('a trainer sees the sessions waiting for their signature, the new one among them', async () => {
		await signIn(page, TRAINER);
		await page.click('.nav-link[data-route="waiting"]');
		await page.locator('h1', { hasText: 'Waiting for my signature' }).waitFor();
		await waitIdle(page, '#view');
		const text = await page.locator('#view').innerText();
		const mine = created && created.trainer === trainerId;
		if (mine) ok(text.includes(`Session #${created.id}:`), `the session the trainee just logged (#${created.id}) waits for this trainer`);
		else note('the new session names another trainer; only the view itself is checked');
		return /Session #\d+:/.test(text) || /Nothing is waiting/.test(text);
	});
	await axe(page, 'waiting');
	await shot(page, '12-trainer-waiting');
	await trc.context.close();
}

/* ------------------------------------------------------------ phone */

const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
page = phone.page;
await step('on a phone the logging form fits the screen with large targets', async () => {
	await signIn(page, TRAINEE);
	await page.locator('h1', { hasText: 'Log a session' }).waitFor();
	await waitIdle(page, '#view');
	const r = await page.evaluate(() => {
		const controls = [...document.querySelectorAll('.log-form input, .log-form select, .log-form textarea, .log-form button')];
		return {
			overflow: document.documentElement.scrollWidth - window.innerWidth,
			smallest: Math.min(...controls.map((c) => c.getBoundingClientRect().height)),
			fontSize: Math.min(...controls.map((c) => parseFloat(getComputedStyle(c).fontSize))),
		};
	});
	note(`phone: overflow ${r.overflow}px, smallest control ${r.smallest}px, font ${r.fontSize}px`);
	await shot(page, '11-phone-log');
	return r.overflow <= 0 && r.smallest >= 44 && r.fontSize >= 16;
});
await axe(page, 'log-session-phone');
await phone.context.close();

const narrow = await newPage({ viewport: { width: 320, height: 700 } });
page = narrow.page;
await step('at 320 CSS pixels the faculty views reflow without sideways page scrolling (WCAG 1.4.10)', async () => {
	await signIn(page, FACULTY);
	await waitIdle(page, '.results');
	const overflow = async () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	const list = await overflow();
	const href = await page.locator('.trainee-link').first().getAttribute('href');
	await page.goto(base + '/' + href);
	await page.locator('#modules').waitFor();
	await waitIdle(page, '#view');
	const detail = await overflow();
	await shot(page, '13-detail-320px');
	note(`overflow at 320px: list ${list}px, detail ${detail}px`);
	return list <= 0 && detail <= 0;
});
await narrow.context.close();

ok(problems.filter((p) => /CSP violation|page error/.test(p)).length === 0, 'no CSP violations or uncaught script errors',
	problems.join('\n'));
for (const p of problems) note(p);

await browser.close();
note(`screenshots in ${OUT}`);
t.finish();
