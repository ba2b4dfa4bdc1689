/*
 * passkeys.c - WebAuthn registration and sign-in verified with libfido2;
 * see passkeys.h.  libcbor (libfido2's own CBOR library) splits the
 * attestation object's top-level map into fmt, attStmt and authData;
 * libfido2 decodes the authenticator data, the COSE public key and the
 * attestation statement and checks the signatures.
 */
#include "base/prelude.h"

#include "domain/passkeys.h"

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonin.h"
#include "base/util.h"
#include "store/passkeys_rows.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define AUTHDATA_MIN 37          /* rpIdHash (32) + flags (1) + signCount (4) */
#define CRED_ID_MAX 1023         /* WebAuthn: credential ids are at most 1023 bytes */

/* ---- encoding ---------------------------------------------------------------- */

/* base64url (no padding) of len bytes, as a new JSON string. */
static json_t *b64u_json(const uint8_t *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = malloc(n);
	json_t *j;

	if (!s)
		return NULL;
	sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	j = json_string(s);
	free(s);
	return j;
}

/* Decodes base64url (no padding) into a new buffer; NULL if s is not that. */
static uint8_t *b64u_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), got = 0;
	const char *end = NULL;
	uint8_t *out = malloc(n ? n : 1);

	if (!out)
		return NULL;
	if (sodium_base642bin(out, n ? n : 1, s, n, NULL, &got, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    *end || got == 0) {
		free(out);
		return NULL;
	}
	*len = got;
	return out;
}

static int refuse(struct rl_error *err, enum rl_status status, const char *type, const char *detail)
{
	return rl_error_set(err, status, type, status == RL_E_UNAUTH ? "Passkey not accepted" : "Passkey not registered",
			    "%s", detail);
}

/* ---- challenges ------------------------------------------------------------------- */

static int challenge_new(struct rl_db *db, const char *purpose, int64_t user_id, json_t **out, struct rl_error *err)
{
	uint8_t raw[32], hash[32];
	char now[21], expires[21], old[21];

	rl_now_rfc3339(now);
	rl_format_rfc3339(time(NULL) + RL_PASSKEY_CHALLENGE_SECONDS, expires);
	rl_format_rfc3339(time(NULL) - 86400, old);
	/* Yesterday's challenges are of no use to anyone: keep the table small. */
	if (rl_rows_challenge_prune(db, old, err) < 0)
		return -1;
	randombytes_buf(raw, sizeof(raw));
	crypto_generichash(hash, sizeof(hash), raw, sizeof(raw), NULL, 0);
	if (rl_rows_challenge_insert(db, hash, purpose, user_id, now, expires, err) < 0) {
		sodium_memzero(raw, sizeof(raw));
		return -1;
	}
	*out = b64u_json(raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return *out ? 0 : rl_error_internal(err, "encoding a challenge");
}

/* Marks the challenge used if it is ours, unused, unexpired, for purpose (and user); else refuses. */
static int challenge_take(struct rl_db *db, const char *b64, const char *purpose, int64_t user_id,
			  enum rl_status status, struct rl_error *err)
{
	uint8_t *raw, hash[32];
	size_t len = 0;
	char now[21];
	int rc;

	if (!(raw = b64u_decode(b64, &len)) || len != 32) {
		free(raw);
		return refuse(err, status, "passkey-challenge", "the client data does not carry a challenge this server issued");
	}
	crypto_generichash(hash, sizeof(hash), raw, len, NULL, 0);
	free(raw);
	rl_now_rfc3339(now);
	if ((rc = rl_rows_challenge_take(db, hash, purpose, user_id, now, err)) < 0)
		return -1;
	if (rc != 1)
		return refuse(err, status, "passkey-challenge",
			      "the challenge is unknown, already used or expired (they last five minutes); start again");
	return 0;
}

/*
 * Parses clientDataJSON: the type must be want_type, the origin the
 * site's, crossOrigin absent or false.  The challenge (base64url), when
 * there is one, goes into *challenge (a new string the caller frees) even
 * if another check fails, so that the caller can spend it.
 */
static int client_data_check(const uint8_t *cd, size_t len, const char *want_type, const struct rl_webauthn_rp *rp,
			     enum rl_status status, char **challenge, struct rl_error *err)
{
	json_t *j = json_loadb((const char *)cd, len, JSON_REJECT_DUPLICATES, NULL), *co;
	const char *type, *chal, *origin;
	int rc = 0;

	*challenge = NULL;
	if (j && json_is_object(j) && json_string_value(json_object_get(j, "challenge")) &&
	    !(*challenge = strdup(json_string_value(json_object_get(j, "challenge"))))) {
		json_decref(j);
		return rl_error_internal(err, "copying a challenge");
	}
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return refuse(err, status, "passkey-client-data", "clientDataJSON is not a JSON object");
	}
	type = json_string_value(json_object_get(j, "type"));
	chal = json_string_value(json_object_get(j, "challenge"));
	origin = json_string_value(json_object_get(j, "origin"));
	co = json_object_get(j, "crossOrigin");
	if (!type || strcmp(type, want_type) != 0)
		rc = refuse(err, status, "passkey-client-data", "clientDataJSON is not of the expected type");
	else if (!chal)
		rc = refuse(err, status, "passkey-challenge", "clientDataJSON carries no challenge");
	else if (!origin || strcmp(origin, rp->origin) != 0)
		rc = rl_error_set(err, status, "passkey-origin", status == RL_E_UNAUTH ? "Passkey not accepted"
				  : "Passkey not registered", "the passkey was used on %.100s, not on this site (%.100s)",
				  origin ? origin : "an unnamed origin", rp->origin);
	else if (co && !json_is_false(co))
		rc = refuse(err, status, "passkey-origin", "the passkey was used from inside another site's frame");
	json_decref(j);
	return rc;
}

