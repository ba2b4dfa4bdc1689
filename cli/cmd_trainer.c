/*
 * cmd_trainer.c - raslog trainer list (trainers and their accreditation)
 * and raslog trainer accredit (faculty sign that a trainer's key may
 * countersign for a period).  The key accredited is the trainer's newest
 * registered, unrevoked key (GET /keys?user=ID) unless --key names one.
 * A trainer holds at most one live accreditation, so accrediting one who
 * holds a live one supersedes it explicitly ("supersedes": its index).
 * raslog trainer assign / unassign: faculty assign a trainee to a trainer
 * (POST/DELETE /assignments), which lets the trainer sign for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

static const char trainer_usage[] =
	"usage: raslog trainer list [--json]\n"
	"       raslog trainer accredit USER --until YYYY-MM-DD [--from YYYY-MM-DD] [--key BASE64]\n"
	"                               [--yes] [--passphrase-file FILE] [--json]\n"
	"       raslog trainer assign TRAINER TRAINEE [--json]\n"
	"       raslog trainer unassign TRAINER TRAINEE [--json]\n"
	"       raslog trainer assignments [--trainer ID] [--trainee ID] [--json]\n";

static const char assign_usage[] =
	"usage: raslog trainer assign TRAINER TRAINEE [--json]\n"
	"       raslog trainer unassign TRAINER TRAINEE [--json]\n"
	"\n"
	"Faculty: assigns trainee TRAINEE to trainer TRAINER (user ids), which lets the\n"
	"trainer sign for them (sessions, assessments, module completions), or removes\n"
	"that assignment.  A trainer also supervises every trainee who named them on a\n"
	"session.  An assignment is an administrative record, not a signed statement.\n";

static const char assignments_usage[] =
	"usage: raslog trainer assignments [--trainer ID] [--trainee ID] [--json]\n"
	"\n"
	"Lists the assignments of trainees to trainers that you may see (faculty: all;\n"
	"trainers and trainees: their own).\n";

static const char list_usage[] =
	"usage: raslog trainer list [--json]\n"
	"\n"
	"Lists the trainers with the state of their accreditation.\n";

static const char accredit_usage[] =
	"usage: raslog trainer accredit USER --until YYYY-MM-DD [--from YYYY-MM-DD] [--key BASE64]\n"
	"                               [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Faculty: signs that trainer USER's key may countersign from --from\n"
	"(default today) until --until.  A trainer holds at most one live\n"
	"accreditation: if USER holds one, the new one supersedes it (and says so).\n"
	"\n"
	"  --until DATE           last day of the accreditation (required)\n"
	"  --from DATE            first day (default: today)\n"
	"  --key BASE64           the key to accredit (default: the trainer's newest\n"
	"                         registered key that is not revoked)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_UNTIL = CLI_OPT_FIRST_LOCAL, OPT_FROM, OPT_KEY, OPT_TRAINER, OPT_TRAINEE };

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

/*
 * The ledger index of trainer user's live accreditation into *live (-1 if
 * none: never accredited, or revoked); returns 0 or the exit code.
 */
static int live_accreditation(int64_t user, int64_t *live)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *res = cli_fetch_all("/trainers", &err), *tr;
	size_t i;
	int rc;

	*live = -1;
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	json_array_foreach(json_object_get(res, "items"), i, tr) {
		json_t *acc = json_object_get(tr, "accreditation");
		const char *state = json_string_value(json_object_get(acc, "state"));
		if (json_integer_value(json_object_get(tr, "id")) != user || !state)
			continue;
		if (strcmp(state, "none") && strcmp(state, "revoked") && json_is_integer(json_object_get(acc, "ledger_index")))
			*live = json_integer_value(json_object_get(acc, "ledger_index"));
	}
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
	int64_t user, live = -1;
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
	if ((rc = live_accreditation(user, &live)) != 0)
		goto out;
	cli_signer_by(&s, &by);
	stmt = rl_stmt_trainer_accreditation_superseding(user, tkey, from, until, live, &by);
	if (live >= 0)
		snprintf(what, sizeof(what), "accreditation of trainer %lld, superseding ledger index %lld", (long long)user,
			 (long long)live);
	else
		snprintf(what, sizeof(what), "accreditation of trainer %lld", (long long)user);
	rc = cli_signer_submit(&s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (json)
			cli_print_json(stdout, reply);
		else if (live >= 0)
			printf("trainer %lld accredited from %s until %s: ledger index %s (supersedes ledger index %lld)\n",
			       (long long)user, from, until, cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)),
			       (long long)live);
		else
			printf("trainer %lld accredited from %s until %s: ledger index %s\n", (long long)user, from, until,
			       cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
	}
out:
	json_decref(reply);
	cli_signer_release(&s);
	return rc;
}

