/*
 * routes_texts.c - DELETE /api/v1/ledger/entries/{id}/text: an
 * administrator, or faculty of the trainee's programme, erases a free text
 * kept beside a ledger entry (core/domain/erasure.h).  The signed entry,
 * the roots and every figure stay as they were; the audit log records who
 * erased what (never the text or the reason given).
 */
#include <stdlib.h>

#include "domain/erasure.h"
#include "server.h"

#include "base/banned.h"

struct erase_state {
	json_t *result;
};

static void erase_state_free(void *p)
{
	struct erase_state *es = p;

	json_decref(es->result);
	free(es);
}

static int erase_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct erase_state *es = rq->state;

	json_decref(es->result); /* a run before this one, whose batch failed */
	es->result = NULL;
	return rl_text_erase_request(db, &rq->user, rq->param, rq->json, &es->result, err);
}

static void erase_respond(struct request *rq)
{
	struct erase_state *es = rq->state;
	char *members;

	if (rq->job.result < 0) {
		audit(rq, "ledger.text.erase", NULL, "\"ledger_index\":%lld,\"reason\":\"%s\"", (long long)rq->param,
		      rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	members = json_dumps(json_object_get(es->result, "erased"), JSON_COMPACT);
	audit(rq, "ledger.text.erase", "ok", "\"ledger_index\":%lld,\"members\":%s", (long long)rq->param,
	      members ? members : "[]");
	free(members);
	reply_json(rq, 200, json_incref(es->result));
}

void h_ledger_text_delete(struct request *rq)
{
	struct erase_state *es = calloc(1, sizeof(*es));

	if (!es) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = es;
	rq->state_free = erase_state_free;
	server_write(rq, erase_run, erase_respond);
}
