/*
 * cmd_audit.c - raslog audit: every trainee's figures recomputed from the
 * signed ledger alone, compared with what the server reports (issue 13
 * item 2).
 *
 * Online (faculty or admin): fetches the log key, the signed tree head and
 * the export, verifies them (core/ledger/verify.c), recomputes every
 * trainee's per-requirement figures, module states and status from the
 * export (core/domain/recompute.c, which walks the statements as the
 * server's own rl_figures does), and compares them with GET
 * /trainees/{id}/progress and the
 * accreditation list.  Each difference is printed as trainee,
 * requirement, server figure, ledger figure; any difference exits 1.
 *
 * Offline (--file): verifies the export with --log-key and prints the
 * recomputed view: each trainee's progress report (not the evidence).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/util.h"
#include "domain/figures.h"
#include "domain/imports.h"
#include "domain/recompute.h"
#include "ledger/verify.h"

#include "base/banned.h"

static int report_err(struct rl_error *err)
{
	int rc = cli_report(err);

	rl_error_clear(err);
	return rc;
}

static void add_entry(void *ctx, int64_t index, const json_t *statement, const struct rl_statement *read,
		      uint64_t offset, size_t len)
{
	rl_recompute_add(ctx, index, statement, read, offset, len);
}

/*
 * Verifies the export, handing each verified statement to the recompute's
 * first pass as the verifier parsed it; 0 or the exit code.
 */
static int verify(FILE *in, const uint8_t key[32], const char *head, struct rl_recompute *r)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_verify_opts vo;
	struct rl_verify_result res;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&vo, 0, sizeof(vo));
	memcpy(vo.log_key, key, 32);
	vo.head = head;
	vo.threads = n < 2 ? 2 : n > 16 ? 16 : (int)n;
	vo.entry = add_entry;
	vo.entry_ctx = r;
	if (rl_verify_export(in, &vo, &res, &err) < 0)
		return report_err(&err);
	if (!res.ok) {
		if (res.bad_index >= 0)
			return cli_error("the ledger does not verify, so nothing is recomputed: entry %lld is bad: %s",
					 (long long)res.bad_index, res.why);
		return cli_error("the ledger does not verify, so nothing is recomputed: %s", res.why);
	}
	return 0;
}

/* Whether the row's live accreditation names evidence that does not suffice (recompute.h); with diffs, one difference. */
static int insufficient(const json_t *t, json_t *diffs)
{
	const json_t *chk = json_object_get(t, "accreditation_evidence");

	if (!chk || json_is_true(json_object_get(chk, "sufficient")))
		return 0;
	if (diffs)
		json_array_append_new(diffs, json_pack("{s:O,s:s,s:O,s:{s:b,s:O}}", "trainee", json_object_get(t, "trainee"),
						       "requirement", "accreditation.evidence", "server",
						       json_object_get(chk, "ledger_index"), "ledger", "sufficient", 0,
						       "unmet", json_object_get(chk, "unmet")));
	return 1;
}

static void print_row(const json_t *t)
{
	size_t j, k;
	json_t *mod, *req;

	do {
		const json_t *cur = json_object_get(t, "curriculum"), *rep = json_object_get(t, "report");

		printf("trainee %lld (%s version %lld): ", (long long)json_integer_value(json_object_get(t, "trainee")),
		       json_string_value(json_object_get(cur, "code")),
		       (long long)json_integer_value(json_object_get(cur, "version")));
		if (!rep) {
			printf("cannot be recomputed: %s\n", json_string_value(json_object_get(t, "error")));
			continue;
		}
		printf("%s, %lld of %lld modules met\n", json_string_value(json_object_get(rep, "status")),
		       (long long)json_integer_value(json_object_get(rep, "modules_met")),
		       (long long)json_integer_value(json_object_get(rep, "modules_total")));
		if (json_object_get(t, "accreditation_evidence")) {
			const json_t *chk = json_object_get(t, "accreditation_evidence");
			printf("  accreditation at ledger index %lld: the evidence it names %s\n",
			       (long long)json_integer_value(json_object_get(chk, "ledger_index")),
			       json_is_true(json_object_get(chk, "sufficient")) ? "meets every requirement"
			       : "does NOT meet every requirement");
		}
		json_array_foreach(json_object_get(rep, "modules"), j, mod) {
			printf("  %-28s %s\n", json_string_value(json_object_get(mod, "id")),
			       json_string_value(json_object_get(mod, "status")));
			json_array_foreach(json_object_get(mod, "requirements"), k, req)
				printf("    %-40s %6lld / %-6lld %s\n", json_string_value(json_object_get(req, "key")),
				       (long long)json_integer_value(json_object_get(req, "signed")),
				       (long long)json_integer_value(json_object_get(req, "target")),
				       json_string_value(json_object_get(req, "status")));
		}
	} while (0);
}

