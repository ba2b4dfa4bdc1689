/*
 * sessions.c - session validation, storage, JSON and visibility; see sessions.h.
 */
#include "base/prelude.h"

#include "domain/sessions.h"
#include "domain/supervision.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "domain/catalog.h"
#include "domain/progress_batch.h"
#include "ledger/texts.h"
#include "base/util.h"
#include "store/programmes_rows.h"
#include "store/sessions_rows.h"
#include "store/supervision_rows.h"

static const char *const session_fields[] = {
	"date", "minutes", "activity", "platform", "site", "procedure", "steps",
	"role", "trainer", "notes", NULL
};

/* Fields the server owns: a client setting one is told so, by name. */
static const char *const server_fields[] = {
	"id", "status", "trainee", "signed_by", "signed_at", "signoff", "created_at",
	"updated_at", "ledger_index", "trainee_name", "trainer_name", "revision", "withdrawn_at", NULL
};

static int member_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static int trainer_accredited_today(struct rl_db *db, int64_t trainer, struct rl_error *err);

int rl_session_parse(struct rl_db *db, const struct rl_user *me, const json_t *body,
		     struct rl_session_new *out, struct rl_error *err)
{
	const char *key, *date = NULL, *activity = NULL, *platform = NULL, *role = NULL;
	json_t *value;
	long long trainer = 0;
	int present = 0, acc;

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
	rl_json_get_text(body, "procedure", 0, 120, &out->procedure, err); /* characters, as documented */
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
			snprintf(out->trainer_name, sizeof(out->trainer_name), "%s", t.name);
		}
		rl_error_clear(&lookup);
	}
	if (err->status)
		return -1;
	/* The reply's facts that do not depend on the writer's transaction, read here rather than in its job. */
	snprintf(out->trainee_name, sizeof(out->trainee_name), "%s", me->name);
	if ((acc = trainer_accredited_today(db, out->trainer, err)) < 0)
		return -1;
	out->trainer_accredited = acc;
	out->has_known = 1;
	return 0;
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
	int64_t count;
	long long n, max = rl_session_max_pending();

	/* Fewer pending sessions in all than the cap (the batch knows them): fewer with this trainer too. */
	if (rl_progress_pending_below(db, s->trainee, max))
		return 0;
	if (rl_rows_session_pending_count(db, s->trainee, s->trainer, &count, err) < 0)
		return -1;
	n = count;
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

/* The row store/ keeps of a validated session; *steps is the JSON text it points to (free it). */
static void session_row_new(const struct rl_session_new *s, struct rl_row_session_new *r, char **steps)
{
	*steps = s->steps ? json_dumps(s->steps, JSON_COMPACT) : NULL;
	*r = (struct rl_row_session_new){
		.trainee = s->trainee, .trainer = s->trainer, .date = s->date, .minutes = s->minutes,
		.activity = s->activity, .platform = s->platform, .site = s->site, .procedure = s->procedure,
		.steps = *steps, .role = s->role, .notes = s->notes,
	};
}

int rl_session_insert(struct rl_db *db, const struct rl_session_new *s, int64_t *id,
		      struct rl_error *err)
{
	struct rl_row_session_new r;
	char now[21];
	char *steps;
	int rc;

