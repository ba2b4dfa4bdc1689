/*
 * signoff.h - accepting signed statements: keys, trainer accreditation,
 * session sign-offs and rejections, assessments, module completions,
 * trainee accreditation and revocations.
 *
 * rl_signoff_check does what needs no database (shape, signature) so it
 * can run on any thread; rl_signoff_apply runs inside the writer's
 * transaction: it rebuilds the statement from the records, checks the
 * signer's key and authority at the moment of signing, refuses anything
 * that does not match, and appends to the ledger together with the state
 * change.  Each refusal names exactly why (err->type: bad-signature,
 * unknown-key, key-revoked, not-accredited, self-sign, statement-mismatch,
 * stale-signature, wrong-signer, already-signed, not-eligible, ...).
 */
#ifndef RASLOG_SIGNOFF_H
#define RASLOG_SIGNOFF_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"
#include "ledger/stmt.h"

/* How far a statement's signed_at may be from the server's clock. */
#define RL_SIGNOFF_MAX_SKEW 600

/*
 * What rl_signoff_precheck found true outside the writer: the session
 * (0: none checked) pending at revision, naming trainee and trainer, with
 * notes or without, and the statement matching it.
 */
struct rl_signoff_pre {
	int64_t session;
	int64_t trainee, trainer, revision;
	int has_notes;
};

struct rl_signoff {
	json_t *statement;       /* owned; a version 2 statement opened (its texts in place, core/ledger/texts.h) */
	json_t *texts;           /* owned: the texts a version 2 statement commits to, stored beside its entry; or NULL */
	char *message;           /* the exact signed text (prefix || JCS), owned; set by check */
	size_t message_len;
	uint8_t pk[32], sig[64]; /* decoded key and signature, set by check */
	char signature[128];     /* base64 */
	char key[64];            /* base64 public key from the statement */
	int64_t signer;
	int64_t ledger_index;    /* set by apply */
	int64_t subject;         /* the trainee or trainer concerned, set by apply */
	struct rl_statement st;  /* statement's members, read by check (ledger/stmt.h); points into statement */
	struct rl_signoff_pre pre; /* set by rl_signoff_precheck, or zero */
};

/*
 * Parses {"statement":{...},"signature":"...","texts":{...}} and verifies
 * the signature; "texts" (the free text a version 2 statement commits to,
 * with salts; core/ledger/texts.h) only with a version 2 statement.
 */
int rl_signoff_check(const struct rl_user *me, const json_t *body, struct rl_signoff *out,
		     struct rl_error *err);
/*
 * Before the job is queued, on a reader connection (any thread): a
 * session_signoff's session is loaded and the statement rebuilt and
 * compared, as rl_signoff_apply would; if all of that passes, so->pre
 * records what was read, and rl_signoff_apply, in the writer, only
 * confirms the row is unchanged (rl_rows_session_pending_as) instead of
 * doing it again; if the row changed meanwhile, it does the full check.
 * Nothing is refused here: a statement this does not pass is checked
 * (and refused) by rl_signoff_apply as before.
 */
void rl_signoff_precheck(struct rl_db *db, struct rl_signoff *so);
int rl_signoff_apply(struct rl_db *db, const struct rl_user *me, struct rl_signoff *so,
		     struct rl_error *err);
void rl_signoff_release(struct rl_signoff *so);

/*
 * Keys.  Registering a key over the API needs proof of possession: body
 * {"public_key": base64, "proof": base64} where proof is an Ed25519
 * signature by that key over
 *
 *   "RASLOG-KEY-PROOF-v1\n" || JCS({"key": public_key, "server": public_url, "user": id})
 *
 * (rl_key_proof_message), so nobody can register another person's key as
 * their own.  The proof is stateless: replaying it only registers the same
 * key to the same user on the same server again (refused as key-exists).
 * Missing or malformed members are 400; a proof that does not verify is
 * RL_E_SIGNATURE (422) type bad-key-proof.
 */
#define RL_KEY_PROOF_PREFIX "RASLOG-KEY-PROOF-v1\n"
int rl_key_register(struct rl_db *db, const struct rl_user *me, const json_t *body, const char *server,
		    json_t **out, struct rl_error *err);
/* The signed challenge bytes (malloc'd; *len its length). */
char *rl_key_proof_message(const char *key_b64, const char *server, int64_t user, size_t *len,
			   struct rl_error *err);
/* The proof (base64, malloc'd) for the key pair sk (libsodium: seed || public key). */
char *rl_key_proof_sign(const uint8_t sk[64], const char *server, int64_t user, struct rl_error *err);
/* Registers a key for user without a proof: operator paths only (demo, bench), never a request. */
int rl_key_add(struct rl_db *db, int64_t user, const char *public_key_b64, json_t **out, struct rl_error *err);
int rl_key_revoke(struct rl_db *db, const struct rl_user *me, int64_t key_id, json_t **out,
		  struct rl_error *err);
json_t *rl_key_list(struct rl_db *db, int64_t user, struct rl_error *err);
/* Operator: registers a faculty trust root and records it in the ledger (log-signed). */
int rl_faculty_key_add(struct rl_db *db, int64_t user, const char *public_key_b64, int64_t *index,
		       struct rl_error *err);

/* Trainers with their accreditation state. */
json_t *rl_trainer_list(struct rl_db *db, struct rl_error *err);

#endif
