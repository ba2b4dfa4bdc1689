/*
 * test_statements.c - core/domain/statements.c builds every statement from
 * a typed record (ledger/stmt.h) and renders it once
 * (rl_statement_to_json): the canonical bytes are those the builders
 * wrote before (golden JCS of a case per builder and option, captured
 * from that code), every statement of a demo ledger read by
 * rl_statement_read renders back to its stored bytes, and the readers of
 * the records the builders take (a session, an import, a progress report)
 * name a missing or mistyped member by its path.  Also the store rows
 * sign-offs use (core/store/signoff_rows.h, ledger_lookup.h) against the
 * demo database: a round trip, a duplicate, a not-found, a list.
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
#include "ledger/jcs.h"
#include "ledger/kinds.h"
#include "ledger/stmt.h"
#include "store/ledger_lookup.h"
#include "store/signoff_rows.h"

#include "demo_fixture.h"

#include "base/banned.h"

/* The cases: every builder of domain/statements.h, with optional members present and absent. */
static const char key_b64[] = "7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=";

static json_t *session_json(int full)
{
	json_t *s = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:o}", "id", (json_int_t)4, "trainee",
			      (json_int_t)8, "trainer", (json_int_t)3, "date", "2026-11-01", "minutes", (json_int_t)60,
			      "activity", "console_modular", "created_at", "2026-11-01T10:00:00Z", "status", "pending",
			      "trainee_name", "Tess Trainee", "revision", (json_int_t)2, "signoff", json_null());

	if (full) {
		json_object_set_new(s, "platform", json_string("davinci_xi"));
		json_object_set_new(s, "site", json_string("St Elsewhere"));
		json_object_set_new(s, "procedure", json_string("Prostatectomy"));
		json_object_set_new(s, "steps", json_pack("[s,s]", "docking", "suturing"));
		json_object_set_new(s, "role", json_string("console_surgeon"));
		json_object_set_new(s, "notes", json_string("a \"quoted\" note\nover two lines \u00e9"));
	} else {
		json_object_set_new(s, "platform", json_null());
		json_object_set_new(s, "notes", json_null());
	}
	return s;
}

static json_t *sim_json(int items)
{
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)5, "trainee", (json_int_t)8,
			      "trainer", (json_int_t)3, "attempts", (json_int_t)2, "kind", "simulator", "sha256", "ab",
			      "attempts_sha256", "cd", "status", "pending");

	if (items)
		json_object_set_new(o, "items", json_pack("[{s:s,s:s,s:s,s:f,s:b},{s:s,s:s,s:s,s:f,s:b}]",
							  "platform", "sim_dvss", "exercise", "Ring Walk", "attempt_at",
							  "2026-11-01T10:00:00Z", "score_pct", 91.505, "passed", 1,
							  "platform", "sim_mimic", "exercise", "Pick & Place", "attempt_at",
							  "2026-11-01T10:05:00Z", "score_pct", 40.0, "passed", 0));
	return o;
}

static json_t *cert_json(int verified)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:b,s:s}}", "id", (json_int_t)6, "trainee",
			 (json_int_t)8, "kind", "certificate", "sha256", "ab", "attempts_sha256", "cd", "certificate",
			 "kind", "xapi", "issuer", "https://lms.example", "achievement", "Basics", "completed_on",
			 "2026-10-01", "verified", verified, "verification", "no proof");
}

static json_t *report_json(void)
{
	return json_pack("{s:{s:s,s:I,s:s},s:[I,I,I],s:s}", "curriculum", "code", "ras-core", "version", (json_int_t)3,
			 "sha256", "0123456789abcdef", "accreditation_evidence", (json_int_t)5, (json_int_t)9,
			 (json_int_t)12, "status", "eligible");
}

#define NCASES 27

