// jcs-cross.mjs - checks raslog's RFC 8785 serialiser (core/ledger/jcs.c) against
// the npm package "canonicalize" on a few thousand seeded random values.
//
//   node tests/js/jcs-cross.mjs PATH_TO_JCS_TOOL_BINARY
//
// The values are written one per line (JSON.stringify output) to a temp
// file, fed to tests/unit/jcs_tool.c, and each output line is compared with
// canonicalize(value).  Prints "jcs-cross: N values identical", or the first
// difference and exits 1.  The seed is fixed, so a failure reproduces.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';

const SEED = 0x5a17c0de;
const STRUCTURED = 4000;
const RANDOM_DOUBLES = 2000;
const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1, the JCS integer limit

// mulberry32: small, seedable, good enough for test data.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];

// Characters chosen to stress escaping and UTF-16 vs code point order.
const CONTROLS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i));
const SPECIAL = ['"', '\\', '/', '\u007f', '\u0080', '\u009f', '\u00a0', '\u00f6',
  '\u00e9', '\u2028', '\u2029', '\u20ac', '\ud7ff', '\ue000', '\ufb33', '\ufeff',
  '\ufffd', '\uffff', '\u{10000}', '\u{1f600}', '\u{1d11e}', '\u{10ffff}', "'", '<', '>', '&'];
// Member-name alphabet: BMP-above-surrogates vs non-BMP is where UTF-8 and
// UTF-16 orders disagree.  No U+0000: jansson refuses it in member names
// even with JSON_ALLOW_NUL.
const KEY_CHARS = ['a', 'b', 'A', '1', '\r', '\n', '\u001f', '\u0080', '\u00f6',
  '\u20ac', '\ud7ff', '\ue000', '\ufb33', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'];

function randChar() {
  const r = rand();
  if (r < 0.45) return String.fromCharCode(0x20 + int(0x5f)); // printable ASCII
  if (r < 0.6) return pick(CONTROLS);
  if (r < 0.75) return pick(SPECIAL);
  if (r < 0.85) { // any BMP scalar value, no surrogates
    const c = int(0xfffe) + 1;
    return c >= 0xd800 && c <= 0xdfff ? '\ufffd' : String.fromCharCode(c);
  }
  return String.fromCodePoint(0x10000 + int(0x100000)); // any non-BMP: a surrogate pair
}

function randString(max) {
  let s = '';
  for (let n = int(max + 1); n > 0; n--) s += randChar();
  return s;
}

function randKey() {
  let s = '';
  for (let n = int(4); n > 0; n--) s += rand() < 0.8 ? pick(KEY_CHARS) : randChar();
  return s.replaceAll('\u0000', '\u0001');
}

function randInt() {
  const r = rand();
  if (r < 0.4) return int(200) - 100;
  if (r < 0.6) return pick([0, -1, 1, MAX_SAFE, -MAX_SAFE, MAX_SAFE - 1, 2 ** 31, -(2 ** 31), 2 ** 32]);
  const x = Math.floor(rand() * 2 ** 53);
  return rand() < 0.5 ? -Math.min(x, MAX_SAFE) : Math.min(x, MAX_SAFE);
}

// A double that JSON.stringify writes in a form raslog accepts: integral
// values between 2^53 and 1e21 come out as long digit strings that parse
// as (too large) integers, which JCS rightly refuses.
function acceptable(x) {
  if (!Number.isFinite(x)) return false;
  if (Number.isInteger(x) && Math.abs(x) > MAX_SAFE && Math.abs(x) < 1e21) return false;
  return true;
}

const bits = new DataView(new ArrayBuffer(8));
function randBitsDouble() {
  for (;;) {
    bits.setUint32(0, int(2 ** 32));
    bits.setUint32(4, int(2 ** 32));
    const x = bits.getFloat64(0);
    if (acceptable(x)) return x;
  }
}

function randReal() {
  const r = rand();
  let x;
  if (r < 0.3) x = (rand() - 0.5) * 10 ** (int(60) - 30);
  else if (r < 0.5) x = int(100000) / pick([10, 100, 1000, 3, 7]);
  else if (r < 0.7) x = pick([0.1, 0.2, 0.3, 1e21, 1e-7, 1e-6, 5e-324, 1.7976931348623157e308,
    2.2250738585072014e-308, 123456789012345680000, 1e20, 0.000001, 4.35, 1 / 3, -0]);
  else x = randBitsDouble();
  return acceptable(x) ? x : 0.5;
}

function randValue(depth) {
  const r = rand();
  if (depth < 5 && r < 0.25) {
    const o = {};
    for (let n = int(7); n > 0; n--) o[randKey()] = randValue(depth + 1);
    return o;
  }
  if (depth < 5 && r < 0.4) {
    const a = [];
    for (let n = int(6); n > 0; n--) a.push(randValue(depth + 1));
    return a;
  }
  if (r < 0.65) return randString(12);
  if (r < 0.85) return randInt();
  if (r < 0.93) return randReal();
  return pick([null, true, false]);
}

function values() {
  const out = [];
  for (let i = 0; i < STRUCTURED; i++) {
    // Mostly objects at the top, as statements are.
    if (rand() < 0.6) {
      const o = {};
      for (let n = int(10) + 1; n > 0; n--) o[randKey()] = randValue(1);
      out.push(o);
    } else {
      out.push(randValue(0));
    }
  }
  for (let i = 0; i < RANDOM_DOUBLES; i++) out.push(randBitsDouble());
  // Every power of two: the lopsided rounding intervals live there.
  for (let e = -1074; e <= 1023; e++) {
    const x = 2 ** e;
    if (acceptable(x)) out.push(x, -x);
  }
  // Powers of ten and their neighbours: ES format boundaries (1e21, 1e-7).
  for (let e = -30; e <= 30; e++) {
    for (const x of [10 ** e, 10 ** e * (1 + Number.EPSILON), 10 ** e * (1 - Number.EPSILON / 2)]) {
      if (acceptable(x)) out.push(x);
    }
  }
  return out;
}

function main() {
  const tool = process.argv[2];
  if (!tool) {
    console.error('usage: node tests/js/jcs-cross.mjs PATH_TO_JCS_TOOL_BINARY');
    process.exit(2);
  }
  const vals = values();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jcs-cross-'));
  const file = path.join(dir, 'values.jsonl');
  try {
    fs.writeFileSync(file, vals.map((v) => JSON.stringify(v)).join('\n') + '\n');
    const fd = fs.openSync(file, 'r');
    const res = spawnSync(tool, [], { stdio: [fd, 'pipe', 'inherit'], maxBuffer: 1 << 30 });
    fs.closeSync(fd);
    if (res.error) throw res.error;
    if (res.status !== 0) {
      console.error(`jcs-cross: ${tool} exited with status ${res.status}`);
      process.exit(1);
    }
    const got = res.stdout.toString('utf8').split('\n');
    if (got.length !== vals.length + 1 || got[vals.length] !== '') {
      console.error(`jcs-cross: expected ${vals.length} lines, got ${got.length - 1}`);
      process.exit(1);
    }
    for (let i = 0; i < vals.length; i++) {
      const want = canonicalize(vals[i]);
      if (got[i] !== want) {
        console.error(`jcs-cross: value ${i + 1} differs`);
        console.error(`  input:     ${JSON.stringify(vals[i])}`);
        console.error(`  raslog:    ${got[i]}`);
        console.error(`  canonical: ${want}`);
        process.exit(1);
      }
    }
    console.log(`jcs-cross: ${vals.length} values identical`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
