/*
 * cmd_export.c - raslog export: a trainee's portfolio as CSV, JSON, PDF or
 * a signed credential (GET /trainees/ID/export?format=...), written as the
 * server sent it to stdout or, atomically and mode 0600 since it is
 * personal data, to --output FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static int export(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *format = os_get(a, "format"), *output = os_get(a, "output");
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	int64_t id = 0;
	int rc;
	char path[96];

	if (a->argc && cli_parse_id(cmd, "the trainee id", a->argv[0], &id) < 0)
		return CLI_USAGE;
	if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "pdf") && strcmp(format, "credential"))
		return cli_usage_error(cmd, "--format must be csv, json, pdf or credential, not '%s'", format);
	/* A PDF is not for a terminal. */
	if (!output && strcmp(format, "pdf") == 0 && isatty(STDOUT_FILENO))
		return cli_usage_error(cmd, "a PDF is not for the terminal; pass --output FILE or redirect stdout");
	if (!id && (rc = cli_my_id(&id)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/trainees/%lld/export?format=%s", (long long)id, format);
	if (cli_http("GET", path, NULL, &r, &err) < 0)
		return cli_fail(&err);
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

static const struct os_opt opts[] = {
	{ "format", 0, "csv|json|pdf|credential", "the format", OS_REQUIRED, NULL },
	{ "output", 'o', "FILE", "write to FILE (mode 0600, replaced atomically) instead of stdout", OS_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_export = {
	.name = "export",
	.args = "[TRAINEE]",
	.min_args = 0,
	.max_args = 1,
	.summary = "export a trainee's portfolio (csv, json, pdf, credential)",
	.about = "Exports a trainee's whole portfolio (default: mine) exactly as the server\n"
		 "sends it: CSV, JSON, the PDF portfolio or the signed credential.\n",
	.opts = opts,
	.shared = cli_shared_plain,
	.run = export,
	.flags = CLI_NEEDS_TOKEN,
};
