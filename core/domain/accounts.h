/*
 * accounts.h - the life of an account after `raslogd user add`: named
 * personal access tokens (scope, expiry, last use), the admin's account
 * list and changes (roles, site, deactivation of a leaver), one-time
 * invitations, and web (cookie) sessions with idle and absolute time-outs.
 *
 * Secrets handed out here - tokens, invitation codes, session ids - are
 * 256 random bits shown once; the database keeps only a hash.  Tokens are
 * issued and checked by users.c (keyed hash); invitation codes and session
 * ids, being as random, are stored as unkeyed BLAKE2b-256, which a stolen
 * database cannot invert either.
 *
 * Functions that write must run inside a transaction (the server's writer
 * or the operator's BEGIN); readers take a read-only connection.  Every
 * function returns 0 (or a count) or -1 with err set, and json_t results
 * are new references the caller frees.
 */
#ifndef RASLOG_ACCOUNTS_H
#define RASLOG_ACCOUNTS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

#define RL_SECRET_LEN 43                 /* base64url of 32 bytes, no padding */
#define RL_WEB_IDLE_SECONDS (30 * 60)    /* a web session ends after 30 minutes unused */
#define RL_WEB_ABSOLUTE_SECONDS (12 * 3600) /* and 12 hours after sign-in in any case */
#define RL_TOUCH_SECONDS 60              /* last use is recorded to the minute */
#define RL_INVITE_DEFAULT_DAYS 7
#define RL_INVITE_MAX_DAYS 30
#define RL_TOKEN_MAX_DAYS 366

/* ---- personal access tokens --------------------------------------------- */

struct rl_pat_new {
	const char *name;       /* 1..80 characters */
	int read_only;          /* scope "read" */
	time_t expires;         /* 0: never */
};

/* Validates a POST /tokens body {name, scope, expires_at?} into *out (borrowing strings from body). */
int rl_pat_parse(const json_t *body, struct rl_pat_new *out, struct rl_error *err);
/* Issues a token for user_id; its id into *id, the token (shown once) into token. */
int rl_pat_create(struct rl_db *db, int64_t user_id, const struct rl_pat_new *p, int64_t *id,
		  char token[RL_TOKEN_LEN + 1], struct rl_error *err);
/* The user's live tokens (not revoked, not expired), newest first, never the secret. */
json_t *rl_pat_list(struct rl_db *db, int64_t user_id, struct rl_error *err);
/* One token as the list shows it, or NULL with err (RL_E_NOTFOUND). */
json_t *rl_pat_get(struct rl_db *db, int64_t token_id, struct rl_error *err);
/* Revokes one token; user_id 0 means any owner (the operator).  RL_E_NOTFOUND if not live. */
int rl_pat_revoke(struct rl_db *db, int64_t user_id, int64_t token_id, struct rl_error *err);

/*
 * After rl_auth_token: refuses (RL_E_UNAUTH) an expired token or a
 * deactivated account; says whether the token is read-only and whether its
 * last use is older than RL_TOUCH_SECONDS (then call rl_pat_touch).
 */
int rl_pat_check(struct rl_db *db, int64_t token_id, int *read_only, int *stale, struct rl_error *err);
/* rl_pat_check's verdict on a token's row already read (rl_auth_bearer reads it with its owner). */
struct rl_row_token_check;
int rl_pat_judge(const struct rl_row_token_check *t, int *read_only, int *stale, struct rl_error *err);
int rl_pat_touch(struct rl_db *db, int64_t token_id, struct rl_error *err);

/* ---- accounts ------------------------------------------------------------- */

#define RL_USER_Q_MAX 100

struct rl_user_filter {
	const char *q;          /* part of the name or e-mail (at most RL_USER_Q_MAX bytes), or NULL */
	int roles;              /* any of these roles, or 0 */
	int active;             /* 1 active, 0 deactivated, -1 both */
	int64_t programme;      /* members of this programme only, or 0 */
	const struct rl_user *scope; /* non-NULL: only people in this faculty member's programmes */
	int64_t after_id;       /* cursor */
	int limit;
};

/* Accounts in id order; *next is the cursor of the next page or 0. */
json_t *rl_users_list(struct rl_db *db, const struct rl_user_filter *f, int64_t *next, struct rl_error *err);
/* One account as the list shows it (with active, created_at). */
json_t *rl_user_account(struct rl_db *db, int64_t id, struct rl_error *err);

