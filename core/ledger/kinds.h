/*
 * kinds.h - the one table of statement kinds (issue 13 item 5).  Each row
 * says who signs the kind, which member names the person it is about,
 * whether every signed-in user sees it in full in the private ledger, and
 * what it does to a trainee's figures.  Read by the verifier
 * (ledger/verify.c: who must have signed), the private ledger
 * (ledger/ledger.c: public kinds), the server's acceptance
 * (domain/signoff.c: which rule of signer applies) and the figures
 * (domain/figures.c, domain/recompute.c: whom a statement is about).  The
 * formats are in docs/ledger.md; a new kind is a new row of
 * schema/kinds.json first (tools/gen-kinds.sh makes rl_kinds[] and the web
 * page's web/js/kinds.js from it), in the order of enum rl_kind_id.
 */
#ifndef RASLOG_KINDS_H
#define RASLOG_KINDS_H

#include <jansson.h>
#include <stdint.h>

enum rl_signer_class {
	RL_SIGNER_LOG = 1,  /* "issuer":"log", signed with the log key */
	RL_SIGNER_FACULTY,  /* a live faculty key of "signer" */
	RL_SIGNER_TRAINER,  /* the key of "signer"'s live trainer accreditation, on the date of signed_at */
	RL_SIGNER_SELF_OR_FACULTY, /* a key already trusted for "user" (signer == user), or a live faculty key */
	RL_SIGNER_TRAINER_OR_FACULTY, /* a trainer (as RL_SIGNER_TRAINER; which one: the kind's rule), or faculty */
};

/* Row numbers of rl_kinds, in order (also the verifier's counts). */
enum rl_kind_id {
	RL_K_FACULTY_KEY, RL_K_KEY_REVOCATION, RL_K_TRAINER_ACC, RL_K_ACC, RL_K_REVOCATION, RL_K_SESSION,
	RL_K_ASSESSMENT, RL_K_MODULE, RL_K_SIM_IMPORT, RL_K_CURRICULUM, RL_K_ENROLMENT, RL_K_DEVICE_KEY,
	RL_K_WITHDRAWAL, RL_K_ELEARNING, RL_K_COUNT
};

struct rl_kind {
	const char *name;     /* the statement's "type" */
	int id;               /* enum rl_kind_id */
	int signer;           /* enum rl_signer_class */
	const char *subject;  /* member naming the person it is about ("session.trainee"); NULL: nobody */
	int is_public;        /* shown in full to every signed-in user (docs/ledger.md, Who sees what) */
	const char *figures;  /* its effect on the subject's figures (core/domain/figures.c); NULL: none */
};

/* Every kind, in enum rl_kind_id order, then a row with a NULL name. */
extern const struct rl_kind rl_kinds[];

/* The kind named name, or NULL. */
const struct rl_kind *rl_kind_find(const char *name);

/* The user id the statement is about by its kind's subject member; 0 when none. */
int64_t rl_kind_subject(const struct rl_kind *k, const json_t *statement);

#endif
