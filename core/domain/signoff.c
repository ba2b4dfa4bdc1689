/*
 * signoff.c - accepting signed statements and managing keys; see signoff.h
 * and docs/ledger.md.
 */
#include "base/prelude.h"

#include "domain/signoff.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/authority.h"
#include "base/codes.h"
#include "domain/curriculum.h"
#include "domain/enrolled.h"
#include "ledger/jcs.h"
#include "store/ledger_lookup.h"
#include "store/signoff_rows.h"
#include "ledger/kinds.h"
#include "ledger/texts.h"
#include "domain/imports.h"
#include "base/jsonin.h"
#include "ledger/ledger.h"
#include "domain/progress.h"
#include "domain/sessions.h"
#include "domain/statements.h"
#include "domain/supervision.h"
#include "base/util.h"

#define REFUSE(err, type, ...) rl_error_set(err, RL_E_SIGNATURE, type, "Signed statement refused", __VA_ARGS__)

void rl_signoff_release(struct rl_signoff *so)
{
	if (!so)
		return;
	json_decref(so->statement);
	json_decref(so->texts);
	free(so->message);
	so->statement = NULL;
	so->texts = NULL;
	so->message = NULL;
}

/*
 * The outside-input rules on a statement's members beyond their types
 * (which rl_statement_read checked, ledger/stmt.h), before anything else
 * reads them: scores in the named tool's range, the dates real dates
 * from 2000 on and an expiry not already past, free text without an NHS
 * number, and a trainer's list of steps a set.  All problems are
 * collected as "statement.<member>" field errors.
 */
/* Scores are checked at full width against the named tool's range (any int if the tool is unknown). */
static void check_scores(const struct rl_statement *st, struct rl_error *err)
{
	struct rl_error terr = RL_ERROR_INIT;
	const struct rl_tools *tools = rl_tools_default(&terr);
	const json_t *scores = st->u.assessment.scores;
	const struct rl_tool *tool = st->u.assessment.tool ? rl_tool_find(tools, st->u.assessment.tool) : NULL;
	long long lo = tool ? rl_tool_min(tool) : INT_MIN, hi = tool ? rl_tool_max(tool) : INT_MAX, x;
	char field[48];
	size_t i;

	rl_error_clear(&terr);
	if (json_array_size(scores) > 32) {
		rl_error_field(err, "statement.scores", "must be an array of at most 32 integer scores");
		return;
	}
	for (i = 0; i < json_array_size(scores); i++) {
		snprintf(field, sizeof(field), "statement.scores[%zu]", i);
		rl_json_int_value(json_array_get(scores, i), field, lo, hi, &x, err);
	}
}

static int check_statement_members(const struct rl_statement *st, struct rl_error *err)
{
	const json_t *steps = st->kind == RL_K_SESSION ? st->u.session.steps : NULL;
	char field[64];
	size_t i;

	if (st->kind == RL_K_ASSESSMENT && st->u.assessment.scores)
		check_scores(st, err);
	if (st->kind == RL_K_TRAINER_ACC && st->u.trainer_acc.valid_from)
		rl_json_check_date(st->u.trainer_acc.valid_from, "statement.valid_from", 0, NULL, err);
	if (st->kind == RL_K_TRAINER_ACC && st->u.trainer_acc.valid_until)
		rl_json_check_date(st->u.trainer_acc.valid_until, "statement.valid_until", RL_DATE_NOT_PAST, NULL, err);
	if (st->kind == RL_K_ACC && st->u.acc.valid_until)
		rl_json_check_date(st->u.acc.valid_until, "statement.valid_until", RL_DATE_NOT_PAST, NULL, err);
	rl_json_check_free_text(st->reason, "statement.reason", err);
	for (i = 0; i < json_array_size(steps); i++) {
		long dup = rl_steps_first_repeat(steps, i);
		if (dup >= 0) {
			snprintf(field, sizeof(field), "statement.steps[%zu]", i);
			rl_error_field(err, field, "repeats step '%s' (already steps[%ld]); each step is "
				       "listed once", json_string_value(json_array_get(steps, i)), dup);
		}
	}
	return err->nfields ? -1 : 0;
}

/* The statement read and checked (ledger/stmt.h and the rules above): 0, or -1 with every problem in err. */
static int read_statement(const json_t *st, struct rl_statement *out, struct rl_error *err)
{
	rl_statement_read(st, "statement", out, err);
	return check_statement_members(out, err);
}

/*
 * Free text is committed to, never embedded (core/ledger/texts.h): a
 * version 1 statement may carry no free-text member, a version 2 one
 * comes with every text it commits to in body "texts", and *opened is
 * the statement with those texts in place ("v" 1), which the rest of
 * acceptance reads and compares with the records.
 */
static int open_texts(const json_t *st, json_int_t v, const json_t *texts, json_t **opened, struct rl_error *err)
{
	char why[300], field[48];
	int erased;

	*opened = NULL;
	if (v != 1 && v != 2)
		return err->nfields ? -1 : rl_error_field(err, "statement.v", "must be 1, or 2 for a statement that commits to free text");
	if (v == 1)
		for (const char *const *p = rl_text_members; *p; p++) {
			const char *dot = strchr(*p, '.');
			const json_t *o = dot ? json_object_get(st, "session") : st;
			if (json_is_object(o) && json_object_get(o, dot ? dot + 1 : *p)) {
				snprintf(field, sizeof(field), "statement.%s", *p);
				rl_error_field(err, field, "free text is not embedded in a statement: commit to it "
					       "by \"%s_commit\" in a version 2 statement and send the text and its "
					       "salt in \"texts\" (docs/ledger.md, Free text)", dot ? dot + 1 : *p);
			}
		}
	if (err->nfields)
		return -1; /* with the member problems check_statement_members found in a version 1 statement */
	if (rl_texts_check(st, texts, &erased, why, sizeof(why)) < 0)
		return rl_error_field(err, "texts", "%s", why);
	if (erased)
		return rl_error_field(err, "texts", "every text the statement commits to is required, with its salt");
	if (!(*opened = rl_texts_open(st, texts)))
		return rl_error_internal(err, "cannot open the statement's texts");
	return 0;
}

static int check_signoff(const struct rl_user *me, const json_t *body, struct rl_signoff *out,
			 struct rl_error *err)
{
	static const char *const allowed[] = { "statement", "signature", "texts", NULL };
	json_t *st = json_object_get(body, "statement"), *texts = json_object_get(body, "texts"), *opened = NULL;
	const char *sig = json_string_value(json_object_get(body, "signature"));
	json_int_t v;

	memset(out, 0, sizeof(*out));
	if (rl_json_check_members(body, allowed, err) < 0)
		return -1;
	if (!json_is_object(st))
		return rl_error_field(err, "statement", "must be the signed statement object");
	if (!sig)
		return rl_error_field(err, "signature", "must be the base64 Ed25519 signature");
	if (!rl_stmt_type(st))
		return rl_error_field(err, "statement.type", "is required");
	v = json_is_integer(json_object_get(st, "v")) ? json_integer_value(json_object_get(st, "v")) : 0;
	/* A version 1 statement's members are checked as given, so every problem is named at once. */
	if (v == 1)
		read_statement(st, &out->st, err);
	/* An accreditation is at version 2 since it names its evidence and the curriculum's content hash. */
	if (rl_statement_kind(st) == RL_K_ACC && v != 2)
		return rl_error_field(err, "statement.v", "must be 2 for an accreditation, which names its evidence "
				      "and the curriculum's content hash (docs/ledger.md)");
	if (open_texts(st, v, texts, &opened, err) < 0)
		return -1;
	/* From here on the members are read from the opened statement (out->st points into it); the signature is over st. */
	if (read_statement(opened, &out->st, err) < 0) {
		json_decref(opened);
		return -1;
	}
	out->statement = opened;
	if (v == 2)
		out->texts = json_incref(texts);
	if (out->st.by_log)
		return REFUSE(err, "wrong-signer", "statements issued by the log cannot be submitted");
	if (strlen(out->st.key) >= sizeof(out->key))
		return rl_error_field(err, "statement.key", "must be your base64 Ed25519 public key");
	out->signer = out->st.signer;
	if (out->signer != me->id)
		return REFUSE(err, "wrong-signer", "the statement names signer %lld but you are user %lld",
			      (long long)out->signer, (long long)me->id);
	if (strlen(sig) >= sizeof(out->signature))
		return REFUSE(err, "bad-signature", "the signature is not base64 of 64 bytes");
	/* Verify once here (any thread) and keep the signed text for the ledger. */
	if (rl_base64_decode_exact(out->st.key, out->pk, 32) < 0)
		return REFUSE(err, "bad-key", "the key is not a base64 Ed25519 public key of 32 bytes");
	if (rl_base64_decode_exact(sig, out->sig, 64) < 0)
		return REFUSE(err, "bad-signature", "the signature is not base64 of 64 bytes");
	out->message = rl_statement_message(st, &out->message_len, err);
	if (!out->message)
		return -1;
	if (crypto_sign_verify_detached(out->sig, (const unsigned char *)out->message, out->message_len, out->pk) != 0) {
		free(out->message);
		out->message = NULL;
		return REFUSE(err, "bad-signature", "the signature does not verify with key %s over this statement",
			      out->st.key);
	}
	snprintf(out->key, sizeof(out->key), "%s", out->st.key);
	snprintf(out->signature, sizeof(out->signature), "%s", sig);
	return 0;
}

