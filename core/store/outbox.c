/*
 * outbox.c - the durable email outbox; see outbox.h.
 */
#include "base/prelude.h"

#include "store/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

long rl_outbox_backoff(int attempts)
{
	long s = 60;

	for (int i = 1; i < attempts && s < 6 * 3600; i++)
		s *= 2;
	return s < 6 * 3600 ? s : 6 * 3600;
}

int rl_outbox_queue(struct rl_db *db, const char *key, const char *recipient, const char *subject,
		    const char *body, time_t now, struct rl_error *err)
{
	char t[21];
	struct rl_stmt *st = rl_db_stmt(db,
		"INSERT INTO outbox(idempotency_key, recipient, subject, body, next_attempt_at, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING", err);

	if (!st)
		return -1;
	rl_format_rfc3339(now, t);
	rl_bind_text(st, 1, key, -1);
	rl_bind_text(st, 2, recipient, -1);
	rl_bind_text(st, 3, subject, -1);
	rl_bind_text(st, 4, body, -1);
	rl_bind_text(st, 5, t, -1);
	rl_bind_text(st, 6, t, -1);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "queueing an email");
	return rl_db_changes(db) > 0 ? 1 : 0;
}

/* The statements of rl_outbox_queue_rows: 1, 2, 4 ... 64 rows (static: statements are cached by the SQL's address). */
#define ROWS_INSERT "INSERT INTO outbox(idempotency_key, recipient, subject, body, next_attempt_at, created_at) VALUES "
#define ROWS_1 "(?, ?, ?, ?, ?, ?)"
#define ROWS_2 ROWS_1 ", " ROWS_1
#define ROWS_4 ROWS_2 ", " ROWS_2
#define ROWS_8 ROWS_4 ", " ROWS_4
#define ROWS_16 ROWS_8 ", " ROWS_8
#define ROWS_32 ROWS_16 ", " ROWS_16
#define ROWS_64 ROWS_32 ", " ROWS_32
#define ROWS_END " ON CONFLICT(idempotency_key) DO NOTHING"
static const char *const rows_sql[] = {
	ROWS_INSERT ROWS_1 ROWS_END, ROWS_INSERT ROWS_2 ROWS_END, ROWS_INSERT ROWS_4 ROWS_END,
	ROWS_INSERT ROWS_8 ROWS_END, ROWS_INSERT ROWS_16 ROWS_END, ROWS_INSERT ROWS_32 ROWS_END,
	ROWS_INSERT ROWS_64 ROWS_END,
};
#define ROWS_MAX_LOG2 6

int rl_outbox_queue_rows(struct rl_db *db, const struct rl_outbox_row *rows, size_t n, struct rl_error *err)
{
	while (n > 0) {
		int k = ROWS_MAX_LOG2;
		size_t m;
		struct rl_stmt *st;

		while (((size_t)1 << k) > n)
			k--;
		m = (size_t)1 << k;
		if (!(st = rl_db_stmt(db, rows_sql[k], err)))
			return -1;
		for (size_t i = 0; i < m; i++) {
			char t[21];
			int p = (int)i * 6;

			rl_format_rfc3339(rows[i].now, t);
			rl_bind_text(st, p + 1, rows[i].key, -1);
			rl_bind_text(st, p + 2, rows[i].recipient, -1);
			rl_bind_text(st, p + 3, rows[i].subject, -1);
			rl_bind_text(st, p + 4, rows[i].body, -1);
			rl_bind_text(st, p + 5, t, -1);
			rl_bind_text(st, p + 6, t, -1);
		}
		if (rl_step(st) != RL_DONE)
			return rl_db_fail(db, err, "queueing emails");
		rows += m;
		n -= m;
	}
	return 0;
}

int rl_outbox_has(struct rl_db *db, const char *key, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT 1 FROM outbox WHERE idempotency_key = ?", err);
	int rc;

	if (!st)
		return -1;
	rl_bind_text(st, 1, key, -1);
	rc = rl_step(st);
	return rl_db_finish(db, st, rc, "reading the outbox", err);
}

static char *dup_col(struct rl_stmt *st, int i)
{
	const char *s = rl_col_text(st, i);
	return strdup(s ? s : "");
}

void rl_outbox_msgs_free(struct rl_outbox_msg *msgs, int n)
{
	if (!msgs)
		return;
	for (int i = 0; i < n; i++) {
		free(msgs[i].key);
		free(msgs[i].recipient);
		free(msgs[i].subject);
		free(msgs[i].body);
	}
	free(msgs);
}

