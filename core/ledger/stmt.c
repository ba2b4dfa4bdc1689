/*
 * stmt.c - reading a signed statement into struct rl_statement; see
 * stmt.h and docs/ledger.md.  Each kind's members are read in one
 * function below, through base/jsonin.h's checked value readers, with
 * the member's path in every field error.
 */
#include "base/prelude.h"

#include "ledger/stmt.h"

#include <stdio.h>
#include <string.h>

#include "base/jsonin.h"
#include "ledger/jcs.h"

/* Ids are positive, ledger indexes from 0; codes, keys and times are short; free text is only typed here. */
#define ID_MIN 1
#define INDEX_MIN 0
#define STR_MAX 1024

/* One read: where the statement is named and where the problems go. */
struct rd {
	const char *path;
	struct rl_error *err;
};

/* The path of member name of the object at opath ("" the statement itself). */
static void field_of(const struct rd *r, const char *opath, const char *name, char out[64])
{
	snprintf(out, 64, "%s%s%s%s%s", r->path, *r->path && (*opath || *name) ? "." : "", opath,
		 *opath && *name ? "." : "", name);
}

/* The member, or NULL when absent or null; a required one that is adds "is required". */
static const json_t *member(const struct rd *r, const json_t *o, const char *opath, const char *name, int required)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, name) : NULL;
	char f[64];

	if (v && !json_is_null(v))
		return v;
	if (required) {
		field_of(r, opath, name, f);
		rl_error_field(r->err, f, "is required");
	}
	return NULL;
}

static void rd_int(const struct rd *r, const json_t *o, const char *opath, const char *name, int required,
		   long long min, int64_t *out)
{
	const json_t *v = member(r, o, opath, name, required);
	long long x;
	char f[64];

	if (!v)
		return;
	field_of(r, opath, name, f);
	if (rl_json_int_value(v, f, min, INT64_MAX, &x, r->err) == 0)
		*out = (int64_t)x;
}

static void rd_str(const struct rd *r, const json_t *o, const char *opath, const char *name, int required,
		   const char **out)
{
	const json_t *v = member(r, o, opath, name, required);
	char f[64];

	if (!v)
		return;
	field_of(r, opath, name, f);
	rl_json_str_value(v, f, STR_MAX, out, r->err);
}

/*
 * Free text (a reason, a session's notes), and text copied into a
 * statement from a record or a file (a session's site and procedure, a
 * certificate's issuer and achievement, a simulator's exercise): any
 * string.  Its rules are those of the input it came from (texts.h,
 * sessions, imports), which the reader must not narrow, or a statement
 * once accepted would no longer read.
 */
static void rd_text(const struct rd *r, const json_t *o, const char *opath, const char *name, const char **out)
{
	const json_t *v = member(r, o, opath, name, 0);
	char f[64];

	if (!v)
		return;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return;
	}
	field_of(r, opath, name, f);
	rl_error_field(r->err, f, "must be a string");
}

static void rd_bool(const struct rd *r, const json_t *o, const char *opath, const char *name, int required, int *out)
{
	const json_t *v = member(r, o, opath, name, required);
	char f[64];

	if (!v)
		return;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return;
	}
	field_of(r, opath, name, f);
	rl_error_field(r->err, f, "must be true or false");
}

static const json_t *rd_object(const struct rd *r, const json_t *o, const char *opath, const char *name, int required)
{
	const json_t *v = member(r, o, opath, name, required);
	char f[64];

	if (!v || json_is_object(v))
		return v;
	field_of(r, opath, name, f);
	rl_error_field(r->err, f, "must be an object");
	return NULL;
}

/* An array whose items are integers from min (is_int) or strings (!is_int); NULL unless all are. */
static const json_t *rd_array(const struct rd *r, const json_t *o, const char *opath, const char *name, int required,
			      int is_int, long long min)
{
	const json_t *v = member(r, o, opath, name, required), *item;
	char f[64], fi[96];
	size_t i;
	int bad = 0;

	if (!v)
		return NULL;
	field_of(r, opath, name, f);
	if (!json_is_array(v)) {
		rl_error_field(r->err, f, is_int ? "must be an array of integers" : "must be an array of strings");
		return NULL;
	}
	json_array_foreach(v, i, item) {
		long long x;
		const char *s;

		snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
		if (is_int ? rl_json_int_value(item, fi, min, INT64_MAX, &x, r->err) < 0
			   : rl_json_str_value(item, fi, STR_MAX, &s, r->err) < 0)
			bad = 1;
	}
	return bad ? NULL : v;
}

