/*
 * cmd_import.c - raslog import simulator FILE --trainer ID (a trainee
 * uploads a simulator attempts file), raslog imports (the imports I may
 * see) and raslog sign-import ID (a trainer countersigns or rejects an
 * import as a whole with a "simulator_import" statement rebuilt from the
 * import the server holds).  See docs/imports.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "domain/imports.h"
#include "base/util.h"

#include "base/banned.h"

static const char import_usage[] =
	"usage: raslog import simulator FILE --trainer ID [--format csv|json] [--json]\n"
	"\n"
	"Uploads a simulator attempts file in the raslog format (docs/imports.md)\n"
	"for trainer ID to countersign.  Nothing is stored from a file with any\n"
	"problem; each problem is named by row (1 = the header) and column.\n"
	"\n"
	"  --trainer ID       the trainer who countersigns the import\n"
	"  --format F         csv or json (default: from the file name or content)\n"
	"  --json             print the import record as JSON\n"
	"\n"
	"Certificates and eLogbook imports are not available yet.\n";

static const char imports_usage[] =
	"usage: raslog imports [--status pending|signed|rejected] [--json]\n"
	"\n"
	"Lists the imports I uploaded or that wait for my countersignature.\n";

static const char sign_import_usage[] =
	"usage: raslog sign-import ID [--reject --reason TEXT] [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Countersigns import ID as a whole (the file's SHA-256 and its parsed\n"
	"attempts), or rejects it with a reason.  Shows the statement and asks first.\n"
	"\n"
	"  --reject           reject the import instead\n"
	"  --reason TEXT      why (required with --reject)\n"
	"  --yes              sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json             print the server's answer as JSON\n";

enum { OPT_TRAINER = CLI_OPT_FIRST_LOCAL, OPT_FORMAT, OPT_STATUS, OPT_REJECT, OPT_REASON };

static void print_import(const json_t *o)
{
	char t1[32], t2[32], t3[32];

	printf("import %s: %s attempts from %s, %s (trainer %s)\n  sha256 %s\n",
	       cli_json_text(o, "id", "?", t1, sizeof(t1)), cli_json_text(o, "attempts", "?", t2, sizeof(t2)),
	       cli_json_text(o, "filename", "?", t3, sizeof(t3)), json_string_value(json_object_get(o, "status")),
	       json_string_value(json_object_get(o, "trainer_name")) ? json_string_value(json_object_get(o, "trainer_name")) : "",
	       json_string_value(json_object_get(o, "sha256")));
}

static int import_simulator(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trainer", required_argument, NULL, OPT_TRAINER },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "import simulator", *trainer = NULL, *format = NULL, *file, *base;
	struct rl_error err = RL_ERROR_INIT;
	int64_t trainer_id;
	int json = 0, c, rc;
	struct stat sb;
	size_t len;
	char *data, *b64;
	json_t *body, *reply;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case OPT_TRAINER: trainer = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, import_usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "name the FILE to import");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	if (!trainer)
		return cli_usage_error(cmd, "--trainer is required");
	if (cli_parse_id(cmd, "--trainer", trainer, &trainer_id) < 0)
		return CLI_USAGE;
	if (format && strcmp(format, "csv") && strcmp(format, "json"))
		return cli_usage_error(cmd, "--format must be csv or json");
	if (stat(file, &sb) == 0 && sb.st_size > (off_t)RL_IMPORT_MAX_BYTES)
		return cli_error("'%s' is %lld bytes, over the limit of %u bytes (2 MiB); nothing was stored", file,
				 (long long)sb.st_size, RL_IMPORT_MAX_BYTES);
	errno = 0;
	data = rl_read_file(file, RL_IMPORT_MAX_BYTES, &len);
	if (!data)
		return cli_error("cannot read '%s': %s", file, errno ? strerror(errno) : "over the size limit");
	b64 = rl_base64_encode((const uint8_t *)data, len);
	free(data);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	body = json_pack("{s:s,s:I,s:s,s:s}", "kind", "simulator", "trainer", (json_int_t)trainer_id, "filename",
			 base, "content_base64", b64 ? b64 : "");
	free(b64);
	if (format)
		json_object_set_new(body, "format", json_string(format));
	reply = cli_api("POST", "/imports", body, &err);
	json_decref(body);
	if (!reply) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json)
		cli_print_json(stdout, reply);
	else
		print_import(reply);
	json_decref(reply);
	return CLI_OK;
}

int cmd_import(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("import", "say what to import: raslog import simulator FILE --trainer ID");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(import_usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "simulator") == 0)
		return import_simulator(argc - 1, argv + 1);
	if (strcmp(argv[1], "elogbook") == 0 || strcmp(argv[1], "certificate") == 0)
		return cli_error("importing %s files is not available yet; only 'raslog import simulator'", argv[1]);
	return cli_usage_error("import", "'%s' is not an import kind (simulator)", argv[1]);
}

int cmd_imports(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const headers[] = { "ID", "STATUS", "TRAINEE", "TRAINER", "ATTEMPTS", "FILE", "CREATED" };
	const char *cmd = "imports", *status = NULL;
	struct rl_error err = RL_ERROR_INIT;
	int json = 0, c, rc;
	char path[64];
	json_t *reply, *it;
	size_t i;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATUS: status = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, imports_usage)) >= 0)
				return rc;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected"))
		return cli_usage_error(cmd, "--status must be pending, signed or rejected");
	snprintf(path, sizeof(path), "/imports%s%s", status ? "?status=" : "", status ? status : "");
	if (!(reply = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, reply);
	} else {
		struct cli_table *t = cli_table_new(7, headers);
		cli_table_status_column(t, 1);
		json_array_foreach(json_object_get(reply, "items"), i, it) {
			char id[24], n[24];
			const char *row[7] = { cli_json_text(it, "id", "", id, sizeof(id)),
					       json_string_value(json_object_get(it, "status")),
					       json_string_value(json_object_get(it, "trainee_name")),
					       json_string_value(json_object_get(it, "trainer_name")),
					       cli_json_text(it, "attempts", "", n, sizeof(n)),
					       json_string_value(json_object_get(it, "filename")),
					       json_string_value(json_object_get(it, "created_at")) };
			cli_table_add(t, row);
		}
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
	json_decref(reply);
	return CLI_OK;
}

int cmd_sign_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reject", no_argument, NULL, OPT_REJECT },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "sign-import", *reason = NULL, *passfile = NULL;
	struct rl_error err = RL_ERROR_INIT;
	struct cli_signer s;
	struct rl_signer by;
	json_t *imp = NULL, *stmt, *reply = NULL;
	int64_t id;
	int yes = 0, json = 0, reject = 0, c, rc;
	char path[64], what[96], tmp[32];

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_REJECT: reject = 1; break;
		case OPT_REASON: reason = optarg; break;
		case 'y':
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_PASSFILE: passfile = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, sign_import_usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "name the import ID to sign");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "import", argv[optind], &id) < 0)
		return CLI_USAGE;
	if (reject && (!reason || !*reason))
		return cli_usage_error(cmd, "--reject needs --reason TEXT");
	if (!reject && reason)
		return cli_usage_error(cmd, "--reason goes with --reject");
	if ((rc = cli_signer_begin(&s, cmd, yes, passfile)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/imports/%lld", (long long)id);
	if (!(imp = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		goto out;
	}
	cli_signer_by(&s, &by);
	stmt = rl_stmt_simulator_import(imp, reject ? "rejected" : "confirmed", reason, &by);
	snprintf(what, sizeof(what), "import %lld (%lld attempts)", (long long)id,
		 (long long)json_integer_value(json_object_get(imp, "attempts")));
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (json)
			cli_print_json(stdout, reply);
		else
			printf("%s %s: ledger index %s\n", what, reject ? "rejected" : "countersigned",
			       cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
	}
out:
	rl_error_clear(&err);
	json_decref(reply);
	json_decref(imp);
	cli_signer_release(&s);
	return rc;
}
