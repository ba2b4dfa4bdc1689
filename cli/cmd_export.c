/*
 * cmd_export.c - raslog export: a trainee's portfolio as CSV, JSON or a
 * signed credential (GET /trainees/ID/export?format=...), written as the
 * server sent it to stdout or, atomically and mode 0600 since it is
 * personal data, to --output FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static const char usage[] =
	"usage: raslog export [TRAINEE] --format csv|json|credential [--output FILE]\n"
	"\n"
	"Exports a trainee's whole portfolio (default: mine) exactly as the server\n"
	"sends it.\n"
	"\n"
	"  --format F     csv, json or credential\n"
	"  --output FILE  write to FILE (mode 0600, replaced atomically) instead of stdout\n";

enum { OPT_FORMAT = CLI_OPT_FIRST_LOCAL, OPT_OUTPUT };

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "export", *format = NULL, *output = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	int64_t id = 0;
	int c, rc;
	char path[96];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "o:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT: format = optarg; break;
		case 'o':
		case OPT_OUTPUT: output = optarg; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && cli_parse_id(cmd, "the trainee id", argv[optind], &id) < 0)
		return CLI_USAGE;
	if (!format)
		return cli_usage_error(cmd, "--format is required (csv, json or credential)");
	if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "credential"))
		return cli_usage_error(cmd, "--format must be csv, json or credential, not '%s'", format);
	if (!id) {
		json_t *me = cli_api("GET", "/me", NULL, &err);
		if (!me) {
			rc = cli_report(&err);
			rl_error_clear(&err);
			return rc;
		}
		id = json_integer_value(json_object_get(me, "id"));
		json_decref(me);
	}
	snprintf(path, sizeof(path), "/trainees/%lld/export?format=%s", (long long)id, format);
	if (cli_http("GET", path, NULL, &r, &err) < 0) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	rc = CLI_OK;
	if (output) {
		if (rl_write_file_atomic(output, r.body.data, r.body.len, 0600) < 0)
			rc = cli_error("cannot write %s: %s", output, strerror(errno));
		else if (cli_stderr_tty())
			fprintf(stderr, "Wrote %zu bytes to %s.\n", r.body.len, output);
	} else if (fwrite(r.body.data, 1, r.body.len, stdout) != r.body.len) {
		rc = cli_error("cannot write the export to stdout: %s", strerror(errno));
	}
	cli_reply_release(&r);
	return rc;
}
