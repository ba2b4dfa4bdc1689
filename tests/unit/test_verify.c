/*
 * test_verify.c - core/ledger/verify.c on a real ledger built in memory: a temp
 * database seeded with the demo programme, exported line by line, then
 * verified as is and after each kind of tampering, which must be reported
 * at the right index.
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

#include "ledger/authority.h"
#include "../../server/demo.h"
#include "ledger/jcs.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "app/setup.h"
#include "domain/statements.h"
#include "base/util.h"
#include "ledger/kinds.h"
#include "ledger/texts.h"
#include "ledger/verify.h"

#include "base/banned.h"

static char dir[64];
static struct rl_db *db;
static char **lines;
static size_t nlines, caplines;
static char *head_text;
static uint8_t log_key[32];
static json_t *people; /* the demo's people (ids, public keys); their secret keys are in dir */

static int collect(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	if (nlines == caplines) {
		caplines = caplines ? caplines * 2 : 256;
		lines = realloc(lines, caplines * sizeof(*lines));
	}
	lines[nlines++] = strndup(line, len);
	return 0;
}

static int setup(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	char path[128];
	json_t *head;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/raslog-verify.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, 0, &db, &err) < 0 || rl_db_begin(db, &err) < 0 ||
	    !(people = rl_demo_seed(db, dir, &err)) || rl_ledger_seal(db, &err) < 0 || rl_db_commit(db, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err.detail);
		return -1;
	}
	if (rl_ledger_export(db, 0, 0, collect, NULL, &err) < 0 || rl_ledger_log_key(db, log_key, &err) < 0)
		return -1;
	head = rl_ledger_head(db, &err);
	head_text = json_dumps(head, JSON_COMPACT);
	json_decref(head);
	return nlines > 20 && head_text ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	free(head_text);
	json_decref(people);
	rl_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void no_entry(void *ctx, int64_t index, const json_t *statement, const struct rl_statement *read,
		     uint64_t offset, size_t len)
{
	(void)ctx, (void)index, (void)statement, (void)read, (void)offset, (void)len;
}

/*
 * Verifies the given lines; returns rl_verify_export's result.  Twice:
 * with an entry callback (every statement read as JSON, as for `raslog
 * audit`) and without (session sign-offs read typed, as for `raslog
 * verify`): both must give the same result, field for field, except the
 * count of typed readings (none with the callback).
 */
static int run(char **ls, size_t n, const char *head, const char *old, struct rl_verify_result *res)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_verify_opts o;
	struct rl_verify_result as_json;
	int rc = 0, rc_json = 0;

	memset(&o, 0, sizeof(o));
	memcpy(o.log_key, log_key, 32);
	o.head = head;
	o.old_head = old;
	o.threads = 2;
	for (int pass = 0; pass < 2; pass++) {
		FILE *f = tmpfile();
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s\n", ls[i]);
		rewind(f);
		o.entry = pass ? NULL : no_entry;
		rc = rl_verify_export(f, &o, pass ? res : &as_json, &err);
		fclose(f);
		if (!pass)
			rc_json = rc;
	}
	if (rc)
		fprintf(stderr, "# verify: index %lld: %s %s\n", (long long)res->bad_index, res->why, err.detail);
	assert_int_equal(rc, rc_json);
	assert_int_equal(as_json.typed, 0);
	as_json.typed = res->typed;
	assert_string_equal(as_json.why, res->why);
	assert_memory_equal(&as_json, res, sizeof(*res));
	return rc;
}

static char **copy_lines(void)
{
	char **c = calloc(nlines + 2, sizeof(*c));
	for (size_t i = 0; i < nlines; i++)
		c[i] = strdup(lines[i]);
	return c;
}

static void free_lines(char **c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);
}

/* Replaces member name of line i with a new string value. */
static void set_member(char **c, size_t i, const char *name, const char *value)
{
	json_t *j = json_loads(c[i], 0, NULL);
	json_object_set_new(j, name, json_string(value));
	free(c[i]);
	c[i] = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
}

static const char *member(const char *line, const char *name, char *out, size_t size)
{
	json_t *j = json_loads(line, 0, NULL);
	snprintf(out, size, "%s", json_string_value(json_object_get(j, name)));
	json_decref(j);
	return out;
}

/* A head for the first m lines signed with the real log key; root_override forces a root. */
static char *make_head(size_t m, const uint8_t *root_override)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_merkle_stream s;
	uint8_t root[32], sig[64];
	char hex[65], *body_text, *b64;
	size_t len;
	json_t *h;

	rl_merkle_stream_init(&s);
	for (size_t i = 0; i < m; i++) {
		json_t *j = json_loads(lines[i], 0, NULL);
		const char *msg = json_string_value(json_object_get(j, "message"));
		uint8_t pk[32], sg[64], leaf[32];
		rl_base64_decode_exact(json_string_value(json_object_get(j, "public_key")), pk, 32);
		rl_base64_decode_exact(json_string_value(json_object_get(j, "signature")), sg, 64);
		rl_merkle_leaf_hash((const uint8_t *)msg, strlen(msg), sg, pk, leaf);
		rl_merkle_stream_push(&s, leaf);
		json_decref(j);
	}
	rl_merkle_stream_root(&s, root);
	rl_hex_encode(root_override ? root_override : root, 32, hex);
	h = json_pack("{s:I,s:s,s:s}", "tree_size", (json_int_t)m, "root_hash", hex, "timestamp", "2026-01-01T00:00:00Z");
	{
		struct rl_buf b = RL_BUF_INIT;
		rl_buf_puts(&b, RL_TREE_HEAD_PREFIX);
		body_text = rl_jcs_string(h, &len, &err);
		rl_buf_add(&b, body_text, len);
		free(body_text);
		assert_int_equal(rl_ledger_log_sign(db, b.data, b.len, sig, &err), 0);
		rl_buf_release(&b);
	}
	b64 = rl_base64_encode(sig, 64);
	json_object_set_new(h, "signature", json_string(b64));
	free(b64);
	body_text = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	return body_text;
}

static void test_good(void **state)
{
	struct rl_verify_result res;

	(void)state;
	assert_int_equal(run(lines, nlines, head_text, NULL, &res), 0);
	assert_true(res.ok);
	assert_true(res.head_checked);
	assert_int_equal(res.entries, nlines);
	assert_int_equal(res.bad_index, -1);
	assert_true(res.statements[0] > 0); /* faculty_key */
	assert_true(res.statements[2] > 0); /* trainer_accreditation */
	assert_true(res.statements[5] > 0); /* session_signoff */
	/* Every line as the server writes it is read in one pass, those with "texts" beside too. */
	{
		uint64_t with_texts = 0;
		for (size_t i = 0; i < nlines; i++)
			with_texts += strstr(lines[i], ",\"texts\":{") != NULL;
		assert_int_equal(res.one_pass, nlines - res.redacted);
	}
	/* The session sign-offs (with "steps" or without) read typed (run() checked the same result read as JSON). */
	{
		uint64_t signoffs = 0, steps = 0;
		for (size_t i = 0; i < nlines; i++) {
			signoffs += strstr(lines[i], "session_signoff") != NULL;
			steps += strstr(lines[i], "session_signoff") && strstr(lines[i], "steps");
		}
		assert_true(signoffs > 0);
		assert_int_equal(res.typed, signoffs);
		assert_int_equal(res.typed, res.statements[5]);
		if (!steps)
			print_message("# (the demo ledger has no sign-off with steps)\n");
	}
}

static void test_signature_bit_flip(void **state)
{
	struct rl_verify_result res;
	char **c = copy_lines(), sig[200], *b64;
	uint8_t raw[64];
	size_t k = nlines / 2;

	(void)state;
	rl_base64_decode_exact(member(c[k], "signature", sig, sizeof(sig)), raw, 64);
	raw[10] ^= 0x04;
	b64 = rl_base64_encode(raw, 64);
	set_member(c, k, "signature", b64);
	free(b64);
	assert_int_equal(run(c, nlines, head_text, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)k);
	assert_non_null(strstr(res.why, "signature does not verify"));
	free_lines(c, nlines);
}

