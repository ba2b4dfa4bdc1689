/*
 * routes_oversight.c - /api/v1/oversight/{trainers,agreement,stuck}: the
 * faculty's oversight figures (core/domain/oversight.h) as JSON, or as CSV
 * with ?format=csv (one header row; the columns are listed in docs/api.md).
 * Everything is limited to the caller's programmes by the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "domain/oversight.h"
#include "render/export.h"
#include "domain/progress.h"
#include "server.h"

#include "base/banned.h"

/* One CSV cell from a JSON value: integers, reals, strings, {name} objects, arrays joined with ';'. */
static void cell(struct rl_buf *b, const json_t *v)
{
	char num[64];

	if (!v || json_is_null(v)) {
		rl_csv_cell(b, "");
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		rl_csv_cell(b, num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.4f", json_real_value(v));
		rl_csv_cell(b, num);
	} else if (json_is_boolean(v)) {
		rl_csv_cell(b, json_is_true(v) ? "true" : "false");
	} else if (json_is_string(v)) {
		rl_csv_cell(b, json_string_value(v));
	} else if (json_is_object(v)) {
		cell(b, json_object_get(v, "name"));
	} else if (json_is_array(v)) {
		struct rl_buf j = RL_BUF_INIT;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (i)
				rl_buf_puts(&j, ";");
			rl_buf_puts(&j, json_is_string(x) ? json_string_value(x) : "");
		}
		rl_csv_cell(b, j.data ? j.data : "");
		rl_buf_release(&j);
	}
}

/* rows as CSV with these columns (a column "a.b" reads member b of member a). */
static void reply_csv(struct request *rq, const json_t *rows, const char *const *cols)
{
	struct rl_buf b = RL_BUF_INIT;
	size_t i;
	json_t *row;

	for (const char *const *c = cols; *c; c++) {
		if (c != cols)
			rl_buf_puts(&b, ",");
		rl_csv_cell(&b, *c);
	}
	rl_buf_puts(&b, "\r\n");
	json_array_foreach(rows, i, row) {
		for (const char *const *c = cols; *c; c++) {
			const char *dot = strchr(*c, '.');
			json_t *v;
			if (c != cols)
				rl_buf_puts(&b, ",");
			if (dot) {
				char outer[64];
				snprintf(outer, sizeof(outer), "%.*s", (int)(dot - *c), *c);
				v = json_object_get(json_object_get(row, outer), dot + 1);
			} else {
				v = json_object_get(row, *c);
			}
			cell(&b, v);
		}
		rl_buf_puts(&b, "\r\n");
	}
	reply_buf(rq, 200, "text/csv; charset=utf-8; header=present", &b);
}

/* 1 for CSV, 0 for JSON, -1 after replying 400. */
static int want_csv(struct request *rq)
{
	const char *f = query_arg(rq, "format");
	struct rl_error err = RL_ERROR_INIT;

	if (!f || strcmp(f, "json") == 0)
		return 0;
	if (strcmp(f, "csv") == 0)
		return 1;
	rl_error_field(&err, "format", "must be json or csv");
	reply_error(rq, &err);
	rl_error_clear(&err);
	return -1;
}

static int opts_of(struct request *rq, struct rl_oversight_opts *o)
{
	long long days = 0;

	memset(o, 0, sizeof(*o));
	if (query_int(rq, "days", 1, 3650, &days) < 0)
		return -1;
	o->me = &rq->user;
	o->days = (int)days;
	o->now = time(NULL);
	return 0;
}

static void done(struct request *rq, json_t *out, struct rl_error *err)
{
	if (!out) {
		reply_error(rq, err);
		rl_error_clear(err);
		return;
	}
	reply_json(rq, 200, out);
}

