// imports.test.mjs - imports on the web page (issue 19 items 1 and 3) in
// headless Chromium, run by tests/browser/imports.sh on the demo:
//
//   node tests/browser/imports.test.mjs BASE_URL ADMIN_TOKEN OUTDIR TRAINEE_TOKEN TRAINER_TOKEN TRAINER_KEYFILE
//
// The trainee, on their own page, uploads an e-learning certificate whose
// proof cannot be verified (it is shown UNVERIFIED), a file that is not a
// certificate (refused, nothing stored) and a simulator attempts file
// naming their trainer.  The trainer, on "Waiting for me", creates this
// device's key (approved by their existing key, signed with Node's crypto),
// sees both imports; confirming the unverified certificate is refused
// until the box saying so is ticked, then the exact statement (with
// "unverified_ok": true) is shown and signed; the simulator file is
// countersigned the same way.  The server's records and ledger agree.
// axe-core on both pages; screenshots in OUTDIR.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { harness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const t = harness({ usage: 'node tests/browser/imports.test.mjs BASE_URL ADMIN_TOKEN OUTDIR TRAINEE_TOKEN TRAINER_TOKEN TRAINER_KEYFILE' });
const [TRAINEE, TRAINER, KEYFILE] = process.argv.slice(5);
const DATA = path.join(here, '..', 'data', 'imports');
const as = async (token, p) => (await fetch(`${t.base}/api/v1${p}`, { headers: { Authorization: `Bearer ${token}` } })).json();
const trainee = await as(TRAINEE, '/me');
const trainer = await as(TRAINER, '/me');
const problems = [];

