/*
 * output.c - everything raslog prints: error sentences and their exit
 * codes, colour (only on a terminal, never with NO_COLOR), pretty JSON,
 * aligned tables, and the session table several commands share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#include "base/banned.h"

#define TABLE_MAX_COLS 12
#define PAGE_LIMIT 200
#define MAX_PAGES 100000

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("raslog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

/* What a person can do about a refused signed statement. */
static const char *signature_hint(const char *type)
{
	static const struct {
		const char *type;
		const char *hint;
	} hints[] = {
		{ "unknown-key", "register your key with 'raslog key register'" },
		{ "key-revoked", "make a new key with 'raslog key generate --force' and register it" },
		{ "not-accredited", "a faculty member must accredit your key first ('raslog trainer accredit')" },
		{ "stale-signature", "check this computer's clock" },
		{ NULL, NULL },
	};

	for (int i = 0; hints[i].type; i++)
		if (strcmp(hints[i].type, type) == 0)
			return hints[i].hint;
	return NULL;
}

void cli_print_unmet(const json_t *unmet)
{
	size_t i;
	json_t *u;

	json_array_foreach(unmet, i, u) {
		char mod[64], req[64], sig[32], tgt[32];
		const char *desc = json_string_value(json_object_get(u, "description"));

		fprintf(stderr, "raslog:   unmet: %s / %s: %s (signed %s of %s)\n",
			cli_json_text(u, "module", "?", mod, sizeof(mod)),
			cli_json_text(u, "requirement", "?", req, sizeof(req)), desc ? desc : "",
			cli_json_text(u, "signed", "0", sig, sizeof(sig)), cli_json_text(u, "target", "?", tgt, sizeof(tgt)));
	}
}

int cli_report(const struct rl_error *err)
{
	long http = cli_error_http_status(err);
	const char *hint;

	if (strcmp(err->type, "config") == 0) {
		cli_error("%s", err->detail);
		return CLI_USAGE;
	}
	if (strcmp(err->type, "no-token") == 0) {
		cli_error("%s", err->detail);
		return CLI_AUTH;
	}
	if (http == 401) {
		cli_error("the server refused the token (%s); check --token, RASLOG_TOKEN or the config file", err->detail);
		return CLI_AUTH;
	}
	if (http == 403) {
		cli_error("the server does not allow this for your account: %s", err->detail);
		return CLI_AUTH;
	}
	if (http == 429) {
		cli_error("%s", err->detail);
		return CLI_AUTH;
	}
	if (err->nfields) {
		for (int i = 0; i < err->nfields; i++)
			cli_error("%s: %s", err->fields[i].field, err->fields[i].message);
		return CLI_FAIL;
	}
	hint = http == 422 ? signature_hint(err->type) : NULL;
	if (hint)
		cli_error("%s; %s", err->detail, hint);
	else
		cli_error("%s", err->detail);
	if (json_is_array(json_object_get((json_t *)err->extra, "unmet")))
		cli_print_unmet(json_object_get((json_t *)err->extra, "unmet"));
	return CLI_FAIL;
}

int cli_color(void)
{
	static int known = -1;
	const char *nc = getenv("NO_COLOR");

	if (known < 0)
		known = isatty(STDOUT_FILENO) && !(nc && *nc);
	return known;
}

int cli_stderr_tty(void)
{
	return isatty(STDERR_FILENO);
}

const char *cli_status_color(const char *status)
{
	static const struct {
		const char *word;
		const char *esc;
	} colours[] = {
		{ "signed", "\033[32m" },      { "confirmed", "\033[32m" }, { "met", "\033[32m" },
		{ "active", "\033[32m" },      { "accredited", "\033[32m" }, { "eligible", "\033[32m" },
		{ "pending", "\033[33m" },     { "in_progress", "\033[33m" }, { "in_training", "\033[33m" },
		{ "rejected", "\033[31m" },    { "revoked", "\033[31m" },   { "expired", "\033[31m" },
		{ "lapsed", "\033[31m" },      { "blocked", "\033[31m" },   { "not_started", "\033[2m" },
		{ "none", "\033[2m" },         { NULL, NULL },
	};

	if (!status || !cli_color())
		return "";
	for (int i = 0; colours[i].word; i++)
		if (strcmp(colours[i].word, status) == 0)
			return colours[i].esc;
	return "";
}

