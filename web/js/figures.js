// figures.js - the trainee page's figures recomputed in the browser from
// the ledger entries it verified (issue 13 item 7), as core/domain/figures.c
// and curriculum.c compute them on the server: a figure the server shows
// that the verified statements do not give is a failure, not "verified".
//
// Each requirement of the progress report names what counts towards it
// (its kind, target, activity/platform/roles/steps lists, or the tool and
// its minimums) and lists its evidence by ledger index.  From the verified
// statement of each listed entry, and nothing the server says about it,
// this recomputes the requirement's signed figure:
//   minutes      a confirmed session_signoff's session.minutes, when the
//                session's activity and platform and the trainer's signed
//                role are in the requirement's lists (an empty list
//                restricts nothing);
//   cases        1 for such a session;
//   steps        the trainer's signed steps that the requirement lists;
//   assessments  1 for an assessment with the requirement's tool, one score
//                per domain of the tool, each within the tool's range and at
//                least domain_min, totalling at least total_min;
//   module_signoff 1 for a module_completion of the module;
//   simulator    1 per listed exercise whose attempts (the "results" of the
//                confirmed, that is countersigned, simulator_import
//                statements that this requirement's own evidence rows name
//                and that verified here, oldest first, on the listed
//                platforms) hold a run of `consecutive` scores of at least
//                min_score percent; an import the server lists elsewhere
//                (another requirement's rows) or not at all backs nothing
//                here, so attempts spread over several imports are
//                recomputed only when each is named and verified (raslog
//                audit recomputes every one);
//   elearning    1 for a confirmed elearning_confirmation whose import
//                names exactly the requirement's issuer and achievement;
// only statements about this trainee (their kind's subject member,
// kinds.js), the first decision on each session; then each requirement's
// met-ness, each module's (every requirement met and every prerequisite
// module met), the number of modules met and whether "eligible" or
// "accredited" is borne out (every module met).
import { subjectOf } from './kinds.js';

const inList = (list, v) => !Array.isArray(list) || list.length === 0 || list.includes(v);

/** What one verified statement contributes to requirement r of module m (0 when nothing). */
export function contribution(r, m, st, tools) {
	switch (st.type) {
	case 'session_signoff': {
		if (st.decision !== 'confirmed') return 0;
		const s = st.session || {};
		const matches = inList(r.activity, s.activity) && inList(r.platform, s.platform) && inList(r.roles, st.role);
		if (!matches) return 0;
		if (r.kind === 'minutes') return Number.isSafeInteger(s.minutes) && s.minutes > 0 ? s.minutes : 0;
		if (r.kind === 'cases') return 1;
		if (r.kind === 'steps') return Array.isArray(st.steps) ? st.steps.filter((x) => (r.steps || []).includes(x)).length : 0;
		return 0;
	}
	case 'assessment': {
		if (r.kind !== 'assessments' || st.tool !== r.tool) return 0;
		const tool = (tools || []).find((t) => t.id === r.tool);
		const scores = st.scores;
		if (!tool || !Array.isArray(scores) || scores.length !== (tool.domains || []).length) return 0;
		if (scores.some((x) => !Number.isInteger(x) || x < tool.min || x > tool.max || x < (r.domain_min ?? 0))) return 0;
		return scores.reduce((a, b) => a + b, 0) >= (r.total_min ?? 0) ? 1 : 0;
	}
	case 'module_completion':
		return r.kind === 'module_signoff' && st.module === m.id ? 1 : 0;
	case 'elearning_confirmation':
		return r.kind === 'elearning' && st.decision === 'confirmed' && typeof st.import?.issuer === 'string' &&
			st.import.issuer === r.issuer && st.import.achievement === r.achievement ? 1 : 0;
	default:
		return 0;
	}
}

/**
 * Reconciles the progress report p with the statements verified in this
 * browser (Map ledger index -> statement; an entry missing from it was not
 * verified and gives nothing).  Returns {ok, checked, differences:
 * [{what, server, ledger}]}; ok is false when any figure differs.
 */
