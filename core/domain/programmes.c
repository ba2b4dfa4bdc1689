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

static void bind_threshold(struct rl_stmt *st, int i, long long v)
{
	if (v >= 0)
		rl_bind_int64(st, i, v);
	else
		rl_bind_null(st, i);
}

static int name_taken(struct rl_db *db, struct rl_error *err, const char *name)
{
	if (rl_db_unique_violation(db))
		return rl_error_field(err, "name", "a programme named '%s' already exists", name);
	return rl_db_fail(db, err, "storing a programme");
}

int rl_programme_create(struct rl_db *db, const struct rl_programme_in *in, int64_t by, int64_t *id,
			struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO programmes(name, reminder_count, reminder_days, created_at, "
					  "created_by) VALUES (?, ?, ?, ?, ?) RETURNING id", err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, in->name, -1);
	bind_threshold(st, 2, in->remind_count);
	bind_threshold(st, 3, in->remind_days);
	rl_bind_text(st, 4, now, -1);
	if (by)
		rl_bind_int64(st, 5, by);
	else
		rl_bind_null(st, 5);
	if (rl_step_id(st, id) != RL_DONE)
		return name_taken(db, err, in->name);
	return 0;
}

int rl_programme_exists(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM programmes WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE)
		return rl_db_fail(db, err, "reading a programme");
	return rc == RL_ROW;
}

int rl_programme_update(struct rl_db *db, int64_t id, const struct rl_programme_in *in, struct rl_error *err)
{
	struct rl_stmt *st;
	int e = rl_programme_exists(db, id, err);

	if (e < 0)
		return -1;
	if (!e)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no programme %lld", (long long)id);
	st = rl_db_stmt(db, "UPDATE programmes SET name = coalesce(?1, name), "
			    "reminder_count = CASE WHEN ?2 = -2 THEN reminder_count WHEN ?2 = -1 THEN NULL ELSE ?2 END, "
			    "reminder_days = CASE WHEN ?3 = -2 THEN reminder_days WHEN ?3 = -1 THEN NULL ELSE ?3 END "
			    "WHERE id = ?4", err);
	if (!st)
		return -1;
	rl_db_bind_text(st, 1, in->name);
	rl_bind_int64(st, 2, in->remind_count);
	rl_bind_int64(st, 3, in->remind_days);
	rl_bind_int64(st, 4, id);
	if (rl_step(st) != RL_DONE)
		return name_taken(db, err, in->name ? in->name : "");
	return 0;
}

#define PROGRAMME_SELECT \
	"SELECT p.id, p.name, p.reminder_count, p.reminder_days, p.created_at, " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 1 <> 0)), " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 2 <> 0)), " \
	"(SELECT count(*) FROM programme_members m JOIN users u ON u.id = m.user_id " \
	" WHERE m.programme_id = p.id AND m.until_at IS NULL AND (u.roles & 4 <> 0)) FROM programmes p "

static json_t *int_or_null(struct rl_stmt *st, int col)
{
	return rl_col_is_null(st, col) ? json_null() : json_integer(rl_col_int64(st, col));
}

static json_t *programme_from_row(struct rl_stmt *st)
{
	return json_pack("{s:I,s:s,s:o,s:o,s:s,s:{s:I,s:I,s:I}}", "id", (json_int_t)rl_col_int64(st, 0),
			 "name", rl_db_col_text(st, 1), "reminder_count", int_or_null(st, 2),
			 "reminder_days", int_or_null(st, 3), "created_at", rl_db_col_text(st, 4), "members",
			 "trainees", (json_int_t)rl_col_int64(st, 5), "trainers",
			 (json_int_t)rl_col_int64(st, 6), "faculty", (json_int_t)rl_col_int64(st, 7));
}

json_t *rl_programme_get(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, PROGRAMME_SELECT "WHERE p.id = ?", err);
	json_t *o = NULL;
	int rc;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW)
		o = programme_from_row(st);
	else if (rc == RL_DONE)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no programme %lld", (long long)id);
	else
		rl_db_fail(db, err, "reading a programme");
	rl_reset(st);
	return o;
}

json_t *rl_programmes_list(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, PROGRAMME_SELECT "ORDER BY p.name, p.id", err);
	json_t *items;
	int rc;

	if (!st)
		return NULL;
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(items, programme_from_row(st));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing programmes");
		return NULL;
	}
	return items;
}

