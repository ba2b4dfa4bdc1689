/*
 * cmd_import.c - raslog import simulator FILE --trainer ID (a trainee
 * uploads a simulator attempts file), raslog import certificate FILE (an
 * e-learning certificate), raslog imports (the imports I may see) and
 * raslog sign-import ID / import confirm ID / import reject ID (a trainer,
 * or faculty for a certificate, countersigns or rejects an import as a
 * whole with a "simulator_import" or "elearning_confirmation" statement
 * rebuilt from the import the server holds: one path for both).  See
 * docs/imports.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "domain/certificates.h"
#include "domain/imports.h"
#include "base/util.h"

#include "base/banned.h"

/* An option this command's table declares and the user gave (commands share the signing code below). */
static int has_opt(const struct os_args *a, const char *name)
{
	return os_declares(a->cmd, name) >= 0 && os_has(a, name);
}

static const char *opt_value(const struct os_args *a, const char *name)
{
	return os_declares(a->cmd, name) >= 0 ? os_get(a, name) : NULL;
}

/* A certificate import: what it is, and whether its proof verified, said plainly. */
static void print_certificate(const json_t *o)
{
	const json_t *c = json_object_get(o, "certificate");
	const char *an = json_string_value(json_object_get(c, "achievement_name"));
	char t1[32];

	printf("import %s: %s certificate \"%s\" from %s, completed %s (%s), %s\n  %s: %s\n  sha256 %s\n",
	       cli_json_text(o, "id", "?", t1, sizeof(t1)),
	       json_string_value(json_object_get(c, "kind")) ? json_string_value(json_object_get(c, "kind")) : "?",
	       an ? an : json_string_value(json_object_get(c, "achievement")) ? json_string_value(json_object_get(c, "achievement")) : "?",
	       json_string_value(json_object_get(c, "issuer")) ? json_string_value(json_object_get(c, "issuer")) : "?",
	       json_string_value(json_object_get(c, "completed_on")) ? json_string_value(json_object_get(c, "completed_on")) : "?",
	       json_string_value(json_object_get(c, "result")) ? json_string_value(json_object_get(c, "result")) : "?",
	       json_string_value(json_object_get(o, "status")) ? json_string_value(json_object_get(o, "status")) : "?",
	       json_is_true(json_object_get(o, "verified")) ? "verified" : "UNVERIFIED",
	       json_string_value(json_object_get(c, "verification")) ? json_string_value(json_object_get(c, "verification")) : "",
	       json_string_value(json_object_get(o, "sha256")) ? json_string_value(json_object_get(o, "sha256")) : "?");
}

static void print_import(const json_t *o)
{
	char t1[32], t2[32], t3[32];

	if (json_object_get(o, "certificate")) {
		print_certificate(o);
		return;
	}
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
	int elogbook = strcmp(cmd, "import elogbook") == 0, certificate = strcmp(cmd, "import certificate") == 0;
	const char *format = opt_value(a, "format");
	int64_t trainer_id = elogbook ? 0 : cli_opt_id(a, "trainer");
	unsigned limit = certificate ? RL_CERTIFICATE_MAX_BYTES : RL_IMPORT_MAX_BYTES;
	struct stat sb;
	size_t len;
	char *data, *b64;
	json_t *body, *reply;

	if (format && strcmp(format, "csv") && strcmp(format, "json"))
		return cli_usage_error(cmd, "--format must be csv or json");
	if (stat(file, &sb) == 0 && sb.st_size > (off_t)limit)
		return cli_error("'%s' is %lld bytes, over the limit of %u bytes; nothing was stored", file,
				 (long long)sb.st_size, limit);
	errno = 0;
	data = rl_read_file(file, limit, &len);
	if (!data)
		return cli_error("cannot read '%s': %s", file, errno ? strerror(errno) : "over the size limit");
	b64 = rl_base64_encode((const uint8_t *)data, len);
	free(data);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	body = json_pack("{s:s,s:s,s:s}", "kind", elogbook ? "elogbook" : certificate ? "certificate" : "simulator",
			 "filename", base, "content_base64", b64 ? b64 : "");
	if (!elogbook && (!certificate || trainer_id))
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
				       json_object_get(it, "certificate") ? (json_is_true(json_object_get(it, "verified"))
						? "certificate" : "certificate UNVERIFIED") : cli_json_text(it, "attempts", "", n, sizeof(n)),
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

/* sign-import --reject, or import reject. */
static int rejecting(const struct os_args *a)
{
	return has_opt(a, "reject") || strcmp(a->cmd->name, "import reject") == 0;
}

static int sign_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	const char *cmd = a->cmd->name, *reason = opt_value(a, "reason");
	int64_t id;

	(void)ids;
	(void)n;
	if (cli_parse_id(cmd, "import", a->argv[0], &id) < 0)
		return CLI_USAGE;
	if (rejecting(a) && (!reason || !*reason))
		return cli_usage_error(cmd, has_opt(a, "reject") ? "--reject needs --reason TEXT" : "needs --reason TEXT");
	if (!rejecting(a) && reason)
		return cli_usage_error(cmd, "--reason goes with --reject");
	return 0;
}

