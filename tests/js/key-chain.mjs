#!/usr/bin/env node
// key-chain.mjs - the Node recipe for who may sign what: walks a raslog
// ledger export (docs/ledger.md section 2) and checks that every person's
// statement was signed with a key trusted for its signer at that index,
// following the key chain: faculty keys (faculty_key, issued by the log),
// a trainer's first key (their live trainer_accreditation), further keys
// per device (device_key, signed by a key already trusted for the same
// person, or by faculty), key revocations (from their index on) and
// revocations of trainer accreditations (covering the person).
//
//   node tests/js/key-chain.mjs EXPORT.jsonl LOG_PUBLIC_KEY_BASE64
//
// Signatures, canonical form and the Merkle root are verify-ledger.mjs's
// job; this checks authority only, independently of core/ledger/verify.c
// (Node's built-in crypto, no npm packages).  Redacted lines are skipped
// (they hold no statement; keys and accreditations are never redacted).
// Prints "key-chain: N statements, K keys (D per device): OK" and exits 0,
// or names the first bad entry on stderr and exits 1.  Usage errors exit 2.

import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PREFIX = 'RASLOG-STATEMENT-v1\n';
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const TRAINER_ACTS = ['session_signoff', 'assessment', 'module_completion', 'simulator_import'];

const [file, logKey] = process.argv.slice(2);
if (!file || !logKey) {
	process.stderr.write('usage: node tests/js/key-chain.mjs EXPORT.jsonl LOG_PUBLIC_KEY_BASE64\n');
	process.exit(2);
}

const keys = new Map();      // base64 key -> {user, faculty, device, revoked}
const latest = new Map();    // trainer id -> {index, key, from, until, revoked}
const accs = new Map();      // ledger index -> {trainer: bool, subject}
const recs = new Map();      // ledger index -> a trainer's record {type, trainee, signer, superseded, withdrawn} (rule 9)
let statements = 0, devices = 0;

function sigOk(pk, msg, sig) {
	try {
		return verify(null, Buffer.from(msg, 'utf8'), createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(pk, 'base64')]), format: 'der', type: 'spki' }), Buffer.from(sig, 'base64'));
	} catch {
		return false;
	}
}

/* The one rule for a trainer's key (core/ledger/authority.c): the live accreditation's key or a live device key, on a covered day. */
function trainerMay(signer, key, day) {
	const acc = latest.get(signer);
	if (!acc) return `user ${signer} holds no trainer accreditation`;
	if (acc.revoked !== null) return `the trainer accreditation of user ${signer} was revoked at index ${acc.revoked}`;
	const k = keys.get(key);
	if (key !== acc.key && !(k && k.device !== null && k.user === signer))
		return `key ${key} is neither the one user ${signer}'s trainer accreditation (index ${acc.index}) names nor a device key introduced for them`;
	if (day < acc.from || day > acc.until) return `the accreditation covers ${acc.from} to ${acc.until}, not ${day}`;
	return null;
}

