// mock-server.mjs - a stand-in for raslogd's JSON API, written from
// docs/api.md, for developing and testing web/ while the real routes land.
// It serves web/ with the same Content-Security-Policy as server/static.c,
// seeds a deterministic demo programme and signs every statement with real
// Ed25519 keys, so the browser's signature checks run for real.
//
//   node tests/browser/mock-server.mjs [PORT]      prints the tokens
//   MOCK_TAMPER=1 ...                             corrupts one signature
//
// It is not the server and proves nothing about it; browser.test.mjs runs
// against whatever BASE_URL it is given (or starts this one for "mock").
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
// RFC 8785 for statements, which hold only strings, integers, arrays and objects.
function canonicalize(v) {
	if (Array.isArray(v)) return '[' + v.map(canonicalize).join(',') + ']';
	if (v && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonicalize(v[k])).join(',') + '}';
	return JSON.stringify(v);
}

const PREFIX = 'RASLOG-STATEMENT-v1\n';
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const ACTIVITIES = ['elearning', 'simulator', 'dry_lab', 'wet_lab', 'cadaveric', 'observation',
	'bedside_assist', 'console_modular', 'console_full'];
const PLATFORMS = { davinci_xi: 'da Vinci Xi', davinci_x: 'da Vinci X', davinci_sp: 'da Vinci SP',
	davinci_si: 'da Vinci Si', davinci_5: 'da Vinci 5', versius: 'CMR Versius', hugo_ras: 'Medtronic Hugo RAS',
	sim_dvss: 'da Vinci Skills Simulator', sim_simnow: 'da Vinci SimNow', sim_mimic: 'Mimic dV-Trainer',
	sim_robotix: 'Simbionix RobotiX Mentor', sim_versius: 'Versius Trainer', sim_hugo: 'Hugo RAS simulator',
	box_trainer: 'Box trainer (no robot)' };
const ROLES = ['O', 'A', 'S-TS', 'S-TU', 'P', 'T'];

/* ------------------------------------------------------------ helpers */

