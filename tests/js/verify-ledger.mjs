#!/usr/bin/env node
// verify-ledger.mjs - re-verify a raslog ledger export offline, trusting
// nothing but the log's public key.
//
//   node tests/js/verify-ledger.mjs EXPORT.jsonl HEAD.json LOG_PUBLIC_KEY_BASE64
//
// An independent second implementation of DESIGN.md "Signed statements and
// the ledger", written with Node's built-in crypto only (no libsodium, no
// npm packages) so that it shares no code with the server.  It checks:
//   - export lines are {"index","message","public_key","signature"} with
//     indexes 0, 1, 2, ... in order, or the redacted line
//     {"index","leaf_hash"} (an entry the exporter may not see: its leaf
//     hash, 64 lowercase hex digits, goes into the tree unchecked);
//   - every Ed25519 signature verifies over the UTF-8 bytes of message;
//   - free text beside a version 2 statement (docs/ledger.md, Free text):
//     each "texts" member {"text","salt"} matches its "<name>_commit",
//     "sha256:" + hex(SHA-256(salt || UTF-8 text)); {"erased_at"} counts as
//     erased; a version 1 statement takes no texts;
//   - the RFC 9162 Merkle root over the leaf hashes
//     SHA-256(0x00 || message || signature || public_key);
//   - HEAD.json: tree_size is the number of entries, root_hash is that
//     root, and signature is the log key's over
//     "RASLOG-TREE-HEAD-v1\n" || JCS(head without "signature").
// Prints "verify-ledger: N entries [(R redacted)], root <hex>: OK" and exits 0, or names
// the first bad entry (or the head) and why on stderr and exits 1.  Usage
// errors exit 2.
//
// Memory is O(log n): lines are streamed and the tree is kept as a stack of
// perfect-subtree roots (a compact range).

import { createHash, createPublicKey, verify } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const HEAD_CONTEXT = 'RASLOG-TREE-HEAD-v1\n';

class Bad extends Error {}

function fail(where, why) {
	throw new Bad(`${where}: ${why}`);
}

// Strict standard base64 of exactly `len` bytes; throws Bad naming `what`.
function decodeBase64(where, what, text, len) {
	if (typeof text !== 'string')
		fail(where, `"${what}" is not a string`);
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
		fail(where, `"${what}" is not standard base64`);
	const bytes = Buffer.from(text, 'base64');
	if (bytes.toString('base64') !== text)
		fail(where, `"${what}" is not canonical base64`);
	if (bytes.length !== len)
		fail(where, `"${what}" is ${bytes.length} bytes, want ${len}`);
	return bytes;
}

const keyCache = new Map();

function ed25519Key(raw) {
	const id = raw.toString('base64');
	let key = keyCache.get(id);
	if (key === undefined) {
		key = createPublicKey({
			key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
			format: 'der',
			type: 'spki',
		});
		keyCache.set(id, key);
	}
	return key;
}

function ed25519Verify(raw, data, sig) {
	try {
		return verify(null, data, ed25519Key(raw), sig);
	} catch {
		return false; // a point that does not decode never verifies
	}
}

