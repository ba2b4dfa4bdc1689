/*
 * test_stmt.c - core/ledger/stmt.c, the typed reader of signed statements.
 * Every statement of a demo ledger reads, and one of each kind (the demo's,
 * or built by domain/statements.h for the kinds the demo does not sign)
 * gives its members typed; deleting a member the kind requires is refused
 * naming its path ("statement.session.trainee is required"), deleting an
 * optional one is not, and every member read, replaced by a value of
 * another JSON type, is refused naming its path; codes refuse control
 * characters, text copied from a record does not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "domain/statements.h"
#include "ledger/kinds.h"
#include "ledger/stmt.h"
#include "store/sql.h"

#include "demo_fixture.h"

#include "base/banned.h"

static json_t *sample[RL_K_COUNT]; /* one statement of each kind */
static int from_demo[RL_K_COUNT];
static size_t demo_statements;

/* The members each kind must have (besides "v" and "type", and signer/key/signed_at of a person's). */
static const char *const required[RL_K_COUNT][8] = {
	[RL_K_FACULTY_KEY] = { "issuer", "faculty", "public_key", "registered_at" },
	[RL_K_KEY_REVOCATION] = { "issuer", "user", "public_key", "revoked_at" },
	[RL_K_TRAINER_ACC] = { "trainer", "trainer_key", "valid_from", "valid_until" },
	[RL_K_ACC] = { "trainee", "curriculum", "curriculum.code", "curriculum.version", "decision" },
	[RL_K_REVOCATION] = { "subject", "accreditation_index", "reason" },
	[RL_K_SESSION] = { "decision", "session", "session.id", "session.trainee" },
	[RL_K_ASSESSMENT] = { "trainee", "session", "tool", "scores" },
	[RL_K_MODULE] = { "trainee", "curriculum", "curriculum.code", "curriculum.version", "module" },
	[RL_K_SIM_IMPORT] = { "decision", "import", "import.id", "import.trainee" },
	[RL_K_CURRICULUM] = { "issuer", "curriculum", "curriculum.code", "curriculum.version", "definition", "sha256",
			      "loaded_at" },
	[RL_K_ENROLMENT] = { "issuer", "trainee", "curriculum", "curriculum.code", "curriculum.version",
			     "curriculum.sha256", "enrolled_at" },
	[RL_K_DEVICE_KEY] = { "user", "public_key" },
	[RL_K_WITHDRAWAL] = { "trainee", "signoff_index", "reason" },
	[RL_K_ELEARNING] = { "decision", "import", "import.id", "import.trainee", "import.issuer", "import.achievement",
			     "import.verified" },
};

static int is_required(int kind, const json_t *st, const char *path)
{
	static const char *const common[] = { "v", "type", "signer", "key", "signed_at" };
	const char *decision = json_string_value(json_object_get(st, "decision"));

	/* A reason is required by the kind, or by a rejection; at version 2 it is its commitment. */
	if (strcmp(path, "reason") == 0 || strcmp(path, "reason_commit") == 0) {
		if (decision && strcmp(decision, "rejected") == 0)
			return 1;
		path = "reason";
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strcmp(common[i], path) == 0)
			return 1;
	for (size_t i = 0; i < 8 && required[kind][i]; i++)
		if (strcmp(required[kind][i], path) == 0)
			return 1;
	return 0;
}

/* A field error naming field exactly ("statement." and the path), with a message containing want (NULL: any). */
static int names(const struct rl_error *err, const char *field, const char *want)
{
	for (int i = 0; i < err->nfields; i++)
		if (strcmp(err->fields[i].field, field) == 0 && (!want || strstr(err->fields[i].message, want)))
			return 1;
	return 0;
}

static void read_demo_ledger(void)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt *q = rl_db_stmt(db, "SELECT message FROM ledger ORDER BY idx", &err);
	size_t plen = strlen(RL_STATEMENT_PREFIX);

	assert_non_null(q);
	while (rl_step(q) == RL_ROW) {
		const char *msg = rl_db_col_text(q, 0);
		json_t *st = json_loads(msg + plen, 0, NULL);
		struct rl_statement s;
		struct rl_error rerr = RL_ERROR_INIT;

		assert_non_null(st);
		if (rl_statement_read(st, "statement", &s, &rerr) < 0)
			fail_msg("demo statement %s: %s", msg + plen, rerr.detail);
		assert_true(s.kind < RL_K_COUNT);
		demo_statements++;
		if (!sample[s.kind]) {
			sample[s.kind] = st;
			from_demo[s.kind] = 1;
		} else {
			json_decref(st);
		}
	}
	rl_reset(q);
}

