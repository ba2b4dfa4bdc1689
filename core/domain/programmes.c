/*
 * programmes.c - programmes and membership history; see programmes.h.
 */
#include "base/prelude.h"

#include "domain/programmes.h"

#include <stdio.h>
#include <string.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "base/util.h"
#include "store/programmes_rows.h"

/* A threshold member: absent = unchanged (-2), null = the global one (-1), else 0..max. */
static void threshold(const json_t *body, const char *name, long long max, long long *out, struct rl_error *err)
{
	json_t *v = json_object_get(body, name);
	long long n;

	*out = -2;
	if (!v)
		return;
	if (json_is_null(v)) {
		*out = -1;
		return;
	}
	if (rl_json_get_int(body, name, 1, 0, max, &n, NULL, err) == 0)
		*out = n;
}

int rl_programme_parse(const json_t *body, int creating, struct rl_programme_in *out, struct rl_error *err)
{
	static const char *const allowed[] = { "name", "reminder_count", "reminder_days", NULL };

	memset(out, 0, sizeof(*out));
	if (rl_json_check_members(body, allowed, err) < 0 && !json_is_object(body))
		return -1;
	if (creating || json_object_get(body, "name"))
		rl_json_get_str(body, "name", 1, RL_PROGRAMME_NAME_MAX, &out->name, err);
	threshold(body, "reminder_count", 100000, &out->remind_count, err);
	threshold(body, "reminder_days", 3650, &out->remind_days, err);
	if (creating) {
		if (out->remind_count == -2)
			out->remind_count = -1;
		if (out->remind_days == -2)
			out->remind_days = -1;
	}
	if (!err->status && !creating && !out->name && out->remind_count == -2 && out->remind_days == -2)
		rl_error_set(err, RL_E_INVALID, "validation", NULL,
			     "the body changes nothing; send any of name, reminder_count, reminder_days");
	return err->status ? -1 : 0;
}

static int name_taken(struct rl_db *db, struct rl_error *err, const char *name)
{
	if (rl_db_unique_violation(db)) {
		rl_error_clear(err);
		return rl_error_field(err, "name", "a programme named '%s' already exists", name);
	}
	return -1;
}

int rl_programme_create(struct rl_db *db, const struct rl_programme_in *in, int64_t by, int64_t *id,
			struct rl_error *err)
{
	char now[21];

	rl_now_rfc3339(now);
	if (rl_rows_programme_insert(db, in->name, in->remind_count, in->remind_days, now, by, id, err) < 0)
		return name_taken(db, err, in->name);
	return 0;
}

int rl_programme_exists(struct rl_db *db, int64_t id, struct rl_error *err)
{
	return rl_rows_programme_exists(db, id, err);
}

int rl_programme_update(struct rl_db *db, int64_t id, const struct rl_programme_in *in, struct rl_error *err)
{
	int e = rl_programme_exists(db, id, err);

	if (e < 0)
		return -1;
	if (!e)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no programme %lld", (long long)id);
	if (rl_rows_programme_update(db, id, in->name, in->remind_count, in->remind_days, err) < 0)
		return name_taken(db, err, in->name ? in->name : "");
	return 0;
}

static json_t *int_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *programme_json(const struct rl_row_programme *r)
{
	return json_pack("{s:I,s:s,s:o,s:o,s:s,s:{s:I,s:I,s:I}}", "id", (json_int_t)r->id,
			 "name", r->name, "reminder_count", int_or_null(r->reminder_count),
			 "reminder_days", int_or_null(r->reminder_days), "created_at", r->created_at, "members",
			 "trainees", (json_int_t)r->trainees, "trainers",
			 (json_int_t)r->trainers, "faculty", (json_int_t)r->faculty);
}

static int set_programme(void *ctx, const struct rl_row_programme *r)
{
	*(json_t **)ctx = programme_json(r);
	return 0;
}

static int append_programme(void *ctx, const struct rl_row_programme *r)
{
	json_array_append_new(ctx, programme_json(r));
	return 0;
}