const char *cli_color_reset(const char *status)
{
	return *cli_status_color(status) ? "\033[0m" : "";
}

void cli_print_json(FILE *out, const json_t *v)
{
	json_dumpf(v, out, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', out);
}

const char *cli_json_text(const json_t *obj, const char *name, const char *def, char *tmp, size_t size)
{
	json_t *v = json_object_get(obj, name);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, size, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, size, "%g", json_real_value(v));
		return tmp;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_array(v)) {
		size_t i, off = 0;
		json_t *item;

		tmp[0] = '\0';
		json_array_foreach(v, i, item) {
			const char *s = json_string_value(item);
			int n;
			if (!s)
				continue;
			n = snprintf(tmp + off, size - off, "%s%s", off ? "," : "", s);
			if (n < 0 || (size_t)n >= size - off)
				break;
			off += (size_t)n;
		}
		return off ? tmp : def;
	}
	return def;
}

/* ------------------------------------------------------------ tables */

struct cli_table {
	int ncols;
	const char *headers[TABLE_MAX_COLS];
	int status_col[TABLE_MAX_COLS]; /* 1: colour the cells as status words */
	int wrap;                       /* 1: wrap the last column to the terminal's width */
	char **cells;                   /* nrows * ncols copies */
	size_t nrows, cap;
};

struct cli_table *cli_table_new(int ncols, const char *const *headers)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (!t || ncols > TABLE_MAX_COLS) {
		free(t);
		fprintf(stderr, "raslog: out of memory\n");
		exit(CLI_FAIL);
	}
	t->ncols = ncols;
	for (int i = 0; i < ncols; i++)
		t->headers[i] = headers[i];
	return t;
}

void cli_table_status_column(struct cli_table *t, int col)
{
	if (col >= 0 && col < t->ncols)
		t->status_col[col] = 1;
}

void cli_table_wrap(struct cli_table *t)
{
	t->wrap = 1;
}

int cli_term_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	long n;

	if (env && *env && (n = strtol(env, NULL, 10)) >= 20 && n <= 1000)
		return (int)n;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*p));
		if (!p) {
			fprintf(stderr, "raslog: out of memory\n");
			exit(CLI_FAIL);
		}
		t->cells = p;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "-";
		char *copy = strdup(c);
		if (!copy) {
			fprintf(stderr, "raslog: out of memory\n");
			exit(CLI_FAIL);
		}
		/* Cells are one line: a newline in a note would break the columns. */
		for (char *p = copy; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = copy;
	}
	t->nrows++;
}

/* Display width in code points (good enough for names and codes). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Writes line without its trailing blanks, then a newline. */
static void put_line(struct rl_buf *line, FILE *out)
{
	size_t n = line->len;

	while (n > 0 && line->data[n - 1] == ' ')
		n--;
	fwrite(line->data, 1, n, out);
	fputc('\n', out);
	rl_buf_reset(line);
}

