/*
 * verify.h - the offline verifier of a ledger export.
 *
 * Reads an export (JSON Lines, one {"index","message","public_key",
 * "signature"} object per entry, as GET /api/v1/ledger gives it, or the
 * redacted line {"index","leaf_hash"} for an entry the exporter may not
 * see: its leaf hash goes into the tree unchecked, and the root over all
 * lines must still match the signed head) and
 * re-checks everything from the export and the log's public key alone,
 * knowing nothing of HTTP or of the server's database:
 *
 *   - indexes run 0, 1, 2, ... with nothing missing or repeated;
 *   - each message is "RASLOG-STATEMENT-v1\n" followed by exactly the JCS
 *     (RFC 8785) form of its own parse, a JSON object;
 *   - each Ed25519 signature verifies under the entry's public key;
 *   - the signer had authority at that index, from the ledger alone:
 *       "issuer":"log" statements (faculty_key, key_revocation) are signed
 *         by the log key; faculty_key introduces a faculty trust root;
 *         key_revocation revokes a key from that index on;
 *       trainer_accreditation, accreditation and revocation are signed by
 *         a live faculty key registered to the statement's signer;
 *       session_signoff, assessment and module_completion are signed by
 *         the key that the signer's live trainer_accreditation names, valid
 *         on the date of signed_at (valid_from <= date <= valid_until); a
 *         trainer holds at most one live accreditation (the latest, which
 *         names the one it supersedes), and a revocation of any of theirs
 *         covers the person (core/ledger/authority.h, shared with the server);
 *       nobody signs for themselves (signer != trainee / trainer named);
 *   - the RFC 9162 root over the leaves matches the signed tree head (its
 *     signature checked with the log key, its tree_size == the entries);
 *   - optionally, the export's prefix of a previously saved head's size
 *     hashes to that head's root (the log was only appended to).
 *
 * Signatures, parsing and JCS checks run on opts->threads worker threads
 * (started once) in batches; the results are consumed in index order, so the FIRST bad
 * entry is the one reported.  Formats: docs/ledger.md.
 */
#ifndef RASLOG_VERIFY_H
#define RASLOG_VERIFY_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/error.h"
#include "ledger/stmt.h"

/* Called every opts->progress_every entries (and once at the end) with the entries checked so far. */
typedef void (*rl_verify_progress_fn)(void *ctx, uint64_t done);

struct rl_verify_opts {
	uint8_t log_key[32];          /* the log's Ed25519 public key */
	const char *head;             /* the signed tree head (JSON text) to check against, or NULL */
	const char *old_head;         /* a previously saved head (JSON text) the log must extend, or NULL */
	int threads;                  /* verifying threads; <= 0 means 2 */
	uint64_t progress_every;      /* 0 means 10000 */
	rl_verify_progress_fn progress; /* or NULL */
	void *progress_ctx;
	/*
	 * Or NULL: called for each entry once it has verified, in index
	 * order, with its parsed statement (NULL for a redacted line; the
	 * callee may keep a reference) and where its line is in the input
	 * (byte offset and length, newline included), so that a reader of
	 * the statements (`raslog audit`, domain/recompute.h) need not parse
	 * the export again; read is its members as the verifier read them
	 * (ledger/stmt.h, pointing into statement; NULL with it), so that it
	 * need not read them again either.  Entries after a bad one are never
	 * passed.
	 */
	void (*entry)(void *ctx, int64_t index, const json_t *statement, const struct rl_statement *read,
		      uint64_t offset, size_t len);
	void *entry_ctx;
};

struct rl_verify_result {
	int ok;                     /* 1 when everything verified */
	uint64_t entries;           /* entries read and checked (up to the bad one) */
	uint64_t redacted;          /* of those, redacted lines (only their leaf hash counted) */
	uint64_t one_pass;          /* of those, read in one pass: the server's line shape, the statement proved
				       canonical as it was parsed (the others: jansson, then JCS compared) */
	uint64_t typed;             /* of those, read with no jansson value: a session sign-off's canonical text
				       read into ledger/stmt.h's record directly (only when opts->entry is NULL) */
	uint64_t texts;             /* free texts checked against their statements' commitments (ledger/texts.h) */
	uint64_t texts_erased;      /* commitments whose text was erased (or not given): shown as erased */
	char root_hex[65];          /* the root over all entries (when ok) */
	int head_checked;           /* a head was given and matched */
	uint64_t head_size;         /* its tree_size */
	char head_timestamp[64];    /* its timestamp */
	int old_head_checked;       /* an old head was given and is consistent */
	uint64_t old_head_size;
	char old_head_timestamp[64];
	int64_t bad_index;          /* the first bad entry; -1 when the fault is not one entry (a head) */
	char why[512];              /* one sentence saying what is wrong */
	uint64_t statements[16];    /* counts by type, see rl_verify_type_names (room for more) */
};

/* The statement type names counted in statements[] (NULL-terminated). */
extern const char *const rl_verify_type_names[];

/*
 * Verifies the export read from in.  Returns 0 when it all verified
 * (res->ok = 1), 1 when something is bad (res->ok = 0, bad_index and why
 * say what), or -1 with err set when verification could not be done
 * (unreadable input, a head that is not JSON, out of memory).
 */
int rl_verify_export(FILE *in, const struct rl_verify_opts *opts, struct rl_verify_result *res,
		     struct rl_error *err);

/*
 * The signed statement of one export line (a trailing newline is
 * allowed) read the verifier's one-pass way, for a reader of lines
 * rl_verify_export has already passed (`raslog audit`'s second pass):
 * when the line has the server's shape and its statement is in canonical
 * form, the statement parsed (the caller decrefs it) and *index set;
 * NULL otherwise (a redacted line, another shape), when the caller
 * parses the line with jansson itself.  It checks no signature.  scratch
 * holds the decoded message (reused from call to call; the caller
 * releases it).
 */
json_t *rl_verify_line_statement(const char *line, size_t len, struct rl_buf *scratch, int64_t *index);

#endif
