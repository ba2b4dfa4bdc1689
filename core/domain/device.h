/*
 * device.h - the OAuth 2.0 device authorization grant (RFC 8628) behind
 * `raslog login`: a client asks for a grant and shows its user code; a
 * signed-in person approves or denies that code; the client polls with its
 * device code and, once approved, receives a new personal access token of
 * the approving person (scope write, named "raslog login on DATE").
 *
 * Both codes are stored hashed (BLAKE2b-256).  A grant expires after
 * RL_DEVICE_EXPIRES seconds, issues at most one token, and a client that
 * polls faster than its interval is told slow_down and must wait five
 * seconds more from then on.  One address may hold at most
 * RL_DEVICE_MAX_PER_IP live grants.
 *
 * Functions that write run inside the caller's transaction (the server's
 * writer); they return 0 or -1 with err set.
 */
#ifndef RASLOG_DEVICE_H
#define RASLOG_DEVICE_H

#include <stdint.h>

#include "domain/accounts.h"
#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

#define RL_DEVICE_CLIENT_ID "raslog-cli"
#define RL_DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"
#define RL_DEVICE_EXPIRES 600          /* seconds a grant waits for its approval */
#define RL_DEVICE_INTERVAL 5           /* seconds between polls */
#define RL_DEVICE_SLOW_STEP 5          /* added to the interval after each too-early poll */
#define RL_DEVICE_MAX_PER_IP 20        /* live grants one address may hold */
#define RL_DEVICE_USER_CODE_LEN 8
/* 20 consonants (RFC 8628 section 6.1): no vowels, so no words and no 0/O or 1/I to confuse. */
#define RL_DEVICE_ALPHABET "BCDFGHJKLMNPQRSTVWXZ"

/* What a poll of the token endpoint found. */
enum rl_device_poll {
	RL_DEVICE_PENDING,     /* authorization_pending */
	RL_DEVICE_SLOW_DOWN,   /* slow_down: polled before its interval was over */
	RL_DEVICE_DENIED,      /* access_denied */
	RL_DEVICE_EXPIRED,     /* expired_token */
	RL_DEVICE_INVALID,     /* invalid_grant: unknown, or its token was already issued */
	RL_DEVICE_ISSUED,      /* approved: the token is in the result */
};

/*
 * Starts a grant for a client at ip: the device code (a secret shown once)
 * into device_code, the user code as people see it ("BCDF-GHJK") into
 * user_code.  RL_E_CONFLICT type "rate-limited" when ip already holds
 * RL_DEVICE_MAX_PER_IP live grants.
 */
int rl_device_start(struct rl_db *db, const char *client_id, const char *ip,
		    char device_code[RL_SECRET_LEN + 1], char user_code[RL_DEVICE_USER_CODE_LEN + 2],
		    struct rl_error *err);

/*
 * One token request.  *result says what was found; on RL_DEVICE_ISSUED the
 * new token is in token (shown once), its id in *token_id and its owner in
 * *user_id.  -1 only for a storage failure.
 */
int rl_device_poll(struct rl_db *db, const char *device_code, enum rl_device_poll *result,
		   int64_t *user_id, int64_t *token_id, char token[RL_TOKEN_LEN + 1], struct rl_error *err);

/*
 * Turns what a person typed into the stored form (8 capitals of the
 * alphabet; case, spaces and dashes ignored): 0, or -1 if it cannot be a
 * user code.
 */
int rl_device_user_code_normalise(const char *typed, char out[RL_DEVICE_USER_CODE_LEN + 1]);

/*
 * Approves (approve 1) or denies a waiting grant on behalf of user_id.  An
 * unknown code is a field error on "user_code"; one already decided is
 * RL_E_CONFLICT "device-code-used"; an expired one "device-code-expired".
 * The grant's id into *grant_id.
 */
int rl_device_decide(struct rl_db *db, const char *user_code, int64_t user_id, int approve,
		     int64_t *grant_id, struct rl_error *err);

#endif
