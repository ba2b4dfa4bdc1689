/*
 * stmt.h - a signed statement read once into a typed record (issue 12
 * item 2).  The server's acceptance (domain/signoff.c), the verifier
 * (ledger/verify.c: raslog verify, audit) and the rebuild of figures
 * from an export (domain/recompute.c) read a statement's members here,
 * each kind's members in one place, instead of walking its JSON.
 *
 * The record is read FROM the statement's JSON and points into it:
 * strings and the few members kept as JSON (a session sign-off's steps,
 * an assessment's scores, an accreditation's evidence, a curriculum's
 * definition, an import's results) are borrowed and live as long as the
 * json_t read.  Nothing here builds or changes a statement: the bytes
 * signed stay the JCS of what the signer sent (domain/statements.h
 * builds them).  Formats: docs/ledger.md.
 */
#ifndef RASLOG_STMT_H
#define RASLOG_STMT_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "ledger/kinds.h"

enum rl_decision { RL_DECISION_NONE = 0, RL_DECISION_CONFIRMED, RL_DECISION_REJECTED };

/* {"code","version"} and, where the kind has it, "sha256" (NULL when absent). */
struct rl_stmt_curriculum {
	const char *code;
	int64_t version;
	const char *sha256;
	const json_t *object;    /* the object as signed (a rebuild's output repeats it) */
};

/* The certified fields of a session a session_signoff embeds (absent: 0 / NULL). */
struct rl_stmt_session {
	int64_t id, trainee, trainer, minutes;
	const char *date, *activity, *platform, *site, *procedure, *role, *created_at;
	const char *notes, *notes_commit; /* free text: v1 embeds notes, v2 commits to them */
	const json_t *steps;              /* array of strings, or NULL */
};

/* An import a simulator_import or elearning_confirmation names. */
struct rl_stmt_import {
	int64_t id, trainee, trainer, attempts; /* trainer, attempts: simulator imports (0 when absent) */
	const char *kind, *sha256, *attempts_sha256;
	const json_t *results;                  /* simulator: array of objects, or NULL */
	const char *certificate_kind, *issuer, *achievement, *completed_on; /* e-learning certificates */
	int verified;                           /* -1 absent, else 0 / 1 */
	const json_t *object;                   /* the object as signed (a rebuild's output repeats it) */
};

struct rl_statement {
	const json_t *json;      /* the statement read (borrowed) */
	int v;                   /* 1 or 2 */
	enum rl_kind_id kind;    /* its row of rl_kinds (ledger/kinds.h) */
	const char *type;        /* rl_kinds[kind].name */
	int by_log;              /* "issuer":"log": signed with the log key, no signer */
	int64_t signer;          /* a person's statement: signer, key, signed_at */
	const char *key, *signed_at;
	int64_t subject;         /* the user the kind's subject member names (rl_kind_subject); 0: none */
	const char *reason, *reason_commit; /* free text, where the kind has it */
	enum rl_decision decision; /* session_signoff, simulator_import, elearning_confirmation */
	int64_t supersedes;      /* trainer_accreditation, assessment, module_completion: -1 when absent */
	union {
		struct { int64_t faculty; const char *public_key, *registered_at; } faculty_key;
		struct { int64_t user; const char *public_key, *revoked_at; } key_revocation;
		struct { int64_t user; const char *public_key; } device_key;
		struct { struct rl_stmt_curriculum curriculum; const json_t *definition; const char *sha256, *loaded_at; } curriculum;
		struct { int64_t trainee; struct rl_stmt_curriculum curriculum; const char *enrolled_at; } enrolment;
		struct { int64_t trainer; const char *trainer_key, *valid_from, *valid_until; } trainer_acc;
		struct { int64_t trainee; struct rl_stmt_curriculum curriculum; const char *valid_until;
			 const json_t *evidence; /* array of ledger indexes (v2), or NULL */ } acc;
		struct { int64_t subject, accreditation_index; } revocation;
		struct { struct rl_stmt_session session; const char *role; const json_t *steps; } session;
		struct { int64_t trainee, session; const char *tool; const json_t *scores; /* integers */ } assessment;
		struct { int64_t trainee; struct rl_stmt_curriculum curriculum; const char *module; } module;
		struct { int64_t trainee, signoff_index; } withdrawal;
		struct { struct rl_stmt_import import; int unverified_ok; /* -1 absent, else 0 / 1 */ } import;
	} u;
};

/*
 * Reads statement st into *out.  path names the statement in field errors
 * ("statement" gives "statement.session.trainee"; NULL or "" gives
 * "session.trainee").  Every problem is one field error (never stopping
 * at the first): a member the kind requires that is absent or null ("is
 * required"), one of the wrong JSON type ("must be an integer", "must be
 * a string" ...), an id outside 1..2^63-1 or a ledger index outside
 * 0..2^63-1, "v" other than 1 or 2, an unknown "type", "issuer" other
 * than "log", a decision other than the kind's; a code, key, time or
 * hash over 1024 bytes or holding a control character (jsonin.h; free
 * text and text copied from a record or a file are only typed).  Members
 * the kind does not have are not refused here (the server compares the
 * whole statement with the one it rebuilds; docs/ledger.md says which
 * members each kind has).  Returns 0, or -1 with err's fields set; *out holds what could be
 * read either way (an absent or refused member: 0, NULL, -1 for
 * supersedes / verified / unverified_ok).
 */
int rl_statement_read(const json_t *st, const char *path, struct rl_statement *out, struct rl_error *err);

/*
 * The verifier's typed reader (ledger/verify.c), from the flat tree of
 * a statement's canonical text (rl_jcs_scan_canonical) with no jansson
 * value: 1 when the statement is a session_signoff that
 * rl_statement_read reads without a problem, *out then the same record
 * except that out->json and the members kept as JSON (the steps) are
 * NULL, and its strings point into f->text; 0 otherwise (another kind, a
 * problem, a null member, "issuer" present), when the caller reads the
 * JSON way, which also says what is wrong.  tests/fuzz/fuzz_jcs_flat.c holds it to rl_statement_read.
 */
struct rl_jcs_flat;
int rl_statement_read_flat(const struct rl_jcs_flat *f, struct rl_statement *out);

/* The kind named by a statement's "type" (-1 for none); never fails. */
int rl_statement_kind(const json_t *st);

#endif