static json_t *build_case(int i)
{
	struct rl_signer by = { 3, key_b64, "2026-11-30T01:05:00Z" };
	json_t *in = NULL, *steps = NULL, *out = NULL;

	switch (i) {
	case 0: out = rl_stmt_session_signoff(in = session_json(1), "confirmed", "console_surgeon",
					      steps = json_pack("[s]", "docking"), NULL, &by); break;
	case 1: out = rl_stmt_session_signoff(in = session_json(0), "rejected", NULL, NULL, "not at the console", &by); break;
	case 2: out = rl_stmt_session_signoff(in = session_json(1), "confirmed", "", steps = json_array(), "", &by); break;
	case 3: out = rl_stmt_assessment(8, 4, "gears", steps = json_pack("[i,i,i]", 4, 5, 3), &by); break;
	case 4: out = rl_stmt_assessment_superseding(8, 4, "gears", NULL, 9, &by); break;
	case 5: out = rl_stmt_module_completion(8, "ras-core", 1, "m1", &by); break;
	case 6: out = rl_stmt_module_completion_superseding(8, "ras-core", 2, "m2", 10, &by); break;
	case 7: out = rl_stmt_signoff_withdrawal(8, 12, "signed by mistake", &by); break;
	case 8: out = rl_stmt_trainer_accreditation(3, key_b64, "2026-01-01", "2027-12-31", &by); break;
	case 9: out = rl_stmt_trainer_accreditation_superseding(3, key_b64, "2026-01-01", "2027-12-31", 4, &by); break;
	case 10: out = rl_stmt_accreditation(8, "ras-core", 1, "2027-12-31", &by); break;
	case 11: out = rl_stmt_accreditation(8, "ras-core", 1, NULL, &by); break;
	case 12: out = rl_stmt_accreditation_for(in = report_json(), 8, "2028-01-31", &by); break;
	case 13: out = rl_stmt_accreditation_for(in = report_json(), 8, NULL, &by); break;
	case 14: out = rl_stmt_revocation(8, 40, "accredited in error", &by); break;
	case 15: out = rl_stmt_simulator_import(in = sim_json(1), "confirmed", NULL, &by); break;
	case 16: out = rl_stmt_simulator_import(in = sim_json(0), "rejected", "wrong trainee", &by); break;
	case 17: out = rl_stmt_elearning_confirmation(in = cert_json(0), "confirmed", NULL, 1, &by); break;
	case 18: out = rl_stmt_elearning_confirmation(in = cert_json(1), "rejected", "not on the list", 0, &by); break;
	case 19: out = rl_stmt_curriculum("ras-core", 1, in = report_json(), "ab", "2026-11-30T01:00:00Z"); break;
	case 20: out = rl_stmt_enrolment(8, "ras-core", 1, "ab", "2026-11-30T01:00:00Z"); break;
	case 21: out = rl_stmt_device_key(3, key_b64, &by); break;
	case 22: out = rl_stmt_faculty_key(2, key_b64, "2026-11-30T01:00:00Z"); break;
	case 23: out = rl_stmt_key_revocation(3, key_b64, "2026-11-30T01:00:00Z"); break;
	case 24: out = rl_stmt_session_signoff(in = session_json(1), "confirmed", NULL, NULL, NULL, NULL); break;
	case 25: { struct rl_signer nokey = { 3, NULL, NULL };
		   out = rl_stmt_device_key(3, key_b64, &nokey); break; }
	case 26: out = rl_stmt_elearning_confirmation(in = json_pack("{s:I,s:I}", "id", (json_int_t)6, "trainee",
								   (json_int_t)8), "confirmed", NULL, 0, &by); break;
	}
	json_decref(in);
	json_decref(steps);
	return out;
}