const browser = await t.launch();
async function signIn(token, viewport) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`); });
	await page.goto(`${t.base}/`, { waitUntil: 'domcontentloaded' });
	await page.locator('#token').waitFor();
	await page.fill('#token', token);
	await page.click('#sign-in-form button[type=submit]');
	await page.locator('#who-name').waitFor({ state: 'visible' });
	return page;
}
const mine = async () => (await as(TRAINEE, '/imports')).items.filter((x) => x.trainee === trainee.id);

let certId, simId;
await t.step('the trainee uploads files from their own page', async () => {
	const page = await signIn(TRAINEE, { width: 390, height: 844 });
	await page.goto(`${t.base}/#/progress`);
	await page.locator('#imports-h').waitFor();
	const before = (await mine()).length;

	await page.selectOption('#imports select[name=kind]', 'certificate');
	await page.setInputFiles('#imports input[type=file]', path.join(DATA, 'badge-unverified.json'));
	await page.click('#import-upload');
	await page.locator('#import-done').waitFor();
	const done = await page.locator('#import-done').innerText();
	t.ok(/UNVERIFIED/.test(done) && /FRS online modules/.test(done) && /did:key/.test(done),
		'an unverifiable certificate is stored and shown UNVERIFIED, with the reason', done);
	certId = Number((/Import #(\d+)/.exec(done) || [])[1]);
	t.ok(await page.locator('#import-list [data-verified="0"]').count() >= 1, 'the list of my imports marks it unverified');
	await t.shot(page, 'imports-01-trainee-uploaded');
	await t.axe(page, 'trainee-imports');

	await page.setInputFiles('#imports input[type=file]', { name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{"type":"Thing"}') });
	await page.click('#import-upload');
	await page.locator('#import-error').waitFor();
	const err = await page.locator('#import-error').innerText();
	t.ok(/not imported/.test(err) && /type/.test(err), 'a file that is no certificate is refused, naming the member', err);
	t.ok((await mine()).length === before + 1, 'nothing was stored from it');

	await page.selectOption('#imports select[name=kind]', 'simulator');
	await page.setInputFiles('#imports input[type=file]', path.join(DATA, 'simnow.csv'));
	await page.click('#import-upload');
	await page.waitForFunction(() => document.querySelector('#imports select[name=trainer]')?.getAttribute('aria-invalid') === 'true');
	t.ok((await mine()).length === before + 1, 'a simulator file without a trainer is stopped on the page, nothing sent');
	await page.selectOption('#imports select[name=trainer]', String(trainer.id));
	await page.click('#import-upload');
	await page.locator('#import-done').waitFor();
	const sim = await page.locator('#import-done').innerText();
	simId = Number((/Import #(\d+)/.exec(sim) || [])[1]);
	t.ok(simId > 0 && /countersigning/.test(sim), 'a simulator file naming the trainer is stored, waiting to be countersigned', sim);
	await page.context().close();
});

/* The trainer's existing key (the demo's) approves the page's device key (Node's crypto, not the page). */
function approve(publicKey) {
	const sk = Buffer.from(fs.readFileSync(KEYFILE, 'utf8').trim(), 'base64');
	const st = { v: 1, type: 'device_key', signer: trainer.id, key: sk.subarray(32).toString('base64'),
		signed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), user: trainer.id, public_key: publicKey };
	const file = path.join(t.OUT, 'imports-approve.json');
	fs.writeFileSync(file, JSON.stringify(st));
	const body = execFileSync('node', [path.join(here, '..', 'js', 'sign.mjs'), KEYFILE, file], { encoding: 'utf8' });
	return fetch(`${t.base}/api/v1/signoffs`, { method: 'POST', headers: { Authorization: `Bearer ${TRAINER}`, 'Content-Type': 'application/json' }, body });
}

await t.step('the trainer confirms and countersigns them, signing in the browser', async () => {
	const page = await signIn(TRAINER, { width: 1280, height: 900 });
	const open = async () => {
		await page.goto(`${t.base}/#/accreditation`);
		await page.goto(`${t.base}/#/waiting`);
		await page.locator('#waiting-imports-h').waitFor();
	};
	await open();
	await page.click('#websign-create');
	await page.waitForFunction(() => document.querySelector('#websign-key-state')?.dataset.state === 'registered');
	const pk = await page.locator('#websign-key-state code').innerText();
	t.ok((await approve(pk)).status === 201, "the trainer's existing key approves this device's key");
	await open();
	const cert = page.locator(`#waiting-imports article[data-import="${certId}"]`);
	const sim = page.locator(`#waiting-imports article[data-import="${simId}"]`);
	await cert.waitFor();
	const words = await cert.innerText();
	t.ok(/UNVERIFIED/.test(words) && /FRS online modules/.test(words) && /e-learning certificate/.test(words),
		'the certificate waits for the trainer, shown UNVERIFIED in words', words);
	t.ok(await sim.count() === 1, 'so does the simulator file naming them');
	await t.axe(page, 'waiting-imports');

	await cert.locator('button[data-act="confirm"]').click();
	t.ok(await cert.locator('.websign-unverified-ok').getAttribute('aria-invalid') === 'true' &&
		await page.locator('#websign-review pre.statement').count() === 0,
		'confirming without ticking the unverified box is stopped: nothing to sign');
	await cert.locator('.websign-unverified-ok').check();
	await cert.locator('button[data-act="confirm"]').click();
	const text = await page.locator('#websign-review pre.statement').innerText();
	const st = JSON.parse(text);
	t.ok(st.type === 'elearning_confirmation' && st.unverified_ok === true && st.import.id === certId && st.import.verified === false &&
		st.import.issuer === 'https://www.frsurgery.org', 'the exact statement shown says unverified_ok and what it confirms', text);
	await t.shot(page, 'imports-02-trainer-review');
	await page.click('#websign-sign');
	await page.waitForFunction(() => document.querySelectorAll('.websign-results li').length >= 1);
	const r1 = await page.locator('.websign-results li').first().innerText();
	t.ok(/signed, ledger index \d+/.test(r1), 'the confirmation is signed with the device key and accepted', r1);

	await open();
	await sim.locator('button[data-act="confirm"]').click();
	const st2 = JSON.parse(await page.locator('#websign-review pre.statement').innerText());
	t.ok(st2.type === 'simulator_import' && st2.import.id === simId && Array.isArray(st2.import.results) && st2.import.results.length > 0,
		'the simulator countersignature carries every attempt\u2019s result', JSON.stringify(st2).slice(0, 300));
	await page.click('#websign-sign');
	await page.waitForFunction(() => document.querySelectorAll('.websign-results li').length >= 1);
	t.ok(/signed, ledger index \d+/.test(await page.locator('.websign-results li').first().innerText()), 'the simulator file is countersigned');
	await page.waitForFunction((ids) => !ids.some((i) => document.querySelector(`#waiting-imports article[data-import="${i}"]`)), [certId, simId]);
	t.ok(true, 'both leave the waiting list');
	await t.shot(page, 'imports-03-trainer-done');
	await page.context().close();
});

await t.step('the server agrees', async () => {
	const c = (await t.adminApi('GET', `/imports/${certId}`)).json;
	const s = (await t.adminApi('GET', `/imports/${simId}`)).json;
	t.ok(c.status === 'signed' && s.status === 'signed', 'both imports are signed', `${c.status} ${s.status}`);
	const e = (await t.adminApi('GET', `/ledger/entries/${c.signoff.ledger_index}`)).json;
	t.ok(e.statement.type === 'elearning_confirmation' && e.statement.unverified_ok === true && e.statement.signer === trainer.id,
		'the ledger holds the trainer\u2019s elearning_confirmation with unverified_ok', JSON.stringify(e.statement));
});
t.ok(problems.length === 0, 'no page errors', problems.join('\n'));
await browser.close();
t.finish();