static void rd_curriculum(const struct rd *r, const json_t *st, int with_sha, struct rl_stmt_curriculum *c)
{
	const json_t *o = rd_object(r, st, "", "curriculum", 1);

	if (!o)
		return;
	c->object = o;
	rd_str(r, o, "curriculum", "code", 1, &c->code);
	rd_int(r, o, "curriculum", "version", 1, ID_MIN, &c->version);
	if (with_sha)
		rd_str(r, o, "curriculum", "sha256", with_sha > 1, &c->sha256);
}

static void rd_decision(const struct rd *r, const json_t *st, struct rl_statement *out)
{
	const char *d = NULL;
	char f[64];

	rd_str(r, st, "", "decision", 1, &d);
	if (!d)
		return;
	if (strcmp(d, "confirmed") == 0)
		out->decision = RL_DECISION_CONFIRMED;
	else if (strcmp(d, "rejected") == 0)
		out->decision = RL_DECISION_REJECTED;
	else {
		field_of(r, "", "decision", f);
		rl_error_field(r->err, f, "must be confirmed or rejected");
	}
}

/* A reason (or, at version 2, its commitment): required where the kind always has one. */
static void rd_reason(const struct rd *r, const json_t *st, int required, struct rl_statement *out)
{
	char f[64];

	rd_text(r, st, "", "reason", &out->reason);
	rd_str(r, st, "", "reason_commit", 0, &out->reason_commit);
	if (required && !out->reason && !out->reason_commit && !member(r, st, "", "reason", 0) &&
	    !member(r, st, "", "reason_commit", 0)) {
		field_of(r, "", out->v == 2 ? "reason_commit" : "reason", f);
		rl_error_field(r->err, f, "is required");
	}
}

static void rd_session(const struct rd *r, const json_t *st, struct rl_statement *out)
{
	struct rl_stmt_session *s = &out->u.session.session;
	const json_t *o = rd_object(r, st, "", "session", 1);
	const char *const strs[] = { "date", "activity", "platform", "role", "created_at" };
	const char **dst[] = { &s->date, &s->activity, &s->platform, &s->role, &s->created_at };

	rd_decision(r, st, out);
	rd_str(r, st, "", "role", 0, &out->u.session.role);
	out->u.session.steps = rd_array(r, st, "", "steps", 0, 0, 0);
	rd_reason(r, st, out->decision == RL_DECISION_REJECTED, out);
	if (!o)
		return;
	rd_int(r, o, "session", "id", 1, ID_MIN, &s->id);
	rd_int(r, o, "session", "trainee", 1, ID_MIN, &s->trainee);
	rd_int(r, o, "session", "trainer", 0, ID_MIN, &s->trainer);
	rd_int(r, o, "session", "minutes", 0, 0, &s->minutes);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		rd_str(r, o, "session", strs[i], 0, dst[i]);
	rd_text(r, o, "session", "site", &s->site);
	rd_text(r, o, "session", "procedure", &s->procedure);
	rd_text(r, o, "session", "notes", &s->notes);
	rd_str(r, o, "session", "notes_commit", 0, &s->notes_commit);
	s->steps = rd_array(r, o, "session", "steps", 0, 0, 0);
	out->subject = s->trainee;
}

