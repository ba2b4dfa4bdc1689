/*
 * test_progress_json.c - the progress reply's two renderers give the same
 * bytes: rl_progress_write_json (straight into a buffer, with fragments
 * escaped once per curriculum) against json_dumps(rl_progress_to_json(),
 * JSON_COMPACT) (the jansson tree), over every shipped curriculum and
 * one whose titles carry unicode, quotes and backslashes, many totals
 * (none met, all met, at and around each target), every status,
 * accreditation absent, live, lapsed and without a date, and trainees
 * with plain names and names of unicode, quotes and control characters;
 * a record whose strings are not
 * its curriculum's; strings jansson refuses (both fail).  The packed
 * record (the server's reply cache) renders to the same bytes again and
 * refuses truncated or foreign bytes.  Then every person of the demo
 * database: rl_progress_reply's bytes and its packed copy's against
 * json_dumps(rl_progress_summary()), and a tampered tally row (the
 * ledger's figures, marked stale, nothing written).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/util.h"
#include "domain/curriculum.h"
#include "domain/progress.h"
#include "domain/progress_record.h"

#include "demo_fixture.h"
#include "json_same.h"

struct tallies {
	unsigned seed;
	int mode; /* 0: pseudo-random; 1: nothing; 2: everything far over its target */
};

/* A deterministic amount per key: 0, values around small targets, or large (test_summary.c's). */
static int tally(void *ctx, const char *key, long long *s, long long *p)
{
	struct tallies *t = ctx;
	unsigned h = t->seed;

	if (t->mode == 1) {
		*s = *p = 0;
		return 1;
	}
	if (t->mode == 2) {
		*s = 1000000;
		*p = 7;
		return 0;
	}
	for (const char *k = key; *k; k++)
		h = h * 31u + (unsigned char)*k;
	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	switch (h % 7) {
	case 0: *s = 0; *p = 0; return 1;
	case 1: *s = 1; *p = 0; break;
	case 2: *s = 0; *p = 3; break;
	case 3: *s = (long long)(h % 700); *p = 0; break;
	case 4: *s = 10; *p = 2; break;
	case 5: *s = 1LL << 40; *p = 123456789; break;
	default: *s = 100000; *p = 0; break;
	}
	return 0;
}

static struct rl_tools *tools;

static struct rl_curriculum *parse_text(const char *text, size_t len)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_curriculum *c = NULL;

	if (!tools) {
		size_t tlen;
		char *t = rl_read_file("schema/tools.json", 1 << 20, &tlen);

		assert_non_null(t);
		assert_int_equal(rl_tools_parse(t, tlen, &tools, &err), 0);
		free(t);
	}
	if (rl_curriculum_parse(text, len, tools, &c, &err) < 0)
		fail_msg("curriculum: %s", err.detail);
	return c;
}

static struct rl_curriculum *parse_file(const char *path)
{
	size_t len;
	char *text = rl_read_file(path, 1 << 20, &len);
	struct rl_curriculum *c;

	assert_non_null(text);
	c = parse_text(text, len);
	free(text);
	return c;
}

/* ras-core-v3 with every title and source made awkward for an escaper. */
static struct rl_curriculum *awkward_curriculum(void)
{
	static const char *const odd[] = {
		"Módulo «Ω» \"quoted\" back\\slash / ☃ 𝄞 \xe2\x80\xa8 end",
		"</script> & \\u0041 'single' \"\"",
		"日本語のタイトル",
		"back\\slash, no quote",
	};
	json_error_t jerr;
	json_t *doc = json_load_file("schema/curricula/ras-core-v3.json", 0, &jerr), *m, *r;
	struct rl_curriculum *c;
	size_t i, j, k = 0;
	char *text;

