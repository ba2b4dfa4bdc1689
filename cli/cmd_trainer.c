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

static void print_trainers(const json_t *res)
{
	static const char *const head[] = { "ID", "NAME", "SITE", "STATE", "FROM", "UNTIL", "LEDGER" };
	struct cli_table *t;
	json_t *tr;
	size_t i;

	if (!json_array_size(json_object_get(res, "items"))) {
		printf("No trainers.\n");
		return;
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
	cli_table_print(t, stdout);
	cli_table_free(t);
}

static int trainer_list(const struct os_args *a)
{
	return cli_read(a, "/trainers", 1, print_trainers);
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
static int live_accreditation(int64_t user, int64_t *live, char *name, size_t size)
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
		snprintf(name, size, "%s", json_string_value(json_object_get(tr, "name")) ? json_string_value(json_object_get(tr, "name")) : "");
		if (strcmp(state, "none") && strcmp(state, "revoked") && json_is_integer(json_object_get(acc, "ledger_index")))
			*live = json_integer_value(json_object_get(acc, "ledger_index"));
	}
	json_decref(res);
	return 0;
}

static int accredit_items(const struct os_args *a, int64_t **ids, size_t *n)
{
	const char *cmd = a->cmd->name, *until = os_get(a, "until"), *from = os_get(a, "from"), *key = os_get(a, "key");
	char today[11];
	uint8_t raw[32];
	int64_t user;

	(void)ids;
	(void)n;
	if (cli_parse_id(cmd, "the user id", a->argv[0], &user) < 0)
		return CLI_USAGE;
	rl_format_date(rl_today(), today);
	if (strcmp(until, from ? from : today) < 0)
		return cli_usage_error(cmd, "--until (%s) is before --from (%s)", until, from ? from : today);
	if (key && rl_base64_decode_exact(key, raw, sizeof(raw)) < 0)
		return cli_usage_error(cmd, "--key must be a base64 Ed25519 public key of 32 bytes");
	return 0;
}

static int accredit_build(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out)
{
	const char *until = os_get(a, "until"), *from = os_get(a, "from"), *me = json_string_value(json_object_get(s->me, "name"));
	int64_t user = strtoll(a->argv[0], NULL, 10), live = -1;
	struct rl_signer by;
	char today[11], tkey[64], name[128] = "";
	int rc;

	(void)item;
	rl_format_date(rl_today(), today);
	if (!from)
		from = today;
	if (os_get(a, "key"))
		snprintf(tkey, sizeof(tkey), "%s", os_get(a, "key"));
	else if ((rc = newest_key(user, tkey, sizeof(tkey))) != 0)
		return rc;
	if ((rc = live_accreditation(user, &live, name, sizeof(name))) != 0)
		return rc;
	cli_signer_by(s, &by);
	out->statement = rl_stmt_trainer_accreditation_superseding(user, tkey, from, until, live, &by);
	snprintf(out->what, sizeof(out->what), "accreditation of trainer %lld", (long long)user);
	snprintf(out->done, sizeof(out->done), "trainer %lld accredited from %s until %s", (long long)user, from, until);
	if (live >= 0) {
		snprintf(out->what, sizeof(out->what), "accreditation of trainer %lld, superseding ledger index %lld",
			 (long long)user, (long long)live);
		snprintf(out->after, sizeof(out->after), " (supersedes ledger index %lld)", (long long)live);
	}
	snprintf(out->words, sizeof(out->words), "%s accredits %s (user %lld) as a trainer, with the key %.12s..., from %s "
		 "until %s%s.", me ? me : "I", name[0] ? name : "the trainer", (long long)user, tkey, from, until, out->after);
	return 0;
}

static const struct cli_signing accredit_how = { accredit_items, accredit_build };

