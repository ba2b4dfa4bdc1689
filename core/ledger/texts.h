/*
 * texts.h - free text beside the ledger (issue 13 item 3).
 *
 * A statement does not embed free text (a rejection or revocation reason,
 * a session's notes): from statement version 2 on it commits to each text
 * by a salted SHA-256 in place of the text,
 *
 *   "<name>_commit": "sha256:" || hex(SHA-256(salt || text))
 *
 * (salt: 32 random bytes; text: its UTF-8 bytes; hex lowercase), and the
 * text with its salt (64 lowercase hex) is kept beside the entry (table
 * ledger_texts, schema/014_free_text.sql) and given to those who may see
 * the entry as
 *
 *   "texts": {"<path>": {"text": "...", "salt": "<hex>"}, ...}
 *
 * or, once erased, {"<path>": {"erased_at": "<RFC 3339>"}}.  <path> is
 * the member's path in the statement: "reason", "session.notes".  Erasing
 * a text removes the text and its salt and leaves every signature, root
 * and figure as it was.  A statement is version 2 exactly when it commits
 * to a text; version 1 statements keep whatever text they embedded and
 * verify as before.  docs/ledger.md, "Free text", is the format.
 */
#ifndef RASLOG_TEXTS_H
#define RASLOG_TEXTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

#define RL_TEXT_SALT_BYTES 32
#define RL_TEXT_COMMIT_PREFIX "sha256:"
#define RL_TEXT_COMMIT_LEN 71 /* "sha256:" and 64 hex */

/* The free-text members a statement may carry, as paths ("reason", "session.notes"); NULL-terminated. */
extern const char *const rl_text_members[];

/* The commitment to text (len bytes) under salt, "sha256:<64 hex>", into out[72]. */
void rl_text_commitment(const char *text, size_t len, const uint8_t salt[RL_TEXT_SALT_BYTES], char out[72]);

/*
 * The statement plain (built with its texts embedded, as by the
 * rl_stmt_* builders) sealed: each free text replaced by its
 * "<name>_commit" and "v" set to 2 when there was any (a copy of plain,
 * v 1, when there was none).  texts (an object) receives
 * {"<path>":{"text","salt"}} for each; a salt already in texts[path]
 * (64 lowercase hex) is used again, otherwise a random one is drawn.
 */
json_t *rl_texts_seal(const json_t *plain, json_t *texts);

/*
 * Checks the texts given beside statement st against st's commitments:
 * 0 when consistent, -1 with one sentence in why.  A version 1 statement
 * has no commitments and takes no texts; a version 2 statement commits to
 * at least one text (an accreditation, at version 2 for its evidence, to
 * none), embeds none, and each commitment is well formed.
 * Each text given must be for a committed path and be {"text","salt"}
 * matching its commitment, or {"erased_at": string}; *erased (may be
 * NULL) counts the commitments without a text (erased, or not given).
 */
int rl_texts_check(const json_t *st, const json_t *texts, int *erased, char *why, size_t wsize);

/*
 * rl_texts_check of the statement whose canonical text f is the flat
 * tree of (rl_jcs_scan_canonical), without a jansson value, for the
 * verifier: 1 when rl_texts_check would pass (with *erased as it sets
 * it), 0 when it would not (the caller then calls it for the sentence).
 */
struct rl_jcs_flat;
int rl_texts_check_flat(const struct rl_jcs_flat *f, const json_t *texts, int *erased);

/*
 * The version 2 statement st opened: each "<name>_commit" replaced by
 * its text from texts, "v" 1, i.e. what the rl_stmt_* builders give for
 * the same record.  NULL unless rl_texts_check passes with every text
 * given.  A version 1 statement is returned as a copy.
 */
json_t *rl_texts_open(const json_t *st, const json_t *texts);

/* ------------------------------------------------ beside the entry (ledger_texts) */

/* Stores texts ({"<path>":{"text","salt"}}, as rl_texts_check passed them) for entry index. */
int rl_texts_store(struct rl_db *db, int64_t index, const json_t *texts, struct rl_error *err);

/*
 * Entry index's texts as the "texts" member of its export line gives them
 * ({"<path>":{"text","salt"} or {"erased_at"}}), or NULL (none, or err set).
 */
json_t *rl_texts_of(struct rl_db *db, int64_t index, struct rl_error *err);

#endif
