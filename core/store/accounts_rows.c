/*
 * accounts_rows.c - the queries of accounts and sign-in (users, tokens,
 * web_sessions, invitations); see accounts_rows.h.
 */
#include "base/prelude.h"

#include "store/accounts_rows.h"

#include <stdio.h>
#include <string.h>

#include "store/scope.h"
#include "store/sql.h"

/* Column col's text into dst ("" for NULL), truncated to size. */
static void copy_col(char *dst, size_t size, struct rl_stmt *st, int col)
{
	const char *s = rl_col_text(st, col);
	snprintf(dst, size, "%s", s ? s : "");
}

/* Binds an id that 0 stands for NULL. */
static void bind_id_or_null(struct rl_stmt *st, int i, int64_t id)
{
	if (id)
		rl_bind_int64(st, i, id);
	else
		rl_bind_null(st, i);
}

/* ---- users ------------------------------------------------------------------ */

#define USER_COLUMNS "u.id, u.name, u.email, u.gmc, u.roles, u.site, u.curriculum_id"

static void user_from_row(struct rl_stmt *st, struct rl_row_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = rl_col_int64(st, 0);
	copy_col(u->name, sizeof(u->name), st, 1);
	copy_col(u->email, sizeof(u->email), st, 2);
	copy_col(u->gmc, sizeof(u->gmc), st, 3);
	u->roles = rl_col_int(st, 4);
	copy_col(u->site, sizeof(u->site), st, 5);
	u->curriculum_id = rl_col_int64(st, 6);
}

int rl_rows_user_insert(struct rl_db *db, const struct rl_row_user_new *u, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO users(name, email, gmc, roles, site, curriculum_id, created_at) "
					  "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, u->name, -1);
	rl_bind_text(st, 2, u->email, -1);
	rl_db_bind_text(st, 3, u->gmc);
	rl_bind_int(st, 4, u->roles);
	rl_db_bind_text(st, 5, u->site);
	bind_id_or_null(st, 6, u->curriculum_id);
	rl_bind_text(st, 7, u->created_at, -1);
	if (rl_step_id(st, id) != RL_DONE) {
		int taken = rl_db_unique_violation(db);
		if (!taken)
			rl_db_fail(db, err, "adding a user");
		rl_reset(st);
		return taken ? 1 : -1;
	}
	return 0;
}

/* One user row of st (bound): 1 into out, 0 none, -1 failing while what. */
static int user_lookup(struct rl_db *db, struct rl_stmt *st, struct rl_row_user *out, int64_t *extra,
		       const char *what, struct rl_error *err)
{
	int rc = rl_step(st);

	if (rc == RL_ROW) {
		user_from_row(st, out);
		if (extra)
			*extra = rl_col_int64(st, 7);
	}
	return rl_db_finish(db, st, rc, what, err);
}

int rl_rows_user_get(struct rl_db *db, int64_t id, struct rl_row_user *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " USER_COLUMNS " FROM users u WHERE u.id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return user_lookup(db, st, out, NULL, "reading a user", err);
}

int rl_rows_user_by_token(struct rl_db *db, const uint8_t hash[32], struct rl_row_user *out, int64_t *token_id,
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " USER_COLUMNS ", t.id FROM tokens t JOIN users u ON u.id = t.user_id "
					  "WHERE t.hash = ? AND t.revoked_at IS NULL", err);

	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, 32);
	return user_lookup(db, st, out, token_id, "checking a token", err);
}

int rl_rows_user_active(struct rl_db *db, int64_t id, int *active, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT active FROM users WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW)
		*active = rl_col_int(st, 0) == 1;
	return rl_db_finish(db, st, rc, "reading a user", err);
}

int rl_rows_user_by_email(struct rl_db *db, const char *email, int64_t *id, int *active, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, active FROM users WHERE email = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_text(st, 1, email, -1);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		*id = rl_col_int64(st, 0);
		*active = rl_col_int(st, 1);
	}
	return rl_db_finish(db, st, rc, "finding an account by e-mail", err);
}

