/*
 * supervision.c - supervision and assignments; see supervision.h.
 */
#include "base/prelude.h"

#include "domain/supervision.h"

#include <stdio.h>
#include <string.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "base/util.h"
#include "domain/sessions.h"

int rl_supervises(struct rl_db *db, int64_t trainer, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM assignments WHERE trainer_id = ?1 AND trainee_id = ?2) "
					  "OR EXISTS (SELECT 1 FROM sessions WHERE trainee_id = ?2 AND trainer_id = ?1 AND status <> 'withdrawn') "
					  "THEN 1 ELSE 0 END", err);
	int found, rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_int64(st, 2, trainee);
	rc = rl_step(st);
	found = rc == RL_ROW && rl_col_int(st, 0);
	rl_reset(st);
	if (rc != RL_ROW)
		return rl_db_fail(db, err, "checking supervision");
	return found;
}

void rl_supervision_refusal(int64_t trainer, int64_t trainee, char *buf, size_t size)
{
	snprintf(buf, size,
		 "trainer %lld does not supervise trainee %lld: a trainer signs only for trainees who named them on a "
		 "session or whom faculty assigned to them; the trainee can name you on a session, or faculty can "
		 "assign them to you (raslog trainer assign %lld %lld)",
		 (long long)trainer, (long long)trainee, (long long)trainer, (long long)trainee);
}

#define ASSIGNMENT_SELECT \
	"SELECT a.id, a.trainer_id, r.name, a.trainee_id, t.name, a.assigned_by, a.created_at " \
	"FROM assignments a JOIN users r ON r.id = a.trainer_id JOIN users t ON t.id = a.trainee_id "

static json_t *assignment_json(struct rl_stmt *st)
{
	return json_pack("{s:I,s:I,s:s,s:I,s:s,s:I,s:s}", "id", (json_int_t)rl_col_int64(st, 0),
			 "trainer", (json_int_t)rl_col_int64(st, 1), "trainer_name", rl_db_col_text(st, 2),
			 "trainee", (json_int_t)rl_col_int64(st, 3), "trainee_name", rl_db_col_text(st, 4),
			 "assigned_by", (json_int_t)rl_col_int64(st, 5), "created_at", rl_db_col_text(st, 6));
}

static json_t *assignment_get(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, ASSIGNMENT_SELECT "WHERE a.id = ?", err);
	json_t *o = NULL;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) == RL_ROW)
		o = assignment_json(st);
	else
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no assignment %lld", (long long)id);
	rl_reset(st);
	return o;
}

static int need_faculty(const struct rl_user *me, const char *what, struct rl_error *err)
{
	if (me->roles & (RL_ROLE_FACULTY | RL_ROLE_ADMIN))
		return 0;
	return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL, "only faculty or an admin may %s", what);
}

/* Faculty act only on the trainees of their programmes (sessions.h); an admin on everyone. */
static int need_programme(struct rl_db *db, const struct rl_user *me, int64_t trainee, struct rl_error *err)
{
	if ((me->roles & RL_ROLE_ADMIN) || rl_trainee_visible(db, me, trainee))
		return 0;
	return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
			    "trainee %lld is not in a programme of yours; faculty act on their own programmes' trainees",
			    (long long)trainee);
}

int rl_assignment_add(struct rl_db *db, const struct rl_user *me, const json_t *body, json_t **out,
		      struct rl_error *err)
{
	static const char *const allowed[] = { "trainer", "trainee", NULL };
	long long trainer = 0, trainee = 0;
	struct rl_user r, t;
	struct rl_error lookup = RL_ERROR_INIT;
	char now[21];
	struct rl_stmt *st;
	int64_t id;

