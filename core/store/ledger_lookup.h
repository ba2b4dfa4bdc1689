/*
 * ledger_lookup.h - reads of ledger rows by index, subject and kind that
 * sign-off acceptance (domain/signoff.c), the tallies (domain/tally.c),
 * credentials (render/credential.c) and the person export
 * (render/export.c) make.  Appending, the tree and the export of entries
 * are the ledger's own (ledger/ledger.c); nothing here writes.
 *
 * Typed values in and out (the convention of core/store/): a lookup
 * returns 1 found, 0 not found, -1 with err; a list calls `each` per row
 * (a non-zero return stops it and is returned).  Text passed to `each`
 * is valid during that call only; a row a lookup returns holds copies.
 * Messages are the stored text, RL_STATEMENT_PREFIX and all (ledger.h):
 * reading a statement out of one is the caller's.
 */
#ifndef RASLOG_LEDGER_LOOKUP_H
#define RASLOG_LEDGER_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* One ledger row.  signer and subject 0 when NULL. */
struct rl_row_ledger_entry {
	int64_t index;
	char kind[48];
	int64_t signer, subject;
	char *message;           /* malloc'd (rl_row_ledger_entry_release); NULL when NULL */
	size_t message_len;
};
void rl_row_ledger_entry_release(struct rl_row_ledger_entry *e);

/* The entry at index. */
int rl_rows_ledger_entry(struct rl_db *db, int64_t index, struct rl_row_ledger_entry *out, struct rl_error *err);

/*
 * The first device_key entry about user whose message holds `needle`
 * (a literal substring) into *index: 1, 0 none, -1.
 */
int rl_rows_ledger_device_key(struct rl_db *db, int64_t user, const char *needle, int64_t *index,
			      struct rl_error *err);

/*
 * The first entry about trainee after index `after` whose message holds
 * needle_a or needle_b (literal substrings), among assessments and module
 * completions (RL_ROWS_SUPERSEDING) or sign-off withdrawals
 * (RL_ROWS_WITHDRAWING), into *index: 1, 0 none, -1.
 */
#define RL_ROWS_SUPERSEDING 0
#define RL_ROWS_WITHDRAWING 1
int rl_rows_ledger_first_naming(struct rl_db *db, int which, int64_t trainee, int64_t after, const char *needle_a,
				const char *needle_b, int64_t *index, struct rl_error *err);

/* The indexes of the entries about subject that make a trainer's key chain (trainer_accreditation, device_key, key_revocation, revocation), ascending. */
int rl_rows_ledger_key_chain(struct rl_db *db, int64_t subject, int (*each)(void *ctx, int64_t index), void *ctx,
			     struct rl_error *err);

/* The indexes of the entries about person or signed by them, ascending: up to max into idx, *n how many. */
int rl_rows_ledger_of_person(struct rl_db *db, int64_t person, int64_t *idx, size_t max, size_t *n,
			     struct rl_error *err);

/* Every accreditation, trainer_accreditation and revocation entry, ascending: (index, message, its length). */
int rl_rows_ledger_accreditations(struct rl_db *db,
				  int (*each)(void *ctx, int64_t index, const char *message, size_t len),
				  void *ctx, struct rl_error *err);

/*
 * Where the entry at index stands among the ledger's entries of kind:
 * 1 with *rank the number of entries of that kind up to and including
 * it (the first is 1), 0 when the entry at index is not of that kind (or
 * there is none), -1 with err.  kind is one of accreditation,
 * trainer_accreditation, revocation.
 */
int rl_rows_ledger_kind_rank(struct rl_db *db, const char *kind, int64_t index, int64_t *rank,
			     struct rl_error *err);

/* The entries about subject after index `after`, ascending: (index, kind, message, its length). */
int rl_rows_ledger_about_after(struct rl_db *db, int64_t subject, int64_t after,
			       int (*each)(void *ctx, int64_t index, const char *kind, const char *message, size_t len),
			       void *ctx, struct rl_error *err);

#endif
