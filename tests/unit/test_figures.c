/*
 * test_figures.c - rl_figures (core/domain/figures.c) on a hand-computed
 * fixture: which statements count, which are ignored, pending claims
 * beside the signed figures, accreditation and revocation, and the
 * comparison `raslog audit` and the start-up check rely on; the typed
 * evidence report rl_figures_record fills and its renderer
 * (core/domain/evidence_report.c).
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

#include "base/error.h"
#include "domain/curriculum.h"
#include "domain/evidence_report.h"
#include "domain/figures.h"
#include "domain/progress_record.h"
#include "domain/recompute.h"
#include "ledger/ledger.h"
#include "ledger/kinds.h"
#include "ledger/verify.h"

#include "json_same.h"

#include "base/banned.h"

/* gears: 6 domains scored 1..5 (schema/tools.json). */
static const char tools_json[] =
	"[{\"id\":\"gears\",\"title\":\"GEARS\",\"min\":1,\"max\":5,\"domains\":["
	"{\"id\":\"d1\",\"title\":\"1\"},{\"id\":\"d2\",\"title\":\"2\"},{\"id\":\"d3\",\"title\":\"3\"},"
	"{\"id\":\"d4\",\"title\":\"4\"},{\"id\":\"d5\",\"title\":\"5\"},{\"id\":\"d6\",\"title\":\"6\"}]}]";

/* Module a: 60 simulator minutes, 2 console cases performed, 1 GEARS of at least 18, a sign-off.
 * Module b (needs a): 1 console case performed. */
#define CURRICULUM(sim, cases) \
	"{\"code\":\"fx\",\"version\":1,\"title\":\"Fixture\",\"modules\":[" \
	"{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" \
	"{\"id\":\"sim\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":" #sim "}," \
	"{\"id\":\"cases\",\"kind\":\"cases\",\"activity\":\"console_full\",\"roles\":\"P\",\"target\":" #cases "}," \
	"{\"id\":\"gears\",\"kind\":\"assessments\",\"tool\":\"gears\",\"total_min\":18,\"target\":1}," \
	"{\"id\":\"ok\",\"kind\":\"module_signoff\"}]}," \
	"{\"id\":\"b\",\"title\":\"B\",\"prerequisites\":[\"a\"],\"requirements\":[" \
	"{\"id\":\"cases\",\"kind\":\"cases\",\"activity\":\"console_full\",\"roles\":\"P\",\"target\":1}]}]}"

static const char entries_json[] = "["
	/* Session 1: 45 simulator minutes, confirmed. */
	"{\"index\":10,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"confirmed\",\"signer\":3,"
	"\"signed_at\":\"2026-01-02T10:00:00Z\",\"role\":\"P\",\"session\":{\"id\":1,\"trainee\":7,\"trainer\":3,"
	"\"date\":\"2026-01-02\",\"minutes\":45,\"activity\":\"simulator\",\"role\":\"P\"}}},"
	/* Session 2: claimed P, the trainer signed A: not a performed case. */
	"{\"index\":11,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"confirmed\",\"signer\":3,"
	"\"signed_at\":\"2026-01-02T10:01:00Z\",\"role\":\"A\",\"session\":{\"id\":2,\"trainee\":7,\"trainer\":3,"
	"\"date\":\"2026-01-01\",\"minutes\":30,\"activity\":\"console_full\",\"role\":\"P\"}}},"
	/* Session 3: a performed console case. */
	"{\"index\":12,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"confirmed\",\"signer\":3,"
	"\"signed_at\":\"2026-01-03T10:00:00Z\",\"role\":\"P\",\"session\":{\"id\":3,\"trainee\":7,\"trainer\":3,"
	"\"date\":\"2026-01-03\",\"minutes\":50,\"activity\":\"console_full\",\"role\":\"P\"}}},"
	/* Session 4: rejected; its stale pending record must not count either. */
	"{\"index\":13,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"rejected\",\"signer\":3,"
	"\"signed_at\":\"2026-01-04T10:00:00Z\",\"session\":{\"id\":4,\"trainee\":7,\"trainer\":3,"
	"\"date\":\"2026-01-04\",\"minutes\":100,\"activity\":\"simulator\"}}},"
	/* GEARS 24 >= 18 counts; GEARS 12 does not. */
	"{\"index\":14,\"statement\":{\"type\":\"assessment\",\"trainee\":7,\"session\":3,\"tool\":\"gears\","
	"\"scores\":[4,4,4,4,4,4],\"signer\":3,\"signed_at\":\"2026-01-03T11:00:00Z\"}},"
	"{\"index\":15,\"statement\":{\"type\":\"assessment\",\"trainee\":7,\"session\":1,\"tool\":\"gears\","
	"\"scores\":[2,2,2,2,2,2],\"signer\":3,\"signed_at\":\"2026-01-03T11:01:00Z\"}},"
	/* Module a signed off; a completion on another curriculum is ignored. */
	"{\"index\":16,\"statement\":{\"type\":\"module_completion\",\"trainee\":7,\"module\":\"a\","
	"\"curriculum\":{\"code\":\"fx\",\"version\":1},\"signer\":3,\"signed_at\":\"2026-01-05T10:00:00Z\"}},"
	"{\"index\":17,\"statement\":{\"type\":\"module_completion\",\"trainee\":7,\"module\":\"b\","
	"\"curriculum\":{\"code\":\"other\",\"version\":1},\"signer\":3,\"signed_at\":\"2026-01-05T10:00:00Z\"}},"
	/* Another trainee's session. */
	"{\"index\":18,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"confirmed\",\"signer\":3,"
	"\"signed_at\":\"2026-01-02T10:00:00Z\",\"session\":{\"id\":9,\"trainee\":8,\"trainer\":3,"
	"\"date\":\"2026-01-02\",\"minutes\":500,\"activity\":\"simulator\"}}},"
	/* Accredited at 19, revoked at 20. */
	"{\"index\":19,\"statement\":{\"type\":\"accreditation\",\"trainee\":7,\"decision\":\"accredited\","
	"\"curriculum\":{\"code\":\"fx\",\"version\":1},\"signer\":1,\"signed_at\":\"2026-01-06T10:00:00Z\"}},"
	"{\"index\":20,\"statement\":{\"type\":\"revocation\",\"subject\":7,\"accreditation_index\":19,"
	"\"signer\":1,\"signed_at\":\"2026-01-07T10:00:00Z\"}},"
	/* A second decision on session 1 is ignored. */
	"{\"index\":21,\"statement\":{\"type\":\"session_signoff\",\"decision\":\"confirmed\",\"signer\":3,"
	"\"signed_at\":\"2026-01-08T10:00:00Z\",\"session\":{\"id\":1,\"trainee\":7,\"trainer\":3,"
	"\"date\":\"2026-01-02\",\"minutes\":500,\"activity\":\"simulator\"}}}"
	"]";

static const char pending_json[] = "["
	"{\"id\":4,\"trainee\":7,\"trainer\":3,\"date\":\"2026-01-04\",\"minutes\":100,\"activity\":\"simulator\","
	"\"status\":\"pending\"},"
	"{\"id\":5,\"trainee\":7,\"trainer\":3,\"date\":\"2026-01-09\",\"minutes\":20,\"activity\":\"simulator\","
	"\"status\":\"pending\"}"
	"]";

struct fixture {
	struct rl_tools *tools;
	json_t *entries, *pending;
};

static int setup(void **state)
{
	static struct fixture f;
	struct rl_error err = RL_ERROR_INIT;

	assert_int_equal(rl_tools_parse(tools_json, strlen(tools_json), &f.tools, &err), 0);
	f.entries = json_loads(entries_json, 0, NULL);
	f.pending = json_loads(pending_json, 0, NULL);
	assert_non_null(f.entries);
	assert_non_null(f.pending);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rl_tools_free(f->tools);
	json_decref(f->entries);
	json_decref(f->pending);
	return 0;
}

static struct rl_curriculum *curriculum(const struct fixture *f, const char *json)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;

	if (rl_curriculum_parse(json, strlen(json), f->tools, &c, &err) < 0)
		fail_msg("curriculum: %s", err.detail);
	return c;
}

