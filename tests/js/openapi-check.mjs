#!/usr/bin/env node
// tests/js/openapi-check.mjs BASE_URL TOKENS_JSON
//
// Checks web/openapi.json as the running raslogd serves it against the
// server itself:
//   1. every route of server/routes.c (parsed from the C table) is described,
//      and the description has no operation the table lacks;
//   2. real requests - a GET of every read route with a suitable token,
//      POST /sessions valid and invalid, a key registered and revoked, a
//      signed sign-off, 400/401/403/404/405 problems - answer with a status
//      the description lists, a content type it lists for that status, and a
//      body that validates (ajv, JSON Schema 2020-12) against its schema.
//
// TOKENS_JSON is a file (or inline JSON) holding the people, as written by
// `raslogd demo`: JSON Lines or an array of {"id","roles":[..],"token",...}.
// Output is TAP.  Nothing is fetched but BASE_URL.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import canonicalize from 'canonicalize';

const here = dirname(fileURLToPath(import.meta.url));
const [base, tokensArg] = process.argv.slice(2);
if (!base || !tokensArg) {
	console.error('usage: node tests/js/openapi-check.mjs BASE_URL TOKENS_JSON');
	process.exit(2);
}
const api = base.replace(/\/$/, '') + '/api/v1';

let n = 0, failed = 0;
function tap(pass, desc, diag) {
	n++;
	if (!pass) failed++;
	console.log(`${pass ? 'ok' : 'not ok'} ${n} - ${desc}`);
	if (!pass && diag) for (const l of String(diag).split('\n').slice(0, 12)) console.log(`#   ${l}`);
}

