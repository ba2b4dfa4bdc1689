#!/usr/bin/env node
// sign.mjs - sign a raslog statement with Node's crypto, not libsodium.
//
//   node tests/js/sign.mjs SECRET_KEY [STATEMENT.json]      (statement on stdin if no file)
//
// SECRET_KEY is a 64-byte libsodium Ed25519 secret key in standard base64,
// or the path of a file holding it (as `raslogd demo --keys DIR` writes
// DIR/user-ID.key).  Its first 32 bytes are the seed; Node takes it as a
// PKCS#8 private key (DER prefix 302e020100300506032b657004220420).  The
// bytes signed are "RASLOG-STATEMENT-v1\n" || JCS(statement) (RFC 8785,
// here the npm package 'canonicalize'), exactly as docs/ledger.md says.
//
// Free text is committed to, never embedded (docs/ledger.md, Free text): a
// statement given with a "reason" or "session.notes" is signed as version 2
// with "reason_commit" / "session.notes_commit" = "sha256:" + hex(SHA-256(
// salt || UTF-8 text)) for a fresh 32-byte salt, and the texts with their
// salts are printed beside it in "texts".  RASLOG_SIGN_EMBED=1 signs the
// statement as given (to test that the server refuses embedded text).
//
// Prints {"statement":...,"signature":"<base64>"[,"texts":{...}]}, the body of
// POST /api/v1/signoffs.  An independent signer: if the server accepts
// what this prints, the format is the standard one and not an accident
// of raslog's own C code.  Exit 2 on usage errors, 1 on bad input.

import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const STATEMENT_CONTEXT = 'RASLOG-STATEMENT-v1\n';

function die(code, msg) {
	process.stderr.write(`sign.mjs: ${msg}\n`);
	process.exit(code);
}

const args = process.argv.slice(2);
if (args.length < 1 || args.length > 2)
	die(2, 'usage: node sign.mjs SECRET_KEY_BASE64|KEYFILE [STATEMENT.json]');

let keyText = args[0];
if (existsSync(keyText))
	keyText = readFileSync(keyText, 'utf8').trim();
const sk = Buffer.from(keyText, 'base64');
if (sk.length !== 64 || sk.toString('base64') !== keyText)
	die(1, 'the secret key is not standard base64 of 64 bytes (a libsodium Ed25519 secret key)');

const privateKey = createPrivateKey({
	key: Buffer.concat([PKCS8_ED25519_PREFIX, sk.subarray(0, 32)]),
	format: 'der',
	type: 'pkcs8',
});
// libsodium keeps the public key in the last 32 bytes; they must agree with the seed.
const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
if (!spki.subarray(spki.length - 32).equals(sk.subarray(32)))
	die(1, 'the secret key\'s last 32 bytes are not the public key of its seed');

let statement;
try {
	statement = JSON.parse(readFileSync(args[1] ?? 0, 'utf8'));
} catch (e) {
	die(1, `the statement is not JSON (${e.message})`);
}
if (statement === null || typeof statement !== 'object' || Array.isArray(statement))
	die(1, 'the statement must be a JSON object');

const texts = {};
if (process.env.RASLOG_SIGN_EMBED !== '1') {
	for (const path of ['reason', 'session.notes']) {
		const [first, last] = path.includes('.') ? path.split('.') : [null, path];
		const parent = first ? statement[first] : statement;
		if (!parent || typeof parent !== 'object' || typeof parent[last] !== 'string') continue;
		const salt = randomBytes(32);
		const commit = 'sha256:' + createHash('sha256').update(salt).update(Buffer.from(parent[last], 'utf8')).digest('hex');
		texts[path] = { text: parent[last], salt: salt.toString('hex') };
		delete parent[last];
		parent[last + '_commit'] = commit;
		statement.v = 2;
	}
}
const message = Buffer.from(STATEMENT_CONTEXT + canonicalize(statement), 'utf8');
const signature = sign(null, message, privateKey).toString('base64');
const body = { statement, signature };
if (Object.keys(texts).length) body.texts = texts;
process.stdout.write(JSON.stringify(body) + '\n');
