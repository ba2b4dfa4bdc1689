/*
 * notify.h - what raslog tells people by email, composed and queued in the
 * outbox (outbox.h).  The core decides who is told what; sending is the
 * server's (server/mailer.c).
 *
 * Trainer reminders: a trainer is reminded when more than max_waiting
 * sessions wait for their signature, or when one has waited more than
 * max_days whole days since it was logged; at most once a UTC day (the
 * idempotency key is "reminder:<trainer id>:<yyyy-mm-dd>").  The message
 * lists each waiting session by date, trainee and activity, never notes,
 * scores or anything else.
 */
#ifndef RASLOG_NOTIFY_H
#define RASLOG_NOTIFY_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "store/db.h"
#include "ledger/writer.h"
#include "base/error.h"
#include "domain/signoff.h"
#include "domain/users.h"

#define RL_REMIND_WAITING 25
#define RL_REMIND_DAYS 30
#define RL_REMIND_LIST_MAX 50  /* sessions listed in one reminder; the rest are counted */

struct rl_remind_opts {
	int max_waiting;        /* remind when more than this many wait */
	int max_days;           /* ... or when one has waited more than this many days */
	const char *public_url; /* for the link to the signing page; NULL: no link */
	time_t now;
};

/* The reminder pass; run it in a transaction.  *queued: reminders newly queued. */
int rl_notify_reminders(struct rl_db *db, const struct rl_remind_opts *o, int *queued, struct rl_error *err);

/*
 * Preferences (schema/010_notify_prefs.sql): reminders (trainers; also a
 * trainee's correction of a session waiting for them), decisions (a
 * trainee's sign-offs, rejections, corrections, modules met, eligibility) and the
 * weekly digest (faculty).  Without a stored choice each is on for the
 * role it concerns.  Every message ends with the link to change them:
 * public_url + RL_NOTIFY_SETTINGS.
 */
#define RL_NOTIFY_SETTINGS "/#/settings/notifications"
enum rl_notify_kind { RL_NOTIFY_REMINDERS, RL_NOTIFY_DECISIONS, RL_NOTIFY_DIGEST, RL_NOTIFY_KINDS };
extern const char *const rl_notify_kind_names[RL_NOTIFY_KINDS];

/* {"reminders":bool,"decisions":bool,"digest":bool}: the effective choices of user. */
json_t *rl_notify_prefs_get(struct rl_db *db, int64_t user, struct rl_error *err);
/*
 * Checks a PUT body: an object with one or more of the three members, each
 * a boolean; want[k] becomes 0/1, or -1 where the member is absent.
 */
int rl_notify_prefs_parse(const json_t *body, int want[RL_NOTIFY_KINDS], struct rl_error *err);
/* Stores the choices (absent ones keep their effective value); *out: the result as in _get. */
int rl_notify_prefs_put(struct rl_db *db, int64_t user, const int want[RL_NOTIFY_KINDS], json_t **out,
			struct rl_error *err);

/*
 * Applies a checked sign-off (rl_signoff_apply) and, in the same
 * transaction, queues what it tells the trainee: a session signed or
 * rejected (with the trainer's reason; key "decision:<ledger index>"), and
 * any module met or eligibility reached through it (recorded in
 * progress_milestones whatever the preferences; mail under
 * "progress:<ledger index>").  public_url may be NULL.
 */
int rl_notify_signoff(struct rl_db *db, const struct rl_user *me, struct rl_signoff *so, const char *public_url,
		      struct rl_error *err);

/*
 * The decision mails' layer of writer hooks (raslogd serve runs it after
 * the progress caches' layer, rl_progress_writer_hooks: ledger/writer.h,
 * rl_writer_start_layers): rl_notify_signoff keeps a batch's mails for
 * the flush to insert together, still in the sign-offs' transaction (a
 * job rolled back takes its mail with it).  Without this layer the mail
 * is inserted in the job.
 */
extern const struct rl_writer_hooks rl_notify_writer_hooks;

/*
 * A session was corrected; call it in the transaction of the correction,
 * after the change.  Whom it tells depends on who corrected it (by):
 *  - the session's trainee, who edited or withdrew their own pending
 *    session: the trainer it waits for (and, when the edit named another
 *    trainer, the one it waited for before, was_trainer; 0 when unknown or
 *    the same), under their "reminders" choice, since it changes what waits
 *    for them; key "correction:<session>:<revision>:<trainer id>";
 *  - anyone else (a trainer's correction of a signed record, ledger_index
 *    the index of its statement): the trainee, under their "decisions"
 *    choice; key "correction:<ledger index>".
 * The message names the session's date and activity, who corrected it and
 * a link; never notes, scores or the fields changed.  public_url may be NULL.
 */
int rl_notify_corrected(struct rl_db *db, int64_t session, int64_t by, int64_t was_trainer, int64_t ledger_index,
			const char *public_url, time_t now, struct rl_error *err);

/*
 * What a trainee's progress looked like (trainee_status), for comparing
 * before and after an event.  Release with rl_notify_snap_release.
 */
struct rl_notify_snap {
	int64_t trainee;
	char status[16];      /* "" when the trainee has no status row */
	json_t *met;          /* object: module id -> title, for modules met */
};
int rl_notify_snapshot(struct rl_db *db, int64_t trainee, struct rl_notify_snap *snap, struct rl_error *err);
void rl_notify_snap_release(struct rl_notify_snap *snap);
/* Records and tells what changed since before, as caused by the statement at ledger_index. */
int rl_notify_progress(struct rl_db *db, const struct rl_notify_snap *before, int64_t ledger_index,
		       const char *public_url, time_t now, struct rl_error *err);

/*
 * The faculty digest: once per ISO week per faculty member who wants it
 * (key "digest:<faculty id>:<yyyy>-W<ww>"): trainees newly eligible (a
 * milestone in the last 7 days and still eligible), how many are eligible
 * in all, trainees stuck (in training, and no session signed for more than
 * stuck_days days, counted from joining when none ever was, or one waiting
 * more than stuck_days days), and the trainers with the longest queues.
 * Names, counts, dates and links only.  Run it in a transaction.
 */
#define RL_DIGEST_LIST_MAX 50
#define RL_DIGEST_TRAINERS 5
struct rl_digest_opts {
	int stuck_days;
	const char *public_url;
	time_t now;
};
int rl_notify_digests(struct rl_db *db, const struct rl_digest_opts *o, int *queued, struct rl_error *err);

/* "2026-W05" for the ISO week of t (UTC). */
void rl_iso_week(time_t t, char out[16]);

#endif
