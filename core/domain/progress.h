/*
 * progress.h - where each trainee stands: per-requirement running totals
 * kept in the same transaction as every session, sign-off, assessment and
 * module completion; the progress report with its evidence; the
 * accreditation list; and the curricula those are measured against.
 *
 * Only the trainer's signed view counts towards "signed"; the trainee's
 * own claim counts towards "pending" while a session waits.
 */
#ifndef RASLOG_PROGRESS_H
#define RASLOG_PROGRESS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/curriculum.h"
#include "store/db.h"
#include "base/error.h"

struct rl_user;

/* The parsed curriculum with this id (cached; never freed while running). */
const struct rl_curriculum *rl_curriculum_by_id(struct rl_db *db, int64_t id, struct rl_error *err);
/* The assessment tool table (schema/tools.json, embedded). */
const struct rl_tools *rl_tools_default(struct rl_error *err);

/*
 * A session was inserted (old_status NULL) or changed from old_status:
 * moves its contributions between pending and signed, refreshes the
 * trainee's status row.  Runs in the caller's transaction.
 */
int rl_progress_session_changed(struct rl_db *db, int64_t session_id, const char *old_status,
				struct rl_error *err);
/*
 * A trainer decided on a pending session (before: its JSON as it was):
 * moves the claim out of pending and, when confirmed, the trainer's view
 * (role, steps) into signed.  Cheaper than rl_progress_session_changed:
 * nothing is read back.
 */
int rl_progress_session_decided(struct rl_db *db, const json_t *before, const char *decision,
				const char *role, const json_t *steps, struct rl_error *err);
/*
 * A trainee edited or withdrew a pending session (before and after: its
 * JSON then and now): moves its pending claim.  A withdrawn session counts nowhere.
 */
int rl_progress_session_edited(struct rl_db *db, const json_t *before, const json_t *after, struct rl_error *err);
/* A signed assessment / module completion was stored for trainee. */
int rl_progress_assessment_added(struct rl_db *db, int64_t trainee, const char *tool,
				 const int *scores, size_t nscores, struct rl_error *err);
int rl_progress_module_completed(struct rl_db *db, int64_t trainee, const char *module,
				 struct rl_error *err);
/* Recomputes the trainee's row in the accreditation list. */
int rl_progress_refresh(struct rl_db *db, int64_t trainee, struct rl_error *err);

/* The full progress report of one trainee, with evidence ledger indexes. */
json_t *rl_progress_report(struct rl_db *db, int64_t trainee, struct rl_error *err);

struct rl_accreditation_filter {
	const char *site;
	const char *curriculum;  /* code */
	const char *status;      /* in_training, eligible, accredited, lapsed */
	const char *search;      /* substring of the name, case-insensitive */
	const char *sort;        /* name (default), -name, progress, -progress, status */
	int64_t after;           /* cursor: offset into the sorted list */
	int limit;
	const struct rl_user *scope; /* non-NULL: only the trainees this faculty member may see (sessions.h) */
};
/* GET /accreditation: every trainee's status and module summary, plus counts. */
json_t *rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f,
			      struct rl_error *err);

#endif
