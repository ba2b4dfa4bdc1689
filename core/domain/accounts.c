/*
 * accounts.c - personal access tokens, account management, invitations
 * and web sessions; see accounts.h.
 */
#include "base/prelude.h"

#include "domain/accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "domain/passkeys.h"
#include "domain/logbook.h"
#include "domain/programmes.h"
#include "domain/progress.h"
#include "domain/sessions.h"
#include "base/util.h"

/* ---- small helpers ---------------------------------------------------------- */

/* 256 random bits as base64url into out, and their hash. */
static void secret_new(char out[RL_SECRET_LEN + 1], uint8_t hash[32])
{
	uint8_t raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, RL_SECRET_LEN + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, 32, raw, sizeof(raw), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
}

/* Decodes a secret as secret_new writes it; -1 if it is not one. */
static int secret_raw(const char *s, uint8_t raw[32])
{
	size_t got = 0;
	const char *end = NULL;

	if (!s || strlen(s) != RL_SECRET_LEN ||
	    sodium_base642bin(raw, 32, s, RL_SECRET_LEN, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 32 || *end)
		return -1;
	return 0;
}

static int secret_hash(const char *s, uint8_t hash[32])
{
	uint8_t raw[32];

	if (secret_raw(s, raw) < 0)
		return -1;
	crypto_generichash(hash, 32, raw, sizeof(raw), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

static void time_at(long long offset, char out[21])
{
	rl_format_rfc3339(time(NULL) + (time_t)offset, out);
}

static int valid_email(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && strchr(at + 1, '.') && !strchr(at + 1, '@') &&
	       strlen(e) < 255 && !strpbrk(e, " \t\r\n<>,;\"");
}

static int valid_gmc(const char *g)
{
	long long dummy;
	return strlen(g) == 7 && rl_parse_int(g, 0, 9999999, &dummy) == 0;
}

static json_t *roles_json(int mask)
{
	const char *names[4];
	int n = rl_roles_names(mask, names);
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* Reads "roles": ["trainee", ...] (required or not) into *mask; 0 when absent. */
static int get_roles(const json_t *body, int required, int *mask, struct rl_error *err)
{
	json_t *a = json_object_get(body, "roles");
	size_t i;
	json_t *v;
	int m = 0;

	*mask = 0;
	if (!a || json_is_null(a)) {
		if (required)
			return rl_error_field(err, "roles", "is required: one or more of trainee, trainer, faculty, admin");
		return 0;
	}
	if (!json_is_array(a) || json_array_size(a) == 0)
		return rl_error_field(err, "roles", "must be a non-empty array of trainee, trainer, faculty, admin");
	json_array_foreach(a, i, v) {
		int one;
		if (!json_is_string(v) || strchr(json_string_value(v), ',') ||
		    rl_roles_parse(json_string_value(v), &one) < 0)
			return rl_error_field(err, "roles", "roles[%zu] is not one of trainee, trainer, faculty, admin", i);
		m |= one;
	}
	*mask = m;
	return 0;
}

static json_t *text_or_null(struct rl_stmt *st, int col)
{
	const char *s = rl_db_col_text(st, col);
	return s ? json_string(s) : json_null();
}

/* ---- personal access tokens ---------------------------------------------------- */

int rl_pat_parse(const json_t *body, struct rl_pat_new *out, struct rl_error *err)
{
	static const char *const allowed[] = { "name", "scope", "expires_at", NULL };
	const char *scope = NULL, *expires = NULL;

	memset(out, 0, sizeof(*out));
	rl_json_check_members(body, allowed, err);
	if (rl_json_get_str(body, "name", 1, 80, &out->name, err) == 0 && out->name && strchr(out->name, '\n'))
		rl_error_field(err, "name", "must be one line");
	if (rl_json_get_str(body, "scope", 1, 5, &scope, err) == 0 && scope) {
		if (strcmp(scope, "read") == 0)
			out->read_only = 1;
		else if (strcmp(scope, "write") != 0)
			rl_error_field(err, "scope", "must be \"read\" or \"write\"");
	}
	if (rl_json_get_str(body, "expires_at", 0, 20, &expires, err) == 0 && expires) {
		time_t now = time(NULL);
		if (rl_parse_rfc3339(expires, &out->expires) < 0)
			rl_error_field(err, "expires_at", "must be an RFC 3339 UTC time such as 2026-12-31T23:59:59Z");
		else if (out->expires <= now)
			rl_error_field(err, "expires_at", "%s is in the past; a token must expire in the future", expires);
		else if (out->expires > now + (time_t)RL_TOKEN_MAX_DAYS * 86400)
			rl_error_field(err, "expires_at", "must be within %d days", RL_TOKEN_MAX_DAYS);
	}
	return err->status ? -1 : 0;
}

int rl_pat_create(struct rl_db *db, int64_t user_id, const struct rl_pat_new *p, int64_t *id,
		  char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	struct rl_stmt *st;
	char expires[21];

	if (rl_token_issue(db, user_id, token, id, err) < 0)
		return -1;
	st = rl_db_stmt(db, "UPDATE tokens SET name = ?, scope = ?, expires_at = ? WHERE id = ?", err);
	if (!st)
		return -1;
	rl_bind_text(st, 1, p->name, -1);
	rl_bind_text(st, 2, p->read_only ? "read" : "write", -1);
	if (p->expires) {
		rl_format_rfc3339(p->expires, expires);
		rl_bind_text(st, 3, expires, -1);
	} else {
		rl_bind_null(st, 3);
	}
	rl_bind_int64(st, 4, *id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "naming a token");
	return 0;
}

#define PAT_COLUMNS "id, name, scope, created_at, last_used_at, expires_at"

static json_t *pat_from_row(struct rl_stmt *st)
{
	return json_pack("{s:I,s:o,s:s,s:s,s:o,s:o}", "id", (json_int_t)rl_col_int64(st, 0),
			 "name", text_or_null(st, 1), "scope", rl_db_col_text(st, 2), "created_at",
			 rl_db_col_text(st, 3), "last_used_at", text_or_null(st, 4), "expires_at", text_or_null(st, 5));
}

json_t *rl_pat_list(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " PAT_COLUMNS " FROM tokens WHERE user_id = ? AND revoked_at IS NULL "
					  "AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC", err);
	json_t *items;
	char now[21];
	int rc;

	if (!st)
		return NULL;
	rl_now_rfc3339(now);
	rl_bind_int64(st, 1, user_id);
	rl_bind_text(st, 2, now, -1);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(items, pat_from_row(st));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing tokens");
		return NULL;
	}
	return items;
}

json_t *rl_pat_get(struct rl_db *db, int64_t token_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " PAT_COLUMNS " FROM tokens WHERE id = ?", err);
	json_t *o = NULL;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, token_id);
	if (rl_step(st) == RL_ROW)
		o = pat_from_row(st);
	else
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no token %lld", (long long)token_id);
	rl_reset(st);
	return o;
}

int rl_pat_revoke(struct rl_db *db, int64_t user_id, int64_t token_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND (? = 0 OR user_id = ?) "
					  "AND revoked_at IS NULL", err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, token_id);
	rl_bind_int64(st, 3, user_id);
	rl_bind_int64(st, 4, user_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "revoking a token");
	if (rl_db_changes(db) == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL,
				    "no live token %lld %s", (long long)token_id, user_id ? "of yours" : "exists");
	return 0;
}

