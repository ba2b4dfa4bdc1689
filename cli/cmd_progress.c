/*
 * cmd_progress.c - raslog progress: where a trainee stands against their
 * curriculum (GET /trainees/ID/progress), one line per module and one per
 * requirement with its target, signed and pending amounts and status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "base/banned.h"

int cli_progress_curriculum(const json_t *progress, const char **code, int *version)
{
	json_t *cur = json_object_get(progress, "curriculum");

	*code = json_string_value(json_object_get(cur, "code"));
	*version = (int)json_integer_value(json_object_get(cur, "version"));
	if (!*code || *version <= 0) {
		cli_error("the trainee's progress report names no curriculum code and version");
		return -1;
	}
	return 0;
}

static void print_report(const json_t *p)
{
	static const char *const head[] = { "MODULE / REQUIREMENT", "TARGET", "SIGNED", "PENDING", "STATUS", "DESCRIPTION" };
	const json_t *tr = json_object_get(p, "trainee"), *cur = json_object_get(p, "curriculum");
	const json_t *acc = json_object_get(p, "accreditation");
	const char *status = json_string_value(json_object_get(p, "status"));
	char t1[32], t2[32], t3[32], t4[64], t5[32];
	struct cli_table *t;
	json_t *m, *r;
	size_t i, j;

	printf("Trainee     %s (%s)\n", cli_json_text(tr, "name", "?", t4, sizeof(t4)),
	       cli_json_text(tr, "id", "?", t1, sizeof(t1)));
	printf("Curriculum  %s (%s v%s)\n", json_string_value(json_object_get(cur, "title")) ?
	       json_string_value(json_object_get(cur, "title")) : "?", cli_json_text(cur, "code", "?", t2, sizeof(t2)),
	       cli_json_text(cur, "version", "?", t3, sizeof(t3)));
	printf("Status      %s%s%s, %s of %s modules met\n", cli_status_color(status), status ? status : "?",
	       cli_color_reset(status), cli_json_text(p, "modules_met", "?", t1, sizeof(t1)),
	       cli_json_text(p, "modules_total", "?", t5, sizeof(t5)));
	if (json_is_object(acc))
		printf("Accredited  ledger index %s%s%s\n", cli_json_text(acc, "ledger_index", "?", t1, sizeof(t1)),
		       json_object_get(acc, "valid_until") ? ", valid until " : "",
		       cli_json_text(acc, "valid_until", "", t4, sizeof(t4)));
	putchar('\n');
	t = cli_table_new(6, head);
	cli_table_status_column(t, 4);
	cli_table_wrap(t);
	json_array_foreach(json_object_get(p, "modules"), i, m) {
		const char *cells[6] = { cli_json_text(m, "id", "?", t4, sizeof(t4)), "", "", "", 
					 json_string_value(json_object_get(m, "status")),
					 json_string_value(json_object_get(m, "title")) };
		cli_table_add(t, cells);
		json_array_foreach(json_object_get(m, "requirements"), j, r) {
			char label[96], id[64];
			const char *desc = json_string_value(json_object_get(r, "description"));
			const char *rc[6];

			snprintf(label, sizeof(label), "  %s", cli_json_text(r, "id", "?", id, sizeof(id)));
			rc[0] = label;
			rc[1] = cli_json_text(r, "target", "?", t1, sizeof(t1));
			rc[2] = cli_json_text(r, "signed", "0", t2, sizeof(t2));
			rc[3] = cli_json_text(r, "pending", "0", t3, sizeof(t3));
			rc[4] = json_string_value(json_object_get(r, "status"));
			rc[5] = desc ? desc : json_string_value(json_object_get(r, "title"));
			cli_table_add(t, rc);
		}
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

static int progress(const struct os_args *a)
{
	int64_t id = 0;
	char path[64];
	int rc;

	if (a->argc && cli_parse_id(a->cmd->name, "the trainee id", a->argv[0], &id) < 0)
		return CLI_USAGE;
	if (!id && (rc = cli_my_id(&id)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/trainees/%lld/progress", (long long)id);
	return cli_read(a, path, 0, print_report);
}

const struct os_cmd cli_cmd_progress = {
	.name = "progress",
	.args = "[TRAINEE]",
	.min_args = 0,
	.max_args = 1,
	.summary = "show a trainee's progress towards accreditation",
	.about = "Shows a trainee's progress towards accreditation (default: mine).  Only\n"
		 "what trainers signed counts; pending shows what waits for a signature.\n"
		 "The descriptions wrap to the terminal's width (COLUMNS; 80 when not a\n"
		 "terminal).\n",
	.shared = cli_shared_read,
	.run = progress,
	.flags = CLI_NEEDS_TOKEN,
};