int rl_signoff_check(const struct rl_user *me, const json_t *body, struct rl_signoff *out,
		     struct rl_error *err)
{
	if (check_signoff(me, body, out, err) == 0)
		return 0;
	rl_signoff_release(out);
	return -1;
}

/* ---------------------------------------------------------------- helpers */

struct key_row {
	int64_t id;
	int faculty_root;
	int revoked;
};

/* Looks up key (base64) registered to user; RL_E_SIGNATURE unknown-key / key-revoked. */
static int signer_key(struct rl_db *db, int64_t user, const char *key_b64, struct key_row *k,
		      struct rl_error *err)
{
	uint8_t pk[32];
	struct rl_row_key row;
	int rc;

	if (rl_base64_decode_exact(key_b64, pk, 32) < 0)
		return REFUSE(err, "unknown-key", "the key is not a base64 Ed25519 public key");
	if ((rc = rl_rows_key_find(db, user, pk, &row, err)) < 0)
		return -1;
	if (rc) {
		k->id = row.id;
		k->faculty_root = row.faculty_root;
		k->revoked = row.revoked;
	}
	if (!rc)
		return REFUSE(err, "unknown-key", "the key %s is not registered to user %lld", key_b64, (long long)user);
	if (k->revoked)
		return REFUSE(err, "key-revoked", "the key %s was revoked and can no longer sign", key_b64);
	return 0;
}

/* The authority rules' view of a trainer_accreditations row. */
static void tacc_from_row(const struct rl_row_tacc *r, struct rl_tacc *t)
{
	memset(t, 0, sizeof(*t));
	t->index = r->index;
	t->trainer = r->trainer;
	memcpy(t->pk, r->public_key, 32);
	snprintf(t->from, sizeof(t->from), "%s", r->valid_from);
	snprintf(t->until, sizeof(t->until), "%s", r->valid_until);
	t->revoked = r->revoked;
}

/* The trainer's latest accreditation (the only one that can be live): 1 found, 0 none, -1 error. */
static int latest_tacc(struct rl_db *db, int64_t trainer, struct rl_tacc *t, struct rl_error *err)
{
	struct rl_row_tacc r;
	int found = rl_rows_tacc_latest(db, trainer, &r, err);

	if (found > 0)
		tacc_from_row(&r, t);
	return found;
}

/* The trainer accreditation at ledger index (of whichever trainer): 1 found, 0 none, -1 error. */
static int tacc_at(struct rl_db *db, int64_t index, struct rl_tacc *t, struct rl_error *err)
{
	struct rl_row_tacc r;
	int found = rl_rows_tacc_at(db, index, &r, err);

	if (found > 0)
		tacc_from_row(&r, t);
	return found;
}

/*
 * Keys per device: the device_key statement in the ledger that introduced
 * key pk for user (the ledger is the record; a device_key's message holds
 * "public_key":"<canonical base64>" exactly once, by JCS), and the key's
 * revocation.  1 found (dev filled), 0 none, -1 error.
 */
static int device_key_of(struct rl_db *db, int64_t user, const uint8_t pk[32], struct rl_devkey *dev,
			 struct rl_error *err)
{
	char *b64 = rl_base64_encode(pk, 32), needle[96];
	int found;

	if (!b64)
		return rl_error_internal(err, "out of memory");
	snprintf(needle, sizeof(needle), "\"public_key\":\"%s\"", b64);
	free(b64);
	if ((found = rl_rows_ledger_device_key(db, user, needle, &dev->introduced, err)) <= 0)
		return found;
	dev->user = user;
	return rl_rows_key_revoked_index(db, user, pk, &dev->revoked, err) < 0 ? -1 : 1;
}

/*
 * Corrections (core/ledger/authority.h): the statement at ledger index
 * among the trainer's records (session_signoff, assessment,
 * module_completion), and whether a later statement about the same
 * trainee supersedes or withdraws it.  The ledger is the record: a later
 * statement names it as "supersedes":N or "signoff_index":N, which JCS
 * writes exactly so, followed by ',' (the next member by name) or '}';
 * a string holding those characters has its quotes escaped, so never
 * matches.  1 found (rec filled), 0 none, -1 error.
 */
/* which: RL_ROWS_SUPERSEDING or RL_ROWS_WITHDRAWING (store/ledger_lookup.h); -1 none, -2 error. */
static int64_t named_by(struct rl_db *db, int64_t trainee, int64_t index, int which, const char *member,
			struct rl_error *err)
{
	char a[64], b[64];
	int64_t by = -1;
	int rc;

	snprintf(a, sizeof(a), "\"%s\":%lld,", member, (long long)index);
	snprintf(b, sizeof(b), "\"%s\":%lld}", member, (long long)index);
	rc = rl_rows_ledger_first_naming(db, which, trainee, index, a, b, &by, err);
	return rc < 0 ? -2 : rc ? by : -1;
}

static int signed_rec_at(struct rl_db *db, int64_t index, struct rl_signed_rec *rec, json_t **statement,
			 struct rl_error *err)
{
	struct rl_row_ledger_entry e;
	const struct rl_kind *k = NULL;
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	int rc = rl_rows_ledger_entry(db, index, &e, err);

	if (rc < 0)
		return -1;
	if (rc)
		k = rl_kind_find(e.kind);
	if (!k || (k->id != RL_K_SESSION && k->id != RL_K_ASSESSMENT && k->id != RL_K_MODULE)) {
		rl_row_ledger_entry_release(&e);
		return 0;
	}
	rec->index = index;
	rec->kind = k->id;
	rec->signer = e.signer;
	rec->trainee = e.subject;
	if (statement)
		*statement = e.message && strlen(e.message) > plen ? json_loads(e.message + plen, 0, NULL) : NULL;
	rl_row_ledger_entry_release(&e);
	rec->superseded = named_by(db, rec->trainee, index, RL_ROWS_SUPERSEDING, "supersedes", err);
	rec->withdrawn = rec->superseded < -1 ? -2
			 : named_by(db, rec->trainee, index, RL_ROWS_WITHDRAWING, "signoff_index", err);
	if (rec->superseded < -1 || rec->withdrawn < -1) {
		if (statement) {
			json_decref(*statement);
			*statement = NULL;
		}
		return -1;
	}
	return 1;
}

/* Deletes the record row (assessments, module_completions by kind) of a statement that no longer counts; index < 0: none. */
static int drop_record(struct rl_db *db, int kind, int64_t index, struct rl_error *err)
{
	if (index < 0)
		return 0;
	return kind == RL_K_ASSESSMENT ? rl_rows_assessment_delete(db, index, err)
				       : rl_rows_module_completion_delete(db, index, err);
}

/*
 * A statement's "supersedes" (assessment, module_completion): -1 when
 * absent; else checked by the shared rule against the record it names.
 * 409 supersedes-refused with the rule's sentence.
 */
static int need_correctable(struct rl_db *db, const struct rl_signoff *so, int kind, int64_t trainee,
			    int64_t *supersedes, struct rl_error *err)
{
	struct rl_signed_rec rec;
	char why[300];
	int rc;

	*supersedes = so->st.supersedes;
	if (*supersedes < 0)
		return 0;
	if ((rc = signed_rec_at(db, *supersedes, &rec, NULL, err)) < 0)
		return -1;
	if (rl_authority_correction(rc ? &rec : NULL, kind, so->signer, trainee, *supersedes, why, sizeof(why)) !=
	    RL_AUTH_OK)
		return rl_error_set(err, RL_E_CONFLICT, "supersedes-refused", "Correction refused", "%s", why);
	return 0;
}

/* A trainer's act: the shared rule of core/ledger/authority.c on the signer's latest accreditation. */
static int need_trainer(struct rl_db *db, struct rl_signoff *so, const char *date, struct rl_error *err)
{
	struct rl_tacc t;
	struct rl_devkey dev;
	char why[300];
	int rc = latest_tacc(db, so->signer, &t, err), drc;

	if (rc < 0 || (drc = device_key_of(db, so->signer, so->pk, &dev, err)) < 0)
		return -1;
	if (rl_authority_trainer_may_sign_key(rc ? &t : NULL, drc ? &dev : NULL, so->signer, so->pk, date, why,
					      sizeof(why)) != RL_AUTH_OK)
		return REFUSE(err, "not-accredited", "%s", why);
	return 0;
}

