/*
 * test_render.c - core/render on a real demo database: the trainee
 * credential (issuer named by the programme, GMC number as an
 * IdentityObject, the eddsa-jcs-2022 proof, refused for a trainee who is
 * not accredited), base58btc, the CSV export (one row a session, and an
 * error, not a short file, when the CSV does not fit), and rl_buf's sticky
 * failures that the export relies on.
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

#include "demo_fixture.h"

#include "base/banned.h"

static void trainee_credential(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	int64_t priya = demo_id("Priya Raman");
	char sql[128];
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
	json_decref(c);

	/* No programme name configured: the default name. */
	iss.name = NULL;
	c = rl_credential_for_trainee(db, priya, &iss, &err);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "issuer"), "name")), RL_ISSUER_NAME_DEFAULT);
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
		cmocka_unit_test(not_accredited_refused),
		cmocka_unit_test(base58btc_vectors),
		cmocka_unit_test(csv_rows_and_truncation),
		cmocka_unit_test(buf_failures_stick),
	};
	return cmocka_run_group_tests(tests, demo_setup, demo_teardown);
}