static int unauthorized(struct rl_error *err)
{
	/* The same sentence as an unknown token, so a caller learns nothing more. */
	return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
			    "the bearer token is not valid; ask your administrator for a new one");
}

int rl_pat_check(struct rl_db *db, int64_t token_id, int *read_only, int *stale, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT t.scope, t.expires_at, t.last_used_at, u.active FROM tokens t "
					  "JOIN users u ON u.id = t.user_id WHERE t.id = ?", err);
	char now[21], cutoff[21];
	const char *exp, *last;
	int rc = 0;

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	time_at(-RL_TOUCH_SECONDS, cutoff);
	rl_bind_int64(st, 1, token_id);
	if (rl_step(st) != RL_ROW) {
		rl_reset(st);
		return unauthorized(err);
	}
	exp = rl_db_col_text(st, 1);
	last = rl_db_col_text(st, 2);
	if ((exp && strcmp(exp, now) <= 0) || rl_col_int(st, 3) != 1)
		rc = unauthorized(err);
	*read_only = strcmp(rl_db_col_text(st, 0), "read") == 0;
	*stale = !last || strcmp(last, cutoff) < 0;
	rl_reset(st);
	return rc;
}

int rl_pat_touch(struct rl_db *db, int64_t token_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE tokens SET last_used_at = ? WHERE id = ?", err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, token_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "recording a token's use");
	return 0;
}

/* ---- accounts ---------------------------------------------------------------------- */

#define ACCOUNT_COLUMNS "u.id, u.name, u.email, u.gmc, u.roles, u.site, u.active, u.created_at, " \
			"u.deactivated_at, c.code"
#define ACCOUNT_FROM " FROM users u LEFT JOIN curricula c ON c.id = u.curriculum_id "