static json_t *module_of(json_t *ev, const char *id)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(ev, "modules"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
			return m;
	fail_msg("no module %s", id);
	return NULL;
}

static json_t *req_of(json_t *ev, const char *key)
{
	size_t i, j;
	json_t *m, *r;

	json_array_foreach(json_object_get(ev, "modules"), i, m)
		json_array_foreach(json_object_get(m, "requirements"), j, r)
			if (strcmp(json_string_value(json_object_get(r, "key")), key) == 0)
				return r;
	fail_msg("no requirement %s", key);
	return NULL;
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "(none)";
}

static void test_fixture_by_hand(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	json_t *ev = rl_figures(c, f->tools, 7, f->entries, f->pending, "2026-06-01", &err), *r, *items;

	assert_non_null(ev);
	/* 45 signed simulator minutes (session 1 once; session 4 rejected; trainee 8's ignored), 20 pending (session 5 only). */
	r = req_of(ev, "a/sim");
	assert_int_equal(num(r, "signed"), 45);
	assert_int_equal(num(r, "pending"), 20);
	assert_string_equal(str(r, "status"), "in_progress");
	items = json_object_get(r, "evidence");
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(num(json_array_get(items, 0), "ledger_index"), 10);
	assert_int_equal(num(json_array_get(items, 0), "amount"), 45);
	/* One performed case: the trainer's view (A) of session 2 counts, not the claim (P). */
	r = req_of(ev, "a/cases");
	assert_int_equal(num(r, "signed"), 1);
	assert_int_equal(json_array_size(json_object_get(r, "evidence")), 1);
	assert_int_equal(num(json_array_get(json_object_get(r, "evidence"), 0), "session"), 3);
	assert_string_equal(str(json_array_get(json_object_get(r, "evidence"), 0), "signed_role"), "P");
	/* GEARS 24 counts, 12 does not; both are listed among the assessments, by session date. */
	r = req_of(ev, "a/gears");
	assert_int_equal(num(r, "signed"), 1);
	assert_string_equal(str(r, "status"), "met");
	assert_int_equal(json_array_size(json_object_get(ev, "assessments")), 2);
	assert_int_equal(num(json_array_get(json_object_get(ev, "assessments"), 0), "total"), 12);
	assert_string_equal(str(json_array_get(json_object_get(ev, "assessments"), 0), "date"), "2026-01-02");
	assert_int_equal(num(json_array_get(json_object_get(ev, "assessments"), 1), "total"), 24);
	/* The module sign-off of fx counts; the one of "other" does not. */
	assert_int_equal(num(req_of(ev, "a/ok"), "signed"), 1);
	assert_string_equal(str(module_of(ev, "a"), "status"), "in_progress");
	assert_string_equal(str(module_of(ev, "b"), "status"), "blocked");
	assert_int_equal(num(req_of(ev, "b/cases"), "signed"), 1);
	/* Revoked: not accredited. */
	assert_string_equal(str(ev, "status"), "in_training");
	assert_string_equal(str(ev, "evaluated_status"), "in_training");
	assert_null(json_object_get(ev, "accreditation"));
	/* Pending lists only the undecided claim. */
	assert_int_equal(json_array_size(json_object_get(ev, "pending")), 1);
	assert_int_equal(num(json_array_get(json_object_get(ev, "pending"), 0), "session"), 5);
	json_decref(ev);
	rl_curriculum_free(c);
}

static void test_eligible_accredited_lapsed(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(45, 1));
	struct rl_error err = RL_ERROR_INIT;
	json_t *entries = json_deep_copy(f->entries), *ev;

	/* With the revocation: eligible, not accredited. */
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-06-01", &err);
	assert_non_null(ev);
	assert_string_equal(str(module_of(ev, "a"), "status"), "met");
	assert_string_equal(str(module_of(ev, "b"), "status"), "met");
	assert_string_equal(str(ev, "status"), "eligible");
	json_decref(ev);
	/* Without it: accredited at 19. */
	json_array_remove(entries, 10); /* index 20, the revocation */
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-06-01", &err);
	assert_string_equal(str(ev, "status"), "accredited");
	assert_int_equal(num(json_object_get(ev, "accreditation"), "ledger_index"), 19);
	json_decref(ev);
	/* valid_until before today: lapsed. */
	json_object_set_new(json_object_get(json_array_get(entries, 9), "statement"), "valid_until",
			    json_string("2026-03-01"));
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-06-01", &err);
	assert_string_equal(str(ev, "status"), "lapsed");
	assert_string_equal(str(json_object_get(ev, "accreditation"), "valid_until"), "2026-03-01");
	json_decref(ev);
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-03-01", &err);
	assert_string_equal(str(ev, "status"), "accredited");
	json_decref(ev);
	json_decref(entries);
	rl_curriculum_free(c);
}

/*
 * Corrections (docs/ledger.md rule 9): a superseded assessment and a
 * withdrawn sign-off count nowhere, the withdrawn session is a pending
 * claim again, the report names the corrections, and the evidence an
 * accreditation would name follows.
 */