static int sign_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	int64_t id = strtoll(a->argv[0], NULL, 10);
	int reject = rejecting(a), rc, certificate;
	const char *me = json_string_value(json_object_get(s->me, "name")), *who;
	struct rl_signer by;
	char path[64];
	json_t *imp;

	(void)item;
	snprintf(path, sizeof(path), "/imports/%lld", (long long)id);
	if (!(imp = cli_get(path, &rc)))
		return rc;
	cli_signer_by(s, &by);
	who = json_string_value(json_object_get(imp, "trainee_name"));
	certificate = json_object_get(imp, "certificate") != NULL;
	if (certificate) {
		/* The same path for a certificate: its statement commits to the certificate as read. */
		const json_t *c = json_object_get(imp, "certificate");
		int verified = json_is_true(json_object_get(imp, "verified")), ok = has_opt(a, "unverified-ok");
		const char *an = json_string_value(json_object_get(c, "achievement_name"));

		if (!reject && !verified && !ok) {
			json_decref(imp);
			return cli_error("import %lld is an UNVERIFIED certificate (%s); confirm it only on purpose, with "
					 "--unverified-ok", (long long)id,
					 json_string_value(json_object_get(c, "verification")) ?
					 json_string_value(json_object_get(c, "verification")) : "no proof");
		}
		if (ok && (reject || verified)) {
			json_decref(imp);
			return cli_usage_error(a->cmd->name, reject ? "--unverified-ok goes with a confirmation"
					       : "the certificate's proof verified; leave out --unverified-ok");
		}
		out->statement = rl_stmt_elearning_confirmation(imp, reject ? "rejected" : "confirmed",
							       opt_value(a, "reason"), ok, &by);
		snprintf(out->what, sizeof(out->what), "import %lld (certificate)", (long long)id);
		snprintf(out->done, sizeof(out->done), "%s %s", out->what, reject ? "rejected" : "confirmed");
		snprintf(out->words, sizeof(out->words), "%s %s %s's %s certificate \"%.120s\" from %.120s, completed %s "
			 "(import %lld, sha256 %.16s...)%s%s", me ? me : "I", reject ? "rejects" : "confirms",
			 who ? who : "the trainee", verified ? "verified" : "UNVERIFIED",
			 an ? an : json_string_value(json_object_get(c, "achievement")) ? json_string_value(json_object_get(c, "achievement")) : "?",
			 json_string_value(json_object_get(c, "issuer")) ? json_string_value(json_object_get(c, "issuer")) : "?",
			 json_string_value(json_object_get(c, "completed_on")) ? json_string_value(json_object_get(c, "completed_on")) : "?",
			 (long long)id,
			 json_string_value(json_object_get(imp, "sha256")) ? json_string_value(json_object_get(imp, "sha256")) : "?",
			 reject ? ", because: " : ok ? ", knowing its proof was not verified." : ".",
			 reject ? opt_value(a, "reason") : "");
		json_decref(imp);
		return 0;
	}
	out->statement = rl_stmt_simulator_import(imp, reject ? "rejected" : "confirmed", opt_value(a, "reason"), &by);
	snprintf(out->what, sizeof(out->what), "import %lld (%lld attempts)", (long long)id,
		 (long long)json_integer_value(json_object_get(imp, "attempts")));
	snprintf(out->done, sizeof(out->done), "%s %s", out->what, reject ? "rejected" : "countersigned");
	snprintf(out->words, sizeof(out->words), "%s %s %s's import %lld: %lld simulator attempts from %s (sha256 %.16s...)%s%s",
		 me ? me : "I", reject ? "rejects" : "countersigns", who ? who : "the trainee", (long long)id,
		 (long long)json_integer_value(json_object_get(imp, "attempts")),
		 json_string_value(json_object_get(imp, "filename")) ? json_string_value(json_object_get(imp, "filename")) : "?",
		 json_string_value(json_object_get(imp, "sha256")) ? json_string_value(json_object_get(imp, "sha256")) : "?",
		 reject ? ", because: " : ".", reject ? opt_value(a, "reason") : "");
	json_decref(imp);
	return 0;
}

