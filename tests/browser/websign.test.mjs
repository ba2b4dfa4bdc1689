// websign.test.mjs - signing on the web (issue 16 items 2 and 3) in
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
// Run by tests/api/17-web-sign.sh, which then checks the ledger with
// `raslog verify` and OpenSSL.
//
//   node tests/browser/websign.test.mjs BASE_URL TRAINER_TOKEN TRAINER_KEYFILE OUTDIR
//
// A trainer on a phone (390 px): creates this device's key (WebCrypto
// Ed25519, non-extractable, in IndexedDB), which cannot sign until it is
// approved; the trainer's existing key (TRAINER_KEYFILE, the demo's
// libsodium secret, signed here with Node's crypto via tests/js/sign.mjs)
// approves it with a device_key statement; then confirms a session with
// their own view of the role, seeing the exact canonical statement first,
// and rejects one with a reason (an empty reason is refused on the page).
// On a desktop (1280 px) a second browser makes its own key, which the
// phone approves from its page; the desktop then ticks the rest and signs
// them together.  Writes OUTDIR/websign.json (what was signed) and
// screenshots; prints TAP; exits 1 on any failure.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { harness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { default: canonicalize } = await import(pathToFileURL(path.join(here, '..', 'js', 'node_modules', 'canonicalize', 'lib', 'canonicalize.js')).href);

//   node tests/browser/websign.test.mjs --trainee BASE_URL FACULTY_TOKEN TRAINEE_ID OUTDIR
// instead opens the trainee's page as faculty and checks that every
// evidence signature verifies and every signing key is traced up its chain
// (accreditation or device_key), with no false alarm after a rotation.
const CHECK_TRAINEE = process.argv[2] === '--trainee';
const t = harness({ usage: 'node tests/browser/websign.test.mjs BASE_URL TRAINER_TOKEN TRAINER_KEYFILE OUTDIR',
	argv: process.argv.slice(CHECK_TRAINEE ? 3 : 2) });
const { base, OUT, ok, launch, watch, signIn, shot, finish } = t;
const { TRAINER_TOKEN: TOKEN, TRAINER_KEYFILE: KEYFILE } = t.arg;
const apiGet = async (p) => (await fetch(`${base}/api/v1${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
const me = CHECK_TRAINEE ? null : await apiGet('/me');
const result = { trainer: me?.id, signed: [], rejected: [], device_keys: [] };

const browser = await launch();
const problems = [];
async function device(viewport) {
	const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1, hasTouch: viewport.width < 500 });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	await watch(page, { problems, console: /status of 4\d\d/ });
	await signIn(page, TOKEN);
	return { context, page };
}
async function openWaiting(page) {
	await page.goto(`${base}/#/accreditation`);
	await page.goto(`${base}/#/waiting`);
	await page.locator('h1', { hasText: 'Waiting for my signature' }).waitFor();
	await page.locator('#websign-key-h').waitFor();
	await page.waitForFunction(() => document.querySelector('.websign-list')?.childElementCount > 0);
}
const keyState = (page) => page.getAttribute('#websign-key-state', 'data-state');
const axe = (page, name) => t.axe(page, name, { bestPractice: false });
/* Reads the review's statements (the exact canonical text shown). */
const shown = (page) => page.locator('#websign-review pre.statement').allTextContents();
async function signReview(page, count) {
	await page.click('#websign-sign');
	await page.waitForFunction((c) => document.querySelectorAll('.websign-results li').length >= c, count);
	return page.locator('.websign-results li').evaluateAll((ls) => ls.map((l) => ({ ok: l.dataset.ok === '1', text: l.textContent })));
}
/* The device_key approval the trainer's existing key signs (Node's crypto, not the page). */
async function approveWithExistingKey(publicKey) {
	const st = { v: 1, type: 'device_key', signer: me.id, key: '',
		signed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), user: me.id, public_key: publicKey };
	const sk = Buffer.from(fs.readFileSync(KEYFILE, 'utf8').trim(), 'base64');
	st.key = sk.subarray(32).toString('base64');
	const file = path.join(OUT, 'approve.json');
	fs.writeFileSync(file, JSON.stringify(st));
	const body = execFileSync('node', [path.join(here, '..', 'js', 'sign.mjs'), KEYFILE, file], { encoding: 'utf8' });
	const r = await fetch(`${base}/api/v1/signoffs`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body });
	return { status: r.status, body: await r.json() };
}

