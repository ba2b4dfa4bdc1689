/*
 * accounts_rows.h - the rows behind accounts and sign-in: users, tokens,
 * web_sessions and invitations, and the curriculum and programme lookups
 * the account use cases make.  The use cases (what is checked, in what
 * order, which error a refusal is) stay in domain/users.c and
 * domain/accounts.c; these are their queries, with typed arguments and
 * typed rows.
 *
 * Conventions: a write returns 0, or -1 with err set (rl_db_fail); a
 * lookup 1 found, 0 not found, -1; an UPDATE that may match nothing
 * returns how many rows it changed.  A list calls each(ctx, row) per row;
 * a non-zero return stops it and is returned.  Strings of a row handed to
 * each are valid during that call only; rows filled for the caller hold
 * copies in fixed buffers ("" for NULL, truncated as the domain's own
 * buffers always were).  Times are RFC 3339 UTC text; the caller says
 * what "now" is.  Nothing here starts a transaction.
 */
#ifndef RASLOG_ACCOUNTS_ROWS_H
#define RASLOG_ACCOUNTS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

#define RL_ROWS_TIME_LEN 32 /* a buffer for a time column ("2026-11-30T12:00:00Z" is 20) */

/* ---- users ---------------------------------------------------------------- */

struct rl_row_user {
	int64_t id;
	char name[121];
	char email[255];
	char gmc[16];           /* "" when none */
	char site[121];         /* "" when none */
	int roles;              /* mask of roles (1 trainee, 2 trainer, 4 faculty, 8 admin) */
	int64_t curriculum_id;  /* 0 when not enrolled */
};

struct rl_row_user_new {
	const char *name;
	const char *email;
	const char *gmc;        /* NULL or "": none */
	const char *site;       /* NULL or "": none */
	int roles;
	int64_t curriculum_id;  /* 0: none */
	const char *created_at;
};

/* Adds a user; its id into *id.  1 (err untouched) when the e-mail is taken. */
int rl_rows_user_insert(struct rl_db *db, const struct rl_row_user_new *u, int64_t *id, struct rl_error *err);
/* The user with id. */
int rl_rows_user_get(struct rl_db *db, int64_t id, struct rl_row_user *out, struct rl_error *err);
/* The user behind a live (not revoked) token of hash; the token's id into *token_id. */
int rl_rows_user_by_token(struct rl_db *db, const uint8_t hash[32], struct rl_row_user *out, int64_t *token_id,
			  struct rl_error *err);
/* Whether the user is active (1) or deactivated (0) into *active. */
int rl_rows_user_active(struct rl_db *db, int64_t id, int *active, struct rl_error *err);
/* The account with e-mail (the column's collation: any case): its id and whether it is active. */
int rl_rows_user_by_email(struct rl_db *db, const char *email, int64_t *id, int *active, struct rl_error *err);
/* How many active admins there are besides user id, or -1. */
int rl_rows_user_other_admins(struct rl_db *db, int64_t id, struct rl_error *err);

/* A change of an account's own fields: each set_x says whether x changes (a NULL or "" x clears it). */
struct rl_row_user_change {
	int set_name, set_email, set_gmc, set_site;
	const char *name, *email, *gmc, *site;
	int roles;              /* 0: unchanged */
};
/* Applies a change to user id.  1 (err untouched) when the new e-mail is another account's. */
int rl_rows_user_update(struct rl_db *db, int64_t id, const struct rl_row_user_change *c, struct rl_error *err);
/* Enrols user id on the newest version of the default curriculum (ras-core), if loaded. */
int rl_rows_user_enrol_default(struct rl_db *db, int64_t id, struct rl_error *err);
/* Sets whether user id is active; deactivated_at NULL when active. */
int rl_rows_user_set_active(struct rl_db *db, int64_t id, int active, const char *deactivated_at,
			    struct rl_error *err);
/* The distinct non-empty home sites of trainees, sorted. */
int rl_rows_user_trainee_sites(struct rl_db *db, int (*each)(void *ctx, const char *site), void *ctx,
			       struct rl_error *err);
/*
 * Each trainee with a non-empty home site and it (each(ctx, id, site)):
 * all of them (only 0), or user only alone (no call when they are not
 * one).  What the list's sites are kept by across commits
 * (domain/progress_list_sums.c).  0, each's non-zero, or -1 with err.
 */
int rl_rows_user_trainee_site_rows(struct rl_db *db, int64_t only, int (*each)(void *ctx, int64_t id, const char *site),
				   void *ctx, struct rl_error *err);

/* ---- accounts as the admin's list shows them -------------------------------- */

struct rl_row_account {
	int64_t id;
	const char *name;
	const char *email;
	const char *gmc;            /* NULL when none */
	int roles;
	const char *site;           /* NULL when none */
	int active;
	const char *created_at;
	const char *deactivated_at; /* NULL when active */
	const char *curriculum;     /* the enrolled curriculum's code, NULL when none */
};

#define RL_ROWS_ACCOUNT_Q_MAX 100 /* bytes of q that count */

