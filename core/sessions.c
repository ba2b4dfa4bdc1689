/*
 * sessions.c - session validation, storage, JSON and visibility; see sessions.h.
 */
#include "sessions.h"
#include "supervision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "jsonin.h"
#include "progress.h"
#include "util.h"

#include "banned.h"

static const char *const session_fields[] = {
	"date", "minutes", "activity", "platform", "site", "procedure", "steps",
	"role", "trainer", "notes", NULL
};

/* Fields the server owns: a client setting one is told so, by name. */
static const char *const server_fields[] = {
	"id", "status", "trainee", "signed_by", "signed_at", "signoff", "created_at",
	"updated_at", "ledger_index", "trainee_name", "trainer_name", NULL
};

static int member_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

int rl_session_parse(struct rl_db *db, const struct rl_user *me, const json_t *body,
		     struct rl_session_new *out, struct rl_error *err)
{
	const char *key, *date = NULL, *activity = NULL, *platform = NULL, *role = NULL;
	json_t *value;
	long long trainer = 0;
	int present = 0;

	memset(out, 0, sizeof(*out));
	out->trainee = me->id;
	if (!json_is_object(body))
		return rl_error_set(err, RL_E_MALFORMED, "malformed-json", "The request body is not a JSON object",
				    "send a JSON object with the session's fields");

	json_object_foreach((json_t *)body, key, value) {
		if (member_in(key, server_fields))
			rl_error_field(err, key, "is set by the server and cannot be sent");
		else if (!member_in(key, session_fields))
			rl_error_field(err, key, "is not a field of a session");
	}

	if (rl_json_get_str(body, "date", 1, 10, &date, err) == 0 && date &&
	    rl_json_check_date(date, "date", RL_DATE_NOT_FUTURE, NULL, err) == 0)
		snprintf(out->date, sizeof(out->date), "%s", date);
	rl_json_get_int(body, "minutes", 1, 1, 1440, &out->minutes, &present, err);
	if (rl_json_get_str(body, "activity", 1, 32, &activity, err) == 0 && activity) {
		if (!rl_code_find(rl_activities, activity))
			rl_error_field(err, "activity", "'%s' is not an activity; use %s", activity,
				       rl_code_list(rl_activities));
		else
			out->activity = activity;
	}
	if (rl_json_get_str(body, "platform", 0, 64, &platform, err) == 0 && platform) {
		const struct rl_code *p = rl_platform_lookup(platform);
		if (!p)
			rl_error_field(err, "platform", "'%s' is not a known platform; use %s", platform,
				       rl_code_list(rl_platforms));
		else
			out->platform = p->code;
	}
	rl_json_get_str(body, "site", 0, 120, &out->site, err);
	rl_json_get_str(body, "procedure", 0, 120, &out->procedure, err);
	if (rl_json_get_str(body, "notes", 0, 2000, &out->notes, err) == 0)
		rl_json_check_free_text(out->notes, "notes", err);
	if (rl_json_get_str(body, "role", 0, 8, &role, err) == 0 && role) {
		if (!rl_code_find(rl_case_roles, role))
			rl_error_field(err, "role", "'%s' is not an eLogbook role code; use %s", role,
				       rl_code_list(rl_case_roles));
		else
			out->role = role;
	}
	if (rl_json_get_str_array(body, "steps", RL_SESSION_MAX_STEPS, 64, &out->steps, err) == 0 && out->steps) {
		size_t i;
		json_t *s;
		json_array_foreach(out->steps, i, s) {
			char name[32];
			long dup;

			snprintf(name, sizeof(name), "steps[%zu]", i);
			if (!rl_step_code_valid(json_string_value(s)))
				rl_error_field(err, name, "step codes use lower-case letters, digits, '_', '.' and '-'");
			else if ((dup = rl_steps_first_repeat(out->steps, i)) >= 0)
				rl_error_field(err, name, "repeats step '%s' (already steps[%ld]); a session lists "
					       "each step once", json_string_value(s), dup);
		}
		if (json_array_size(out->steps) == 0)
			out->steps = NULL;
	}
	if (rl_json_get_int(body, "trainer", 1, 1, INT64_MAX, &trainer, &present, err) == 0 && present) {
		struct rl_user t;
		struct rl_error lookup = RL_ERROR_INIT;

		if (trainer == me->id) {
			rl_error_field(err, "trainer", "you cannot name yourself as the supervising trainer");
		} else if (rl_user_get(db, trainer, &t, &lookup) < 0 || !(t.roles & RL_ROLE_TRAINER)) {
			if (lookup.status != RL_OK && lookup.status != RL_E_NOTFOUND) {
				*err = lookup;
				return -1;
			}
			rl_error_field(err, "trainer", "%lld is not the id of a trainer", trainer);
		} else {
			out->trainer = trainer;
		}
		rl_error_clear(&lookup);
	}
	return err->status ? -1 : 0;
}

