/*
 * logbook.c - record changes that move figures; see logbook.h.
 */
#include "base/prelude.h"

#include "domain/logbook.h"

#include "base/codes.h"
#include "domain/progress.h"

int rl_logbook_log_session(struct rl_db *db, const struct rl_session_new *s, int64_t *id, struct rl_error *err)
{
	if (rl_session_insert(db, s, id, err) < 0)
		return -1;
	return rl_progress_refresh(db, s->trainee, err);
}

int rl_logbook_update_session(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
			      const struct rl_session_new *s, struct rl_error *err)
{
	if (rl_session_update(db, trainee, id, expect_revision, s, err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

int rl_logbook_add_user(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
			char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	if (rl_user_add(db, nu, id_out, token, err) < 0)
		return -1;
	return (nu->roles & RL_ROLE_TRAINEE) ? rl_progress_refresh(db, *id_out, err) : 0;
}