/* The authenticator data's RP id hash and the user-present and user-verified flags. */
static int authdata_check(const uint8_t *ad, size_t len, const struct rl_webauthn_rp *rp, enum rl_status status,
			  struct rl_error *err)
{
	uint8_t want[crypto_hash_sha256_BYTES];

	if (len < AUTHDATA_MIN)
		return refuse(err, status, "passkey-authenticator-data", "the authenticator data is too short");
	crypto_hash_sha256(want, (const uint8_t *)rp->id, strlen(rp->id));
	if (sodium_memcmp(ad, want, sizeof(want)) != 0)
		return refuse(err, status, "passkey-rp-id", "the passkey belongs to another site (RP id hash differs)");
	if (!(ad[32] & FLAG_UP) || !(ad[32] & FLAG_UV))
		return refuse(err, status, "passkey-user-verification",
			      "the authenticator did not confirm that you were present and verified (PIN, fingerprint or face)");
	return 0;
}

/* ---- options --------------------------------------------------------------------------- */

static int user_handle(struct rl_db *db, int64_t user_id, uint8_t handle[32], struct rl_error *err)
{
	int rc = rl_rows_passkey_handle(db, user_id, handle, err);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* The first passkey of this person: a handle that says nothing about them. */
	randombytes_buf(handle, 32);
	return rl_rows_passkey_handle_insert(db, user_id, handle, err);
}

static json_t *cred_params(void)
{
	return json_pack("[{s:s,s:i},{s:s,s:i}]", "type", "public-key", "alg", COSE_ES256, "type", "public-key", "alg",
			 COSE_EDDSA);
}

/* What the options' credential list gathers: the ids to exclude and how many passkeys are usable. */
struct exclude_ctx {
	json_t *exclude;
	int live;
};

static int exclude_add(void *ctx, const struct rl_row_passkey_credential *c)
{
	struct exclude_ctx *x = ctx;

	json_array_append_new(x->exclude, json_pack("{s:s,s:o}", "type", "public-key", "id",
						     b64u_json(c->credential_id, c->credential_id_len)));
	if (!c->disabled)
		x->live++;
	return 0;
}

json_t *rl_passkey_register_options(struct rl_db *db, const struct rl_user *u, const struct rl_webauthn_rp *rp,
				    struct rl_error *err)
{
	uint8_t handle[32];
	json_t *challenge = NULL, *exclude, *o;
	struct exclude_ctx x;
	int n;

