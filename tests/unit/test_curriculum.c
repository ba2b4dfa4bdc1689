/*
 * test_curriculum.c - core/domain/curriculum_parse.c and curriculum_rules.c: the shipped tool table and
 * curricula parse; every validation rule is caught and names the right
 * field; evidence counts towards the right requirements (the trainer's
 * signed role, not the claim; steps; assessment floors); and evaluation
 * gets the edges right (exactly at target, one below, pending only,
 * blocked by a prerequisite, eligible, one version against another); the
 * typed record the rules fill (rl_curriculum_assess) and its renderers:
 * the progress JSON's members in the order served, the accreditation's
 * lapsed / accredited verdict, the list's summary, and rl_progress_read,
 * which takes the JSON back and names the first member it lacks.
 *
 * Run from the repository root: the shipped files are read by relative
 * path.
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

#include "base/codes.h"
#include "domain/curriculum.h"
#include "domain/progress_record.h"
#include "base/error.h"
#include "base/banned.h"

/* ---------------------------------------------------------- helpers */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)size + 1);
		if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
			data[size] = '\0';
			*len = (size_t)size;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

static struct rl_tools *shipped_tools(void)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_tools *tools = NULL;
	size_t len = 0;
	char *text = slurp("schema/tools.json", &len);

	assert_non_null(text);
	if (rl_tools_parse(text, len, &tools, &err) < 0)
		fail_msg("schema/tools.json: %s", err.detail);
	free(text);
	return tools;
}

static struct rl_curriculum *shipped(const char *path, const struct rl_tools *tools)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;
	size_t len = 0;
	char *text = slurp(path, &len);

	assert_non_null(text);
	if (rl_curriculum_parse(text, len, tools, &c, &err) < 0)
		fail_msg("%s: %s", path, err.detail);
	free(text);
	return c;
}

static struct rl_curriculum *parse_ok(const char *json, const struct rl_tools *tools)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;

	if (rl_curriculum_parse(json, strlen(json), tools, &c, &err) < 0)
		fail_msg("expected to parse, got: %s", err.detail);
	return c;
}

/* Parsing must fail with a field error on field whose message contains want. */
static void expect_field(const struct rl_tools *tools, const char *json, const char *field,
			 const char *want)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;

	if (rl_curriculum_parse(json, strlen(json), tools, &c, &err) == 0)
		fail_msg("parsed, but expected an error on %s:\n%s", field, json);
	assert_null(c);
	assert_int_equal(err.status, RL_E_INVALID);
	for (int i = 0; i < err.nfields; i++) {
		if (strcmp(err.fields[i].field, field) == 0) {
			if (want && !strstr(err.fields[i].message, want))
				fail_msg("%s: message \"%s\" lacks \"%s\"", field,
					 err.fields[i].message, want);
			return;
		}
	}
	fail_msg("no error on %s; first error: %s", field, err.detail);
}

/* A one-module curriculum around the given requirement objects. */
#define ONE_MODULE(reqs) \
	"{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":[" \
	"{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" reqs "]}]}"

#define SIM60 "{\"id\":\"sim\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":60}"

/* Collected contributions. */
struct got {
	int n;
	char key[32][140];
	long long amount[32];
};

static void collect(void *ctx, const char *key, long long amount)
{
	struct got *g = ctx;

	assert_true(g->n < 32);
	snprintf(g->key[g->n], sizeof(g->key[0]), "%s", key);
	g->amount[g->n++] = amount;
}

static long long got_amount(const struct got *g, const char *key)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->key[i], key) == 0)
			return g->amount[i];
	return 0;
}

/* Totals per key, as the caller's aggregate table would hold them. */
struct table {
	int n;
	char key[64][140];
	long long s[64];
	long long p[64];
	int fail;      /* tally returns -1 */
	int negative;  /* tally reports a negative amount */
};

static int table_slot(struct table *t, const char *key)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->key[i], key) == 0)
			return i;
	assert_true(t->n < 64);
	snprintf(t->key[t->n], sizeof(t->key[0]), "%s", key);
	t->s[t->n] = t->p[t->n] = 0;
	return t->n++;
}

static void table_set(struct table *t, const char *key, long long s, long long p)
{
	int i = table_slot(t, key);

	t->s[i] = s;
	t->p[i] = p;
}

static void add_signed(void *ctx, const char *key, long long amount)
{
	struct table *t = ctx;

	t->s[table_slot(t, key)] += amount;
}

static int tally(void *ctx, const char *key, long long *s, long long *p)
{
	struct table *t = ctx;

	if (t->fail)
		return -1;
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->key[i], key) == 0) {
			*s = t->negative ? -1 : t->s[i];
			*p = t->p[i];
			return 0;
		}
	}
	return 1;
}

static json_t *module_of(json_t *ev, const char *id)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(ev, "modules"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
			return m;
	fail_msg("no module %s in the evaluation", id);
	return NULL;
}

