/*
 * routes_passkeys.c - passkeys over HTTP: the registration ceremony for a
 * signed-in person (/api/v1/passkeys/register/options, /register), the
 * sign-in ceremony that starts a web session (/api/v1/passkeys/login/options,
 * /login, no token needed), and the person's own list (GET, DELETE
 * /api/v1/passkeys).  The rules and checks live in core/domain/passkeys.c; this
 * file finds the relying party (public_url), rate-limits, audits and sets
 * the cookie.
 *
 * Both ceremonies run in the writer, so a challenge is spent exactly once
 * and signature counters move in order; a refused answer still commits the
 * spent challenge (the job succeeds and carries the refusal in its state).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/accounts.h"
#include "metrics.h"
#include "domain/passkeys.h"
#include "server.h"
#include "base/util.h"

#include "base/banned.h"

struct pk_state {
	char origin[300];
	char rp_id[256];
	struct rl_webauthn_rp rp;
	struct rl_passkey_reg reg;
	struct rl_passkey_assertion as;
	struct rl_error verr;        /* the ceremony's refusal (the job itself succeeded) */
	json_t *options;
	int64_t id;                  /* passkey registered or used */
	int64_t user_id;
	struct session_sign_in si;   /* a passkey sign-in's web session */
	int retry_after;             /* the account's sign-ins are blocked for this long */
};

static void state_free(void *p)
{
	struct pk_state *s = p;

	if (!s)
		return;
	json_decref(s->options);
	rl_error_clear(&s->verr);
	sodium_memzero(&s->si, sizeof(s->si));
	free(s);
}

/* The relying party: public_url's origin and host (RP id), else the address the browser used. */
static struct pk_state *state_new(struct request *rq)
{
	struct pk_state *s = calloc(1, sizeof(*s));
	const char *host, *end;

	if (!s) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return NULL;
	}
	rq->state = s;
	rq->state_free = state_free;
	server_public_origin(rq, s->origin, sizeof(s->origin));
	host = strstr(s->origin, "://");
	host = host ? host + 3 : s->origin;
	end = host[0] == '[' && strchr(host, ']') ? strchr(host, ']') + 1 : host + strcspn(host, ":");
	snprintf(s->rp_id, sizeof(s->rp_id), "%.*s", (int)(end - host), host);
	s->rp.id = s->rp_id;
	s->rp.origin = s->origin;
	s->rp.name = "raslog";
	return s;
}

static int fatal(const struct rl_error *e)
{
	return e->status == RL_E_INTERNAL || e->status == RL_E_UNAVAILABLE;
}

/* ---- list and remove ------------------------------------------------------------ */

void h_passkeys_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_passkey_list(server_db(), rq->user.id, &err);

	reply_items(rq, items, &err);
}

static int delete_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;

	return rl_passkey_remove(db, rq->user.id, rq->param, err);
}

static void delete_respond(struct request *rq)
{
	if (rq->job.result < 0) {
		audit(rq, "passkey.remove", "refused", "\"passkey\":%lld,\"reason\":\"%s\"", (long long)rq->param,
		      rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "passkey.remove", "ok", "\"passkey\":%lld", (long long)rq->param);
	reply_json(rq, 200, json_pack("{s:I,s:b}", "id", (json_int_t)rq->param, "removed", 1));
}

void h_passkeys_delete(struct request *rq)
{
	server_write(rq, delete_run, delete_respond);
}

/* ---- registration ------------------------------------------------------------------ */

static int reg_options_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct pk_state *s = rq->state;

	json_decref(s->options); /* a run before this one, whose batch failed */
	return (s->options = rl_passkey_register_options(db, &rq->user, &s->rp, err)) ? 0 : -1;
}

static void options_respond(struct request *rq)
{
	struct pk_state *s = rq->state;

	if (rq->job.result < 0) {
		reply_error(rq, &rq->job.err);
		return;
	}
	reply_json(rq, 200, s->options);
	s->options = NULL; /* reply_json marks every reply no-store */
}

void h_passkeys_register_options(struct request *rq)
{
	if (!state_new(rq))
		return;
	server_write(rq, reg_options_run, options_respond);
}

static int reg_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct pk_state *s = rq->state;

	rl_error_clear(&s->verr); /* a run before this one, whose batch failed */
	if (rl_passkey_register(db, rq->user.id, &s->rp, &s->reg, &s->id, &s->verr) < 0) {
		if (fatal(&s->verr)) {
			*err = s->verr;
			s->verr.extra = NULL;
			return -1;
		}
		/* Commit: the challenge stays spent. */
	}
	return 0;
}

static void reg_respond(struct request *rq)
{
	struct pk_state *s = rq->state;
	const struct rl_error *e = rq->job.result < 0 ? &rq->job.err : &s->verr;
	char now[21];

	if (e->status) {
		audit(rq, "passkey.register", "refused", "\"reason\":\"%s\"", e->type);
		reply_error(rq, e);
		return;
	}
	audit(rq, "passkey.register", "ok", "\"passkey\":%lld,\"rp_id\":\"%s\"", (long long)s->id, s->rp_id);
	rl_now_rfc3339(now);
	reply_json(rq, 201, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)s->id, "name",
				      s->reg.name && *s->reg.name ? s->reg.name : "Passkey", "created_at", now));
}