/* The current programmes of user, in name order: [{"id","name"}]. */
static json_t *programmes_of(struct rl_db *db, int64_t user)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.name FROM programme_members pm JOIN programmes p "
					  "ON p.id = pm.programme_id WHERE pm.user_id = ? AND pm.until_at IS NULL "
					  "ORDER BY p.name", &err);
	json_t *ps = json_array();

	if (!st)
		return ps;
	rl_bind_int64(st, 1, user);
	while (rl_step(st) == RL_ROW)
		json_array_append_new(ps, json_pack("{s:I,s:s}", "id", (json_int_t)rl_col_int64(st, 0),
						    "name", rl_db_col_text(st, 1)));
	rl_reset(st);
	return ps;
}

static json_t *account_from_row(struct rl_db *db, struct rl_stmt *st)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:b,s:s}", "id", (json_int_t)rl_col_int64(st, 0),
			      "name", rl_db_col_text(st, 1), "email", rl_db_col_text(st, 2),
			      "roles", roles_json(rl_col_int(st, 4)), "active", rl_col_int(st, 6),
			      "created_at", rl_db_col_text(st, 7));
	if (rl_db_col_text(st, 3))
		json_object_set_new(o, "gmc", json_string(rl_db_col_text(st, 3)));
	if (rl_db_col_text(st, 5))
		json_object_set_new(o, "site", json_string(rl_db_col_text(st, 5)));
	if (rl_db_col_text(st, 8))
		json_object_set_new(o, "deactivated_at", json_string(rl_db_col_text(st, 8)));
	if (rl_db_col_text(st, 9))
		json_object_set_new(o, "curriculum", json_string(rl_db_col_text(st, 9)));
	/* programmes: every current one; programme: the first (a trainee's only one), or null. */
	{
		json_t *ps = programmes_of(db, rl_col_int64(st, 0));
		json_object_set_new(o, "programme", json_array_size(ps) ? json_incref(json_array_get(ps, 0)) : json_null());
		json_object_set_new(o, "programmes", ps);
	}
	return o;
}

json_t *rl_users_list(struct rl_db *db, const struct rl_user_filter *f, int64_t *next, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " ACCOUNT_COLUMNS ACCOUNT_FROM
		"WHERE u.id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR lower(u.name) LIKE lower(?2) ESCAPE '\\' "
		"OR lower(u.email) LIKE lower(?2) ESCAPE '\\') "
		"AND (?3 = 0 OR (u.roles & ?3) <> 0) AND (?4 < 0 OR u.active = ?4) "
		"AND (?6 = 0 OR EXISTS (SELECT 1 FROM programme_members pm WHERE pm.user_id = u.id AND pm.programme_id = ?6 "
		"AND pm.until_at IS NULL)) AND (?7 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") "
		"ORDER BY u.id LIMIT ?5", err);
	json_t *items;
	int rc, n = 0;

	*next = 0;
	if (!st)
		return NULL;
	if (f->q && *f->q) {
		/* q is at most RL_USER_Q_MAX bytes; escaping at most doubles it. */
		char like[2 * RL_USER_Q_MAX + 3];
		size_t k = 0;

		like[k++] = '%';
		for (const char *p = f->q; *p && k < sizeof(like) - 3; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				like[k++] = '\\';
			like[k++] = *p;
		}
		like[k++] = '%';
		rl_bind_text(st, 2, like, (int)k);
	} else {
		rl_bind_null(st, 2);
	}
	rl_bind_int64(st, 1, f->after_id);
	rl_bind_int(st, 3, f->roles);
	rl_bind_int(st, 4, f->active);
	rl_bind_int(st, 5, f->limit + 1);
	rl_bind_int64(st, 6, f->programme);
	rl_bind_int(st, 7, f->scope != NULL);
	if (f->scope)
		rl_scope_bind(st, f->scope);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW) {
		if (++n > f->limit) {
			*next = json_integer_value(json_object_get(json_array_get(items, json_array_size(items) - 1), "id"));
			break;
		}
		json_array_append_new(items, account_from_row(db, st));
	}
	rl_reset(st);
	if (rc != RL_DONE && rc != RL_ROW) {
		json_decref(items);
		rl_db_fail(db, err, "listing accounts");
		return NULL;
	}
	return items;
}

json_t *rl_user_account(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " ACCOUNT_COLUMNS ACCOUNT_FROM "WHERE u.id = ?", err);
	json_t *o = NULL;

	if (!st)
		return NULL;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) == RL_ROW)
		o = account_from_row(db, st);
	else
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld", (long long)id);
	rl_reset(st);
	return o;
}

int rl_user_is_active(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT active FROM users WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) == RL_ROW)
		rc = rl_col_int(st, 0) == 1;
	else
		rc = rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld", (long long)id);
	rl_reset(st);
	return rc;
}