void cli_table_print(struct cli_table *t, FILE *out)
{
	struct rl_buf line = RL_BUF_INIT;
	size_t w[TABLE_MAX_COLS];
	int colour = cli_color();

	for (int c = 0; c < t->ncols; c++) {
		w[c] = width(t->headers[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t cw = width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (int c = 0; c < t->ncols; c++)
		rl_buf_printf(&line, "%s%s%s%*s", colour && *t->headers[c] ? "\033[1m" : "", t->headers[c],
			      colour && *t->headers[c] ? "\033[0m" : "", (int)(w[c] - width(t->headers[c]) + 2), "");
	put_line(&line, out);
	if (t->wrap) {
		/* The last column gets what the terminal leaves, at least 20 columns. */
		size_t start = 0, room;
		for (int c = 0; c + 1 < t->ncols; c++)
			start += w[c] + 2;
		room = (size_t)cli_term_width() > start + 20 ? (size_t)cli_term_width() - start : 20;
		if (w[t->ncols - 1] > room)
			w[t->ncols - 1] = room;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		const char *rest = NULL;
		size_t indent = 0;

		for (int c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			const char *on = t->status_col[c] ? cli_status_color(cell) : "";
			if (t->wrap && c == t->ncols - 1 && width(cell) > w[c]) {
				rest = cell;
				break;
			}
			rl_buf_printf(&line, "%s%s%s%*s", on, cell, *on ? "\033[0m" : "", (int)(w[c] - width(cell) + 2), "");
			indent += w[c] + 2;
		}
		/* A wrapped cell: words onto lines of at most the column's width, under the column. */
		while (rest && *rest) {
			size_t take = 0, used = 0, last_space = 0;
			for (const char *p = rest; *p; p++) {
				if (((unsigned char)*p & 0xC0) != 0x80 && ++used > w[t->ncols - 1])
					break;
				take = (size_t)(p - rest) + 1;
				if (*p == ' ')
					last_space = take;
			}
			if (rest[take] && last_space)
				take = last_space;
			if (!take)
				take = 1;
			rl_buf_add(&line, rest, take);
			put_line(&line, out);
			rest += take;
			while (*rest == ' ')
				rest++;
			if (*rest)
				rl_buf_printf(&line, "%*s", (int)indent, "");
		}
		if (!rest)
			put_line(&line, out);
	}
	rl_buf_release(&line);
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* ------------------------------------------------------------ sessions */

/* "Name (7)" or "7". */
static const char *person(const json_t *s, const char *id_member, const char *name_member, char *tmp, size_t size)
{
	char idt[32];
	const char *id = cli_json_text(s, id_member, "?", idt, sizeof(idt));
	const char *name = json_string_value(json_object_get(s, name_member));

	if (name && *name)
		snprintf(tmp, size, "%s (%s)", name, id);
	else
		snprintf(tmp, size, "%s", id);
	return tmp;
}

/* Newest session first: by date, then by id. */
static int newest_first(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	const char *da = json_string_value(json_object_get(a, "date")), *db = json_string_value(json_object_get(b, "date"));
	json_int_t ia = json_integer_value(json_object_get(a, "id")), ib = json_integer_value(json_object_get(b, "id"));
	int c = strcmp(db ? db : "", da ? da : "");

	return c ? c : (ib > ia) - (ib < ia);
}

/* The items sorted newest first (a new array of borrowed pointers; *n its length). */
static const json_t **sorted(const json_t *items, size_t *n)
{
	const json_t **v;
	size_t i;
	json_t *s;

	*n = json_array_size(items);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v) {
		fprintf(stderr, "raslog: out of memory\n");
		exit(CLI_FAIL);
	}
	json_array_foreach(items, i, s)
		v[i] = s;
	qsort(v, *n, sizeof(*v), newest_first);
	return v;
}

void cli_print_sessions(const json_t *items)
{
	static const char *const head[] = { "ID", "DATE", "TRAINEE", "TRAINER", "ACTIVITY", "MIN", "ROLE", "STATUS", "REASON" };
	struct cli_table *t;
	const json_t **v;
	size_t n;

	if (!json_array_size(items)) {
		printf("No sessions.\n");
		return;
	}
	v = sorted(items, &n);
	t = cli_table_new(9, head);
	cli_table_status_column(t, 7);
	for (size_t i = 0; i < n; i++) {
		const json_t *s = v[i];
		char id[32], mins[32], trainee[160], trainer[160];
		const json_t *signoff = json_object_get(s, "signoff");
		/* The trainer's signed view of the role counts; show it when there is one. */
		const char *role = json_string_value(json_object_get(signoff, "role"));
		const char *cells[9];

		cells[0] = cli_json_text(s, "id", "?", id, sizeof(id));
		cells[1] = json_string_value(json_object_get(s, "date"));
		cells[2] = person(s, "trainee", "trainee_name", trainee, sizeof(trainee));
		cells[3] = person(s, "trainer", "trainer_name", trainer, sizeof(trainer));
		cells[4] = json_string_value(json_object_get(s, "activity"));
		cells[5] = cli_json_text(s, "minutes", "?", mins, sizeof(mins));
		cells[6] = role ? role : json_string_value(json_object_get(s, "role"));
		cells[7] = json_string_value(json_object_get(s, "status"));
		/* Why a session was rejected is what the trainee needs to read. */
		cells[8] = json_string_value(json_object_get(signoff, "reason"));
		if (!cells[8])
			cells[8] = "";
		cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	free(v);
}

void cli_print_pending(const json_t *items)
{
	static const char *const head[] = { "ID", "DATE", "TRAINEE", "ACTIVITY", "MIN", "ROLE", "PROCEDURE", "STEPS" };
	struct cli_table *t;
	const json_t **v;
	size_t n;

	v = sorted(items, &n);
	t = cli_table_new(8, head);
	for (size_t i = 0; i < n; i++) {
		const json_t *s = v[i];
		char id[32], mins[32], trainee[160], steps[512];
		const char *cells[8];

		cells[0] = cli_json_text(s, "id", "?", id, sizeof(id));
		cells[1] = json_string_value(json_object_get(s, "date"));
		cells[2] = person(s, "trainee", "trainee_name", trainee, sizeof(trainee));
		cells[3] = json_string_value(json_object_get(s, "activity"));
		cells[4] = cli_json_text(s, "minutes", "?", mins, sizeof(mins));
		cells[5] = json_string_value(json_object_get(s, "role"));
		cells[6] = json_string_value(json_object_get(s, "procedure"));
		cells[7] = cli_json_text(s, "steps", NULL, steps, sizeof(steps));
		cli_table_add(t, cells);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	free(v);
}

int cli_fail(struct rl_error *err)
{
	int rc = cli_report(err);

	rl_error_clear(err);
	return rc;
}

json_t *cli_get(const char *path, int *rc)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *res = cli_api("GET", path, NULL, &err);

	*rc = res ? CLI_OK : cli_fail(&err);
	return res;
}

int cli_my_id(int64_t *id)
{
	int rc;
	json_t *me = cli_get("/me", &rc);

	if (!me)
		return rc;
	*id = json_integer_value(json_object_get(me, "id"));
	json_decref(me);
	return *id > 0 ? 0 : cli_error("the server's answer to GET /me has no user id");
}

int cli_read(const struct os_args *a, const char *path, int all, void (*print)(const json_t *reply))
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *res = all ? cli_fetch_all(path, &err) : cli_api("GET", path, NULL, &err);

	if (!res)
		return cli_fail(&err);
	if (os_has(a, "json"))
		cli_print_json(stdout, res);
	else
		print(res);
	json_decref(res);
	return CLI_OK;
}

json_t *cli_fetch_all(const char *path, struct rl_error *err)
{
	json_t *all = json_array();
	char cursor[64] = "";
	int pages = 0;

	for (;;) {
		struct rl_buf p = RL_BUF_INIT;
		json_t *page, *next, *items;

		rl_buf_printf(&p, "%s%climit=%d", path, strchr(path, '?') ? '&' : '?', PAGE_LIMIT);
		if (cursor[0]) {
			char *c = cli_url_escape(cursor);
			rl_buf_printf(&p, "&cursor=%s", c);
			free(c);
		}
		page = cli_api("GET", p.data, NULL, err);
		rl_buf_release(&p);
		if (!page) {
			json_decref(all);
			return NULL;
		}
		items = json_is_array(page) ? page : json_object_get(page, "items");
		json_array_extend(all, items);
		next = json_is_object(page) ? json_object_get(page, "next_cursor") : NULL;
		if (json_is_string(next) && *json_string_value(next))
			snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		else if (json_is_integer(next))
			snprintf(cursor, sizeof(cursor), "%lld", (long long)json_integer_value(next));
		else
			cursor[0] = '\0';
		json_decref(page);
		if (!cursor[0])
			break;
		if (++pages >= MAX_PAGES) {
			json_decref(all);
			rl_error_set(err, RL_E_INTERNAL, "too-many-pages", NULL, "the list %s did not end after %d pages",
				     path, MAX_PAGES);
			return NULL;
		}
		if (cli_stderr_tty())
			fprintf(stderr, "\rraslog: %zu items...", json_array_size(all));
	}
	if (pages && cli_stderr_tty())
		fprintf(stderr, "\r\033[K");
	return json_pack("{s:o,s:n}", "items", all, "next_cursor");
}
