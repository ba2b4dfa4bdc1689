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
#include "store/supervision_rows.h"

int rl_supervises(struct rl_db *db, int64_t trainer, int64_t trainee, struct rl_error *err)
{
	return rl_rows_supervises(db, trainer, trainee, err);
}

void rl_supervision_refusal(int64_t trainer, int64_t trainee, char *buf, size_t size)
{
	snprintf(buf, size,
		 "trainer %lld does not supervise trainee %lld: a trainer signs only for trainees who named them on a "
		 "session or whom faculty assigned to them; the trainee can name you on a session, or faculty can "
		 "assign them to you (raslog trainer assign %lld %lld)",
		 (long long)trainer, (long long)trainee, (long long)trainer, (long long)trainee);
}

static json_t *assignment_json(const struct rl_row_assignment *r)
{
	return json_pack("{s:I,s:I,s:s,s:I,s:s,s:I,s:s}", "id", (json_int_t)r->id,
			 "trainer", (json_int_t)r->trainer, "trainer_name", r->trainer_name,
			 "trainee", (json_int_t)r->trainee, "trainee_name", r->trainee_name,
			 "assigned_by", (json_int_t)r->assigned_by, "created_at", r->created_at);
}

static int set_assignment(void *ctx, const struct rl_row_assignment *r)
{
	*(json_t **)ctx = assignment_json(r);
	return 0;
}

static int append_assignment(void *ctx, const struct rl_row_assignment *r)
{
	json_array_append_new(ctx, assignment_json(r));
	return 0;
}

static json_t *assignment_get(struct rl_db *db, int64_t id, struct rl_error *err)
{
	json_t *o = NULL;

	if (rl_rows_assignment_get(db, id, set_assignment, &o, err) == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no assignment %lld", (long long)id);
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
	if (rl_rows_assignment_insert(db, trainer, trainee, me->id, now, &id, err) < 0) {
		if (rl_db_unique_violation(db)) {
			rl_error_clear(err);
			return rl_error_set(err, RL_E_CONFLICT, "already-assigned", "Already assigned",
					    "trainee %lld is already assigned to trainer %lld", trainee, trainer);
		}
		return -1;
	}
	*out = assignment_get(db, id, err);
	return *out ? 0 : -1;
}

int rl_assignment_remove(struct rl_db *db, const struct rl_user *me, int64_t id, json_t **out,
			 struct rl_error *err)
{
	*out = NULL;
	if (need_faculty(me, "remove assignments", err) < 0)
		return -1;
	if (!(*out = assignment_get(db, id, err)))
		return -1;
	if (need_programme(db, me, json_integer_value(json_object_get(*out, "trainee")), err) < 0)
		goto fail;
	if (rl_rows_assignment_delete(db, id, err) < 0)
		goto fail;
	return 0;
fail:
	json_decref(*out);
	*out = NULL;
	return -1;
}

json_t *rl_assignment_list(struct rl_db *db, const struct rl_user *me, int64_t trainer, int64_t trainee,
			   struct rl_error *err)
{
	struct rl_row_assignment_filter f = {
		.all = (me->roles & RL_ROLE_ADMIN) != 0,
		.as_trainer = (me->roles & RL_ROLE_TRAINER) != 0,
		.as_trainee = (me->roles & RL_ROLE_TRAINEE) != 0,
		.faculty = (me->roles & RL_ROLE_FACULTY) != 0,
		.me = me->id, .trainer = trainer, .trainee = trainee,
	};
	json_t *items = json_array();

	if (rl_rows_assignments_list(db, &f, append_assignment, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}
