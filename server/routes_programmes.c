/*
 * routes_programmes.c - /api/v1/programmes: admins create, rename and set
 * the reminder thresholds of programmes; everyone signed in may list them
 * (names and member counts, nothing personal); a person's membership
 * history is /api/v1/users/{id}/programmes.  Membership itself changes
 * through PATCH /api/v1/users/{id} {"programme": ID} and invitations.
 * The rules live in core/domain/programmes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codes.h"
#include "domain/programmes.h"
#include "domain/sessions.h"
#include "server.h"

#include "base/banned.h"

struct prog_state {
	struct rl_programme_in in;
	int64_t id;
};

static struct prog_state *prog_state(struct request *rq)
{
	struct prog_state *ps = calloc(1, sizeof(*ps));

	if (!ps) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return NULL;
	}
	rq->state = ps;
	rq->state_free = free;
	return ps;
}

void h_programmes_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_programmes_list(server_db(), &err);

	reply_page(rq, items, 0, &err);
}

static int create_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct prog_state *ps = rq->state;

	return rl_programme_create(db, &ps->in, rq->user.id, &ps->id, err);
}

static int update_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct prog_state *ps = rq->state;

	return rl_programme_update(db, ps->id, &ps->in, err);
}

static void respond(struct request *rq)
{
	struct prog_state *ps = rq->state;
	int creating = strcmp(rq->method, "POST") == 0;
	const char *event = creating ? "programme.create" : "programme.update";
	struct rl_error err = RL_ERROR_INIT;
	json_t *o;
	char loc[64];

	if (rq->job.result < 0) {
		audit(rq, event, "failed", "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, event, "ok", "\"programme\":%lld", (long long)ps->id);
	o = rl_programme_get(server_db(), ps->id, &err);
	if (!o) /* committed, not yet in this thread's snapshot */
		o = json_pack("{s:I}", "id", (json_int_t)ps->id);
	rl_error_clear(&err);
	reply_json(rq, creating ? 201 : 200, o);
	if (creating) {
		snprintf(loc, sizeof(loc), "/api/v1/programmes/%lld", (long long)ps->id);
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, loc);
	}
}

static void parse_and_write(struct request *rq, int creating)
{
	struct prog_state *ps = prog_state(rq);
	struct rl_error err = RL_ERROR_INIT;

	if (!ps)
		return;
	ps->id = rq->param;
	if (rl_programme_parse(rq->json, creating, &ps->in, &err) < 0) {
		audit(rq, creating ? "programme.create" : "programme.update", "invalid", "\"fields\":%d", err.nfields);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	server_write(rq, creating ? create_run : update_run, respond);
}

void h_programmes_create(struct request *rq)
{
	parse_and_write(rq, 1);
}

void h_programmes_patch(struct request *rq)
{
	parse_and_write(rq, 0);
}

void h_programmes_get(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = rl_programme_get(server_db(), rq->param, &err);

	if (!o) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, o);
}

/* A person's memberships: the person, an admin, or faculty who may see them (else 404). */
void h_user_programmes(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items;

	if (rq->param != rq->user.id && !(rq->user.roles & RL_ROLE_ADMIN) &&
	    !((rq->user.roles & RL_ROLE_FACULTY) && rl_trainee_visible(server_db(), &rq->user, rq->param))) {
		reply_problem(rq, RL_E_NOTFOUND, "not-found", "no user %lld is visible to you", (long long)rq->param);
		return;
	}
	items = rl_programme_history(server_db(), rq->param, &err);
	if (!items) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, json_pack("{s:I,s:o,s:n}", "user", (json_int_t)rq->param, "items", items, "next_cursor"));
}