/* JCS of each case as the builders wrote it before they rendered typed records (captured from that code). */
static const char *const golden[NCASES] = {
	/* 0 */ "{\"decision\":\"confirmed\",\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"role\":\""
		"console_surgeon\",\"session\":{\"activity\":\"console_modular\",\"created_at\":\"2026-11-01T10:0"
		"0:00Z\",\"date\":\"2026-11-01\",\"id\":4,\"minutes\":60,\"notes\":\"a \\\"quoted\\\" note\\nover"
		" two lines \303\251\",\"platform\":\"davinci_xi\",\"procedure\":\"Prostatectomy\",\"role\":\"con"
		"sole_surgeon\",\"site\":\"St Elsewhere\",\"steps\":[\"docking\",\"suturing\"],\"trainee\":8,\"tr"
		"ainer\":3},\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"steps\":[\"docking\"],\"type\":"
		"\"session_signoff\",\"v\":1}",
	/* 1 */ "{\"decision\":\"rejected\",\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"reason\":\""
		"not at the console\",\"session\":{\"activity\":\"console_modular\",\"created_at\":\"2026-11-01T1"
		"0:00:00Z\",\"date\":\"2026-11-01\",\"id\":4,\"minutes\":60,\"trainee\":8,\"trainer\":3},\"signed"
		"_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"type\":\"session_signoff\",\"v\":1}",
	/* 2 */ "{\"decision\":\"confirmed\",\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"session\""
		":{\"activity\":\"console_modular\",\"created_at\":\"2026-11-01T10:00:00Z\",\"date\":\"2026-11-01"
		"\",\"id\":4,\"minutes\":60,\"notes\":\"a \\\"quoted\\\" note\\nover two lines \303\251\",\"platf"
		"orm\":\"davinci_xi\",\"procedure\":\"Prostatectomy\",\"role\":\"console_surgeon\",\"site\":\"St "
		"Elsewhere\",\"steps\":[\"docking\",\"suturing\"],\"trainee\":8,\"trainer\":3},\"signed_at\":\"20"
		"26-11-30T01:05:00Z\",\"signer\":3,\"type\":\"session_signoff\",\"v\":1}",
	/* 3 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"scores\":[4,5,3],\"session\":4,\"sig"
		"ned_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"tool\":\"gears\",\"trainee\":8,\"type\":\"asses"
		"sment\",\"v\":1}",
	/* 4 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"scores\":[],\"session\":4,\"signed_a"
		"t\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"supersedes\":9,\"tool\":\"gears\",\"trainee\":8,\"ty"
		"pe\":\"assessment\",\"v\":1}",
	/* 5 */ "{\"curriculum\":{\"code\":\"ras-core\",\"version\":1},\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGD"
		"ywOCA4pNcQI=\",\"module\":\"m1\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"trainee\""
		":8,\"type\":\"module_completion\",\"v\":1}",
	/* 6 */ "{\"curriculum\":{\"code\":\"ras-core\",\"version\":2},\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGD"
		"ywOCA4pNcQI=\",\"module\":\"m2\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"supersede"
		"s\":10,\"trainee\":8,\"type\":\"module_completion\",\"v\":1}",
	/* 7 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"reason\":\"signed by mistake\",\"sig"
		"ned_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"signoff_index\":12,\"trainee\":8,\"type\":\"sig"
		"noff_withdrawal\",\"v\":1}",
	/* 8 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\""
		",\"signer\":3,\"trainer\":3,\"trainer_key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"t"
		"ype\":\"trainer_accreditation\",\"v\":1,\"valid_from\":\"2026-01-01\",\"valid_until\":\"2027-12-"
		"31\"}",
	/* 9 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\""
		",\"signer\":3,\"supersedes\":4,\"trainer\":3,\"trainer_key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDy"
		"wOCA4pNcQI=\",\"type\":\"trainer_accreditation\",\"v\":1,\"valid_from\":\"2026-01-01\",\"valid_u"
		"ntil\":\"2027-12-31\"}",
	/* 10 */ "{\"curriculum\":{\"code\":\"ras-core\",\"version\":1},\"decision\":\"accredited\",\"key\":\"7ndq"
		"Kds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\""
		"trainee\":8,\"type\":\"accreditation\",\"v\":1,\"valid_until\":\"2027-12-31\"}",
	/* 11 */ "{\"curriculum\":{\"code\":\"ras-core\",\"version\":1},\"decision\":\"accredited\",\"key\":\"7ndq"
		"Kds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\""
		"trainee\":8,\"type\":\"accreditation\",\"v\":1}",
	/* 12 */ "{\"curriculum\":{\"code\":\"ras-core\",\"sha256\":\"0123456789abcdef\",\"version\":3},\"decision"
		"\":\"accredited\",\"evidence\":[5,9,12],\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\""
		",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"trainee\":8,\"type\":\"accreditation\",\""
		"v\":2,\"valid_until\":\"2028-01-31\"}",
	/* 13 */ "{\"curriculum\":{\"code\":\"ras-core\",\"sha256\":\"0123456789abcdef\",\"version\":3},\"decision"
		"\":\"accredited\",\"evidence\":[5,9,12],\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\""
		",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"trainee\":8,\"type\":\"accreditation\",\""
		"v\":2}",
	/* 14 */ "{\"accreditation_index\":40,\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"reason\":"
		"\"accredited in error\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"subject\":8,\"type"
		"\":\"revocation\",\"v\":1}",
	/* 15 */ "{\"decision\":\"confirmed\",\"import\":{\"attempts\":2,\"attempts_sha256\":\"cd\",\"id\":5,\"kin"
		"d\":\"simulator\",\"results\":[{\"attempt_at\":\"2026-11-01T10:00:00Z\",\"exercise\":\"Ring Walk"
		"\",\"passed\":1,\"platform\":\"sim_dvss\",\"score_bp\":9151},{\"attempt_at\":\"2026-11-01T10:05:"
		"00Z\",\"exercise\":\"Pick & Place\",\"passed\":0,\"platform\":\"sim_mimic\",\"score_bp\":4000}],"
		"\"sha256\":\"ab\",\"trainee\":8,\"trainer\":3},\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4p"
		"NcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"type\":\"simulator_import\",\"v\":"
		"1}",
	/* 16 */ "{\"decision\":\"rejected\",\"import\":{\"attempts\":2,\"attempts_sha256\":\"cd\",\"id\":5,\"kind"
		"\":\"simulator\",\"sha256\":\"ab\",\"trainee\":8,\"trainer\":3},\"key\":\"7ndqKds02qBRJJEPN+GY8y"
		"x3QSxgQLGDywOCA4pNcQI=\",\"reason\":\"wrong trainee\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"s"
		"igner\":3,\"type\":\"simulator_import\",\"v\":1}",
	/* 17 */ "{\"decision\":\"confirmed\",\"import\":{\"achievement\":\"Basics\",\"attempts_sha256\":\"cd\",\""
		"certificate_kind\":\"xapi\",\"completed_on\":\"2026-10-01\",\"id\":6,\"issuer\":\"https://lms.ex"
		"ample\",\"kind\":\"certificate\",\"sha256\":\"ab\",\"trainee\":8,\"verified\":false},\"key\":\"7"
		"ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":"
		"3,\"type\":\"elearning_confirmation\",\"unverified_ok\":true,\"v\":1}",
	/* 18 */ "{\"decision\":\"rejected\",\"import\":{\"achievement\":\"Basics\",\"attempts_sha256\":\"cd\",\"c"
		"ertificate_kind\":\"xapi\",\"completed_on\":\"2026-10-01\",\"id\":6,\"issuer\":\"https://lms.exa"
		"mple\",\"kind\":\"certificate\",\"sha256\":\"ab\",\"trainee\":8,\"verified\":true},\"key\":\"7nd"
		"qKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"reason\":\"not on the list\",\"signed_at\":\"2026-"
		"11-30T01:05:00Z\",\"signer\":3,\"type\":\"elearning_confirmation\",\"v\":1}",
	/* 19 */ "{\"curriculum\":{\"code\":\"ras-core\",\"version\":1},\"definition\":{\"accreditation_evidence\""
		":[5,9,12],\"curriculum\":{\"code\":\"ras-core\",\"sha256\":\"0123456789abcdef\",\"version\":3},\""
		"status\":\"eligible\"},\"issuer\":\"log\",\"loaded_at\":\"2026-11-30T01:00:00Z\",\"sha256\":\"ab"
		"\",\"type\":\"curriculum\",\"v\":1}",
	/* 20 */ "{\"curriculum\":{\"code\":\"ras-core\",\"sha256\":\"ab\",\"version\":1},\"enrolled_at\":\"2026-1"
		"1-30T01:00:00Z\",\"issuer\":\"log\",\"trainee\":8,\"type\":\"enrolment\",\"v\":1}",
	/* 21 */ "{\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"public_key\":\"7ndqKds02qBRJJEPN+GY8"
		"yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"type\":\"device_"
		"key\",\"user\":3,\"v\":1}",
	/* 22 */ "{\"faculty\":2,\"issuer\":\"log\",\"public_key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\""
		",\"registered_at\":\"2026-11-30T01:00:00Z\",\"type\":\"faculty_key\",\"v\":1}",
	/* 23 */ "{\"issuer\":\"log\",\"public_key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"revoked_at"
		"\":\"2026-11-30T01:00:00Z\",\"type\":\"key_revocation\",\"user\":3,\"v\":1}",
	/* 24 */ "{\"decision\":\"confirmed\",\"session\":{\"activity\":\"console_modular\",\"created_at\":\"2026-"
		"11-01T10:00:00Z\",\"date\":\"2026-11-01\",\"id\":4,\"minutes\":60,\"notes\":\"a \\\"quoted\\\" n"
		"ote\\nover two lines \303\251\",\"platform\":\"davinci_xi\",\"procedure\":\"Prostatectomy\",\"ro"
		"le\":\"console_surgeon\",\"site\":\"St Elsewhere\",\"steps\":[\"docking\",\"suturing\"],\"traine"
		"e\":8,\"trainer\":3},\"type\":\"session_signoff\",\"v\":1}",
	/* 25 */ "{\"key\":\"\",\"public_key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed_at\":\"\""
		",\"signer\":3,\"type\":\"device_key\",\"user\":3,\"v\":1}",
	/* 26 */ "{\"decision\":\"confirmed\",\"import\":{\"achievement\":\"\",\"attempts_sha256\":\"\",\"certific"
		"ate_kind\":\"\",\"completed_on\":\"\",\"id\":6,\"issuer\":\"\",\"kind\":\"\",\"sha256\":\"\",\"t"
		"rainee\":8,\"verified\":false},\"key\":\"7ndqKds02qBRJJEPN+GY8yx3QSxgQLGDywOCA4pNcQI=\",\"signed"
		"_at\":\"2026-11-30T01:05:00Z\",\"signer\":3,\"type\":\"elearning_confirmation\",\"v\":1}",
};

