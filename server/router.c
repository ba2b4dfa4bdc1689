/*
 * router.c - the route table and the dispatcher.  The dispatcher checks,
 * in this order and before any handler runs: the route exists (404 / 405),
 * the caller is not rate-limited (429), the bearer token (401), the
 * caller's roles (403), and for routes with a body that it is one JSON
 * object (400).  Handlers can therefore not forget any of these.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "jsonin.h"
#include "server.h"
#include "util.h"

#include "banned.h"

#define T RL_ROLE_TRAINEE
#define R RL_ROLE_TRAINER
#define F RL_ROLE_FACULTY
#define A RL_ROLE_ADMIN

/* Matches path against pattern; {id} takes a positive integer into *param. */
static int match(const char *pattern, const char *path, int64_t *param)
{
	while (*pattern && *path) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			char digits[20];
			size_t n = strcspn(path, "/");
			long long v;

			if (n == 0 || n >= sizeof(digits))
				return 0;
			memcpy(digits, path, n);
			digits[n] = '\0';
			if (digits[0] == '0' || rl_parse_int(digits, 1, INT64_MAX, &v) < 0)
				return 0;
			*param = v;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

static int authenticate(struct request *rq)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	int retry;

	if (ratelimit_blocked(rq->ip, &retry)) {
		char value[16];
		reply_problem_http(rq, 429, "rate-limited", "Too many failed attempts",
				   "too many failed sign-in attempts from %s; try again in %d seconds", rq->ip, retry);
		snprintf(value, sizeof(value), "%d", retry);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
		audit(rq, "auth", "rate-limited", "\"retry_after\":%d", retry);
		return -1;
	}
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		rl_error_set(&err, RL_E_UNAUTH, "unauthorized", NULL,
			     "send 'Authorization: Bearer TOKEN' with the token your administrator gave you");
		goto fail;
	}
	h += 7;
	while (*h == ' ')
		h++;
	if (!(db = server_db())) {
		reply_problem(rq, RL_E_UNAVAILABLE, "storage-unavailable", "the database cannot be opened");
		return -1;
	}
	if (rl_auth_token(db, h, &rq->user, &err) < 0)
		goto fail;
	rq->authed = 1;
	return 0;
fail:
	if (err.status == RL_E_UNAUTH) {
		ratelimit_failure(rq->ip);
		audit(rq, "auth", "refused", "\"reason\":\"%s\"", h ? "bad token" : "no token");
	}
	reply_error(rq, &err);
	rl_error_clear(&err);
	return -1;
}

void router_dispatch(struct request *rq)
{
	const struct route *r, *found = NULL;
	int path_matched = 0;
	struct rl_error err = RL_ERROR_INIT;

	for (r = routes; r->method; r++) {
		int64_t param = 0;
		if (!match(r->pattern, rq->path, &param))
			continue;
		path_matched = 1;
		if (strcmp(r->method, rq->method) == 0 ||
		    (strcmp(rq->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			found = r;
			rq->param = param;
			break;
		}
	}
	if (!found) {
		if (path_matched) {
			reply_problem_http(rq, 405, "method-not-allowed", "Method not allowed",
					   "%s is not allowed on %s", rq->method, rq->path);
		} else if (strncmp(rq->path, "/api/", 5) == 0) {
			reply_problem(rq, RL_E_NOTFOUND, "not-found", "there is no API resource at %s", rq->path);
		} else if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
			static_serve(rq);
		} else {
			reply_problem_http(rq, 405, "method-not-allowed", "Method not allowed",
					   "%s is not allowed on %s", rq->method, rq->path);
		}
		return;
	}
	rq->route = found;
	if (found->who != WHO_ANYONE && authenticate(rq) < 0)
		return;
	if (found->who > 0 && !(rq->user.roles & found->who)) {
		const char *names[4];
		int n = rl_roles_names(found->who, names);
		audit(rq, "authorization", "refused", "\"route\":\"%s %s\"", found->method, found->pattern);
		reply_problem(rq, RL_E_FORBIDDEN, "forbidden", "%s %s needs the %s%s%s role",
			      rq->method, rq->path, names[0], n > 1 ? " or " : "", n > 1 ? names[1] : "");
		return;
	}
	if (found->json_body) {
		rq->json = rl_json_parse(rq->body.data, rq->body.len, &err);
		if (!rq->json) {
			reply_error(rq, &err);
			rl_error_clear(&err);
			return;
		}
		if (!json_is_object(rq->json)) {
			reply_problem(rq, RL_E_MALFORMED, "not-an-object", "the body must be a JSON object");
			return;
		}
	}
	found->handler(rq);
}

const char *query_arg(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

int query_int(struct request *rq, const char *name, long long min, long long max, long long *out)
{
	const char *v = query_arg(rq, name);

	if (!v)
		return 0;
	if (rl_parse_int(v, min, max, out) < 0) {
		struct rl_error err = RL_ERROR_INIT;
		rl_error_field(&err, name, "must be an integer between %lld and %lld", min, max);
		reply_error(rq, &err);
		return -1;
	}
	return 1;
}

void request_base_url(struct request *rq, char *out, size_t size)
{
	(void)rq;
	snprintf(out, size, "%s", server_ctx.public_url ? server_ctx.public_url : "http://127.0.0.1:8080");
}
