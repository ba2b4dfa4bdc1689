/*
 * signoff_rows.h - the tables signed statements write besides the ledger:
 * keys, trainer_accreditations, trainee_accreditations, assessments,
 * module_completions, and a session's decision columns (what
 * domain/signoff.c records on acceptance, and what the key list, the
 * trainer list and the credentials of render/credential.c read back).
 *
 * Typed values in and out (the convention of core/store/): a write
 * returns 0, or -1 with err (rl_db_fail naming what it was doing); a
 * lookup 1 found, 0 not found, -1 with err; a list calls `each` per row
 * (a non-zero return stops the list and is returned).  Text in a row
 * passed to `each` is valid during that call only; rows returned by a
 * lookup hold copies.  Who may do what is domain/'s: nothing here
 * checks a signer or a role.
 */
#ifndef RASLOG_SIGNOFF_ROWS_H
#define RASLOG_SIGNOFF_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* ------------------------------------------------------------------ keys */

/* A row of keys.  revoked_at "" and revoked_index -1 while live. */
struct rl_row_key {
	int64_t id, user;
	uint8_t public_key[32];  /* zeros if the column is not 32 bytes */
	int faculty_root;
	char created_at[32];
	int revoked;             /* revoked_at is not NULL */
	char revoked_at[32];
	int64_t revoked_index;   /* -1 when NULL */
};

/* The key pk registered to user (id, faculty_root, revoked; -1 revoked_index unknown here). */
int rl_rows_key_find(struct rl_db *db, int64_t user, const uint8_t pk[32], struct rl_row_key *out,
		     struct rl_error *err);
/* The revoked_index of key pk of user (-1 while live) into *revoked; 1, 0 no such key, -1. */
int rl_rows_key_revoked_index(struct rl_db *db, int64_t user, const uint8_t pk[32], int64_t *revoked,
			      struct rl_error *err);
/* The key with this id, every column. */
int rl_rows_key_by_id(struct rl_db *db, int64_t id, struct rl_row_key *out, struct rl_error *err);
/* The user's keys, newest first, every column. */
int rl_rows_key_list(struct rl_db *db, int64_t user, int (*each)(void *ctx, const struct rl_row_key *row),
		     void *ctx, struct rl_error *err);
/* Registers a key: 0 with *id, 1 when the key is already registered (err untouched), -1 with err. */
int rl_rows_key_insert(struct rl_db *db, int64_t user, const uint8_t pk[32], int faculty_root,
		       const char *created_at, int64_t *id, struct rl_error *err);
/* Marks key id revoked at revoked_at by the key_revocation at ledger index. */
int rl_rows_key_revoke(struct rl_db *db, int64_t id, const char *revoked_at, int64_t index, struct rl_error *err);

/* ------------------------------------------------ trainer accreditations */

/* A row of trainer_accreditations. */
struct rl_row_tacc {
	int64_t id, index, trainer; /* index: its ledger_index */
	uint8_t public_key[32];     /* zeros if the column is not 32 bytes */
	char valid_from[11], valid_until[11]; /* YYYY-MM-DD */
	int64_t revoked;            /* revoked_index, -1 when NULL */
};

/* The trainer's latest accreditation (highest ledger index), the only one that can be live. */
int rl_rows_tacc_latest(struct rl_db *db, int64_t trainer, struct rl_row_tacc *out, struct rl_error *err);
/* The trainer accreditation at ledger index (of whichever trainer). */
int rl_rows_tacc_at(struct rl_db *db, int64_t index, struct rl_row_tacc *out, struct rl_error *err);
/* The highest ledger index of the trainer's accreditations naming key pk into *index: 1, 0 none, -1. */
int rl_rows_tacc_index_for_key(struct rl_db *db, int64_t trainer, const uint8_t pk[32], int64_t *index,
			       struct rl_error *err);
/* Records a trainer accreditation (the statement at ledger index, signed by faculty). */
int rl_rows_tacc_insert(struct rl_db *db, int64_t trainer, const uint8_t pk[32], const char *valid_from,
			const char *valid_until, int64_t faculty, int64_t index, struct rl_error *err);
/* The accreditation at ledger index `superseded` of trainer is superseded by the one at `by`; exactly one row, or -1
 * (RL_E_CONFLICT "row-changed" when it is not there or superseded already: rl_db_run_one). */
int rl_rows_tacc_supersede(struct rl_db *db, int64_t trainer, int64_t superseded, int64_t by, struct rl_error *err);
/* Revokes every live accreditation of trainer by the revocation at ledger index by; *changed the rows. */
int rl_rows_tacc_revoke_all(struct rl_db *db, int64_t trainer, int64_t by, const char *reason, int64_t *changed,
			    struct rl_error *err);

/* ------------------------------------------------ trainee accreditations */

/* A row of trainee_accreditations as credentials read it. */
struct rl_row_acc {
	int64_t id, index;          /* index: its ledger_index */
	char accredited_at[32];
	char valid_until[16];       /* "" when NULL */
};