int rl_rows_user_other_admins(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT count(*) FROM users WHERE active = 1 AND (roles & 8) <> 0 AND id <> ?",
					err);
	int64_t n = 0;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_lookup_int64(db, st, &n, "counting admins", err) < 0 ? -1 : (int)n;
}

int rl_rows_user_update(struct rl_db *db, int64_t id, const struct rl_row_user_change *c, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE users SET name = CASE WHEN ?1 <> 0 THEN ?2 ELSE name END, "
			    "email = CASE WHEN ?3 <> 0 THEN ?4 ELSE email END, gmc = CASE WHEN ?5 <> 0 THEN ?6 ELSE gmc END, "
			    "site = CASE WHEN ?7 <> 0 THEN ?8 ELSE site END, roles = CASE WHEN ?9 > 0 THEN ?9 ELSE roles END "
			    "WHERE id = ?10", err);

	if (!st)
		return -1;
	rl_bind_int(st, 1, c->set_name);
	rl_db_bind_text(st, 2, c->name);
	rl_bind_int(st, 3, c->set_email);
	rl_db_bind_text(st, 4, c->email);
	rl_bind_int(st, 5, c->set_gmc);
	rl_db_bind_text(st, 6, c->gmc);
	rl_bind_int(st, 7, c->set_site);
	rl_db_bind_text(st, 8, c->site);
	rl_bind_int(st, 9, c->roles);
	rl_bind_int64(st, 10, id);
	if (rl_step(st) != RL_DONE) {
		int taken = rl_db_unique_violation(db);
		if (!taken)
			rl_db_fail(db, err, "changing an account");
		rl_reset(st);
		return taken ? 1 : -1;
	}
	return 0;
}

int rl_rows_user_enrol_default(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE users SET curriculum_id = (SELECT id FROM curricula WHERE code = 'ras-core' "
					  "ORDER BY version DESC LIMIT 1) WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_run(db, st, "enrolling a trainee", err);
}

int rl_rows_user_set_active(struct rl_db *db, int64_t id, int active, const char *deactivated_at,
			    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE users SET active = ?, deactivated_at = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int(st, 1, active);
	rl_db_bind_text(st, 2, deactivated_at);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "changing whether an account is active", err);
}

/* A row's column 0 text handed to the caller's each (rl_db_each_row). */
struct each_text {
	int (*each)(void *ctx, const char *s);
	void *ctx;
};

static int text_call(void *ctx, struct rl_stmt *st)
{
	const struct each_text *e = ctx;

	return e->each(e->ctx, rl_col_text(st, 0));
}

/* Calls each with column 0's text of every row of st (bound); what names a failure. */
static int each_text(struct rl_db *db, struct rl_stmt *st, int (*each)(void *ctx, const char *s), void *ctx,
		     const char *what, struct rl_error *err)
{
	return rl_db_each_row(db, st, text_call, &(struct each_text){ each, ctx }, what, err);
}

int rl_rows_user_trainee_sites(struct rl_db *db, int (*each)(void *ctx, const char *site), void *ctx,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT DISTINCT site FROM users WHERE (roles & 1 <> 0) AND site IS NOT NULL "
					  "AND site <> '' ORDER BY site", err);

	if (!st)
		return -1;
	return each_text(db, st, each, ctx, "listing trainees' sites", err);
}

int rl_rows_user_trainee_site_rows(struct rl_db *db, int64_t only, int (*each)(void *ctx, int64_t id, const char *site),
				   void *ctx, struct rl_error *err)
{
	/* Every one through the index users_by_site (020_list_counts.sql), or one by its key. */
	struct rl_stmt *st = rl_db_stmt(db, only ? "SELECT id, site FROM users WHERE id = ? AND (roles & 1 <> 0) "
					  "AND site IS NOT NULL AND site <> ''"
					  : "SELECT id, site FROM users WHERE (roles & 1 <> 0) AND site IS NOT NULL AND site <> ''",
					  err);

	if (!st)
		return -1;
	if (only)
		rl_bind_int64(st, 1, only);
	return rl_db_each_id_text(db, st, each, ctx, "listing trainees' sites", err);
}

