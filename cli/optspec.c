/*
 * optspec.c - the option parser, usage text and man synopsis made from
 * the command tables of optspec.h (shared by raslog and raslogd).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optspec.h"

#include "base/banned.h"

#define OS_KEY_BASE 1000
#define OS_WIDTH 80

const char *os_prog = "raslog";
FILE *os_errout;

int os_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(os_errout ? os_errout : stderr, "%s: %s: %s (see '%s %s --help')\n", os_prog, cmd, msg, os_prog, cmd);
	return 2;
}

/* The options of cmd in order (own, then each shared table) into list; returns how many. */
static int flatten(const struct os_cmd *cmd, const struct os_opt **list)
{
	int n = 0;

	for (const struct os_opt *o = cmd->opts; o && o->name; o++)
		if (n < OS_MAX_OPTS)
			list[n++] = o;
	for (const struct os_opt *const *t = cmd->shared; t && *t; t++)
		for (const struct os_opt *o = *t; o->name; o++)
			if (n < OS_MAX_OPTS)
				list[n++] = o;
	if (n >= OS_MAX_OPTS) {
		fprintf(stderr, "%s: %s has more than %d options\n", os_prog, cmd->name, OS_MAX_OPTS - 1);
		abort();
	}
	return n;
}

static int key_of(const struct os_opt *o, int i)
{
	return o->key ? o->key : OS_KEY_BASE + i;
}

int os_declares(const struct os_cmd *cmd, const char *name)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n = flatten(cmd, list);

	for (int i = 0; i < n; i++)
		if (strcmp(list[i]->name, name) == 0)
			return i;
	return -1;
}

static int find(const struct os_args *a, const char *name)
{
	int i = os_declares(a->cmd, name);

	if (i >= 0)
		return i;
	/* A name not in the table is a programming error the tests catch at once. */
	fprintf(stderr, "%s: %s has no option --%s in its table\n", os_prog, a->cmd->name, name);
	abort();
}

const char *os_get(const struct os_args *a, const char *name)
{
	int i = find(a, name);

	if (!a->val[i])
		return NULL;
	return a->norm[i][0] ? a->norm[i] : a->val[i];
}

int os_next(const struct os_args *a, int *pos, const char **value)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n = flatten(a->cmd, list);

	for (; *pos < n; (*pos)++)
		if (a->val[*pos]) {
			int i = (*pos)++;
			*value = a->norm[i][0] ? a->norm[i] : a->val[i];
			return key_of(list[i], i);
		}
	return -1;
}

int os_has(const struct os_args *a, const char *name)
{
	return a->val[find(a, name)] != NULL;
}

/* ------------------------------------------------------------ usage */

/* The options a synopsis shows, in its order: required ones first, hidden ones left out. */
static int shown(const struct os_cmd *cmd, const struct os_opt **out)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n = flatten(cmd, list), k = 0;

	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++)
			if (!(list[i]->flags & OS_HIDDEN) && ((list[i]->flags & OS_REQUIRED) != 0) == (pass == 0))
				out[k++] = list[i];
	return k;
}

/* Appends word to the line being printed, wrapping at OS_WIDTH under indent. */
static void put_word(FILE *out, const char *word, size_t *col, size_t indent)
{
	size_t len = strlen(word);

	if (*col > indent && *col + 1 + len > OS_WIDTH) {
		fprintf(out, "\n%*s", (int)indent, "");
		*col = indent;
	} else {
		fputc(' ', out);
		(*col)++;
	}
	fputs(word, out);
	*col += len;
}

void os_synopsis(FILE *out, const struct os_cmd *cmd, const char *lead)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n = shown(cmd, list);
	size_t col, indent;
	char word[160];

	fprintf(out, "%s%s %s", lead, os_prog, cmd->name);
	col = strlen(lead) + strlen(os_prog) + 1 + strlen(cmd->name);
	indent = col + 1;
	if (cmd->args)
		put_word(out, cmd->args, &col, indent);
	for (int i = 0; i < n; i++) {
		int req = (list[i]->flags & OS_REQUIRED) != 0;
		snprintf(word, sizeof(word), "%s--%s%s%s%s", req ? "" : "[", list[i]->name, list[i]->arg ? " " : "",
			 list[i]->arg ? list[i]->arg : "", req ? "" : "]");
		put_word(out, word, &col, indent);
	}
	fputc('\n', out);
}