/* The signer must supervise trainee (supervision.h); 403 not-supervisor saying who can authorise it. */
static int need_supervision(struct rl_db *db, int64_t signer, int64_t trainee, struct rl_error *err)
{
	char why[360];
	int rc = rl_supervises(db, signer, trainee, err);

	if (rc < 0)
		return -1;
	if (rc)
		return 0;
	rl_supervision_refusal(signer, trainee, why, sizeof(why));
	return rl_error_set(err, RL_E_FORBIDDEN, "not-supervisor", "Not a trainee you supervise", "%s", why);
}

/* Compares the submitted statement with the one rebuilt from the records. */
static int must_match(const json_t *got, json_t *expected, const char *what, struct rl_error *err)
{
	char field[128];
	int rc = 0;

	if (!expected)
		return rl_error_internal(err, "cannot rebuild the statement");
	rl_stmt_first_difference(got, expected, field, sizeof(field));
	if (field[0])
		rc = REFUSE(err, "statement-mismatch",
			    "the statement does not match %s as recorded: '%s' differs (changed after signing, "
			    "or signed for another record)", what, field);
	json_decref(expected);
	return rc;
}

static int append(struct rl_db *db, struct rl_signoff *so, int64_t subject, struct rl_error *err)
{
	if (!so->message)
		return rl_error_internal(err, "the statement was not checked before it was applied");
	so->subject = subject;
	if (rl_ledger_append(db, so->st.type, so->message, so->message_len, so->pk, so->sig,
			     so->signer, subject, &so->ledger_index, err) < 0)
		return -1;
	return so->texts ? rl_texts_store(db, so->ledger_index, so->texts, err) : 0;
}

/* Members of the records' API JSON (progress reports): ours. */
static const char *member_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/*
 * A record a statement names (a session, an import), read once from its
 * API JSON: what a statement certifies (typed, domain/statements.h), its
 * status and the ledger index of the decision on it (-1: none).
 */
struct record {
	json_t *json;                 /* owned; the typed members point into it */
	union {
		struct rl_stmt_session session;
		struct rl_stmt_import import;
	} u;
	const char *status;
	int64_t decided;
	const char *verification;     /* a certificate's: why its proof did not verify, or NULL */
};

static void record_release(struct record *r)
{
	json_decref(r->json);
	r->json = NULL;
}

/* Status, decision and verification of r->json; typed members are the caller's.  0, or -1 (internal). */
static int record_state(struct record *r, const char *what, int64_t id, struct rl_error *err)
{
	struct rl_error rerr = RL_ERROR_INIT;
	const json_t *decision = json_object_get(r->json, "signoff");
	long long x = -1;

	r->decided = -1;
	if (rl_json_get_str(r->json, "status", 1, 32, &r->status, &rerr) == 0 &&
	    (!json_is_object(decision) || rl_json_get_int(decision, "ledger_index", 0, 0, INT64_MAX, &x, NULL, &rerr) == 0)) {
		r->decided = x;
		return 0;
	}
	rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "%s %lld does not read as a record: %s", what, (long long)id,
		     rerr.nfields ? rerr.fields[0].field : rerr.detail);
	rl_error_clear(&rerr);
	return -1;
}

/* The session id, or not-found "the statement names no session"; RL_E_INTERNAL if its record does not read. */
static int load_session(struct rl_db *db, int64_t id, struct record *r, struct rl_error *err)
{
	struct rl_error rerr = RL_ERROR_INIT;

	memset(r, 0, sizeof(*r));
	if (!(r->json = id > 0 ? rl_session_load(db, id, err) : NULL)) {
		if (!err->status)
			rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "the statement names no session");
		return -1;
	}
	if (rl_stmt_session_from_api(r->json, &r->u.session, &rerr) < 0) {
		rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "session %lld does not read as a record: %s",
			     (long long)id, rerr.nfields ? rerr.fields[0].field : rerr.detail);
		rl_error_clear(&rerr);
		record_release(r);
		return -1;
	}
	if (record_state(r, "session", id, err) < 0) {
		record_release(r);
		return -1;
	}
	return 0;
}

/* The decision as the statement spells it (the builders of domain/statements.h take it so). */
static const char *decision_name(enum rl_decision d)
{
	return d == RL_DECISION_CONFIRMED ? "confirmed" : d == RL_DECISION_REJECTED ? "rejected" : "";
}

/* The trainee's curriculum code and version; 0 if enrolled. */
static int curriculum_of(struct rl_db *db, int64_t trainee, char code[64], int *version, int64_t *cid,
			 struct rl_error *err)
{
	int64_t enrolled = 0;
	int found;

	if (rl_enrolled_curriculum(db, trainee, &enrolled, err) < 0 ||
	    (found = rl_rows_trainee_curriculum(db, trainee, enrolled, cid, code, version, err)) < 0)
		return -1;
	if (!found)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainee %lld", (long long)trainee);
	return 0;
}

/* ------------------------------------------------------------ statement kinds */

/*
 * The session a session_signoff names, loaded into r and checked: the
 * signer its trainer, still pending, the statement's own members valid,
 * and the statement the one rebuilt from the record.  0 (r loaded; the
 * caller releases it) or -1 with the refusal.  Reads only: it runs in the
 * writer, and before the job on a reader (rl_signoff_precheck).
 */
static int session_checked(struct rl_db *db, const struct rl_signoff *so, const struct rl_signer *by,
			   struct record *r, struct rl_error *err)
{
	const json_t *steps = so->st.u.session.steps;
	int64_t id = so->st.u.session.session.id;
	const char *decision = decision_name(so->st.decision), *role = so->st.u.session.role, *reason = so->st.reason;
	const struct rl_stmt_session *s = &r->u.session;

	if (load_session(db, id, r, err) < 0)
		return -1;
	if (s->trainee == so->signer)
		return REFUSE(err, "self-sign", "you cannot sign off your own session %lld", (long long)id);
	if (s->trainer != so->signer) {
		if (need_supervision(db, so->signer, s->trainee, err) == 0)
			rl_error_set(err, RL_E_FORBIDDEN, "not-your-session", "Not your session",
				     "session %lld names trainer %lld, and only the trainer a session names signs it off; "
				     "the trainee can log it again naming you", (long long)id, (long long)s->trainer);
		return -1;
	}
	if (strcmp(r->status, "pending") != 0)
		return rl_error_set(err, RL_E_CONFLICT, "already-signed", "Already signed",
				    "session %lld was already %s (ledger index %lld); a correction is a new statement",
				    (long long)id, r->status, (long long)(r->decided < 0 ? 0 : r->decided));
	if (role && !rl_code_find(rl_case_roles, role))
		return rl_error_field(err, "statement.role", "'%s' is not an eLogbook role code", role);
	if (steps) {
		size_t i;
		const json_t *v;
		if (json_array_size(steps) > RL_SESSION_MAX_STEPS)
			return rl_error_field(err, "statement.steps", "must be an array of at most %d step codes",
					      RL_SESSION_MAX_STEPS);
		json_array_foreach(steps, i, v) {
			if (!rl_step_code_valid(json_string_value(v)))
				return rl_error_field(err, "statement.steps", "holds an invalid step code");
		}
	}
	if (so->st.decision == RL_DECISION_REJECTED && (!reason || !*reason || strlen(reason) > 1000))
		return rl_error_field(err, "statement.reason", "a rejection needs a reason of at most 1000 characters");
	return must_match(so->statement, rl_stmt_session_signoff_of(s, decision, role, steps, reason, by),
			  "the session", err);
}

void rl_signoff_precheck(struct rl_db *db, struct rl_signoff *so)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signer by = { so->signer, so->key, so->st.signed_at };
	struct record r = { 0 };

	memset(&so->pre, 0, sizeof(so->pre));
	if (!db || so->st.kind != RL_K_SESSION || !so->st.signed_at)
		return;
	if (session_checked(db, so, &by, &r, &err) == 0) {
		so->pre.session = r.u.session.id;
		so->pre.trainee = r.u.session.trainee;
		so->pre.trainer = r.u.session.trainer;
		so->pre.revision = json_integer_value(json_object_get(r.json, "revision"));
		so->pre.has_notes = r.u.session.notes != NULL;
	}
	record_release(&r);
	rl_error_clear(&err);
}

/*
 * A session_signoff: the session checked (session_checked), or, when
 * rl_signoff_precheck checked it and the row is as it read it, not again;
 * then the trainer's accreditation, the ledger entry and the decision.
 */
static int apply_session(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by, const char *date,
			 struct rl_error *err)
{
	const json_t *steps = so->st.u.session.steps;
	int64_t id = so->st.u.session.session.id, trainee, revision;
	const char *role = so->st.u.session.role, *reason = so->st.reason;
	const struct rl_signoff_pre *pre = &so->pre;
	struct record r = { 0 };
	char *signed_steps = NULL;
	int rc = -1, same = 0;

