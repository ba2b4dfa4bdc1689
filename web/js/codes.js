// codes.js - the vocabularies of docs/api.md with the labels people read
// (vocab.js, generated from schema/codes.json like core's tables), and the
// status names.

import { ACTIVITIES, PLATFORMS, ROLES, USER_ROLES } from './vocab.js';

export { ACTIVITIES, PLATFORMS, ROLES, USER_ROLES };

export const OVERALL = [
	['in_training', 'In training'],
	['eligible', 'Eligible'],
	['accredited', 'Accredited'],
	['lapsed', 'Lapsed'],
];

const REQ_STATUS = { met: 'Met', in_progress: 'In progress', not_started: 'Not started', blocked: 'Blocked by prerequisite' };
const SESSION_STATUS = { pending: 'Pending', signed: 'Signed', rejected: 'Rejected' };
const TRAINER_STATE = { active: 'Accredited', expired: 'Expired', revoked: 'Revoked', none: 'Not accredited' };

const lookup = (table) => Object.fromEntries(table);
const ACT = lookup(ACTIVITIES), PLAT = lookup(PLATFORMS), ROLE = lookup(ROLES), OV = lookup(OVERALL);

const pretty = (code) => String(code ?? '').replace(/[_.]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

export const activityLabel = (c) => ACT[c] || pretty(c);
export const platformLabel = (c) => PLAT[c] || pretty(c);
export const roleLabel = (c) => (ROLE[c] ? `${c} (${ROLE[c]})` : c || '');
export const overallLabel = (c) => OV[c] || pretty(c);
export const reqStatusLabel = (c) => REQ_STATUS[c] || pretty(c);
export const sessionStatusLabel = (c) => SESSION_STATUS[c] || pretty(c);
export const trainerStateLabel = (c) => TRAINER_STATE[c] || pretty(c);
export const stepLabel = (c) => pretty(String(c).split('.').pop());
export const prettyCode = pretty;
