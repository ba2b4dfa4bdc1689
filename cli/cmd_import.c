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

static void print_import(const json_t *o)
{
	char t1[32], t2[32], t3[32];

	printf("import %s: %s attempts from %s, %s (trainer %s)\n  sha256 %s\n",
	       cli_json_text(o, "id", "?", t1, sizeof(t1)), cli_json_text(o, "attempts", "?", t2, sizeof(t2)),
	       cli_json_text(o, "filename", "?", t3, sizeof(t3)), json_string_value(json_object_get(o, "status")),
	       json_string_value(json_object_get(o, "trainer_name")) ? json_string_value(json_object_get(o, "trainer_name")) : "",
	       json_string_value(json_object_get(o, "sha256")));
}

static int import_simulator(const struct os_args *a)
{
	const char *cmd = a->cmd->name, *file = a->argv[0], *base;
	struct rl_error err = RL_ERROR_INIT;
	int elogbook = strcmp(cmd, "import elogbook") == 0;
	const char *format = elogbook ? NULL : os_get(a, "format");
	int64_t trainer_id = elogbook ? 0 : cli_opt_id(a, "trainer");
	struct stat sb;
	size_t len;
	char *data, *b64;
	json_t *body, *reply;

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
	body = json_pack("{s:s,s:s,s:s}", "kind", elogbook ? "elogbook" : "simulator", "filename", base,
			 "content_base64", b64 ? b64 : "");
	if (!elogbook)
		json_object_set_new(body, "trainer", json_integer(trainer_id));
	free(b64);
	if (format)
		json_object_set_new(body, "format", json_string(format));
	reply = cli_api("POST", "/imports", body, &err);
	json_decref(body);
	if (!reply)
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, reply);
	else if (elogbook)
		printf("import %lld: %lld rows from %s; %zu robotic row%s became pending sessions for their trainers\n",
		       (long long)json_integer_value(json_object_get(reply, "id")),
		       (long long)json_integer_value(json_object_get(reply, "attempts")), base,
		       json_array_size(json_object_get(reply, "sessions")),
		       json_array_size(json_object_get(reply, "sessions")) == 1 ? "" : "s");
	else
		print_import(reply);
	json_decref(reply);
	return CLI_OK;
}

static int import_other(const struct os_args *a)
{
	return cli_error("importing %s files is not available yet; 'raslog import simulator' and 'raslog import elogbook' are",
			 strrchr(a->cmd->name, ' ') + 1);
}

static void print_imports(const json_t *reply)
{
	static const char *const headers[] = { "ID", "STATUS", "TRAINEE", "TRAINER", "ATTEMPTS", "FILE", "CREATED" };
	struct cli_table *t = cli_table_new(7, headers);
	json_t *it;
	size_t i;

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

static int imports(const struct os_args *a)
{
	const char *status = os_get(a, "status");
	char path[64];

	if (status && strcmp(status, "pending") && strcmp(status, "signed") && strcmp(status, "rejected"))
		return cli_usage_error(a->cmd->name, "--status must be pending, signed or rejected");
	snprintf(path, sizeof(path), "/imports%s%s", status ? "?status=" : "", status ? status : "");
	return cli_read(a, path, 0, print_imports);
}

static int sign_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	const char *cmd = a->cmd->name, *reason = os_get(a, "reason");
	int64_t id;

	(void)ids;
	(void)n;
	if (cli_parse_id(cmd, "import", a->argv[0], &id) < 0)
		return CLI_USAGE;
	if (os_has(a, "reject") && (!reason || !*reason))
		return cli_usage_error(cmd, "--reject needs --reason TEXT");
	if (!os_has(a, "reject") && reason)
		return cli_usage_error(cmd, "--reason goes with --reject");
	return 0;
}