/* An optional, clearable string member: absent = unchanged, null or "" = cleared. */
static void get_clearable(const json_t *body, const char *name, size_t max, const char **out, int *set,
			  struct rl_error *err)
{
	if (!json_object_get(body, name))
		return;
	if (rl_json_get_str(body, name, 0, max, out, err) == 0)
		*set = 1;
}

int rl_user_patch_parse(const json_t *body, int self_only, struct rl_user_patch *out, struct rl_error *err)
{
	static const char *const allowed[] = { "name", "email", "gmc", "roles", "site", "active", "programme",
					       "programmes", NULL };
	const char *k;
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->active = -1;
	json_object_foreach((json_t *)body, k, v) {
		if (self_only && (strcmp(k, "programme") == 0 || strcmp(k, "programmes") == 0)) {
			rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				     "only an admin may change %s; you may change your own name, email and gmc", k);
			return -1;
		}
		if (strcmp(k, "curriculum") == 0) {
			rl_error_field(err, k, "changing the %s is a signed enrolment statement, which this server does "
				       "not take yet; it cannot be changed with PATCH", k);
		} else if (self_only && (strcmp(k, "roles") == 0 || strcmp(k, "site") == 0 || strcmp(k, "active") == 0)) {
			rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				     "only an admin may change %s; you may change your own name, email and gmc", k);
			return -1;
		}
	}
	if (err->status)
		return -1;
	rl_json_check_members(body, allowed, err);
	if (json_object_get(body, "name")) {
		if (rl_json_get_str(body, "name", 1, 120, &out->name, err) == 0)
			out->set_name = 1;
	}
	if (json_object_get(body, "email")) {
		if (rl_json_get_str(body, "email", 1, 254, &out->email, err) == 0) {
			if (!valid_email(out->email))
				rl_error_field(err, "email", "must be an e-mail address such as a.surgeon@nhs.net");
			out->set_email = 1;
		}
	}
	get_clearable(body, "gmc", 7, &out->gmc, &out->set_gmc, err);
	if (out->gmc && !valid_gmc(out->gmc))
		rl_error_field(err, "gmc", "a GMC number has 7 digits");
	get_clearable(body, "site", 120, &out->site, &out->set_site, err);
	get_roles(body, 0, &out->roles, err);
	if (json_object_get(body, "programme") && json_object_get(body, "programmes")) {
		rl_error_field(err, "programmes", "send programme (one) or programmes (several), not both");
	} else if (json_object_get(body, "programmes")) {
		rl_programmes_member_parse(body, out->programmes, &out->nprogrammes, &out->set_programme, err);
		out->programme_field = "programmes";
	} else {
		int64_t one = 0;
		rl_programme_member_parse(body, &one, &out->set_programme, err);
		if (one)
			out->programmes[out->nprogrammes++] = one;
		out->programme_field = "programme";
	}
	v = json_object_get(body, "active");
	if (v) {
		if (!json_is_boolean(v))
			rl_error_field(err, "active", "must be true or false");
		else
			out->active = json_is_true(v);
	}
	if (!err->status && !out->set_name && !out->set_email && !out->set_gmc && !out->set_site && !out->roles &&
	    out->active < 0 && !out->set_programme)
		rl_error_set(err, RL_E_INVALID, "validation", NULL,
			     "the body changes nothing; send any of name, email, gmc, roles, site, programme, active");
	return err->status ? -1 : 0;
}

static int end_sessions(struct rl_db *db, int64_t user_id, struct rl_error *err);

int rl_user_patch_apply(struct rl_db *db, int64_t id, const struct rl_user_patch *p, int *revoked,
			struct rl_error *err)
{
	struct rl_user u;
	struct rl_stmt *st;
	char now[21];
	int active, n;