	if (user_handle(db, u->id, handle, err) < 0)
		return NULL;
	x.exclude = exclude = json_array();
	x.live = 0;
	if (rl_rows_passkey_credentials(db, u->id, exclude_add, &x, err) < 0) {
		json_decref(exclude);
		return NULL;
	}
	n = x.live;
	if (n >= RL_PASSKEY_MAX_PER_USER) {
		json_decref(exclude);
		rl_error_set(err, RL_E_CONFLICT, "too-many-passkeys", NULL,
			     "you already have %d passkeys, the most one person may have; remove one first", n);
		return NULL;
	}
	if (challenge_new(db, "register", u->id, &challenge, err) < 0) {
		json_decref(exclude);
		return NULL;
	}
	o = json_pack("{s:o,s:{s:s,s:s},s:{s:o,s:s,s:s},s:o,s:i,s:s,s:{s:s,s:b,s:s},s:o}",
		      "challenge", challenge,
		      "rp", "id", rp->id, "name", rp->name,
		      "user", "id", b64u_json(handle, sizeof(handle)), "name", u->email, "displayName", u->name,
		      "pubKeyCredParams", cred_params(),
		      "timeout", RL_PASSKEY_CHALLENGE_SECONDS * 1000,
		      "attestation", "none",
		      "authenticatorSelection", "residentKey", "required", "requireResidentKey", 1,
		      "userVerification", "required",
		      "excludeCredentials", exclude);
	if (!o)
		rl_error_internal(err, "building passkey options");
	return o;
}

json_t *rl_passkey_login_options(struct rl_db *db, const struct rl_webauthn_rp *rp, struct rl_error *err)
{
	json_t *challenge = NULL, *o;

	if (challenge_new(db, "login", 0, &challenge, err) < 0)
		return NULL;
	o = json_pack("{s:o,s:s,s:i,s:s,s:[]}", "challenge", challenge, "rpId", rp->id, "timeout",
		      RL_PASSKEY_CHALLENGE_SECONDS * 1000, "userVerification", "required", "allowCredentials");
	if (!o)
		rl_error_internal(err, "building passkey options");
	return o;
}

/* ---- request bodies ------------------------------------------------------------------------- */

static const char *const credential_members[] = { "id", "rawId", "type", "response", "authenticatorAttachment",
						  "clientExtensionResults", NULL };

/* Checks the PublicKeyCredential JSON's outer members; the response object into *resp. */
static int credential_outer(const json_t *cred, const char **id, const json_t **resp, struct rl_error *err)
{
	const char *raw = NULL, *type = NULL;

	*resp = NULL;
	if (!json_is_object(cred))
		return rl_error_field(err, "credential", "must be the PublicKeyCredential as JSON (credential.toJSON())");
	rl_json_check_members(cred, credential_members, err);
	rl_json_get_str(cred, "id", 1, 2048, id, err);
	rl_json_get_str(cred, "rawId", 0, 2048, &raw, err);
	rl_json_get_str(cred, "type", 1, 16, &type, err);
	if (type && strcmp(type, "public-key") != 0)
		rl_error_field(err, "credential.type", "must be \"public-key\"");
	if (*id && raw && strcmp(*id, raw) != 0)
		rl_error_field(err, "credential.rawId", "must equal credential.id");
	*resp = json_object_get(cred, "response");
	if (!json_is_object(*resp))
		rl_error_field(err, "credential.response", "must be an object");
	return err->status ? -1 : 0;
}

int rl_passkey_register_parse(const json_t *body, struct rl_passkey_reg *out, struct rl_error *err)
{
	static const char *const allowed[] = { "name", "credential", NULL };
	static const char *const resp_members[] = { "clientDataJSON", "attestationObject", "transports",
						    "publicKey", "publicKeyAlgorithm", "authenticatorData", NULL };
	const json_t *resp;

	memset(out, 0, sizeof(*out));
	rl_json_check_members(body, allowed, err);
	if (rl_json_get_str(body, "name", 0, RL_PASSKEY_NAME_MAX, &out->name, err) == 0 && out->name &&
	    strchr(out->name, '\n'))
		rl_error_field(err, "name", "must be one line");
	if (credential_outer(json_object_get(body, "credential"), &out->id, &resp, err) == 0) {
		rl_json_check_members(resp, resp_members, err);
		rl_json_get_str(resp, "clientDataJSON", 1, 8192, &out->client_data, err);
		rl_json_get_str(resp, "attestationObject", 1, 32768, &out->attestation, err);
	}
	return err->status ? -1 : 0;
}

