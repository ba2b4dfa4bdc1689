/*
 * test_render.c - core/render on a real demo database: the trainee
 * credential (issuer named by the programme, GMC number as an
 * IdentityObject, the eddsa-jcs-2022 proof, refused for a trainee who is
 * not accredited), the trainer credential (both: the status bit the
 * ledger's rank of the accreditation, the tree head the ledger's), base58btc, the CSV export (one row a session, and an
 * error, not a short file, when the CSV does not fit; its columns named
 * by the table, each cell the named field; byte for byte what the API's
 * session JSON gives), rl_buf's sticky failures that
 * the export relies on, and the renderers of a typed progress record (the
 * credential's subject and evidence, the PDF portfolio) on a record built
 * by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "render/credential.h"
#include "render/export.h"
#include "render/portfolio.h"
#include "domain/progress_record.h"
#include "domain/sessions.h"
#include "ledger/ledger.h"

#include "demo_fixture.h"

#include "base/banned.h"

/* The credential's last evidence item names the ledger's signed tree head as rl_ledger_head gives it. */
static void head_evidence_is_the_ledger_head(const json_t *c)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *head = rl_ledger_head(db, &err), *evidence = json_object_get(c, "evidence");
	const json_t *last = json_array_get(evidence, json_array_size(evidence) - 1);
	const char *narrative = json_string_value(json_object_get(last, "narrative"));
	char id[200];

	assert_non_null(head);
	snprintf(id, sizeof(id), "urn:raslog:tree-head:%lld:%s", (long long)json_integer_value(json_object_get(head, "tree_size")),
		 json_string_value(json_object_get(head, "root_hash")));
	assert_string_equal(json_string_value(json_object_get(last, "id")), id);
	if (narrative) {
		char want[300];
		snprintf(want, sizeof(want),
			 "The raslog ledger's signed tree head of %s (size %lld, RFC 9162 root %s) includes every statement named here.",
			 json_string_value(json_object_get(head, "timestamp")),
			 (long long)json_integer_value(json_object_get(head, "tree_size")),
			 json_string_value(json_object_get(head, "root_hash")));
		assert_string_equal(narrative, want);
	}
	json_decref(head);
}

static void trainee_credential(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t priya = demo_id("Priya Raman");
	char sql[256];
	struct rl_issuer iss = { "https://logbook.example.org", "Wessex RAS programme" };
	json_t *c, *id, *proof;

	snprintf(sql, sizeof(sql), "UPDATE users SET gmc = '7000001' WHERE id = %lld", (long long)priya);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	c = rl_credential_for_trainee(db, priya, &iss, &err);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "issuer"), "name")), "Wessex RAS programme");
	assert_true(strncmp(json_string_value(json_object_get(json_object_get(c, "issuer"), "id")), "did:key:z6Mk", 12) == 0);
	id = json_array_get(json_object_get(json_object_get(c, "credentialSubject"), "identifier"), 0);
	assert_string_equal(json_string_value(json_object_get(id, "type")), "IdentityObject");
	assert_string_equal(json_string_value(json_object_get(id, "identityHash")), "GMC 7000001");
	assert_true(json_is_false(json_object_get(id, "hashed")));
	assert_true(strncmp(json_string_value(json_object_get(json_object_get(c, "credentialStatus"), "statusListCredential")),
			    "https://logbook.example.org/api/v1/credentials/status", 53) == 0);
	proof = json_object_get(c, "proof");
	assert_string_equal(json_string_value(json_object_get(proof, "cryptosuite")), "eddsa-jcs-2022");
	assert_int_equal(json_string_value(json_object_get(proof, "proofValue"))[0], 'z');
	/* The status bit is the accreditation's place among the ledger's accreditation entries. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM ledger WHERE kind = 'accreditation' AND idx <= "
		 "(SELECT ledger_index FROM trainee_accreditations WHERE trainee_id = %lld)", (long long)priya);
	assert_int_equal(atoll(json_string_value(json_object_get(json_object_get(c, "credentialStatus"), "statusListIndex"))),
			 demo_scalar(sql));
	head_evidence_is_the_ledger_head(c);
	json_decref(c);

	/* No programme name configured: the default name. */
	iss.name = NULL;
	c = rl_credential_for_trainee(db, priya, &iss, &err);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "issuer"), "name")), RL_ISSUER_NAME_DEFAULT);
	json_decref(c);
}