/* ---- accounts ------------------------------------------------------------------ */

#define ACCOUNT_COLUMNS "u.id, u.name, u.email, u.gmc, u.roles, u.site, u.active, u.created_at, " \
			"u.deactivated_at, c.code"
#define ACCOUNT_FROM " FROM users u LEFT JOIN curricula c ON c.id = u.curriculum_id "

static void account_from_row(struct rl_stmt *st, struct rl_row_account *a)
{
	a->id = rl_col_int64(st, 0);
	a->name = rl_col_text(st, 1);
	a->email = rl_col_text(st, 2);
	a->gmc = rl_col_text(st, 3);
	a->roles = rl_col_int(st, 4);
	a->site = rl_col_text(st, 5);
	a->active = rl_col_int(st, 6);
	a->created_at = rl_col_text(st, 7);
	a->deactivated_at = rl_col_text(st, 8);
	a->curriculum = rl_col_text(st, 9);
}

/* account_call: an account row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(account, struct rl_row_account, account_from_row)

int rl_rows_account_list(struct rl_db *db, const struct rl_rows_account_filter *f,
			 int (*each)(void *ctx, const struct rl_row_account *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " ACCOUNT_COLUMNS ACCOUNT_FROM
		"WHERE u.id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR lower(u.name) LIKE lower(?2) ESCAPE '\\' "
		"OR lower(u.email) LIKE lower(?2) ESCAPE '\\') "
		"AND (?3 = 0 OR (u.roles & ?3) <> 0) AND (?4 < 0 OR u.active = ?4) "
		"AND (?6 = 0 OR EXISTS (SELECT 1 FROM programme_members pm WHERE pm.user_id = u.id AND pm.programme_id = ?6 "
		"AND pm.until_at IS NULL)) AND (?7 = 0 OR " RL_FACULTY_SCOPE_SQL("u.id") ") "
		"ORDER BY u.id LIMIT ?5", err);

	if (!st)
		return -1;
	if (f->q && *f->q) {
		/* Escaping at most doubles q; a longer q than RL_ROWS_ACCOUNT_Q_MAX is cut. */
		char like[2 * RL_ROWS_ACCOUNT_Q_MAX + 3];
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
	rl_bind_int(st, 5, f->limit);
	rl_bind_int64(st, 6, f->programme);
	rl_bind_int(st, 7, f->scoped != 0);
	if (f->scoped)
		rl_bind_int64(st, RL_FACULTY_SCOPE_PARAM, f->scope_id);
	return rl_db_each_row(db, st, account_call, &(struct account_each){ each, ctx }, "listing accounts", err);
}

int rl_rows_account_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_account *row),
			void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " ACCOUNT_COLUMNS ACCOUNT_FROM "WHERE u.id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, account_call, &(struct account_each){ each, ctx }, "reading an account", err);
}

static void programme_ref_from_row(struct rl_stmt *st, struct rl_row_programme_ref *p)
{
	p->id = rl_col_int64(st, 0);
	p->name = rl_col_text(st, 1);
}

RL_DB_ROW_READER(programme_ref, struct rl_row_programme_ref, programme_ref_from_row)

int rl_rows_account_programmes(struct rl_db *db, int64_t user,
			       int (*each)(void *ctx, const struct rl_row_programme_ref *row), void *ctx,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT p.id, p.name FROM programme_members pm JOIN programmes p "
					  "ON p.id = pm.programme_id WHERE pm.user_id = ? AND pm.until_at IS NULL "
					  "ORDER BY p.name", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user);
	return rl_db_each_row(db, st, programme_ref_call, &(struct programme_ref_each){ each, ctx },
			      "listing an account's programmes", err);
}

/* ---- curricula, as accounts name them ---------------------------------------------- */