static void rd_import(const struct rd *r, const json_t *st, struct rl_statement *out)
{
	struct rl_stmt_import *m = &out->u.import.import;
	const json_t *o = rd_object(r, st, "", "import", 1), *res, *item;
	int sim = out->kind == RL_K_SIM_IMPORT;
	char f[64], fi[96];
	size_t i;

	rd_decision(r, st, out);
	rd_reason(r, st, out->decision == RL_DECISION_REJECTED, out);
	m->verified = -1;
	out->u.import.unverified_ok = -1;
	if (!sim)
		rd_bool(r, st, "", "unverified_ok", 0, &out->u.import.unverified_ok);
	if (!o)
		return;
	m->object = o;
	rd_int(r, o, "import", "id", 1, ID_MIN, &m->id);
	rd_int(r, o, "import", "trainee", 1, ID_MIN, &m->trainee);
	rd_str(r, o, "import", "kind", 0, &m->kind);
	rd_str(r, o, "import", "sha256", 0, &m->sha256);
	rd_str(r, o, "import", "attempts_sha256", 0, &m->attempts_sha256);
	out->subject = m->trainee;
	if (!sim) {
		rd_str(r, o, "import", "certificate_kind", 0, &m->certificate_kind);
		rd_text(r, o, "import", "issuer", &m->issuer);
		rd_text(r, o, "import", "achievement", &m->achievement);
		if (!m->issuer)
			member(r, o, "import", "issuer", 1);
		if (!m->achievement)
			member(r, o, "import", "achievement", 1);
		rd_str(r, o, "import", "completed_on", 0, &m->completed_on);
		rd_bool(r, o, "import", "verified", 1, &m->verified);
		return;
	}
	rd_int(r, o, "import", "trainer", 0, ID_MIN, &m->trainer);
	rd_int(r, o, "import", "attempts", 0, 0, &m->attempts);
	/* Each result as figures count it: {"platform","exercise","attempt_at","score_bp","passed"}. */
	if (!(res = member(r, o, "import", "results", 0)))
		return;
	field_of(r, "import", "results", f);
	if (!json_is_array(res)) {
		rl_error_field(r->err, f, "must be an array of objects");
		return;
	}
	json_array_foreach(res, i, item) {
		const char *s;
		int64_t x;
		int before = r->err->nfields;

		snprintf(fi, sizeof(fi), "import.results[%zu]", i);
		if (!json_is_object(item)) {
			field_of(r, fi, "", f);
			rl_error_field(r->err, f, "must be an object");
			continue;
		}
		rd_str(r, item, fi, "platform", 1, &s);
		if (member(r, item, fi, "exercise", 1))
			rd_text(r, item, fi, "exercise", &s);
		rd_str(r, item, fi, "attempt_at", 1, &s);
		rd_int(r, item, fi, "score_bp", 1, 0, &x);
		rd_int(r, item, fi, "passed", 1, 0, &x);
		if (r->err->nfields != before)
			return;
	}
	m->results = res;
}