int rl_passkey_login_parse(const json_t *body, struct rl_passkey_assertion *out, struct rl_error *err)
{
	static const char *const allowed[] = { "credential", NULL };
	static const char *const resp_members[] = { "clientDataJSON", "authenticatorData", "signature", "userHandle",
						    NULL };
	const json_t *resp;

	memset(out, 0, sizeof(*out));
	rl_json_check_members(body, allowed, err);
	if (credential_outer(json_object_get(body, "credential"), &out->id, &resp, err) == 0) {
		rl_json_check_members(resp, resp_members, err);
		rl_json_get_str(resp, "clientDataJSON", 1, 8192, &out->client_data, err);
		rl_json_get_str(resp, "authenticatorData", 1, 8192, &out->authenticator_data, err);
		rl_json_get_str(resp, "signature", 1, 1024, &out->signature, err);
		rl_json_get_str(resp, "userHandle", 0, 256, &out->user_handle, err);
	}
	return err->status ? -1 : 0;
}

/* ---- registration ------------------------------------------------------------------------------ */

struct attobj {
	cbor_item_t *root;
	char fmt[16];
	const uint8_t *authdata;
	size_t authdata_len;
	cbor_item_t *attstmt;     /* borrowed from root */
};

/* Splits the attestation object {fmt, attStmt, authData} with libcbor. */
static int attobj_split(const uint8_t *data, size_t len, struct attobj *a, struct rl_error *err)
{
	struct cbor_load_result res;
	struct cbor_pair *pairs;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->root = cbor_load(data, len, &res);
	if (!a->root || res.error.code != CBOR_ERR_NONE || res.read != len || !cbor_isa_map(a->root) ||
	    !cbor_map_is_definite(a->root))
		goto bad;
	n = cbor_map_size(a->root);
	pairs = cbor_map_handle(a->root);
	for (size_t i = 0; i < n; i++) {
		cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
		const char *key;
		size_t klen;

		if (!cbor_isa_string(k) || !cbor_string_is_definite(k))
			goto bad;
		key = (const char *)cbor_string_handle(k);
		klen = cbor_string_length(k);
		if (klen == 3 && memcmp(key, "fmt", 3) == 0) {
			if (!cbor_isa_string(v) || !cbor_string_is_definite(v) || cbor_string_length(v) >= sizeof(a->fmt) ||
			    a->fmt[0])
				goto bad;
			memcpy(a->fmt, cbor_string_handle(v), cbor_string_length(v));
			a->fmt[cbor_string_length(v)] = '\0';
		} else if (klen == 8 && memcmp(key, "authData", 8) == 0) {
			if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) || a->authdata)
				goto bad;
			a->authdata = cbor_bytestring_handle(v);
			a->authdata_len = cbor_bytestring_length(v);
		} else if (klen == 7 && memcmp(key, "attStmt", 7) == 0) {
			if (!cbor_isa_map(v) || !cbor_map_is_definite(v) || a->attstmt)
				goto bad;
			a->attstmt = v;
		}
	}
	if (!a->fmt[0] || !a->authdata || !a->attstmt)
		goto bad;
	return 0;
bad:
	if (a->root)
		cbor_decref(&a->root);
	return refuse(err, RL_E_INVALID, "passkey-attestation",
		      "the attestation object is not a CBOR map of fmt, attStmt and authData");
}

/* libfido2 decodes the authenticator data for a key type known in advance: try ES256, then EdDSA. */
static fido_cred_t *cred_from_authdata(const uint8_t *ad, size_t len)
{
	static const int types[] = { COSE_ES256, COSE_EDDSA };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		fido_cred_t *c = fido_cred_new();
		if (!c)
			return NULL;
		if (fido_cred_set_type(c, types[i]) == FIDO_OK && fido_cred_set_authdata_raw(c, ad, len) == FIDO_OK)
			return c;
		fido_cred_free(&c);
	}
	return NULL;
}

