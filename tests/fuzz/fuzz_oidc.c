/*
 * fuzz_oidc.c - the ID token check on arbitrary bytes.  The input is an ID
 * token (up to the first newline) and the provider's JWK Set (the rest),
 * both outside input: rl_oidc_verify_id_token and rl_oidc_jwks_has_kid
 * must never crash, a refusal must say why (RL_E_UNAUTH with an oidc-*
 * type), and an acceptance must carry the subject and an e-mail address.
 * The seeds (tests/fuzz/corpus/fuzz_oidc/) are real RS256 and ES256 tokens
 * with their JWKS, made with jose, for the expectations below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonin.h"
#include "domain/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_oidc_expect x = { "https://idp.test", "raslog", "fuzz-nonce", 1700000000 };
	struct rl_oidc_claims c;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t jlen = nl ? (size_t)(nl - data) : size;
	char *jwt = malloc(jlen + 1);
	json_t *jwks = NULL;
	int rc;

	if (!jwt)
		return 0;
	memcpy(jwt, data, jlen);
	jwt[jlen] = '\0';
	if (nl)
		jwks = rl_json_parse((const char *)nl + 1, size - jlen - 1, &err);
	rl_error_clear(&err);
	(void)rl_oidc_jwks_has_kid(jwt, jwks);
	rc = rl_oidc_verify_id_token(jwt, jwks, &x, &c, &err);
	if (rc < 0 && (err.status != RL_E_UNAUTH || strncmp(err.type, "oidc-", 5) != 0))
		abort();
	if (rc == 0 && (!c.sub[0] || !strchr(c.email, '@')))
		abort();
	rl_error_clear(&err);
	json_decref(jwks);
	free(jwt);
	return 0;
}