let seed = 20240601;
function rand() {
	seed = (seed * 1103515245 + 12345) & 0x7fffffff;
	return seed / 0x7fffffff;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const day = 86400000;
const iso = (t) => new Date(t).toISOString().slice(0, 10);
const now = Date.now();
const rfc = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

function keypair() {
	const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
	const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
	return { pub: raw.toString('base64'), priv: privateKey };
}

const logKey = keypair();
const ledger = [];

function append(statement, key) {
	const message = PREFIX + canonicalize(statement);
	const signature = crypto.sign(null, Buffer.from(message, 'utf8'), key.priv).toString('base64');
	const entry = { index: ledger.length, message, public_key: key.pub, signature };
	ledger.push(entry);
	return entry.index;
}

/* ------------------------------------------------------------ catalogue */

const tools = JSON.parse(fs.readFileSync(path.join(root, 'schema', 'tools.json'), 'utf8'));
const curricula = ['ras-core-v1', 'ras-conversion-v1'].map((f, i) => {
	const c = JSON.parse(fs.readFileSync(path.join(root, 'schema', 'curricula', f + '.json'), 'utf8'));
	c.id = i + 1;
	return c;
});
const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/* ------------------------------------------------------------ people */

const users = new Map();
const tokens = new Map();
let nextUser = 1;
function addUser(name, roles, site, extra = {}) {
	const u = { id: nextUser++, name, email: name.toLowerCase().replace(/[^a-z]+/g, '.') + '@nhs.example',
		roles, site, ...extra };
	users.set(u.id, u);
	return u;
}
function token(u, t) {
	tokens.set(t, u.id);
	u.token = t;
}

const SITES = ['Leeds Teaching Hospitals', 'Guy\'s and St Thomas\'', 'Royal Marsden', 'Newcastle upon Tyne'];
const faculty = addUser('Prof. Helen Achterberg', ['faculty'], SITES[0]);
token(faculty, 'mock-faculty-token');
faculty.key = keypair();
append({ v: 1, type: 'faculty_key', issuer: 'log', faculty: faculty.id, public_key: faculty.key.pub,
	registered_at: rfc(now - 800 * day) }, logKey);

const trainerNames = ['Mr Oluwaseun Adeyemi', 'Ms Priya Raman', 'Mr Tomasz Nowak', 'Miss Sarah O\'Connell',
	'Mr Kenji Watanabe', 'Ms Amara Nwosu'];
const trainers = trainerNames.map((n, i) => {
	const u = addUser(n, ['trainer'], SITES[i % SITES.length]);
	u.key = keypair();
	const from = now - (700 - i * 40) * day;
	const until = i === 4 ? now - 20 * day : now + (300 + i * 60) * day;
	u.accreditation = { ledger_index: append({ v: 1, type: 'trainer_accreditation', signer: faculty.id,
		key: faculty.key.pub, signed_at: rfc(from), trainer: u.id, trainer_key: u.key.pub,
		valid_from: iso(from), valid_until: iso(until) }, faculty.key), valid_from: iso(from),
	valid_until: iso(until), state: i === 4 ? 'expired' : 'active' };
	return u;
});
token(trainers[0], 'mock-trainer-token');
const untrained = addUser('Dr Lucy Fairbairn', ['trainer'], SITES[1]);
untrained.accreditation = null;

const first = ['Aisha', 'Ben', 'Chloe', 'Daniel', 'Ewa', 'Farhan', 'Grace', 'Hamza', 'Isla', 'James', 'Kavya',
	'Liam', 'Maya', 'Noah', 'Olivia', 'Pavel', 'Qasim', 'Rosa', 'Sanjay', 'Tara', 'Umar', 'Vera', 'Wei', 'Xena',
	'Yusuf', 'Zara'];
const last = ['Ahmed', 'Brown', 'Chen', 'Davies', 'Evans', 'Fraser', 'Green', 'Hughes', 'Iqbal', 'Jones', 'Khan',
	'Lewis', 'Morgan', 'Nguyen', 'Owen', 'Patel', 'Quinn', 'Roberts', 'Singh', 'Taylor'];
const trainees = [];
for (let i = 0; i < 64; i++) {
	const conv = i % 5 === 4;
	const u = addUser((conv ? 'Mr ' : 'Dr ') + first[i % first.length] + ' ' + last[(i * 7) % last.length],
		['trainee'], SITES[i % SITES.length], { curriculum: conv ? curricula[1] : curricula[0], gmc: String(7000000 + i * 137) });
	trainees.push(u);
}
token(trainees[0], 'mock-trainee-token');
// One person with several roles: a consultant who trains on one platform and converts on another.
const dual = addUser('Mr Rhys Llewellyn', ['trainee', 'trainer'], SITES[2], { curriculum: curricula[1] });
dual.key = keypair();
trainees.push(dual);
token(dual, 'mock-dual-token');

/* ------------------------------------------------------------ records */

const sessions = [];
const assessments = [];
const completions = [];
const accreditations = new Map();

function certified(s) {
	const o = {};
	for (const k of ['id', 'trainee', 'trainer', 'date', 'minutes', 'activity', 'platform', 'site', 'procedure',
		'steps', 'role', 'notes', 'created_at'])
		if (s[k] !== undefined && s[k] !== null) o[k] = s[k];
	return o;
}

function logSession(t, fields, created) {
	const s = { id: sessions.length + 1, trainee: t.id, trainer: fields.trainer, trainee_name: t.name,
		trainer_name: users.get(fields.trainer).name, ...fields, status: 'pending', created_at: rfc(created),
		signoff: null };
	sessions.push(s);
	return s;
}

function signSession(s, when, role, steps) {
	const tr = users.get(s.trainer);
	const st = { v: 1, type: 'session_signoff', signer: tr.id, key: tr.key.pub, signed_at: rfc(when),
		decision: 'confirmed', session: certified(s) };
	if (role) st.role = role;
	if (steps && steps.length) st.steps = steps;
	const idx = append(st, tr.key);
	s.status = 'signed';
	s.signoff = { decision: 'confirmed', ledger_index: idx, signed_by: tr.id, signed_at: rfc(when) };
	if (role) s.signoff.role = role;
	if (steps && steps.length) s.signoff.steps = steps;
}

const STEP_SETS = {
	entry: ['prostatectomy.bladder_detachment', 'prostatectomy.endopelvic_fascia_incision'],
	intermediate: ['prostatectomy.bladder_neck_dissection', 'prostatectomy.seminal_vesicle_dissection'],
	advanced: ['prostatectomy.apical_dissection'],
};

function plan(c) {
	const steps = [];
	const p = (activity, minutes, extra = {}) => steps.push({ activity, minutes, ...extra });
	for (let i = 0; i < 4; i++) p('elearning', 60);
	steps.push({ module: 'robotic_literacy' });
	for (let i = 0; i < (c.code === 'ras-core' ? 10 : 5); i++) p('simulator', 60, { platform: 'sim_dvss' });
	steps.push({ module: 'simulator_proficiency' });
	if (c.code === 'ras-core') {
		for (let i = 0; i < 4; i++) p('dry_lab', 60, { platform: 'davinci_xi' });
		p('wet_lab', 120, { platform: 'davinci_xi' });
		p('cadaveric', 120, { platform: 'davinci_x' });
		for (let i = 0; i < 10; i++) p('bedside_assist', 150, { platform: 'davinci_xi', role: 'A', procedure: 'Robotic radical prostatectomy' });
		for (let i = 0; i < 10; i++)
			p('console_modular', 90, { platform: 'davinci_xi', role: 'S-TS', procedure: 'Robotic radical prostatectomy',
				steps: [...STEP_SETS.entry, ...(i >= 4 ? STEP_SETS.intermediate : []), ...(i >= 7 ? STEP_SETS.advanced : [])] });
		for (let i = 0; i < 5; i++) p('console_full', 200, { platform: 'davinci_xi', role: 'S-TU', procedure: 'Robotic radical prostatectomy', gears: true });
		steps.push({ module: 'console_full' });
	} else {
		for (let i = 0; i < 10; i++) p('console_full', 180, { platform: 'versius', role: 'S-TS', procedure: 'Robotic anterior resection', gears: i >= 7 });
		steps.push({ module: 'gears_signoff' });
	}
	return steps;
}

const requirementOfModule = (c, mod) => c.modules.find((m) => m.id === mod).requirements.find((r) => r.kind === 'module_signoff');

trainees.forEach((t, n) => {
	const c = t.curriculum;
	const steps = plan(c);
	const frac = n === 0 ? 0.55 : n % 9 === 3 ? 1 : n % 11 === 5 ? 1 : rand();
	const doneN = Math.floor(steps.length * frac);
	const pendingN = n === 0 ? 3 : Math.floor(rand() * 3);
	const total = Math.min(steps.length, doneN + pendingN);
	const local = trainers.filter((tr) => tr.site === t.site && tr.accreditation.state === 'active');
	const mentor = local[0] || trainers[(n + 1) % 4];
	let when = now - (420 + Math.floor(rand() * 120)) * day;
	const stepDays = Math.max(2, Math.floor(400 / Math.max(total, 1)));
	for (let i = 0; i < total; i++) {
		const st = steps[i];
		when += (stepDays - 1 + Math.floor(rand() * 3)) * day;
		if (when > now - day) when = now - day;
		if (st.module) {
			if (i >= doneN) continue;
			const idx = append({ v: 1, type: 'module_completion', signer: mentor.id, key: mentor.key.pub,
				signed_at: rfc(when), trainee: t.id, curriculum: { code: c.code, version: c.version },
				module: st.module }, mentor.key);
			completions.push({ trainee: t.id, module: st.module, ledger_index: idx, signed_by: mentor.id, date: rfc(when) });
			continue;
		}
		const fields = { trainer: mentor.id, date: iso(when), minutes: st.minutes, activity: st.activity };
		if (st.platform) fields.platform = st.platform;
		fields.site = t.site;
		if (st.procedure) fields.procedure = st.procedure;
		if (st.steps) fields.steps = st.steps;
		if (st.role) fields.role = st.role;
		const s = logSession(t, fields, when + 3600000);
		if (i < doneN) {
			signSession(s, when + 2 * day, st.role, st.steps);
			if (st.gears) {
				const base = (frac === 1 ? 4 : 3) + Math.floor(rand() * 2);
				const scores = tools[0].domains.map(() => Math.min(5, Math.max(2, base + Math.floor(rand() * 3) - 1)));
				const idx = append({ v: 1, type: 'assessment', signer: mentor.id, key: mentor.key.pub,
					signed_at: rfc(when + 2 * day), trainee: t.id, session: s.id, tool: 'gears', scores }, mentor.key);
				assessments.push({ id: assessments.length + 1, trainee: t.id, session: s.id, tool: 'gears', scores,
					total: scores.reduce((a, b) => a + b, 0), ledger_index: idx, signed_by: mentor.id, date: s.date });
			}
		}
	}
	if (frac === 1 && n % 9 === 3) {
		const lapsed = n % 2 === 1;
		const until = iso(lapsed ? now - 30 * day : now + 700 * day);
		const idx = append({ v: 1, type: 'accreditation', signer: faculty.id, key: faculty.key.pub,
			signed_at: rfc(now - 60 * day), trainee: t.id, curriculum: { code: c.code, version: c.version },
			decision: 'accredited', valid_until: until }, faculty.key);
		accreditations.set(t.id, { ledger_index: idx, valid_until: until });
	}
});

if (process.env.MOCK_TAMPER) {
	const e = ledger.find((x) => x.message.includes('"trainee":' + trainees[0].id + ','));
	if (e) e.message = e.message.replace(/"minutes":(\d+)/, (m, v) => '"minutes":' + (Number(v) + 60));
}

/* ------------------------------------------------------------ progress */

function matches(r, s, role) {
	if (r.activity && !list(r.activity).includes(s.activity)) return false;
	if (r.platform && !list(r.platform).includes(s.platform)) return false;
	if (r.roles && !list(r.roles).includes(role)) return false;
	return true;
}

function contributions(r, ev) {
	// amount this evidence adds to requirement r
	if (ev.kind === 'session') {
		const s = ev.s;
		const role = ev.signed ? s.signoff.role : s.role;
		const steps = ev.signed ? s.signoff.steps || [] : s.steps || [];
		if (r.kind === 'minutes' && matches(r, s, role)) return s.minutes;
		if (r.kind === 'cases' && matches(r, s, role)) return 1;
		if (r.kind === 'steps' && matches(r, s, role)) return steps.filter((x) => list(r.step).includes(x)).length;
		return 0;
	}
	if (ev.kind === 'assessment' && r.kind === 'assessments') {
		const a = ev.a;
		const tool = tools.find((x) => x.id === r.tool);
		if (a.tool !== r.tool) return 0;
		if (r.total_min && a.total < r.total_min) return 0;
		if (a.scores.some((x) => x < (r.domain_min ?? tool.min))) return 0;
		return 1;
	}
	if (ev.kind === 'module' && r.kind === 'module_signoff' && ev.module === ev.moduleOf) return 1;
	return 0;
}

function describe(r) {
	switch (r.kind) {
	case 'minutes': return `${r.target} signed minutes of ${list(r.activity).join(' or ')}`;
	case 'cases': return `${r.target} signed ${list(r.activity).join(' or ')} sessions as ${list(r.roles).join(', ')}`;
	case 'steps': return `${r.target} signed occurrences of ${list(r.step).length} listed steps`;
	case 'assessments': return `${r.target} signed ${r.tool} assessments with a total of at least ${r.total_min}`;
	default: return 'a trainer\'s signed completion of this module';
	}
}

function progress(t) {
	const c = t.curriculum;
	const mine = sessions.filter((s) => s.trainee === t.id && s.status !== 'rejected');
	const ass = assessments.filter((a) => a.trainee === t.id);
	const comp = completions.filter((x) => x.trainee === t.id);
	const met = {};
	const modules = c.modules.map((m) => {
		const reqs = m.requirements.map((r) => {
			const target = r.target || 1;
			let signed = 0, pending = 0;
			const evidence = [];
			for (const s of mine) {
				if (s.status === 'pending') {
					pending += contributions(r, { kind: 'session', s, signed: false });
					continue;
				}
				const amt = contributions(r, { kind: 'session', s, signed: true });
				if (!amt) continue;
				signed += amt;
				const item = { type: 'session', session: s.id, ledger_index: s.signoff.ledger_index, date: s.date,
					signed_by: s.signoff.signed_by, signed_at: s.signoff.signed_at, amount: amt };
				if (s.role) item.claimed_role = s.role;
				if (s.signoff.role) item.signed_role = s.signoff.role;
				evidence.push(item);
			}
			for (const a of ass) {
				const amt = contributions(r, { kind: 'assessment', a });
				if (!amt) continue;
				signed += amt;
				evidence.push({ type: 'assessment', assessment: a.id, tool: a.tool, scores: a.scores, total: a.total,
					ledger_index: a.ledger_index, signed_by: a.signed_by, session: a.session, date: a.date, amount: 1 });
			}
			for (const x of comp) {
				if (r.kind !== 'module_signoff' || x.module !== m.id) continue;
				signed += 1;
				evidence.push({ type: 'module_completion', module: x.module, ledger_index: x.ledger_index,
					signed_by: x.signed_by, date: x.date, amount: 1 });
			}
			const o = { id: r.id, key: m.id + '/' + r.id, kind: r.kind, title: r.title, description: describe(r),
				target, signed, pending, status: '' };
			if (r.activity) o.activity = list(r.activity);
			if (r.roles) o.roles = list(r.roles);
			if (r.step) o.steps = list(r.step);
			if (r.kind === 'assessments') Object.assign(o, { tool: r.tool, total_min: r.total_min, domain_min: r.domain_min });
			o.evidence = evidence;
			return o;
		});
		return { id: m.id, title: m.title, prerequisites: m.prerequisites || [], requirements: reqs };
	});
	for (const m of modules) {
		const blocked = m.prerequisites.some((p) => !met[p]);
		let any = false;
		for (const r of m.requirements) {
			r.status = blocked ? 'blocked' : r.signed >= r.target ? 'met' : r.signed > 0 || r.pending > 0 ? 'in_progress' : 'not_started';
			if (r.signed > 0 || r.pending > 0) any = true;
		}
		met[m.id] = !blocked && m.requirements.every((r) => r.signed >= r.target);
		m.status = met[m.id] ? 'met' : blocked ? 'blocked' : any ? 'in_progress' : 'not_started';
	}
	const nmet = modules.filter((m) => m.status === 'met').length;
	const evaluated = nmet === modules.length ? 'eligible' : 'in_training';
	const acc = accreditations.get(t.id);
	let status = evaluated;
	if (acc) status = acc.valid_until < iso(now) ? 'lapsed' : 'accredited';
	const doc = { curriculum: { code: c.code, version: c.version, title: c.title }, status, evaluated_status: evaluated,
		modules_met: nmet, modules_total: modules.length, modules, unmet: [],
		trainee: { id: t.id, name: t.name, site: t.site },
		pending: mine.filter((s) => s.status === 'pending').map((s) => ({ session: s.id, date: s.date, activity: s.activity,
			minutes: s.minutes, trainer: s.trainer })),
		assessments: ass.map((a) => ({ type: 'assessment', assessment: a.id, tool: a.tool, scores: a.scores, total: a.total,
			ledger_index: a.ledger_index, signed_by: a.signed_by, session: a.session, date: a.date })) };
	for (const m of modules)
		for (const r of m.requirements)
			if (r.status !== 'met') doc.unmet.push({ module: m.id, requirement: r.id, key: r.key, description: r.description, target: r.target, signed: r.signed });
	if (acc) doc.accreditation = acc;
	return doc;
}

function summaryRow(t) {
	const p = progress(t);
	const row = { id: t.id, name: t.name, site: t.site, curriculum: { code: t.curriculum.code, version: t.curriculum.version },
		status: p.status, modules_met: p.modules_met, modules_total: p.modules_total,
		modules: p.modules.map((m) => ({ module: m.id, title: m.title, status: m.status,
			met_requirements: m.requirements.filter((r) => r.signed >= r.target).length,
			total_requirements: m.requirements.length })) };
	if (p.accreditation) row.accredited_until = p.accreditation.valid_until;
	return row;
}

/* ------------------------------------------------------------ http */

function problem(res, status, type, title, detail, extra = {}) {
	send(res, status, { type: 'urn:raslog:problem:' + type, title, status, detail, request_id: crypto.randomBytes(8).toString('hex'), ...extra },
		'application/problem+json');
}
function send(res, status, body, ct = 'application/json') {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': ct, 'Cache-Control': 'no-store', 'X-Request-Id': crypto.randomBytes(8).toString('hex') });
	res.end(text);
}

function page(items, q) {
	const limit = Math.min(200, Math.max(1, Number(q.get('limit') || 50)));
	const off = Number(q.get('cursor') || 0);
	const slice = items.slice(off, off + limit);
	return { items: slice, next_cursor: off + limit < items.length ? String(off + limit) : null };
}

function createSession(me, body) {
	const errors = [];
	const allowed = ['date', 'minutes', 'activity', 'platform', 'site', 'procedure', 'steps', 'role', 'notes', 'trainer'];
	for (const k of Object.keys(body)) {
		if (['id', 'status', 'trainee', 'signed_by', 'created_at', 'signoff'].includes(k)) errors.push({ field: k, message: 'is set by the server and cannot be sent' });
		else if (!allowed.includes(k)) errors.push({ field: k, message: 'is not a field of a session' });
	}
	if (body.date === undefined) errors.push({ field: 'date', message: 'is required' });
	else if (typeof body.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(body.date) || isNaN(Date.parse(body.date)))
		errors.push({ field: 'date', message: `'${body.date}' is not a real calendar date in the form YYYY-MM-DD` });
	else if (body.date > iso(now)) errors.push({ field: 'date', message: `${body.date} is in the future` });
	if (body.minutes === undefined) errors.push({ field: 'minutes', message: 'is required' });
	else if (!Number.isInteger(body.minutes) || body.minutes < 1 || body.minutes > 1440)
		errors.push({ field: 'minutes', message: 'must be an integer between 1 and 1440' });
	if (body.activity === undefined) errors.push({ field: 'activity', message: 'is required' });
	else if (!ACTIVITIES.includes(body.activity)) errors.push({ field: 'activity', message: `'${body.activity}' is not an activity; use ${ACTIVITIES.join(', ')}` });
	if (body.platform !== undefined && !PLATFORMS[body.platform]) errors.push({ field: 'platform', message: `'${body.platform}' is not a known platform` });
	if (body.role !== undefined && !ROLES.includes(body.role)) errors.push({ field: 'role', message: `'${body.role}' is not an eLogbook role code; use ${ROLES.join(', ')}` });
	if (body.procedure !== undefined && String(body.procedure).length > 120) errors.push({ field: 'procedure', message: 'must be at most 120 characters' });
	if (body.steps !== undefined) {
		if (!Array.isArray(body.steps)) errors.push({ field: 'steps', message: 'must be an array of step codes' });
		else body.steps.forEach((s, i) => { if (!/^[a-z0-9_.-]{1,64}$/.test(s)) errors.push({ field: `steps[${i}]`, message: 'step codes use lower-case letters, digits, \'_\', \'.\' and \'-\'' }); });
	}
	if (body.trainer === undefined) errors.push({ field: 'trainer', message: 'is required' });
	else if (body.trainer === me.id) errors.push({ field: 'trainer', message: 'you cannot name yourself as the supervising trainer' });
	else if (!users.get(body.trainer) || !users.get(body.trainer).roles.includes('trainer')) errors.push({ field: 'trainer', message: `${body.trainer} is not the id of a trainer` });
	return errors;
}

function visible(me, s) {
	return me.roles.includes('faculty') || s.trainee === me.id || s.trainer === me.id;
}

async function api(req, res, url) {
	const p = url.pathname.slice('/api/v1'.length);
	const q = url.searchParams;
	if (p === '/health') return send(res, 200, { status: 'ok' });
	const auth = req.headers.authorization || '';
	const m = /^Bearer\s+(.+)$/.exec(auth);
	const me = m && users.get(tokens.get(m[1].trim()));
	if (!me) return problem(res, 401, 'unauthorized', 'Unauthorized', 'send \'Authorization: Bearer TOKEN\' with the token your administrator gave you');
	const faculty = me.roles.includes('faculty');
	let mm;
	if (p === '/me' && req.method === 'GET') {
		const o = { id: me.id, name: me.name, email: me.email, roles: me.roles, site: me.site };
		if (me.gmc) o.gmc = me.gmc;
		if (me.curriculum) o.curriculum = { code: me.curriculum.code, version: me.curriculum.version };
		return send(res, 200, o);
	}
	if ((mm = /^\/users\/(\d+)$/.exec(p))) {
		const u = users.get(Number(mm[1]));
		if (!u) return problem(res, 404, 'not-found', 'Not found', 'no such user');
		return send(res, 200, { id: u.id, name: u.name, roles: u.roles, site: u.site });
	}
	if (p === '/sessions' && req.method === 'POST') {
		if (!me.roles.includes('trainee')) return problem(res, 403, 'forbidden', 'Forbidden', 'POST /api/v1/sessions needs the trainee role');
		let body;
		try {
			body = JSON.parse(await readBody(req));
		} catch (e) {
			return problem(res, 400, 'malformed-json', 'Malformed JSON', 'the body is not JSON');
		}
		const errors = createSession(me, body);
		if (errors.length)
			return problem(res, 400, 'validation', 'Invalid input', errors.length === 1 ? `${errors[0].field}: ${errors[0].message}` :
				`${errors.length} fields are invalid; the first is ${errors[0].field}: ${errors[0].message}`, { errors });
		const s = logSession(me, body, Date.now());
		return send(res, 201, s);
	}
	if (p === '/sessions') {
		let items = sessions.filter((s) => visible(me, s));
		if (q.get('waiting_for_me')) items = items.filter((s) => s.trainer === me.id && s.status === 'pending');
		if (q.get('trainee')) items = items.filter((s) => s.trainee === Number(q.get('trainee')));
		if (q.get('status')) items = items.filter((s) => s.status === q.get('status'));
		items = items.slice().sort((a, b) => b.id - a.id);
		return send(res, 200, page(items, q));
	}
	if ((mm = /^\/sessions\/(\d+)$/.exec(p))) {
		const s = sessions[Number(mm[1]) - 1];
		if (!s || !visible(me, s)) return problem(res, 404, 'not-found', 'Not found', 'no session is visible to you');
		return send(res, 200, s);
	}
	if (p === '/trainers') {
		const items = [...users.values()].filter((u) => u.roles.includes('trainer')).map((u) => ({ id: u.id, name: u.name, site: u.site,
			accreditation: u.accreditation ? { ...u.accreditation } : { state: 'none' } }));
		return send(res, 200, { items, next_cursor: null });
	}
	if ((mm = /^\/trainees\/(\d+)\/progress$/.exec(p))) {
		const t = users.get(Number(mm[1]));
		const mayTrain = me.roles.includes('trainer') && sessions.some((s) => s.trainee === t?.id && s.trainer === me.id);
		if (!t || !t.roles.includes('trainee') || !(faculty || me.id === t.id || mayTrain))
			return problem(res, 404, 'not-found', 'Not found', `no trainee ${mm[1]} is visible to you`);
		return send(res, 200, progress(t));
	}
	if (p === '/accreditation') {
		if (!faculty) return problem(res, 403, 'forbidden', 'Forbidden', 'GET /api/v1/accreditation needs the faculty role');
		let rows = trainees.map(summaryRow);
		if (q.get('site')) rows = rows.filter((r) => r.site === q.get('site'));
		if (q.get('curriculum')) rows = rows.filter((r) => r.curriculum.code === q.get('curriculum'));
		if (q.get('q')) rows = rows.filter((r) => r.name.toLowerCase().includes(q.get('q').toLowerCase()));
		const counts = { in_training: 0, eligible: 0, accredited: 0, lapsed: 0 };
		rows.forEach((r) => counts[r.status]++);
		if (q.get('status')) rows = rows.filter((r) => r.status === q.get('status'));
		const sort = q.get('sort') || 'name';
		const prog = (r) => r.modules_met / Math.max(r.modules_total, 1);
		const cmp = { name: (a, b) => a.name.localeCompare(b.name), '-name': (a, b) => b.name.localeCompare(a.name),
			progress: (a, b) => prog(a) - prog(b) || a.id - b.id, '-progress': (a, b) => prog(b) - prog(a) || a.id - b.id,
			status: (a, b) => a.status.localeCompare(b.status) || a.name.localeCompare(b.name) }[sort];
		if (!cmp) return problem(res, 400, 'validation', 'Invalid input', 'sort: must be name, -name, progress, -progress or status', { errors: [{ field: 'sort', message: 'must be name, -name, progress, -progress or status' }] });
		rows.sort(cmp);
		return send(res, 200, { ...page(rows, q), counts });
	}
	if (p === '/curricula') return send(res, 200, { items: curricula.map((c) => ({ code: c.code, version: c.version, title: c.title,
		modules: c.modules.map((x) => ({ id: x.id, title: x.title })) })), next_cursor: null });
	if (p === '/assessment-tools') return send(res, 200, { items: tools, next_cursor: null });
	if (p === '/sites') {
		if (!faculty) return problem(res, 403, 'forbidden', 'Forbidden', 'needs the faculty role');
		return send(res, 200, { items: SITES.map((s) => ({ site: s })), next_cursor: null });
	}
	if (p === '/ledger/key') return send(res, 200, { public_key: logKey.pub });
	if ((mm = /^\/ledger\/entries\/(\d+)$/.exec(p))) {
		const e = ledger[Number(mm[1])];
		if (!e) return problem(res, 404, 'not-found', 'Not found', 'no such ledger entry');
		return send(res, 200, { ...e, statement: JSON.parse(e.message.slice(PREFIX.length)) });
	}
	return problem(res, 404, 'not-found', 'Not found', `there is no API resource at ${url.pathname}`);
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		let b = '';
		req.setEncoding('utf8');
		req.on('data', (c) => { b += c; });
		req.on('end', () => resolve(b));
		req.on('error', reject);
	});
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
	'.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8' };

