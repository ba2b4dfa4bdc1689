/*
 * device_rows.h - the rows behind the device authorization grant (RFC
 * 8628, `raslog login`): device_grants, with both codes hashed.  The
 * grant's rules (expiry, slow_down, single use, the per-address cap, what
 * each refusal says) stay in domain/device.c; these are its queries.
 * Conventions as in store/accounts_rows.h.
 */
#ifndef RASLOG_DEVICE_ROWS_H
#define RASLOG_DEVICE_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* Forgets the grants that expired before before. */
int rl_rows_device_grant_prune(struct rl_db *db, const char *before, struct rl_error *err);
/* How many grants from ip (NULL: unknown, matching other unknowns) are live at now and not yet issued, or -1. */
int rl_rows_device_grant_live(struct rl_db *db, const char *ip, const char *now, struct rl_error *err);

struct rl_row_device_grant_new {
	const uint8_t *device_hash;     /* 32 bytes */
	const uint8_t *user_code_hash;  /* 32 bytes */
	const char *client_id;
	const char *ip;                 /* NULL or "": unknown */
	const char *created_at;
	const char *expires_at;
	int interval;                   /* seconds between polls */
};
/*
 * Stores a grant.  1 (err untouched) when a constraint refused it (a user
 * code another grant holds): the caller's transaction stays usable for
 * another draw (rl_try_step).
 */
int rl_rows_device_grant_insert(struct rl_db *db, const struct rl_row_device_grant_new *g, struct rl_error *err);

struct rl_row_device_grant {
	int64_t id;
	char status[16];                /* pending, approved, denied, issued */
	char expires_at[21];
	int interval;                   /* with rl_rows_device_grant_by_device */
	char last_poll_at[21];          /* "" before the first poll; with rl_rows_device_grant_by_device */
	int64_t user_id;                /* who decided; 0 before; with rl_rows_device_grant_by_device */
};
/* The grant whose device code hashes to device_hash. */
int rl_rows_device_grant_by_device(struct rl_db *db, const uint8_t device_hash[32], struct rl_row_device_grant *out,
				   struct rl_error *err);
/* The grant whose user code hashes to user_code_hash (id, status and expires_at). */
int rl_rows_device_grant_by_user_code(struct rl_db *db, const uint8_t user_code_hash[32],
				      struct rl_row_device_grant *out, struct rl_error *err);
/* Records a poll of grant id at now, adding add seconds to its interval (at most 300). */
int rl_rows_device_grant_polled(struct rl_db *db, int64_t id, const char *now, int add, struct rl_error *err);
/* Marks grant id issued with the token it handed out. */
int rl_rows_device_grant_issued(struct rl_db *db, int64_t id, int64_t token_id, struct rl_error *err);
/* Records user_id's decision on grant id ("approved" or "denied") at now. */
int rl_rows_device_grant_decide(struct rl_db *db, int64_t id, const char *status, int64_t user_id, const char *now,
				struct rl_error *err);

#endif