static json_t *req_of(json_t *ev, const char *module, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(module_of(ev, module), "requirements"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	fail_msg("no requirement %s/%s in the evaluation", module, id);
	return NULL;
}

static const char *str_at(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	assert_non_null(s);
	return s;
}

static long long int_at(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* --------------------------------------------------- shipped files */

static void test_tools_shipped(void **state)
{
	struct rl_tools *tools = shipped_tools();
	const struct rl_tool *gears = rl_tool_find(tools, "gears");
	const struct rl_tool *goals = rl_tool_find(tools, "goals");
	static const char *const gears_domains[] = {
		"depth_perception", "bimanual_dexterity", "efficiency",
		"force_sensitivity", "autonomy", "robotic_control",
	};
	struct rl_error err = RL_ERROR_INIT;
	int ok[6] = { 4, 4, 3, 5, 4, 4 }, high[6] = { 4, 4, 6, 5, 4, 0 };

	assert_int_equal(rl_tools_count(tools), 2);
	assert_non_null(gears);
	assert_non_null(goals);
	assert_null(rl_tool_find(tools, "osats"));
	assert_null(rl_tool_find(NULL, "gears"));
	assert_ptr_equal(rl_tools_at(tools, 0), gears);
	assert_null(rl_tools_at(tools, 2));
	assert_string_equal(rl_tool_id(gears), "gears");
	assert_string_equal(rl_tool_title(gears), "Global Evaluative Assessment of Robotic Skills");
	assert_int_equal(rl_tool_domain_count(gears), 6);
	assert_int_equal(rl_tool_min(gears), 1);
	assert_int_equal(rl_tool_max(gears), 5);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(rl_tool_domain_id(gears, i), gears_domains[i]);
	assert_string_equal(rl_tool_domain_title(gears, 5), "Robotic control");
	assert_null(rl_tool_domain_id(gears, 6));
	assert_null(rl_tool_domain_title(gears, 6));
	assert_int_equal(rl_tool_domain_count(goals), 5);

	assert_int_equal(rl_tool_check_scores(gears, ok, 6, &err), 0);
	assert_int_equal(rl_tool_check_scores(gears, ok, 5, &err), -1);
	assert_string_equal(err.fields[0].field, "scores");
	rl_error_clear(&err);
	assert_int_equal(rl_tool_check_scores(gears, high, 6, &err), -1);
	assert_int_equal(err.nfields, 2);
	assert_string_equal(err.fields[0].field, "scores[2]");
	assert_string_equal(err.fields[1].field, "scores[5]");
	assert_non_null(strstr(err.fields[0].message, "efficiency"));
	rl_error_clear(&err);
	rl_tools_free(tools);
	rl_tools_free(NULL);
}

static void test_curricula_shipped(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *core = shipped("schema/curricula/ras-core-v1.json", tools);
	struct rl_curriculum *conv = shipped("schema/curricula/ras-conversion-v1.json", tools);
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	json_t *ev;

	assert_string_equal(rl_curriculum_code(core), "ras-core");
	assert_int_equal(rl_curriculum_version(core), 1);
	assert_non_null(strstr(rl_curriculum_title(core), "core"));
	assert_true(rl_curriculum_has_module(core, "robotic_literacy"));
	assert_true(rl_curriculum_has_module(core, "console_modular"));
	assert_false(rl_curriculum_has_module(core, "proctored_cases"));
	assert_false(rl_curriculum_has_module(core, NULL));
	assert_string_equal(rl_curriculum_code(conv), "ras-conversion");
	assert_int_equal(rl_curriculum_version(conv), 1);
	assert_true(rl_curriculum_has_module(conv, "proctored_cases"));

	/* A new trainee: the first module not started, everything else blocked. */
	ev = rl_curriculum_evaluate(core, tally, &t, &err);
	assert_non_null(ev);
	assert_string_equal(str_at(ev, "status"), "in_training");
	assert_int_equal(int_at(ev, "modules_met"), 0);
	assert_int_equal(int_at(ev, "modules_total"), 7);
	assert_string_equal(str_at(module_of(ev, "robotic_literacy"), "status"), "not_started");
	assert_string_equal(str_at(module_of(ev, "console_full"), "status"), "blocked");
	assert_string_equal(str_at(req_of(ev, "simulator_proficiency", "vr_time"), "description"),
			    "600 signed minutes of virtual reality simulator on any platform");
	assert_string_equal(str_at(req_of(ev, "bedside_assistant", "tableside_cases"), "description"),
			    "10 signed bedside assistant sessions with signed role A, on any platform");
	assert_string_equal(str_at(req_of(ev, "console_full", "gears"), "description"),
			    "3 signed assessments with Global Evaluative Assessment of Robotic Skills (gears) "
			    "scoring a total of at least 24 of 30 and at least 3 in every domain");
	assert_string_equal(str_at(req_of(ev, "wet_lab", "tissue_time"), "description"),
			    "240 signed minutes of wet lab or cadaveric training on any platform");
	assert_string_equal(str_at(req_of(ev, "console_full", "gears"), "key"), "console_full/gears");
	json_decref(ev);

	rl_curriculum_free(core);
	rl_curriculum_free(conv);
	rl_curriculum_free(NULL);
	rl_tools_free(tools);
}

/*
 * A plausible trainee on ras-core: every session goes through
 * contributions with the trainer's signed view, and the result must be
 * eligible within the 30-60 sessions the demo programme can seed.
 */
static void test_core_demo_trainee_eligible(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *core = shipped("schema/curricula/ras-core-v2.json", tools);
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	static const char *const modular[][3] = {
		{ "prostatectomy.bladder_detachment", "prostatectomy.endopelvic_fascia_incision", "prostatectomy.bladder_neck_dissection" },
		{ "colectomy.medial_to_lateral_dissection", "colectomy.lateral_mobilisation", "colectomy.vascular_pedicle_ligation" },
	};
	static const char *const advanced[] = { "prostatectomy.apical_dissection" };
	struct rl_evidence e = { 0 };
	int sessions = 0, gears[6] = { 4, 4, 4, 4, 4, 4 };
	json_t *ev, *summary;

#define SESSION(act, plat, rl, mins) do { \
		e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = (act), \
					  .platform = (plat), .role = (rl), .minutes = (mins) }; \
		rl_curriculum_contributions(core, tools, &e, add_signed, &t); \
		sessions++; \
	} while (0)

	SESSION("elearning", NULL, NULL, 120);
	SESSION("elearning", NULL, NULL, 120);
	for (int i = 0; i < 8; i++)
		SESSION("simulator", "sim_dvss", NULL, 75);
	SESSION("dry_lab", "davinci_xi", NULL, 120);
	SESSION("dry_lab", "davinci_xi", NULL, 120);
	SESSION("wet_lab", "davinci_xi", NULL, 240);
	for (int i = 0; i < 10; i++)
		SESSION("bedside_assist", "davinci_xi", "A", 180);
	for (int i = 0; i < 6; i++) {
		e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "console_modular",
					  .platform = "davinci_xi", .role = "S-TS", .minutes = 60,
					  .steps = modular[i % 2], .nsteps = 3 };
		rl_curriculum_contributions(core, tools, &e, add_signed, &t);
		sessions++;
	}
	for (int i = 0; i < 3; i++) {
		e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "console_modular",
					  .platform = "davinci_xi", .role = "S-TU", .minutes = 45,
					  .steps = advanced, .nsteps = 1 };
		rl_curriculum_contributions(core, tools, &e, add_signed, &t);
		sessions++;
	}
	for (int i = 0; i < 5; i++)
		SESSION("console_full", "davinci_xi", "S-TS", 200);
#undef SESSION
	for (int i = 0; i < 3; i++) {
		e = (struct rl_evidence){ .kind = RL_EV_ASSESSMENT, .tool = "gears",
					  .scores = gears, .nscores = 6 };
		rl_curriculum_contributions(core, tools, &e, add_signed, &t);
	}
	{
		/* Simulator benchmarks: three exercises at 80% or more twice in a row (one run broken by a 79). */
		static const char *const exercises[] = { "Pick and Place", "Ring and Rail 1", "Peg Transfer" };
		static const char *const plats[] = { "sim_simnow", "sim_simnow", "sim_simnow", "sim_simnow" };
		static const long long scores[] = { 8000, 7900, 8500, 9000 };
		for (int i = 0; i < 3; i++) {
			e = (struct rl_evidence){ .kind = RL_EV_SIMULATOR, .exercise = exercises[i],
						  .attempt_platforms = plats, .attempt_scores = scores, .nattempts = 4 };
			rl_curriculum_contributions(core, tools, &e, add_signed, &t);
		}
	}
	static const char *const signoffs[] = { "robotic_literacy", "simulator_proficiency", "console_full" };
	for (int i = 0; i < 3; i++) {
		e = (struct rl_evidence){ .kind = RL_EV_MODULE, .module = signoffs[i] };
		rl_curriculum_contributions(core, tools, &e, add_signed, &t);
	}

	assert_true(sessions >= 30 && sessions <= 60);
	ev = rl_curriculum_evaluate(core, tally, &t, &err);
	assert_non_null(ev);
	if (strcmp(str_at(ev, "status"), "eligible") != 0) {
		char *dump = json_dumps(json_object_get(ev, "unmet"), JSON_INDENT(1));

		fail_msg("demo trainee not eligible after %d sessions; unmet: %s", sessions, dump);
	}
	assert_int_equal(int_at(ev, "modules_met"), 7);
	assert_int_equal(json_array_size(json_object_get(ev, "unmet")), 0);
	assert_int_equal(int_at(req_of(ev, "console_modular", "entry_steps"), "signed"), 12);
	assert_int_equal(int_at(req_of(ev, "console_modular", "intermediate_steps"), "signed"), 6);

	summary = rl_curriculum_summary(ev);
	assert_non_null(summary);
	assert_int_equal(json_array_size(summary), 7);
	assert_string_equal(str_at(json_array_get(summary, 6), "module"), "console_full");
	assert_string_equal(str_at(json_array_get(summary, 6), "status"), "met");
	assert_int_equal(int_at(json_array_get(summary, 6), "met_requirements"), 3);
	assert_int_equal(int_at(json_array_get(summary, 6), "total_requirements"), 3);
	json_decref(summary);
	json_decref(ev);
	rl_curriculum_free(core);
	rl_tools_free(tools);
}