/* raslog trainer assign|unassign TRAINER TRAINEE */
static int trainer_assign(int argc, char **argv, int assign)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = assign ? "trainer assign" : "trainer unassign";
	struct rl_error err = RL_ERROR_INIT;
	json_t *res = NULL, *body, *list;
	int64_t trainer, trainee, id = 0;
	char path[96];
	int json = 0, c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			json = 1;
		else if ((rc = cli_opt_common(c, argv, cmd, assign_usage)) >= 0)
			return rc;
	}
	if (optind + 2 != argc)
		return cli_usage_error(cmd, "say which trainer and which trainee: raslog %s TRAINER TRAINEE", cmd);
	if (cli_parse_id(cmd, "the trainer's user id", argv[optind], &trainer) < 0 ||
	    cli_parse_id(cmd, "the trainee's user id", argv[optind + 1], &trainee) < 0)
		return CLI_USAGE;
	if (assign) {
		body = json_pack("{s:I,s:I}", "trainer", (json_int_t)trainer, "trainee", (json_int_t)trainee);
		res = cli_api("POST", "/assignments", body, &err);
		json_decref(body);
	} else {
		snprintf(path, sizeof(path), "/assignments?trainer=%lld&trainee=%lld", (long long)trainer, (long long)trainee);
		if ((list = cli_api("GET", path, NULL, &err))) {
			id = json_integer_value(json_object_get(json_array_get(json_object_get(list, "items"), 0), "id"));
			json_decref(list);
			if (!id) {
				rl_error_set(&err, RL_E_NOTFOUND, "not-found", NULL,
					     "trainee %lld is not assigned to trainer %lld", (long long)trainee, (long long)trainer);
			} else {
				snprintf(path, sizeof(path), "/assignments/%lld", (long long)id);
				res = cli_api("DELETE", path, NULL, &err);
			}
		}
	}
	if (!res) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json)
		cli_print_json(stdout, res);
	else if (assign)
		printf("trainee %lld (%s) assigned to trainer %lld (%s): assignment %lld\n", (long long)trainee,
		       json_string_value(json_object_get(res, "trainee_name")), (long long)trainer,
		       json_string_value(json_object_get(res, "trainer_name")),
		       (long long)json_integer_value(json_object_get(res, "id")));
	else
		printf("trainee %lld is no longer assigned to trainer %lld\n", (long long)trainee, (long long)trainer);
	json_decref(res);
	return CLI_OK;
}

static int trainer_assignments(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trainer", required_argument, NULL, OPT_TRAINER },
		{ "trainee", required_argument, NULL, OPT_TRAINEE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "ID", "TRAINER", "TRAINER NAME", "TRAINEE", "TRAINEE NAME", "SINCE" };
	const char *cmd = "trainer assignments";
	struct rl_error err = RL_ERROR_INIT;
	struct cli_table *t;
	json_t *res, *a;
	int64_t trainer = 0, trainee = 0;
	char path[96];
	size_t i, n;
	int json = 0, c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			json = 1;
		else if (c == OPT_TRAINER) {
			if (cli_parse_id(cmd, "--trainer", optarg, &trainer) < 0)
				return CLI_USAGE;
		} else if (c == OPT_TRAINEE) {
			if (cli_parse_id(cmd, "--trainee", optarg, &trainee) < 0)
				return CLI_USAGE;
		} else if ((rc = cli_opt_common(c, argv, cmd, assignments_usage)) >= 0)
			return rc;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	n = (size_t)snprintf(path, sizeof(path), "/assignments?");
	if (trainer)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "trainer=%lld&", (long long)trainer);
	if (trainee)
		snprintf(path + n, sizeof(path) - n, "trainee=%lld", (long long)trainee);
	if (!(res = cli_api("GET", path, NULL, &err))) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	if (json) {
		cli_print_json(stdout, res);
		json_decref(res);
		return CLI_OK;
	}
	t = cli_table_new(6, head);
	json_array_foreach(json_object_get(res, "items"), i, a) {
		char id[32], r[32], e[32];
		const char *cells[6];
		cells[0] = cli_json_text(a, "id", "?", id, sizeof(id));
		cells[1] = cli_json_text(a, "trainer", "?", r, sizeof(r));
		cells[2] = json_string_value(json_object_get(a, "trainer_name"));
		cells[3] = cli_json_text(a, "trainee", "?", e, sizeof(e));
		cells[4] = json_string_value(json_object_get(a, "trainee_name"));
		cells[5] = json_string_value(json_object_get(a, "created_at"));
		cli_table_add(t, cells);
	}
	if (json_array_size(json_object_get(res, "items")))
		cli_table_print(t, stdout);
	else
		printf("No assignments.\n");
	cli_table_free(t);
	json_decref(res);
	return CLI_OK;
}

int cmd_trainer(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("trainer", "say what to do: list, accredit, assign, unassign or assignments");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(trainer_usage, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return trainer_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "accredit") == 0)
		return trainer_accredit(argc - 1, argv + 1);
	if (strcmp(argv[1], "assign") == 0)
		return trainer_assign(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "unassign") == 0)
		return trainer_assign(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "assignments") == 0)
		return trainer_assignments(argc - 1, argv + 1);
	return cli_usage_error("trainer", "'%s' is not a trainer command (list, accredit, assign, unassign, assignments)",
			       argv[1]);
}
