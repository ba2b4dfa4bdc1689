/*
 * routes_signoff.c - /api/v1/signoffs and /api/v1/keys: signed statements
 * and the keys that sign them.  The signature is checked on the HTTP
 * thread, and a session_signoff's statement against the session as a
 * reader sees it (rl_signoff_precheck); everything that needs the records
 * runs in the writer's transaction (core/domain/signoff.c), which confirms
 * what the reader saw is still true, so two sign-offs of one session can
 * never both succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codes.h"
#include "config.h"
#include "ledger/ledger.h"
#include "domain/notify.h"
#include "server.h"
#include "domain/signoff.h"
#include "domain/statements.h"

#include "base/banned.h"

/* A sign-off request's state: the statement, and the receipt the writer fills after its batch's seal. */
struct signoff_state {
	struct rl_signoff so;
	struct rl_ledger_receipt receipt;
};

static void signoff_free(void *p)
{
	struct signoff_state *s = p;

	rl_signoff_release(&s->so);
	free(s);
}

static int signoff_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct signoff_state *s = rq->state;
	int rc;

	s->receipt.index = -1; /* a run before this one, whose batch failed, left its own */
	s->receipt.tree_size = 0;
	/* rl_signoff_apply, and the trainee's mail queued in the same transaction. */
	rc = rl_notify_signoff(db, &rq->user, &s->so, rl_config.public_url, err);
	if (rc == 0)
		s->receipt.index = s->so.ledger_index;
	return rc;
}

static void signoff_respond(struct request *rq)
{
	struct signoff_state *s = rq->state;
	struct rl_signoff *so = &s->so;
	struct rl_error err = RL_ERROR_INIT;
	json_t *head, *proof, *out, *signed_st;

	if (rq->job.result < 0) {
		audit(rq, "signoff", "refused", "\"type\":\"%s\",\"reason\":\"%s\"",
		      rl_stmt_type_safe(so->statement), rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, "signoff", "ok", "\"type\":\"%s\",\"ledger_index\":%lld", rl_stmt_type_safe(so->statement),
	      (long long)so->ledger_index);
	/* The receipt of the batch's seal; read as before only if the writer could not make it. */
	if (s->receipt.tree_size > 0) {
		head = rl_ledger_receipt_head(&s->receipt);
		proof = rl_ledger_receipt_proof(&s->receipt);
	} else {
		head = rl_ledger_head(server_db(), &err);
		proof = head ? rl_ledger_inclusion(server_db(), so->ledger_index,
						   json_integer_value(json_object_get(head, "tree_size")), &err) : NULL;
	}
	/* The statement as signed (a version 2 one commits to its texts, which come beside it). */
	signed_st = so->message ? json_loadb(so->message + strlen(RL_STATEMENT_PREFIX),
					     so->message_len - strlen(RL_STATEMENT_PREFIX), 0, NULL) : NULL;
	out = json_pack("{s:I,s:s,s:o}", "ledger_index", (json_int_t)so->ledger_index, "type",
			rl_stmt_type_safe(so->statement), "statement", signed_st ? signed_st : json_incref(so->statement));
	if (so->texts)
		json_object_set(out, "texts", so->texts);
	if (head)
		json_object_set_new(out, "tree_head", head);
	if (proof)
		json_object_set_new(out, "inclusion_proof", proof);
	rl_error_clear(&err);
	reply_json(rq, 201, out);
}

void h_signoffs_create(struct request *rq)
{
	struct signoff_state *s = calloc(1, sizeof(*s));
	struct rl_error err = RL_ERROR_INIT;

	if (!s) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	rq->state = s;
	rq->state_free = signoff_free;
	if (rl_signoff_check(&rq->user, rq->json, &s->so, &err) < 0) {
		audit(rq, "signoff", "refused", "\"reason\":\"%s\"", err.type);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	/* What a reader can check is checked here, and only confirmed by the writer. */
	rl_signoff_precheck(server_db(), &s->so);
	rq->job.receipt = &s->receipt;
	server_write(rq, signoff_run, signoff_respond);
}

/* Keys: register, list, revoke. */

struct key_state {
	json_t *result;
	int64_t id;
};

static void key_state_free(void *p)
{
	struct key_state *ks = p;
	json_decref(ks->result);
	free(ks);
}

static int key_register_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct key_state *ks = rq->state;

	json_decref(ks->result); /* a run before this one, whose batch failed */
	ks->result = NULL;
	return rl_key_register(db, &rq->user, rq->json, server_ctx.public_url, &ks->result, err);
}

static int key_revoke_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct key_state *ks = rq->state;

	json_decref(ks->result);
	ks->result = NULL;
	return rl_key_revoke(db, &rq->user, ks->id, &ks->result, err);
}

static void key_respond(struct request *rq)
{
	struct key_state *ks = rq->state;
	int creating = strcmp(rq->method, "POST") == 0;

	if (rq->job.result < 0) {
		audit(rq, creating ? "key.register" : "key.revoke", NULL, "\"reason\":\"%s\"", rq->job.err.type);
		reply_error(rq, &rq->job.err);
		return;
	}
	audit(rq, creating ? "key.register" : "key.revoke", "ok", "\"key\":%lld",
	      (long long)json_integer_value(json_object_get(ks->result, "id")));
	reply_json(rq, creating ? 201 : 200, json_incref(ks->result));
}

static struct key_state *key_state(struct request *rq)
{
	struct key_state *ks = calloc(1, sizeof(*ks));

	if (ks) {
		rq->state = ks;
		rq->state_free = key_state_free;
	} else {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
	}
	return ks;
}

void h_keys_create(struct request *rq)
{
	if (key_state(rq))
		server_write(rq, key_register_run, key_respond);
}

void h_keys_delete(struct request *rq)
{
	struct key_state *ks = key_state(rq);

	if (!ks)
		return;
	ks->id = rq->param;
	server_write(rq, key_revoke_run, key_respond);
}

void h_keys_list(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	long long user = rq->user.id;
	json_t *items;

	if (query_int(rq, "user", 1, INT64_MAX, &user) < 0)
		return;
	/* Public keys are public, but only faculty look at other people's. */
	if (user != rq->user.id && !(rq->user.roles & RL_ROLE_FACULTY)) {
		reply_problem(rq, RL_E_FORBIDDEN, "forbidden", "only faculty may list another user's keys");
		return;
	}
	items = rl_key_list(server_db(), user, &err);
	reply_page(rq, items, 0, &err);
}

void h_trainers(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_trainer_list(server_db(), &err);

	reply_page(rq, items, 0, &err);
}
