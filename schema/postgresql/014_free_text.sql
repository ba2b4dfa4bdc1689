-- 014_free_text.sql (PostgreSQL 15) - schema/014_free_text.sql: free text
-- beside the ledger, erasable without touching the signed entry.

CREATE TABLE ledger_texts (
	ledger_index bigint NOT NULL,
	member       text NOT NULL,
	text         text,                       -- NULL once erased
	salt         text,                       -- 64 lowercase hex (32 bytes); NULL once erased
	erased_at    text,
	erased_by    bigint,                     -- user id; NULL for the operator (raslogd erase-text)
	erase_reason text,
	PRIMARY KEY (ledger_index, member),
	CHECK ((text IS NULL) = (salt IS NULL)),
	CHECK ((text IS NULL) = (erased_at IS NOT NULL))
);
