/*
 * users.c - accounts, token issue and token authentication; see users.h.
 */
#include "base/prelude.h"

#include "domain/users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/codes.h"
#include "store/secrets.h"
#include "base/util.h"

#define TOKEN_KEY_LEN 32

int rl_users_init_keys(struct rl_db *db, struct rl_error *err)
{
	/* The token key lives in its own file (secrets.h). */
	return rl_secret_create(db, RL_SECRET_TOKEN, err);
}

static int token_hash(struct rl_db *db, const uint8_t raw[32], uint8_t out[32], struct rl_error *err)
{
	const uint8_t *key = rl_secret_get(db, RL_SECRET_TOKEN, err);

	if (!key)
		return -1;
	crypto_generichash(out, 32, raw, 32, key, TOKEN_KEY_LEN);
	return 0;
}

int rl_token_issue(struct rl_db *db, int64_t user_id, char token[RL_TOKEN_LEN + 1], int64_t *id_out,
		   struct rl_error *err)
{
	uint8_t raw[32], hash[32];
	char now[21];
	struct rl_stmt *st;
	int64_t id;

	randombytes_buf(raw, sizeof(raw));
	if (token_hash(db, raw, hash, err) < 0)
		return -1;
	memcpy(token, "rl_", 3);
	sodium_bin2base64(token + 3, RL_TOKEN_LEN + 1 - 3, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	rl_now_rfc3339(now);
	st = rl_db_stmt(db, "INSERT INTO tokens(user_id, hash, created_at) VALUES (?, ?, ?) RETURNING id", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, user_id);
	rl_bind_blob(st, 2, hash, sizeof(hash));
	rl_bind_text(st, 3, now, -1);
	if (rl_step_id(st, &id) != RL_DONE)
		return rl_db_fail(db, err, "storing a token");
	if (id_out)
		*id_out = id;
	return 0;
}

int rl_token_revoke_all(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_db_stamp_user_rows(db, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
				     user_id, "revoking tokens", err);
}

static int valid_email(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && strchr(at + 1, '.') && !strchr(at + 1, '@') &&
	       strlen(e) < 255 && !strpbrk(e, " \t\r\n<>,;\"");
}

/*
 * The loaded curricula's codes into out, "a, b, c" (with last_and: "a, b
 * and c"): the one query behind rl_curricula_codes and
 * rl_curriculum_not_loaded.  Returns how many, or -1 with err.
 */
static int curricula_list(struct rl_db *db, int last_and, struct rl_buf *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT DISTINCT code FROM curricula ORDER BY code", err);
	json_t *codes, *v;
	size_t i, n;
	int rc;

	if (!st)
		return -1;
	codes = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(codes, json_string(rl_db_col_text(st, 0)));
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(codes);
		return rl_db_fail(db, err, "reading the loaded curricula");
	}
	n = json_array_size(codes);
	json_array_foreach(codes, i, v)
		rl_buf_printf(out, "%s%s", i == 0 ? "" : last_and && i + 1 == n ? " and " : ", ", json_string_value(v));
	json_decref(codes);
	return (int)n;
}

void rl_curricula_codes(struct rl_db *db, char *out, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_buf b = RL_BUF_INIT;
	int n = curricula_list(db, 0, &b, &err);

	snprintf(out, size, "%s", n > 0 && !rl_buf_failed(&b) ? b.data : "none");
	rl_error_clear(&err);
	rl_buf_release(&b);
}

int rl_user_add(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
		char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	struct rl_stmt *st;
	char now[21];
	int64_t curriculum = 0;
	long long dummy;

	if (!nu->name || !*nu->name || strlen(nu->name) > 120)
		rl_error_field(err, "name", "a name of 1 to 120 characters is required");
	if (!nu->email || !valid_email(nu->email))
		rl_error_field(err, "email", "must be an e-mail address such as a.surgeon@nhs.net");
	if (nu->gmc && *nu->gmc && (strlen(nu->gmc) != 7 || rl_parse_int(nu->gmc, 0, 9999999, &dummy) < 0))
		rl_error_field(err, "gmc", "a GMC number has 7 digits");
	if (nu->site && strlen(nu->site) > 120)
		rl_error_field(err, "site", "must be at most 120 characters");
	if (nu->roles <= 0 || nu->roles > RL_ROLE_ALL)
		rl_error_field(err, "role", "must be one or more of trainee, trainer, faculty, admin");
	if (err->status)
		return -1;

	if ((nu->roles & RL_ROLE_TRAINEE) || (nu->curriculum && *nu->curriculum)) {
		const char *code = nu->curriculum && *nu->curriculum ? nu->curriculum : "ras-core";
		st = rl_db_stmt(db, "SELECT id FROM curricula WHERE code = ? ORDER BY version DESC LIMIT 1", err);
		if (!st)
			return -1;
		rl_bind_text(st, 1, code, -1);
		if (rl_step(st) == RL_ROW)
			curriculum = rl_col_int64(st, 0);
		rl_reset(st);
		if (!curriculum && nu->curriculum && *nu->curriculum)
			return rl_curriculum_not_loaded(db, "curriculum", code, err);
	}

	rl_now_rfc3339(now);
	st = rl_db_stmt(db, "INSERT INTO users(name, email, gmc, roles, site, curriculum_id, created_at) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", err);
	if (!st)
		return -1;
	rl_bind_text(st, 1, nu->name, -1);
	rl_bind_text(st, 2, nu->email, -1);
	rl_db_bind_text(st, 3, nu->gmc);
	rl_bind_int(st, 4, nu->roles);
	rl_db_bind_text(st, 5, nu->site);
	if (curriculum)
		rl_bind_int64(st, 6, curriculum);
	else
		rl_bind_null(st, 6);
	rl_bind_text(st, 7, now, -1);
	if (rl_step_id(st, id_out) != RL_DONE) {
		if (rl_db_unique_violation(db))
			return rl_error_field(err, "email", "a user with the e-mail %s already exists", nu->email);
		return rl_db_fail(db, err, "adding a user");
	}
	return rl_token_issue(db, *id_out, token, NULL, err);
}

