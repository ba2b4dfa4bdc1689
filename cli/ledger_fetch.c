/*
 * ledger_fetch.c - fetching what an online check of the ledger needs from
 * the server: its log key (pinned if the caller gives one), its signed
 * tree head, and the whole export, page by page, into a temporary file.
 * `raslog verify` and `raslog audit` both start from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

#define PAGE 100000 /* export lines per request */

struct sink {
	FILE *f;
	uint64_t lines;
};

static int to_file(void *ctx, const char *data, size_t len, struct rl_error *err)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n')
			s->lines++;
	if (fwrite(data, 1, len, s->f) != len)
		return rl_error_set(err, RL_E_UNAVAILABLE, "write-failed", NULL, "cannot write the export to a temporary file");
	return 0;
}

int cli_fetch_ledger(const char *pinned, uint8_t key[32], char **head_text, FILE **export, int show)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *k, *head;
	const char *k64;
	struct sink s = { NULL, 0 };
	int64_t size;
	int rc;

	if (!(k = cli_api("GET", "/ledger/key", NULL, &err)) || !(head = cli_api("GET", "/ledger/head", NULL, &err))) {
		json_decref(k);
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	k64 = json_string_value(json_object_get(k, "public_key"));
	if (!k64 || rl_base64_decode_exact(k64, key, 32) < 0) {
		json_decref(k);
		json_decref(head);
		return cli_error("the server's /ledger/key reply holds no base64 Ed25519 public key");
	}
	if (pinned && strcmp(pinned, k64) != 0) {
		cli_error("the server's log key %s is not the pinned key %s", k64, pinned);
		json_decref(k);
		json_decref(head);
		return CLI_FAIL;
	}
	json_decref(k);
	size = json_integer_value(json_object_get(head, "tree_size"));
	*head_text = json_dumps(head, JSON_COMPACT);
	json_decref(head);
	if (!(s.f = tmpfile())) {
		free(*head_text);
		return cli_error("cannot create a temporary file for the export");
	}
	while ((int64_t)s.lines < size) {
		char path[96];
		uint64_t before = s.lines;
		int64_t count = size - (int64_t)s.lines < PAGE ? size - (int64_t)s.lines : PAGE;

		snprintf(path, sizeof(path), "/ledger?from=%llu&count=%lld", (unsigned long long)s.lines, (long long)count);
		if (cli_http_stream(path, to_file, &s, &err) < 0) {
			rc = cli_report(&err);
			rl_error_clear(&err);
			fclose(s.f);
			free(*head_text);
			return rc;
		}
		if (show)
			fprintf(stderr, "\rfetching: %llu of %lld entries", (unsigned long long)s.lines, (long long)size);
		if (s.lines == before)
			break; /* the server has fewer entries than its head: verification names it */
	}
	if (show)
		fprintf(stderr, "\n");
	if (fflush(s.f) != 0 || fseek(s.f, 0, SEEK_SET) != 0) {
		fclose(s.f);
		free(*head_text);
		return cli_error("cannot rewind the temporary export file");
	}
	*export = s.f;
	return 0;
}
