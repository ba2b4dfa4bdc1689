/*
 * session_cookie.c - how a request proves who it is, beyond the bearer
 * token check in router.c: the web-session cookie (HttpOnly,
 * SameSite=Strict, Secure under https), what a personal access token may
 * do (expired or deactivated: 401; scope "read": no state-changing
 * request), and the cross-site request forgery guard on every
 * state-changing request a cookie authenticates (Sec-Fetch-Site / Origin
 * must be this site, and X-CSRF-Token must be the session's token).
 *
 * Last use of a token or session is recorded at most once a minute, by a
 * small write job handed to the writer (requests themselves only read).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/util.h"
#include "domain/accounts.h"
#include "config.h"
#include "server.h"

#include "base/banned.h"

/* ---- recording last use ---------------------------------------------------- */

/*
 * A record of use is queued for the writer and nobody waits for it.  While
 * the writer is held up (a long transaction of the start-up check, a slow
 * disk) every request whose token is still stale would queue another one:
 * at full scale 150 MB of queued jobs in four seconds of 7,500 requests/s.
 * At most TOUCH_PENDING_MAX wait at once; a request beyond that records
 * nothing, and the next request after the writer catches up does.
 */
#define TOUCH_PENDING_MAX 64
static _Atomic int touches_pending;

struct touch {
	struct rl_job job;
	int web;                 /* 1: a web session, 0: a token */
	int64_t id;
};

static int touch_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct touch *t = job->ctx;

	return t->web ? rl_web_session_touch(db, t->id, err) : rl_pat_touch(db, t->id, err);
}

static void touch_done(struct rl_job *job)
{
	rl_error_clear(&job->err);
	free(job->ctx);
	touches_pending--;
}

static void touch(int web, int64_t id)
{
	struct touch *t;

	if (!server_ctx.writer)
		return;
	if (++touches_pending > TOUCH_PENDING_MAX || !(t = calloc(1, sizeof(*t)))) {
		touches_pending--;
		return; /* only a record of use is lost */
	}
	t->web = web;
	t->id = id;
	t->job.run = touch_run;
	t->job.done = touch_done;
	t->job.ctx = t;
	rl_writer_submit(server_ctx.writer, &t->job);
}

/* ---- authentication ------------------------------------------------------------ */

const char *session_cookie_value(struct request *rq)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, SESSION_COOKIE);

	return v && *v ? v : NULL;
}

int session_cookie_auth(struct request *rq, const char *sid, struct rl_error *err)
{
	struct rl_db *db = server_db();
	int stale = 0;

	if (!db)
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL, "the database cannot be opened");
	if (rl_web_session_auth(db, sid, &rq->user, &rq->web_session, &stale, err) < 0)
		return -1;
	snprintf(rq->sid, sizeof(rq->sid), "%s", sid);
	if (stale)
		touch(1, rq->web_session);
	return 0;
}

int session_token_auth(struct request *rq, const char *token, struct rl_error *err)
{
	struct rl_db *db = server_db();
	int stale = 0;

	if (!db)
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL, "the database cannot be opened");
	if (rl_auth_bearer(db, token, &rq->user, &rq->read_only, &stale, err) < 0)
		return -1;
	if (stale)
		touch(0, rq->user.token_id);
	return 0;
}

/* ---- URLs and origins --------------------------------------------------------------- */

void server_public_url(char *out, size_t size)
{
	request_base_url(NULL, out, size);
}

/*
 * The origin a same-site browser request carries: that of the configured
 * public URL (scheme://host[:port], no path).  A cross-site page cannot
 * forge it: its own origin is in the Origin header it cannot set.
 */
void server_public_origin(struct request *rq, char *out, size_t size)
{
	const char *host;

	request_base_url(rq, out, size);
	host = strstr(out, "://");
	if (host && (host = strchr(host + 3, '/')))
		out[host - out] = '\0';
}

static void expected_origin(struct request *rq, char *out, size_t size)
{
	server_public_origin(rq, out, size);
}

/* ---- the guard on state-changing requests --------------------------------------------- */

static int safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

static int refuse(struct request *rq, const char *type, const char *reason, const char *detail)
{
	audit(rq, "authorization", "refused", "\"reason\":\"%s\"", reason);
	reply_problem(rq, RL_E_FORBIDDEN, type, "%s", detail);
	return -1;
}