static void add_diff(json_t *diffs, json_int_t trainee, const char *what, json_t *server, json_t *ledger)
{
	json_array_append_new(diffs, json_pack("{s:I,s:s,s:o,s:o}", "trainee", trainee, "requirement", what,
					       "server", server ? server : json_null(), "ledger", ledger ? ledger : json_null()));
}

/* Every trainee the server lists: id -> accreditation list row, into seen; 0 or the exit code. */
static int fetch_list(json_t *seen)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *row;
	char path[96], key[32], cursor[32] = "";
	size_t i;

	for (;;) {
		json_t *page, *items, *next;

		snprintf(path, sizeof(path), "/accreditation?limit=200%s%s", cursor[0] ? "&after=" : "", cursor);
		if (!(page = cli_api("GET", path, NULL, &err)))
			return report_err(&err);
		items = json_object_get(page, "items");
		json_array_foreach(items, i, row) {
			json_int_t id = json_integer_value(json_object_get(row, "id"));
			snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, id);
			json_object_set(seen, key, row);
		}
		next = json_object_get(page, "next_cursor");
		if (!json_is_string(next)) {
			json_decref(page);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		json_decref(page);
	}
	return 0;
}

/*
 * Compares one recomputed trainee (a row of the ledger's view) with the
 * server's progress report and list row; appends to diffs and takes the
 * trainee out of seen.  0 or the exit code.
 */
static int compare_row(const json_t *t, json_t *seen, json_t *diffs, size_t *compared)
{
	struct rl_error err = RL_ERROR_INIT;
	json_int_t id = json_integer_value(json_object_get(t, "trainee"));
	const json_t *rep = json_object_get(t, "report");
	json_t *server, *sv, *lv, *row;
	char path[96], key[32];

	snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT, id);
	row = json_object_get(seen, key);
	if (!rep) {
		add_diff(diffs, id, "curriculum", NULL, json_incref(json_object_get(t, "error")));
		return 0;
	}
	if (!row) {
		add_diff(diffs, id, "listed", json_string("not in the accreditation list"),
			 json_string(json_string_value(json_object_get(rep, "status"))));
		return 0;
	}
	snprintf(path, sizeof(path), "/trainees/%" JSON_INTEGER_FORMAT "/progress", id);
	if (!(server = cli_api("GET", path, NULL, &err)))
		return report_err(&err);
	sv = rl_figures_view(server);
	lv = rl_figures_view(rep);
	rl_figures_compare(id, sv, lv, diffs);
	/* The accreditation list is a cache of the same figures. */
	if (!json_equal(json_object_get(row, "status"), json_object_get(rep, "status")))
		add_diff(diffs, id, "list.status", json_incref(json_object_get(row, "status")),
			 json_incref(json_object_get(rep, "status")));
	if (!json_equal(json_object_get(row, "modules_met"), json_object_get(rep, "modules_met")))
		add_diff(diffs, id, "list.modules_met", json_incref(json_object_get(row, "modules_met")),
			 json_incref(json_object_get(rep, "modules_met")));
	json_decref(sv);
	json_decref(lv);
	json_decref(server);
	json_object_del(seen, key);
	(*compared)++;
	return 0;
}

/* Trainees the server lists that the ledger does not enrol (what compare_row left in seen). */
static void unmatched(json_t *seen, json_t *diffs)
{
	const char *k;
	json_t *row;

	json_object_foreach(seen, k, row)
		add_diff(diffs, json_integer_value(json_object_get(row, "id")), "enrolment",
			 json_incref(json_object_get(row, "curriculum")), NULL);
}

/*
 * Every countersigned import against the file and attempts the server holds
 * now: the file's SHA-256 and the SHA-256 of JCS(the parsed attempts), which
 * the trainer's statement commits to (a file changed after countersigning).
 */
