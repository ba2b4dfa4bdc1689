/*
 * routes_sessions.c - /api/v1/sessions: a trainee logs a session; anyone
 * lists and reads the sessions they may see; a trainee edits (PATCH) or
 * withdraws (DELETE) their own pending session, naming the version they
 * read (If-Match: its ETag).  Records a caller may not see answer 404,
 * exactly as records that do not exist.  Replies that store a session
 * carry "warnings" about likely mistakes (rl_session_warnings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "server.h"
#include "domain/logbook.h"
#include "domain/notify.h"
#include "domain/sessions.h"
#include "base/util.h"

#include "base/banned.h"

struct create_state {
	struct rl_session_new s;
	int64_t id;
	struct rl_session_logged logged; /* POST: what the writer's transaction stored and saw */
	json_t *stored;    /* the session as committed: POST builds it from logged, PATCH/DELETE read it back */
	json_t *warnings;
	json_t *merged;    /* PATCH: the body the parsed fields borrow from */
	long long expect;  /* PATCH/DELETE: the revision If-Match names */
	int withdraw;      /* DELETE */
};

static void create_state_free(void *v)
{
	struct create_state *cs = v;

	json_decref(cs->stored);
	json_decref(cs->warnings);
	json_decref(cs->merged);
	free(cs);
}

/* Reads back what was stored, and its warnings, in the same transaction. */
static int read_back(struct rl_db *db, struct create_state *cs, struct rl_error *err)
{
	json_decref(cs->stored); /* a run before this one, whose batch failed */
	json_decref(cs->warnings);
	cs->warnings = NULL;
	if (!(cs->stored = rl_session_load(db, cs->id, err)))
		return -1;
	if (cs->withdraw)
		return 0;
	cs->warnings = rl_session_warnings(db, cs->stored, err);
	return cs->warnings ? 0 : -1;
}

/* The writer stores the session and reads only what its reply needs; the reply is built on this thread. */
static int create_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct create_state *cs = rq->state;

	rl_now_rfc3339(cs->logged.created_at);
	cs->s.created_at = cs->logged.created_at;
	if (rl_logbook_log_session(db, &cs->s, &cs->logged.id, err) < 0)
		return -1;
	cs->id = cs->logged.id;
	return rl_session_logged_read(db, &cs->s, &cs->logged, err);
}

/* The reply to a stored session: the record with its warnings, and its ETag (the record is the reply's: one reply a request). */
static void reply_stored(struct request *rq, unsigned status)
{
	struct create_state *cs = rq->state;
	json_t *s = json_incref(cs->stored);
	char etag[48];

	rl_session_etag(s, etag, sizeof(etag));
	if (cs->warnings)
		json_object_set(s, "warnings", cs->warnings);
	reply_json(rq, status, s);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_ETAG, etag);
}

static void create_respond(struct request *rq)
{
	struct create_state *cs = rq->state;
	char loc[64];

	if (rq->job.result < 0) {
		audit(rq, "session.create", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	cs->stored = rl_session_logged_json(&cs->s, &cs->logged);
	cs->warnings = rl_session_facts_warnings(&cs->s, &cs->logged.facts);
	if (!cs->stored || !cs->warnings) { /* stored all the same: the client reads it with GET */
		audit(rq, "session.create", "ok", "\"session\":%lld,\"reply\":\"out of memory\"", (long long)cs->id);
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory building the reply to session %lld",
			      (long long)cs->id);
		return;
	}
	audit(rq, "session.create", "ok", "\"session\":%lld,\"warnings\":%zu", (long long)cs->id,
	      json_array_size(cs->warnings));
	reply_stored(rq, 201);
	snprintf(loc, sizeof(loc), "/api/v1/sessions/%lld", (long long)cs->id);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, loc);
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
	rq->state_free = create_state_free;
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

	if (s && !rl_session_visible(server_db(), &rq->user, s)) {
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
	{
		char etag[48];
		rl_session_etag(s, etag, sizeof(etag));
		reply_json(rq, 200, s);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_ETAG, etag);
	}
}

void h_sessions_list(struct request *rq)
{
	struct rl_session_filter f = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long trainee = 0, cursor = 0, limit = 50;
	const char *status = query_arg(rq, "status");
	int64_t next = 0;
	json_t *items;

	if (query_int(rq, "trainee", 1, INT64_MAX, &trainee) < 0 ||
	    query_int(rq, "cursor", 1, INT64_MAX, &cursor) < 0 ||
	    query_int(rq, "limit", 1, RL_LIST_MAX, &limit) < 0)
		return;
	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected") &&
	    strcmp(status, "withdrawn")) {
		rl_error_field(&err, "status", "must be pending, signed, rejected or withdrawn");
		reply_error(rq, &err);
		return;
	}
	f.trainee = trainee;
	f.status = status;
	f.before_id = cursor;
	f.limit = (int)limit;
	f.pending_for_me = query_arg(rq, "waiting_for_me") != NULL;
	items = rl_session_list(server_db(), &rq->user, &f, &next, &err);
	reply_page(rq, items, next, &err);
}