long rl_steps_first_repeat(const json_t *steps, size_t i)
{
	const char *code = json_string_value(json_array_get(steps, i));
	size_t j;

	for (j = 0; code && j < i; j++) {
		const char *other = json_string_value(json_array_get(steps, j));
		if (other && strcmp(code, other) == 0)
			return (long)j;
	}
	return -1;
}

static long long max_pending;

void rl_session_set_max_pending(long long max)
{
	max_pending = max;
}

long long rl_session_max_pending(void)
{
	long long v, max = max_pending;

	/* Only the writer thread inserts sessions, so this needs no lock. */
	if (!max) {
		const char *env = getenv("RASLOG_MAX_PENDING");
		max = env && rl_parse_int(env, 1, 1000000, &v) == 0 ? v : RL_SESSION_MAX_PENDING;
		max_pending = max;
	}
	return max;
}

/* Refuses a new session when its trainee already has the cap of pending ones with that trainer. */
static int pending_cap(struct rl_db *db, const struct rl_session_new *s, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM sessions WHERE trainee_id = ? AND trainer_id = ? "
					  "AND status = 'pending'", err);
	long long n, max = rl_session_max_pending();

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, s->trainee);
	sqlite3_bind_int64(st, 2, s->trainer);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rl_db_fail(db, err, "counting pending sessions");
	}
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n >= max) {
		rl_error_set(err, RL_E_CONFLICT, "too-many-pending", "Too many sessions waiting for this trainer",
			     "you already have %lld sessions waiting for trainer %lld to sign (at most %lld); ask them "
			     "to sign or reject some before you log more with them", n, (long long)s->trainer, max);
		if (err)
			err->extra = json_pack("{s:I,s:I}", "pending", (json_int_t)n, "max_pending", (json_int_t)max);
		return -1;
	}
	return 0;
}

int rl_session_insert(struct rl_db *db, const struct rl_session_new *s, int64_t *id,
		      struct rl_error *err)
{
	char now[21];
	char *steps = NULL;
	sqlite3_stmt *st = rl_db_stmt(db,
		"INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, platform, site, "
		"procedure, steps, role, notes, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", err);