/* ------------------------------------------------------- validation */

static void test_validation_fields(void **state)
{
	struct rl_tools *tools = shipped_tools();

	/* Unknown fields at every level. */
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"colour\":1,\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]}]}",
		     "colour", "not a field of a curriculum");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"weight\":2,\"requirements\":[" SIM60 "]}]}",
		     "modules[0].weight", "not a field of a module");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\","
				       "\"target\":60,\"tool\":\"gears\"}"),
		     "modules[0].requirements[0].tool", "not a field of a minutes requirement");

	/* Unknown codes. */
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"surfing\",\"target\":60}"),
		     "modules[0].requirements[0].activity", "unknown activity \"surfing\"");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\","
				       "\"activity\":[\"wet_lab\",\"wetlab\"],\"target\":60}"),
		     "modules[0].requirements[0].activity[1]", "unknown activity");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\","
				       "\"platform\":\"da Vinci Xi\",\"target\":60}"),
		     "modules[0].requirements[0].platform", "the code is \"davinci_xi\"");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\","
				       "\"platform\":[\"sim_dvss\",\"holodeck\"],\"target\":60}"),
		     "modules[0].requirements[0].platform[1]", "unknown platform");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"cases\",\"activity\":\"console_full\","
				       "\"roles\":[\"P\",\"Surgeon\"],\"target\":5}"),
		     "modules[0].requirements[0].roles[1]", "unknown role \"Surgeon\"");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"cases\",\"activity\":\"console_full\",\"target\":5}"),
		     "modules[0].requirements[0].roles", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"steps\",\"step\":[\"Bladder Neck\"],\"target\":5}"),
		     "modules[0].requirements[0].step[0]", "not a step code");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"steps\",\"step\":[\"a.b\",\"a.b\"],\"target\":5}"),
		     "modules[0].requirements[0].step[1]", "repeats");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"osats\",\"target\":2}"),
		     "modules[0].requirements[0].tool", "unknown tool \"osats\"; the tool table has gears, goals");
	expect_field(NULL, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\",\"target\":2}"),
		     "modules[0].requirements[0].tool", "no tools");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"hours\",\"target\":2}"),
		     "modules[0].requirements[0].kind", "unknown kind \"hours\"");
	expect_field(tools, ONE_MODULE("{\"id\":\"Sim Time\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":60}"),
		     "modules[0].requirements[0].id", "not an id");

	/* Duplicates. */
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"a\",\"title\":\"B\",\"requirements\":[" SIM60 "]}]}",
		     "modules[1].id", "repeats the module id \"a\" of modules[0]");
	expect_field(tools, ONE_MODULE(SIM60 "," SIM60),
		     "modules[0].requirements[1].id", "repeats the id \"sim\"");

	/* Prerequisites. */
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"prerequisites\":[\"b\"],\"requirements\":[" SIM60 "]}]}",
		     "modules[0].prerequisites[0]", "unknown module \"b\"");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"prerequisites\":\"b\",\"requirements\":[" SIM60 "]}]}",
		     "modules[0].prerequisites", "unknown module \"b\"");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"prerequisites\":[\"b\"],\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"b\",\"title\":\"B\",\"prerequisites\":[\"c\"],\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"c\",\"title\":\"C\",\"prerequisites\":[\"a\"],\"requirements\":[" SIM60 "]}]}",
		     "modules[2].prerequisites[0]", "prerequisites form a cycle: a -> b -> c -> a");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"prerequisites\":[\"a\"],\"requirements\":[" SIM60 "]}]}",
		     "modules[0].prerequisites[0]", "cycle: a -> a");
	/* A cycle off to the side of an acyclic start is still found. */
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"prerequisites\":[\"b\"],\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"b\",\"title\":\"B\",\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"c\",\"title\":\"C\",\"prerequisites\":[\"b\",\"d\"],\"requirements\":[" SIM60 "]},"
		     "{\"id\":\"d\",\"title\":\"D\",\"prerequisites\":[\"c\"],\"requirements\":[" SIM60 "]}]}",
		     "modules[3].prerequisites[0]", "cycle: c -> d -> c");

	/* Impossible thresholds. */
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":0}"),
		     "modules[0].requirements[0].target", "between 1 and");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"cases\",\"activity\":\"console_full\","
				       "\"roles\":[\"P\"],\"target\":-3}"),
		     "modules[0].requirements[0].target", "between 1 and");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\"}"),
		     "modules[0].requirements[0].target", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":6.5}"),
		     "modules[0].requirements[0].target", "must be an integer");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"module_signoff\",\"target\":2}"),
		     "modules[0].requirements[0].target", "must be 1");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\","
				       "\"target\":2,\"total_min\":31}"),
		     "modules[0].requirements[0].total_min", "highest gears total is 30 (6 domains x 5)");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"goals\","
				       "\"target\":2,\"total_min\":26}"),
		     "modules[0].requirements[0].total_min", "highest goals total is 25");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\","
				       "\"target\":2,\"domain_min\":6}"),
		     "modules[0].requirements[0].domain_min", "score range 1 to 5");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\","
				       "\"target\":2,\"domain_min\":0}"),
		     "modules[0].requirements[0].domain_min", "score range 1 to 5");
	expect_field(tools, ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\","
				       "\"target\":0,\"total_min\":20}"),
		     "modules[0].requirements[0].target", NULL);

	/* Missing identity. */
	expect_field(tools, "{\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]}]}",
		     "code", "is required");
	expect_field(tools, "{\"code\":\"t\",\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]}]}",
		     "version", "is required");
	expect_field(tools, "{\"code\":\"t\",\"version\":\"1\",\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]}]}",
		     "version", "must be an integer");
	expect_field(tools, "{\"code\":\"t\",\"version\":0,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]}]}",
		     "version", "between 1 and");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":[]}",
		     "modules", "non-empty");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[]}]}",
		     "modules[0].requirements", "non-empty");
	expect_field(tools, "{\"code\":\"t\",\"version\":1,\"title\":\"T\",\"modules\":["
		     "{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" SIM60 "]},7]}",
		     "modules[1]", "must be an object");

	rl_tools_free(tools);
}

static void test_validation_many_and_malformed(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;
	const char *many = ONE_MODULE(
		"{\"id\":\"r\",\"kind\":\"minutes\",\"activity\":\"surfing\",\"target\":0},"
		"{\"id\":\"s\",\"kind\":\"cases\",\"activity\":\"console_full\",\"roles\":[\"Z\"],\"target\":1}");
	const char *broken = "{\"code\":\"t\",\"version\":1,";
	const char *twice = "{\"code\":\"t\",\"code\":\"u\",\"version\":1}";
	/* Valid: total_min below domains x domain_min is allowed (the floor decides). */
	const char *low_total = ONE_MODULE("{\"id\":\"r\",\"kind\":\"assessments\",\"tool\":\"gears\","
					   "\"target\":1,\"total_min\":10,\"domain_min\":3}");

	/* Every problem is reported, not just the first. */
	assert_int_equal(rl_curriculum_parse(many, strlen(many), tools, &c, &err), -1);
	assert_null(c);
	assert_int_equal(err.nfields, 3);
	assert_string_equal(err.fields[0].field, "modules[0].requirements[0].target");
	assert_string_equal(err.fields[1].field, "modules[0].requirements[0].activity");
	assert_string_equal(err.fields[2].field, "modules[0].requirements[1].roles[0]");
	rl_error_clear(&err);

	assert_int_equal(rl_curriculum_parse(broken, strlen(broken), tools, &c, &err), -1);
	assert_int_equal(err.status, RL_E_MALFORMED);
	assert_string_equal(err.type, "malformed-json");
	rl_error_clear(&err);
	assert_int_equal(rl_curriculum_parse(twice, strlen(twice), tools, &c, &err), -1);
	assert_int_equal(err.status, RL_E_MALFORMED);
	assert_non_null(strstr(err.detail, "duplicate"));
	rl_error_clear(&err);
	assert_int_equal(rl_curriculum_parse("[1]", 3, tools, &c, &err), -1);
	assert_int_equal(err.status, RL_E_MALFORMED);
	rl_error_clear(&err);

	c = parse_ok(low_total, tools);
	rl_curriculum_free(c);
	rl_tools_free(tools);
}

