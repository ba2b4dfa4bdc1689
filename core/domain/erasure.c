/*
 * erasure.c - erasing a free text beside the ledger; see erasure.h.
 */
#include "base/prelude.h"

#include "domain/erasure.h"

#include <string.h>

#include "base/codes.h"
#include "base/jsonin.h"
#include "base/util.h"
#include "domain/sessions.h"
#include "ledger/ledger.h"
#include "ledger/texts.h"

/* The record copies of an entry's text: (kind, member) -> one UPDATE that clears it, ?1 the entry's index. */
static const struct {
	const char *kind, *member, *sql;
} copies[] = {
	{ "session_signoff", "session.notes", "UPDATE sessions SET notes = NULL WHERE signoff_index = ?1" },
	{ "session_signoff", "reason", "UPDATE sessions SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "simulator_import", "reason", "UPDATE imports SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "elearning_confirmation", "reason", "UPDATE imports SET reject_reason = NULL WHERE signoff_index = ?1" },
	{ "revocation", "reason", "UPDATE trainer_accreditations SET revoked_reason = NULL WHERE revoked_index = ?1" },
	{ "revocation", "reason", "UPDATE trainee_accreditations SET revoked_reason = NULL WHERE revoked_index = ?1" },
};

static int may_erase(struct rl_db *db, const struct rl_user *by, int64_t subject, struct rl_error *err)
{
	struct rl_stmt *st;
	int rc, sees = 0;

	if (!by || (by->roles & RL_ROLE_ADMIN))
		return 0;
	if (!(by->roles & RL_ROLE_FACULTY))
		return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				    "only an administrator, or faculty of the trainee's programme, erases a text");
	if (subject <= 0)
		return 0; /* an entry about nobody (a curriculum): any faculty member */
	st = rl_db_stmt(db, "SELECT " RL_FACULTY_SCOPE_SQL("?1"), err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, subject);
	rl_scope_bind(st, by);
	rc = rl_step(st);
	if (rc == RL_ROW)
		sees = rl_col_int(st, 0) != 0;
	rl_reset(st);
	if (!sees)
		return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				    "the entry is about a trainee outside your programmes; their faculty or an "
				    "administrator erases its text");
	return 0;
}