static int sign_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	int64_t id = strtoll(a->argv[0], NULL, 10);
	int reject = os_has(a, "reject"), rc;
	const char *me = json_string_value(json_object_get(s->me, "name")), *who;
	struct rl_signer by;
	char path[64];
	json_t *imp;

	(void)item;
	snprintf(path, sizeof(path), "/imports/%lld", (long long)id);
	if (!(imp = cli_get(path, &rc)))
		return rc;
	cli_signer_by(s, &by);
	out->statement = rl_stmt_simulator_import(imp, reject ? "rejected" : "confirmed", os_get(a, "reason"), &by);
	snprintf(out->what, sizeof(out->what), "import %lld (%lld attempts)", (long long)id,
		 (long long)json_integer_value(json_object_get(imp, "attempts")));
	snprintf(out->done, sizeof(out->done), "%s %s", out->what, reject ? "rejected" : "countersigned");
	who = json_string_value(json_object_get(imp, "trainee_name"));
	snprintf(out->words, sizeof(out->words), "%s %s %s's import %lld: %lld simulator attempts from %s (sha256 %.16s...)%s%s",
		 me ? me : "I", reject ? "rejects" : "countersigns", who ? who : "the trainee", (long long)id,
		 (long long)json_integer_value(json_object_get(imp, "attempts")),
		 json_string_value(json_object_get(imp, "filename")) ? json_string_value(json_object_get(imp, "filename")) : "?",
		 json_string_value(json_object_get(imp, "sha256")) ? json_string_value(json_object_get(imp, "sha256")) : "?",
		 reject ? ", because: " : ".", reject ? os_get(a, "reason") : "");
	json_decref(imp);
	return 0;
}

static const struct cli_signing sign_how = { sign_items, sign_build };

static const struct os_opt simulator_opts[] = {
	{ "trainer", 0, "ID", "the trainer who countersigns the import", OS_REQUIRED, cli_check_id },
	{ "format", 0, "csv|json", "the file's format (default: from the file name or content)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_cmd import_cmds[] = {
	{ .name = "import simulator", .args = "FILE", .min_args = 1, .max_args = 1,
	  .summary = "upload a simulator attempts file",
	  .about = "Uploads a simulator attempts file in the raslog format (docs/imports.md)\n"
		   "for trainer ID to countersign.  Nothing is stored from a file with any\n"
		   "problem; each problem is named by row (1 = the header) and column.\n",
	  .opts = simulator_opts, .shared = cli_shared_read, .run = import_simulator, .flags = CLI_NEEDS_TOKEN },
	{ .name = "import elogbook", .args = "FILE", .min_args = 1, .max_args = 1,
	  .summary = "upload an eLogbook operating log CSV",
	  .about = "Uploads a CSV export of my eLogbook operating log (docs/imports.md:\n"
		   "date, procedure, hospital, supervision, consultant, role[, minutes, platform]).\n"
		   "Its robotic rows (role console or bedside) become pending sessions with\n"
		   "the supervision code as my claimed role, for the consultant to sign.\n"
		   "Rows imported before create nothing again.  Nothing is stored from a\n"
		   "file with any problem; each is named by row (1 = the header) and column.\n",
	  .shared = cli_shared_read, .run = import_simulator, .flags = CLI_NEEDS_TOKEN },
	{ .name = "import certificate", .args = "FILE", .min_args = 0, .max_args = -1,
	  .summary = "not available yet", .shared = cli_shared_plain, .run = import_other },
	{ .name = NULL },
};

const struct os_cmd cli_cmd_import = {
	.name = "import",
	.summary = "upload simulator attempts or an eLogbook operating log",
	.about = "Certificate imports are not available yet.\n",
	.subs = import_cmds,
};

static const struct os_opt imports_opts[] = {
	{ "status", 0, "pending|signed|rejected", "only imports in this state", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_imports = {
	.name = "imports",
	.max_args = 0,
	.summary = "list the imports I uploaded or that wait for me",
	.about = "Lists the imports I uploaded or that wait for my countersignature.\n",
	.opts = imports_opts,
	.shared = cli_shared_read,
	.run = imports,
	.flags = CLI_NEEDS_TOKEN,
};

static const struct os_opt sign_import_opts[] = {
	{ "reject", 0, NULL, "reject the import instead", 0, NULL },
	{ "reason", 0, "TEXT", "why (required with --reject)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_sign_import = {
	.name = "sign-import",
	.args = "ID",
	.min_args = 1,
	.max_args = 1,
	.summary = "countersign or reject an import (trainer)",
	.about = "Countersigns import ID as a whole (the file's SHA-256 and its parsed\n"
		 "attempts), or rejects it with a reason.  Shows the statement and asks first.\n",
	.opts = sign_import_opts,
	.shared = cli_shared_sign,
	.run = cli_sign_run,
	.flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	.data = &sign_how,
};