function check(index, entry) {
	if (!entry.message.startsWith(PREFIX)) return 'the message does not start with the statement prefix';
	if (!sigOk(entry.public_key, entry.message, entry.signature)) return 'the signature does not verify';
	const st = JSON.parse(entry.message.slice(PREFIX.length));
	const pk = entry.public_key;
	statements++;
	if (st.issuer === 'log') {
		if (pk !== logKey) return 'a log statement is not signed with the log key';
		if (st.type === 'faculty_key') {
			keys.set(st.public_key, { user: st.faculty, faculty: true, device: null, revoked: null });
			return null;
		}
		if (st.type === 'key_revocation') {
			const k = keys.get(st.public_key) || { user: st.user, faculty: false, device: null, revoked: null };
			if (k.revoked !== null) return `key ${st.public_key} was already revoked`;
			k.revoked = index;
			keys.set(st.public_key, k);
			return null;
		}
		// The record's context (a curriculum's content, a trainee's enrolment) gives no key any authority.
		if (st.type === 'curriculum' || st.type === 'enrolment') return null;
		return `the log issues no ${st.type}`;
	}
	if (st.key !== pk) return 'the statement names another key than the one that signed it';
	const k = keys.get(pk);
	if (k && k.revoked !== null) return `key ${pk} was revoked at index ${k.revoked}`;
	if (k && k.user !== st.signer) return `key ${pk} belongs to user ${k.user}, not ${st.signer}`;
	const isFaculty = k && k.faculty;
	const day = String(st.signed_at).slice(0, 10);
	switch (st.type) {
	case 'trainer_accreditation': {
		if (!isFaculty) return 'a trainer_accreditation must be signed by a faculty key';
		const tk = keys.get(st.trainer_key);
		if (tk && (tk.revoked !== null || tk.user !== st.trainer)) return `the accredited key ${st.trainer_key} is revoked or someone else's`;
		if (!tk) keys.set(st.trainer_key, { user: st.trainer, faculty: false, device: null, revoked: null });
		latest.set(st.trainer, { index, key: st.trainer_key, from: st.valid_from, until: st.valid_until, revoked: null });
		accs.set(index, { trainer: true, subject: st.trainer });
		return null;
	}
	case 'accreditation':
		if (!isFaculty) return 'an accreditation must be signed by a faculty key';
		accs.set(index, { trainer: false, subject: st.trainee });
		return null;
	case 'revocation': {
		if (!isFaculty) return 'a revocation must be signed by a faculty key';
		const a = accs.get(st.accreditation_index);
		if (!a || a.subject !== st.subject) return `index ${st.accreditation_index} is no accreditation of user ${st.subject}`;
		if (a.trainer && latest.has(st.subject) && latest.get(st.subject).revoked === null) latest.get(st.subject).revoked = index;
		return null;
	}
	case 'device_key': {
		const why = st.user === st.signer ? trainerMay(st.signer, pk, day) : isFaculty ? null : 'a device_key for another user must be signed by a faculty key';
		if (why) return why;
		const nk = keys.get(st.public_key);
		if (nk && (nk.user !== st.user || nk.revoked !== null || nk.device !== null || nk.faculty))
			return `the device_key names key ${st.public_key}, which is someone else's, revoked or already introduced`;
		keys.set(st.public_key, { user: st.user, faculty: false, device: index, revoked: null });
		devices++;
		return null;
	}
	case 'elearning_confirmation':
		// Rule 9a: confirmed by faculty, or by a trainer under a key accredited then (that the
		// trainer supervises the trainee is the server's to check: it is not in the ledger).
		return isFaculty ? null : trainerMay(st.signer, pk, day);
	case 'signoff_withdrawal': {
		// Rule 9: by the record's signer (as a trainer) or by faculty, of a record about st.trainee still counting.
		const r = recs.get(st.signoff_index);
		if (!r || st.signoff_index >= index) return `index ${st.signoff_index} holds no earlier sign-off, assessment or module completion`;
		if (r.trainee !== st.trainee) return `the record at index ${st.signoff_index} is about trainee ${r.trainee}, not ${st.trainee}`;
		const why = r.signer === st.signer ? trainerMay(st.signer, pk, day) : isFaculty ? null : 'only the record\'s signer or faculty withdraw it';
		if (why) return why;
		if (r.withdrawn !== null || r.superseded !== null) return `the record at index ${st.signoff_index} was already withdrawn or superseded`;
		r.withdrawn = index;
		return null;
	}
	default: {
		if (!TRAINER_ACTS.includes(st.type)) return `unknown statement type ${st.type}`;
		const why = trainerMay(st.signer, pk, day);
		if (why) return why;
		const trainee = st.type === 'session_signoff' ? st.session?.trainee : st.type === 'simulator_import' ? st.import?.trainee : st.trainee;
		if (st.supersedes !== undefined) {
			// Rule 9: only the signer's own record of the same kind, about the same trainee, still counting.
			const r = recs.get(st.supersedes);
			if (!r || r.type !== st.type || r.trainee !== trainee || r.signer !== st.signer)
				return `"supersedes" names index ${st.supersedes}, which is no ${st.type} of the signer's about trainee ${trainee}`;
			if (r.withdrawn !== null || r.superseded !== null) return `the record at index ${st.supersedes} was already withdrawn or superseded`;
			r.superseded = index;
		}
		if (st.type !== 'simulator_import') recs.set(index, { type: st.type, trainee, signer: st.signer, superseded: null, withdrawn: null });
		return null;
	}
	}
}

const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
for (const line of lines) {
	const entry = JSON.parse(line);
	if ('leaf_hash' in entry) continue;
	let why;
	try {
		why = check(entry.index, entry);
	} catch (e) {
		why = `unreadable (${e.message})`;
	}
	if (why) {
		process.stderr.write(`key-chain: entry ${entry.index}: ${why}\n`);
		process.exit(1);
	}
}
console.log(`key-chain: ${statements} statements, ${keys.size} keys (${devices} per device): OK`);
