// codes.js - the vocabularies of docs/api.md (the same tables as
// core/base/codes.c) with the labels people read, and the status names.

export const ACTIVITIES = [
	['elearning', 'Robotic literacy e-learning'],
	['simulator', 'Virtual reality simulator'],
	['dry_lab', 'Dry lab'],
	['wet_lab', 'Wet lab'],
	['cadaveric', 'Cadaveric training'],
	['observation', 'Observation'],
	['bedside_assist', 'Bedside assistant'],
	['console_modular', 'Console, modular training'],
	['console_full', 'Console, full case'],
];

export const PLATFORMS = [
	['davinci_xi', 'da Vinci Xi'],
	['davinci_x', 'da Vinci X'],
	['davinci_sp', 'da Vinci SP'],
	['davinci_si', 'da Vinci Si'],
	['davinci_5', 'da Vinci 5'],
	['versius', 'CMR Versius'],
	['hugo_ras', 'Medtronic Hugo RAS'],
	['sim_dvss', 'da Vinci Skills Simulator'],
	['sim_simnow', 'da Vinci SimNow'],
	['sim_mimic', 'Mimic dV-Trainer'],
	['sim_robotix', 'Simbionix RobotiX Mentor'],
	['sim_versius', 'Versius Trainer'],
	['sim_hugo', 'Hugo RAS simulator'],
	['box_trainer', 'Box trainer (no robot)'],
];

export const ROLES = [
	['O', 'Observed'],
	['A', 'Assisted'],
	['S-TS', 'Supervised, trainer scrubbed'],
	['S-TU', 'Supervised, trainer unscrubbed'],
	['P', 'Performed'],
	['T', 'Training a more junior trainee'],
];

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
