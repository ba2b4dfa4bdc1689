/*
 * test_keystore.c - core/base/keystore.c: a generated key loads back to
 * the same pair (plain and sealed), the public key reads without the
 * passphrase, a sealed key refuses a missing or wrong passphrase, an
 * existing file is not replaced without force, and unsafe files (group- or
 * world-readable, a symbolic link, damaged JSON, the wrong type) are
 * refused.  Each test works in its own temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/keystore.h"

#include "base/banned.h"

static char dir[64], path[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/raslog-keystore.XXXXXX");
	if (!mkdtemp(dir) || sodium_init() < 0)
		return -1;
	/* A key directory below, so generate must create it (mode 0700). */
	snprintf(path, sizeof(path), "%s/keys/%s", dir, RL_KEYSTORE_FILE);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static void plain_round_trip(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *a = rl_keystore_generate(path, NULL, 0, 0, &err), *b;
	char pk[64], keydir[128];
	struct stat st;
	int sealed = -1;

	assert_non_null(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(keydir, sizeof(keydir), "%s/keys", dir);
	assert_int_equal(stat(keydir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	b = rl_keystore_load(path, NULL, 0, &err);
	assert_non_null(b);
	assert_memory_equal(a->pk, b->pk, 32);
	assert_memory_equal(a->sk, b->sk, 64);
	assert_string_equal(a->pk_b64, b->pk_b64);
	assert_int_equal(rl_keystore_public(path, pk, sizeof(pk), &sealed, &err), 0);
	assert_string_equal(pk, a->pk_b64);
	assert_int_equal(sealed, 0);
	/* The pair signs and verifies. */
	{
		uint8_t sig[64];
		const uint8_t msg[] = "raslog";
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), b->sk);
		assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), a->pk), 0);
	}
	rl_keypair_free(a);
	rl_keypair_free(b);
	rl_keypair_free(NULL);
}

static void sealed_needs_the_passphrase(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *a = rl_keystore_generate(path, "correct horse", 13, 0, &err), *b;
	char pk[64];
	int sealed = -1;

	assert_non_null(a);
	assert_int_equal(rl_keystore_public(path, pk, sizeof(pk), &sealed, &err), 0);
	assert_int_equal(sealed, 1);
	assert_string_equal(pk, a->pk_b64);
	assert_null(rl_keystore_load(path, NULL, 0, &err));
	assert_int_equal(err.status, RL_E_UNAUTH);
	assert_string_equal(err.type, "passphrase-required");
	rl_error_clear(&err);
	assert_null(rl_keystore_load(path, "wrong horse", 11, &err));
	assert_string_equal(err.type, "wrong-passphrase");
	rl_error_clear(&err);
	b = rl_keystore_load(path, "correct horse", 13, &err);
	assert_non_null(b);
	assert_memory_equal(a->sk, b->sk, 64);
	rl_keypair_free(a);
	rl_keypair_free(b);
}

static void no_replace_without_force(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *a = rl_keystore_generate(path, NULL, 0, 0, &err), *b;

	assert_non_null(a);
	assert_null(rl_keystore_generate(path, NULL, 0, 0, &err));
	assert_int_not_equal(err.status, 0);
	rl_error_clear(&err);
	b = rl_keystore_load(path, NULL, 0, &err);
	assert_non_null(b);
	assert_memory_equal(a->pk, b->pk, 32); /* still the first key */
	rl_keypair_free(b);
	b = rl_keystore_generate(path, NULL, 0, 1, &err);
	assert_non_null(b);
	assert_memory_not_equal(a->pk, b->pk, 32);
	rl_keypair_free(a);
	rl_keypair_free(b);
}

static void unsafe_files_refused(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_keypair *a = rl_keystore_generate(path, NULL, 0, 0, &err);
	char link[160], other[160];
	json_t *o;

	assert_non_null(a);
	rl_keypair_free(a);
	/* Readable by others. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_null(rl_keystore_load(path, NULL, 0, &err));
	assert_int_not_equal(err.status, 0);
	rl_error_clear(&err);
	assert_int_equal(chmod(path, 0600), 0);
	/* A symbolic link to a good key file. */
	snprintf(link, sizeof(link), "%s/link.key", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_null(rl_keystore_load(link, NULL, 0, &err));
	rl_error_clear(&err);
	/* Damaged JSON, and a key file of another type. */
	snprintf(other, sizeof(other), "%s/bad.key", dir);
	write_file(other, "{\"v\":1,\"type\":\"raslog-signing-key\",", 0600);
	assert_null(rl_keystore_load(other, NULL, 0, &err));
	rl_error_clear(&err);
	write_file(other, "{\"v\":1,\"type\":\"raslog-log-key\",\"seed\":\"AAAA\"}", 0600);
	assert_null(rl_keystore_load(other, NULL, 0, &err));
	rl_error_clear(&err);
	o = rl_keyfile_read(other, "raslog-log-key", &err);
	assert_non_null(o);
	json_decref(o);
	assert_null(rl_keyfile_read(other, "raslog-signing-key", &err));
	rl_error_clear(&err);
	/* A missing file. */
	snprintf(other, sizeof(other), "%s/none.key", dir);
	assert_null(rl_keystore_load(other, NULL, 0, &err));
	rl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(plain_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(sealed_needs_the_passphrase, setup, teardown),
		cmocka_unit_test_setup_teardown(no_replace_without_force, setup, teardown),
		cmocka_unit_test_setup_teardown(unsafe_files_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