/* The kinds the demo does not sign, built as the server and the CLI build them. */
static void build_missing(void)
{
	static const char key[] = "7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=";
	struct rl_signer by = { 3, key, "2026-11-30T01:05:00Z" };
	json_t *session = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:[s,s],s:s}", "id", (json_int_t)4, "trainee",
				    (json_int_t)8, "trainer", (json_int_t)3, "date", "2026-11-01", "minutes",
				    (json_int_t)60, "activity", "console_modular", "steps", "docking", "suturing",
				    "created_at", "2026-11-01T10:00:00Z");
	json_t *sim = json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:f,s:b}]}", "id", (json_int_t)5,
				"trainee", (json_int_t)8, "trainer", (json_int_t)3, "attempts", (json_int_t)1, "kind",
				"simulator", "sha256", "ab", "attempts_sha256", "cd", "items", "platform", "sim_dvss",
				"exercise", "Ring Walk", "attempt_at", "2026-11-01T10:00:00Z", "score_pct", 91.5,
				"passed", 1);
	json_t *cert = json_pack("{s:I,s:I,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:b}}", "id", (json_int_t)6, "trainee",
				 (json_int_t)8, "kind", "certificate", "sha256", "ab", "attempts_sha256", "cd",
				 "certificate", "kind", "xapi", "issuer", "https://lms.example", "achievement",
				 "Basics", "completed_on", "2026-10-01", "verified", 0);
	json_t *scores = json_pack("[i,i,i,i,i,i]", 4, 4, 4, 4, 4, 5);
	json_t *built[RL_K_COUNT] = { 0 };

	built[RL_K_FACULTY_KEY] = rl_stmt_faculty_key(2, key, "2026-11-30T01:00:00Z");
	built[RL_K_KEY_REVOCATION] = rl_stmt_key_revocation(3, key, "2026-11-30T01:00:00Z");
	built[RL_K_TRAINER_ACC] = rl_stmt_trainer_accreditation_superseding(3, key, "2026-01-01", "2027-12-31", 4, &by);
	built[RL_K_REVOCATION] = rl_stmt_revocation(8, 40, "accredited in error", &by);
	built[RL_K_SESSION] = rl_stmt_session_signoff(session, "rejected", "console_surgeon", NULL, "not at the console", &by);
	built[RL_K_ASSESSMENT] = rl_stmt_assessment_superseding(8, 4, "gears", scores, 9, &by);
	built[RL_K_MODULE] = rl_stmt_module_completion_superseding(8, "ras-core", 1, "m1", 10, &by);
	built[RL_K_SIM_IMPORT] = rl_stmt_simulator_import(sim, "confirmed", NULL, &by);
	built[RL_K_ENROLMENT] = rl_stmt_enrolment(8, "ras-core", 1, "ab", "2026-11-30T01:00:00Z");
	built[RL_K_DEVICE_KEY] = rl_stmt_device_key(3, key, &by);
	built[RL_K_WITHDRAWAL] = rl_stmt_signoff_withdrawal(8, 12, "signed by mistake", &by);
	built[RL_K_ELEARNING] = rl_stmt_elearning_confirmation(cert, "confirmed", NULL, 1, &by);
	built[RL_K_CURRICULUM] = rl_stmt_curriculum("ras-core", 1, cert, "ab", "2026-11-30T01:00:00Z");
	built[RL_K_ACC] = rl_stmt_accreditation(8, "ras-core", 1, "2027-12-31", &by);
	json_object_set_new(built[RL_K_ACC], "v", json_integer(2));
	json_object_set_new(json_object_get(built[RL_K_ACC], "curriculum"), "sha256", json_string("ab"));
	json_object_set_new(built[RL_K_ACC], "evidence", json_pack("[i,i]", 5, 9));
	for (int k = 0; k < RL_K_COUNT; k++) {
		if (!sample[k])
			sample[k] = built[k];
		else
			json_decref(built[k]);
	}
	json_decref(scores);
	json_decref(session);
	json_decref(sim);
	json_decref(cert);
}