void os_usage(FILE *out, const struct os_cmd *cmd)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n, shown = 0;

	if (!cmd->run) {
		int first = 1;
		for (const struct os_cmd *s = cmd->subs; s && s->name; s++) {
			os_synopsis(out, s, first ? "usage: " : "       ");
			first = 0;
		}
		if (cmd->about)
			fprintf(out, "\n%s", cmd->about);
		fprintf(out, "\n'%s %s COMMAND --help' describes a command.\n", os_prog, cmd->name);
		return;
	}
	os_synopsis(out, cmd, "usage: ");
	if (cmd->about)
		fprintf(out, "\n%s", cmd->about);
	else if (cmd->summary)
		fprintf(out, "\n%c%s.\n", toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	n = flatten(cmd, list);
	for (int i = 0; i < n; i++) {
		const struct os_opt *o = list[i];
		char left[96];

		if (o->flags & OS_HIDDEN)
			continue;
		if (!shown++)
			fputc('\n', out);
		size_t col;
		const char *h = o->help;

		if (o->flags & OS_SHORT)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (strlen(left) > 24)
			fprintf(out, "  %s\n%27s", left, "");
		else
			fprintf(out, "  %-24s ", left);
		/* The help's words, wrapped under the help column. */
		col = 27;
		while (*h) {
			size_t len = strcspn(h, " ");
			if (col > 27 && col + 1 + len > OS_WIDTH) {
				fprintf(out, "\n%27s", "");
				col = 27;
			} else if (col > 27) {
				fputc(' ', out);
				col++;
			}
			fwrite(h, 1, len, out);
			col += len;
			h += len;
			while (*h == ' ')
				h++;
		}
		fputc('\n', out);
	}
}

/* Writes s for roff: hyphens as \-, a leading dot or quote escaped. */
static void roff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

static void man_one(FILE *out, const struct os_cmd *cmd)
{
	const struct os_opt *list[OS_MAX_OPTS];
	int n;

	if (!cmd->run) {
		for (const struct os_cmd *s = cmd->subs; s && s->name; s++)
			man_one(out, s);
		return;
	}
	fprintf(out, ".SY \"%s ", os_prog);
	roff(out, cmd->name);
	fputs("\"\n", out);
	if (cmd->args) {
		fputs(".I \"", out);
		roff(out, cmd->args);
		fputs("\"\n", out);
	}
	n = shown(cmd, list);
	for (int i = 0; i < n; i++) {
		const struct os_opt *o = list[i];
		int req = (o->flags & OS_REQUIRED) != 0;

		fputs(req ? ".BI \"\\-\\-" : ".OP \\-\\-", out);
		roff(out, o->name);
		if (req && o->arg) {
			fputs(" \" \"", out);
			roff(out, o->arg);
			fputc('"', out);
		} else if (req) {
			fputc('"', out);
		} else if (o->arg) {
			fputc(' ', out);
			roff(out, o->arg);
		}
		fputc('\n', out);
	}
	fputs(".YS\n", out);
}

void os_man(FILE *out, const struct os_cmd *cmds)
{
	for (const struct os_cmd *c = cmds; c->name; c++)
		man_one(out, c);
}

/* ------------------------------------------------------------ parsing */

static int is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* The last word of a command's name ("accredit" of "trainer accredit"). */
static const char *last_word(const char *name)
{
	const char *sp = strrchr(name, ' ');

	return sp ? sp + 1 : name;
}