static void copy_col(char *dst, size_t size, struct rl_stmt *st, int col)
{
	const char *s = rl_db_col_text(st, col);
	snprintf(dst, size, "%s", s ? s : "");
}

static void user_from_row(struct rl_stmt *st, struct rl_user *u)
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

#define USER_COLUMNS "u.id, u.name, u.email, u.gmc, u.roles, u.site, u.curriculum_id"

int rl_auth_token(struct rl_db *db, const char *token, struct rl_user *out, struct rl_error *err)
{
	uint8_t raw[32], hash[32];
	size_t got = 0;
	const char *end = NULL;
	struct rl_stmt *st;
	int rc;

	if (!token || strlen(token) != RL_TOKEN_LEN || strncmp(token, "rl_", 3) != 0 ||
	    sodium_base642bin(raw, sizeof(raw), token + 3, RL_TOKEN_LEN - 3, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 32 || *end)
		return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
				    "the bearer token is not valid; ask your administrator for a new one");
	if (token_hash(db, raw, hash, err) < 0)
		return -1;
	st = rl_db_stmt(db, "SELECT " USER_COLUMNS ", t.id FROM tokens t JOIN users u ON u.id = t.user_id "
			    "WHERE t.hash = ? AND t.revoked_at IS NULL", err);
	if (!st)
		return -1;
	rl_bind_blob(st, 1, hash, sizeof(hash));
	rc = rl_step(st);
	if (rc == RL_ROW) {
		user_from_row(st, out);
		out->token_id = rl_col_int64(st, 7);
		rl_reset(st);
		return 0;
	}
	rl_reset(st);
	if (rc != RL_DONE)
		return rl_db_fail(db, err, "checking a token");
	return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
			    "the bearer token is not valid; ask your administrator for a new one");
}

int rl_user_get(struct rl_db *db, int64_t id, struct rl_user *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT " USER_COLUMNS " FROM users u WHERE u.id = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	rc = rl_step(st);
	if (rc == RL_ROW) {
		user_from_row(st, out);
		rl_reset(st);
		return 0;
	}
	rl_reset(st);
	if (rc != RL_DONE)
		return rl_db_fail(db, err, "reading a user");
	return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user with id %lld", (long long)id);
}

int rl_curriculum_not_loaded(struct rl_db *db, const char *field, const char *code, struct rl_error *err)
{
	struct rl_buf list = RL_BUF_INIT;
	int n = curricula_list(db, 1, &list, err);

	if (n < 0)
		;
	else if (n == 0)
		rl_error_field(err, field, "no curriculum '%s' is loaded; none is loaded (raslogd init loads the shipped ones)", code);
	else if (rl_buf_failed(&list))
		rl_error_field(err, field, "no curriculum '%s' is loaded", code);
	else
		rl_error_field(err, field, "no curriculum '%s' is loaded; the loaded %s %s", code,
			       n == 1 ? "one is" : "ones are", list.data);
	rl_buf_release(&list);
	return -1;
}

int rl_curriculum_code_of(struct rl_db *db, int64_t id, char out[65], struct rl_error *err)
{
	struct rl_stmt *st;

	out[0] = '\0';
	if (!id)
		return 0;
	st = rl_db_stmt(db, "SELECT code FROM curricula WHERE id = ?", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) == RL_ROW)
		snprintf(out, 65, "%s", rl_col_text(st, 0));
	rl_reset(st);
	return 0;
}

json_t *rl_trainee_sites(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT DISTINCT site FROM users WHERE (roles & 1 <> 0) AND site IS NOT NULL "
					  "AND site <> '' ORDER BY site", err);
	json_t *out;
	int rc;

	if (!st)
		return NULL;
	out = json_array();
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(out, json_string(rl_col_text(st, 0)));
	rl_reset(st);
	if (rc != RL_DONE || !out) {
		json_decref(out);
		rl_db_fail(db, err, "listing trainees' sites");
		return NULL;
	}
	return out;
}
