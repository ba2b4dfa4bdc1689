/*
 * routes_progress.c - where trainees stand: one trainee's progress and
 * export, the faculty accreditation list, per-site summaries, and the
 * curricula and assessment tools they are measured with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/codes.h"
#include "domain/catalog.h"
#include "domain/curriculum.h"
#include "render/credential.h"
#include "render/export.h"
#include "render/portfolio.h"
#include "domain/progress.h"
#include "domain/sessions.h"
#include "domain/sitereport.h"
#include "server.h"
#include "domain/supervision.h"
#include "base/util.h"

#include "base/banned.h"

/* 1 if the caller may see this trainee: the rule of core/domain/sessions.c, shared with the ledger. */
static int may_see_trainee(struct request *rq, int64_t trainee)
{
	return rl_trainee_visible(server_db(), &rq->user, trainee);
}

static int trainee_guard(struct request *rq)
{
	if (may_see_trainee(rq, rq->param))
		return 0;
	reply_problem(rq, RL_E_NOTFOUND, "not-found", "no trainee %lld is visible to you", (long long)rq->param);
	return -1;
}

/* A reply whose cached rows failed their check: the ledger's figures, served once the rows are repaired. */
struct repair_state {
	json_t *reply;  /* the ledger's figures (progress), or NULL */
	json_t *stale;  /* the trainee ids to repair */
	json_t *drift;  /* what the repair found: {"trainee","requirement","cache","ledger"} each */
};

static void repair_state_free(void *p)
{
	struct repair_state *s = p;

	if (!s)
		return;
	json_decref(s->reply);
	json_decref(s->stale);
	json_decref(s->drift);
	free(s);
}

static int repair_run(struct rl_db *db, struct rl_job *job, struct rl_error *err);

/* Hands the repair of the state's trainees to the writer; respond runs after it. */
static void repair_then(struct request *rq, json_t *reply, json_t *stale, void (*respond)(struct request *rq))
{
	struct repair_state *s = calloc(1, sizeof(*s));

	if (!s) {
		json_decref(reply);
		json_decref(stale);
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	s->reply = reply;
	s->stale = stale;
	s->drift = json_array();
	rq->state = s;
	rq->state_free = repair_state_free;
	server_write(rq, repair_run, respond);
}

static int repair_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct repair_state *s = rq->state;
	json_t *v;
	size_t i;

	json_array_clear(s->drift); /* a run before this one, whose batch failed */
	json_array_foreach(s->stale, i, v)
		if (rl_progress_repair(db, json_integer_value(v), s->drift, err) < 0)
			return -1;
	return 0;
}

void server_repair_then(struct request *rq, json_t *stale, void (*respond)(struct request *rq))
{
	repair_then(rq, NULL, stale, respond);
}

/* Each difference the repair found is a figures.drift audit event, as at start-up. */
void server_record_drift(struct request *rq)
{
	struct repair_state *s = rq->state;
	json_t *v;
	size_t i;

	if (rq->job.result < 0)
		fprintf(stderr, "raslogd: cannot rebuild cached figures that differ from the ledger: %s\n",
			rq->job.err.detail);
	json_array_foreach(s->drift, i, v)
		audit_drift(v);
}

static void progress_repaired(struct request *rq)
{
	struct repair_state *s = rq->state;

	server_record_drift(rq);
	reply_json(rq, 200, json_incref(s->reply));
}

void h_progress(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_buf cached = RL_BUF_INIT, json = RL_BUF_INIT, packed = RL_BUF_INIT;
	unsigned long long gen;
	int stale = 0;
	json_t *doc = NULL;

	/* Who may see it is checked on every request; only the figures are cached. */
	if (trainee_guard(rq) < 0)
		return;
	if (cache_get(CACHE_PROGRESS, rq->param, &cached)) {
		/* The figures as they were computed, written out again (domain/progress.h). */
		int rc = rl_progress_reply_unpack(server_db(), cached.data, cached.len, &json, &err);

		rl_buf_release(&cached);
		if (rc == 0) {
			reply_buf(rq, 200, "application/json", &json);
			return;
		}
		rl_error_clear(&err);
		rl_buf_release(&json); /* computed below instead */
	}
	gen = cache_generation(); /* taken before reading, so a write during the read invalidates it */
	if (rl_progress_reply(server_db(), rq->param, &json, &packed, &stale, &doc, &err) < 0) {
		rl_buf_release(&json);
		rl_buf_release(&packed);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	if (stale) {
		/* The cached rows failed their seals: doc is the ledger's figures; repair the rows, then reply. */
		rl_buf_release(&json);
		rl_buf_release(&packed);
		repair_then(rq, doc, json_pack("[I]", (json_int_t)rq->param), progress_repaired);
		return;
	}
	if (packed.len)
		cache_put(CACHE_PROGRESS, rq->param, gen, packed.data, packed.len);
	rl_buf_release(&packed);
	reply_buf(rq, 200, "application/json", &json);
}

/*
 * The full report with the evidence behind every figure (the ledger
 * indexes of each requirement's evidence, the assessments, the pending
 * claims): computed from the trainee's ledger entries on each request, so
 * it costs O(their sessions); the progress reply above is the figures alone.
 */
void h_evidence(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *p;

	if (trainee_guard(rq) < 0)
		return;
	if (!(p = rl_progress_report(server_db(), rq->param, &err))) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, p);
}