static int dispatch_group(const struct os_cmd *cmd, int argc, char **argv, void *ctx,
			  int (*hook)(const struct os_args *a))
{
	char names[512];
	size_t len = 0;
	int count = 0;

	names[0] = '\0';
	for (const struct os_cmd *s = cmd->subs; s->name; s++) {
		count++;
		if (argc >= 2 && strcmp(last_word(s->name), argv[1]) == 0)
			return os_dispatch(s, argc - 1, argv + 1, ctx, hook);
	}
	if (argc >= 2 && is_help(argv[1])) {
		os_usage(stdout, cmd);
		return 0;
	}
	for (const struct os_cmd *s = cmd->subs; s->name; s++) {
		int k = snprintf(names + len, sizeof(names) - len, "%s%s", s == cmd->subs ? "" : ", ", last_word(s->name));
		if (k < 0 || (size_t)k >= sizeof(names) - len)
			break;
		len += (size_t)k;
	}
	if (argc < 2)
		return os_usage_error(cmd->name, "say what to do: %s", names);
	(void)count;
	return os_usage_error(cmd->name, "'%s' is not a %s command (%s)", argv[1], cmd->name, names);
}

int os_dispatch(const struct os_cmd *cmd, int argc, char **argv, void *ctx, int (*hook)(const struct os_args *a))
{
	const struct os_opt *list[OS_MAX_OPTS];
	struct option lopts[OS_MAX_OPTS + 2];
	char shorts[OS_MAX_OPTS * 2 + 4];
	struct os_args *a;
	size_t ns = 0;
	int n, c, rc;

	if (!cmd->run)
		return dispatch_group(cmd, argc, argv, ctx, hook);
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "%s: out of memory\n", os_prog);
		return 1;
	}
	a->cmd = cmd;
	a->ctx = ctx;
	n = flatten(cmd, list);
	shorts[ns++] = ':';
	shorts[ns++] = 'h';
	for (int i = 0; i < n; i++) {
		lopts[i].name = list[i]->name;
		lopts[i].has_arg = list[i]->arg ? required_argument : no_argument;
		lopts[i].flag = NULL;
		lopts[i].val = key_of(list[i], i);
		if (list[i]->flags & OS_SHORT) {
			shorts[ns++] = (char)list[i]->key;
			if (list[i]->arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	lopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0; /* 0, not 1: glibc then also forgets its state inside a cluster */
	opterr = 0;
	rc = -1;
	while (rc < 0 && (c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		int i;

		if (c == 'h') {
			os_usage(stdout, cmd);
			rc = 0;
			break;
		}
		if (c == ':') {
			rc = os_usage_error(cmd->name, "option '%s' needs a value", arg);
			break;
		}
		if (c == '?') {
			if (optopt && optopt < 256 && optopt != '?')
				rc = os_usage_error(cmd->name, "unknown option '-%c'", optopt);
			else
				rc = os_usage_error(cmd->name, "unknown option '%s'", arg);
			break;
		}
		for (i = 0; i < n && key_of(list[i], i) != c; i++)
			;
		if (i == n) {
			rc = os_usage_error(cmd->name, "unexpected option '%s'", arg);
			break;
		}
		a->val[i] = list[i]->arg ? optarg : "";
		a->norm[i][0] = '\0';
	}
	if (rc >= 0)
		goto out;
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (a->argc < cmd->min_args) {
		rc = os_usage_error(cmd->name, "give %s", cmd->args ? cmd->args : "the arguments");
		goto out;
	}
	if (cmd->max_args >= 0 && a->argc > cmd->max_args) {
		rc = os_usage_error(cmd->name, "unexpected argument '%s'", a->argv[cmd->max_args]);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((list[i]->flags & OS_REQUIRED) && !a->val[i]) {
			rc = os_usage_error(cmd->name, "--%s is required", list[i]->name);
			goto out;
		}
	for (int i = 0; i < n; i++)
		if (a->val[i] && list[i]->check &&
		    list[i]->check(a, list[i]->name, a->val[i], a->norm[i], sizeof(a->norm[i])) < 0) {
			rc = 2;
			goto out;
		}
	if (hook && (rc = hook(a)) != 0)
		goto out;
	rc = cmd->run(a);
out:
	free(a);
	return rc;
}
