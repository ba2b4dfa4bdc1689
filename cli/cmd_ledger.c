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

static const char ledger_usage[] =
	"usage: raslog ledger export [--from N] [--count N] > FILE\n"
	"       raslog ledger head [--json]\n"
	"       raslog ledger proof --index N [--tree-size N] [--json]\n";

static const char export_usage[] =
	"usage: raslog ledger export [--from N] [--count N] > FILE\n"
	"\n"
	"Writes the ledger as JSON Lines to stdout, one entry a line:\n"
	"{\"index\",\"message\",\"public_key\",\"signature\"}, or {\"index\",\"leaf_hash\"}\n"
	"for an entry about someone whose records you may not see.  Check it\n"
	"offline with 'raslog verify --file FILE --log-key KEY --head HEAD'.\n"
	"\n"
	"  --from N   start at entry N (default 0)\n"
	"  --count N  at most N entries (default: to the end)\n";

static const char head_usage[] =
	"usage: raslog ledger head [--json]\n"
	"\n"
	"Shows the latest signed tree head: size, root hash, time, log signature.\n";

static const char proof_usage[] =
	"usage: raslog ledger proof --index N [--tree-size N] [--json]\n"
	"\n"
	"Fetches the RFC 9162 inclusion proof of entry N in the tree of the given\n"
	"size (default: the latest head).\n";

enum { OPT_FROM = CLI_OPT_FIRST_LOCAL, OPT_COUNT, OPT_INDEX, OPT_TREE_SIZE };

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

/* Common parsing for the ledger commands; returns -1 to go on or an exit code. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, const char **from, const char **count,
		 const char **index, const char **tree_size, int *json)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "tree-size", required_argument, NULL, OPT_TREE_SIZE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char **slot;
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		slot = c == OPT_FROM ? from : c == OPT_COUNT ? count : c == OPT_INDEX ? index : c == OPT_TREE_SIZE ? tree_size : NULL;
		if (c == CLI_OPT_JSON && json) {
			*json = 1;
		} else if (c >= OPT_FROM && c <= OPT_TREE_SIZE) {
			if (!slot)
				return cli_usage_error(cmd, "option '%s' does not apply here", argv[optind - 1]);
			*slot = optarg;
		} else if (c == CLI_OPT_JSON) {
			return cli_usage_error(cmd, "option '--json' does not apply here");
		} else if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0) {
			return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int ledger_export(int argc, char **argv)
{
	const char *cmd = "ledger export", *from_s = NULL, *count_s = NULL;
	struct export_state st = { 0 };
	struct rl_error err = RL_ERROR_INIT;
	long long from = 0, count = -1;
	json_t *head;
	int rc;

	if ((rc = parse(argc, argv, cmd, export_usage, &from_s, &count_s, NULL, NULL, NULL)) >= 0)
		return rc;
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

static int ledger_head(int argc, char **argv)
{
	static const char *const fields[][2] = {
		{ "tree_size", "tree size" }, { "root_hash", "root hash" }, { "timestamp", "timestamp" },
		{ "signature", "signature" }, { NULL, NULL },
	};
	struct rl_error err = RL_ERROR_INIT;
	json_t *head;
	int json = 0, rc;

	if ((rc = parse(argc, argv, "ledger head", head_usage, NULL, NULL, NULL, NULL, &json)) >= 0)
		return rc;
	if (!(head = cli_api("GET", "/ledger/head", NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, head);
	} else {
		for (int i = 0; fields[i][0]; i++) {
			char tmp[128];
			printf("%-10s %s\n", fields[i][1], cli_json_text(head, fields[i][0], "-", tmp, sizeof(tmp)));
		}
	}
	json_decref(head);
	return CLI_OK;
}

static int ledger_proof(int argc, char **argv)
{
	const char *cmd = "ledger proof", *index_s = NULL, *size_s = NULL;
	struct rl_error err = RL_ERROR_INIT;
	long long index, size = 0;
	json_t *proof, *h;
	int json = 0, rc;
	char path[128], t1[32], t2[32], t3[80];
	size_t i;

	if ((rc = parse(argc, argv, cmd, proof_usage, NULL, NULL, &index_s, &size_s, &json)) >= 0)
		return rc;
	if (!index_s)
		return cli_usage_error(cmd, "--index is required");
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
	if (json) {
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

int cmd_ledger(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("ledger", "say what to do: export, head or proof");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(ledger_usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "export") == 0)
		return ledger_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "head") == 0)
		return ledger_head(argc - 1, argv + 1);
	if (strcmp(argv[1], "proof") == 0)
		return ledger_proof(argc - 1, argv + 1);
	return cli_usage_error("ledger", "'%s' is not a ledger command (export, head, proof)", argv[1]);
}
