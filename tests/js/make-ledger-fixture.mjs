#!/usr/bin/env node
// make-ledger-fixture.mjs - write a small signed raslog ledger export.
//
//   node tests/js/make-ledger-fixture.mjs OUTDIR [COUNT] [SEED]
//
// Writes OUTDIR/EXPORT.jsonl (COUNT entries, default 10) and OUTDIR/HEAD.json
// in the formats of DESIGN.md "Signed statements and the ledger", and prints
// the log public key (standard base64) on stdout, so
//
//   key=$(node tests/js/make-ledger-fixture.mjs "$dir")
//   node tests/js/verify-ledger.mjs "$dir/EXPORT.jsonl" "$dir/HEAD.json" "$key"
//
// is a round trip.  With SEED every key is derived from it and the head's
// timestamp is fixed, so the output is byte-for-byte reproducible (Ed25519
// signing is deterministic); without it the keys are fresh.  The suite uses
// the files to cross-check core/ledger/merkle.c against Node.
//
// Node built-in crypto only.  The root here comes from the naive recursive
// MTH of RFC 9162 section 2.1.1, deliberately not from the compact range
// the verifier uses, so the two JavaScript trees check each other.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function sha256(...parts) {
	const h = createHash('sha256');
	for (const p of parts)
		h.update(p);
	return h.digest();
}

// An Ed25519 key pair; from SEED/label when a seed is given.
function keyPair(seed, label) {
	if (seed === undefined)
		return generateKeyPairSync('ed25519');
	const raw = sha256(Buffer.from(`raslog-fixture/${seed}/${label}`, 'utf8'));
	const privateKey = createPrivateKey({
		key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]),
		format: 'der',
		type: 'pkcs8',
	});
	return { privateKey, publicKey: createPublicKey(privateKey) };
}

function rawPublic(publicKey) {
	return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
}

// RFC 8785 JCS for the strings, integers and objects used here.
function jcs(value) {
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		const keys = Object.keys(value).sort();
		return '{' + keys.map((k) => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
	}
	if (Array.isArray(value))
		return '[' + value.map(jcs).join(',') + ']';
	return JSON.stringify(value);
}

// MTH(D[n]) of RFC 9162 section 2.1.1 over leaf hashes.
function mth(leaves) {
	if (leaves.length === 0)
		return sha256();
	if (leaves.length === 1)
		return leaves[0];
	let k = 1;
	while (k * 2 < leaves.length)
		k *= 2;
	return sha256(Buffer.from([0x01]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// A plausible statement; names carry non-ASCII to exercise UTF-8.
function statement(i, signer) {
	const procedures = [
		'Robotic-assisted radical prostatectomy',
		'Robotic right hemicolectomy — docking and port placement',
		'Robotic inguinal hernia repair (TAPP)',
		'Simulator: Ring Walk 3',
	];
	const trainees = ['Zoë Ødegaard', 'Łukasz Müller', 'Aoife Ní Bhriain', '李 明'];
	return {
		decision: i % 5 === 4 ? 'reject' : 'countersign',
		key_id: `k${signer}`,
		kind: i % 3 === 0 ? 'assessment' : 'case',
		minutes: 30 + (i * 17) % 200,
		platform: ['da Vinci Xi', 'Versius', 'Hugo', 'simulator'][i % 4],
		procedure: procedures[i % procedures.length],
		record_id: `r${1000 + i}`,
		role: ['A', 'S-TS', 'S-TU', 'P', 'T'][i % 5],
		signed_at: `2025-03-${String(1 + (i % 28)).padStart(2, '0')}T09:${String(i % 60).padStart(2, '0')}:00Z`,
		signer_id: `u${signer}`,
		trainee_id: `u${100 + (i % trainees.length)}`,
		trainee_name: trainees[i % trainees.length],
	};
}

function main(argv) {
	if (argv.length < 1 || argv.length > 3) {
		process.stderr.write('usage: node make-ledger-fixture.mjs OUTDIR [COUNT] [SEED]\n');
		return 2;
	}
	const [outdir, countText = '10', seed] = argv;
	const count = Number(countText);
	if (!Number.isSafeInteger(count) || count < 0) {
		process.stderr.write(`make-ledger-fixture: COUNT "${countText}" is not a non-negative integer\n`);
		return 2;
	}

	const log = keyPair(seed, 'log');
	const signers = [1, 2, 3].map((n) => ({ n, ...keyPair(seed, `signer-${n}`) }));
	const lines = [];
	const leaves = [];

	for (let i = 0; i < count; i++) {
		const signer = signers[i % signers.length];
		const message = 'RASLOG-STATEMENT-v1\n' + jcs(statement(i, signer.n));
		const msg = Buffer.from(message, 'utf8');
		const sig = sign(null, msg, signer.privateKey);
		const pk = rawPublic(signer.publicKey);
		lines.push(JSON.stringify({
			index: i,
			message,
			public_key: pk.toString('base64'),
			signature: sig.toString('base64'),
		}) + '\n');
		leaves.push(sha256(Buffer.from([0x00]), msg, sig, pk));
	}

	const head = {
		tree_size: count,
		root_hash: mth(leaves).toString('hex'),
		timestamp: seed === undefined ? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
					      : '2025-03-31T12:00:00Z',
	};
	const signed = Buffer.from('RASLOG-TREE-HEAD-v1\n' + jcs(head), 'utf8');
	head.signature = sign(null, signed, log.privateKey).toString('base64');

	mkdirSync(outdir, { recursive: true });
	writeFileSync(join(outdir, 'EXPORT.jsonl'), lines.join(''));
	writeFileSync(join(outdir, 'HEAD.json'), JSON.stringify(head) + '\n');
	process.stdout.write(rawPublic(log.publicKey).toString('base64') + '\n');
	return 0;
}

process.exitCode = main(process.argv.slice(2));