	if (!st || pending_cap(db, s, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	if (s->steps)
		steps = json_dumps(s->steps, JSON_COMPACT);
	sqlite3_bind_int64(st, 1, s->trainee);
	sqlite3_bind_int64(st, 2, s->trainer);
	sqlite3_bind_text(st, 3, s->date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, s->minutes);
	sqlite3_bind_text(st, 5, s->activity, -1, SQLITE_STATIC);
	rl_db_bind_text(st, 6, s->platform);
	rl_db_bind_text(st, 7, s->site);
	rl_db_bind_text(st, 8, s->procedure);
	rl_db_bind_text(st, 9, steps);
	rl_db_bind_text(st, 10, s->role);
	rl_db_bind_text(st, 11, s->notes);
	sqlite3_bind_text(st, 12, now, -1, SQLITE_TRANSIENT);
	free(steps);
	if (sqlite3_step(st) != SQLITE_DONE)
		return rl_db_fail(db, err, "storing a session");
	*id = sqlite3_last_insert_rowid(db->sql);
	return rl_progress_session_changed(db, *id, NULL, err);
}

#define SESSION_COLUMNS \
	"s.id, s.trainee_id, s.trainer_id, s.date, s.minutes, s.activity, s.platform, s.site, " \
	"s.procedure, s.steps, s.role, s.notes, s.status, s.signed_role, s.signed_steps, " \
	"s.signed_by, s.signed_at, s.signoff_index, s.reject_reason, s.created_at, " \
	"te.name, tr.name"
#define SESSION_FROM \
	" FROM sessions s JOIN users te ON te.id = s.trainee_id JOIN users tr ON tr.id = s.trainer_id"

static void set_text(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	const char *s = rl_db_col_text(st, col);
	if (s)
		json_object_set_new(o, key, json_string(s));
}

static void set_steps(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	const char *s = rl_db_col_text(st, col);
	json_t *a;

	if (!s)
		return;
	a = json_loads(s, 0, NULL);
	if (json_is_array(a))
		json_object_set_new(o, key, a);
	else
		json_decref(a);
}

static json_t *session_from_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	const char *status = rl_db_col_text(st, 12);

	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "trainee", json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new(o, "trainer", json_integer(sqlite3_column_int64(st, 2)));
	set_text(o, "date", st, 3);
	json_object_set_new(o, "minutes", json_integer(sqlite3_column_int64(st, 4)));
	set_text(o, "activity", st, 5);
	set_text(o, "platform", st, 6);
	set_text(o, "site", st, 7);
	set_text(o, "procedure", st, 8);
	set_steps(o, "steps", st, 9);
	set_text(o, "role", st, 10);
	set_text(o, "notes", st, 11);
	set_text(o, "created_at", st, 19);
	json_object_set_new(o, "status", json_string(status ? status : "pending"));
	set_text(o, "trainee_name", st, 20);
	set_text(o, "trainer_name", st, 21);
	if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
		json_t *so = json_object();
		json_object_set_new(so, "decision", json_string(strcmp(status, "signed") == 0 ? "confirmed" : "rejected"));
		json_object_set_new(so, "ledger_index", json_integer(sqlite3_column_int64(st, 17)));
		json_object_set_new(so, "signed_by", json_integer(sqlite3_column_int64(st, 15)));
		set_text(so, "signed_at", st, 16);
		set_text(so, "role", st, 13);
		set_steps(so, "steps", st, 14);
		set_text(so, "reason", st, 18);
		json_object_set_new(o, "signoff", so);
	} else {
		json_object_set_new(o, "signoff", json_null());
	}
	return o;
}

json_t *rl_session_load(struct rl_db *db, int64_t id, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM " WHERE s.id = ?", err);
	json_t *o = NULL;
	int rc;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		o = session_from_row(st);
	else if (rc == SQLITE_DONE)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no session %lld is visible to you", (long long)id);
	else
		rl_db_fail(db, err, "reading a session");
	sqlite3_reset(st);
	return o;
}

int rl_session_foreach_of_trainee(struct rl_db *db, int64_t trainee, int (*fn)(void *ctx, json_t *session),
				  void *ctx, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM
					  " WHERE s.trainee_id = ? ORDER BY s.date, s.id", err);
	int rc, stop = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, trainee);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *s = session_from_row(st);
		stop = fn(ctx, s);
		json_decref(s);
	}
	sqlite3_reset(st);
	if (stop < 0)
		return -1;
	if (!stop && rc != SQLITE_DONE)
		return rl_db_fail(db, err, "reading a trainee's sessions");
	return 0;
}

json_t *rl_session_certified_fields(const json_t *session)
{
	static const char *const certified[] = {
		"id", "trainee", "trainer", "date", "minutes", "activity", "platform", "site",
		"procedure", "steps", "role", "notes", "created_at", NULL
	};
	json_t *o = json_object();

	for (const char *const *k = certified; *k; k++) {
		json_t *v = json_object_get(session, *k);
		if (v && !json_is_null(v))
			json_object_set_new(o, *k, json_deep_copy(v));
	}
	return o;
}

int rl_session_visible(const struct rl_user *me, const json_t *session)
{
	int64_t trainee = json_integer_value(json_object_get(session, "trainee"));
	int64_t trainer = json_integer_value(json_object_get(session, "trainer"));

	if (me->roles & RL_ROLE_FACULTY)
		return 1;
	if ((me->roles & RL_ROLE_TRAINEE) && trainee == me->id)
		return 1;
	if ((me->roles & RL_ROLE_TRAINER) && trainer == me->id)
		return 1;
	return 0;
}

