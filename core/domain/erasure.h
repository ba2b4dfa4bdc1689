/*
 * erasure.h - erasing a free text beside the ledger (issue 13 item 3).
 *
 * A version 2 statement commits to its free text (a reason, a session's
 * notes) by a salted SHA-256 and the text with its salt is kept beside
 * the entry (core/ledger/texts.h).  Erasing removes the text and the
 * salt, and the copies of the text in the records (the session's notes or
 * rejection reason, the import's rejection reason, an accreditation's
 * revocation reason); the signed entry, every root and every figure stay
 * as they were, and the entry verifies with the text shown as erased.
 * A version 1 statement embeds its text, which cannot be erased without
 * breaking its signature: refused (409 embedded-text).
 */
#ifndef RASLOG_ERASURE_H
#define RASLOG_ERASURE_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "domain/users.h"
#include "store/db.h"

/*
 * Erases the text of member (a path: "reason", "session.notes"; NULL or
 * "": every text of the entry) of ledger entry index, for reason (1 to
 * 1000 characters).  by is the caller (an administrator, or faculty of
 * the programme of the trainee the entry is about), or NULL for the
 * operator (raslogd erase-text).  *out: {"ledger_index","erased":[paths],
 * "erased_at"}.  Errors: 404 no such entry or no text, 403 not allowed,
 * 409 already-erased / embedded-text, 400 reason or member.
 */
int rl_text_erase(struct rl_db *db, const struct rl_user *by, int64_t index, const char *member,
		  const char *reason, json_t **out, struct rl_error *err);

/* The same with the request body {"reason": string, "member": string (optional)}. */
int rl_text_erase_request(struct rl_db *db, const struct rl_user *by, int64_t index, const json_t *body,
			  json_t **out, struct rl_error *err);

#endif