static void test_corrections(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	json_t *entries = json_deep_copy(f->entries), *pending = json_deep_copy(f->pending), *ev, *ae;

	/* Without the fixture's second decision on session 1 (21), which the server refuses while 10 stands. */
	json_array_remove(entries, json_array_size(entries) - 1);
	/* 30: GEARS 24 at 14 corrected to 12; 31: the sign-off of session 1 (index 10) withdrawn. */
	json_array_append_new(entries, json_loads("{\"index\":30,\"statement\":{\"type\":\"assessment\",\"trainee\":7,"
		"\"session\":3,\"tool\":\"gears\",\"scores\":[2,2,2,2,2,2],\"supersedes\":14,\"signer\":3,"
		"\"signed_at\":\"2026-01-06T10:00:00Z\"}}", 0, NULL));
	json_array_append_new(entries, json_loads("{\"index\":31,\"statement\":{\"type\":\"signoff_withdrawal\","
		"\"trainee\":7,\"signoff_index\":10,\"reason\":\"wrong session\",\"signer\":3,"
		"\"signed_at\":\"2026-01-06T10:01:00Z\"}}", 0, NULL));
	json_array_append_new(pending, json_pack("{s:i,s:i,s:i,s:s,s:i,s:s,s:s}", "id", 1, "trainee", 7, "trainer", 3,
						 "date", "2026-01-02", "minutes", 45, "activity", "simulator",
						 "status", "pending"));
	ev = rl_figures(c, f->tools, 7, entries, pending, "2026-06-01", &err);
	assert_non_null(ev);
	assert_int_equal(num(req_of(ev, "a/gears"), "signed"), 0);
	assert_int_equal(json_array_size(json_object_get(ev, "assessments")), 2);
	assert_int_equal(num(json_array_get(json_object_get(ev, "assessments"), 0), "ledger_index") +
			 num(json_array_get(json_object_get(ev, "assessments"), 1), "ledger_index"), 15 + 30);
	assert_int_equal(num(req_of(ev, "a/sim"), "signed"), 0);
	assert_int_equal(num(req_of(ev, "a/sim"), "pending"), 65);
	assert_int_equal(json_array_size(json_object_get(ev, "corrections")), 2);
	ae = json_object_get(ev, "accreditation_evidence");
	assert_true(json_is_array(ae));
	for (size_t i = 0; i < json_array_size(ae); i++) {
		json_int_t x = json_integer_value(json_array_get(ae, i));
		assert_true(x != 10 && x != 14);
		if (i)
			assert_true(json_integer_value(json_array_get(ae, i - 1)) < json_integer_value(json_array_get(ae, i)));
	}
	json_decref(ev);
	json_decref(entries);
	json_decref(pending);
	rl_curriculum_free(c);
}

static void test_view_and_compare(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	json_t *ev = rl_figures(c, f->tools, 7, f->entries, f->pending, "2026-06-01", &err);
	json_t *server = json_deep_copy(ev), *lv, *sv, *diffs = json_array(), *d;

	lv = rl_figures_view(ev);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(lv, "figures"), "a/sim")), 45);
	assert_string_equal(json_string_value(json_object_get(json_object_get(lv, "figures"), "module:b")), "blocked");
	/* Equal views: nothing to name, pending amounts aside. */
	json_object_set_new(req_of(server, "a/sim"), "pending", json_integer(999));
	sv = rl_figures_view(server);
	assert_int_equal(rl_figures_compare(7, sv, lv, diffs), 0);
	json_decref(sv);
	/* A tampered figure and status are named: trainee, requirement, server, ledger. */
	json_object_set_new(req_of(server, "a/sim"), "signed", json_integer(100000));
	json_object_set_new(server, "status", json_string("eligible"));
	sv = rl_figures_view(server);
	assert_int_equal(rl_figures_compare(7, sv, lv, diffs), 2);
	d = json_array_get(diffs, 0);
	assert_string_equal(str(d, "requirement"), "status");
	assert_string_equal(str(d, "server"), "eligible");
	assert_string_equal(str(d, "ledger"), "in_training");
	d = json_array_get(diffs, 1);
	assert_int_equal(num(d, "trainee"), 7);
	assert_string_equal(str(d, "requirement"), "a/sim");
	assert_int_equal(num(d, "server"), 100000);
	assert_int_equal(num(d, "ledger"), 45);
	json_decref(sv);
	json_decref(lv);
	json_decref(diffs);
	json_decref(server);
	json_decref(ev);
	rl_curriculum_free(c);
}

/*
 * Simulator proficiency from simulator_import statements alone: attempts of
 * several confirmed imports merge by exercise in attempt order; a rejected
 * import, a second decision on one import and another trainee's import count
 * nowhere.
 */
#define SIMCUR "{\"code\":\"fx\",\"version\":1,\"title\":\"Fixture\",\"modules\":[{\"id\":\"s\",\"title\":\"S\"," \
	"\"requirements\":[{\"id\":\"bench\",\"kind\":\"simulator\",\"exercises\":[\"Pick and Place\",\"Ring Walk 2\"," \
	"\"Suture Sponge 1\"],\"min_score\":90,\"consecutive\":2}]}]}"
#define SIMST(idx, id, trainee, decision, results) \
	"{\"index\":" #idx ",\"statement\":{\"type\":\"simulator_import\",\"decision\":\"" decision "\",\"signer\":3," \
	"\"signed_at\":\"2026-01-05T10:00:00Z\",\"import\":{\"id\":" #id ",\"trainee\":" #trainee ",\"trainer\":3," \
	"\"results\":[" results "]}}}"
#define R(ex, at, bp) "{\"platform\":\"sim_simnow\",\"exercise\":\"" ex "\",\"attempt_at\":\"" at "\",\"score_bp\":" #bp ",\"passed\":1}"

static void test_simulator_imports(void **state)
{
	const struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = curriculum(f, SIMCUR);
	const char *entries_text = "["
		/* Pick and Place: 95 (import 1, later attempt) and 91 (import 2, earlier): two in a row across imports. */
		SIMST(30, 1, 7, "confirmed", R("Pick and Place", "2026-01-03T10:00:00Z", 9500) ","
					      R("Ring Walk 2", "2026-01-03T11:00:00Z", 9900)) ","
		SIMST(31, 2, 7, "confirmed", R("Pick and Place", "2026-01-02T10:00:00Z", 9100) ","
					      R("Ring Walk 2", "2026-01-04T11:00:00Z", 8999) ","
					      R("Ring Walk 2", "2026-01-05T11:00:00Z", 9999)) ","
		/* Suture Sponge 1: rejected, then a second (confirmed) decision on the same import: neither counts. */
		SIMST(32, 3, 7, "rejected", R("Suture Sponge 1", "2026-01-02T10:00:00Z", 9500) ","
					     R("Suture Sponge 1", "2026-01-02T10:10:00Z", 9500)) ","
		SIMST(33, 3, 7, "confirmed", R("Suture Sponge 1", "2026-01-02T10:00:00Z", 9500) ","
					      R("Suture Sponge 1", "2026-01-02T10:10:00Z", 9500)) ","
		/* Another trainee's import. */
		SIMST(34, 4, 8, "confirmed", R("Suture Sponge 1", "2026-01-02T10:00:00Z", 9500) ","
					      R("Suture Sponge 1", "2026-01-02T10:10:00Z", 9500))
		"]";
	json_t *entries = json_loads(entries_text, 0, NULL), *ev, *req, *item;

	assert_non_null(entries);
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-02-01", &err);
	assert_non_null(ev);
	req = req_of(ev, "s/bench");
	assert_int_equal(num(req, "target"), 3);
	/* Pick and Place: 91 then 95 in attempt order; Ring Walk 2: 99, 89.99, 99.99: the run is broken. */
	assert_int_equal(num(req, "signed"), 1);
	assert_int_equal(json_array_size(json_object_get(req, "evidence")), 1);
	item = json_array_get(json_object_get(req, "evidence"), 0);
	assert_string_equal(str(item, "type"), "simulator");
	assert_string_equal(str(item, "exercise"), "Pick and Place");
	assert_int_equal(num(item, "ledger_index"), 31);
	assert_int_equal(num(item, "attempts"), 2);
	assert_int_equal(num(item, "best_score_bp"), 9500);
	assert_int_equal(num(item, "signed_by"), 3);
	json_decref(ev);
	json_decref(entries);
	rl_curriculum_free(c);
}