if (CHECK_TRAINEE) {
	try {
		const { page } = await device({ width: 1280, height: 900 });
		await page.goto(`${base}/#/trainee/${KEYFILE}`);
		await page.locator('table.evidence tbody tr').first().waitFor();
		await page.waitForFunction(() => {
			const s = document.querySelector('#verify-summary');
			return s && s.dataset.state && s.dataset.state !== 'checking';
		}, null, { timeout: 60000 });
		const rows = await page.locator('table.evidence td.sig').count();
		const verified = await page.locator('table.evidence td.sig[data-state="verified"]').count();
		const traced = await page.locator('table.evidence .chain:not(.chain-unknown)').allInnerTexts();
		const untraced = await page.locator('table.evidence .chain-unknown').allInnerTexts();
		ok(rows > 0 && verified === rows, `every evidence signature on the trainee's page verifies (${verified} of ${rows})`);
		ok(untraced.length === 0, 'no signing key is flagged after the rotation (no false alarm)', untraced.join('\n'));
		ok(traced.some((t) => /Device key introduced/.test(t)), 'signatures by a device key are traced to its device_key entry', traced.join('\n'));
		ok(traced.some((t) => /accredited by faculty/.test(t)), 'signatures by the superseded accreditation key are traced to that accreditation');
		await shot(page, 'websign-04-trainee-chain');
		ok(problems.length === 0, 'no page errors', problems.join('\n'));
	} catch (e) {
		ok(false, 'the trainee page check', `${e?.stack || e}\n${problems.join('\n')}`);
	}
	await browser.close();
	finish();
}

