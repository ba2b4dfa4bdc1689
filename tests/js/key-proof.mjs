#!/usr/bin/env node
// key-proof.mjs - the body of POST /api/v1/keys, signed with Node's crypto,
// not libsodium: an independent check of the key proof docs/api.md names.
//
//   node tests/js/key-proof.mjs SECRET_KEY|new USER_ID SERVER [--key PUBLIC_KEY] [--count N]
//
// SECRET_KEY is a 64-byte libsodium Ed25519 secret key in standard base64,
// or the path of a file holding it (as `raslogd demo --keys DIR` writes);
// "new" makes a fresh key pair.  USER_ID is the id of the user registering
// the key (GET /api/v1/me) and SERVER the server's public URL (GET
// /api/v1/health "public_url").  The proof is an Ed25519 signature over
//
//   "RASLOG-KEY-PROOF-v1\n" || JCS({"key": PUBLIC_KEY, "server": SERVER, "user": USER_ID})
//
// (JCS by the npm package 'canonicalize').  --key puts another public key
// in the body and the challenge while still signing with SECRET_KEY: what
// someone registering a key they do not hold would send.  --count N (with
// "new") prints N bodies for N fresh keys, one a line.
//
// Prints {"public_key":...,"proof":...}, the body to post.  Exit 2 on usage
// errors, 1 on bad input.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const PROOF_CONTEXT = 'RASLOG-KEY-PROOF-v1\n';

function die(code, msg) {
	process.stderr.write(`key-proof.mjs: ${msg}\n`);
	process.exit(code);
}

const args = process.argv.slice(2);
let override = null, count = 1;
const i = args.indexOf('--key');
if (i >= 0) {
	override = args[i + 1];
	args.splice(i, 2);
}
const c = args.indexOf('--count');
if (c >= 0) {
	count = Number(args[c + 1]);
	args.splice(c, 2);
}
if (args.length !== 3 || !override && i >= 0 || !Number.isSafeInteger(count) || count < 1 || count > 1 && args[0] !== 'new')
	die(2, 'usage: node key-proof.mjs SECRET_KEY|new USER_ID SERVER [--key PUBLIC_KEY] [--count N (with new)]');
const [keyArg, userArg, server] = args;
const user = Number(userArg);
if (!Number.isSafeInteger(user) || user < 1)
	die(2, `'${userArg}' is not a user id`);

function body(privateKey) {
	const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
	const key = override ?? spki.subarray(spki.length - 32).toString('base64');
	const message = Buffer.from(PROOF_CONTEXT + canonicalize({ key, server, user }), 'utf8');
	return JSON.stringify({ public_key: key, proof: sign(null, message, privateKey).toString('base64') }) + '\n';
}

if (keyArg === 'new') {
	for (let n = 0; n < count; n++)
		process.stdout.write(body(generateKeyPairSync('ed25519').privateKey));
} else {
	const text = existsSync(keyArg) ? readFileSync(keyArg, 'utf8').trim() : keyArg;
	const sk = Buffer.from(text, 'base64');
	if (sk.length !== 64 || sk.toString('base64') !== text)
		die(1, 'the secret key is not standard base64 of 64 bytes (a libsodium Ed25519 secret key)');
	process.stdout.write(body(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, sk.subarray(0, 32)]),
		format: 'der', type: 'pkcs8' })));
}