/*
 * E-learning certificates from elearning_confirmation statements alone: a
 * confirmed one of the named issuer and achievement counts; a rejected
 * one, a second decision on one import, another achievement and another
 * trainee's certificate count nowhere.
 */
#define ELCUR "{\"code\":\"fx\",\"version\":1,\"title\":\"Fixture\",\"modules\":[{\"id\":\"lit\",\"title\":\"L\"," \
	"\"requirements\":[{\"id\":\"frs\",\"kind\":\"elearning\",\"issuer\":\"https://www.frsurgery.org\"," \
	"\"achievement\":\"frs-online\"}]}]}"
#define ELST(idx, id, trainee, decision, achievement) \
	"{\"index\":" #idx ",\"statement\":{\"type\":\"elearning_confirmation\",\"decision\":\"" decision "\",\"signer\":3," \
	"\"signed_at\":\"2026-01-05T10:00:00Z\",\"unverified_ok\":true,\"import\":{\"id\":" #id ",\"trainee\":" #trainee "," \
	"\"kind\":\"certificate\",\"issuer\":\"https://www.frsurgery.org\",\"achievement\":\"" achievement "\"," \
	"\"completed_on\":\"2025-03-03\",\"verified\":false}}}"

static void test_elearning_confirmations(void **state)
{
	const struct fixture *f = *state;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = curriculum(f, ELCUR);
	const char *rejected = "[" ELST(40, 1, 7, "rejected", "frs-online") "," ELST(41, 1, 7, "confirmed", "frs-online") ","
		ELST(42, 2, 7, "confirmed", "other-course") "," ELST(43, 3, 8, "confirmed", "frs-online") "]";
	const char *confirmed = "[" ELST(40, 1, 7, "rejected", "frs-online") "," ELST(44, 5, 7, "confirmed", "frs-online") "]";
	json_t *entries = json_loads(rejected, 0, NULL), *ev, *req, *item;

	assert_non_null(entries);
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-02-01", &err);
	assert_non_null(ev);
	req = req_of(ev, "lit/frs");
	assert_int_equal(num(req, "target"), 1);
	assert_int_equal(num(req, "signed"), 0);
	assert_string_equal(str(ev, "status"), "in_training");
	json_decref(ev);
	json_decref(entries);

	entries = json_loads(confirmed, 0, NULL);
	ev = rl_figures(c, f->tools, 7, entries, NULL, "2026-02-01", &err);
	assert_non_null(ev);
	req = req_of(ev, "lit/frs");
	assert_int_equal(num(req, "signed"), 1);
	assert_string_equal(str(ev, "status"), "eligible");
	item = json_array_get(json_object_get(req, "evidence"), 0);
	assert_string_equal(str(item, "type"), "elearning");
	assert_int_equal(num(item, "ledger_index"), 44);
	assert_int_equal(num(item, "import"), 5);
	assert_string_equal(str(item, "date"), "2025-03-03");
	assert_true(json_is_false(json_object_get(item, "verified")));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(ev, "accreditation_evidence"), 0)), 44);
	json_decref(ev);
	json_decref(entries);
	rl_curriculum_free(c);
}

/* The one table of kinds: the verifier counts in its order, and the subject member of each kind is read right. */
static void test_kinds_table(void **state)
{
	json_t *so = json_pack("{s:s,s:{s:i}}", "type", "session_signoff", "session", "trainee", 7);
	json_t *rev = json_pack("{s:s,s:i}", "type", "revocation", "subject", 9);
	json_t *cur = json_pack("{s:s}", "type", "curriculum");
	size_t n = 0;

	(void)state;
	for (; rl_kinds[n].name; n++) {
		assert_int_equal(rl_kinds[n].id, (int)n);
		assert_non_null(rl_verify_type_names[n]);
		assert_string_equal(rl_verify_type_names[n], rl_kinds[n].name);
		assert_ptr_equal(rl_kind_find(rl_kinds[n].name), &rl_kinds[n]);
		assert_true(rl_kinds[n].signer >= RL_SIGNER_LOG && rl_kinds[n].signer <= RL_SIGNER_TRAINER_OR_FACULTY);
	}
	assert_int_equal(n, RL_K_COUNT);
	assert_null(rl_verify_type_names[n]);
	assert_null(rl_kind_find("no_such_kind"));
	assert_int_equal(rl_kind_subject(rl_kind_find("session_signoff"), so), 7);
	assert_int_equal(rl_kind_subject(rl_kind_find("revocation"), rev), 9);
	assert_int_equal(rl_kind_subject(rl_kind_find("curriculum"), cur), 0);
	assert_int_equal(rl_kind_find("enrolment")->signer, RL_SIGNER_LOG);
	assert_true(rl_kind_find("curriculum")->is_public);
	assert_false(rl_kind_find("session_signoff")->is_public);
	json_decref(so);
	json_decref(rev);
	json_decref(cur);
}

/*
 * rl_figures_tallies (what `raslogd rebuild` and the start-up check keep)
 * is rl_figures' own walk without the report: every requirement's signed
 * and pending amounts, and the live accreditation, are the report's.
 */
static void test_tallies_match_report(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	struct rl_figures_tallies t;
	json_t *ev = rl_figures(c, f->tools, 7, f->entries, f->pending, "2026-06-01", &err), *mod, *req;
	size_t i, j, seen = 0;
	long long s, p;

	assert_non_null(ev);
	assert_int_equal(rl_figures_tallies(c, f->tools, 7, f->entries, f->pending, &t, &err), 0);
	json_array_foreach(json_object_get(ev, "modules"), i, mod)
		json_array_foreach(json_object_get(mod, "requirements"), j, req) {
			rl_figures_lookup(&t, str(req, "key"), &s, &p);
			assert_int_equal(s, num(req, "signed"));
			assert_int_equal(p, num(req, "pending"));
			seen += s || p;
		}
	assert_true(seen >= 3); /* the fixture moves several requirements */
	/* Accredited at 19, revoked at 20: no live accreditation, as the report says. */
	assert_null(json_object_get(ev, "accreditation"));
	assert_int_equal(t.acc_index, -1);
	json_decref(t.sig);
	json_decref(t.pen);
	/* Without the revocation (entry 20), the accreditation at 19 is live. */
	{
		json_t *some = json_array();
		for (i = 0; i < json_array_size(f->entries); i++)
			if (num(json_array_get(f->entries, i), "index") != 20)
				json_array_append(some, json_array_get(f->entries, i));
		assert_int_equal(rl_figures_tallies(c, f->tools, 7, some, NULL, &t, &err), 0);
		assert_int_equal(t.acc_index, 19);
		assert_int_equal(t.has_until, 0);
		json_decref(t.sig);
		json_decref(t.pen);
		json_decref(some);
	}
	json_decref(ev);
	rl_curriculum_free(c);
}

