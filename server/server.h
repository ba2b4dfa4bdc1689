/*
 * server.h - what the parts of raslogd share: the per-request state, the
 * route table's shape, reply helpers, and access to the database.
 *
 * Life of a request (server/http.c): headers arrive; framing is checked;
 * the body is read into rq->body (64 KiB cap); then the router finds the
 * route, authenticates the bearer token, checks the caller's roles and
 * parses a JSON body if the route takes one, all before any handler runs.
 * A handler either replies at once (reads run on the calling thread's own
 * read-only connection) or hands a write to the group-commit writer with
 * server_write(); the connection is suspended until the writer has
 * committed and the handler's respond function builds the reply.
 */
#ifndef RASLOG_SERVER_H
#define RASLOG_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/db.h"
#include "base/error.h"
#include "domain/accounts.h"
#include "domain/users.h"
#include "ledger/writer.h"

#define SERVER_MAX_BODY (64 * 1024)
/* The body limit of one request: SERVER_MAX_BODY, larger for an import upload (server/http.c). */
size_t server_body_limit(const char *method, const char *path);

struct request;

typedef void (*route_fn)(struct request *rq);

/* Who may call a route: a mask of enum rl_role, or one of these. */
#define WHO_ANYONE  0   /* no token needed */
#define WHO_ANY_USER (-1) /* any authenticated user */

struct route {
	const char *method;
	const char *pattern;     /* "/api/v1/sessions/{id}": {id} matches a positive integer */
	route_fn handler;
	int who;                 /* WHO_ANYONE, WHO_ANY_USER or a role mask (any of) */
	int json_body;           /* 1: the body must be a JSON object (parsed into rq->json) */
};

struct request {
	struct MHD_Connection *conn;
	char method[8];
	char *path;              /* URL path without the query */
	char id[17];             /* request id, echoed in replies and the audit log */
	char ip[48];
	struct rl_buf body;
	int framing_error;       /* conflicting Content-Length / Transfer-Encoding */
	int started;             /* the dispatcher ran */
	uint64_t t0_ns;          /* when the headers arrived (monotonic), for /metrics */
	const struct route *route;
	int64_t param;           /* the {id} in the path, if any */
	struct rl_user user;     /* valid when authed */
	int authed;
	int64_t web_session;     /* the web session (cookie) that authenticated this request, else 0 */
	char sid[44];            /* that session's id, from which its CSRF token is derived */
	int read_only;           /* authenticated by a personal access token of scope "read" */
	json_t *json;            /* the parsed body for json_body routes */

	/* A write handed to the writer. */
	struct rl_job job;
	void (*respond)(struct request *rq); /* builds the reply once job is done */
	void *state;             /* the handler's data for respond; freed by state_free */
	void (*state_free)(void *state);
	volatile int job_state;  /* 0 none, 1 queued, 2 done, 3 replied (respond ran) */
	struct request *resume_next; /* in http.c's resume queue, once done */

	/* The reply. */
	unsigned status;
	struct MHD_Response *response;

	/* The request's one audit line, written when the reply is queued (audit.c). */
	struct {
		char event[48];
		char outcome[24];
		char *extra;         /* the handler's extra members, malloc'd */
		int pending;         /* a handler called audit() */
		int written;
	} aud;
};

/* The server-wide context. */
struct server {
	const char *db_path;
	const char *web_dir;
	struct rl_writer *writer;
	struct MHD_Daemon *daemon;
	FILE *audit;             /* one JSON line per audited event */
	const char *trusted_proxy; /* reverse proxy address whose X-Forwarded-For we believe, or NULL */
	const char *log_origin;  /* the checkpoints' origin line and note key name (docs/ledger.md) */
	const char *public_url;  /* base of every URL in issued documents (public_url / --public-url) */
	const char *programme_name; /* the issuer's name in credentials and the PDF (programme_name), or NULL */
};

extern struct server server_ctx;

/* The calling thread's read-only database connection. */
struct rl_db *server_db(void);