struct rl_rows_account_filter {
	int64_t after_id;       /* ids above this one */
	const char *q;          /* part of the name or e-mail, any case (LIKE characters match themselves), or NULL */
	int roles;              /* any of these roles, or 0 */
	int active;             /* 1 active, 0 deactivated, -1 both */
	int64_t programme;      /* current members of this programme only, or 0 */
	int scoped;             /* only people in a programme of scope_id (RL_FACULTY_SCOPE_SQL) */
	int64_t scope_id;
	int limit;              /* rows at most */
};

/* Accounts in id order. */
int rl_rows_account_list(struct rl_db *db, const struct rl_rows_account_filter *f,
			 int (*each)(void *ctx, const struct rl_row_account *row), void *ctx, struct rl_error *err);
/* Account id: calls each with its row and returns 1 (each's non-zero return instead), or 0 when there is none. */
int rl_rows_account_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_account *row),
			void *ctx, struct rl_error *err);

struct rl_row_programme_ref {
	int64_t id;
	const char *name;
};
/* The current programmes of user, in name order. */
int rl_rows_account_programmes(struct rl_db *db, int64_t user,
			       int (*each)(void *ctx, const struct rl_row_programme_ref *row), void *ctx,
			       struct rl_error *err);

/* ---- curricula, as accounts name them ---------------------------------------- */

/* The codes of the loaded curricula, distinct and sorted. */
int rl_rows_account_curricula_codes(struct rl_db *db, int (*each)(void *ctx, const char *code), void *ctx,
				    struct rl_error *err);
/* The id of the newest version of curriculum code into *id. */
int rl_rows_account_curriculum_id(struct rl_db *db, const char *code, int64_t *id, struct rl_error *err);
/* Whether any version of curriculum code is loaded. */
int rl_rows_account_curriculum_exists(struct rl_db *db, const char *code, struct rl_error *err);
/* The code of curriculum id into out. */
int rl_rows_account_curriculum_code(struct rl_db *db, int64_t id, char out[65], struct rl_error *err);

/* ---- tokens ------------------------------------------------------------------- */

/* Stores a token's keyed hash for user_id; the row's id into *id. */
int rl_rows_token_insert(struct rl_db *db, int64_t user_id, const uint8_t hash[32], const char *created_at,
			 int64_t *id, struct rl_error *err);
/* Names token id, with its scope ("read" or "write") and expiry (NULL: never). */
int rl_rows_token_describe(struct rl_db *db, int64_t id, const char *name, const char *scope,
			   const char *expires_at, struct rl_error *err);
/* Names "invitation" the tokens of user_id that have no name yet (an invited account's first). */
int rl_rows_token_name_invitation(struct rl_db *db, int64_t user_id, struct rl_error *err);

struct rl_row_token {
	int64_t id;
	const char *name;           /* NULL: operator-issued */
	const char *scope;          /* "read" or "write" */
	const char *created_at;
	const char *last_used_at;   /* NULL: never used */
	const char *expires_at;     /* NULL: never */
};
/* The live tokens of user_id (not revoked, not expired at now), newest first. */
int rl_rows_token_list(struct rl_db *db, int64_t user_id, const char *now,
		       int (*each)(void *ctx, const struct rl_row_token *row), void *ctx, struct rl_error *err);
/* Token id, revoked or not: calls each with its row and returns 1 (each's non-zero return instead), or 0 when there is none. */
int rl_rows_token_get(struct rl_db *db, int64_t id, int (*each)(void *ctx, const struct rl_row_token *row),
		      void *ctx, struct rl_error *err);
/* Revokes live token id at now, of user_id only unless user_id is 0: how many (0 or 1), or -1. */
int rl_rows_token_revoke(struct rl_db *db, int64_t user_id, int64_t id, const char *now, struct rl_error *err);
/* Revokes every live token of user_id now: how many, or -1. */
int rl_rows_token_revoke_user(struct rl_db *db, int64_t user_id, struct rl_error *err);

/* What a request's token check needs of the token and its owner. */
struct rl_row_token_check {
	char scope[16];
	char expires_at[RL_ROWS_TIME_LEN];   /* "" when it never expires */
	char last_used_at[RL_ROWS_TIME_LEN]; /* "" when never used */
	int active;                          /* the owner's account */
};
int rl_rows_token_check(struct rl_db *db, int64_t id, struct rl_row_token_check *out, struct rl_error *err);
/*
 * rl_rows_user_by_token and rl_rows_token_check in one statement (a
 * request's bearer token): the live token with hash, its owner into out,
 * its id and its check.  1 found, 0 none, -1 error.
 */
int rl_rows_user_by_token_check(struct rl_db *db, const uint8_t hash[32], struct rl_row_user *out, int64_t *token_id,
				struct rl_row_token_check *check, struct rl_error *err);
/* Records token id's use at now. */
int rl_rows_token_touch(struct rl_db *db, int64_t id, const char *now, struct rl_error *err);

/* ---- web sessions --------------------------------------------------------------- */