	if (pre->session == id && pre->session > 0 &&
	    (same = rl_rows_session_pending_as(db, id, pre->trainee, pre->trainer, pre->revision, pre->has_notes,
						 err)) < 0)
		return -1;
	if (same) {
		trainee = pre->trainee;
		revision = pre->revision;
	} else if (session_checked(db, so, by, &r, err) < 0) {
		goto out;
	} else {
		trainee = r.u.session.trainee;
		revision = json_integer_value(json_object_get(r.json, "revision"));
	}
	if (need_trainer(db, so, date, err) < 0)
		goto out;
	if (append(db, so, trainee, err) < 0)
		goto out;
	if (steps && json_array_size(steps))
		signed_steps = json_dumps(steps, JSON_COMPACT);
	/* The seals bind the pending claims this takes one from: checked before (progress.h). */
	if (rl_progress_hold(db, trainee, err) < 0)
		goto out;
	if (rl_rows_session_decide(db, id, so->st.decision == RL_DECISION_CONFIRMED ? "signed" : "rejected", role,
				   signed_steps, so->signer, by->signed_at, so->ledger_index, reason, err) < 0)
		goto out;
	rc = rl_progress_decided(db, trainee, id, revision, so->ledger_index, &so->st, err);
out:
	free(signed_steps);
	record_release(&r);
	return rc;
}

static int need_faculty(const struct rl_user *me, const struct key_row *k, struct rl_error *err)
{
	if (!(me->roles & RL_ROLE_FACULTY))
		return REFUSE(err, "not-accredited", "only faculty may sign this statement");
	if (!k->faculty_root)
		return REFUSE(err, "not-accredited", "this key is not a faculty key registered by the operator");
	return 0;
}

static int apply_assessment(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by, const char *date,
			    struct rl_error *err)
{
	const json_t *st = so->statement, *scores = so->st.u.assessment.scores, *v;
	int64_t trainee = so->st.u.assessment.trainee, sid = so->st.u.assessment.session;
	const char *tool_id = so->st.u.assessment.tool;
	struct record r;
	const struct rl_stmt_session *s = &r.u.session;
	const struct rl_tools *tools = rl_tools_default(err);
	const struct rl_tool *tool;
	int sc[32], total = 0;
	size_t n = 0, i;
	char *scores_text = NULL, now[21];
	int64_t supersedes = -1;
	int rc = -1, other;

	if (!tools || load_session(db, sid, &r, err) < 0)
		return -1;
	if (trainee == so->signer || s->trainee == so->signer) {
		REFUSE(err, "self-sign", "you cannot assess yourself");
		goto out;
	}
	if (s->trainer != so->signer) {
		if (need_supervision(db, so->signer, s->trainee, err) == 0)
			rl_error_set(err, RL_E_FORBIDDEN, "not-your-session", "Not your session",
				     "session %lld was supervised by trainer %lld, and only the trainer a session names "
				     "assesses it", (long long)sid, (long long)s->trainer);
		goto out;
	}
	if (s->trainee != trainee) {
		REFUSE(err, "statement-mismatch", "session %lld belongs to trainee %lld, not %lld", (long long)sid,
		       (long long)s->trainee, (long long)trainee);
		goto out;
	}
	if (strcmp(r.status, "signed") != 0) {
		rl_error_set(err, RL_E_CONFLICT, "session-not-signed", NULL,
			     "session %lld must be signed off before it is assessed", (long long)sid);
		goto out;
	}
	if (!tool_id || !(tool = rl_tool_find(tools, tool_id))) {
		rl_error_field(err, "statement.tool", "'%s' is not an assessment tool", tool_id ? tool_id : "");
		goto out;
	}
	if (json_array_size(scores) > 32) {
		rl_error_field(err, "statement.scores", "must be an array of integer scores");
		goto out;
	}
	json_array_foreach(scores, i, v) {
		char f[48];
		long long x = 0;

		/* Checked at full width against the tool's range before it becomes an int. */
		snprintf(f, sizeof(f), "statement.scores[%zu]", i);
		if (rl_json_int_value(v, f, rl_tool_min(tool), rl_tool_max(tool), &x, err) < 0)
			continue;
		sc[n++] = (int)x;
		total += sc[n - 1];
	}
	if (err->nfields || rl_tool_check_scores(tool, sc, n, err) < 0)
		goto out;
	supersedes = so->st.supersedes;
	if (must_match(st, rl_stmt_assessment_superseding(trainee, sid, tool_id, scores, supersedes, by),
		       "the assessment", err) < 0 ||
	    need_trainer(db, so, date, err) < 0 || need_correctable(db, so, RL_K_ASSESSMENT, trainee, &supersedes, err) < 0)
		goto out;
	/* One live assessment per session and tool: the one being superseded does not count. */
	if ((other = rl_rows_assessment_other(db, sid, tool_id, supersedes, err)) < 0)
		goto out;
	if (other) {
		rl_error_set(err, RL_E_CONFLICT, "already-signed", "Already assessed",
			     "session %lld already has a %s assessment; correct it with a new one naming it in "
			     "\"supersedes\" (raslog assess --supersedes INDEX)", (long long)sid, tool_id);
		goto out;
	}
	if (append(db, so, trainee, err) < 0 || drop_record(db, RL_K_ASSESSMENT, supersedes, err) < 0)
		goto out;
	scores_text = json_dumps(scores, JSON_COMPACT);
	rl_now_rfc3339(now);
	if (rl_rows_assessment_insert(db, trainee, so->signer, sid, tool_id, scores_text, total, so->ledger_index, now,
				      err) < 0)
		goto out;
	rc = rl_progress_refresh(db, trainee, err);
out:
	free(scores_text);
	record_release(&r);
	return rc;
}

/*
 * A module completion needs every prerequisite module of the module met by
 * signed evidence (the progress report's module states); 409
 * prerequisites-unmet naming those that are not.
 */
static int need_prerequisites(struct rl_db *db, int64_t trainee, const char *module, struct rl_error *err)
{
	json_t *report = rl_progress_report(db, trainee, err), *mods, *m, *target = NULL, *p, *missing;
	char names[300] = "";
	size_t i, j, used = 0;

	if (!report)
		return -1;
	mods = json_object_get(report, "modules");
	json_array_foreach(mods, i, m)
		if (strcmp(member_str(m, "id") ? member_str(m, "id") : "", module) == 0)
			target = m;
	missing = json_array();
	json_array_foreach(json_object_get(target, "prerequisites"), i, p) {
		const char *pid = json_string_value(p), *status = "not_started", *title = pid;
		json_array_foreach(mods, j, m)
			if (pid && member_str(m, "id") && strcmp(member_str(m, "id"), pid) == 0) {
				status = member_str(m, "status") ? member_str(m, "status") : status;
				title = member_str(m, "title") ? member_str(m, "title") : pid;
			}
		if (!pid || strcmp(status, "met") == 0)
			continue;
		json_array_append_new(missing, json_pack("{s:s,s:s,s:s}", "module", pid, "title", title, "status", status));
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s (%s, %s)", used ? ", " : "",
						 pid, title, status);
	}
	json_decref(report);
	if (!json_array_size(missing)) {
		json_decref(missing);
		return 0;
	}
	rl_error_set(err, RL_E_CONFLICT, "prerequisites-unmet", "Prerequisites not met",
		     "module %s of trainee %lld cannot be signed off before its prerequisite module%s %s met by signed "
		     "evidence: %s", module, (long long)trainee, json_array_size(missing) == 1 ? " is" : "s are",
		     "not", names);
	err->extra = json_pack("{s:o}", "missing_prerequisites", missing);
	return -1;
}

