/*
 * routes_accounts.c - accounts over HTTP: personal access tokens
 * (/api/v1/tokens), the admin's account list and changes (/api/v1/users),
 * invitations (/api/v1/invitations, accepted without a token), and web
 * sessions (/api/v1/session/logout, /logout-all, /api/v1/web-sessions).
 * The rules live in core/domain/accounts.c; this file translates and audits.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/accounts.h"
#include "base/codes.h"
#include "base/jsonin.h"
#include "server.h"
#include "base/util.h"

#include "base/banned.h"

/* One state for every write of this file: the parsed input and what the writer produced. */
struct acct_state {
	int64_t id;                          /* the record acted on or created */
	int64_t user_id;                     /* the account created or changed */
	int count;                           /* tokens / sessions ended */
	int days;
	char token[RL_TOKEN_LEN + 1];
	char secret[RL_SECRET_LEN + 1];      /* invitation code */
	char expires_at[21];
	struct session_sign_in si;           /* accepting an invitation signs in */
	struct rl_pat_new pat;
	struct rl_user_patch patch;
	struct rl_invitation_new inv;
	const char *code;
};

static void state_free(void *p)
{
	struct acct_state *s = p;

	if (s) {
		sodium_memzero(s->token, sizeof(s->token));
		sodium_memzero(&s->si, sizeof(s->si));
	}
	free(s);
}

static struct acct_state *state_new(struct request *rq)
{
	struct acct_state *s = calloc(1, sizeof(*s));

	if (!s) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return NULL;
	}
	rq->state = s;
	rq->state_free = state_free;
	return s;
}

static void reply_parse_error(struct request *rq, const char *event, struct rl_error *err)
{
	audit(rq, event, "invalid", "\"fields\":%d", err->nfields);
	reply_error(rq, err);
	rl_error_clear(err);
}

static int is_admin(struct request *rq)
{
	return (rq->user.roles & RL_ROLE_ADMIN) != 0;
}

/* ---- /api/v1/tokens -------------------------------------------------------------- */

void h_tokens_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_pat_list(server_db(), rq->user.id, &err), *t;
	size_t i;

	if (!items) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	json_array_foreach(items, i, t)
		json_object_set_new(t, "current", json_boolean(!rq->web_session &&
			json_integer_value(json_object_get(t, "id")) == rq->user.token_id));
	reply_json(rq, 200, json_pack("{s:o}", "items", items));
}

static int token_create_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	return rl_pat_create(db, rq->user.id, &s->pat, &s->id, s->token, err);
}

static void token_create_respond(struct request *rq)
{
	struct acct_state *s = rq->state;
	char loc[64];
	json_t *o;

	if (rq->job.result < 0) {
		audit(rq, "token.create", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "token.create", "ok", "\"token\":%lld,\"scope\":\"%s\"", (long long)s->id,
	      s->pat.read_only ? "read" : "write");
	o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)s->id, "name", s->pat.name, "scope",
		      s->pat.read_only ? "read" : "write", "token", s->token);
	if (s->pat.expires) {
		rl_format_rfc3339(s->pat.expires, s->expires_at);
		json_object_set_new(o, "expires_at", json_string(s->expires_at));
	} else {
		json_object_set_new(o, "expires_at", json_null());
	}
	reply_json(rq, 201, o);
	snprintf(loc, sizeof(loc), "/api/v1/tokens/%lld", (long long)s->id);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, loc);
}

void h_tokens_create(struct request *rq)
{
	struct acct_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;

	if (!s)
		return;
	if (rl_pat_parse(rq->json, &s->pat, &err) < 0) {
		reply_parse_error(rq, "token.create", &err);
		return;
	}
	server_write(rq, token_create_run, token_create_respond);
}

static int token_delete_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;

	return rl_pat_revoke(db, rq->user.id, rq->param, err);
}

static void token_delete_respond(struct request *rq)
{
	if (rq->job.result < 0) {
		audit(rq, "token.revoke", "failed", "\"token\":%lld", (long long)rq->param);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "token.revoke", "ok", "\"token\":%lld", (long long)rq->param);
	reply_json(rq, 200, json_pack("{s:I,s:b}", "id", (json_int_t)rq->param, "revoked", 1));
}

void h_tokens_delete(struct request *rq)
{
	server_write(rq, token_delete_run, token_delete_respond);
}

/* ---- /api/v1/users ------------------------------------------------------------------ */