static void expect_tools_error(const char *json, const char *field, const char *want)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_tools *tools = NULL;

	assert_int_equal(rl_tools_parse(json, strlen(json), &tools, &err), -1);
	assert_null(tools);
	if (!field) {
		assert_true(err.status != RL_OK);
		return;
	}
	for (int i = 0; i < err.nfields; i++) {
		if (strcmp(err.fields[i].field, field) == 0) {
			if (want && !strstr(err.fields[i].message, want))
				fail_msg("%s: \"%s\" lacks \"%s\"", field, err.fields[i].message, want);
			return;
		}
	}
	fail_msg("no error on %s; got: %s", field, err.detail);
}

static void test_tools_validation(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_tools *tools = NULL;
	const struct rl_tool *t;
	/* A third, made-up scale: the table is data, so nothing else changes. */
	const char *three = "[{\"id\":\"mini\",\"title\":\"Mini\",\"min\":0,\"max\":2,"
			    "\"domains\":[{\"id\":\"x\",\"title\":\"X\"},{\"id\":\"y\",\"title\":\"Y\"}]}]";
	const char *cur = ONE_MODULE("{\"id\":\"m\",\"kind\":\"assessments\",\"tool\":\"mini\","
				     "\"target\":1,\"total_min\":3,\"domain_min\":1}");
	struct rl_curriculum *c;
	struct got g = { 0 };
	int pass[2] = { 2, 1 }, low[2] = { 2, 0 }, short_total[2] = { 1, 1 };
	struct rl_evidence e = { .kind = RL_EV_ASSESSMENT, .tool = "mini", .nscores = 2 };

	expect_tools_error("{}", NULL, NULL);
	expect_tools_error("[]", NULL, NULL);
	expect_tools_error("[{\"id\":\"a\",\"title\":\"A\",\"min\":1,\"max\":5,\"domains\":[]}]",
			   "[0].domains", "non-empty");
	expect_tools_error("[{\"id\":\"a\",\"title\":\"A\",\"min\":3,\"max\":3,"
			   "\"domains\":[{\"id\":\"x\",\"title\":\"X\"}]}]",
			   "[0].max", "above min");
	expect_tools_error("[{\"id\":\"a\",\"title\":\"A\",\"min\":1,\"max\":5,\"scale\":1,"
			   "\"domains\":[{\"id\":\"x\",\"title\":\"X\"}]}]",
			   "[0].scale", "not a field of a tool");
	expect_tools_error("[{\"id\":\"a\",\"title\":\"A\",\"min\":1,\"max\":5,"
			   "\"domains\":[{\"id\":\"x\",\"title\":\"X\"},{\"id\":\"x\",\"title\":\"Y\"}]}]",
			   "[0].domains[1].id", "repeats the domain id");
	expect_tools_error("[{\"id\":\"a\",\"title\":\"A\",\"min\":1,\"max\":5,"
			   "\"domains\":[{\"id\":\"x\",\"title\":\"X\"}]},"
			   "{\"id\":\"a\",\"title\":\"B\",\"min\":1,\"max\":5,"
			   "\"domains\":[{\"id\":\"x\",\"title\":\"X\"}]}]",
			   "[1].id", "repeats the tool id");
	expect_tools_error("[{\"id\":\"a\",\"min\":1,\"max\":5,\"domains\":[{\"id\":\"x\"}]}]",
			   "[0].domains[0].title", "is required");

	assert_int_equal(rl_tools_parse(three, strlen(three), &tools, &err), 0);
	t = rl_tool_find(tools, "mini");
	assert_int_equal(rl_tool_domain_count(t), 2);
	assert_int_equal(rl_tool_min(t), 0);
	c = parse_ok(cur, tools);
	e.scores = pass;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.scores = low;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.scores = short_total;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.key[0], "a/m");
	rl_curriculum_free(c);
	rl_tools_free(tools);
}

/* ---------------------------------------------------- contributions */

static void test_contributions_sessions(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *core = shipped("schema/curricula/ras-core-v1.json", tools);
	struct got g = { 0 };
	static const char *const steps[] = {
		"prostatectomy.bladder_detachment", "colectomy.medial_to_lateral_dissection",
		"prostatectomy.bladder_neck_dissection", "cholecystectomy.calot_triangle",
	};
	struct rl_evidence e = { .kind = RL_EV_SESSION, .activity = "bedside_assist",
				 .platform = "davinci_xi", .role = "A", .minutes = 90 };

	/* A bedside case counts once, towards the bedside requirement only. */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.key[0], "bedside_assistant/tableside_cases");
	assert_int_equal(g.amount[0], 1);

	/*
	 * The trainee claimed P on a full case; the trainer signed O.  The
	 * signed view is what the caller passes for signed totals: nothing.
	 */
	memset(&g, 0, sizeof(g));
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "console_full",
				  .platform = "davinci_xi", .role = "O", .minutes = 200 };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);
	e.role = "P";
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(got_amount(&g, "console_full/full_cases"), 1);
	e.role = NULL; /* unsigned role never matches a role list */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);

	/* Steps: each listed step in a requirement's set counts once. */
	memset(&g, 0, sizeof(g));
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "console_modular",
				  .platform = "davinci_xi", .role = "S-TS", .minutes = 60,
				  .steps = steps, .nsteps = 4 };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(got_amount(&g, "console_modular/entry_steps"), 2);
	assert_int_equal(got_amount(&g, "console_modular/intermediate_steps"), 1);
	assert_int_equal(got_amount(&g, "console_modular/advanced_steps"), 0);
	memset(&g, 0, sizeof(g));
	e.role = "O"; /* observed, as the trainer signed it: no step credit */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);

	/* Minutes, including "wet lab or cadaveric". */
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "simulator",
				  .platform = "sim_mimic", .minutes = 75 };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "cadaveric", .minutes = 240 };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "simulator", .minutes = 0 };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(got_amount(&g, "simulator_proficiency/vr_time"), 75);
	assert_int_equal(got_amount(&g, "wet_lab/tissue_time"), 240);

	/* Module completions count towards that module's sign-off only. */
	memset(&g, 0, sizeof(g));
	e = (struct rl_evidence){ .kind = RL_EV_MODULE, .module = "console_full" };
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.module = "dry_lab"; /* no sign-off requirement there */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.module = NULL;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(got_amount(&g, "console_full/independence"), 1);

	/* Nothing to do without a callback or evidence. */
	rl_curriculum_contributions(core, tools, NULL, collect, &g);
	rl_curriculum_contributions(core, tools, &e, NULL, &g);
	rl_curriculum_free(core);
	rl_tools_free(tools);
}

