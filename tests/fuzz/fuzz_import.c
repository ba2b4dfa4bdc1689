/*
 * fuzz_import.c - the simulator attempts parsers (CSV through libcsv, JSON
 * through jansson) on arbitrary bytes, each way.  They must never crash;
 * a refusal must say why (row_errors or too-large), and an accepted file
 * must give a non-empty attempts array that JCS canonicalises (its digest
 * is what a trainer signs) with every score inside 0..100.  The eLogbook
 * operating log parser and the e-learning certificate reader run on the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/certificates.h"
#include "domain/imports.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, const char *format)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *a = rl_import_parse_simulator((const char *)data, size, format, 1900000000, &err), *v;
	char digest[65];
	size_t i;

	if (!a) {
		if (!err.status || (err.status != RL_E_TOOLARGE && !err.extra))
			abort();
		rl_error_clear(&err);
		return;
	}
	if (!json_array_size(a) || rl_import_attempts_digest(a, digest, &err) < 0)
		abort();
	json_array_foreach(a, i, v) {
		json_t *s = json_object_get(v, "score_pct");
		double d = json_is_integer(s) ? (double)json_integer_value(s) : json_real_value(s);
		if (!json_is_number(s) || d < 0 || d > 100 || !json_is_string(json_object_get(v, "platform")))
			abort();
	}
	json_decref(a);
}

/* The eLogbook operating log parser: a refusal says why; accepted rows have a date, a supervision code, a role or null. */
static void elogbook(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *a = rl_import_parse_elogbook((const char *)data, size, 1900000000, &err), *v;
	size_t i;

	if (!a) {
		if (!err.status || (err.status != RL_E_TOOLARGE && !err.extra))
			abort();
		rl_error_clear(&err);
		return;
	}
	if (!json_array_size(a))
		abort();
	json_array_foreach(a, i, v) {
		json_t *role = json_object_get(v, "role");
		if (!json_is_string(json_object_get(v, "date")) || !json_is_string(json_object_get(v, "supervision")) ||
		    !json_is_string(json_object_get(v, "procedure")) || !(json_is_null(role) || json_is_string(role) || !role))
			abort();
	}
	json_decref(a);
}

/* The certificate reader: a refusal says why; a reading names format, issuer and achievement and a verdict. */
static void certificate(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *c = rl_certificate_read((const char *)data, size, &err);

	if (!c) {
		if (!err.status)
			abort();
		rl_error_clear(&err);
		return;
	}
	if (!json_is_string(json_object_get(c, "issuer")) || !json_is_string(json_object_get(c, "achievement")) ||
	    !json_is_boolean(json_object_get(c, "verified")) || !json_is_string(json_object_get(c, "verification")) ||
	    !json_is_string(json_object_get(c, "kind")) || !json_is_string(json_object_get(c, "result")))
		abort();
	{
		/* What an import stores and a statement commits to: a real date, and short identifiers without control bytes. */
		const char *on = json_string_value(json_object_get(c, "completed_on"));
		long days;
		if (!on || strlen(on) != 10 || rl_parse_date(on, &days) < 0 ||
		    strlen(json_string_value(json_object_get(c, "issuer"))) > 300 ||
		    strlen(json_string_value(json_object_get(c, "achievement"))) > 300)
			abort();
		for (const char *p = json_string_value(json_object_get(c, "issuer")); *p; p++)
			if ((unsigned char)*p < 0x20)
				abort();
	}
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	certificate(data, size);
	elogbook(data, size);
	one(data, size, "csv");
	one(data, size, "json");
	one(data, size, NULL);
	return 0;
}