int rl_programme_set_members(struct rl_db *db, int64_t user, const int64_t *ids, size_t n, int64_t by,
			     const char *field, struct rl_error *err)
{
	struct rl_stmt *st;
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
	if (!(st = rl_db_stmt(db, "SELECT roles FROM users WHERE id = ?", err)))
		return -1;
	rl_bind_int64(st, 1, user);
	if ((rc = rl_step(st)) == RL_ROW)
		roles = rl_col_int(st, 0);
	rl_reset(st);
	if (rc != RL_ROW)
		return rc == RL_DONE ? rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld",
							(long long)user)
					 : rl_db_fail(db, err, "reading a user");
	if ((roles & RL_ROLE_TRAINEE) && n > 1)
		return rl_error_field(err, field, "a trainee is in one programme at a time; faculty and trainers may "
					   "serve several");
	rl_now_rfc3339(now);
	/* Close the memberships not kept. */
	if (!(st = rl_db_stmt(db, "SELECT programme_id FROM programme_members WHERE user_id = ? AND until_at IS NULL", err)))
		return -1;
	rl_bind_int64(st, 1, user);
	{
		int64_t cur[64];
		size_t ncur = 0;
		while ((rc = rl_step(st)) == RL_ROW && ncur < 64)
			cur[ncur++] = rl_col_int64(st, 0);
		rl_reset(st);
		if (rc != RL_ROW && rc != RL_DONE)
			return rl_db_fail(db, err, "reading memberships");
		for (size_t i = 0; i < ncur; i++) {
			int keep = 0;
			for (size_t j = 0; j < n; j++)
				keep |= ids[j] == cur[i];
			if (keep)
				continue;
			if (!(st = rl_db_stmt(db, "UPDATE programme_members SET until_at = ? WHERE user_id = ? AND "
						  "programme_id = ? AND until_at IS NULL", err)))
				return -1;
			rl_bind_text(st, 1, now, -1);
			rl_bind_int64(st, 2, user);
			rl_bind_int64(st, 3, cur[i]);
			if (rl_step(st) != RL_DONE)
				return rl_db_fail(db, err, "ending a membership");
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!(st = rl_db_stmt(db, "INSERT INTO programme_members(user_id, programme_id, from_at, changed_by) "
					  "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM programme_members "
					  "WHERE user_id = ?1 AND programme_id = ?2 AND until_at IS NULL)", err)))
			return -1;
		rl_bind_int64(st, 1, user);
		rl_bind_int64(st, 2, ids[i]);
		rl_bind_text(st, 3, now, -1);
		if (by)
			rl_bind_int64(st, 4, by);
		else
			rl_bind_null(st, 4);
		if (rl_step(st) != RL_DONE)
			return rl_db_fail(db, err, "starting a membership");
	}
	return 0;
}

json_t *rl_programmes_of(struct rl_db *db, int64_t user, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.name FROM programme_members m JOIN programmes p "
					  "ON p.id = m.programme_id WHERE m.user_id = ? AND m.until_at IS NULL "
					  "ORDER BY p.name", err);
	json_t *items;
	int rc;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, user);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(items, json_pack("{s:I,s:s}", "id", (json_int_t)rl_col_int64(st, 0),
						       "name", rl_db_col_text(st, 1)));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "reading memberships");
		return NULL;
	}
	return items;
}

json_t *rl_programme_history(struct rl_db *db, int64_t user, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT m.programme_id, p.name, m.from_at, m.until_at, m.changed_by "
					  "FROM programme_members m JOIN programmes p ON p.id = m.programme_id "
					  "WHERE m.user_id = ? ORDER BY m.id", err);
	json_t *items;
	int rc;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, user);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW) {
		json_t *o = json_pack("{s:I,s:s,s:s}", "programme", (json_int_t)rl_col_int64(st, 0),
				      "name", rl_db_col_text(st, 1), "from", rl_db_col_text(st, 2));
		json_object_set_new(o, "until", rl_db_col_text(st, 3) ? json_string(rl_db_col_text(st, 3)) : json_null());
		json_object_set_new(o, "changed_by", int_or_null(st, 4));
		json_array_append_new(items, o);
	}
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "reading a membership history");
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