static int attestation_verify(fido_cred_t *cred, struct attobj *a, const uint8_t *cd, size_t cdlen,
			      const struct rl_webauthn_rp *rp, struct rl_error *err)
{
	unsigned char *stmt = NULL;
	size_t stmt_size = 0, stmt_len;
	int r;

	if (strcmp(a->fmt, "none") == 0) {
		if (cbor_map_size(a->attstmt) != 0)
			return refuse(err, RL_E_INVALID, "passkey-attestation", "attestation \"none\" must have an empty statement");
		return 0;
	}
	if (strcmp(a->fmt, "packed") != 0)
		return rl_error_set(err, RL_E_INVALID, "passkey-attestation", "Passkey not registered",
				    "attestation format \"%s\" is not supported; raslog asks for \"none\" and accepts "
				    "\"packed\"", a->fmt);
	stmt_len = cbor_serialize_alloc(a->attstmt, &stmt, &stmt_size);
	if (!stmt_len) {
		free(stmt);
		return rl_error_internal(err, "re-encoding an attestation statement");
	}
	r = fido_cred_set_attstmt(cred, stmt, stmt_len);
	free(stmt);
	if (r != FIDO_OK || fido_cred_set_fmt(cred, "packed") != FIDO_OK ||
	    fido_cred_set_clientdata(cred, cd, cdlen) != FIDO_OK || fido_cred_set_rp(cred, rp->id, rp->name) != FIDO_OK ||
	    fido_cred_set_uv(cred, FIDO_OPT_TRUE) != FIDO_OK)
		return refuse(err, RL_E_INVALID, "passkey-attestation", "the packed attestation statement is malformed");
	r = fido_cred_x5c_len(cred) > 0 ? fido_cred_verify(cred) : fido_cred_verify_self(cred);
	if (r != FIDO_OK)
		return rl_error_set(err, RL_E_INVALID, "passkey-attestation", "Passkey not registered",
				    "the attestation signature does not verify (%s)", fido_strerr(r));
	return 0;
}