	assert_non_null(doc);
	json_object_set_new(doc, "title", json_string(odd[0]));
	json_array_foreach(json_object_get(doc, "modules"), i, m) {
		json_object_set_new(m, "title", json_string(odd[k++ % 4]));
		json_object_set_new(m, "source", json_string(odd[k++ % 4]));
		json_array_foreach(json_object_get(m, "requirements"), j, r) {
			json_object_set_new(r, "title", json_string(odd[k++ % 4]));
			if (k % 3)
				json_object_set_new(r, "source", json_string(odd[k++ % 4]));
			else
				json_object_del(r, "source");
		}
	}
	text = json_dumps(doc, 0);
	json_decref(doc);
	assert_non_null(text);
	c = parse_text(text, strlen(text));
	free(text);
	return c;
}

/* Both renderers of p: the same bytes, or both fail; and the packed record renders them again. */
static void same_bytes(const struct rl_progress *p, int expect_pack)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_buf b = RL_BUF_INIT, packed = RL_BUF_INIT, again = RL_BUF_INIT;
	json_t *doc = rl_progress_to_json(p, &err);
	char *want = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	int rc;

	json_decref(doc);
	rl_error_clear(&err);
	rc = rl_progress_write_json(p, &b, &err);
	if (!want) {
		assert_int_equal(rc, -1);
		assert_int_not_equal(err.status, 0);
		rl_error_clear(&err);
		rl_buf_release(&b);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(b.data, want);
	assert_int_equal(b.len, strlen(want));
	rc = rl_progress_pack(p, 42, &packed);
	if (!expect_pack) {
		assert_int_equal(rc, -1);
	} else {
		struct rl_progress q;

		assert_int_equal(rc, 0);
		assert_true(packed.len < b.len);
		assert_int_equal(rl_progress_packed_curriculum(packed.data, packed.len), 42);
		assert_int_equal(rl_progress_unpack(p->def, packed.data, packed.len, &q, &err), 0);
		assert_int_equal(rl_progress_write_json(&q, &again, &err), 0);
		assert_string_equal(again.data, want);
		rl_progress_release(&q);
		/* Cut short or with a byte more, the bytes are refused. */
		for (size_t n = 0; n < packed.len; n += 1 + n / 8) {
			assert_int_equal(rl_progress_unpack(p->def, packed.data, n, &q, &err), -1);
			rl_error_clear(&err);
		}
		rl_buf_putc(&packed, 0);
		assert_int_equal(rl_progress_unpack(p->def, packed.data, packed.len, &q, &err), -1);
		rl_error_clear(&err);
	}
	free(want);
	rl_buf_release(&b);
	rl_buf_release(&packed);
	rl_buf_release(&again);
}

static const char *const names[][2] = {
	{ "Alex Smith", "Bristol" },
	{ "Zoë \"Ziggy\" O'Brien-Łukasz", "Saint-Étienne\\Nord / Süd" },
	{ "tab\there \x01 ctl \x7f del\nline", "日本" },
	{ "", "" },
};

/* Every variant of one record's accreditation and trainee, from the same totals. */
static void variants(const struct rl_curriculum *c, struct tallies *t)
{
	for (int v = 0; v < 6; v++) {
		struct rl_error err = RL_ERROR_INIT;
		struct rl_progress p;

		assert_int_equal(rl_curriculum_assess(c, tally, t, &p, &err), 0);
		switch (v) {
		case 0: /* as the rules leave it: no accreditation known, no trainee */
			break;
		case 1:
			rl_progress_set_accreditation(&p, -1, NULL, "2026-11-30");
			rl_progress_set_trainee(&p, 7, names[0][0], names[0][1]);
			break;
		case 2: /* accredited */
			rl_progress_set_accreditation(&p, 1234, "2030-01-01", "2026-11-30");
			rl_progress_set_trainee(&p, 10042, names[1][0], names[1][1]);
			break;
		case 3: /* lapsed */
			rl_progress_set_accreditation(&p, 99, "2020-01-01", "2026-11-30");
			rl_progress_set_trainee(&p, 3, names[2][0], names[2][1]);
			break;
		case 4: /* accredited without a date */
			rl_progress_set_accreditation(&p, 0, "", "2026-11-30");
			rl_progress_set_trainee(&p, 9223372036854775807LL, names[3][0], names[3][1]);
			break;
		default: /* a status from the whole set on every module and requirement */
			rl_progress_set_accreditation(&p, -1, NULL, "2026-11-30");
			for (size_t i = 0; i < p.nmodules; i++) {
				static const char *const st[] = { "met", "in_progress", "not_started", "blocked" };
				p.modules[i].status = st[(i + t->seed) % 4];
				for (size_t j = 0; j < p.modules[i].nreqs; j++)
					p.modules[i].reqs[j].status = st[(i + j + t->seed) % 4];
			}
			break;
		}
		same_bytes(&p, 1);
		rl_progress_release(&p);
	}
}