/* Replies (server/reply.c).  Each sets rq->response; the last one wins. */
void reply_json(struct request *rq, unsigned status, json_t *body);       /* steals body */
void reply_text(struct request *rq, unsigned status, const char *type, const char *data, size_t len);
void reply_buf(struct request *rq, unsigned status, const char *type, struct rl_buf *b); /* takes b's contents */
/* A body produced piece by piece (chunked), for replies too big to hold in memory. */
void reply_stream(struct request *rq, unsigned status, const char *type, MHD_ContentReaderCallback read,
		  void *cls, MHD_ContentReaderFreeCallback done);
void reply_error(struct request *rq, const struct rl_error *err);
/*
 * A list read's reply: {"items": items} (reply_items), or with
 * "next_cursor" (reply_page: the next page's cursor as a string, null on
 * the last page or when next is 0).  items NULL replies err's problem and
 * clears err.  Both steal items.
 */
void reply_items(struct request *rq, json_t *items, struct rl_error *err);
void reply_page(struct request *rq, json_t *items, int64_t next, struct rl_error *err);
void reply_error_status(struct request *rq, const struct rl_error *err, unsigned http_status);
void reply_problem(struct request *rq, enum rl_status status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A problem whose HTTP status has no rl_status of its own (405, 429). */
void reply_problem_http(struct request *rq, unsigned http, const char *type, const char *title,
			const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
unsigned http_status_of(enum rl_status s);

/* Hands a job to the writer; respond runs on an HTTP thread after the commit. */
void server_write(struct request *rq, rl_job_run_fn run, void (*respond)(struct request *rq));

/* The configured public base URL (server_ctx.public_url), for links in documents; never a request header. */
void request_base_url(struct request *rq, char *out, size_t size);

/* Query string helpers. */
const char *query_arg(struct request *rq, const char *name);
/* Reads an optional integer query argument; replies 400 and returns -1 if malformed. */
int query_int(struct request *rq, const char *name, long long min, long long max, long long *out);

/*
 * Audit trail: one structured line per write and per refused or failed
 * request.  audit() records the handler's event, outcome and extra
 * members (the last call wins; outcome NULL: the one the reply's status
 * means); audit_flush() writes the line once, with
 * the reply's status, when the reply is queued: a handler's "ok" on a reply
 * of 400 or more becomes the status's outcome (any outcome on 5xx becomes
 * "failed"), and a request answered 400
 * or more that no handler audited gets a line of its own (event: its
 * route; outcome "refused" for 401, 403, 404 and 429, "invalid" for other
 * 4xx, "failed" for 5xx).
 */
void audit(struct request *rq, const char *event, const char *outcome, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void audit_flush(struct request *rq);
/*
 * The same line, appended to lines instead of written (a batch of replies
 * built together); audit_write then writes a batch's lines, whole, before
 * any of its replies is sent.
 */
void audit_collect(struct request *rq, struct rl_buf *lines);
void audit_write(const struct rl_buf *lines);
/*
 * An event of the server itself, outside any request (the start-up check
 * of the cached figures): one line {"time","event","outcome",<extra>},
 * extra being JSON members without braces, or NULL.
 */
void audit_event(const char *event, const char *outcome, const char *extra);
/*
 * A cached figure that differed from the ledger and was rebuilt from it
 * ({"trainee","requirement","cache","ledger"}, domain/progress.h): one
 * audit event "figures.drift", outcome "rebuilt", with those members; an
 * item with an "outcome" member (the status list's "differs": a row
 * compared, not rewritten) takes that outcome instead.
 */
void audit_drift(const json_t *item);

/*
 * A reader that found cached figures whose seals fail (domain/progress.h):
 * server_repair_then hands the rebuild of the trainees in stale (a json
 * array of ids, stolen) to the writer, and respond runs once it is done;
 * respond calls server_record_drift first, which writes what differed as
 * figures.drift events (routes_progress.c).
 */
void server_repair_then(struct request *rq, json_t *stale, void (*respond)(struct request *rq));
void server_record_drift(struct request *rq);
void audit_release(struct request *rq);

/* A user as JSON for viewer: e-mail and GMC number only for themself, admin and faculty (routes_misc.c). */
json_t *user_json(const struct rl_user *u, const struct rl_user *viewer);
int user_may_see_personal(const struct rl_user *viewer, const struct rl_user *u);

/* Router (server/router.c). */
void router_dispatch(struct request *rq);
extern const struct route routes[];

/*
 * Rate limits (server/ratelimit.c).  Failed authentication per key (the
 * router uses "ip ADDRESS" and "token HASH"): blocked returns 1 and the
 * seconds to wait once a key failed too often.  Writes per user: returns
 * -1 and the seconds to wait when the user's budget is spent.
 */
int ratelimit_blocked(const char *key, int *retry_after);
void ratelimit_failure(const char *key);
int ratelimit_write(int64_t user, int *retry_after);

/*
 * The byte-level framing guard and slow-client watchdog (server/guard.c).
 * guard_connection is libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback;
 * guard_request_done is called once a reply has been sent.
 */
struct guard_settings {
	int head_timeout;        /* seconds to receive a whole request head */
	int body_timeout;        /* seconds to receive a whole body once its head is in */
	int max_connections;     /* the same limit libmicrohttpd enforces */
	int reserve;             /* above max_connections - reserve, new connections evict the slowest */
};
extern struct guard_settings guard_settings;
int guard_start(void);
void guard_stop(void);
void guard_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code);
void guard_request_done(struct MHD_Connection *conn);

/*
 * Accounts (server/session_cookie.c): the web-session cookie, the checks
 * after a bearer token (expiry, deactivation, last use), the guard on
 * state-changing requests (read-only tokens; CSRF for cookies), and the
 * base URL for links the server hands out.
 */
#define SESSION_COOKIE "raslog_session"
const char *session_cookie_value(struct request *rq);
int session_cookie_auth(struct request *rq, const char *sid, struct rl_error *err);
/* A bearer token (rl_auth_bearer: one read), recording its use when the last is old. */
int session_token_auth(struct request *rq, const char *token, struct rl_error *err);
int session_write_guard(struct request *rq);
void session_cookie_set(struct request *rq, const char *sid);
void session_cookie_clear(struct request *rq);
void session_me_extras(struct request *rq, json_t *me);
/*
 * Sign-in, the one way every method (passkey, invitation, single sign-on)
 * starts a web session.  On the request's thread session_sign_in_prepare
 * notes the browser's address, user agent and the live session its cookie
 * names, if any; in the write job session_sign_in ends that session (a new
 * id, never a reused one: the id rotates at every sign-in) and starts one
 * for user_id; in the reply session_sign_in_json adds the new session's
 * csrf_token and session_expires_at to a JSON reply, and
 * session_cookie_set(rq, si->sid) sets the cookie.
 */
struct session_sign_in {
	int64_t old_ws;                /* the session sign-in replaces; 0: none */
	int64_t ws_id;                 /* the session started */
	char ip[48];
	char user_agent[201];
	char sid[RL_SECRET_LEN + 1];   /* its cookie value */
};
void session_sign_in_prepare(struct request *rq, struct session_sign_in *si);
int session_sign_in(struct rl_db *db, struct session_sign_in *si, int64_t user_id, struct rl_error *err);
json_t *session_sign_in_json(const struct session_sign_in *si, json_t *o);
void server_public_url(char *out, size_t size);
/* The site's origin (scheme://host[:port]): public_url's, else the one the client addressed. */
void server_public_origin(struct request *rq, char *out, size_t size);

/* Reply cache (server/cache.c): valid until the next committed write batch. */
#define CACHE_PROGRESS 1
unsigned long long cache_generation(void);
int cache_get(int kind, int64_t id, struct rl_buf *out);
void cache_put(int kind, int64_t id, unsigned long long generation, const char *data, size_t len);
void cache_clear(void);
/* A commit made on another connection of this process (the start-up check's): entries made before it are stale. */
void cache_invalidate(void);
/* Hears other raslogd processes' commits on a shared PostgreSQL database (cache.c); 0 or -1. */
int cache_watch_start(const char *db_path);
void cache_watch_stop(void);

/* Static files of web/ (server/static.c). */
void static_serve(struct request *rq);

/* Route handlers, grouped by resource (server/routes_*.c). */
void h_health(struct request *rq);
void h_me(struct request *rq);
void h_sessions_create(struct request *rq);
void h_sessions_list(struct request *rq);
void h_sessions_get(struct request *rq);
void h_sessions_patch(struct request *rq);
void h_sessions_delete(struct request *rq);
void h_openapi(struct request *rq);
void h_user_get(struct request *rq);
void h_credential_status(struct request *rq);
void h_trainer_credential(struct request *rq);
void h_signoffs_create(struct request *rq);
void h_keys_create(struct request *rq);
void h_keys_list(struct request *rq);
void h_keys_delete(struct request *rq);
void h_trainers(struct request *rq);
void h_progress(struct request *rq);
void h_evidence(struct request *rq);
void h_export(struct request *rq);
void h_accreditation(struct request *rq);
void h_sites(struct request *rq);
void h_curricula(struct request *rq);
void h_tools(struct request *rq);
void h_ledger_export(struct request *rq);
void h_ledger_entry(struct request *rq);
void h_ledger_entry_zero(struct request *rq);
void h_ledger_head(struct request *rq);
void h_ledger_key(struct request *rq);
void h_ledger_proof(struct request *rq);
void h_ledger_consistency(struct request *rq);
void h_ledger_checkpoint(struct request *rq);
void h_ledger_text_delete(struct request *rq);
void h_outbox(struct request *rq);
void h_tokens_list(struct request *rq);
void h_tokens_create(struct request *rq);
void h_tokens_delete(struct request *rq);
void h_users_list(struct request *rq);
void h_users_patch(struct request *rq);
void h_invitations_list(struct request *rq);
void h_invitations_create(struct request *rq);
void h_invitations_resend(struct request *rq);
void h_invitations_accept(struct request *rq);
void h_session_logout(struct request *rq);
void h_session_logout_all(struct request *rq);
void h_web_sessions_list(struct request *rq);
void h_web_sessions_delete(struct request *rq);
void h_assignments_list(struct request *rq);
void h_assignments_create(struct request *rq);
void h_assignments_delete(struct request *rq);
void h_notify_prefs_get(struct request *rq);
void h_notify_prefs_put(struct request *rq);
void h_imports_create(struct request *rq);
void h_imports_list(struct request *rq);
void h_imports_get(struct request *rq);
void h_passkeys_list(struct request *rq);
void h_passkeys_delete(struct request *rq);
void h_passkeys_register_options(struct request *rq);
void h_passkeys_register(struct request *rq);
void h_passkeys_login_options(struct request *rq);
void h_passkeys_login(struct request *rq);
void h_device_code(struct request *rq);
void h_device_token(struct request *rq);
void h_device_approve(struct request *rq);
void h_oidc_start(struct request *rq);
void h_oidc_callback(struct request *rq);

/* Single sign-on (server/routes_oidc.c): reads the oidc_* config keys (0, or the exit code after a sentence on stderr). */
int oidc_configure(void);
/* The provider's name for "Sign in with ...", or NULL when single sign-on is not configured. */
const char *oidc_display_name(void);
void h_programmes_list(struct request *rq);
void h_programmes_create(struct request *rq);
void h_programmes_get(struct request *rq);
void h_programmes_patch(struct request *rq);
void h_user_programmes(struct request *rq);
void h_oversight_trainers(struct request *rq);
void h_oversight_agreement(struct request *rq);
void h_oversight_stuck(struct request *rq);

#endif