int rl_text_erase(struct rl_db *db, const struct rl_user *by, int64_t index, const char *member,
		  const char *reason, json_t **out, struct rl_error *err)
{
	struct rl_stmt *st;
	char kind[48] = "", now[21];
	int64_t subject = 0;
	int found = 0, live = 0, embedded = 0;
	json_t *erased;
	const char *const *p;

	*out = NULL;
	if (member && !*member)
		member = NULL;
	for (p = rl_text_members; member && *p && strcmp(*p, member); p++)
		;
	if (member && !*p)
		return rl_error_field(err, "member", "must be one of the free-text members: reason, session.notes");
	if (!reason || !*reason || strlen(reason) > 1000)
		return rl_error_field(err, "reason", "say why the text is erased, in 1 to 1000 characters");
	if (rl_json_check_free_text(reason, "reason", err) < 0)
		return -1;
	st = rl_db_stmt(db, "SELECT kind, coalesce(subject_id, 0), json_extract(substr(message, ?2), '$.v'), "
			    "json_extract(substr(message, ?2), '$.reason') IS NOT NULL OR "
			    "json_extract(substr(message, ?2), '$.session.notes') IS NOT NULL FROM ledger WHERE idx = ?1", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	rl_bind_int(st, 2, (int)strlen(RL_STATEMENT_PREFIX) + 1);
	if (rl_step(st) == RL_ROW) {
		found = 1;
		snprintf(kind, sizeof(kind), "%s", rl_db_col_text(st, 0));
		subject = rl_col_int64(st, 1);
		embedded = rl_col_int(st, 2) == 1 && rl_col_int(st, 3);
	}
	rl_reset(st);
	if (!found)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no ledger entry %lld", (long long)index);
	if (may_erase(db, by, subject, err) < 0)
		return -1;
	st = rl_db_stmt(db, "SELECT count(*) FILTER (WHERE text IS NOT NULL), count(*) FROM ledger_texts "
			    "WHERE ledger_index = ?1 AND (?2 IS NULL OR member = ?2)", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	found = 0;
	if (rl_step(st) == RL_ROW) {
		live = rl_col_int(st, 0);
		found = rl_col_int(st, 1);
	}
	rl_reset(st);
	if (!found && embedded)
		return rl_error_set(err, RL_E_CONFLICT, "embedded-text", "Text cannot be erased",
				    "ledger entry %lld is a version 1 statement whose text is part of what was signed; "
				    "it cannot be erased without breaking the signature (docs/ledger.md, Free text)",
				    (long long)index);
	if (!found)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "ledger entry %lld has no free text%s%s",
				    (long long)index, member ? " at " : "", member ? member : "");
	if (!live)
		return rl_error_set(err, RL_E_CONFLICT, "already-erased", "Already erased",
				    "the text of ledger entry %lld was already erased", (long long)index);
	rl_now_rfc3339(now);
	erased = json_array();
	st = rl_db_stmt(db, "SELECT member FROM ledger_texts WHERE ledger_index = ?1 AND (?2 IS NULL OR member = ?2) "
			    "AND text IS NOT NULL ORDER BY member", err);
	if (!st) {
		json_decref(erased);
		return -1;
	}
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	while (rl_step(st) == RL_ROW)
		json_array_append_new(erased, json_string(rl_db_col_text(st, 0)));
	rl_reset(st);
	st = rl_db_stmt(db, "UPDATE ledger_texts SET text = NULL, salt = NULL, erased_at = ?3, erased_by = ?4, "
			    "erase_reason = ?5 WHERE ledger_index = ?1 AND (?2 IS NULL OR member = ?2) AND text IS NOT NULL",
			err);
	if (!st) {
		json_decref(erased);
		return -1;
	}
	rl_bind_int64(st, 1, index);
	rl_db_bind_text(st, 2, member);
	rl_bind_text(st, 3, now, -1);
	if (by)
		rl_bind_int64(st, 4, by->id);
	else
		rl_bind_null(st, 4);
	rl_bind_text(st, 5, reason, -1);
	if (rl_step(st) != RL_DONE) {
		rl_reset(st);
		json_decref(erased);
		return rl_db_fail(db, err, "erasing the text");
	}
	rl_reset(st);
	/* The records' copies of the same text go too. */
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		size_t j;
		json_t *v;
		int hit = 0;

		if (strcmp(copies[i].kind, kind) != 0)
			continue;
		json_array_foreach(erased, j, v)
			hit |= strcmp(json_string_value(v), copies[i].member) == 0;
		if (!hit)
			continue;
		if (!(st = rl_db_stmt(db, copies[i].sql, err))) {
			json_decref(erased);
			return -1;
		}
		rl_bind_int64(st, 1, index);
		if (rl_step(st) != RL_DONE) {
			rl_reset(st);
			json_decref(erased);
			return rl_db_fail(db, err, "erasing the record's copy of the text");
		}
		rl_reset(st);
	}
	*out = json_pack("{s:I,s:o,s:s}", "ledger_index", (json_int_t)index, "erased", erased, "erased_at", now);
	return 0;
}

int rl_text_erase_request(struct rl_db *db, const struct rl_user *by, int64_t index, const json_t *body,
			  json_t **out, struct rl_error *err)
{
	static const char *const allowed[] = { "reason", "member", NULL };
	json_t *m = json_object_get(body, "member");

	*out = NULL;
	if (rl_json_check_members(body, allowed, err) < 0)
		return -1;
	if (m && !json_is_string(m))
		return rl_error_field(err, "member", "must be a string: reason or session.notes");
	if (json_object_get(body, "reason") && !json_is_string(json_object_get(body, "reason")))
		return rl_error_field(err, "reason", "must be a string");
	return rl_text_erase(db, by, index, json_string_value(m), json_string_value(json_object_get(body, "reason")),
			     out, err);
}
