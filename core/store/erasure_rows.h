/*
 * erasure_rows.h - the rows erasing a free text touches (docs/ledger.md,
 * Free text): the ledger entry it belongs to (read as text), its
 * ledger_texts rows, and the copies of the same text the records keep
 * (sessions' notes and reasons, imports' and accreditations' reasons,
 * the rejection mail in the outbox).  Whether a caller may erase is
 * decided in domain/erasure.c.  Writers run in the caller's transaction.
 *
 * Text handed to a callback is valid during the call only.
 */
#ifndef RASLOG_ERASURE_ROWS_H
#define RASLOG_ERASURE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/*
 * Calls each with ledger entry index's kind, subject (0: none) and
 * message: 1 found, 0 not, -1 with err.
 */
int rl_rows_erasure_entry(struct rl_db *db, int64_t index,
			  int (*each)(void *ctx, const char *kind, int64_t subject, const char *message, size_t len),
			  void *ctx, struct rl_error *err);
/* *live and *total: the entry's texts at member (NULL: every member) not yet erased, and all.  0, or -1 with err. */
int rl_rows_erasure_count(struct rl_db *db, int64_t index, const char *member, int *live, int *total,
			  struct rl_error *err);
/* Calls each with the member of every text of the entry at member (NULL: any) not yet erased, by member. */
int rl_rows_erasure_live_members(struct rl_db *db, int64_t index, const char *member,
				 int (*each)(void *ctx, const char *member), void *ctx, struct rl_error *err);
/* Erases the entry's texts at member (NULL: every member) at now, by (0: NULL), for reason. */
int rl_rows_erasure_erase(struct rl_db *db, int64_t index, const char *member, const char *now, int64_t by,
			  const char *reason, struct rl_error *err);
/* Clears the records' copies of the text at member of entry index, of kind. */
int rl_rows_erasure_clear_copies(struct rl_db *db, const char *kind, const char *member, int64_t index,
				 struct rl_error *err);

#endif
