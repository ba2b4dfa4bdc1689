/*
 * programmes.h - programmes (issue 17 item 3): a programme such as
 * "START North East" groups trainees, trainers and faculty.  Who may see
 * whose records by programme is not here but in sessions.h
 * (rl_trainee_visible; its SQL, RL_FACULTY_SCOPE_SQL, is in
 * store/programmes_rows.h), the one place of that rule.
 *
 * A trainee is in one programme at a time, faculty and trainers in any
 * number; a move closes the current membership and opens another, so the
 * history is kept
 * (schema/012_programmes.sql).  A programme may override the reminder
 * thresholds (notify.h); -1 here means "the global one".
 *
 * Writers run inside the caller's transaction; json_t results are new
 * references the caller frees.
 */
#ifndef RASLOG_PROGRAMMES_H
#define RASLOG_PROGRAMMES_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"

#define RL_PROGRAMME_NAME_MAX 120

struct rl_programme_in {
	const char *name;       /* NULL: unchanged (PATCH) */
	long long remind_count; /* -1: global; -2: unchanged */
	long long remind_days;  /* -1: global; -2: unchanged */
};

/* Checks a POST (creating: name required) or PATCH body {name, reminder_count, reminder_days}. */
int rl_programme_parse(const json_t *body, int creating, struct rl_programme_in *out, struct rl_error *err);
/* Creates a programme; a name already taken is a field error (409 is for records, this is input). */
int rl_programme_create(struct rl_db *db, const struct rl_programme_in *in, int64_t by, int64_t *id,
			struct rl_error *err);
/* Renames or changes thresholds; RL_E_NOTFOUND if absent. */
int rl_programme_update(struct rl_db *db, int64_t id, const struct rl_programme_in *in, struct rl_error *err);
/* One programme {id, name, reminder_count, reminder_days, members:{trainees,trainers,faculty}, created_at}. */
json_t *rl_programme_get(struct rl_db *db, int64_t id, struct rl_error *err);
/* Every programme, by name. */
json_t *rl_programmes_list(struct rl_db *db, struct rl_error *err);
/* 1 if programme id exists, 0 if not, -1 on a read error. */
int rl_programme_exists(struct rl_db *db, int64_t id, struct rl_error *err);

/*
 * Makes user's current programmes exactly ids[0..n) (n 0: none), closing
 * the memberships left and opening the new ones; nothing changes for the
 * ones kept.  Refuses, as field errors on field, an unknown programme and
 * more than one programme for a trainee.
 */
int rl_programme_set_members(struct rl_db *db, int64_t user, const int64_t *ids, size_t n, int64_t by,
			     const char *field, struct rl_error *err);
#define RL_PROGRAMMES_MAX 20
/* The user's current programmes [{id, name}], by name. */
json_t *rl_programmes_of(struct rl_db *db, int64_t user, struct rl_error *err);
/* The user's memberships, oldest first: [{programme, name, from, until, changed_by}]. */
json_t *rl_programme_history(struct rl_db *db, int64_t user, struct rl_error *err);

/*
 * Reads an optional "programme" member (a programme id, or null for none)
 * of a PATCH or invitation body: *set 1 and *id (0 for null) when present.
 */
int rl_programme_member_parse(const json_t *body, int64_t *id, int *set, struct rl_error *err);
/*
 * Reads an optional "programmes" member (an array of programme ids, for
 * faculty and trainers who serve several): *n ids into ids[RL_PROGRAMMES_MAX],
 * *set 1 when present.
 */
int rl_programmes_member_parse(const json_t *body, int64_t *ids, size_t *n, int *set, struct rl_error *err);

#endif