static int compare_imports(const json_t *imports, json_t *diffs)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *row;
	size_t i;

	json_array_foreach(imports, i, row) {
		const json_t *imp = json_object_get(row, "import");
		json_int_t id = json_integer_value(json_object_get(imp, "id"));
		json_int_t trainee = json_integer_value(json_object_get(row, "trainee"));
		const char *decision = json_string_value(json_object_get(row, "decision"));
		char path[64], what[64], digest[65] = "";
		json_t *server;

		if (!decision || strcmp(decision, "confirmed") != 0)
			continue;
		snprintf(path, sizeof(path), "/imports/%" JSON_INTEGER_FORMAT, id);
		if (!(server = cli_api("GET", path, NULL, &err))) {
			if (err.status != RL_E_NOTFOUND)
				return report_err(&err);
			rl_error_clear(&err);
			snprintf(what, sizeof(what), "import:%" JSON_INTEGER_FORMAT, id);
			add_diff(diffs, trainee, what, json_string("missing"), json_string("countersigned"));
			continue;
		}
		snprintf(what, sizeof(what), "import:%" JSON_INTEGER_FORMAT ".sha256", id);
		if (!json_equal(json_object_get(server, "sha256"), json_object_get(imp, "sha256")))
			add_diff(diffs, trainee, what, json_incref(json_object_get(server, "sha256")),
				 json_incref(json_object_get(imp, "sha256")));
		snprintf(what, sizeof(what), "import:%" JSON_INTEGER_FORMAT ".attempts_sha256", id);
		if (rl_import_attempts_digest(json_object_get(server, "items"), digest, &err) < 0)
			rl_error_clear(&err);
		if (strcmp(digest, json_string_value(json_object_get(imp, "attempts_sha256")) ?
				   json_string_value(json_object_get(imp, "attempts_sha256")) : "") != 0)
			add_diff(diffs, trainee, what, json_string(digest), json_incref(json_object_get(imp, "attempts_sha256")));
		json_decref(server);
	}
	return 0;
}

static void print_value(const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	printf("%s", s ? s : "?");
	free(s);
}

/* v as cli_print_json prints it (indent 2, keys sorted), nested `depth` spaces in. */
static void print_nested(const json_t *v, int depth)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(2) | JSON_SORT_KEYS), *p, *nl;

	/* A line at a time (a whole report is tens of kilobytes: not a putchar each). */
	for (p = text; p && *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n'))) {
			fputs(p, stdout);
			break;
		}
		fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
		printf("%*s", depth, "");
	}
	free(text);
}

/* One recomputed trainee at a time (rl_recompute_run): printed, or compared with the server, then dropped. */
struct audit_run {
	int json, online, rc;
	size_t rows, insufficient, compared;
	json_t *seen, *diffs;
	json_t *evidence_diffs; /* the insufficient accreditations, listed after every other difference */
};

/*
 * A row of --file --json on one line, its members in the order
 * JSON_SORT_KEYS gives, the report as the worker wrote it (compact).
 */
static void print_row_json(const json_t *row, const char *report)
{
	static const char *const members[] = { "accreditation_evidence", "curriculum", "error", "report", "trainee" };
	const char *sep = "{";

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const json_t *v = json_object_get(row, members[i]);
		char *text;

		if (strcmp(members[i], "report") == 0 && report) {
			printf("%s\"report\":%s", sep, report);
			sep = ",";
			continue;
		}
		if (!v)
			continue;
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		printf("%s\"%s\":%s", sep, members[i], text ? text : "null");
		free(text);
		sep = ",";
	}
	fputs("}", stdout);
}

static int audit_row(void *ctx, json_t *row, const char *report)
{
	struct audit_run *a = ctx;

	a->insufficient += (size_t)insufficient(row, a->online ? a->evidence_diffs : NULL);
	if (a->online) {
		a->rc = compare_row(row, a->seen, a->diffs, &a->compared);
		return a->rc != 0;
	}
	if (a->json) {
		/* The document cli_print_json printed whole: its last member, "trainees", streams. */
		printf("%s    ", a->rows ? ",\n" : "[\n");
		print_row_json(row, report);
	} else {
		print_row(row);
	}
	a->rows++;
	return 0;
}