static void test_message_edited(void **state)
{
	struct rl_verify_result res;
	char **c = copy_lines(), *msg = malloc(65536), *p;
	size_t k = nlines - 3;

	(void)state;
	member(c[k], "message", msg, 65536);
	p = strstr(msg, "\"signed_at\":\"");
	assert_non_null(p);
	p[14] = p[14] == '1' ? '2' : '1'; /* the year's third digit */
	set_member(c, k, "message", msg);
	assert_int_equal(run(c, nlines, head_text, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)k);
	free(msg);
	free_lines(c, nlines);
}

static void test_entry_dropped(void **state)
{
	struct rl_verify_result res;
	char **c = copy_lines();
	size_t k = 7;

	(void)state;
	free(c[k]);
	memmove(&c[k], &c[k + 1], (nlines - k - 1) * sizeof(*c));
	assert_int_equal(run(c, nlines - 1, head_text, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)k);
	assert_non_null(strstr(res.why, "missing"));
	free_lines(c, nlines - 1);
}

static void test_entries_swapped(void **state)
{
	struct rl_verify_result res;
	char **c = copy_lines(), *t;
	size_t k = nlines / 3;

	(void)state;
	t = c[k];
	c[k] = c[k + 1];
	c[k + 1] = t;
	assert_int_equal(run(c, nlines, head_text, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)k);
	free_lines(c, nlines);
}

static void test_truncated(void **state)
{
	struct rl_verify_result res;

	(void)state;
	assert_int_equal(run(lines, nlines - 5, head_text, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)(nlines - 5));
	assert_non_null(strstr(res.why, "missing"));
}

static void test_head_of_another_size(void **state)
{
	struct rl_verify_result res;
	size_t m = nlines - 10;
	char *h = make_head(m, NULL);

	(void)state;
	/* the whole export against a smaller head: entry m is not covered */
	assert_int_equal(run(lines, nlines, h, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)m);
	/* the prefix it covers verifies against it */
	assert_int_equal(run(lines, m, h, NULL, &res), 0);
	/* and as an old head it is consistent with the current one */
	assert_int_equal(run(lines, nlines, head_text, h, &res), 0);
	assert_true(res.old_head_checked);
	assert_int_equal(res.old_head_size, m);
	free(h);
}

static void test_rewritten_against_old_head(void **state)
{
	struct rl_verify_result res;
	uint8_t other[32];
	char *h;

	(void)state;
	memset(other, 0xab, sizeof(other));
	h = make_head(nlines / 2, other);
	assert_int_equal(run(lines, nlines, head_text, h, &res), 1);
	assert_int_equal(res.bad_index, -1);
	assert_non_null(strstr(res.why, "rewritten"));
	free(h);
}

static void test_forged_head(void **state)
{
	struct rl_verify_result res;
	char *h = strdup(head_text), *p = strstr(h, "\"timestamp\":\"");

	(void)state;
	p[14] = p[14] == '1' ? '2' : '1';
	assert_int_equal(run(lines, nlines, h, NULL, &res), 1);
	assert_int_equal(res.bad_index, -1);
	assert_non_null(strstr(res.why, "does not verify"));
	free(h);
}

/* Appends a statement signed with a fresh key (a line at index nlines). */
static char *signed_line(json_t *st, const uint8_t pk[32], const uint8_t sk[64])
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len;
	char *msg = rl_statement_message(st, &len, &err), *sig = rl_stmt_sign(st, sk, &err), *pk64 = rl_base64_encode(pk, 32), *out;
	json_t *line = json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)nlines, "message", msg, "public_key", pk64,
				 "signature", sig);

	out = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	free(msg);
	free(sig);
	free(pk64);
	return out;
}

