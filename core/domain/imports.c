/*
 * imports.c - simulator attempts files (CSV through libcsv, JSON through
 * jansson) read once into the canonical attempts array, and the imports
 * table that keeps them; see imports.h and docs/imports.md.
 *
 * CSV is RFC 4180 as libcsv reads it in strict mode: quoted fields may
 * hold commas, quotes ("") and line breaks; a stray quote is an error;
 * unquoted spaces around a cell are trimmed; blank lines are skipped (so
 * "row" counts records, not lines, which is what a spreadsheet shows).
 */
#include "base/prelude.h"

#include "domain/imports.h"

#include <csv.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/codes.h"
#include "ledger/jcs.h"
#include "base/jsonin.h"
#include "base/util.h"
#include "domain/certificates.h"
#include "domain/logbook.h"
#include "domain/sessions.h"
#include "domain/supervision.h"
#include "store/imports_rows.h"

#define MAX_COLUMNS 64
#define CLOCK_SKEW 300

/* ------------------------------------------------------------ problems */

struct probs {
	json_t *list;          /* [{row, column, message}] */
	int n;                 /* every problem found, listed or not */
	struct rl_error *err;
};

static void prob(struct probs *p, long row, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void prob(struct probs *p, long row, const char *column, const char *fmt, ...)
{
	char msg[200], field[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->n++;
	if (p->n <= RL_IMPORT_MAX_PROBLEMS)
		json_array_append_new(p->list, json_pack("{s:I,s:s,s:s}", "row", (json_int_t)row, "column", column,
							 "message", msg));
	snprintf(field, sizeof(field), "row %ld, column %s", row, column);
	rl_error_field(p->err, field, "%s", msg);
}

static int probs_finish(struct probs *p)
{
	struct rl_error *err = p->err;
	json_t *first = json_array_get(p->list, 0);

	if (!p->n) {
		json_decref(p->list);
		return 0;
	}
	err->status = RL_E_INVALID;
	snprintf(err->type, sizeof(err->type), "import-invalid");
	snprintf(err->title, sizeof(err->title), "Import refused");
	snprintf(err->detail, sizeof(err->detail),
		 "the file has %d problem%s and nothing was stored; the first: row %lld, column %s: %s", p->n,
		 p->n == 1 ? "" : "s", (long long)json_integer_value(json_object_get(first, "row")),
		 json_string_value(json_object_get(first, "column")),
		 json_string_value(json_object_get(first, "message")));
	json_decref(err->extra);
	err->extra = json_pack("{s:o,s:i}", "row_errors", p->list, "problem_count", p->n);
	p->list = NULL;
	return -1;
}

/* ------------------------------------------------------------ columns */

enum coltype { C_TEXT, C_PLATFORM, C_TIME, C_DURATION, C_SCORE, C_BOOL, C_DEC, C_COUNT, C_EXTRA };

static const struct column {
	const char *name;
	enum coltype type;
	int required;
} columns[] = {
	{ "platform", C_PLATFORM, 1 },
	{ "exercise", C_TEXT, 1 },
	{ "attempt_at", C_TIME, 1 },
	{ "duration_s", C_DURATION, 1 },
	{ "score_pct", C_SCORE, 1 },
	{ "passed", C_BOOL, 1 },
	{ "economy_of_motion_cm", C_DEC, 0 },
	{ "collisions", C_COUNT, 0 },
	{ "excessive_force_s", C_DEC, 0 },
	{ "instruments_out_of_view_s", C_DEC, 0 },
	{ "master_workspace_range_cm", C_DEC, 0 },
	{ "drops", C_COUNT, 0 },
	{ "misapplied_energy_s", C_DEC, 0 },
	{ NULL, C_TEXT, 0 },
};

static const struct column extra_column = { "metric.*", C_EXTRA, 0 };

/* "metric.<name>" with name 1..40 of [a-z0-9_]. */
static int extra_name_ok(const char *s)
{
	size_t i;

	if (strncmp(s, "metric.", 7) != 0)
		return 0;
	for (i = 7; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i > 7 && i <= 47;
}

static const struct column *column_find(const char *name)
{
	for (const struct column *c = columns; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return extra_name_ok(name) ? &extra_column : NULL;
}

/* ------------------------------------------------------------ cells */

/* How a cell arrived: untyped CSV text, or a JSON string, number or boolean. */
enum cellkind { K_CSV, K_STRING, K_NUMBER, K_BOOL };

struct cell {
	const char *name;
	const char *text;      /* NULL: absent (empty CSV cell, JSON null or missing) */
	enum cellkind kind;
};

/* A plain non-negative decimal with at most maxdec decimals ("12", "87.5"); sets *out. */
static int decimal(const char *s, int maxdec, int allow_neg, double *out)
{
	const char *p = s;
	int digits = 0, dec = 0;

	if (allow_neg && *p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, dec++;
		if (!dec)
			return -1;
	}
	if (*p || !digits || digits > 9 || dec > maxdec)
		return -1;
	*out = strtod(s, NULL);
	return 0;
}

/* The value as JSON: an integer when integral (so 90 and 90.0 canonicalise alike), else a real. */
static json_t *number_json(double d, int decimals)
{
	double scale = decimals == 2 ? 100.0 : 1000.0;
	long long q = llround(d * scale);

	if (q % (long long)scale == 0)
		return json_integer(q / (long long)scale);
	return json_real((double)q / scale);
}

static int is_digit2(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
}

/*
 * RFC 3339 date-time with seconds, optional fraction, and Z or +hh:mm;
 * normalised to UTC whole seconds in out[21].
 */
static int parse_time(const char *s, time_t *t, char out[21])
{
	char base[21];
	const char *p;
	int off = 0;
	time_t v;

	if (strlen(s) < 20 || strlen(s) > 40 || (s[10] != 'T' && s[10] != 't'))
		return -1;
	memcpy(base, s, 19);
	base[10] = 'T';
	base[19] = 'Z';
	base[20] = '\0';
	if (rl_parse_rfc3339(base, &v) < 0)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && is_digit2(p + 1) && p[3] == ':' && is_digit2(p + 4)) {
		int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
		if (hh > 23 || mm > 59)
			return -1;
		off = (hh * 60 + mm) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	v -= off;
	*t = v;
	rl_format_rfc3339(v, out);
	return 0;
}

/* Spreadsheet formula triggers (OWASP CSV injection): = + - @ tab CR at the start. */
static int formula_start(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static const char *sim_codes(void)
{
	static char list[256];

	if (!list[0]) {
		size_t n = 0;
		for (const struct rl_code *c = rl_platforms; c->code; c++)
			if (strncmp(c->code, "sim_", 4) == 0)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", c->code);
	}
	return list;
}

/* Checks one attempt; appends it to out when the row has no problem. */
static void check_attempt(struct probs *p, long row, const struct cell *cells, size_t n, time_t now, json_t *out)
{
	json_t *a = json_object(), *metrics = json_object(), *extra = json_object();
	int before = p->n;
	size_t i;

	for (const struct column *c = columns; c->name; c++) {
		int found = 0;
		for (i = 0; i < n; i++)
			if (strcmp(cells[i].name, c->name) == 0 && cells[i].text)
				found = 1;
		if (c->required && !found)
			prob(p, row, c->name, "is empty; every attempt needs a %s", c->name);
	}
	for (i = 0; i < n; i++) {
		const struct cell *cl = &cells[i];
		const struct column *c = column_find(cl->name);
		const char *s = cl->text;
		double d;
		time_t t;
		char norm[21];

		if (!c || !s)
			continue;
		switch (c->type) {
		case C_TEXT:
		case C_PLATFORM:
			if (cl->kind != K_CSV && cl->kind != K_STRING) {
				prob(p, row, cl->name, "must be a JSON string");
				break;
			}
			if (formula_start(s)) {
				prob(p, row, cl->name, "starts with '%c'; cells that a spreadsheet would run as a formula are "
				     "refused", s[0] == '\t' ? 'T' : s[0] == '\r' ? 'R' : s[0]);
				break;
			}
			if (has_control(s)) {
				prob(p, row, cl->name, "holds a control character");
				break;
			}
			if (c->type == C_PLATFORM) {
				const struct rl_code *pc = rl_code_find(rl_platforms, s);
				if (!pc || strncmp(pc->code, "sim_", 4) != 0)
					prob(p, row, cl->name, "'%.40s' is not a simulator code; use one of %s", s, sim_codes());
				else
					json_object_set_new(a, "platform", json_string(pc->code));
			} else if (strlen(s) > RL_IMPORT_EXERCISE_MAX) {
				prob(p, row, cl->name, "is %zu bytes; at most %d", strlen(s), RL_IMPORT_EXERCISE_MAX);
			} else {
				json_object_set_new(a, cl->name, json_string(s));
			}
			break;
		case C_TIME:
			if (cl->kind != K_CSV && cl->kind != K_STRING)
				prob(p, row, cl->name, "must be a JSON string");
			else if (parse_time(s, &t, norm) < 0)
				prob(p, row, cl->name, "'%.40s' is not an RFC 3339 time like 2025-03-14T09:30:00Z", s);
			else if (t > now + CLOCK_SKEW)
				prob(p, row, cl->name, "%s is in the future", norm);
			else if (strcmp(norm, RL_DATE_MIN) < 0)
				prob(p, row, cl->name, "%s is before %s", norm, RL_DATE_MIN);
			else
				json_object_set_new(a, cl->name, json_string(norm));
			break;
		case C_DURATION:
		case C_COUNT: {
			long long v;
			long long max = c->type == C_DURATION ? 86400 : 1000000;
			if (cl->kind != K_CSV && cl->kind != K_NUMBER)
				prob(p, row, cl->name, "must be a JSON number");
			else if (rl_parse_int(s, c->type == C_DURATION ? 1 : 0, max, &v) < 0)
				prob(p, row, cl->name, "'%.40s' is not a whole number from %d to %lld", s,
				     c->type == C_DURATION ? 1 : 0, max);
			else
				json_object_set_new(c->type == C_DURATION ? a : metrics, cl->name, json_integer(v));
			break;
		}
		case C_SCORE:
		case C_DEC:
			if (cl->kind != K_CSV && cl->kind != K_NUMBER)
				prob(p, row, cl->name, "must be a JSON number");
			else if (decimal(s, c->type == C_SCORE ? 2 : 3, 0, &d) < 0)
				prob(p, row, cl->name, "'%.40s' is not a number like 87.5 (at most %d decimals, no sign)", s,
				     c->type == C_SCORE ? 2 : 3);
			else if (c->type == C_SCORE && d > 100.0)
				prob(p, row, cl->name, "%.40s is outside 0 to 100", s);
			else
				json_object_set_new(c->type == C_SCORE ? a : metrics, cl->name,
						    number_json(d, c->type == C_SCORE ? 2 : 3));
			break;
		case C_BOOL:
			if (cl->kind == K_BOOL || (cl->kind == K_CSV && (!strcmp(s, "true") || !strcmp(s, "TRUE"))))
				json_object_set_new(a, cl->name, json_boolean(strcmp(s, "false") && strcmp(s, "FALSE")));
			else if (cl->kind == K_CSV && (!strcmp(s, "false") || !strcmp(s, "FALSE")))
				json_object_set_new(a, cl->name, json_false());
			else
				prob(p, row, cl->name, "'%.40s' must be true or false", s);
			break;
		case C_EXTRA:
			if (cl->kind == K_BOOL) {
				prob(p, row, cl->name, "must be a JSON string or number");
			} else if (formula_start(s) && decimal(s, 9, 1, &d) < 0) {
				prob(p, row, cl->name, "starts with '%c'; cells that a spreadsheet would run as a formula are "
				     "refused", s[0] == '\t' ? 'T' : s[0] == '\r' ? 'R' : s[0]);
			} else if (has_control(s) || strlen(s) > 200) {
				prob(p, row, cl->name, "must be at most 200 bytes without control characters");
			} else {
				json_object_set_new(extra, cl->name + 7, json_string(s));
			}
			break;
		}
	}
	if (p->n == before) {
		if (json_object_size(metrics))
			json_object_set(a, "metrics", metrics);
		if (json_object_size(extra))
			json_object_set(a, "extra", extra);
		json_array_append(out, a);
	}
	json_decref(a);
	json_decref(metrics);
	json_decref(extra);
}

/* ------------------------------------------------------------ CSV */

struct csvstate {
	struct probs *p;
	time_t now;
	json_t *out;
	long row;                     /* records completed */
	char *cells[MAX_COLUMNS];     /* the record being read (owned copies) */
	size_t ncells;
	int too_wide;
	char *header[MAX_COLUMNS];    /* the header's names (owned) */
	size_t ncols;
	int header_bad;               /* the header had a problem: data rows are not checked */
	int stop;                     /* too many rows: ignore the rest */
	int elogbook;                 /* the eLogbook columns (elog_columns) instead of the simulator's */
};

/* ------------------------------------------------------------ eLogbook */

/* The eLogbook operating log columns raslog reads (docs/imports.md); nothing else is kept. */
static const struct column elog_columns[] = {
	{ "date", C_TIME, 1 },
	{ "procedure", C_TEXT, 1 },
	{ "hospital", C_TEXT, 0 },
	{ "supervision", C_TEXT, 1 },
	{ "consultant", C_TEXT, 1 },
	{ "role", C_TEXT, 1 },
	{ "minutes", C_DURATION, 0 },
	{ "platform", C_PLATFORM, 0 },
	{ NULL, C_TEXT, 0 },
};

static const struct column *elog_column_find(const char *name)
{
	for (const struct column *c = elog_columns; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* "2025-03-14" or the eLogbook's "14/03/2025" into YYYY-MM-DD; -1 if neither. */
static int elog_date(const char *s, char out[11])
{
	long days;
	char iso[11];

	if (strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
		snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s + 6, s + 3, s);
		s = iso;
	}
	if (rl_parse_date(s, &days) < 0)
		return -1;
	rl_format_date(days, out);
	return 0;
}

/* The robotic role a row names: "console" or "bedside"; NULL for a row that is not robotic. */
static const char *elog_role(const char *s)
{
	static const struct { const char *text, *role; } roles[] = {
		{ "console", "console" }, { "console surgeon", "console" }, { "bedside", "bedside" },
		{ "bedside assistant", "bedside" }, { "patient-side", "bedside" }, { "patient side", "bedside" },
		{ "table-side", "bedside" }, { "tableside", "bedside" },
	};
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcasecmp(s, roles[i].text) == 0)
			return roles[i].role;
	return NULL;
}

/* Checks one eLogbook row; appends {row, date, procedure, ...} to out when it has no problem. */
static void check_elog_row(struct probs *p, long row, char *const *names, char *const *cells, size_t n,
			   long today, json_t *out)
{
	json_t *r = json_pack("{s:I}", "row", (json_int_t)row);
	int before = p->n;

	for (const struct column *c = elog_columns; c->name; c++) {
		size_t i;
		for (i = 0; i < n && strcmp(names[i], c->name) != 0; i++)
			;
		/* role and consultant may be empty on a row that is not robotic (it is kept, not imported). */
		if (c->required && (i == n || !cells[i]) && strcmp(c->name, "role") && strcmp(c->name, "consultant"))
			prob(p, row, c->name, "is empty; every row needs a %s", c->name);
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = cells[i], *name = names[i];
		const struct column *c = elog_column_find(name);
		char d[11];
		long days;
		long long v;

		if (!c || !s)
			continue;
		if (formula_start(s)) {
			prob(p, row, name, "starts with '%c'; cells that a spreadsheet would run as a formula are refused",
			     s[0] == '\t' ? 'T' : s[0] == '\r' ? 'R' : s[0]);
			continue;
		}
		if (has_control(s) || strlen(s) > 200) {
			prob(p, row, name, "must be at most 200 bytes without control characters");
			continue;
		}
		if (strcmp(name, "date") == 0) {
			if (elog_date(s, d) < 0)
				prob(p, row, name, "'%.40s' is not a date like 2025-03-14 or 14/03/2025", s);
			else if (rl_parse_date(d, &days) == 0 && days > today)
				prob(p, row, name, "%s is in the future", d);
			else if (strcmp(d, RL_DATE_MIN) < 0)
				prob(p, row, name, "%s is before %s", d, RL_DATE_MIN);
			else
				json_object_set_new(r, "date", json_string(d));
		} else if (strcmp(name, "supervision") == 0) {
			if (!rl_code_find(rl_case_roles, s))
				prob(p, row, name, "'%.40s' is not an eLogbook supervision code (O, A, S-TS, S-TU, P or T)", s);
			else
				json_object_set_new(r, "supervision", json_string(s));
		} else if (strcmp(name, "role") == 0) {
			json_object_set_new(r, "role", elog_role(s) ? json_string(elog_role(s)) : json_null());
		} else if (strcmp(name, "minutes") == 0) {
			if (rl_parse_int(s, 1, 1440, &v) < 0)
				prob(p, row, name, "'%.40s' is not a whole number of minutes from 1 to 1440", s);
			else
				json_object_set_new(r, "minutes", json_integer(v));
		} else if (strcmp(name, "platform") == 0) {
			const struct rl_code *pc = rl_code_find(rl_platforms, s) ? rl_code_find(rl_platforms, s)
						  : rl_platform_lookup(s);
			if (!pc || strncmp(pc->code, "sim_", 4) == 0)
				prob(p, row, name, "'%.40s' is not a robotic platform (davinci_xi, versius, hugo, ...)", s);
			else
				json_object_set_new(r, "platform", json_string(pc->code));
		} else {
			json_object_set_new(r, name, json_string(s));
		}
	}
	if (p->n == before)
		json_array_append(out, r);
	json_decref(r);
}

static void csv_cell(void *data, size_t len, void *ctx)
{
	struct csvstate *cs = ctx;

	if (cs->stop)
		return;
	if (cs->ncells >= MAX_COLUMNS) {
		cs->too_wide = 1;
		return;
	}
	cs->cells[cs->ncells] = len ? strndup(data, len) : NULL;
	cs->ncells++;
}

static void csv_header(struct csvstate *cs)
{
	size_t i, j;

	cs->ncols = cs->ncells;
	for (i = 0; i < cs->ncells; i++) {
		const char *name = cs->cells[i] ? cs->cells[i] : "";
		char col[24];
		snprintf(col, sizeof(col), "%zu", i + 1);
		cs->header[i] = strdup(name);
		if (!*name) {
			prob(cs->p, 1, col, "the header cell is empty");
			cs->header_bad = 1;
		} else if (cs->elogbook ? !elog_column_find(name) : !column_find(name)) {
			prob(cs->p, 1, name, "'%.40s' is not a column of the raslog %s format (see docs/imports.md)",
			     name, cs->elogbook ? "eLogbook" : "simulator");
			cs->header_bad = 1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(cs->header[j], name) == 0 && *name) {
				prob(cs->p, 1, name, "the column appears twice");
				cs->header_bad = 1;
			}
	}
	for (const struct column *c = cs->elogbook ? elog_columns : columns; c->name; c++) {
		if (!c->required)
			continue;
		for (j = 0; j < cs->ncols; j++)
			if (strcmp(cs->header[j], c->name) == 0)
				break;
		if (j == cs->ncols) {
			prob(cs->p, 1, c->name, "the required column is missing");
			cs->header_bad = 1;
		}
	}
}

static void csv_row_end(int c, void *ctx)
{
	struct csvstate *cs = ctx;
	size_t i;

	if (cs->stop)
		goto out;
	cs->row++;
	if (cs->too_wide) {
		prob(cs->p, cs->row, "(row)", "has more than %d cells", MAX_COLUMNS);
	} else if (cs->row == 1) {
		csv_header(cs);
	} else if (cs->row > RL_IMPORT_MAX_ATTEMPTS + 1) {
		prob(cs->p, cs->row, "(row)", "the file has more than %d attempts; split it", RL_IMPORT_MAX_ATTEMPTS);
		cs->stop = 1;
	} else if (!cs->header_bad) {
		struct cell cells[MAX_COLUMNS];
		if (cs->ncells != cs->ncols) {
			prob(cs->p, cs->row, "(row)", "has %zu cells; the header has %zu", cs->ncells, cs->ncols);
			goto out;
		}
		if (cs->elogbook) {
			check_elog_row(cs->p, cs->row, cs->header, cs->cells, cs->ncells, (long)(cs->now / 86400), cs->out);
			goto out;
		}
		for (i = 0; i < cs->ncells; i++) {
			cells[i].name = cs->header[i];
			cells[i].text = cs->cells[i];
			cells[i].kind = K_CSV;
		}
		check_attempt(cs->p, cs->row, cells, cs->ncells, cs->now, cs->out);
	}
out:
	for (i = 0; i < cs->ncells; i++)
		free(cs->cells[i]);
	cs->ncells = 0;
	cs->too_wide = 0;
	(void)c;
}

static void parse_csv(const char *data, size_t len, struct probs *p, time_t now, json_t *out, int elogbook)
{
	struct csv_parser parser;
	struct csvstate cs;
	size_t done, i;

	memset(&cs, 0, sizeof(cs));
	cs.elogbook = elogbook;
	cs.p = p;
	cs.now = now;
	cs.out = out;
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		prob(p, 1, "(file)", "out of memory");
		return;
	}
	done = csv_parse(&parser, data, len, csv_cell, csv_row_end, &cs);
	if (done != len || csv_fini(&parser, csv_cell, csv_row_end, &cs) != 0) {
		long line = 1;
		for (i = 0; i < done && i < len; i++)
			line += data[i] == '\n';
		prob(p, cs.row + 1, "(row)", "is not valid CSV near line %ld: a quote inside an unquoted cell, or a "
		     "quoted cell that does not close (RFC 4180)", line);
	}
	csv_free(&parser);
	for (i = 0; i < cs.ncells; i++)
		free(cs.cells[i]);
	for (i = 0; i < cs.ncols; i++)
		free(cs.header[i]);
	if (cs.row == 0 && !p->n)
		prob(p, 1, "(row)", "the file is empty; the first row must be the header");
	else if (cs.row == 1 && !p->n)
		prob(p, 2, "(row)", "the file has a header but no %s", elogbook ? "rows" : "attempts");
}

/* ------------------------------------------------------------ JSON */

static void parse_json(const char *data, size_t len, struct probs *p, time_t now, json_t *out)
{
	struct rl_error jerr = RL_ERROR_INIT;
	json_t *doc = rl_json_parse(data, len, &jerr), *list, *item, *v;
	const char *key;
	size_t i;

	if (!doc) {
		prob(p, 1, "(file)", "is not JSON: %s", jerr.detail);
		rl_error_clear(&jerr);
		return;
	}
	list = json_is_object(doc) ? json_object_get(doc, "attempts") : doc;
	if (json_is_object(doc) && json_object_size(doc) != 1)
		prob(p, 1, "(file)", "the top-level object holds only \"attempts\"");
	if (!json_is_array(list)) {
		prob(p, 1, "(file)", "must be an array of attempts, or {\"attempts\": [...]}");
		goto out;
	}
	if (!json_array_size(list))
		prob(p, 1, "(file)", "holds no attempts");
	if (json_array_size(list) > RL_IMPORT_MAX_ATTEMPTS) {
		prob(p, RL_IMPORT_MAX_ATTEMPTS + 1, "(row)", "the file has more than %d attempts; split it",
		     RL_IMPORT_MAX_ATTEMPTS);
		goto out;
	}
	json_array_foreach(list, i, item) {
		struct cell cells[MAX_COLUMNS];
		char texts[MAX_COLUMNS][32];
		size_t n = 0;
		long row = (long)i + 1;
		int bad = 0;

		if (!json_is_object(item)) {
			prob(p, row, "(row)", "attempt %ld is not an object", row);
			continue;
		}
		if (json_object_size(item) > MAX_COLUMNS) {
			prob(p, row, "(row)", "has more than %d members", MAX_COLUMNS);
			continue;
		}
		json_object_foreach(item, key, v) {
			struct cell *c = &cells[n];
			if (!column_find(key)) {
				prob(p, row, key, "'%.40s' is not a member of the raslog simulator format (see docs/imports.md)",
				     key);
				bad = 1;
				continue;
			}
			c->name = key;
			if (json_is_string(v)) {
				c->text = json_string_value(v);
				c->kind = K_STRING;
			} else if (json_is_integer(v)) {
				snprintf(texts[n], sizeof(texts[n]), "%lld", (long long)json_integer_value(v));
				c->text = texts[n];
				c->kind = K_NUMBER;
			} else if (json_is_real(v)) {
				snprintf(texts[n], sizeof(texts[n]), "%.15g", json_real_value(v));
				c->text = texts[n];
				c->kind = K_NUMBER;
			} else if (json_is_boolean(v)) {
				c->text = json_is_true(v) ? "true" : "false";
				c->kind = K_BOOL;
			} else if (json_is_null(v)) {
				c->text = NULL;
				c->kind = K_STRING;
			} else {
				prob(p, row, key, "must be a string, number or boolean");
				bad = 1;
				continue;
			}
			if (c->text && !*c->text)
				c->text = NULL;
			n++;
		}
		if (!bad)
			check_attempt(p, row, cells, n, now, out);
	}
out:
	json_decref(doc);
}

/* ------------------------------------------------------------ the file */

/* Valid UTF-8 without NUL; else the 0-based offset of the first bad byte. */
static size_t text_fault(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp;

		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return i;
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += need + 1;
	}
	return (size_t)-1;
}

/*
 * What every imported file goes through before its own parser: the size
 * limit, a spreadsheet's byte order mark, UTF-8 text (not binary data).
 * Then simulator attempts (CSV or JSON, format NULL: guessed from the
 * first character) or, when elogbook, an eLogbook CSV export.
 */
static json_t *parse_file(const char *data, size_t len, const char *format, int elogbook, time_t now,
			  struct rl_error *err)
{
	struct probs p = { json_array(), 0, err };
	json_t *out = json_array();
	size_t bad, i;

	if (len > RL_IMPORT_MAX_BYTES) {
		json_decref(p.list);
		json_decref(out);
		rl_error_set(err, RL_E_TOOLARGE, "too-large", "Import refused",
			     "the file is %zu bytes; the limit is %u bytes (2 MiB); nothing was stored", len,
			     RL_IMPORT_MAX_BYTES);
		return NULL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) /* a spreadsheet's byte order mark */
		data += 3, len -= 3;
	if ((bad = text_fault((const unsigned char *)data, len)) != (size_t)-1) {
		long line = 1;
		for (i = 0; i < bad; i++)
			line += data[i] == '\n';
		prob(&p, line, "(file)", "byte %zu (line %ld) is %s; the file must be UTF-8 text, not binary data", bad + 1,
		     line, data[bad] ? "not UTF-8" : "a NUL byte");
	} else if (elogbook) {
		parse_csv(data, len, &p, now, out, 1);
	} else {
		if (!format) {
			for (i = 0; i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'); i++)
				;
			format = i < len && (data[i] == '[' || data[i] == '{') ? "json" : "csv";
		}
		if (strcmp(format, "json") == 0)
			parse_json(data, len, &p, now, out);
		else
			parse_csv(data, len, &p, now, out, 0);
	}
	if (probs_finish(&p) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *rl_import_parse_simulator(const char *data, size_t len, const char *format, time_t now,
				  struct rl_error *err)
{
	return parse_file(data, len, format, 0, now, err);
}

json_t *rl_import_parse_elogbook(const char *data, size_t len, time_t now, struct rl_error *err)
{
	return parse_file(data, len, NULL, 1, now, err);
}

int rl_import_attempts_digest(const json_t *attempts, char out[65], struct rl_error *err)
{
	uint8_t h[32];
	size_t len;
	char *c = rl_jcs_string(attempts, &len, err);

	if (!c)
		return -1;
	crypto_hash_sha256(h, (const unsigned char *)c, len);
	free(c);
	rl_hex_encode(h, 32, out);
	return 0;
}

/* ------------------------------------------------------------ records */

void rl_import_new_release(struct rl_import_new *n)
{
	if (!n)
		return;
	free(n->content);
	json_decref(n->attempts);
	n->content = NULL;
	n->attempts = NULL;
}

/* The trainer a consultant cell names: a user with the trainer role by email, else by name (case-insensitive). */
static int64_t elog_trainer(struct rl_db *db, const char *who, int *many, struct rl_error *err)
{
	int64_t ids[2];
	int n = rl_rows_import_users_named(db, RL_ROLE_TRAINER, who, ids, err);

	if (n < 0)
		return -1;
	*many = n > 1;
	return n ? ids[0] : 0;
}

/*
 * Each robotic row of an eLogbook file: its consultant as a trainer id, the
 * session it becomes (checked as POST /sessions checks one) and its stable
 * key.  Rows that are not robotic stay, with "robotic":false.  Problems are
 * refused by row and column like the parser's.
 */
static int elog_resolve(struct rl_db *db, const struct rl_user *me, json_t *rows, struct rl_error *err)
{
	struct probs p = { json_array(), 0, err };
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r) {
		long row = (long)json_integer_value(json_object_get(r, "row"));
		const char *role = json_string_value(json_object_get(r, "role"));
		const char *who = json_string_value(json_object_get(r, "consultant"));
		struct rl_error e = RL_ERROR_INIT;
		struct rl_session_new s;
		int64_t trainer;
		int many = 0;
		json_t *body, *keyobj;
		char key[65];

		json_object_set_new(r, "robotic", json_boolean(role != NULL));
		if (!role)
			continue;
		if (!who) {
			prob(&p, row, "consultant", "is empty; a robotic row needs the consultant who signs it");
			continue;
		}
		trainer = elog_trainer(db, who, &many, &e);
		if (trainer < 0) {
			rl_error_clear(&e);
			json_decref(p.list);
			return rl_error_internal(err, "could not look up the consultants");
		}
		if (!trainer || many || trainer == me->id) {
			prob(&p, row, "consultant", "'%.60s' %s", who, trainer == me->id && !many ? "is you; a trainer other "
			     "than you signs" : many ? "names more than one raslog trainer; give their email" :
			     "is not a raslog trainer; give their name or email as raslog has it");
			continue;
		}
		body = json_pack("{s:s,s:I,s:s,s:s,s:s,s:I}", "date", json_string_value(json_object_get(r, "date")),
				 "minutes", json_integer_value(json_object_get(r, "minutes")) ?
				 json_integer_value(json_object_get(r, "minutes")) : (json_int_t)RL_ELOGBOOK_MINUTES,
				 "activity", strcmp(role, "console") == 0 ? "console_full" : "bedside_assist",
				 "procedure", json_string_value(json_object_get(r, "procedure")),
				 "role", json_string_value(json_object_get(r, "supervision")), "trainer", (json_int_t)trainer);
		if (json_object_get(r, "hospital"))
			json_object_set(body, "site", json_object_get(r, "hospital"));
		if (json_object_get(r, "platform"))
			json_object_set(body, "platform", json_object_get(r, "platform"));
		if (rl_session_parse(db, me, body, &s, &e) < 0) {
			/* The session's field as the eLogbook column it came from. */
			static const char *const as[][2] = { { "trainer", "consultant" }, { "role", "supervision" },
							     { "site", "hospital" }, { "activity", "role" } };
			const char *col = e.nfields ? e.fields[0].field : "(row)";
			for (size_t k = 0; k < sizeof(as) / sizeof(as[0]); k++)
				if (strcmp(col, as[k][0]) == 0)
					col = as[k][1];
			prob(&p, row, col, "%s", e.nfields ? e.fields[0].message : e.detail);
			rl_error_clear(&e);
			json_decref(body);
			continue;
		}
		keyobj = json_pack("{s:O,s:O,s:O?,s:O,s:I,s:s}", "date", json_object_get(r, "date"), "procedure",
				   json_object_get(r, "procedure"), "hospital", json_object_get(r, "hospital"),
				   "supervision", json_object_get(r, "supervision"), "trainer", (json_int_t)trainer,
				   "role", role);
		if (rl_import_attempts_digest(keyobj, key, &e) < 0)
			rl_error_clear(&e);
		json_decref(keyobj);
		json_object_set_new(r, "key", json_string(key));
		json_object_set_new(r, "session", body);
	}
	return probs_finish(&p);
}

int rl_import_prepare(struct rl_db *db, const struct rl_user *me, const json_t *body, time_t now,
		      struct rl_import_new *out, struct rl_error *err)
{
	static const char *const allowed[] = { "kind", "trainer", "filename", "content", "content_base64", "format", NULL };
	const char *kind = NULL, *filename = NULL, *format = NULL;
	json_t *content = json_object_get(body, "content"), *b64 = json_object_get(body, "content_base64");
	long long trainer = 0;
	struct rl_user t;
	struct rl_error lookup = RL_ERROR_INIT;
	uint8_t h[32];

	memset(out, 0, sizeof(*out));
	if (rl_json_check_members(body, allowed, err) < 0)
		return -1;
	rl_json_get_str(body, "kind", 1, 32, &kind, err);
	if (kind && strcmp(kind, "simulator") != 0 && strcmp(kind, "elogbook") != 0 && strcmp(kind, "certificate") != 0)
		rl_error_field(err, "kind", "'%s' cannot be imported; \"simulator\", \"elogbook\" or \"certificate\"", kind);
	if (kind && strcmp(kind, "certificate") == 0) {
		/* A certificate may name the trainer who confirms it; any assigned trainer or programme faculty may. */
		out->certificate = 1;
		if (json_object_get(body, "format") &&
		    strcmp(json_string_value(json_object_get(body, "format")) ? json_string_value(json_object_get(body, "format")) : "", "json"))
			rl_error_field(err, "format", "a certificate is a JSON document");
		if (json_object_get(body, "trainer") &&
		    rl_json_get_int(body, "trainer", 1, 1, INT64_MAX, &trainer, NULL, err) == 0) {
			if (trainer == me->id)
				rl_error_field(err, "trainer", "you cannot name yourself as the trainer who confirms");
			else if (rl_user_get(db, trainer, &t, &lookup) < 0 || !(t.roles & RL_ROLE_TRAINER))
				rl_error_field(err, "trainer", "%lld is not the id of a trainer", trainer);
			else if (rl_supervises(db, trainer, me->id, &lookup) != 1)
				/* Only a trainer who supervises the trainee confirms a certificate: say so now, not at signing. */
				rl_error_field(err, "trainer", "trainer %lld does not supervise you (no assignment, no session naming "
					       "them), so cannot confirm it; name one who does, or none", trainer);
			rl_error_clear(&lookup);
		}
	} else if (kind && strcmp(kind, "elogbook") == 0) {
		if (json_object_get(body, "trainer"))
			rl_error_field(err, "trainer", "an eLogbook file names a consultant on each row, not one trainer");
		if (json_object_get(body, "format") && !json_equal(json_object_get(body, "format"), json_string("csv")))
			rl_error_field(err, "format", "an eLogbook file is CSV");
		out->elogbook = 1;
	} else if (rl_json_get_int(body, "trainer", 1, 1, INT64_MAX, &trainer, NULL, err) == 0) {
		if (trainer == me->id)
			rl_error_field(err, "trainer", "you cannot name yourself as the trainer who countersigns");
		else if (rl_user_get(db, trainer, &t, &lookup) < 0 || !(t.roles & RL_ROLE_TRAINER))
			rl_error_field(err, "trainer", "%lld is not the id of a trainer", trainer);
		rl_error_clear(&lookup);
	}
	rl_json_get_str(body, "filename", 1, 128, &filename, err);
	if (filename && (strchr(filename, '/') || strchr(filename, '\\') || formula_start(filename)))
		rl_error_field(err, "filename", "must be a plain file name (no path, not starting with = + - @)");
	rl_json_get_str(body, "format", 0, 8, &format, err);
	if (format && strcmp(format, "csv") && strcmp(format, "json"))
		rl_error_field(err, "format", "must be csv or json");
	if (!!content == !!b64)
		rl_error_field(err, content ? "content_base64" : "content", "give the file as exactly one of content "
			       "(text) and content_base64");
	else if (content && !json_is_string(content))
		rl_error_field(err, "content", "must be the file's text as a JSON string");
	else if (b64 && !json_is_string(b64))
		rl_error_field(err, "content_base64", "must be the file's bytes in standard base64");
	if (err->nfields)
		return -1;
	if (content) {
		out->len = json_string_length(content);
		if (out->len > RL_IMPORT_MAX_BYTES)
			return rl_error_set(err, RL_E_TOOLARGE, "too-large", "Import refused",
					    "the file is %zu bytes; the limit is %u bytes (2 MiB); nothing was stored",
					    out->len, RL_IMPORT_MAX_BYTES);
		out->content = malloc(out->len + 1);
		if (!out->content)
			return rl_error_internal(err, "out of memory");
		memcpy(out->content, json_string_value(content), out->len);
	} else {
		const char *s = json_string_value(b64);
		size_t sl = strlen(s), cap = sl / 4 * 3 + 3;
		const char *end = NULL;
		if (cap > RL_IMPORT_MAX_BYTES + 3)
			return rl_error_set(err, RL_E_TOOLARGE, "too-large", "Import refused",
					    "the file is over the limit of %u bytes (2 MiB); nothing was stored",
					    RL_IMPORT_MAX_BYTES);
		out->content = malloc(cap + 1);
		if (!out->content)
			return rl_error_internal(err, "out of memory");
		if (sodium_base642bin((unsigned char *)out->content, cap, s, sl, NULL, &out->len, &end,
				      sodium_base64_VARIANT_ORIGINAL) != 0 || *end) {
			rl_import_new_release(out);
			return rl_error_field(err, "content_base64", "is not standard base64");
		}
	}
	out->content[out->len] = '\0';
	if (!format && filename) {
		size_t fl = strlen(filename);
		if (fl > 5 && strcasecmp(filename + fl - 5, ".json") == 0)
			format = "json";
		else if (fl > 4 && strcasecmp(filename + fl - 4, ".csv") == 0)
			format = "csv";
	}
	if (out->certificate) {
		/* One item: the certificate as read (certificates.h); refused by field, nothing stored. */
		json_t *cert = rl_certificate_read(out->content, out->len, err);
		char today[11];
		const char *on = cert ? json_string_value(json_object_get(cert, "completed_on")) : NULL;

		rl_format_date((long)(now / 86400), today);
		if (cert && on && strcmp(on, today) > 0) {
			rl_error_field(err, "completed_on", "the certificate's completion date %s is in the future", on);
			json_decref(cert);
			cert = NULL;
		} else if (cert && on && strcmp(on, RL_DATE_MIN) < 0) {
			rl_error_field(err, "completed_on", "the certificate's completion date %s is before %s", on, RL_DATE_MIN);
			json_decref(cert);
			cert = NULL;
		}
		if (cert) {
			out->attempts = json_array();
			json_array_append_new(out->attempts, cert);
		}
		format = "json";
	} else if (out->elogbook) {
		out->attempts = rl_import_parse_elogbook(out->content, out->len, now, err);
		format = "csv";
		if (!out->attempts || elog_resolve(db, me, out->attempts, err) < 0) {
			rl_import_new_release(out);
			return -1;
		}
		out->me = *me;
	} else {
		out->attempts = rl_import_parse_simulator(out->content, out->len, format, now, err);
	}
	if (!out->attempts) {
		rl_import_new_release(out);
		return -1;
	}
	if (!format) {
		size_t i = 0;
		while (i < out->len && strchr(" \t\r\n", out->content[i]))
			i++;
		format = i < out->len && (out->content[i] == '[' || out->content[i] == '{') ? "json" : "csv";
	}
	if (rl_import_attempts_digest(out->attempts, out->attempts_sha256, err) < 0) {
		rl_import_new_release(out);
		return -1;
	}
	crypto_hash_sha256(h, (const unsigned char *)out->content, out->len);
	rl_hex_encode(h, 32, out->sha256);
	out->trainee = me->id;
	out->trainer = trainer;
	snprintf(out->filename, sizeof(out->filename), "%s", filename);
	snprintf(out->format, sizeof(out->format), "%s", format);
	return 0;
}

/* The robotic rows not imported before become pending sessions (in the caller's transaction). */
static int elog_sessions(struct rl_db *db, const struct rl_import_new *n, int64_t import_id, struct rl_error *err)
{
	json_t *r;
	size_t i;

	json_array_foreach(n->attempts, i, r) {
		const char *key = json_string_value(json_object_get(r, "key"));
		struct rl_session_new s;
		int64_t sid;
		int known;

		if (!key)
			continue;
		if ((known = rl_rows_import_elog_row_known(db, n->trainee, key, err)) < 0)
			return -1;
		if (known)
			continue; /* imported before: nothing twice */
		if (rl_session_parse(db, &n->me, json_object_get(r, "session"), &s, err) < 0 ||
		    rl_logbook_log_session(db, &s, &sid, err) < 0 ||
		    rl_rows_import_elog_row_insert(db, n->trainee, key, import_id, sid, err) < 0)
			return -1;
	}
	return 0;
}

int rl_import_insert(struct rl_db *db, const struct rl_import_new *n, int64_t *id, struct rl_error *err)
{
	char now[21], *attempts;
	int64_t other = 0;
	int rc;

	if (rl_rows_import_by_sha256(db, n->trainee, n->sha256, &other, err) < 0)
		return -1;
	if (other)
		return rl_error_set(err, RL_E_CONFLICT, "duplicate-import", "Already imported",
				    "this file (SHA-256 %s) was already imported as import %lld; nothing was stored",
				    n->sha256, (long long)other);
	attempts = json_dumps(n->attempts, JSON_COMPACT);
	if (!attempts)
		return rl_error_internal(err, "out of memory");
	rl_now_rfc3339(now);
	rc = rl_rows_import_insert(db, &(struct rl_row_import_new){
		.trainee = n->trainee,
		.trainer = n->elogbook ? 0 : n->trainer,
		.kind = n->elogbook ? "elogbook" : n->certificate ? "certificate" : "simulator",
		.status = n->elogbook ? "imported" : "pending",
		.filename = n->filename,
		.format = n->format,
		.sha256 = n->sha256,
		.content = n->content,
		.len = n->len,
		.attempts = attempts,
		.attempt_count = (int64_t)json_array_size(n->attempts),
		.attempts_sha256 = n->attempts_sha256,
		.created_at = now,
	}, id, err);
	free(attempts);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return rl_error_set(err, RL_E_CONFLICT, "duplicate-import", "Already imported",
				    "this file (SHA-256 %s) was already imported; nothing was stored", n->sha256);
	return n->elogbook ? elog_sessions(db, n, *id, err) : 0;
}

static json_t *import_json(const struct rl_row_import *r, int with_attempts)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:s}",
			      "id", (json_int_t)r->id, "kind", r->kind,
			      "status", r->status, "trainee", (json_int_t)r->trainee,
			      "trainer", (json_int_t)r->trainer, "trainee_name", r->trainee_name,
			      "trainer_name", r->trainer_name, "filename", r->filename,
			      "format", r->format, "attempts", (json_int_t)r->attempt_count,
			      "sha256", r->sha256, "attempts_sha256", r->attempts_sha256);

	json_object_set_new(o, "created_at", json_string(r->created_at));
	{
		/* "sha256" is of the bytes held now, so a file changed after countersigning shows in an audit. */
		uint8_t h[32];
		char hex[65];
		crypto_hash_sha256(h, r->content ? r->content : (const void *)"", (unsigned long long)r->content_len);
		rl_hex_encode(h, 32, hex);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	if (r->signed_off) {
		json_t *so = json_pack("{s:I,s:s,s:I}", "signer", (json_int_t)r->signed_by, "signed_at",
				       r->signed_at, "ledger_index", (json_int_t)r->signoff_index);
		if (r->reject_reason)
			json_object_set_new(so, "reason", json_string(r->reject_reason));
		json_object_set_new(o, "signoff", so);
	}
	if (!r->has_trainer)
		json_object_set_new(o, "trainer", json_null());
	if (with_attempts) {
		json_error_t jerr;
		json_t *items = json_loads(r->attempts, 0, &jerr);
		json_object_set_new(o, "items", items ? items : json_array());
	}
	if (strcmp(r->kind, "certificate") == 0) {
		/* The certificate as read, and whether its proof verified: shown, never silently trusted. */
		json_error_t jerr;
		json_t *items = json_loads(r->attempts, 0, &jerr), *cert = json_array_get(items, 0);
		json_object_set_new(o, "certificate", cert ? json_incref(cert) : json_object());
		json_object_set_new(o, "verified", json_boolean(json_is_true(json_object_get(cert, "verified"))));
		json_decref(items);
	}
	return o;
}

/* Collects imports as JSON into an array (with_attempts: their items; with_content: their bytes too). */
struct import_collect {
	json_t *out;            /* an array, or the one import */
	int with_attempts;
	int with_content;
};

static int import_one(void *ctx, const struct rl_row_import *row)
{
	struct import_collect *c = ctx;
	json_t *o = import_json(row, c->with_attempts);

	if (c->with_content) {
		char *b64 = rl_base64_encode(row->content ? row->content : (const void *)"", row->content_len);
		json_object_set_new(o, "content_base64", json_string(b64 ? b64 : ""));
		free(b64);
	}
	if (json_is_array(c->out))
		json_array_append_new(c->out, o);
	else {
		json_decref(c->out);
		c->out = o;
	}
	return 0;
}

static int session_id(void *ctx, int64_t session)
{
	json_array_append_new(ctx, json_integer(session));
	return 0;
}

json_t *rl_import_load(struct rl_db *db, int64_t id, int with_attempts, struct rl_error *err)
{
	struct import_collect c = { NULL, with_attempts, 0 };
	json_t *o;
	int rc = rl_rows_import_get(db, id, import_one, &c, err);

	if (rc == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no import %lld is visible to you", (long long)id);
	if (rc != 1) {
		json_decref(c.out);
		return NULL;
	}
	o = c.out;
	if (o && strcmp(json_string_value(json_object_get(o, "kind")), "elogbook") == 0) {
		/* The sessions its rows became (rows imported before are in an earlier import's list). */
		json_t *ids = json_array();
		struct rl_error e = RL_ERROR_INIT;
		rl_rows_import_elog_sessions(db, id, session_id, ids, &e);
		rl_error_clear(&e);
		json_object_set_new(o, "sessions", ids);
		json_object_set_new(o, "trainer", json_null());
	}
	return o;
}

int rl_import_visible(const struct rl_user *me, const json_t *import)
{
	int64_t trainee = json_integer_value(json_object_get(import, "trainee"));
	int64_t trainer = json_integer_value(json_object_get(import, "trainer"));

	if (me->roles & RL_ROLE_FACULTY)
		return 1;
	if ((me->roles & RL_ROLE_TRAINEE) && trainee == me->id)
		return 1;
	return (me->roles & RL_ROLE_TRAINER) && trainer == me->id;
}

int rl_import_may_see(struct rl_db *db, const struct rl_user *me, const json_t *import)
{
	struct rl_error e = RL_ERROR_INIT;
	const char *kind = json_string_value(json_object_get(import, "kind"));
	int rc;

	if (rl_import_visible(me, import))
		return 1;
	if (!kind || strcmp(kind, "certificate") != 0 || !(me->roles & RL_ROLE_TRAINER))
		return 0;
	rc = rl_supervises(db, me->id, json_integer_value(json_object_get(import, "trainee")), &e);
	rl_error_clear(&e);
	return rc == 1;
}

json_t *rl_import_list(struct rl_db *db, const struct rl_user *me, const char *status, struct rl_error *err)
{
	struct import_collect c = { json_array(), 0, 0 };

	/* Faculty see every import; a trainee and a named trainer theirs; a supervising trainer a certificate. */
	if (rl_rows_import_list(db, (me->roles & RL_ROLE_FACULTY) != 0, me->id, (me->roles & RL_ROLE_TRAINER) != 0,
				status, import_one, &c, err) < 0) {
		json_decref(c.out);
		return NULL;
	}
	return c.out;
}

json_t *rl_import_export(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	struct import_collect c = { json_array(), 1, 1 };

	if (rl_rows_import_of_trainee(db, trainee, import_one, &c, err) < 0) {
		json_decref(c.out);
		return NULL;
	}
	return c.out;
}

char *rl_import_content(struct rl_db *db, int64_t id, size_t *len, struct rl_error *err)
{
	char *out = NULL;
	int rc = rl_rows_import_content(db, id, &out, len, err);

	if (rc == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no import %lld", (long long)id);
	return rc == 1 ? out : NULL;
}

int rl_import_decided(struct rl_db *db, int64_t id, const char *decision, int64_t signer, const char *signed_at,
		      int64_t ledger_index, const char *reason, struct rl_error *err)
{
	return rl_rows_import_decided(db, id, strcmp(decision, "confirmed") == 0 ? "signed" : "rejected", signer,
				      signed_at, ledger_index, reason, err);
}

static int signed_attempts(void *ctx, const char *text)
{
	json_error_t jerr;
	json_t *a = json_loads(text, 0, &jerr);

	if (a)
		json_array_extend(ctx, a);
	json_decref(a);
	return 0;
}

json_t *rl_import_signed_attempts(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	json_t *all = json_array();

	if (rl_rows_import_signed_attempts(db, trainee, signed_attempts, all, err) < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}
