/*
 * imports_rows.h - the rows of imported files (imports: simulator
 * exports, eLogbook files and e-learning certificates, kept byte for
 * byte with the attempts read from them) and of the eLogbook rows that
 * became sessions (elogbook_rows), and the trainer an eLogbook row names.
 * Parsing, checking and who may see an import are domain/imports.c's.
 */
#ifndef RASLOG_IMPORTS_ROWS_H
#define RASLOG_IMPORTS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* An import to store. */
struct rl_row_import_new {
	int64_t trainee;
	int64_t trainer;            /* 0: none (NULL) */
	const char *kind;           /* "simulator", "elogbook" or "certificate" */
	const char *status;         /* "pending" (waits for a countersignature) or "imported" */
	const char *filename;
	const char *format;         /* "csv" or "json" */
	const char *sha256;         /* of content, 64 hex digits */
	const void *content;
	size_t len;
	const char *attempts;       /* JSON array text */
	int64_t attempt_count;
	const char *attempts_sha256;
	const char *created_at;
};

/*
 * Stores an import and sets *id to its key.  0 stored, 1 refused as a
 * duplicate (a UNIQUE violation: the trainee imported the same bytes;
 * nothing stored, err untouched), -1 with err.
 */
int rl_rows_import_insert(struct rl_db *db, const struct rl_row_import_new *n, int64_t *id, struct rl_error *err);

/* The import of trainee whose bytes have sha256: 1 found (*id set), 0 none, -1 with err. */
int rl_rows_import_by_sha256(struct rl_db *db, int64_t trainee, const char *sha256, int64_t *id,
			     struct rl_error *err);

/* A stored import, with its people's names; pointers valid during the call that gives it. */
struct rl_row_import {
	int64_t id;
	const char *kind;
	const char *status;
	int64_t trainee;
	int64_t trainer;            /* 0 when none */
	int has_trainer;            /* whether the trainer column holds one */
	const char *filename;
	const char *format;
	const char *sha256;         /* as stored when it was imported */
	int64_t attempt_count;
	const char *attempts_sha256;
	const char *created_at;
	int signed_off;             /* whether it was countersigned or rejected: the four below hold */
	int64_t signed_by;
	const char *signed_at;
	int64_t signoff_index;
	const char *reject_reason;  /* NULL unless rejected with a reason */
	const char *trainee_name;
	const char *trainer_name;   /* "" when none */
	const char *attempts;       /* JSON array text */
	const void *content;        /* the file's bytes (NULL when empty) */
	size_t content_len;
};
typedef int (*rl_rows_import_fn)(void *ctx, const struct rl_row_import *row);

/* Import id given to each: 1 found, 0 none, -1 with err (each's non-zero return is returned). */
int rl_rows_import_get(struct rl_db *db, int64_t id, rl_rows_import_fn each, void *ctx, struct rl_error *err);
/*
 * The 500 newest imports with status (NULL: any) that the caller may list:
 * every one when all, else those of user as trainee or named trainer, and
 * when as_trainer the certificates of trainees user is assigned to or
 * supervised a session of.  Each is given in turn (each may run other
 * statements); 0, each's non-zero return, or -1 with err.
 */
int rl_rows_import_list(struct rl_db *db, int all, int64_t user, int as_trainer, const char *status,
			rl_rows_import_fn each, void *ctx, struct rl_error *err);
/* Every import of trainee, oldest first (as rl_rows_import_list). */
int rl_rows_import_of_trainee(struct rl_db *db, int64_t trainee, rl_rows_import_fn each, void *ctx,
			      struct rl_error *err);

/* Import id's bytes into *content (malloc'd, NUL-terminated) and *len: 1, 0 no such import, -1 with err. */
int rl_rows_import_content(struct rl_db *db, int64_t id, char **content, size_t *len, struct rl_error *err);

/*
 * Records the decision on pending import id: status ("signed" or
 * "rejected"), signer, time, ledger index, reason (NULL or "" for none).
 * 0, or -1 with err when it fails, or RL_E_CONFLICT "row-changed" when the
 * import is not pending (rl_db_run_one).
 */
int rl_rows_import_decided(struct rl_db *db, int64_t id, const char *status, int64_t signer, const char *signed_at,
			   int64_t ledger_index, const char *reason, struct rl_error *err);

/* Calls each with the attempts (JSON array text) of each of trainee's signed imports, oldest first. */
int rl_rows_import_signed_attempts(struct rl_db *db, int64_t trainee,
				   int (*each)(void *ctx, const char *attempts), void *ctx, struct rl_error *err);

/* ---- eLogbook rows ---- */

/*
 * The active users holding a role in roles (a bit mask) whose email or
 * name is who (case-insensitive), lowest id first: at most two ids into
 * ids; returns how many (0, 1 or 2), or -1 with err.
 */
int rl_rows_import_users_named(struct rl_db *db, int roles, const char *who, int64_t ids[2], struct rl_error *err);
/* Whether trainee imported the eLogbook row with key before: 1 yes, 0 no, -1 with err. */
int rl_rows_import_elog_row_known(struct rl_db *db, int64_t trainee, const char *key, struct rl_error *err);
/* Records that row key of trainee's import_id became session_id.  0 or -1 with err. */
int rl_rows_import_elog_row_insert(struct rl_db *db, int64_t trainee, const char *key, int64_t import_id,
				   int64_t session_id, struct rl_error *err);
/* Calls each with every session import_id's rows became, by id; 0, each's non-zero return, or -1 with err. */
int rl_rows_import_elog_sessions(struct rl_db *db, int64_t import_id, int (*each)(void *ctx, int64_t session),
				 void *ctx, struct rl_error *err);

#endif
