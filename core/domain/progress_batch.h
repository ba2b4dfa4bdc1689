/*
 * progress_batch.h - the progress caches inside one write transaction of
 * many changes (the writer's batch of jobs, the seeder's bulk
 * transaction): what a trainee's changes need once per transaction rather
 * than once per change (issue 18).
 *
 * Between rl_progress_batch_begin and rl_progress_batch_end, on the
 * calling thread and that connection only:
 *  - the trainee's curriculum (rl_enrolled_curriculum: the users row and
 *    the enrolment statements) is looked up once and remembered; an
 *    enrolment (rl_logbook_enrolled) forgets it;
 *  - the seals of the trainee's rows are checked once, before the first
 *    change (a tampered row is repaired and named then, as without a
 *    batch); the rows change after that only through this code, inside a
 *    transaction that holds the write lock, so a second check could only
 *    find what the first one found;
 *  - the status row (trainee_status and both seals) is not rewritten by
 *    each change: the trainee is marked and rl_progress_batch_flush, run
 *    before the ledger's seal and the commit, folds the trainee's new
 *    ledger entries into the tallies and writes and seals the status row
 *    once.  Readers only see committed state, so no reader sees the rows
 *    in between; a reader inside the transaction (the digest's check, a
 *    repair) calls rl_progress_settle first, and one that needs only the
 *    status and module summary (the notification's snapshots) calls
 *    rl_progress_peek, which computes the row without writing it and
 *    keeps it for the flush;
 *  - the pending claims the seals bind are read once, by the seal check
 *    (rl_progress_verify or the first change), and carried: a decision
 *    on a session (rl_progress_decided) takes that one out of them, any
 *    other change to the trainee's records drops them (read again at the
 *    next write).
 * A job rolled back to its savepoint (rl_progress_batch_undo after
 * rl_progress_batch_job) takes back what it memoised and marked, so a
 * repair or an enrolment it made and lost is not taken as done.
 * Without a batch every function of progress.h works as it did: each
 * change checks the seals and writes the status row itself.
 */
#ifndef RASLOG_PROGRESS_BATCH_H
#define RASLOG_PROGRESS_BATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "ledger/writer.h"
#include "store/db.h"

/* Starts a batch on db, inside its write transaction (after BEGIN). */
void rl_progress_batch_begin(struct rl_db *db);
/* A job of the batch starts (inside its savepoint). */
void rl_progress_batch_job(struct rl_db *db);
/* The job that started last was rolled back to its savepoint: its marks are taken back. */
void rl_progress_batch_undo(struct rl_db *db);
/* Writes the status row of every marked trainee (before the seal and the commit).  0, or -1 with err. */
int rl_progress_batch_flush(struct rl_db *db, struct rl_error *err);
/* Ends the batch (committed or not); without a flush the marks are dropped. */
void rl_progress_batch_end(struct rl_db *db);

/* Writes the trainee's status row now if the batch's flush is to write it: before reading it in the transaction.  0, or -1. */
int rl_progress_settle(struct rl_db *db, int64_t trainee, struct rl_error *err);
/*
 * The trainee's status and module summary as the batch's flush is to write
 * them, for a reader inside the transaction that needs only these (the
 * notification's snapshots), without writing the row per job: the new
 * ledger entries are folded into the tallies and the row computed and kept
 * for the flush, which writes it once unless the trainee changes again.
 * When nothing waits, the row as this connection last wrote it in the
 * batch (or in a committed one the memo carried from) is given from the
 * memo, not read and parsed again: the seals were checked and the row
 * changed since only through this code.  1: status (into status[n]) and
 * *summary (a new reference) given; 0: not known here: read the row; -1.
 */
int rl_progress_peek(struct rl_db *db, int64_t trainee, char *status, size_t n, json_t **summary,
		     struct rl_error *err);
/* rl_progress_settle for every trainee the batch marked (before a read over every status row). */
int rl_progress_settle_all(struct rl_db *db, struct rl_error *err);
/*
 * 1 when the batch knows the trainee's pending claims (those the seals
 * bind, exact in this transaction) and they number fewer than max: a cap
 * on pending sessions need not count them.  0 when it does not know.
 */
int rl_progress_pending_below(struct rl_db *db, int64_t trainee, long long max);
/* Forgets the trainee's curriculum (their enrolment is changing). */
void rl_progress_batch_forget(struct rl_db *db, int64_t trainee);

/*
 * The writer's hooks that run a batch of jobs as above (rl_writer_start_with).
 * They carry the memo from one committed batch to the next when no other
 * connection committed in between (SQLite's data version; progress_cache.c):
 * the seals are then checked once per run of the writer's own commits.
 */
extern const struct rl_writer_hooks rl_progress_writer_hooks;

#endif