static void test_unaccredited_signer(void **state)
{
	struct rl_verify_result res;
	uint8_t pk[32], sk[64];
	char pk64[48], **c = copy_lines();
	json_t *session = json_pack("{s:i,s:i,s:i,s:s,s:i}", "id", 1, "trainee", 3, "trainer", 999, "date", "2026-01-01",
				    "minutes", 30);
	struct rl_signer by = { 999, pk64, "2026-01-02T00:00:00Z" };
	json_t *st;

	(void)state;
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(pk64, sizeof(pk64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	st = rl_stmt_session_signoff(session, "confirmed", NULL, NULL, NULL, &by);
	c[nlines] = signed_line(st, pk, sk);
	assert_int_equal(run(c, nlines + 1, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)nlines);
	assert_non_null(strstr(res.why, "accredited trainer"));
	json_decref(st);
	json_decref(session);

	/* a log statement (faculty_key) not signed by the log key */
	free(c[nlines]);
	st = rl_stmt_faculty_key(999, pk64, "2026-01-02T00:00:00Z");
	c[nlines] = signed_line(st, pk, sk);
	assert_int_equal(run(c, nlines + 1, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)nlines);
	assert_non_null(strstr(res.why, "log key"));
	json_decref(st);
	free_lines(c, nlines + 1);
}

static void test_progress(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_verify_result res;
	struct rl_verify_opts o;
	FILE *f = tmpfile();

	(void)state;
	for (size_t i = 0; i < nlines; i++)
		fprintf(f, "%s\n", lines[i]);
	rewind(f);
	memset(&o, 0, sizeof(o));
	memcpy(o.log_key, log_key, 32);
	o.threads = 3;
	o.progress_every = 5;
	assert_int_equal(rl_verify_export(f, &o, &res, &err), 0);
	assert_string_not_equal(res.root_hex, "");
	fclose(f);
}

/* A reader who may see the records of one person only (0: nobody). */
static int64_t sees_only;
static int may_see_one(void *ctx, int64_t subject)
{
	(void)ctx;
	return subject == sees_only;
}

static char **export_as(const struct rl_ledger_reader *r, int64_t count, size_t *n)
{
	struct rl_error err = RL_ERROR_INIT;
	char **saved = lines, **out;
	size_t saved_n = nlines, saved_cap = caplines;

	lines = NULL;
	nlines = caplines = 0;
	assert_int_equal(rl_ledger_export_for(db, r, 0, count, collect, NULL, &err), 0);
	out = lines;
	*n = nlines;
	lines = saved;
	nlines = saved_n;
	caplines = saved_cap;
	return out;
}

/* The private export: entries about others are {"index","leaf_hash"}, and the export still verifies. */
static void test_redacted_export(void **state)
{
	struct rl_ledger_reader r = { 0, may_see_one, NULL };
	struct rl_verify_result res;
	size_t n, redacted = 0, shown_mine = 0;
	char **c;

	(void)state;
	sees_only = 0;
	/* A trainee who has entries: the one of the last sign-off. */
	{
		json_t *j = NULL, *st;
		for (size_t i = nlines; i-- > 0 && !sees_only;) {
			const char *msg;
			j = json_loads(lines[i], 0, NULL);
			msg = json_string_value(json_object_get(j, "message"));
			st = json_loads(msg + strlen(RL_STATEMENT_PREFIX), 0, NULL);
			if (strcmp(json_string_value(json_object_get(st, "type")), "session_signoff") == 0)
				sees_only = json_integer_value(json_object_get(json_object_get(st, "session"), "trainee"));
			json_decref(st);
			json_decref(j);
		}
	}
	assert_true(sees_only > 0);
	c = export_as(&r, 0, &n);
	assert_int_equal(n, nlines);
	for (size_t i = 0; i < n; i++) {
		if (strstr(c[i], "\"leaf_hash\"")) {
			char want[RL_REDACTED_LINE_MAX], hex[65], *j = strstr(c[i], "\"leaf_hash\":\"");
			uint8_t leaf[32];
			snprintf(hex, sizeof(hex), "%.64s", j + 13);
			assert_int_equal(rl_hex_decode_exact(hex, leaf, 32), 0);
			rl_ledger_redacted_line((int64_t)i, leaf, want);
			assert_string_equal(c[i], want);
			redacted++;
		} else {
			assert_string_equal(c[i], lines[i]); /* shown lines are the full lines, byte for byte */
			if (strstr(c[i], "session_signoff"))
				shown_mine++;
		}
	}
	assert_true(redacted > 0);
	assert_true(shown_mine > 0);
	assert_int_equal(run(c, n, head_text, NULL, &res), 0);
	assert_true(res.ok && res.head_checked);
	assert_int_equal(res.redacted, redacted);
	assert_int_equal(res.entries, nlines);

	/* One hex digit of a redacted leaf changed: the root no longer matches the head. */
	for (size_t i = 0; i < n; i++) {
		char *h = strstr(c[i], "\"leaf_hash\":\"");
		if (h) {
			h[13] = h[13] == '0' ? '1' : '0';
			break;
		}
	}
	assert_int_equal(run(c, n, head_text, NULL, &res), 1);
	assert_null(strstr(res.why, "entry")); /* a root fault, not one entry's */
	assert_non_null(strstr(res.why, "is not the root"));
	free_lines(c, n);
}

/*
 * Revocations: one of a trainer accreditation is public, one of a trainee
 * accreditation is the trainee's.  Appended in a transaction rolled back
 * after (the signatures are not checked by the export).
 */
static void test_redacted_revocations(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_ledger_reader r = { 0, may_see_one, NULL };
	int64_t tacc = -1, acc = -1, trainer = 0, trainee = 0, idx;
	uint8_t pk[32] = { 1 }, sig[64] = { 2 };
	size_t n;
	char **c;

	(void)state;
	for (size_t i = 0; i < nlines && (tacc < 0 || acc < 0); i++) {
		json_t *j = json_loads(lines[i], 0, NULL);
		json_t *st = json_loads(json_string_value(json_object_get(j, "message")) + strlen(RL_STATEMENT_PREFIX), 0, NULL);
		const char *type = json_string_value(json_object_get(st, "type"));
		if (tacc < 0 && strcmp(type, "trainer_accreditation") == 0) {
			tacc = (int64_t)i;
			trainer = json_integer_value(json_object_get(st, "trainer"));
		} else if (acc < 0 && strcmp(type, "accreditation") == 0) {
			acc = (int64_t)i;
			trainee = json_integer_value(json_object_get(st, "trainee"));
		}
		json_decref(st);
		json_decref(j);
	}
	assert_true(tacc >= 0 && acc >= 0);
	assert_int_equal(rl_db_begin(db, &err), 0);
	for (int k = 0; k < 2; k++) {
		json_t *st = rl_stmt_revocation(k == 0 ? trainer : trainee, k == 0 ? tacc : acc, "test", NULL);
		size_t len;
		char *msg = rl_statement_message(st, &len, &err);
		assert_int_equal(rl_ledger_append(db, "revocation", msg, len, pk, sig, 1, k == 0 ? trainer : trainee, &idx, &err), 0);
		free(msg);
		json_decref(st);
	}
	sees_only = 0;
	c = export_as(&r, 0, &n);
	assert_int_equal(n, nlines + 2);
	assert_non_null(strstr(c[nlines], "\"message\"")); /* the trainer accreditation's revocation: public */
	assert_non_null(strstr(c[nlines + 1], "\"leaf_hash\"")); /* the trainee accreditation's: redacted */
	free_lines(c, n);
	sees_only = trainee;
	c = export_as(&r, 0, &n);
	assert_non_null(strstr(c[nlines + 1], "\"message\"")); /* ... but shown to whoever may see the trainee */
	free_lines(c, n);
	r.user = 1; /* the signer sees what they signed */
	sees_only = 0;
	c = export_as(&r, 0, &n);
	assert_non_null(strstr(c[nlines + 1], "\"message\""));
	free_lines(c, n);
	rl_db_rollback(db);
}

/* A statement signed with sk as the line at index. */
static char *line_at(json_t *st, const uint8_t pk[32], const uint8_t sk[64], size_t index)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len;
	char *msg = rl_statement_message(st, &len, &err), *sig = rl_stmt_sign(st, sk, &err), *pk64 = rl_base64_encode(pk, 32), *out;
	json_t *line = json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)index, "message", msg, "public_key", pk64,
				 "signature", sig);

	out = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(line);
	free(msg);
	free(sig);
	free(pk64);
	json_decref(st);
	return out;
}

/* A demo person by (part of) name: id, and (sk not NULL) their keys from dir/user-ID.key. */
static int64_t person(const char *name, uint8_t pk[32], uint8_t sk[64], char pk64[48])
{
	json_t *p;
	size_t i;
	char path[160], *text;
	size_t len;

	json_array_foreach(people, i, p) {
		if (!strstr(json_string_value(json_object_get(p, "name")), name))
			continue;
		if (!sk)
			return json_integer_value(json_object_get(p, "id"));
		snprintf(path, sizeof(path), "%s/user-%lld.key", dir, (long long)json_integer_value(json_object_get(p, "id")));
		text = rl_read_file(path, 4096, &len);
		assert_non_null(text);
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		assert_int_equal(rl_base64_decode_exact(text, sk, 64), 0);
		free(text);
		memcpy(pk, sk + 32, 32);
		sodium_bin2base64(pk64, 48, pk, 32, sodium_base64_VARIANT_ORIGINAL);
		return json_integer_value(json_object_get(p, "id"));
	}
	fail_msg("no demo person %s", name);
	return 0;
}

/* The ledger index of trainer's (only) trainer_accreditation in the demo ledger. */
static int64_t accreditation_of(int64_t trainer)
{
	for (size_t i = 0; i < nlines; i++) {
		json_t *j = json_loads(lines[i], 0, NULL), *st;
		const char *msg = json_string_value(json_object_get(j, "message"));
		int64_t found = -1;
		st = json_loads(msg + strlen(RL_STATEMENT_PREFIX), 0, NULL);
		if (strcmp(json_string_value(json_object_get(st, "type")), "trainer_accreditation") == 0 &&
		    json_integer_value(json_object_get(st, "trainer")) == trainer)
			found = json_integer_value(json_object_get(j, "index"));
		json_decref(st);
		json_decref(j);
		if (found >= 0)
			return found;
	}
	fail_msg("trainer %lld has no accreditation", (long long)trainer);
	return -1;
}

/* A signed session sign-off by trainer (key pk/sk) of a made-up session of trainee. */
static char *signoff_line(int64_t trainer, int64_t trainee, const uint8_t pk[32], const uint8_t sk[64],
			  const char *pk64, size_t index)
{
	json_t *session = json_pack("{s:i,s:I,s:I,s:s,s:i}", "id", 999999, "trainee", (json_int_t)trainee, "trainer",
				    (json_int_t)trainer, "date", "2026-01-01", "minutes", 30);
	struct rl_signer by = { trainer, pk64, "2026-01-02T00:00:00Z" };
	char *out = line_at(rl_stmt_session_signoff(session, "confirmed", NULL, NULL, NULL, &by), pk, sk, index);

	json_decref(session);
	return out;
}

/*
 * The verifier applies the rules the server applies (core/ledger/authority.c):
 * one live accreditation per trainer, "supersedes" must name it, a
 * superseded key signs nothing, a revocation covers the person; and it
 * still reads an old ledger's second accreditation without "supersedes".
 */
