/*
 * certificates.c - e-learning certificates read and their proofs checked
 * offline; see certificates.h.
 */
#include "base/prelude.h"

#include "domain/certificates.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonin.h"
#include "base/util.h"
#include "ledger/jcs.h"

#define TEXT_MAX 300 /* bytes in an issuer, achievement or name kept */

static const char *mstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Base58 (Bitcoin alphabet) into out (at most cap bytes); the decoded length, or -1. */
static long base58_decode(const char *s, uint8_t *out, size_t cap)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t buf[128] = { 0 };
	size_t n = 0, zeros = 0, len = strlen(s);

	if (len == 0 || len > 150)
		return -1;
	while (s[zeros] == '1')
		zeros++;
	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(alphabet, s[i]);
		unsigned carry;

		if (!p || !s[i])
			return -1;
		carry = (unsigned)(p - alphabet);
		for (size_t j = 0; j < n; j++) {
			carry += 58u * buf[j];
			buf[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		while (carry) {
			if (n >= sizeof(buf))
				return -1;
			buf[n++] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
	}
	if (zeros + n > cap)
		return -1;
	memset(out, 0, zeros);
	for (size_t i = 0; i < n; i++)
		out[zeros + i] = buf[n - 1 - i];
	return (long)(zeros + n);
}

static int jcs_sha256(const json_t *v, uint8_t out[32])
{
	struct rl_error e = RL_ERROR_INIT;
	size_t len;
	char *text = rl_jcs_string(v, &len, &e);

	if (!text) {
		rl_error_clear(&e);
		return -1;
	}
	crypto_hash_sha256(out, (const unsigned char *)text, len);
	free(text);
	return 0;
}

/* The issuer's id: "issuer" as a string or as {"id"}. */
static const char *issuer_id(const json_t *doc)
{
	const json_t *iss = json_object_get(doc, "issuer");

	return json_is_string(iss) ? json_string_value(iss) : mstr(iss, "id");
}

/* Checks the eddsa-jcs-2022 proof of doc; 1 verified, 0 not (why says so). */
static int check_proof(const json_t *doc, char *why, size_t wsize)
{
	const json_t *proofs = json_object_get(doc, "proof"), *proof = NULL, *p;
	const char *vm, *pv, *iss = issuer_id(doc), *hash;
	json_t *options, *unsecured;
	uint8_t pk[34], sig[64], data[64];
	char did[200];
	size_t i;
	int ok;

	if (json_is_object(proofs))
		proof = proofs;
	json_array_foreach(proofs, i, p)
		if (!proof && json_is_string(json_object_get(p, "cryptosuite")) && strcmp(mstr(p, "cryptosuite"), "eddsa-jcs-2022") == 0)
			proof = p;
	if (!proof) {
		snprintf(why, wsize, "the credential carries no proof raslog can check (it checks eddsa-jcs-2022)");
		return 0;
	}
	if (!mstr(proof, "type") || strcmp(mstr(proof, "type"), "DataIntegrityProof") != 0 || !mstr(proof, "cryptosuite") ||
	    strcmp(mstr(proof, "cryptosuite"), "eddsa-jcs-2022") != 0) {
		snprintf(why, wsize, "its proof is %.40s/%.40s; raslog checks DataIntegrityProof eddsa-jcs-2022 only",
			 mstr(proof, "type") ? mstr(proof, "type") : "?", mstr(proof, "cryptosuite") ? mstr(proof, "cryptosuite") : "?");
		return 0;
	}
	if (!mstr(proof, "proofPurpose") || strcmp(mstr(proof, "proofPurpose"), "assertionMethod") != 0) {
		snprintf(why, wsize, "its proof's purpose is not assertionMethod");
		return 0;
	}
	vm = mstr(proof, "verificationMethod");
	if (!vm || strncmp(vm, "did:key:z", 9) != 0 || !(hash = strchr(vm, '#')) || (size_t)(hash - vm) >= sizeof(did)) {
		snprintf(why, wsize, "its key is not a did:key (other methods need the network to resolve)");
		return 0;
	}
	snprintf(did, sizeof(did), "%.*s", (int)(hash - vm), vm);
	if (!iss || strcmp(iss, did) != 0) {
		snprintf(why, wsize, "it is signed by %.80s, not by its issuer %.80s", did, iss ? iss : "(none)");
		return 0;
	}
	if (base58_decode(did + 9, pk, sizeof(pk)) != 34 || pk[0] != 0xed || pk[1] != 0x01) {
		snprintf(why, wsize, "its did:key is not an Ed25519 key");
		return 0;
	}
	pv = mstr(proof, "proofValue");
	if (!pv || pv[0] != 'z' || base58_decode(pv + 1, sig, sizeof(sig)) != 64) {
		snprintf(why, wsize, "its proofValue is not a base58btc Ed25519 signature");
		return 0;
	}
	options = json_deep_copy(proof);
	unsecured = json_deep_copy(doc);
	json_object_del(options, "proofValue");
	json_object_del(unsecured, "proof");
	if (json_object_get(options, "@context"))
		json_object_set(unsecured, "@context", json_object_get(options, "@context"));
	ok = jcs_sha256(options, data) == 0 && jcs_sha256(unsecured, data + 32) == 0 &&
	     crypto_sign_verify_detached(sig, data, sizeof(data), pk + 2) == 0;
	json_decref(options);
	json_decref(unsecured);
	if (!ok) {
		snprintf(why, wsize, "its Ed25519 signature does not verify: the credential was changed or not signed by %.80s", did);
		return 0;
	}
	snprintf(why, wsize, "eddsa-jcs-2022 proof by the issuer's key %.80s verifies", did);
	return 1;
}

static int has_type(const json_t *types, const char *t)
{
	const json_t *v;
	size_t i;

	if (json_is_string(types))
		return strcmp(json_string_value(types), t) == 0;
	json_array_foreach(types, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), t) == 0)
			return 1;
	return 0;
}