/* raslog trainer assign|unassign TRAINER TRAINEE */
static int trainer_assign(const struct os_args *a)
{
	const char *cmd = a->cmd->name;
	int assign = strcmp(cmd, "trainer assign") == 0;
	struct rl_error err = RL_ERROR_INIT;
	json_t *res = NULL, *body, *list;
	int64_t trainer, trainee, id = 0;
	char path[96];

	if (cli_parse_id(cmd, "the trainer's user id", a->argv[0], &trainer) < 0 ||
	    cli_parse_id(cmd, "the trainee's user id", a->argv[1], &trainee) < 0)
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
	if (!res)
		return cli_fail(&err);
	if (os_has(a, "json"))
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

static void print_assignments(const json_t *res)
{
	static const char *const head[] = { "ID", "TRAINER", "TRAINER NAME", "TRAINEE", "TRAINEE NAME", "SINCE" };
	struct cli_table *t;
	json_t *a;
	size_t i;

	if (!json_array_size(json_object_get(res, "items"))) {
		printf("No assignments.\n");
		return;
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
	cli_table_print(t, stdout);
	cli_table_free(t);
}

static int trainer_assignments(const struct os_args *a)
{
	int64_t trainer = cli_opt_id(a, "trainer"), trainee = cli_opt_id(a, "trainee");
	char path[96];
	size_t n;

	n = (size_t)snprintf(path, sizeof(path), "/assignments?");
	if (trainer)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "trainer=%lld&", (long long)trainer);
	if (trainee)
		snprintf(path + n, sizeof(path) - n, "trainee=%lld", (long long)trainee);
	return cli_read(a, path, 0, print_assignments);
}

static const struct os_opt accredit_opts[] = {
	{ "until", 0, "YYYY-MM-DD", "last day of the accreditation", OS_REQUIRED, cli_check_date },
	{ "from", 0, "YYYY-MM-DD", "first day (default: today)", 0, cli_check_date },
	{ "key", 0, "BASE64", "the key to accredit (default: the trainer's newest registered key not revoked)", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const struct os_opt assignments_opts[] = {
	{ "trainer", 0, "ID", "only this trainer's", 0, cli_check_id },
	{ "trainee", 0, "ID", "only this trainee's", 0, cli_check_id },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

static const char assign_about[] =
	"Faculty: assigns trainee TRAINEE to trainer TRAINER (user ids), which lets the\n"
	"trainer sign for them (sessions, assessments, module completions), or removes\n"
	"that assignment.  A trainer also supervises every trainee who named them on a\n"
	"session.  An assignment is an administrative record, not a signed statement.\n";

static const struct os_cmd trainer_cmds[] = {
	{ .name = "trainer list", .max_args = 0, .summary = "list the trainers",
	  .about = "Lists the trainers with the state of their accreditation.\n", .shared = cli_shared_read,
	  .run = trainer_list, .flags = CLI_NEEDS_TOKEN },
	{ .name = "trainer accredit", .args = "USER", .min_args = 1, .max_args = 1,
	  .summary = "accredit a trainer's key (faculty)",
	  .about = "Faculty: signs that trainer USER's key may countersign from --from\n"
		   "(default today) until --until.  A trainer holds at most one live\n"
		   "accreditation: if USER holds one, the new one supersedes it (and says so).\n",
	  .opts = accredit_opts, .shared = cli_shared_sign, .run = cli_sign_run,
	  .flags = CLI_NEEDS_TOKEN | CLI_SIGNS | CLI_FACULTY_ONLY, .data = &accredit_how },
	{ .name = "trainer assign", .args = "TRAINER TRAINEE", .min_args = 2, .max_args = 2,
	  .summary = "assign a trainee to a trainer (faculty)", .about = assign_about, .shared = cli_shared_read,
	  .run = trainer_assign, .flags = CLI_NEEDS_TOKEN },
	{ .name = "trainer unassign", .args = "TRAINER TRAINEE", .min_args = 2, .max_args = 2,
	  .summary = "remove an assignment (faculty)", .about = assign_about, .shared = cli_shared_read,
	  .run = trainer_assign, .flags = CLI_NEEDS_TOKEN },
	{ .name = "trainer assignments", .max_args = 0, .summary = "list assignments",
	  .about = "Lists the assignments of trainees to trainers that you may see (faculty: all;\n"
		   "trainers and trainees: their own).\n",
	  .opts = assignments_opts, .shared = cli_shared_read, .run = trainer_assignments, .flags = CLI_NEEDS_TOKEN },
	{ .name = NULL },
};

const struct os_cmd cli_cmd_trainer = {
	.name = "trainer",
	.summary = "list trainers; accredit a trainer's key; assign trainees (faculty)",
	.subs = trainer_cmds,
};
