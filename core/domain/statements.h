/*
 * statements.h - the signed statements of raslog, built in one place.
 *
 * The server rebuilds every statement from its own records and compares
 * it byte for byte (after JCS) with what the signer sent; the CLI builds
 * the statement it signs from the record it fetched, with the same
 * functions, so neither trusts the other to say what is being signed.
 * Statements hold only strings, integers, arrays and objects.  The exact
 * formats are documented in docs/ledger.md.
 *
 * Common members: "v":1, "type", and for people's statements "signer"
 * (user id), "key" (the signer's Ed25519 public key, base64) and
 * "signed_at" (RFC 3339 UTC).  Statements the server itself writes (a
 * faculty key registered by the operator, a key revocation) carry
 * "issuer":"log" and are signed with the log key.
 */
#ifndef RASLOG_STATEMENTS_H
#define RASLOG_STATEMENTS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "ledger/stmt.h"

/* Who signs and when: the members every person's statement carries. */
struct rl_signer {
	int64_t user;          /* the signer's user id */
	const char *key;       /* base64 Ed25519 public key */
	const char *signed_at; /* RFC 3339 UTC */
};

/*
 * The one renderer: a typed statement (ledger/stmt.h) as the JSON that is
 * signed (RL_STATEMENT_PREFIX || JCS of it; docs/ledger.md).  Every
 * builder below fills a struct rl_statement and renders it here, and a
 * statement read by rl_statement_read renders back to the same canonical
 * bytes.  Members the kind leaves optional are written when present
 * (strings not NULL; a role, steps or a reason of a decision only when
 * not empty; "supersedes" when >= 0); a person's statement carries
 * "signer", "key" and "signed_at", a log-signed one "issuer":"log".
 * NULL for a kind it does not know.
 */
json_t *rl_statement_to_json(const struct rl_statement *st);

/*
 * The records the builders take, read once from their API JSON into the
 * typed records of ledger/stmt.h (borrowed from the JSON).  Every problem
 * is a field error naming its path ("session.trainee is required",
 * "import.certificate.issuer must be a string"); returns 0 or -1.
 *
 * A session (GET /sessions/{id}): "id", "trainee", "trainer" (ids) and
 * "minutes" are required; "date", "activity", "platform", "site",
 * "procedure", "role", "notes", "created_at" (strings) and "steps" (an
 * array of strings) are read when present and not null.  Text copied
 * from the record is only typed (its rules are the record's).
 */
int rl_stmt_session_from_api(const json_t *session, struct rl_stmt_session *out, struct rl_error *err);
/*
 * An import (GET /imports/{id}): "id" and "trainee" required; a
 * simulator's (certificate 0) "trainer" and "attempts"; "kind", "sha256",
 * "attempts_sha256" strings; a certificate's (1) "certificate" object
 * with "kind", "issuer", "achievement", "completed_on" (strings) and
 * "verified" (boolean).  Strings absent stay NULL (a statement spells them "").
 */
int rl_stmt_import_from_api(const json_t *import, int certificate, struct rl_stmt_import *out, struct rl_error *err);
/*
 * What an accreditation names from a progress report: its "curriculum"
 * ("code" and "sha256" required, "version") and "accreditation_evidence"
 * (an array of ledger indexes, borrowed into *evidence).
 */
int rl_stmt_evidence_from_report(const json_t *report, struct rl_stmt_curriculum *cur, const json_t **evidence,
				 struct rl_error *err);

/*
 * A trainer's decision on a session.  session is the session's API JSON
 * (the certified fields are taken from it); decision "confirmed" or
 * "rejected"; role/steps are the trainer's own view (NULL: none);
 * reason is required for a rejection.
 */
json_t *rl_stmt_session_signoff(const json_t *session, const char *decision, const char *role,
				const json_t *steps, const char *reason, const struct rl_signer *by);
/* The same from the session's typed record (rl_stmt_session_from_api). */
json_t *rl_stmt_session_signoff_of(const struct rl_stmt_session *session, const char *decision, const char *role,
				   const json_t *steps, const char *reason, const struct rl_signer *by);

/* A scored assessment of a signed session the signer supervised. */
json_t *rl_stmt_assessment(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
			   const struct rl_signer *by);

/* A trainer's sign-off of a module of the trainee's curriculum. */
json_t *rl_stmt_module_completion(int64_t trainee, const char *curriculum, int curriculum_version,
				  const char *module, const struct rl_signer *by);

/*
 * Corrections (docs/ledger.md rule 9): the same two statements replacing
 * the signer's own earlier one at ledger index supersedes
 * ("supersedes":N); supersedes < 0 leaves the member out.
 */
json_t *rl_stmt_assessment_superseding(int64_t trainee, int64_t session, const char *tool, const json_t *scores,
				       int64_t supersedes, const struct rl_signer *by);
json_t *rl_stmt_module_completion_superseding(int64_t trainee, const char *curriculum, int curriculum_version,
					      const char *module, int64_t supersedes, const struct rl_signer *by);

/*
 * The signer of a session_signoff, assessment or module_completion (or
 * faculty) withdraws it: {"type":"signoff_withdrawal","trainee",
 * "signoff_index","reason"}.  It then counts nowhere; a withdrawn session
 * sign-off returns the session to pending.
 */