static int setup(void **state)
{
	if (demo_setup(state) < 0)
		return -1;
	read_demo_ledger();
	build_missing();
	return 0;
}

static int teardown(void **state)
{
	for (int k = 0; k < RL_K_COUNT; k++)
		json_decref(sample[k]);
	return demo_teardown(state);
}

/* Every kind has a sample, reads, and gives its type, subject and signer as its JSON says. */
static void every_kind_reads(void **state)
{
	(void)state;
	(void)demo_id;
	assert_true(demo_statements > 50);
	assert_int_equal(demo_statements, demo_scalar("SELECT count(*) FROM ledger"));
	print_message("# %zu demo statements read; kinds from the demo:", demo_statements);
	for (int k = 0; k < RL_K_COUNT; k++) {
		struct rl_statement s;
		struct rl_error err = RL_ERROR_INIT;
		const json_t *st = sample[k];

		assert_non_null(st);
		if (from_demo[k])
			print_message(" %s", rl_kinds[k].name);
		if (rl_statement_read(st, "statement", &s, &err) < 0)
			fail_msg("%s: %s", rl_kinds[k].name, err.detail);
		assert_int_equal(s.kind, k);
		assert_string_equal(s.type, rl_kinds[k].name);
		assert_ptr_equal(s.json, st);
		assert_int_equal(s.v, json_integer_value(json_object_get(st, "v")));
		assert_int_equal(s.subject, rl_kind_subject(&rl_kinds[k], st));
		assert_int_equal(s.by_log, rl_kinds[k].signer == RL_SIGNER_LOG);
		if (!s.by_log) {
			assert_int_equal(s.signer, json_integer_value(json_object_get(st, "signer")));
			assert_string_equal(s.key, json_string_value(json_object_get(st, "key")));
			assert_string_equal(s.signed_at, json_string_value(json_object_get(st, "signed_at")));
		}
	}
	print_message("\n");
}

/* A few members of each kind, typed. */
static void members_typed(void **state)
{
	struct rl_statement s;
	struct rl_error err = RL_ERROR_INIT;
	const json_t *st;

	(void)state;
	st = sample[RL_K_SESSION];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_int_equal(s.u.session.session.id,
			 json_integer_value(json_object_get(json_object_get(st, "session"), "id")));
	assert_true(s.decision == RL_DECISION_CONFIRMED || s.decision == RL_DECISION_REJECTED);
	assert_string_equal(s.decision == RL_DECISION_CONFIRMED ? "confirmed" : "rejected",
			    json_string_value(json_object_get(st, "decision")));
	st = sample[RL_K_ASSESSMENT];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_ptr_equal(s.u.assessment.scores, json_object_get(st, "scores"));
	assert_string_equal(s.u.assessment.tool, json_string_value(json_object_get(st, "tool")));
	assert_int_equal(s.supersedes, json_object_get(st, "supersedes") ?
			 json_integer_value(json_object_get(st, "supersedes")) : -1);
	st = sample[RL_K_TRAINER_ACC];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_string_equal(s.u.trainer_acc.valid_until, json_string_value(json_object_get(st, "valid_until")));
	st = sample[RL_K_ACC];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_int_equal(s.v, 2);
	assert_non_null(s.u.acc.evidence);
	assert_string_equal(s.u.acc.curriculum.sha256,
			    json_string_value(json_object_get(json_object_get(st, "curriculum"), "sha256")));
	st = sample[RL_K_CURRICULUM];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_ptr_equal(s.u.curriculum.definition, json_object_get(st, "definition"));
	st = sample[RL_K_ELEARNING];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_int_equal(s.u.import.import.verified, json_is_true(json_object_get(json_object_get(st, "import"), "verified")));
	assert_int_equal(s.u.import.unverified_ok, json_object_get(st, "unverified_ok") ? 1 : -1);
	st = sample[RL_K_SIM_IMPORT];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_non_null(s.u.import.import.results);
	assert_int_equal(s.u.import.import.verified, -1);
	st = sample[RL_K_WITHDRAWAL];
	assert_int_equal(rl_statement_read(st, NULL, &s, &err), 0);
	assert_non_null(s.reason ? s.reason : s.reason_commit);
}