int rl_passkey_register(struct rl_db *db, int64_t user_id, const struct rl_webauthn_rp *rp,
			const struct rl_passkey_reg *in, int64_t *id, struct rl_error *err)
{
	uint8_t *cd = NULL, *ao = NULL, *rawid = NULL;
	size_t cdlen = 0, aolen = 0, rawlen = 0;
	char *challenge = NULL, now[21], name[RL_PASSKEY_NAME_MAX + 1];
	struct attobj a = { 0 };
	fido_cred_t *cred = NULL;
	struct rl_row_passkey_new row;
	int rc = -1, stored;

	if (!(cd = b64u_decode(in->client_data, &cdlen))) {
		rl_error_field(err, "credential.response.clientDataJSON", "must be base64url");
		goto out;
	}
	if (!(ao = b64u_decode(in->attestation, &aolen))) {
		rl_error_field(err, "credential.response.attestationObject", "must be base64url");
		goto out;
	}
	if (!(rawid = b64u_decode(in->id, &rawlen)) || rawlen > CRED_ID_MAX) {
		rl_error_field(err, "credential.id", "must be base64url of at most %d bytes", CRED_ID_MAX);
		goto out;
	}
	if (client_data_check(cd, cdlen, "webauthn.create", rp, RL_E_INVALID, &challenge, err) < 0) {
		/* A refused answer still spends its challenge (the caller commits). */
		struct rl_error ignored = RL_ERROR_INIT;
		if (challenge)
			challenge_take(db, challenge, "register", user_id, RL_E_INVALID, &ignored);
		rl_error_clear(&ignored);
		goto out;
	}
	if (challenge_take(db, challenge, "register", user_id, RL_E_INVALID, err) < 0 ||
	    attobj_split(ao, aolen, &a, err) < 0 || authdata_check(a.authdata, a.authdata_len, rp, RL_E_INVALID, err) < 0)
		goto out;
	if (!(a.authdata[32] & FLAG_AT) || !(cred = cred_from_authdata(a.authdata, a.authdata_len))) {
		refuse(err, RL_E_INVALID, "passkey-key-type",
		       "the authenticator data holds no ES256 or EdDSA public key (the two kinds raslog accepts)");
		goto out;
	}
	if (fido_cred_id_len(cred) != rawlen || sodium_memcmp(fido_cred_id_ptr(cred), rawid, rawlen) != 0) {
		refuse(err, RL_E_INVALID, "passkey-credential-id", "the credential id differs from the one in the authenticator data");
		goto out;
	}
	if (attestation_verify(cred, &a, cd, cdlen, rp, err) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s", in->name && *in->name ? in->name : "Passkey");
	rl_now_rfc3339(now);
	row = (struct rl_row_passkey_new){
		.user_id = user_id, .credential_id = rawid, .credential_id_len = rawlen, .cose_alg = fido_cred_type(cred),
		.public_key = fido_cred_pubkey_ptr(cred), .public_key_len = fido_cred_pubkey_len(cred),
		.sign_count = (int64_t)fido_cred_sigcount(cred), .name = name, .fmt = a.fmt,
		.aaguid = fido_cred_aaguid_ptr(cred), .aaguid_len = fido_cred_aaguid_len(cred), .created_at = now,
	};
	/* A refused insert leaves the spent challenge spent (the store keeps the transaction usable). */
	if ((stored = rl_rows_passkey_insert(db, &row, id, err)) < 0)
		goto out;
	if (stored == 1) {
		rl_error_set(err, RL_E_CONFLICT, "passkey-exists", NULL, "this passkey is already registered");
		goto out;
	}
	rc = 0;
out:
	fido_cred_free(&cred);
	if (a.root)
		cbor_decref(&a.root);
	free(cd);
	free(ao);
	free(rawid);
	free(challenge);
	return rc;
}

/* ---- sign-in ------------------------------------------------------------------------------------ */

static int assertion_verify(int alg, const uint8_t *key, size_t keylen, const struct rl_webauthn_rp *rp,
			    const uint8_t *cd, size_t cdlen, const uint8_t *ad, size_t adlen, const uint8_t *sig,
			    size_t siglen, uint32_t *count, struct rl_error *err)
{
	fido_assert_t *as = fido_assert_new();
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	const void *pk = NULL;
	int r = FIDO_ERR_INTERNAL;

	if (!as)
		return rl_error_internal(err, "allocating an assertion");
	if (alg == COSE_ES256 && (es = es256_pk_new()) && es256_pk_from_ptr(es, key, keylen) == FIDO_OK)
		pk = es;
	else if (alg == COSE_EDDSA && (ed = eddsa_pk_new()) && eddsa_pk_from_ptr(ed, key, keylen) == FIDO_OK)
		pk = ed;
	if (pk && fido_assert_set_rp(as, rp->id) == FIDO_OK && fido_assert_set_clientdata(as, cd, cdlen) == FIDO_OK &&
	    fido_assert_set_count(as, 1) == FIDO_OK && fido_assert_set_authdata_raw(as, 0, ad, adlen) == FIDO_OK &&
	    fido_assert_set_sig(as, 0, sig, siglen) == FIDO_OK && fido_assert_set_up(as, FIDO_OPT_TRUE) == FIDO_OK &&
	    fido_assert_set_uv(as, FIDO_OPT_TRUE) == FIDO_OK) {
		r = fido_assert_verify(as, 0, alg, pk);
		*count = fido_assert_sigcount(as, 0);
	}
	fido_assert_free(&as);
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	if (r != FIDO_OK)
		return rl_error_set(err, RL_E_UNAUTH, "passkey-signature", "Passkey not accepted",
				    "the passkey's signature does not verify (%s)", fido_strerr(r));
	return 0;
}

int rl_passkey_login(struct rl_db *db, const struct rl_webauthn_rp *rp, const struct rl_passkey_assertion *in,
		     int64_t *user_id, int64_t *passkey_id, int *spent, struct rl_error *err)
{
	uint8_t *cd = NULL, *ad = NULL, *sig = NULL, *rawid = NULL, *uh = NULL;
	size_t cdlen = 0, adlen = 0, siglen = 0, rawlen = 0, uhlen = 0;
	char *challenge = NULL, now[21];
	struct rl_row_passkey_login pk = { 0 };
	uint32_t count = 0;
	int rc = -1, found, live;

	*user_id = *passkey_id = 0;
	*spent = 0;
	if (!(cd = b64u_decode(in->client_data, &cdlen)) || !(ad = b64u_decode(in->authenticator_data, &adlen)) ||
	    !(sig = b64u_decode(in->signature, &siglen)) || !(rawid = b64u_decode(in->id, &rawlen)) ||
	    (in->user_handle && !(uh = b64u_decode(in->user_handle, &uhlen)))) {
		rl_error_field(err, "credential", "id, clientDataJSON, authenticatorData, signature and userHandle must be "
						  "base64url");
		goto out;
	}
	if (client_data_check(cd, cdlen, "webauthn.get", rp, RL_E_UNAUTH, &challenge, err) < 0) {
		/* A refused answer still spends its challenge. */
		struct rl_error ignored = RL_ERROR_INIT;
		if (challenge && challenge_take(db, challenge, "login", 0, RL_E_UNAUTH, &ignored) == 0)
			*spent = 1;
		rl_error_clear(&ignored);
		goto out;
	}
	if (challenge_take(db, challenge, "login", 0, RL_E_UNAUTH, err) < 0)
		goto out;
	*spent = 1;
	if (authdata_check(ad, adlen, rp, RL_E_UNAUTH, err) < 0)
		goto out;
	if ((found = rl_rows_passkey_by_credential(db, rawid, rawlen, &pk, err)) < 0)
		goto out;
	if (found == 0) {
		refuse(err, RL_E_UNAUTH, "passkey-unknown",
		       "this passkey is not registered here (it may have been removed); sign in another way");
		goto out;
	}
	*passkey_id = pk.id;
	*user_id = pk.user_id;
	live = pk.live;
	if (uh && (pk.handle_len != uhlen || sodium_memcmp(pk.handle, uh, uhlen) != 0))
		live = -1;
	if (live == 0) {
		refuse(err, RL_E_UNAUTH, "passkey-disabled", "this passkey's account is deactivated; ask your administrator");
		goto out;
	}
	if (live < 0) {
		refuse(err, RL_E_UNAUTH, "passkey-user-handle", "the user handle does not belong to this passkey");
		goto out;
	}
	if (assertion_verify(pk.cose_alg, pk.public_key, pk.public_key_len, rp, cd, cdlen, ad, adlen, sig, siglen, &count,
			     err) < 0)
		goto out;
	if ((count || pk.sign_count) && (int64_t)count <= pk.sign_count) {
		rl_error_set(err, RL_E_UNAUTH, "passkey-counter", "Passkey not accepted",
			     "the passkey's signature counter did not increase (%lu after %lld): it may have been "
			     "copied; sign in another way and tell your administrator", (unsigned long)count,
			     (long long)pk.sign_count);
		goto out;
	}
	rl_now_rfc3339(now);
	if (rl_rows_passkey_used(db, pk.id, (int64_t)count, now, err) < 0)
		goto out;
	rc = 0;
out:
	free(cd);
	free(ad);
	free(sig);
	free(rawid);
	free(uh);
	rl_row_passkey_login_release(&pk);
	free(challenge);
	return rc;
}

/* ---- management ----------------------------------------------------------------------------------- */

static int passkey_append(void *ctx, const struct rl_row_passkey *p)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)p->id, "name", p->name,
					     "created_at", p->created_at,
					     "last_used_at", p->last_used_at ? json_string(p->last_used_at) : json_null(),
					     "algorithm", p->cose_alg == COSE_EDDSA ? "EdDSA" : "ES256"));
	return 0;
}

json_t *rl_passkey_list(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	json_t *items = json_array();

	if (rl_rows_passkey_list(db, user_id, passkey_append, items, err) < 0) {
		json_decref(items);
		return NULL;
	}
	return items;
}

int rl_passkey_remove(struct rl_db *db, int64_t user_id, int64_t id, struct rl_error *err)
{
	int mine = 0, total = 0;

	if (rl_rows_passkey_counts(db, user_id, id, &mine, &total, err) < 0)
		return -1;
	if (!mine)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "you have no passkey %lld", (long long)id);
	if (total < 2)
		return rl_error_set(err, RL_E_CONFLICT, "last-passkey", "Last passkey",
				    "this is your only passkey, so removing it would leave you unable to sign in with "
				    "one; add another passkey first (on your phone or laptop), then remove this one");
	return rl_rows_passkey_delete(db, user_id, id, err);
}

int rl_passkey_disable_user(struct rl_db *db, int64_t user_id, struct rl_error *err)
{
	return rl_rows_passkey_disable_user(db, user_id, err);
}