	*out = NULL;
	if (need_faculty(me, "assign trainees to trainers", err) < 0)
		return -1;
	if (rl_json_check_members(body, allowed, err) < 0)
		return -1;
	rl_json_get_int(body, "trainer", 1, 1, INT64_MAX, &trainer, NULL, err);
	rl_json_get_int(body, "trainee", 1, 1, INT64_MAX, &trainee, NULL, err);
	if (err->status)
		return -1;
	if (rl_user_get(db, trainer, &r, &lookup) < 0 || !(r.roles & RL_ROLE_TRAINER))
		rl_error_field(err, "trainer", "user %lld is not a trainer", trainer);
	rl_error_clear(&lookup);
	if (rl_user_get(db, trainee, &t, &lookup) < 0 || !(t.roles & RL_ROLE_TRAINEE))
		rl_error_field(err, "trainee", "user %lld is not a trainee", trainee);
	rl_error_clear(&lookup);
	if (!err->status && trainer == trainee)
		rl_error_field(err, "trainee", "a trainer cannot be assigned to supervise themselves");
	if (err->status || need_programme(db, me, trainee, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	st = rl_db_stmt(db, "INSERT INTO assignments(trainer_id, trainee_id, assigned_by, created_at) VALUES (?,?,?,?) "
			    "RETURNING id", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainer);
	rl_bind_int64(st, 2, trainee);
	rl_bind_int64(st, 3, me->id);
	rl_bind_text(st, 4, now, -1);
	if (rl_step_id(st, &id) != RL_DONE) {
		int unique = rl_db_unique_violation(db);
		rl_reset(st);
		if (unique)
			return rl_error_set(err, RL_E_CONFLICT, "already-assigned", "Already assigned",
					    "trainee %lld is already assigned to trainer %lld", trainee, trainer);
		return rl_db_fail(db, err, "storing the assignment");
	}
	*out = assignment_get(db, id, err);
	return *out ? 0 : -1;
}

int rl_assignment_remove(struct rl_db *db, const struct rl_user *me, int64_t id, json_t **out,
			 struct rl_error *err)
{
	struct rl_stmt *st;

	*out = NULL;
	if (need_faculty(me, "remove assignments", err) < 0)
		return -1;
	if (!(*out = assignment_get(db, id, err)))
		return -1;
	if (need_programme(db, me, json_integer_value(json_object_get(*out, "trainee")), err) < 0)
		goto fail;
	st = rl_db_stmt(db, "DELETE FROM assignments WHERE id = ?", err);
	if (!st)
		goto fail;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) != RL_DONE) {
		rl_reset(st);
		rl_db_fail(db, err, "removing the assignment");
		goto fail;
	}
	rl_reset(st);
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return -1;
}

json_t *rl_assignment_list(struct rl_db *db, const struct rl_user *me, int64_t trainer, int64_t trainee,
			   struct rl_error *err)
{
	int all = (me->roles & RL_ROLE_ADMIN) != 0;
	struct rl_stmt *st = rl_db_stmt(db, ASSIGNMENT_SELECT
		"WHERE (?1 <> 0 OR (?2 <> 0 AND a.trainer_id = ?4) OR (?3 <> 0 AND a.trainee_id = ?4) "
		"OR (?7 <> 0 AND " RL_FACULTY_SCOPE_SQL("a.trainee_id") ")) "
		"AND (?5 = 0 OR a.trainer_id = ?5) AND (?6 = 0 OR a.trainee_id = ?6) ORDER BY a.id", err);
	json_t *items;
	int rc;

	if (!st)
		return NULL;
	rl_bind_int(st, 1, all);
	rl_bind_int(st, 2, (me->roles & RL_ROLE_TRAINER) != 0);
	rl_bind_int(st, 3, (me->roles & RL_ROLE_TRAINEE) != 0);
	rl_bind_int64(st, 4, me->id);
	rl_bind_int64(st, 5, trainer);
	rl_bind_int64(st, 6, trainee);
	rl_bind_int(st, 7, (me->roles & RL_ROLE_FACULTY) != 0);
	rl_scope_bind(st, me);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(items, assignment_json(st));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing assignments");
		return NULL;
	}
	return items;
}
