/*
 * error.h - the one error model of the core library.
 *
 * Core functions return 0 on success or -1 on failure; on failure they
 * fill a struct rl_error saying what went wrong, once, where it was
 * detected.  The status is a transport-free category; the server maps it
 * to an HTTP status and an RFC 9457 problem, the CLI to an exit code and a
 * sentence.  Field errors name the offending JSON member ("minutes",
 * "steps[2]") so clients can show them beside the input.
 */
#ifndef RASLOG_ERROR_H
#define RASLOG_ERROR_H

#include <stddef.h>

enum rl_status {
	RL_OK = 0,
	RL_E_INVALID,   /* the input is well-formed but breaks a rule (422-ish; served as 400) */
	RL_E_MALFORMED, /* the input is not parseable JSON / not the right shape (400) */
	RL_E_UNAUTH,    /* no or bad credentials (401) */
	RL_E_FORBIDDEN, /* authenticated but not allowed (403) */
	RL_E_NOTFOUND,  /* no such record, or not visible to the caller (404) */
	RL_E_CONFLICT,  /* the record's state forbids this (409) */
	RL_E_TOOLARGE,  /* input over a size limit (413) */
	RL_E_SIGNATURE, /* a signed statement was refused (422) */
	RL_E_UNAVAILABLE, /* storage full or failing; nothing was stored (503) */
	RL_E_INTERNAL,  /* a bug or an unexpected library failure (500) */
};

#define RL_ERROR_MAX_FIELDS 16

struct rl_field_error {
	char field[64];    /* JSON member path, e.g. "minutes" or "steps[1]" */
	char message[200]; /* one sentence a person can act on */
};

struct rl_error {
	enum rl_status status; /* RL_OK while nothing is set */
	char type[40];         /* short problem slug, e.g. "validation", "bad-signature" */
	char title[80];        /* short, fixed summary of the problem type */
	char detail[400];      /* what exactly was wrong, naming the thing */
	int nfields;           /* entries used in fields[] */
	struct rl_field_error fields[RL_ERROR_MAX_FIELDS];
	void *extra;           /* optional json_t* with more members (owned; freed by rl_error_clear) */
};

#define RL_ERROR_INIT { RL_OK, "", "", "", 0, {{"", ""}}, NULL }

void rl_error_clear(struct rl_error *err);

/* Sets status, slug, title and a printf detail; returns -1 for tail calls. */
int rl_error_set(struct rl_error *err, enum rl_status status, const char *type,
		 const char *title, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Adds a field problem; the first one also sets status RL_E_INVALID with
 * type "validation" unless a status is already set.  Returns -1.
 */
int rl_error_field(struct rl_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Convenience for internal failures: logs nothing, returns -1. */
int rl_error_internal(struct rl_error *err, const char *what);

/* The canonical title for a status when none is given. */
const char *rl_status_title(enum rl_status status);

#endif
