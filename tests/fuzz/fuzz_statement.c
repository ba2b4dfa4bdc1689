/*
 * fuzz_statement.c - signed statements.  rl_signoff_check (shape and
 * signature of a {"statement":..,"signature":..} body) must never crash
 * and must never accept a body whose signature is not the key's; and
 * statement verification must round-trip: a statement signed here
 * verifies, and the same signature over a changed statement does not.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "base/jsonin.h"
#include "domain/signoff.h"
#include "domain/statements.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char pk[32], sk[64];
static char pk_b64[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signoff so;
	json_t *body, *st;
	char *sig;

	if (!pk_b64[0]) {
		if (sodium_init() < 0)
			abort();
		fz_setup_db();
		crypto_sign_seed_keypair(pk, sk, (const unsigned char *)"raslog-fuzz-statement-key-seed!!");
		sodium_bin2base64(pk_b64, sizeof(pk_b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	}
	body = rl_json_parse((const char *)data, size, &err);
	rl_error_clear(&err);
	if (!body)
		return 0;

	/* 1. The body as it came: check as a trainer and as faculty. */
	if (json_is_object(body)) {
		memset(&so, 0, sizeof(so));
		if (rl_signoff_check(&fz_trainer, body, &so, &err) == 0) {
			/* Accepted: the signature must really verify over the statement. */
			struct rl_error e2 = RL_ERROR_INIT;
			if (rl_stmt_verify(so.statement, so.key, so.signature, &e2) < 0)
				abort();
		}
		rl_signoff_release(&so);
		rl_error_clear(&err);
		memset(&so, 0, sizeof(so));
		rl_signoff_check(&fz_faculty, body, &so, &err);
		rl_signoff_release(&so);
		rl_error_clear(&err);
	}

	/* 2. Sign the value (or its "statement" member) and verify. */
	st = json_is_object(body) && json_object_get(body, "statement") ? json_object_get(body, "statement") : body;
	sig = rl_stmt_sign(st, sk, &err);
	rl_error_clear(&err);
	if (sig) {
		if (rl_stmt_verify(st, pk_b64, sig, &err) < 0)
			abort(); /* our own signature must verify */
		rl_error_clear(&err);
		if (json_is_object(st)) {
			json_t *changed = json_deep_copy(st);
			json_object_set_new(changed, "\x01raslog-fuzz", json_true());
			if (rl_stmt_verify(changed, pk_b64, sig, &err) == 0)
				abort(); /* a changed statement must not verify */
			rl_error_clear(&err);
			json_decref(changed);
		}
		/* A wrapped body with our signature passes the shape check or says why. */
		{
			json_t *wrapped = json_pack("{s:O,s:s}", "statement", st, "signature", sig);
			memset(&so, 0, sizeof(so));
			if (rl_signoff_check(&fz_trainer, wrapped, &so, &err) < 0 && !err.status && !err.nfields)
				abort();
			rl_signoff_release(&so);
			rl_error_clear(&err);
			json_decref(wrapped);
		}
		free(sig);
	}
	json_decref(body);
	return 0;
}
