/*
 * progress.h - where each trainee stands.  Every figure is rl_figures()
 * (domain/figures.h) of the trainee's signed ledger entries: the full
 * report and everything built on it (eligibility, credentials, the PDF,
 * the export, GET /trainees/{id}/evidence) compute it on each read; the
 * progress reply (rl_progress_summary) and the accreditation list read two
 * caches (trainee_tally, trainee_status) that every change moves by deltas
 * (domain/tally.h), checked against the ledger at start-up and by
 * `raslog audit`, and rebuilt by `raslogd rebuild`.  Storage modules (sessions, users) never call in
 * here; the use cases that change a figure (domain/logbook.h, signoff.c)
 * refresh the caches.  The module's files and what each does:
 * domain/progress_impl.h; its tables: store/progress_rows.h.
 *
 * Only the trainer's signed view counts towards "signed"; the trainee's
 * own claim counts towards "pending" while a session waits.
 */
#ifndef RASLOG_PROGRESS_H
#define RASLOG_PROGRESS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/catalog.h"
#include "domain/curriculum.h"
#include "domain/tally.h"
#include "store/db.h"
#include "base/error.h"

struct rl_buf;
struct rl_session_new;
struct rl_user;

/*
 * The trainee's figures from the ledger (rl_figures over their ledger
 * entries and pending session records), without the trainee's name.
 * *statements (if not NULL) grows by the entries read.  409 not-enrolled
 * when the trainee is on no curriculum.
 */
json_t *rl_progress_figures(struct rl_db *db, int64_t trainee, uint64_t *statements, struct rl_error *err);

/*
 * Recomputes the trainee's caches (trainee_tally, and trainee_status, the
 * accreditation list's row) from the ledger.  Called, in the caller's
 * transaction, after every change that can move a figure: a session
 * logged, edited or withdrawn, a statement accepted, a trainee enrolled.
 */
int rl_progress_refresh(struct rl_db *db, int64_t trainee, struct rl_error *err);

/*
 * A pending claim changes (logged, edited, withdrawn): before the change,
 * rl_progress_claim_before checks the trainee's seals (which bind their
 * pending claims, so they are checked before the records change; a broken
 * one is repaired and named) and takes the claim's old figures out into d
 * (nothing for a new session: session 0); after it,
 * rl_progress_claim_after adds the new ones, folds d into the tallies and
 * refreshes the trainee's caches, without reading their ledger entries
 * (domain/tally.h).  d is the caller's (rl_tally_delta_init /
 * rl_tally_delta_free).
 */
int rl_progress_claim_before(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			     struct rl_error *err);
int rl_progress_claim_after(struct rl_db *db, int64_t trainee, int64_t session, struct rl_tally_delta *d,
			    struct rl_error *err);
/*
 * rl_progress_claim_after for session just logged with the fields s
 * (pending, revision 1, trainee s->trainee): no read of the claims it
 * joins nor of its row (the claim is the fields'), and in a batch its
 * pending amounts wait for the trainee's flush, where they reach
 * trainee_tally in one upsert per requirement (progress_batch.h).
 */
int rl_progress_claim_logged(struct rl_db *db, const struct rl_session_new *s, int64_t session,
			     struct rl_tally_delta *d, struct rl_error *err);

/*
 * Any other change to a trainee's session records that the seals bind (a
 * sign-off or rejection takes a claim out of pending, a withdrawn sign-off
 * puts it back): rl_progress_hold before the change checks the seals (a
 * broken one is repaired and named, as rl_progress_refresh does), and
 * rl_progress_refresh_held after it refreshes the caches without checking
 * them again.  Both in the caller's transaction.
 */
int rl_progress_hold(struct rl_db *db, int64_t trainee, struct rl_error *err);
int rl_progress_refresh_held(struct rl_db *db, int64_t trainee, struct rl_error *err);
/*
 * rl_progress_refresh_held after a decision on session (at revision) took
 * it out of the trainee's pending claims: a batch that knows the claims
 * (progress_batch.h) takes that one out of them instead of reading them
 * again for the seals.  index and st are the decision's ledger entry and
 * its statement (st NULL: not in hand): in a batch whose tallies include
 * every earlier entry about the trainee, the entry is folded into them
 * from st at once (tally.h rl_tally_fold_appended) instead of being read
 * back from the ledger by the peek or the flush.  How far the tallies go
 * is what this batch's seal check or fold recorded, or, for a trainee
 * checked in an earlier batch of the writer's run (the memo carried), the
 * committed status row's ledger_through when no entry about the trainee
 * lies between it and index.
 */
struct rl_statement;
int rl_progress_decided(struct rl_db *db, int64_t trainee, int64_t session, int64_t revision, int64_t index,
			const struct rl_statement *st, struct rl_error *err);

/* The curriculum a trainee is measured against: rl_enrolled_curriculum (domain/enrolled.h). */

