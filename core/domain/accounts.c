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
#include "base/util.h"
#include "store/accounts_rows.h"

_Static_assert(RL_USER_Q_MAX <= RL_ROWS_ACCOUNT_Q_MAX, "the store escapes every byte of q the API takes");

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

static json_t *text_or_null(const char *s)
{
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
	char expires[21];

	if (rl_token_issue(db, user_id, token, id, err) < 0)
		return -1;
	if (p->expires)
		rl_format_rfc3339(p->expires, expires);
	return rl_rows_token_describe(db, *id, p->name, p->read_only ? "read" : "write", p->expires ? expires : NULL, err);
}

static json_t *pat_json(const struct rl_row_token *t)
{
	return json_pack("{s:I,s:o,s:s,s:s,s:o,s:o}", "id", (json_int_t)t->id,
			 "name", text_or_null(t->name), "scope", t->scope, "created_at",
			 t->created_at, "last_used_at", text_or_null(t->last_used_at), "expires_at",
			 text_or_null(t->expires_at));
}

static int pat_append(void *ctx, const struct rl_row_token *t)
{
	json_array_append_new(ctx, pat_json(t));
	return 0;
}

json_t *rl_pat_list(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	json_t *items = json_array();
	char now[21];

	rl_now_rfc3339(now);
	if (rl_rows_token_list(db, user_id, now, pat_append, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

static int pat_keep(void *ctx, const struct rl_row_token *t)
{
	*(json_t **)ctx = pat_json(t);
	return 0;
}

json_t *rl_pat_get(struct rl_db *db, int64_t token_id, struct rl_error *err)
{
	json_t *o = NULL;
	int rc = rl_rows_token_get(db, token_id, pat_keep, &o, err);

	if (rc == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no token %lld", (long long)token_id);
	return o;
}

int rl_pat_revoke(struct rl_db *db, int64_t user_id, int64_t token_id, struct rl_error *err)
{
	char now[21];
	int n;

	rl_now_rfc3339(now);
	if ((n = rl_rows_token_revoke(db, user_id, token_id, now, err)) < 0)
		return -1;
	if (n == 0)
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

int rl_pat_judge(const struct rl_row_token_check *t, int *read_only, int *stale, struct rl_error *err)
{
	char now[21], cutoff[21];
	int rc = 0;

	rl_now_rfc3339(now);
	time_at(-RL_TOUCH_SECONDS, cutoff);
	if ((t->expires_at[0] && strcmp(t->expires_at, now) <= 0) || t->active != 1)
		rc = unauthorized(err);
	*read_only = strcmp(t->scope, "read") == 0;
	*stale = !t->last_used_at[0] || strcmp(t->last_used_at, cutoff) < 0;
	return rc;
}

int rl_pat_check(struct rl_db *db, int64_t token_id, int *read_only, int *stale, struct rl_error *err)
{
	struct rl_row_token_check t;
	int found;

	if ((found = rl_rows_token_check(db, token_id, &t, err)) < 0)
		return -1;
	if (found == 0)
		return unauthorized(err);
	return rl_pat_judge(&t, read_only, stale, err);
}

int rl_pat_touch(struct rl_db *db, int64_t token_id, struct rl_error *err)
{
	char now[21];

	rl_now_rfc3339(now);
	return rl_rows_token_touch(db, token_id, now, err);
}

/* ---- accounts ---------------------------------------------------------------------- */

static int programme_append(void *ctx, const struct rl_row_programme_ref *p)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s}", "id", (json_int_t)p->id, "name", p->name));
	return 0;
}

/* The current programmes of user, in name order: [{"id","name"}] (as far as they could be read). */
static json_t *programmes_of(struct rl_db *db, int64_t user)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *ps = json_array();

	rl_rows_account_programmes(db, user, programme_append, ps, &err);
	rl_error_clear(&err);
	return ps;
}

static json_t *account_json(struct rl_db *db, const struct rl_row_account *a)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:b,s:s}", "id", (json_int_t)a->id,
			      "name", a->name, "email", a->email,
			      "roles", roles_json(a->roles), "active", a->active,
			      "created_at", a->created_at);
	if (a->gmc)
		json_object_set_new(o, "gmc", json_string(a->gmc));
	if (a->site)
		json_object_set_new(o, "site", json_string(a->site));
	if (a->deactivated_at)
		json_object_set_new(o, "deactivated_at", json_string(a->deactivated_at));
	if (a->curriculum)
		json_object_set_new(o, "curriculum", json_string(a->curriculum));
	/* programmes: every current one; programme: the first (a trainee's only one), or null. */
	{
		json_t *ps = programmes_of(db, a->id);
		json_object_set_new(o, "programme", json_array_size(ps) ? json_incref(json_array_get(ps, 0)) : json_null());
		json_object_set_new(o, "programmes", ps);
	}
	return o;
}