static char *jcs(const json_t *o)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len;
	char *t = o ? rl_jcs_string(o, &len, &err) : NULL;

	rl_error_clear(&err);
	return t;
}

/* A field error naming field exactly, with a message containing want. */
static int names(const struct rl_error *err, const char *field, const char *want)
{
	for (int i = 0; i < err->nfields; i++)
		if (strcmp(err->fields[i].field, field) == 0 && strstr(err->fields[i].message, want))
			return 1;
	return 0;
}

/* Every builder, with optional members present and absent, writes the bytes it wrote before. */
static void builders_write_golden_bytes(void **state)
{
	(void)state;
	for (int i = 0; i < NCASES; i++) {
		json_t *o = build_case(i);
		char *t = jcs(o);

		if (!t)
			fail_msg("case %d built nothing", i);
		if (strcmp(t, golden[i]) != 0)
			fail_msg("case %d:\n got  %s\n want %s", i, t, golden[i]);
		free(t);
		json_decref(o);
	}
}

/* Every statement of the demo's ledger, read as a typed record, renders back to the bytes stored (signed). */
static void demo_ledger_round_trips(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t plen = strlen(RL_STATEMENT_PREFIX), n = 0;
	int kinds[RL_K_COUNT] = { 0 };
	int64_t size = 0;

	(void)state;
	assert_int_equal(rl_ledger_size(db, &size, &err), 0);
	for (int64_t idx = 0; idx < size; idx++) {
		struct rl_row_ledger_entry e;
		struct rl_statement st;
		json_t *j, *back;
		char *t;

		if (rl_rows_ledger_entry(db, idx, &e, &err) != 1)
			continue;
		assert_non_null(e.message);
		assert_true(e.message_len > plen);
		j = json_loadb(e.message + plen, e.message_len - plen, 0, NULL);
		assert_non_null(j);
		if (rl_statement_read(j, "statement", &st, &err) < 0)
			fail_msg("ledger index %lld does not read: %s", (long long)idx, err.detail);
		back = rl_statement_to_json(&st);
		t = jcs(back);
		assert_non_null(t);
		if (strcmp(t, e.message + plen) != 0)
			fail_msg("ledger index %lld (%s):\n rendered %s\n stored   %s", (long long)idx, e.kind, t,
				 e.message + plen);
		kinds[st.kind]++;
		n++;
		free(t);
		json_decref(back);
		json_decref(j);
		rl_row_ledger_entry_release(&e);
	}
	assert_true(n > 50);
	assert_int_equal((long long)n, demo_scalar("SELECT count(*) FROM ledger"));
	assert_true(kinds[RL_K_SESSION] > 0 && kinds[RL_K_ACC] > 0 && kinds[RL_K_SIM_IMPORT] > 0 &&
		    kinds[RL_K_TRAINER_ACC] > 0 && kinds[RL_K_ENROLMENT] > 0);
	print_message("# %zu demo statements render back byte for byte\n", n);
}

