/*
 * cli.h - what the files of raslog, the command-line client, share: the
 * subcommands, option parsing, configuration, the HTTP client, output
 * (errors, tables, colour, JSON) and the signing flow.
 *
 * Every subcommand is a struct os_cmd (optspec.h) whose run function
 * returns the exit code.  Every failure
 * is reported once, where it is detected, as "raslog: <sentence>" on
 * stderr; the helpers below that report return the exit code to pass up.
 */
#ifndef RASLOG_CLI_H
#define RASLOG_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/keystore.h"
#include "domain/statements.h"
#include "optspec.h"

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2
#define CLI_AUTH 4

/* ------------------------------------------------------------ commands */

/*
 * Every command is declared once, as a table row (struct os_cmd,
 * optspec.h): its options, their help, and flags below.  The parser,
 * --help, 'raslog --help' and the man page's synopsis (raslog
 * --help-man) are made from these tables; main.c lists the top-level
 * ones, one row each.
 */
enum {
	CLI_NEEDS_TOKEN = 1,  /* the command talks to the server as someone */
	CLI_SIGNS = 2,        /* a signing command: cli_sign_run with a struct cli_signing in data */
	CLI_FACULTY_ONLY = 4, /* refused (exit 4) unless GET /me says faculty */
};

extern const struct os_cmd cli_cmd_login, cli_cmd_logout, cli_cmd_me, cli_cmd_log, cli_cmd_edit,
	cli_cmd_withdraw, cli_cmd_sessions, cli_cmd_pending, cli_cmd_progress, cli_cmd_export, cli_cmd_key,
	cli_cmd_sign, cli_cmd_reject, cli_cmd_assess, cli_cmd_module, cli_cmd_trainer, cli_cmd_accredit,
	cli_cmd_revoke_accreditation, cli_cmd_ledger, cli_cmd_verify, cli_cmd_import, cli_cmd_imports,
	cli_cmd_sign_import, cli_cmd_signoff, cli_cmd_audit;

/* ------------------------------------------------------------ options */

/*
 * The option tables commands share (optspec.h), each list ending with
 * the hidden --server and --token every command takes:
 * cli_shared_plain (nothing more), cli_shared_read (--json) and
 * cli_shared_sign (--yes, --passphrase-file, --json).
 */
extern const struct os_opt cli_common_opts[];
extern const struct os_opt *const cli_shared_plain[];
extern const struct os_opt *const cli_shared_read[];
extern const struct os_opt *const cli_shared_sign[];

/* Runs cmd (a row of main.c's table or below) on argv: parse, check, run. */
int cli_run(const struct os_cmd *cmd, int argc, char **argv);

/* Option checks (os_check_fn): a positive id, a YYYY-MM-DD date, a ledger index (0 or more). */
int cli_check_id(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);
int cli_check_date(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);
int cli_check_index(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);
/* An eLogbook role code (O, A, S-TS...), any case, normalised; a bad one lists the codes. */
int cli_check_role(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);
/* An assessment tool (gears...), any case, normalised; a bad one lists the tools. */
int cli_check_tool(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);
/* A comma list of step codes ([a-z0-9_.-], any case, normalised to lower case). */
int cli_check_steps(const struct os_args *a, const char *opt, const char *value, char *norm, size_t size);

/*
 * The options of raslog log, shared with raslog edit (editing: every one
 * optional, --clear allowed), made into a new session body *out.
 * Returns 0, or the exit code after reporting.
 */
int cli_session_body(const struct os_args *a, int editing, json_t **out);
/* raslog edit's shared options: log's, each optional. */
extern const struct os_opt *const cli_edit_shared[];

/* The id an option holds (checked by cli_check_id), or 0 when absent. */
int64_t cli_opt_id(const struct os_args *a, const char *name);

/* Prints "raslog: CMD: <message> (see 'raslog CMD --help')"; returns 2: optspec.h's os_usage_error. */
#define cli_usage_error os_usage_error

/* Parses a positive record id given for what ("session", "--trainee"); prints a usage error. */
int cli_parse_id(const char *cmd, const char *what, const char *text, int64_t *out);
/* Parses a YYYY-MM-DD date given for what; prints a usage error. */
int cli_parse_date(const char *cmd, const char *what, const char *text);
/* Splits "a,b,c" into a new JSON array of strings (empty items refused); prints a usage error. */
json_t *cli_split_list(const char *cmd, const char *what, const char *text);

/* ------------------------------------------------------------ configuration */

/* Values from --server / --token (global or per command); they win over everything. */
void cli_config_set_server(const char *url);
void cli_config_set_token(const char *token);

/*
 * The server base URL (no trailing slash, no /api/v1) and the token,
 * from flags, then RASLOG_SERVER / RASLOG_TOKEN, then the config file,
 * then the default server.  Returns 0, or -1 with err set: type "config"
 * for an unreadable config file or a bad URL, "no-token" when need_token
 * and there is none.
 */
int cli_config_get(const char **server, const char **token, int need_token, struct rl_error *err);

