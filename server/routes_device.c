/*
 * routes_device.c - `raslog login` over HTTP: the OAuth 2.0 device
 * authorization grant (RFC 8628).  POST /api/v1/device/code starts a
 * grant (no token needed), POST /api/v1/device/token is what the client
 * polls (RFC 8628 section 3.5 errors as {"error": ...} with status 400,
 * not problem+json, since OAuth clients read them), and
 * POST /api/v1/device/approve is how a signed-in person approves or
 * denies a code (the router's CSRF guard covers cookie sessions).  The
 * rules live in core/domain/device.c; this file translates and audits.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/device.h"
#include "base/jsonin.h"
#include "server.h"

#include "base/banned.h"

struct device_state {
	const char *client_id;
	const char *device_code;
	const char *user_code;
	int approve;
	char ip[48];
	char device_secret[RL_SECRET_LEN + 1];
	char user_code_out[RL_DEVICE_USER_CODE_LEN + 2];
	enum rl_device_poll result;
	int64_t user_id, token_id, grant_id;
	char token[RL_TOKEN_LEN + 1];
};

static void state_free(void *p)
{
	struct device_state *s = p;

	if (s) {
		sodium_memzero(s->token, sizeof(s->token));
		sodium_memzero(s->device_secret, sizeof(s->device_secret));
	}
	free(s);
}

static struct device_state *state_new(struct request *rq)
{
	struct device_state *s = calloc(1, sizeof(*s));

	if (!s) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return NULL;
	}
	rq->state = s;
	rq->state_free = state_free;
	return s;
}

static void no_store(struct request *rq)
{
	if (rq->response) {
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_PRAGMA, "no-cache");
	}
}

/* An RFC 6749 section 5.2 error reply. */
static void oauth_error(struct request *rq, unsigned status, const char *error, const char *description)
{
	reply_json(rq, status, json_pack("{s:s,s:s}", "error", error, "error_description", description));
	no_store(rq);
}

static int rate_limited(struct request *rq, const char *event)
{
	int retry;
	char value[16];

	if (!ratelimit_blocked(rq->ip, &retry))
		return 0;
	reply_problem_http(rq, 429, "rate-limited", "Too many failed attempts",
			   "too many failed sign-in attempts from %s; try again in %d seconds", rq->ip, retry);
	snprintf(value, sizeof(value), "%d", retry);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
	audit(rq, event, "rate-limited", "\"retry_after\":%d", retry);
	return 1;
}

/* ---- POST /api/v1/device/code ------------------------------------------------------ */

static int code_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct device_state *s = rq->state;

	return rl_device_start(db, s->client_id, s->ip, s->device_secret, s->user_code_out, err);
}

static void code_respond(struct request *rq)
{
	struct device_state *s = rq->state;
	char base[300], uri[340], complete[360];

	if (rq->job.result < 0) {
		audit(rq, "device.start", "refused", "\"reason\":\"%s\"", rq->job.err.type);
		if (strcmp(rq->job.err.type, "rate-limited") == 0) {
			reply_problem_http(rq, 429, "rate-limited", rq->job.err.title, "%s", rq->job.err.detail);
			MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, "60");
		} else {
			reply_error(rq, &rq->job.err);
		}
		return;
	}
	audit(rq, "device.start", "ok", "\"client_id\":\"%s\"", RL_DEVICE_CLIENT_ID);
	server_public_url(base, sizeof(base));
	snprintf(uri, sizeof(uri), "%s/#/device", base);
	snprintf(complete, sizeof(complete), "%s/#/device?user_code=%s", base, s->user_code_out);
	reply_json(rq, 200, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "device_code", s->device_secret,
				      "user_code", s->user_code_out, "verification_uri", uri,
				      "verification_uri_complete", complete, "expires_in", RL_DEVICE_EXPIRES,
				      "interval", RL_DEVICE_INTERVAL));
	no_store(rq);
}