static void test_contributions_platforms(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *c = parse_ok(ONE_MODULE(
		"{\"id\":\"dvss\",\"kind\":\"minutes\",\"activity\":\"simulator\","
		"\"platform\":[\"sim_dvss\",\"sim_simnow\"],\"target\":60},"
		"{\"id\":\"xi_steps\",\"kind\":\"steps\",\"step\":\"colectomy.anastomosis\","
		"\"activity\":\"console_modular\",\"platform\":\"davinci_xi\",\"target\":2}"), tools);
	struct got g = { 0 };
	static const char *const steps[] = { "colectomy.anastomosis" };
	struct rl_evidence e = { .kind = RL_EV_SESSION, .activity = "simulator",
				 .platform = "sim_mimic", .minutes = 30 };

	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.platform = NULL;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);
	e.platform = "sim_simnow";
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(got_amount(&g, "a/dvss"), 30);

	memset(&g, 0, sizeof(g));
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "console_modular",
				  .platform = "versius", .steps = steps, .nsteps = 1 };
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.activity = "console_full";
	e.platform = "davinci_xi";
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);
	e.activity = "console_modular"; /* no roles listed: any role, even none */
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(got_amount(&g, "a/xi_steps"), 1);
	rl_curriculum_free(c);
	rl_tools_free(tools);
}

/* The simulator kind: a run of scores at one listed exercise, on the listed platforms; refusals named by field. */
static void test_contributions_simulator(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *c = parse_ok(ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":"
		"[\"Pick and Place\",\"Ring Walk 2\"],\"platform\":[\"sim_simnow\"],\"min_score\":90,\"consecutive\":3}"), tools);
	struct rl_curriculum *best = parse_ok(ONE_MODULE("{\"id\":\"b\",\"kind\":\"simulator\",\"exercises\":"
		"\"Pick and Place\",\"min_score\":95}"), tools);
	static const char *const simnow[] = { "sim_simnow", "sim_simnow", "sim_simnow", "sim_simnow", "sim_simnow" };
	static const char *const mixed[] = { "sim_simnow", "sim_simnow", "sim_mimic", "sim_simnow", "sim_simnow" };
	static const long long run3[] = { 9000, 9500, 9000, 10, 10 };    /* three in a row from the start */
	static const long long broken[] = { 9000, 9500, 8999, 9000, 9100 }; /* 8999 breaks the run */
	static const long long late[] = { 10, 9000, 9000, 9000, 0 };       /* a run in the middle */
	struct rl_evidence e = { .kind = RL_EV_SIMULATOR, .exercise = "Pick and Place", .attempt_platforms = simnow,
				 .nattempts = 5 };
	struct got g = { 0 };
	json_t *ev;

	e.attempt_scores = run3;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.key[0], "a/s");
	assert_int_equal(g.amount[0], 1);
	e.attempt_scores = late;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 2);
	memset(&g, 0, sizeof(g));
	e.attempt_scores = broken;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.attempt_scores = late;
	e.attempt_platforms = mixed; /* the Mimic attempt is not counted: two SimNow at 90 are not three */
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.attempt_platforms = simnow;
	e.exercise = "Suture Sponge 1"; /* not listed */
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.exercise = "Pick and Place";
	e.nattempts = 2;                /* too few */
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);
	/* consecutive left out: the best score decides. */
	e.nattempts = 5;
	e.attempt_scores = late; /* at most 90 */
	rl_curriculum_contributions(best, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);
	e.attempt_scores = (const long long[]){ 1000, 9500, 0, 0, 0 };
	rl_curriculum_contributions(best, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	/* The target is every exercise unless given; the description says what counts. */
	{
		struct table t = { 0 };
		struct rl_error err = RL_ERROR_INIT;
		json_t *req;

		ev = rl_curriculum_evaluate(c, tally, &t, &err);
		assert_non_null(ev);
		req = json_array_get(json_object_get(json_array_get(json_object_get(ev, "modules"), 0), "requirements"), 0);
		assert_int_equal(int_at(req, "target"), 2);
		assert_int_equal(int_at(req, "consecutive"), 3);
		assert_non_null(strstr(str_at(req, "description"), "at least 90% on 3 attempts in a row"));
		json_decref(ev);
	}

	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"min_score\":90}"),
		     "modules[0].requirements[0].exercises", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\"],\"min_score\":101}"),
		     "modules[0].requirements[0].min_score", "between 1 and 100");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\"]}"),
		     "modules[0].requirements[0].min_score", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\",\"B\"],"
				       "\"min_score\":80,\"target\":3}"),
		     "modules[0].requirements[0].target", "lists 2 exercises");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\"],"
				       "\"min_score\":80,\"platform\":\"davinci_xi\"}"),
		     "modules[0].requirements[0].platform", "not a simulator");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\",\"A\"],"
				       "\"min_score\":80}"),
		     "modules[0].requirements[0].exercises[1]", "repeats");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\"],"
				       "\"min_score\":80,\"consecutive\":0}"),
		     "modules[0].requirements[0].consecutive", "between 1 and 100");
	expect_field(tools, ONE_MODULE("{\"id\":\"s\",\"kind\":\"simulator\",\"exercises\":[\"A\"],"
				       "\"min_score\":80,\"tool\":\"gears\"}"),
		     "modules[0].requirements[0].tool", "not a field of a simulator requirement");
	rl_curriculum_free(c);
	rl_curriculum_free(best);
	rl_tools_free(tools);
}