json_t *rl_stmt_signoff_withdrawal(int64_t trainee, int64_t signoff_index, const char *reason,
				   const struct rl_signer *by);

/* Faculty accredit a trainer's key for a period (dates YYYY-MM-DD). */
json_t *rl_stmt_trainer_accreditation(int64_t trainer, const char *trainer_key, const char *valid_from,
				      const char *valid_until, const struct rl_signer *by);
/*
 * The same, replacing the trainer's live accreditation at ledger index
 * supersedes ("supersedes":N); supersedes < 0 leaves the member out.
 */
json_t *rl_stmt_trainer_accreditation_superseding(int64_t trainer, const char *trainer_key, const char *valid_from,
						  const char *valid_until, int64_t supersedes,
						  const struct rl_signer *by);

/* Faculty accredit a trainee who has met every requirement. valid_until may be NULL. */
json_t *rl_stmt_accreditation(int64_t trainee, const char *curriculum, int curriculum_version,
			      const char *valid_until, const struct rl_signer *by);
/*
 * The accreditation as signed since issue 13 ("v":2): it also names the
 * curriculum's content hash ("curriculum":{"code","version","sha256"})
 * and, in "evidence", the ledger indexes of the statements it relied on
 * (ascending).  Built from the trainee's progress report (rl_figures: its
 * "curriculum" and "accreditation_evidence"), so the server, the CLI and
 * the demo name the same.  NULL if the report names no content hash.
 */
json_t *rl_stmt_accreditation_for(const json_t *report, int64_t trainee, const char *valid_until,
				  const struct rl_signer *by);

/* Faculty revoke an earlier accreditation (of a trainee or trainer) named by its ledger index. */
json_t *rl_stmt_revocation(int64_t subject, int64_t accreditation_index, const char *reason,
			   const struct rl_signer *by);

/*
 * A trainer's countersignature (or rejection) of an import as a whole.
 * import is the import's API JSON (core/domain/imports.h); the statement commits
 * to its id, trainee, trainer, kind, the file's SHA-256, the number of
 * attempts and the SHA-256 of JCS(attempts).  reason is required for a
 * rejection.
 */
json_t *rl_stmt_simulator_import(const json_t *import, const char *decision, const char *reason,
				 const struct rl_signer *by);

/*
 * A trainer's or faculty's confirmation (or rejection) of an e-learning
 * certificate import (docs/imports.md).  import is the import's API JSON
 * with "certificate"; the statement commits to its id, trainee, kind, the
 * file's SHA-256, the SHA-256 of JCS(items), the certificate's kind,
 * issuer, achievement, completion date and whether its proof verified.
 * unverified_ok (confirming a certificate whose proof did not verify, on
 * purpose) adds "unverified_ok": true.  reason is required for a rejection.
 */
json_t *rl_stmt_elearning_confirmation(const json_t *import, const char *decision, const char *reason,
				       int unverified_ok, const struct rl_signer *by);

/*
 * Log-signed statements of the record's context (issue 13): a curriculum
 * version's whole content, and a trainee's enrolment on one, so that an
 * export alone says what each trainee is measured against.  sha256 is
 * rl_stmt_content_sha256(definition).
 */
json_t *rl_stmt_curriculum(const char *code, int version, const json_t *definition, const char *sha256,
			   const char *loaded_at);
json_t *rl_stmt_enrolment(int64_t trainee, const char *code, int version, const char *sha256,
			  const char *enrolled_at);
/* SHA-256 of JCS(value), lowercase hex, into out[65]; -1 with err if value is not JCS-able. */
int rl_stmt_content_sha256(const json_t *value, char out[65], struct rl_error *err);

/*
 * A further signing key for a person (keys per device): signed by a key
 * already trusted for the same person (signer == user) or by faculty.
 * {"v":1,"type":"device_key","signer","key","signed_at","user","public_key"}.
 */
json_t *rl_stmt_device_key(int64_t user, const char *public_key, const struct rl_signer *by);

/* Log-signed statements. */
json_t *rl_stmt_faculty_key(int64_t faculty, const char *public_key, const char *registered_at);
json_t *rl_stmt_key_revocation(int64_t user, const char *public_key, const char *revoked_at);

/* The statement's "type", or NULL; the _safe form gives "unknown" instead of NULL. */
const char *rl_stmt_type(const json_t *statement);
const char *rl_stmt_type_safe(const json_t *statement);

/*
 * Names the first member where two statements differ ("session.minutes",
 * "signed_at"), for refusals that say exactly what does not match.
 * Writes "" if they are equal.
 */
void rl_stmt_first_difference(const json_t *a, const json_t *b, char *out, size_t size);

/* Verifies signature (base64) by key (base64) over RL_STATEMENT_PREFIX || JCS(statement). */
int rl_stmt_verify(const json_t *statement, const char *key_b64, const char *signature_b64,
		   struct rl_error *err);

/* Signs a statement with a 64-byte libsodium secret key; returns base64 (malloc'd). */
char *rl_stmt_sign(const json_t *statement, const unsigned char sk[64], struct rl_error *err);

#endif