// ---- the people ------------------------------------------------------------
function loadPeople(arg) {
	const text = existsSync(arg) ? readFileSync(arg, 'utf8') : arg;
	const t = text.trim();
	if (t.startsWith('[')) return JSON.parse(t);
	return t.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
const people = loadPeople(tokensArg);
const withRole = (r) => people.filter((p) => (p.roles || []).includes(r) && p.token);
const faculty = withRole('faculty')[0], trainer = withRole('trainer')[0], trainee = withRole('trainee')[0];
if (!faculty || !trainer || !trainee) {
	console.log('Bail out! TOKENS_JSON needs a faculty member, a trainer and a trainee with tokens');
	process.exit(1);
}

// ---- routes.c ----------------------------------------------------------------
const routesC = readFileSync(join(here, '../../server/routes.c'), 'utf8');
const routes = [...routesC.matchAll(/^\s*\{\s*"([A-Z]+)",\s*"(\/[^"]*)",\s*(h_\w+)/gm)].map((m) => ({ method: m[1], path: m[2], handler: m[3] }));

// ---- HTTP ------------------------------------------------------------------
async function call(method, path, { token, body, raw, headers: more } = {}) {
	const headers = { ...(more || {}) };
	if (token) headers.Authorization = `Bearer ${token}`;
	let payload;
	if (raw !== undefined) { payload = raw; headers['Content-Type'] = 'application/json'; }
	else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
	const res = await fetch(api + path, { method, headers, body: payload });
	const text = await res.text();
	const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
	let json;
	if (/^application\/([a-z.+-]*\+)?json$/.test(ctype)) {
		try { json = JSON.parse(text); } catch { json = undefined; }
	}
	return { status: res.status, ctype, text, json, headers: res.headers };
}

// ---- the description -----------------------------------------------------------
const specRes = await call('GET', '/openapi.json');
let spec;
try { spec = JSON.parse(specRes.text); } catch (e) { /* reported below */ }
tap(specRes.status === 200 && specRes.ctype === 'application/json' && spec, 'GET /api/v1/openapi.json without a token: 200 application/json', `status ${specRes.status} ${specRes.ctype}`);
if (!spec) { console.log(`1..${n}`); process.exit(1); }
tap(/^3\.1\.\d+$/.test(spec.openapi), `it is OpenAPI 3.1 (${spec.openapi})`);

tap(routes.length >= 20, `parsed ${routes.length} routes from server/routes.c`);
const missing = routes.filter((r) => !spec.paths?.[r.path]?.[r.method.toLowerCase()]);
tap(missing.length === 0, 'every route of server/routes.c is described', missing.map((r) => `${r.method} ${r.path}`).join('\n'));
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const extra = [];
for (const [p, item] of Object.entries(spec.paths || {}))
	for (const m of methods)
		if (item[m] && !routes.some((r) => r.path === p && r.method.toLowerCase() === m)) extra.push(`${m.toUpperCase()} ${p}`);
tap(extra.length === 0, 'the description has no operation that server/routes.c lacks', extra.join('\n'));
const publicRoutes = routes.filter((r) => /WHO_ANYONE/.test(routesC.split('\n').find((l) => l.includes(`"${r.path}"`) && l.includes(r.handler)) || ''));
const secErr = [];
for (const r of routes) {
	const op = spec.paths?.[r.path]?.[r.method.toLowerCase()];
	if (!op) continue;
	const isPublic = publicRoutes.includes(r);
	const sec = op.security ?? spec.security ?? [];
	if (isPublic !== (sec.length === 0)) secErr.push(`${r.method} ${r.path}: ${isPublic ? 'public route demands auth' : 'authenticated route described as public'}`);
	if (!isPublic && !op.responses?.['401']) secErr.push(`${r.method} ${r.path}: no 401 response`);
}
tap(spec.components?.securitySchemes?.bearerAuth?.scheme === 'bearer' && secErr.length === 0,
	'bearer security on every route but WHO_ANYONE ones; those have security: []', secErr.join('\n'));

// ---- ajv over the description's schemas --------------------------------------------
const SPEC_ID = 'https://raslog.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: SPEC_ID });
const compiled = new Map();
function rebase(v) {
	if (Array.isArray(v)) return v.map(rebase);
	if (v && typeof v === 'object') {
		const o = {};
		for (const [k, x] of Object.entries(v)) o[k] = k === '$ref' && typeof x === 'string' && x.startsWith('#') ? SPEC_ID + x : rebase(x);
		return o;
	}
	return v;
}
function deref(o) {
	while (o && o.$ref && o.$ref.startsWith('#/')) o = o.$ref.slice(2).split('/').reduce((a, k) => a?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
	return o;
}
function validatorFor(schema) {
	const key = JSON.stringify(schema);
	if (!compiled.has(key)) compiled.set(key, ajv.compile(rebase(schema)));
	return compiled.get(key);
}
const problemSchema = { $ref: '#/components/schemas/Problem' };
const covered = new Set();

// check(desc, METHOD, PATTERN, reply, expectStatus): the reply against the operation's response.
function check(desc, method, pattern, r, expect) {
	const op = spec.paths?.[pattern]?.[method.toLowerCase()];
	const where = `${method} ${pattern} -> ${r.status}`;
	if (expect !== undefined && r.status !== expect) {
		tap(false, `${desc}: status ${expect}`, `got ${r.status}: ${r.text.slice(0, 400)}`);
		return r;
	}
	if (!op) { tap(false, `${desc}: ${method} ${pattern} is described`); return r; }
	const resp = deref(op.responses?.[String(r.status)] || op.responses?.[`${String(r.status)[0]}XX`] || op.responses?.default);
	if (!resp) { tap(false, `${desc}: ${where} is a documented status`, r.text.slice(0, 300)); return r; }
	const media = resp.content?.[r.ctype];
	if (!media) { tap(false, `${desc}: ${where} content type ${r.ctype} is documented`, `documented: ${Object.keys(resp.content || {}).join(', ')}`); return r; }
	if (/^application\/([a-z.+-]*\+)?json$/.test(r.ctype)) {
		if (r.json === undefined) { tap(false, `${desc}: ${where} body is JSON`, r.text.slice(0, 300)); return r; }
		const v = validatorFor(media.schema);
		const okBody = v(r.json);
		tap(okBody, `${desc}: ${where} ${r.ctype} body matches its schema`, okBody ? '' : ajv.errorsText(v.errors, { separator: '\n' }));
		if (okBody && r.ctype === 'application/problem+json') {
			const rid = r.headers.get('x-request-id');
			tap(r.json.status === r.status && r.json.request_id === rid, `${desc}: problem status and request_id match the reply`, `status ${r.json.status}, request_id ${r.json.request_id} vs X-Request-Id ${rid}`);
		}
	} else {
		tap(r.text.length > 0, `${desc}: ${where} ${r.ctype} body is not empty`);
	}
	covered.add(`${method} ${pattern}`);
	return r;
}

// ---- read routes ---------------------------------------------------------------
const F = faculty.token, R = trainer.token, T = trainee.token;
check('health, no token', 'GET', '/api/v1/health', await call('GET', '/health'), 200);
covered.add('GET /api/v1/openapi.json');
for (const [who, tok] of [['faculty', F], ['trainer', R], ['trainee', T]])
	check(`me as ${who}`, 'GET', '/api/v1/me', await call('GET', '/me', { token: tok }), 200);

const list = check('sessions as faculty', 'GET', '/api/v1/sessions', await call('GET', '/sessions?limit=3', { token: F }), 200);
check('sessions page 2 by cursor', 'GET', '/api/v1/sessions', await call('GET', `/sessions?limit=3&cursor=${list.json?.next_cursor ?? 1}`, { token: F }), 200);
check('signed sessions as trainee', 'GET', '/api/v1/sessions', await call('GET', '/sessions?status=signed', { token: T }), 200);
check('sessions waiting for the trainer', 'GET', '/api/v1/sessions', await call('GET', '/sessions?waiting_for_me=1', { token: R }), 200);
check('sessions of one trainee (all 200)', 'GET', '/api/v1/sessions', await call('GET', `/sessions?trainee=${trainee.id}&limit=200`, { token: F }), 200);
const sid = list.json?.items?.[0]?.id ?? 1;
check('one session', 'GET', '/api/v1/sessions/{id}', await call('GET', `/sessions/${sid}`, { token: F }), 200);
check('a user, as faculty (with email)', 'GET', '/api/v1/users/{id}', await call('GET', `/users/${trainee.id}`, { token: F }), 200);
check('a user, as trainee (no email)', 'GET', '/api/v1/users/{id}', await call('GET', `/users/${trainer.id}`, { token: T }), 200);
check('trainers', 'GET', '/api/v1/trainers', await call('GET', '/trainers', { token: T }), 200);
{
	const trainers = await call('GET', '/trainers', { token: F });
	const active = trainers.json?.items?.find(t => t.accreditation?.state === 'active');
	const none = trainers.json?.items?.find(t => t.accreditation?.state === 'none');
	if (active) check('trainer credential of an accredited trainer', 'GET', '/api/v1/trainers/{id}/credential', await call('GET', `/trainers/${active.id}/credential`, { token: F }), 200);
	if (none) check('trainer credential of an unaccredited trainer', 'GET', '/api/v1/trainers/{id}/credential', await call('GET', `/trainers/${none.id}/credential`, { token: F }), 409);
}
check('my keys', 'GET', '/api/v1/keys', await call('GET', '/keys', { token: F }), 200);
check("a trainer's keys, as faculty", 'GET', '/api/v1/keys', await call('GET', `/keys?user=${trainer.id}`, { token: F }), 200);
for (const p of withRole('trainee'))
	check(`progress of trainee ${p.id}`, 'GET', '/api/v1/trainees/{id}/progress', await call('GET', `/trainees/${p.id}/progress`, { token: F }), 200);
check('own progress as trainee', 'GET', '/api/v1/trainees/{id}/progress', await call('GET', `/trainees/${trainee.id}/progress`, { token: T }), 200);
check('own progress with its evidence as trainee', 'GET', '/api/v1/trainees/{id}/evidence', await call('GET', `/trainees/${trainee.id}/evidence`, { token: T }), 200);
check('export json', 'GET', '/api/v1/trainees/{id}/export', await call('GET', `/trainees/${trainee.id}/export?format=json`, { token: T }), 200);
check('export csv', 'GET', '/api/v1/trainees/{id}/export', await call('GET', `/trainees/${trainee.id}/export?format=csv`, { token: F }), 200);
{
	// An accredited trainee (status accredited in the accreditation list) has a signed credential.
	const acc = await call('GET', '/accreditation?status=accredited&limit=1', { token: F });
	const who = acc.json?.items?.[0]?.id;
	if (who) check('export credential of an accredited trainee', 'GET', '/api/v1/trainees/{id}/export', await call('GET', `/trainees/${who}/export?format=credential`, { token: F }), 200);
	else tap(true, 'export credential: # SKIP no accredited trainee in the data');
}
check('credential status list, no token', 'GET', '/api/v1/credentials/status', await call('GET', '/credentials/status'), 200);
check('export with a bad format', 'GET', '/api/v1/trainees/{id}/export', await call('GET', `/trainees/${trainee.id}/export?format=xml`, { token: F }), 400);
check('accreditation list', 'GET', '/api/v1/accreditation', await call('GET', '/accreditation', { token: F }), 200);
check('accreditation, sorted and paged', 'GET', '/api/v1/accreditation', await call('GET', '/accreditation?sort=-progress&limit=2', { token: F }), 200);
check('accreditation with a bad sort', 'GET', '/api/v1/accreditation', await call('GET', '/accreditation?sort=age', { token: F }), 400);
check('sites', 'GET', '/api/v1/sites', await call('GET', '/sites', { token: F }), 200);
const admin = withRole('admin')[0];
if (admin) check('outbox as admin', 'GET', '/api/v1/outbox', await call('GET', '/outbox?limit=5', { token: admin.token }), 200);
check('outbox as faculty', 'GET', '/api/v1/outbox', await call('GET', '/outbox', { token: F }), 403);
check('my notification choices', 'GET', '/api/v1/me/notifications', await call('GET', '/me/notifications', { token: T }), 200);
check('choosing notifications', 'PUT', '/api/v1/me/notifications', await call('PUT', '/me/notifications', { token: F, body: { digest: true } }), 200);
check('choosing an unknown notification', 'PUT', '/api/v1/me/notifications', await call('PUT', '/me/notifications', { token: F, body: { sms: true } }), 400);
check('curricula', 'GET', '/api/v1/curricula', await call('GET', '/curricula', { token: T }), 200);
check('assessment tools', 'GET', '/api/v1/assessment-tools', await call('GET', '/assessment-tools', { token: T }), 200);
const jl = check('ledger export', 'GET', '/api/v1/ledger', await call('GET', '/ledger?from=0&count=5', { token: T }), 200);
{
	const op = spec.paths?.['/api/v1/ledger']?.get?.responses?.['200']?.content?.['application/jsonl'];
	const item = op?.schema?.itemSchema || op?.['x-jsonl-item'];
	const lines = jl.text.split('\n').filter((l) => l);
	const v = item && validatorFor({ allOf: [item], unevaluatedProperties: false });
	const bad = item ? lines.map((l) => JSON.parse(l)).filter((o) => !v(o)) : lines;
	tap(lines.length === 5 && bad.length === 0, `ledger export: ${lines.length} JSON Lines, each a LedgerLine`, item ? ajv.errorsText(v.errors) : 'no item schema for application/jsonl');
	// The trainee's view of more entries holds both shapes: full lines and redacted {index, leaf_hash} ones.
	const more = (await call('GET', '/ledger?from=0&count=200', { token: T })).text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
	const badMore = item ? more.filter((o) => !v(o)) : more;
	tap(badMore.length === 0 && more.some((o) => 'leaf_hash' in o) && more.some((o) => 'message' in o),
		`ledger export as a trainee: ${more.length} lines, full and redacted, each matches its schema`, item ? ajv.errorsText(v.errors) : '');
	const redacted = more.find((o) => 'leaf_hash' in o);
	if (redacted)
		check('ledger entry redacted for the trainee', 'GET', '/api/v1/ledger/entries/{id}', await call('GET', `/ledger/entries/${redacted.index}`, { token: T }), 200);
}
check('ledger entry 0', 'GET', '/api/v1/ledger/entries/0', await call('GET', '/ledger/entries/0', { token: T }), 200);
for (const i of [1, 5])
	check(`ledger entry ${i}`, 'GET', '/api/v1/ledger/entries/{id}', await call('GET', `/ledger/entries/${i}`, { token: T }), 200);
check('ledger entry past the end', 'GET', '/api/v1/ledger/entries/{id}', await call('GET', '/ledger/entries/99999999', { token: T }), 404);
const head = check('ledger head', 'GET', '/api/v1/ledger/head', await call('GET', '/ledger/head', { token: T }), 200);
check('ledger key', 'GET', '/api/v1/ledger/key', await call('GET', '/ledger/key', { token: T }), 200);
check('ledger checkpoint', 'GET', '/api/v1/ledger/checkpoint', await call('GET', '/ledger/checkpoint', { token: T }), 200);
check('inclusion proof', 'GET', '/api/v1/ledger/proof', await call('GET', '/ledger/proof?index=3', { token: T }), 200);
check('inclusion proof at a tree size', 'GET', '/api/v1/ledger/proof', await call('GET', `/ledger/proof?index=0&tree_size=${Math.max(1, (head.json?.tree_size ?? 2) - 1)}`, { token: T }), 200);
check('inclusion proof without index', 'GET', '/api/v1/ledger/proof', await call('GET', '/ledger/proof', { token: T }), 400);
check('consistency proof', 'GET', '/api/v1/ledger/consistency', await call('GET', '/ledger/consistency?first=3', { token: T }), 200);
check('consistency proof, bad first', 'GET', '/api/v1/ledger/consistency', await call('GET', '/ledger/consistency?first=zero', { token: T }), 400);

// ---- writes ----------------------------------------------------------------------
const today = new Date().toISOString().slice(0, 10);
// The trainee's own trainer if they have one, else the first trainer.
const theirs = list.json?.items?.find((s) => s.trainee === trainee.id)?.trainer;
const trainerFor = people.find((p) => p.id === theirs && (p.roles || []).includes('trainer')) || trainer;
const good = { date: today, minutes: 45, activity: 'console_modular', platform: 'da Vinci Xi', site: 'OpenAPI Lab',
	procedure: 'Robotic prostatectomy', steps: ['prostatectomy.bladder_neck_dissection'], role: 'S-TS', trainer: trainerFor.id, notes: 'openapi-check' };
const sessionSchema = deref(spec.components?.schemas?.SessionNew);
tap(sessionSchema?.additionalProperties === false, 'the session request body schema has additionalProperties: false');
{
	const v = validatorFor({ $ref: '#/components/schemas/SessionNew' });
	const verdicts = [
		[good, true], [{ ...good, minutes: 0 }, false], [{ ...good, minutes: 1441 }, false], [{ ...good, id: 1 }, false],
		[{ ...good, activity: 'golf' }, false], [{ ...good, steps: ['Bad Step'] }, false], [{ ...good, role: 'X' }, false],
		[{ ...good, notes: 'x'.repeat(2001) }, false], [{ ...good, date: '2025-02-30' }, false],
	].filter(([b, want]) => v(b) !== want);
	tap(verdicts.length === 0, 'the session request schema accepts a good body and refuses the invalid ones', verdicts.map(([b]) => JSON.stringify(b).slice(0, 120)).join('\n'));
}
const created = check('POST /sessions, valid', 'POST', '/api/v1/sessions', await call('POST', '/sessions', { token: T, body: good }), 201);
tap(created.status !== 201 || created.headers.get('location') === `/api/v1/sessions/${created.json?.id}`, 'POST /sessions: Location names the new session');
const bad = check('POST /sessions, invalid (minutes 0, server-owned id, unknown member)', 'POST', '/api/v1/sessions',
	await call('POST', '/sessions', { token: T, body: { ...good, minutes: 0, id: 5, colour: 'red' } }), 400);
tap(['minutes', 'id', 'colour'].every((f) => bad.json?.errors?.some((e) => e.field === f)), 'the 400 names minutes, id and colour in errors[]', JSON.stringify(bad.json?.errors));
check('POST /sessions, malformed JSON', 'POST', '/api/v1/sessions', await call('POST', '/sessions', { token: T, raw: '{"date": ' }), 400);
check('POST /sessions as a trainer', 'POST', '/api/v1/sessions', await call('POST', '/sessions', { token: F, body: good }), 403);
tap(created.status !== 201 || Array.isArray(created.json?.warnings), 'POST /sessions: the 201 carries warnings[]');

// Corrections: a trainee edits (PATCH) and withdraws (DELETE) their own pending session, naming its ETag.
{
	const mine = await call('POST', '/sessions', { token: T, body: { ...good, notes: 'to correct' } });
	const id = mine.json?.id ?? 1;
	const at = (etag) => ({ 'If-Match': etag || '"0-pending"' });
	check('PATCH /sessions/{id} without If-Match', 'PATCH', '/api/v1/sessions/{id}', await call('PATCH', `/sessions/${id}`, { token: T, body: { minutes: 50 } }), 428);
	check('PATCH /sessions/{id} with a stale ETag', 'PATCH', '/api/v1/sessions/{id}', await call('PATCH', `/sessions/${id}`, { token: T, body: { minutes: 50 }, headers: at('"99-pending"') }), 412);
	check('PATCH /sessions/{id}, minutes 0', 'PATCH', '/api/v1/sessions/{id}', await call('PATCH', `/sessions/${id}`, { token: T, body: { minutes: 0 }, headers: at(mine.headers.get('etag')) }), 400);
	check('PATCH /sessions/{id} as faculty', 'PATCH', '/api/v1/sessions/{id}', await call('PATCH', `/sessions/${id}`, { token: F, body: { minutes: 50 }, headers: at(mine.headers.get('etag')) }), 403);
	const edited = check('PATCH /sessions/{id}', 'PATCH', '/api/v1/sessions/{id}', await call('PATCH', `/sessions/${id}`, { token: T, body: { minutes: 50, notes: null }, headers: at(mine.headers.get('etag')) }), 200);
	const gone = check('DELETE /sessions/{id}', 'DELETE', '/api/v1/sessions/{id}', await call('DELETE', `/sessions/${id}`, { token: T, headers: at(edited.headers.get('etag')) }), 200);
	tap(gone.json?.status === 'withdrawn', 'DELETE /sessions/{id}: the session is withdrawn, not deleted');
	check('DELETE /sessions/{id} again', 'DELETE', '/api/v1/sessions/{id}', await call('DELETE', `/sessions/${id}`, { token: T, headers: at(gone.headers.get('etag')) }), 409);
	check('DELETE /sessions/{id}, no such session', 'DELETE', '/api/v1/sessions/{id}', await call('DELETE', '/sessions/99999999', { token: T, headers: at() }), 404);
}

// Imports: a simulator attempts file uploaded, listed, read; a bad one refused by row and column.
const simCsv = 'platform,exercise,attempt_at,duration_s,score_pct,passed\nsim_mimic,Ring Walk,2025-01-01T10:00:00Z,120,91.5,true\n';
const imp = check('POST /imports', 'POST', '/api/v1/imports', await call('POST', '/imports', { token: T, body: { kind: 'simulator', trainer: trainer.id, filename: 'a.csv', content: simCsv } }), 201);
check('POST /imports, a score of 104', 'POST', '/api/v1/imports', await call('POST', '/imports', { token: T, body: { kind: 'simulator', trainer: trainer.id, filename: 'b.csv', content: simCsv.replace('91.5', '104') } }), 400);
check('GET /imports', 'GET', '/api/v1/imports', await call('GET', '/imports?status=pending', { token: R }), 200);
check('GET /imports/{id}', 'GET', '/api/v1/imports/{id}', await call('GET', `/imports/${imp.json?.id ?? 1}`, { token: F }), 200);

// A key: register (the private half stays here), sign a sign-off with it, revoke it.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
// Proof of possession (docs/api.md, Keys): the key signs a challenge naming the user and the server.
const serverUrl = (await call('GET', '/health')).json?.public_url;
const proof = edSign(null, Buffer.from('RASLOG-KEY-PROOF-v1\n' + canonicalize({ key: pub, server: serverUrl, user: trainerFor.id }), 'utf8'),
	privateKey).toString('base64');
check('POST /keys without its proof', 'POST', '/api/v1/keys', await call('POST', '/keys', { token: trainerFor.token, body: { public_key: pub } }), 400);
check('POST /keys with a proof by another key', 'POST', '/api/v1/keys', await call('POST', '/keys', { token: trainerFor.token,
	body: { public_key: pub, proof: edSign(null, Buffer.from('x'), generateKeyPairSync('ed25519').privateKey).toString('base64') } }), 422);
const key = check('POST /keys', 'POST', '/api/v1/keys', await call('POST', '/keys', { token: trainerFor.token, body: { public_key: pub, proof } }), 201);
check('POST /keys again: conflict', 'POST', '/api/v1/keys', await call('POST', '/keys', { token: trainerFor.token, body: { public_key: pub, proof } }), 409);
check('POST /keys, not a key', 'POST', '/api/v1/keys', await call('POST', '/keys', { token: trainerFor.token, body: { public_key: 'abc' } }), 400);

if (created.json?.id) {
	const certified = {};
	for (const k of ['id', 'trainee', 'trainer', 'date', 'minutes', 'activity', 'platform', 'site', 'procedure', 'steps', 'role', 'notes', 'created_at'])
		if (created.json[k] !== undefined && created.json[k] !== null) certified[k] = created.json[k];
	const statement = { type: 'session_signoff', v: 1, decision: 'confirmed', session: certified, signer: trainerFor.id, key: pub,
		signed_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
	// The session's notes are committed to, not embedded (docs/ledger.md, Free text): version 2 with texts beside it.
	const texts = {};
	if (typeof certified.notes === 'string') {
		const salt = randomBytes(32);
		texts['session.notes'] = { text: certified.notes, salt: salt.toString('hex') };
		certified.notes_commit = 'sha256:' + createHash('sha256').update(salt).update(Buffer.from(certified.notes, 'utf8')).digest('hex');
		delete certified.notes;
		statement.v = 2;
	}
	const sig = edSign(null, Buffer.from('RASLOG-STATEMENT-v1\n' + canonicalize(statement)), privateKey).toString('base64');
	const req = { statement, signature: sig };
	if (Object.keys(texts).length) req.texts = texts;
	const vreq = validatorFor({ $ref: '#/components/schemas/SignoffRequest' });
	tap(vreq(req), 'the sign-off request matches SignoffRequest', ajv.errorsText(vreq.errors));
	const so = await call('POST', '/signoffs', { token: trainerFor.token, body: req });
	check('POST /signoffs, signed with the registered key', 'POST', '/api/v1/signoffs', so, so.status === 422 ? 422 : 201);
	check('POST /signoffs, the same again: conflict', 'POST', '/api/v1/signoffs', await call('POST', '/signoffs', { token: trainerFor.token, body: req }), so.status === 201 ? 409 : undefined);
	check('POST /signoffs, bad signature', 'POST', '/api/v1/signoffs', await call('POST', '/signoffs', { token: trainerFor.token, body: { statement, signature: Buffer.alloc(64).toString('base64') } }), undefined);
	// Erasing the committed notes (docs/ledger.md, Free text): an administrator, then again (409).
	if (so.status === 201 && req.texts && admin) {
		const at = `/ledger/entries/${so.json.ledger_index}/text`;
		check('DELETE /ledger/entries/{id}/text as a trainer', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', at, { token: trainerFor.token, body: { reason: 'x' } }), 403);
		check('DELETE /ledger/entries/{id}/text', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', at, { token: admin.token, body: { reason: 'entered by mistake' } }), 200);
		check('DELETE /ledger/entries/{id}/text again: conflict', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', at, { token: admin.token, body: { reason: 'again' } }), 409);
	}
}
check('POST /signoffs without a signature', 'POST', '/api/v1/signoffs', await call('POST', '/signoffs', { token: R, body: { statement: { type: 'session_signoff', v: 1 } } }), 400);
check('POST /signoffs as a trainee', 'POST', '/api/v1/signoffs', await call('POST', '/signoffs', { token: T, body: {} }), 403);
if (admin) {
	check('DELETE /ledger/entries/{id}/text, an entry without free text', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', '/ledger/entries/1/text', { token: admin.token, body: { reason: 'entered by mistake' } }), 404);
	check('DELETE /ledger/entries/{id}/text without a reason', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', '/ledger/entries/1/text', { token: admin.token, body: {} }), 400);
}
check('DELETE /ledger/entries/{id}/text as a trainee', 'DELETE', '/api/v1/ledger/entries/{id}/text', await call('DELETE', '/ledger/entries/1/text', { token: T, body: { reason: 'x' } }), 403);
if (key.json?.id) {
	check('DELETE /keys/{id}', 'DELETE', '/api/v1/keys/{id}', await call('DELETE', `/keys/${key.json.id}`, { token: trainerFor.token }), 200);
	check('DELETE /keys/{id} again: conflict', 'DELETE', '/api/v1/keys/{id}', await call('DELETE', `/keys/${key.json.id}`, { token: trainerFor.token }), 409);
}
check('DELETE /keys/{id}, no such key', 'DELETE', '/api/v1/keys/{id}', await call('DELETE', '/keys/99999999', { token: F }), 404);

// ---- assignments (faculty assign trainees to trainers) ------------------------------
{
	check('assignments as faculty', 'GET', '/api/v1/assignments', await call('GET', '/assignments', { token: F }), 200);
	check("a trainer's own assignments", 'GET', '/api/v1/assignments', await call('GET', `/assignments?trainer=${trainer.id}`, { token: R }), 200);
	check('assignments, a bad filter', 'GET', '/api/v1/assignments', await call('GET', '/assignments?trainee=x', { token: F }), 400);
	const mine = (await call('GET', `/assignments?trainer=${trainer.id}`, { token: F })).json?.items?.map((a) => a.trainee) || [];
	const free = withRole('trainee').find((p) => !mine.includes(p.id)) || trainee;
	const made = check('POST /assignments', 'POST', '/api/v1/assignments', await call('POST', '/assignments', { token: F, body: { trainer: trainer.id, trainee: free.id } }), 201);
	check('POST /assignments again: conflict', 'POST', '/api/v1/assignments', await call('POST', '/assignments', { token: F, body: { trainer: trainer.id, trainee: free.id } }), 409);
	check('POST /assignments, not a trainer', 'POST', '/api/v1/assignments', await call('POST', '/assignments', { token: F, body: { trainer: free.id, trainee: free.id } }), 400);
	check('POST /assignments as a trainer', 'POST', '/api/v1/assignments', await call('POST', '/assignments', { token: R, body: { trainer: trainer.id, trainee: free.id } }), 403);
	check('DELETE /assignments/{id}', 'DELETE', '/api/v1/assignments/{id}', await call('DELETE', `/assignments/${made.json?.id ?? 0}`, { token: F }), 200);
	check('DELETE /assignments/{id} again: not found', 'DELETE', '/api/v1/assignments/{id}', await call('DELETE', `/assignments/${made.json?.id ?? 0}`, { token: F }), 404);
}

// ---- problems --------------------------------------------------------------------
check('a session that does not exist', 'GET', '/api/v1/sessions/{id}', await call('GET', '/sessions/99999999', { token: F }), 404);
check('a trainee not visible to another trainee', 'GET', '/api/v1/trainees/{id}/progress',
	await call('GET', `/trainees/${(withRole('trainee')[1] || faculty).id}/progress`, { token: T }), 404);
check('no token', 'GET', '/api/v1/me', await call('GET', '/me'), 401);
check('a bad token', 'GET', '/api/v1/sessions', await call('GET', '/sessions', { token: 'rl_not-a-token' }), 401);
check('a trainee asking for the accreditation list', 'GET', '/api/v1/accreditation', await call('GET', '/accreditation', { token: T }), 403);
check('a trainee asking for sites', 'GET', '/api/v1/sites', await call('GET', '/sites', { token: T }), 403);
check('sites as CSV', 'GET', '/api/v1/sites', await call('GET', '/sites?format=csv', { token: F }), 200);
for (const part of ['trainers', 'agreement', 'stuck']) {
	check(`oversight ${part}`, 'GET', `/api/v1/oversight/${part}`, await call('GET', `/oversight/${part}`, { token: F }), 200);
	check(`oversight ${part} as CSV`, 'GET', `/api/v1/oversight/${part}`, await call('GET', `/oversight/${part}?format=csv`, { token: F }), 200);
	check(`oversight ${part}, a bad format`, 'GET', `/api/v1/oversight/${part}`, await call('GET', `/oversight/${part}?format=xml`, { token: F }), 400);
	check(`oversight ${part} as a trainee`, 'GET', `/api/v1/oversight/${part}`, await call('GET', `/oversight/${part}`, { token: T }), 403);
}
check('a trainee listing faculty keys', 'GET', '/api/v1/keys', await call('GET', `/keys?user=${faculty.id}`, { token: T }), 403);
check('a bad list limit', 'GET', '/api/v1/sessions', await call('GET', '/sessions?limit=0', { token: F }), 400);
check('a wrong method on a known path', 'GET', '/api/v1/health', await call('PUT', '/health', { token: F }), 405);
{
	const r = await call('GET', '/no-such-resource', { token: F });
	const v = validatorFor(problemSchema);
	tap(r.status === 404 && r.ctype === 'application/problem+json' && v(r.json), 'an unknown /api/ path: 404 problem matching Problem', `${r.status} ${r.ctype} ${ajv.errorsText(v.errors)}`);
}

// ---- accounts: tokens, users, invitations, web sessions --------------------------------------
{
	const nt = check('POST /tokens (read scope)', 'POST', '/api/v1/tokens', await call('POST', '/tokens', { token: T, body: { name: 'openapi-check', scope: 'read' } }), 201);
	check('my tokens', 'GET', '/api/v1/tokens', await call('GET', '/tokens', { token: T }), 200);
	check('POST /tokens, bad scope', 'POST', '/api/v1/tokens', await call('POST', '/tokens', { token: T, body: { name: 'x', scope: 'root' } }), 400);
	check('POST /tokens with a read-scope token', 'POST', '/api/v1/tokens', await call('POST', '/tokens', { token: nt.json?.token, body: { name: 'x', scope: 'read' } }), 403);
	check('me with a read-scope token', 'GET', '/api/v1/me', await call('GET', '/me', { token: nt.json?.token }), 200);
	check('DELETE /tokens/{id}', 'DELETE', '/api/v1/tokens/{id}', await call('DELETE', `/tokens/${nt.json?.id ?? 1}`, { token: T }), 200);
	check('DELETE /tokens/{id} again', 'DELETE', '/api/v1/tokens/{id}', await call('DELETE', `/tokens/${nt.json?.id ?? 1}`, { token: T }), 404);
	check('users as faculty', 'GET', '/api/v1/users', await call('GET', '/users?limit=2', { token: F }), 200);
	check('users with a bad role', 'GET', '/api/v1/users', await call('GET', '/users?role=boss', { token: F }), 400);
	check('users as trainee', 'GET', '/api/v1/users', await call('GET', '/users', { token: T }), 403);
	const mine = await call('GET', '/me', { token: T });
	check('PATCH my own name', 'PATCH', '/api/v1/users/{id}', await call('PATCH', `/users/${trainee.id}`, { token: T, body: { name: mine.json?.name ?? 'Trainee' } }), 200);
	check('PATCH my own roles', 'PATCH', '/api/v1/users/{id}', await call('PATCH', `/users/${trainee.id}`, { token: T, body: { roles: ['admin'] } }), 403);
	check('PATCH a bad e-mail', 'PATCH', '/api/v1/users/{id}', await call('PATCH', `/users/${trainee.id}`, { token: T, body: { email: 'nope' } }), 400);
	const admins = withRole('admin');
	const A = admins[0]?.token;
	if (A) {
		if (admins.length === 1)
			check('deactivating the last admin', 'PATCH', '/api/v1/users/{id}', await call('PATCH', `/users/${admins[0].id}`, { token: A, body: { active: false } }), 409);
		check('PATCH no such user', 'PATCH', '/api/v1/users/{id}', await call('PATCH', '/users/99999999', { token: A, body: { name: 'X' } }), 404);
		// Programmes (issue 17): the demo seeds two; an admin creates, renames and sets thresholds.
		const progs = check('GET /programmes', 'GET', '/api/v1/programmes', await call('GET', '/programmes', { token: T }), 200);
		const pname = `Check ${Date.now()}`;
		const np = check('POST /programmes', 'POST', '/api/v1/programmes', await call('POST', '/programmes', { token: A, body: { name: pname, reminder_count: 10 } }), 201);
		check('POST /programmes, the same name', 'POST', '/api/v1/programmes', await call('POST', '/programmes', { token: A, body: { name: pname } }), 400);
		check('GET /programmes/{id}', 'GET', '/api/v1/programmes/{id}', await call('GET', `/programmes/${np.json?.id ?? 1}`, { token: F }), 200);
		check('GET /programmes/{id}, none', 'GET', '/api/v1/programmes/{id}', await call('GET', '/programmes/99999999', { token: F }), 404);
		check('PATCH /programmes/{id}', 'PATCH', '/api/v1/programmes/{id}', await call('PATCH', `/programmes/${np.json?.id ?? 1}`, { token: A, body: { reminder_days: null } }), 200);
		check('PATCH /programmes/{id}, nothing', 'PATCH', '/api/v1/programmes/{id}', await call('PATCH', `/programmes/${np.json?.id ?? 1}`, { token: A, body: {} }), 400);
		check('PATCH a programme in', 'PATCH', '/api/v1/users/{id}', await call('PATCH', `/users/${trainee.id}`, { token: A, body: { programme: progs.json?.items?.[0]?.id ?? 1 } }), 200);
		check("a trainee's memberships", 'GET', '/api/v1/users/{id}/programmes', await call('GET', `/users/${trainee.id}/programmes`, { token: A }), 200);
		check("another's memberships, as a trainee", 'GET', '/api/v1/users/{id}/programmes', await call('GET', `/users/${trainer.id}/programmes`, { token: T }), 404);
		const email = `openapi-check-${Date.now()}@nhs.net`;
		const inv = check('POST /invitations', 'POST', '/api/v1/invitations', await call('POST', '/invitations', { token: A, body: { name: 'Olive Api', email, roles: ['trainee'], expires_in_days: 2 } }), 201);
		check('POST /invitations again', 'POST', '/api/v1/invitations', await call('POST', '/invitations', { token: A, body: { name: 'Olive Api', email, roles: ['trainee'] } }), 409);
		check('POST /invitations as faculty', 'POST', '/api/v1/invitations', await call('POST', '/invitations', { token: F, body: { name: 'X', email: 'x@nhs.net', roles: ['trainee'] } }), 403);
		check('GET /invitations', 'GET', '/api/v1/invitations', await call('GET', '/invitations', { token: A }), 200);
		const rs = check('resend', 'POST', '/api/v1/invitations/{id}/resend', await call('POST', `/invitations/${inv.json?.id ?? 1}/resend`, { token: A }), 200);
		const code = (rs.json?.url || '').split('/').pop();
		const acc = check('accept', 'POST', '/api/v1/invitations/accept', await call('POST', '/invitations/accept', { body: { code } }), 201);
		check('accept the same code again', 'POST', '/api/v1/invitations/accept', await call('POST', '/invitations/accept', { body: { code } }), 410);
		check('accept an unknown code', 'POST', '/api/v1/invitations/accept', await call('POST', '/invitations/accept', { body: { code: 'A'.repeat(43) } }), 400);
		check('resend an accepted invitation', 'POST', '/api/v1/invitations/{id}/resend', await call('POST', `/invitations/${inv.json?.id ?? 1}/resend`, { token: A }), 409);
		const sid = (acc.headers.get('set-cookie') || '').match(/raslog_session=([^;]*)/)?.[1];
		const cookie = { Cookie: `raslog_session=${sid}` };
		const same = { ...cookie, Origin: base.replace(/\/$/, ''), 'X-CSRF-Token': acc.json?.csrf_token };
		check('me with the session cookie', 'GET', '/api/v1/me', await call('GET', '/me', { headers: cookie }), 200);
		check('my web sessions', 'GET', '/api/v1/web-sessions', await call('GET', '/web-sessions', { headers: cookie }), 200);
		check('a cookie POST without X-CSRF-Token', 'POST', '/api/v1/session/logout', await call('POST', '/session/logout', { headers: cookie }), 403);
		check('end no such web session', 'DELETE', '/api/v1/web-sessions/{id}', await call('DELETE', '/web-sessions/99999999', { headers: same }), 404);
		check('sign out', 'POST', '/api/v1/session/logout', await call('POST', '/session/logout', { headers: same }), 200);
		check('the cookie after sign-out', 'GET', '/api/v1/me', await call('GET', '/me', { headers: cookie }), 401);
		check('sign out with a bearer token', 'POST', '/api/v1/session/logout', await call('POST', '/session/logout', { token: acc.json?.token }), 400);
		check('sign out everywhere', 'POST', '/api/v1/session/logout-all', await call('POST', '/session/logout-all', { token: acc.json?.token }), 200);
		// Passkeys, with the software authenticator; without public_url the site is the address called.
		const { SoftKey } = await import('./softauthn.mjs');
		const origin = base.replace(/\/$/, '');
		const key = new SoftKey(-7);
		const pt = { token: acc.json?.token };
		const ro = check('passkey creation options', 'POST', '/api/v1/passkeys/register/options', await call('POST', '/passkeys/register/options', pt), 200);
		check('register a passkey', 'POST', '/api/v1/passkeys/register', await call('POST', '/passkeys/register', { ...pt, body: { name: 'openapi-check', credential: key.create(ro.json, origin) } }), 201);
		check('register without a credential', 'POST', '/api/v1/passkeys/register', await call('POST', '/passkeys/register', { ...pt, body: { name: 'x' } }), 400);
		const pl = check('my passkeys', 'GET', '/api/v1/passkeys', await call('GET', '/passkeys', pt), 200);
		const lo = check('passkey sign-in options', 'POST', '/api/v1/passkeys/login/options', await call('POST', '/passkeys/login/options'), 200);
		const assertion = { credential: key.get(lo.json, origin) };
		check('sign in with the passkey', 'POST', '/api/v1/passkeys/login', await call('POST', '/passkeys/login', { body: assertion }), 200);
		check('the same assertion again', 'POST', '/api/v1/passkeys/login', await call('POST', '/passkeys/login', { body: assertion }), 401);
		check('remove my only passkey', 'DELETE', '/api/v1/passkeys/{id}', await call('DELETE', `/passkeys/${pl.json?.items?.[0]?.id ?? 1}`, pt), 409);
		check('remove no such passkey', 'DELETE', '/api/v1/passkeys/{id}', await call('DELETE', '/passkeys/99999999', pt), 404);
	} else {
		tap(false, 'TOKENS_JSON has an admin with a token (for the invitation routes)');
	}
}

// ---- raslog login: the device authorization grant (RFC 8628) ---------------------------------
{
	const GT = 'urn:ietf:params:oauth:grant-type:device_code';
	const g1 = check('POST /device/code', 'POST', '/api/v1/device/code', await call('POST', '/device/code', { body: { client_id: 'raslog-cli' } }), 200);
	check('POST /device/code, another client', 'POST', '/api/v1/device/code', await call('POST', '/device/code', { body: { client_id: 'x' } }), 400);
	check('poll before approval (authorization_pending)', 'POST', '/api/v1/device/token', await call('POST', '/device/token', { body: { device_code: g1.json?.device_code, grant_type: GT } }), 400);
	const g2 = await call('POST', '/device/code', { body: { client_id: 'raslog-cli' } });
	check('approve', 'POST', '/api/v1/device/approve', await call('POST', '/device/approve', { token: T, body: { user_code: g2.json?.user_code, approve: true } }), 200);
	check('approve again', 'POST', '/api/v1/device/approve', await call('POST', '/device/approve', { token: T, body: { user_code: g2.json?.user_code, approve: false } }), 409);
	check('approve without a token', 'POST', '/api/v1/device/approve', await call('POST', '/device/approve', { body: { user_code: g2.json?.user_code, approve: true } }), 401);
	check('approve a malformed code', 'POST', '/api/v1/device/approve', await call('POST', '/device/approve', { token: T, body: { user_code: 'nope', approve: true } }), 400);
	check('poll after approval', 'POST', '/api/v1/device/token', await call('POST', '/device/token', { body: { device_code: g2.json?.device_code, grant_type: GT, client_id: 'raslog-cli' } }), 200);
	check('poll again (invalid_grant)', 'POST', '/api/v1/device/token', await call('POST', '/device/token', { body: { device_code: g2.json?.device_code, grant_type: GT } }), 400);
	check('poll with a body that is not an object', 'POST', '/api/v1/device/token', await call('POST', '/device/token', { raw: '[]' }), 400);
}

// ---- single sign-on: browser routes outside /api/v1; not configured here, so 404 pages ------------
for (const p of ['/auth/oidc/start', '/auth/oidc/callback'])
	check(`${p} without single sign-on configured`, 'GET', p, await call('GET', `/../..${p}`), 404); // api + '/../..' is the site root

// ---- coverage ------------------------------------------------------------------------
const untested = routes.filter((r) => !covered.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`);
tap(untested.length === 0, `every route was called and checked against its schema (${covered.size}/${routes.length})`, untested.join('\n'));

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