/* A page of the account list being built: its items, and the cursor once a row past the page shows there is more. */
struct account_page {
	struct rl_db *db;
	json_t *items;
	int limit, n;
	int64_t *next;
};

static int account_append(void *ctx, const struct rl_row_account *a)
{
	struct account_page *pg = ctx;

	if (++pg->n > pg->limit) {
		*pg->next = json_integer_value(json_object_get(json_array_get(pg->items, json_array_size(pg->items) - 1), "id"));
		return 1;
	}
	json_array_append_new(pg->items, account_json(pg->db, a));
	return 0;
}

json_t *rl_users_list(struct rl_db *db, const struct rl_user_filter *f, int64_t *next, struct rl_error *err)
{
	struct rl_rows_account_filter rf = {
		.after_id = f->after_id, .q = f->q, .roles = f->roles, .active = f->active, .programme = f->programme,
		.scoped = f->scope != NULL, .scope_id = f->scope ? f->scope->id : 0,
		.limit = f->limit + 1, /* one more than a page, to know whether another follows */
	};
	struct account_page pg = { db, json_array(), f->limit, 0, next };

	*next = 0;
	if (rl_rows_account_list(db, &rf, account_append, &pg, err) < 0) {
		json_decref(pg.items);
		return NULL;
	}
	return pg.items;
}

/* One account as JSON, and the database its programmes are read from. */
struct account_one {
	struct rl_db *db;
	json_t *o;
};

static int account_keep(void *ctx, const struct rl_row_account *a)
{
	struct account_one *one = ctx;

	one->o = account_json(one->db, a);
	return 0;
}