/** Attempts per exercise, oldest first, from the confirmed simulator imports among the verified statements. */
function simulatorAttempts(verified, counts) {
	const byExercise = new Map();
	const decided = new Set();
	for (const [index, st] of [...verified.entries()].sort((a, b) => a[0] - b[0])) {
		if (st?.type !== 'simulator_import' || !counts(index, st)) continue;
		const id = st.import?.id;
		if (decided.has(id)) continue; // one decision per import
		decided.add(id);
		if (st.decision !== 'confirmed') continue;
		(st.import?.results || []).forEach((r, pos) => {
			if (typeof r?.exercise !== 'string' || typeof r.attempt_at !== 'string' || !Number.isInteger(r.score_bp)) return;
			if (!byExercise.has(r.exercise)) byExercise.set(r.exercise, []);
			byExercise.get(r.exercise).push({ at: r.attempt_at, index, pos, platform: r.platform, score: r.score_bp });
		});
	}
	const order = (a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index || a.pos - b.pos);
	for (const list of byExercise.values()) list.sort(order);
	return byExercise;
}

/** How many of r's exercises the attempts qualify for: a run of r.consecutive scores of at least r.min_score. */
function simulatorSigned(r, attempts) {
	let n = 0;
	for (const exercise of r.exercises || []) {
		let run = 0, met = false;
		for (const a of attempts.get(exercise) || []) {
			if (!inList(r.platform, a.platform)) continue;
			run = a.score >= (r.min_score ?? 0) * 100 ? run + 1 : 0;
			if (run >= (r.consecutive ?? 1)) { met = true; break; }
		}
		if (met) n++;
	}
	return n;
}

export function reconcile(p, verified, subject, tools) {
	const differences = [];
	const diff = (what, server, ledger) => { if (String(server) !== String(ledger)) differences.push({ what, server, ledger }); };
	const firstDecision = new Map(); // session id -> ledger index of its first decision among the verified ones
	for (const [index, st] of [...verified.entries()].sort((a, b) => a[0] - b[0]))
		if (st?.type === 'session_signoff' && st.session && !firstDecision.has(st.session.id)) firstDecision.set(st.session.id, index);
	const counts = (index, st) => st && String(subjectOf(st)) === String(subject) &&
		(st.type !== 'session_signoff' || firstDecision.get(st.session?.id) === index);
	// A simulator figure rests only on the imports its own evidence rows name (not any verified import).
	const named = (r) => new Set((r.evidence || []).map((e) => Number(e.ledger_index)));
	const metModules = new Map();
	let checked = 0;
	for (const m of p.modules || []) {
		let allMet = true;
		for (const r of m.requirements || []) {
			let signed = 0;
			if (r.kind === 'simulator') {
				const mine = named(r);
				signed = simulatorSigned(r, simulatorAttempts(verified, (index, st) => mine.has(index) && counts(index, st)));
			}
			else for (const index of new Set((r.evidence || []).map((e) => Number(e.ledger_index)))) {
				const st = verified.get(index);
				if (counts(index, st)) signed += contribution(r, m, st, tools);
			}
			checked++;
			const name = `${m.title || m.id}: ${r.title || r.id}`;
			diff(`${name}, signed`, r.signed ?? 0, signed);
			const met = signed >= (r.target ?? 0);
			if (r.status === 'met' && !met) diff(`${name}, status`, 'met', 'not met');
			if (!met) allMet = false;
		}
		metModules.set(m.id, allMet);
	}
	// A module is met when its requirements are and every prerequisite module is (in curriculum order).
	const memo = new Map();
	const moduleMet = (id, path = new Set()) => {
		if (memo.has(id)) return memo.get(id);
		const m = (p.modules || []).find((x) => x.id === id);
		if (!m || path.has(id)) return false; // unknown, or a cycle
		const met = !!metModules.get(id) && (m.prerequisites || []).every((q) => moduleMet(q, new Set([...path, id])));
		memo.set(id, met);
		return met;
	};
	let modulesMet = 0;
	for (const m of p.modules || []) {
		const met = moduleMet(m.id);
		if (met) modulesMet++;
		if (m.status === 'met' && !met) diff(`${m.title || m.id}, module status`, 'met', 'not met');
	}
	if (p.modules_met !== undefined) diff('Modules met', p.modules_met, modulesMet);
	if ((p.status === 'eligible' || p.status === 'accredited' || p.status === 'lapsed') && modulesMet !== (p.modules || []).length)
		diff('Status', p.status, 'in training: not every module is met by the verified entries');
	return { ok: differences.length === 0, checked, differences };
}