int rl_rows_account_curricula_codes(struct rl_db *db, int (*each)(void *ctx, const char *code), void *ctx,
				    struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT DISTINCT code FROM curricula ORDER BY code", err);

	if (!st)
		return -1;
	return each_text(db, st, each, ctx, "reading the loaded curricula", err);
}

int rl_rows_account_curriculum_id(struct rl_db *db, const char *code, int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM curricula WHERE code = ? ORDER BY version DESC LIMIT 1", err);

	*id = 0;
	if (!st)
		return -1;
	rl_bind_text(st, 1, code, -1);
	return rl_db_lookup_int64(db, st, id, "finding a curriculum", err);
}

int rl_rows_account_curriculum_exists(struct rl_db *db, const char *code, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM curricula WHERE code = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_text(st, 1, code, -1);
	rc = rl_step(st);
	return rl_db_finish(db, st, rc, "finding a curriculum", err);
}

int rl_rows_account_curriculum_code(struct rl_db *db, int64_t id, char out[65], struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT code FROM curricula WHERE id = ?", err);
	int rc;

	out[0] = '\0';
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW)
		copy_col(out, 65, st, 0);
	return rl_db_finish(db, st, rc, "reading a curriculum's code", err);
}

/* ---- tokens ---------------------------------------------------------------------------- */

int rl_rows_token_insert(struct rl_db *db, int64_t user_id, const uint8_t hash[32], const char *created_at,
			 int64_t *id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO tokens(user_id, hash, created_at) VALUES (?, ?, ?) RETURNING id",
					err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_blob(st, 2, hash, 32);
	rl_bind_text(st, 3, created_at, -1);
	if (rl_step_id(st, id) != RL_DONE) {
		rl_db_fail(db, err, "storing a token");
		rl_reset(st);
		return -1;
	}
	return 0;
}

int rl_rows_token_describe(struct rl_db *db, int64_t id, const char *name, const char *scope,
			   const char *expires_at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE tokens SET name = ?, scope = ?, expires_at = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, name, -1);
	rl_bind_text(st, 2, scope, -1);
	rl_bind_text(st, 3, expires_at, -1);
	rl_bind_int64(st, 4, id);
	return rl_db_run(db, st, "naming a token", err);
}

int rl_rows_token_name_invitation(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE tokens SET name = 'invitation' WHERE user_id = ? AND name IS NULL", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	return rl_db_run(db, st, "naming a token", err);
}

#define TOKEN_COLUMNS "id, name, scope, created_at, last_used_at, expires_at"

static void token_from_row(struct rl_stmt *st, struct rl_row_token *t)
{
	t->id = rl_col_int64(st, 0);
	t->name = rl_col_text(st, 1);
	t->scope = rl_col_text(st, 2);
	t->created_at = rl_col_text(st, 3);
	t->last_used_at = rl_col_text(st, 4);
	t->expires_at = rl_col_text(st, 5);
}

/* token_call: a token row handed to the caller's typed each (rl_db_get_row, rl_db_each_row). */
RL_DB_ROW_READER(token, struct rl_row_token, token_from_row)

int rl_rows_token_list(struct rl_db *db, int64_t user_id, const char *now,
		       int (*each)(void *ctx, const struct rl_row_token *row), void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " TOKEN_COLUMNS " FROM tokens WHERE user_id = ? AND revoked_at IS NULL "
					  "AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_text(st, 2, now, -1);
	return rl_db_each_row(db, st, token_call, &(struct token_each){ each, ctx }, "listing tokens", err);
}

int rl_rows_token_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_token *row),
		      void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " TOKEN_COLUMNS " FROM tokens WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	return rl_db_get_row(db, st, token_call, &(struct token_each){ each, ctx }, "reading a token", err);
}

/*
 * Runs sql, an UPDATE stamping now (?1) on row id (?2) of user_id (?3, ?4;
 * any user when 0) if it is still live: how many rows (0 or 1), or -1.
 */
static int stamp_own_row(struct rl_db *db, const char *sql, int64_t user_id, int64_t id, const char *now,
			 const char *what, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, sql, err);
	int64_t changed;

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	rl_bind_int64(st, 3, user_id);
	rl_bind_int64(st, 4, user_id);
	return rl_db_run_changes(db, st, what, &changed, err) < 0 ? -1 : (int)changed;
}

