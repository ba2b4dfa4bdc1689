/*
 * test_figures.c - rl_figures (core/domain/figures.c) on a hand-computed
 * fixture: which statements count, which are ignored, pending claims
 * beside the signed figures, accreditation and revocation, and the
 * comparison `raslog audit` and the start-up check rely on.
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
#include "domain/figures.h"
#include "domain/recompute.h"
#include "ledger/ledger.h"
#include "ledger/kinds.h"
#include "ledger/verify.h"
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
	fclose(in);
	assert_non_null(out);
	assert_int_equal(json_integer_value(json_object_get(out, "statements")), 1 + 2 * trainees);
	assert_int_equal(json_array_size(json_object_get(out, "trainees")), trainees);
	json_array_foreach(json_object_get(out, "trainees"), i, row) {
		json_t *rep = json_object_get(row, "report");
		assert_int_equal(num(row, "trainee"), (long long)(1000 + i + 1));
		assert_non_null(rep);
		assert_int_equal(num(req_of(rep, "a/sim"), "signed"), (long long)(i + 1));
	}
	json_decref(out);
	json_decref(def);
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
		cmocka_unit_test(test_recompute_batches),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
