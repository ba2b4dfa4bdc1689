/*
 * cmd_verify.c - raslog verify: re-verify the whole ledger, against the
 * server (fetching its log key, signed tree head and export) or offline
 * from an export file and the log's public key.  The checks themselves
 * are core/ledger/verify.c's, which knows nothing of HTTP; docs/ledger.md says
 * what they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/util.h"
#include "ledger/verify.h"

#include "base/banned.h"

static void progress(void *ctx, uint64_t done)
{
	(void)ctx;
	fprintf(stderr, "\rverifying: %llu entries", (unsigned long long)done);
	fflush(stderr);
}

static char *read_text(const char *path, const char *what)
{
	size_t len;
	char *t = rl_read_file(path, 16u << 20, &len);

	if (!t)
		cli_error("cannot read %s %s", what, path);
	return t;
}

static void print_json(const struct rl_verify_result *res)
{
	json_t *o = json_pack("{s:b,s:I,s:I}", "ok", res->ok, "entries", (json_int_t)res->entries, "redacted",
			      (json_int_t)res->redacted), *counts;

	json_object_set_new(o, "texts", json_pack("{s:I,s:I}", "checked", (json_int_t)res->texts, "erased",
						  (json_int_t)res->texts_erased));
	if (res->ok) {
		json_object_set_new(o, "root_hash", json_string(res->root_hex));
		if (res->head_checked)
			json_object_set_new(o, "head", json_pack("{s:I,s:s}", "tree_size", (json_int_t)res->head_size,
								 "timestamp", res->head_timestamp));
		if (res->old_head_checked)
			json_object_set_new(o, "previous_head",
					    json_pack("{s:I,s:s}", "tree_size", (json_int_t)res->old_head_size, "timestamp",
						      res->old_head_timestamp));
	} else {
		json_object_set_new(o, "bad_index", res->bad_index >= 0 ? json_integer(res->bad_index) : json_null());
		json_object_set_new(o, "why", json_string(res->why));
	}
	counts = json_object();
	for (int i = 0; rl_verify_type_names[i]; i++)
		json_object_set_new(counts, rl_verify_type_names[i], json_integer((json_int_t)res->statements[i]));
	json_object_set_new(o, "statements", counts);
	cli_print_json(stdout, o);
	json_decref(o);
}

static int verify(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_verify_opts vo;
	struct rl_verify_result res;
	const char *file = os_get(a, "file"), *log_key = os_get(a, "log-key"), *head_path = os_get(a, "head");
	const char *old_path = os_get(a, "previous-head"), *save = os_get(a, "save-head");
	char *head_text = NULL, *old_text = NULL;
	long long threads = 0;
	int json = os_has(a, "json"), rc, show = cli_stderr_tty();
	FILE *in = NULL;

	if (os_get(a, "threads") && rl_parse_int(os_get(a, "threads"), 1, 16, &threads) < 0)
		return cli_usage_error("verify", "--threads must be a number from 1 to 16");
	memset(&vo, 0, sizeof(vo));
	if (log_key && rl_base64_decode_exact(log_key, vo.log_key, 32) < 0)
		return cli_usage_error("verify", "--log-key must be the log's Ed25519 public key in base64 (32 bytes)");
	if (file) {
		if (!log_key)
			return cli_usage_error("verify", "--file needs --log-key (GET /api/v1/ledger/key gives it)");
		if (save)
			return cli_usage_error("verify", "--save-head works only against the server");
		if (head_path && !(head_text = read_text(head_path, "the head")))
			return CLI_FAIL;
		if (!(in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r"))) {
			free(head_text);
			return cli_error("cannot open the export %s", file);
		}
	} else {
		if (head_path)
			return cli_usage_error("verify", "--head works only with --file (the server's head is used)");
		if ((rc = cli_fetch_ledger(log_key, vo.log_key, &head_text, &in, show)) != 0)
			return rc;
	}
	if (old_path && !(old_text = read_text(old_path, "the previous head"))) {
		free(head_text);
		if (in != stdin)
			fclose(in);
		return CLI_FAIL;
	}
	vo.head = head_text;
	vo.old_head = old_text;
	vo.threads = threads ? (int)threads : 0;
	if (!vo.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		vo.threads = n < 2 ? 2 : n > 16 ? 16 : (int)n;
	}
	vo.progress_every = 20000;
	if (show) {
		vo.progress = progress;
	}
	rc = rl_verify_export(in, &vo, &res, &err);
	if (show)
		fprintf(stderr, "\r\033[K");
	if (in != stdin)
		fclose(in);
	if (rc < 0) {
		rc = cli_report(&err);
		rl_error_clear(&err);
	} else if (json) {
		print_json(&res);
		rc = res.ok ? CLI_OK : CLI_FAIL;
	} else if (!res.ok) {
		if (res.bad_index >= 0)
			cli_error("entry %lld is bad: %s", (long long)res.bad_index, res.why);
		else
			cli_error("the ledger does not verify: %s", res.why);
		rc = CLI_FAIL;
	} else {
		printf("verified %llu entries", (unsigned long long)res.entries);
		if (res.redacted)
			printf(" (%llu of them redacted for you: only their leaf hashes, which the root covers)",
			       (unsigned long long)res.redacted);
		if (res.texts || res.texts_erased)
			printf("; %llu free text%s match%s %s commitment%s, %llu erased", (unsigned long long)res.texts,
			       res.texts == 1 ? "" : "s", res.texts == 1 ? "es" : "", res.texts == 1 ? "its" : "their",
			       res.texts == 1 ? "" : "s", (unsigned long long)res.texts_erased);
		printf("; root %s", res.root_hex);
		if (res.head_checked)
			printf(" matches the signed tree head of %s", res.head_timestamp);
		else
			printf(" (no signed tree head given: pass --head to check it%s)",
			       res.redacted ? "; without it the redacted lines are checked against nothing" : "");
		if (res.old_head_checked)
			printf("; consistent with the previous head of %llu entries (%s)",
			       (unsigned long long)res.old_head_size, res.old_head_timestamp);
		printf("\n");
		rc = CLI_OK;
	}
	if (rc == CLI_OK && save && head_text &&
	    rl_write_file_atomic(save, head_text, strlen(head_text), 0644) < 0)
		rc = cli_error("cannot save the head to %s", save);
	free(head_text);
	free(old_text);
	return rc;
}

static const struct os_opt opts[] = {
	{ "file", 0, "EXPORT.jsonl", "verify an export (JSON Lines) offline", 0, NULL },
	{ "log-key", 0, "KEY", "the log's Ed25519 public key, base64 (required with --file; 'raslog ledger key')", 0, NULL },
	{ "head", 0, "HEAD.json", "the signed tree head (JSON) the export must match", 0, NULL },
	{ "previous-head", 0, "OLD.json", "a head saved earlier; the log must extend it", 0, NULL },
	{ "save-head", 0, "FILE", "after a good verification, save the server's head there", 0, NULL },
	{ "threads", 0, "N", "verifying threads (default: the number of CPUs, at least 2)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_verify = {
	.name = "verify",
	.max_args = 0,
	.summary = "verify a ledger export offline",
	.about = "Re-verifies every entry of the ledger: indexes, the exact signed text\n"
		 "(RFC 8785 JCS), every Ed25519 signature, every signer's authority at that\n"
		 "index (faculty keys from the log, trainer keys from faculty accreditations,\n"
		 "revocations), the RFC 9162 Merkle root against the signed tree head, and\n"
		 "consistency with a head saved earlier.  Reports the first bad entry and\n"
		 "exits 1.  Entries you may not see come as redacted lines (index and leaf\n"
		 "hash only): they count towards the root and the head, and the result says\n"
		 "how many there were.\n"
		 "\n"
		 "Without --file it fetches GET /api/v1/ledger/key, /ledger/head and the\n"
		 "export from the server; --log-key then pins the key the server must use.\n"
		 "Formats: docs/ledger.md.\n",
	.opts = opts,
	.shared = cli_shared_read,
	.run = verify,
};
