/*
 * notify_rows.h - what notifications read and write (domain/notify.c):
 * everyone's notification preferences (notify_prefs, each kind on by
 * default for the role it concerns), the trainers a reminder is due to
 * and the sessions it lists, a trainee's status row and progress
 * milestones, a corrected session, and the figures of the faculty digest.
 * Which mail goes to whom, and its words, stay in domain/notify.c; the
 * faculty member a digest is for reaches these queries as a parameter
 * (store/scope.h).
 */
#ifndef RASLOG_NOTIFY_ROWS_H
#define RASLOG_NOTIFY_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* ---- preferences ---- */

/* A person's effective choices (stored, else the role's default): 1 found, 0 no such user, -1 with err. */
int rl_rows_notify_prefs(struct rl_db *db, int64_t user, int *reminders, int *decisions, int *digest,
			 struct rl_error *err);
/* Stores a person's choices (each 0 or 1) at now.  0 or -1 with err. */
int rl_rows_notify_prefs_put(struct rl_db *db, int64_t user, int reminders, int decisions, int digest,
			     const char *now, struct rl_error *err);

/* A person to mail. */
struct rl_row_notify_person {
	char name[256];
	char email[256];
	int wants;              /* active and wants the kind of mail asked about */
};

/*
 * User id's name and email, and whether they want reminders (reminders
 * non-zero: mail as a trainer) or decision and progress mail (as a
 * trainee).  1 found, 0 no such user (p zeroed), -1 with err.
 */
int rl_rows_notify_person(struct rl_db *db, int64_t id, int reminders, struct rl_row_notify_person *p,
			  struct rl_error *err);

/* ---- reminders ---- */

/* A trainer with sessions waiting for them who wants reminders. */
struct rl_row_notify_trainer {
	int64_t trainer;
	const char *name;
	const char *email;
	int64_t waiting;          /* sessions waiting */
	const char *oldest;       /* created_at of the oldest */
	int64_t programme_count;  /* their programmes' strictest reminder_count, -1 for none */
	int64_t programme_days;   /* their programmes' strictest reminder_days, -1 for none */
};

/*
 * Calls each for every active trainer who wants reminders and has a
 * session waiting, by id (pointers valid during the call; each runs no
 * other statement).  0, each's non-zero return, or -1 with err.
 */
int rl_rows_notify_trainers_waiting(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_notify_trainer *row),
				    void *ctx, struct rl_error *err);

/* A session waiting for a trainer's signature. */
struct rl_row_notify_waiting {
	const char *date;
	const char *trainee_name;
	const char *activity;
};

/* Calls each for at most max of trainer's waiting sessions, oldest date first (as above). */
int rl_rows_notify_waiting_sessions(struct rl_db *db, int64_t trainer, int max,
				    int (*each)(void *ctx, const struct rl_row_notify_waiting *row), void *ctx,
				    struct rl_error *err);

/* ---- progress ---- */

/*
 * A trainee's status row: status into status[size] and the summary (JSON
 * text, malloc'd, NULL if the column is) into *summary.  1 found, 0 no
 * row (status "" and *summary NULL), -1 with err.
 */
int rl_rows_notify_trainee_status(struct rl_db *db, int64_t trainee, char *status, size_t size, char **summary,
				  struct rl_error *err);
/* Records a milestone (kind "module" with module, or "eligible" with module NULL).  0 or -1 with err. */
int rl_rows_notify_milestone_insert(struct rl_db *db, int64_t trainee, const char *kind, const char *module,
				    int64_t ledger_index, const char *at, struct rl_error *err);

/* ---- corrections ---- */

/* A session as a correction mail tells of it. */
struct rl_row_notify_session {
	int64_t trainee;
	int64_t trainer;
	int64_t revision;
	char date[16];
	char activity[64];
	char status[16];
};

/* Session id: 1 found, 0 none, -1 with err. */
int rl_rows_notify_session(struct rl_db *db, int64_t id, struct rl_row_notify_session *s, struct rl_error *err);

/* ---- the faculty digest ---- */

/* A faculty member who wants the digest. */
struct rl_row_notify_faculty {
	int64_t id;
	const char *name;
	const char *email;
};

/* Calls each for every active faculty member who wants the digest, by id (as rl_rows_notify_trainers_waiting). */
int rl_rows_notify_digest_faculty(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_notify_faculty *row),
				  void *ctx, struct rl_error *err);

/* A trainee of the digest: newly eligible (id, name, since) or stuck (all but since). */
struct rl_row_notify_trainee {
	int64_t id;
	const char *name;
	const char *since;          /* newly eligible: the day of the last eligible milestone */
	const char *last_signed;    /* stuck: when the ledger took their last signed evidence, or NULL */
	const char *oldest_pending; /* stuck: created_at of the oldest waiting session, or NULL */
	int64_t waiting;            /* stuck: sessions waiting */
};

/*
 * In faculty member faculty's scope (store/scope.h), the active trainees
 * eligible now with an eligible milestone at or after since, oldest
 * milestone first; each as rl_rows_notify_trainers_waiting's.
 */
int rl_rows_notify_newly_eligible(struct rl_db *db, int64_t faculty, const char *since,
				  int (*each)(void *ctx, const struct rl_row_notify_trainee *row), void *ctx,
				  struct rl_error *err);
/* How many active trainees in faculty's scope are eligible, into *n.  0 or -1 with err. */
int rl_rows_notify_eligible_count(struct rl_db *db, int64_t faculty, int64_t *n, struct rl_error *err);
/*
 * In faculty's scope, the active trainees in training with nothing signed
 * (or nothing since joining) before cutoff, or a session waiting since
 * before it; longest silent first.
 */
int rl_rows_notify_stuck(struct rl_db *db, int64_t faculty, const char *cutoff,
			 int (*each)(void *ctx, const struct rl_row_notify_trainee *row), void *ctx,
			 struct rl_error *err);

/* A trainer's queue of waiting sessions. */
struct rl_row_notify_queue {
	const char *trainer_name;
	int64_t waiting;
	const char *oldest;     /* the day the oldest was logged */
};

/* The max longest queues of sessions of trainees in faculty's scope. */
int rl_rows_notify_queues(struct rl_db *db, int64_t faculty, int max,
			  int (*each)(void *ctx, const struct rl_row_notify_queue *row), void *ctx,
			  struct rl_error *err);

#endif
