/*
 * imports.h - records that come from elsewhere instead of being typed
 * again: simulator attempts in the vendor-neutral raslog format (CSV or
 * JSON, docs/imports.md).  A trainee uploads a file naming a trainer; the
 * file, its SHA-256 and the parsed attempts are kept as one pending
 * import; the trainer countersigns it as a whole with a "simulator_import"
 * statement (core/domain/signoff.c) or rejects it.
 *
 * Parsing is strict and all-or-nothing: every problem names its row
 * (CSV: the record number, 1 = the header; JSON: the attempt's position,
 * from 1) and column, and a file with any problem stores nothing.
 *
 * Memory: every json_t returned is a new reference the caller owns.
 */
#ifndef RASLOG_IMPORTS_H
#define RASLOG_IMPORTS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

#define RL_IMPORT_MAX_BYTES (2u << 20)   /* the largest file accepted: 2 MiB */
#define RL_IMPORT_MAX_ATTEMPTS 5000      /* attempts in one file */
#define RL_IMPORT_MAX_PROBLEMS 100       /* row errors listed in one refusal */
#define RL_IMPORT_EXERCISE_MAX 120       /* bytes in an exercise name */
/* The request body of POST /api/v1/imports: the file as base64 or JSON-escaped text, with room. */
#define RL_IMPORT_MAX_BODY (6u << 20)
/* The request body of POST /api/v1/signoffs: a simulator_import statement lists each attempt's result. */
#define RL_IMPORT_MAX_SIGNOFF_BODY (2u << 20)

/*
 * Parses a simulator attempts file.  format is "csv" or "json" (NULL:
 * JSON if the first non-blank byte is '[' or '{', else CSV).  now is the
 * time attempts may not be after (plus five minutes of clock skew).
 * Returns the attempts as a JSON array (the canonical form the
 * statement's attempts_sha256 commits to), or NULL with err set: type
 * "import-invalid" with up to 16 field errors "row R, column C" and
 * extra member "row_errors":[{row, column, message}] (at most
 * RL_IMPORT_MAX_PROBLEMS), or "too-large" (RL_E_TOOLARGE).
 */
json_t *rl_import_parse_simulator(const char *data, size_t len, const char *format, time_t now,
				  struct rl_error *err);

/*
 * Parses an eLogbook operating log CSV (docs/imports.md: date, procedure,
 * hospital, supervision, consultant, role, minutes, platform).  Returns the
 * rows [{row, date, procedure, supervision, consultant, role: "console",
 * "bedside" or null (not robotic), hospital?, minutes?, platform?}], or NULL
 * with err set as rl_import_parse_simulator does.  Needs no database.
 */
json_t *rl_import_parse_elogbook(const char *data, size_t len, time_t now, struct rl_error *err);
/* Minutes of a session an eLogbook row becomes when it gives none (the eLogbook records no duration). */
#define RL_ELOGBOOK_MINUTES 60

/* The lowercase hex SHA-256 of JCS(attempts) into out[65]; -1 with err set if not canonicalisable. */
int rl_import_attempts_digest(const json_t *attempts, char out[65], struct rl_error *err);

/* A checked upload: what POST /api/v1/imports stores. */
struct rl_import_new {
	int64_t trainee, trainer;
	char filename[129];
	char format[5];      /* "csv" or "json" */
	char *content;       /* the file's bytes (owned) */
	size_t len;
	char sha256[65];
	json_t *attempts;    /* owned */
	char attempts_sha256[65];
	int elogbook;        /* an eLogbook file: attempts are its rows, each robotic one with "key" and "session" */
	int certificate;     /* an e-learning certificate: attempts is [the certificate as read] (certificates.h) */
	struct rl_user me;   /* eLogbook: the trainee, whose sessions the rows become */
};
void rl_import_new_release(struct rl_import_new *n);

/*
 * Checks a POST /api/v1/imports body {kind:"simulator", trainer, filename,
 * content | content_base64 [, format]} from trainee me and parses the file.
 * kind "elogbook" names no trainer; kind "certificate" (an Open Badges /
 * Verifiable Credential or xAPI statement, certificates.h) may name one
 * and is kept whole with [the certificate as read] as its one item.
 * Needs the database only to check the trainer.
 */
int rl_import_prepare(struct rl_db *db, const struct rl_user *me, const json_t *body, time_t now,
		      struct rl_import_new *out, struct rl_error *err);
/* Stores a prepared import (writer transaction); 409 "duplicate-import" if the trainee already has the file. */
int rl_import_insert(struct rl_db *db, const struct rl_import_new *n, int64_t *id, struct rl_error *err);

/*
 * The import as the API shows it: {id, kind, status, trainee, trainer,
 * filename, format, sha256, attempts (count), attempts_sha256, created_at,
 * signoff?}; with_attempts adds "items" (the parsed attempts).  NULL with
 * RL_E_NOTFOUND when absent.
 */
json_t *rl_import_load(struct rl_db *db, int64_t id, int with_attempts, struct rl_error *err);
/* 1 if me may see the import: its trainee, its trainer, or faculty. */
int rl_import_visible(const struct rl_user *me, const json_t *import);
/* rl_import_visible, or a certificate of a trainee whom me supervises as a trainer (who may confirm it). */
int rl_import_may_see(struct rl_db *db, const struct rl_user *me, const json_t *import);
/* Imports I uploaded or that name me as trainer (faculty: all), newest first; status NULL for any. */
json_t *rl_import_list(struct rl_db *db, const struct rl_user *me, const char *status, struct rl_error *err);
/*
 * Every import of a trainee, oldest first, for the subject-access export:
 * the API record with "items" and the file as "content_base64".
 */
json_t *rl_import_export(struct rl_db *db, int64_t trainee, struct rl_error *err);
/* The file's bytes (malloc'd) for the audit of a countersigned import. */
char *rl_import_content(struct rl_db *db, int64_t id, size_t *len, struct rl_error *err);

/* Records the trainer's decision (called by core/domain/signoff.c after the ledger append). */
int rl_import_decided(struct rl_db *db, int64_t id, const char *decision, int64_t signer, const char *signed_at,
		      int64_t ledger_index, const char *reason, struct rl_error *err);

/*
 * Countersigned attempts of a trainee, oldest first: an array of the
 * attempt objects of every signed import (for requirement kinds).
 */
json_t *rl_import_signed_attempts(struct rl_db *db, int64_t trainee, struct rl_error *err);

#endif
