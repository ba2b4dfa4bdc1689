/*
 * routes_assign.c - /api/v1/assignments: faculty assign trainees to
 * trainers (core/domain/supervision.h).  Faculty and admins write; everyone sees
 * the assignments that name them.  An assignment is an administrative
 * relation kept in a table, not a signed statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "domain/supervision.h"

#include "base/banned.h"

struct assign_state {
	json_t *result;
	int64_t id;
};

static void assign_state_free(void *p)
{
	struct assign_state *as = p;

	json_decref(as->result);
	free(as);
}

static struct assign_state *assign_state(struct request *rq)
{
	struct assign_state *as = calloc(1, sizeof(*as));

	if (as) {
		rq->state = as;
		rq->state_free = assign_state_free;
	} else {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
	}
	return as;
}

static int add_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct assign_state *as = rq->state;

	json_decref(as->result); /* a run before this one, whose batch failed */
	as->result = NULL;
	return rl_assignment_add(db, &rq->user, rq->json, &as->result, err);
}

static int remove_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct assign_state *as = rq->state;

	json_decref(as->result);
	as->result = NULL;
	return rl_assignment_remove(db, &rq->user, as->id, &as->result, err);
}

static void assign_respond(struct request *rq)
{
	struct assign_state *as = rq->state;
	int creating = strcmp(rq->method, "POST") == 0;
	const char *event = creating ? "assignment.create" : "assignment.delete";

	if (rq->job.result < 0) {
		audit(rq, event, "refused", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, event, "ok", "\"assignment\":%lld,\"trainer\":%lld,\"trainee\":%lld",
	      (long long)json_integer_value(json_object_get(as->result, "id")),
	      (long long)json_integer_value(json_object_get(as->result, "trainer")),
	      (long long)json_integer_value(json_object_get(as->result, "trainee")));
	reply_json(rq, creating ? 201 : 200, json_incref(as->result));
}

void h_assignments_create(struct request *rq)
{
	if (assign_state(rq))
		server_write(rq, add_run, assign_respond);
}

void h_assignments_delete(struct request *rq)
{
	struct assign_state *as = assign_state(rq);

	if (!as)
		return;
	as->id = rq->param;
	server_write(rq, remove_run, assign_respond);
}

void h_assignments_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	long long trainer = 0, trainee = 0;
	json_t *items;

	if (query_int(rq, "trainer", 1, INT64_MAX, &trainer) < 0 ||
	    query_int(rq, "trainee", 1, INT64_MAX, &trainee) < 0)
		return;
	items = rl_assignment_list(server_db(), &rq->user, trainer, trainee, &err);
	reply_page(rq, items, 0, &err);
}
