/*
 * oidc.h - OpenID Connect single sign-on, the parts that need neither HTTP
 * nor the network: the sign-in flows a browser starts (state, nonce and
 * PKCE verifier), the ID token check, and matching the person to an
 * account.  server/routes_oidc.c fetches the provider's documents and
 * talks to its token endpoint.
 *
 * Flows.  rl_oidc_flow_begin makes two 256-bit secrets: the browser's
 * (kept in its pre-session cookie) and the state (sent to the provider).
 * The database keeps only their BLAKE2b-256 hashes.  The nonce and the
 * PKCE verifier are derived from both with keyed BLAKE2b (libsodium), so
 * they are never stored and only the browser that started the flow can
 * finish it.  A flow expires after RL_OIDC_FLOW_SECONDS and is spent once
 * (rl_oidc_flow_finish), whatever the outcome.
 *
 * ID tokens.  rl_oidc_verify_id_token checks, with OpenSSL 3 (no crypto of
 * our own): the JOSE header's alg (RS256, ES256), the signature with the
 * JWKS key whose kid matches, iss, aud (and azp when there are several
 * audiences), exp and iat (RL_OIDC_LEEWAY seconds of clock skew), nonce,
 * and that email is present with email_verified true.
 */
#ifndef RASLOG_DOMAIN_OIDC_H
#define RASLOG_DOMAIN_OIDC_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "store/db.h"

#define RL_OIDC_FLOW_SECONDS 600     /* a sign-in must come back from the provider within 10 minutes */
#define RL_OIDC_LEEWAY 60            /* clock skew allowed on exp and iat */
#define RL_OIDC_MAX_AGE 600          /* an ID token issued longer ago than this is refused */
#define RL_OIDC_SECRET_LEN 43        /* base64url of 32 bytes, no padding */
#define RL_OIDC_MAX_TOKEN 16384      /* the longest ID token accepted */
#define RL_OIDC_MAX_PENDING 30       /* unfinished, unexpired flows one address may hold */

/*
 * Starts a flow: the browser's secret (for its cookie) and the state.  An
 * address holding RL_OIDC_MAX_PENDING unfinished flows is refused with
 * RL_E_CONFLICT, type oidc-too-many-flows.
 */
int rl_oidc_flow_begin(struct rl_db *db, const char *ip, char browser[RL_OIDC_SECRET_LEN + 1],
		       char state[RL_OIDC_SECRET_LEN + 1], struct rl_error *err);
/* The flow's nonce and PKCE verifier (each 43 base64url characters), and the verifier's S256 challenge. */
int rl_oidc_derive(const char *browser, const char *state, char nonce[RL_OIDC_SECRET_LEN + 1],
		   char verifier[RL_OIDC_SECRET_LEN + 1], char challenge[RL_OIDC_SECRET_LEN + 1]);
/*
 * Whether the flow can still be finished by this browser: 0, or -1 with
 * RL_E_UNAUTH and type oidc-state-unknown (no such state, or another
 * browser's), oidc-state-used (replayed) or oidc-state-expired.  Reads only.
 */
int rl_oidc_flow_check(struct rl_db *db, const char *browser, const char *state, struct rl_error *err);
/*
 * Spends the flow (in the writer): the same checks as rl_oidc_flow_check,
 * atomically, then records outcome and user_id.  -1 with the same types
 * when it cannot be spent (a second callback racing the first).
 */
int rl_oidc_flow_finish(struct rl_db *db, const char *browser, const char *state, const char *outcome,
			int64_t user_id, struct rl_error *err);

/* What the ID token says about the person. */
struct rl_oidc_claims {
	char sub[256];
	char email[255];
	char name[121];
};

struct rl_oidc_expect {
	const char *issuer;      /* exactly the configured oidc_issuer */
	const char *client_id;   /* must be in aud */
	const char *nonce;       /* the flow's nonce */
	time_t now;
};

/*
 * Verifies a compact JWS ID token against jwks (the provider's JWK Set).
 * -1 with RL_E_UNAUTH and a type naming what was wrong: oidc-malformed,
 * oidc-algorithm, oidc-unknown-key, oidc-signature, oidc-issuer,
 * oidc-audience, oidc-expired, oidc-issued-at, oidc-nonce,
 * oidc-no-email, oidc-email-unverified.
 */
int rl_oidc_verify_id_token(const char *jwt, const json_t *jwks, const struct rl_oidc_expect *x,
			    struct rl_oidc_claims *out, struct rl_error *err);
/* Whether the JWT's kid is in jwks (0 or 1); a provider rotating keys gets its JWKS fetched again. */
int rl_oidc_jwks_has_kid(const char *jwt, const json_t *jwks);

/*
 * The account for a verified email (in the writer): an active account with
 * that email, else a pending, unexpired invitation to it, which is accepted
 * now (*invited = 1).  -1 with RL_E_FORBIDDEN and type oidc-unknown-email
 * (no account, no invitation: no self-registration) or
 * oidc-account-deactivated.
 */
int rl_oidc_match_account(struct rl_db *db, const char *email, int64_t *user_id, int *invited,
			  struct rl_error *err);

#endif