/* A trainer's credential: its bit in the upper half, its place among the ledger's trainer accreditations; the head as above. */
static void trainer_credential(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainer = demo_id("David Ellis");
	struct rl_issuer iss = { "https://logbook.example.org", NULL };
	char sql[200];
	json_t *c = rl_credential_for_trainer(db, trainer, &iss, &err);

	assert_non_null(c);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM ledger WHERE kind = 'trainer_accreditation' AND idx <= "
		 "(SELECT max(ledger_index) FROM trainer_accreditations WHERE trainer_id = %lld)", (long long)trainer);
	assert_int_equal(atoll(json_string_value(json_object_get(json_object_get(c, "credentialStatus"), "statusListIndex"))),
			 RL_STATUS_LIST_BITS / 2 + demo_scalar(sql));
	head_evidence_is_the_ledger_head(c);
	json_decref(c);
}

static void not_accredited_refused(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_issuer iss = { "http://127.0.0.1:8080", NULL };

	assert_null(rl_credential_for_trainee(db, demo_id("Tomasz Nowak"), &iss, &err));
	assert_int_equal(err.status, RL_E_CONFLICT);
	assert_string_equal(err.type, "not-accredited");
	rl_error_clear(&err);
}

static void base58btc_vectors(void **state)
{
	char *s = rl_base58btc((const uint8_t *)"Hello World!", 12);
	const uint8_t zeros[] = { 0, 0, 1 };

	assert_string_equal(s, "2NEpo7TZRRrLZSi2U"); /* the draft-msporny-base58 example */
	free(s);
	s = rl_base58btc(zeros, sizeof(zeros));
	assert_string_equal(s, "112");
	free(s);
}

static void csv_rows_and_truncation(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t priya = demo_id("Priya Raman");
	struct rl_buf b;
	char sql[128];
	long long rows = 0;

	rl_buf_init(&b, 64u << 20);
	assert_int_equal(rl_export_csv(db, priya, &b, &err), 0);
	for (size_t i = 0; i + 1 < b.len; i++)
		rows += b.data[i] == '\r' && b.data[i + 1] == '\n';
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE trainee_id = %lld", (long long)priya);
	assert_int_equal(rows, demo_scalar(sql) + 1);
	assert_true(rows > 10);
	/* Half the room it needs: an error, never a shorter CSV reported as success. */
	{
		size_t need = b.len;
		struct rl_buf small;
		rl_buf_init(&small, need / 2);
		assert_int_equal(rl_export_csv(db, priya, &small, &err), -1);
		assert_int_equal(err.status, RL_E_INTERNAL);
		assert_string_equal(err.type, "export-too-large");
		assert_true(rl_buf_failed(&small));
		rl_error_clear(&err);
		rl_buf_release(&small);
		/* One byte short. */
		rl_buf_init(&small, need - 1);
		assert_int_equal(rl_export_csv(db, priya, &small, &err), -1);
		rl_error_clear(&err);
		rl_buf_release(&small);
		rl_buf_init(&small, need);
		assert_int_equal(rl_export_csv(db, priya, &small, &err), 0);
		assert_memory_equal(small.data, b.data, need);
		rl_buf_release(&small);
	}
	rl_buf_release(&b);
}

/* ------------------------------------------------ record renderers */

/* A record as rl_progress_read gives it: two modules, three evidence items. */
struct fixture {
	struct rl_progress p;
	struct rl_progress_module mods[2];
	struct rl_progress_req reqs[3];
	struct rl_progress_evidence ev[3];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->ev[0] = (struct rl_progress_evidence){ 11, 60, "session", "2026-01-05", 4, NULL };
	f->ev[1] = (struct rl_progress_evidence){ 14, 1, "assessment", "2026-02-01", 5, NULL };
	f->ev[2] = (struct rl_progress_evidence){ 20, 1, "module_completion", NULL, 0, NULL };
	f->reqs[0] = (struct rl_progress_req){ "sim", "a/sim", "minutes", "60 minutes", "met", 60, 60, 0, 1, &f->ev[0] };
	f->reqs[1] = (struct rl_progress_req){ "gears", "a/gears", "assessments", "1 GEARS", "met", 1, 1, 0, 1, &f->ev[1] };
	f->reqs[2] = (struct rl_progress_req){ "ok", "b/ok", "module_signoff", "signed off", "met", 1, 1, 0, 1, &f->ev[2] };
	f->mods[0] = (struct rl_progress_module){ "a", "Module A", "met", 2, 2, &f->reqs[0] };
	f->mods[1] = (struct rl_progress_module){ "b", "Module B", "met", 1, 1, &f->reqs[2] };
	f->p.code = "t";
	f->p.version = 3;
	f->p.title = "Test curriculum";
	f->p.status = "accredited";
	f->p.evaluated_status = "eligible";
	f->p.modules_met = 2;
	f->p.nmodules = 2;
	f->p.modules = f->mods;
	f->p.acc_index = 25;
	rl_progress_set_trainee(&f->p, 77, "Zoë Ôkafor", "Leeds");
}