	if (pending_cap(db, s, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	session_row_new(s, &r, &steps);
	rc = rl_rows_session_insert(db, &r, s->created_at ? s->created_at : now, id, err);
	free(steps);
	return rc;
}

static void set_text(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

static void set_steps(json_t *o, const char *key, const char *s)
{
	json_t *a;

	if (!s)
		return;
	a = json_loads(s, 0, NULL);
	if (json_is_array(a))
		json_object_set_new(o, key, a);
	else
		json_decref(a);
}

/* The record's JSON; steps, if given, stands for the row's steps text (the array that text holds). */
static json_t *session_json_with(struct rl_db *db, const struct rl_row_session *r, const json_t *steps)
{
	json_t *o = json_object();
	const char *status = r->status;

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "trainee", json_integer(r->trainee));
	json_object_set_new(o, "trainer", json_integer(r->trainer));
	set_text(o, "date", r->date);
	json_object_set_new(o, "minutes", json_integer(r->minutes));
	set_text(o, "activity", r->activity);
	set_text(o, "platform", r->platform);
	set_text(o, "site", r->site);
	set_text(o, "procedure", r->procedure);
	if (steps)
		json_object_set_new(o, "steps", json_deep_copy(steps));
	else
		set_steps(o, "steps", r->steps);
	set_text(o, "role", r->role);
	set_text(o, "notes", r->notes);
	set_text(o, "created_at", r->created_at);
	json_object_set_new(o, "status", json_string(status ? status : "pending"));
	set_text(o, "trainee_name", r->trainee_name);
	set_text(o, "trainer_name", r->trainer_name);
	json_object_set_new(o, "revision", json_integer(r->revision));
	set_text(o, "updated_at", r->updated_at);
	set_text(o, "withdrawn_at", r->withdrawn_at);
	if (r->has_signoff) {
		json_t *so = json_object();
		json_object_set_new(so, "decision", json_string(strcmp(status, "signed") == 0 ? "confirmed" : "rejected"));
		json_object_set_new(so, "ledger_index", json_integer(r->signoff_index));
		json_object_set_new(so, "signed_by", json_integer(r->signed_by));
		set_text(so, "signed_at", r->signed_at);
		set_text(so, "role", r->signed_role);
		set_steps(so, "steps", r->signed_steps);
		set_text(so, "reason", r->reject_reason);
		/* The free text the sign-off commits to, with salts, or erased (ledger/texts.h). */
		struct rl_error texts_err = RL_ERROR_INIT;
		json_t *texts = rl_texts_of(db, r->signoff_index, &texts_err);
		if (texts)
			json_object_set_new(so, "texts", texts);
		json_object_set_new(o, "signoff", so);
	} else {
		json_object_set_new(o, "signoff", json_null());
	}
	return o;
}

static json_t *session_json(struct rl_db *db, const struct rl_row_session *r)
{
	return session_json_with(db, r, NULL);
}

json_t *rl_session_logged_json(const struct rl_session_new *s, const struct rl_session_logged *l)
{
	/* The row the insert wrote, with the columns' defaults of a new session (no sign-off: no read). */
	struct rl_row_session r = {
		.id = l->id, .trainee = s->trainee, .trainer = s->trainer, .date = s->date, .minutes = s->minutes,
		.activity = s->activity, .platform = s->platform, .site = s->site, .procedure = s->procedure,
		.role = s->role, .notes = s->notes, .status = "pending", .created_at = l->created_at,
		.trainee_name = l->trainee_name, .trainer_name = l->trainer_name, .revision = 1,
	};

	return session_json_with(NULL, &r, json_array_size(s->steps) ? s->steps : NULL);
}

int rl_session_logged_read(struct rl_db *db, const struct rl_session_new *s, struct rl_session_logged *l,
			   struct rl_error *err)
{
	if (s->has_known) {
		snprintf(l->trainee_name, sizeof(l->trainee_name), "%s", s->trainee_name);
		snprintf(l->trainer_name, sizeof(l->trainer_name), "%s", s->trainer_name);
	} else if (rl_rows_session_names(db, s->trainee, s->trainer, l->trainee_name, l->trainer_name,
					 sizeof(l->trainee_name), err) < 0) {
		return -1;
	}
	return rl_session_facts_read(db, s, l->id, &l->facts, err);
}

struct session_ctx {
	struct rl_db *db;
	json_t *out;                                  /* the one session, or the list */
	int (*fn)(void *ctx, json_t *session);        /* or a caller's function */
	void *fn_ctx;
	int limit, n;
	int64_t *next_cursor;
};

static int set_session(void *vctx, const struct rl_row_session *r)
{
	struct session_ctx *c = vctx;

	c->out = session_json(c->db, r);
	return 0;
}

json_t *rl_session_load(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct session_ctx c = { .db = db };

	if (rl_rows_session_get(db, id, set_session, &c, err) == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no session %lld is visible to you", (long long)id);
	return c.out;
}

static int call_fn(void *vctx, const struct rl_row_session *r)
{
	struct session_ctx *c = vctx;
	json_t *s = session_json(c->db, r);
	int stop = c->fn(c->fn_ctx, s);

	json_decref(s);
	return stop;
}

int rl_session_foreach_of_trainee(struct rl_db *db, int64_t trainee, int (*fn)(void *ctx, json_t *session),
				  void *ctx, struct rl_error *err)
{
	struct session_ctx c = { .db = db, .fn = fn, .fn_ctx = ctx };

	return rl_rows_sessions_of_trainee(db, trainee, call_fn, &c, err) < 0 ? -1 : 0;
}

/* 1 if programmes do not exist yet or trainee is in one of faculty member me's; 0 if not; -1 on a read error. */
static int faculty_sees(struct rl_db *db, const struct rl_user *me, int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	int found = rl_rows_programme_faculty_sees(db, me->id, trainee, &err);

	rl_error_clear(&err);
	return found;
}

int rl_session_visible(struct rl_db *db, const struct rl_user *me, const json_t *session)
{
	int64_t trainee = json_integer_value(json_object_get(session, "trainee"));
	int64_t trainer = json_integer_value(json_object_get(session, "trainer"));

	if ((me->roles & RL_ROLE_TRAINEE) && trainee == me->id)
		return 1;
	/* A withdrawn session no longer waits for its trainer (often the wrong one). */
	if ((me->roles & RL_ROLE_TRAINER) && trainer == me->id) {
		const char *status = json_string_value(json_object_get(session, "status"));
		if (!status || strcmp(status, "withdrawn") != 0)
			return 1;
	}
	if (me->roles & RL_ROLE_FACULTY)
		return faculty_sees(db, me, trainee) == 1;
	return 0;
}

int rl_trainee_visible(struct rl_db *db, const struct rl_user *me, int64_t trainee)
{
	struct rl_error err = RL_ERROR_INIT;
	int found;

	if ((me->roles & RL_ROLE_TRAINEE) && trainee == me->id)
		return 1;
	if ((me->roles & RL_ROLE_FACULTY) && faculty_sees(db, me, trainee) == 1)
		return 1;
	if (!(me->roles & RL_ROLE_TRAINER))
		return 0;
	found = rl_supervises(db, me->id, trainee, &err) == 1;
	rl_error_clear(&err);
	return found;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Adds one id to the growing set. */
static int visible_add(void *ctx, int64_t id)
{
	struct rl_visible *v = ctx;

	if (v->n == v->cap) {
		int64_t *n = realloc(v->ids, v->cap * 2 * sizeof(*n));
		if (!n)
			return 1;
		v->ids = n;
		v->cap *= 2;
	}
	v->ids[v->n++] = id;
	return 0;
}

int rl_visible_load(struct rl_db *db, const struct rl_user *me, struct rl_visible *out, struct rl_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (me->roles & RL_ROLE_FACULTY) {
		if ((rc = rl_rows_programmes_none(db, err)) < 0)
			return -1;
		out->all = rc;
		if (out->all)
			return 0;
	}
	out->cap = 16;
	if (!(out->ids = malloc(out->cap * sizeof(*out->ids))))
		return rl_error_internal(err, "out of memory");
	if (me->roles & RL_ROLE_TRAINEE)
		out->ids[out->n++] = me->id;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 && !(me->roles & RL_ROLE_TRAINER))
			continue;
		if (pass == 1 && !(me->roles & RL_ROLE_FACULTY))
			continue;
		rc = pass == 0 ? rl_rows_supervised(db, me->id, visible_add, out, err)
			       : rl_rows_programme_overseen(db, me->id, visible_add, out, err);
		if (rc > 0)
			rl_error_internal(err, "out of memory");
		if (rc != 0)
			goto fail;
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

static int list_session(void *vctx, const struct rl_row_session *r)
{
	struct session_ctx *c = vctx;

	if (c->n == c->limit) {
		*c->next_cursor = json_integer_value(json_object_get(json_array_get(c->out, (size_t)c->n - 1), "id"));
		return 1;
	}
	json_array_append_new(c->out, session_json(c->db, r));
	c->n++;
	return 0;
}

json_t *rl_session_list(struct rl_db *db, const struct rl_user *me,
			const struct rl_session_filter *f, int64_t *next_cursor,
			struct rl_error *err)
{
	struct rl_row_session_filter rf = {
		.faculty = (me->roles & RL_ROLE_FACULTY) && !f->pending_for_me,
		.as_trainee = !f->pending_for_me && (me->roles & RL_ROLE_TRAINEE) != 0,
		.as_trainer = (me->roles & RL_ROLE_TRAINER) != 0,
		.me = me->id,
		.trainee = f->trainee,
		.status = f->pending_for_me ? "pending" : f->status,
		.before_id = f->before_id > 0 ? f->before_id : INT64_MAX,
		.limit = f->limit + 1,
	};
	struct session_ctx c = { .db = db, .out = json_array(), .limit = f->limit, .next_cursor = next_cursor };

	*next_cursor = 0;
	if (rl_rows_sessions_list(db, &rf, list_session, &c, err) < 0) {
		json_decref(c.out);
		return NULL;
	}
	return c.out;
}

/* ------------------------------------------------------------ corrections */

json_t *rl_session_logged_fields(const json_t *session)
{
	json_t *o = json_object();

	for (const char *const *k = session_fields; *k; k++) {
		json_t *v = json_object_get(session, *k);
		if (v && !json_is_null(v))
			json_object_set_new(o, *k, json_deep_copy(v));
	}
	return o;
}

int rl_session_parse_edit(struct rl_db *db, const struct rl_user *me, const json_t *session, const json_t *patch,
			  json_t **merged, struct rl_session_new *out, struct rl_error *err)
{
	const char *key;
	json_t *value;

	*merged = NULL;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(patch))
		return rl_error_set(err, RL_E_MALFORMED, "malformed-json", "The request body is not a JSON object",
				    "send a JSON object with the fields to change");
	if (json_object_size(patch) == 0)
		return rl_error_set(err, RL_E_INVALID, "validation", NULL,
				    "the body names no field to change; send the fields to correct, e.g. {\"trainer\": 7}");
	/* RFC 7396 at the top level: a member replaces, null removes; then the whole is checked as a new log. */
	*merged = rl_session_logged_fields(session);
	json_object_foreach((json_t *)patch, key, value) {
		if (json_is_null(value))
			json_object_del(*merged, key);
		else
			json_object_set(*merged, key, value);
	}
	return rl_session_parse(db, me, *merged, out, err);
}

void rl_session_etag(const json_t *session, char *out, size_t size)
{
	snprintf(out, size, "\"%lld-%s\"", (long long)json_integer_value(json_object_get(session, "revision")),
		 json_string_value(json_object_get(session, "status")));
}

/* Keeps the version an edit or withdrawal replaces. */
static int keep_revision(struct rl_db *db, const json_t *before, const char *now, const char *why,
			 struct rl_error *err)
{
	json_t *fields = rl_session_logged_fields(before);
	char *text = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	json_decref(fields);
	if (!text)
		return rl_error_internal(err, "out of memory");
	rc = rl_rows_session_revision_insert(db, json_integer_value(json_object_get(before, "id")),
					     json_integer_value(json_object_get(before, "revision")), text, now, why, err);
	free(text);
	return rc;
}

static int store_edit(struct rl_db *db, int64_t id, const struct rl_session_new *s, const char *now,
		      struct rl_error *err)
{
	struct rl_row_session_new r;
	char *steps;
	int rc;

	session_row_new(s, &r, &steps);
	rc = rl_rows_session_update(db, id, &r, now, err);
	free(steps);
	return rc;
}

int rl_session_update(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
		      const struct rl_session_new *s, struct rl_error *err)
{
	json_t *before = rl_session_load(db, id, err), *after = NULL;
	const char *status;
	char now[21];
	long long revision;
	int rc = -1;

	if (!before)
		return -1;
	status = json_string_value(json_object_get(before, "status"));
	revision = json_integer_value(json_object_get(before, "revision"));
	if (json_integer_value(json_object_get(before, "trainee")) != trainee) {
		rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
			     "session %lld was logged by another trainee; only they may %s it", (long long)id,
			     s ? "edit" : "withdraw");
		goto out;
	}
	if (strcmp(status, "pending") != 0) {
		rl_error_set(err, RL_E_CONFLICT, "not-pending", "The session is no longer pending",
			     "session %lld is %s; only a pending session can be %s", (long long)id, status,
			     s ? "edited" : "withdrawn");
		goto out;
	}
	if (expect_revision != revision) {
		rl_error_set(err, RL_E_CONFLICT, "precondition-failed", "The session has changed",
			     "session %lld has changed since you read it (it is now at revision %lld); read it again "
			     "and repeat your change", (long long)id, revision);
		goto out;
	}
	rl_now_rfc3339(now);
	if (keep_revision(db, before, now, s ? "edit" : "withdrawal", err) < 0)
		goto out;
	if (s) {
		int64_t old_trainer = json_integer_value(json_object_get(before, "trainer"));
		if ((s->trainer != old_trainer && pending_cap(db, s, err) < 0) || store_edit(db, id, s, now, err) < 0)
			goto out;
	} else if (rl_rows_session_withdraw(db, id, now, err) < 0) {
		goto out;
	}
	if (!(after = rl_session_load(db, id, err)))
		goto out;
	rc = 0;
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

/* ------------------------------------------------------------ warnings */

/*
 * The longest plausible session of each activity, in minutes; a longer
 * one is stored but warned about.  Kept in docs/api.md.
 */
static const struct {
	const char *activity;
	long long minutes;
} plausible[] = {
	{ "elearning", 480 },       /* a working day of e-learning */
	{ "simulator", 240 },       /* VR simulator sessions are short; 4 h is a long one */
	{ "dry_lab", 480 },
	{ "wet_lab", 480 },
	{ "cadaveric", 600 },
	{ "observation", 720 },
	{ "bedside_assist", 720 },
	{ "console_modular", 480 }, /* modules of a case, not the case */
	{ "console_full", 720 },    /* a console case over 12 h */
};

static void warn(json_t *list, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(json_t *list, const char *code, const char *field, const char *fmt, ...)
{
	char detail[400];
	va_list ap;
	json_t *w;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	w = json_pack("{s:s,s:s}", "code", code, "detail", detail);
	if (field)
		json_object_set_new(w, "field", json_string(field));
	json_array_append_new(list, w);
}

/* 1 if the trainer holds an accreditation in force today, 0 if not, -1 on error. */
static int trainer_accredited_today(struct rl_db *db, int64_t trainer, struct rl_error *err)
{
	char now[21], today[11];

	rl_now_rfc3339(now);
	snprintf(today, sizeof(today), "%.10s", now);
	return rl_rows_session_trainer_accredited(db, trainer, today, err);
}

/* The trainee's curriculum in *f (enrolled, code, version, the steps it does not count). */
static int curriculum_facts(struct rl_db *db, const struct rl_session_new *s, struct rl_session_facts *f,
			    struct rl_error *err)
{
	const struct rl_curriculum *c = NULL;
	struct rl_user u;
	json_t *step;
	size_t i;

	if (rl_user_get(db, s->trainee, &u, err) < 0)
		return -1;
	if (u.curriculum_id && !(c = rl_curriculum_by_id(db, u.curriculum_id, err)))
		return -1;
	if (!c)
		return 0;
	f->enrolled = 1;
	snprintf(f->curriculum, sizeof(f->curriculum), "%s", rl_curriculum_code(c));
	f->version = rl_curriculum_version(c);
	json_array_foreach(s->steps, i, step)
		if (i < RL_SESSION_MAX_STEPS)
			f->uncounted[i] = !rl_curriculum_counts_step(c, json_string_value(step));
	return 0;
}

int rl_session_facts_read(struct rl_db *db, const struct rl_session_new *s, int64_t id, struct rl_session_facts *f,
			  struct rl_error *err)
{
	int acc;

	memset(f, 0, sizeof(*f));
	if (rl_rows_session_duplicate(db, s->trainee, s->date, s->activity, s->minutes, s->procedure, id,
				      &f->duplicate, err) < 0)
		return -1;
	if (json_array_size(s->steps) && curriculum_facts(db, s, f, err) < 0)
		return -1;
	if ((acc = s->has_known ? s->trainer_accredited : trainer_accredited_today(db, s->trainer, err)) < 0)
		return -1;
	f->accredited = acc;
	return 0;
}

json_t *rl_session_facts_warnings(const struct rl_session_new *s, const struct rl_session_facts *f)
{
	json_t *list = json_array(), *step;
	size_t i;

	if (f->duplicate)
		warn(list, "duplicate", NULL, "session %lld has the same date, activity, minutes and procedure; "
		     "withdraw one of them if you logged it twice", (long long)f->duplicate);
	json_array_foreach(s->steps, i, step) {
		char field[32];
		snprintf(field, sizeof(field), "steps[%zu]", i);
		if (!f->enrolled)
			warn(list, "step-not-counted", field, "you are not enrolled on a curriculum, so step '%s' "
			     "counts towards nothing", json_string_value(step));
		else if (i < RL_SESSION_MAX_STEPS && f->uncounted[i])
			warn(list, "step-not-counted", field, "no requirement of your curriculum %s v%d counts step "
			     "'%s'; check the code (see GET /api/v1/curricula)", f->curriculum, f->version,
			     json_string_value(step));
	}
	if (!f->accredited)
		warn(list, "trainer-not-accredited", "trainer", "trainer %lld holds no accreditation in force today, so "
		     "they cannot sign this session until faculty accredit them", (long long)s->trainer);
	for (i = 0; s->activity && i < sizeof(plausible) / sizeof(plausible[0]); i++)
		if (strcmp(plausible[i].activity, s->activity) == 0 && s->minutes > plausible[i].minutes)
			warn(list, "implausible-length", "minutes", "%lld minutes is longer than a %s session usually "
			     "lasts (at most %lld); check the minutes", s->minutes, s->activity, plausible[i].minutes);
	return list;
}

json_t *rl_session_warnings(struct rl_db *db, const json_t *session, struct rl_error *err)
{
	/* The stored record's fields as a new session's (what the facts and their warnings read). */
	struct rl_session_new s = {
		.minutes = json_integer_value(json_object_get(session, "minutes")),
		.activity = json_string_value(json_object_get(session, "activity")),
		.procedure = json_string_value(json_object_get(session, "procedure")),
		.steps = json_object_get(session, "steps"),
		.trainee = json_integer_value(json_object_get(session, "trainee")),
		.trainer = json_integer_value(json_object_get(session, "trainer")),
	};
	struct rl_session_facts f;
	const char *date = json_string_value(json_object_get(session, "date"));

	snprintf(s.date, sizeof(s.date), "%s", date ? date : "");
	if (rl_session_facts_read(db, &s, json_integer_value(json_object_get(session, "id")), &f, err) < 0)
		return NULL;
	return rl_session_facts_warnings(&s, &f);
}
