/*
 * progress_rows.h - the tables behind a trainee's figures, as the progress
 * module (domain/progress*.c) reads and writes them: the ledger entries
 * about a trainee and their pending session records (what the figures are
 * computed from), the two caches of those figures (trainee_tally per
 * requirement, trainee_status: the accreditation list's row and its seals),
 * and the accreditation list's pages and counts.
 *
 * No policy here: what a seal covers and whether it holds, who may see
 * whom (the faculty scope reaches these queries as an id), what a figure
 * means, are domain's.  Rows handed to a callback borrow the statement's
 * text: valid during the callback only.  A callback's non-zero return
 * stops the walk and is returned.
 */
#ifndef RASLOG_PROGRESS_ROWS_H
#define RASLOG_PROGRESS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"

/* ------------------------------------------------ what figures come from */

/* One ledger entry about a trainee: its index and message bytes (message NULL for a NULL column). */
struct rl_row_progress_entry {
	int64_t idx;
	const char *message;
	size_t len;
};
/* The ledger entries whose subject is trainee, in index order.  0, each's non-zero, or -1 with err. */
int rl_rows_progress_entries(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_entry *row), void *ctx,
			     struct rl_error *err);

/* The last ledger index whose subject is trainee, or -1 when there is none (or on a read error: err set if the statement could not be prepared). */
int64_t rl_rows_progress_last_index(struct rl_db *db, int64_t trainee, struct rl_error *err);

/* The number of entries in the ledger into *n (0 if it cannot be read).  0, or -1 with err. */
int rl_rows_progress_ledger_size(struct rl_db *db, uint64_t *n, struct rl_error *err);

/* One pending (unsigned) session record: text NULL for a NULL column. */
struct rl_row_progress_pending {
	int64_t id, trainer_id, minutes;
	const char *date, *activity, *platform, *role, *steps;
};
/* The trainee's pending session records by date, then id.  0, each's non-zero, or -1 with err. */
int rl_rows_progress_pending(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_pending *row), void *ctx,
			     struct rl_error *err);

/* The trainee's pending records summed: how many, the sum of their ids and of their revisions. */
struct rl_row_progress_claims {
	int64_t n, ids, revs;
};
/* Fills c (zeroes when the read fails).  0, or -1 with err. */
int rl_rows_progress_claims(struct rl_db *db, int64_t trainee, struct rl_row_progress_claims *c,
			    struct rl_error *err);

/* Every enrolled trainee (a trainee with a users.curriculum_id), ascending.  0, each's non-zero, or -1. */
int rl_rows_progress_enrolled(struct rl_db *db, int (*each)(void *ctx, int64_t trainee), void *ctx,
			      struct rl_error *err);
/* The same, only the first (at most) max of those with an id above after: fills ids, *n.  0, or -1. */
int rl_rows_progress_enrolled_after(struct rl_db *db, int64_t after, int max, int64_t *ids, int *n,
				    struct rl_error *err);

/* The id of the assessment record at ledger index idx into *id: 1 found, 0 not, -1 with err. */
int rl_rows_progress_assessment_at(struct rl_db *db, int64_t idx, int64_t *id, struct rl_error *err);

/* ------------------------------------------------------------ the caches */

/*
 * A column of trainee_status as the seals read it: NULL, an integer, or
 * text with its length.  struct rl_row_progress_status holds the columns a
 * status MAC covers, in MAC order (RL_STATUS_*: the integer columns are
 * MET, TOTAL, ACC_INDEX, THROUGH, CURRICULUM; the others text), and the
 * two MACs as stored (NULL, or their bytes, whatever their length).
 */
struct rl_row_progress_cell {
	int is_null;
	int64_t i;         /* an integer column */
	const char *text;  /* a text column */
	size_t len;
};
enum {
	RL_STATUS_STATUS, RL_STATUS_MET, RL_STATUS_TOTAL, RL_STATUS_SUMMARY, RL_STATUS_UNTIL,
	RL_STATUS_ACC_INDEX, RL_STATUS_THROUGH, RL_STATUS_CURRICULUM, RL_STATUS_NCOLS
};
struct rl_row_progress_status {
	struct rl_row_progress_cell col[RL_STATUS_NCOLS];
	const uint8_t *mac, *tally_mac; /* NULL for NULL */
	size_t mac_len, tally_mac_len;
};
/* The trainee's status row: 1 found (each called once), 0 none, -1 with err. */
int rl_rows_progress_status(struct rl_db *db, int64_t trainee,
			    void (*each)(void *ctx, const struct rl_row_progress_status *row), void *ctx,
			    struct rl_error *err);

/* What a write of the caches starts from: the status row's accreditation and ledger position. */
struct rl_row_progress_position {
	int64_t acc_index;  /* -1 for NULL */
	int64_t through;    /* -1 for NULL */
	int has_until;
	char until[32];     /* accredited_until, truncated to fit */
};
/* 1 found, 0 no row, -1 with err. */
int rl_rows_progress_position(struct rl_db *db, int64_t trainee, struct rl_row_progress_position *p,
			      struct rl_error *err);

/* A status row to store (trainee_status), sealed by the caller. */
struct rl_row_progress_status_put {
	int64_t trainee;
	const char *status;
	int met, total;
	const char *summary;     /* JSON text */
	const char *until;       /* NULL: not accredited */
	const char *updated_at;  /* RFC 3339 */
	int64_t through;
	int64_t acc_index;       /* < 0: NULL */
	int64_t curriculum_id;   /* 0: NULL */
	const uint8_t *mac, *tally_mac; /* 32 bytes each */
};
/* Inserts or replaces the trainee's status row.  0, or -1 with err. */
int rl_rows_progress_put_status(struct rl_db *db, const struct rl_row_progress_status_put *row,
				struct rl_error *err);

