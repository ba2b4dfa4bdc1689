/*
 * notify.c - trainer reminders; see notify.h.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "outbox.h"
#include "util.h"

#include "banned.h"

/* Whole days from an RFC 3339 time to now (0 if unreadable or in the future). */
static long days_since(const char *t, time_t now)
{
	time_t then;

	if (!t || rl_parse_rfc3339(t, &then) < 0 || then > now)
		return 0;
	return (long)((now - then) / 86400);
}

static int remind(struct rl_db *db, const struct rl_remind_opts *o, sqlite3_int64 trainer, const char *name,
		  const char *email, long waiting, long oldest_days, int *queued, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db,
		"SELECT s.date, u.name, s.activity FROM sessions s JOIN users u ON u.id = s.trainee_id "
		"WHERE s.trainer_id = ? AND s.status = 'pending' ORDER BY s.date, s.id LIMIT ?", err);
	struct rl_buf body = RL_BUF_INIT;
	char key[64], subject[128], today[11];
	long listed = 0;
	int rc;

	if (!st)
		return -1;
	rl_format_date((long)(o->now / 86400), today);
	snprintf(key, sizeof(key), "reminder:%lld:%s", (long long)trainer, today);
	snprintf(subject, sizeof(subject), "raslog: %ld training session%s wait for your signature", waiting,
		 waiting == 1 ? "" : "s");
	rl_buf_printf(&body, "Dear %s,\n\n%ld training session%s logged by your trainees wait%s for your "
		      "signature in raslog", name, waiting, waiting == 1 ? "" : "s", waiting == 1 ? "s" : "");
	if (oldest_days > 0)
		rl_buf_printf(&body, "; the oldest has waited %ld day%s", oldest_days, oldest_days == 1 ? "" : "s");
	rl_buf_puts(&body, ".\n\n  date        trainee                           activity\n");
	sqlite3_bind_int64(st, 1, trainer);
	sqlite3_bind_int(st, 2, RL_REMIND_LIST_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rl_buf_printf(&body, "  %-10s  %-32s  %s\n", (const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
		listed++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rl_buf_release(&body);
		return rl_db_fail(db, err, "listing a trainer's waiting sessions");
	}
	if (listed < waiting)
		rl_buf_printf(&body, "  ... and %ld more\n", waiting - listed);
	if (o->public_url)
		rl_buf_printf(&body, "\nSign or reject them at %s/#/waiting\n", o->public_url);
	else
		rl_buf_puts(&body, "\nSign or reject them on raslog's 'Waiting for me' page, or with 'raslog pending'.\n");
	rl_buf_printf(&body, "\n-- \nYou receive this because sessions wait for your signature; raslog reminds you "
		      "at most once a day, when more than %d wait or one has waited more than %d days.\n"
		      "To change which notifications you receive, %s\n", o->max_waiting, o->max_days,
		      "ask your raslog administrator (notification preferences are not yet in the web page).");
	rc = rl_outbox_queue(db, key, email, subject, body.data, o->now, err);
	rl_buf_release(&body);
	if (rc < 0)
		return -1;
	*queued += rc;
	return 0;
}

int rl_notify_reminders(struct rl_db *db, const struct rl_remind_opts *o, int *queued, struct rl_error *err)
{
	sqlite3_stmt *st = rl_db_stmt(db,
		"SELECT s.trainer_id, u.name, u.email, count(*), min(s.created_at) FROM sessions s "
		"JOIN users u ON u.id = s.trainer_id WHERE s.status = 'pending' "
		"GROUP BY s.trainer_id ORDER BY s.trainer_id", err);
	struct due { sqlite3_int64 trainer; char name[256], email[256]; long waiting, days; } *due = NULL;
	size_t n = 0, alloc = 0;
	int rc, result = 0;

	*queued = 0;
	if (!st)
		return -1;
	/* Collect first: remind() uses other statements on the same connection. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long waiting = (long)sqlite3_column_int64(st, 3);
		long days = days_since((const char *)sqlite3_column_text(st, 4), o->now);

		if (waiting <= o->max_waiting && days <= o->max_days)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			void *p = realloc(due, na * sizeof(*due));
			if (!p) {
				sqlite3_reset(st);
				free(due);
				return rl_error_internal(err, "out of memory");
			}
			due = p;
			alloc = na;
		}
		due[n].trainer = sqlite3_column_int64(st, 0);
		snprintf(due[n].name, sizeof(due[n].name), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(due[n].email, sizeof(due[n].email), "%s", (const char *)sqlite3_column_text(st, 2));
		due[n].waiting = waiting;
		due[n].days = days;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(due);
		return rl_db_fail(db, err, "finding the trainers to remind");
	}
	for (size_t i = 0; i < n && result == 0; i++)
		result = remind(db, o, due[i].trainer, due[i].name, due[i].email, due[i].waiting, due[i].days,
				queued, err);
	free(due);
	return result;
}
