/*
 * export.c - CSV and JSON exports of a trainee; see export.h.
 */
#include "base/prelude.h"

#include "render/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
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

int rl_export_csv(struct rl_db *db, int64_t trainee, struct rl_buf *out, struct rl_error *err)
{
	static const char *const header =
		"session_id,date,activity,platform,site,procedure,minutes,claimed_role,claimed_steps,status,"
		"trainer_id,trainer_name,signed_role,signed_steps,signed_at,ledger_index,reject_reason,notes\r\n";
	json_t *sessions = all_sessions(db, trainee, err), *s;
	size_t i;
	int lost = 0;

	if (!sessions)
		return -1;
	rl_buf_puts(out, header);
	json_array_foreach(sessions, i, s) {
		const json_t *so = json_object_get(s, "signoff");
		char *claimed = join_steps(json_object_get(s, "steps"));
		char *signed_steps = join_steps(json_object_get(so, "steps"));
		const char *text[] = { "date", "activity", "platform", "site", "procedure" };

		if (!claimed || !signed_steps)
			lost = 1;

		cell_int(out, json_integer_value(json_object_get(s, "id")), 1);
		for (size_t k = 0; k < sizeof(text) / sizeof(text[0]); k++) {
			rl_buf_putc(out, ',');
			rl_csv_cell(out, json_string_value(json_object_get(s, text[k])));
		}
		rl_buf_putc(out, ',');
		cell_int(out, json_integer_value(json_object_get(s, "minutes")), 1);
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(s, "role")));
		rl_buf_putc(out, ',');
		rl_csv_cell(out, claimed);
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(s, "status")));
		rl_buf_putc(out, ',');
		cell_int(out, json_integer_value(json_object_get(s, "trainer")), 1);
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(s, "trainer_name")));
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(so, "role")));
		rl_buf_putc(out, ',');
		rl_csv_cell(out, signed_steps);
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(so, "signed_at")));
		rl_buf_putc(out, ',');
		cell_int(out, json_integer_value(json_object_get(so, "ledger_index")), json_is_object(so));
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(so, "reason")));
		rl_buf_putc(out, ',');
		rl_csv_cell(out, json_string_value(json_object_get(s, "notes")));
		rl_buf_puts(out, "\r\n");
		free(claimed);
		free(signed_steps);
		if (lost || rl_buf_failed(out))
			break;
	}
	json_decref(sessions);
	/* Appends stick on failure (buf.h): one check says whether any row was cut. */
	if (lost || rl_buf_failed(out))
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
	struct rl_stmt *st;

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
	st = rl_db_stmt(db, "SELECT idx FROM ledger WHERE subject_id = ? OR signer_id = ? ORDER BY idx", err);
	if (st) {
		int64_t idx[20000];
		int n = 0;
		rl_bind_int64(st, 1, trainee);
		rl_bind_int64(st, 2, trainee);
		while (rl_step(st) == RL_ROW && n < 20000)
			idx[n++] = rl_col_int64(st, 0);
		rl_reset(st);
		for (int i = 0; i < n; i++)
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
