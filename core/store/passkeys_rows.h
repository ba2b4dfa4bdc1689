/*
 * passkeys_rows.h - the rows behind passkeys (WebAuthn): the one-time
 * challenges, each person's user handle, and the registered credentials.
 * The ceremonies (what is verified, in what order, what a refusal says)
 * stay in domain/passkeys.c; these are its queries, with typed arguments
 * and rows.  Conventions as in store/accounts_rows.h: a write returns 0 or
 * -1 with err, a lookup 1 / 0 / -1, a list calls each per row (its
 * pointers valid during the call only).
 */
#ifndef RASLOG_PASSKEYS_ROWS_H
#define RASLOG_PASSKEYS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* ---- challenges ------------------------------------------------------------ */

/* Forgets the challenges that expired before before. */
int rl_rows_challenge_prune(struct rl_db *db, const char *before, struct rl_error *err);
/* Stores a challenge's hash for purpose ("register" or "login"), of user_id (0: nobody yet). */
int rl_rows_challenge_insert(struct rl_db *db, const uint8_t hash[32], const char *purpose, int64_t user_id,
			     const char *created_at, const char *expires_at, struct rl_error *err);
/*
 * Spends the challenge of hash at now if it is unused, unexpired, for
 * purpose and of user_id (0: nobody): 1 spent, 0 no such challenge, -1.
 */
int rl_rows_challenge_take(struct rl_db *db, const uint8_t hash[32], const char *purpose, int64_t user_id,
			   const char *now, struct rl_error *err);

/* ---- user handles ------------------------------------------------------------ */

/* The WebAuthn user handle of user_id (32 bytes) into handle. */
int rl_rows_passkey_handle(struct rl_db *db, int64_t user_id, uint8_t handle[32], struct rl_error *err);
int rl_rows_passkey_handle_insert(struct rl_db *db, int64_t user_id, const uint8_t handle[32], struct rl_error *err);

/* ---- credentials ---------------------------------------------------------------- */

struct rl_row_passkey_credential {
	const void *credential_id;
	size_t credential_id_len;
	int disabled;               /* disabled with its deactivated account */
};
/* Every passkey of user_id, disabled ones too, in id order. */
int rl_rows_passkey_credentials(struct rl_db *db, int64_t user_id,
				int (*each)(void *ctx, const struct rl_row_passkey_credential *row), void *ctx,
				struct rl_error *err);

struct rl_row_passkey_new {
	int64_t user_id;
	const void *credential_id;
	size_t credential_id_len;
	int cose_alg;               /* -7 ES256, -8 EdDSA */
	const void *public_key;
	size_t public_key_len;
	int64_t sign_count;
	const char *name;
	const char *fmt;            /* attestation format: "none" or "packed" */
	const void *aaguid;
	size_t aaguid_len;
	const char *created_at;
};
/*
 * Stores a passkey; its id into *id.  1 (err untouched) when the
 * credential is registered already.  A refusal leaves the caller's
 * transaction usable (rl_try_step), so a spent challenge stays spent.
 */
int rl_rows_passkey_insert(struct rl_db *db, const struct rl_row_passkey_new *p, int64_t *id, struct rl_error *err);

/* A passkey as a sign-in needs it; public_key and handle are malloc'd (rl_row_passkey_login_release). */
struct rl_row_passkey_login {
	int64_t id;
	int64_t user_id;
	int cose_alg;
	uint8_t *public_key;
	size_t public_key_len;
	int64_t sign_count;
	int live;                   /* 1: not disabled and its account active */
	uint8_t *handle;            /* the owner's user handle; NULL when none */
	size_t handle_len;
};
/* The passkey of credential id cred. */
int rl_rows_passkey_by_credential(struct rl_db *db, const void *cred, size_t len, struct rl_row_passkey_login *out,
				  struct rl_error *err);
void rl_row_passkey_login_release(struct rl_row_passkey_login *p);
/* Records a sign-in with passkey id: its new signature counter, at now. */
int rl_rows_passkey_used(struct rl_db *db, int64_t id, int64_t sign_count, const char *now, struct rl_error *err);

struct rl_row_passkey {
	int64_t id;
	const char *name;
	const char *created_at;
	const char *last_used_at;   /* NULL: never used */
	int cose_alg;
};
/* The usable (not disabled) passkeys of user_id, in id order. */
int rl_rows_passkey_list(struct rl_db *db, int64_t user_id, int (*each)(void *ctx, const struct rl_row_passkey *row),
			 void *ctx, struct rl_error *err);
/* Whether usable passkey id is user_id's (*mine 1 or 0) and how many usable ones user_id has (*total). */
int rl_rows_passkey_counts(struct rl_db *db, int64_t user_id, int64_t id, int *mine, int *total,
			   struct rl_error *err);
/* Deletes passkey id of user_id. */
int rl_rows_passkey_delete(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err);
/* Disables every usable passkey of user_id now: how many, or -1. */
int rl_rows_passkey_disable_user(struct rl_db *db, int64_t user_id, struct rl_error *err);

#endif
