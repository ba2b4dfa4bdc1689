// codes-check.mjs [ROOT] - the copies of schema/codes.json's vocabularies
// that are not generated at build time must agree with it: the enums of
// web/openapi.json (Activity, Platform, CaseRole, Role) and the code lists
// in docs/api.md, docs/curricula.md and man/raslog.1.  Prints TAP; exits 1
// on any drift, naming the copy, what it has and what codes.json has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] || '.';
const read = (p) => readFileSync(join(root, p), 'utf8');
const codes = JSON.parse(read('schema/codes.json'));
const want = Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, v.map((e) => e.code)]));
let n = 0, bad = 0;
const check = (name, have, expect) => {
	n++;
	const ok = JSON.stringify(have) === JSON.stringify(expect);
	if (!ok) bad = 1;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!ok) console.log(`# has      ${JSON.stringify(have)}\n# codes.json ${JSON.stringify(expect)}`);
};

const api = JSON.parse(read('web/openapi.json'));
const schemas = api.components?.schemas || {};
for (const [schema, table] of [['Activity', 'activity'], ['Platform', 'platform'], ['CaseRole', 'case_role'], ['Role', 'user_role']])
	check(`openapi.json ${schema} enum is codes.json ${table}`, schemas[schema]?.enum ?? null, want[table]);

// A parenthesised list after a marker, up to the first ')' or ';'.
const list = (text, marker) => {
	const at = text.indexOf(marker);
	if (at < 0) return null;
	const rest = text.slice(at + marker.length);
	const end = rest.search(/[);]/);
	return rest.slice(0, end).split(',').map((s) => s.replace(/[`\s]/g, '')).filter(Boolean);
};
const doc = read('docs/api.md').replace(/\s+/g, ' ');
check('docs/api.md Session activity list', list(doc, '`activity` ('), want.activity);
check('docs/api.md Session platform list', list(doc, '`platform` ('), want.platform);
check('docs/api.md Session role list', list(doc, '`role` ('), want.case_role);
check('docs/curricula.md activity list', list(read('docs/curricula.md').replace(/\s+/g, ' '), '(activities:'), want.activity);
const man = read('man/raslog.1');
const act = man.slice(man.indexOf('.BR elearning'), man.indexOf('Options:', man.indexOf('.BR elearning')));
check('man/raslog.1 log --activity list', [...act.matchAll(/^\.BR (\S+?) ?[,.]$/gm)].map((m) => m[1].replace(/\\-/g, '-')), want.activity);
console.log(`1..${n}`);
process.exit(bad);