int rl_rows_token_revoke(struct rl_db *db, int64_t user_id, int64_t id, const char *now, struct rl_error *err)
{
	return stamp_own_row(db, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND (? = 0 OR user_id = ?) "
			     "AND revoked_at IS NULL", user_id, id, now, "revoking a token", err);
}

int rl_rows_token_revoke_user(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_db_stamp_user_rows(db, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
				     user_id, "revoking tokens", err);
}

/* The columns scope, expires_at, last_used_at and the owner's active, from column col on. */
static void token_check_from_row(struct rl_stmt *st, int col, struct rl_row_token_check *out)
{
	copy_col(out->scope, sizeof(out->scope), st, col);
	copy_col(out->expires_at, sizeof(out->expires_at), st, col + 1);
	copy_col(out->last_used_at, sizeof(out->last_used_at), st, col + 2);
	out->active = rl_col_int(st, col + 3);
}

int rl_rows_token_check(struct rl_db *db, int64_t id, struct rl_row_token_check *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT t.scope, t.expires_at, t.last_used_at, u.active FROM tokens t "
					  "JOIN users u ON u.id = t.user_id WHERE t.id = ?", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW)
		token_check_from_row(st, 0, out);
	return rl_db_finish(db, st, rc, "checking a token", err);
}

int rl_rows_user_by_token_check(struct rl_db *db, const uint8_t hash[32], struct rl_row_user *out, int64_t *token_id,
				struct rl_row_token_check *check, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " USER_COLUMNS ", t.id, t.scope, t.expires_at, t.last_used_at, u.active "
					  "FROM tokens t JOIN users u ON u.id = t.user_id "
					  "WHERE t.hash = ? AND t.revoked_at IS NULL", err);
	int rc;

	memset(check, 0, sizeof(*check));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, 32);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		user_from_row(st, out);
		*token_id = rl_col_int64(st, 7);
		token_check_from_row(st, 8, check);
	}
	return rl_db_finish(db, st, rc, "checking a token", err);
}

int rl_rows_token_touch(struct rl_db *db, int64_t id, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE tokens SET last_used_at = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	return rl_db_run(db, st, "recording a token's use", err);
}

/* ---- web sessions ------------------------------------------------------------------------- */

int rl_rows_web_session_insert(struct rl_db *db, const struct rl_row_web_session_new *s, int64_t *id,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO web_sessions(user_id, hash, created_at, last_seen_at, expires_at, "
					  "ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, s->user_id);
	rl_bind_blob(st, 2, s->hash, 32);
	rl_bind_text(st, 3, s->created_at, -1);
	rl_bind_text(st, 4, s->created_at, -1);
	rl_bind_text(st, 5, s->expires_at, -1);
	rl_db_bind_text(st, 6, s->ip);
	rl_db_bind_text(st, 7, s->user_agent);
	if (rl_step_id(st, id) != RL_DONE) {
		rl_db_fail(db, err, "starting a web session");
		rl_reset(st);
		return -1;
	}
	return 0;
}

int rl_rows_web_session_by_hash(struct rl_db *db, const uint8_t hash[32], const char *now, const char *idle_since,
				int64_t *id, int64_t *user_id, char last_seen_at[RL_ROWS_TIME_LEN],
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT w.id, w.user_id, w.last_seen_at FROM web_sessions w JOIN users u "
					  "ON u.id = w.user_id WHERE w.hash = ? AND w.ended_at IS NULL AND w.expires_at > ? "
					  "AND w.last_seen_at > ? AND u.active = 1", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, 32);
	rl_bind_text(st, 2, now, -1);
	rl_bind_text(st, 3, idle_since, -1);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		*id = rl_col_int64(st, 0);
		*user_id = rl_col_int64(st, 1);
		copy_col(last_seen_at, RL_ROWS_TIME_LEN, st, 2);
	}
	return rl_db_finish(db, st, rc, "checking a web session", err);
}

