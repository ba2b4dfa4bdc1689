// chromium.mjs PORT - one headless Chromium for a whole tests/browser/run.sh:
// launched as harness.mjs launches a test's own (same executable, same
// arguments, playwright-core's defaults), plus a DevTools endpoint on
// 127.0.0.1:PORT that each test joins with connectOverCDP
// (RASLOG_CHROMIUM_CDP=http://127.0.0.1:PORT): a test's close() then closes
// its own contexts and leaves the browser for the next, which saves a
// Chromium start and stop per test.  Prints "ready" once the endpoint
// answers; closes the browser and exits when its standard input ends
// (run.sh closes it, or run.sh is gone) or on SIGTERM.
import { launchChromium } from './harness.mjs';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
	console.error('usage: node tests/browser/chromium.mjs PORT');
	process.exit(2);
}
const browser = await launchChromium([`--remote-debugging-port=${port}`, '--remote-debugging-address=127.0.0.1']);
// The endpoint answers once Chromium has opened it.
for (let i = 0; ; i++) {
	try {
		const r = await fetch(`http://127.0.0.1:${port}/json/version`);
		if (r.ok) break;
	} catch {
		if (i >= 300) {
			console.error(`no DevTools endpoint on 127.0.0.1:${port}`);
			await browser.close();
			process.exit(1);
		}
	}
	await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log('ready');
let closing = false;
const stop = async () => {
	if (closing) return;
	closing = true;
	await browser.close().catch(() => {});
	process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