int rl_outbox_claim(struct rl_db *db, time_t now, int force, int max, struct rl_outbox_msg **out, int *n,
		    struct rl_error *err)
{
	char t[21], lease[21];
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT id, idempotency_key, recipient, subject, body, attempts FROM outbox "
		"WHERE (state IN ('queued', 'failed') AND (?2 <> 0 OR next_attempt_at <= ?1)) "
		"   OR (state = 'sending' AND next_attempt_at <= ?1) "
		"ORDER BY id LIMIT ?3", err);
	struct rl_stmt *up;
	struct rl_outbox_msg *msgs;
	int k = 0, rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	if (!(msgs = calloc((size_t)max, sizeof(*msgs))))
		return rl_error_internal(err, "out of memory");
	rl_format_rfc3339(now, t);
	rl_format_rfc3339(now + RL_OUTBOX_LEASE, lease);
	rl_bind_text(st, 1, t, -1);
	rl_bind_int(st, 2, force ? 1 : 0);
	rl_bind_int(st, 3, max);
	while ((rc = rl_step(st)) == RL_ROW && k < max) {
		struct rl_outbox_msg *m = &msgs[k++];
		m->id = rl_col_int64(st, 0);
		m->key = dup_col(st, 1);
		m->recipient = dup_col(st, 2);
		m->subject = dup_col(st, 3);
		m->body = dup_col(st, 4);
		m->attempts = rl_col_int(st, 5) + 1;
		if (!m->key || !m->recipient || !m->subject || !m->body) {
			rl_outbox_msgs_free(msgs, k);
			return rl_error_internal(err, "out of memory");
		}
	}
	if (rc != RL_ROW && rc != RL_DONE) {
		rl_outbox_msgs_free(msgs, k);
		return rl_db_fail(db, err, "reading the outbox");
	}
	rl_reset(st);
	for (int i = 0; i < k; i++) {
		if (!(up = rl_db_stmt(db, "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
					  "next_attempt_at = ? WHERE id = ?", err))) {
			rl_outbox_msgs_free(msgs, k);
			return -1;
		}
		rl_bind_text(up, 1, lease, -1);
		rl_bind_int64(up, 2, msgs[i].id);
		if (rl_step(up) != RL_DONE) {
			rl_outbox_msgs_free(msgs, k);
			return rl_db_fail(db, err, "claiming an email");
		}
	}
	*out = msgs;
	*n = k;
	return 0;
}

static int finish(struct rl_db *db, int64_t id, const char *state, const char *at, const char *sent_at,
		  const char *reply, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"UPDATE outbox SET state = ?, next_attempt_at = ?, sent_at = ?, last_reply = ? "
		"WHERE id = ? AND state = 'sending'", err);

	if (!st)
		return -1;
	rl_bind_text(st, 1, state, -1);
	rl_bind_text(st, 2, at, -1);
	rl_db_bind_text(st, 3, sent_at);
	rl_db_bind_text(st, 4, reply);
	rl_bind_int64(st, 5, id);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "recording an email's delivery");
	return 0;
}

int rl_outbox_sent(struct rl_db *db, int64_t id, time_t now, const char *reply, struct rl_error *err)
{
	char t[21];

	rl_format_rfc3339(now, t);
	return finish(db, id, "sent", t, t, reply, err);
}

int rl_outbox_failed(struct rl_db *db, int64_t id, time_t now, const char *reply, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "SELECT attempts FROM outbox WHERE id = ?", err);
	char t[21];
	int attempts = 1;

	if (!st)
		return -1;
	rl_bind_int64(st, 1, id);
	if (rl_step(st) == RL_ROW)
		attempts = rl_col_int(st, 0);
	rl_reset(st);
	rl_format_rfc3339(now + rl_outbox_backoff(attempts), t);
	return finish(db, id, "failed", t, NULL, reply, err);
}

int rl_outbox_count(struct rl_db *db, struct rl_outbox_counts *out, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT count(*) FILTER (WHERE state IN ('queued', 'sending')), "
		"count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'sent'), "
		"min(created_at) FILTER (WHERE state <> 'sent') FROM outbox", err);
	const char *oldest;
	time_t t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	if ((rc = rl_step(st)) != RL_ROW)
		return rl_db_finish(db, st, rc, "counting the outbox", err) < 0 ? -1 : 0;
	out->queued = rl_col_int64(st, 0);
	out->failed = rl_col_int64(st, 1);
	out->sent = rl_col_int64(st, 2);
	oldest = rl_col_text(st, 3);
	if (oldest && rl_parse_rfc3339(oldest, &t) == 0 && time(NULL) > t)
		out->oldest_unsent_age = (long long)(time(NULL) - t);
	rl_reset(st);
	return 0;
}

static void set_str(json_t *o, const char *name, struct rl_stmt *st, int i)
{
	const char *s = rl_col_text(st, i);
	json_object_set_new(o, name, s ? json_string(s) : json_null());
}

json_t *rl_outbox_list(struct rl_db *db, const char *state, int limit, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db,
		"SELECT id, idempotency_key, recipient, subject, state, attempts, next_attempt_at, last_reply, "
		"created_at, sent_at FROM outbox WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2", err);
	json_t *list, *o;
	int rc;

	if (!st)
		return NULL;
	rl_db_bind_text(st, 1, state);
	rl_bind_int(st, 2, limit);
	list = json_array();
	while ((rc = rl_step(st)) == RL_ROW) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(rl_col_int64(st, 0)));
		set_str(o, "idempotency_key", st, 1);
		set_str(o, "recipient", st, 2);
		set_str(o, "subject", st, 3);
		set_str(o, "state", st, 4);
		json_object_set_new(o, "attempts", json_integer(rl_col_int(st, 5)));
		set_str(o, "next_attempt_at", st, 6);
		set_str(o, "last_reply", st, 7);
		set_str(o, "created_at", st, 8);
		set_str(o, "sent_at", st, 9);
		json_array_append_new(list, o);
	}
	if (rl_db_finish(db, st, rc, "reading the outbox", err) < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}