function sha256(...parts) {
	const h = createHash('sha256');
	for (const p of parts)
		h.update(p);
	return h.digest();
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

function nodeHash(left, right) {
	return sha256(NODE_PREFIX, left, right);
}

// RFC 9162 tree built leaf by leaf: stack of [level, hash], largest first.
class CompactRange {
	constructor() {
		this.stack = [];
		this.size = 0;
	}

	push(leaf) {
		let hash = leaf;
		let level = 0;
		while (this.stack.length > 0 && this.stack[this.stack.length - 1][0] === level) {
			hash = nodeHash(this.stack.pop()[1], hash);
			level++;
		}
		this.stack.push([level, hash]);
		this.size++;
	}

	root() {
		if (this.stack.length === 0)
			return sha256();
		let hash = this.stack[this.stack.length - 1][1];
		for (let i = this.stack.length - 2; i >= 0; i--)
			hash = nodeHash(this.stack[i][1], hash);
		return hash;
	}
}

// RFC 8785 JCS.  Object keys sort by UTF-16 code units (JavaScript's
// default string order); strings and numbers serialise as JSON.stringify
// does, which is the ECMAScript serialisation JCS adopts.
function jcs(value) {
	if (value === null || typeof value === 'boolean' || typeof value === 'string')
		return JSON.stringify(value);
	if (typeof value === 'number') {
		if (!Number.isFinite(value))
			throw new Bad('head: a number is not finite');
		return JSON.stringify(value);
	}
	if (Array.isArray(value))
		return '[' + value.map(jcs).join(',') + ']';
	if (typeof value === 'object') {
		const keys = Object.keys(value).sort();
		return '{' + keys.map((k) => JSON.stringify(k) + ':' + jcs(value[k])).join(',') + '}';
	}
	throw new Bad(`head: cannot canonicalise a ${typeof value}`);
}

function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

let redacted = 0; // redacted lines seen by verifyExport

let textsChecked = 0, textsErased = 0;

// The free text beside a statement against its commitments.
function checkTexts(where, entry) {
	const st = JSON.parse(entry.message.slice(entry.message.indexOf('\n') + 1));
	const texts = entry.texts ?? {};
	if (!isObject(texts)) fail(where, '"texts" is not an object');
	for (const path of Object.keys(texts))
		if (!['reason', 'session.notes'].includes(path)) fail(where, `"texts" names "${path}", not a free-text member`);
	for (const path of ['reason', 'session.notes']) {
		const [first, last] = path.includes('.') ? path.split('.') : [null, path];
		const parent = first ? st[first] : st;
		const commit = isObject(parent) ? parent[`${last}_commit`] : undefined;
		const t = texts[path];
		if (st.v === 1) {
			if (commit !== undefined || t !== undefined) fail(where, `a version 1 statement has no commitment to "${path}"`);
			continue;
		}
		if (isObject(parent) && last in parent) fail(where, `a version 2 statement does not embed "${path}"`);
		if (commit === undefined) {
			if (t !== undefined) fail(where, `a text is given for "${path}", which the statement does not commit to`);
			continue;
		}
		if (typeof commit !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(commit)) fail(where, `"${last}_commit" is malformed`);
		if (t === undefined || (isObject(t) && 'erased_at' in t)) {
			textsErased++;
			continue;
		}
		if (!isObject(t) || typeof t.text !== 'string' || typeof t.salt !== 'string' || !/^[0-9a-f]{64}$/.test(t.salt))
			fail(where, `the text of "${path}" is not {"text","salt"}`);
		const got = 'sha256:' + sha256(Buffer.from(t.salt, 'hex'), Buffer.from(t.text, 'utf8')).toString('hex');
		if (got !== commit) fail(where, `the text of "${path}" does not match the statement's commitment`);
		textsChecked++;
	}
}

async function verifyExport(path) {
	const tree = new CompactRange();
	const lines = createInterface({
		input: createReadStream(path, { encoding: 'utf8' }),
		crlfDelay: Infinity,
	});
	let lineNo = 0;
	let blankAt = 0; // blank lines are allowed only at the end
	redacted = 0;

	for await (const line of lines) {
		lineNo++;
		const expect = tree.size;
		const where = `entry ${expect} (line ${lineNo})`;
		if (line === '') {
			if (blankAt === 0)
				blankAt = lineNo;
			continue;
		}
		if (blankAt !== 0)
			fail(`line ${blankAt}`, 'blank line inside the export');

		let entry;
		try {
			entry = JSON.parse(line);
		} catch (e) {
			fail(where, `not JSON (${e.message})`);
		}
		if (!isObject(entry))
			fail(where, 'not a JSON object');
		if ('leaf_hash' in entry) {
			if (Object.keys(entry).length !== 2 || entry.index !== expect)
				fail(where, `a redacted line is exactly {"index":${expect},"leaf_hash":...}`);
			if (typeof entry.leaf_hash !== 'string' || !/^[0-9a-f]{64}$/.test(entry.leaf_hash))
				fail(where, '"leaf_hash" is not 64 lowercase hex digits');
			tree.push(Buffer.from(entry.leaf_hash, 'hex'));
			redacted++;
			continue;
		}
		for (const k of Object.keys(entry)) {
			if (!['index', 'message', 'public_key', 'signature', 'texts'].includes(k))
				fail(where, `unexpected member "${k}"`);
		}
		if (!Number.isSafeInteger(entry.index))
			fail(where, '"index" is not an integer');
		if (entry.index !== expect)
			fail(`entry ${expect} (line ${lineNo})`,
			     `"index" is ${entry.index}, want ${expect} (indexes must run 0, 1, 2, ...)`);
		if (typeof entry.message !== 'string')
			fail(where, '"message" is not a string');
		const pk = decodeBase64(where, 'public_key', entry.public_key, 32);
		const sig = decodeBase64(where, 'signature', entry.signature, 64);
		const msg = Buffer.from(entry.message, 'utf8');
		if (msg.toString('utf8') !== entry.message)
			fail(where, '"message" is not valid Unicode (lone surrogate)');

		if (!ed25519Verify(pk, msg, sig))
			fail(where, `signature does not verify under public key ${entry.public_key}`);

		checkTexts(where, entry);
		tree.push(sha256(LEAF_PREFIX, msg, sig, pk));
	}
	return tree;
}

function verifyHead(path, tree, logKey) {
	let head;
	try {
		head = JSON.parse(readFileSync(path, 'utf8'));
	} catch (e) {
		fail('head', `cannot read ${path} as JSON (${e.message})`);
	}
	if (!isObject(head))
		fail('head', 'not a JSON object');
	if (!Number.isSafeInteger(head.tree_size) || head.tree_size < 0)
		fail('head', '"tree_size" is not a non-negative integer');
	if (typeof head.root_hash !== 'string' || !/^[0-9a-f]{64}$/.test(head.root_hash))
		fail('head', '"root_hash" is not 64 lowercase hex digits');
	if (typeof head.timestamp !== 'string')
		fail('head', '"timestamp" is not a string');
	const sig = decodeBase64('head', 'signature', head.signature, 64);

	if (head.tree_size !== tree.size)
		fail('head', `"tree_size" is ${head.tree_size} but the export has ${tree.size} entries`);
	const root = tree.root().toString('hex');
	if (head.root_hash !== root)
		fail('head', `"root_hash" is ${head.root_hash} but the export's root is ${root}`);

	const unsigned = { ...head };
	delete unsigned.signature;
	const signed = Buffer.concat([Buffer.from(HEAD_CONTEXT, 'utf8'),
				      Buffer.from(jcs(unsigned), 'utf8')]);
	if (!ed25519Verify(logKey, signed, sig))
		fail('head', 'signature does not verify under the log public key');
	return root;
}

async function main(argv) {
	if (argv.length !== 3) {
		process.stderr.write('usage: node verify-ledger.mjs EXPORT.jsonl HEAD.json LOG_PUBLIC_KEY_BASE64\n');
		return 2;
	}
	const [exportPath, headPath, logKeyText] = argv;
	try {
		const logKey = decodeBase64('log public key', 'LOG_PUBLIC_KEY_BASE64', logKeyText, 32);
		const tree = await verifyExport(exportPath);
		const root = verifyHead(headPath, tree, logKey);
		const note = (redacted ? ` (${redacted} redacted)` : '') +
			(textsChecked || textsErased ? `, ${textsChecked} texts match their commitments, ${textsErased} erased` : '');
		process.stdout.write(`verify-ledger: ${tree.size} entries${note}, root ${root}: OK\n`);
		return 0;
	} catch (e) {
		// Bad names the entry; anything else is I/O, e.g. a missing file.
		process.stderr.write(`verify-ledger: ${e.message}\n`);
		return 1;
	}
}

process.exitCode = await main(process.argv.slice(2));
