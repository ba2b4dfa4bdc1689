-- 014_free_text.sql - free text beside the ledger (issue 13 item 3).
--
-- A statement of version 2 does not embed its free text (a rejection or
-- revocation reason, a session's notes): it commits to each by
-- "<member>_commit":"sha256:<hex of SHA-256(salt || UTF-8 text)>" with a
-- salt of 32 random bytes (docs/ledger.md, Free text).  The text and its
-- salt live here, one row per committed member of an entry, so that a
-- text can be erased (a patient identifier entered by mistake) without
-- touching the signed entry: erasing sets text and salt to NULL and
-- records who, when and why.  member is the text's path in the statement
-- ("reason", "session.notes").

CREATE TABLE ledger_texts (
	ledger_index INTEGER NOT NULL,
	member       TEXT NOT NULL,
	text         TEXT,                       -- NULL once erased
	salt         TEXT,                       -- 64 lowercase hex (32 bytes); NULL once erased
	erased_at    TEXT,
	erased_by    INTEGER,                    -- user id; NULL for the operator (raslogd erase-text)
	erase_reason TEXT,
	PRIMARY KEY (ledger_index, member),
	CHECK ((text IS NULL) = (salt IS NULL)),
	CHECK ((text IS NULL) = (erased_at IS NOT NULL))
) STRICT;
