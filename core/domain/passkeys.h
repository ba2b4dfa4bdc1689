/*
 * passkeys.h - WebAuthn passkeys, verified with libfido2: the registration
 * and sign-in ceremonies (single-use challenges stored hashed, five
 * minutes to answer), each person's passkeys (list, remove, disable on
 * deactivation).
 *
 * What is checked, per WebAuthn Level 2 sections 7.1 and 7.2:
 *   clientDataJSON: type, challenge (one we issued, unused, unexpired, for
 *     this purpose and person), origin (exactly the site's), not crossOrigin;
 *   authenticator data: RP id hash = SHA-256 of the RP id, user present and
 *     user verified flags;
 *   registration: attestation format "none" (empty statement) or "packed"
 *     (with a certificate: fido_cred_verify; self attestation:
 *     fido_cred_verify_self), the credential id equal to the one the
 *     browser reports, an ES256 or EdDSA public key (libfido2 decodes it
 *     from the COSE key; libcbor only splits the attestation object's map);
 *   sign-in: the signature over authenticator data and the client data
 *     hash (fido_assert_verify), the credential known, live and its account
 *     active, the user handle (if sent) the credential's, and the signature
 *     counter increasing whenever either value is non-zero.
 *
 * A ceremony's challenge is consumed before its answer is checked, so a
 * refused answer cannot be retried with the same challenge.  Functions
 * that write run inside the caller's transaction.  Failures of the
 * ceremony itself set err->type to a "passkey-..." slug (RL_E_INVALID
 * when registering, RL_E_UNAUTH when signing in).
 */
#ifndef RASLOG_PASSKEYS_H
#define RASLOG_PASSKEYS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/accounts.h"
#include "store/db.h"
#include "base/error.h"
#include "domain/users.h"

#define RL_PASSKEY_CHALLENGE_SECONDS 300
#define RL_PASSKEY_NAME_MAX 80
#define RL_PASSKEY_MAX_PER_USER 20

/* The relying party: RP id (a host name) and the exact origin pages come from. */
struct rl_webauthn_rp {
	const char *id;         /* "logbook.example.nhs.uk", "localhost" */
	const char *origin;     /* "https://logbook.example.nhs.uk", "http://localhost:8080" */
	const char *name;       /* shown by the authenticator */
};

/*
 * PublicKeyCredentialCreationOptions (JSON form: binary members base64url)
 * for user u, with a fresh challenge; the user handle is created on first
 * use; the person's passkeys are excluded so one authenticator is not
 * registered twice.
 */
json_t *rl_passkey_register_options(struct rl_db *db, const struct rl_user *u, const struct rl_webauthn_rp *rp,
				    struct rl_error *err);
/* PublicKeyCredentialRequestOptions for a discoverable-credential sign-in. */
json_t *rl_passkey_login_options(struct rl_db *db, const struct rl_webauthn_rp *rp, struct rl_error *err);

/* A registration as the browser reports it (PublicKeyCredential.toJSON()), borrowed from the body. */
struct rl_passkey_reg {
	const char *name;
	const char *id;              /* base64url credential id */
	const char *client_data;     /* base64url clientDataJSON */
	const char *attestation;     /* base64url attestationObject */
};
int rl_passkey_register_parse(const json_t *body, struct rl_passkey_reg *out, struct rl_error *err);
/* Consumes the challenge, verifies, stores the passkey; its id into *id. */
int rl_passkey_register(struct rl_db *db, int64_t user_id, const struct rl_webauthn_rp *rp,
			const struct rl_passkey_reg *in, int64_t *id, struct rl_error *err);

struct rl_passkey_assertion {
	const char *id;
	const char *client_data;
	const char *authenticator_data;
	const char *signature;
	const char *user_handle;     /* may be NULL */
};
int rl_passkey_login_parse(const json_t *body, struct rl_passkey_assertion *out, struct rl_error *err);
/*
 * Consumes the challenge and verifies the assertion.  On success the
 * passkey's counter and last use are recorded and *user_id / *passkey_id
 * say who signed in.  On failure after the challenge was consumed, *spent
 * is 1: the caller should commit (the challenge stays used) although the
 * sign-in failed.  *passkey_id is set as soon as the credential is known.
 */
int rl_passkey_login(struct rl_db *db, const struct rl_webauthn_rp *rp, const struct rl_passkey_assertion *in,
		     int64_t *user_id, int64_t *passkey_id, int *spent, struct rl_error *err);

/* The user's passkeys (not disabled), oldest first: id, name, created_at, last_used_at, alg. */
json_t *rl_passkey_list(struct rl_db *db, int64_t user_id, struct rl_error *err);
/* Removes one; RL_E_NOTFOUND if not theirs, RL_E_CONFLICT ("last-passkey") if it is their only one. */
int rl_passkey_remove(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err);
/* Disables every passkey of a user (deactivation); returns how many. */
int rl_passkey_disable_user(struct rl_db *db, int64_t user_id, struct rl_error *err);

#endif