/*
 * rl_figures_progress (what `raslog audit` prints and compares) is the
 * progress part of rl_figures_record, byte for byte as rl_progress_to_json
 * renders it, with pending claims or without, accredited, revoked, lapsed
 * and with a valid_until longer than the tallies' copy of it; its figures
 * view is rl_figures'; and a figure the server shows that it does not
 * give is still named (trainee, requirement, server, ledger).
 */
static void progress_is_report(const struct fixture *f, const struct rl_curriculum *c, const json_t *entries,
			       const json_t *pending, const char *today)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_evidence_report r;
	struct rl_progress p;
	json_t *a, *b, *full, *va, *vb;

	assert_int_equal(rl_figures_record(c, f->tools, 7, entries, pending, today, &r, &err), 0);
	assert_int_equal(rl_figures_progress(c, f->tools, 7, entries, pending, today, &p, &err), 0);
	a = rl_progress_to_json(&r.progress, &err);
	b = rl_progress_to_json(&p, &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_json_text_equal(b, a);
	full = rl_figures(c, f->tools, 7, entries, pending, today, &err);
	va = rl_figures_view(full);
	vb = rl_figures_view(b);
	assert_true(json_equal(va, vb));
	json_decref(a);
	json_decref(b);
	json_decref(full);
	json_decref(va);
	json_decref(vb);
	rl_progress_release(&p);
	rl_evidence_report_release(&r);
}

static void test_progress_matches_report(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(45, 1));
	struct rl_error err = RL_ERROR_INIT;
	struct rl_progress p;
	json_t *entries = json_deep_copy(f->entries), *doc, *server, *lv, *sv, *diffs = json_array(), *d;
	const char *long_until = "2026-03-01T00:00:00.000000000+00:00 (a long one)";

	progress_is_report(f, c, f->entries, f->pending, "2026-06-01"); /* revoked: eligible, pending beside */
	progress_is_report(f, c, f->entries, NULL, "2026-06-01");
	json_array_remove(entries, 10); /* index 20, the revocation: accredited at 19 */
	progress_is_report(f, c, entries, NULL, "2026-06-01");
	json_object_set_new(json_object_get(json_array_get(entries, 9), "statement"), "valid_until",
			    json_string("2026-03-01"));
	progress_is_report(f, c, entries, NULL, "2026-06-01"); /* lapsed */
	progress_is_report(f, c, entries, NULL, "2026-02-01"); /* still accredited */
	json_object_set_new(json_object_get(json_array_get(entries, 9), "statement"), "valid_until",
			    json_string(long_until));
	progress_is_report(f, c, entries, NULL, "2026-06-01");
	assert_int_equal(rl_figures_progress(c, f->tools, 7, entries, NULL, "2026-06-01", &p, &err), 0);
	assert_string_equal(p.acc_until, long_until);
	doc = rl_progress_to_json(&p, &err);
	assert_non_null(doc);
	assert_null(json_object_get(doc, "assessments"));
	assert_null(json_object_get(req_of(doc, "a/sim"), "evidence"));
	/* The server shows a figure and a module the ledger does not give: both named. */
	server = json_deep_copy(doc);
	json_object_set_new(req_of(server, "a/cases"), "signed", json_integer(7));
	assert_string_equal(str(module_of(doc, "b"), "status"), "met");
	json_object_set_new(module_of(server, "b"), "status", json_string("in_progress"));
	lv = rl_figures_view(doc);
	sv = rl_figures_view(server);
	assert_int_equal(rl_figures_compare(7, sv, lv, diffs), 2);
	d = json_array_get(diffs, 0);
	assert_int_equal(num(d, "trainee"), 7);
	assert_string_equal(str(d, "requirement"), "a/cases");
	assert_int_equal(num(d, "server"), 7);
	assert_int_equal(num(d, "ledger"), num(req_of(doc, "a/cases"), "signed"));
	assert_true(num(d, "ledger") != 7);
	d = json_array_get(diffs, 1);
	assert_string_equal(str(d, "requirement"), "module:b");
	assert_string_equal(str(d, "server"), "unmet");
	assert_string_equal(str(d, "ledger"), "met");
	json_decref(sv);
	json_decref(lv);
	json_decref(server);
	json_decref(doc);
	json_decref(diffs);
	rl_progress_release(&p);
	json_decref(entries);
	rl_curriculum_free(c);
}

/* rl_recompute_run's rows with text on: each report parsed back, set as the row's "report", into the array ctx. */
static int collect_text(void *ctx, json_t *row, const char *report_json)
{
	json_t *copy = json_deep_copy(row);

	assert_null(json_object_get(row, "report"));
	assert_non_null(report_json);
	json_object_set_new(copy, "report", json_loads(report_json, 0, NULL));
	assert_non_null(json_object_get(copy, "report"));
	json_array_append_new(ctx, copy);
	return 0;
}

/* The two passes over in by hand, with the reports as text (rl_recompute_text): {"trainees":[rows]}. */
static json_t *recompute_text(FILE *in)
{
	struct rl_recompute *r = rl_recompute_new();
	struct rl_error err = RL_ERROR_INIT;
	json_t *rows = json_array();
	size_t plen = strlen(RL_STATEMENT_PREFIX), cap = 0;
	uint64_t offset = 0;
	char *line = NULL;
	ssize_t len;

	rewind(in);
	while ((len = getline(&line, &cap, in)) > 0) {
		json_t *entry = json_loadb(line, (size_t)len, 0, NULL);
		const char *msg = json_string_value(json_object_get(entry, "message"));
		json_t *st = msg && strlen(msg) > plen ? json_loads(msg + plen, 0, NULL) : NULL;

		if (st)
			rl_recompute_add(r, json_integer_value(json_object_get(entry, "index")), st, NULL, offset,
					 (size_t)len);
		json_decref(st);
		json_decref(entry);
		offset += (uint64_t)len;
	}
	free(line);
	rl_recompute_text(r, 1);
	assert_int_equal(rl_recompute_run(r, in, "2026-06-01", collect_text, rows, &err), 0);
	rl_recompute_free(r);
	return json_pack("{s:o}", "trainees", rows);
}


/*
 * `raslog audit`'s recompute over an export of more trainees than two of
 * its batches (64 trainees each, computed on worker threads): every
 * enrolled trainee once, in id order, each with their own figures.
 */