/* Records a trainee's accreditation; valid_until NULL or "" for none. */
int rl_rows_acc_insert(struct rl_db *db, int64_t trainee, int64_t curriculum, int64_t faculty, int64_t index,
		       const char *accredited_at, const char *valid_until, struct rl_error *err);
/* Revokes the trainee's live accreditation at ledger index `index` by the revocation at `by`; *changed the rows. */
int rl_rows_acc_revoke(struct rl_db *db, int64_t trainee, int64_t index, int64_t by, const char *reason,
		       int64_t *changed, struct rl_error *err);
/* The trainee's newest accreditation not revoked. */
int rl_rows_acc_live(struct rl_db *db, int64_t trainee, struct rl_row_acc *out, struct rl_error *err);

/*
 * Both accreditation tables as the credential status list reads them:
 * rows with id < below, of trainee_accreditations (trainers 0) or
 * trainer_accreditations (trainers 1).  person is the trainee or trainer;
 * ended says the row is revoked (a trainer's also superseded).
 */
struct rl_row_acc_state {
	int64_t id, index, person;
	int ended;
};
int rl_rows_acc_states(struct rl_db *db, int trainers, int64_t below,
		       int (*each)(void *ctx, const struct rl_row_acc_state *row), void *ctx, struct rl_error *err);

/* ------------------------------------------ assessments, module completions */

int rl_rows_assessment_insert(struct rl_db *db, int64_t trainee, int64_t assessor, int64_t session, const char *tool,
			      const char *scores_json, int total, int64_t index, const char *created_at,
			      struct rl_error *err);
/* Whether session has an assessment with tool other than the one at ledger index except: 1, 0, -1. */
int rl_rows_assessment_other(struct rl_db *db, int64_t session, const char *tool, int64_t except,
			     struct rl_error *err);
/* The lowest ledger index of the session's assessments into *index: 1, 0 none, -1. */
int rl_rows_assessment_first(struct rl_db *db, int64_t session, int64_t *index, struct rl_error *err);
/* Deletes the assessment recorded from the statement at ledger index (none: nothing). */
int rl_rows_assessment_delete(struct rl_db *db, int64_t index, struct rl_error *err);

int rl_rows_module_completion_insert(struct rl_db *db, int64_t trainee, int64_t curriculum, const char *module,
				     int64_t signer, int64_t index, const char *created_at, struct rl_error *err);
/* Whether the trainee's module of curriculum is signed off other than at ledger index except: 1, 0, -1. */
int rl_rows_module_completion_other(struct rl_db *db, int64_t trainee, int64_t curriculum, const char *module,
				    int64_t except, struct rl_error *err);
int rl_rows_module_completion_delete(struct rl_db *db, int64_t index, struct rl_error *err);

/* ------------------------------------------------------- session decisions */

/*
 * A pending session decided by the session_signoff at ledger index:
 * status "signed" or "rejected"; role, steps_json, reason NULL or "" for
 * none.  Exactly one pending row changes, or -1 ("recording the sign-off";
 * RL_E_CONFLICT "row-changed" when the session is not pending: rl_db_run_one).
 */
int rl_rows_session_decide(struct rl_db *db, int64_t session, const char *status, const char *role,
			   const char *steps_json, int64_t signer, const char *signed_at, int64_t index,
			   const char *reason, struct rl_error *err);
/*
 * Whether session id is still pending at revision, naming trainee and
 * trainer, with notes (has_notes 1) or without (0): what the HTTP thread
 * read and checked the statement against (an edit or withdrawal raises
 * the revision; an erasure only clears notes).  1 yes, 0 no, -1 error.
 */
int rl_rows_session_pending_as(struct rl_db *db, int64_t id, int64_t trainee, int64_t trainer, int64_t revision,
			       int has_notes, struct rl_error *err);
/* The session decided at ledger index back to pending, its decision columns cleared. */
int rl_rows_session_reopen(struct rl_db *db, int64_t session, int64_t index, struct rl_error *err);

/*
 * The curriculum (id, code, version) with id `curriculum` when user
 * trainee has the trainee role: 1, 0 (no such trainee or curriculum), -1.
 */
int rl_rows_trainee_curriculum(struct rl_db *db, int64_t trainee, int64_t curriculum, int64_t *id, char code[64],
			       int *version, struct rl_error *err);

/* ------------------------------------------------------------- trainers */

/*
 * Every user with the trainer role by name, with their latest
 * accreditation (has_acc 0: none): revoked when it has a revoked_index.
 */
struct rl_row_trainer {
	int64_t id;
	const char *name, *site;     /* site "" when NULL */
	int has_acc;
	int64_t acc_index;
	const char *valid_from, *valid_until;
	int revoked;
};
int rl_rows_trainer_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_trainer *row), void *ctx,
			 struct rl_error *err);

#endif