/* The elearning kind: a confirmed certificate of exactly the named issuer and achievement; refusals by field. */
static void test_contributions_elearning(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *c = parse_ok(ONE_MODULE("{\"id\":\"frs\",\"kind\":\"elearning\",\"issuer\":"
		"\"https://www.frsurgery.org\",\"achievement\":\"https://www.frsurgery.org/achievements/frs-online-modules\"}"),
		tools);
	struct rl_curriculum *two = parse_ok(ONE_MODULE("{\"id\":\"x\",\"kind\":\"elearning\",\"issuer\":\"I\","
		"\"achievement\":\"A\",\"target\":2}"), tools);
	struct rl_evidence e = { .kind = RL_EV_ELEARNING, .issuer = "https://www.frsurgery.org",
				 .achievement = "https://www.frsurgery.org/achievements/frs-online-modules" };
	struct got g = { 0 };
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	json_t *ev, *req;

	(void)state;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.key[0], "a/frs");
	assert_int_equal(g.amount[0], 1);
	memset(&g, 0, sizeof(g));
	e.issuer = "https://www.frsurgery.org/"; /* not exactly the issuer named */
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.issuer = "https://www.frsurgery.org";
	e.achievement = "https://www.frsurgery.org/achievements/frs-online-module";
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e.achievement = NULL;
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	/* Other evidence never counts towards it. */
	e = (struct rl_evidence){ .kind = RL_EV_MODULE, .module = "a", .issuer = "https://www.frsurgery.org",
				  .achievement = "https://www.frsurgery.org/achievements/frs-online-modules" };
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	e = (struct rl_evidence){ .kind = RL_EV_SESSION, .activity = "elearning", .minutes = 60 };
	rl_curriculum_contributions(c, tools, &e, collect, &g);
	assert_int_equal(g.n, 0);

	/* The target is 1 unless given; the report names issuer and achievement, and the description says so. */
	ev = rl_curriculum_evaluate(c, tally, &t, &err);
	assert_non_null(ev);
	req = json_array_get(json_object_get(json_array_get(json_object_get(ev, "modules"), 0), "requirements"), 0);
	assert_int_equal(int_at(req, "target"), 1);
	assert_string_equal(str_at(req, "kind"), "elearning");
	assert_string_equal(str_at(req, "issuer"), "https://www.frsurgery.org");
	assert_string_equal(str_at(req, "achievement"), "https://www.frsurgery.org/achievements/frs-online-modules");
	assert_non_null(strstr(str_at(req, "description"), "1 confirmed e-learning certificate of"));
	json_decref(ev);
	ev = rl_curriculum_evaluate(two, tally, &t, &err);
	req = json_array_get(json_object_get(json_array_get(json_object_get(ev, "modules"), 0), "requirements"), 0);
	assert_int_equal(int_at(req, "target"), 2);
	json_decref(ev);

	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearning\",\"achievement\":\"A\"}"),
		     "modules[0].requirements[0].issuer", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearning\",\"issuer\":\"I\"}"),
		     "modules[0].requirements[0].achievement", "is required");
	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearning\",\"issuer\":\"I\",\"achievement\":7}"),
		     "modules[0].requirements[0].achievement", NULL);
	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearning\",\"issuer\":\"I\",\"achievement\":\"A\","
				       "\"target\":0}"),
		     "modules[0].requirements[0].target", NULL);
	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearning\",\"issuer\":\"I\",\"achievement\":\"A\","
				       "\"activity\":\"elearning\"}"),
		     "modules[0].requirements[0].activity", "not a field of a elearning requirement");
	expect_field(tools, ONE_MODULE("{\"id\":\"e\",\"kind\":\"elearnin\"}"),
		     "modules[0].requirements[0].kind", "simulator or elearning");
	rl_curriculum_free(c);
	rl_curriculum_free(two);

	/* Version 3 of both shipped curricula adds it to robotic literacy; version 2 is unchanged. */
	{
		static const char *const v3[] = { "schema/curricula/ras-core-v3.json", "schema/curricula/ras-conversion-v3.json" };
		for (size_t i = 0; i < 2; i++) {
			struct rl_curriculum *s = shipped(v3[i], tools);
			struct table none = { 0 };
			assert_int_equal(rl_curriculum_version(s), 3);
			ev = rl_curriculum_evaluate(s, tally, &none, &err);
			req = req_of(ev, "robotic_literacy", "frs_online");
			assert_non_null(req);
			assert_string_equal(str_at(req, "kind"), "elearning");
			assert_non_null(req_of(ev, "robotic_literacy", "certificate"));
			json_decref(ev);
			rl_curriculum_free(s);
		}
		c = shipped("schema/curricula/ras-core-v2.json", tools);
		ev = rl_curriculum_evaluate(c, tally, &t, &err);
		assert_int_equal(json_array_size(json_object_get(module_of(ev, "robotic_literacy"), "requirements")), 2);
		json_decref(ev);
		rl_curriculum_free(c);
	}
	rl_tools_free(tools);
}

static void test_contributions_assessments(void **state)
{
	struct rl_tools *tools = shipped_tools();
	struct rl_curriculum *core = shipped("schema/curricula/ras-core-v1.json", tools);
	struct got g = { 0 };
	/* total_min 24, domain_min 3 in ras-core. */
	int exact[6] = { 4, 4, 4, 4, 4, 4 };      /* 24, every domain >= 3: counts */
	int floor_hit[6] = { 5, 5, 5, 5, 5, 2 };  /* 27 but one domain at 2 */
	int one_below[6] = { 4, 4, 4, 4, 4, 3 };  /* 23 */
	int floor_exact[6] = { 3, 5, 5, 5, 3, 3 }; /* 24, lowest domain exactly 3 */
	int out_of_range[6] = { 6, 6, 6, 6, 6, 0 };
	struct rl_evidence e = { .kind = RL_EV_ASSESSMENT, .tool = "gears", .nscores = 6 };

	e.scores = exact;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.key[0], "console_full/gears");
	assert_int_equal(g.amount[0], 1);
	e.scores = floor_exact;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	assert_int_equal(g.n, 2);

	memset(&g, 0, sizeof(g));
	e.scores = floor_hit;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.scores = one_below;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.scores = out_of_range;
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.scores = exact;
	e.nscores = 5; /* wrong count */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.nscores = 6;
	e.tool = "goals"; /* another tool */
	rl_curriculum_contributions(core, tools, &e, collect, &g);
	e.tool = "gears";
	rl_curriculum_contributions(core, NULL, &e, collect, &g); /* no tool table */
	assert_int_equal(g.n, 0);
	rl_curriculum_free(core);
	rl_tools_free(tools);
}

/* ------------------------------------------------------- evaluation */

/* a: 60 simulator minutes + a sign-off; b (needs a): 2 cases as P. */
#define TWO_MODULES(target_a) \
	"{\"code\":\"t\",\"version\":" #target_a ",\"title\":\"T\",\"modules\":[" \
	"{\"id\":\"a\",\"title\":\"A\",\"requirements\":[" \
	"{\"id\":\"sim\",\"kind\":\"minutes\",\"activity\":\"simulator\",\"target\":" #target_a "}," \
	"{\"id\":\"ok\",\"kind\":\"module_signoff\"}]}," \
	"{\"id\":\"b\",\"title\":\"B\",\"prerequisites\":[\"a\"],\"requirements\":[" \
	"{\"id\":\"cases\",\"kind\":\"cases\",\"activity\":\"console_full\",\"roles\":\"P\",\"target\":2}]}]}"

static json_t *evaluate(const struct rl_curriculum *c, struct table *t)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *ev = rl_curriculum_evaluate(c, tally, t, &err);

	if (!ev)
		fail_msg("evaluate failed: %s", err.detail);
	return ev;
}