/* One trainee_tally row. */
struct rl_row_progress_tally {
	const char *requirement;
	int64_t signed_n, pending_n;
};
/* The trainee's tally rows, in no order.  0, each's non-zero, or -1 with err. */
int rl_rows_progress_tallies(struct rl_db *db, int64_t trainee,
			     int (*each)(void *ctx, const struct rl_row_progress_tally *row), void *ctx,
			     struct rl_error *err);
/* Deletes the trainee's tally rows.  0, or -1 with err. */
int rl_rows_progress_clear_tallies(struct rl_db *db, int64_t trainee, struct rl_error *err);
/* Inserts one tally row.  0, or -1 with err. */
int rl_rows_progress_put_tally(struct rl_db *db, int64_t trainee, const char *requirement, int64_t signed_n,
			       int64_t pending_n, struct rl_error *err);
/* Deletes every cached row of every trainee (`raslogd rebuild`).  0, or -1 with err. */
int rl_rows_progress_clear_all(struct rl_db *db, struct rl_error *err);

/* ------------------------------------------------- the accreditation list */

enum rl_rows_acc_sort { RL_ACC_BY_NAME, RL_ACC_BY_NAME_DESC, RL_ACC_BY_PROGRESS, RL_ACC_BY_PROGRESS_DESC, RL_ACC_BY_STATUS };

/* The list's filters as values: NULL text and scoped 0 filter nothing. */
struct rl_rows_acc_query {
	const char *today;       /* YYYY-MM-DD: an accreditation that ended before it is "lapsed" */
	const char *site, *curriculum, *status, *search;
	enum rl_rows_acc_sort sort;
	int limit;               /* rows asked for (the page plus one, to know there is more) */
	int64_t offset;
	int scoped;              /* only the trainees in faculty member scope_id's programmes (store/scope.h) */
	int64_t scope_id;
};

/*
 * Every trainee row the list could read for q's site, search and scope
 * (an enrolled trainee, or one with a status row), with their status row
 * (missing 1 when there is none), their last ledger index and their
 * pending claims, for the domain's seal check.
 */
struct rl_row_progress_check {
	int64_t trainee;
	int missing;
	struct rl_row_progress_status s; /* s.tally_mac not read */
	int64_t last;                    /* the last ledger index about them, or -1 */
	struct rl_row_progress_claims claims;
};
int rl_rows_progress_check_list(struct rl_db *db, const struct rl_rows_acc_query *q,
				int (*each)(void *ctx, const struct rl_row_progress_check *row), void *ctx,
				struct rl_error *err);

/*
 * The same row for one trainee (none when they are not one the list
 * could read: not a trainee, or neither enrolled nor with a status row):
 * the check of the rows a commit changed.  0, each's non-zero, or -1.
 */
int rl_rows_progress_check_one(struct rl_db *db, int64_t trainee,
			       int (*each)(void *ctx, const struct rl_row_progress_check *row), void *ctx,
			       struct rl_error *err);
/*
 * Reports, through touched(ctx, id), every user whose row in a table the
 * list's check reads (users, trainee_status, the ledger's subject,
 * sessions' trainee) this connection changes, and through scope(ctx) each
 * change of a row the list's filters read besides (programmes and their
 * members, curricula) (db.h rl_db_watch_rows).  0, 1 when the engine
 * cannot, -1 with err.
 */
int rl_rows_progress_watch(struct rl_db *db, void (*touched)(void *ctx, int64_t id), void (*scope)(void *ctx),
			   void *ctx, struct rl_error *err);

/* One row of the list's page. */
struct rl_row_accreditation {
	int64_t id;
	const char *name, *site, *code;
	int version;
	const char *status;      /* with "lapsed" for an accreditation that ended before q->today */
	int met, total;
	const char *summary;     /* JSON text */
	const char *until;       /* NULL when none */
};
/* The rows of q's page in q's order.  0, each's non-zero (the walk stopped), or -1 with err. */
int rl_rows_accreditation_page(struct rl_db *db, const struct rl_rows_acc_query *q,
			       int (*each)(void *ctx, const struct rl_row_accreditation *row), void *ctx,
			       struct rl_error *err);
/*
 * The number of trainees per status for q's filters but status (no sort,
 * no page).  0, or -1 with err when the statement cannot be prepared (a
 * failing step ends the counts early, as a partial count).
 */
int rl_rows_accreditation_counts(struct rl_db *db, const struct rl_rows_acc_query *q,
				 void (*each)(void *ctx, const char *status, int64_t n), void *ctx,
				 struct rl_error *err);
/*
 * The trainees rl_rows_accreditation_counts counts for q, one call each
 * with their status (each(ctx, id, status)): all of them (only 0), or
 * trainee only alone (no call when q does not count them).  What the
 * list's counts are kept by across commits (domain/progress_list_sums.c).
 * 0, each's non-zero, or -1 with err.
 */
int rl_rows_accreditation_counted(struct rl_db *db, const struct rl_rows_acc_query *q, int64_t only,
				  int (*each)(void *ctx, int64_t id, const char *status), void *ctx,
				  struct rl_error *err);

#endif