static void test_trainer_supersession(void **state)
{
	uint8_t fpk[32], fsk[64], epk[32], esk[64], npk[32], nsk[64];
	char f64[48], e64[48], n64[48];
	int64_t fac = person("Amelia Hart", fpk, fsk, f64), ell = person("David Ellis", epk, esk, e64);
	int64_t trainee = person("Priya Raman", NULL, NULL, NULL), acc = accreditation_of(ell);
	struct rl_signer fby = { fac, f64, "2026-01-02T00:00:00Z" };
	struct rl_verify_result res;
	char **c = copy_lines();
	size_t n = nlines;

	(void)state;
	crypto_sign_keypair(npk, nsk); /* Ellis's new key */
	sodium_bin2base64(n64, sizeof(n64), npk, 32, sodium_base64_VARIANT_ORIGINAL);
	c = realloc(c, (n + 8) * sizeof(*c));

	/* "supersedes" naming something other than the live accreditation: bad, as the server's 409. */
	c[n] = line_at(rl_stmt_trainer_accreditation_superseding(ell, n64, "2020-01-01", "2099-12-31", acc + 1, &fby),
		       fpk, fsk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n);
	assert_non_null(strstr(res.why, "supersedes"));
	free(c[n]);

	/* The right one: the old key signs nothing from then on, the new one does. */
	c[n] = line_at(rl_stmt_trainer_accreditation_superseding(ell, n64, "2020-01-01", "2099-12-31", acc, &fby),
		       fpk, fsk, n);
	c[n + 1] = signoff_line(ell, trainee, npk, nsk, n64, n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 0);
	free(c[n + 1]);
	c[n + 1] = signoff_line(ell, trainee, epk, esk, e64, n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n + 1);
	assert_non_null(strstr(res.why, "superseded"));
	free(c[n + 1]);

	/* Revoking the superseded accreditation covers the person: the new key signs nothing either. */
	c[n + 1] = line_at(rl_stmt_revocation(ell, acc, "withdrawn", &fby), fpk, fsk, n + 1);
	c[n + 2] = signoff_line(ell, trainee, npk, nsk, n64, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n + 2);
	assert_non_null(strstr(res.why, "was revoked"));
	free(c[n + 2]);
	/* ... nor can it be revoked twice, nor superseded (nothing is live); a fresh accreditation restores it. */
	c[n + 2] = line_at(rl_stmt_revocation(ell, acc + 0, "again", &fby), fpk, fsk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "already revoked"));
	free(c[n + 2]);
	c[n + 2] = line_at(rl_stmt_trainer_accreditation_superseding(ell, n64, "2020-01-01", "2099-12-31", (int64_t)n, &fby),
			   fpk, fsk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "nothing is live"));
	free(c[n + 2]);
	c[n + 2] = line_at(rl_stmt_trainer_accreditation(ell, n64, "2020-01-01", "2099-12-31", &fby), fpk, fsk, n + 2);
	c[n + 3] = signoff_line(ell, trainee, npk, nsk, n64, n + 3);
	assert_int_equal(run(c, n + 4, NULL, NULL, &res), 0);
	for (size_t i = n; i < n + 4; i++)
		free(c[i]);

	/* An old ledger's second accreditation without "supersedes" still verifies and supersedes implicitly. */
	c[n] = line_at(rl_stmt_trainer_accreditation(ell, n64, "2020-01-01", "2099-12-31", &fby), fpk, fsk, n);
	c[n + 1] = signoff_line(ell, trainee, npk, nsk, n64, n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 0);
	free(c[n + 1]);
	c[n + 1] = signoff_line(ell, trainee, epk, esk, e64, n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n + 1);
	free_lines(c, n + 2);
}

/*
 * Keys per device (docs/ledger.md, device_key): a key the trainer's trusted
 * key (or faculty) introduced signs; one introduced by an untrusted key or
 * by another trainer does not, nor is anyone else's; earlier signatures by
 * the accredited key stay valid.
 */
static void test_device_keys(void **state)
{
	uint8_t fpk[32], fsk[64], epk[32], esk[64], hpk[32], hsk[64], dpk[32], dsk[64], xpk[32], xsk[64];
	char f64[48], e64[48], h64[48], d64[48], x64[48];
	int64_t fac = person("Amelia Hart", fpk, fsk, f64), ell = person("David Ellis", epk, esk, e64);
	int64_t hug = person("Martin Hughes", hpk, hsk, h64), trainee = person("Priya Raman", NULL, NULL, NULL);
	struct rl_signer fby = { fac, f64, "2026-01-02T00:00:00Z" }, eby = { ell, e64, "2026-01-02T00:00:00Z" };
	struct rl_signer hby = { hug, h64, "2026-01-02T00:00:00Z" }, xby = { ell, x64, "2026-01-02T00:00:00Z" };
	struct rl_verify_result res;
	char **c = copy_lines();
	size_t n = nlines;

	(void)state;
	crypto_sign_keypair(dpk, dsk); /* Ellis's phone */
	sodium_bin2base64(d64, sizeof(d64), dpk, 32, sodium_base64_VARIANT_ORIGINAL);
	crypto_sign_keypair(xpk, xsk); /* a key nobody introduced */
	sodium_bin2base64(x64, sizeof(x64), xpk, 32, sodium_base64_VARIANT_ORIGINAL);
	c = realloc(c, (n + 4) * sizeof(*c));

	/* Without a device_key the phone's key signs nothing. */
	c[n] = signoff_line(ell, trainee, dpk, dsk, d64, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "device_key"));
	free(c[n]);

	/* Introduced with the accredited key: it signs, and so does the old key still. */
	c[n] = line_at(rl_stmt_device_key(ell, d64, &eby), epk, esk, n);
	c[n + 1] = signoff_line(ell, trainee, dpk, dsk, d64, n + 1);
	c[n + 2] = signoff_line(ell, trainee, epk, esk, e64, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 0);
	assert_int_equal(res.statements[RL_K_DEVICE_KEY], 1);
	free(c[n + 2]);
	/* ... but it is Ellis's: Hughes cannot sign with it. */
	c[n + 2] = signoff_line(hug, trainee, dpk, dsk, d64, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n + 2);
	free(c[n + 2]);
	/* ... nor introduce it again. */
	c[n + 2] = line_at(rl_stmt_device_key(ell, d64, &eby), epk, esk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "already introduced"));
	free(c[n + 2]);
	free(c[n + 1]);
	free(c[n]);

	/* Introduced by a key nobody trusted for Ellis: bad. */
	c[n] = line_at(rl_stmt_device_key(ell, d64, &xby), xpk, xsk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n);
	free(c[n]);
	/* By another trainer: bad (only the person themselves, or faculty). */
	c[n] = line_at(rl_stmt_device_key(ell, d64, &hby), hpk, hsk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "faculty key"));
	free(c[n]);
	/* By faculty: good. */
	c[n] = line_at(rl_stmt_device_key(ell, d64, &fby), fpk, fsk, n);
	c[n + 1] = signoff_line(ell, trainee, dpk, dsk, d64, n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 0);
	free_lines(c, n + 2);
}

/*
 * Corrections (docs/ledger.md rule 9), as the verifier reads them: only the
 * signer supersedes their own assessment or module completion, nothing is
 * superseded or withdrawn twice, a withdrawal is by the record's signer or
 * faculty and names a record about its trainee.
 */
