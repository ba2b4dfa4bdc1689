/*
 * users.c - accounts, token issue and token authentication; see users.h.
 */
#include "base/prelude.h"

#include "domain/users.h"
#include "domain/accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/codes.h"
#include "store/accounts_rows.h"
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
	int64_t id;

	randombytes_buf(raw, sizeof(raw));
	if (token_hash(db, raw, hash, err) < 0)
		return -1;
	memcpy(token, "rl_", 3);
	sodium_bin2base64(token + 3, RL_TOKEN_LEN + 1 - 3, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	rl_now_rfc3339(now);
	if (rl_rows_token_insert(db, user_id, hash, now, &id, err) < 0)
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
}

int rl_token_revoke_all(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_rows_token_revoke_user(db, user_id, err);
}

static int valid_email(const char *e)
{
	const char *at = strchr(e, '@');
	return at && at != e && strchr(at + 1, '.') && !strchr(at + 1, '@') &&
	       strlen(e) < 255 && !strpbrk(e, " \t\r\n<>,;\"");
}

/* Appends a string to the JSON array ctx (a list callback). */
static int append_string(void *ctx, const char *s)
{
	json_array_append_new(ctx, json_string(s));
	return 0;
}

/*
 * The loaded curricula's codes into out, "a, b, c" (with last_and: "a, b
 * and c"): the one query behind rl_curricula_codes and
 * rl_curriculum_not_loaded.  Returns how many, or -1 with err.
 */
static int curricula_list(struct rl_db *db, int last_and, struct rl_buf *out, struct rl_error *err)
{
	json_t *codes = json_array(), *v;
	size_t i, n;

	if (rl_rows_account_curricula_codes(db, append_string, codes, err) < 0) {
		json_decref(codes);
		return -1;
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
	struct rl_row_user_new row;
	char now[21];
	int64_t curriculum = 0;
	long long dummy;
	int rc;

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
		if (rl_rows_account_curriculum_id(db, code, &curriculum, err) < 0)
			return -1;
		if (!curriculum && nu->curriculum && *nu->curriculum)
			return rl_curriculum_not_loaded(db, "curriculum", code, err);
	}

	rl_now_rfc3339(now);
	row = (struct rl_row_user_new){ nu->name, nu->email, nu->gmc, nu->site, nu->roles, curriculum, now };
	if ((rc = rl_rows_user_insert(db, &row, id_out, err)) < 0)
		return -1;
	if (rc == 1)
		return rl_error_field(err, "email", "a user with the e-mail %s already exists", nu->email);
	return rl_token_issue(db, *id_out, token, NULL, err);
}

static void user_from_row(const struct rl_row_user *r, struct rl_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = r->id;
	memcpy(u->name, r->name, sizeof(u->name));
	memcpy(u->email, r->email, sizeof(u->email));
	memcpy(u->gmc, r->gmc, sizeof(u->gmc));
	u->roles = r->roles;
	memcpy(u->site, r->site, sizeof(u->site));
	u->curriculum_id = r->curriculum_id;
}

/* The keyed hash of a bearer token's secret; RL_E_UNAUTH for text that is not one of ours. */
static int bearer_hash(struct rl_db *db, const char *token, uint8_t hash[32], struct rl_error *err)
{
	uint8_t raw[32];
	size_t got = 0;
	const char *end = NULL;

	if (!token || strlen(token) != RL_TOKEN_LEN || strncmp(token, "rl_", 3) != 0 ||
	    sodium_base642bin(raw, sizeof(raw), token + 3, RL_TOKEN_LEN - 3, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 32 || *end)
		return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
				    "the bearer token is not valid; ask your administrator for a new one");
	return token_hash(db, raw, hash, err);
}

int rl_auth_token(struct rl_db *db, const char *token, struct rl_user *out, struct rl_error *err)
{
	uint8_t hash[32];
	struct rl_row_user row;
	int64_t token_id = 0;
	int rc;

	if (bearer_hash(db, token, hash, err) < 0)
		return -1;
	if ((rc = rl_rows_user_by_token(db, hash, &row, &token_id, err)) < 0)
		return -1;
	if (rc == 1) {
		user_from_row(&row, out);
		out->token_id = token_id;
		return 0;
	}
	return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
			    "the bearer token is not valid; ask your administrator for a new one");
}

int rl_auth_bearer(struct rl_db *db, const char *token, struct rl_user *out, int *read_only, int *stale,
		   struct rl_error *err)
{
	uint8_t hash[32];
	struct rl_row_user row;
	struct rl_row_token_check check;
	int64_t token_id = 0;
	int rc;

	if (bearer_hash(db, token, hash, err) < 0)
		return -1;
	if ((rc = rl_rows_user_by_token_check(db, hash, &row, &token_id, &check, err)) < 0)
		return -1;
	if (rc == 0)
		return rl_error_set(err, RL_E_UNAUTH, "unauthorized", NULL,
				    "the bearer token is not valid; ask your administrator for a new one");
	user_from_row(&row, out);
	out->token_id = token_id;
	return rl_pat_judge(&check, read_only, stale, err);
}

int rl_user_get(struct rl_db *db, int64_t id, struct rl_user *out, struct rl_error *err)
{
	struct rl_row_user row;
	int rc = rl_rows_user_get(db, id, &row, err);

	if (rc < 0)
		return -1;
	if (rc == 1) {
		user_from_row(&row, out);
		return 0;
	}
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
	out[0] = '\0';
	if (!id)
		return 0;
	return rl_rows_account_curriculum_code(db, id, out, err) < 0 ? -1 : 0;
}

json_t *rl_trainee_sites(struct rl_db *db, struct rl_error *err)
{
	json_t *out = json_array();

	if (!out) {
		rl_error_internal(err, "listing trainees' sites: out of memory");
		return NULL;
	}
	if (rl_rows_user_trainee_sites(db, append_string, out, err) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}