struct signers_seen {
	int n;
	int64_t id[8];
};

static const char *fixture_signer(void *ctx, int64_t id, char *buf, size_t size)
{
	struct signers_seen *s = ctx;

	assert_true(s->n < 8);
	s->id[s->n++] = id;
	snprintf(buf, size, "Signer %lld", (long long)id);
	return buf;
}

static void record_renderers(void **state)
{
	struct fixture f;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_tree_head_ref head = { 30, "abcdef0123456789abcdef", "2026-03-01T10:00:00Z" };
	struct signers_seen seen = { 0 };
	struct rl_portfolio_page pg = { "Wessex RAS", "7000001", "https://x.example/#/trainee/77", "2026-03-02", 30,
					"abcdef0123456789abcdef", fixture_signer, &seen };
	struct rl_buf pdf = RL_BUF_INIT;
	json_t *subject, *evidence, *ach;

	fixture_init(&f);
	subject = rl_credential_subject(&f.p, 25, "7000001");
	assert_non_null(subject);
	assert_string_equal(json_string_value(json_object_get(subject, "id")), "urn:raslog:user:77");
	assert_string_equal(json_string_value(json_object_get(subject, "name")), "Zoë Ôkafor");
	ach = json_object_get(subject, "achievement");
	assert_string_equal(json_string_value(json_object_get(ach, "id")), "urn:raslog:curriculum:t:3");
	assert_string_equal(json_string_value(json_object_get(ach, "name")), "Test curriculum");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(ach, "criteria"), "narrative")),
			       "t version 3 was met") );
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(ach, "criteria"), "narrative")),
			       "(ledger index 25)"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(subject, "identifier"), 0),
							      "identityHash")), "GMC 7000001");
	json_decref(subject);
	subject = rl_credential_subject(&f.p, 25, "");
	assert_null(json_object_get(subject, "identifier"));
	json_decref(subject);

	/* The accreditation, every evidence item in module order, then the tree head. */
	evidence = rl_credential_evidence(&f.p, 25, &head);
	assert_non_null(evidence);
	assert_int_equal(json_array_size(evidence), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 0), "id")), "urn:raslog:ledger:25");
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 2), "id")), "urn:raslog:ledger:14");
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 2), "name")),
			    "Signed assessment counting towards a/gears");
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 3), "name")),
			    "Signed module_completion counting towards b/ok");
	assert_string_equal(json_string_value(json_object_get(json_array_get(evidence, 4), "id")),
			    "urn:raslog:tree-head:30:abcdef0123456789abcdef");
	json_decref(evidence);

	/* The PDF: a signer looked up for each evidence item, in order (0: the item names none). */
	assert_int_equal(rl_portfolio_render(&f.p, &pg, &pdf, &err), 0);
	assert_true(pdf.len > 1000);
	assert_memory_equal(pdf.data, "%PDF-", 5);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.id[0], 4);
	assert_int_equal(seen.id[1], 5);
	assert_int_equal(seen.id[2], 0);
	rl_buf_release(&pdf);

	/* A record with no trainee renders neither. */
	f.p.has_trainee = 0;
	assert_null(rl_credential_subject(&f.p, 25, NULL));
	assert_int_equal(rl_portfolio_render(&f.p, &pg, &pdf, &err), -1);
	assert_int_equal(err.status, RL_E_INTERNAL);
	assert_int_equal(pdf.len, 0);
	rl_error_clear(&err);
	rl_buf_release(&pdf);
}

/* The n-th cell of one RFC 4180 line (quotes undone) into out. */
static void csv_cell_at(const char *line, int n, char *out, size_t size)
{
	size_t k = 0;
	int col = 0, quoted = 0;

	for (const char *c = line; *c && !(*c == '\r' && !quoted); c++) {
		if (*c == '"') {
			if (quoted && c[1] == '"') {
				c++;
			} else {
				quoted = !quoted;
				continue;
			}
		} else if (*c == ',' && !quoted) {
			col++;
			continue;
		}
		if (col == n && k + 1 < size)
			out[k++] = *c;
	}
	out[k] = '\0';
}

