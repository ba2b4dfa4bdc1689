/*
 * progress_impl.h - what the files of the progress module share, private
 * to them (every other caller goes through progress.h):
 *   progress.c        the ledger's view of a trainee, the full report and
 *                     the progress reply (the summary, from the caches)
 *   progress_seal.c   the rows the caches hold, their seals (MACs) and the
 *                     one place they are written
 *   progress_cache.c  keeping the caches current after a change, and
 *                     checking and repairing one trainee's rows
 *   progress_check.c  the sweep over every trainee: `raslogd rebuild`, the
 *                     start-up check and its background batches
 *   progress_list.c   the accreditation list, its seal check and its memo
 *   progress_list_sums.c  the list's counts and sites, carried across the
 *                     writer's commits
 * The tables are store/progress_rows.h's.
 */
#ifndef RASLOG_PROGRESS_IMPL_H
#define RASLOG_PROGRESS_IMPL_H

#include <jansson.h>
#include <stdint.h>

#include "domain/curriculum.h"
#include "domain/figures.h"
#include "domain/progress.h"
#include "domain/progress_record.h"
#include "store/progress_rows.h"

/* ------------------------------------------------------ the ledger's view */

/*
 * The trainee's curriculum, or NULL (and no error) when not enrolled: the
 * version their latest enrolment statement in the ledger names, as
 * `raslog audit` reads it; users.curriculum_id only for a trainee with no
 * enrolment statement (a database not yet backfilled by `raslogd init`).
 */
const struct rl_curriculum *prog_curriculum(struct rl_db *db, int64_t trainee, struct rl_error *err);

/* One ledger row as rl_figures reads it, {"index","statement"}, or NULL when the message is not a statement. */
json_t *prog_entry_of(int64_t idx, const char *m, size_t len);

/* The trainee's pending claims (unsigned session records), as rl_figures takes them. */
json_t *prog_pending(struct rl_db *db, int64_t trainee, struct rl_error *err);

/* The ledger's figures of the trainee as a record (rl_progress_release it).  0, or -1 with err. */
int prog_ledger_record(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, struct rl_progress *p,
		       struct rl_error *err);

/* ------------------------------------------------------------------ seals */

/* The cache key the seals are made with (store/secrets.h), or NULL with err. */
const uint8_t *prog_cache_key(struct rl_db *db, struct rl_error *err);

/*
 * The status MAC of a trainee_status row: BLAKE2b-256, keyed by the cache
 * key, of "raslog-cache-status-v2", the trainee, each column as it is
 * served (text as text, integers as integers), so a row copied from
 * another trainee fails too, and the trainee's claims now (c), so a row
 * put back from an older state fails.  c NULL: the version 1 MAC, without
 * the claims (what a row sealed before them carries).
 */
void prog_status_mac(const uint8_t *key, int64_t trainee, const struct rl_row_progress_status *row,
		     const struct rl_row_progress_claims *c, uint8_t out[32]);

/* A trainee's cached rows as read, and whether their seals hold. */
struct prog_sealed {
	int row;              /* the status row exists */
	int status_ok;        /* its mac matches */
	int tally_ok;         /* its tally_mac matches the tally rows */
	int sealed;           /* it carries a mac of this version (NULL, or a version 1 mac that holds: not sealed yet) */
	int64_t acc_index;    /* the live accreditation's ledger index, or -1 */
	int64_t through;      /* ledger_through, or -1 */
	char until[32];       /* accredited_until, or "" */
	json_t *tallies;      /* rl_tally_load's object */
	struct rl_row_progress_claims claims; /* the trainee's pending claims as read for the seals */
};
/* Reads the trainee's status row and tallies and checks both MACs: 0, or -1 with err. */
int prog_read_sealed(struct rl_db *db, int64_t trainee, struct prog_sealed *s, struct rl_error *err);
void prog_sealed_release(struct prog_sealed *s);

/* ----------------------------------------------------------------- caches */

/* The accreditation list's row the figures give. */
struct prog_status {
	const char *status;
	int met, total;
	json_t *summary;
	const char *summary_text; /* or summary's JSON text, borrowed (prog_write_status then needs no summary) */
	const char *until;
	int64_t acc_index;  /* the live accreditation's ledger index, or -1 */
	int64_t through;    /* the last ledger index about the trainee the figures include, or -1 */
};

/* Every cached row of one trainee: the tallies and the accreditation list's row. */
struct prog_rows {
	json_t *tally;        /* requirement key -> [signed, pending], the keys with an amount */
	struct prog_status r; /* r.summary owned */
};
void prog_rows_free(struct prog_rows *w);

/* requirement key -> [signed, pending] of a record, the keys with an amount: what trainee_tally keeps. */
json_t *prog_tallies_of(const struct rl_progress *p);