/* The members of each kind, as docs/ledger.md lists them. */
static void rd_kind(const struct rd *r, const json_t *st, struct rl_statement *out)
{
	switch (out->kind) {
	case RL_K_FACULTY_KEY:
		rd_int(r, st, "", "faculty", 1, ID_MIN, &out->u.faculty_key.faculty);
		rd_str(r, st, "", "public_key", 1, &out->u.faculty_key.public_key);
		rd_str(r, st, "", "registered_at", 1, &out->u.faculty_key.registered_at);
		out->subject = out->u.faculty_key.faculty;
		break;
	case RL_K_KEY_REVOCATION:
		rd_int(r, st, "", "user", 1, ID_MIN, &out->u.key_revocation.user);
		rd_str(r, st, "", "public_key", 1, &out->u.key_revocation.public_key);
		rd_str(r, st, "", "revoked_at", 1, &out->u.key_revocation.revoked_at);
		out->subject = out->u.key_revocation.user;
		break;
	case RL_K_DEVICE_KEY:
		rd_int(r, st, "", "user", 1, ID_MIN, &out->u.device_key.user);
		rd_str(r, st, "", "public_key", 1, &out->u.device_key.public_key);
		out->subject = out->u.device_key.user;
		break;
	case RL_K_CURRICULUM:
		rd_curriculum(r, st, 0, &out->u.curriculum.curriculum);
		out->u.curriculum.definition = rd_object(r, st, "", "definition", 1);
		rd_str(r, st, "", "sha256", 1, &out->u.curriculum.sha256);
		rd_str(r, st, "", "loaded_at", 1, &out->u.curriculum.loaded_at);
		break;
	case RL_K_ENROLMENT:
		rd_int(r, st, "", "trainee", 1, ID_MIN, &out->u.enrolment.trainee);
		rd_curriculum(r, st, 2, &out->u.enrolment.curriculum);
		rd_str(r, st, "", "enrolled_at", 1, &out->u.enrolment.enrolled_at);
		out->subject = out->u.enrolment.trainee;
		break;
	case RL_K_TRAINER_ACC:
		rd_int(r, st, "", "trainer", 1, ID_MIN, &out->u.trainer_acc.trainer);
		rd_str(r, st, "", "trainer_key", 1, &out->u.trainer_acc.trainer_key);
		rd_str(r, st, "", "valid_from", 1, &out->u.trainer_acc.valid_from);
		rd_str(r, st, "", "valid_until", 1, &out->u.trainer_acc.valid_until);
		rd_int(r, st, "", "supersedes", 0, INDEX_MIN, &out->supersedes);
		out->subject = out->u.trainer_acc.trainer;
		break;
	case RL_K_ACC: {
		const char *d = NULL;
		char f[64];

		rd_int(r, st, "", "trainee", 1, ID_MIN, &out->u.acc.trainee);
		rd_curriculum(r, st, 1, &out->u.acc.curriculum);
		rd_str(r, st, "", "decision", 1, &d);
		if (d && strcmp(d, "accredited") != 0) {
			field_of(r, "", "decision", f);
			rl_error_field(r->err, f, "must be accredited");
		}
		rd_str(r, st, "", "valid_until", 0, &out->u.acc.valid_until);
		out->u.acc.evidence = rd_array(r, st, "", "evidence", 0, 1, INDEX_MIN);
		out->subject = out->u.acc.trainee;
		break;
	}
	case RL_K_REVOCATION:
		rd_int(r, st, "", "subject", 1, ID_MIN, &out->u.revocation.subject);
		rd_int(r, st, "", "accreditation_index", 1, INDEX_MIN, &out->u.revocation.accreditation_index);
		rd_reason(r, st, 1, out);
		out->subject = out->u.revocation.subject;
		break;
	case RL_K_SESSION:
		rd_session(r, st, out);
		break;
	case RL_K_ASSESSMENT:
		rd_int(r, st, "", "trainee", 1, ID_MIN, &out->u.assessment.trainee);
		rd_int(r, st, "", "session", 1, ID_MIN, &out->u.assessment.session);
		rd_str(r, st, "", "tool", 1, &out->u.assessment.tool);
		out->u.assessment.scores = rd_array(r, st, "", "scores", 1, 1, INT64_MIN);
		rd_int(r, st, "", "supersedes", 0, INDEX_MIN, &out->supersedes);
		out->subject = out->u.assessment.trainee;
		break;
	case RL_K_MODULE:
		rd_int(r, st, "", "trainee", 1, ID_MIN, &out->u.module.trainee);
		rd_curriculum(r, st, 0, &out->u.module.curriculum);
		rd_str(r, st, "", "module", 1, &out->u.module.module);
		rd_int(r, st, "", "supersedes", 0, INDEX_MIN, &out->supersedes);
		out->subject = out->u.module.trainee;
		break;
	case RL_K_WITHDRAWAL:
		rd_int(r, st, "", "trainee", 1, ID_MIN, &out->u.withdrawal.trainee);
		rd_int(r, st, "", "signoff_index", 1, INDEX_MIN, &out->u.withdrawal.signoff_index);
		rd_reason(r, st, 1, out);
		out->subject = out->u.withdrawal.trainee;
		break;
	case RL_K_SIM_IMPORT:
	case RL_K_ELEARNING:
		rd_import(r, st, out);
		break;
	case RL_K_COUNT:
		break;
	}
}

int rl_statement_kind(const json_t *st)
{
	const struct rl_kind *k = rl_kind_find(json_string_value(json_object_get(st, "type")));

	return k ? k->id : -1;
}