void h_passkeys_register(struct request *rq)
{
	struct pk_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;

	if (!s)
		return;
	if (rl_passkey_register_parse(rq->json, &s->reg, &err) < 0) {
		audit(rq, "passkey.register", "invalid", "\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	server_write(rq, reg_run, reg_respond);
}

/* ---- sign-in ---------------------------------------------------------------------------- */

/* 429 when the address has failed too often; a sign-in from another site is refused (403). */
static int signin_gate(struct request *rq, const char *event)
{
	const char *site = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
	struct pk_state *s = rq->state;
	int retry;

	if (ratelimit_blocked(rq->ip, &retry)) {
		char value[16];
		reply_problem_http(rq, 429, "rate-limited", "Too many failed attempts",
				   "too many failed sign-in attempts from %s; try again in %d seconds", rq->ip, retry);
		snprintf(value, sizeof(value), "%d", retry);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
		audit(rq, event, "rate-limited", "\"retry_after\":%d", retry);
		return -1;
	}
	if ((site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) ||
	    (origin && strcmp(origin, s->origin) != 0)) {
		audit(rq, event, "refused", "\"reason\":\"cross-site request\"");
		reply_problem(rq, RL_E_FORBIDDEN, "cross-site",
			      "sign-in must come from this site's own page (%s); this request came from elsewhere", s->origin);
		return -1;
	}
	return 0;
}

static void account_key(int64_t user_id, char key[40])
{
	snprintf(key, 40, "account %lld", (long long)user_id);
}

static int account_blocked(int64_t user_id, int *retry)
{
	char key[40];

	account_key(user_id, key);
	return user_id > 0 && ratelimit_blocked(key, retry);
}

static int login_options_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct pk_state *s = rq->state;

	json_decref(s->options);
	return (s->options = rl_passkey_login_options(db, &s->rp, err)) ? 0 : -1;
}

void h_passkeys_login_options(struct request *rq)
{
	if (!state_new(rq) || signin_gate(rq, "signin.options") < 0)
		return;
	server_write(rq, login_options_run, options_respond);
}

static int login_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct pk_state *s = rq->state;
	int spent = 0;

	rl_error_clear(&s->verr); /* a run before this one, whose batch failed */
	if (rl_passkey_login(db, &s->rp, &s->as, &s->user_id, &s->id, &spent, &s->verr) < 0) {
		if (fatal(&s->verr)) {
			*err = s->verr;
			s->verr.extra = NULL;
			return -1;
		}
		return 0; /* refused; the spent challenge is committed */
	}
	/*
	 * Per account: once an account's sign-ins failed too often (from any
	 * addresses), even a good one waits out the window; other accounts
	 * behind the same address are not affected.
	 */
	if (account_blocked(s->user_id, &s->retry_after))
		return 0;
	return session_sign_in(db, &s->si, s->user_id, err);
}

static void login_respond(struct request *rq)
{
	struct pk_state *s = rq->state;
	const struct rl_error *e = rq->job.result < 0 ? &rq->job.err : &s->verr;
	struct rl_error err = RL_ERROR_INIT;
	json_t *user, *o;

	if (!e->status && s->retry_after) {
		char value[16];
		reply_problem_http(rq, 429, "rate-limited", "Too many failed attempts",
				   "too many failed sign-ins to this account; try again in %d seconds", s->retry_after);
		snprintf(value, sizeof(value), "%d", s->retry_after);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
		audit(rq, "signin", "rate-limited", "\"method\":\"passkey\",\"reason\":\"account\",\"subject\":%lld,"
		      "\"retry_after\":%d", (long long)s->user_id, s->retry_after);
		return;
	}
	if (e->status) {
		if (!fatal(e)) {
			char key[40];
			ratelimit_failure(rq->ip);
			if (s->user_id > 0) { /* the credential named an account: count it there too */
				account_key(s->user_id, key);
				ratelimit_failure(key);
			}
			metrics_signin_failure();
		}
		audit(rq, "signin", "refused", "\"method\":\"passkey\",\"reason\":\"%s\",\"passkey\":%lld,\"subject\":%lld",
		      e->type, (long long)s->id, (long long)s->user_id);
		reply_error(rq, e);
		return;
	}
	user = rl_user_account(server_db(), s->user_id, &err);
	if (!user) /* committed, not yet in this thread's snapshot */
		user = json_pack("{s:I}", "id", (json_int_t)s->user_id);
	rl_error_clear(&err);
	audit(rq, "signin", "ok", "\"method\":\"passkey\",\"subject\":%lld,\"passkey\":%lld,\"web_session\":%lld",
	      (long long)s->user_id, (long long)s->id, (long long)s->si.ws_id);
	o = json_pack("{s:o}", "user", user);
	reply_json(rq, 200, o ? session_sign_in_json(&s->si, o) : NULL);
	session_cookie_set(rq, s->si.sid);
}

void h_passkeys_login(struct request *rq)
{
	struct pk_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;

	if (!s || signin_gate(rq, "signin") < 0)
		return;
	if (rl_passkey_login_parse(rq->json, &s->as, &err) < 0) {
		ratelimit_failure(rq->ip);
		audit(rq, "signin", "invalid", "\"method\":\"passkey\",\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	session_sign_in_prepare(rq, &s->si);
	server_write(rq, login_run, login_respond);
}