void h_device_code(struct request *rq)
{
	static const char *const allowed[] = { "client_id", "scope", NULL };
	struct device_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;
	const char *scope = NULL;

	if (!s)
		return;
	rl_json_check_members(rq->json, allowed, &err);
	if (rl_json_get_str(rq->json, "client_id", 1, 64, &s->client_id, &err) == 0 && s->client_id &&
	    strcmp(s->client_id, RL_DEVICE_CLIENT_ID) != 0)
		rl_error_field(&err, "client_id", "must be \"%s\"; no other client is registered", RL_DEVICE_CLIENT_ID);
	if (rl_json_get_str(rq->json, "scope", 0, 16, &scope, &err) == 0 && scope && strcmp(scope, "write") != 0)
		rl_error_field(&err, "scope", "must be \"write\" (the only scope raslog login asks for)");
	if (err.status) {
		audit(rq, "device.start", "invalid", "\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	snprintf(s->ip, sizeof(s->ip), "%s", rq->ip);
	server_write(rq, code_run, code_respond);
}

/* ---- POST /api/v1/device/token ------------------------------------------------------- */

static int token_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct device_state *s = rq->state;

	return rl_device_poll(db, s->device_code, &s->result, &s->user_id, &s->token_id, s->token, err);
}

static void token_respond(struct request *rq)
{
	struct device_state *s = rq->state;

	if (rq->job.result < 0) {
		reply_error(rq, &rq->job.err);
		return;
	}
	switch (s->result) {
	case RL_DEVICE_PENDING:
		oauth_error(rq, 400, "authorization_pending", "the code has not been approved yet; keep polling");
		break;
	case RL_DEVICE_SLOW_DOWN:
		oauth_error(rq, 400, "slow_down", "polled before the interval was over; wait 5 seconds more "
						  "between polls from now on");
		break;
	case RL_DEVICE_DENIED:
		audit(rq, "device.token", "refused", "\"reason\":\"access_denied\"");
		oauth_error(rq, 400, "access_denied", "the sign-in was denied");
		break;
	case RL_DEVICE_EXPIRED:
		audit(rq, "device.token", "refused", "\"reason\":\"expired_token\"");
		oauth_error(rq, 400, "expired_token", "the device code expired; start again");
		break;
	case RL_DEVICE_INVALID:
		ratelimit_failure(rq->ip);
		audit(rq, "device.token", "refused", "\"reason\":\"invalid_grant\"");
		oauth_error(rq, 400, "invalid_grant", "the device code is unknown or was already used");
		break;
	case RL_DEVICE_ISSUED:
		audit(rq, "device.token", "ok", "\"subject\":%lld,\"token\":%lld", (long long)s->user_id,
		      (long long)s->token_id);
		reply_json(rq, 200, json_pack("{s:s,s:s,s:s,s:I}", "access_token", s->token, "token_type", "Bearer",
					      "scope", "write", "token_id", (json_int_t)s->token_id));
		no_store(rq);
		break;
	}
}

void h_device_token(struct request *rq)
{
	static const char *const allowed[] = { "device_code", "grant_type", "client_id", NULL };
	struct device_state *s;
	struct rl_error err = RL_ERROR_INIT;
	const char *grant = NULL;

	if (rate_limited(rq, "device.token") || !(s = state_new(rq)))
		return;
	rl_json_check_members(rq->json, allowed, &err);
	rl_json_get_str(rq->json, "device_code", 1, 64, &s->device_code, &err);
	rl_json_get_str(rq->json, "client_id", 0, 64, &s->client_id, &err);
	if (rl_json_get_str(rq->json, "grant_type", 1, 64, &grant, &err) == 0 && grant &&
	    strcmp(grant, RL_DEVICE_GRANT_TYPE) != 0) {
		rl_error_clear(&err);
		oauth_error(rq, 400, "unsupported_grant_type", "grant_type must be " RL_DEVICE_GRANT_TYPE);
		return;
	}
	if (!err.status && s->client_id && strcmp(s->client_id, RL_DEVICE_CLIENT_ID) != 0) {
		oauth_error(rq, 400, "invalid_client", "client_id must be \"" RL_DEVICE_CLIENT_ID "\"");
		return;
	}
	if (err.status) {
		char d[700];
		snprintf(d, sizeof(d), "%s%s%s", err.nfields ? err.fields[0].field : err.detail,
			 err.nfields ? ": " : "", err.nfields ? err.fields[0].message : "");
		rl_error_clear(&err);
		oauth_error(rq, 400, "invalid_request", d);
		return;
	}
	server_write(rq, token_run, token_respond);
}

/* ---- POST /api/v1/device/approve ------------------------------------------------------- */

static int approve_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct device_state *s = rq->state;

	return rl_device_decide(db, s->user_code, rq->user.id, s->approve, &s->grant_id, err);
}

static void approve_respond(struct request *rq)
{
	struct device_state *s = rq->state;
	const char *event = s->approve ? "device.approve" : "device.deny";

	if (rq->job.result < 0) {
		if (rq->job.err.status == RL_E_INVALID)
			ratelimit_failure(rq->ip); /* a guessed code counts as a failed sign-in */
		audit(rq, event, "refused", "\"grant\":%lld,\"reason\":\"%s\"", (long long)s->grant_id,
		      rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, event, "ok", "\"grant\":%lld,\"via\":\"%s\"", (long long)s->grant_id,
	      rq->web_session ? "session" : "token");
	reply_json(rq, 200, json_pack("{s:b,s:s}", "approved", s->approve, "client_id", RL_DEVICE_CLIENT_ID));
}

void h_device_approve(struct request *rq)
{
	static const char *const allowed[] = { "user_code", "approve", NULL };
	struct device_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;
	json_t *a;

	if (!s || rate_limited(rq, "device.approve")) /* guessed codes count against the address */
		return;
	rl_json_check_members(rq->json, allowed, &err);
	rl_json_get_str(rq->json, "user_code", 1, 32, &s->user_code, &err);
	a = json_object_get(rq->json, "approve");
	if (!json_is_boolean(a))
		rl_error_field(&err, "approve", "must be true (approve) or false (deny)");
	if (err.status) {
		audit(rq, "device.approve", "invalid", "\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	s->approve = json_is_true(a);
	server_write(rq, approve_run, approve_respond);
}