/* A session without a required member, or with one of the wrong type, is refused naming its path; the builder builds nothing. */
static void session_reader_names_members(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt_session s;
	struct rl_signer by = { 3, key_b64, "2026-11-30T01:05:00Z" };
	json_t *in = session_json(1);

	(void)state;
	assert_int_equal(rl_stmt_session_from_api(in, &s, &err), 0);
	assert_int_equal(s.id, 4);
	assert_int_equal(s.trainee, 8);
	assert_int_equal(s.minutes, 60);
	assert_string_equal(s.platform, "davinci_xi");
	assert_int_equal(json_array_size(s.steps), 2);

	json_object_del(in, "trainee");
	json_object_set_new(in, "minutes", json_string("60"));
	json_object_set_new(in, "site", json_integer(7));
	json_object_set_new(in, "steps", json_pack("[s,i]", "docking", 3));
	assert_int_equal(rl_stmt_session_from_api(in, &s, &err), -1);
	assert_true(names(&err, "session.trainee", "is required"));
	assert_true(names(&err, "session.minutes", "must be an integer"));
	assert_true(names(&err, "session.site", "must be a string"));
	assert_true(names(&err, "session.steps", "must be an array of strings"));
	assert_int_equal(err.nfields, 4);
	rl_error_clear(&err);
	assert_null(rl_stmt_session_signoff(in, "confirmed", NULL, NULL, NULL, &by));
	json_decref(in);

	assert_int_equal(rl_stmt_session_from_api(json_null(), &s, &err), -1);
	assert_true(names(&err, "session", "must be an object"));
	rl_error_clear(&err);
}