	*revoked = 0;
	if (rl_user_get(db, id, &u, err) < 0 || (active = rl_user_is_active(db, id, err)) < 0)
		return -1;
	if (active && (u.roles & RL_ROLE_ADMIN) && (p->active == 0 || (p->roles && !(p->roles & RL_ROLE_ADMIN)))) {
		st = rl_db_stmt(db, "SELECT count(*) FROM users WHERE active = 1 AND (roles & 8) <> 0 AND id <> ?", err);
		if (!st)
			return -1;
		rl_bind_int64(st, 1, id);
		n = rl_step(st) == RL_ROW ? rl_col_int(st, 0) : -1;
		rl_reset(st);
		if (n < 0)
			return rl_db_fail(db, err, "counting admins");
		if (n == 0)
			return rl_error_set(err, RL_E_CONFLICT, "last-admin", "Last active admin",
					    "%s is the last active admin; make someone else an admin before %s", u.name,
					    p->active == 0 ? "deactivating this account" : "removing the admin role");
	}
	st = rl_db_stmt(db, "UPDATE users SET name = CASE WHEN ?1 <> 0 THEN ?2 ELSE name END, "
			    "email = CASE WHEN ?3 <> 0 THEN ?4 ELSE email END, gmc = CASE WHEN ?5 <> 0 THEN ?6 ELSE gmc END, "
			    "site = CASE WHEN ?7 <> 0 THEN ?8 ELSE site END, roles = CASE WHEN ?9 > 0 THEN ?9 ELSE roles END "
			    "WHERE id = ?10", err);
	if (!st)
		return -1;
	rl_bind_int(st, 1, p->set_name);
	rl_db_bind_text(st, 2, p->name);
	rl_bind_int(st, 3, p->set_email);
	rl_db_bind_text(st, 4, p->email);
	rl_bind_int(st, 5, p->set_gmc);
	rl_db_bind_text(st, 6, p->gmc);
	rl_bind_int(st, 7, p->set_site);
	rl_db_bind_text(st, 8, p->site);
	rl_bind_int(st, 9, p->roles);
	rl_bind_int64(st, 10, id);
	if (rl_step(st) != RL_DONE) {
		if (rl_db_unique_violation(db))
			return rl_error_field(err, "email", "another account already has the e-mail %s", p->email);
		return rl_db_fail(db, err, "changing an account");
	}
	/* A new trainee is enrolled on the default curriculum, as `user add` does. */
	if ((p->roles & RL_ROLE_TRAINEE) && !(u.roles & RL_ROLE_TRAINEE) && !u.curriculum_id) {
		st = rl_db_stmt(db, "UPDATE users SET curriculum_id = (SELECT id FROM curricula WHERE code = 'ras-core' "
				    "ORDER BY version DESC LIMIT 1) WHERE id = ?", err);
		if (!st)
			return -1;
		rl_bind_int64(st, 1, id);
		if (rl_step(st) != RL_DONE)
			return rl_db_fail(db, err, "enrolling a trainee");
		if (rl_logbook_enrolled(db, id, err) < 0)
			return -1;
	}
	if (p->set_programme && rl_programme_set_members(db, id, p->programmes, p->nprogrammes, p->by,
							  p->programme_field, err) < 0)
		return -1;
	if (p->active >= 0 && p->active != active) {
		rl_now_rfc3339(now);
		st = rl_db_stmt(db, "UPDATE users SET active = ?, deactivated_at = ? WHERE id = ?", err);
		if (!st)
			return -1;
		rl_bind_int(st, 1, p->active);
		rl_db_bind_text(st, 2, p->active ? NULL : now);
		rl_bind_int64(st, 3, id);
		if (rl_step(st) != RL_DONE)
			return rl_db_fail(db, err, "changing whether an account is active");
	}
	if (p->active == 0) {
		/* Even when already deactivated: make sure nothing of theirs is live. */
		int t = rl_token_revoke_all(db, id, err), s, k;
		if (t < 0 || (s = end_sessions(db, id, err)) < 0 || (k = rl_passkey_disable_user(db, id, err)) < 0)
			return -1;
		*revoked = t + s + k;
	}
	return 0;
}

/* ---- invitations ------------------------------------------------------------------- */

int rl_invitation_parse(const json_t *body, struct rl_invitation_new *out, struct rl_error *err)
{
	static const char *const allowed[] = { "name", "email", "roles", "site", "curriculum", "programme",
					       "expires_in_days", NULL };
	int set;
	long long days = RL_INVITE_DEFAULT_DAYS;

	memset(out, 0, sizeof(*out));
	rl_json_check_members(body, allowed, err);
	rl_json_get_str(body, "name", 1, 120, &out->name, err);
	if (rl_json_get_str(body, "email", 1, 254, &out->email, err) == 0 && out->email && !valid_email(out->email))
		rl_error_field(err, "email", "must be an e-mail address such as a.surgeon@nhs.net");
	get_roles(body, 1, &out->roles, err);
	rl_json_get_str(body, "site", 0, 120, &out->site, err);
	rl_json_get_str(body, "curriculum", 0, 64, &out->curriculum, err);
	rl_json_get_int(body, "expires_in_days", 0, 1, RL_INVITE_MAX_DAYS, &days, NULL, err);
	rl_programme_member_parse(body, &out->programme, &set, err);
	out->days = (int)days;
	return err->status ? -1 : 0;
}

