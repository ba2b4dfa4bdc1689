/*
 * cmd_ledger.c - raslog ledger export | head | proof: the append-only
 * ledger of signed statements.  The export streams GET /ledger page by
 * page to stdout as JSON Lines (one entry a line, exactly as served), so
 * a national ledger never has to fit in memory; progress goes to stderr
 * when it is a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

#define PAGE_ENTRIES 10000

struct export_state {
	long long lines;      /* entries written in this page */
	long long total;      /* entries written in all */
	long long expected;   /* the head's tree size, for progress; 0 unknown */
	int progress;         /* stderr is a terminal */
	char last;            /* last byte written */
};

static int write_chunk(void *ctx, const char *data, size_t len, struct rl_error *err)
{
	struct export_state *st = ctx;

	if (fwrite(data, 1, len, stdout) != len)
		return rl_error_set(err, RL_E_INTERNAL, "write", NULL, "cannot write the export to stdout: %s",
				    strerror(errno));
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n')
			st->lines++;
	if (len)
		st->last = data[len - 1];
	if (st->progress) {
		if (st->expected)
			fprintf(stderr, "\rraslog: %lld of %lld entries", st->total + st->lines, st->expected);
		else
			fprintf(stderr, "\rraslog: %lld entries", st->total + st->lines);
	}
	return 0;
}

/* Parses a whole number option into *out. */
static int number(const char *cmd, const char *what, const char *text, long long min, long long *out)
{
	if (rl_parse_int(text, min, INT64_MAX, out) < 0) {
		cli_usage_error(cmd, "%s must be a whole number of at least %lld, not '%s'", what, min, text);
		return -1;
	}
	return 0;
}

static int ledger_export(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *from_s = os_get(a, "from"), *count_s = os_get(a, "count");
	struct export_state st = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long from = 0, count = -1;
	json_t *head;
	int rc;

	if ((from_s && number(cmd, "--from", from_s, 0, &from) < 0) ||
	    (count_s && number(cmd, "--count", count_s, 1, &count) < 0))
		return CLI_USAGE;
	st.progress = cli_stderr_tty();
	if (st.progress && (head = cli_api("GET", "/ledger/head", NULL, &err)) != NULL) {
		long long size = json_integer_value(json_object_get(head, "tree_size"));
		st.expected = size > from ? size - from : 0;
		if (count > 0 && st.expected > count)
			st.expected = count;
		json_decref(head);
	}
	rl_error_clear(&err);
	for (;;) {
		long long want = count < 0 ? PAGE_ENTRIES : count - st.total;
		char path[96];

		if (want > PAGE_ENTRIES)
			want = PAGE_ENTRIES;
		if (want <= 0)
			break;
		snprintf(path, sizeof(path), "/ledger?from=%lld&count=%lld", from + st.total, want);
		st.lines = 0;
		st.last = '\n';
		if (cli_http_stream(path, write_chunk, &st, &err) < 0) {
			if (st.progress)
				fputc('\n', stderr);
			rc = cli_report(&err);
			rl_error_clear(&err);
			return rc;
		}
		if (st.last != '\n') {
			/* Every entry ends its line, even the last one the server sent. */
			putchar('\n');
			st.lines++;
		}
		st.total += st.lines;
		if (st.lines < want)
			break;
	}
	if (fflush(stdout) != 0)
		return cli_error("cannot write the export to stdout: %s", strerror(errno));
	if (st.progress)
		fprintf(stderr, "\rraslog: exported %lld entries\033[K\n", st.total);
	return CLI_OK;
}

static void print_head(const json_t *head)
{
	static const char *const fields[][2] = {
		{ "tree_size", "tree size" }, { "root_hash", "root hash" }, { "timestamp", "timestamp" },
		{ "signature", "signature" }, { NULL, NULL },
	};

	for (int i = 0; fields[i][0]; i++) {
		char tmp[128];
		printf("%-10s %s\n", fields[i][1], cli_json_text(head, fields[i][0], "-", tmp, sizeof(tmp)));
	}
}

static int ledger_head(const struct os_args *a)
{
	return cli_read(a, "/ledger/head", 0, print_head);
}

