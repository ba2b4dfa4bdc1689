/*
 * routes_sessions.c - /api/v1/sessions: a trainee logs a session; anyone
 * lists and reads the sessions they may see.  Records a caller may not
 * see answer 404, exactly as records that do not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "sessions.h"

#include "banned.h"

struct create_state {
	struct rl_session_new s;
	int64_t id;
};

static int create_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct create_state *cs = rq->state;

	return rl_session_insert(db, &cs->s, &cs->id, err);
}

static void create_respond(struct request *rq)
{
	struct create_state *cs = rq->state;
	struct rl_error err = RL_ERROR_INIT;
	json_t *s;

	if (rq->job.result < 0) {
		audit(rq, "session.create", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "session.create", "ok", "\"session\":%lld", (long long)cs->id);
	s = rl_session_load(server_db(), cs->id, &err);
	if (!s) {
		/* Committed but not yet visible to this thread's snapshot: answer from what we stored. */
		s = json_pack("{s:I,s:s}", "id", (json_int_t)cs->id, "status", "pending");
	}
	rl_error_clear(&err);
	{
		char loc[64];
		snprintf(loc, sizeof(loc), "/api/v1/sessions/%lld", (long long)cs->id);
		reply_json(rq, 201, s);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, loc);
	}
}

void h_sessions_create(struct request *rq)
{
	struct create_state *cs = calloc(1, sizeof(*cs));
	struct rl_error err = RL_ERROR_INIT;

	if (!cs) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = cs;
	rq->state_free = free;
	if (rl_session_parse(server_db(), &rq->user, rq->json, &cs->s, &err) < 0) {
		audit(rq, "session.create", "invalid", "\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	server_write(rq, create_run, create_respond);
}

void h_sessions_get(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *s = rl_session_load(server_db(), rq->param, &err);

	if (s && !rl_session_visible(&rq->user, s)) {
		json_decref(s);
		s = NULL;
		rl_error_set(&err, RL_E_NOTFOUND, "not-found", NULL, "no session %lld is visible to you",
			     (long long)rq->param);
	}
	if (!s) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, s);
}

void h_sessions_list(struct request *rq)
{
	struct rl_session_filter f = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long trainee = 0, cursor = 0, limit = 50;
	const char *status = query_arg(rq, "status");
	int64_t next = 0;
	json_t *items, *out;

	if (query_int(rq, "trainee", 1, INT64_MAX, &trainee) < 0 ||
	    query_int(rq, "cursor", 1, INT64_MAX, &cursor) < 0 ||
	    query_int(rq, "limit", 1, RL_LIST_MAX, &limit) < 0)
		return;
	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected")) {
		rl_error_field(&err, "status", "must be pending, signed or rejected");
		reply_error(rq, &err);
		return;
	}
	f.trainee = trainee;
	f.status = status;
	f.before_id = cursor;
	f.limit = (int)limit;
	f.pending_for_me = query_arg(rq, "waiting_for_me") != NULL;
	items = rl_session_list(server_db(), &rq->user, &f, &next, &err);
	if (!items) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	out = json_pack("{s:o}", "items", items);
	if (next) {
		char c[24];
		snprintf(c, sizeof(c), "%lld", (long long)next);
		json_object_set_new(out, "next_cursor", json_string(c));
	} else {
		json_object_set_new(out, "next_cursor", json_null());
	}
	reply_json(rq, 200, out);
}
