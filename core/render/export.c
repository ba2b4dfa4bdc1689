/*
 * export.c - CSV and JSON exports of a trainee; see export.h.
 */
#include "base/prelude.h"

#include "render/export.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "store/ledger_lookup.h"
#include "store/sessions_rows.h"
#include "domain/imports.h"
#include "domain/progress.h"
#include "domain/sessions.h"
#include "domain/users.h"

void rl_csv_cell(struct rl_buf *out, const char *text)
{
	const char *s = text ? text : "";
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int neutral = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';

	if (quote || neutral)
		rl_buf_putc(out, '"');
	if (neutral)
		rl_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '"')
			rl_buf_putc(out, '"');
		rl_buf_putc(out, *s);
	}
	if (quote || neutral)
		rl_buf_putc(out, '"');
}

static void cell_int(struct rl_buf *out, long long v, int present)
{
	if (present)
		rl_buf_printf(out, "%lld", v);
}

static char *join_steps(const json_t *arr)
{
	struct rl_buf b = RL_BUF_INIT;
	size_t i;
	json_t *v;

	json_array_foreach((json_t *)arr, i, v) {
		if (i)
			rl_buf_putc(&b, ';');
		rl_buf_puts(&b, json_string_value(v));
	}
	if (rl_buf_failed(&b)) {
		rl_buf_release(&b);
		return NULL;
	}
	return rl_buf_detach(&b, NULL);
}

static int append_session(void *ctx, json_t *s)
{
	json_array_append(ctx, s);
	return 0;
}