static int audit(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *file = os_get(a, "file"), *log_key = os_get(a, "log-key"), *head_path = os_get(a, "head");
	char *head_text = NULL, today[11];
	uint8_t key[32];
	int json = os_has(a, "json"), rc;
	size_t compared = 0, i;
	FILE *in = NULL;
	json_t *diffs = NULL, *d;
	struct rl_recompute *r = NULL;
	struct audit_run run = { 0 };

	if (log_key && rl_base64_decode_exact(log_key, key, 32) < 0)
		return cli_usage_error("audit", "--log-key must be the log's Ed25519 public key in base64 (32 bytes)");
	if (file) {
		size_t len;
		if (!log_key)
			return cli_usage_error("audit", "--file needs --log-key (GET /api/v1/ledger/key gives it)");
		if (head_path && !(head_text = rl_read_file(head_path, 16u << 20, &len)))
			return cli_error("cannot read the head %s", head_path);
		if (!(in = fopen(file, "r"))) {
			free(head_text);
			return cli_error("cannot open the export %s", file);
		}
	} else {
		if (head_path)
			return cli_usage_error("audit", "--head works only with --file (the server's head is used)");
		if ((rc = cli_fetch_ledger(log_key, key, &head_text, &in, cli_stderr_tty() && !json)) != 0)
			return rc;
	}
	if (!(r = rl_recompute_new())) {
		rc = cli_error("out of memory");
		goto out;
	}
	run.json = json;
	run.online = !file;
	/* --file --json prints each report as the workers write it: no tree to build, sort and indent here. */
	rl_recompute_text(r, file && json);
	if ((rc = verify(in, key, head_text, r)) != 0)
		goto out;
	rl_format_date(rl_today(), today);
	if (!file) {
		run.seen = json_object();
		run.diffs = diffs = json_array();
		run.evidence_diffs = json_array();
		if ((rc = fetch_list(run.seen)) != 0)
			goto out;
	} else if (json) {
		printf("{\n  \"imports\": ");
		print_nested(rl_recompute_imports(r), 2);
		printf(",\n  \"statements\": %lld,\n  \"trainees\": ", (long long)rl_recompute_statements(r));
	}
	if (rl_recompute_run(r, in, today, audit_row, &run, &err) < 0) {
		rc = report_err(&err);
		goto out;
	}
	if (run.rc) {
		rc = run.rc;
		goto out;
	}
	if (file) {
		if (json)
			printf("%s\n}\n", run.rows ? "\n  ]" : "[]");
		rc = CLI_OK;
		if ((i = run.insufficient)) {
			cli_error("%zu accreditation%s name%s evidence that does not meet every requirement", i,
				  i == 1 ? "" : "s", i == 1 ? "s" : "");
			rc = CLI_FAIL;
		}
		goto out;
	}
	compared = run.compared;
	unmatched(run.seen, diffs);
	if ((rc = compare_imports(rl_recompute_imports(r), diffs)) != 0)
		goto out;
	json_array_extend(diffs, run.evidence_diffs);
	if (json) {
		json_t *o = json_pack("{s:b,s:I,s:O}", "ok", json_array_size(diffs) == 0, "trainees", (json_int_t)compared,
				      "differences", diffs);
		cli_print_json(stdout, o);
		json_decref(o);
	} else if (json_array_size(diffs)) {
		printf("trainee\trequirement\tserver\tledger\n");
		json_array_foreach(diffs, i, d) {
			printf("%lld\t%s\t", (long long)json_integer_value(json_object_get(d, "trainee")),
			       json_string_value(json_object_get(d, "requirement")));
			print_value(json_object_get(d, "server"));
			printf("\t");
			print_value(json_object_get(d, "ledger"));
			printf("\n");
		}
	} else {
		printf("audited %zu trainees: every figure the server reports is what the signed ledger gives\n", compared);
	}
	if (json_array_size(diffs)) {
		if (!json)
			cli_error("%zu figure%s the server reports differ%s from what the signed ledger gives",
				  json_array_size(diffs), json_array_size(diffs) == 1 ? "" : "s",
				  json_array_size(diffs) == 1 ? "s" : "");
		rc = CLI_FAIL;
	}
out:
	rl_recompute_free(r);
	json_decref(run.seen);
	json_decref(run.evidence_diffs);
	json_decref(diffs);
	free(head_text);
	if (in)
		fclose(in);
	return rc;
}

static const struct os_opt opts[] = {
	{ "file", 0, "EXPORT.jsonl", "recompute from an export (JSON Lines) offline and print the view", 0, NULL },
	{ "log-key", 0, "KEY", "the log's Ed25519 public key, base64 (required with --file; online it pins the key the server must use)", 0, NULL },
	{ "head", 0, "HEAD.json", "with --file: the signed tree head the export must match", 0, NULL },
	{ "json", 0, NULL, "print the result as JSON", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_audit = {
	.name = "audit",
	.max_args = 0,
	.summary = "recompute every figure from the signed ledger and compare with the server",
	.about = "Recomputes every trainee's figures (signed amount per requirement, module\n"
		 "states, overall status) from the signed ledger alone, with the same\n"
		 "function the server uses, after verifying the ledger as raslog verify does.\n"
		 "What each trainee is measured against comes from the ledger too (their\n"
		 "enrolment statement and the curriculum statement it names).\n"
		 "\n"
		 "Against the server (faculty or admin) it compares the recomputed figures\n"
		 "with the server's progress report and accreditation list for every trainee\n"
		 "and prints each difference as: trainee, requirement, server figure, ledger\n"
		 "figure; any difference exits 1.  Pending (unsigned) claims are not in the\n"
		 "ledger and are not compared.\n"
		 "\n"
		 "With --file EXPORT.jsonl --log-key KEY [--head HEAD.json] it recomputes\n"
		 "offline from an export and prints the view: each trainee's progress\n"
		 "report (figures and statuses, as GET /trainees/{id}/progress shows it).\n",
	.opts = opts,
	.shared = cli_shared_plain,
	.run = audit,
};