json_t *rl_user_account(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct account_one one = { db, NULL };
	int rc = rl_rows_account_get(db, id, account_keep, &one, err);

	if (rc == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld", (long long)id);
	return one.o;
}

int rl_user_is_active(struct rl_db *db, int64_t id, struct rl_error *err)
{
	int active = 0, rc = rl_rows_user_active(db, id, &active, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld", (long long)id);
	return active;
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
	struct rl_row_user_change c;
	char now[21];
	int active, n;

	*revoked = 0;
	if (rl_user_get(db, id, &u, err) < 0 || (active = rl_user_is_active(db, id, err)) < 0)
		return -1;
	if (active && (u.roles & RL_ROLE_ADMIN) && (p->active == 0 || (p->roles && !(p->roles & RL_ROLE_ADMIN)))) {
		if ((n = rl_rows_user_other_admins(db, id, err)) < 0)
			return -1;
		if (n == 0)
			return rl_error_set(err, RL_E_CONFLICT, "last-admin", "Last active admin",
					    "%s is the last active admin; make someone else an admin before %s", u.name,
					    p->active == 0 ? "deactivating this account" : "removing the admin role");
	}
	c = (struct rl_row_user_change){
		.set_name = p->set_name, .set_email = p->set_email, .set_gmc = p->set_gmc, .set_site = p->set_site,
		.name = p->name, .email = p->email, .gmc = p->gmc, .site = p->site, .roles = p->roles,
	};
	if ((n = rl_rows_user_update(db, id, &c, err)) < 0)
		return -1;
	if (n == 1)
		return rl_error_field(err, "email", "another account already has the e-mail %s", p->email);
	/* A new trainee is enrolled on the default curriculum, as `user add` does. */
	if ((p->roles & RL_ROLE_TRAINEE) && !(u.roles & RL_ROLE_TRAINEE) && !u.curriculum_id) {
		if (rl_rows_user_enrol_default(db, id, err) < 0 || rl_logbook_enrolled(db, id, err) < 0)
			return -1;
	}
	if (p->set_programme && rl_programme_set_members(db, id, p->programmes, p->nprogrammes, p->by,
							  p->programme_field, err) < 0)
		return -1;
	if (p->active >= 0 && p->active != active) {
		rl_now_rfc3339(now);
		if (rl_rows_user_set_active(db, id, p->active, p->active ? NULL : now, err) < 0)
			return -1;
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
	struct rl_row_invitation_new row;
	uint8_t hash[32];
	char now[21];
	int64_t pending;
	int accounts, rc;

	rl_now_rfc3339(now);
	if (rl_rows_invitation_blockers(db, inv->email, now, &accounts, &pending, err) < 0)
		return -1;
	if (accounts > 0)
		return rl_error_set(err, RL_E_CONFLICT, "account-exists", NULL, "an account with the e-mail %s already exists",
				    inv->email);
	if (pending)
		return rl_error_set(err, RL_E_CONFLICT, "invitation-pending", NULL,
				    "invitation %lld to %s is still pending; resend it instead of inviting again",
				    (long long)pending, inv->email);
	if (inv->curriculum) {
		if ((rc = rl_rows_account_curriculum_exists(db, inv->curriculum, err)) < 0)
			return -1;
		if (rc == 0)
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
	row = (struct rl_row_invitation_new){ hash, inv->name, inv->email, inv->roles, inv->site, inv->curriculum,
					       invited_by, now, expires_at, inv->programme };
	return rl_rows_invitation_insert(db, &row, id, err);
}

int rl_invitation_resend(struct rl_db *db, int64_t id, int days, char code[RL_SECRET_LEN + 1],
			 char expires_at[21], struct rl_error *err)
{
	char accepted[RL_ROWS_TIME_LEN];
	uint8_t hash[32];
	int rc = rl_rows_invitation_accepted_at(db, id, accepted, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no invitation %lld", (long long)id);
	if (accepted[0])
		return rl_error_set(err, RL_E_CONFLICT, "invitation-used", NULL,
				    "invitation %lld was accepted on %s; there is nothing to resend", (long long)id,
				    accepted);
	secret_new(code, hash);
	time_at((long long)days * 86400, expires_at);
	return rl_rows_invitation_renew(db, id, hash, expires_at, err);
}

/* The invitation list being built, and the time that tells an expired invitation. */
struct invitation_list {
	json_t *items;
	const char *now;
};

static int invitation_append(void *ctx, const struct rl_row_invitation *inv)
{
	struct invitation_list *l = ctx;
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:s,s:b}", "id", (json_int_t)inv->id,
			      "name", inv->name, "email", inv->email,
			      "roles", roles_json(inv->roles), "site", text_or_null(inv->site),
			      "curriculum", text_or_null(inv->curriculum), "created_at", inv->created_at,
			      "expires_at", inv->expires_at, "expired", strcmp(inv->expires_at, l->now) <= 0);

	json_object_set_new(o, "invited_by", inv->invited_by ? json_integer(inv->invited_by) : json_null());
	json_object_set_new(o, "programme", inv->programme ? json_integer(inv->programme) : json_null());
	json_array_append_new(l->items, o);
	return 0;
}

json_t *rl_invitations_list(struct rl_db *db, struct rl_error *err)
{
	char now[21];
	struct invitation_list l = { json_array(), now };

	rl_now_rfc3339(now);
	if (rl_rows_invitation_list_pending(db, invitation_append, &l, err) < 0) {
		json_decref(l.items);
		return NULL;
	}
	return l.items;
}

int rl_invitation_accept(struct rl_db *db, const char *code, int64_t *user_id,
			 char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	struct rl_row_invitation_code inv;
	uint8_t hash[32];
	char now[21];
	struct rl_user_new nu = { 0 };
	int rc;

	if (secret_hash(code, hash) < 0)
		goto unknown;
	if ((rc = rl_rows_invitation_by_code(db, hash, &inv, err)) < 0)
		return -1;
	if (rc == 0)
		goto unknown;
	rl_now_rfc3339(now);
	if (inv.accepted_at[0])
		return rl_error_set(err, RL_E_CONFLICT, "invitation-used", "Invitation already used",
				    "this invitation was already used on %s; sign in instead, or ask your administrator "
				    "for a new one", inv.accepted_at);
	if (strcmp(inv.expires_at, now) <= 0)
		return rl_error_set(err, RL_E_CONFLICT, "invitation-expired", "Invitation expired",
				    "this invitation expired on %s; ask your administrator to resend it", inv.expires_at);
	nu.roles = inv.roles;
	nu.name = inv.name;
	nu.email = inv.email;
	nu.site = inv.site;
	nu.curriculum = inv.curriculum;
	if (rl_logbook_add_user(db, &nu, user_id, token, err) < 0) {
		if (err->nfields && strcmp(err->fields[0].field, "email") == 0) {
			rl_error_clear(err);
			return rl_error_set(err, RL_E_CONFLICT, "account-exists", NULL,
					    "an account with the e-mail %s already exists; sign in instead", inv.email);
		}
		return -1;
	}
	/* The new account's one token, the one rl_logbook_add_user issued. */
	if (rl_rows_token_name_invitation(db, *user_id, err) < 0)
		return -1;
	if (inv.programme &&
	    rl_programme_set_members(db, *user_id, &inv.programme, 1, inv.invited_by, "programme", err) < 0)
		return -1;
	return rl_rows_invitation_accepted(db, inv.id, *user_id, now, err);
unknown:
	return rl_error_field(err, "code", "this invitation link is not valid; check that the whole link was "
					   "copied, or ask your administrator for a new one");
}

/* ---- web sessions ---------------------------------------------------------------------- */

int rl_web_session_create(struct rl_db *db, int64_t user_id, const char *ip, const char *user_agent,
			  int64_t *id, char sid[RL_SECRET_LEN + 1], struct rl_error *err)
{
	struct rl_row_web_session_new row;
	uint8_t hash[32];
	char now[21], expires[21], ua[201];

	secret_new(sid, hash);
	rl_now_rfc3339(now);
	time_at(RL_WEB_ABSOLUTE_SECONDS, expires);
	snprintf(ua, sizeof(ua), "%s", user_agent ? user_agent : "");
	for (char *p = ua; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	row = (struct rl_row_web_session_new){ user_id, hash, now, expires, ip, ua };
	return rl_rows_web_session_insert(db, &row, id, err);
}

static int session_gone(struct rl_error *err)
{
	return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
			    "your session has ended (signed out, timed out or replaced); sign in again");
}

int rl_web_session_auth(struct rl_db *db, const char *sid, struct rl_user *out, int64_t *id, int *stale,
			struct rl_error *err)
{
	uint8_t hash[32];
	char now[21], idle[21], touch[21], last[RL_ROWS_TIME_LEN];
	int64_t uid;
	int rc;

	if (secret_hash(sid, hash) < 0)
		return session_gone(err);
	rl_now_rfc3339(now);
	time_at(-RL_WEB_IDLE_SECONDS, idle);
	time_at(-RL_TOUCH_SECONDS, touch);
	if ((rc = rl_rows_web_session_by_hash(db, hash, now, idle, id, &uid, last, err)) < 0)
		return -1;
	if (rc == 0)
		return session_gone(err);
	*stale = strcmp(last, touch) < 0;
	if (rl_user_get(db, uid, out, err) < 0)
		return -1;
	return 0;
}

int rl_web_session_touch(struct rl_db *db, int64_t id, struct rl_error *err)
{
	char now[21];

	rl_now_rfc3339(now);
	return rl_rows_web_session_touch(db, id, now, err);
}

int rl_web_session_end(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err)
{
	char now[21];
	int n;

	rl_now_rfc3339(now);
	if ((n = rl_rows_web_session_end(db, user_id, id, now, err)) < 0)
		return -1;
	if (n == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no live web session %lld of yours",
				    (long long)id);
	return 0;
}

static int end_sessions(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_rows_web_session_end_user(db, user_id, err);
}

int rl_web_session_end_all(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return end_sessions(db, user_id, err);
}

/* The session list being built, and the caller's own session. */
struct session_list {
	json_t *items;
	int64_t current;
};

static int session_append(void *ctx, const struct rl_row_web_session *w)
{
	struct session_list *l = ctx;

	json_array_append_new(l->items, json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:b}",
		"id", (json_int_t)w->id, "created_at", w->created_at,
		"last_seen_at", w->last_seen_at, "expires_at", w->expires_at,
		"ip", text_or_null(w->ip), "user_agent", text_or_null(w->user_agent),
		"current", w->id == l->current));
	return 0;
}

json_t *rl_web_session_list(struct rl_db *db, int64_t user_id, int64_t current, struct rl_error *err)
{
	char now[21], idle[21];
	struct session_list l = { json_array(), current };

	rl_now_rfc3339(now);
	time_at(-RL_WEB_IDLE_SECONDS, idle);
	if (rl_rows_web_session_list(db, user_id, now, idle, session_append, &l, err) < 0) {
		json_decref(l.items);
		return NULL;
	}
	return l.items;
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