void h_users_list(struct request *rq)
{
	struct rl_user_filter f = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long cursor = 0, limit = 50, prog = 0;
	const char *role = query_arg(rq, "role"), *active = query_arg(rq, "active");
	int64_t next = 0;
	json_t *items;

	if (query_int(rq, "cursor", 1, INT64_MAX, &cursor) < 0 || query_int(rq, "limit", 1, 200, &limit) < 0 ||
	    query_int(rq, "programme", 1, INT64_MAX, &prog) < 0)
		return;
	f.programme = prog;
	f.q = query_arg(rq, "q");
	if (f.q && strlen(f.q) > RL_USER_Q_MAX)
		rl_error_field(&err, "q", "must be at most %d characters", RL_USER_Q_MAX);
	if (role && (strchr(role, ',') || rl_roles_parse(role, &f.roles) < 0))
		rl_error_field(&err, "role", "must be one of trainee, trainer, faculty, admin");
	f.active = -1;
	if (active && strcmp(active, "true") == 0)
		f.active = 1;
	else if (active && strcmp(active, "false") == 0)
		f.active = 0;
	else if (active)
		rl_error_field(&err, "active", "must be true or false");
	/* Faculty read the people of their programmes; an admin reads everyone. */
	if (!is_admin(rq))
		f.scope = &rq->user;
	if (err.status) {
		reply_error(rq, &err);
		return;
	}
	f.after_id = cursor;
	f.limit = (int)limit;
	items = rl_users_list(server_db(), &f, &next, &err);
	reply_page(rq, items, next, &err);
}

static int user_patch_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	return rl_user_patch_apply(db, rq->param, &s->patch, &s->count, err);
}

static void user_patch_respond(struct request *rq)
{
	struct acct_state *s = rq->state;
	struct rl_error err = RL_ERROR_INIT;
	const char *event = s->patch.active == 0 ? "user.deactivate" : s->patch.active == 1 ? "user.reactivate"
				: "user.update";
	json_t *o;

	if (rq->job.result < 0) {
		audit(rq, event, "failed", "\"subject\":%lld,\"reason\":\"%s\"", (long long)rq->param, rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, event, "ok", "\"subject\":%lld,\"roles\":%d,\"revoked\":%d", (long long)rq->param,
	      s->patch.roles, s->count);
	o = rl_user_account(server_db(), rq->param, &err);
	if (!o) /* committed, not yet in this thread's snapshot */
		o = json_pack("{s:I}", "id", (json_int_t)rq->param);
	rl_error_clear(&err);
	if (s->patch.active == 0)
		json_object_set_new(o, "revoked", json_integer(s->count));
	reply_json(rq, 200, o);
}

void h_users_patch(struct request *rq)
{
	struct acct_state *s;
	struct rl_error err = RL_ERROR_INIT;

	if (!is_admin(rq) && rq->param != rq->user.id) {
		audit(rq, "authorization", "refused", "\"route\":\"PATCH /api/v1/users/{id}\"");
		reply_problem(rq, RL_E_FORBIDDEN, "forbidden",
			      "only an admin may change another person's account; you may change your own");
		return;
	}
	if (!(s = state_new(rq)))
		return;
	if (rl_user_patch_parse(rq->json, !is_admin(rq), &s->patch, &err) < 0) {
		reply_parse_error(rq, "user.update", &err);
		return;
	}
	s->patch.by = rq->user.id;
	server_write(rq, user_patch_run, user_patch_respond);
}

/* ---- /api/v1/invitations -------------------------------------------------------------- */

static json_t *invitation_link(int64_t id, const char *code, const char *expires_at)
{
	char base[300], url[400];

	server_public_url(base, sizeof(base));
	/* The code travels in the fragment, so it stays out of server and proxy logs and Referer. */
	snprintf(url, sizeof(url), "%s/#/invitation/%s", base, code);
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "url", url, "expires_at", expires_at);
}

void h_invitations_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_invitations_list(server_db(), &err);

	reply_items(rq, items, &err);
}

static int invitation_create_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	return rl_invitation_create(db, &s->inv, rq->user.id, &s->id, s->secret, s->expires_at, err);
}

static void invitation_create_respond(struct request *rq)
{
	struct acct_state *s = rq->state;
	json_t *o;

	if (rq->job.result < 0) {
		audit(rq, "invitation.create", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "invitation.create", "ok", "\"invitation\":%lld,\"roles\":%d", (long long)s->id, s->inv.roles);
	o = invitation_link(s->id, s->secret, s->expires_at);
	json_object_set_new(o, "email", json_string(s->inv.email));
	reply_json(rq, 201, o);
}

void h_invitations_create(struct request *rq)
{
	struct acct_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;

	if (!s)
		return;
	if (rl_invitation_parse(rq->json, &s->inv, &err) < 0) {
		reply_parse_error(rq, "invitation.create", &err);
		return;
	}
	server_write(rq, invitation_create_run, invitation_create_respond);
}

static int invitation_resend_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	return rl_invitation_resend(db, rq->param, s->days, s->secret, s->expires_at, err);
}

static void invitation_resend_respond(struct request *rq)
{
	struct acct_state *s = rq->state;

	if (rq->job.result < 0) {
		audit(rq, "invitation.resend", "failed", "\"invitation\":%lld,\"reason\":\"%s\"", (long long)rq->param,
		      rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "invitation.resend", "ok", "\"invitation\":%lld", (long long)rq->param);
	reply_json(rq, 200, invitation_link(rq->param, s->secret, s->expires_at));
}

void h_invitations_resend(struct request *rq)
{
	struct acct_state *s = state_new(rq);

	if (!s)
		return;
	s->days = RL_INVITE_DEFAULT_DAYS;
	server_write(rq, invitation_resend_run, invitation_resend_respond);
}

static int invitation_accept_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	if (rl_invitation_accept(db, s->code, &s->user_id, s->token, err) < 0)
		return -1;
	return session_sign_in(db, &s->si, s->user_id, err);
}

