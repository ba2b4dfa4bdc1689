/*
 * statements.c - building, comparing, signing and verifying statements;
 * see statements.h and docs/ledger.md.
 */
#include "base/prelude.h"

#include "domain/statements.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/jcs.h"
#include "ledger/ledger.h"
#include "ledger/kinds.h"
#include "base/jsonin.h"
#include "base/util.h"

/* ------------------------------------------------------------ the renderer */

/* Members of the statement being rendered; a NULL value leaves the member out (as json_object_set_new did). */
static void put(json_t *o, const char *k, json_t *v)
{
	if (v)
		json_object_set_new(o, k, v);
}

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

static const char *decision_text(enum rl_decision d)
{
	return d == RL_DECISION_CONFIRMED ? "confirmed" : d == RL_DECISION_REJECTED ? "rejected" : "";
}

/* "curriculum": {"code","version"} and "sha256" when the record has one. */
static json_t *curriculum_json(const struct rl_stmt_curriculum *c, int empty_code)
{
	json_t *o = json_object();

	put(o, "code", empty_code ? str_or_empty(c->code) : c->code ? json_string(c->code) : NULL);
	put(o, "version", json_integer(c->version));
	if (c->sha256)
		put(o, "sha256", json_string(c->sha256));
	return o;
}

/*
 * A session's text members, in the order a statement renders them
 * (session_json) and rl_stmt_session_from_api reads them from a record;
 * notes_commit is rendered only (a record's notes_commit is not taken).
 */
static const struct session_text {
	const char *name;
	size_t off;             /* of the const char * in struct rl_stmt_session */
	int rendered_only;
} session_texts[] = {
	{ "date", offsetof(struct rl_stmt_session, date), 0 },
	{ "activity", offsetof(struct rl_stmt_session, activity), 0 },
	{ "platform", offsetof(struct rl_stmt_session, platform), 0 },
	{ "site", offsetof(struct rl_stmt_session, site), 0 },
	{ "procedure", offsetof(struct rl_stmt_session, procedure), 0 },
	{ "role", offsetof(struct rl_stmt_session, role), 0 },
	{ "notes", offsetof(struct rl_stmt_session, notes), 0 },
	{ "notes_commit", offsetof(struct rl_stmt_session, notes_commit), 1 },
	{ "created_at", offsetof(struct rl_stmt_session, created_at), 0 },
};
#define SESSION_TEXTS (sizeof(session_texts) / sizeof(session_texts[0]))

/* The certified fields of a session (rl_stmt_session_from_api): ids and minutes always, the rest when present. */
static json_t *session_json(const struct rl_stmt_session *s)
{
	json_t *o = json_object();

	put(o, "id", json_integer(s->id));
	put(o, "trainee", json_integer(s->trainee));
	put(o, "trainer", json_integer(s->trainer));
	put(o, "minutes", json_integer(s->minutes));
	for (size_t i = 0; i < SESSION_TEXTS; i++) {
		const char *v = *(const char *const *)(const void *)((const char *)s + session_texts[i].off);
		if (v)
			put(o, session_texts[i].name, json_string(v));
	}
	if (s->steps)
		put(o, "steps", json_deep_copy(s->steps));
	return o;
}

/* The import a simulator_import (certificate 0) or elearning_confirmation (1) commits to. */
static json_t *import_json(const struct rl_stmt_import *imp, int certificate)
{
	json_t *o = json_object();

	put(o, "id", json_integer(imp->id));
	put(o, "trainee", json_integer(imp->trainee));
	if (!certificate) {
		put(o, "trainer", json_integer(imp->trainer));
		put(o, "attempts", json_integer(imp->attempts));
	}
	put(o, "kind", str_or_empty(imp->kind));
	put(o, "sha256", str_or_empty(imp->sha256));
	put(o, "attempts_sha256", str_or_empty(imp->attempts_sha256));
	if (certificate) {
		put(o, "certificate_kind", str_or_empty(imp->certificate_kind));
		put(o, "issuer", str_or_empty(imp->issuer));
		put(o, "achievement", str_or_empty(imp->achievement));
		put(o, "completed_on", str_or_empty(imp->completed_on));
		put(o, "verified", json_boolean(imp->verified == 1));
	} else if (imp->results) {
		put(o, "results", json_deep_copy(imp->results));
	}
	return o;
}