/* An import and a report likewise. */
static void import_and_report_readers_name_members(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_stmt_import imp;
	struct rl_stmt_curriculum cur;
	const json_t *ev;
	struct rl_signer by = { 3, key_b64, "2026-11-30T01:05:00Z" };
	json_t *cert = cert_json(1), *sim = sim_json(1), *report = report_json();

	(void)state;
	assert_int_equal(rl_stmt_import_from_api(cert, 1, &imp, &err), 0);
	assert_string_equal(imp.issuer, "https://lms.example");
	assert_int_equal(imp.verified, 1);
	json_object_del(cert, "id");
	json_object_set_new(json_object_get(cert, "certificate"), "issuer", json_integer(1));
	json_object_set_new(json_object_get(cert, "certificate"), "verified", json_string("yes"));
	assert_int_equal(rl_stmt_import_from_api(cert, 1, &imp, &err), -1);
	assert_true(names(&err, "import.id", "is required"));
	assert_true(names(&err, "import.certificate.issuer", "must be a string"));
	assert_true(names(&err, "import.certificate.verified", "must be true or false"));
	rl_error_clear(&err);
	assert_null(rl_stmt_elearning_confirmation(cert, "confirmed", NULL, 0, &by));

	json_object_set_new(json_array_get(json_object_get(sim, "items"), 1), "score_pct", json_string("40"));
	assert_null(rl_stmt_simulator_import(sim, "confirmed", NULL, &by));
	json_object_set_new(sim, "trainer", json_string("3"));
	assert_int_equal(rl_stmt_import_from_api(sim, 0, &imp, &err), -1);
	assert_true(names(&err, "import.trainer", "must be an integer"));
	rl_error_clear(&err);

	assert_int_equal(rl_stmt_evidence_from_report(report, &cur, &ev, &err), 0);
	assert_string_equal(cur.code, "ras-core");
	assert_int_equal(cur.version, 3);
	assert_int_equal(json_array_size(ev), 3);
	json_object_del(json_object_get(report, "curriculum"), "sha256");
	json_array_append_new(json_object_get(report, "accreditation_evidence"), json_string("7"));
	assert_int_equal(rl_stmt_evidence_from_report(report, &cur, &ev, &err), -1);
	assert_true(names(&err, "curriculum.sha256", "is required"));
	assert_true(names(&err, "accreditation_evidence[3]", "must be an integer"));
	assert_null(ev);
	rl_error_clear(&err);
	assert_null(rl_stmt_accreditation_for(report, 8, NULL, &by));
	json_decref(cert);
	json_decref(sim);
	json_decref(report);
}