static int apply_module(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by, const char *date,
			struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t trainee = so->st.u.module.trainee, cid;
	const char *module = so->st.u.module.module;
	char code[64], now[21];
	int version, other;
	int64_t supersedes = -1;
	const struct rl_curriculum *c;

	if (trainee == so->signer)
		return REFUSE(err, "self-sign", "you cannot sign off your own module");
	if (curriculum_of(db, trainee, code, &version, &cid, err) < 0 ||
	    need_supervision(db, so->signer, trainee, err) < 0)
		return -1;
	if (!(c = rl_curriculum_by_id(db, cid, err)))
		return -1;
	if (!module || !rl_curriculum_has_module(c, module))
		return rl_error_field(err, "statement.module", "'%s' is not a module of %s version %d",
				      module ? module : "", code, version);
	supersedes = so->st.supersedes;
	if (must_match(st, rl_stmt_module_completion_superseding(trainee, code, version, module, supersedes, by),
		       "the trainee's curriculum", err) < 0 ||
	    need_trainer(db, so, date, err) < 0 || need_correctable(db, so, RL_K_MODULE, trainee, &supersedes, err) < 0)
		return -1;
	if ((other = rl_rows_module_completion_other(db, trainee, cid, module, supersedes, err)) < 0)
		return -1;
	if (other)
		return rl_error_set(err, RL_E_CONFLICT, "already-signed", "Already signed",
				    "module %s of trainee %lld is already signed off", module, (long long)trainee);
	if (need_prerequisites(db, trainee, module, err) < 0 || append(db, so, trainee, err) < 0 ||
	    drop_record(db, RL_K_MODULE, supersedes, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	if (rl_rows_module_completion_insert(db, trainee, cid, module, so->signer, so->ledger_index, now, err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

/*
 * One decision path for every import a person signs (docs/imports.md): the
 * import the statement names, of the kind the statement type decides,
 * pending, not the signer's own, with a decision (and a rejection's
 * reason).  The import with its items, or NULL with err.
 */
static int pending_import(struct rl_db *db, const struct rl_signoff *so, const char *kind, struct record *r,
			  struct rl_error *err)
{
	int64_t id = so->st.u.import.import.id;
	const char *reason = so->st.reason;
	int certificate = strcmp(kind, "certificate") == 0;
	struct rl_error rerr = RL_ERROR_INIT;

	memset(r, 0, sizeof(*r));
	/* With items: the statement carries their results. */
	if (!(r->json = id > 0 ? rl_import_load(db, id, 1, err) : NULL)) {
		if (!err->status)
			rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "the statement names no import");
		return -1;
	}
	if (rl_stmt_import_from_api(r->json, certificate, &r->u.import, &rerr) < 0) {
		rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "import %lld does not read as a record: %s",
			     (long long)id, rerr.nfields ? rerr.fields[0].field : rerr.detail);
		rl_error_clear(&rerr);
	} else if (record_state(r, "import", id, err) < 0) {
		;
	} else if (strcmp(r->u.import.kind ? r->u.import.kind : "", kind) != 0) {
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "import %lld is no %s import", (long long)id, kind);
	} else if (r->u.import.trainee == so->signer) {
		REFUSE(err, "self-sign", "you cannot countersign your own import %lld", (long long)id);
	} else if (strcmp(r->status, "pending") != 0) {
		rl_error_set(err, RL_E_CONFLICT, "already-signed", "Already signed",
			     "import %lld was already %s (ledger index %lld)", (long long)id, r->status,
			     (long long)(r->decided < 0 ? 0 : r->decided));
	} else if (so->st.decision == RL_DECISION_REJECTED && (!reason || !*reason || strlen(reason) > 1000)) {
		rl_error_field(err, "statement.reason", "a rejection needs a reason of at most 1000 characters");
	} else {
		if (certificate)
			rl_json_get_str(json_object_get(r->json, "certificate"), "verification", 0, 4096,
					&r->verification, &rerr);
		rl_error_clear(&rerr);
		return 0;
	}
	record_release(r);
	return -1;
}

/* Records a checked decision: the statement rebuilt from the import (expected), the ledger, the import, the figures. */
static int decide_import(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by,
			 const struct record *imp, json_t *expected, struct rl_error *err)
{
	const char *decision = decision_name(so->st.decision), *reason = so->st.reason;
	int64_t trainee = imp->u.import.trainee;

	if (must_match(so->statement, expected, "the import", err) < 0 || append(db, so, trainee, err) < 0 ||
	    rl_import_decided(db, imp->u.import.id, decision, so->signer, by->signed_at, so->ledger_index, reason,
			      err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

/* A trainer countersigns (or rejects) a pending simulator import as a whole; see core/domain/imports.h. */
static int apply_simulator_import(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by,
				  const char *date, struct rl_error *err)
{
	struct record imp;
	int rc = -1;

	if (pending_import(db, so, "simulator", &imp, err) < 0)
		return -1;
	if (imp.u.import.trainer != so->signer)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no import %lld waits for your signature",
			     (long long)imp.u.import.id);
	else if (need_trainer(db, so, date, err) == 0)
		rc = decide_import(db, so, by, &imp, rl_stmt_simulator_import(imp.json, decision_name(so->st.decision),
									      so->st.reason, by), err);
	record_release(&imp);
	return rc;
}

/*
 * A trainer who supervises the trainee (under their live accreditation) or
 * faculty of the trainee's programme (with a faculty key) confirms or
 * rejects an e-learning certificate.  Confirming one whose proof did not
 * verify needs "unverified_ok": true, which the statement then records.
 */
static int apply_elearning(struct rl_db *db, const struct rl_user *me, const struct key_row *k, struct rl_signoff *so,
			   const struct rl_signer *by, const char *date, struct rl_error *err)
{
	const char *decision = decision_name(so->st.decision);
	struct record imp;
	int64_t trainee, id;
	int verified, rc = -1, ok = so->st.u.import.unverified_ok; /* -1 absent */

	if (pending_import(db, so, "certificate", &imp, err) < 0)
		return -1;
	trainee = imp.u.import.trainee;
	id = imp.u.import.id;
	verified = imp.u.import.verified == 1;
	if (ok == 0) {
		rl_error_field(err, "statement.unverified_ok", "must be true, or left out");
	} else if (ok == 1 && (verified || so->st.decision != RL_DECISION_CONFIRMED)) {
		rl_error_field(err, "statement.unverified_ok", verified ? "the certificate's proof verified; leave it out"
				      : "goes only with a confirmation");
	} else if (ok < 0 && !verified && so->st.decision == RL_DECISION_CONFIRMED) {
		rl_error_set(err, RL_E_CONFLICT, "unverified-certificate", "Unverified certificate",
			     "import %lld is an unverified certificate (%s); confirm it only on purpose, with "
			     "\"unverified_ok\": true (raslog import confirm --unverified-ok)", (long long)id,
			     imp.verification ? imp.verification : "no proof");
	} else if (k->faculty_root && (me->roles & RL_ROLE_FACULTY)) {
		/* Faculty of the trainee's programme, with their faculty key. */
		if (!(me->roles & RL_ROLE_ADMIN) && !rl_trainee_visible(db, me, trainee))
			rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL, "trainee %lld is not in a programme of yours; "
				     "faculty confirm certificates of their own programmes' trainees", (long long)trainee);
		else
			rc = decide_import(db, so, by, &imp, rl_stmt_elearning_confirmation(imp.json, decision,
					   so->st.reason, ok == 1, by), err);
	} else if (need_supervision(db, so->signer, trainee, err) == 0 && need_trainer(db, so, date, err) == 0) {
		rc = decide_import(db, so, by, &imp, rl_stmt_elearning_confirmation(imp.json, decision, so->st.reason,
										    ok == 1, by), err);
	}
	record_release(&imp);
	return rc;
}

static int apply_trainer_accreditation(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
				       struct rl_signoff *so, const struct rl_signer *by, struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t trainer = so->st.u.trainer_acc.trainer, supersedes = so->st.supersedes;
	const char *tkey = so->st.u.trainer_acc.trainer_key, *from = so->st.u.trainer_acc.valid_from,
		   *until = so->st.u.trainer_acc.valid_until;
	struct rl_user t;
	struct rl_tacc latest;
	struct key_row tk;
	long d1, d2;
	uint8_t pk[32];
	char why[300];
	int rc;

	if (need_faculty(me, k, err) < 0)
		return -1;
	if (trainer == so->signer)
		return REFUSE(err, "self-sign", "faculty cannot accredit themselves as trainers");
	if (rl_user_get(db, trainer, &t, err) < 0)
		return -1;
	if (!(t.roles & RL_ROLE_TRAINER))
		return rl_error_field(err, "statement.trainer", "user %lld does not have the trainer role", (long long)trainer);
	if (!from || !until || rl_parse_date(from, &d1) < 0 || rl_parse_date(until, &d2) < 0 || d2 < d1)
		return rl_error_field(err, "statement.valid_until", "valid_from and valid_until must be dates with from <= until");
	if (d2 < rl_today())
		return rl_error_field(err, "statement.valid_until", "%s is in the past", until);
	if (!tkey || signer_key(db, trainer, tkey, &tk, err) < 0) {
		rl_error_clear(err);
		return rl_error_field(err, "statement.trainer_key", "is not a live key registered by trainer %lld", (long long)trainer);
	}
	if (must_match(st, rl_stmt_trainer_accreditation_superseding(trainer, tkey, from, until, supersedes, by),
		       "the trainer's record", err) < 0)
		return -1;
	/* At most one live accreditation per trainer: a new one names the one it replaces. */
	if ((rc = latest_tacc(db, trainer, &latest, err)) < 0)
		return -1;
	switch (rl_authority_trainer_accreditation(rc ? &latest : NULL, trainer, supersedes, why, sizeof(why))) {
	case RL_AUTH_OK:
		break;
	case RL_AUTH_IMPLICIT:
		rl_error_set(err, RL_E_CONFLICT, "already-accredited", "Trainer already accredited", "%s", why);
		err->extra = json_pack("{s:I}", "live_accreditation_index", (json_int_t)latest.index);
		return -1;
	default:
		return rl_error_set(err, RL_E_CONFLICT, "supersedes-mismatch", "Wrong accreditation superseded", "%s", why);
	}
	if (append(db, so, trainer, err) < 0)
		return -1;
	if (supersedes >= 0 && rl_rows_tacc_supersede(db, trainer, supersedes, so->ledger_index, err) < 0)
		return -1;
	rl_base64_decode_exact(tkey, pk, 32);
	return rl_rows_tacc_insert(db, trainer, pk, from, until, so->signer, so->ledger_index, err);
}

static int apply_accreditation(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
			       struct rl_signoff *so, const struct rl_signer *by, struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t trainee = so->st.u.acc.trainee, cid;
	const char *until = so->st.u.acc.valid_until;
	char code[64];
	int version;
	json_t *report;
	const char *status;
	long d;

	if (need_faculty(me, k, err) < 0)
		return -1;
	if (trainee == so->signer)
		return REFUSE(err, "self-sign", "you cannot accredit yourself");
	if (curriculum_of(db, trainee, code, &version, &cid, err) < 0)
		return -1;
	if (until && rl_parse_date(until, &d) < 0)
		return rl_error_field(err, "statement.valid_until", "must be a date YYYY-MM-DD");
	report = rl_progress_report(db, trainee, err);
	if (!report)
		return -1;
	/* It names the evidence and the curriculum content the trainee's report rests on now. */
	if (!json_string_value(json_object_get(json_object_get(report, "curriculum"), "sha256"))) {
		json_decref(report);
		return rl_error_set(err, RL_E_CONFLICT, "not-enrolled", NULL, "trainee %lld has no enrolment statement in "
				    "the ledger naming their curriculum's content; run raslogd init", (long long)trainee);
	}
	status = member_str(report, "status");
	if (strcmp(status, "accredited") == 0) {
		json_decref(report);
		return rl_error_set(err, RL_E_CONFLICT, "already-signed", "Already accredited",
				    "trainee %lld is already accredited", (long long)trainee);
	}
	if (strcmp(member_str(report, "evaluated_status"), "eligible") != 0) {
		size_t n = json_array_size(json_object_get(report, "unmet"));
		rl_error_set(err, RL_E_CONFLICT, "not-eligible", "Not eligible for accreditation",
			     "trainee %lld has %zu unmet requirement%s; accreditation needs every requirement met by signed evidence",
			     (long long)trainee, n, n == 1 ? "" : "s");
		err->extra = json_pack("{s:O}", "unmet", json_object_get(report, "unmet"));
		json_decref(report);
		return -1;
	}
	if (must_match(st, rl_stmt_accreditation_for(report, trainee, until, by), "the trainee's record and evidence",
		       err) < 0) {
		json_decref(report);
		return -1;
	}
	json_decref(report);
	if (append(db, so, trainee, err) < 0)
		return -1;
	if (rl_rows_acc_insert(db, trainee, cid, so->signer, so->ledger_index, by->signed_at, until, err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

static int apply_revocation(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
			    struct rl_signoff *so, const struct rl_signer *by, struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t subject = so->st.u.revocation.subject, index = so->st.u.revocation.accreditation_index;
	const char *reason = so->st.reason;
	struct rl_tacc t;
	char why[300];
	int64_t changed = 0;
	int rc;

	if (need_faculty(me, k, err) < 0)
		return -1;
	if (!reason || !*reason || strlen(reason) > 1000)
		return rl_error_field(err, "statement.reason", "a revocation needs a reason of at most 1000 characters");
	if (must_match(st, rl_stmt_revocation(subject, index, reason, by), "the accreditation", err) < 0)
		return -1;
	/* The index names either a trainer's or a trainee's accreditation. */
	if ((rc = tacc_at(db, index, &t, err)) < 0)
		return -1;
	if (rc && t.trainer == subject) {
		/* A trainer's: the revocation covers the person, every accreditation they hold (core/ledger/authority.h). */
		if (rl_authority_trainer_revocation(&t, subject, index, why, sizeof(why)) != RL_AUTH_OK)
			return rl_error_set(err, RL_E_CONFLICT, "already-revoked", NULL, "%s", why);
		if (append(db, so, subject, err) < 0 ||
		    rl_rows_tacc_revoke_all(db, subject, so->ledger_index, reason, &changed, err) < 0)
			return -1;
	} else if (append(db, so, subject, err) < 0 ||
		   rl_rows_acc_revoke(db, subject, index, so->ledger_index, reason, &changed, err) < 0) {
		return -1;
	}
	if (!changed)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL,
				    "no live accreditation of user %lld at ledger index %lld", (long long)subject, (long long)index);
	return rl_progress_refresh(db, subject, err);
}

/*
 * Keys per device: a further key of user, already registered by them
 * (POST /keys, with proof of possession), approved by the same person with
 * a key already trusted for them, or by faculty.
 */
static int apply_device_key(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
			    struct rl_signoff *so, const struct rl_signer *by, const char *date, struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t user = so->st.u.device_key.user;
	const char *pk64 = so->st.u.device_key.public_key;
	struct key_row nk;
	struct rl_devkey dev;
	struct rl_tacc t;
	uint8_t pk[32];
	int rc;

	if (user == so->signer) {
		if (need_trainer(db, so, date, err) < 0)
			return -1;
	} else if (need_faculty(me, k, err) < 0) {
		return -1;
	}
	if (!pk64 || rl_base64_decode_exact(pk64, pk, 32) < 0 || signer_key(db, user, pk64, &nk, err) < 0) {
		rl_error_clear(err);
		return rl_error_field(err, "statement.public_key", "is not a live key registered by user %lld "
				      "(register it first: POST /keys, raslog key register)", (long long)user);
	}
	if ((rc = device_key_of(db, user, pk, &dev, err)) < 0)
		return -1;
	if (rc)
		return rl_error_set(err, RL_E_CONFLICT, "already-approved", "Key already approved",
				    "key %s of user %lld was already introduced by the device_key at ledger index %lld",
				    pk64, (long long)user, (long long)dev.introduced);
	if ((rc = latest_tacc(db, user, &t, err)) < 0)
		return -1;
	if (rc && memcmp(t.pk, pk, 32) == 0 && t.revoked < 0)
		return rl_error_set(err, RL_E_CONFLICT, "already-approved", "Key already approved",
				    "key %s is the one named by the live trainer accreditation of user %lld (ledger index %lld)",
				    pk64, (long long)user, (long long)t.index);
	if (must_match(st, rl_stmt_device_key(user, pk64, by), "the key as registered", err) < 0)
		return -1;
	return append(db, so, user, err);
}

/*
 * A signoff_withdrawal (docs/ledger.md rule 9): the signer of a
 * session_signoff, assessment or module_completion, under their live
 * accreditation, or faculty of the trainee's programme, withdraws it.  It
 * then counts nowhere.  A withdrawn session sign-off (confirmed or
 * rejected) returns the session to pending, in the trainer's queue again
 * and open to the trainee's edit; a confirmed one is withdrawn only once
 * no assessment of the session counts (withdraw or correct that first).
 */
static int apply_withdrawal(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
			    struct rl_signoff *so, const struct rl_signer *by, const char *date, struct rl_error *err)
{
	const json_t *st = so->statement;
	int64_t trainee = so->st.u.withdrawal.trainee, index = so->st.u.withdrawal.signoff_index, sid = 0, assessed = -1;
	const char *reason = so->st.reason;
	struct rl_signed_rec rec;
	json_t *target = NULL;
	char why[300];
	int rc = -1, found, faculty;

	if (!reason || !*reason || strlen(reason) > 1000)
		return rl_error_field(err, "statement.reason", "a withdrawal needs a reason of at most 1000 characters");
	if (trainee == so->signer)
		return REFUSE(err, "self-sign", "you cannot withdraw a sign-off about yourself");
	if (must_match(st, rl_stmt_signoff_withdrawal(trainee, index, reason, by), "the record", err) < 0)
		return -1;
	if ((found = signed_rec_at(db, index, &rec, &target, err)) < 0)
		return -1;
	/* The record's own signer acts as a trainer; anyone else only as faculty of the trainee's programme. */
	faculty = !found || rec.signer != so->signer;
	if (faculty && found && !(me->roles & RL_ROLE_FACULTY)) {
		rl_authority_withdrawal(&rec, so->signer, 0, trainee, index, why, sizeof(why));
		rl_error_set(err, RL_E_FORBIDDEN, "not-signer", "Not your sign-off", "%s", why);
		goto out;
	}
	if (faculty && (need_faculty(me, k, err) < 0 ||
			(!(me->roles & RL_ROLE_ADMIN) && !rl_trainee_visible(db, me, trainee) &&
			 rl_error_set(err, RL_E_FORBIDDEN, "forbidden", NULL, "trainee %lld is not in a programme of yours; "
				      "faculty withdraw sign-offs of their own programmes' trainees", (long long)trainee))))
		goto out;
	if (!faculty && need_trainer(db, so, date, err) < 0)
		goto out;
	if (rl_authority_withdrawal(found ? &rec : NULL, so->signer, faculty, trainee, index, why, sizeof(why)) !=
	    RL_AUTH_OK) {
		rl_error_set(err, RL_E_CONFLICT, "withdrawal-refused", "Withdrawal refused", "%s", why);
		goto out;
	}
	if (rec.kind == RL_K_SESSION) {
		struct rl_statement signed_st;
		struct rl_error rerr = RL_ERROR_INIT;

		/* The session the withdrawn sign-off names, read as any statement is (ledger/stmt.h). */
		rl_statement_read(target, NULL, &signed_st, &rerr);
		rl_error_clear(&rerr);
		sid = signed_st.u.session.session.id;
		if (rl_rows_assessment_first(db, sid, &assessed, err) < 0)
			goto out;
		if (assessed >= 0) {
			rl_error_set(err, RL_E_CONFLICT, "withdrawal-refused", "Withdrawal refused",
				     "session %lld has an assessment that counts (ledger index %lld); withdraw that first, "
				     "then the sign-off", (long long)sid, (long long)assessed);
			goto out;
		}
	}
	if (append(db, so, trainee, err) < 0)
		goto out;
	if (rec.kind == RL_K_SESSION) {
		/* The claim comes back into the pending claims the seals bind: checked before (progress.h). */
		if (rl_progress_hold(db, trainee, err) < 0)
			goto out;
		if (rl_rows_session_reopen(db, sid, index, err) < 0)
			goto out;
		rc = rl_progress_refresh_held(db, trainee, err);
	} else if (drop_record(db, rec.kind, index, err) < 0) {
		goto out;
	} else {
		rc = rl_progress_refresh(db, trainee, err);
	}
out:
	json_decref(target);
	return rc;
}

/* What accepting each kind a person signs does: one row per kind of ledger/kinds.c signed by a trainer or faculty. */
typedef int (*trainer_act)(struct rl_db *db, struct rl_signoff *so, const struct rl_signer *by, const char *date,
			   struct rl_error *err);
typedef int (*faculty_act)(struct rl_db *db, const struct rl_user *me, const struct key_row *k, struct rl_signoff *so,
			   const struct rl_signer *by, struct rl_error *err);
typedef int (*self_or_faculty_act)(struct rl_db *db, const struct rl_user *me, const struct key_row *k,
				   struct rl_signoff *so, const struct rl_signer *by, const char *date, struct rl_error *err);
static const struct {
	int kind;
	trainer_act trainer;
	faculty_act faculty;
	self_or_faculty_act self_or_faculty;
} acts[] = {
	{ RL_K_SESSION, apply_session, NULL, NULL },
	{ RL_K_ASSESSMENT, apply_assessment, NULL, NULL },
	{ RL_K_MODULE, apply_module, NULL, NULL },
	{ RL_K_SIM_IMPORT, apply_simulator_import, NULL, NULL },
	{ RL_K_TRAINER_ACC, NULL, apply_trainer_accreditation, NULL },
	{ RL_K_ACC, NULL, apply_accreditation, NULL },
	{ RL_K_REVOCATION, NULL, apply_revocation, NULL },
	{ RL_K_DEVICE_KEY, NULL, NULL, apply_device_key },
	{ RL_K_WITHDRAWAL, NULL, NULL, apply_withdrawal },
	{ RL_K_ELEARNING, NULL, NULL, apply_elearning },
};

int rl_signoff_apply(struct rl_db *db, const struct rl_user *me, struct rl_signoff *so, struct rl_error *err)
{
	const struct rl_kind *kind = so->st.kind < RL_K_COUNT ? &rl_kinds[so->st.kind] : NULL;
	const char *type = so->st.type;
	const char *signed_at = so->st.signed_at;
	struct rl_signer by = { so->signer, so->key, signed_at };
	struct key_row k;
	time_t t;
	char date[11];

	if (!signed_at || rl_parse_rfc3339(signed_at, &t) < 0)
		return rl_error_field(err, "statement.signed_at", "must be an RFC 3339 UTC time like 2026-11-23T10:00:00Z");
	if (t > time(NULL) + RL_SIGNOFF_MAX_SKEW || t < time(NULL) - RL_SIGNOFF_MAX_SKEW)
		return REFUSE(err, "stale-signature",
			      "signed_at %s is more than %d minutes from the server's time; sign again now",
			      signed_at, RL_SIGNOFF_MAX_SKEW / 60);
	memcpy(date, signed_at, 10);
	date[10] = '\0';
	if (signer_key(db, so->signer, so->key, &k, err) < 0)
		return -1;
	/* The kind's row (ledger/kinds.h) says which rule of signer applies; its act stores the record. */
	for (size_t i = 0; kind && i < sizeof(acts) / sizeof(acts[0]); i++) {
		if (acts[i].kind != kind->id)
			continue;
		if (kind->signer == RL_SIGNER_TRAINER)
			return acts[i].trainer(db, so, &by, date, err);
		if (kind->signer == RL_SIGNER_FACULTY)
			return acts[i].faculty(db, me, &k, so, &by, err);
		if (kind->signer == RL_SIGNER_SELF_OR_FACULTY || kind->signer == RL_SIGNER_TRAINER_OR_FACULTY)
			return acts[i].self_or_faculty(db, me, &k, so, &by, date, err);
	}
	return rl_error_field(err, "statement.type", "'%s' is not a statement type; see docs/ledger.md", type ? type : "");
}

/* ------------------------------------------------------------------- keys */

static json_t *key_json(const struct rl_row_key *k)
{
	char *pk = rl_base64_encode(k->public_key, 32);
	json_t *o = json_pack("{s:I,s:I,s:s,s:b,s:s}", "id", (json_int_t)k->id, "user", (json_int_t)k->user,
			      "public_key", pk, "faculty_root", k->faculty_root, "created_at", k->created_at);
	free(pk);
	if (k->revoked)
		json_object_set_new(o, "revoked_at", json_string(k->revoked_at));
	if (k->revoked_index >= 0)
		json_object_set_new(o, "revoked_index", json_integer(k->revoked_index));
	return o;
}

/* The user's keys as rows (rl_key_list), newest first. */
struct keys {
	struct rl_row_key *v;
	size_t n, cap;
};

static int add_key(void *ctx, const struct rl_row_key *k)
{
	struct keys *ks = ctx;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 8;
		struct rl_row_key *grown = realloc(ks->v, cap * sizeof(*grown));
		if (!grown)
			return -2;
		ks->v = grown;
		ks->cap = cap;
	}
	ks->v[ks->n++] = *k;
	return 0;
}

json_t *rl_key_list(struct rl_db *db, int64_t user, struct rl_error *err)
{
	struct keys ks = { NULL, 0, 0 };
	json_t *a = NULL;
	int rc = rl_rows_key_list(db, user, add_key, &ks, err);

	if (rc == -2)
		rl_error_internal(err, "out of memory listing keys");
	if (rc < 0)
		goto out;
	a = json_array();
	for (size_t i = 0; i < ks.n; i++) {
		json_t *o = key_json(&ks.v[i]);
		struct rl_devkey dev;
		int64_t acc;

		json_array_append_new(a, o);
		/* Keys per device: the device_key statement that approved each key, if any ... */
		if ((rc = device_key_of(db, user, ks.v[i].public_key, &dev, err)) < 0)
			break;
		if (rc)
			json_object_set_new(o, "device_index", json_integer(dev.introduced));
		/* ... or the trainer accreditation that names it (the first key). */
		if ((rc = rl_rows_tacc_index_for_key(db, user, ks.v[i].public_key, &acc, err)) < 0)
			break;
		if (rc)
			json_object_set_new(o, "accreditation_index", json_integer(acc));
	}
	if (rc < 0) {
		json_decref(a);
		a = NULL;
	}
out:
	free(ks.v);
	return a;
}

static int insert_key(struct rl_db *db, int64_t user, const uint8_t pk[32], int faculty_root, int64_t *id,
		      struct rl_error *err)
{
	char now[21];
	int rc;

	rl_now_rfc3339(now);
	if ((rc = rl_rows_key_insert(db, user, pk, faculty_root, now, id, err)) > 0)
		return rl_error_set(err, RL_E_CONFLICT, "key-exists", NULL, "this public key is already registered");
	return rc;
}

/* The key with this id: 0, or -1 with err (not-found). */
static int key_by_id(struct rl_db *db, int64_t id, struct rl_row_key *k, struct rl_error *err)
{
	int rc = rl_rows_key_by_id(db, id, k, err);

	if (rc < 0)
		return -1;
	if (!rc)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no key %lld is visible to you", (long long)id);
	return 0;
}

/* The key with this id as its API JSON, or NULL with err. */
static json_t *key_json_by_id(struct rl_db *db, int64_t id, struct rl_error *err)
{
	struct rl_row_key k;

	return key_by_id(db, id, &k, err) < 0 ? NULL : key_json(&k);
}

char *rl_key_proof_message(const char *key_b64, const char *server, int64_t user, size_t *len,
			   struct rl_error *err)
{
	json_t *challenge = json_pack("{s:s,s:s,s:I}", "key", key_b64, "server", server, "user", (json_int_t)user);
	struct rl_buf b = RL_BUF_INIT;

	if (!challenge || rl_buf_puts(&b, RL_KEY_PROOF_PREFIX) < 0 || rl_jcs_append(&b, challenge, err) < 0) {
		json_decref(challenge);
		rl_buf_release(&b);
		if (!err->status)
			rl_error_internal(err, "cannot build the key proof challenge");
		return NULL;
	}
	json_decref(challenge);
	return rl_buf_detach(&b, len);
}

char *rl_key_proof_sign(const uint8_t sk[64], const char *server, int64_t user, struct rl_error *err)
{
	char *key = rl_base64_encode(sk + 32, 32), *msg;
	uint8_t sig[64];
	size_t len;

	if (!key)
		return NULL;
	msg = rl_key_proof_message(key, server, user, &len, err);
	free(key);
	if (!msg)
		return NULL;
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, len, sk);
	free(msg);
	return rl_base64_encode(sig, sizeof(sig));
}

int rl_key_add(struct rl_db *db, int64_t user, const char *public_key_b64, json_t **out, struct rl_error *err)
{
	uint8_t pk[32];
	int64_t id;

	if (rl_base64_decode_exact(public_key_b64, pk, 32) < 0)
		return rl_error_field(err, "public_key", "must be a base64 Ed25519 public key of 32 bytes");
	if (insert_key(db, user, pk, 0, &id, err) < 0)
		return -1;
	*out = key_json_by_id(db, id, err);
	return *out ? 0 : -1;
}

int rl_key_register(struct rl_db *db, const struct rl_user *me, const json_t *body, const char *server,
		    json_t **out, struct rl_error *err)
{
	static const char *const allowed[] = { "public_key", "proof", NULL };
	const char *b64 = NULL, *proof = NULL;
	uint8_t pk[32], sig[64];
	char *key, *msg;
	size_t len;
	int ok;

	if (rl_json_check_members(body, allowed, err) < 0)
		return -1;
	if (rl_json_get_str(body, "public_key", 1, 64, &b64, err) < 0)
		return -1;
	if (rl_base64_decode_exact(b64, pk, 32) < 0)
		return rl_error_field(err, "public_key", "must be a base64 Ed25519 public key of 32 bytes");
	if (rl_json_get_str(body, "proof", 1, 128, &proof, err) < 0)
		return -1;
	if (rl_base64_decode_exact(proof, sig, 64) < 0)
		return rl_error_field(err, "proof", "must be a base64 Ed25519 signature of 64 bytes");
	/* The challenge names the key as the server will store it: canonical base64. */
	key = rl_base64_encode(pk, 32);
	msg = key ? rl_key_proof_message(key, server, me->id, &len, err) : NULL;
	free(key);
	if (!msg)
		return -1;
	ok = crypto_sign_verify_detached(sig, (const unsigned char *)msg, len, pk) == 0;
	free(msg);
	if (!ok)
		return rl_error_set(err, RL_E_SIGNATURE, "bad-key-proof", "Key registration refused",
				    "the proof is not a signature by this key over the key proof challenge for user %lld "
				    "on %s (docs/api.md, Keys); only the holder of the private key can register it",
				    (long long)me->id, server);
	return rl_key_add(db, me->id, b64, out, err);
}

static int log_statement(struct rl_db *db, json_t *stmt, int64_t subject, int64_t *index, struct rl_error *err)
{
	uint8_t pk[32], sig[64];
	size_t len;
	char *msg = rl_statement_message(stmt, &len, err);
	int rc = -1;

	if (msg && rl_ledger_log_key(db, pk, err) == 0 && rl_ledger_log_sign(db, msg, len, sig, err) == 0)
		rc = rl_ledger_append(db, rl_stmt_type(stmt), msg, len, pk, sig, 0, subject, index, err);
	free(msg);
	json_decref(stmt);
	return rc;
}

int rl_key_revoke(struct rl_db *db, const struct rl_user *me, int64_t key_id, json_t **out,
		  struct rl_error *err)
{
	struct rl_row_key k;
	int64_t index;
	char now[21], *pk;
	int rc;

	if (key_by_id(db, key_id, &k, err) < 0)
		return -1;
	if (k.user != me->id && !(me->roles & RL_ROLE_FACULTY))
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no key %lld is visible to you", (long long)key_id);
	if (k.revoked)
		return rl_error_set(err, RL_E_CONFLICT, "already-revoked", NULL, "key %lld is already revoked", (long long)key_id);
	rl_now_rfc3339(now);
	if (!(pk = rl_base64_encode(k.public_key, 32)))
		return rl_error_internal(err, "out of memory");
	rc = log_statement(db, rl_stmt_key_revocation(k.user, pk, now), k.user, &index, err);
	free(pk);
	if (rc < 0 || rl_rows_key_revoke(db, key_id, now, index, err) < 0)
		return -1;
	*out = key_json_by_id(db, key_id, err);
	return *out ? 0 : -1;
}

int rl_faculty_key_add(struct rl_db *db, int64_t user, const char *public_key_b64, int64_t *index,
		       struct rl_error *err)
{
	struct rl_user u;
	uint8_t pk[32];
	int64_t id;
	char now[21];
	char *canonical;
	int rc;

	if (rl_user_get(db, user, &u, err) < 0)
		return -1;
	if (!(u.roles & RL_ROLE_FACULTY))
		return rl_error_set(err, RL_E_INVALID, "not-faculty", NULL, "user %lld (%s) does not have the faculty role",
				    (long long)user, u.name);
	if (rl_base64_decode_exact(public_key_b64, pk, 32) < 0)
		return rl_error_set(err, RL_E_INVALID, "bad-key", NULL, "'%s' is not a base64 Ed25519 public key", public_key_b64);
	if (insert_key(db, user, pk, 1, &id, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	canonical = rl_base64_encode(pk, 32);
	rc = log_statement(db, rl_stmt_faculty_key(user, canonical, now), user, index, err);
	free(canonical);
	return rc;
}

struct trainers {
	json_t *list;
	int64_t *ids;             /* each trainer's id, in the list's order */
	size_t cap;
	char today[11];
};

static int add_trainer(void *ctx, const struct rl_row_trainer *t)
{
	struct trainers *ts = ctx;
	json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)t->id, "name", t->name ? t->name : "", "site",
			      t->site ? t->site : ""), *acc;
	const char *state;

	if (json_array_size(ts->list) == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 16;
		int64_t *grown = realloc(ts->ids, cap * sizeof(*grown));
		if (!grown) {
			json_decref(o);
			return -2;
		}
		ts->ids = grown;
		ts->cap = cap;
	}
	ts->ids[json_array_size(ts->list)] = t->id;
	if (!t->has_acc) {
		acc = json_pack("{s:s}", "state", "none");
	} else {
		const char *until = t->valid_until ? t->valid_until : "";
		if (t->revoked)
			state = "revoked";
		else if (strcmp(until, ts->today) < 0)
			state = "expired";
		else
			state = "active";
		acc = json_pack("{s:I,s:s,s:s,s:s}", "ledger_index", (json_int_t)t->acc_index, "valid_from",
				t->valid_from ? t->valid_from : "", "valid_until", until, "state", state);
	}
	json_object_set_new(o, "accreditation", acc);
	json_array_append_new(ts->list, o);
	return 0;
}

static int add_index(void *ctx, int64_t index)
{
	json_array_append_new(ctx, json_integer(index));
	return 0;
}

json_t *rl_trainer_list(struct rl_db *db, struct rl_error *err)
{
	struct trainers ts = { json_array(), NULL, 0, "" };
	int rc;

	rl_format_date(rl_today(), ts.today);
	if ((rc = rl_rows_trainer_list(db, add_trainer, &ts, err)) < 0) {
		if (rc == -2)
			rl_error_internal(err, "out of memory listing trainers");
		json_decref(ts.list);
		free(ts.ids);
		return NULL;
	}
	/* The statements that make the trainer's key chain, for checkers that follow it (web/js/verify.js). */
	for (size_t i = 0; i < json_array_size(ts.list); i++) {
		json_t *o = json_array_get(ts.list, i), *chain = json_array();

		if (rl_rows_ledger_key_chain(db, ts.ids[i], add_index, chain, err) < 0) {
			json_decref(chain);
			json_decref(ts.list);
			free(ts.ids);
			return NULL;
		}
		json_object_set_new(o, "key_chain", chain);
	}
	free(ts.ids);
	return ts.list;
}