struct rl_rebuild_stats {
	uint64_t trainees;        /* trainees whose caches were rebuilt */
	uint64_t statements;      /* ledger entries read for them */
	uint64_t ledger_entries;  /* entries in the ledger */
};
/* `raslogd rebuild`: drops every cached figure and recomputes it from the ledger. */
int rl_progress_rebuild(struct rl_db *db, struct rl_rebuild_stats *stats, struct rl_error *err);

/*
 * The start-up check: compares every trainee's caches with the ledger's
 * figures, appends one {"trainee","requirement","cache","ledger"} to out
 * per difference ("requirement" is a requirement key, or "status",
 * "modules_met", "modules_total", "summary", "accredited_until" for the
 * list's row) and rewrites the caches that differ.  Returns the number of
 * differences, or -1 with err.
 */
int rl_progress_check(struct rl_db *db, json_t *out, struct rl_error *err);

/*
 * The same check a batch at a time, for a server that answers meanwhile
 * (readers need not wait for it: every read checks the seals of the rows
 * it uses, and a broken or stale trainee is repaired from the ledger on
 * demand).  In the caller's (short) write transaction, checks the next at
 * most max enrolled trainees (1..RL_PROGRESS_CHECK_BATCH_MAX) whose id is
 * above *after, one at a time, on the calling thread, holding one
 * trainee's entries in memory; appends each difference to out, moves
 * *after on to the last trainee checked and sets *checked to how many
 * were (0: none is left).  Returns the number of differences, or -1.
 */
#define RL_PROGRESS_CHECK_BATCH_MAX 64
int rl_progress_check_batch(struct rl_db *db, int64_t *after, int max, json_t *out, int *checked,
			    struct rl_error *err);
/*
 * The same batch read only: checks the same trainees as
 * rl_progress_check_batch would, writes nothing, moves *after and
 * *checked alike, and stops at the first trainee whose rows would be
 * rewritten (a difference, a failed or missing seal), leaving *after
 * before it.  Returns 1 when it stopped so (the caller then runs
 * rl_progress_check_batch from there in a write transaction), 0 when
 * every trainee it read was right (or pause said stop), -1 on error.
 * Outside any transaction of the caller's: it opens short read
 * transactions of its own, one for the trainees' ids and, per trainee,
 * one for the entries and one for the cached rows, and computes the
 * figures between them with none open, calling pause (when not NULL;
 * non-zero: stop there) before each trainee's.  So a server's check,
 * which runs under SCHED_IDLE and can be starved for as long as the
 * server is busy, is starved holding no lock and no snapshot (a SQLite
 * WAL checkpoints past it; issue 18).  Two snapshots can only make a
 * trainee look dirty who is not; rl_progress_check_batch then finds
 * nothing to rewrite.
 */
int rl_progress_check_batch_read(struct rl_db *db, int64_t *after, int max, int *checked, int (*pause)(void),
				 struct rl_error *err);

/*
 * One trainee's start-up check, for a reader that found their caches
 * unsealed or stale (rl_progress_summary's *stale, the accreditation
 * list's stale ids): in the caller's write transaction, compares them
 * with the ledger, appends each difference to out as rl_progress_check
 * does ("requirement" "mac" when only a seal failed), and rewrites and
 * reseals them.  Returns the number of differences, or -1 with err.
 */
int rl_progress_repair(struct rl_db *db, int64_t trainee, json_t *out, struct rl_error *err);

/*
 * For a writer about to read the trainee's status row (the progress mail's
 * before-and-after snapshot): in the caller's write transaction, checks
 * the trainee's seals, that the rows were computed up to their last
 * ledger entry and pending claims, and when not, repairs them as a write
 * that finds a broken seal does (each difference to
 * rl_progress_drift_hook).  0 (the rows are the ledger's now), or -1.
 */
int rl_progress_verify(struct rl_db *db, int64_t trainee, struct rl_error *err);

/*
 * Called with each difference a write finds when a trainee's seals fail
 * as it is about to fold a change into their caches (the caches are
 * recomputed instead): {"trainee","requirement","cache","ledger"}.  The
 * server records it as a figures.drift audit event; NULL says nothing.
 */
extern void (*rl_progress_drift_hook)(const json_t *item);

/*
 * Hands each difference of items (an array of those objects) to
 * rl_progress_drift_hook when the repair that found them is kept: on the
 * writer, once its batch commits, so a job that runs again after its batch
 * failed names the same drift once (ledger/writer.h
 * rl_writer_after_commit); elsewhere at once.
 */
void rl_progress_report_drift(struct rl_db *db, const json_t *items);

/* The full progress report of one trainee, with evidence ledger indexes. */
json_t *rl_progress_report(struct rl_db *db, int64_t trainee, struct rl_error *err);

/*
 * The same report as a typed record (domain/progress_record.h), what the
 * PDF portfolio and the credential render: 0, or -1 with err (as
 * rl_progress_report, or RL_E_INTERNAL if the report lacks a member the
 * record needs).  The caller releases out with rl_progress_release.
 */
