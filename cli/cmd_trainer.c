/*
 * cmd_trainer.c - raslog trainer list (trainers and their accreditation)
 * and raslog trainer accredit (faculty sign that a trainer's key may
 * countersign for a period).  The key accredited is the trainer's newest
 * registered, unrevoked key (GET /keys?user=ID) unless --key names one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#include "banned.h"

static const char trainer_usage[] =
	"usage: raslog trainer list [--json]\n"
	"       raslog trainer accredit USER --until YYYY-MM-DD [--from YYYY-MM-DD] [--key BASE64]\n"
	"                               [--yes] [--passphrase-file FILE] [--json]\n";

static const char list_usage[] =
	"usage: raslog trainer list [--json]\n"
	"\n"
	"Lists the trainers with the state of their accreditation.\n";

static const char accredit_usage[] =
	"usage: raslog trainer accredit USER --until YYYY-MM-DD [--from YYYY-MM-DD] [--key BASE64]\n"
	"                               [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Faculty: signs that trainer USER's key may countersign from --from\n"
	"(default today) until --until.\n"
	"\n"
	"  --until DATE           last day of the accreditation (required)\n"
	"  --from DATE            first day (default: today)\n"
	"  --key BASE64           the key to accredit (default: the trainer's newest\n"
	"                         registered key that is not revoked)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_UNTIL = CLI_OPT_FIRST_LOCAL, OPT_FROM, OPT_KEY };

static int trainer_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "ID", "NAME", "SITE", "STATE", "FROM", "UNTIL", "LEDGER" };
	struct rl_error err = RL_ERROR_INIT;
	struct cli_table *t;
	json_t *res, *tr;
	int json = 0, c, rc;
	size_t i;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			json = 1;
		else if ((rc = cli_opt_common(c, argv, "trainer list", list_usage)) >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error("trainer list", "unexpected argument '%s'", argv[optind]);
	if (!(res = cli_fetch_all("/trainers", &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, res);
		json_decref(res);
		return CLI_OK;
	}
	t = cli_table_new(7, head);
	cli_table_status_column(t, 3);
	json_array_foreach(json_object_get(res, "items"), i, tr) {
		json_t *acc = json_object_get(tr, "accreditation");
		char id[32], idx[32];
		const char *cells[7];

		cells[0] = cli_json_text(tr, "id", "?", id, sizeof(id));
		cells[1] = json_string_value(json_object_get(tr, "name"));
		cells[2] = json_string_value(json_object_get(tr, "site"));
		cells[3] = json_string_value(json_object_get(acc, "state"));
		cells[4] = json_string_value(json_object_get(acc, "valid_from"));
		cells[5] = json_string_value(json_object_get(acc, "valid_until"));
		cells[6] = cli_json_text(acc, "ledger_index", NULL, idx, sizeof(idx));
		cli_table_add(t, cells);
	}
	if (json_array_size(json_object_get(res, "items")))
		cli_table_print(t, stdout);
	else
		printf("No trainers.\n");
	cli_table_free(t);
	json_decref(res);
	return CLI_OK;
}

/* The newest registered, unrevoked key of user, into out; returns 0 or the exit code. */
static int newest_key(int64_t user, char *out, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	char path[64];
	json_t *res, *items, *k, *best = NULL;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "/keys?user=%lld", (long long)user);
	if (!(res = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	items = json_is_array(res) ? res : json_object_get(res, "items");
	json_array_foreach(items, i, k) {
		json_t *revoked = json_object_get(k, "revoked_at");
		if (revoked && !json_is_null(revoked))
			continue;
		if (!json_string_value(json_object_get(k, "public_key")))
			continue;
		if (!best || json_integer_value(json_object_get(k, "id")) > json_integer_value(json_object_get(best, "id")))
			best = k;
	}
	if (!best) {
		json_decref(res);
		return cli_error("user %lld has no registered key that is not revoked; they must run 'raslog key register' "
				 "first", (long long)user);
	}
	snprintf(out, size, "%s", json_string_value(json_object_get(best, "public_key")));
	json_decref(res);
	return 0;
}

static int trainer_accredit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "trainer accredit", *until = NULL, *from = NULL, *key = NULL, *passfile = NULL;
	struct cli_signer s;
	struct rl_signer by;
	json_t *stmt, *reply = NULL;
	char today[11], tkey[64], what[96], tmp[32];
	uint8_t raw[32];
	int64_t user;
	int yes = 0, json = 0, c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_UNTIL: until = optarg; break;
		case OPT_FROM: from = optarg; break;
		case OPT_KEY: key = optarg; break;
		case 'y':
		case CLI_OPT_YES: yes = 1; break;
		case CLI_OPT_PASSFILE: passfile = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, accredit_usage)) >= 0)
				return rc;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "say which trainer: raslog trainer accredit USER --until DATE");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the user id", argv[optind], &user) < 0)
		return CLI_USAGE;
	if (!until)
		return cli_usage_error(cmd, "--until is required");
	rl_format_date(rl_today(), today);
	if (!from)
		from = today;
	if (cli_parse_date(cmd, "--until", until) < 0 || cli_parse_date(cmd, "--from", from) < 0)
		return CLI_USAGE;
	if (strcmp(until, from) < 0)
		return cli_usage_error(cmd, "--until (%s) is before --from (%s)", until, from);
	if (key && rl_base64_decode_exact(key, raw, sizeof(raw)) < 0)
		return cli_usage_error(cmd, "--key must be a base64 Ed25519 public key of 32 bytes");
	if ((rc = cli_signer_begin(&s, cmd, yes, passfile)) != 0)
		return rc;
	if (!cli_signer_has_role(&s, "faculty")) {
		cli_signer_release(&s);
		cli_error("only faculty accredit trainers, and your account is not faculty");
		return CLI_AUTH;
	}
	if (key)
		snprintf(tkey, sizeof(tkey), "%s", key);
	else if ((rc = newest_key(user, tkey, sizeof(tkey))) != 0)
		goto out;
	cli_signer_by(&s, &by);
	stmt = rl_stmt_trainer_accreditation(user, tkey, from, until, &by);
	snprintf(what, sizeof(what), "accreditation of trainer %lld", (long long)user);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (json)
			cli_print_json(stdout, reply);
		else
			printf("trainer %lld accredited from %s until %s: ledger index %s\n", (long long)user, from, until,
			       cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
	}
out:
	json_decref(reply);
	cli_signer_release(&s);
	return rc;
}

int cmd_trainer(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("trainer", "say what to do: list or accredit");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(trainer_usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return trainer_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "accredit") == 0)
		return trainer_accredit(argc - 1, argv + 1);
	return cli_usage_error("trainer", "'%s' is not a trainer command (list, accredit)", argv[1]);
}
