// verify.js - checks ledger entries in the browser, so that faculty need
// not trust the server for the figures they accredit on.
//
// For an entry {"index","message","public_key","signature","statement"}:
//   1. message starts with "RASLOG-STATEMENT-v1\n";
//   2. the Ed25519 signature verifies over the exact UTF-8 bytes of message
//      with public_key (WebCrypto, no library);
//   3. the rest of message is canonical JSON (RFC 8785), names the same key
//      it was signed with, and is the statement the server says it is;
//   4. the statement is about the record shown beside it (same session,
//      trainee, signer, date, scores...), so a valid signature over some
//      other record cannot be passed off as this evidence.
//
// An entry about someone whose records the reader may not see comes as the
// redacted line {"index","leaf_hash"}: it has no signature to check, but
// checkExport() still folds its leaf hash into the RFC 9162 root and checks
// that root against the log's signed tree head.

import { kindOf, subjectOf } from './kinds.js';

export const PREFIX = 'RASLOG-STATEMENT-v1\n';

/** Standard base64 to bytes; null if it is not base64. */
export function b64decode(text) {
	if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) return null;
	try {
		const bin = atob(text);
		const out = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
		return out;
	} catch {
		return null;
	}
}

/** RFC 8785 canonical JSON for what statements hold: strings, integers, arrays, objects. */
export function jcs(v) {
	if (Array.isArray(v)) return '[' + v.map(jcs).join(',') + ']';
	if (v !== null && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + jcs(v[k])).join(',') + '}';
	if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('not a JSON number');
	return JSON.stringify(v);
}

let support;
/** Resolves to null when Ed25519 verification is available, else a sentence saying why not. */
export function ed25519Support() {
	if (!support) {
		support = (async () => {
			if (!globalThis.crypto?.subtle)
				return 'this browser only offers WebCrypto on secure (HTTPS) pages';
			try {
				await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']);
				return null;
			} catch (e) {
				// An all-zero key is a valid encoding; NotSupportedError means no Ed25519 at all.
				return e?.name === 'NotSupportedError' ? 'this browser has no Ed25519 in WebCrypto' : null;
			}
		})();
	}
	return support;
}

