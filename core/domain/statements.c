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
#include "domain/sessions.h"
#include "base/util.h"

static json_t *base(const char *type, const struct rl_signer *by)
{
	json_t *o = json_pack("{s:i,s:s}", "v", 1, "type", type);

	if (by) {
		json_object_set_new(o, "signer", json_integer(by->user));
		json_object_set_new(o, "key", json_string(by->key ? by->key : ""));
		json_object_set_new(o, "signed_at", json_string(by->signed_at ? by->signed_at : ""));
	}
	return o;
}

json_t *rl_stmt_session_signoff(const json_t *session, const char *decision, const char *role,
				const json_t *steps, const char *reason, const struct rl_signer *by)
{
	json_t *o = base("session_signoff", by);

	json_object_set_new(o, "decision", json_string(decision ? decision : ""));
	json_object_set_new(o, "session", rl_session_certified_fields(session));
	if (role && *role)
		json_object_set_new(o, "role", json_string(role));
	if (steps && json_array_size(steps))
		json_object_set_new(o, "steps", json_deep_copy(steps));
	if (reason && *reason)
		json_object_set_new(o, "reason", json_string(reason));
	return o;
}

json_t *rl_stmt_assessment_superseding(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
				       int64_t supersedes, const struct rl_signer *by)
{
	json_t *o = base("assessment", by);

	json_object_set_new(o, "trainee", json_integer(trainee));
	json_object_set_new(o, "session", json_integer(session));
	json_object_set_new(o, "tool", json_string(tool ? tool : ""));
	json_object_set_new(o, "scores", scores ? json_deep_copy(scores) : json_array());
	if (supersedes >= 0)
		json_object_set_new(o, "supersedes", json_integer(supersedes));
	return o;
}

json_t *rl_stmt_assessment(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
			   const struct rl_signer *by)
{
	return rl_stmt_assessment_superseding(trainee, session, tool, scores, -1, by);
}

json_t *rl_stmt_signoff_withdrawal(int64_t trainee, int64_t signoff_index, const char *reason,
				   const struct rl_signer *by)
{
	json_t *o = base("signoff_withdrawal", by);

	json_object_set_new(o, "trainee", json_integer(trainee));
	json_object_set_new(o, "signoff_index", json_integer(signoff_index));
	json_object_set_new(o, "reason", json_string(reason ? reason : ""));
	return o;
}

static json_t *curriculum_ref(const char *code, int version)
{
	return json_pack("{s:s,s:i}", "code", code ? code : "", "version", version);
}

json_t *rl_stmt_module_completion_superseding(int64_t trainee, const char *curriculum, int curriculum_version,
					      const char *module, int64_t supersedes, const struct rl_signer *by)
{
	json_t *o = base("module_completion", by);

	json_object_set_new(o, "trainee", json_integer(trainee));
	json_object_set_new(o, "curriculum", curriculum_ref(curriculum, curriculum_version));
	json_object_set_new(o, "module", json_string(module ? module : ""));
	if (supersedes >= 0)
		json_object_set_new(o, "supersedes", json_integer(supersedes));
	return o;
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
	json_t *o = base("trainer_accreditation", by);

	json_object_set_new(o, "trainer", json_integer(trainer));
	json_object_set_new(o, "trainer_key", json_string(trainer_key ? trainer_key : ""));
	json_object_set_new(o, "valid_from", json_string(valid_from ? valid_from : ""));
	json_object_set_new(o, "valid_until", json_string(valid_until ? valid_until : ""));
	if (supersedes >= 0)
		json_object_set_new(o, "supersedes", json_integer(supersedes));
	return o;
}

json_t *rl_stmt_trainer_accreditation(int64_t trainer, const char *trainer_key, const char *valid_from,
				      const char *valid_until, const struct rl_signer *by)
{
	return rl_stmt_trainer_accreditation_superseding(trainer, trainer_key, valid_from, valid_until, -1, by);
}

json_t *rl_stmt_accreditation(int64_t trainee, const char *curriculum, int curriculum_version,
			      const char *valid_until, const struct rl_signer *by)
{
	json_t *o = base("accreditation", by);

	json_object_set_new(o, "trainee", json_integer(trainee));
	json_object_set_new(o, "curriculum", curriculum_ref(curriculum, curriculum_version));
	json_object_set_new(o, "decision", json_string("accredited"));
	if (valid_until && *valid_until)
		json_object_set_new(o, "valid_until", json_string(valid_until));
	return o;
}

json_t *rl_stmt_accreditation_for(const json_t *report, int64_t trainee, const char *valid_until,
				  const struct rl_signer *by)
{
	const json_t *cur = json_object_get(report, "curriculum"), *ev = json_object_get(report, "accreditation_evidence");
	const char *code = json_string_value(json_object_get(cur, "code")), *sha = json_string_value(json_object_get(cur, "sha256"));
	json_t *o;
	size_t i;
	json_t *v;

	if (!code || !sha || !json_is_array(ev))
		return NULL;
	o = rl_stmt_accreditation(trainee, code, (int)json_integer_value(json_object_get(cur, "version")), valid_until, by);
	json_object_set_new(o, "v", json_integer(2));
	json_object_set_new(json_object_get(o, "curriculum"), "sha256", json_string(sha));
	json_object_set_new(o, "evidence", json_array());
	json_array_foreach(ev, i, v)
		json_array_append_new(json_object_get(o, "evidence"), json_integer(json_integer_value(v)));
	return o;
}

json_t *rl_stmt_revocation(int64_t subject, int64_t accreditation_index, const char *reason,
			   const struct rl_signer *by)
{
	json_t *o = base("revocation", by);

	json_object_set_new(o, "subject", json_integer(subject));
	json_object_set_new(o, "accreditation_index", json_integer(accreditation_index));
	json_object_set_new(o, "reason", json_string(reason ? reason : ""));
	return o;
}