static const struct cli_signing sign_how = { sign_items, sign_build };

static const struct os_opt simulator_opts[] = {
	{ "trainer", 0, "ID", "the trainer who countersigns the import", OS_REQUIRED, cli_check_id },
	{ "format", 0, "csv|json", "the file's format (default: from the file name or content)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt certificate_opts[] = {
	{ "trainer", 0, "ID", "the trainer I ask to confirm it (any who supervises me may)", 0, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt confirm_opts[] = {
	{ "unverified-ok", 0, NULL, "confirm a certificate whose proof could not be verified, on purpose", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt reject_opts[] = {
	{ "reason", 0, "TEXT", "why the import is rejected", OS_REQUIRED, NULL },
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
	{ .name = "import certificate", .args = "FILE", .min_args = 1, .max_args = 1,
	  .summary = "upload an e-learning certificate",
	  .about = "Uploads an e-learning certificate: an Open Badges 3.0 / W3C Verifiable\n"
		   "Credential (JSON; its eddsa-jcs-2022 proof is checked, and one that cannot\n"
		   "be verified is kept, marked UNVERIFIED) or an xAPI statement (completed or\n"
		   "passed, with a result; never verified).  It counts once a trainer who\n"
		   "supervises me, or faculty of my programme, confirms it (docs/imports.md).\n",
	  .opts = certificate_opts, .shared = cli_shared_read, .run = import_simulator, .flags = CLI_NEEDS_TOKEN },
	{ .name = "import confirm", .args = "ID", .min_args = 1, .max_args = 1,
	  .summary = "confirm (countersign) an import (trainer, or faculty for a certificate)",
	  .about = "Confirms import ID as a whole with a signed statement: a simulator file's\n"
		   "attempts (as sign-import), or a certificate (elearning_confirmation: the\n"
		   "file's SHA-256, issuer, achievement, completion date and whether its proof\n"
		   "verified).  An unverified certificate needs --unverified-ok, which the\n"
		   "statement records.  Shows the statement and asks first.\n",
	  .opts = confirm_opts, .shared = cli_shared_sign, .run = cli_sign_run, .flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	  .data = &sign_how },
	{ .name = "import reject", .args = "ID", .min_args = 1, .max_args = 1,
	  .summary = "reject an import with a reason (trainer, or faculty for a certificate)",
	  .about = "Rejects import ID with a signed statement giving the reason.\n",
	  .opts = reject_opts, .shared = cli_shared_sign, .run = cli_sign_run, .flags = CLI_NEEDS_TOKEN | CLI_SIGNS,
	  .data = &sign_how },
	{ .name = NULL },
};

const struct os_cmd cli_cmd_import = {
	.name = "import",
	.summary = "upload simulator attempts, an eLogbook operating log or a certificate; confirm or reject one",
	.about = "Uploads records kept elsewhere (docs/imports.md), and confirms or rejects them.\n",
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