void h_oversight_trainers(struct request *rq)
{
	static const char *const cols[] = { "trainer", "name", "waiting", "oldest_waiting_since", "decided",
					    "median_seconds", "p90_seconds", NULL };
	struct rl_oversight_opts o;
	struct rl_error err = RL_ERROR_INIT;
	int csv = want_csv(rq);
	json_t *out;

	if (csv < 0 || opts_of(rq, &o) < 0)
		return;
	out = rl_oversight_trainers(server_db(), &o, &err);
	if (out && csv) {
		reply_csv(rq, json_object_get(out, "items"), cols);
		json_decref(out);
		return;
	}
	done(rq, out, &err);
}

void h_oversight_agreement(struct request *rq)
{
	static const char *const group_cols[] = { "group", "key", "compared", "agreed", "rate", NULL };
	static const char *const dis_cols[] = { "session", "ledger_index", "signed_at", "trainee", "trainee_name",
						"trainer", "site", "programme", "claimed_role", "signed_role",
						"claimed_steps", "signed_steps", NULL };
	static const char *const groups[] = { "by_trainer", "by_site", "by_step", "by_programme", NULL };
	struct rl_oversight_opts o;
	struct rl_error err = RL_ERROR_INIT;
	const char *part = query_arg(rq, "part");
	int csv = want_csv(rq);
	json_t *out, *rows;

	if (csv < 0 || opts_of(rq, &o) < 0)
		return;
	if (part && strcmp(part, "groups") && strcmp(part, "disagreements")) {
		rl_error_field(&err, "part", "must be groups or disagreements");
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	out = rl_oversight_agreement(server_db(), &o, &err);
	if (!out || !csv) {
		done(rq, out, &err);
		return;
	}
	if (part && strcmp(part, "disagreements") == 0) {
		reply_csv(rq, json_object_get(out, "disagreements"), dis_cols);
		json_decref(out);
		return;
	}
	/* One table of every group: group (overall, trainer, site, step, programme), key, counts. */
	rows = json_array();
	{
		json_t *r = json_deep_copy(json_object_get(out, "overall"));
		json_object_set_new(r, "group", json_string("overall"));
		json_object_set_new(r, "key", json_string("all"));
		json_array_append_new(rows, r);
	}
	for (const char *const *g = groups; *g; g++) {
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(out, *g), i, v) {
			json_t *r = json_deep_copy(v), *label;
			json_object_set_new(r, "group", json_string(*g + 3));
			label = json_object_get(v, *g + 3);
			json_object_set(r, "key", label ? label : json_null());
			json_array_append_new(rows, r);
		}
	}
	reply_csv(rq, rows, group_cols);
	json_decref(rows);
	json_decref(out);
}

static void stuck_repaired(struct request *rq);

/* may_repair: status rows whose seals fail (the report picks in-training trainees by them) are rebuilt first. */
static void stuck_reply(struct request *rq, int may_repair)
{
	static const char *const cols[] = { "trainee", "name", "programme", "last_signed_at", "oldest_pending_since",
					    "days_since_signed", "waiting", "threshold_days", "reasons", NULL };
	struct rl_oversight_opts o;
	struct rl_error err = RL_ERROR_INIT;
	int csv = want_csv(rq);
	json_t *out, *stale;

	if (csv < 0 || opts_of(rq, &o) < 0)
		return;
	if (may_repair) {
		stale = json_array();
		if (rl_progress_stale_rows(server_db(), NULL, stale, &err) < 0) {
			json_decref(stale);
			done(rq, NULL, &err);
			return;
		}
		if (json_array_size(stale)) {
			server_repair_then(rq, stale, stuck_repaired);
			return;
		}
		json_decref(stale);
	}
	out = rl_oversight_stuck(server_db(), &o, &err);
	if (out && csv) {
		reply_csv(rq, json_object_get(out, "items"), cols);
		json_decref(out);
		return;
	}
	done(rq, out, &err);
}

static void stuck_repaired(struct request *rq)
{
	server_record_drift(rq);
	stuck_reply(rq, 0);
}

void h_oversight_stuck(struct request *rq)
{
	stuck_reply(rq, 1);
}
