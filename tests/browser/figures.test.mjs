// figures.test.mjs - the trainee page reconciles its figures with the
// evidence it verified (issue 13 item 7), in headless Chromium against the
// demo: faculty open an eligible trainee's page; once every signature is
// checked, every requirement figure, module state and the status are
// recomputed in the browser from the verified entries (web/js/figures.js)
// and shown as matching.  Then:
//   - the figure cache (trainee_tally) is tampered while the server runs:
//     the page's figures come from the ledger, so they are unchanged and
//     still reconcile (the cached list row is raslog audit's to name);
//   - the server lies: its progress report (GET .../evidence, intercepted in the browser)
//     gives one requirement five more signed than the ledger does.  Every
//     signature still verifies, but the page shows the check as FAILED,
//     naming the requirement, the server's figure and the ledger's;
//   - the server lies about where a simulator figure comes from: it names
//     the countersigned imports under another requirement instead of the
//     simulator requirement.  The imports still verify, but the simulator
//     figure no longer rests on any import its own rows name: FAILED.
//
//   node tests/browser/figures.test.mjs BASE_URL FACULTY_TOKEN TRAINEE_ID DB
//
// DB is the server's database, a SQLite file or a postgresql:// URI
// (tests/lib/sql.sh runs the tampering statement on either engine).
// Prints TAP (harness.mjs); exits 1 on any failure.  tests/browser/figures.sh
// runs it against the demo.
import { execFileSync } from 'node:child_process';
import { harness } from './harness.mjs';

const { arg, base, ok, launch, watch, signIn, finish } =
	harness({ usage: 'node tests/browser/figures.test.mjs BASE_URL FACULTY_TOKEN TRAINEE_ID DB' });
const { FACULTY_TOKEN: FACULTY, TRAINEE_ID: TRAINEE, DB } = arg;

// Opens the trainee's page and waits for the reconciliation; resolves its state and text.
async function openTrainee(page) {
	await page.goto(`${base}/#/trainee/${TRAINEE}`);
	await page.reload();
	const fc = page.locator('#figures-check');
	await fc.waitFor({ timeout: 60000 });
	return { state: await fc.getAttribute('data-state'), text: (await fc.textContent()).trim(),
		summary: await page.locator('#verify-summary').getAttribute('data-state'),
		signed: await page.locator('td.num').allTextContents() };
}

const browser = await launch();
try {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	const page = await ctx.newPage();
	page.setDefaultTimeout(30000);
	const errors = await watch(page);
	await signIn(page, FACULTY);

	const before = await openTrainee(page);
	ok(before.state === 'verified' && before.summary === 'verified', 'the honest page: signatures verified and every figure recomputed in the browser matches',
		`${before.summary} / ${before.state}: ${before.text}`);
	ok(/requirement figures.*match/.test(before.text), `  ...saying so (${before.text.slice(0, 80)}…)`);

	// The cache tampered while serving.
	execFileSync('sh', ['tests/lib/sql.sh', DB, `UPDATE trainee_tally SET signed = 100000 WHERE trainee_id = ${Number(TRAINEE)}`]);
	const tally = await openTrainee(page);
	ok(tally.state === 'verified' && JSON.stringify(tally.signed) === JSON.stringify(before.signed) && !tally.signed.some((t) => t.includes('100')),
		'trainee_tally set to 100000 while serving: the page\u2019s figures come from the ledger, unchanged, and still reconcile', tally.text);

	// The server lies about one figure.
	let inflated = '';
	await page.route(`**/api/v1/trainees/${TRAINEE}/evidence`, async (route) => {
		const res = await route.fetch();
		const p = await res.json();
		const r = p.modules.flatMap((m) => m.requirements).find((x) => x.kind === 'minutes' && x.signed > 0);
		r.signed += 5;
		inflated = r.title;
		await route.fulfill({ response: res, json: p });
	});
	const lie = await openTrainee(page);
	ok(inflated !== '', 'a progress report with one requirement inflated by five is served to the page');
	ok(lie.state === 'failed' && lie.summary === 'failed', 'the page shows the check as FAILED, not verified', `${lie.summary} / ${lie.state}: ${lie.text}`);
	ok(lie.text.includes(`${inflated}, signed`) && /the server shows \d+, the verified entries give \d+/.test(lie.text),
		'  ...naming the requirement, the server\u2019s figure and the ledger\u2019s', lie.text.slice(0, 300));
	ok(await page.locator('td[data-state=failed]').count() === 0, '  ...while every signature itself verifies');

	// The server lists the simulator requirement's imports under another requirement instead.
	await page.unroute(`**/api/v1/trainees/${TRAINEE}/evidence`);
	let moved = '';
	await page.route(`**/api/v1/trainees/${TRAINEE}/evidence`, async (route) => {
		const res = await route.fetch();
		const p = await res.json();
		const reqs = p.modules.flatMap((m) => m.requirements);
		const sim = reqs.find((x) => x.kind === 'simulator' && x.signed > 0 && (x.evidence || []).length);
		const other = reqs.find((x) => x !== sim && (x.evidence || []).length);
		if (sim && other) {
			other.evidence.push(...sim.evidence);
			sim.evidence = [];
			moved = sim.title;
		}
		await route.fulfill({ response: res, json: p });
	});
	const elsewhere = await openTrainee(page);
	ok(moved !== '', 'a report whose simulator figure names its imports under another requirement is served');
	ok(elsewhere.state === 'failed' && elsewhere.text.includes(`${moved}, signed`),
		'  ...the simulator figure is recomputed only from imports its own rows name: FAILED, naming it', elsewhere.text.slice(0, 300));
	ok(await page.locator('td[data-state=failed]').count() === 0, '  ...while every import itself verifies');
	ok(errors.length === 0, 'no script errors', errors.join('; '));
} catch (e) {
	ok(false, 'the browser run', e?.stack || e);
} finally {
	await browser.close();
}
finish();