/* A value of another JSON type than v's. */
static json_t *mistyped(const json_t *v)
{
	if (json_is_string(v))
		return json_integer(7);
	if (json_is_integer(v))
		return json_string("7");
	if (json_is_object(v))
		return json_string("x");
	if (json_is_array(v))
		return json_object();
	return json_string("true");
}

/* The value at path in st ("session.trainee", "scores[2]"), or NULL; parent, name and index say where. */
static json_t *at(json_t *st, const char *path, json_t **parent, char *name, size_t nsize, long *index)
{
	char seg[64];
	json_t *v = st;
	const char *p = path;

	*parent = NULL;
	*index = -1;
	while (*p) {
		size_t n = strcspn(p, ".[");
		if (n) {
			snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
			*parent = v;
			*index = -1;
			snprintf(name, nsize, "%s", seg);
			v = json_object_get(v, seg);
			p += n;
		} else if (*p == '[') {
			*parent = v;
			*index = strtol(p + 1, NULL, 10);
			v = json_array_get(v, (size_t)*index);
			p = strchr(p, ']') + 1;
		}
		if (*p == '.')
			p++;
	}
	return v;
}

/* Every member path of v under prefix, into paths (objects and arrays; not into a curriculum's definition). */
static void walk(const json_t *v, const char *prefix, json_t *paths)
{
	const char *key;
	json_t *m;
	size_t i;
	char p[160];

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m) {
			snprintf(p, sizeof(p), "%s%s%s", prefix, *prefix ? "." : "", key);
			json_array_append_new(paths, json_string(p));
			if (strcmp(p, "definition") != 0)
				walk(m, p, paths);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) {
			snprintf(p, sizeof(p), "%s[%zu]", prefix, i);
			json_array_append_new(paths, json_string(p));
			walk(m, p, paths);
		}
	}
}

/* Deleting each member: refused naming it when the kind requires it, read otherwise. */
static void missing_members_named(void **state)
{
	size_t checked = 0;

	(void)state;
	for (int k = 0; k < RL_K_COUNT; k++) {
		json_t *paths = json_array(), *pv;
		size_t i;

		walk(sample[k], "", paths);
		json_array_foreach(paths, i, pv) {
			const char *path = json_string_value(pv);
			json_t *copy = json_deep_copy(sample[k]), *parent;
			struct rl_statement s;
			struct rl_error err = RL_ERROR_INIT;
			char name[64], field[96];
			long index;
			int rc;

			if (strchr(path, '[') || strcmp(path, "issuer") == 0) {
				json_decref(copy);
				continue; /* array items have no name; without "issuer" it is a person's statement */
			}
			at(copy, path, &parent, name, sizeof(name), &index);
			json_object_del(parent, name);
			rc = rl_statement_read(copy, "statement", &s, &err);
			snprintf(field, sizeof(field), "statement.%s", path);
			if (is_required(k, sample[k], path)) {
				if (rc == 0 || !names(&err, field, "is required"))
					fail_msg("%s without %s: %s", rl_kinds[k].name, path, rc ? err.detail : "read");
			} else if (rc != 0) {
				fail_msg("%s without the optional %s: %s", rl_kinds[k].name, path, err.detail);
			}
			checked++;
			json_decref(copy);
		}
		json_decref(paths);
	}
	print_message("# %zu deletions checked\n", checked);
	assert_true(checked > 60);
}

/* Each member (and array item) of another JSON type: refused naming its path. */
static void mistyped_members_named(void **state)
{
	size_t checked = 0;

	(void)state;
	for (int k = 0; k < RL_K_COUNT; k++) {
		json_t *paths = json_array(), *pv;
		size_t i;

		walk(sample[k], "", paths);
		json_array_foreach(paths, i, pv) {
			const char *path = json_string_value(pv);
			json_t *copy = json_deep_copy(sample[k]), *parent, *v;
			struct rl_statement s;
			struct rl_error err = RL_ERROR_INIT;
			char name[64], field[96];
			long index;

			v = at(copy, path, &parent, name, sizeof(name), &index);
			if (index >= 0)
				json_array_set_new(parent, (size_t)index, mistyped(v));
			else
				json_object_set_new(parent, name, mistyped(v));
			snprintf(field, sizeof(field), "statement.%s", path);
			if (rl_statement_read(copy, "statement", &s, &err) == 0 || !names(&err, field, NULL))
				fail_msg("%s with %s mistyped: %s", rl_kinds[k].name, path,
					 err.nfields ? err.detail : "read");
			checked++;
			json_decref(copy);
		}
		json_decref(paths);
	}
	print_message("# %zu mistyped members checked\n", checked);
	assert_true(checked > 80);
}