/* The log's public key, one line: what 'raslog verify --log-key' and the recipes of docs/ledger.md take. */
static void print_key(const json_t *key)
{
	const char *pk = json_string_value(json_object_get(key, "public_key"));

	printf("%s\n", pk ? pk : "?");
}

static int ledger_key(const struct os_args *a)
{
	return cli_read(a, "/ledger/key", 0, print_key);
}

static int ledger_proof(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *index_s = os_get(a, "index"), *size_s = os_get(a, "tree-size");
	struct rl_error err = RL_ERROR_INIT;
	long long index, size = 0;
	json_t *proof, *h;
	int rc;
	char path[128], t1[32], t2[32], t3[80];
	size_t i;

	if (number(cmd, "--index", index_s, 0, &index) < 0 || (size_s && number(cmd, "--tree-size", size_s, 1, &size) < 0))
		return CLI_USAGE;
	if (!size) {
		json_t *head = cli_api("GET", "/ledger/head", NULL, &err);
		if (!head) {
			rc = cli_report(&err);
			rl_error_clear(&err);
			return rc;
		}
		size = json_integer_value(json_object_get(head, "tree_size"));
		json_decref(head);
	}
	if (index >= size)
		return cli_error("entry %lld is not in a tree of %lld entries", index, size);
	snprintf(path, sizeof(path), "/ledger/proof?index=%lld&tree_size=%lld", index, size);
	if (!(proof = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (os_has(a, "json")) {
		cli_print_json(stdout, proof);
	} else {
		printf("leaf index %s\ntree size  %s\nleaf hash  %s\n", cli_json_text(proof, "leaf_index", "?", t1, sizeof(t1)),
		       cli_json_text(proof, "tree_size", "?", t2, sizeof(t2)),
		       cli_json_text(proof, "leaf_hash", "?", t3, sizeof(t3)));
		json_array_foreach(json_object_get(proof, "hashes"), i, h)
			printf("hash %-5zu %s\n", i, json_string_value(h) ? json_string_value(h) : "?");
	}
	json_decref(proof);
	return CLI_OK;
}

static const struct os_opt export_opts[] = {
	{ "from", 0, "N", "start at entry N (default 0)", 0, NULL },
	{ "count", 0, "N", "at most N entries (default: to the end)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt proof_opts[] = {
	{ "index", 0, "N", "the entry", OS_REQUIRED, NULL },
	{ "tree-size", 0, "N", "the size of the tree (default: the latest head)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd ledger_cmds[] = {
	{ .name = "ledger export", .max_args = 0, .summary = "write the ledger as JSON Lines",
	  .about = "Writes the ledger as JSON Lines to stdout, one entry a line:\n"
		   "{\"index\",\"message\",\"public_key\",\"signature\"}, or {\"index\",\"leaf_hash\"}\n"
		   "for an entry about someone whose records you may not see.  Check it\n"
		   "offline with 'raslog verify --file FILE --log-key KEY --head HEAD'.\n",
	  .opts = export_opts, .shared = cli_shared_plain, .run = ledger_export, .flags = CLI_NEEDS_TOKEN },
	{ .name = "ledger head", .max_args = 0, .summary = "show the latest signed tree head",
	  .about = "Shows the latest signed tree head: size, root hash, time, log signature.\n",
	  .shared = cli_shared_read, .run = ledger_head, .flags = CLI_NEEDS_TOKEN },
	{ .name = "ledger key", .max_args = 0, .summary = "print the log's public key",
	  .about = "Prints the log's Ed25519 public key (base64), what 'raslog verify --log-key'\n"
		   "and the recipes of docs/ledger.md take; --json adds its origin and note key.\n",
	  .shared = cli_shared_read, .run = ledger_key, .flags = CLI_NEEDS_TOKEN },
	{ .name = "ledger proof", .max_args = 0, .summary = "fetch an inclusion proof",
	  .about = "Fetches the RFC 9162 inclusion proof of entry N in the tree of the given\n"
		   "size (default: the latest head).\n",
	  .opts = proof_opts, .shared = cli_shared_read, .run = ledger_proof, .flags = CLI_NEEDS_TOKEN },
	{ .name = NULL },
};

const struct os_cmd cli_cmd_ledger = {
	.name = "ledger",
	.summary = "export the ledger, show its head and key, fetch proofs",
	.subs = ledger_cmds,
};