static int header_index(const char *header, const char *name)
{
	char cell[64];

	for (int i = 0; i < 40; i++) {
		csv_cell_at(header, i, cell, sizeof(cell));
		if (strcmp(cell, name) == 0)
			return i;
	}
	fail_msg("no column %s", name);
	return -1;
}

/* The first column of sql (a literal: statements are cached by address) with ?1 = a and ?2 = b, or -1. */
static long long scalar2(const char *sql, int64_t a, int64_t b)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *st = rl_db_stmt(db, sql, &err);
	long long n = -1;

	assert_non_null(st);
	rl_bind_int64(st, 1, a);
	if (strstr(sql, "?2"))
		rl_bind_int64(st, 2, b);
	if (rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	rl_reset(st);
	return n;
}

static void csv_columns_named(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t priya = demo_id("Priya Raman");
	struct rl_buf b = RL_BUF_INIT;
	char cell[200];
	const char *line;
	long long sid;

	/* The header the table gives is the documented one, column for column. */
	rl_export_csv_header(&b);
	assert_string_equal(b.data, "session_id,date,activity,platform,site,procedure,minutes,claimed_role,claimed_steps,"
				    "status,trainer_id,trainer_name,signed_role,signed_steps,signed_at,ledger_index,"
				    "reject_reason,notes\r\n");
	rl_buf_release(&b);

	/* Each cell is its column's field: a signed session's row against its record. */
	assert_int_equal(rl_export_csv(db, priya, &b, &err), 0);
	sid = scalar2("SELECT min(id) FROM sessions WHERE trainee_id = ?1 AND status = 'signed'", priya, 0);
	assert_true(sid > 0);
	line = b.data;
	for (;;) {
		line = strstr(line, "\r\n");
		assert_non_null(line);
		line += 2;
		csv_cell_at(line, header_index(b.data, "session_id"), cell, sizeof(cell));
		if (strtoll(cell, NULL, 10) == sid)
			break;
	}
	csv_cell_at(line, header_index(b.data, "minutes"), cell, sizeof(cell));
	assert_int_equal(strtoll(cell, NULL, 10), scalar2("SELECT minutes FROM sessions WHERE id = ?1", sid, 0));
	csv_cell_at(line, header_index(b.data, "trainer_id"), cell, sizeof(cell));
	assert_int_equal(strtoll(cell, NULL, 10), scalar2("SELECT trainer_id FROM sessions WHERE id = ?1", sid, 0));
	csv_cell_at(line, header_index(b.data, "status"), cell, sizeof(cell));
	assert_string_equal(cell, "signed");
	/* A decided session's ledger index is the trainee's sign-off entry. */
	csv_cell_at(line, header_index(b.data, "ledger_index"), cell, sizeof(cell));
	assert_true(cell[0] != '\0');
	assert_int_equal(scalar2("SELECT count(*) FROM ledger WHERE idx = ?1 AND subject_id = ?2", strtoll(cell, NULL, 10),
				 priya), 1);
	rl_buf_release(&b);
}

/* The CSV as it was made from the API's session JSON (rl_session_foreach_of_trainee): the reference. */
static void ref_steps(struct rl_buf *b, const json_t *steps)
{
	size_t i;
	json_t *v;
	struct rl_buf joined = RL_BUF_INIT;

	json_array_foreach((json_t *)steps, i, v) {
		if (i)
			rl_buf_putc(&joined, ';');
		rl_buf_puts(&joined, json_string_value(v));
	}
	rl_buf_putc(&joined, '\0');
	rl_csv_cell(b, joined.data);
	rl_buf_release(&joined);
}

