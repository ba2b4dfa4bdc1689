// harness.mjs - what every browser test shares: its command line, TAP
// output (ok, note, step, finish), Chromium launched headless from
// Debian's package through playwright-core, a page's error watch (script
// errors, console errors, CSP violations), signing in with a token,
// axe-core checks and screenshots written to the test's output directory,
// and API calls.
//
//   const t = harness({ usage: 'node tests/browser/x.test.mjs BASE_URL ADMIN_TOKEN OUTDIR' });
//   const browser = await t.launch();
//   ... t.ok(cond, name, diag); await t.axe(page, 'view'); ...
//   t.finish();   // prints the plan and exits 1 on any failure
//
// The usage line names the arguments (upper-case words after the script;
// a [WORD] is optional): t.arg.WORD is each one's value.  BASE_URL,
// ADMIN_TOKEN and OUTDIR, where named, are also t.base (without a
// trailing slash), t.ADMIN and t.OUT; without an OUTDIR argument t.OUT is
// $OUT or tests/out/browser.
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
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Debian's Chromium (or $CHROMIUM), headless, launched through playwright-core; extra arguments appended. */
export function launchChromium(extra = []) {
	return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extra] });
}

/** The argument names of a usage line: ['BASE_URL', 'TOKEN', '[TRAINER_TOKEN]'] of '... x.test.mjs BASE_URL TOKEN [TRAINER_TOKEN]'. */
function argNames(usage) {
	const words = usage.split(/\s+/);
	const at = words.findIndex((w) => w.endsWith('.mjs'));
	return words.slice(at + 1).filter((w) => /^\[?[A-Z][A-Z0-9_]*\]?$/.test(w));
}

/** Reads the arguments the usage line names from argv (exit 2 with the usage when one is missing) and returns the helpers. */
export function harness({ usage, argv = process.argv.slice(2) }) {
	const names = argNames(usage);
	const required = names.filter((w) => !w.startsWith('[')).length;
	if (argv.length < required) {
		console.error(`usage: ${usage}`);
		process.exit(2);
	}
	const arg = {};
	names.forEach((w, i) => { arg[w.replace(/[[\]]/g, '')] = argv[i]; });
	const base = (arg.BASE_URL || '').replace(/\/+$/, '');
	const ADMIN = arg.ADMIN_TOKEN;
	const OUT = arg.OUTDIR || process.env.OUT || path.join('tests', 'out', 'browser');
	fs.mkdirSync(OUT, { recursive: true });
	let n = 0, failed = 0;
	const note = (msg) => { for (const line of String(msg).split('\n')) console.log(`# ${line}`); };
	const ok = (cond, name, diag) => {
		n++;
		console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
		if (!cond) {
			failed++;
			if (diag) for (const line of String(diag).split('\n')) console.log(`#   ${line}`);
		}
		return cond;
	};
	const api = async (token, method, p, body) => {
		const r = await fetch(base + '/api/v1' + p, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
			body: body ? JSON.stringify(body) : undefined });
		return { status: r.status, json: await r.json().catch(() => null) };
	};
	return {
		arg, base, ADMIN, OUT, ok, note, api,
		/** Runs fn; a thrown error fails the check name, a returned value other than undefined is checked. Resolves false after a throw. */
		async step(name, fn) {
			try {
				const r = await fn();
				if (r !== undefined) ok(!!r, name);
				return true;
			} catch (e) {
				ok(false, name, e?.stack || e);
				return false;
			}
		},
		adminApi: (method, p, body) => api(ADMIN, method, p, body),
		/**
		 * Scans the page with axe-core (WCAG 2.0 to 2.2 A and AA, and best practice unless bestPractice is false):
		 * one check that nothing serious or critical is found; the rest become notes; every finding in OUT/axe-VIEW.json.
		 */
		async axe(page, view, { bestPractice = true } = {}) {
			const r = await new AxeBuilder({ page }).withTags(bestPractice ? [...WCAG, 'best-practice'] : WCAG).analyze();
			const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
			for (const v of r.violations.filter((x) => !bad.includes(x))) note(`axe (${view}, ${v.impact}): ${v.id}: ${v.help} [${v.nodes.length}]`);
			fs.writeFileSync(path.join(OUT, `axe-${view}.json`), JSON.stringify(r.violations, null, 1));
			ok(bad.length === 0, `axe: no serious or critical violations on ${view}`,
				bad.map((v) => `${v.impact} ${v.id}: ${v.help} ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(' | ')}`).join('\n'));
		},
		/** A full-page screenshot in OUT (not a check: a long page on a loaded machine gets a minute, not the page's 15 s). */
		shot: (page, name, opts = {}) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true, timeout: 60000, ...opts }),
		/**
		 * Chromium: with RASLOG_CHROMIUM_CDP (tests/browser/run.sh's one Chromium, tests/browser/chromium.mjs) a
		 * connection to it, whose close() closes this test's contexts and leaves the browser running; else a
		 * Chromium of the test's own.
		 */
		launch: () => (process.env.RASLOG_CHROMIUM_CDP ? chromium.connectOverCDP(process.env.RASLOG_CHROMIUM_CDP) : launchChromium()),
		/**
		 * Collects the page's script errors into problems (returned); with console, also console errors whose
		 * text that regular expression does not match (e.g. /status of 40[0-9]/ for refusals the test provokes);
		 * with csp, a Content-Security-Policy violation becomes a console error.
		 */
		async watch(page, { problems = [], console: ignore = null, csp = false } = {}) {
			page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
			if (ignore)
				page.on('console', (m) => {
					if (m.type() === 'error' && !ignore.test(m.text())) problems.push(`console error: ${m.text()}`);
				});
			if (csp)
				await page.addInitScript(() => {
					document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
				});
			return problems;
		},
		/** Signs in with an API token through the sign-in form and waits until the page says who is signed in. */
		async signIn(page, token) {
			await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
			await page.locator('#token').waitFor();
			await page.fill('#token', token);
			await page.click('#sign-in-form button[type=submit]');
			await page.locator('#who-name').waitFor({ state: 'visible' });
		},
		/** Whether the page fits the viewport's width (no sideways scroll). */
		noSideScroll: (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
		finish() {
			console.log(`1..${n}`);
			process.exit(failed ? 1 : 0);
		},
	};
}
