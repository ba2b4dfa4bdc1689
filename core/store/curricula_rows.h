/*
 * curricula_rows.h - the rows behind the curricula a trainee is measured
 * against: the curricula table (definitions as JSON text), the
 * curriculum a trainee's account names (users.curriculum_id), and the
 * curriculum and enrolment statements the ledger holds (read as text; the
 * domain parses them).
 *
 * Text handed to a callback is valid during the call only.
 */
#ifndef RASLOG_CURRICULA_ROWS_H
#define RASLOG_CURRICULA_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

struct rl_row_curriculum {
	int64_t id;
	const char *code;
	int version;
	const char *title;       /* NULL where the query does not read it */
	const char *definition;  /* JSON text */
	size_t definition_len;
};

/* Calls each for every curriculum by code then version: 0, -1 with err, or each's non-zero return. */
int rl_rows_curricula_list(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_curriculum *row), void *ctx,
			   struct rl_error *err);
/* Calls each with the id of every curriculum, in id order. */
int rl_rows_curricula_ids(struct rl_db *db, int (*each)(void *ctx, int64_t id), void *ctx, struct rl_error *err);
/* *text (malloc'd, NUL-terminated) and *len: curriculum id's definition.  1 found, 0 not, -1 with err. */
int rl_rows_curriculum_definition(struct rl_db *db, int64_t id, char **text, size_t *len, struct rl_error *err);
/* Calls each with curriculum id's row (id, code, version, title, definition): 1 found, 0 not, -1 with err (or each's non-zero return). */
int rl_rows_curriculum_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_curriculum *row),
			   void *ctx, struct rl_error *err);
/* *id: the curriculum with this code and version.  1 found, 0 not, -1 with err. */
int rl_rows_curriculum_by_code(struct rl_db *db, const char *code, int64_t version, int64_t *id,
			       struct rl_error *err);

/* *cid: user's users.curriculum_id (0 when NULL).  1 found, 0 no such user, -1 with err. */
int rl_rows_curriculum_of_user(struct rl_db *db, int64_t user, int64_t *cid, struct rl_error *err);
/* *cid: trainee's users.curriculum_id, 0 when NULL or not a trainee.  0, or -1 with err. */
int rl_rows_curriculum_of_trainee(struct rl_db *db, int64_t trainee, int64_t *cid, struct rl_error *err);
/* Calls each with every trainee who names a curriculum but has no enrolment statement, in id order. */
int rl_rows_curriculum_unenrolled(struct rl_db *db, int (*each)(void *ctx, int64_t trainee), void *ctx,
				  struct rl_error *err);

/* Calls each with the trainee's enrolment statements' messages, latest first: 0, -1 with err, or each's return. */
int rl_rows_curriculum_enrolments(struct rl_db *db, int64_t trainee,
				  int (*each)(void *ctx, const char *message, size_t len), void *ctx,
				  struct rl_error *err);
/*
 * 1 if the ledger holds a statement of kind whose message contains
 * needle: with subject > 0, the latest statement of kind about subject
 * does.  0 if not (or when the read fails), -1 with err when the query
 * cannot be prepared.
 */
int rl_rows_curriculum_ledger_has(struct rl_db *db, const char *kind, const char *needle, int64_t subject,
				  struct rl_error *err);

#endif
