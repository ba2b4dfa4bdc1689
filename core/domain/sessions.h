/*
 * sessions.h - training sessions: validating a trainee's entry, storing
 * it, reading it back as JSON, and who may see it.
 *
 * A session's JSON (the API's representation and the part of a sign-off
 * statement that certifies it) is built only here.
 */
#ifndef RASLOG_SESSIONS_H
#define RASLOG_SESSIONS_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"
#include "store/programmes_rows.h"

#define RL_SESSION_MAX_STEPS 40
/*
 * At most this many pending (unsigned) sessions per trainee per trainer; a
 * new one beyond it is refused 409 too-many-pending.  RASLOG_MAX_PENDING
 * in raslogd's environment overrides it (the tests lower it).
 */
#define RL_SESSION_MAX_PENDING 50
#define RL_LIST_MAX 200
#define RL_LIST_MAX_ACC 500

/* A validated new session; strings borrow from the parsed body. */
struct rl_session_new {
	char date[11];
	long long minutes;
	const char *activity;
	const char *platform;   /* canonical code or NULL */
	const char *site;
	const char *procedure;
	const char *role;
	const char *notes;
	json_t *steps;          /* borrowed array of step codes, or NULL */
	int64_t trainee;
	int64_t trainer;
	const char *created_at; /* the time rl_session_insert stores, or NULL for now */
	/*
	 * What rl_session_parse read for the reply while it checked the body,
	 * on the caller's thread (has_known 1), so the writer's job does not
	 * read it again (rl_session_logged_read): the two people's names (the
	 * caller's own, the trainer's row it looked up) and whether the
	 * trainer holds an accreditation in force today (a warning's fact).
	 */
	int has_known;
	char trainee_name[121];
	char trainer_name[121];
	int trainer_accredited;
};

/* Checks every field of a POST /sessions body; collects all field errors. */
int rl_session_parse(struct rl_db *db, const struct rl_user *me, const json_t *body,
		     struct rl_session_new *out, struct rl_error *err);

/* The pending cap in force: RASLOG_MAX_PENDING if set (1..1000000), else RL_SESSION_MAX_PENDING. */
long long rl_session_max_pending(void);
/* Sets the cap (bulk loaders such as bench/seed, which sign in batches). */
void rl_session_set_max_pending(long long max);

/* Index of the first earlier copy of steps[i] in the array steps, or -1 if it is the first. */
long rl_steps_first_repeat(const json_t *steps, size_t i);

/* Stores a validated session (in the caller's transaction); sets *id.
 * Refuses (409 too-many-pending) when the cap of pending sessions with
 * that trainer is reached. */
int rl_session_insert(struct rl_db *db, const struct rl_session_new *s, int64_t *id,
		      struct rl_error *err);

/* Loads a session as its API JSON; RL_E_NOTFOUND when absent. */
json_t *rl_session_load(struct rl_db *db, int64_t id, struct rl_error *err);

/* Calls fn for each of the trainee's sessions, oldest first, in one query; fn returns 0 to go on. */
int rl_session_foreach_of_trainee(struct rl_db *db, int64_t trainee, int (*fn)(void *ctx, json_t *session),
				  void *ctx, struct rl_error *err);

/* 1 if me may see this session (trainee: own; trainer: names them; faculty: their programmes' trainees). */
int rl_session_visible(struct rl_db *db, const struct rl_user *me, const json_t *session);

/*
 * Whose records a caller may see, person by person: faculty the trainees
 * of their own programme (every trainee while no programme exists); a
 * trainee their own; a trainer those of every trainee they supervised in
 * at least one session or were assigned.  The one rule behind a trainee's
 * progress, export and credentials, the session list, the accreditation
 * view, reports, oversight, digests and the ledger's entries about them.
 * 1 if me may see trainee's records, 0 if not (and on a read error).
 */
int rl_trainee_visible(struct rl_db *db, const struct rl_user *me, int64_t trainee);

/*
 * The faculty part of the rule as SQL, for the store/ queries over many
 * trainees, is RL_FACULTY_SCOPE_SQL(col) in store/scope.h: its only copy
 * in SQL.  Domain passes the faculty member's id to those queries.
 */

/*
 * The same rule for many records at once (a ledger export): the set is
 * read in one query per request, then rl_visible_has() costs a binary search.
 */
struct rl_visible {
	int all;           /* faculty while no programme exists: every trainee */
	int64_t *ids;      /* sorted trainee ids (malloc'd), the caller's own id included */
	size_t n;
	size_t cap;        /* ids allocated */
};
int rl_visible_load(struct rl_db *db, const struct rl_user *me, struct rl_visible *out, struct rl_error *err);
int rl_visible_has(const struct rl_visible *v, int64_t trainee);
void rl_visible_release(struct rl_visible *v);