/* ------------------------------------------------------------ corrections */

/*
 * The revision named by If-Match.  A change needs the tag of the version
 * the client read ("REVISION-pending", from GET /sessions/{id}): without
 * one (or with "*", which names no version) the reply is 428 and -1 is
 * returned.  Tags of another form (weak ones, another status) name no
 * pending version: *rev is 0, which no session has, so the change fails 412.
 */
static int if_match_revision(struct request *rq, long long *rev)
{
	const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	const char *p;

	*rev = 0;
	for (p = h; p && (*p == ' ' || *p == '\t'); p++)
		;
	if (!p || !*p || *p == '*') {
		reply_problem_http(rq, 428, "precondition-required", "If-Match required",
				   "send If-Match with the session's ETag (from GET /api/v1/sessions/%lld) so that a change "
				   "made meanwhile is not overwritten", (long long)rq->param);
		return -1;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char tag[40];
		long long v;

		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		/* "N-pending" with its quotes. */
		if (n > 10 && n < sizeof(tag) && p[0] == '"' && memcmp(p + n - 9, "-pending\"", 9) == 0) {
			memcpy(tag, p + 1, n - 10);
			tag[n - 10] = '\0';
			if (tag[0] != '0' && tag[0] != '-' && rl_parse_int(tag, 1, INT64_MAX, &v) == 0) {
				*rev = v;
				return 0;
			}
		}
		if (!end)
			break;
		for (p = end + 1; *p == ' ' || *p == '\t'; p++)
			;
	}
	return 0;
}

/* The caller's own session as it stands: replies 404 when they may not see it, 403 when it is not theirs. */
static json_t *own_session(struct request *rq, const char *verb)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *s = rl_session_load(server_db(), rq->param, &err);

	if (s && !rl_session_visible(server_db(), &rq->user, s)) {
		json_decref(s);
		s = NULL;
		rl_error_set(&err, RL_E_NOTFOUND, "not-found", NULL, "no session %lld is visible to you",
			     (long long)rq->param);
	}
	if (s && json_integer_value(json_object_get(s, "trainee")) != rq->user.id) {
		json_decref(s);
		s = NULL;
		rl_error_set(&err, RL_E_FORBIDDEN, "forbidden", NULL,
			     "session %lld was logged by another trainee; only they may %s it", (long long)rq->param, verb);
	}
	if (!s) {
		audit(rq, strcmp(verb, "edit") == 0 ? "session.edit" : "session.withdraw", "refused", "\"session\":%lld",
		      (long long)rq->param);
		reply_error(rq, &err);
	}
	rl_error_clear(&err);
	return s;
}

static int update_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct create_state *cs = rq->state;
	json_t *before = rl_session_load(db, cs->id, err);
	int64_t was_trainer = before ? json_integer_value(json_object_get(before, "trainer")) : 0;

	json_decref(before);
	if (!before)
		return -1;
	/* The trainer(s) it concerns are told, in the same transaction (issue 17 item 2). */
	if (rl_logbook_update_session(db, rq->user.id, cs->id, cs->expect, cs->withdraw ? NULL : &cs->s, err) < 0 ||
	    rl_notify_corrected(db, cs->id, rq->user.id, was_trainer, 0, rl_config.public_url, time(NULL), err) < 0)
		return -1;
	return read_back(db, cs, err);
}

static void update_respond(struct request *rq)
{
	struct create_state *cs = rq->state;
	const char *event = cs->withdraw ? "session.withdraw" : "session.edit";

	if (rq->job.result < 0) {
		audit(rq, event, "failed", "\"session\":%lld,\"reason\":\"%s\"", (long long)cs->id, rq->job.err.type);
		if (strcmp(rq->job.err.type, "precondition-failed") == 0)
			reply_error_status(rq, &rq->job.err, 412);
		else
			reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, event, "ok", "\"session\":%lld", (long long)cs->id);
	reply_stored(rq, 200);
}

static void sessions_change(struct request *rq, int withdraw)
{
	struct create_state *cs;
	struct rl_error err = RL_ERROR_INIT;
	json_t *current;
	long long rev;

	if (if_match_revision(rq, &rev) < 0 || !(current = own_session(rq, withdraw ? "withdraw" : "edit")))
		return;
	if (!(cs = calloc(1, sizeof(*cs)))) {
		json_decref(current);
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = cs;
	rq->state_free = create_state_free;
	cs->id = rq->param;
	cs->expect = rev;
	cs->withdraw = withdraw;
	/* Checked here like a new log; the writer checks the status and revision again under its lock. */
	if (!withdraw && rl_session_parse_edit(server_db(), &rq->user, current, rq->json, &cs->merged, &cs->s, &err) < 0) {
		audit(rq, "session.edit", "invalid", "\"session\":%lld,\"fields\":%d", (long long)cs->id, err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		json_decref(current);
		return;
	}
	json_decref(current);
	server_write(rq, update_run, update_respond);
}

void h_sessions_patch(struct request *rq)
{
	sessions_change(rq, 0);
}

void h_sessions_delete(struct request *rq)
{
	sessions_change(rq, 1);
}