int rl_invitation_create(struct rl_db *db, const struct rl_invitation_new *inv, int64_t invited_by,
			 int64_t *id, char code[RL_SECRET_LEN + 1], char expires_at[21], struct rl_error *err)
{
	struct rl_stmt *st;
	uint8_t hash[32];
	char now[21];
	int rc;

	rl_now_rfc3339(now);
	st = rl_db_stmt(db, "SELECT (SELECT count(*) FROM users WHERE email = ?1), "
			    "(SELECT max(id) FROM invitations WHERE email = ?1 AND accepted_at IS NULL AND expires_at > ?2)",
			err);
	if (!st)
		return -1;
	rl_bind_text(st, 1, inv->email, -1);
	rl_bind_text(st, 2, now, -1);
	rc = rl_step(st);
	if (rc == RL_ROW && rl_col_int(st, 0) > 0)
		rl_error_set(err, RL_E_CONFLICT, "account-exists", NULL, "an account with the e-mail %s already exists",
			     inv->email);
	else if (rc == RL_ROW && !rl_col_is_null(st, 1))
		rl_error_set(err, RL_E_CONFLICT, "invitation-pending", NULL,
			     "invitation %lld to %s is still pending; resend it instead of inviting again",
			     (long long)rl_col_int64(st, 1), inv->email);
	else if (rc != RL_ROW)
		rl_db_fail(db, err, "checking for an account");
	rl_reset(st);
	if (err->status)
		return -1;
	if (inv->curriculum) {
		st = rl_db_stmt(db, "SELECT 1 FROM curricula WHERE code = ?", err);
		if (!st)
			return -1;
		rl_bind_text(st, 1, inv->curriculum, -1);
		rc = rl_step(st);
		rl_reset(st);
		if (rc != RL_ROW)
			return rl_curriculum_not_loaded(db, "curriculum", inv->curriculum, err);
	}
	if (inv->programme) {
		int e = rl_programme_exists(db, inv->programme, err);
		if (e < 0)
			return -1;
		if (!e)
			return rl_error_field(err, "programme", "no programme %lld; GET /api/v1/programmes lists them",
					      (long long)inv->programme);
	}
	secret_new(code, hash);
	time_at((long long)inv->days * 86400, expires_at);
	st = rl_db_stmt(db, "INSERT INTO invitations(code_hash, name, email, roles, site, curriculum, invited_by, "
			    "created_at, expires_at, programme_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", err);
	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, sizeof(hash));
	rl_bind_text(st, 2, inv->name, -1);
	rl_bind_text(st, 3, inv->email, -1);
	rl_bind_int(st, 4, inv->roles);
	rl_db_bind_text(st, 5, inv->site);
	rl_db_bind_text(st, 6, inv->curriculum);
	if (invited_by)
		rl_bind_int64(st, 7, invited_by);
	else
		rl_bind_null(st, 7);
	rl_bind_text(st, 8, now, -1);
	rl_bind_text(st, 9, expires_at, -1);
	if (inv->programme)
		rl_bind_int64(st, 10, inv->programme);
	else
		rl_bind_null(st, 10);
	if (rl_step_id(st, id) != RL_DONE)
		return rl_db_fail(db, err, "storing an invitation");
	return 0;
}

int rl_invitation_resend(struct rl_db *db, int64_t id, int days, char code[RL_SECRET_LEN + 1],
			 char expires_at[21], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT accepted_at FROM invitations WHERE id = ?", err);
	uint8_t hash[32];
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc != RL_ROW)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no invitation %lld", (long long)id);
	else if (!rl_col_is_null(st, 0))
		rl_error_set(err, RL_E_CONFLICT, "invitation-used", NULL,
			     "invitation %lld was accepted on %s; there is nothing to resend", (long long)id,
			     rl_db_col_text(st, 0));
	rl_reset(st);
	if (err->status)
		return -1;
	secret_new(code, hash);
	time_at((long long)days * 86400, expires_at);
	st = rl_db_stmt(db, "UPDATE invitations SET code_hash = ?, expires_at = ? WHERE id = ?", err);
	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, sizeof(hash));
	rl_bind_text(st, 2, expires_at, -1);
	rl_bind_int64(st, 3, id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "renewing an invitation");
	return 0;
}