const keys = new Map();
function importKey(b64, raw) {
	if (!keys.has(b64))
		keys.set(b64, crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']));
	return keys.get(b64);
}

const fail = (reason, statement) => ({ ok: false, reason, statement });

/** True for a redacted ledger line: exactly {index, leaf_hash (64 lowercase hex)}. */
export function isRedacted(entry) {
	return !!entry && typeof entry === 'object' && Object.keys(entry).length === 2 &&
		Number.isSafeInteger(entry.index) && typeof entry.leaf_hash === 'string' && /^[0-9a-f]{64}$/.test(entry.leaf_hash);
}

const REDACTED = 'the ledger shows you only this entry\u2019s leaf hash: it is about someone whose records you may not see';

/**
 * Checks one ledger entry on its own: steps 1 to 3 above.
 * Resolves {ok: true, statement} or {ok: false, reason, statement?}.
 */
export async function verifyEntry(entry) {
	if (isRedacted(entry)) return { ok: false, redacted: true, reason: REDACTED };
	if (!entry || typeof entry.message !== 'string')
		return fail('the ledger entry has no message');
	const { message } = entry;
	if (!message.startsWith(PREFIX))
		return fail('the message does not start with RASLOG-STATEMENT-v1');
	const pk = b64decode(entry.public_key);
	const sig = b64decode(entry.signature);
	if (!pk || pk.length !== 32) return fail('the public key is not 32 bytes of base64');
	if (!sig || sig.length !== 64) return fail('the signature is not 64 bytes of base64');
	let good;
	try {
		const key = await importKey(entry.public_key, pk);
		good = await crypto.subtle.verify('Ed25519', key, sig, new TextEncoder().encode(message));
	} catch (e) {
		return fail(`the key or signature was refused by WebCrypto (${e?.name || e})`);
	}
	if (!good) return fail('the Ed25519 signature does not verify over the message');
	const body = message.slice(PREFIX.length);
	let statement;
	try {
		statement = JSON.parse(body);
	} catch {
		return fail('the signed text after the prefix is not JSON');
	}
	if (statement === null || typeof statement !== 'object' || Array.isArray(statement))
		return fail('the signed statement is not a JSON object');
	try {
		if (jcs(statement) !== body) return fail('the signed statement is not in canonical (RFC 8785) form', statement);
		if (entry.statement !== undefined && jcs(entry.statement) !== body)
			return fail('the server\'s copy of the statement differs from the signed text', statement);
	} catch {
		return fail('the signed statement holds a value statements may not hold', statement);
	}
	if (typeof statement.key === 'string' && statement.key !== entry.public_key)
		return fail('the statement names a different key from the one that signed it', statement);
	// Its kind, from the one table of kinds (schema/kinds.json, generated into kinds.js as into the C verifier).
	const kind = kindOf(statement.type);
	if (!kind) return fail(`"${String(statement.type).slice(0, 40)}" is not a statement type`, statement);
	if ((kind.signer === 'log') !== (statement.issuer === 'log'))
		return fail(kind.signer === 'log' ? `a ${kind.name} statement must be issued by the log` : `a ${kind.name} statement is signed by a person, not issued by the log`, statement);
	const t = await checkTexts(statement, entry.texts);
	if (!t.ok) return fail(t.reason, statement);
	return { ok: true, statement, texts: t.texts };
}

const TEXT_MEMBERS = ['reason', 'session.notes'];
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Free text beside a version 2 statement (docs/ledger.md, Free text): each
 * text {text, salt} must match its "<name>_commit", "sha256:" +
 * hex(SHA-256(salt || UTF-8 text)); {erased_at} (or no text) is shown as
 * erased.  A version 1 statement takes no texts.  Resolves
 * {ok: true, texts: {path: {state: 'matches'|'erased', text?}}} or {ok: false, reason}.
 */
export async function checkTexts(statement, texts) {
	const out = {};
	texts = texts ?? {};
	if (!isObj(texts)) return { ok: false, reason: 'the texts beside the statement are not an object' };
	for (const path of Object.keys(texts))
		if (!TEXT_MEMBERS.includes(path)) return { ok: false, reason: `a text is given for ${path}, which is not a free-text member` };
	for (const path of TEXT_MEMBERS) {
		const [first, last] = path.includes('.') ? path.split('.') : [null, path];
		const parent = first ? statement[first] : statement;
		const commit = isObj(parent) ? parent[`${last}_commit`] : undefined;
		const t = texts[path];
		if (statement.v !== 2) {
			if (commit !== undefined || t !== undefined) return { ok: false, reason: `a version ${statement.v} statement commits to no text (${path})` };
			continue;
		}
		if (isObj(parent) && last in parent) return { ok: false, reason: `a version 2 statement embeds ${path} instead of committing to it` };
		if (commit === undefined) {
			if (t !== undefined) return { ok: false, reason: `a text is given for ${path}, which the statement does not commit to` };
			continue;
		}
		if (typeof commit !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(commit)) return { ok: false, reason: `the commitment to ${path} is malformed` };
		if (t === undefined || (isObj(t) && 'erased_at' in t)) {
			out[path] = { state: 'erased' };
			continue;
		}
		if (!isObj(t) || typeof t.text !== 'string' || typeof t.salt !== 'string' || !/^[0-9a-f]{64}$/.test(t.salt))
			return { ok: false, reason: `the text of ${path} is not {text, salt}` };
		const salt = new Uint8Array(t.salt.match(/../g).map((h) => parseInt(h, 16)));
		const text = new TextEncoder().encode(t.text);
		const both = new Uint8Array(salt.length + text.length);
		both.set(salt);
		both.set(text, salt.length);
		if (`sha256:${hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', both)))}` !== commit)
			return { ok: false, reason: `the text of ${path} does not match the statement\u2019s commitment` };
		out[path] = { state: 'matches', text: t.text };
	}
	return { ok: true, texts: out };
}

const same = (a, b) => a === undefined || b === undefined || a === null || b === null || String(a) === String(b);
const dateOf = (v) => (typeof v === 'string' ? v.slice(0, 10) : v);

/**
 * Step 4: a sentence saying how the statement disagrees with the evidence
 * item shown (an item of progress "evidence" or a trainer record), or null.
 */
export function mismatch(st, item, subject) {
	switch (item.type) {
	case 'session': {
		if (st.type !== 'session_signoff') return `it is a ${st.type} statement, not a session sign-off`;
		if (st.decision !== 'confirmed') return `the trainer's decision was ${st.decision}, not confirmed`;
		const s = st.session || {};
		if (!same(s.id, item.session)) return `it signs session ${s.id}, not session ${item.session}`;
		if (!same(s.trainee, subject)) return `it is about trainee ${s.trainee}`;
		if (!same(st.signer, item.signed_by)) return `it was signed by user ${st.signer}, not ${item.signed_by}`;
		if (!same(s.date, item.date)) return `it gives the date ${s.date}, not ${item.date}`;
		if (item.minutes !== undefined && !same(s.minutes, item.minutes)) return `it gives ${s.minutes} minutes, not ${item.minutes}`;
		if (item.activity !== undefined && !same(s.activity, item.activity)) return `it gives the activity ${s.activity}, not ${item.activity}`;
		if (item.signed_role !== undefined && !same(st.role, item.signed_role)) return `the trainer signed the role ${st.role}, not ${item.signed_role}`;
		return null;
	}
	case 'assessment':
		if (st.type !== 'assessment') return `it is a ${st.type} statement, not an assessment`;
		if (!same(st.trainee, subject)) return `it is about trainee ${st.trainee}`;
		if (!same(st.session, item.session)) return `it assesses session ${st.session}, not ${item.session}`;
		if (!same(st.tool, item.tool)) return `it uses ${st.tool}, not ${item.tool}`;
		if (!same(st.signer, item.signed_by)) return `it was signed by user ${st.signer}, not ${item.signed_by}`;
		if (Array.isArray(item.scores) && jcs(st.scores) !== jcs(item.scores)) return `its scores are ${(st.scores || []).join(', ')}`;
		return null;
	case 'module_completion':
		if (st.type !== 'module_completion') return `it is a ${st.type} statement, not a module completion`;
		if (!same(st.trainee, subject)) return `it is about trainee ${st.trainee}`;
		if (!same(st.module, item.module)) return `it completes ${st.module}, not ${item.module}`;
		if (!same(st.signer, item.signed_by)) return `it was signed by user ${st.signer}, not ${item.signed_by}`;
		return null;
	case 'simulator': {
		if (st.type !== 'simulator_import') return `it is a ${st.type} statement, not a simulator import`;
		if (st.decision !== 'confirmed') return `the trainer's decision was ${st.decision}, not confirmed`;
		const imp = st.import || {};
		if (!same(imp.trainee, subject)) return `it is about trainee ${imp.trainee}`;
		const attempts = (Array.isArray(imp.results) ? imp.results : []).filter((r) => r.exercise === item.exercise);
		if (!attempts.length) return `it holds no attempt at ${item.exercise}`;
		if (!same(st.signer, item.signed_by)) return `it was signed by user ${st.signer}, not ${item.signed_by}`;
		if (item.best_score_bp !== undefined && attempts.some((r) => Number(r.score_bp) > Number(item.best_score_bp)))
			return `an attempt at ${item.exercise} scores above the best score shown`;
		return null;
	}
	case 'elearning': {
		if (st.type !== 'elearning_confirmation') return `it is a ${st.type} statement, not an e-learning confirmation`;
		if (st.decision !== 'confirmed') return `the decision was ${st.decision}, not confirmed`;
		const imp = st.import || {};
		if (!same(imp.trainee, subject)) return `it is about trainee ${imp.trainee}`;
		if (!same(imp.id, item.import)) return `it confirms import ${imp.id}, not ${item.import}`;
		if (!same(imp.issuer, item.issuer) || !same(imp.achievement, item.achievement)) return `it confirms ${imp.achievement} of ${imp.issuer}`;
		if (!same(st.signer, item.signed_by)) return `it was signed by user ${st.signer}, not ${item.signed_by}`;
		if (item.verified !== undefined && imp.verified !== item.verified) return `it says the certificate's proof ${imp.verified ? 'verified' : 'did not verify'}`;
		if (imp.verified === false && st.unverified_ok !== true) return 'it confirms an unverified certificate without saying so (unverified_ok)';
		return null;
	}
	case 'trainer_accreditation':
		if (st.type !== 'trainer_accreditation') return `it is a ${st.type} statement, not a trainer accreditation`;
		if (!same(st.trainer, subject)) return `it accredits user ${st.trainer}`;
		if (!same(dateOf(st.valid_until), dateOf(item.valid_until))) return `it is valid until ${st.valid_until}, not ${item.valid_until}`;
		if (!same(dateOf(st.valid_from), dateOf(item.valid_from))) return `it is valid from ${st.valid_from}, not ${item.valid_from}`;
		return null;
	case 'accreditation':
		if (st.type !== 'accreditation') return `it is a ${st.type} statement, not an accreditation`;
		if (!same(st.trainee, subject)) return `it is about trainee ${st.trainee}`;
		if (!same(dateOf(st.valid_until), dateOf(item.valid_until))) return `it is valid until ${st.valid_until}, not ${item.valid_until}`;
		return null;
	default:
		return null;
	}
}

/**
 * The whole check for one evidence item: fetch(index) gives the ledger entry.
 * Resolves {state: 'verified'|'failed'|'unchecked', reason}.
 */
export async function checkEvidence(fetchEntry, item, subject) {
	const why = await ed25519Support();
	if (why) return { state: 'unchecked', reason: why };
	let entry;
	try {
		entry = await fetchEntry(item.ledger_index);
	} catch (e) {
		return { state: 'unchecked', reason: `ledger entry ${item.ledger_index} could not be fetched (${e.message})` };
	}
	if (entry && entry.index !== undefined && Number(entry.index) !== Number(item.ledger_index))
		return { state: 'failed', reason: `the server returned entry ${entry.index} for index ${item.ledger_index}` };
	if (isRedacted(entry)) return { state: 'unchecked', reason: REDACTED };
	const r = await verifyEntry(entry);
	if (!r.ok) return { state: 'failed', reason: r.reason };
	const m = mismatch(r.statement, item, subject);
	if (m) return { state: 'failed', reason: `the signature is valid but ${m}` };
	return { state: 'verified', reason: `Ed25519 signature by key ${entry.public_key.slice(0, 12)}… verifies over the statement for this record`, statement: r.statement };
}

/**
 * Corrections (docs/ledger.md rule 9): the progress report's `corrections`
 * name the statements that retire an earlier one, a correction naming it
 * in `supersedes` or a `signoff_withdrawal` naming it in `signoff_index`.
 * Each is fetched and verified like evidence; resolves Map retired index
 * (number) -> {by, how} for the verified ones, and `failed`, the reasons
 * of those that did not verify.  An evidence row whose index is retired
 * counts nowhere, whatever the server lists: retiredReason() says so.
 */
export async function checkCorrections(fetchEntry, corrections, subject) {
	const retired = new Map(), failed = [];
	if (await ed25519Support() || !Array.isArray(corrections)) return { retired, failed };
	await Promise.all(corrections.map(async (c) => {
		try {
			const entry = await fetchEntry(c.ledger_index);
			if (isRedacted(entry)) return;
			const r = await verifyEntry(entry);
			if (!r.ok) { failed.push(`ledger entry ${c.ledger_index}: ${r.reason}`); return; }
			const st = r.statement;
			const named = st.type === 'signoff_withdrawal' ? st.signoff_index
				: ['assessment', 'module_completion'].includes(st.type) ? st.supersedes : undefined;
			if (named === undefined || Number(named) !== Number(c.retires) || !same(st.trainee, subject)) {
				failed.push(`ledger entry ${c.ledger_index} does not retire entry ${c.retires} of this trainee`);
				return;
			}
			retired.set(Number(c.retires), { by: Number(c.ledger_index), how: st.type === 'signoff_withdrawal' ? 'withdrawn' : 'superseded' });
		} catch (e) {
			failed.push(`ledger entry ${c.ledger_index} could not be fetched (${e.message})`);
		}
	}));
	return { retired, failed };
}

/** A sentence when the evidence item's entry was retired by a verified correction, else null. */
export function retiredReason(item, retired) {
	const r = retired && retired.get(Number(item.ledger_index));
	return r ? `ledger entry ${item.ledger_index} was ${r.how} at ledger entry ${r.by} and counts nowhere` : null;
}

/**
 * Each trainer's key chain, replayed from the ledger as `raslog verify`
 * walks it (docs/ledger.md section 2): GET /trainers gives, per trainer,
 * `key_chain`, the ledger indexes of their trainer accreditations,
 * device_key statements, key revocations and revocations (older servers:
 * only the current accreditation's index).  Every entry is verified like
 * any other before it counts.  Resolves Map trainer id (string) ->
 * {events: [...] in index order}; keyChain() reads it.
 */
export async function accreditedKeys(trainerList, fetchEntry) {
	const chains = new Map();
	if (await ed25519Support()) return chains;
	await Promise.all(trainerList.map(async (t) => {
		const idxs = Array.isArray(t.key_chain) && t.key_chain.length ? t.key_chain
			: t.accreditation?.ledger_index !== undefined && t.accreditation?.ledger_index !== null ? [t.accreditation.ledger_index] : [];
		const events = [];
		await Promise.all(idxs.map(async (idx) => {
			try {
				const r = await verifyEntry(await fetchEntry(idx));
				if (r.ok) events.push({ index: Number(idx), st: r.statement });
			} catch { /* an unreadable entry simply introduces nothing */ }
		}));
		events.sort((a, b) => a.index - b.index);
		chains.set(String(t.id), { events });
	}));
	return chains;
}

/*
 * The state of trainer's chain just before ledger index `at`: the latest
 * accreditation (and whether a revocation covered it), the device keys
 * introduced and the keys revoked.
 */
function chainAt(chain, trainer, at) {
	let latest = null, revokedAt = null;
	const devices = new Map(), revokedKeys = new Map();
	for (const { index, st } of chain.events) {
		if (at !== undefined && at !== null && index >= Number(at)) break;
		// Whom each statement is about comes from its kind's subject member (kinds.js).
		const about = String(subjectOf(st));
		if (st.type === 'trainer_accreditation' && about === trainer) {
			latest = { index, key: st.trainer_key, from: st.valid_from, until: st.valid_until };
			revokedAt = null;
		} else if (st.type === 'revocation' && about === trainer && latest &&
			chain.events.some((e) => e.index === Number(st.accreditation_index) && e.st.type === 'trainer_accreditation')) {
			revokedAt = index;
		} else if (st.type === 'device_key' && about === trainer && typeof st.public_key === 'string') {
			if (!devices.has(st.public_key)) devices.set(st.public_key, index);
		} else if (st.type === 'key_revocation' && about === trainer && typeof st.public_key === 'string') {
			if (!revokedKeys.has(st.public_key)) revokedKeys.set(st.public_key, index);
		}
	}
	return { latest, revokedAt, devices, revokedKeys };
}

/**
 * Whether a verified trainer's statement (at ledger index `index`, when
 * known) was signed with a key trusted for its signer then, on a day their
 * accreditation covered: the key their accreditation at that point named,
 * or a device key a device_key statement introduced, not revoked before.
 * A normal rotation (a new accreditation or device key; the old key
 * revoked later) leaves earlier signatures valid.  {ok: true, index} (the
 * entry that introduced the key) or {ok: false, reason}; null when the
 * statement is not a trainer's.
 */
export function keyChain(statement, chains, index) {
	// A trainer's statement: the kinds whose signer class is "trainer" in the table of kinds.
	if (!statement || !chains || kindOf(statement.type)?.signer !== 'trainer') return null;
	const trainer = String(statement.signer);
	const chain = chains.get(trainer);
	if (!chain || !chain.events.length) return { ok: false, reason: 'no trainer accreditation of the signer could be read' };
	const day = String(statement.signed_at || '').slice(0, 10);
	const { latest, revokedAt, devices, revokedKeys } = chainAt(chain, trainer, index);
	if (!latest) return { ok: false, reason: 'the signer held no trainer accreditation when this was signed' };
	if (revokedAt !== null) return { ok: false, reason: `the signer’s trainer accreditation was revoked at ledger entry ${revokedAt}` };
	if (revokedKeys.has(statement.key)) return { ok: false, reason: `the signing key was revoked at ledger entry ${revokedKeys.get(statement.key)}` };
	const via = statement.key === latest.key ? latest.index : devices.get(statement.key);
	if (via === undefined) return { ok: false, reason: 'the signing key is neither the one the signer’s trainer accreditation named nor a device key introduced for them' };
	if ((latest.from && day < latest.from) || (latest.until && day > latest.until))
		return { ok: false, reason: `the trainer accreditation covered ${latest.from} to ${latest.until}, not ${day}` };
	return { ok: true, index: via, device: via !== latest.index };
}

const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const bytesOfHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
async function sha256(...parts) {
	const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) { all.set(p, at); at += p.length; }
	return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

/** The RFC 9162 leaf hash of an export line: SHA-256(0x00 || message || signature || public_key), or a redacted line's own. */
export async function leafHash(entry) {
	if (isRedacted(entry)) return bytesOfHex(entry.leaf_hash);
	return sha256(Uint8Array.of(0), new TextEncoder().encode(entry.message), b64decode(entry.signature), b64decode(entry.public_key));
}

/** RFC 9162 MTH over leaf hashes (Uint8Array(32) each). */
export async function treeRoot(leaves) {
	if (!leaves.length) return sha256();
	if (leaves.length === 1) return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length) k *= 2;
	return sha256(Uint8Array.of(1), await treeRoot(leaves.slice(0, k)), await treeRoot(leaves.slice(k)));
}

