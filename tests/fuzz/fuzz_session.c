/*
 * fuzz_session.c - rl_session_parse, the validator that turns a POST
 * /sessions body into a record, against a real database holding a trainee
 * (user 1) and a trainer (user 2).  Bodies the strict parser accepts are
 * validated as the trainee; accepted ones are inserted inside a
 * transaction that is rolled back, so the database stays small.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "base/jsonin.h"
#include "domain/logbook.h"
#include "domain/sessions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_session_new s;
	json_t *body;
	int64_t id;

	fz_setup_db();
	body = rl_json_parse((const char *)data, size, &err);
	if (!body || !json_is_object(body)) {
		json_decref(body);
		rl_error_clear(&err);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	if (rl_session_parse(fz_db, &fz_trainee, body, &s, &err) == 0) {
		if (err.status || err.nfields)
			abort(); /* accepted but with errors */
		if (s.trainee != fz_trainee.id || s.minutes < 1 || s.minutes > 1440 || strlen(s.date) != 10)
			abort(); /* server-owned or bounded fields out of range */
		if (rl_db_begin(fz_db, &err) == 0) {
			if (rl_logbook_log_session(fz_db, &s, &id, &err) < 0)
				abort(); /* a validated session must store */
			rl_db_rollback(fz_db);
		}
	} else if (!err.status && !err.nfields) {
		abort(); /* refused without saying why */
	}
	rl_error_clear(&err);
	/* As the trainer (not a trainee): must be refused or validated, never crash. */
	memset(&s, 0, sizeof(s));
	rl_session_parse(fz_db, &fz_trainer, body, &s, &err);
	rl_error_clear(&err);
	json_decref(body);
	return 0;
}