struct rl_row_web_session_new {
	int64_t user_id;
	const uint8_t *hash;        /* 32 bytes: the hash of the cookie's session id */
	const char *created_at;     /* also its first last_seen_at */
	const char *expires_at;
	const char *ip;             /* NULL or "": unknown */
	const char *user_agent;     /* NULL or "": unknown */
};
int rl_rows_web_session_insert(struct rl_db *db, const struct rl_row_web_session_new *s, int64_t *id,
			       struct rl_error *err);
/*
 * The live session of hash (not ended, expiring after now, seen after
 * idle_since, its account active): its id, user and last_seen_at.
 */
int rl_rows_web_session_by_hash(struct rl_db *db, const uint8_t hash[32], const char *now, const char *idle_since,
				int64_t *id, int64_t *user_id, char last_seen_at[RL_ROWS_TIME_LEN],
				struct rl_error *err);
/* Records session id's use at now (unless it has ended). */
int rl_rows_web_session_touch(struct rl_db *db, int64_t id, const char *now, struct rl_error *err);
/* Ends live session id at now, of user_id only unless user_id is 0: how many (0 or 1), or -1. */
int rl_rows_web_session_end(struct rl_db *db, int64_t user_id, int64_t id, const char *now, struct rl_error *err);
/* Ends every live session of user_id now: how many, or -1. */
int rl_rows_web_session_end_user(struct rl_db *db, int64_t user_id, struct rl_error *err);

struct rl_row_web_session {
	int64_t id;
	const char *created_at;
	const char *last_seen_at;
	const char *expires_at;
	const char *ip;             /* NULL when unknown */
	const char *user_agent;     /* NULL when unknown */
};
/* The live sessions of user_id (as rl_rows_web_session_by_hash counts live), newest first. */
int rl_rows_web_session_list(struct rl_db *db, int64_t user_id, const char *now, const char *idle_since,
			     int (*each)(void *ctx, const struct rl_row_web_session *row), void *ctx,
			     struct rl_error *err);

/* ---- invitations ------------------------------------------------------------------ */

/*
 * What stands in the way of inviting email: how many accounts have it
 * into *accounts, and the newest invitation to it still pending at now
 * into *pending (0: none).
 */
int rl_rows_invitation_blockers(struct rl_db *db, const char *email, const char *now, int *accounts,
				int64_t *pending, struct rl_error *err);

struct rl_row_invitation_new {
	const uint8_t *code_hash;   /* 32 bytes */
	const char *name;
	const char *email;
	int roles;
	const char *site;           /* NULL or "": none */
	const char *curriculum;     /* NULL or "": none */
	int64_t invited_by;         /* 0: the operator */
	const char *created_at;
	const char *expires_at;
	int64_t programme;          /* 0: none */
};
int rl_rows_invitation_insert(struct rl_db *db, const struct rl_row_invitation_new *inv, int64_t *id,
			      struct rl_error *err);
/* Invitation id: when it was accepted into accepted_at ("" while pending). */
int rl_rows_invitation_accepted_at(struct rl_db *db, int64_t id, char accepted_at[RL_ROWS_TIME_LEN],
				   struct rl_error *err);
/* Gives invitation id a new code hash and expiry. */
int rl_rows_invitation_renew(struct rl_db *db, int64_t id, const uint8_t code_hash[32], const char *expires_at,
			     struct rl_error *err);

struct rl_row_invitation {
	int64_t id;
	const char *name;
	const char *email;
	int roles;
	const char *site;           /* NULL when none */
	const char *curriculum;     /* NULL when none */
	int64_t invited_by;         /* 0: the operator */
	const char *created_at;
	const char *expires_at;
	int64_t programme;          /* 0: none */
};
/* The invitations not accepted yet (expired ones included), newest first. */
int rl_rows_invitation_list_pending(struct rl_db *db, int (*each)(void *ctx, const struct rl_row_invitation *row),
				    void *ctx, struct rl_error *err);

/* An invitation as its acceptance reads it. */
struct rl_row_invitation_code {
	int64_t id;
	char name[121];
	char email[255];
	int roles;
	char site[121];                      /* "" when none */
	char curriculum[65];                 /* "" when none */
	char expires_at[RL_ROWS_TIME_LEN];
	char accepted_at[RL_ROWS_TIME_LEN];  /* "" while pending */
	int64_t programme;                   /* 0: none */
	int64_t invited_by;                  /* 0: the operator */
};
/* The invitation whose code hashes to code_hash. */
int rl_rows_invitation_by_code(struct rl_db *db, const uint8_t code_hash[32], struct rl_row_invitation_code *out,
			       struct rl_error *err);
/* Marks pending invitation id accepted at now by the account user_id it created. */
int rl_rows_invitation_accepted(struct rl_db *db, int64_t id, int64_t user_id, const char *now,
				struct rl_error *err);
/* The newest invitation to email still pending at now: its id into *id. */
int rl_rows_invitation_pending_by_email(struct rl_db *db, const char *email, const char *now, int64_t *id,
					struct rl_error *err);

#endif