/* The part of the rule that needs no query: 1 yes, 0 no, -1 only if they supervised the trainee. */
static int trainee_visible_by_role(const struct rl_user *me, int64_t trainee)
{
	if (me->roles & RL_ROLE_FACULTY)
		return 1;
	if ((me->roles & RL_ROLE_TRAINEE) && trainee == me->id)
		return 1;
	return (me->roles & RL_ROLE_TRAINER) ? -1 : 0;
}

/* Whom a trainer supervises: named on a session, or assigned by faculty (the rule of supervision.h). */
#define SUPERVISED_SQL "SELECT trainee_id FROM sessions WHERE trainer_id = ?1 " \
		       "UNION SELECT trainee_id FROM assignments WHERE trainer_id = ?1"

int rl_trainee_visible(struct rl_db *db, const struct rl_user *me, int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	int found, by_role = trainee_visible_by_role(me, trainee);

	if (by_role >= 0)
		return by_role;
	found = rl_supervises(db, me->id, trainee, &err) == 1;
	rl_error_clear(&err);
	return found;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int rl_visible_load(struct rl_db *db, const struct rl_user *me, struct rl_visible *out, struct rl_error *err)
{
	size_t cap = 16;
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	out->all = trainee_visible_by_role(me, 0) == 1;
	if (out->all)
		return 0;
	if (!(out->ids = malloc(cap * sizeof(*out->ids))))
		return rl_error_internal(err, "out of memory");
	if (me->roles & RL_ROLE_TRAINEE)
		out->ids[out->n++] = me->id;
	if (me->roles & RL_ROLE_TRAINER) {
		if (!(st = rl_db_stmt(db, SUPERVISED_SQL, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, me->id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (out->n == cap) {
				int64_t *n = realloc(out->ids, cap * 2 * sizeof(*n));
				if (!n) {
					sqlite3_reset(st);
					rl_error_internal(err, "out of memory");
					goto fail;
				}
				out->ids = n;
				cap *= 2;
			}
			out->ids[out->n++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rl_db_fail(db, err, "reading whom you supervised");
			goto fail;
		}
	}
	qsort(out->ids, out->n, sizeof(*out->ids), cmp_id);
	return 0;
fail:
	rl_visible_release(out);
	return -1;
}

int rl_visible_has(const struct rl_visible *v, int64_t trainee)
{
	return v->all || (v->n && bsearch(&trainee, v->ids, v->n, sizeof(*v->ids), cmp_id) != NULL);
}

void rl_visible_release(struct rl_visible *v)
{
	free(v->ids);
	v->ids = NULL;
	v->n = 0;
}

json_t *rl_session_list(struct rl_db *db, const struct rl_user *me,
			const struct rl_session_filter *f, int64_t *next_cursor,
			struct rl_error *err)
{
	sqlite3_stmt *st;
	json_t *items;
	int n = 0, rc;
	int all = (me->roles & RL_ROLE_FACULTY) && !f->pending_for_me;

	st = rl_db_stmt(db, "SELECT " SESSION_COLUMNS SESSION_FROM
			" WHERE (?1 OR (?2 AND s.trainee_id = ?4) OR (?3 AND s.trainer_id = ?4))"
			" AND (?5 IS NULL OR s.trainee_id = ?5) AND (?6 IS NULL OR s.status = ?6)"
			" AND s.id < ?7 ORDER BY s.id DESC LIMIT ?8", err);
	if (!st)
		return NULL;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int(st, 2, !f->pending_for_me && (me->roles & RL_ROLE_TRAINEE) != 0);
	sqlite3_bind_int(st, 3, (me->roles & RL_ROLE_TRAINER) != 0);
	sqlite3_bind_int64(st, 4, me->id);
	if (f->trainee)
		sqlite3_bind_int64(st, 5, f->trainee);
	rl_db_bind_text(st, 6, f->pending_for_me ? "pending" : f->status);
	sqlite3_bind_int64(st, 7, f->before_id > 0 ? f->before_id : INT64_MAX);
	sqlite3_bind_int(st, 8, f->limit + 1);
	items = json_array();
	*next_cursor = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == f->limit) {
			*next_cursor = json_integer_value(json_object_get(json_array_get(items, (size_t)n - 1), "id"));
			break;
		}
		json_array_append_new(items, session_from_row(st));
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing sessions");
		items = NULL;
	}
	sqlite3_reset(st);
	return items;
}
