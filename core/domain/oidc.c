/*
 * oidc.c - OpenID Connect flows, ID token verification and account
 * matching; see oidc.h.  Signatures are verified by OpenSSL 3 (EVP),
 * hashes and key derivation are libsodium's, JSON is jansson's through
 * the strict parser of base/jsonin.c.
 */
#include "base/prelude.h"

#include "domain/oidc.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "base/jsonin.h"
#include "base/util.h"
#include "domain/accounts.h"
#include "domain/users.h"
#include "store/accounts_rows.h"
#include "store/oidc_rows.h"

/* ---- secrets ----------------------------------------------------------------------- */

static int raw_of(const char *s, uint8_t raw[32])
{
	size_t got = 0;
	const char *end = NULL;

	if (!s || strlen(s) != RL_OIDC_SECRET_LEN ||
	    sodium_base642bin(raw, 32, s, RL_OIDC_SECRET_LEN, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 32 || *end)
		return -1;
	return 0;
}

static int hash_of(const char *s, uint8_t hash[32])
{
	uint8_t raw[32];

	if (raw_of(s, raw) < 0)
		return -1;
	crypto_generichash(hash, 32, raw, sizeof(raw), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

static void secret_new(char out[RL_OIDC_SECRET_LEN + 1], uint8_t hash[32])
{
	uint8_t raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, RL_OIDC_SECRET_LEN + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, 32, raw, sizeof(raw), NULL, 0);
	sodium_memzero(raw, sizeof(raw));
}

int rl_oidc_derive(const char *browser, const char *state, char nonce[RL_OIDC_SECRET_LEN + 1],
		   char verifier[RL_OIDC_SECRET_LEN + 1], char challenge[RL_OIDC_SECRET_LEN + 1])
{
	uint8_t key[32], st[32], out[32];
	crypto_generichash_state h;
	static const char *const label[2] = { "raslog oidc nonce", "raslog oidc pkce verifier" };
	char *dst[2] = { nonce, verifier };

	if (raw_of(browser, key) < 0 || raw_of(state, st) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		crypto_generichash_init(&h, key, sizeof(key), sizeof(out));
		crypto_generichash_update(&h, (const unsigned char *)label[i], strlen(label[i]) + 1);
		crypto_generichash_update(&h, st, sizeof(st));
		crypto_generichash_final(&h, out, sizeof(out));
		sodium_bin2base64(dst[i], RL_OIDC_SECRET_LEN + 1, out, sizeof(out), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	/* RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))). */
	crypto_hash_sha256(out, (const unsigned char *)verifier, RL_OIDC_SECRET_LEN);
	sodium_bin2base64(challenge, RL_OIDC_SECRET_LEN + 1, out, sizeof(out), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(out, sizeof(out));
	return 0;
}

/* ---- flows -------------------------------------------------------------------------- */

int rl_oidc_flow_begin(struct rl_db *db, const char *ip, char browser[RL_OIDC_SECRET_LEN + 1],
		       char state[RL_OIDC_SECRET_LEN + 1], struct rl_error *err)
{
	uint8_t bh[32], sh[32];
	char now[21], expires[21], old[21];

	rl_now_rfc3339(now);
	rl_format_rfc3339(time(NULL) + RL_OIDC_FLOW_SECONDS, expires);
	rl_format_rfc3339(time(NULL) - 86400, old);
	/* A day after expiry a flow is of no use even to the audit: forget it. */
	if (rl_rows_oidc_flow_prune(db, old, err) < 0)
		return -1;
	if (ip && *ip) {
		int n = rl_rows_oidc_flow_pending(db, ip, now, err);
		if (n < 0)
			return -1;
		if (n >= RL_OIDC_MAX_PENDING)
			return rl_error_set(err, RL_E_CONFLICT, "oidc-too-many-flows", "Too many sign-ins started",
					    "too many sign-ins were started from this address and not finished; finish one, "
					    "or wait %d minutes", RL_OIDC_FLOW_SECONDS / 60);
	}
	secret_new(browser, bh);
	secret_new(state, sh);
	return rl_rows_oidc_flow_insert(db, sh, bh, ip, now, expires, err);
}

static int flow_find(struct rl_db *db, const char *browser, const char *state, int64_t *id, struct rl_error *err)
{
	uint8_t bh[32], sh[32];
	char now[21];
	struct rl_row_oidc_flow f;
	int rc;

	if (hash_of(state, sh) < 0 || !browser || hash_of(browser, bh) < 0)
		goto unknown;
	if ((rc = rl_rows_oidc_flow_by_state(db, sh, &f, err)) < 0)
		return -1;
	if (rc == 0)
		goto unknown;
	rl_now_rfc3339(now);
	*id = f.id;
	if (!f.browser_hash_ok || sodium_memcmp(f.browser_hash, bh, 32) != 0)
		rl_error_set(err, RL_E_UNAUTH, "oidc-state-unknown", "Sign-in not started here",
			     "this sign-in was started in another browser (or its cookie was lost); start again "
			     "from the sign-in page");
	else if (f.used_at[0])
		rl_error_set(err, RL_E_UNAUTH, "oidc-state-used", "Sign-in already used",
			     "this sign-in answer was already used (%s); each one works once, so start again "
			     "from the sign-in page", f.used_at);
	else if (strcmp(f.expires_at, now) <= 0)
		rl_error_set(err, RL_E_UNAUTH, "oidc-state-expired", "Sign-in took too long",
			     "this sign-in was started more than %d minutes ago; start again from the sign-in page",
			     RL_OIDC_FLOW_SECONDS / 60);
	return err->status ? -1 : 0;
unknown:
	return rl_error_set(err, RL_E_UNAUTH, "oidc-state-unknown", "Unknown sign-in",
			    "this sign-in answer does not belong to a sign-in started in this browser; start again "
			    "from the sign-in page");
}

int rl_oidc_flow_check(struct rl_db *db, const char *browser, const char *state, struct rl_error *err)
{
	int64_t id;

	return flow_find(db, browser, state, &id, err);
}

int rl_oidc_flow_finish(struct rl_db *db, const char *browser, const char *state, const char *outcome,
			int64_t user_id, struct rl_error *err)
{
	char now[21];
	int64_t id;
	int n;

	if (flow_find(db, browser, state, &id, err) < 0)
		return -1;
	rl_now_rfc3339(now);
	if ((n = rl_rows_oidc_flow_spend(db, id, now, outcome, user_id, err)) < 0)
		return -1;
	if (n != 1)
		return rl_error_set(err, RL_E_UNAUTH, "oidc-state-used", "Sign-in already used",
				    "this sign-in answer was already used; start again from the sign-in page");
	return 0;
}

/* ---- ID tokens ----------------------------------------------------------------------------- */

static int bad(struct rl_error *err, const char *type, const char *title, const char *detail)
{
	return rl_error_set(err, RL_E_UNAUTH, type, title, "%s", detail);
}

/* base64url (no padding) into a malloc'd buffer; NULL if not base64url. */
static uint8_t *b64url(const char *s, size_t len, size_t *outlen)
{
	uint8_t *out = malloc(len * 3 / 4 + 3);
	const char *end = NULL;

	if (!out)
		return NULL;
	if (sodium_base642bin(out, len * 3 / 4 + 3, s, len, NULL, outlen, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != s + len) {
		free(out);
		return NULL;
	}
	return out;
}

static json_t *b64url_json(const char *s, size_t len)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t n = 0;
	uint8_t *raw = b64url(s, len, &n);
	json_t *v;

	if (!raw)
		return NULL;
	v = rl_json_parse((const char *)raw, n, &err);
	rl_error_clear(&err);
	free(raw);
	if (v && !json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* A JWK member decoded from base64url into buf (exactly want bytes unless want is 0). */
static int jwk_bytes(const json_t *jwk, const char *name, uint8_t **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(jwk, name));

	*out = NULL;
	if (!s || !*s || strlen(s) > 2048)
		return -1;
	*out = b64url(s, strlen(s), len);
	return *out && *len ? 0 : -1;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	if (pkey) {
		/* The key must be a valid public key (an EC point on the curve). */
		EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		int ok = check && EVP_PKEY_public_check(check) == 1;
		EVP_PKEY_CTX_free(check);
		if (!ok) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	return pkey;
}

static EVP_PKEY *jwk_rsa(const json_t *jwk)
{
	uint8_t *n = NULL, *e = NULL;
	size_t nl = 0, el = 0;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (jwk_bytes(jwk, "n", &n, &nl) < 0 || jwk_bytes(jwk, "e", &e, &el) < 0 || el > 8)
		goto done;
	bn = BN_bin2bn(n, (int)nl, NULL);
	be = BN_bin2bn(e, (int)el, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto done;
	pkey = pkey_from_params("RSA", bld);
	if (pkey && EVP_PKEY_get_bits(pkey) < 2048) { /* RFC 7518 3.3: 2048 bits or more */
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	free(n);
	free(e);
	return pkey;
}

static EVP_PKEY *jwk_p256(const json_t *jwk)
{
	uint8_t *x = NULL, *y = NULL, pub[65];
	size_t xl = 0, yl = 0;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	const char *crv = json_string_value(json_object_get(jwk, "crv"));

	if (!crv || strcmp(crv, "P-256") != 0 || jwk_bytes(jwk, "x", &x, &xl) < 0 || jwk_bytes(jwk, "y", &y, &yl) < 0 ||
	    xl != 32 || yl != 32)
		goto done;
	pub[0] = 0x04; /* uncompressed point */
	memcpy(pub + 1, x, 32);
	memcpy(pub + 33, y, 32);
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)))
		goto done;
	pkey = pkey_from_params("EC", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

/* The JWK for the header's kid (or the only key of the right type when there is no kid). */
static const json_t *jwks_find(const json_t *jwks, const char *kid, const char *kty)
{
	const json_t *keys = json_object_get(jwks, "keys"), *found = NULL, *k;
	size_t i;
	int candidates = 0;

	if (!json_is_array(keys))
		return NULL;
	json_array_foreach(keys, i, k) {
		const char *t = json_string_value(json_object_get(k, "kty"));
		const char *id = json_string_value(json_object_get(k, "kid"));
		const char *use = json_string_value(json_object_get(k, "use"));
		if (!json_is_object(k) || !t || strcmp(t, kty) != 0 || (use && strcmp(use, "sig") != 0))
			continue;
		if (kid) {
			if (id && strcmp(id, kid) == 0)
				return k;
			continue;
		}
		found = k;
		candidates++;
	}
	return candidates == 1 ? found : NULL;
}

int rl_oidc_jwks_has_kid(const char *jwt, const json_t *jwks)
{
	const char *dot = jwt ? strchr(jwt, '.') : NULL;
	json_t *h = dot && dot - jwt < 4096 ? b64url_json(jwt, (size_t)(dot - jwt)) : NULL;
	const char *kid = json_string_value(json_object_get(h, "kid"));
	const char *alg = json_string_value(json_object_get(h, "alg"));
	int found = alg && jwks_find(jwks, kid, strcmp(alg, "ES256") == 0 ? "EC" : "RSA") != NULL;

	json_decref(h);
	return found;
}

static int verify_sig(EVP_PKEY *pkey, int ecdsa, const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	int derlen = 0, ok = 0;

	if (!md)
		return 0;
	if (ecdsa) {
		/* JWS carries r || s (RFC 7518 3.4); OpenSSL wants DER. */
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = siglen == 64 ? BN_bin2bn(sig, 32, NULL) : NULL;
		BIGNUM *s = siglen == 64 ? BN_bin2bn(sig + 32, 32, NULL) : NULL;
		if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
			r = s = NULL;
			derlen = i2d_ECDSA_SIG(es, &der);
		}
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		if (derlen <= 0)
			goto done;
		sig = der;
		siglen = (size_t)derlen;
	}
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, data, len) == 1;
done:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ok;
}

static int aud_ok(const json_t *aud, const json_t *azp, const char *client_id)
{
	const char *a = json_string_value(azp);
	json_t *v;
	size_t i;
	int found = 0;

	if (azp && (!a || strcmp(a, client_id) != 0))
		return 0;
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), client_id) == 0;
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return 0;
	json_array_foreach(aud, i, v) {
		if (!json_is_string(v))
			return 0;
		if (strcmp(json_string_value(v), client_id) == 0)
			found = 1;
	}
	/* Several audiences: the token must say it was issued to us (OIDC Core 3.1.3.7). */
	return found && (json_array_size(aud) == 1 || a);
}

static int numeric_date(const json_t *v, long long *out)
{
	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 1e12)
		*out = (long long)json_real_value(v);
	else
		return -1;
	return 0;
}

static int claims_check(const json_t *c, const struct rl_oidc_expect *x, struct rl_oidc_claims *out,
			struct rl_error *err)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *email = json_string_value(json_object_get(c, "email"));
	const char *name = json_string_value(json_object_get(c, "name"));
	const json_t *verified = json_object_get(c, "email_verified");
	long long exp, iat;

	if (!iss || strcmp(iss, x->issuer) != 0)
		return rl_error_set(err, RL_E_UNAUTH, "oidc-issuer", "Wrong issuer",
				    "the ID token was issued by '%.150s', not by the configured provider %.150s",
				    iss ? iss : "(nobody)", x->issuer);
	if (!aud_ok(json_object_get(c, "aud"), json_object_get(c, "azp"), x->client_id))
		return bad(err, "oidc-audience", "Wrong audience",
			   "the ID token was issued to another application (its audience is not this raslog's "
			   "client id)");
	if (numeric_date(json_object_get(c, "exp"), &exp) < 0 || numeric_date(json_object_get(c, "iat"), &iat) < 0)
		return bad(err, "oidc-malformed", "Malformed ID token", "the ID token has no valid exp or iat time");
	if ((long long)x->now > exp + RL_OIDC_LEEWAY)
		return bad(err, "oidc-expired", "Expired ID token",
			   "the identity provider's ID token has expired; sign in again");
	if (iat > (long long)x->now + RL_OIDC_LEEWAY || (long long)x->now - iat > RL_OIDC_MAX_AGE + RL_OIDC_LEEWAY)
		return bad(err, "oidc-issued-at", "ID token from the wrong time",
			   "the ID token's issue time is in the future or too long ago; check the clocks and sign in again");
	if (!nonce || !x->nonce || strlen(nonce) != strlen(x->nonce) ||
	    sodium_memcmp(nonce, x->nonce, strlen(nonce)) != 0)
		return bad(err, "oidc-nonce", "Wrong nonce",
			   "the ID token does not belong to this sign-in (its nonce differs); start again");
	if (!sub || !*sub || strlen(sub) >= sizeof(out->sub))
		return bad(err, "oidc-malformed", "Malformed ID token", "the ID token has no valid subject (sub)");
	if (!email || !*email || strlen(email) >= sizeof(out->email) || !strchr(email, '@'))
		return bad(err, "oidc-no-email", "No e-mail address",
			   "the identity provider did not give an e-mail address; ask it to release the email claim");
	/*
	 * Only a verified address may select an account: email_verified true,
	 * or Microsoft Entra ID's xms_edov (e-mail domain owner verified),
	 * which it sends instead when asked for that optional claim.
	 */
	if (!json_is_true(verified) && !(verified == NULL && json_is_true(json_object_get(c, "xms_edov"))))
		return rl_error_set(err, RL_E_UNAUTH, "oidc-email-unverified", "E-mail address not verified",
				    "the identity provider does not vouch for the address %.200s (email_verified is "
				    "not true), so it cannot select an account", email);
	snprintf(out->sub, sizeof(out->sub), "%s", sub);
	snprintf(out->email, sizeof(out->email), "%s", email);
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	return 0;
}

int rl_oidc_verify_id_token(const char *jwt, const json_t *jwks, const struct rl_oidc_expect *x,
			    struct rl_oidc_claims *out, struct rl_error *err)
{
	const char *d1, *d2, *alg, *kid;
	json_t *header = NULL, *claims = NULL;
	const json_t *jwk;
	uint8_t *sig = NULL;
	size_t siglen = 0, len;
	EVP_PKEY *pkey = NULL;
	int es, rc = -1;

	memset(out, 0, sizeof(*out));
	len = jwt ? strlen(jwt) : 0;
	d1 = jwt ? strchr(jwt, '.') : NULL;
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!len || len > RL_OIDC_MAX_TOKEN || !d1 || !d2 || strchr(d2 + 1, '.') ||
	    !(header = b64url_json(jwt, (size_t)(d1 - jwt)))) {
		bad(err, "oidc-malformed", "Malformed ID token",
		    "the identity provider's ID token is not a signed JWT (three base64url parts of JSON)");
		goto done;
	}
	/* The algorithm first: an unsigned ("none") or HMAC token is refused as such. */
	alg = json_string_value(json_object_get(header, "alg"));
	kid = json_string_value(json_object_get(header, "kid"));
	if (json_object_get(header, "crit") || !alg || (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0)) {
		rl_error_set(err, RL_E_UNAUTH, "oidc-algorithm", "Unsupported signature algorithm",
			     "the ID token is signed with '%.40s'; raslog accepts RS256 and ES256", alg ? alg : "(none)");
		goto done;
	}
	if (d2[1] == '\0' || !(claims = b64url_json(d1 + 1, (size_t)(d2 - d1 - 1))) ||
	    !(sig = b64url(d2 + 1, strlen(d2 + 1), &siglen))) {
		bad(err, "oidc-malformed", "Malformed ID token",
		    "the identity provider's ID token is not a signed JWT (three base64url parts of JSON)");
		goto done;
	}
	es = strcmp(alg, "ES256") == 0;
	jwk = jwks_find(jwks, kid, es ? "EC" : "RSA");
	{
		const char *kalg = json_string_value(json_object_get(jwk, "alg"));
		if (!jwk || (kalg && strcmp(kalg, alg) != 0)) {
			rl_error_set(err, RL_E_UNAUTH, "oidc-unknown-key", "Unknown signing key",
				     "the ID token is signed with a key (kid '%.80s') that the provider does not publish",
				     kid ? kid : "");
			goto done;
		}
	}
	pkey = es ? jwk_p256(jwk) : jwk_rsa(jwk);
	if (!pkey) {
		bad(err, "oidc-unknown-key", "Unusable signing key",
		    "the provider's published key for this ID token is not a valid RSA (2048 bits or more) or P-256 key");
		goto done;
	}
	if (!verify_sig(pkey, es, (const uint8_t *)jwt, (size_t)(d2 - jwt), sig, siglen)) {
		bad(err, "oidc-signature", "Bad signature",
		    "the ID token's signature does not verify with the provider's published key");
		goto done;
	}
	rc = claims_check(claims, x, out, err);
done:
	EVP_PKEY_free(pkey);
	free(sig);
	json_decref(header);
	json_decref(claims);
	return rc;
}

/* ---- accounts ----------------------------------------------------------------------------- */

int rl_oidc_match_account(struct rl_db *db, const char *email, int64_t *user_id, int *invited,
			  struct rl_error *err)
{
	char now[21], code[RL_SECRET_LEN + 1], expires[21], token[RL_TOKEN_LEN + 1];
	int64_t inv = 0;
	int rc, active = 0;

	*user_id = 0;
	*invited = 0;
	if ((rc = rl_rows_user_by_email(db, email, user_id, &active, err)) < 0)
		return -1;
	if (rc == 1) {
		if (!active)
			return rl_error_set(err, RL_E_FORBIDDEN, "oidc-account-deactivated", "Account deactivated",
					    "the account for %.200s has been deactivated; ask your administrator", email);
		return 0;
	}
	rl_now_rfc3339(now);
	if (rl_rows_invitation_pending_by_email(db, email, now, &inv, err) < 0)
		return -1;
	if (!inv)
		return rl_error_set(err, RL_E_FORBIDDEN, "oidc-unknown-email", "No account for this address",
				    "there is no raslog account or pending invitation for %.200s; ask your "
				    "administrator to invite you with this address", email);
	/*
	 * Accept the invitation as its link would: a fresh code (the emailed
	 * link stops working) accepted at once, in this same transaction.  The
	 * first token that acceptance makes is revoked: this person signs in
	 * with the provider and makes their own tokens.
	 */
	if (rl_invitation_resend(db, inv, 1, code, expires, err) < 0 ||
	    rl_invitation_accept(db, code, user_id, token, err) < 0) {
		sodium_memzero(code, sizeof(code));
		return -1;
	}
	sodium_memzero(code, sizeof(code));
	sodium_memzero(token, sizeof(token));
	if (rl_token_revoke_all(db, *user_id, err) < 0)
		return -1;
	*invited = 1;
	return 0;
}