/* A free-text member: the text ("v" 1, when not empty) or its commitment ("v" 2). */
static void put_reason(json_t *o, const struct rl_statement *st, int always)
{
	if (st->reason_commit)
		put(o, "reason_commit", json_string(st->reason_commit));
	else if (always || (st->reason && *st->reason))
		put(o, "reason", str_or_empty(st->reason));
}

json_t *rl_statement_to_json(const struct rl_statement *st)
{
	json_t *o;

	if (st->kind >= RL_K_COUNT || !(o = json_object()))
		return NULL;
	put(o, "v", json_integer(st->v ? st->v : 1));
	put(o, "type", json_string(rl_kinds[st->kind].name));
	if (st->by_log) {
		put(o, "issuer", json_string("log"));
	} else if (st->signer || st->key || st->signed_at) { /* none of them: a statement built with no signer yet */
		put(o, "signer", json_integer(st->signer));
		put(o, "key", str_or_empty(st->key));
		put(o, "signed_at", str_or_empty(st->signed_at));
	}
	if (st->supersedes >= 0 && (st->kind == RL_K_TRAINER_ACC || st->kind == RL_K_ASSESSMENT || st->kind == RL_K_MODULE))
		put(o, "supersedes", json_integer(st->supersedes));
	switch (st->kind) {
	case RL_K_FACULTY_KEY:
		put(o, "faculty", json_integer(st->u.faculty_key.faculty));
		put(o, "public_key", st->u.faculty_key.public_key ? json_string(st->u.faculty_key.public_key) : NULL);
		put(o, "registered_at", st->u.faculty_key.registered_at ? json_string(st->u.faculty_key.registered_at) : NULL);
		break;
	case RL_K_KEY_REVOCATION:
		put(o, "user", json_integer(st->u.key_revocation.user));
		put(o, "public_key", st->u.key_revocation.public_key ? json_string(st->u.key_revocation.public_key) : NULL);
		put(o, "revoked_at", st->u.key_revocation.revoked_at ? json_string(st->u.key_revocation.revoked_at) : NULL);
		break;
	case RL_K_DEVICE_KEY:
		put(o, "user", json_integer(st->u.device_key.user));
		put(o, "public_key", str_or_empty(st->u.device_key.public_key));
		break;
	case RL_K_CURRICULUM:
		put(o, "curriculum", curriculum_json(&st->u.curriculum.curriculum, 0));
		put(o, "definition", st->u.curriculum.definition ? json_deep_copy(st->u.curriculum.definition) : NULL);
		put(o, "sha256", st->u.curriculum.sha256 ? json_string(st->u.curriculum.sha256) : NULL);
		put(o, "loaded_at", st->u.curriculum.loaded_at ? json_string(st->u.curriculum.loaded_at) : NULL);
		break;
	case RL_K_ENROLMENT:
		put(o, "trainee", json_integer(st->u.enrolment.trainee));
		put(o, "curriculum", curriculum_json(&st->u.enrolment.curriculum, 0));
		put(o, "enrolled_at", st->u.enrolment.enrolled_at ? json_string(st->u.enrolment.enrolled_at) : NULL);
		break;
	case RL_K_TRAINER_ACC:
		put(o, "trainer", json_integer(st->u.trainer_acc.trainer));
		put(o, "trainer_key", str_or_empty(st->u.trainer_acc.trainer_key));
		put(o, "valid_from", str_or_empty(st->u.trainer_acc.valid_from));
		put(o, "valid_until", str_or_empty(st->u.trainer_acc.valid_until));
		break;
	case RL_K_ACC:
		put(o, "trainee", json_integer(st->u.acc.trainee));
		put(o, "curriculum", curriculum_json(&st->u.acc.curriculum, 1));
		put(o, "decision", json_string("accredited"));
		if (st->u.acc.valid_until && *st->u.acc.valid_until)
			put(o, "valid_until", json_string(st->u.acc.valid_until));
		if (st->u.acc.evidence)
			put(o, "evidence", json_deep_copy(st->u.acc.evidence));
		break;
	case RL_K_REVOCATION:
		put(o, "subject", json_integer(st->u.revocation.subject));
		put(o, "accreditation_index", json_integer(st->u.revocation.accreditation_index));
		put_reason(o, st, 1);
		break;
	case RL_K_SESSION:
		put(o, "decision", json_string(decision_text(st->decision)));
		put(o, "session", session_json(&st->u.session.session));
		if (st->u.session.role && *st->u.session.role)
			put(o, "role", json_string(st->u.session.role));
		if (json_array_size(st->u.session.steps))
			put(o, "steps", json_deep_copy(st->u.session.steps));
		put_reason(o, st, 0);
		break;
	case RL_K_ASSESSMENT:
		put(o, "trainee", json_integer(st->u.assessment.trainee));
		put(o, "session", json_integer(st->u.assessment.session));
		put(o, "tool", str_or_empty(st->u.assessment.tool));
		put(o, "scores", st->u.assessment.scores ? json_deep_copy(st->u.assessment.scores) : json_array());
		break;
	case RL_K_MODULE:
		put(o, "trainee", json_integer(st->u.module.trainee));
		put(o, "curriculum", curriculum_json(&st->u.module.curriculum, 1));
		put(o, "module", str_or_empty(st->u.module.module));
		break;
	case RL_K_WITHDRAWAL:
		put(o, "trainee", json_integer(st->u.withdrawal.trainee));
		put(o, "signoff_index", json_integer(st->u.withdrawal.signoff_index));
		put_reason(o, st, 1);
		break;
	case RL_K_SIM_IMPORT:
	case RL_K_ELEARNING:
		put(o, "decision", json_string(decision_text(st->decision)));
		put(o, "import", import_json(&st->u.import.import, st->kind == RL_K_ELEARNING));
		if (st->kind == RL_K_ELEARNING && st->u.import.unverified_ok == 1)
			put(o, "unverified_ok", json_true());
		put_reason(o, st, 0);
		break;
	default:
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------- records read as the builders take them */

/* A member of a record's API JSON: NULL when absent or null. */
static const json_t *api_member(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	return v && !json_is_null(v) ? v : NULL;
}

static void api_field(char *f, size_t size, const char *path, const char *name)
{
	snprintf(f, size, "%s%s%s", path && *path ? path : "", path && *path ? "." : "", name);
}

/* An integer member (id: at least 1); required, or left as it was. */
static void api_int(const json_t *o, const char *path, const char *name, int required, long long min, int64_t *out,
		    struct rl_error *err)
{
	const json_t *v = api_member(o, name);
	long long x;
	char f[96];

	api_field(f, sizeof(f), path, name);
	if (!v) {
		if (required)
			rl_error_field(err, f, "is required");
		return;
	}
	if (rl_json_int_value(v, f, min, INT64_MAX, &x, err) == 0)
		*out = (int64_t)x;
}

/* A string member copied from a record: any string (the record's rules are its own); NULL when absent. */
static void api_str(const json_t *o, const char *path, const char *name, int required, const char **out,
		    struct rl_error *err)
{
	const json_t *v = api_member(o, name);
	char f[96];

	api_field(f, sizeof(f), path, name);
	if (!v) {
		if (required)
			rl_error_field(err, f, "is required");
		return;
	}
	if (json_is_string(v))
		*out = json_string_value(v);
	else
		rl_error_field(err, f, "must be a string");
}

int rl_stmt_session_from_api(const json_t *session, struct rl_stmt_session *out, struct rl_error *err)
{
	const json_t *steps;
	int before = err->nfields;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(session))
		return rl_error_field(err, "session", "must be an object");
	api_int(session, "session", "id", 1, 1, &out->id, err);
	api_int(session, "session", "trainee", 1, 1, &out->trainee, err);
	api_int(session, "session", "trainer", 1, 1, &out->trainer, err);
	api_int(session, "session", "minutes", 1, 0, &out->minutes, err);
	for (size_t i = 0; i < SESSION_TEXTS; i++)
		if (!session_texts[i].rendered_only)
			api_str(session, "session", session_texts[i].name, 0,
				(const char **)(void *)((char *)out + session_texts[i].off), err);
	if ((steps = api_member(session, "steps"))) {
		size_t i;
		const json_t *v;
		int bad = !json_is_array(steps);

		json_array_foreach(steps, i, v)
			bad |= !json_is_string(v);
		if (bad)
			rl_error_field(err, "session.steps", "must be an array of strings");
		else
			out->steps = steps;
	}
	return err->nfields > before ? -1 : 0;
}

/*
 * The import's members a statement commits to: "id", "trainee" and (a
 * simulator's) "trainer" and "attempts" integers; "kind", "sha256",
 * "attempts_sha256" and a certificate's members strings, "" when absent.
 */
static int import_from_api(const json_t *import, int certificate, struct rl_stmt_import *out, struct rl_error *err)
{
	static const struct { const char *name; size_t off; } strs[] = {
		{ "kind", offsetof(struct rl_stmt_import, kind) },
		{ "sha256", offsetof(struct rl_stmt_import, sha256) },
		{ "attempts_sha256", offsetof(struct rl_stmt_import, attempts_sha256) },
	}, certs[] = {
		{ "kind", offsetof(struct rl_stmt_import, certificate_kind) },
		{ "issuer", offsetof(struct rl_stmt_import, issuer) },
		{ "achievement", offsetof(struct rl_stmt_import, achievement) },
		{ "completed_on", offsetof(struct rl_stmt_import, completed_on) },
	};
	const json_t *cert, *verified;
	int before = err->nfields;

	memset(out, 0, sizeof(*out));
	out->verified = 0;
	if (!json_is_object(import))
		return rl_error_field(err, "import", "must be an object");
	api_int(import, "import", "id", 1, 1, &out->id, err);
	api_int(import, "import", "trainee", 1, 1, &out->trainee, err);
	if (!certificate) {
		api_int(import, "import", "trainer", 0, 1, &out->trainer, err);
		api_int(import, "import", "attempts", 0, 0, &out->attempts, err);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		api_str(import, "import", strs[i].name, 0, (const char **)(void *)((char *)out + strs[i].off), err);
	if (certificate && (cert = api_member(import, "certificate"))) {
		if (!json_is_object(cert))
			return rl_error_field(err, "import.certificate", "must be an object");
		for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
			api_str(cert, "import.certificate", certs[i].name, 0,
				(const char **)(void *)((char *)out + certs[i].off), err);
		if ((verified = api_member(cert, "verified")) && !json_is_boolean(verified))
			rl_error_field(err, "import.certificate.verified", "must be true or false");
		out->verified = json_is_true(verified);
	}
	return err->nfields > before ? -1 : 0;
}

int rl_stmt_import_from_api(const json_t *import, int certificate, struct rl_stmt_import *out, struct rl_error *err)
{
	return import_from_api(import, certificate, out, err);
}

/*
 * What the figures count, from the statement alone: each attempt of the
 * import's "items" as integers and strings ({platform, exercise,
 * attempt_at, score_bp, passed}); NULL when the import has no items.
 */
static json_t *simulator_results(const json_t *import, struct rl_error *err)
{
	const json_t *items = api_member(import, "items"), *a;
	json_t *results;
	size_t i;

	if (!items)
		return NULL;
	if (!json_is_array(items)) {
		rl_error_field(err, "import.items", "must be an array");
		return NULL;
	}
	results = json_array();
	json_array_foreach(items, i, a) {
		char path[48];
		const char *pl = NULL, *ex = NULL, *at = NULL;
		const json_t *pct = api_member(a, "score_pct");

		snprintf(path, sizeof(path), "import.items[%zu]", i);
		api_str(a, path, "platform", 0, &pl, err);
		api_str(a, path, "exercise", 0, &ex, err);
		api_str(a, path, "attempt_at", 0, &at, err);
		if (pct && !json_is_number(pct)) {
			char f[64];
			snprintf(f, sizeof(f), "%s.score_pct", path);
			rl_error_field(err, f, "must be a number");
		}
		json_array_append_new(results, json_pack("{s:s,s:s,s:s,s:I,s:i}", "platform", pl ? pl : "", "exercise",
							 ex ? ex : "", "attempt_at", at ? at : "", "score_bp",
							 (json_int_t)llround(json_number_value(pct) * 100.0), "passed",
							 json_is_true(api_member(a, "passed")) ? 1 : 0));
	}
	if (err->nfields) {
		json_decref(results);
		return NULL;
	}
	return results;
}

/* ---------------------------------------------------------------- builders */

/* A person's statement of kind (or the log's, by NULL): the members every one carries. */
static void start(struct rl_statement *st, enum rl_kind_id kind, const struct rl_signer *by)
{
	memset(st, 0, sizeof(*st));
	st->v = 1;
	st->kind = kind;
	st->type = rl_kinds[kind].name;
	st->supersedes = -1;
	st->by_log = !by && rl_kinds[kind].signer == RL_SIGNER_LOG;
	if (by) {
		st->signer = by->user;
		st->key = by->key;
		st->signed_at = by->signed_at;
	}
}

static enum rl_decision decision_of(const char *d)
{
	return d && strcmp(d, "confirmed") == 0 ? RL_DECISION_CONFIRMED
	       : d && strcmp(d, "rejected") == 0 ? RL_DECISION_REJECTED : RL_DECISION_NONE;
}

json_t *rl_stmt_session_signoff_of(const struct rl_stmt_session *session, const char *decision, const char *role,
				   const json_t *steps, const char *reason, const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_SESSION, by);
	st.decision = decision_of(decision);
	st.u.session.session = *session;
	st.u.session.role = role;
	st.u.session.steps = steps;
	st.reason = reason;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_session_signoff(const json_t *session, const char *decision, const char *role,
				const json_t *steps, const char *reason, const struct rl_signer *by)
{
	struct rl_stmt_session s;
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = NULL;

	if (rl_stmt_session_from_api(session, &s, &err) == 0)
		o = rl_stmt_session_signoff_of(&s, decision, role, steps, reason, by);
	rl_error_clear(&err);
	return o;
}

json_t *rl_stmt_assessment_superseding(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
				       int64_t supersedes, const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_ASSESSMENT, by);
	st.u.assessment.trainee = trainee;
	st.u.assessment.session = session;
	st.u.assessment.tool = tool;
	st.u.assessment.scores = scores;
	st.supersedes = supersedes;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_assessment(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
			   const struct rl_signer *by)
{
	return rl_stmt_assessment_superseding(trainee, session, tool, scores, -1, by);
}

json_t *rl_stmt_signoff_withdrawal(int64_t trainee, int64_t signoff_index, const char *reason,
				   const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_WITHDRAWAL, by);
	st.u.withdrawal.trainee = trainee;
	st.u.withdrawal.signoff_index = signoff_index;
	st.reason = reason;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_module_completion_superseding(int64_t trainee, const char *curriculum, int curriculum_version,
					      const char *module, int64_t supersedes, const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_MODULE, by);
	st.u.module.trainee = trainee;
	st.u.module.curriculum.code = curriculum;
	st.u.module.curriculum.version = curriculum_version;
	st.u.module.module = module;
	st.supersedes = supersedes;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_module_completion(int64_t trainee, const char *curriculum, int curriculum_version,
				  const char *module, const struct rl_signer *by)
{
	return rl_stmt_module_completion_superseding(trainee, curriculum, curriculum_version, module, -1, by);
}

json_t *rl_stmt_trainer_accreditation_superseding(int64_t trainer, const char *trainer_key, const char *valid_from,
						  const char *valid_until, int64_t supersedes,
						  const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_TRAINER_ACC, by);
	st.u.trainer_acc.trainer = trainer;
	st.u.trainer_acc.trainer_key = trainer_key;
	st.u.trainer_acc.valid_from = valid_from;
	st.u.trainer_acc.valid_until = valid_until;
	st.supersedes = supersedes;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_trainer_accreditation(int64_t trainer, const char *trainer_key, const char *valid_from,
				      const char *valid_until, const struct rl_signer *by)
{
	return rl_stmt_trainer_accreditation_superseding(trainer, trainer_key, valid_from, valid_until, -1, by);
}

json_t *rl_stmt_accreditation(int64_t trainee, const char *curriculum, int curriculum_version,
			      const char *valid_until, const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_ACC, by);
	st.u.acc.trainee = trainee;
	st.u.acc.curriculum.code = curriculum;
	st.u.acc.curriculum.version = curriculum_version;
	st.u.acc.valid_until = valid_until;
	return rl_statement_to_json(&st);
}

int rl_stmt_evidence_from_report(const json_t *report, struct rl_stmt_curriculum *cur, const json_t **evidence,
				 struct rl_error *err)
{
	const json_t *c = api_member(report, "curriculum"), *ev = api_member(report, "accreditation_evidence"), *v;
	int before = err->nfields;
	size_t i;

	memset(cur, 0, sizeof(*cur));
	*evidence = NULL;
	if (!json_is_object(c))
		return rl_error_field(err, "curriculum", c ? "must be an object" : "is required");
	cur->object = c;
	api_str(c, "curriculum", "code", 1, &cur->code, err);
	api_int(c, "curriculum", "version", 0, INT64_MIN, &cur->version, err);
	api_str(c, "curriculum", "sha256", 1, &cur->sha256, err);
	if (!json_is_array(ev))
		return rl_error_field(err, "accreditation_evidence", ev ? "must be an array of ledger indexes" : "is required");
	json_array_foreach(ev, i, v) {
		char f[64];
		long long x;

		snprintf(f, sizeof(f), "accreditation_evidence[%zu]", i);
		rl_json_int_value(v, f, 0, INT64_MAX, &x, err);
	}
	if (err->nfields > before)
		return -1;
	*evidence = ev;
	return 0;
}

json_t *rl_stmt_accreditation_for(const json_t *report, int64_t trainee, const char *valid_until,
				  const struct rl_signer *by)
{
	struct rl_statement st;
	struct rl_error err = RL_ERROR_INIT;
	int rc;

	start(&st, RL_K_ACC, by);
	rc = rl_stmt_evidence_from_report(report, &st.u.acc.curriculum, &st.u.acc.evidence, &err);
	rl_error_clear(&err);
	if (rc < 0)
		return NULL;
	st.v = 2;
	st.u.acc.trainee = trainee;
	st.u.acc.valid_until = valid_until;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_revocation(int64_t subject, int64_t accreditation_index, const char *reason,
			   const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_REVOCATION, by);
	st.u.revocation.subject = subject;
	st.u.revocation.accreditation_index = accreditation_index;
	st.reason = reason;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_simulator_import(const json_t *import, const char *decision, const char *reason,
				 const struct rl_signer *by)
{
	struct rl_statement st;
	struct rl_error err = RL_ERROR_INIT;
	json_t *results = NULL, *o = NULL;

	start(&st, RL_K_SIM_IMPORT, by);
	if (import_from_api(import, 0, &st.u.import.import, &err) == 0 &&
	    ((results = simulator_results(import, &err)) || !err.nfields)) {
		st.u.import.import.results = results;
		st.decision = decision_of(decision);
		st.reason = reason;
		o = rl_statement_to_json(&st);
	}
	json_decref(results);
	rl_error_clear(&err);
	return o;
}

json_t *rl_stmt_elearning_confirmation(const json_t *import, const char *decision, const char *reason,
				       int unverified_ok, const struct rl_signer *by)
{
	struct rl_statement st;
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = NULL;

	start(&st, RL_K_ELEARNING, by);
	if (import_from_api(import, 1, &st.u.import.import, &err) == 0) {
		st.decision = decision_of(decision);
		st.u.import.unverified_ok = unverified_ok ? 1 : -1;
		st.reason = reason;
		o = rl_statement_to_json(&st);
	}
	rl_error_clear(&err);
	return o;
}

json_t *rl_stmt_device_key(int64_t user, const char *public_key, const struct rl_signer *by)
{
	struct rl_statement st;

	start(&st, RL_K_DEVICE_KEY, by);
	st.u.device_key.user = user;
	st.u.device_key.public_key = public_key;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_faculty_key(int64_t faculty, const char *public_key, const char *registered_at)
{
	struct rl_statement st;

	start(&st, RL_K_FACULTY_KEY, NULL);
	st.u.faculty_key.faculty = faculty;
	st.u.faculty_key.public_key = public_key;
	st.u.faculty_key.registered_at = registered_at;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_curriculum(const char *code, int version, const json_t *definition, const char *sha256,
			   const char *loaded_at)
{
	struct rl_statement st;

	start(&st, RL_K_CURRICULUM, NULL);
	st.u.curriculum.curriculum.code = code;
	st.u.curriculum.curriculum.version = version;
	st.u.curriculum.definition = definition;
	st.u.curriculum.sha256 = sha256;
	st.u.curriculum.loaded_at = loaded_at;
	return rl_statement_to_json(&st);
}

json_t *rl_stmt_enrolment(int64_t trainee, const char *code, int version, const char *sha256,
			  const char *enrolled_at)
{
	struct rl_statement st;

	start(&st, RL_K_ENROLMENT, NULL);
	st.u.enrolment.trainee = trainee;
	st.u.enrolment.curriculum.code = code;
	st.u.enrolment.curriculum.version = version;
	st.u.enrolment.curriculum.sha256 = sha256;
	st.u.enrolment.enrolled_at = enrolled_at;
	return rl_statement_to_json(&st);
}

int rl_stmt_content_sha256(const json_t *value, char out[65], struct rl_error *err)
{
	size_t len;
	char *text = rl_jcs_string(value, &len, err);
	uint8_t h[32];

	if (!text)
		return -1;
	crypto_hash_sha256(h, (const uint8_t *)text, len);
	free(text);
	rl_hex_encode(h, 32, out);
	return 0;
}

json_t *rl_stmt_key_revocation(int64_t user, const char *public_key, const char *revoked_at)
{
	struct rl_statement st;

	start(&st, RL_K_KEY_REVOCATION, NULL);
	st.u.key_revocation.user = user;
	st.u.key_revocation.public_key = public_key;
	st.u.key_revocation.revoked_at = revoked_at;
	return rl_statement_to_json(&st);
}

const char *rl_stmt_type(const json_t *statement)
{
	return json_string_value(json_object_get(statement, "type"));
}

const char *rl_stmt_type_safe(const json_t *statement)
{
	const char *t = rl_stmt_type(statement);
	size_t i;

	if (!t || !*t || strlen(t) > 40)
		return "unknown";
	for (i = 0; t[i]; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '_'))
			return "unknown";
	return t;
}

static int diff(const json_t *a, const json_t *b, const char *prefix, char *out, size_t size)
{
	const char *key;
	json_t *va;

	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach((json_t *)a, key, va) {
			char path[128];
			snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
			if (diff(va, json_object_get(b, key), path, out, size))
				return 1;
		}
		json_object_foreach((json_t *)b, key, va) {
			if (!json_object_get(a, key)) {
				snprintf(out, size, "%s%s%s", prefix, *prefix ? "." : "", key);
				return 1;
			}
		}
		return 0;
	}
	if (!a || !b || !json_equal(a, b)) {
		snprintf(out, size, "%s", *prefix ? prefix : "(the whole statement)");
		return 1;
	}
	return 0;
}

void rl_stmt_first_difference(const json_t *a, const json_t *b, char *out, size_t size)
{
	out[0] = '\0';
	diff(a, b, "", out, size);
}

int rl_stmt_verify(const json_t *statement, const char *key_b64, const char *signature_b64,
		   struct rl_error *err)
{
	uint8_t pk[32], sig[64];
	size_t len;
	char *msg;
	int ok;

	if (rl_base64_decode_exact(key_b64, pk, 32) < 0)
		return rl_error_set(err, RL_E_SIGNATURE, "bad-key", "Signed statement refused",
				    "the key is not a base64 Ed25519 public key of 32 bytes");
	if (rl_base64_decode_exact(signature_b64, sig, 64) < 0)
		return rl_error_set(err, RL_E_SIGNATURE, "bad-signature", "Signed statement refused",
				    "the signature is not base64 of 64 bytes");
	msg = rl_statement_message(statement, &len, err);
	if (!msg)
		return -1;
	ok = crypto_sign_verify_detached(sig, (const unsigned char *)msg, len, pk) == 0;
	free(msg);
	if (!ok)
		return rl_error_set(err, RL_E_SIGNATURE, "bad-signature", "Signed statement refused",
				    "the signature does not verify with key %s over this statement", key_b64);
	return 0;
}

char *rl_stmt_sign(const json_t *statement, const unsigned char sk[64], struct rl_error *err)
{
	uint8_t sig[64];
	size_t len;
	char *msg = rl_statement_message(statement, &len, err);

	if (!msg)
		return NULL;
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, sk);
	free(msg);
	return rl_base64_encode(sig, sizeof(sig));
}