static void test_evaluate_edges(void **state)
{
	struct rl_curriculum *c = parse_ok(TWO_MODULES(60), NULL);
	struct table t = { 0 };
	json_t *ev, *r, *u, *sum;

	/* Nothing at all. */
	ev = evaluate(c, &t);
	assert_string_equal(str_at(ev, "status"), "in_training");
	assert_string_equal(str_at(json_object_get(ev, "curriculum"), "code"), "t");
	assert_int_equal(int_at(json_object_get(ev, "curriculum"), "version"), 60);
	assert_string_equal(str_at(module_of(ev, "a"), "status"), "not_started");
	assert_string_equal(str_at(req_of(ev, "a", "sim"), "status"), "not_started");
	assert_string_equal(str_at(module_of(ev, "b"), "status"), "blocked");
	assert_string_equal(str_at(req_of(ev, "b", "cases"), "status"), "blocked");
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(module_of(ev, "b"), "prerequisites"), 0)), "a");
	assert_int_equal(json_array_size(json_object_get(ev, "unmet")), 3);
	json_decref(ev);

	/* One below target: in progress; pending alone: in progress with 0 signed. */
	table_set(&t, "a/sim", 59, 0);
	table_set(&t, "a/ok", 0, 1);
	ev = evaluate(c, &t);
	r = req_of(ev, "a", "sim");
	assert_string_equal(str_at(r, "status"), "in_progress");
	assert_int_equal(int_at(r, "signed"), 59);
	assert_int_equal(int_at(r, "target"), 60);
	r = req_of(ev, "a", "ok");
	assert_string_equal(str_at(r, "status"), "in_progress");
	assert_int_equal(int_at(r, "signed"), 0);
	assert_int_equal(int_at(r, "pending"), 1);
	assert_string_equal(str_at(r, "description"), "A trainer's signed completion of the module \"A\"");
	assert_string_equal(str_at(module_of(ev, "a"), "status"), "in_progress");
	json_decref(ev);

	/*
	 * Exactly at target is met.  b's figures reach its target too, but
	 * a is not met (the sign-off is only pending): b is blocked and still
	 * shows what was signed.
	 */
	table_set(&t, "a/sim", 60, 0);
	table_set(&t, "b/cases", 2, 0);
	ev = evaluate(c, &t);
	assert_string_equal(str_at(req_of(ev, "a", "sim"), "status"), "met");
	assert_string_equal(str_at(module_of(ev, "a"), "status"), "in_progress");
	r = req_of(ev, "b", "cases");
	assert_string_equal(str_at(r, "status"), "blocked");
	assert_int_equal(int_at(r, "signed"), 2);
	assert_string_equal(str_at(module_of(ev, "b"), "status"), "blocked");
	assert_int_equal(int_at(ev, "modules_met"), 0);
	u = json_object_get(ev, "unmet");
	assert_int_equal(json_array_size(u), 2);
	assert_string_equal(str_at(json_array_get(u, 0), "module"), "a");
	assert_string_equal(str_at(json_array_get(u, 0), "requirement"), "ok");
	assert_string_equal(str_at(json_array_get(u, 1), "key"), "b/cases");
	assert_int_equal(int_at(json_array_get(u, 1), "signed"), 2);
	sum = rl_curriculum_summary(ev);
	assert_non_null(sum);
	assert_string_equal(str_at(json_array_get(sum, 0), "status"), "in_progress");
	assert_int_equal(int_at(json_array_get(sum, 0), "met_requirements"), 1);
	assert_int_equal(int_at(json_array_get(sum, 0), "total_requirements"), 2);
	assert_string_equal(str_at(json_array_get(sum, 1), "status"), "blocked");
	assert_int_equal(int_at(json_array_get(sum, 1), "met_requirements"), 1);
	json_decref(sum);
	json_decref(ev);

	/* Everything met: eligible. */
	table_set(&t, "a/ok", 1, 0);
	ev = evaluate(c, &t);
	assert_string_equal(str_at(ev, "status"), "eligible");
	assert_int_equal(int_at(ev, "modules_met"), 2);
	assert_int_equal(int_at(ev, "modules_total"), 2);
	assert_string_equal(str_at(module_of(ev, "b"), "status"), "met");
	assert_int_equal(json_array_size(json_object_get(ev, "unmet")), 0);
	json_decref(ev);

	/* One signed case short again: in progress, not eligible. */
	table_set(&t, "b/cases", 1, 1);
	ev = evaluate(c, &t);
	assert_string_equal(str_at(ev, "status"), "in_training");
	assert_string_equal(str_at(req_of(ev, "b", "cases"), "status"), "in_progress");
	assert_string_equal(str_at(module_of(ev, "b"), "status"), "in_progress");
	json_decref(ev);

	rl_curriculum_free(c);
}

/* The top-level member names of a JSON object, in order, comma-joined. */
static void member_order(const json_t *o, char *out, size_t size)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)o, key, v) {
		int w = snprintf(out + n, size - n, "%s%s", n ? "," : "", key);

		assert_true(w > 0 && (size_t)w < size - n);
		n += (size_t)w;
	}
}

static void test_assess_record(void **state)
{
	struct rl_curriculum *c = parse_ok(TWO_MODULES(60), NULL);
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_progress p;
	char order[300];
	json_t *doc, *ev;

	/* a met (sim at target, signed off), b in progress: one pending case, one signed. */
	table_set(&t, "a/sim", 60, 5);
	table_set(&t, "a/ok", 1, 0);
	table_set(&t, "b/cases", 1, 1);
	assert_int_equal(rl_curriculum_assess(c, tally, &t, &p, &err), 0);
	assert_ptr_equal(p.def, c);
	assert_string_equal(p.code, "t");
	assert_int_equal(p.version, 60);
	assert_string_equal(p.status, "in_training");
	assert_null(p.evaluated_status);
	assert_int_equal(p.acc_index, -1);
	assert_int_equal(p.modules_met, 1);
	assert_int_equal(p.nmodules, 2);
	assert_string_equal(p.modules[0].id, "a");
	assert_string_equal(p.modules[0].status, "met");
	assert_int_equal(p.modules[0].reqs_met, 2);
	assert_string_equal(p.modules[0].reqs[0].key, "a/sim");
	assert_string_equal(p.modules[0].reqs[0].kind, "minutes");
	assert_int_equal(p.modules[0].reqs[0].signed_amount, 60);
	assert_int_equal(p.modules[0].reqs[0].pending, 5);
	assert_string_equal(p.modules[0].reqs[0].status, "met");
	assert_string_equal(p.modules[1].status, "in_progress");
	assert_string_equal(p.modules[1].reqs[0].status, "in_progress");
	assert_int_equal(p.modules[1].reqs[0].target, 2);
	assert_int_equal(p.modules[1].reqs_met, 0);
	assert_int_equal(p.modules[1].reqs[0].nevidence, 0);

	/* The curriculum's verdict alone: the members rl_curriculum_evaluate has always had, the same JSON. */
	doc = rl_progress_to_json(&p, &err);
	assert_non_null(doc);
	member_order(doc, order, sizeof(order));
	assert_string_equal(order, "curriculum,status,modules_met,modules_total,modules,unmet");
	ev = evaluate(c, &t);
	assert_true(json_equal(doc, ev));
	json_decref(ev);
	json_decref(doc);

	/* An accreditation valid until yesterday has lapsed; one until tomorrow, or with no end, holds. */
	rl_progress_set_accreditation(&p, 41, "2026-03-01", "2026-03-02");
	assert_string_equal(p.status, "lapsed");
	assert_string_equal(p.evaluated_status, "in_training");
	rl_progress_set_accreditation(&p, 41, "2026-03-02", "2026-03-02");
	assert_string_equal(p.status, "accredited");
	rl_progress_set_accreditation(&p, 41, "", "2026-03-02");
	assert_string_equal(p.status, "accredited");
	assert_null(p.acc_until);
	rl_progress_set_accreditation(&p, 41, "2026-12-31", "2026-03-02");
	rl_progress_set_trainee(&p, 7, "Ann Ng", "Leeds");
	doc = rl_progress_to_json(&p, &err);
	assert_non_null(doc);
	member_order(doc, order, sizeof(order));
	assert_string_equal(order, "curriculum,status,modules_met,modules_total,modules,unmet,evaluated_status,"
				   "accreditation,trainee");
	assert_string_equal(str_at(doc, "status"), "accredited");
	assert_string_equal(str_at(doc, "evaluated_status"), "in_training");
	assert_int_equal(int_at(json_object_get(doc, "accreditation"), "ledger_index"), 41);
	assert_string_equal(str_at(json_object_get(doc, "accreditation"), "valid_until"), "2026-12-31");
	assert_string_equal(str_at(json_object_get(doc, "trainee"), "name"), "Ann Ng");
	member_order(req_of(doc, "b", "cases"), order, sizeof(order));
	assert_string_equal(order, "id,key,kind,description,target,signed,pending,status,activity,roles");
	assert_int_equal(json_array_size(json_object_get(doc, "unmet")), 1);
	rl_progress_release(&p);

	/* No accreditation: the verdict is the status. */
	assert_int_equal(rl_curriculum_assess(c, tally, &t, &p, &err), 0);
	rl_progress_set_accreditation(&p, -1, "2020-01-01", "2026-03-02");
	assert_string_equal(p.status, "in_training");
	assert_int_equal(p.acc_index, -1);
	assert_null(p.acc_until);
	json_decref(doc);
	doc = rl_progress_to_json(&p, &err);
	assert_null(json_object_get(doc, "accreditation"));
	assert_null(json_object_get(doc, "trainee"));
	json_decref(doc);
	rl_progress_release(&p);
	rl_progress_release(&p); /* a released record is zeroed: releasing again is harmless */
	rl_curriculum_free(c);
}

