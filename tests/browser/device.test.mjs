// device.test.mjs - the #/device page in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core): a signed-in person opens
// the address raslog login printed, finds the code filled in, approves it;
// denies a second code typed by hand; a malformed code is refused on the
// page.  Run by tests/api/82-device.sh, which checks the outcome on the
// server side (the CLI's login completes; the denied grant polls
// access_denied).
//
//   node tests/browser/device.test.mjs BASE_URL TOKEN APPROVE_CODE DENY_CODE
//
// Prints TAP (harness.mjs); exits 1 on any failure.

import { harness } from './harness.mjs';

const { arg, base, ok, launch, watch, signIn, finish } =
	harness({ usage: 'node tests/browser/device.test.mjs BASE_URL TOKEN APPROVE_CODE DENY_CODE' });
const { TOKEN, APPROVE_CODE: APPROVE, DENY_CODE: DENY } = arg;

const browser = await launch();
try {
	const page = await (await browser.newContext()).newPage();
	page.setDefaultTimeout(15000);
	const errors = await watch(page);
	// Signed in as the page signs people in today: the token form.
	await signIn(page, TOKEN);

	// The address raslog login printed (verification_uri_complete).
	await page.goto(`${base}/#/device?user_code=${APPROVE}`);
	await page.locator('#device-code').waitFor();
	ok(await page.locator('#view h1').textContent() === 'Approve a sign-in', 'the #/device page opens');
	ok(await page.inputValue('#device-code') === APPROVE, 'the code from the address is filled in', await page.inputValue('#device-code'));
	await page.click('.device-form button[type=submit]');
	const done = await page.locator('#device-result .notice').textContent();
	ok(/^Approved\./.test(done), 'Approve: the page says it is approved', done);

	// A malformed code is refused before anything is sent.
	await page.goto(`${base}/#/device`);
	await page.locator('#device-code').waitFor();
	await page.fill('#device-code', 'nope');
	await page.click('.device-form button[type=submit]');
	await page.locator('#device-result [role=alert], #device-result .error, #device-result *').first().waitFor();
	ok(await page.getAttribute('#device-code', 'aria-invalid') === 'true', 'a malformed code is marked invalid');

	// Deny a code typed by hand, in lower case without the dash.
	await page.fill('#device-code', DENY.replace('-', '').toLowerCase());
	await page.click('.device-form button:has-text("Deny")');
	const denied = await page.locator('#device-result .notice').textContent();
	ok(/^Denied\./.test(denied), 'Deny: the page says it is denied', denied);
	ok(errors.length === 0, 'no page errors', errors.join('; '));
} catch (e) {
	ok(false, 'the browser run', e?.stack || e);
} finally {
	await browser.close();
}
finish();
