// harness.mjs - what the browser tests that drive one page share: TAP
// output (ok, step, finish), Chromium launched headless from Debian's
// package through playwright-core, axe-core checks and screenshots written
// to the test's output directory, and the admin's API calls.
//
//   const t = harness({ usage: 'node tests/browser/x.test.mjs BASE_URL ADMIN_TOKEN OUTDIR' });
//   const browser = await t.launch();
//   ... t.ok(cond, name, diag); await t.axe(page, 'view'); ...
//   t.finish();   // prints the plan and exits 1 on any failure
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

/** Reads BASE ADMIN_TOKEN OUTDIR from argv (exit 2 with usage when missing) and returns the helpers. */
export function harness({ usage }) {
	const [BASE, ADMIN, OUT] = process.argv.slice(2);
	if (!OUT) {
		console.error(`usage: ${usage}`);
		process.exit(2);
	}
	const base = BASE.replace(/\/+$/, '');
	fs.mkdirSync(OUT, { recursive: true });
	let n = 0, failed = 0;
	const ok = (cond, name, diag) => {
		n++;
		console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
		if (!cond) {
			failed++;
			if (diag) for (const line of String(diag).split('\n')) console.log(`#   ${line}`);
		}
		return cond;
	};
	return {
		base, ADMIN, OUT, ok,
		/** Runs fn; a thrown error fails the check name, a returned value other than undefined is checked. */
		async step(name, fn) {
			try {
				const r = await fn();
				if (r !== undefined) ok(!!r, name);
			} catch (e) {
				ok(false, name, e?.stack || e);
			}
		},
		async adminApi(method, p, body) {
			const r = await fetch(base + '/api/v1' + p, { method, headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
				body: body ? JSON.stringify(body) : undefined });
			return { status: r.status, json: await r.json().catch(() => null) };
		},
		async axe(page, view) {
			const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
			const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
			fs.writeFileSync(path.join(OUT, `axe-${view}.json`), JSON.stringify(r.violations, null, 1));
			ok(bad.length === 0, `axe: no serious or critical violations on ${view}`,
				bad.map((v) => `${v.impact} ${v.id}: ${v.help} ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(' | ')}`).join('\n'));
		},
		shot: (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true }),
		launch: () => chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS }),
		finish() {
			console.log(`1..${n}`);
			process.exit(failed ? 1 : 0);
		},
	};
}