try {
	/* ---------------------------------------------------------------- phone */
	const phone = await device({ width: 390, height: 844 });
	let page = phone.page;
	await openWaiting(page);
	const cards = await page.locator('.websign-card').count();
	if (!cards) console.log('# ' + (await page.locator('#view').innerText()).replace(/\n/g, '\n# '));
	ok(cards >= 4, `the phone lists the sessions waiting for the trainer in words (${cards})`);
	const first = await page.locator('.websign-card').first().innerText();
	ok(/Date/.test(first) && /Activity/.test(first) && /Role the trainee claims/.test(first) && /Steps the trainee claims/.test(first),
		'each session shows date, activity, the claimed role and steps', first);
	ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll at 390 px');
	await page.click('#websign-create');
	await page.waitForFunction(() => document.querySelector('#websign-key-state')?.dataset.state === 'registered');
	ok(true, 'the phone creates and registers its own key; it is not yet approved');
	const key = await page.evaluate(() => new Promise((resolve, reject) => {
		const o = indexedDB.open('raslog-keys');
		o.onerror = () => reject(o.error);
		o.onsuccess = () => {
			const g = o.result.transaction('keys').objectStore('keys').getAll();
			g.onsuccess = async () => {
				const rec = g.result[0];
				let exported = 'no';
				try { await crypto.subtle.exportKey('pkcs8', rec.privateKey); exported = 'yes'; } catch { /* expected */ }
				resolve({ public_key: rec.public_key, type: rec.privateKey?.type, extractable: rec.privateKey?.extractable, algorithm: rec.privateKey?.algorithm?.name, exported, n: g.result.length });
			};
		};
	}));
	ok(key.type === 'private' && key.algorithm === 'Ed25519' && key.extractable === false && key.exported === 'no',
		'the private key is a non-extractable Ed25519 CryptoKey in IndexedDB; exporting it fails', JSON.stringify(key));
	result.phone_key = key.public_key;

	// Unapproved: confirming fails at the server, nothing is signed.
	await page.locator('.websign-card button[data-act="confirm"]').first().click();
	await page.locator('#websign-review pre.statement').waitFor();
	let res = await signReview(page, 1);
	ok(!res[0].ok && /device_key|not the one/.test(res[0].text), 'before approval the phone key cannot sign (the server says why)', res[0].text);
	await shot(page, 'websign-01-phone-unapproved');

	const ap = await approveWithExistingKey(key.public_key);
	ok(ap.status === 201, `the trainer's existing key approves the phone's key (device_key at ${ap.body.ledger_index})`, JSON.stringify(ap.body));
	result.device_keys.push(ap.body.ledger_index);
	await openWaiting(page);
	ok(await keyState(page) === 'approved', 'the phone shows its key approved');

	// Confirm the first session with the trainer's own view of the role.
	const card = page.locator('.websign-card').first();
	const sid = Number(await card.getAttribute('data-session'));
	const claimed = await card.locator('select').inputValue();
	const mine = claimed === 'P' ? 'S-TS' : 'P';
	await card.locator('select').selectOption(mine);
	const boxes = card.locator('.websign-steps input[type=checkbox]');
	const nSteps = await boxes.count();
	if (nSteps > 1) await boxes.first().uncheck();
	await card.locator('button[data-act="confirm"]').click();
	await page.locator('#websign-review pre.statement').waitFor();
	let texts = await shown(page);
	const st = JSON.parse(texts[0]);
	ok(st.type === 'session_signoff' && st.decision === 'confirmed' && st.session.id === sid && st.role === mine &&
		st.signer === me.id && st.key === key.public_key && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(st.signed_at),
		`the exact statement is shown before signing: session ${sid}, the trainer's role ${mine}, this device's key`, texts[0]);
	ok(texts[0] === canonicalize(st), 'the statement is shown in canonical JSON (RFC 8785, checked with the npm canonicalize)');
	await shot(page, 'websign-02-phone-review');
	await axe(page, 'the review at 390 px');
	res = await signReview(page, 1);
	ok(res[0].ok, `the phone signs session ${sid}`, res[0].text);
	result.signed.push({ session: sid, role: mine, steps: st.steps || [], key: key.public_key, ledger_index: Number((res[0].text.match(/ledger index (\d+)/) || [])[1]) });

	// Reject the next one: a reason is required.
	await openWaiting(page);
	const rcard = page.locator('.websign-card').first();
	const rid = Number(await rcard.getAttribute('data-session'));
	ok(rid !== sid, 'the signed session left the list');
	await rcard.locator('summary').click();
	await rcard.locator('button[data-act="reject"]').click();
	ok(await rcard.locator('textarea').getAttribute('aria-invalid') === 'true', 'rejecting without a reason is refused on the page, beside the field');
	await rcard.locator('textarea').fill('Not present for this case');
	await rcard.locator('button[data-act="reject"]').click();
	await page.locator('#websign-review pre.statement').waitFor();
	texts = await shown(page);
	const rj = JSON.parse(texts[0]);
	ok(rj.decision === 'rejected' && rj.reason === 'Not present for this case' && rj.role === undefined, 'the rejection statement carries the reason and no role', texts[0]);
	res = await signReview(page, 1);
	ok(res[0].ok, `the phone rejects session ${rid}`, res[0].text);
	result.rejected.push({ session: rid, ledger_index: Number((res[0].text.match(/ledger index (\d+)/) || [])[1]) });

	/* ---------------------------------------------------------------- desktop */
	const desk = await device({ width: 1280, height: 900 });
	await openWaiting(desk.page);
	await desk.page.click('#websign-create');
	await desk.page.waitForFunction(() => document.querySelector('#websign-key-state')?.dataset.state === 'registered');
	const deskKey = await desk.page.locator('#websign-key-state code').textContent();
	ok(deskKey && deskKey !== key.public_key, 'the desktop browser has its own, different key');

	// The phone approves the desktop's key from its page.
	await openWaiting(page);
	const approve = page.locator('.websign-key button[data-key]');
	ok(await approve.count() === 1, 'the phone offers to approve the other key waiting for approval');
	await approve.click();
	await page.locator('#websign-review pre.statement').waitFor();
	texts = await shown(page);
	const dk = JSON.parse(texts[0]);
	ok(dk.type === 'device_key' && dk.user === me.id && dk.public_key === deskKey && dk.key === key.public_key, 'the approval statement names the desktop key and is signed by the phone key', texts[0]);
	res = await signReview(page, 1);
	ok(res[0].ok, 'the phone approves the desktop key', res[0].text);
	result.device_keys.push(Number((res[0].text.match(/ledger index (\d+)/) || [])[1]));
	await phone.context.close();

	page = desk.page;
	await openWaiting(page);
	ok(await keyState(page) === 'approved', 'the desktop shows its key approved');
	const left = await page.locator('.websign-card').evaluateAll((cs) => cs.map((c) => Number(c.dataset.session)));
	for (const box of await page.locator('.websign-select').all()) await box.check();
	await page.click('#websign-batch');
	await page.locator('#websign-review pre.statement').first().waitFor();
	texts = await shown(page);
	ok(texts.length === left.length && texts.every((t) => JSON.parse(t).key === deskKey), `the batch review shows all ${left.length} statements, each to be signed by the desktop key`);
	await shot(page, 'websign-03-desktop-batch');
	await axe(page, 'the batch review at 1280 px');
	res = await signReview(page, left.length);
	ok(res.length === left.length && res.every((r) => r.ok), `the desktop signs ${left.length} sessions together`, res.map((r) => r.text).join('\n'));
	for (const [i, t] of texts.entries()) {
		const s = JSON.parse(t);
		result.signed.push({ session: s.session.id, role: s.role || null, steps: s.steps || [], key: deskKey, ledger_index: Number((res[i]?.text.match(/ledger index (\d+)/) || [])[1]) });
	}
	await openWaiting(page).catch(() => {});
	ok(/Nothing is waiting/.test(await page.locator('#view').innerText()), 'nothing is left waiting');
	// The phone is lost: the desktop revokes its key (two presses).
	const phoneId = await page.locator('.websign-keys li', { hasText: key.public_key }).locator('button[data-revoke]').getAttribute('data-revoke');
	await page.click(`button[data-revoke="${phoneId}"]`);
	ok(/Press again/.test(await page.locator(`button[data-revoke="${phoneId}"]`).textContent()), 'revoking a key asks for a second press');
	await page.click(`button[data-revoke="${phoneId}"]`);
	await page.waitForFunction((id) => !document.querySelector(`button[data-revoke="${id}"]`), phoneId);
	const keysNow = await apiGet('/keys');
	ok(keysNow.items.some((k) => String(k.id) === phoneId && k.revoked_at), `the desktop revokes the lost phone's key ${phoneId}`);
	result.phone_key_id = Number(phoneId);
	await desk.context.close();
	ok(problems.length === 0, 'no page errors', problems.join('\n'));
} catch (e) {
	ok(false, 'the browser run', `${e?.stack || e}\n${problems.join('\n')}`);
} finally {
	await browser.close();
}
fs.writeFileSync(path.join(OUT, 'websign.json'), JSON.stringify(result, null, 1));
finish();
