/*
 * users.h - accounts and bearer tokens.
 *
 * Tokens are 256 random bits shown once as "rl_" + base64url; only a
 * BLAKE2b-256 hash keyed with the database's token key is stored, so a
 * stolen database yields no usable token.
 */
#ifndef RASLOG_USERS_H
#define RASLOG_USERS_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"

#define RL_TOKEN_LEN 46 /* "rl_" + 43 base64url characters */

struct rl_user {
	int64_t id;
	char name[121];
	char email[255];
	char gmc[16];
	char site[121];
	int roles;              /* mask of enum rl_role */
	int64_t curriculum_id;  /* 0 when not enrolled */
	int64_t token_id;       /* the token that authenticated this request, else 0 */
};

struct rl_user_new {
	const char *name;
	const char *email;
	const char *gmc;        /* optional GMC number (7 digits) */
	const char *site;       /* optional home site */
	const char *curriculum; /* optional curriculum code; trainees default to "ras-core" */
	int roles;
};

/* The codes of the loaded curricula, "a, b" ("none" if none), into out: for messages. */
void rl_curricula_codes(struct rl_db *db, char *out, size_t size);

/* Creates the user and a first token (written to token[RL_TOKEN_LEN+1]). */
int rl_user_add(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
		char token[RL_TOKEN_LEN + 1], struct rl_error *err);

/* Issues another token for an existing user; its row's id into *id_out unless NULL. */
int rl_token_issue(struct rl_db *db, int64_t user_id, char token[RL_TOKEN_LEN + 1], int64_t *id_out,
		   struct rl_error *err);

/* Revokes every token of a user; returns how many. */
int rl_token_revoke_all(struct rl_db *db, int64_t user_id, struct rl_error *err);

/* Finds the live user behind a token; RL_E_UNAUTH when none. */
int rl_auth_token(struct rl_db *db, const char *token, struct rl_user *out, struct rl_error *err);
/*
 * A request's bearer token in one read: rl_auth_token and then
 * rl_pat_check (domain/accounts.h), with the same answers: RL_E_UNAUTH
 * for an unknown, revoked or expired token or a deactivated owner; the
 * token's scope (*read_only) and whether its last use is old (*stale).
 */
int rl_auth_bearer(struct rl_db *db, const char *token, struct rl_user *out, int *read_only, int *stale,
		   struct rl_error *err);

/* Loads a user by id; RL_E_NOTFOUND when absent. */
int rl_user_get(struct rl_db *db, int64_t id, struct rl_user *out, struct rl_error *err);

/*
 * Refuses a curriculum code nobody loaded: a field error on field, "no
 * curriculum 'x' is loaded; the loaded ones are a, b and c" (or "; none
 * is loaded").  Returns -1.
 */
int rl_curriculum_not_loaded(struct rl_db *db, const char *field, const char *code, struct rl_error *err);

/* The code of curriculum id into out ("" when id is 0 or unknown). */
int rl_curriculum_code_of(struct rl_db *db, int64_t id, char out[65], struct rl_error *err);

/*
 * The distinct home sites of trainees, sorted: the values the
 * accreditation list's site filter matches.  A new JSON array of strings.
 */
json_t *rl_trainee_sites(struct rl_db *db, struct rl_error *err);

/* Makes sure the token hashing key and log key exist (called by init). */
int rl_users_init_keys(struct rl_db *db, struct rl_error *err);

#endif