int rl_rows_web_session_touch(struct rl_db *db, int64_t id, const char *now, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE web_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
					err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, id);
	return rl_db_run(db, st, "recording a web session's use", err);
}

int rl_rows_web_session_end(struct rl_db *db, int64_t user_id, int64_t id, const char *now, struct rl_error *err)
{
	return stamp_own_row(db, "UPDATE web_sessions SET ended_at = ? WHERE id = ? AND (? = 0 OR user_id = ?) "
			     "AND ended_at IS NULL", user_id, id, now, "ending a web session", err);
}

int rl_rows_web_session_end_user(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_db_stamp_user_rows(db, "UPDATE web_sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
				     user_id, "ending web sessions", err);
}

static void web_session_from_row(struct rl_stmt *st, struct rl_row_web_session *w)
{
	w->id = rl_col_int64(st, 0);
	w->created_at = rl_col_text(st, 1);
	w->last_seen_at = rl_col_text(st, 2);
	w->expires_at = rl_col_text(st, 3);
	w->ip = rl_col_text(st, 4);
	w->user_agent = rl_col_text(st, 5);
}

/* web_session_call: a web session row handed to the caller's typed each (rl_db_each_row). */
RL_DB_ROW_READER(web_session, struct rl_row_web_session, web_session_from_row)

int rl_rows_web_session_list(struct rl_db *db, int64_t user_id, const char *now, const char *idle_since,
			     int (*each)(void *ctx, const struct rl_row_web_session *row), void *ctx,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM web_sessions "
					  "WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at > ? "
					  "ORDER BY id DESC", err);

	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_text(st, 2, now, -1);
	rl_bind_text(st, 3, idle_since, -1);
	return rl_db_each_row(db, st, web_session_call, &(struct web_session_each){ each, ctx }, "listing web sessions",
			      err);
}

/* ---- invitations ---------------------------------------------------------------------------- */

int rl_rows_invitation_blockers(struct rl_db *db, const char *email, const char *now, int *accounts,
				int64_t *pending, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT (SELECT count(*) FROM users WHERE email = ?1), "
			    "(SELECT max(id) FROM invitations WHERE email = ?1 AND accepted_at IS NULL AND expires_at > ?2)",
			err);
	int rc;

	*accounts = 0;
	*pending = 0;
	if (!st)
		return -1;
	rl_bind_text(st, 1, email, -1);
	rl_bind_text(st, 2, now, -1);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		*accounts = rl_col_int(st, 0);
		*pending = rl_col_is_null(st, 1) ? 0 : rl_col_int64(st, 1);
	}
	return rl_db_finish(db, st, rc, "checking for an account", err) < 0 ? -1 : 0;
}

int rl_rows_invitation_insert(struct rl_db *db, const struct rl_row_invitation_new *inv, int64_t *id,
			      struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO invitations(code_hash, name, email, roles, site, curriculum, "
					  "invited_by, created_at, expires_at, programme_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
					  "RETURNING id", err);

	if (!st)
		return -1;
	rl_bind_blob(st, 1, inv->code_hash, 32);
	rl_bind_text(st, 2, inv->name, -1);
	rl_bind_text(st, 3, inv->email, -1);
	rl_bind_int(st, 4, inv->roles);
	rl_db_bind_text(st, 5, inv->site);
	rl_db_bind_text(st, 6, inv->curriculum);
	bind_id_or_null(st, 7, inv->invited_by);
	rl_bind_text(st, 8, inv->created_at, -1);
	rl_bind_text(st, 9, inv->expires_at, -1);
	bind_id_or_null(st, 10, inv->programme);
	if (rl_step_id(st, id) != RL_DONE) {
		rl_db_fail(db, err, "storing an invitation");
		rl_reset(st);
		return -1;
	}
	return 0;
}