static int count_key(void *ctx, const struct rl_row_key *k)
{
	(*(int *)ctx)++;
	return k->id < 0; /* never stops */
}

/* The store rows of sign-offs against the demo database: a key's round trip, a duplicate, a not-found, a list. */
static void signoff_rows_round_trip(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_row_key k;
	struct rl_row_tacc t;
	struct rl_row_ledger_entry e;
	uint8_t pk[32];
	int64_t user = demo_id("Priya Raman"), id = 0, idx;
	int before = 0, after = 0;

	(void)state;
	memset(pk, 0x5a, sizeof(pk));
	assert_int_equal(rl_rows_key_list(db, user, count_key, &before, &err), 0);
	assert_int_equal(rl_db_begin(db, &err), 0);
	assert_int_equal(rl_rows_key_insert(db, user, pk, 0, "2026-11-30T01:00:00Z", &id, &err), 0);
	assert_true(id > 0);
	assert_int_equal(rl_rows_key_insert(db, user, pk, 0, "2026-11-30T01:00:00Z", &idx, &err), 1);
	assert_int_equal(err.status, 0);
	assert_int_equal(rl_rows_key_by_id(db, id, &k, &err), 1);
	assert_int_equal(k.user, user);
	assert_memory_equal(k.public_key, pk, 32);
	assert_string_equal(k.created_at, "2026-11-30T01:00:00Z");
	assert_false(k.revoked);
	assert_int_equal(k.revoked_index, -1);
	assert_int_equal(rl_rows_key_revoke(db, id, "2026-11-30T02:00:00Z", 7, &err), 0);
	assert_int_equal(rl_rows_key_find(db, user, pk, &k, &err), 1);
	assert_int_equal(k.id, id);
	assert_true(k.revoked);
	assert_int_equal(rl_rows_key_revoked_index(db, user, pk, &idx, &err), 1);
	assert_int_equal(idx, 7);
	assert_int_equal(rl_rows_key_list(db, user, count_key, &after, &err), 0);
	assert_int_equal(after, before + 1);
	rl_db_rollback(db);
	assert_int_equal(rl_rows_key_by_id(db, id, &k, &err), 0);
	assert_int_equal(rl_rows_key_find(db, user + 1000, pk, &k, &err), 0);

	/* A demo trainer's latest accreditation, found again at its ledger index. */
	assert_int_equal(rl_rows_tacc_latest(db, demo_id("David Ellis"), &t, &err), 1);
	assert_int_equal(t.trainer, demo_id("David Ellis"));
	idx = t.index;
	assert_int_equal(rl_rows_tacc_at(db, idx, &t, &err), 1);
	assert_int_equal(t.index, idx);
	assert_int_equal(rl_rows_ledger_entry(db, idx, &e, &err), 1);
	assert_string_equal(e.kind, "trainer_accreditation");
	assert_int_equal(e.subject, demo_id("David Ellis"));
	rl_row_ledger_entry_release(&e);
	assert_int_equal(rl_rows_ledger_entry(db, 1 << 30, &e, &err), 0);
	assert_int_equal(rl_rows_tacc_at(db, 1 << 30, &t, &err), 0);
	assert_int_equal(err.status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builders_write_golden_bytes),
		cmocka_unit_test(demo_ledger_round_trips),
		cmocka_unit_test(session_reader_names_members),
		cmocka_unit_test(import_and_report_readers_name_members),
		cmocka_unit_test(signoff_rows_round_trip),
	};

	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