/* The first string of a language map ({"en-US":"..."}), or the value if a string. */
static const char *lang(const json_t *v)
{
	const char *k;
	json_t *x;

	if (json_is_string(v))
		return json_string_value(v);
	json_object_foreach((json_t *)v, k, x)
		if (json_is_string(x))
			return json_string_value(x);
	return NULL;
}

/* An identifier or name from the file: 1-300 bytes, no control character. */
static int text_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > TEXT_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* The completion date YYYY-MM-DD from an RFC 3339 time or a date (field names where it came from). */
static void completion_date(json_t *o, const char *when, const char *field, struct rl_error *err)
{
	char d[11];
	long days;

	if (!when || strlen(when) < 10 || (when[10] && when[10] != 'T' && when[10] != 't'))
		goto bad;
	snprintf(d, sizeof(d), "%.10s", when);
	if (rl_parse_date(d, &days) < 0)
		goto bad;
	rl_format_date(days, d);
	json_object_set_new(o, "completed_on", json_string(d));
	return;
bad:
	rl_error_field(err, field, "must give the completion date as an RFC 3339 time like 2025-02-03T10:00:00Z");
}

static json_t *read_vc(const json_t *doc, struct rl_error *err)
{
	const json_t *subj = json_object_get(doc, "credentialSubject"), *ach, *iss = json_object_get(doc, "issuer");
	const char *aid, *iid = issuer_id(doc), *when;
	char why[300];
	int ok;
	json_t *o;

	if (json_is_array(subj))
		subj = json_array_get(subj, 0);
	ach = json_object_get(subj, "achievement");
	aid = mstr(ach, "id") ? mstr(ach, "id") : mstr(ach, "name");
	if (!iid)
		rl_error_field(err, "issuer", "the credential names no issuer (a string or {\"id\"})");
	else if (!text_ok(iid))
		rl_error_field(err, "issuer", "must be 1-%d bytes without control characters", TEXT_MAX);
	if (!aid)
		rl_error_field(err, "credentialSubject.achievement", "the credential names no achievement (an id or name)");
	else if (!text_ok(aid))
		rl_error_field(err, "credentialSubject.achievement", "must be 1-%d bytes without control characters", TEXT_MAX);
	if (err->nfields)
		return NULL;
	ok = check_proof(doc, why, sizeof(why));
	when = mstr(doc, "validFrom") ? mstr(doc, "validFrom") : mstr(doc, "issuanceDate");
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "format", "vc", "kind",
		      has_type(json_object_get(doc, "type"), "OpenBadgeCredential") ||
		      has_type(json_object_get(doc, "type"), "AchievementCredential") ? "open_badge" : "verifiable_credential",
		      "issuer", iid, "achievement", aid, "verified", ok, "verification", why, "result", "awarded");
	completion_date(o, when, mstr(doc, "validFrom") ? "validFrom" : "issuanceDate", err);
	if (err->nfields) {
		json_decref(o);
		return NULL;
	}
	if (text_ok(mstr(iss, "name")))
		json_object_set_new(o, "issuer_name", json_string(mstr(iss, "name")));
	if (text_ok(mstr(ach, "name")))
		json_object_set_new(o, "achievement_name", json_string(mstr(ach, "name")));
	if (text_ok(when))
		json_object_set_new(o, "completed_at", json_string(when));
	return o;
}