function serveStatic(req, res, url, webDir) {
	const rel = url.pathname === '/' ? '/index.html' : url.pathname;
	if (rel.includes('..') || !/^[A-Za-z0-9/._-]+$/.test(rel)) return problem(res, 404, 'not-found', 'Not found', 'nothing here');
	const file = path.join(webDir, rel);
	fs.readFile(file, (err, data) => {
		if (err) return problem(res, 404, 'not-found', 'Not found', `there is nothing at ${url.pathname}`);
		res.writeHead(200, { 'Content-Type': TYPES[path.extname(rel)] || 'application/octet-stream',
			'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' });
		res.end(data);
	});
}

export function start(port = 0, webDir = path.join(root, 'web')) {
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://localhost');
		if (url.pathname.startsWith('/api/')) {
			api(req, res, url).catch((e) => problem(res, 500, 'internal', 'Internal error', String(e)));
			return;
		}
		serveStatic(req, res, url, webDir);
	});
	return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
		resolve({ server, url: `http://127.0.0.1:${server.address().port}`,
			tokens: { faculty: 'mock-faculty-token', trainee: 'mock-trainee-token', trainer: 'mock-trainer-token', dual: 'mock-dual-token' } });
	}));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const m = await start(Number(process.argv[2] || 8091));
	console.log(`mock raslog API on ${m.url}`);
	console.log(JSON.stringify(m.tokens));
}
