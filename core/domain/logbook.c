/*
 * logbook.c - record changes that move figures; see logbook.h.
 */
#include "base/prelude.h"

#include "domain/logbook.h"


#include "base/codes.h"
#include "base/util.h"
#include "domain/statements.h"
#include "ledger/ledger.h"
#include "domain/progress.h"

int rl_logbook_log_session(struct rl_db *db, const struct rl_session_new *s, int64_t *id, struct rl_error *err)
{
	struct rl_tally_delta d;
	int rc;

	rl_tally_delta_init(&d);
	/* The seals are checked before the new record joins the claims they bind. */
	rc = rl_progress_claim_before(db, s->trainee, 0, &d, err) < 0 || rl_session_insert(db, s, id, err) < 0 ? -1
	     : rl_progress_claim_after(db, s->trainee, *id, &d, err);
	rl_tally_delta_free(&d);
	return rc;
}

int rl_logbook_update_session(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
			      const struct rl_session_new *s, struct rl_error *err)
{
	struct rl_tally_delta d;
	int rc = -1;

	rl_tally_delta_init(&d);
	/* The claim's old figures come out only if the change is made. */
	if (rl_progress_claim_before(db, trainee, id, &d, err) == 0 &&
	    rl_session_update(db, trainee, id, expect_revision, s, err) == 0)
		rc = rl_progress_claim_after(db, trainee, id, &d, err);
	rl_tally_delta_free(&d);
	return rc;
}

int rl_logbook_add_user(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
			char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	if (rl_user_add(db, nu, id_out, token, err) < 0)
		return -1;
	return (nu->roles & RL_ROLE_TRAINEE) ? rl_logbook_enrolled(db, *id_out, err) : 0;
}

int rl_logbook_append_log(struct rl_db *db, json_t *statement, int64_t subject, int64_t *index,
			  struct rl_error *err)
{
	uint8_t pk[32], sig[64];
	size_t len;
	int64_t idx;
	char *msg = statement ? rl_statement_message(statement, &len, err) : NULL;
	int rc = -1;

	if (msg && rl_ledger_log_key(db, pk, err) == 0 && rl_ledger_log_sign(db, msg, len, sig, err) == 0)
		rc = rl_ledger_append(db, rl_stmt_type(statement), msg, len, pk, sig, 0, subject, &idx, err);
	if (rc == 0 && index)
		*index = idx;
	free(msg);
	json_decref(statement);
	return rc;
}

/* The curriculum row's code, version and content hash; 0, or -1 with err. */
static int curriculum_row(struct rl_db *db, int64_t cid, char code[64], int *version, json_t **def, char sha[65],
			  struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT code, version, definition FROM curricula WHERE id = ?", err);
	int rc = -1;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, cid);
	if (rl_step(st) == RL_ROW) {
		snprintf(code, 64, "%s", rl_db_col_text(st, 0));
		*version = rl_col_int(st, 1);
		*def = json_loads(rl_db_col_text(st, 2), 0, NULL);
		if (!*def)
			rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "curriculum %lld's definition is not JSON", (long long)cid);
		else if (rl_stmt_content_sha256(*def, sha, err) == 0)
			rc = 0;
		if (rc < 0) {
			json_decref(*def);
			*def = NULL;
		}
	} else {
		rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "no curriculum %lld", (long long)cid);
	}
	rl_reset(st);
	return rc;
}

/* 1 if the ledger holds a statement of kind whose message contains needle (and is about subject, if > 0). */
static int ledger_has(struct rl_db *db, const char *kind, const char *needle, int64_t subject, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, subject > 0
		? "SELECT message FROM ledger WHERE kind = ?1 AND subject_id = ?3 ORDER BY idx DESC LIMIT 1"
		: "SELECT 1 FROM ledger WHERE kind = ?1 AND replace(message, ?2, '') <> message LIMIT 1", err);
	int found = 0;

	if (!st)
		return -1;
	rl_bind_text(st, 1, kind, -1);
	rl_bind_text(st, 2, needle, -1);
	if (subject > 0)
		rl_bind_int64(st, 3, subject);
	if (rl_step(st) == RL_ROW)
		found = subject > 0 ? strstr(rl_db_col_text(st, 0), needle) != NULL : 1;
	rl_reset(st);
	return found;
}

int rl_logbook_enrolled(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT curriculum_id FROM users WHERE id = ? AND (roles & 1 <> 0)", err);
	int64_t cid = 0;
	char code[64], sha[65], now[21];
	int version, has;
	json_t *def = NULL;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, trainee);
	if (rl_step(st) == RL_ROW)
		cid = rl_col_int64(st, 0);
	rl_reset(st);
	if (!cid)
		return 0;
	if (curriculum_row(db, cid, code, &version, &def, sha, err) < 0)
		return -1;
	json_decref(def);
	/* The latest enrolment of the trainee already names this content: nothing to add. */
	if ((has = ledger_has(db, "enrolment", sha, trainee, err)) < 0)
		return -1;
	rl_now_rfc3339(now);
	if (!has && rl_logbook_append_log(db, rl_stmt_enrolment(trainee, code, version, sha, now), trainee, NULL, err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

int rl_logbook_backfill(struct rl_db *db, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT id FROM curricula ORDER BY id", err);
	json_t *ids = json_array(), *v;
	int added = 0, rc;
	size_t i;

	if (!st)
		goto fail;
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(ids, json_integer(rl_col_int64(st, 0)));
	rl_reset(st);
	json_array_foreach(ids, i, v) {
		char code[64], sha[65], now[21];
		int version, has;
		json_t *def = NULL;

		if (curriculum_row(db, json_integer_value(v), code, &version, &def, sha, err) < 0)
			goto fail;
		if ((has = ledger_has(db, "curriculum", sha, 0, err)) < 0) {
			json_decref(def);
			goto fail;
		}
		rl_now_rfc3339(now);
		if (!has) {
			if (rl_logbook_append_log(db, rl_stmt_curriculum(code, version, def, sha, now), 0, NULL, err) < 0) {
				json_decref(def);
				goto fail;
			}
			added++;
		}
		json_decref(def);
	}
	json_array_clear(ids);
	if (!(st = rl_db_stmt(db, "SELECT u.id FROM users u WHERE (u.roles & 1 <> 0) AND u.curriculum_id IS NOT NULL AND NOT EXISTS "
				  "(SELECT 1 FROM ledger l WHERE l.kind = 'enrolment' AND l.subject_id = u.id) ORDER BY u.id", err)))
		goto fail;
	while ((rc = rl_step(st)) == RL_ROW)
		json_array_append_new(ids, json_integer(rl_col_int64(st, 0)));
	rl_reset(st);
	json_array_foreach(ids, i, v) {
		if (rl_logbook_enrolled(db, json_integer_value(v), err) < 0)
			goto fail;
		added++;
	}
	json_decref(ids);
	return added;
fail:
	json_decref(ids);
	return -1;
}
