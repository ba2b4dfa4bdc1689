/*
 * device.c - the device authorization grant (RFC 8628); see device.h.
 */
#include "base/prelude.h"

#include "domain/device.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "store/device_rows.h"

static void hash_bytes(const void *data, size_t len, uint8_t out[32])
{
	crypto_generichash(out, 32, data, len, NULL, 0);
}

/* The device code: 256 random bits as base64url, and the hash of its raw bytes. */
static void device_code_new(char out[RL_SECRET_LEN + 1], uint8_t hash[32])
{
	uint8_t raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, RL_SECRET_LEN + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	hash_bytes(raw, sizeof(raw), hash);
	sodium_memzero(raw, sizeof(raw));
}

static int device_code_hash(const char *code, uint8_t hash[32])
{
	uint8_t raw[32];
	size_t got = 0;
	const char *end = NULL;

	if (!code || strlen(code) != RL_SECRET_LEN ||
	    sodium_base642bin(raw, sizeof(raw), code, RL_SECRET_LEN, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != 32 || *end)
		return -1;
	hash_bytes(raw, sizeof(raw), hash);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

int rl_device_user_code_normalise(const char *typed, char out[RL_DEVICE_USER_CODE_LEN + 1])
{
	size_t n = 0;

	for (const char *p = typed; p && *p; p++) {
		int c = toupper((unsigned char)*p);
		if (c == '-' || c == ' ')
			continue;
		if (n == RL_DEVICE_USER_CODE_LEN || !c || !strchr(RL_DEVICE_ALPHABET, c))
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == RL_DEVICE_USER_CODE_LEN ? 0 : -1;
}

static void time_at(long long offset, char out[21])
{
	rl_format_rfc3339(time(NULL) + (time_t)offset, out);
}

int rl_device_start(struct rl_db *db, const char *client_id, const char *ip,
		    char device_code[RL_SECRET_LEN + 1], char user_code[RL_DEVICE_USER_CODE_LEN + 2],
		    struct rl_error *err)
{
	char now[21], expires[21], old[21];
	uint8_t dhash[32], uhash[32];
	int live;

	rl_now_rfc3339(now);
	time_at(RL_DEVICE_EXPIRES, expires);
	/* Grants a day past their expiry are of no use to anyone: forget them. */
	time_at(-86400, old);
	if (rl_rows_device_grant_prune(db, old, err) < 0 || (live = rl_rows_device_grant_live(db, ip, now, err)) < 0)
		return -1;
	if (live >= RL_DEVICE_MAX_PER_IP)
		return rl_error_set(err, RL_E_CONFLICT, "rate-limited", "Too many sign-ins waiting",
				    "%s already has %d sign-ins waiting for approval; approve or let them expire "
				    "(%d minutes) before starting another", ip ? ip : "this address", live,
				    RL_DEVICE_EXPIRES / 60);
	for (int attempt = 0;; attempt++) {
		char letters[RL_DEVICE_USER_CODE_LEN + 1];
		struct rl_row_device_grant_new g = { dhash, uhash, client_id, ip, now, expires, RL_DEVICE_INTERVAL };
		int rc;

		for (int i = 0; i < RL_DEVICE_USER_CODE_LEN; i++)
			letters[i] = RL_DEVICE_ALPHABET[randombytes_uniform(sizeof(RL_DEVICE_ALPHABET) - 1)];
		letters[RL_DEVICE_USER_CODE_LEN] = '\0';
		hash_bytes(letters, RL_DEVICE_USER_CODE_LEN, uhash);
		snprintf(user_code, RL_DEVICE_USER_CODE_LEN + 2, "%.4s-%.4s", letters, letters + 4);
		device_code_new(device_code, dhash);
		/* The store leaves the transaction usable after a collision, for the next draw. */
		rc = rl_rows_device_grant_insert(db, &g, err);
		if (rc <= 0)
			return rc;
		/* A user code still held by another grant (one in 2.5e10): draw again. */
		if (attempt >= 3)
			return rl_error_internal(err, "storing a device grant: four user codes drawn were all taken");
	}
}

static int set_poll(struct rl_db *db, int64_t id, const char *now, int slow, struct rl_error *err)
{
	return rl_rows_device_grant_polled(db, id, now, slow ? RL_DEVICE_SLOW_STEP : 0, err);
}

int rl_device_poll(struct rl_db *db, const char *device_code, enum rl_device_poll *result,
		   int64_t *user_id, int64_t *token_id, char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	struct rl_row_device_grant g;
	uint8_t dhash[32];
	char now[21], date[11];
	int rc;
	time_t t_last;
	struct rl_pat_new pat = { 0 };
	char name[64];

	*result = RL_DEVICE_INVALID;
	*user_id = *token_id = 0;
	if (device_code_hash(device_code, dhash) < 0)
		return 0;
	if ((rc = rl_rows_device_grant_by_device(db, dhash, &g, err)) <= 0)
		return rc;

	rl_now_rfc3339(now);
	if (strcmp(g.status, "issued") == 0)
		return 0; /* single use: the token was handed out already */
	if (strcmp(g.expires_at, now) <= 0) {
		*result = RL_DEVICE_EXPIRED;
		return 0;
	}
	if (g.last_poll_at[0] && rl_parse_rfc3339(g.last_poll_at, &t_last) == 0 && time(NULL) - t_last < g.interval) {
		*result = RL_DEVICE_SLOW_DOWN;
		return set_poll(db, g.id, now, 1, err);
	}
	if (set_poll(db, g.id, now, 0, err) < 0)
		return -1;
	if (strcmp(g.status, "pending") == 0) {
		*result = RL_DEVICE_PENDING;
		return 0;
	}
	if (strcmp(g.status, "denied") == 0) {
		*result = RL_DEVICE_DENIED;
		return 0;
	}
	/* Approved: the token of the person who approved, handed out once. */
	snprintf(date, sizeof(date), "%.10s", now);
	snprintf(name, sizeof(name), "raslog login on %s", date);
	pat.name = name;
	if (rl_pat_create(db, g.user_id, &pat, token_id, token, err) < 0 ||
	    rl_rows_device_grant_issued(db, g.id, *token_id, err) < 0)
		return -1;
	*user_id = g.user_id;
	*result = RL_DEVICE_ISSUED;
	return 0;
}

int rl_device_decide(struct rl_db *db, const char *user_code, int64_t user_id, int approve,
		     int64_t *grant_id, struct rl_error *err)
{
	struct rl_row_device_grant g;
	char letters[RL_DEVICE_USER_CODE_LEN + 1], now[21];
	uint8_t uhash[32];
	int rc;

	*grant_id = 0;
	if (rl_device_user_code_normalise(user_code, letters) < 0)
		return rl_error_field(err, "user_code", "must be the 8 letters raslog login showed, such as BCDF-GHJK");
	hash_bytes(letters, RL_DEVICE_USER_CODE_LEN, uhash);
	if ((rc = rl_rows_device_grant_by_user_code(db, uhash, &g, err)) < 0)
		return -1;
	if (rc == 0)
		return rl_error_field(err, "user_code", "no sign-in is waiting for the code %.4s-%.4s; check it, "
				      "or run raslog login again", letters, letters + 4);
	*grant_id = g.id;
	rl_now_rfc3339(now);
	if (strcmp(g.status, "pending") != 0)
		return rl_error_set(err, RL_E_CONFLICT, "device-code-used", "Code already used",
				    "the code %.4s-%.4s was already %s; run raslog login again for a new one",
				    letters, letters + 4, strcmp(g.status, "denied") == 0 ? "denied" : "approved");
	if (strcmp(g.expires_at, now) <= 0)
		return rl_error_set(err, RL_E_CONFLICT, "device-code-expired", "Code expired",
				    "the code %.4s-%.4s expired at %s; run raslog login again for a new one",
				    letters, letters + 4, g.expires_at);
	return rl_rows_device_grant_decide(db, g.id, approve ? "approved" : "denied", user_id, now, err);
}