static void over_curriculum(struct rl_curriculum *c, unsigned seeds)
{
	struct tallies none = { 0, 1 }, all = { 0, 2 };

	variants(c, &none);
	variants(c, &all);
	for (unsigned seed = 0; seed < seeds; seed++) {
		struct tallies t = { seed, 0 };
		variants(c, &t);
	}
}

static void test_shipped_curricula(void **state)
{
	static const char *const paths[] = {
		"schema/curricula/ras-core-v1.json", "schema/curricula/ras-core-v2.json",
		"schema/curricula/ras-core-v3.json", "schema/curricula/ras-conversion-v1.json",
		"schema/curricula/ras-conversion-v2.json", "schema/curricula/ras-conversion-v3.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct rl_curriculum *c = parse_file(paths[i]);
		over_curriculum(c, 60);
		rl_curriculum_free(c);
	}
}

static void test_awkward_strings(void **state)
{
	struct rl_curriculum *c = awkward_curriculum();

	(void)state;
	over_curriculum(c, 60);
	rl_curriculum_free(c);
}

/* A record whose strings are not its curriculum's own: written from the record, and not packed. */
static void test_foreign_strings(void **state)
{
	struct rl_curriculum *c = parse_file("schema/curricula/ras-core-v3.json");
	struct rl_error err = RL_ERROR_INIT;
	struct tallies t = { 5, 0 };
	struct rl_progress p;
	struct rl_buf b = RL_BUF_INIT;

	(void)state;
	assert_int_equal(rl_curriculum_assess(c, tally, &t, &p, &err), 0);
	rl_progress_set_accreditation(&p, -1, NULL, "2026-11-30");
	p.title = "Another \"title\" — ü";
	p.modules[0].title = "Renamed \\ module";
	p.modules[0].reqs[0].description = "A description \u00e9 not the curriculum's";
	p.modules[0].reqs[0].status = "in_progress";
	p.modules[1].reqs[0].key = "x/\"y\"";
	same_bytes(&p, 0);
	/* A status outside the fixed set renders, but does not pack. */
	p.status = "pending review";
	same_bytes(&p, 0);
	/* Strings jansson refuses (not UTF-8) or missing: both renderers fail. */
	p.status = "in_training";
	rl_progress_set_trainee(&p, 1, "\xc3\x28", "x");
	same_bytes(&p, 0);
	rl_progress_set_trainee(&p, 1, "ok", NULL);
	same_bytes(&p, 0);
	p.has_trainee = 0;
	p.modules[2].title = "\xff";
	same_bytes(&p, 0);
	p.modules[2].title = "ok";
	p.def = NULL;
	assert_null(rl_progress_to_json(&p, &err));
	rl_error_clear(&err);
	assert_int_equal(rl_progress_write_json(&p, &b, &err), -1);
	rl_error_clear(&err);
	p.def = c;
	rl_progress_release(&p);
	rl_buf_release(&b);
	rl_curriculum_free(c);
}

