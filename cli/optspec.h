/*
 * optspec.h - commands and their options declared once, as data, for
 * both programs (raslog and raslogd): the option parser, the usage text
 * of --help and the man pages' synopses (--help-man) are all made from
 * the same tables, so they cannot drift apart.
 *
 * A command is a struct os_cmd: its name, its positional arguments, a
 * summary, a paragraph for --help, its own options and the shared option
 * tables it takes (e.g. the signing options), and either a run function
 * or a table of subcommands (nested, as "raslog key generate").  This
 * file knows nothing of HTTP or the database; each program supplies the
 * run functions and its name for messages.
 */
#ifndef RASLOG_OPTSPEC_H
#define RASLOG_OPTSPEC_H

#include <stddef.h>
#include <stdio.h>

#define OS_MAX_OPTS 40
#define OS_NORM_MAX 64

/* Option flags. */
enum {
	OS_REQUIRED = 1, /* the command refuses to run without it */
	OS_SHORT = 2,    /* key is also accepted as a one-letter option (-y) */
	OS_HIDDEN = 4,   /* parsed but not shown in the synopsis (the global --server, --token) */
};

struct os_args;

/*
 * Checks (and may normalise into norm, e.g. a case-insensitive code to
 * its canonical spelling) the value of option opt; returns 0, or -1
 * after printing a usage error with os_usage_error.
 */
typedef int (*os_check_fn)(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);

struct os_opt {
	const char *name;   /* the long name without "--"; NULL ends a table */
	int key;            /* getopt's value: a letter (see OS_SHORT) or a number >= 256; 0: assigned */
	const char *arg;    /* the value's name ("ID"), or NULL for a flag */
	const char *help;   /* one line for --help */
	unsigned flags;     /* OS_REQUIRED, OS_SHORT, OS_HIDDEN */
	os_check_fn check;  /* or NULL */
};

struct os_cmd;
typedef int (*os_run_fn)(const struct os_args *a);

struct os_cmd {
	const char *name;                   /* the whole name: "trainer accredit"; NULL ends a table */
	const char *args;                   /* the positional arguments' synopsis ("ID..."), or NULL for none */
	int min_args, max_args;             /* how many positional arguments (max -1: any number) */
	const char *summary;                /* one line for the command list */
	const char *about;                  /* the paragraphs --help prints after the synopsis, or NULL */
	const struct os_opt *opts;          /* its own options, or NULL */
	const struct os_opt *const *shared; /* further option tables (NULL-terminated list), or NULL */
	os_run_fn run;                      /* the command, or NULL for a group */
	const struct os_cmd *subs;          /* a group's subcommands */
	unsigned flags;                     /* the program's (e.g. raslog's needs-token, signs, faculty-only) */
	const void *data;                   /* the program's (e.g. a signing command's callbacks) */
};

/* The parsed command line of one command. */
struct os_args {
	const struct os_cmd *cmd;
	const char *val[OS_MAX_OPTS];       /* by option position (own, then shared): the value, "" for a flag given */
	char norm[OS_MAX_OPTS][OS_NORM_MAX]; /* normalised values (check functions) */
	int argc;                           /* positional arguments */
	char **argv;
	void *ctx;                          /* the program's (raslogd: the database path) */
};

/* The program name for messages and usage ("raslog"); set once by main. */
extern const char *os_prog;
/* Where usage errors go (NULL: stderr); the fuzz target sets it. */
extern FILE *os_errout;

/* Prints "PROG: CMD: <message> (see 'PROG CMD --help')" on stderr; returns 2. */
int os_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs argv (argv[0] the command's last name word) against cmd: a group
 * dispatches to its subcommand through its table; a command's options
 * are parsed, --help prints the usage, required options and the number
 * of arguments are checked, each check function runs, then cmd->run.
 * hook, if not NULL, runs after parsing and before cmd->run (0 to go on,
 * or an exit code).  Returns the exit code.
 */
int os_dispatch(const struct os_cmd *cmd, int argc, char **argv, void *ctx, int (*hook)(const struct os_args *a));

/* The value of option name (as given, or as its check normalised it), or NULL if absent. */
const char *os_get(const struct os_args *a, const char *name);
/*
 * The options given, in table order: returns the key of the next one at
 * or after *pos (advancing it) with its value in *value, or -1 at the
 * end.  For a program that switches on option keys as getopt returns them.
 */
int os_next(const struct os_args *a, int *pos, const char **value);
/* The position of option name in cmd's options, or -1 if cmd has no such option. */
int os_declares(const struct os_cmd *cmd, const char *name);
/* 1 if option name was given. */
int os_has(const struct os_args *a, const char *name);

/* The usage text of cmd (a group: one synopsis line per subcommand). */
void os_usage(FILE *out, const struct os_cmd *cmd);
/* One synopsis line of a command (no "usage:"): "PROG NAME ARGS [--opt ARG]..."; wrapped at 80 columns. */
void os_synopsis(FILE *out, const struct os_cmd *cmd, const char *lead);
/* The roff synopsis (.SY/.OP/.YS) of every command under cmds, for the man page. */
void os_man(FILE *out, const struct os_cmd *cmds);

#endif