json_t *rl_programme_get(struct rl_db *db, int64_t id, struct rl_error *err)
{
	json_t *o = NULL;

	if (rl_rows_programme_get(db, id, set_programme, &o, err) == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no programme %lld", (long long)id);
	return o;
}

json_t *rl_programmes_list(struct rl_db *db, struct rl_error *err)
{
	json_t *items = json_array();

	if (rl_rows_programmes_list(db, append_programme, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

int rl_programme_set_members(struct rl_db *db, int64_t user, const int64_t *ids, size_t n, int64_t by,
			     const char *field, struct rl_error *err)
{
	int64_t cur[64];
	size_t ncur = 0;
	char now[21];
	int rc, roles = 0;

	for (size_t i = 0; i < n; i++) {
		int e = rl_programme_exists(db, ids[i], err);
		if (e < 0)
			return -1;
		if (!e)
			return rl_error_field(err, field, "no programme %lld; GET /api/v1/programmes lists them",
					      (long long)ids[i]);
	}
	if ((rc = rl_rows_programme_user_roles(db, user, &roles, err)) <= 0)
		return rc == 0 ? rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld",
					      (long long)user)
			       : -1;
	if ((roles & RL_ROLE_TRAINEE) && n > 1)
		return rl_error_field(err, field, "a trainee is in one programme at a time; faculty and trainers may "
					   "serve several");
	rl_now_rfc3339(now);
	/* Close the memberships not kept. */
	if (rl_rows_programme_current_ids(db, user, cur, 64, &ncur, err) < 0)
		return -1;
	for (size_t i = 0; i < ncur; i++) {
		int keep = 0;
		for (size_t j = 0; j < n; j++)
			keep |= ids[j] == cur[i];
		if (!keep && rl_rows_programme_member_end(db, user, cur[i], now, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (rl_rows_programme_member_start(db, user, ids[i], now, by, err) < 0)
			return -1;
	return 0;
}

static int append_membership(void *ctx, const struct rl_row_membership *r)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s}", "id", (json_int_t)r->programme, "name", r->name));
	return 0;
}

json_t *rl_programmes_of(struct rl_db *db, int64_t user, struct rl_error *err)
{
	json_t *items = json_array();

	if (rl_rows_programme_memberships(db, user, append_membership, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

static int append_history(void *ctx, const struct rl_row_membership *r)
{
	json_t *o = json_pack("{s:I,s:s,s:s}", "programme", (json_int_t)r->programme, "name", r->name,
			      "from", r->from_at);

	json_object_set_new(o, "until", r->until_at ? json_string(r->until_at) : json_null());
	json_object_set_new(o, "changed_by", r->changed_by ? json_integer(r->changed_by) : json_null());
	json_array_append_new(ctx, o);
	return 0;
}

json_t *rl_programme_history(struct rl_db *db, int64_t user, struct rl_error *err)
{
	json_t *items = json_array();

	if (rl_rows_programme_history(db, user, append_history, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

int rl_programme_member_parse(const json_t *body, int64_t *id, int *set, struct rl_error *err)
{
	json_t *v = json_object_get(body, "programme");
	long long n;

	*id = 0;
	*set = 0;
	if (!v)
		return 0;
	*set = 1;
	if (json_is_null(v))
		return 0;
	if (rl_json_get_int(body, "programme", 1, 1, INT64_MAX, &n, NULL, err) < 0) {
		*set = 0;
		return -1;
	}
	*id = n;
	return 0;
}

int rl_programmes_member_parse(const json_t *body, int64_t *ids, size_t *n, int *set, struct rl_error *err)
{
	json_t *v = json_object_get(body, "programmes"), *x;
	size_t i;

	*n = 0;
	*set = 0;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > RL_PROGRAMMES_MAX)
		return rl_error_field(err, "programmes", "must be an array of at most %d programme ids", RL_PROGRAMMES_MAX);
	json_array_foreach(v, i, x) {
		long long id;
		char name[48];
		snprintf(name, sizeof(name), "programmes[%zu]", i);
		if (rl_json_int_value(x, name, 1, INT64_MAX, &id, err) < 0)
			return -1;
		ids[(*n)++] = id;
	}
	*set = 1;
	return 0;
}