int rl_rows_invitation_accepted_at(struct rl_db *db, int64_t id, char accepted_at[RL_ROWS_TIME_LEN],
				   struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT accepted_at FROM invitations WHERE id = ?", err);
	int rc;

	accepted_at[0] = '\0';
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW)
		copy_col(accepted_at, RL_ROWS_TIME_LEN, st, 0);
	return rl_db_finish(db, st, rc, "reading an invitation", err);
}

int rl_rows_invitation_renew(struct rl_db *db, int64_t id, const uint8_t code_hash[32], const char *expires_at,
			     struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE invitations SET code_hash = ?, expires_at = ? WHERE id = ?", err);

	if (!st)
		return -1;
	rl_bind_blob(st, 1, code_hash, 32);
	rl_bind_text(st, 2, expires_at, -1);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "renewing an invitation", err);
}

static void invitation_from_row(struct rl_stmt *st, struct rl_row_invitation *inv)
{
	inv->id = rl_col_int64(st, 0);
	inv->name = rl_col_text(st, 1);
	inv->email = rl_col_text(st, 2);
	inv->roles = rl_col_int(st, 3);
	inv->site = rl_col_text(st, 4);
	inv->curriculum = rl_col_text(st, 5);
	inv->invited_by = rl_col_is_null(st, 6) ? 0 : rl_col_int64(st, 6);
	inv->created_at = rl_col_text(st, 7);
	inv->expires_at = rl_col_text(st, 8);
	inv->programme = rl_col_is_null(st, 9) ? 0 : rl_col_int64(st, 9);
}

RL_DB_ROW_READER(invitation, struct rl_row_invitation, invitation_from_row)

int rl_rows_invitation_list_pending(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_invitation *row),
				    void *ctx, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, name, email, roles, site, curriculum, invited_by, created_at, "
					  "expires_at, programme_id FROM invitations WHERE accepted_at IS NULL ORDER BY id DESC",
					err);

	if (!st)
		return -1;
	return rl_db_each_row(db, st, invitation_call, &(struct invitation_each){ each, ctx }, "listing invitations", err);
}

int rl_rows_invitation_by_code(struct rl_db *db, const uint8_t code_hash[32], struct rl_row_invitation_code *out,
			       struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id, name, email, roles, site, curriculum, expires_at, accepted_at, "
					  "coalesce(programme_id, 0), coalesce(invited_by, 0) FROM invitations WHERE code_hash = ?",
					err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	rl_bind_blob(st, 1, code_hash, 32);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		out->id = rl_col_int64(st, 0);
		copy_col(out->name, sizeof(out->name), st, 1);
		copy_col(out->email, sizeof(out->email), st, 2);
		out->roles = rl_col_int(st, 3);
		copy_col(out->site, sizeof(out->site), st, 4);
		copy_col(out->curriculum, sizeof(out->curriculum), st, 5);
		copy_col(out->expires_at, sizeof(out->expires_at), st, 6);
		copy_col(out->accepted_at, sizeof(out->accepted_at), st, 7);
		out->programme = rl_col_int64(st, 8);
		out->invited_by = rl_col_int64(st, 9);
	}
	return rl_db_finish(db, st, rc, "reading an invitation", err);
}

int rl_rows_invitation_accepted(struct rl_db *db, int64_t id, int64_t user_id, const char *now,
				struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "UPDATE invitations SET accepted_at = ?, user_id = ? WHERE id = ? "
					  "AND accepted_at IS NULL", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, now, -1);
	rl_bind_int64(st, 2, user_id);
	rl_bind_int64(st, 3, id);
	return rl_db_run(db, st, "marking an invitation used", err);
}

int rl_rows_invitation_pending_by_email(struct rl_db *db, const char *email, const char *now, int64_t *id,
					struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM invitations WHERE email = ? AND accepted_at IS NULL "
					  "AND expires_at > ? ORDER BY id DESC LIMIT 1", err);

	*id = 0;
	if (!st)
		return -1;
	rl_bind_text(st, 1, email, -1);
	rl_bind_text(st, 2, now, -1);
	return rl_db_lookup_int64(db, st, id, "finding an invitation by e-mail", err);
}