/* Replies with the credential make() builds for the {id} in the path. */
static void reply_credential(struct request *rq,
			     json_t *(*make)(struct rl_db *, int64_t, const struct rl_issuer *, struct rl_error *))
{
	struct rl_error err = RL_ERROR_INIT;
	char base[300];
	struct rl_issuer iss = { base, server_ctx.programme_name };
	json_t *c;

	request_base_url(rq, base, sizeof(base));
	c = make(server_db(), rq->param, &iss, &err);
	if (!c) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, c);
	MHD_del_response_header(rq->response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/vc+ld+json");
}

void h_export(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *format = query_arg(rq, "format");

	/* Audited whatever happens; an error reply turns the "ok" into its real outcome (audit.c). */
	audit(rq, "export", "ok", "\"trainee\":%lld,\"format\":\"%s\"", (long long)rq->param,
	      !format ? "json" : !strcmp(format, "csv") ? "csv" : !strcmp(format, "pdf") ? "pdf"
	      : !strcmp(format, "credential") ? "credential" : !strcmp(format, "json") ? "json" : "other");
	/*
	 * A trainer sees progress, but the full export is the trainee's own
	 * data and their programme's faculty's.  Whoever may see the trainee
	 * (their trainers) already knows they exist, so is told who may export
	 * (403); anyone else gets the same 404 as for a trainee who does not
	 * exist.
	 */
	if (!(((rq->user.roles & RL_ROLE_FACULTY) && may_see_trainee(rq, rq->param)) || rq->user.id == rq->param)) {
		if (!(rq->user.roles & RL_ROLE_FACULTY) && may_see_trainee(rq, rq->param))
			reply_problem(rq, RL_E_FORBIDDEN, "forbidden",
				      "only trainee %lld themself and faculty may export their records; as their trainer "
				      "you see their progress at /api/v1/trainees/%lld/progress",
				      (long long)rq->param, (long long)rq->param);
		else
			reply_problem(rq, RL_E_NOTFOUND, "not-found", "no trainee %lld is visible to you", (long long)rq->param);
		return;
	}
	if (!format || strcmp(format, "json") == 0) {
		json_t *j = rl_export_json(server_db(), rq->param, &err);
		if (!j) {
			reply_error(rq, &err);
			rl_error_clear(&err);
			return;
		}
		reply_json(rq, 200, j);
	} else if (strcmp(format, "csv") == 0) {
		struct rl_buf b;
		char disp[96];
		rl_buf_init(&b, 256u << 20);
		if (rl_export_csv(server_db(), rq->param, &b, &err) < 0) {
			rl_buf_release(&b);
			reply_error(rq, &err);
			rl_error_clear(&err);
			return;
		}
		reply_buf(rq, 200, "text/csv; charset=utf-8; header=present", &b);
		snprintf(disp, sizeof(disp), "attachment; filename=\"raslog-trainee-%lld.csv\"", (long long)rq->param);
		MHD_add_response_header(rq->response, "Content-Disposition", disp);
	} else if (strcmp(format, "credential") == 0) {
		reply_credential(rq, rl_credential_for_trainee);
	} else if (strcmp(format, "pdf") == 0) {
		struct rl_buf b;
		char url[400], base[300];
		request_base_url(rq, base, sizeof(base));
		/* The web page's route for a trainee (web/app.js routes "#/NAME/PARAM"). */
		snprintf(url, sizeof(url), "%s/#/trainee/%lld", base, (long long)rq->param);
		rl_buf_init(&b, 64u << 20);
		if (rl_portfolio_pdf(server_db(), rq->param, url, server_ctx.programme_name, &b, &err) < 0) {
			rl_buf_release(&b);
			reply_error(rq, &err);
			rl_error_clear(&err);
			return;
		}
		reply_buf(rq, 200, "application/pdf", &b);
	} else {
		rl_error_field(&err, "format", "must be csv, json, pdf or credential");
		reply_error(rq, &err);
	}
}

static void accreditation_repaired(struct request *rq);