/**
 * Checks a whole export (an array of its lines, parsed) against the signed
 * tree head with the log's public key (base64): indexes 0, 1, 2, ...; every
 * full entry's signature and canonical form (verifyEntry); the root over
 * every leaf, redacted or not, equals the head's; the head's Ed25519
 * signature over "RASLOG-TREE-HEAD-v1\n" || JCS(head without signature).
 * Resolves {ok, entries, redacted, root} or {ok: false, index?, reason}.
 */
export async function checkExport(lines, head, logKey) {
	const why = await ed25519Support();
	if (why) return { ok: false, reason: why };
	const leaves = [];
	let redacted = 0, texts = 0, erased = 0;
	for (const [i, entry] of lines.entries()) {
		if (!entry || entry.index !== i) return { ok: false, index: i, reason: `the line where entry ${i} belongs holds entry ${entry?.index}` };
		if (isRedacted(entry)) {
			redacted++;
		} else {
			if (Object.keys(entry).some((k) => !['index', 'message', 'public_key', 'signature', 'texts'].includes(k)))
				return { ok: false, index: i, reason: 'the line is neither a full entry nor a redacted {index, leaf_hash}' };
			const r = await verifyEntry(entry);
			if (!r.ok) return { ok: false, index: i, reason: r.reason };
			for (const t of Object.values(r.texts || {})) t.state === 'erased' ? erased++ : texts++;
		}
		leaves.push(await leafHash(entry));
	}
	const root = hexOf(await treeRoot(leaves));
	if (!head || head.tree_size !== lines.length) return { ok: false, reason: `the signed tree head covers ${head?.tree_size} entries, the export has ${lines.length}` };
	if (head.root_hash !== root) return { ok: false, reason: `the export's root ${root} is not the signed tree head's ${head.root_hash}` };
	const pk = b64decode(logKey), sig = b64decode(head.signature);
	if (!pk || pk.length !== 32 || !sig || sig.length !== 64) return { ok: false, reason: 'the log key or the head\u2019s signature is not base64 of the right length' };
	const body = { ...head };
	delete body.signature;
	const key = await importKey(logKey, pk);
	const good = await crypto.subtle.verify('Ed25519', key, sig, new TextEncoder().encode('RASLOG-TREE-HEAD-v1\n' + jcs(body)));
	if (!good) return { ok: false, reason: 'the signed tree head\u2019s signature does not verify under the log key' };
	return { ok: true, entries: lines.length, redacted, texts, erased, root };
}