static void test_corrections(void **state)
{
	uint8_t fpk[32], fsk[64], epk[32], esk[64], hpk[32], hsk[64];
	char f64[48], e64[48], h64[48];
	int64_t fac = person("Amelia Hart", fpk, fsk, f64), ell = person("David Ellis", epk, esk, e64);
	int64_t hug = person("Martin Hughes", hpk, hsk, h64), trainee = person("Priya Raman", NULL, NULL, NULL);
	struct rl_signer fby = { fac, f64, "2026-01-02T00:00:00Z" }, eby = { ell, e64, "2026-01-02T00:00:00Z" };
	struct rl_signer hby = { hug, h64, "2026-01-02T00:00:00Z" };
	json_t *scores = json_pack("[i,i,i,i,i,i]", 4, 4, 4, 4, 4, 4);
	struct rl_verify_result res;
	char **c = copy_lines();
	size_t n = nlines, i;

	(void)state;
	c = realloc(c, (n + 6) * sizeof(*c));
	c[n] = line_at(rl_stmt_assessment(trainee, 999999, "gears", scores, &eby), epk, esk, n);

	/* Another trainer's correction: bad, as the server's 409. */
	c[n + 1] = line_at(rl_stmt_assessment_superseding(trainee, 999999, "gears", scores, (int64_t)n, &hby), hpk, hsk,
			   n + 1);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n + 1);
	assert_non_null(strstr(res.why, "only its signer corrects it"));
	free(c[n + 1]);
	/* The signer's own: good; a second one naming the same: bad. */
	c[n + 1] = line_at(rl_stmt_assessment_superseding(trainee, 999999, "gears", scores, (int64_t)n, &eby), epk, esk,
			   n + 1);
	c[n + 2] = line_at(rl_stmt_assessment_superseding(trainee, 999999, "gears", scores, (int64_t)n, &eby), epk, esk,
			   n + 2);
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 0);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "already superseded"));
	free(c[n + 2]);
	/* A module completion cannot supersede an assessment. */
	c[n + 2] = line_at(rl_stmt_module_completion_superseding(trainee, "ras-core", 1, "dry_lab", (int64_t)n + 1, &eby),
			   epk, esk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "holds no module_completion"));
	free(c[n + 2]);
	/* A withdrawal by another trainer: bad (only the signer, or faculty). */
	c[n + 2] = line_at(rl_stmt_signoff_withdrawal(trainee, (int64_t)n + 1, "wrong case", &hby), hpk, hsk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "faculty key"));
	free(c[n + 2]);
	/* ... naming another trainee: bad. */
	c[n + 2] = line_at(rl_stmt_signoff_withdrawal(hug, (int64_t)n + 1, "wrong case", &eby), epk, esk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "not"));
	free(c[n + 2]);
	/* By faculty: good; then nothing more may be done to it. */
	c[n + 2] = line_at(rl_stmt_signoff_withdrawal(trainee, (int64_t)n + 1, "wrong case", &fby), fpk, fsk, n + 2);
	assert_int_equal(run(c, n + 3, NULL, NULL, &res), 0);
	assert_int_equal(res.statements[RL_K_WITHDRAWAL], 1);
	c[n + 3] = line_at(rl_stmt_signoff_withdrawal(trainee, (int64_t)n + 1, "again", &eby), epk, esk, n + 3);
	assert_int_equal(run(c, n + 4, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "already withdrawn"));
	free(c[n + 3]);
	c[n + 3] = line_at(rl_stmt_assessment_superseding(trainee, 999999, "gears", scores, (int64_t)n + 1, &eby), epk, esk,
			   n + 3);
	assert_int_equal(run(c, n + 4, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "already withdrawn"));
	free(c[n + 3]);
	/* A session sign-off withdrawn by its signer: good; a withdrawal naming a later index: bad. */
	c[n + 3] = signoff_line(ell, trainee, epk, esk, e64, n + 3);
	c[n + 4] = line_at(rl_stmt_signoff_withdrawal(trainee, (int64_t)n + 3, "wrong session", &eby), epk, esk, n + 4);
	assert_int_equal(run(c, n + 5, NULL, NULL, &res), 0);
	c[n + 5] = line_at(rl_stmt_signoff_withdrawal(trainee, (int64_t)n + 6, "future", &eby), epk, esk, n + 5);
	assert_int_equal(run(c, n + 6, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "earlier statement"));
	for (i = n; i < n + 6; i++)
		free(c[i]);
	free_lines(c, n);
	json_decref(scores);
}

/*
 * elearning_confirmation (docs/ledger.md rule 9a): a trainer's act or a
 * faculty key's; never about the signer; confirming an unverified
 * certificate needs "unverified_ok": true.
 */