/* The config file's path ($XDG_CONFIG_HOME/raslog/config), or "" when neither it nor HOME is set. */
const char *cli_config_file(void);

/* ------------------------------------------------------------ HTTP */

/* A successful reply. */
struct cli_reply {
	long status;          /* HTTP status (2xx) */
	struct rl_buf body;   /* the raw body */
	json_t *json;         /* the body parsed, when it is JSON; else NULL */
	char etag[96];        /* the ETag header, or "" */
};
void cli_reply_release(struct cli_reply *r);

/*
 * Sends method path (relative to /api/v1, query included) with an
 * optional JSON body.  Returns 0 with a 2xx reply in *r, or -1 with err
 * set: a problem+json reply becomes its status, type (without the urn
 * prefix), detail and field list, with the whole problem object in
 * err->extra; an unreachable server is RL_E_UNAVAILABLE type
 * "unreachable" with the sentence in detail.
 */
int cli_http(const char *method, const char *path, const json_t *body, struct cli_reply *r,
	     struct rl_error *err);

/* GETs session id's ETag (and, if session is not NULL, its record); returns 0 or the exit code after reporting. */
int cli_session_etag(const char *cmd, int64_t id, char *etag, size_t size, json_t **session);

/* cli_http sending "If-Match: if_match" (when not NULL): a change to the version the client read. */
int cli_http_if_match(const char *method, const char *path, const json_t *body, const char *if_match,
		      struct cli_reply *r, struct rl_error *err);
/* cli_http without a token: none is needed and none is sent (raslog login). */
int cli_http_anonymous(const char *method, const char *path, const json_t *body, struct cli_reply *r,
		       struct rl_error *err);

/* GET/POST/DELETE returning the parsed JSON reply (a new reference) or NULL with err set. */
json_t *cli_api(const char *method, const char *path, const json_t *body, struct rl_error *err);

/*
 * GET path and hand each piece of a 2xx body to fn as it arrives (fn
 * returns 0 to go on, -1 to stop with err set by fn).  A non-2xx reply is
 * collected and turned into err as cli_http does.
 */
typedef int (*cli_stream_fn)(void *ctx, const char *data, size_t len, struct rl_error *err);
int cli_http_stream(const char *path, cli_stream_fn fn, void *ctx, struct rl_error *err);

/*
 * For an online check of the ledger (ledger_fetch.c): the server's log key
 * into key (refused unless it equals pinned, when given), its signed tree
 * head as JSON text (*head_text, malloc'd) and its whole export in a
 * rewound temporary file (*export); progress on stderr when show.  0, or
 * the exit code after one sentence on stderr.
 */
int cli_fetch_ledger(const char *pinned, uint8_t key[32], char **head_text, FILE **export, int show);

/* Percent-encodes s for a query string (malloc'd). */
char *cli_url_escape(const char *s);

/* Closes the connection kept between requests (before curl_global_cleanup). */
void cli_http_cleanup(void);

/* The HTTP status of a problem err (from err->extra), or 0. */
long cli_error_http_status(const struct rl_error *err);

/* ------------------------------------------------------------ output */

/* Prints "raslog: <sentence>" on stderr; returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports err (one line, or one per field) and returns its exit code (4 for 401/403, else 1). */
int cli_report(const struct rl_error *err);

/* Prints unmet requirements ({"module","requirement","description","signed","target"}) on stderr, one a line. */
void cli_print_unmet(const json_t *unmet);

/* 1 when stdout is a terminal and NO_COLOR is unset or empty. */
int cli_color(void);
/* 1 when stderr is a terminal (progress lines). */
int cli_stderr_tty(void);
/* The escape sequence colouring a status word ("signed", "pending", "met"...), or "". */
const char *cli_status_color(const char *status);
/* The reset sequence matching cli_status_color, or "". */
const char *cli_color_reset(const char *status);

/* Pretty JSON (2-space indent, keys sorted) of v plus a newline on out. */
void cli_print_json(FILE *out, const json_t *v);
/* A member as text: strings as is, integers in decimal, absent or null as def. */
const char *cli_json_text(const json_t *obj, const char *name, const char *def, char *tmp, size_t size);

/* A table printed with aligned columns. */
struct cli_table;
struct cli_table *cli_table_new(int ncols, const char *const *headers);
/* Marks a column whose cells are status words to colour. */
void cli_table_status_column(struct cli_table *t, int col);
/* Adds a row of ncols strings (copied; NULL prints as "-", "" as nothing). */
void cli_table_add(struct cli_table *t, const char *const *cells);
/* Wraps the last column's cells to the terminal's width (cli_term_width) under that column. */
void cli_table_wrap(struct cli_table *t);
void cli_table_print(struct cli_table *t, FILE *out);
/* The terminal's width: COLUMNS, else the terminal's (ioctl), else 80 (not a terminal). */
int cli_term_width(void);
void cli_table_free(struct cli_table *t);

