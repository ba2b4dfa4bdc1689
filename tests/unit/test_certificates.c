/*
 * test_certificates.c - rl_certificate_read (core/domain/certificates.c):
 * an Open Badges 3.0 credential signed with eddsa-jcs-2022 by its issuer's
 * did:key verifies; changed, signed by another key, or without a proof it
 * is kept as unverified with the reason; xAPI completed/passed statements
 * are read (never verified); other input is refused by field.
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
#include <sodium.h>

#include "base/error.h"
#include "domain/certificates.h"
#include "render/credential.h"
#include "base/banned.h"

/* A did:key and its verification method for pk. */
static void did_of(const uint8_t pk[32], char did[100], char vm[200])
{
	uint8_t mc[34] = { 0xed, 0x01 };
	char *mb;

	memcpy(mc + 2, pk, 32);
	mb = rl_base58btc(mc, sizeof(mc));
	snprintf(did, 100, "did:key:z%s", mb);
	snprintf(vm, 200, "%s#z%s", did, mb);
	free(mb);
}

/* An Open Badges 3.0 achievement credential issued by issuer, signed with sk under vm (or unsigned). */
static char *badge(const char *issuer, const char *achievement_name, const uint8_t *sk, const char *vm)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *doc = json_pack("{s:[s,s],s:s,s:[s,s],s:{s:s,s:s,s:s},s:s,s:s,s:{s:s,s:{s:s,s:[s],s:s}}}",
		"@context", "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
		"id", "urn:uuid:5b8c1e0a-1f7e-4c3b-9d5a-2f6e7a8b9c0d",
		"type", "VerifiableCredential", "OpenBadgeCredential",
		"issuer", "id", issuer, "type", "Profile", "name", "Robotic Academy",
		"validFrom", "2025-02-01T09:00:00Z", "name", "Robotic literacy",
		"credentialSubject", "type", "AchievementSubject", "achievement", "id", "https://academy.example/achievements/ras-101",
		"type", "Achievement", "name", achievement_name);
	char *text;

	if (sk)
		if (rl_credential_sign(doc, sk, vm, "2025-02-01T09:00:00Z", &err) < 0)
			fail_msg("sign: %s", err.detail);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static json_t *read_ok(const char *text)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = rl_certificate_read(text, strlen(text), &err);

	if (!o)
		fail_msg("refused: %s", err.detail);
	return o;
}

static void test_badge_verified_and_not(void **state)
{
	uint8_t pk[32], sk[64], pk2[32], sk2[64];
	char did[100], vm[200], did2[100], vm2[200], *text, *p;
	json_t *o;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	did_of(pk, did, vm);
	did_of(pk2, did2, vm2);

	text = badge(did, "Robotic surgery fundamentals", sk, vm);
	o = read_ok(text);
	assert_string_equal(json_string_value(json_object_get(o, "format")), "vc");
	assert_string_equal(json_string_value(json_object_get(o, "issuer")), did);
	assert_string_equal(json_string_value(json_object_get(o, "achievement")), "https://academy.example/achievements/ras-101");
	assert_string_equal(json_string_value(json_object_get(o, "achievement_name")), "Robotic surgery fundamentals");
	assert_true(json_is_true(json_object_get(o, "verified")));
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "open_badge");
	assert_string_equal(json_string_value(json_object_get(o, "completed_on")), "2025-02-01");
	assert_string_equal(json_string_value(json_object_get(o, "result")), "awarded");
	json_decref(o);

	/* Changed after signing: the achievement's name. */
	p = strstr(text, "Robotic surgery fundamentals");
	assert_non_null(p);
	memcpy(p, "Robotic surgery fundamentaLs", 28);
	o = read_ok(text);
	assert_true(json_is_false(json_object_get(o, "verified")));
	assert_non_null(strstr(json_string_value(json_object_get(o, "verification")), "does not verify"));
	json_decref(o);
	free(text);

	/* Signed by a key that is not the issuer's. */
	text = badge(did, "Robotic surgery fundamentals", sk2, vm2);
	o = read_ok(text);
	assert_true(json_is_false(json_object_get(o, "verified")));
	assert_non_null(strstr(json_string_value(json_object_get(o, "verification")), "not by its issuer"));
	json_decref(o);
	free(text);

	/* An issuer on the web (not resolvable offline), and no proof at all: kept, unverified. */
	text = badge("https://academy.example/issuer", "Robotic surgery fundamentals", NULL, NULL);
	o = read_ok(text);
	assert_true(json_is_false(json_object_get(o, "verified")));
	assert_non_null(strstr(json_string_value(json_object_get(o, "verification")), "no proof"));
	json_decref(o);
	free(text);
}

static void test_xapi_and_refusals(void **state)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *done = "{\"actor\":{\"mbox\":\"mailto:t@example.org\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"},"
		"\"object\":{\"id\":\"https://lms.example/courses/davinci-xi-basics\",\"definition\":{\"name\":{\"en-GB\":\"da Vinci Xi basics\"}}},"
		"\"result\":{\"success\":true,\"score\":{\"scaled\":0.9}},\"context\":{\"platform\":\"Intuitive Learning\"},"
		"\"timestamp\":\"2025-02-03T10:00:00Z\"}";
	const char *tried = "{\"actor\":{},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/attempted\"},\"object\":{\"id\":\"x\"},"
		"\"result\":{\"success\":false},\"context\":{\"platform\":\"P\"}}";
	json_t *o;

	(void)state;
	o = read_ok(done);
	assert_string_equal(json_string_value(json_object_get(o, "format")), "xapi");
	assert_string_equal(json_string_value(json_object_get(o, "issuer")), "Intuitive Learning");
	assert_string_equal(json_string_value(json_object_get(o, "achievement_name")), "da Vinci Xi basics");
	assert_true(json_is_false(json_object_get(o, "verified")));
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "xapi");
	assert_string_equal(json_string_value(json_object_get(o, "result")), "passed, score 90%");
	assert_string_equal(json_string_value(json_object_get(o, "completed_on")), "2025-02-03");
	json_decref(o);

	/* A completion date is required, and a real one. */
	{
		char *nodate = strdup(done), *p = strstr(nodate, ",\"timestamp\"");
		p[0] = '}';
		p[1] = '\0';
		assert_null(rl_certificate_read(nodate, strlen(nodate), &err));
		assert_string_equal(err.fields[0].field, "timestamp");
		rl_error_clear(&err);
		free(nodate);
		nodate = strdup(done);
		p = strstr(nodate, "2025-02-03");
		memcpy(p, "2025-02-30", 10);
		assert_null(rl_certificate_read(nodate, strlen(nodate), &err));
		assert_string_equal(err.fields[0].field, "timestamp");
		rl_error_clear(&err);
		free(nodate);
	}

	assert_null(rl_certificate_read(tried, strlen(tried), &err));
	assert_int_equal(err.status, RL_E_INVALID);
	assert_string_equal(err.fields[0].field, "verb");
	assert_string_equal(err.fields[1].field, "result");
	rl_error_clear(&err);
	assert_null(rl_certificate_read("{\"type\":\"Thing\"}", 16, &err));
	assert_string_equal(err.fields[0].field, "type");
	rl_error_clear(&err);
	assert_null(rl_certificate_read("\x89PNG\r\n", 6, &err));
	assert_int_equal(err.status, RL_E_MALFORMED);
	rl_error_clear(&err);
	assert_null(rl_certificate_read("{\"type\":\"VerifiableCredential\"}", 31, &err));
	assert_string_equal(err.fields[0].field, "issuer");
	rl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_badge_verified_and_not),
		cmocka_unit_test(test_xapi_and_refusals),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
