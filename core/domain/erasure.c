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
	/* The rejection mail quoted the reason (domain/notify.c, key "decision:INDEX"). */
	{ "session_signoff", "reason", "UPDATE outbox SET body = 'This message quoted a text that has since been erased "
				       "from raslog.\n' WHERE idempotency_key = 'decision:' || CAST(?1 AS TEXT)" },
};

/*
 * The earlier versions of the session the entry decided (session_revisions,
 * kept by each edit before the sign-off) carry their notes inside their
 * fields: each loses its "notes".  0, or -1 with err.
 */
static int erase_revision_notes(struct rl_db *db, int64_t index, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT r.session_id, r.revision, r.fields FROM session_revisions r "
					  "JOIN sessions s ON s.id = r.session_id WHERE s.signoff_index = ?1", err);
	json_t *rows, *row;
	size_t i;
	int rc;

	if (!st)
		return -1;
	rows = json_array();
	rl_bind_int64(st, 1, index);
	while ((rc = rl_step(st)) == RL_ROW) {
		json_t *fields = json_loads(rl_col_text(st, 2), 0, NULL);
		if (json_object_get(fields, "notes")) {
			json_object_del(fields, "notes");
			json_array_append_new(rows, json_pack("{s:I,s:I,s:o}", "id", (json_int_t)rl_col_int64(st, 0),
							      "revision", (json_int_t)rl_col_int64(st, 1), "fields", fields));
		} else {
			json_decref(fields);
		}
	}
	rl_reset(st);
	if (rc != RL_DONE) {
		json_decref(rows);
		return rl_db_fail(db, err, "reading the session's earlier versions");
	}
	json_array_foreach(rows, i, row) {
		char *text = json_dumps(json_object_get(row, "fields"), JSON_COMPACT | JSON_SORT_KEYS);
		if (!text || !(st = rl_db_stmt(db, "UPDATE session_revisions SET fields = ? WHERE session_id = ? AND "
					       "revision = ?", err))) {
			free(text);
			json_decref(rows);
			return text ? -1 : rl_error_internal(err, "out of memory");
		}
		rl_bind_text(st, 1, text, -1);
		rl_bind_int64(st, 2, json_integer_value(json_object_get(row, "id")));
		rl_bind_int64(st, 3, json_integer_value(json_object_get(row, "revision")));
		rc = rl_step(st);
		rl_reset(st);
		free(text);
		if (rc != RL_DONE) {
			json_decref(rows);
			return rl_db_fail(db, err, "erasing the notes of the session's earlier versions");
		}
	}
	json_decref(rows);
	return 0;
}

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
	st = rl_db_stmt(db, "SELECT CASE WHEN " RL_FACULTY_SCOPE_SQL("?1") " THEN 1 ELSE 0 END", err);
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
	st = rl_db_stmt(db, "SELECT kind, coalesce(subject_id, 0), message FROM ledger WHERE idx = ?1", err);
	if (!st)
		return -1;
	rl_bind_int64(st, 1, index);
	if (rl_step(st) == RL_ROW) {
		/* A version 1 statement embeds its free text: a reason, or the session's notes. */
		size_t plen = strlen(RL_STATEMENT_PREFIX), mlen = (size_t)rl_col_bytes(st, 2);
		const char *msg = rl_db_col_text(st, 2);
		json_t *doc = msg && mlen > plen ? json_loadb(msg + plen, mlen - plen, 0, NULL) : NULL;
		json_t *v = json_object_get(doc, "v");

		found = 1;
		snprintf(kind, sizeof(kind), "%s", rl_db_col_text(st, 0));
		subject = rl_col_int64(st, 1);
		embedded = json_is_integer(v) && json_integer_value(v) == 1 &&
			   ((json_object_get(doc, "reason") && !json_is_null(json_object_get(doc, "reason"))) ||
			    (json_object_get(json_object_get(doc, "session"), "notes") &&
			     !json_is_null(json_object_get(json_object_get(doc, "session"), "notes"))));
		json_decref(doc);
	}
	rl_reset(st);
	if (!found)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no ledger entry %lld", (long long)index);
	if (may_erase(db, by, subject, err) < 0)
		return -1;
	st = rl_db_stmt(db, "SELECT count(*) FILTER (WHERE text IS NOT NULL), count(*) FROM ledger_texts "
			    "WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2)", err);
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
	st = rl_db_stmt(db, "SELECT member FROM ledger_texts WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2) "
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
			    "erase_reason = ?5 WHERE ledger_index = ?1 AND (CAST(?2 AS TEXT) IS NULL OR member = ?2) AND text IS NOT NULL",
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
	if (strcmp(kind, "session_signoff") == 0) {
		size_t j;
		json_t *v;
		int notes = 0;

		json_array_foreach(erased, j, v)
			notes |= strcmp(json_string_value(v), "session.notes") == 0;
		if (notes && erase_revision_notes(db, index, err) < 0) {
			json_decref(erased);
			return -1;
		}
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