static void test_recompute_batches(void **state)
{
	const char *def_text = CURRICULUM(60, 2);
	json_t *def = json_loads(def_text, 0, NULL), *out, *row, *st;
	struct rl_error err = RL_ERROR_INIT;
	const size_t trainees = 150;
	size_t index = 0, i;
	char *text, *line;
	FILE *in = tmpfile();

	(void)state;
	assert_non_null(def);
	/* One curriculum statement, then trainees enrolled in descending id order, each with one session. */
#define PUT(stmt)                                                                                      \
	do {                                                                                           \
		text = json_dumps((stmt), JSON_COMPACT | JSON_SORT_KEYS);                               \
		json_t *l = json_pack("{s:I,s:s+}", "index", (json_int_t)index++, "message",            \
				      RL_STATEMENT_PREFIX, text);                                        \
		line = json_dumps(l, JSON_COMPACT);                                                    \
		fprintf(in, "%s\n", line);                                                             \
		free(line);                                                                            \
		free(text);                                                                            \
		json_decref(l);                                                                        \
		json_decref(stmt);                                                                     \
	} while (0)
	st = json_pack("{s:s,s:s,s:O}", "type", "curriculum", "sha256", "f00d", "definition", def);
	PUT(st);
	for (i = trainees; i >= 1; i--) {
		st = json_pack("{s:s,s:I,s:{s:s,s:i,s:s}}", "type", "enrolment", "trainee", (json_int_t)(1000 + i),
			       "curriculum", "code", "fx", "version", 1, "sha256", "f00d");
		PUT(st);
	}
	for (i = 1; i <= trainees; i++) {
		st = json_pack("{s:s,s:s,s:i,s:s,s:s,s:{s:I,s:I,s:i,s:s,s:I,s:s}}", "type", "session_signoff",
			       "decision", "confirmed", "signer", 3, "signed_at", "2026-01-02T10:00:00Z", "role", "P",
			       "session", "id", (json_int_t)i, "trainee", (json_int_t)(1000 + i), "trainer", 3, "date",
			       "2026-01-02", "minutes", (json_int_t)i, "activity", "simulator");
		PUT(st);
	}
#undef PUT
	rewind(in);
	out = rl_recompute_export(in, "2026-06-01", &err);
	assert_non_null(out);
	/* With the reports written as text by the workers (`raslog audit --file --json`): the same reports. */
	{
		json_t *as_text = recompute_text(in);
		assert_true(json_equal(json_object_get(as_text, "trainees"), json_object_get(out, "trainees")));
		json_decref(as_text);
	}
	/* The same export from a memory stream (no descriptor: read on the calling thread): the same rows. */
	{
		long size;
		char *bytes;
		FILE *mem;
		json_t *again;

		assert_int_equal(fseek(in, 0, SEEK_END), 0);
		size = ftell(in);
		assert_true(size > 0);
		bytes = malloc((size_t)size + 1);
		assert_non_null(bytes);
		rewind(in);
		assert_int_equal(fread(bytes, 1, (size_t)size, in), (size_t)size);
		mem = fmemopen(bytes, (size_t)size, "r");
		assert_non_null(mem);
		assert_int_equal(fileno(mem), -1);
		again = rl_recompute_export(mem, "2026-06-01", &err);
		fclose(mem);
		assert_non_null(again);
		assert_json_text_equal(out, again);
		free(bytes);
		json_decref(again);
	}
	fclose(in);
	assert_int_equal(json_integer_value(json_object_get(out, "statements")), 1 + 2 * trainees);
	assert_int_equal(json_array_size(json_object_get(out, "trainees")), trainees);
	json_array_foreach(json_object_get(out, "trainees"), i, row) {
		json_t *rep = json_object_get(row, "report");
		assert_int_equal(num(row, "trainee"), (long long)(1000 + i + 1));
		assert_non_null(rep);
		assert_int_equal(num(req_of(rep, "a/sim"), "signed"), (long long)(i + 1));
		/* The progress report (what GET /progress shows), not the evidence report. */
		assert_string_equal(str(rep, "status"), "in_training");
		assert_null(json_object_get(req_of(rep, "a/sim"), "evidence"));
		assert_null(json_object_get(rep, "assessments"));
	}
	json_decref(out);
	json_decref(def);
}

/* ----------------------------------------------------- the typed record */

/* The record's requirement with key, or a failure. */
static const struct rl_progress_req *rec_req(const struct rl_evidence_report *r, const char *key)
{
	for (size_t i = 0; i < r->progress.nmodules; i++)
		for (size_t j = 0; j < r->progress.modules[i].nreqs; j++)
			if (strcmp(r->progress.modules[i].reqs[j].key, key) == 0)
				return &r->progress.modules[i].reqs[j];
	fail_msg("no requirement %s in the record", key);
	return NULL;
}

/*
 * rl_figures_record fills the typed report the walk computes (the fixture
 * of test_fixture_by_hand, read from the struct, not from JSON), and its
 * one renderer gives exactly rl_figures' bytes, and those of the server's
 * report (assessment records named, the trainee) and of the report less
 * the evidence, as the JSON was patched so far.
 */