/* Reads into out, the problems into err (a fresh one). */
static void read_statement(const struct rd *rp, const json_t *st, struct rl_statement *out)
{
	const struct rd r = *rp;
	struct rl_error *err = r.err;
	const struct rl_kind *k = NULL;
	const char *issuer = NULL;
	int64_t v = 0;
	char f[64];

	memset(out, 0, sizeof(*out));
	out->json = st;
	out->kind = RL_K_COUNT;
	out->supersedes = -1;
	if (!json_is_object(st)) {
		field_of(&r, "", "", f);
		rl_error_field(err, *f ? f : "statement", "must be the statement, a JSON object");
		return;
	}
	if (member(&r, st, "", "v", 0)) {
		field_of(&r, "", "v", f);
		if (!json_is_integer(json_object_get(st, "v")) || (v = json_integer_value(json_object_get(st, "v"))) < 1 || v > 2)
			rl_error_field(err, f, "must be 1, or 2 for a statement that commits to free text");
		else
			out->v = (int)v;
	} else {
		member(&r, st, "", "v", 1);
	}
	rd_str(&r, st, "", "type", 1, &out->type);
	if (out->type && !(k = rl_kind_find(out->type))) {
		field_of(&r, "", "type", f);
		rl_error_field(err, f, "'%.40s' is not a statement type; see docs/ledger.md", out->type);
	} else if (k) {
		out->kind = (enum rl_kind_id)k->id;
	}
	/* Made by the log ("issuer":"log") or by a person (signer, key, signed_at). */
	if (member(&r, st, "", "issuer", 0)) {
		rd_str(&r, st, "", "issuer", 1, &issuer);
		if (issuer && strcmp(issuer, "log") != 0) {
			field_of(&r, "", "issuer", f);
			rl_error_field(err, f, "can only be \"log\"");
		}
		out->by_log = 1;
	} else {
		rd_int(&r, st, "", "signer", 1, ID_MIN, &out->signer);
		rd_str(&r, st, "", "key", 1, &out->key);
		rd_str(&r, st, "", "signed_at", 1, &out->signed_at);
	}
	rd_kind(&r, st, out);
}

int rl_statement_read(const json_t *st, const char *path, struct rl_statement *out, struct rl_error *err)
{
	struct rl_error mine = RL_ERROR_INIT;
	struct rd r = { path ? path : "", &mine };
	int n;

	read_statement(&r, st, out);
	n = mine.nfields;
	for (int i = 0; i < n; i++)
		rl_error_field(err, mine.fields[i].field, "%s", mine.fields[i].message);
	rl_error_clear(&mine);
	return n ? -1 : 0;
}

/* ---------------------------------------------------------------- from the canonical text's flat tree */

/*
 * rl_statement_read_flat: the members rd_session reads, under the same
 * rules, from a flat tree (ledger/jcs.h).  Each helper gives 0 when the
 * member is absent or rl_statement_read would take it, -1 when it would
 * not, or when it is null (which the readers above take as absent but
 * rl_texts_check does not): the caller then reads the JSON way.
 */
static const char *flat_s(const struct rl_jcs_flat *f, int n)
{
	return f->text.data + f->node[n].str;
}

/* rd_str's string: at most STR_MAX bytes, no control character. */
static int flat_str(const struct rl_jcs_flat *f, int obj, const char *name, int required, const char **out)
{
	int n = rl_jcs_flat_get(f, obj, name);

	if (n < 0)
		return required ? -1 : 0;
	if (f->node[n].type != RL_JCS_STRING || f->node[n].len > STR_MAX ||
	    rl_text_has_control(flat_s(f, n), f->node[n].len))
		return -1;
	*out = flat_s(f, n);
	return 0;
}

/* rd_text's string: any. */
static int flat_text(const struct rl_jcs_flat *f, int obj, const char *name, const char **out)
{
	int n = rl_jcs_flat_get(f, obj, name);

	if (n < 0)
		return 0;
	if (f->node[n].type != RL_JCS_STRING)
		return -1;
	*out = flat_s(f, n);
	return 0;
}