json_t *rl_stmt_simulator_import(const json_t *import, const char *decision, const char *reason,
				 const struct rl_signer *by)
{
	json_t *o = base("simulator_import", by);
	const char *const ints[] = { "id", "trainee", "trainer", "attempts", NULL };
	const char *const strs[] = { "kind", "sha256", "attempts_sha256", NULL };
	json_t *imp = json_object();
	size_t i;

	for (i = 0; ints[i]; i++)
		json_object_set_new(imp, ints[i], json_integer(json_integer_value(json_object_get(import, ints[i]))));
	for (i = 0; strs[i]; i++) {
		const char *v = json_string_value(json_object_get(import, strs[i]));
		json_object_set_new(imp, strs[i], json_string(v ? v : ""));
	}
	/* What the figures count, from the statement alone: each attempt's result in integers and strings. */
	if (json_is_array(json_object_get(import, "items"))) {
		json_t *results = json_array(), *a;
		json_array_foreach(json_object_get(import, "items"), i, a) {
			double pct = json_number_value(json_object_get(a, "score_pct"));
			const char *pl = json_string_value(json_object_get(a, "platform"));
			const char *ex = json_string_value(json_object_get(a, "exercise"));
			const char *at = json_string_value(json_object_get(a, "attempt_at"));
			json_array_append_new(results, json_pack("{s:s,s:s,s:s,s:I,s:i}", "platform", pl ? pl : "",
								 "exercise", ex ? ex : "", "attempt_at", at ? at : "",
								 "score_bp", (json_int_t)llround(pct * 100.0), "passed",
								 json_is_true(json_object_get(a, "passed")) ? 1 : 0));
		}
		json_object_set_new(imp, "results", results);
	}
	json_object_set_new(o, "decision", json_string(decision ? decision : ""));
	json_object_set_new(o, "import", imp);
	if (reason && *reason)
		json_object_set_new(o, "reason", json_string(reason));
	return o;
}

json_t *rl_stmt_elearning_confirmation(const json_t *import, const char *decision, const char *reason,
				       int unverified_ok, const struct rl_signer *by)
{
	json_t *o = base("elearning_confirmation", by), *imp = json_object();
	const json_t *cert = json_object_get(import, "certificate");
	const char *const ints[] = { "id", "trainee", NULL };
	const char *const strs[] = { "kind", "sha256", "attempts_sha256", NULL };
	const char *const certs[][2] = { { "certificate_kind", "kind" }, { "issuer", "issuer" },
					 { "achievement", "achievement" }, { "completed_on", "completed_on" } };
	size_t i;

	for (i = 0; ints[i]; i++)
		json_object_set_new(imp, ints[i], json_integer(json_integer_value(json_object_get(import, ints[i]))));
	for (i = 0; strs[i]; i++) {
		const char *v = json_string_value(json_object_get(import, strs[i]));
		json_object_set_new(imp, strs[i], json_string(v ? v : ""));
	}
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		const char *v = json_string_value(json_object_get(cert, certs[i][1]));
		json_object_set_new(imp, certs[i][0], json_string(v ? v : ""));
	}
	json_object_set_new(imp, "verified", json_boolean(json_is_true(json_object_get(cert, "verified"))));
	json_object_set_new(o, "decision", json_string(decision ? decision : ""));
	json_object_set_new(o, "import", imp);
	if (unverified_ok)
		json_object_set_new(o, "unverified_ok", json_true());
	if (reason && *reason)
		json_object_set_new(o, "reason", json_string(reason));
	return o;
}

json_t *rl_stmt_device_key(int64_t user, const char *public_key, const struct rl_signer *by)
{
	json_t *o = base("device_key", by);

	json_object_set_new(o, "user", json_integer(user));
	json_object_set_new(o, "public_key", json_string(public_key ? public_key : ""));
	return o;
}

json_t *rl_stmt_faculty_key(int64_t faculty, const char *public_key, const char *registered_at)
{
	json_t *o = base("faculty_key", NULL);

	json_object_set_new(o, "issuer", json_string("log"));
	json_object_set_new(o, "faculty", json_integer(faculty));
	json_object_set_new(o, "public_key", json_string(public_key));
	json_object_set_new(o, "registered_at", json_string(registered_at));
	return o;
}

json_t *rl_stmt_curriculum(const char *code, int version, const json_t *definition, const char *sha256,
			   const char *loaded_at)
{
	json_t *o = base("curriculum", NULL);

	json_object_set_new(o, "issuer", json_string("log"));
	json_object_set_new(o, "curriculum", json_pack("{s:s,s:i}", "code", code, "version", version));
	json_object_set_new(o, "definition", json_deep_copy(definition));
	json_object_set_new(o, "sha256", json_string(sha256));
	json_object_set_new(o, "loaded_at", json_string(loaded_at));
	return o;
}

json_t *rl_stmt_enrolment(int64_t trainee, const char *code, int version, const char *sha256,
			  const char *enrolled_at)
{
	json_t *o = base("enrolment", NULL);

	json_object_set_new(o, "issuer", json_string("log"));
	json_object_set_new(o, "trainee", json_integer(trainee));
	json_object_set_new(o, "curriculum", json_pack("{s:s,s:i,s:s}", "code", code, "version", version,
						       "sha256", sha256));
	json_object_set_new(o, "enrolled_at", json_string(enrolled_at));
	return o;
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
	json_t *o = base("key_revocation", NULL);

	json_object_set_new(o, "issuer", json_string("log"));
	json_object_set_new(o, "user", json_integer(user));
	json_object_set_new(o, "public_key", json_string(public_key));
	json_object_set_new(o, "revoked_at", json_string(revoked_at));
	return o;
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