static void test_record_by_hand(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	struct rl_evidence_report r;
	const struct rl_progress_req *q;
	const struct rl_progress_item *it;
	json_t *doc, *ref;
	char *a, *b;

	assert_int_equal(rl_figures_record(c, f->tools, 7, f->entries, f->pending, "2026-06-01", &r, &err), 0);
	/* a/sim: session 1's 45 minutes, once (the second decision on it is ignored). */
	q = rec_req(&r, "a/sim");
	assert_int_equal(q->signed_amount, 45);
	assert_int_equal(q->pending, 20);
	assert_string_equal(q->status, "in_progress");
	assert_int_equal(q->nevidence, 1);
	assert_int_equal(q->evidence[0].amount, 45);
	assert_int_equal(q->evidence[0].ledger_index, 10);
	assert_string_equal(q->evidence[0].type, "session");
	assert_string_equal(q->evidence[0].date, "2026-01-02");
	assert_int_equal(q->evidence[0].signed_by, 3);
	it = q->evidence[0].item;
	assert_non_null(it);
	assert_int_equal(it->kind, RL_ITEM_SESSION);
	assert_int_equal(it->session, 1);
	assert_string_equal(it->signed_at, "2026-01-02T10:00:00Z");
	assert_string_equal(it->claimed_role, "P");
	assert_string_equal(it->signed_role, "P");
	/* a/cases: session 3, the performed case; the item is the same one b/cases points at. */
	q = rec_req(&r, "a/cases");
	assert_int_equal(q->nevidence, 1);
	assert_int_equal(q->evidence[0].item->session, 3);
	assert_ptr_equal(rec_req(&r, "b/cases")->evidence[0].item, q->evidence[0].item);
	/* The assessments, by session date: GEARS 12 (session 1) then 24 (session 3); only 24 counts. */
	assert_int_equal(r.nassessments, 2);
	assert_int_equal(r.assessments[0]->kind, RL_ITEM_ASSESSMENT);
	assert_int_equal(r.assessments[0]->total, 12);
	assert_string_equal(r.assessments[0]->date, "2026-01-02");
	assert_int_equal(r.assessments[0]->has_scores, 1);
	assert_int_equal(r.assessments[0]->nscores, 6);
	assert_int_equal(r.assessments[0]->scores[5], 2);
	assert_int_equal(r.assessments[1]->total, 24);
	q = rec_req(&r, "a/gears");
	assert_int_equal(q->nevidence, 1);
	assert_ptr_equal(q->evidence[0].item, r.assessments[1]);
	/* The module sign-off of fx, dated by its signature. */
	q = rec_req(&r, "a/ok");
	assert_int_equal(q->nevidence, 1);
	assert_int_equal(q->evidence[0].item->kind, RL_ITEM_MODULE);
	assert_string_equal(q->evidence[0].item->module, "a");
	assert_string_equal(q->evidence[0].date, "2026-01-05T10:00:00Z");
	/* Revoked: no live accreditation; one undecided claim; nothing corrected; no enrolment in the entries. */
	assert_string_equal(r.progress.status, "in_training");
	assert_string_equal(r.progress.evaluated_status, "in_training");
	assert_int_equal(r.progress.acc_index, -1);
	assert_int_equal(r.npending, 1);
	assert_int_equal(r.pending[0].session, 5);
	assert_string_equal(r.pending[0].date, "2026-01-09");
	assert_int_equal(r.pending[0].minutes, 20);
	assert_int_equal(r.ncorrections, 0);
	assert_null(r.sha256);
	/* The renderer of the record is rl_figures, byte for byte. */
	doc = rl_evidence_report_to_json(&r, RL_REPORT_FULL, &err);
	ref = rl_figures(c, f->tools, 7, f->entries, f->pending, "2026-06-01", &err);
	assert_non_null(doc);
	assert_non_null(ref);
	assert_json_text_equal(doc, ref);
	json_decref(doc);

	/*
	 * What the server's report adds (domain/progress.c): each assessment
	 * item names its record, after the amount, and the trainee comes last;
	 * the report less the evidence has no evidence, assessments or pending.
	 * From the record, the same bytes as patching the JSON.
	 */
	{
		json_t *mod, *req, *item;
		size_t i, j, k;

		json_array_foreach(json_object_get(ref, "modules"), i, mod)
			json_array_foreach(json_object_get(mod, "requirements"), j, req)
				json_array_foreach(json_object_get(req, "evidence"), k, item)
					if (strcmp(str(item, "type"), "assessment") == 0)
						json_object_set_new(item, "assessment", json_integer(100 + num(item, "ledger_index")));
		json_array_foreach(json_object_get(ref, "assessments"), k, item)
			json_object_set_new(item, "assessment", json_integer(100 + num(item, "ledger_index")));
		json_object_set_new(ref, "trainee", json_pack("{s:i,s:s,s:s}", "id", 7, "name", "Dr T", "site", "Leeds"));
		for (k = 0; k < r.nitems; k++)
			if (r.items[k].kind == RL_ITEM_ASSESSMENT)
				r.items[k].assessment = 100 + r.items[k].ledger_index;
		rl_progress_set_trainee(&r.progress, 7, "Dr T", "Leeds");
		doc = rl_evidence_report_to_json(&r, RL_REPORT_FULL, &err);
		assert_non_null(doc);
		a = json_dumps(doc, JSON_COMPACT);
		b = json_dumps(ref, JSON_COMPACT);
		assert_non_null(strstr(a, "\"amount\":1,\"assessment\":114}"));
		assert_string_equal(a, b);
		free(a);
		free(b);
		json_decref(doc);
		json_array_foreach(json_object_get(ref, "modules"), i, mod)
			json_array_foreach(json_object_get(mod, "requirements"), j, req)
				json_object_del(req, "evidence");
		json_object_del(ref, "assessments");
		json_object_del(ref, "pending");
		doc = rl_evidence_report_to_json(&r, RL_REPORT_NO_EVIDENCE, &err);
		assert_non_null(doc);
		assert_json_text_equal(doc, ref);
		json_decref(doc);
	}
	json_decref(ref);
	rl_evidence_report_release(&r);
	assert_int_equal(r.nitems, 0);
	assert_null(r.progress.modules);
	rl_curriculum_free(c);
}

/* A tally of nothing: every requirement at 0. */
static int no_tally(void *ctx, const char *key, long long *signed_amount, long long *pending_amount)
{
	(void)ctx;
	(void)key;
	*signed_amount = *pending_amount = 0;
	return 1;
}

/* The JSON of one value, compact (free it). */
static char *dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(s);
	return s;
}

static void assert_json(const json_t *v, const char *want)
{
	char *s = dump(v);

	assert_string_equal(s, want);
	free(s);
}

/*
 * The evidence report's renderer on a record built by hand: every kind of
 * item with the members the server has always shown, in that order (a
 * missing date, signature time, tool or score list is null, a role not
 * given is left out), each requirement's evidence with its amount, the
 * pending claims, assessments, corrections, the accreditation evidence
 * (ascending, once each, whichever requirement an item counts towards)
 * and the curriculum hash, after the progress members.
 */