static json_t *all_sessions(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	json_t *a = json_array();

	if (rl_session_foreach_of_trainee(db, trainee, append_session, a, err) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* One row of the CSV: a session row as the store gives it, read once (strings borrowed from it). */
struct csv_session {
	long long id;
	const char *date, *activity, *platform, *site, *procedure;
	long long minutes;
	const char *role;          /* the trainee's claimed role */
	char *claimed_steps;       /* the claimed steps joined with ';' (owned) */
	const char *status;
	long long trainer;
	const char *trainer_name;
	int has_signoff;           /* the session has a decision: */
	const char *signed_role;
	char *signed_steps;        /* joined with ';' (owned) */
	const char *signed_at;
	long long ledger_index;
	const char *reason;        /* a rejection's reason */
	const char *notes;
};

/* A steps column (a JSON array of strings, or NULL) joined with ';' as the API shows it: malloc'd, or NULL out of memory. */
static char *join_steps_text(const char *text)
{
	json_t *a = text ? json_loads(text, 0, NULL) : NULL;
	char *joined = join_steps(json_is_array(a) ? a : NULL);

	json_decref(a);
	return joined;
}

/* 0, or -1 when a steps list could not be joined (out of memory). */
static int csv_session_read(const struct rl_row_session *s, struct csv_session *r)
{
	memset(r, 0, sizeof(*r));
	r->id = s->id;
	r->date = s->date;
	r->activity = s->activity;
	r->platform = s->platform;
	r->site = s->site;
	r->procedure = s->procedure;
	r->minutes = s->minutes;
	r->role = s->role;
	r->claimed_steps = join_steps_text(s->steps);
	r->status = s->status ? s->status : "pending";
	r->trainer = s->trainer;
	r->trainer_name = s->trainer_name;
	r->has_signoff = s->has_signoff;
	r->signed_role = s->has_signoff ? s->signed_role : NULL;
	r->signed_steps = join_steps_text(s->has_signoff ? s->signed_steps : NULL);
	r->signed_at = s->has_signoff ? s->signed_at : NULL;
	r->ledger_index = s->has_signoff ? s->signoff_index : 0;
	r->reason = s->has_signoff ? s->reject_reason : NULL;
	r->notes = s->notes;
	return r->claimed_steps && r->signed_steps ? 0 : -1;
}

static void csv_session_release(struct csv_session *r)
{
	free(r->claimed_steps);
	free(r->signed_steps);
}

enum csv_kind {
	CSV_TEXT,        /* a const char * field (NULL: empty) */
	CSV_OWNED_TEXT,  /* a char * field */
	CSV_INT,         /* a long long field */
	CSV_SIGNOFF_INT, /* a long long field, empty when the session has no decision */
};

/* The export's columns, in order: the header and where the cell's value is. */
static const struct csv_column {
	const char *header;
	enum csv_kind kind;
	size_t at;       /* offsetof the field in struct csv_session */
} csv_columns[] = {
	{ "session_id", CSV_INT, offsetof(struct csv_session, id) },
	{ "date", CSV_TEXT, offsetof(struct csv_session, date) },
	{ "activity", CSV_TEXT, offsetof(struct csv_session, activity) },
	{ "platform", CSV_TEXT, offsetof(struct csv_session, platform) },
	{ "site", CSV_TEXT, offsetof(struct csv_session, site) },
	{ "procedure", CSV_TEXT, offsetof(struct csv_session, procedure) },
	{ "minutes", CSV_INT, offsetof(struct csv_session, minutes) },
	{ "claimed_role", CSV_TEXT, offsetof(struct csv_session, role) },
	{ "claimed_steps", CSV_OWNED_TEXT, offsetof(struct csv_session, claimed_steps) },
	{ "status", CSV_TEXT, offsetof(struct csv_session, status) },
	{ "trainer_id", CSV_INT, offsetof(struct csv_session, trainer) },
	{ "trainer_name", CSV_TEXT, offsetof(struct csv_session, trainer_name) },
	{ "signed_role", CSV_TEXT, offsetof(struct csv_session, signed_role) },
	{ "signed_steps", CSV_OWNED_TEXT, offsetof(struct csv_session, signed_steps) },
	{ "signed_at", CSV_TEXT, offsetof(struct csv_session, signed_at) },
	{ "ledger_index", CSV_SIGNOFF_INT, offsetof(struct csv_session, ledger_index) },
	{ "reject_reason", CSV_TEXT, offsetof(struct csv_session, reason) },
	{ "notes", CSV_TEXT, offsetof(struct csv_session, notes) },
};

static void csv_put(struct rl_buf *out, const struct csv_column *col, const struct csv_session *r)
{
	const char *field = (const char *)r + col->at;

	switch (col->kind) {
	case CSV_TEXT:
		rl_csv_cell(out, *(const char *const *)(const void *)field);
		break;
	case CSV_OWNED_TEXT:
		rl_csv_cell(out, *(char *const *)(const void *)field);
		break;
	case CSV_INT:
	case CSV_SIGNOFF_INT:
		cell_int(out, *(const long long *)(const void *)field, col->kind == CSV_INT || r->has_signoff);
		break;
	}
}

/* The header line the columns give (for tests and the docs: docs/api.md names the same columns). */
void rl_export_csv_header(struct rl_buf *out)
{
	for (size_t c = 0; c < sizeof(csv_columns) / sizeof(csv_columns[0]); c++) {
		if (c)
			rl_buf_putc(out, ',');
		rl_csv_cell(out, csv_columns[c].header);
	}
	rl_buf_puts(out, "\r\n");
}

/* rl_export_csv's walk: one row per session into out; lost when a row could not be made. */
struct csv_walk {
	struct rl_buf *out;
	int lost;
};

static int csv_row(void *ctx, const struct rl_row_session *s)
{
	struct csv_walk *w = ctx;
	struct csv_session r;

	if (csv_session_read(s, &r) < 0)
		w->lost = 1;
	for (size_t c = 0; !w->lost && c < sizeof(csv_columns) / sizeof(csv_columns[0]); c++) {
		if (c)
			rl_buf_putc(w->out, ',');
		csv_put(w->out, &csv_columns[c], &r);
	}
	rl_buf_puts(w->out, "\r\n");
	csv_session_release(&r);
	return w->lost || rl_buf_failed(w->out);
}

int rl_export_csv(struct rl_db *db, int64_t trainee, struct rl_buf *out, struct rl_error *err)
{
	struct csv_walk w = { out, 0 };

	rl_export_csv_header(out);
	/* The trainee's sessions by date then id, as GET /sessions' records hold them (store/sessions_rows.h). */
	if (rl_rows_sessions_of_trainee(db, trainee, csv_row, &w, err) < 0)
		return -1;
	/* Appends stick on failure (buf.h): one check says whether any row was cut. */
	if (w.lost || rl_buf_failed(out))
		return rl_error_set(err, RL_E_INTERNAL, "export-too-large", NULL,
				    "the CSV export of trainee %lld did not fit (over %zu bytes, or out of memory); "
				    "nothing was sent", (long long)trainee, out->limit ? out->limit : RL_BUF_DEFAULT_LIMIT);
	return 0;
}

static int add_statement(void *ctx, const char *line, size_t len)
{
	json_array_append_new(ctx, json_loadb(line, len, 0, NULL));
	return 0;
}

json_t *rl_export_json(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_user u;
	json_t *out, *sessions, *progress, *statements;
	if (rl_user_get(db, trainee, &u, err) < 0)
		return NULL;
	sessions = all_sessions(db, trainee, err);
	if (!sessions)
		return NULL;
	progress = rl_progress_report(db, trainee, err);
	if (!progress) {
		rl_error_clear(err);
		progress = json_null();
	}
	statements = json_array();
	{
		int64_t idx[20000];
		size_t n = 0;

		/* As before the move: what could be read is exported (a failed read leaves err set). */
		rl_rows_ledger_of_person(db, trainee, idx, sizeof(idx) / sizeof(idx[0]), &n, err);
		for (size_t i = 0; i < n; i++)
			rl_ledger_export(db, idx[i], 1, add_statement, statements, err);
	}
	out = json_pack("{s:{s:I,s:s,s:s,s:s,s:s},s:o,s:o,s:o}",
			"person", "id", (json_int_t)u.id, "name", u.name, "email", u.email, "gmc", u.gmc,
			"site", u.site, "sessions", sessions, "progress", progress, "ledger_entries", statements);
	json_object_set(out, "assessments", json_is_object(progress) ? json_object_get(progress, "assessments") : json_null());
	/* Every import, pending, signed or rejected, with its file: the ledger holds only the signed ones' hashes. */
	{
		json_t *imports = rl_import_export(db, trainee, err);
		if (!imports) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "imports", imports);
	}
	return out;
}