static void test_progress_read(void **state)
{
	struct rl_curriculum *c = parse_ok(TWO_MODULES(60), NULL);
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_progress p, q;
	json_t *doc, *sum, *r;

	table_set(&t, "a/sim", 30, 0);
	assert_int_equal(rl_curriculum_assess(c, tally, &t, &p, &err), 0);
	rl_progress_set_accreditation(&p, 9, NULL, "2026-03-02");
	rl_progress_set_trainee(&p, 3, "Bo", "York");
	doc = rl_progress_to_json(&p, &err);
	assert_non_null(doc);
	/* Evidence as rl_figures adds it: one item with a date and a signer, one with neither. */
	r = req_of(doc, "a", "sim");
	json_object_set_new(r, "evidence", json_pack("[{s:I,s:I,s:s,s:s,s:I},{s:I,s:I,s:s}]", "ledger_index",
						     (json_int_t)12, "amount", (json_int_t)20, "type", "session",
						     "date", "2026-01-02", "signed_by", (json_int_t)4, "ledger_index",
						     (json_int_t)15, "amount", (json_int_t)10, "type", "assessment"));

	assert_int_equal(rl_progress_read(doc, &q, &err), 0);
	assert_null(q.def);
	assert_string_equal(q.title, p.title);
	assert_string_equal(q.status, "accredited");
	assert_string_equal(q.evaluated_status, "in_training");
	assert_int_equal(q.acc_index, 9);
	assert_null(q.acc_until);
	assert_true(q.has_trainee);
	assert_int_equal(q.trainee_id, 3);
	assert_string_equal(q.trainee_site, "York");
	assert_int_equal(q.nmodules, 2);
	assert_string_equal(q.modules[1].status, "blocked");
	assert_int_equal(q.modules[0].reqs[0].signed_amount, 30);
	assert_int_equal(q.modules[0].reqs[0].nevidence, 2);
	assert_int_equal(q.modules[0].reqs[0].evidence[0].ledger_index, 12);
	assert_string_equal(q.modules[0].reqs[0].evidence[0].date, "2026-01-02");
	assert_int_equal(q.modules[0].reqs[0].evidence[0].signed_by, 4);
	assert_null(q.modules[0].reqs[0].evidence[1].date);
	assert_int_equal(q.modules[0].reqs[0].evidence[1].signed_by, 0);
	/* A read record has no curriculum to render the requirements' definitions from. */
	assert_null(rl_progress_to_json(&q, &err));
	assert_int_equal(err.status, RL_E_INTERNAL);
	rl_error_clear(&err);
	/* Its summary is the assessed record's. */
	sum = rl_progress_summary_json(&p);
	{
		json_t *sum2 = rl_progress_summary_json(&q);

		assert_true(json_equal(sum, sum2));
		json_decref(sum2);
	}
	json_decref(sum);
	rl_progress_release(&q);

	/* A member missing or of the wrong type is named, and nothing is kept. */
	json_object_del(json_array_get(json_object_get(json_array_get(json_object_get(doc, "modules"), 1), "requirements"),
				       0), "key");
	assert_int_equal(rl_progress_read(doc, &q, &err), -1);
	assert_non_null(strstr(err.detail, "modules[1].requirements[0].key"));
	assert_null(q.modules);
	assert_null(q.doc);
	rl_error_clear(&err);
	json_object_set_new(json_object_get(doc, "trainee"), "id", json_string("3"));
	json_object_set_new(doc, "modules", json_array());
	assert_int_equal(rl_progress_read(doc, &q, &err), -1);
	assert_non_null(strstr(err.detail, "trainee.id"));
	rl_error_clear(&err);
	assert_int_equal(rl_progress_read(NULL, &q, &err), -1);
	rl_error_clear(&err);
	/* 1 from the caller's json_decref below: the failed reads dropped their references. */
	assert_int_equal(doc->refcount, 1);
	json_decref(doc);
	rl_progress_release(&p);
	rl_curriculum_free(c);
}

static void test_evaluate_failures(void **state)
{
	struct rl_curriculum *c = parse_ok(TWO_MODULES(60), NULL);
	struct table t = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	json_t *bad;

	t.fail = 1;
	assert_null(rl_curriculum_evaluate(c, tally, &t, &err));
	assert_int_equal(err.status, RL_E_INTERNAL);
	rl_error_clear(&err);

	t.fail = 0;
	t.negative = 1;
	table_set(&t, "a/sim", 5, 0);
	assert_null(rl_curriculum_evaluate(c, tally, &t, &err));
	assert_int_equal(err.status, RL_E_INTERNAL);
	assert_non_null(strstr(err.detail, "a/sim"));
	rl_error_clear(&err);

	bad = json_pack("{s:[{s:s}]}", "modules", "id", "a");
	assert_null(rl_curriculum_summary(bad));
	assert_null(rl_curriculum_summary(NULL));
	json_decref(bad);
	rl_curriculum_free(c);
}

/*
 * A trainee enrolled on v1 keeps v1's thresholds when v2 raises them:
 * the same totals give different verdicts under the two versions.
 */
static void test_versions_independent(void **state)
{
	/* TWO_MODULES(n) uses n as both the version and a's minute target. */
	struct rl_curriculum *v1 = parse_ok(TWO_MODULES(1), NULL);
	struct rl_curriculum *v2 = parse_ok(TWO_MODULES(2), NULL);
	struct table t = { 0 };
	json_t *e1, *e2;

	table_set(&t, "a/sim", 1, 0);
	table_set(&t, "a/ok", 1, 0);
	table_set(&t, "b/cases", 2, 0);
	e1 = evaluate(v1, &t);
	e2 = evaluate(v2, &t);
	assert_int_equal(rl_curriculum_version(v1), 1);
	assert_int_equal(rl_curriculum_version(v2), 2);
	assert_string_equal(rl_curriculum_code(v1), rl_curriculum_code(v2));
	assert_string_equal(str_at(e1, "status"), "eligible");
	assert_string_equal(str_at(e2, "status"), "in_training");
	assert_string_equal(str_at(req_of(e2, "a", "sim"), "status"), "in_progress");
	assert_string_equal(str_at(req_of(e2, "b", "cases"), "status"), "blocked");
	assert_int_equal(int_at(json_object_get(e1, "curriculum"), "version"), 1);
	json_decref(e1);
	json_decref(e2);
	rl_curriculum_free(v1);
	rl_curriculum_free(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tools_shipped),
		cmocka_unit_test(test_curricula_shipped),
		cmocka_unit_test(test_core_demo_trainee_eligible),
		cmocka_unit_test(test_validation_fields),
		cmocka_unit_test(test_validation_many_and_malformed),
		cmocka_unit_test(test_tools_validation),
		cmocka_unit_test(test_contributions_sessions),
		cmocka_unit_test(test_contributions_platforms),
		cmocka_unit_test(test_contributions_assessments),
		cmocka_unit_test(test_contributions_simulator),
		cmocka_unit_test(test_contributions_elearning),
		cmocka_unit_test(test_evaluate_edges),
		cmocka_unit_test(test_evaluate_failures),
		cmocka_unit_test(test_assess_record),
		cmocka_unit_test(test_progress_read),
		cmocka_unit_test(test_versions_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
