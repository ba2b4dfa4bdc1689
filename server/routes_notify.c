/*
 * routes_notify.c - GET and PUT /api/v1/me/notifications: which email the
 * signed-in person receives (core/domain/notify.h): {"reminders": bool,
 * "decisions": bool, "digest": bool}.  PUT takes one or more of them;
 * the ones left out keep their value.
 */
#include <stdlib.h>

#include "domain/notify.h"
#include "server.h"

#include "base/banned.h"

struct prefs_state {
	int want[RL_NOTIFY_KINDS];
	json_t *result;
};

static void prefs_state_free(void *p)
{
	struct prefs_state *s = p;

	json_decref(s->result);
	free(s);
}

void h_notify_prefs_get(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = rl_notify_prefs_get(server_db(), rq->user.id, &err);

	if (!o) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, o);
}

static int prefs_put_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct prefs_state *s = rq->state;

	json_decref(s->result); /* a run before this one, whose batch failed */
	s->result = NULL;
	return rl_notify_prefs_put(db, rq->user.id, s->want, &s->result, err);
}

static void prefs_put_respond(struct request *rq)
{
	struct prefs_state *s = rq->state;
	json_t *o = s->result;

	if (rq->job.result < 0) {
		audit(rq, "notifications.update", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "notifications.update", "ok", "\"reminders\":%s,\"decisions\":%s,\"digest\":%s",
	      json_is_true(json_object_get(o, "reminders")) ? "true" : "false",
	      json_is_true(json_object_get(o, "decisions")) ? "true" : "false",
	      json_is_true(json_object_get(o, "digest")) ? "true" : "false");
	reply_json(rq, 200, json_incref(o));
}

void h_notify_prefs_put(struct request *rq)
{
	struct prefs_state *s = calloc(1, sizeof(*s));
	struct rl_error err = RL_ERROR_INIT;

	if (!s) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = s;
	rq->state_free = prefs_state_free;
	if (rl_notify_prefs_parse(rq->json, s->want, &err) < 0) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	server_write(rq, prefs_put_run, prefs_put_respond);
}