static void test_evidence_renderer(void **state)
{
	struct fixture *f = *state;
	struct rl_curriculum *c = curriculum(f, CURRICULUM(60, 2));
	struct rl_error err = RL_ERROR_INIT;
	struct rl_evidence_report r;
	struct rl_progress_item items[5];
	const struct rl_progress_item *assessed[1];
	struct rl_progress_claim claims[1] = { { 5, NULL, "simulator", 20, 3 } };
	struct rl_progress_correction fixes[2] = { { 31, 11 }, { 30, 14 } };
	struct rl_progress_evidence sim[2], cases[1], ok[1];
	long long scores[2] = { 4, 5 };
	json_t *doc, *v;
	const char *key;
	const char *order[] = { "curriculum", "status", "modules_met", "modules_total", "modules", "unmet",
				"evaluated_status", "accreditation", "pending", "assessments", "corrections",
				"accreditation_evidence" };
	size_t i = 0;

	memset(&r, 0, sizeof(r));
	memset(items, 0, sizeof(items));
	assert_int_equal(rl_curriculum_assess(c, no_tally, NULL, &r.progress, &err), 0);
	rl_progress_set_accreditation(&r.progress, 40, "2026-03-01", "2026-06-01");
	assert_string_equal(r.progress.status, "lapsed");
	items[0] = (struct rl_progress_item){ .kind = RL_ITEM_SESSION, .ledger_index = 12, .signed_by = 3,
					      .date = "2026-01-03", .session = 3, .signed_role = "P" };
	items[1] = (struct rl_progress_item){ .kind = RL_ITEM_ASSESSMENT, .ledger_index = 14, .signed_by = 3,
					      .date = "", .session = 3, .tool = "gears", .has_scores = 1,
					      .nscores = 2, .scores = scores, .total = 9 };
	items[2] = (struct rl_progress_item){ .kind = RL_ITEM_MODULE, .ledger_index = 16, .signed_by = 4,
					      .module = "a" };
	items[3] = (struct rl_progress_item){ .kind = RL_ITEM_SIMULATOR, .ledger_index = 22, .signed_by = 3,
					      .date = "2026-02-01T09:00:00Z", .exercise = "peg", .attempts = 3,
					      .best_score_bp = 9150 };
	items[4] = (struct rl_progress_item){ .kind = RL_ITEM_ELEARNING, .ledger_index = 12, .signed_by = 3,
					      .date = "2026-01-20", .import = 8, .issuer = "ACME",
					      .achievement = "Robotics 101", .verified = 1 };
	/* a/sim: the simulator item then the certificate; a/cases: session 3; a/ok: the module sign-off. */
	sim[0] = (struct rl_progress_evidence){ 22, 30, "simulator", items[3].date, 3, &items[3] };
	sim[1] = (struct rl_progress_evidence){ 12, 60, "elearning", items[4].date, 3, &items[4] };
	cases[0] = (struct rl_progress_evidence){ 12, 1, "session", items[0].date, 3, &items[0] };
	ok[0] = (struct rl_progress_evidence){ 16, 1, "module_completion", NULL, 4, &items[2] };
	r.progress.modules[0].reqs[0].evidence = sim;
	r.progress.modules[0].reqs[0].nevidence = 2;
	r.progress.modules[0].reqs[1].evidence = cases;
	r.progress.modules[0].reqs[1].nevidence = 1;
	r.progress.modules[0].reqs[3].evidence = ok;
	r.progress.modules[0].reqs[3].nevidence = 1;
	assessed[0] = &items[1];
	r.assessments = assessed;
	r.nassessments = 1;
	r.pending = claims;
	r.npending = 1;
	r.corrections = fixes;
	r.ncorrections = 2;
	r.sha256 = "abc123";

	doc = rl_evidence_report_to_json(&r, RL_REPORT_FULL, &err);
	assert_non_null(doc);
	json_object_foreach(doc, key, v) {
		assert_true(i < sizeof(order) / sizeof(*order));
		assert_string_equal(key, order[i++]);
	}
	assert_int_equal(i, sizeof(order) / sizeof(*order));
	assert_json(json_object_get(doc, "curriculum"), "{\"code\":\"fx\",\"version\":1,\"title\":\"Fixture\",\"sha256\":\"abc123\"}");
	assert_json(json_object_get(doc, "accreditation"), "{\"ledger_index\":40,\"valid_until\":\"2026-03-01\"}");
	assert_string_equal(str(doc, "status"), "lapsed");
	assert_json(json_object_get(req_of(doc, "a/sim"), "evidence"),
		    "[{\"type\":\"simulator\",\"exercise\":\"peg\",\"ledger_index\":22,\"attempts\":3,"
		    "\"best_score_bp\":9150,\"date\":\"2026-02-01T09:00:00Z\",\"signed_by\":3,\"amount\":30},"
		    "{\"type\":\"elearning\",\"import\":8,\"issuer\":\"ACME\",\"achievement\":\"Robotics 101\","
		    "\"ledger_index\":12,\"signed_by\":3,\"date\":\"2026-01-20\",\"verified\":true,\"amount\":60}]");
	assert_json(json_object_get(req_of(doc, "a/cases"), "evidence"),
		    "[{\"type\":\"session\",\"session\":3,\"ledger_index\":12,\"date\":\"2026-01-03\",\"signed_by\":3,"
		    "\"signed_at\":null,\"signed_role\":\"P\",\"amount\":1}]");
	assert_json(json_object_get(req_of(doc, "a/ok"), "evidence"),
		    "[{\"type\":\"module_completion\",\"module\":\"a\",\"ledger_index\":16,\"signed_by\":4,"
		    "\"date\":null,\"amount\":1}]");
	/* A requirement nothing counts towards: an empty list, after the members the progress JSON gives it. */
	assert_json(json_object_get(req_of(doc, "b/cases"), "evidence"), "[]");
	assert_json(json_object_get(doc, "assessments"),
		    "[{\"type\":\"assessment\",\"tool\":\"gears\",\"scores\":[4,5],\"total\":9,\"ledger_index\":14,"
		    "\"signed_by\":3,\"session\":3,\"date\":\"\"}]");
	assert_json(json_object_get(doc, "pending"),
		    "[{\"session\":5,\"date\":null,\"activity\":\"simulator\",\"minutes\":20,\"trainer\":3}]");
	assert_json(json_object_get(doc, "corrections"),
		    "[{\"ledger_index\":31,\"retires\":11},{\"ledger_index\":30,\"retires\":14}]");
	/* 12 counts twice (session 3, the certificate): named once. */
	assert_json(json_object_get(doc, "accreditation_evidence"), "[12,16,22]");
	json_decref(doc);

	/* An assessment without scores or tool: null, as the statement gave nothing. */
	items[1].has_scores = 0;
	items[1].tool = NULL;
	doc = rl_evidence_item_json(&items[1]);
	assert_json(doc, "{\"type\":\"assessment\",\"tool\":null,\"scores\":null,\"total\":9,\"ledger_index\":14,"
			 "\"signed_by\":3,\"session\":3,\"date\":\"\"}");
	json_decref(doc);

	/* Nothing to count, nothing pending, no accreditation: the lists are there, empty. */
	for (i = 0; i < r.progress.nmodules; i++)
		for (size_t j = 0; j < r.progress.modules[i].nreqs; j++) {
			r.progress.modules[i].reqs[j].evidence = NULL;
			r.progress.modules[i].reqs[j].nevidence = 0;
		}
	r.nassessments = r.npending = r.ncorrections = 0;
	r.sha256 = NULL;
	rl_progress_set_accreditation(&r.progress, -1, NULL, "2026-06-01");
	doc = rl_evidence_report_to_json(&r, RL_REPORT_FULL, &err);
	assert_non_null(doc);
	assert_null(json_object_get(doc, "accreditation"));
	assert_null(json_object_get(json_object_get(doc, "curriculum"), "sha256"));
	assert_string_equal(str(doc, "status"), "in_training");
	assert_json(json_object_get(doc, "accreditation_evidence"), "[]");
	assert_json(json_object_get(doc, "pending"), "[]");
	json_decref(doc);
	/* The arrays were the test's: release only the record the rules filled. */
	rl_progress_release(&r.progress);
	rl_curriculum_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_by_hand),
		cmocka_unit_test(test_eligible_accredited_lapsed),
		cmocka_unit_test(test_corrections),
		cmocka_unit_test(test_view_and_compare),
		cmocka_unit_test(test_kinds_table),
		cmocka_unit_test(test_simulator_imports),
		cmocka_unit_test(test_elearning_confirmations),
		cmocka_unit_test(test_tallies_match_report),
		cmocka_unit_test(test_progress_matches_report),
		cmocka_unit_test(test_recompute_batches),
		cmocka_unit_test(test_record_by_hand),
		cmocka_unit_test(test_evidence_renderer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