json_t *rl_invitations_list(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, name, email, roles, site, curriculum, invited_by, created_at, "
					  "expires_at, programme_id FROM invitations WHERE accepted_at IS NULL ORDER BY id DESC", err);
	json_t *items;
	char now[21];
	int rc;

	if (!st)
		return NULL;
	rl_now_rfc3339(now);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:b}", "id", (json_int_t)rl_col_int64(st, 0),
				      "name", rl_db_col_text(st, 1), "email", rl_db_col_text(st, 2),
				      "roles", roles_json(rl_col_int(st, 3)), "site", text_or_null(st, 4),
				      "curriculum", text_or_null(st, 5), "created_at", rl_db_col_text(st, 7),
				      "expires_at", rl_db_col_text(st, 8), "expired", strcmp(rl_db_col_text(st, 8), now) <= 0);
		json_object_set_new(o, "invited_by", rl_col_is_null(st, 6) ? json_null()
						   : json_integer(rl_col_int64(st, 6)));
		json_object_set_new(o, "programme", rl_col_is_null(st, 9) ? json_null()
						   : json_integer(rl_col_int64(st, 9)));
		json_array_append_new(items, o);
	}
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing invitations");
		return NULL;
	}
	return items;
}

int rl_invitation_accept(struct rl_db *db, const char *code, int64_t *user_id,
			 char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	struct rl_stmt *st;
	uint8_t hash[32];
	char name[121], email[255], site[121], curriculum[65], now[21];
	struct rl_user_new nu = { 0 };
	int64_t inv_id, programme = 0, invited_by = 0;
	int rc;

	if (secret_hash(code, hash) < 0)
		goto unknown;
	st = rl_db_stmt(db, "SELECT id, name, email, roles, site, curriculum, expires_at, accepted_at, "
			    "coalesce(programme_id, 0), coalesce(invited_by, 0) FROM invitations WHERE code_hash = ?", err);
	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, sizeof(hash));
	rc = rl_step(st);
	if (rc != RL_ROW) {
		rl_reset(st);
		if (rc != RL_DONE)
			return rl_db_fail(db, err, "reading an invitation");
		goto unknown;
	}
	rl_now_rfc3339(now);
	inv_id = rl_col_int64(st, 0);
	if (!rl_col_is_null(st, 7))
		rl_error_set(err, RL_E_CONFLICT, "invitation-used", "Invitation already used",
			     "this invitation was already used on %s; sign in instead, or ask your administrator "
			     "for a new one", rl_db_col_text(st, 7));
	else if (strcmp(rl_db_col_text(st, 6), now) <= 0)
		rl_error_set(err, RL_E_CONFLICT, "invitation-expired", "Invitation expired",
			     "this invitation expired on %s; ask your administrator to resend it", rl_db_col_text(st, 6));
	snprintf(name, sizeof(name), "%s", rl_db_col_text(st, 1));
	snprintf(email, sizeof(email), "%s", rl_db_col_text(st, 2));
	nu.roles = rl_col_int(st, 3);
	snprintf(site, sizeof(site), "%s", rl_db_col_text(st, 4) ? rl_db_col_text(st, 4) : "");
	snprintf(curriculum, sizeof(curriculum), "%s", rl_db_col_text(st, 5) ? rl_db_col_text(st, 5) : "");
	programme = rl_col_int64(st, 8);
	invited_by = rl_col_int64(st, 9);
	rl_reset(st);
	if (err->status)
		return -1;
	nu.name = name;
	nu.email = email;
	nu.site = site;
	nu.curriculum = curriculum;
	if (rl_logbook_add_user(db, &nu, user_id, token, err) < 0) {
		if (err->nfields && strcmp(err->fields[0].field, "email") == 0) {
			rl_error_clear(err);
			return rl_error_set(err, RL_E_CONFLICT, "account-exists", NULL,
					    "an account with the e-mail %s already exists; sign in instead", email);
		}
		return -1;
	}
	/* The new account's one token, the one rl_logbook_add_user issued. */
	st = rl_db_stmt(db, "UPDATE tokens SET name = 'invitation' WHERE user_id = ? AND name IS NULL", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, *user_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "naming a token");
	if (programme && rl_programme_set_members(db, *user_id, &programme, 1, invited_by, "programme", err) < 0)
		return -1;
	st = rl_db_stmt(db, "UPDATE invitations SET accepted_at = ?, user_id = ? WHERE id = ? AND accepted_at IS NULL", err);
	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, *user_id);
	rl_bind_int64(st, 3, inv_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "marking an invitation used");
	return 0;
unknown:
	return rl_error_field(err, "code", "this invitation link is not valid; check that the whole link was "
					   "copied, or ask your administrator for a new one");
}

/* ---- web sessions ---------------------------------------------------------------------- */

