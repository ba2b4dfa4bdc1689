/*
 * router.c - the route table and the dispatcher.  The dispatcher checks,
 * in this order and before any handler runs: the route exists (404, or
 * 405 with Allow), the bearer token or session cookie (401, or 429 once
 * the token or the address failed too often), the caller's roles (403),
 * that a read-only token or a cookie without CSRF proof changes nothing
 * (403), the caller's write budget for POST, PATCH, PUT and DELETE (429),
 * and for routes with a body that it is sent as application/json (415) and
 * is one JSON object (400).  Handlers can therefore not forget any of these.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "metrics.h"
#include "server.h"
#include "base/util.h"

#include "base/banned.h"

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

/* 429 with Retry-After; why is a sentence without the wait. */
static void reply_rate_limited(struct request *rq, int retry, const char *why)
{
	char value[16];

	reply_problem_http(rq, 429, "rate-limited", "Too many requests", "%s; try again in %d seconds", why, retry);
	snprintf(value, sizeof(value), "%d", retry);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
}

/*
 * Failed sign-ins count against the client's address and against the
 * credential presented.  A credential that failed too often is refused from
 * every address; an address that failed too often is refused only when its
 * credential fails too, so a valid token still works from it.
 */
static int authenticate(struct request *rq)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char ip_key[64], cred_key[80] = "";
	int retry;

	snprintf(ip_key, sizeof(ip_key), "%s", rq->ip); /* the key passkey, invitation and device routes count under too */
	if ((!h || strncasecmp(h, "Bearer ", 7) != 0) && session_cookie_value(rq)) {
		/* No bearer token but a web-session cookie (server/session_cookie.c). */
		if (session_cookie_auth(rq, session_cookie_value(rq), &err) < 0)
			goto fail;
		rq->authed = 1;
		return 0;
	}
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		h = NULL;
		rl_error_set(&err, RL_E_UNAUTH, "unauthorized", NULL,
			     "send 'Authorization: Bearer TOKEN' with the token your administrator gave you");
		goto fail;
	}
	h += 7;
	while (*h == ' ')
		h++;
	{
		uint8_t hash[16];
		char hex[33];
		crypto_generichash(hash, sizeof(hash), (const uint8_t *)h, strlen(h), NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
		snprintf(cred_key, sizeof(cred_key), "token %s", hex);
	}
	if (ratelimit_blocked(cred_key, &retry)) {
		reply_rate_limited(rq, retry, "this token has failed too many times");
		audit(rq, "auth", "rate-limited", "\"retry_after\":%d,\"reason\":\"credential\"", retry);
		return -1;
	}
	if (!(db = server_db())) {
		reply_problem(rq, RL_E_UNAVAILABLE, "storage-unavailable", "the database cannot be opened");
		return -1;
	}
	if (session_token_auth(rq, h, &err) < 0)
		goto fail;
	rq->authed = 1;
	return 0;
fail:
	if (err.status == RL_E_UNAUTH) {
		if (ratelimit_blocked(ip_key, &retry)) {
			char why[96];
			rl_error_clear(&err);
			snprintf(why, sizeof(why), "too many failed sign-in attempts from %s", rq->ip);
			reply_rate_limited(rq, retry, why);
			audit(rq, "auth", "rate-limited", "\"retry_after\":%d,\"reason\":\"address\"", retry);
			return -1;
		}
		ratelimit_failure(ip_key);
		if (cred_key[0])
			ratelimit_failure(cred_key);
		metrics_signin_failure();
		audit(rq, "auth", "refused", "\"reason\":\"%s\"",
		      h ? "bad token" : session_cookie_value(rq) ? "bad session" : "no token");
	}
	reply_error(rq, &err);
	rl_error_clear(&err);
	return -1;
}

/* "application/json", any case, with or without parameters such as charset. */
static int is_json_type(const char *type)
{
	size_t n;

	if (!type)
		return 0;
	while (*type == ' ' || *type == '\t')
		type++;
	n = strcspn(type, "; \t");
	if (n != 16 || strncasecmp(type, "application/json", 16) != 0)
		return 0;
	type += n;
	while (*type == ' ' || *type == '\t')
		type++;
	return *type == '\0' || *type == ';';
}

static int is_write(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 || strcmp(method, "PUT") == 0 ||
	       strcmp(method, "DELETE") == 0;
}

/* 405 with the Allow header listing the methods the path takes. */
static void reply_not_allowed(struct request *rq, const char *allow)
{
	reply_problem_http(rq, 405, "method-not-allowed", "Method not allowed", "%s is not allowed on %s; use %s",
			   rq->method, rq->path, allow);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_ALLOW, allow);
}

void router_dispatch(struct request *rq)
{
	const struct route *r, *found = NULL;
	char allow[64] = "";
	struct rl_error err = RL_ERROR_INIT;
	int retry;

	for (r = routes; r->method; r++) {
		int64_t param = 0;
		if (!match(r->pattern, rq->path, &param))
			continue;
		if (strcmp(r->method, rq->method) == 0 ||
		    (strcmp(rq->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			found = r;
			rq->param = param;
			break;
		}
		if (!strstr(allow, r->method)) {
			size_t n = strlen(allow);
			snprintf(allow + n, sizeof(allow) - n, "%s%s%s", n ? ", " : "", r->method,
				 strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
		}
	}
	if (!found) {
		if (allow[0]) {
			reply_not_allowed(rq, allow);
		} else if (strcmp(rq->path, "/metrics") == 0 && (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0)) {
			h_metrics(rq); /* outside the API's route table (and its OpenAPI description) */
		} else if (strncmp(rq->path, "/api/", 5) == 0) {
			reply_problem(rq, RL_E_NOTFOUND, "not-found", "there is no API resource at %s", rq->path);
		} else if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
			static_serve(rq);
		} else {
			reply_not_allowed(rq, "GET, HEAD");
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
	if (session_write_guard(rq) < 0) /* read-only tokens; CSRF for cookie sessions */
		return;
	if (rq->authed && is_write(rq->method) && ratelimit_write(rq->user.id, &retry) < 0) {
		reply_rate_limited(rq, retry, "too many changes from your account in the last minute");
		audit(rq, "write", "rate-limited", "\"retry_after\":%d", retry);
		return;
	}
	if (found->json_body) {
		const char *type = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(type)) {
			reply_problem_http(rq, 415, "unsupported-media-type", "Unsupported media type",
					   "the body must be JSON sent with 'Content-Type: application/json'%s%s%s",
					   type ? ", not '" : " (there was no Content-Type)", type ? type : "",
					   type ? "'" : "");
			return;
		}
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