int session_write_guard(struct request *rq)
{
	const char *site, *origin, *token;
	char want[300], csrf[RL_SECRET_LEN + 1];

	if (!rq->authed || safe_method(rq->method))
		return 0;
	if (rq->read_only)
		return refuse(rq, "read-only-token", "read-only token",
			      "this token has scope \"read\", so it cannot change anything; use a token with scope "
			      "\"write\" (POST /api/v1/tokens)");
	if (!rq->web_session)
		return 0;
	site = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	origin = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
	expected_origin(rq, want, sizeof(want));
	if ((!site && !origin) || (site && strcmp(site, "same-origin") != 0) || (origin && strcmp(origin, want) != 0))
		return refuse(rq, "cross-site", "cross-site request",
			      "a request that changes something must come from this site's own pages "
			      "(Origin or Sec-Fetch-Site); this one did not, so it was refused");
	token = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	rl_web_session_csrf(rq->sid, csrf);
	if (!token || strlen(token) != RL_SECRET_LEN || !csrf[0] || sodium_memcmp(token, csrf, RL_SECRET_LEN) != 0)
		return refuse(rq, "csrf", "missing or wrong CSRF token",
			      "send the header X-CSRF-Token with the csrf_token from GET /api/v1/me or from sign-in");
	return 0;
}

/* ---- the cookie ---------------------------------------------------------------------------- */

static int secure(void)
{
	char url[300];

	server_public_url(url, sizeof(url));
	return strncmp(url, "https://", 8) == 0;
}

void session_cookie_set(struct request *rq, const char *sid)
{
	char v[200];

	/* No Max-Age: the browser forgets it when it closes; the server enforces the time-outs. */
	snprintf(v, sizeof(v), SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", sid,
		 secure() ? "; Secure" : "");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_SET_COOKIE, v);
}

void session_cookie_clear(struct request *rq)
{
	char v[160];

	snprintf(v, sizeof(v), SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 secure() ? "; Secure" : "");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_SET_COOKIE, v);
}

void session_me_extras(struct request *rq, json_t *me)
{
	if (rq->web_session) {
		char csrf[RL_SECRET_LEN + 1];
		rl_web_session_csrf(rq->sid, csrf);
		json_object_set_new(me, "auth", json_string("session"));
		json_object_set_new(me, "csrf_token", json_string(csrf));
	} else {
		json_object_set_new(me, "auth", json_string("token"));
		json_object_set_new(me, "token_scope", json_string(rq->read_only ? "read" : "write"));
	}
}

/* ---- sign-in ---------------------------------------------------------------------------------- */

void session_sign_in_prepare(struct request *rq, struct session_sign_in *si)
{
	const char *ua = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	const char *old = session_cookie_value(rq);

	si->old_ws = 0;
	if (old) {
		struct rl_error err = RL_ERROR_INIT;
		struct rl_user ignored;
		int stale;

		if (rl_web_session_auth(server_db(), old, &ignored, &si->old_ws, &stale, &err) < 0)
			si->old_ws = 0; /* no live session behind it: nothing to replace */
		rl_error_clear(&err);
	}
	snprintf(si->ip, sizeof(si->ip), "%s", rq->ip);
	snprintf(si->user_agent, sizeof(si->user_agent), "%s", ua ? ua : "");
}

int session_sign_in(struct rl_db *db, struct session_sign_in *si, int64_t user_id, struct rl_error *err)
{
	if (si->old_ws && rl_web_session_end(db, 0, si->old_ws, err) < 0)
		rl_error_clear(err); /* ended meanwhile: nothing to replace */
	return rl_web_session_create(db, user_id, si->ip, si->user_agent, &si->ws_id, si->sid, err);
}

json_t *session_sign_in_json(const struct session_sign_in *si, json_t *o)
{
	char csrf[RL_SECRET_LEN + 1], expires[21];

	rl_web_session_csrf(si->sid, csrf);
	rl_format_rfc3339(time(NULL) + RL_WEB_ABSOLUTE_SECONDS, expires);
	json_object_set_new(o, "csrf_token", json_string(csrf));
	json_object_set_new(o, "session_expires_at", json_string(expires));
	sodium_memzero(csrf, sizeof(csrf));
	return o;
}