/*
 * Corrections (issue 16): a trainee edits or withdraws their own pending
 * session.  Each keeps the version it replaces (session_revisions) and
 * raises the session's revision; a withdrawn session keeps its row with
 * status "withdrawn", counts nowhere and no longer shows to its trainer.
 */

/* The fields a trainee logged (the members POST /sessions takes), as a new object. */
json_t *rl_session_logged_fields(const json_t *session);

/*
 * Applies patch to session's logged fields (a member replaces, null
 * removes: RFC 7396 at the top level) and checks the result exactly as
 * rl_session_parse checks a new session.  *merged (a new reference, set
 * even on failure) owns the strings out borrows: release it after out.
 */
int rl_session_parse_edit(struct rl_db *db, const struct rl_user *me, const json_t *session, const json_t *patch,
			  json_t **merged, struct rl_session_new *out, struct rl_error *err);

/* The session's entity tag: "REVISION-STATUS" with the quotes, e.g. "2-pending". */
void rl_session_etag(const json_t *session, char *out, size_t size);

/*
 * Replaces the logged fields of trainee's pending session id with s, or
 * withdraws it when s is NULL, in the caller's transaction.  Refuses:
 * another trainee's session (RL_E_FORBIDDEN), one no longer pending
 * (RL_E_CONFLICT "not-pending"), one whose revision is not
 * expect_revision (RL_E_CONFLICT "precondition-failed"), a new trainer
 * with the cap of pending sessions (RL_E_CONFLICT "too-many-pending").
 */
int rl_session_update(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
		      const struct rl_session_new *s, struct rl_error *err);

/*
 * Likely mistakes in a stored session, as a new array of
 * {"code","detail"[,"field"]}: "duplicate" (another pending or signed
 * session of the trainee with the same date, activity, minutes and
 * procedure), "step-not-counted" (a step code no requirement of the
 * trainee's curriculum counts), "trainer-not-accredited" (no
 * accreditation in force today), "implausible-length" (longer than the
 * activity's limit).  Warnings never refuse.  NULL on a read error.
 */
json_t *rl_session_warnings(struct rl_db *db, const json_t *session, struct rl_error *err);

/*
 * What the warnings need from the database, read in the transaction that
 * stores the session; rl_session_facts_warnings turns them into the array
 * rl_session_warnings gives, off the writer's thread.
 */
struct rl_session_facts {
	int64_t duplicate;     /* the first other pending or signed session alike, or 0 */
	int accredited;        /* the trainer holds an accreditation in force today */
	int enrolled;          /* the trainee is on a curriculum (read only when steps are named) */
	char curriculum[65];   /* its code and version */
	int version;
	unsigned char uncounted[RL_SESSION_MAX_STEPS]; /* 1: no requirement counts steps[i] */
};

/* Reads the facts of session id, whose logged fields are s (s->trainee is its trainee). */
int rl_session_facts_read(struct rl_db *db, const struct rl_session_new *s, int64_t id, struct rl_session_facts *f,
			  struct rl_error *err);
/* The warnings of session s from its facts, as rl_session_warnings gives them. */
json_t *rl_session_facts_warnings(const struct rl_session_new *s, const struct rl_session_facts *f);

/*
 * A session just logged, as the writer's transaction saw it: with s, what
 * rl_session_logged_json needs to build the record rl_session_load would
 * read back, byte for byte, without reading it.
 */
struct rl_session_logged {
	int64_t id;
	char created_at[21];   /* the caller sets it, and s->created_at to it, before the insert */
	char trainee_name[121];
	char trainer_name[121];
	struct rl_session_facts facts;
};

/*
 * Reads, in the transaction that stored session l->id with fields s, the
 * names and facts of *l; those rl_session_parse already read
 * (s->has_known) are taken from s: only the duplicate is read here.
 */
int rl_session_logged_read(struct rl_db *db, const struct rl_session_new *s, struct rl_session_logged *l,
			   struct rl_error *err);
/* The record of session l->id, stored as s at l->created_at (new: pending, revision 1), as rl_session_load gives it. */
json_t *rl_session_logged_json(const struct rl_session_new *s, const struct rl_session_logged *l);

struct rl_session_filter {
	int64_t trainee;     /* 0: any */
	const char *status;  /* NULL: any */
	int64_t before_id;   /* cursor: only ids below this; 0: from the newest */
	int limit;           /* 1..RL_LIST_MAX */
	int pending_for_me;  /* only sessions waiting for me as the trainer */
};

/* Lists visible sessions newest first; *next_cursor is 0 at the end. */
json_t *rl_session_list(struct rl_db *db, const struct rl_user *me,
			const struct rl_session_filter *f, int64_t *next_cursor,
			struct rl_error *err);

#endif
