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
#include "store/erasure_rows.h"
#include "store/programmes_rows.h"
#include "store/sessions_rows.h"

/* An earlier version whose fields carry notes: kept, without them, in the array ctx. */
static int revision_with_notes(void *ctx, int64_t session, int64_t revision, const char *text)
{
	json_t *fields = json_loads(text, 0, NULL);

	if (json_object_get(fields, "notes")) {
		json_object_del(fields, "notes");
		json_array_append_new(ctx, json_pack("{s:I,s:I,s:o}", "id", (json_int_t)session,
						     "revision", (json_int_t)revision, "fields", fields));
	} else {
		json_decref(fields);
	}
	return 0;
}

/*
 * The earlier versions of the session the entry decided (session_revisions,
 * kept by each edit before the sign-off) carry their notes inside their
 * fields: each loses its "notes".  0, or -1 with err.
 */
static int erase_revision_notes(struct rl_db *db, int64_t index, struct rl_error *err)
{
	json_t *rows = json_array(), *row;
	size_t i;

	if (rl_rows_session_revisions_of_signoff(db, index, revision_with_notes, rows, err) < 0) {
		json_decref(rows);
		return -1;
	}
	json_array_foreach(rows, i, row) {
		char *text = json_dumps(json_object_get(row, "fields"), JSON_COMPACT | JSON_SORT_KEYS);
		int rc;

		if (!text) {
			json_decref(rows);
			return rl_error_internal(err, "out of memory");
		}
		rc = rl_rows_session_revision_set_fields(db, json_integer_value(json_object_get(row, "id")),
							 json_integer_value(json_object_get(row, "revision")), text, err);
		free(text);
		if (rc < 0) {
			json_decref(rows);
			return -1;
		}
	}
	json_decref(rows);
	return 0;
}

static int may_erase(struct rl_db *db, const struct rl_user *by, int64_t subject, struct rl_error *err)
{
	int sees;

	if (!by || (by->roles & RL_ROLE_ADMIN))
		return 0;
	if (!(by->roles & RL_ROLE_FACULTY))
		return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				    "only an administrator, or faculty of the trainee's programme, erases a text");
	if (subject <= 0)
		return 0; /* an entry about nobody (a curriculum): any faculty member */
	if ((sees = rl_rows_programme_faculty_sees(db, by->id, subject, err)) < 0)
		return -1;
	if (!sees)
		return rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL,
				    "the entry is about a trainee outside your programmes; their faculty or an "
				    "administrator erases its text");
	return 0;
}

struct entry {
	char kind[48];
	int64_t subject;
	int embedded;  /* a version 1 statement that embeds its free text */
};

static int read_entry(void *ctx, const char *kind, int64_t subject, const char *msg, size_t mlen)
{
	struct entry *e = ctx;
	/* A version 1 statement embeds its free text: a reason, or the session's notes. */
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *doc = msg && mlen > plen ? json_loadb(msg + plen, mlen - plen, 0, NULL) : NULL;
	json_t *v = json_object_get(doc, "v");

	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->subject = subject;
	e->embedded = json_is_integer(v) && json_integer_value(v) == 1 &&
		      ((json_object_get(doc, "reason") && !json_is_null(json_object_get(doc, "reason"))) ||
		       (json_object_get(json_object_get(doc, "session"), "notes") &&
			!json_is_null(json_object_get(json_object_get(doc, "session"), "notes"))));
	json_decref(doc);
	return 0;
}

static int append_member(void *ctx, const char *member)
{
	json_array_append_new(ctx, json_string(member));
	return 0;
}

int rl_text_erase(struct rl_db *db, const struct rl_user *by, int64_t index, const char *member,
		  const char *reason, json_t **out, struct rl_error *err)
{
	struct entry e = { "", 0, 0 };
	char now[21];
	int found, live = 0;
	json_t *erased, *v;
	const char *const *p;
	size_t j;

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
	if ((found = rl_rows_erasure_entry(db, index, read_entry, &e, err)) < 0)
		return -1;
	if (!found)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no ledger entry %lld", (long long)index);
	if (may_erase(db, by, e.subject, err) < 0)
		return -1;
	if (rl_rows_erasure_count(db, index, member, &live, &found, err) < 0)
		return -1;
	if (!found && e.embedded)
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
	if (rl_rows_erasure_live_members(db, index, member, append_member, erased, err) < 0 ||
	    rl_rows_erasure_erase(db, index, member, now, by ? by->id : 0, reason, err) < 0) {
		json_decref(erased);
		return -1;
	}
	/* The records' copies of the same text go too. */
	json_array_foreach(erased, j, v) {
		if (rl_rows_erasure_clear_copies(db, e.kind, json_string_value(v), index, err) < 0) {
			json_decref(erased);
			return -1;
		}
	}
	if (strcmp(e.kind, "session_signoff") == 0) {
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
