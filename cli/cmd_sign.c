/*
 * cmd_sign.c - raslog sign (a trainer confirms sessions) and raslog
 * reject (a trainer rejects one, with a reason).  Each statement is built
 * with core/domain/statements.h from the session as fetched from GET
 * /sessions/ID, never from anything the server proposes; the trainer's
 * own view of role and steps defaults to the trainee's claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

static const char sign_usage[] =
	"usage: raslog sign ID... [--role R] [--steps a,b] [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Confirms the sessions with your signature.  Each statement is shown\n"
	"before it is signed; on a terminal you are asked first.  Without a\n"
	"terminal nothing is signed unless --yes is given.\n"
	"\n"
	"  --role R               your view of the trainee's role (O, A, S-TS, S-TU, P, T);\n"
	"                         default: the trainee's claim\n"
	"  --steps a,b            the steps you saw the trainee perform; default: the claim\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answers as JSON\n";

static const char reject_usage[] =
	"usage: raslog reject ID --reason TEXT [--yes] [--passphrase-file FILE] [--json]\n"
	"\n"
	"Rejects a session with your signature and a reason the trainee sees.\n"
	"\n"
	"  --reason TEXT          why the session is rejected (required)\n"
	"  --yes                  sign without asking\n"
	"  --passphrase-file FILE the passphrase of a sealed key (or RASLOG_PASSPHRASE)\n"
	"  --json                 print the server's answer as JSON\n";

enum { OPT_ROLE = CLI_OPT_FIRST_LOCAL, OPT_STEPS, OPT_REASON };

struct sign_args {
	const char *role;
	json_t *steps;    /* owned; NULL: the trainee's claim */
	const char *reason;
	int yes, json;
	const char *passfile;
};

/* Parses the options of sign and reject; returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, int rejecting, struct sign_args *a)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "yes", no_argument, NULL, CLI_OPT_YES },
		{ "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "y", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROLE:
		case OPT_STEPS:
			if (rejecting)
				return cli_usage_error(cmd, "a rejection carries no role or steps, only --reason");
			if (c == OPT_ROLE) {
				a->role = optarg;
			} else {
				json_decref(a->steps);
				if (!(a->steps = cli_split_list(cmd, "--steps", optarg)))
					return CLI_USAGE;
			}
			break;
		case OPT_REASON:
			if (!rejecting)
				return cli_usage_error(cmd, "--reason belongs to 'raslog reject'");
			a->reason = optarg;
			break;
		case 'y':
		case CLI_OPT_YES: a->yes = 1; break;
		case CLI_OPT_PASSFILE: a->passfile = optarg; break;
		case CLI_OPT_JSON: a->json = 1; break;
		default:
			if ((rc = cli_opt_common(c, argv, cmd, usage)) >= 0)
				return rc;
		}
	}
	return -1;
}

/* Fetches, checks, builds, signs and posts one session's statement; returns the exit code. */
static int sign_one(struct cli_signer *s, int64_t id, const char *decision, const struct sign_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_signer by;
	json_t *session, *stmt, *reply = NULL;
	const char *status, *role;
	const json_t *steps;
	char path[64], what[80], tmp[32];
	int rc;

	snprintf(path, sizeof(path), "/sessions/%lld", (long long)id);
	session = cli_api("GET", path, NULL, &err);
	if (!session) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	status = json_string_value(json_object_get(session, "status"));
	if (json_integer_value(json_object_get(session, "id")) != id) {
		rc = cli_error("the server answered GET %s with another session", path);
		goto out;
	}
	if (status && strcmp(status, "pending") != 0) {
		rc = cli_error("session %lld is already %s (ledger index %s)", (long long)id, status,
			       cli_json_text(json_object_get(session, "signoff"), "ledger_index", "?", tmp, sizeof(tmp)));
		goto out;
	}
	if (json_integer_value(json_object_get(session, "trainer")) != s->user) {
		rc = cli_error("session %lld names trainer %s, not you (user %lld); only that trainer may sign it",
			       (long long)id, cli_json_text(session, "trainer", "?", tmp, sizeof(tmp)), (long long)s->user);
		goto out;
	}
	role = a->role ? a->role : json_string_value(json_object_get(session, "role"));
	steps = a->steps ? a->steps : json_object_get(session, "steps");
	if (!json_is_array(steps))
		steps = NULL;
	cli_signer_by(s, &by);
	stmt = rl_stmt_session_signoff(session, decision, strcmp(decision, "confirmed") == 0 ? role : NULL,
				       strcmp(decision, "confirmed") == 0 ? steps : NULL, a->reason, &by);
	snprintf(what, sizeof(what), "session %lld, %s", (long long)id, decision);
	rc = cli_signer_submit(s, stmt, what, &reply);
	json_decref(stmt);
	if (rc == 0) {
		if (a->json)
			cli_print_json(stdout, reply);
		else
			printf("session %lld %s%s%s: ledger index %s\n", (long long)id, cli_status_color(decision), decision,
			       cli_color_reset(decision), cli_json_text(reply, "ledger_index", "?", tmp, sizeof(tmp)));
		fflush(stdout);
	}
	json_decref(reply);
out:
	json_decref(session);
	return rc;
}

int cmd_sign(int argc, char **argv)
{
	const char *cmd = "sign";
	struct sign_args a = { 0 };
	struct cli_signer s;
	int64_t *ids = NULL;
	int n, rc, failures = 0, last = CLI_OK;

	if ((rc = parse(argc, argv, cmd, sign_usage, 0, &a)) >= 0)
		goto done;
	n = argc - optind;
	if (n <= 0) {
		rc = cli_usage_error(cmd, "say which sessions to sign: raslog sign ID...");
		goto done;
	}
	ids = calloc((size_t)n, sizeof(*ids));
	if (!ids) {
		rc = cli_error("out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++)
		if (cli_parse_id(cmd, "a session id", argv[optind + i], &ids[i]) < 0) {
			rc = CLI_USAGE;
			goto done;
		}
	if ((rc = cli_signer_begin(&s, cmd, a.yes, a.passfile)) != 0)
		goto done;
	for (int i = 0; i < n; i++) {
		if (n > 1 && cli_stderr_tty())
			fprintf(stderr, "[%d/%d] session %lld\n", i + 1, n, (long long)ids[i]);
		rc = sign_one(&s, ids[i], "confirmed", &a);
		if (rc != 0) {
			failures++;
			last = rc;
			/* A refused token or key will refuse the rest too. */
			if (rc == CLI_AUTH)
				break;
		}
	}
	cli_signer_release(&s);
	if (failures && n > 1)
		cli_error("%d of %d sessions were not signed", failures, n);
	rc = last;
done:
	free(ids);
	json_decref(a.steps);
	return rc;
}

int cmd_reject(int argc, char **argv)
{
	const char *cmd = "reject";
	struct sign_args a = { 0 };
	struct cli_signer s;
	int64_t id;
	int rc;

	if ((rc = parse(argc, argv, cmd, reject_usage, 1, &a)) >= 0)
		return rc;
	if (optind >= argc)
		return cli_usage_error(cmd, "say which session to reject: raslog reject ID --reason TEXT");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "reject one session at a time; unexpected argument '%s'", argv[optind + 1]);
	if (cli_parse_id(cmd, "the session id", argv[optind], &id) < 0)
		return CLI_USAGE;
	if (!a.reason || !*a.reason)
		return cli_usage_error(cmd, "--reason is required");
	if ((rc = cli_signer_begin(&s, cmd, a.yes, a.passfile)) != 0)
		return rc;
	rc = sign_one(&s, id, "rejected", &a);
	cli_signer_release(&s);
	return rc;
}
