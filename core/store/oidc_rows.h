/*
 * oidc_rows.h - the rows behind OpenID Connect sign-in: oidc_flows, one
 * per sign-in started (its state and browser binding hashed, spent once).
 * The flow's rules (which check fails first, what a refusal says) stay in
 * domain/oidc.c; the account matching it does reads users and invitations
 * through store/accounts_rows.h.  Conventions as in store/accounts_rows.h.
 */
#ifndef RASLOG_OIDC_ROWS_H
#define RASLOG_OIDC_ROWS_H

#include <stdint.h>

#include "base/error.h"
#include "store/accounts_rows.h"
#include "store/db.h"

/* Forgets the flows that expired before before. */
int rl_rows_oidc_flow_prune(struct rl_db *db, const char *before, struct rl_error *err);
/* How many flows started from ip are unfinished and unexpired at now, or -1. */
int rl_rows_oidc_flow_pending(struct rl_db *db, const char *ip, const char *now, struct rl_error *err);
/* Stores a flow: the hashes of its state and of the browser's cookie, and the address it came from (NULL: unknown). */
int rl_rows_oidc_flow_insert(struct rl_db *db, const uint8_t state_hash[32], const uint8_t browser_hash[32],
			     const char *ip, const char *created_at, const char *expires_at, struct rl_error *err);

struct rl_row_oidc_flow {
	int64_t id;
	uint8_t browser_hash[32];
	int browser_hash_ok;                 /* the column held 32 bytes */
	char expires_at[RL_ROWS_TIME_LEN];
	char used_at[RL_ROWS_TIME_LEN];      /* "" while unspent */
};
/* The flow of state_hash. */
int rl_rows_oidc_flow_by_state(struct rl_db *db, const uint8_t state_hash[32], struct rl_row_oidc_flow *out,
			       struct rl_error *err);
/*
 * Spends unspent flow id at now with its outcome ("ok" or a refusal's
 * type; NULL or "": none) and the account it signed in (0: none): how
 * many (0 or 1), or -1.
 */
int rl_rows_oidc_flow_spend(struct rl_db *db, int64_t id, const char *now, const char *outcome, int64_t user_id,
			    struct rl_error *err);

#endif