static void invitation_accept_respond(struct request *rq)
{
	struct acct_state *s = rq->state;
	struct rl_error err = RL_ERROR_INIT;
	json_t *user, *o;

	if (rq->job.result < 0) {
		const char *type = rq->job.err.type;
		int gone = strcmp(type, "invitation-used") == 0 || strcmp(type, "invitation-expired") == 0;

		if (rq->job.err.status == RL_E_INVALID)
			ratelimit_failure(rq->ip); /* an unknown code counts as a failed sign-in */
		audit(rq, "invitation.accept", "refused", "\"reason\":\"%s\"", type);
		reply_error_status(rq, &rq->job.err, gone ? 410 : 0);
		return;
	}
	user = rl_user_account(server_db(), s->user_id, &err);
	if (!user)
		user = json_pack("{s:I}", "id", (json_int_t)s->user_id);
	rl_error_clear(&err);
	audit(rq, "invitation.accept", "ok", "\"subject\":%lld,\"web_session\":%lld", (long long)s->user_id,
	      (long long)s->si.ws_id);
	audit(rq, "signin", "ok", "\"subject\":%lld,\"method\":\"invitation\"", (long long)s->user_id);
	o = json_pack("{s:o,s:s}", "user", user, "token", s->token);
	reply_json(rq, 201, o ? session_sign_in_json(&s->si, o) : NULL);
	session_cookie_set(rq, s->si.sid);
}

void h_invitations_accept(struct request *rq)
{
	static const char *const allowed[] = { "code", NULL };
	struct acct_state *s = state_new(rq);
	struct rl_error err = RL_ERROR_INIT;
	int retry;

	if (!s)
		return;
	if (ratelimit_blocked(rq->ip, &retry)) {
		char value[16];
		reply_problem_http(rq, 429, "rate-limited", "Too many failed attempts",
				   "too many failed sign-in attempts from %s; try again in %d seconds", rq->ip, retry);
		snprintf(value, sizeof(value), "%d", retry);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
		audit(rq, "invitation.accept", "rate-limited", "\"retry_after\":%d", retry);
		return;
	}
	rl_json_check_members(rq->json, allowed, &err);
	rl_json_get_str(rq->json, "code", 1, 64, &s->code, &err);
	if (err.status) {
		reply_parse_error(rq, "invitation.accept", &err);
		return;
	}
	session_sign_in_prepare(rq, &s->si);
	server_write(rq, invitation_accept_run, invitation_accept_respond);
}

/* ---- web sessions -------------------------------------------------------------------------- */

static int logout_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;

	return rl_web_session_end(db, rq->user.id, rq->web_session, err);
}

static void logout_respond(struct request *rq)
{
	if (rq->job.result < 0) {
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "signout", "ok", "\"web_session\":%lld", (long long)rq->web_session);
	reply_json(rq, 200, json_pack("{s:i}", "ended", 1));
	session_cookie_clear(rq);
}

void h_session_logout(struct request *rq)
{
	if (!rq->web_session) {
		reply_problem(rq, RL_E_INVALID, "not-a-web-session",
			      "this request was authenticated by a bearer token, not a web session; revoke a token "
			      "with DELETE /api/v1/tokens/{id}");
		return;
	}
	server_write(rq, logout_run, logout_respond);
}

static int logout_all_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct acct_state *s = rq->state;

	return (s->count = rl_web_session_end_all(db, rq->user.id, err)) < 0 ? -1 : 0;
}

static void logout_all_respond(struct request *rq)
{
	struct acct_state *s = rq->state;

	if (rq->job.result < 0) {
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "signout.everywhere", "ok", "\"ended\":%d", s->count);
	reply_json(rq, 200, json_pack("{s:i}", "ended", s->count));
	if (rq->web_session)
		session_cookie_clear(rq);
}

void h_session_logout_all(struct request *rq)
{
	if (!state_new(rq))
		return;
	server_write(rq, logout_all_run, logout_all_respond);
}

void h_web_sessions_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_web_session_list(server_db(), rq->user.id, rq->web_session, &err);

	reply_items(rq, items, &err);
}

static int web_session_delete_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;

	return rl_web_session_end(db, rq->user.id, rq->param, err);
}

static void web_session_delete_respond(struct request *rq)
{
	if (rq->job.result < 0) {
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "signout", "ok", "\"web_session\":%lld", (long long)rq->param);
	reply_json(rq, 200, json_pack("{s:I,s:b}", "id", (json_int_t)rq->param, "ended", 1));
	if (rq->param == rq->web_session)
		session_cookie_clear(rq);
}

void h_web_sessions_delete(struct request *rq)
{
	server_write(rq, web_session_delete_run, web_session_delete_respond);
}