static json_t *read_xapi(const json_t *st, struct rl_error *err)
{
	const char *verb = mstr(json_object_get(st, "verb"), "id"), *obj = mstr(json_object_get(st, "object"), "id");
	const json_t *res = json_object_get(st, "result"), *ctx = json_object_get(st, "context");
	const json_t *auth = json_object_get(st, "authority");
	const char *iss = mstr(ctx, "platform") ? mstr(ctx, "platform")
			  : mstr(json_object_get(auth, "account"), "homePage") ? mstr(json_object_get(auth, "account"), "homePage")
			  : mstr(auth, "name");
	const char *name = lang(json_object_get(json_object_get(json_object_get(st, "object"), "definition"), "name"));
	int done = json_is_true(json_object_get(res, "completion")) || json_is_true(json_object_get(res, "success"));
	json_t *o;

	if (!verb || (strcmp(verb, "http://adlnet.gov/expapi/verbs/completed") != 0 &&
		      strcmp(verb, "http://adlnet.gov/expapi/verbs/passed") != 0))
		rl_error_field(err, "verb", "must be http://adlnet.gov/expapi/verbs/completed or .../passed");
	if (!json_is_object(res) || !done)
		rl_error_field(err, "result", "must say the course was completed or passed (completion or success true)");
	if (!obj)
		rl_error_field(err, "object.id", "names no activity");
	else if (obj && !text_ok(obj))
		rl_error_field(err, "object.id", "must be 1-%d bytes without control characters", TEXT_MAX);
	if (!iss)
		rl_error_field(err, "context.platform", "names no platform or authority (the issuer)");
	else if (!text_ok(iss))
		rl_error_field(err, "context.platform", "must be 1-%d bytes without control characters", TEXT_MAX);
	if (err->nfields)
		return NULL;
	{
		/* The result as one phrase: passed or completed, and the scaled score when given. */
		const json_t *scaled = json_object_get(json_object_get(res, "score"), "scaled");
		char result[64];
		int n = snprintf(result, sizeof(result), "%s", json_is_true(json_object_get(res, "success")) ? "passed" : "completed");
		if (json_is_number(scaled) && json_number_value(scaled) >= 0 && json_number_value(scaled) <= 1)
			snprintf(result + n, sizeof(result) - (size_t)n, ", score %.0f%%", json_number_value(scaled) * 100.0);
		o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "format", "xapi", "kind", "xapi", "issuer", iss,
			      "achievement", obj, "verified", 0, "verification",
			      "an xAPI statement carries no proof raslog can check; a trainer confirms it", "result", result);
	}
	if (text_ok(name))
		json_object_set_new(o, "achievement_name", json_string(name));
	completion_date(o, mstr(st, "timestamp"), "timestamp", err);
	if (err->nfields) {
		json_decref(o);
		return NULL;
	}
	if (text_ok(mstr(st, "timestamp")))
		json_object_set_new(o, "completed_at", json_string(mstr(st, "timestamp")));
	return o;
}

json_t *rl_certificate_read(const char *data, size_t len, struct rl_error *err)
{
	json_t *doc, *out = NULL;

	if (len > RL_CERTIFICATE_MAX_BYTES) {
		rl_error_set(err, RL_E_TOOLARGE, "too-large", "Certificate refused", "the file is %zu bytes; the limit is %u",
			     len, RL_CERTIFICATE_MAX_BYTES);
		return NULL;
	}
	if (!(doc = rl_json_parse(data, len, err)))
		return NULL;
	if (!json_is_object(doc))
		rl_error_field(err, "(file)", "must be a JSON object: a Verifiable Credential or an xAPI statement");
	else if (has_type(json_object_get(doc, "type"), "VerifiableCredential"))
		out = read_vc(doc, err);
	else if (json_object_get(doc, "verb") && json_object_get(doc, "actor"))
		out = read_xapi(doc, err);
	else
		rl_error_field(err, "type", "is neither a Verifiable Credential (type VerifiableCredential) nor an xAPI "
			       "statement (actor, verb, object, result)");
	json_decref(doc);
	return out;
}