/* The rows from the ledger's record (rl_figures); through: the last ledger index about the trainee it includes. */
void prog_rows_of_record(const struct rl_progress *p, int64_t through, struct prog_rows *w);

/*
 * The same rows from rl_figures_tallies, without the report: the list's
 * row as a refresh writes it (rl_curriculum_quick_summary).  f must
 * outlive w (w->r.until points into it).  0, or -1 with err.
 */
int prog_rows_of_tallies(const struct rl_curriculum *c, const struct rl_figures_tallies *f, int64_t through,
			 struct prog_rows *w, struct rl_error *err);

/*
 * Writes the accreditation list's row of the trainee from r, sealed in the
 * same statement.  c: the curriculum the figures were measured against
 * (NULL: looked up); tallies: the trainee's tally rows as they now are
 * (rl_tally_load's shape; NULL: read); claims: the trainee's pending
 * claims as they now are in this transaction (NULL: read; out, when not
 * NULL and *claims_known is 0, is filled with what was read: the batch
 * keeps them, progress_batch.h).  Every write of a trainee's caches ends
 * here, so the seals always cover the rows as written.
 */
int prog_write_status(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const json_t *tallies,
		      const struct prog_status *r, struct rl_row_progress_claims *claims, int claims_known,
		      struct rl_error *err);

/*
 * The status row prog_write_status just wrote (status, r: its summary,
 * through, accreditation) over the tally rows tallies: the batch's memo
 * keeps it for a reader of the status and summary alone
 * (rl_progress_peek), and for the next flush of a trainee who only logged
 * sessions since (the tallies then are these plus their claims, the
 * position these: no read of either).  The memo takes references.
 */
void prog_memo_row_written(struct rl_db *db, int64_t trainee, const char *status, const struct prog_status *r,
			   const json_t *tallies);

/*
 * The claims of sessions logged in the writer's batch wait in its memo and
 * reach trainee_tally together (progress_cache.c): this adds the trainee's
 * to the rows now.  Called before anything reads or writes the trainee's
 * tally rows in the transaction (the seals' read, a rewrite); nothing
 * without a batch.  0, or -1 with err.
 */
int prog_tally_settle(struct rl_db *db, int64_t trainee, struct rl_error *err);

/* Writes every cached row of one trainee: the one place the rebuild, the start-up check and a full refresh write the caches. */
int prog_write_cache(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
		     struct rl_error *err);

/*
 * One trainee's check, given the ledger's rows w: the cached rows against
 * them and their seals; appends each difference to out (a seal that fails
 * on rows whose values are right is the difference "mac"), and rewrites
 * and reseals the rows when anything differs or a seal fails.  Rows never
 * sealed (NULL, as migration 018 leaves them) with the ledger's values
 * are sealed without a word.  Returns the differences, or -1.
 */
int prog_judge_rows(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
		    json_t *out, struct rl_error *err);
/* Whether prog_judge_rows would write anything (a difference, a failed or missing seal), writing nothing: 1, 0 or -1. */
int prog_rows_need_write(struct rl_db *db, int64_t trainee, const struct rl_curriculum *c, const struct prog_rows *w,
			 struct rl_error *err);

/* ------------------------------------------------------ the list's journal */

/*
 * The writer's hooks' part for the accreditation list (progress_list.c):
 * which trainees each commit changed and whether anyone else committed
 * before it.  Called on the writer thread by rl_progress_writer_hooks.
 */
void prog_list_batch_begin(struct rl_db *db);
void prog_list_batch_commit(struct rl_db *db);
void prog_list_batch_committed(struct rl_db *db, int ok);
void prog_list_batch_end(struct rl_db *db);

/*
 * The trainees the writer's commits after from, up to to, changed, when
 * they were the only commits in between and changed nothing else the
 * list's filters read (programmes, curricula): a malloc'd array (*n of
 * them, duplicates possible; NULL with *n 0 when none), or NULL with *n
 * -1 when not known.
 */
int64_t *prog_list_changed(uint64_t from, uint64_t to, long *n);

/*
 * The list's counts for q (its filters but status; key names them and the
 * day) and the trainees' sites, in a snapshot that holds exactly what the
 * writer's commit gen left (progress_list.c's exact placing): from what
 * they were at an earlier commit and the trainees changed since
 * (prog_list_changed), else from every trainee, kept for the next commit.
 * A new reference, or NULL with err.
 */
json_t *prog_list_sums_counts(struct rl_db *db, const struct rl_rows_acc_query *q, const uint8_t key[16], uint64_t gen,
			      struct rl_error *err);
json_t *prog_list_sums_sites(struct rl_db *db, uint64_t gen, struct rl_error *err);
/* How the sums above were had since start: held at the commit, carried to it, computed. */
void prog_list_sums_stats(unsigned long long *same, unsigned long long *carried, unsigned long long *computed);

#endif