/* Values of the right type but not allowed; the path named without a prefix when none is given. */
static void bad_values_named(void **state)
{
	static const struct {
		int kind;
		const char *member, *value, *field, *message;
	} cases[] = {
		{ RL_K_SESSION, "decision", "\"maybe\"", "statement.decision", "must be confirmed or rejected" },
		{ RL_K_ACC, "decision", "\"eligible\"", "statement.decision", "must be accredited" },
		{ RL_K_ASSESSMENT, "type", "\"assesment\"", "statement.type", "is not a statement type" },
		{ RL_K_ASSESSMENT, "v", "3", "statement.v", "must be 1, or 2" },
		{ RL_K_ASSESSMENT, "trainee", "0", "statement.trainee", "must be between 1 and" },
		{ RL_K_ASSESSMENT, "supersedes", "-1", "statement.supersedes", "must be between 0 and" },
		{ RL_K_ASSESSMENT, "tool", "\"ge\\u0001ars\"", "statement.tool", "control characters" },
		{ RL_K_FACULTY_KEY, "issuer", "\"server\"", "statement.issuer", "can only be \"log\"" },
		{ RL_K_WITHDRAWAL, "signoff_index", "-3", "statement.signoff_index", "must be between 0 and" },
	};
	struct rl_statement s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *copy = json_deep_copy(sample[cases[i].kind]);
		struct rl_error err = RL_ERROR_INIT;

		json_object_set_new(copy, cases[i].member, json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
		if (rl_statement_read(copy, "statement", &s, &err) == 0 || !names(&err, cases[i].field, cases[i].message))
			fail_msg("%s with %s %s: %s", rl_kinds[cases[i].kind].name, cases[i].member, cases[i].value,
				 err.nfields ? err.detail : "read");
		json_decref(copy);
	}
	/* Without a path prefix (the verifier's reading), and every problem at once. */
	{
		json_t *copy = json_deep_copy(sample[RL_K_SESSION]);
		struct rl_error err = RL_ERROR_INIT;

		json_object_del(json_object_get(copy, "session"), "trainee");
		json_object_set_new(copy, "signer", json_string("3"));
		assert_int_equal(rl_statement_read(copy, NULL, &s, &err), -1);
		assert_true(names(&err, "session.trainee", "is required"));
		assert_true(names(&err, "signer", "must be an integer"));
		assert_int_equal(s.kind, RL_K_SESSION); /* what could be read, was */
		assert_true(s.u.session.session.id > 0);
		json_decref(copy);
	}
	/* Text copied from a record or a file is only typed: a C1 control in a session's site still reads. */
	{
		json_t *copy = json_deep_copy(sample[RL_K_SESSION]);
		struct rl_error err = RL_ERROR_INIT;

		json_object_set_new(json_object_get(copy, "session"), "site", json_string("St Elsewhere\xc2\x85"));
		assert_int_equal(rl_statement_read(copy, "statement", &s, &err), 0);
		assert_string_equal(s.u.session.session.site, "St Elsewhere\xc2\x85");
		json_object_set_new(json_object_get(copy, "session"), "activity", json_string("console\xc2\x85"));
		assert_int_equal(rl_statement_read(copy, "statement", &s, &err), -1);
		assert_true(names(&err, "statement.session.activity", "control characters"));
		json_decref(copy);
	}
	/* Not an object at all. */
	{
		json_t *a = json_array();
		struct rl_error err = RL_ERROR_INIT;

		assert_int_equal(rl_statement_read(a, "statement", &s, &err), -1);
		assert_true(names(&err, "statement", "JSON object"));
		assert_int_equal(s.kind, RL_K_COUNT);
		json_decref(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_reads),
		cmocka_unit_test(members_typed),
		cmocka_unit_test(missing_members_named),
		cmocka_unit_test(mistyped_members_named),
		cmocka_unit_test(bad_values_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