struct rl_user_patch {
	const char *name, *email, *gmc, *site;  /* NULL: unchanged */
	int set_name, set_email, set_gmc, set_site;
	int roles;                               /* 0: unchanged */
	int active;                              /* -1: unchanged */
	int64_t programmes[20];                  /* with set_programme: the new programmes (RL_PROGRAMMES_MAX) */
	size_t nprogrammes;                      /* 0: in none */
	int set_programme;
	const char *programme_field;             /* "programme" or "programmes", for errors */
	int64_t by;                              /* who changes it (programme history) */
};

/*
 * Validates a PATCH /users/{id} body.  self_only: the caller is not an
 * admin, so only name, email and gmc may be changed.
 */
int rl_user_patch_parse(const json_t *body, int self_only, struct rl_user_patch *out, struct rl_error *err);
/*
 * Applies a patch.  Deactivation revokes every token and ends every web
 * session at once and keeps records and signatures; the last active admin
 * can be neither deactivated nor lose the admin role (RL_E_CONFLICT).
 * *revoked counts the tokens, sessions and passkeys ended (passkeys stay
 * disabled if the account is reactivated).
 */
int rl_user_patch_apply(struct rl_db *db, int64_t id, const struct rl_user_patch *p, int *revoked,
			struct rl_error *err);
/* 1 if the account is active, 0 if deactivated, -1 with err if absent. */
int rl_user_is_active(struct rl_db *db, int64_t id, struct rl_error *err);

/* ---- invitations ---------------------------------------------------------- */

struct rl_invitation_new {
	const char *name, *email, *site, *curriculum;
	int roles;
	int days;               /* 1..RL_INVITE_MAX_DAYS */
	int64_t programme;      /* 0: none */
};

int rl_invitation_parse(const json_t *body, struct rl_invitation_new *out, struct rl_error *err);
/* Stores an invitation; the code for the link into code, its expiry into expires_at. */
int rl_invitation_create(struct rl_db *db, const struct rl_invitation_new *inv, int64_t invited_by,
			 int64_t *id, char code[RL_SECRET_LEN + 1], char expires_at[21], struct rl_error *err);
/* A new code (the old one stops working) and a new expiry of days days. */
int rl_invitation_resend(struct rl_db *db, int64_t id, int days, char code[RL_SECRET_LEN + 1],
			 char expires_at[21], struct rl_error *err);
/* Pending invitations (not accepted; expired ones included, marked), newest first. */
json_t *rl_invitations_list(struct rl_db *db, struct rl_error *err);
/*
 * Accepts an invitation: creates the account (and its first token, as
 * rl_user_add does).  A used or expired code fails with RL_E_CONFLICT and
 * type "invitation-used" / "invitation-expired"; an unknown one with a
 * field error on "code".
 */
int rl_invitation_accept(struct rl_db *db, const char *code, int64_t *user_id,
			 char token[RL_TOKEN_LEN + 1], struct rl_error *err);

/* ---- web sessions ---------------------------------------------------------- */

/* Starts a web session; the cookie value (shown once) into sid. */
int rl_web_session_create(struct rl_db *db, int64_t user_id, const char *ip, const char *user_agent,
			  int64_t *id, char sid[RL_SECRET_LEN + 1], struct rl_error *err);
/*
 * Finds the live session behind a cookie value (not ended, not idle for
 * RL_WEB_IDLE_SECONDS, not past its absolute time-out, account active).
 * RL_E_UNAUTH when none.  *stale as for rl_pat_check.
 */
int rl_web_session_auth(struct rl_db *db, const char *sid, struct rl_user *out, int64_t *id, int *stale,
			struct rl_error *err);
int rl_web_session_touch(struct rl_db *db, int64_t id, struct rl_error *err);
/* Ends one session (user_id 0: any owner); RL_E_NOTFOUND if not live. */
int rl_web_session_end(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err);
/* Ends every session of a user; returns how many. */
int rl_web_session_end_all(struct rl_db *db, int64_t user_id, struct rl_error *err);
/* The user's live sessions, newest first; current marks the caller's own. */
json_t *rl_web_session_list(struct rl_db *db, int64_t user_id, int64_t current, struct rl_error *err);
/* The session's CSRF token, derived from its id (nothing stored): out[RL_SECRET_LEN+1]. */
void rl_web_session_csrf(const char *sid, char out[RL_SECRET_LEN + 1]);

#endif
