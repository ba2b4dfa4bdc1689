/*
 * presign.c - bench scenario 2: pre-signed POST /api/v1/signoffs bodies.
 *
 *   presign --db FILE --keys FILE [--limit N] > bodies.jsonl
 *
 * For every pending session of the database (oldest first), builds the
 * trainer's sign-off statement from the session's own record with the
 * server's code (rl_session_load, rl_stmt_session_signoff), signs it with
 * the trainer's key from --keys (bench/seed's --keys-out: "trainer ID
 * SECRET_KEY_BASE64") and prints one body a line:
 *   {"statement":{...},"signature":"..."}
 * signed_at is now, so the bodies are good for the server's 10-minute
 * skew window (RL_SIGNOFF_MAX_SKEW): sign them just before the run.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "domain/sessions.h"
#include "domain/statements.h"
#include "ledger/texts.h"
#include "base/util.h"

struct key {
	long long id;
	unsigned char sk[64];
	char pk[64];
};

int main(int argc, char **argv)
{
	const char *path = NULL, *keys_path = NULL;
	long long limit = -1, n = 0;
	struct key *keys = NULL;
	size_t nkeys = 0;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct rl_stmt *st;
	char line[512], now[21];
	FILE *f;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--keys") == 0)
			keys_path = argv[i + 1];
		else if (strcmp(argv[i], "--limit") == 0)
			limit = atoll(argv[i + 1]);
	}
	if (!path || !keys_path) {
		fprintf(stderr, "usage: presign --db FILE --keys FILE [--limit N] > bodies.jsonl\n");
		return 2;
	}
	if (sodium_init() < 0 || !(f = fopen(keys_path, "r")))
		return fprintf(stderr, "presign: cannot read %s\n", keys_path), 1;
	while (fgets(line, sizeof(line), f)) {
		char b64[200];
		long long id;
		if (sscanf(line, "trainer %lld %199s", &id, b64) != 2)
			continue;
		keys = realloc(keys, (nkeys + 1) * sizeof(*keys));
		keys[nkeys].id = id;
		if (rl_base64_decode_exact(b64, keys[nkeys].sk, 64) < 0)
			return fprintf(stderr, "presign: bad key for trainer %lld\n", id), 1;
		sodium_bin2base64(keys[nkeys].pk, sizeof(keys[nkeys].pk), keys[nkeys].sk + 32, 32,
				  sodium_base64_VARIANT_ORIGINAL);
		nkeys++;
	}
	fclose(f);
	if (rl_db_open(path, RL_DB_READONLY, &db, &err) < 0)
		return fprintf(stderr, "presign: %s\n", err.detail), 1;
	st = rl_db_stmt(db, "SELECT id FROM sessions WHERE status = 'pending' ORDER BY id", &err);
	if (!st)
		return fprintf(stderr, "presign: %s\n", err.detail), 1;
	rl_now_rfc3339(now);
	while ((limit < 0 || n < limit) && rl_step(st) == RL_ROW) {
		json_t *rec = rl_session_load(db, rl_col_int64(st, 0), &err), *stmt, *body, *steps, *texts, *sealed;
		long long trainer;
		struct key *k = NULL;
		char *sig, *text;

		if (!rec)
			return fprintf(stderr, "presign: %s\n", err.detail), 1;
		trainer = json_integer_value(json_object_get(rec, "trainer"));
		for (size_t i = 0; i < nkeys && !k; i++)
			if (keys[i].id == trainer)
				k = &keys[i];
		if (!k)
			return fprintf(stderr, "presign: no key for trainer %lld\n", trainer), 1;
		struct rl_signer by = { trainer, k->pk, now };
		steps = json_object_get(rec, "steps");
		stmt = rl_stmt_session_signoff(rec, "confirmed", json_string_value(json_object_get(rec, "role")),
					       json_is_array(steps) ? steps : NULL, NULL, &by);
		texts = json_object();
		sealed = stmt ? rl_texts_seal(stmt, texts) : NULL; /* notes committed to (core/ledger/texts.h) */
		json_decref(stmt);
		stmt = sealed;
		if (!stmt || !(sig = rl_stmt_sign(stmt, k->sk, &err)))
			return fprintf(stderr, "presign: cannot sign\n"), 1;
		body = json_pack("{s:o,s:s}", "statement", stmt, "signature", sig);
		if (json_object_size(texts))
			json_object_set(body, "texts", texts);
		json_decref(texts);
		text = json_dumps(body, JSON_COMPACT);
		puts(text);
		free(text);
		free(sig);
		json_decref(body);
		json_decref(rec);
		n++;
	}
	rl_reset(st);
	rl_db_close(db);
	fprintf(stderr, "presign: %lld bodies\n", n);
	return 0;
}