static void test_elearning(void **state)
{
	uint8_t fpk[32], fsk[64], epk[32], esk[64];
	char f64[48], e64[48];
	int64_t fac = person("Amelia Hart", fpk, fsk, f64), ell = person("David Ellis", epk, esk, e64);
	int64_t trainee = person("Priya Raman", NULL, NULL, NULL);
	struct rl_signer fby = { fac, f64, "2026-01-02T00:00:00Z" }, eby = { ell, e64, "2026-01-02T00:00:00Z" };
	json_t *imp = json_pack("{s:i,s:I,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:b}}", "id", 999, "trainee", (json_int_t)trainee,
				"kind", "certificate", "sha256", "aa", "attempts_sha256", "bb", "certificate", "kind", "xapi",
				"issuer", "https://lms.example.org", "achievement", "course-1", "completed_on", "2025-03-03",
				"verified", 0);
	json_t *own = json_deep_copy(imp);
	struct rl_verify_result res;
	char **c = copy_lines();
	size_t n = nlines;
	int64_t before;

	(void)state;
	c = realloc(c, (n + 2) * sizeof(*c));
	/* An unverified certificate confirmed without saying so: bad. */
	c[n] = line_at(rl_stmt_elearning_confirmation(imp, "confirmed", NULL, 0, &eby), epk, esk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_int_equal(res.bad_index, (int64_t)n);
	assert_non_null(strstr(res.why, "unverified_ok"));
	free(c[n]);
	/* About the signer: bad. */
	json_object_set_new(own, "trainee", json_integer(ell));
	c[n] = line_at(rl_stmt_elearning_confirmation(own, "confirmed", NULL, 1, &eby), epk, esk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
	assert_non_null(strstr(res.why, "self-signed"));
	free(c[n]);
	/* A member missing, or of another type, however well signed: bad, named by its path (ledger/stmt.h). */
	{
		json_t *st = rl_stmt_elearning_confirmation(imp, "confirmed", NULL, 1, &eby);

		json_object_del(json_object_get(st, "import"), "issuer");
		c[n] = line_at(st, epk, esk, n);
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
		assert_int_equal(res.bad_index, (int64_t)n);
		assert_non_null(strstr(res.why, "the elearning_confirmation statement's \"import.issuer\" is required"));
		free(c[n]);
		st = rl_stmt_elearning_confirmation(imp, "confirmed", NULL, 1, &eby);
		json_object_set_new(json_object_get(st, "import"), "verified", json_string("no"));
		c[n] = line_at(st, epk, esk, n);
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
		assert_non_null(strstr(res.why, "\"import.verified\" must be true or false"));
		free(c[n]);
	}
	/* By the trainer with unverified_ok, then a rejection by faculty: both good, and counted. */
	c[n] = line_at(rl_stmt_elearning_confirmation(imp, "confirmed", NULL, 1, &eby), epk, esk, n);
	c[n + 1] = line_at(rl_stmt_elearning_confirmation(imp, "rejected", "not on the programme's list", 0, &fby), fpk, fsk,
			   n + 1);
	assert_int_equal(run(c, n, NULL, NULL, &res), 0);
	before = res.statements[RL_K_ELEARNING]; /* the demo's own confirmations */
	assert_int_equal(run(c, n + 2, NULL, NULL, &res), 0);
	assert_int_equal(res.statements[RL_K_ELEARNING], before + 2);
	free(c[n]);
	free(c[n + 1]);
	free_lines(c, n);
	json_decref(imp);
	json_decref(own);
}

/* The shared correction predicates themselves. */
static void test_correction_rules(void **state)
{
	struct rl_signed_rec a = { 10, RL_K_ASSESSMENT, 7, 3, -1, -1, 0 };
	char why[300];

	(void)state;
	assert_int_equal(rl_authority_correction(&a, RL_K_ASSESSMENT, 3, 7, 10, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_correction(&a, RL_K_ASSESSMENT, 4, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "only its signer"));
	assert_int_equal(rl_authority_correction(&a, RL_K_ASSESSMENT, 3, 8, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "trainee 7, not 8"));
	assert_int_equal(rl_authority_correction(&a, RL_K_MODULE, 3, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_correction(&a, RL_K_SESSION, 3, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_correction(NULL, RL_K_ASSESSMENT, 3, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_withdrawal(&a, 3, 0, 7, 10, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_withdrawal(&a, 4, 0, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_withdrawal(&a, 4, 1, 7, 10, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_withdrawal(&a, 4, 1, 8, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_withdrawal(NULL, 3, 1, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	a.superseded = 12;
	assert_int_equal(rl_authority_correction(&a, RL_K_ASSESSMENT, 3, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "already superseded at ledger index 12"));
	assert_int_equal(rl_authority_withdrawal(&a, 3, 0, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	a.superseded = -1;
	a.withdrawn = 13;
	assert_int_equal(rl_authority_withdrawal(&a, 4, 1, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "already withdrawn at ledger index 13"));
	assert_int_equal(rl_authority_correction(&a, RL_K_ASSESSMENT, 3, 7, 10, why, sizeof(why)), RL_AUTH_REFUSED);
}

/* The shared predicate itself, on the cases the server and the verifier both meet. */
static void test_authority_rules(void **state)
{
	struct rl_tacc t = { 10, 5, { 1 }, "2026-01-01", "2026-12-31", -1 };
	uint8_t other[32] = { 2 };
	char why[300];

	(void)state;
	assert_int_equal(rl_authority_trainer_may_sign(&t, 5, t.pk, "2026-06-01", why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_trainer_may_sign(&t, 5, t.pk, "2027-01-01", why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "2026-01-01 to 2026-12-31"));
	assert_int_equal(rl_authority_trainer_may_sign(&t, 5, other, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_may_sign(&t, 6, t.pk, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_may_sign(NULL, 5, t.pk, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_accreditation(NULL, 5, -1, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_trainer_accreditation(&t, 5, -1, why, sizeof(why)), RL_AUTH_IMPLICIT);
	assert_int_equal(rl_authority_trainer_accreditation(&t, 5, 10, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_trainer_accreditation(&t, 5, 11, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_accreditation(NULL, 5, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_revocation(&t, 5, 10, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_trainer_revocation(&t, 6, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_revocation(NULL, 5, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	t.revoked = 20;
	assert_int_equal(rl_authority_trainer_may_sign(&t, 5, t.pk, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
	assert_non_null(strstr(why, "was revoked at ledger index 20"));
	assert_int_equal(rl_authority_trainer_accreditation(&t, 5, -1, why, sizeof(why)), RL_AUTH_OK);
	assert_int_equal(rl_authority_trainer_accreditation(&t, 5, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	assert_int_equal(rl_authority_trainer_revocation(&t, 5, 10, why, sizeof(why)), RL_AUTH_REFUSED);
	/* A device key: trusted for its owner while not revoked, and only while the person may sign at all. */
	{
		struct rl_devkey dev = { 5, 15, -1 };
		t.revoked = -1;
		assert_int_equal(rl_authority_trainer_may_sign_key(&t, &dev, 5, other, "2026-06-01", why, sizeof(why)), RL_AUTH_OK);
		assert_int_equal(rl_authority_trainer_may_sign_key(&t, &dev, 6, other, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
		assert_int_equal(rl_authority_trainer_may_sign_key(&t, &dev, 5, other, "2027-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
		dev.revoked = 30;
		assert_int_equal(rl_authority_trainer_may_sign_key(&t, &dev, 5, other, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
		assert_non_null(strstr(why, "revoked at ledger index 30"));
		dev.revoked = -1;
		t.revoked = 20;
		assert_int_equal(rl_authority_trainer_may_sign_key(&t, &dev, 5, other, "2026-06-01", why, sizeof(why)), RL_AUTH_REFUSED);
	}
}

/* Free text committed to (ledger/texts.h): seal, check, open, and every way a text or commitment can be wrong. */
static void test_texts(void **state)
{
	json_t *plain = json_pack("{s:i,s:s,s:s,s:{s:i,s:s}}", "v", 1, "type", "session_signoff", "reason", "too short",
				  "session", "id", 4, "notes", "reflective \u00e9 note");
	json_t *texts = json_object(), *sealed, *opened, *bad;
	char why[300], commit[72];
	uint8_t salt[RL_TEXT_SALT_BYTES];
	int erased = -1;

	(void)state;
	sealed = rl_texts_seal(plain, texts);
	assert_int_equal(json_integer_value(json_object_get(sealed, "v")), 2);
	assert_null(json_object_get(sealed, "reason"));
	assert_null(json_object_get(json_object_get(sealed, "session"), "notes"));
	/* The commitment is SHA-256(salt || text), independently of rl_texts_seal. */
	assert_int_equal(rl_hex_decode_exact(json_string_value(json_object_get(json_object_get(texts, "reason"), "salt")),
					     salt, sizeof(salt)), 0);
	rl_text_commitment("too short", 9, salt, commit);
	assert_string_equal(json_string_value(json_object_get(sealed, "reason_commit")), commit);
	{
		uint8_t h[32], both[RL_TEXT_SALT_BYTES + 9];
		char hex[65];
		memcpy(both, salt, sizeof(salt));
		memcpy(both + sizeof(salt), "too short", 9);
		crypto_hash_sha256(h, both, sizeof(both));
		rl_hex_encode(h, 32, hex);
		assert_string_equal(commit + 7, hex);
	}
	assert_int_equal(rl_texts_check(sealed, texts, &erased, why, sizeof(why)), 0);
	assert_int_equal(erased, 0);
	opened = rl_texts_open(sealed, texts);
	assert_true(json_equal(opened, plain));
	json_decref(opened);
	/* Sealing again with the same salts gives the same statement. */
	opened = rl_texts_seal(plain, texts);
	assert_true(json_equal(opened, sealed));
	json_decref(opened);
	/* Erased, or not given: still consistent, counted, and not openable. */
	bad = json_deep_copy(texts);
	json_object_set_new(bad, "reason", json_pack("{s:s}", "erased_at", "2026-11-30T04:00:00Z"));
	json_object_del(bad, "session.notes");
	assert_int_equal(rl_texts_check(sealed, bad, &erased, why, sizeof(why)), 0);
	assert_int_equal(erased, 2);
	assert_null(rl_texts_open(sealed, bad));
	/* A wrong text, a wrong salt, a text for nothing, an unknown member. */
	json_object_set_new(json_object_get(bad, "reason"), "x", json_string("y"));
	assert_int_equal(rl_texts_check(sealed, bad, NULL, why, sizeof(why)), -1);
	json_decref(bad);
	bad = json_deep_copy(texts);
	json_object_set_new(json_object_get(bad, "reason"), "text", json_string("too shorT"));
	assert_int_equal(rl_texts_check(sealed, bad, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "does not match"));
	json_object_set_new(json_object_get(bad, "reason"), "text", json_string("too short"));
	json_object_set_new(json_object_get(bad, "reason"), "salt", json_string("00"));
	assert_int_equal(rl_texts_check(sealed, bad, NULL, why, sizeof(why)), -1);
	json_object_set_new(bad, "comment", json_pack("{s:s,s:s}", "text", "a", "salt", "b"));
	assert_int_equal(rl_texts_check(sealed, bad, NULL, why, sizeof(why)), -1);
	json_decref(bad);
	/* Version 1 takes no texts and no commitments; version 2 embeds none and commits to one at least. */
	assert_int_equal(rl_texts_check(plain, NULL, NULL, why, sizeof(why)), 0);
	assert_int_equal(rl_texts_check(plain, texts, NULL, why, sizeof(why)), -1);
	bad = json_deep_copy(sealed);
	json_object_set_new(bad, "v", json_integer(1));
	assert_int_equal(rl_texts_check(bad, NULL, NULL, why, sizeof(why)), -1);
	json_object_set_new(bad, "v", json_integer(2));
	json_object_set_new(bad, "reason", json_string("too short"));
	assert_int_equal(rl_texts_check(bad, texts, NULL, why, sizeof(why)), -1);
	json_decref(bad);
	bad = json_pack("{s:i,s:s}", "v", 2, "type", "assessment");
	assert_int_equal(rl_texts_check(bad, NULL, NULL, why, sizeof(why)), -1);
	json_decref(bad);
	bad = json_deep_copy(sealed);
	json_object_set_new(bad, "reason_commit", json_string("sha256:ABC"));
	assert_int_equal(rl_texts_check(bad, texts, NULL, why, sizeof(why)), -1);
	json_decref(bad);
	json_decref(sealed);
	json_decref(texts);
	json_decref(plain);
}

/* What the entry callback saw: indexes in order, and whether each offset and length point at the entry's line. */
struct seen_entries {
	FILE *f;
	int64_t next;
	size_t statements, bad_offsets;
};

static void see_entry(void *ctx, int64_t index, const json_t *statement, const struct rl_statement *read,
		      uint64_t offset, size_t len)
{
	struct seen_entries *s = ctx;
	char *buf = malloc(len + 1);
	json_t *line = NULL;

	if (index != s->next++)
		s->bad_offsets++;
	s->statements += statement != NULL;
	/* The members as the verifier read them, from that statement. */
	if ((statement != NULL) != (read != NULL) ||
	    (read && (read->type != json_string_value(json_object_get(statement, "type")) || read->kind >= RL_K_COUNT)))
		s->bad_offsets++;
	/* The callee may read the line again: offset and length name it, newline included. */
	if (!buf || pread(fileno(s->f), buf, len, (off_t)offset) != (ssize_t)len || buf[len - 1] != '\n' ||
	    !(line = json_loadb(buf, len, 0, NULL)) || json_integer_value(json_object_get(line, "index")) != index)
		s->bad_offsets++;
	json_decref(line);
	free(buf);
}

/*
 * An export longer than the verifier's batches (2,048 entries, checked on
 * their own threads while the previous batch is walked in order): every
 * entry reaches the callback once, in index order, with where its line
 * is; a bad entry at either side of a batch boundary is the one named,
 * and of two bad entries in different batches, the first.
 */
static void test_many_batches(void **state)
{
	uint8_t epk[32], esk[64];
	char e64[48];
	int64_t ell = person("David Ellis", epk, esk, e64), trainee = person("Priya Raman", NULL, NULL, NULL);
	size_t n = nlines, total = 5000, k;
	char **c = copy_lines(), sig[200], *b64;
	struct rl_verify_result res;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_verify_opts o;
	struct seen_entries seen = { 0 };
	uint8_t raw[64];
	FILE *f;

	(void)state;
	assert_true(n < 2000);
	c = realloc(c, (total + 1) * sizeof(*c));
	for (k = n; k < total; k++) {
		/* A distinct session each time: one decision per session. */
		json_t *session = json_pack("{s:I,s:I,s:I,s:s,s:i}", "id", (json_int_t)(1000000 + k), "trainee",
					    (json_int_t)trainee, "trainer", (json_int_t)ell, "date", "2026-01-01",
					    "minutes", 30);
		struct rl_signer by = { ell, e64, "2026-01-02T00:00:00Z" };
		c[k] = line_at(rl_stmt_session_signoff(session, "confirmed", NULL, NULL, NULL, &by), epk, esk, k);
		json_decref(session);
	}

	/* All of it, through the callback, with a blank line at the end (not an entry). */
	f = tmpfile();
	for (k = 0; k < total; k++)
		fprintf(f, "%s\n", c[k]);
	fputs("\n", f);
	rewind(f);
	memset(&o, 0, sizeof(o));
	memcpy(o.log_key, log_key, 32);
	o.threads = 2;
	o.entry = see_entry;
	o.entry_ctx = &seen;
	seen.f = f;
	assert_int_equal(rl_verify_export(f, &o, &res, &err), 0);
	fclose(f);
	assert_true(res.ok);
	assert_int_equal(res.entries, total);
	assert_int_equal(res.statements[5] >= total - n, 1);
	assert_int_equal(res.typed, 0); /* the callback has every statement as JSON */
	assert_int_equal(seen.next, (int64_t)total);
	assert_int_equal(seen.statements, total - res.redacted); /* a redacted line passes no statement */
	assert_int_equal(seen.bad_offsets, 0);

	/* One bad signature at the last entry of a batch, at the first of the next, and two in different batches. */
	{
		const size_t at[][2] = { { 2047, 0 }, { 2048, 0 }, { 4095, 4096 }, { 2100, 4500 } };
		for (size_t t = 0; t < sizeof(at) / sizeof(at[0]); t++) {
			char *saved[2] = { NULL, NULL };
			for (int j = 0; j < 2; j++) {
				if (!at[t][j])
					continue;
				saved[j] = strdup(c[at[t][j]]);
				rl_base64_decode_exact(member(c[at[t][j]], "signature", sig, sizeof(sig)), raw, 64);
				raw[3] ^= 0x10;
				b64 = rl_base64_encode(raw, 64);
				set_member(c, at[t][j], "signature", b64);
				free(b64);
			}
			assert_int_equal(run(c, total, NULL, NULL, &res), 1);
			assert_int_equal(res.bad_index, (int64_t)at[t][0]);
			assert_int_equal(res.entries, at[t][0]);
			assert_non_null(strstr(res.why, "signature does not verify"));
			for (int j = 0; j < 2; j++)
				if (saved[j]) {
					free(c[at[t][j]]);
					c[at[t][j]] = saved[j];
				}
		}
	}
	/* And the export is whole again. */
	assert_int_equal(run(c, total, NULL, NULL, &res), 0);
	free_lines(c, total);
}

/* Replaces the first from in s (malloc'd, freed) with to; the new string. */
static char *replace_once(char *s, const char *from, const char *to)
{
	char *at = strstr(s, from), *out;
	size_t pre, len;

	assert_non_null(at);
	pre = (size_t)(at - s);
	len = strlen(s) - strlen(from) + strlen(to) + 1;
	out = malloc(len);
	snprintf(out, len, "%.*s%s%s", (int)pre, s, to, at + strlen(from));
	free(s);
	return out;
}

/* The export line for message text msg (prefix included) signed by sk, as the server writes it. */
static char *text_line(const char *msg, const uint8_t pk[32], const uint8_t sk[64], size_t index)
{
	uint8_t sig[64];
	char *sig64, *pk64 = rl_base64_encode(pk, 32), *out;
	json_t *line;

	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), sk);
	sig64 = rl_base64_encode(sig, 64);
	line = json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)index, "message", msg, "public_key", pk64,
			 "signature", sig64);
	out = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(line);
	free(sig64);
	free(pk64);
	return out;
}

/*
 * The one-pass reading (the export line by fast_line, the statement by
 * rl_jcs_parse_canonical) refuses what the two passes refused: a
 * statement correctly signed but not in canonical form (white space, key
 * order, number forms, unicode escapes JCS does not write) is bad at its
 * index; and an export line in another shape than the server's, holding
 * the same signed bytes, still verifies.
 */
static void test_canonical_forms(void **state)
{
	uint8_t epk[32], esk[64];
	char e64[48];
	int64_t ell = person("David Ellis", epk, esk, e64), trainee = person("Priya Raman", NULL, NULL, NULL);
	size_t n = nlines;
	char **c = copy_lines(), *canon;
	struct rl_verify_result res;
	struct rl_error err = RL_ERROR_INIT;
	/* Text beyond ASCII in the statement: the export line escapes it (\u00f4, a surrogate pair for U+1F600). */
	json_t *session = json_pack("{s:I,s:I,s:I,s:s,s:i,s:s}", "id", (json_int_t)2000000, "trainee", (json_int_t)trainee,
				    "trainer", (json_int_t)ell, "date", "2026-01-01", "minutes", 30, "procedure",
				    "R\u00e9section h\u00f4pital \xf0\x9f\x98\x80");
	struct rl_signer by = { ell, e64, "2026-01-02T00:00:00Z" };
	json_t *st = rl_stmt_session_signoff(session, "confirmed", NULL, NULL, NULL, &by);
	size_t len;
	uint64_t one_pass;
	static const struct {
		const char *from, *to;
		const char *why; /* part of the reason given */
	} forms[] = {
		{ ",\"", ", \"", "canonical" },                         /* white space */
		{ "\"minutes\":30", "\"minutes\":30.0", "canonical" },  /* number forms */
		{ "\"minutes\":30", "\"minutes\":3e1", "canonical" },
		{ "\"minutes\":30", "\"minutes\":030", "not JSON" },
		{ "\"date\":\"2026-01-01\"", "\"date\":\"2026\\u002d01-01\"", "canonical" }, /* unicode escapes */
		{ "\"date\":\"2026-01-01\"", "\"date\":\"\\u0032026-01-01\"", "canonical" },
		{ "\"date\":\"2026-01-01\"", "\"date\":\"2026\\/01-01\"", "canonical" },
		{ "\"minutes\":30", "\"minutes\":30,\"minutes\":30", "not JSON" }, /* a name twice */
		{ "{", "{\"zz\":1,", "canonical" },                     /* a member out of order */
	};

	(void)state;
	canon = rl_statement_message(st, &len, &err);
	assert_non_null(canon);
	assert_non_null(strstr(canon, "h\xc3\xb4pital \xf0\x9f\x98\x80"));
	c = realloc(c, (n + 2) * sizeof(*c));

	/* The canonical statement verifies, in the server's line and in other shapes of the same line. */
	c[n] = text_line(canon, epk, esk, n);
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 0);
	one_pass = res.one_pass;
	c[n] = replace_once(c[n], "\"index\":", "\"index\": ");
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 0);
	assert_int_equal(res.one_pass, one_pass - 1); /* that line by jansson */
	free(c[n]);
	c[n] = text_line(canon, epk, esk, n);
	c[n] = replace_once(c[n], "\\\"trainee\\\"", "\\u0022trainee\\u0022");
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 0);
	assert_int_equal(res.one_pass, one_pass); /* \u0022 decoded by fast_line too */
	c[n] = replace_once(c[n], "{\"index\":", "{\"texts\":{},\"index\":");
	assert_int_equal(run(c, n + 1, NULL, NULL, &res), 0);
	free(c[n]);

	/* A rejection whose reason is committed to, its text beside the statement: one pass, the text checked. */
	{
		json_t *texts = json_object(), *rej = rl_stmt_session_signoff(session, "rejected", NULL, NULL,
									    "not at the console \u00e9\xf0\x9f\x98\x80", &by);
		json_t *sealed = rl_texts_seal(rej, texts), *line;
		char *msg = rl_statement_message(sealed, &len, &err), *l;

		assert_non_null(msg);
		l = text_line(msg, epk, esk, n);
		line = json_loads(l, 0, NULL);
		json_object_set(line, "texts", texts);
		c[n] = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		assert_non_null(strcasestr(c[n], "\\ud83d\\ude00")); /* the export writes U+1F600 as a surrogate pair */
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 0);
		assert_int_equal(res.one_pass, one_pass);
		assert_int_equal(res.texts, 1);
		free(c[n]);
		/* The text changed beside the statement: refused, also in one pass. */
		json_object_set_new(json_object_get(texts, "reason"), "text", json_string("at the console"));
		c[n] = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
		assert_int_equal(res.bad_index, (int64_t)n);
		free(c[n]);
		json_decref(line);
		free(l);
		free(msg);
		json_decref(sealed);
		json_decref(rej);
		json_decref(texts);
	}

	/* Each non-canonical form, correctly signed, is refused at its index. */
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *text = replace_once(strdup(canon), forms[i].from, forms[i].to);
		c[n] = text_line(text, epk, esk, n);
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
		assert_int_equal(res.bad_index, (int64_t)n);
		if (!strstr(res.why, forms[i].why))
			fail_msg("form %zu (%s): %s", i, text, res.why);
		free(c[n]);
		free(text);
	}
	/* A member in another order: the same members, each once, the last first. */
	{
		json_t *parsed = json_loads(canon + strlen(RL_STATEMENT_PREFIX), 0, NULL), *re = json_object(), *v;
		const char *k, *last = NULL;
		char *body, *text;

		json_object_foreach(parsed, k, v)
			last = k;
		json_object_set(re, last, json_object_get(parsed, last));
		json_object_foreach(parsed, k, v)
			if (strcmp(k, last) != 0)
				json_object_set(re, k, v);
		body = json_dumps(re, JSON_COMPACT);
		assert_non_null(body);
		len = strlen(RL_STATEMENT_PREFIX) + strlen(body) + 1;
		text = malloc(len);
		snprintf(text, len, "%s%s", RL_STATEMENT_PREFIX, body);
		c[n] = text_line(text, epk, esk, n);
		assert_int_equal(run(c, n + 1, NULL, NULL, &res), 1);
		assert_int_equal(res.bad_index, (int64_t)n);
		assert_non_null(strstr(res.why, "canonical"));
		free(c[n]);
		free(text);
		free(body);
		json_decref(re);
		json_decref(parsed);
	}
	json_decref(session);
	json_decref(st);
	free(canon);
	free_lines(c, n);
}

/*
 * rl_verify_line_statement (the audit's second pass): for each line the
 * server wrote, with its newline or without, the statement jansson reads
 * from the message and the line's index; NULL for a line of another shape
 * or a redacted one, which the caller then reads with jansson.
 */
static void test_line_statement(void **state)
{
	struct rl_buf scratch = RL_BUF_INIT;
	size_t plen = strlen(RL_STATEMENT_PREFIX), found = 0;

	(void)state;
	for (size_t i = 0; i < nlines; i++) {
		json_t *line = json_loads(lines[i], 0, NULL), *want, *got;
		const char *msg = json_string_value(json_object_get(line, "message"));
		char *nl = malloc(strlen(lines[i]) + 2);
		int64_t index = -1;

		want = msg ? json_loads(msg + plen, 0, NULL) : NULL;
		got = rl_verify_line_statement(lines[i], strlen(lines[i]), &scratch, &index);
		if (got) {
			assert_true(json_equal(got, want));
			assert_int_equal(index, json_integer_value(json_object_get(line, "index")));
			found++;
		}
		json_decref(got);
		snprintf(nl, strlen(lines[i]) + 2, "%s\n", lines[i]);
		got = rl_verify_line_statement(nl, strlen(nl), &scratch, &index);
		assert_non_null(got);
		assert_true(json_equal(got, want));
		json_decref(got);
		free(nl);
		json_decref(want);
		json_decref(line);
	}
	assert_int_equal(found, nlines);
	{
		int64_t index = -1;
		const char *other = "{\"index\": 0, \"message\":\"x\"}";
		const char *redacted = "{\"index\":3,\"leaf_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";
		assert_null(rl_verify_line_statement(other, strlen(other), &scratch, &index));
		assert_null(rl_verify_line_statement(redacted, strlen(redacted), &scratch, &index));
		assert_int_equal(index, -1);
	}
	rl_buf_release(&scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_canonical_forms),
		cmocka_unit_test(test_line_statement),
		cmocka_unit_test(test_signature_bit_flip),
		cmocka_unit_test(test_message_edited),
		cmocka_unit_test(test_entry_dropped),
		cmocka_unit_test(test_entries_swapped),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_head_of_another_size),
		cmocka_unit_test(test_rewritten_against_old_head),
		cmocka_unit_test(test_forged_head),
		cmocka_unit_test(test_unaccredited_signer),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_redacted_export),
		cmocka_unit_test(test_redacted_revocations),
		cmocka_unit_test(test_trainer_supersession),
		cmocka_unit_test(test_authority_rules),
		cmocka_unit_test(test_device_keys),
		cmocka_unit_test(test_corrections),
		cmocka_unit_test(test_elearning),
		cmocka_unit_test(test_correction_rules),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_many_batches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