/* Prints the "warnings" of a reply that stored a session on stderr, one a line; returns how many. */
size_t cli_print_warnings(const json_t *reply);

/* Prints the sessions of a list reply's items as a table. */
void cli_print_sessions(const json_t *items);
/* Prints sessions waiting for a signature: procedure and steps, newest first. */
void cli_print_pending(const json_t *items);

/* Fetches every page of a list path (adds limit and cursor); returns {"items":[...],"next_cursor":null}. */
json_t *cli_fetch_all(const char *path, struct rl_error *err);

/* Reports err, clears it and returns the exit code (the tail of every failed call). */
int cli_fail(struct rl_error *err);

/*
 * The read commands' one call-and-print: GETs path (every page when
 * all), then prints the reply as JSON with --json, else with print.
 * Returns the exit code.
 */
int cli_read(const struct os_args *a, const char *path, int all, void (*print)(const json_t *reply));

/* GETs path; NULL after reporting (*rc then holds the exit code). */
json_t *cli_get(const char *path, int *rc);

/* My user id (GET /me); returns 0 or the exit code after reporting. */
int cli_my_id(int64_t *id);

/* Reads "curriculum":{"code","version"} of a progress report; reports and returns -1 if absent. */
int cli_progress_curriculum(const json_t *progress, const char **code, int *version);

/* ------------------------------------------------------------ keys and signing */

/* The key file to use: $XDG_DATA_HOME/raslog/signing.key. */
int cli_key_path(char *out, size_t size);

/*
 * Reads the passphrase: from file (if given), else RASLOG_PASSPHRASE,
 * else a prompt on the terminal when stdin is one (twice when confirm).
 * *out is NULL when there is none; free it with cli_passphrase_free.
 * Returns 0 or the exit code after reporting.
 */
int cli_passphrase(const char *file, const char *prompt, int confirm, char **out, size_t *len);
void cli_passphrase_free(char *p);

/*
 * Opens the key file at path, asking its passphrase (passfile,
 * RASLOG_PASSPHRASE or the terminal) when it is sealed (*sealed 1).
 * Returns the key pair, or NULL after reporting with *rc the exit code.
 */
struct rl_keypair *cli_key_open(const char *path, const char *passfile, int *sealed, int *rc);

/* The state of a signing command from its start to its last post. */
struct cli_signer {
	const char *cmd;          /* the command's name, for messages */
	int yes;                  /* --yes: do not ask */
	const char *passfile;     /* --passphrase-file or NULL */
	char key_path[4096];      /* the key file */
	char pk_b64[48];          /* our public key */
	int64_t user;             /* our user id (GET /me) */
	json_t *me;               /* GET /me reply */
	struct rl_keypair *kp;    /* loaded on the first signature */
	char signed_at[21];       /* set by cli_signer_by */
};

/*
 * Refuses (exit 2) to go on without a terminal unless --yes; then reads
 * our public key and GET /me.  Returns 0 or the exit code.
 */
int cli_signer_begin(struct cli_signer *s, const char *cmd, int yes, const char *passfile);
/* Fills by with our id, key and the current time. */
void cli_signer_by(struct cli_signer *s, struct rl_signer *by);
/* 1 if the user roles in /me include role ("trainer", "faculty"). */
int cli_signer_has_role(const struct cli_signer *s, const char *role);

/* A statement a signing command built, with what to say about it. */
struct cli_stmt {
	json_t *statement;    /* owned by the signing routine once built */
	char what[160];       /* "session 5, confirmed": the prompt and errors */
	char words[1024];     /* the statement in words, with names */
	char done[256];       /* printed before ": ledger index N" */
	char after[128];      /* printed after it, or "" */
};

/*
 * What a signing command supplies (struct os_cmd's data): everything
 * else, from the shared options to the printed result, is
 * cli_sign_run's.  items (NULL: one statement, item 0) lists what to
 * sign, before anything is opened, and may print a usage error (exit 2);
 * build fetches the records one statement needs and fills out, or
 * returns the exit code after reporting.
 */
struct cli_signing {
	int (*items)(const struct os_args *a, int64_t **ids, size_t *n);
	int (*build)(const struct os_args *a, struct cli_signer *s, int64_t item, struct cli_stmt *out);
};

/*
 * The one signing routine (an os_cmd's run): the shared options, the
 * terminal rule, the role (CLI_FACULTY_ONLY), then for each item: build,
 * show in words and exactly, ask (unless --yes), sign, post to
 * /signoffs and print the ledger index (or the reply with --json).
 */
int cli_sign_run(const struct os_args *a);

/*
 * Shows the statement on stderr (in words, then exactly), asks (unless
 * --yes), signs it and posts it to /signoffs.  On success *reply is the
 * server's answer (a new reference) and 0 is returned; otherwise the
 * exit code after reporting (1 also when the user declined).
 */
int cli_signer_submit(struct cli_signer *s, const struct cli_stmt *st, json_t **reply);
void cli_signer_release(struct cli_signer *s);

#endif
