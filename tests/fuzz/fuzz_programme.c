/*
 * fuzz_programme.c - the validators of the programme bodies (POST and
 * PATCH /programmes) and of an account change naming programmes (PATCH
 * /users/{id} {programme} or {programmes}), against a real database.
 * Accepted programmes are created, and accepted memberships applied, in a
 * transaction that is rolled back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "base/jsonin.h"
#include "domain/accounts.h"
#include "domain/programmes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_programme_in in;
	struct rl_user_patch up;
	json_t *body;
	int64_t id;
	int revoked;

	fz_setup_db();
	body = rl_json_parse((const char *)data, size, &err);
	if (!body) {
		rl_error_clear(&err);
		return 0;
	}
	for (int creating = 0; creating < 2; creating++) {
		if (rl_programme_parse(body, creating, &in, &err) == 0) {
			if (err.status || err.nfields)
				abort(); /* accepted but with errors */
			if (creating && (!in.name || in.remind_count < -1 || in.remind_days < -1))
				abort();
			if (creating && rl_db_begin(fz_db, &err) == 0) {
				rl_programme_create(fz_db, &in, 0, &id, &err);
				rl_db_rollback(fz_db);
			}
		} else if (!err.status && !err.nfields) {
			abort(); /* refused without saying why */
		}
		rl_error_clear(&err);
	}
	if (json_is_object(body) && rl_user_patch_parse(body, 0, &up, &err) == 0) {
		if (up.nprogrammes > RL_PROGRAMMES_MAX)
			abort();
		if (rl_db_begin(fz_db, &err) == 0) {
			up.by = fz_trainee.id;
			rl_user_patch_apply(fz_db, fz_trainee.id, &up, &revoked, &err);
			rl_db_rollback(fz_db);
		}
	}
	rl_error_clear(&err);
	json_decref(body);
	return 0;
}
