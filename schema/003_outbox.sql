-- 003_outbox.sql - the email outbox (issue 17).  A message is queued in
-- the same transaction as the event that causes it, under an idempotency
-- key that names that event, so it is never lost and never queued twice.
-- raslogd's sender (server/mailer.c) claims due messages (state 'sending'
-- with a lease in next_attempt_at), sends them over SMTP and records the
-- outcome: 'sent', or 'failed' with the relay's reply and the time of the
-- next attempt (exponential back-off).  A 'sending' row whose lease has
-- passed belongs to a sender that died; it is due again.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	idempotency_key TEXT NOT NULL UNIQUE,
	recipient       TEXT NOT NULL,
	subject         TEXT NOT NULL,
	body            TEXT NOT NULL,        -- plain text, LF line ends
	state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,        -- RFC 3339 UTC; for 'sending', when the claim lapses
	last_reply      TEXT,                 -- the SMTP server's reply (or why it could not be reached)
	created_at      TEXT NOT NULL,
	sent_at         TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