/* Every person of the demo: the server's bytes, first computed and then from the packed copy. */
static void test_demo_every_trainee(void **state)
{
	size_t i, compared = 0, packed_bytes = 0, json_bytes = 0;
	json_t *person;

	(void)state;
	json_array_foreach(people, i, person) {
		int64_t id = json_integer_value(json_object_get(person, "id"));
		struct rl_error e1 = RL_ERROR_INIT, e2 = RL_ERROR_INIT;
		struct rl_buf json = RL_BUF_INIT, packed = RL_BUF_INIT, again = RL_BUF_INIT;
		int stale1 = -1, stale2 = -1, rc;
		json_t *doc = rl_progress_summary(db, id, &stale1, &e1), *sdoc = NULL;
		char *want = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

		rc = rl_progress_reply(db, id, &json, &packed, &stale2, &sdoc, &e2);
		if (!doc) {
			/* Not a trainee, or not enrolled: the same error. */
			assert_int_equal(rc, -1);
			assert_int_equal(e1.status, e2.status);
			assert_string_equal(e1.detail, e2.detail);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(stale1, 0);
			assert_int_equal(stale2, 0);
			assert_null(sdoc);
			assert_string_equal(json.data, want);
			assert_true(packed.len > 0);
			assert_int_equal(rl_progress_reply_unpack(db, packed.data, packed.len, &again, &e2), 0);
			assert_string_equal(again.data, want);
			compared++;
			packed_bytes += packed.len;
			json_bytes += json.len;
		}
		rl_error_clear(&e1);
		rl_error_clear(&e2);
		json_decref(doc);
		free(want);
		rl_buf_release(&json);
		rl_buf_release(&packed);
		rl_buf_release(&again);
	}
	assert_true(compared >= 5);
	print_message("%zu trainees: %zu bytes of JSON, %zu packed\n", compared, json_bytes, packed_bytes);
	{
		struct rl_error err = RL_ERROR_INIT;
		struct rl_buf junk = RL_BUF_INIT;

		assert_int_equal(rl_progress_reply_unpack(db, "", 0, &junk, &err), -1);
		rl_error_clear(&err);
		assert_int_equal(rl_progress_reply_unpack(db, "Rxxxx", 5, &junk, &err), -1);
		rl_error_clear(&err);
		rl_buf_release(&junk);
	}
}

/* A tally row changed behind the seals: the ledger's figures as a document, stale, no bytes. */
static void test_demo_tampered(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_buf json = RL_BUF_INIT, packed = RL_BUF_INIT;
	long long trainee = demo_scalar("SELECT trainee_id FROM trainee_tally WHERE signed > 0 ORDER BY trainee_id LIMIT 1");
	json_t *doc = NULL, *want;
	char sql[200];
	int stale = 0;

	(void)state;
	assert_true(trainee > 0);
	snprintf(sql, sizeof(sql), "UPDATE trainee_tally SET signed = signed + 1 WHERE trainee_id = %lld", trainee);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	assert_int_equal(rl_progress_reply(db, trainee, &json, &packed, &stale, &doc, &err), 0);
	assert_int_equal(stale, 1);
	assert_non_null(doc);
	assert_int_equal(json.len, 0);
	assert_int_equal(packed.len, 0);
	stale = 0;
	want = rl_progress_summary(db, trainee, &stale, &err);
	assert_int_equal(stale, 1);
	assert_json_text_equal(doc, want);
	json_decref(doc);
	json_decref(want);
	snprintf(sql, sizeof(sql), "UPDATE trainee_tally SET signed = signed - 1 WHERE trainee_id = %lld", trainee);
	assert_int_equal(rl_db_exec(db, sql, &err), 0);
	rl_buf_release(&json);
	rl_buf_release(&packed);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_shipped_curricula),
		cmocka_unit_test(test_awkward_strings),
		cmocka_unit_test(test_foreign_strings),
	};
	const struct CMUnitTest demo[] = {
		cmocka_unit_test(test_demo_every_trainee),
		cmocka_unit_test(test_demo_tampered),
	};
	int rc = cmocka_run_group_tests(unit, NULL, NULL);

	(void)demo_id; /* the fixture's; this test walks every person instead */

	rc |= cmocka_run_group_tests(demo, demo_setup, demo_teardown);
	rl_tools_free(tools);
	return rc;
}