int rl_web_session_create(struct rl_db *db, int64_t user_id, const char *ip, const char *user_agent,
			  int64_t *id, char sid[RL_SECRET_LEN + 1], struct rl_error *err)
{
	struct rl_stmt *st;
	uint8_t hash[32];
	char now[21], expires[21], ua[201];

	secret_new(sid, hash);
	rl_now_rfc3339(now);
	time_at(RL_WEB_ABSOLUTE_SECONDS, expires);
	snprintf(ua, sizeof(ua), "%s", user_agent ? user_agent : "");
	for (char *p = ua; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	st = rl_db_stmt(db, "INSERT INTO web_sessions(user_id, hash, created_at, last_seen_at, expires_at, ip, user_agent) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_blob(st, 2, hash, sizeof(hash));
	rl_bind_text(st, 3, now, -1);
	rl_bind_text(st, 4, now, -1);
	rl_bind_text(st, 5, expires, -1);
	rl_db_bind_text(st, 6, ip);
	rl_db_bind_text(st, 7, ua);
	if (rl_step_id(st, id) != RL_DONE)
		return rl_db_fail(db, err, "starting a web session");
	return 0;
}

static int session_gone(struct rl_error *err)
{
	return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
			    "your session has ended (signed out, timed out or replaced); sign in again");
}

int rl_web_session_auth(struct rl_db *db, const char *sid, struct rl_user *out, int64_t *id, int *stale,
			struct rl_error *err)
{
	struct rl_stmt *st;
	uint8_t hash[32];
	char now[21], idle[21], touch[21];
	int64_t uid;
	int rc;

	if (secret_hash(sid, hash) < 0)
		return session_gone(err);
	st = rl_db_stmt(db, "SELECT w.id, w.user_id, w.last_seen_at FROM web_sessions w JOIN users u ON u.id = w.user_id "
			    "WHERE w.hash = ? AND w.ended_at IS NULL AND w.expires_at > ? AND w.last_seen_at > ? "
			    "AND u.active = 1", err);
	if (!st)
		return -1;
	rl_now_rfc3339(now);
	time_at(-RL_WEB_IDLE_SECONDS, idle);
	time_at(-RL_TOUCH_SECONDS, touch);
	rl_bind_blob(st, 1, hash, sizeof(hash));
	rl_bind_text(st, 2, now, -1);
	rl_bind_text(st, 3, idle, -1);
	rc = rl_step(st);
	if (rc != RL_ROW) {
		rl_reset(st);
		return rc == RL_DONE ? session_gone(err) : rl_db_fail(db, err, "checking a web session");
	}
	*id = rl_col_int64(st, 0);
	uid = rl_col_int64(st, 1);
	*stale = strcmp(rl_db_col_text(st, 2), touch) < 0;
	rl_reset(st);
	if (rl_user_get(db, uid, out, err) < 0)
		return -1;
	return 0;
}

int rl_web_session_touch(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE web_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL", err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "recording a web session's use");
	return 0;
}

int rl_web_session_end(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE web_sessions SET ended_at = ? WHERE id = ? AND (? = 0 OR user_id = ?) "
					  "AND ended_at IS NULL", err);
	char now[21];

	if (!st)
		return -1;
	rl_now_rfc3339(now);
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	rl_bind_int64(st, 3, user_id);
	rl_bind_int64(st, 4, user_id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "ending a web session");
	if (rl_db_changes(db) == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no live web session %lld of yours",
				    (long long)id);
	return 0;
}

static int end_sessions(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_db_stamp_user_rows(db, "UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
				     user_id, "ending web sessions", err);
}

int rl_web_session_end_all(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return end_sessions(db, user_id, err);
}

json_t *rl_web_session_list(struct rl_db *db, int64_t user_id, int64_t current, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM web_sessions "
					  "WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at > ? "
					  "ORDER BY id DESC", err);
	char now[21], idle[21];
	json_t *items;
	int rc;

	if (!st)
		return NULL;
	rl_now_rfc3339(now);
	time_at(-RL_WEB_IDLE_SECONDS, idle);
	rl_bind_int64(st, 1, user_id);
	rl_bind_text(st, 2, now, -1);
	rl_bind_text(st, 3, idle, -1);
	items = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(items, json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:b}",
			"id", (json_int_t)rl_col_int64(st, 0), "created_at", rl_db_col_text(st, 1),
			"last_seen_at", rl_db_col_text(st, 2), "expires_at", rl_db_col_text(st, 3),
			"ip", text_or_null(st, 4), "user_agent", text_or_null(st, 5),
			"current", rl_col_int64(st, 0) == current));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(items);
		rl_db_fail(db, err, "listing web sessions");
		return NULL;
	}
	return items;
}

void rl_web_session_csrf(const char *sid, char out[RL_SECRET_LEN + 1])
{
	static const char label[] = "raslog-csrf-v1";
	uint8_t raw[32], mac[32];

	out[0] = '\0';
	if (secret_raw(sid, raw) < 0)
		return;
	crypto_generichash(mac, sizeof(mac), (const uint8_t *)label, sizeof(label) - 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	sodium_bin2base64(out, RL_SECRET_LEN + 1, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
