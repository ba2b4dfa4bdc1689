/*
 * routes_imports.c - /api/v1/imports: a trainee uploads a simulator
 * attempts file naming a trainer; the trainee, that trainer and faculty
 * read it; the trainer countersigns it through POST /api/v1/signoffs
 * (statement type "simulator_import").  The file is parsed on the HTTP
 * thread; only the insert runs in the writer.  Imports a caller may not
 * see answer 404, like ones that do not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/imports.h"
#include "server.h"

#include "base/banned.h"

struct import_state {
	struct rl_import_new n;
	int64_t id;
};

static void import_state_free(void *p)
{
	struct import_state *is = p;

	rl_import_new_release(&is->n);
	free(is);
}

static int import_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct import_state *is = rq->state;

	return rl_import_insert(db, &is->n, &is->id, err);
}

static void import_respond(struct request *rq)
{
	struct import_state *is = rq->state;
	struct rl_error err = RL_ERROR_INIT;
	char loc[64];
	json_t *o;

	if (rq->job.result < 0) {
		audit(rq, "import.create", "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "import.create", "ok", "\"import\":%lld", (long long)is->id);
	o = rl_import_load(server_db(), is->id, 0, &err);
	if (!o) /* committed but not yet in this thread's snapshot */
		o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "id", (json_int_t)is->id, "kind",
			      is->n.elogbook ? "elogbook" : is->n.certificate ? "certificate" : "simulator", "status",
			      "pending", "sha256", is->n.sha256, "trainer", (json_int_t)is->n.trainer, "attempts",
			      (json_int_t)json_array_size(is->n.attempts));
	rl_error_clear(&err);
	snprintf(loc, sizeof(loc), "/api/v1/imports/%lld", (long long)is->id);
	reply_json(rq, 201, o);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, loc);
}

void h_imports_create(struct request *rq)
{
	struct import_state *is = calloc(1, sizeof(*is));
	struct rl_error err = RL_ERROR_INIT;

	if (!is) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = is;
	rq->state_free = import_state_free;
	if (rl_import_prepare(server_db(), &rq->user, rq->json, time(NULL), &is->n, &err) < 0) {
		audit(rq, "import.create", "invalid", "\"reason\":\"%s\"", err.type);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	server_write(rq, import_run, import_respond);
}

void h_imports_get(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = rl_import_load(server_db(), rq->param, 1, &err);

	if (o && !rl_import_may_see(server_db(), &rq->user, o)) {
		json_decref(o);
		o = NULL;
		rl_error_set(&err, RL_E_NOTFOUND, "not-found", NULL, "no import %lld is visible to you", (long long)rq->param);
	}
	if (!o) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, o);
}

void h_imports_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *status = query_arg(rq, "status");
	json_t *items;

	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected")) {
		rl_error_field(&err, "status", "must be pending, signed or rejected");
		reply_error(rq, &err);
		return;
	}
	items = rl_import_list(server_db(), &rq->user, status, &err);
	reply_items(rq, items, &err);
}