/* may_repair: rows that fail their check are repaired and the list asked again once (else 503). */
static void accreditation_reply(struct request *rq, int may_repair)
{
	struct rl_accreditation_filter f = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long cursor = 0, limit = 50;
	const char *sort, *status;
	struct rl_buf out = RL_BUF_INIT;
	json_t *stale;

	if (query_int(rq, "cursor", 0, INT64_MAX, &cursor) < 0 || query_int(rq, "limit", 1, RL_LIST_MAX_ACC, &limit) < 0)
		return;
	f.site = query_arg(rq, "site");
	f.curriculum = query_arg(rq, "curriculum");
	status = query_arg(rq, "status");
	f.search = query_arg(rq, "q");
	sort = query_arg(rq, "sort");
	if (status && *status && strcmp(status, "in_training") && strcmp(status, "eligible") &&
	    strcmp(status, "accredited") && strcmp(status, "lapsed")) {
		rl_error_field(&err, "status", "must be in_training, eligible, accredited or lapsed");
		reply_error(rq, &err);
		return;
	}
	if (sort && *sort && strcmp(sort, "name") && strcmp(sort, "-name") && strcmp(sort, "progress") &&
	    strcmp(sort, "-progress") && strcmp(sort, "status")) {
		rl_error_field(&err, "sort", "must be name, -name, progress, -progress or status");
		reply_error(rq, &err);
		return;
	}
	f.status = status && *status ? status : NULL;
	f.sort = sort && *sort ? sort : NULL;
	if (f.site && !*f.site)
		f.site = NULL;
	if (f.curriculum && !*f.curriculum)
		f.curriculum = NULL;
	if (f.search && !*f.search)
		f.search = NULL;
	f.after = cursor;
	f.limit = (int)limit;
	f.scope = &rq->user;
	stale = json_array();
	if (rl_accreditation_list(server_db(), &f, stale, &out, &err) < 0) {
		rl_buf_release(&out);
		if (may_repair && json_array_size(stale)) {
			rl_error_clear(&err);
			repair_then(rq, NULL, stale, accreditation_repaired);
			return;
		}
		json_decref(stale);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	json_decref(stale);
	rl_error_clear(&err); /* (a count that failed reads as none, as before) */
	/* out carries "sites" too (the values the site filter matches), read in the list's transaction. */
	reply_buf(rq, 200, "application/json", &out);
}

static void accreditation_repaired(struct request *rq)
{
	server_record_drift(rq);
	accreditation_reply(rq, 0);
}

void h_accreditation(struct request *rq)
{
	accreditation_reply(rq, 1);
}

void h_curricula(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *items = rl_curricula_list(server_db(), &err);

	reply_page(rq, items, 0, &err);
}

void h_tools(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	const struct rl_tools *tools = rl_tools_default(&err);
	json_t *items = json_array();

	if (!tools) {
		json_decref(items);
		reply_error(rq, &err);
		return;
	}
	for (size_t i = 0; i < rl_tools_count(tools); i++) {
		const struct rl_tool *t = rl_tools_at(tools, i);
		json_t *domains = json_array();
		for (size_t d = 0; d < rl_tool_domain_count(t); d++)
			json_array_append_new(domains, json_pack("{s:s,s:s}", "id", rl_tool_domain_id(t, d),
								 "title", rl_tool_domain_title(t, d)));
		json_array_append_new(items, json_pack("{s:s,s:s,s:i,s:i,s:o}", "id", rl_tool_id(t), "title",
						       rl_tool_title(t), "min", rl_tool_min(t), "max", rl_tool_max(t),
						       "domains", domains));
	}
	reply_json(rq, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

void h_sites(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *format = query_arg(rq, "format");
	int csv = format && strcmp(format, "csv") == 0;
	json_t *items, *v;

	if (format && !csv && strcmp(format, "json") != 0) {
		rl_error_field(&err, "format", "must be json or csv");
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	/* core/domain/sitereport.c: from the signed ledger, for the trainees the caller's programmes hold. */
	if (!(items = rl_site_report(server_db(), &rq->user, &err))) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	if (csv) {
		/* One row per site, month, activity and platform, as the JSON's rows. */
		static const char *const cols[] = { "month", "activity", "platform", "signed_minutes", "sessions", "trainees",
						    "trainers", NULL };
		struct rl_buf b = RL_BUF_INIT;
		size_t i, j;
		json_t *r;
		rl_buf_puts(&b, "site,month,activity,platform,signed_minutes,sessions,trainees,trainers\r\n");
		json_array_foreach(items, i, v) {
			json_array_foreach(json_object_get(v, "rows"), j, r) {
				rl_csv_cell(&b, json_string_value(json_object_get(v, "site")));
				for (const char *const *c = cols; *c; c++) {
					json_t *x = json_object_get(r, *c);
					char num[32];
					rl_buf_puts(&b, ",");
					if (json_is_integer(x)) {
						snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(x));
						rl_csv_cell(&b, num);
					} else {
						rl_csv_cell(&b, json_string_value(x) ? json_string_value(x) : "");
					}
				}
				rl_buf_puts(&b, "\r\n");
			}
		}
		json_decref(items);
		reply_buf(rq, 200, "text/csv; charset=utf-8; header=present", &b);
		return;
	}
	reply_json(rq, 200, json_pack("{s:o,s:n}", "items", items, "next_cursor"));
}

void h_credential_status(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	char base[300];
	json_t *list;

	request_base_url(rq, base, sizeof(base));
	list = rl_credential_status_list(server_db(), base, &err);
	if (!list) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, list);
}

void h_trainer_credential(struct request *rq)
{
	reply_credential(rq, rl_credential_for_trainer);
}