static int flat_int(const struct rl_jcs_flat *f, int obj, const char *name, int required, int64_t min, int64_t *out)
{
	int n = rl_jcs_flat_get(f, obj, name);

	if (n < 0)
		return required ? -1 : 0;
	if (f->node[n].type != RL_JCS_INTEGER || f->node[n].num < min)
		return -1;
	*out = f->node[n].num;
	return 0;
}

/* rd_array's array of strings (each as rd_str takes it); the record keeps no pointer to it (it is JSON there). */
static int flat_strings(const struct rl_jcs_flat *f, int obj, const char *name)
{
	int n = rl_jcs_flat_get(f, obj, name);
	uint32_t c;

	if (n < 0)
		return 0;
	if (f->node[n].type != RL_JCS_ARRAY)
		return -1;
	c = f->node[n].first;
	for (uint32_t k = 0; k < f->node[n].count; k++, c = f->node[c].next)
		if (f->node[c].type != RL_JCS_STRING || f->node[c].len > STR_MAX ||
		    rl_text_has_control(flat_s(f, (int)c), f->node[c].len))
			return -1;
	return 0;
}

int rl_statement_read_flat(const struct rl_jcs_flat *f, struct rl_statement *out)
{
	struct rl_stmt_session *s = &out->u.session.session;
	const char *d = NULL;
	int64_t v = 0;
	int so;

	memset(out, 0, sizeof(*out));
	out->kind = RL_K_COUNT;
	out->supersedes = -1;
	if (!f->n || f->node[0].type != RL_JCS_OBJECT)
		return 0;
	if (flat_int(f, 0, "v", 1, 1, &v) < 0 || v > 2 || flat_str(f, 0, "type", 1, &out->type) < 0 ||
	    strcmp(out->type, "session_signoff") != 0 || rl_jcs_flat_get(f, 0, "issuer") >= 0)
		return 0;
	out->v = (int)v;
	out->kind = RL_K_SESSION;
	if (flat_int(f, 0, "signer", 1, ID_MIN, &out->signer) < 0 || flat_str(f, 0, "key", 1, &out->key) < 0 ||
	    flat_str(f, 0, "signed_at", 1, &out->signed_at) < 0)
		return 0;
	/* rd_session */
	if ((so = rl_jcs_flat_get(f, 0, "session")) < 0 || f->node[so].type != RL_JCS_OBJECT ||
	    flat_str(f, 0, "decision", 1, &d) < 0)
		return 0;
	if (strcmp(d, "confirmed") == 0)
		out->decision = RL_DECISION_CONFIRMED;
	else if (strcmp(d, "rejected") == 0)
		out->decision = RL_DECISION_REJECTED;
	else
		return 0;
	/* steps: checked, but not kept (the record holds them as JSON) */
	if (flat_str(f, 0, "role", 0, &out->u.session.role) < 0 || flat_strings(f, 0, "steps") < 0 ||
	    flat_text(f, 0, "reason", &out->reason) < 0 || flat_str(f, 0, "reason_commit", 0, &out->reason_commit) < 0 ||
	    (out->decision == RL_DECISION_REJECTED && !out->reason && !out->reason_commit))
		return 0;
	if (flat_int(f, so, "id", 1, ID_MIN, &s->id) < 0 || flat_int(f, so, "trainee", 1, ID_MIN, &s->trainee) < 0 ||
	    flat_int(f, so, "trainer", 0, ID_MIN, &s->trainer) < 0 || flat_int(f, so, "minutes", 0, 0, &s->minutes) < 0 ||
	    flat_str(f, so, "date", 0, &s->date) < 0 || flat_str(f, so, "activity", 0, &s->activity) < 0 ||
	    flat_str(f, so, "platform", 0, &s->platform) < 0 || flat_str(f, so, "role", 0, &s->role) < 0 ||
	    flat_str(f, so, "created_at", 0, &s->created_at) < 0 || flat_text(f, so, "site", &s->site) < 0 ||
	    flat_text(f, so, "procedure", &s->procedure) < 0 || flat_text(f, so, "notes", &s->notes) < 0 ||
	    flat_str(f, so, "notes_commit", 0, &s->notes_commit) < 0 || flat_strings(f, so, "steps") < 0)
		return 0;
	out->subject = s->trainee;
	return 1;
}