static int ref_row(void *ctx, json_t *s)
{
	struct rl_buf *b = ctx;
	const json_t *so = json_object_get(s, "signoff");
	static const char *const text1[] = { "date", "activity", "platform", "site", "procedure" };

	rl_buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
	for (size_t i = 0; i < sizeof(text1) / sizeof(text1[0]); i++) {
		rl_buf_putc(b, ',');
		rl_csv_cell(b, json_string_value(json_object_get(s, text1[i])));
	}
	rl_buf_printf(b, ",%lld,", (long long)json_integer_value(json_object_get(s, "minutes")));
	rl_csv_cell(b, json_string_value(json_object_get(s, "role")));
	rl_buf_putc(b, ',');
	ref_steps(b, json_object_get(s, "steps"));
	rl_buf_putc(b, ',');
	rl_csv_cell(b, json_string_value(json_object_get(s, "status")));
	rl_buf_printf(b, ",%lld,", (long long)json_integer_value(json_object_get(s, "trainer")));
	rl_csv_cell(b, json_string_value(json_object_get(s, "trainer_name")));
	rl_buf_putc(b, ',');
	rl_csv_cell(b, json_string_value(json_object_get(so, "role")));
	rl_buf_putc(b, ',');
	ref_steps(b, json_object_get(so, "steps"));
	rl_buf_putc(b, ',');
	rl_csv_cell(b, json_string_value(json_object_get(so, "signed_at")));
	rl_buf_putc(b, ',');
	if (json_is_object(so))
		rl_buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(so, "ledger_index")));
	rl_buf_putc(b, ',');
	rl_csv_cell(b, json_string_value(json_object_get(so, "reason")));
	rl_buf_putc(b, ',');
	rl_csv_cell(b, json_string_value(json_object_get(s, "notes")));
	rl_buf_puts(b, "\r\n");
	return 0;
}

/* The CSV, made from the session rows, is byte for byte what the API's session JSON gives, for every demo trainee. */
static void csv_matches_session_json(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t tomasz = demo_id("Tomasz Nowak");
	char sql[300];
	size_t i;
	json_t *p;

	/* Cells that need quoting or neutralising, a rejection with its reason, notes, no steps. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET notes = 'Left, then \"right\"' || char(10) || 'port', procedure = '=SUM(A1)' "
		 "WHERE id = (SELECT min(id) FROM sessions WHERE trainee_id = %lld AND status = 'signed')", (long long)tomasz);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status = 'rejected', reject_reason = '-not, this one', steps = NULL "
		 "WHERE id = (SELECT max(id) FROM sessions WHERE trainee_id = %lld AND status = 'signed')", (long long)tomasz);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	assert_true(demo_scalar("SELECT count(*) FROM sessions WHERE status = 'rejected'") >= 1);
	json_array_foreach(people, i, p) {
		int64_t id = json_integer_value(json_object_get(p, "id"));
		struct rl_buf got, want;

		rl_buf_init(&got, 64u << 20);
		rl_buf_init(&want, 64u << 20);
		assert_int_equal(rl_export_csv(db, id, &got, &err), 0);
		rl_export_csv_header(&want);
		assert_int_equal(rl_session_foreach_of_trainee(db, id, ref_row, &want, &err), 0);
		assert_false(rl_buf_failed(&want));
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, want.len);
		rl_buf_release(&got);
		rl_buf_release(&want);
	}
}

static void buf_failures_stick(void **state)
{
	struct rl_buf b;

	rl_buf_init(&b, 8);
	assert_int_equal(rl_buf_puts(&b, "abcde"), 0);
	assert_false(rl_buf_failed(&b));
	assert_int_equal(rl_buf_puts(&b, "fghij"), -1); /* past the limit */
	assert_true(rl_buf_failed(&b));
	assert_int_equal(rl_buf_putc(&b, 'x'), -1);      /* would fit, but the failure sticks */
	assert_int_equal(rl_buf_printf(&b, "%d", 1), -1);
	assert_int_equal(rl_buf_add(&b, "", 0), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "abcde");
	rl_buf_reset(&b);
	assert_false(rl_buf_failed(&b));
	assert_int_equal(rl_buf_puts(&b, "12345678"), 0);
	assert_int_equal(rl_buf_putc(&b, '9'), -1);
	rl_buf_release(&b);
	assert_false(rl_buf_failed(&b));
	assert_int_equal(rl_buf_puts(&b, "ok"), 0);
	rl_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trainee_credential),
		cmocka_unit_test(trainer_credential),
		cmocka_unit_test(not_accredited_refused),
		cmocka_unit_test(base58btc_vectors),
		cmocka_unit_test(csv_rows_and_truncation),
		cmocka_unit_test(buf_failures_stick),
		cmocka_unit_test(record_renderers),
		cmocka_unit_test(csv_columns_named),
		cmocka_unit_test(csv_matches_session_json),
	};
	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