struct rl_progress;
int rl_progress_record(struct rl_db *db, int64_t trainee, struct rl_progress *out, struct rl_error *err);

/*
 * The progress report without the evidence (no "evidence" per requirement,
 * no "assessments" or "pending" lists), from the cached tallies: O(the
 * curriculum's requirements), whatever the number of sessions.  The same
 * figures as rl_progress_report while the caches match the ledger (the
 * start-up check and `raslog audit` compare them).
 *
 * The cached rows are used only when their seals hold (schema/018: MACs
 * keyed by the cache key over the trainee, the figures and the ledger
 * index they were computed up to) and that index is the trainee's last
 * ledger entry; otherwise the reply is the ledger's figures (the full
 * recompute) and *stale (if not NULL) is set to 1, so the caller has the
 * rows repaired and the drift recorded (rl_progress_repair).
 */
json_t *rl_progress_summary(struct rl_db *db, int64_t trainee, int *stale, struct rl_error *err);

/*
 * The same reply as bytes, for the server (issue 18): rl_progress_summary's
 * document written straight into json (byte for byte its json_dumps with
 * JSON_COMPACT, without building it: progress_record.h
 * rl_progress_write_json), and, when packed is not NULL, appended to it a
 * compact copy of the figures (a few hundred bytes: the statuses and
 * amounts, the accreditation, the trainee) from which
 * rl_progress_reply_unpack writes the same bytes again, for a cache that
 * holds every trainee of a programme; nothing is appended when the reply
 * cannot be packed.  When the cached rows fail their check, *stale is set,
 * json is left as it was and *doc is the ledger's figures as a document
 * (a new reference) for the caller to serve once the rows are repaired;
 * otherwise *doc is NULL.  0, or -1 with err as rl_progress_summary.
 */
int rl_progress_reply(struct rl_db *db, int64_t trainee, struct rl_buf *json, struct rl_buf *packed, int *stale,
		      json_t **doc, struct rl_error *err);

/*
 * Writes into json the reply a packed copy from rl_progress_reply holds
 * (its curriculum looked up by id: catalog.h).  No check of the rows or of
 * who asks: the caller keeps the copy only while nothing has been written
 * since it was made, and checks who may see the trainee itself.  0, or -1
 * with err (RL_E_INTERNAL: not a packed reply, out of memory).
 */
int rl_progress_reply_unpack(struct rl_db *db, const void *packed, size_t len, struct rl_buf *json,
			     struct rl_error *err);

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
/*
 * GET /accreditation: every trainee's status and module summary, plus
 * counts and the trainees' sites, written into out as JSON text
 * {"items","next_cursor","counts","sites"} (as json_dumps JSON_COMPACT
 * writes it; each row's summary as its sealed text): 0, or -1 with err.
 * Every cached row it could list or count is checked first (its status
 * seal, and that it was computed up to the trainee's last ledger entry),
 * in the same read transaction as the listing; when one fails, nothing is
 * listed: its trainee's id is appended to stale and -1 returned with a
 * 503 "cache-drift" error, so the caller has the rows repaired
 * (rl_progress_repair) and asks again.  out is then in an unspecified state.
 * The check covers every row at once and its passing, the counts and the
 * sites are reused while the data they were computed from stands: shared
 * by every thread at a commit of the writer attached below (after which
 * only the rows its commits changed are checked again), and otherwise
 * while the database's data version (store/db.h rl_db_data_version) has
 * not moved: a commit by anyone else makes the next request check every
 * row again.
 */
struct rl_buf;
int rl_accreditation_list(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			  struct rl_buf *out, struct rl_error *err);

/*
 * The writer whose commits rl_accreditation_list follows (it must run
 * rl_progress_writer_hooks; NULL before it stops): the list asks its
 * connection whether anyone else committed since its last commit.
 */
struct rl_writer;
void rl_progress_list_writer(struct rl_writer *w);

/* How the list's passes checked the cached rows, since start (for /metrics). */
struct rl_list_check_stats {
	unsigned long long every_row;    /* every trainee's row */
	unsigned long long changed_rows; /* only the rows the writer's commits changed since a shared memo */
	unsigned long long reused;       /* none: the memo held */
	/* the counts and sites at a commit of the writer (each request reads both) */
	unsigned long long sums_same;    /* held at that commit */
	unsigned long long sums_carried; /* carried from an earlier commit by the trainees changed since */
	unsigned long long sums_computed; /* computed from every trainee */
};
void rl_progress_list_stats(struct rl_list_check_stats *out);

/*
 * The accreditation list's check alone, for other readers of trainee_status
 * (the stuck-trainee report): appends to stale the id of every trainee whose
 * status row f's site, search and scope leave (f NULL: every trainee) and
 * whose seal fails, lags the ledger, or is missing.  0, or -1 with err.
 */
int rl_progress_stale_rows(struct rl_db *db, const struct rl_accreditation_filter *f, json_t *stale,
			   struct rl_error *err);

#endif
