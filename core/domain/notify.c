/*
 * notify.c - trainer reminders, trainee decision and progress mail, the
 * faculty digest and everyone's preferences; see notify.h.
 */
#include "base/prelude.h"

#include "domain/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/codes.h"
#include "store/notify_rows.h"
#include "store/outbox.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "domain/sessions.h"
#include "domain/statements.h"
#include "base/util.h"

/* Whole days from an RFC 3339 time to now (0 if unreadable or in the future). */
static long days_since(const char *t, time_t now)
{
	time_t then;

	if (!t || rl_parse_rfc3339(t, &then) < 0 || then > now)
		return 0;
	return (long)((now - then) / 86400);
}

const char *const rl_notify_kind_names[RL_NOTIFY_KINDS] = { "reminders", "decisions", "digest" };

/* The last lines of every message: why it came, and the link to change that. */
static void footer(struct rl_buf *b, const char *public_url, const char *why)
{
	rl_buf_printf(b, "\n-- \n%s\nTo change which notifications you receive, ", why);
	if (public_url)
		rl_buf_printf(b, "go to %s" RL_NOTIFY_SETTINGS "\n", public_url);
	else
		rl_buf_puts(b, "open Settings > Notifications in raslog.\n");
}

/* public_url without trailing slashes into out[512], or NULL when there is none. */
static const char *base_url(const char *url, char out[512])
{
	size_t n;

	if (!url || !*url)
		return NULL;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	snprintf(out, 512, "%.*s", (int)n, url);
	return out;
}

/* A reminder's body under way, a line per waiting session. */
struct remind_list {
	struct rl_buf *body;
	long listed;
};

static int remind_line(void *ctx, const struct rl_row_notify_waiting *row)
{
	struct remind_list *l = ctx;

	rl_buf_printf(l->body, "  %-10s  %-32s  %s\n", row->date, row->trainee_name, row->activity);
	l->listed++;
	return 0;
}

static int remind(struct rl_db *db, const struct rl_remind_opts *o, int64_t trainer, const char *name,
		  const char *email, long waiting, long oldest_days, int *queued, struct rl_error *err)
{
	struct rl_buf body = RL_BUF_INIT;
	struct remind_list list = { &body, 0 };
	char key[64], subject[128], today[11];
	long listed;
	int rc;

	rl_format_date((long)(o->now / 86400), today);
	snprintf(key, sizeof(key), "reminder:%lld:%s", (long long)trainer, today);
	snprintf(subject, sizeof(subject), "raslog: %ld training session%s wait for your signature", waiting,
		 waiting == 1 ? "" : "s");
	rl_buf_printf(&body, "Dear %s,\n\n%ld training session%s logged by your trainees wait%s for your "
		      "signature in raslog", name, waiting, waiting == 1 ? "" : "s", waiting == 1 ? "s" : "");
	if (oldest_days > 0)
		rl_buf_printf(&body, "; the oldest has waited %ld day%s", oldest_days, oldest_days == 1 ? "" : "s");
	rl_buf_puts(&body, ".\n\n  date        trainee                           activity\n");
	if (rl_rows_notify_waiting_sessions(db, trainer, RL_REMIND_LIST_MAX, remind_line, &list, err) < 0) {
		rl_buf_release(&body);
		return -1;
	}
	listed = list.listed;
	if (listed < waiting)
		rl_buf_printf(&body, "  ... and %ld more\n", waiting - listed);
	if (o->public_url)
		rl_buf_printf(&body, "\nSign or reject them at %s/#/waiting\n", o->public_url);
	else
		rl_buf_puts(&body, "\nSign or reject them on raslog's 'Waiting for me' page, or with 'raslog pending'.\n");
	{
		char why[256];
		snprintf(why, sizeof(why), "You receive this because sessions wait for your signature; raslog reminds "
			 "you at most once a day, when more than %d wait or one has waited more than %d days.",
			 o->max_waiting, o->max_days);
		footer(&body, o->public_url, why);
	}
	rc = rl_buf_failed(&body) ? rl_error_internal(err, "cannot build the reminder mail")
				  : rl_outbox_queue(db, key, email, subject, body.data, o->now, err);
	rl_buf_release(&body);
	if (rc < 0)
		return -1;
	*queued += rc;
	return 0;
}

/* The trainers due a reminder, collected first: remind() uses other statements on the same connection. */
struct due {
	int64_t trainer;
	char name[256], email[256];
	long waiting, days;
};
struct due_list {
	const struct rl_remind_opts *o;
	struct due *due;
	size_t n, alloc;
	struct rl_error *err;
};

static int due_trainer(void *ctx, const struct rl_row_notify_trainer *row)
{
	struct due_list *l = ctx;
	const struct rl_remind_opts *o = l->o;
	long waiting = (long)row->waiting;
	long days = days_since(row->oldest, o->now);
	/* The trainer's programme may set its own thresholds (schema/012_programmes.sql). */
	long long pw = row->programme_count, pd = row->programme_days;
	long long max_waiting = pw >= 0 ? pw : o->max_waiting, max_days = pd >= 0 ? pd : o->max_days;

	if (waiting <= max_waiting && days <= max_days)
		return 0;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		void *p = realloc(l->due, na * sizeof(*l->due));
		if (!p)
			return rl_error_internal(l->err, "out of memory");
		l->due = p;
		l->alloc = na;
	}
	l->due[l->n].trainer = row->trainer;
	snprintf(l->due[l->n].name, sizeof(l->due[l->n].name), "%s", row->name);
	snprintf(l->due[l->n].email, sizeof(l->due[l->n].email), "%s", row->email);
	l->due[l->n].waiting = waiting;
	l->due[l->n].days = days;
	l->n++;
	return 0;
}

int rl_notify_reminders(struct rl_db *db, const struct rl_remind_opts *o, int *queued, struct rl_error *err)
{
	struct due_list l = { .o = o, .err = err };
	int result = 0;

	*queued = 0;
	if (rl_rows_notify_trainers_waiting(db, due_trainer, &l, err) != 0) {
		free(l.due);
		return -1;
	}
	for (size_t i = 0; i < l.n && result == 0; i++)
		result = remind(db, o, l.due[i].trainer, l.due[i].name, l.due[i].email, l.due[i].waiting,
				l.due[i].days, queued, err);
	free(l.due);
	return result;
}

/* ---- preferences -------------------------------------------------------------------- */

json_t *rl_notify_prefs_get(struct rl_db *db, int64_t user, struct rl_error *err)
{
	int reminders, decisions, digest;
	int rc = rl_rows_notify_prefs(db, user, &reminders, &decisions, &digest, err);

	if (rc == 0)
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no user %lld", (long long)user);
	if (rc != 1)
		return NULL;
	return json_pack("{s:b,s:b,s:b}", "reminders", reminders, "decisions", decisions, "digest", digest);
}

int rl_notify_prefs_parse(const json_t *body, int want[RL_NOTIFY_KINDS], struct rl_error *err)
{
	const char *k;
	json_t *v;
	int any = 0;

	for (int i = 0; i < RL_NOTIFY_KINDS; i++)
		want[i] = -1;
	if (!json_is_object(body))
		return rl_error_field(err, "", "must be an object like {\"reminders\":true,\"decisions\":true,\"digest\":false}");
	json_object_foreach((json_t *)body, k, v) {
		int i;
		for (i = 0; i < RL_NOTIFY_KINDS && strcmp(k, rl_notify_kind_names[i]) != 0; i++)
			;
		if (i == RL_NOTIFY_KINDS)
			return rl_error_field(err, k, "is not a notification kind; the kinds are reminders, decisions and digest");
		if (!json_is_boolean(v))
			return rl_error_field(err, k, "must be true or false");
		want[i] = json_is_true(v);
		any = 1;
	}
	if (!any)
		return rl_error_field(err, "", "name at least one of reminders, decisions and digest");
	return 0;
}

int rl_notify_prefs_put(struct rl_db *db, int64_t user, const int want[RL_NOTIFY_KINDS], json_t **out,
			struct rl_error *err)
{
	json_t *cur = rl_notify_prefs_get(db, user, err);
	int v[RL_NOTIFY_KINDS];
	char now[21];

	*out = NULL;
	if (!cur)
		return -1;
	for (int i = 0; i < RL_NOTIFY_KINDS; i++)
		v[i] = want[i] >= 0 ? want[i] : json_is_true(json_object_get(cur, rl_notify_kind_names[i]));
	json_decref(cur);
	rl_now_rfc3339(now);
	if (rl_rows_notify_prefs_put(db, user, v[RL_NOTIFY_REMINDERS], v[RL_NOTIFY_DECISIONS], v[RL_NOTIFY_DIGEST],
				     now, err) < 0)
		return -1;
	*out = json_pack("{s:b,s:b,s:b}", "reminders", v[0], "decisions", v[1], "digest", v[2]);
	return 0;
}

/* ---- trainee mail ------------------------------------------------------------------- */

/* Name, email and whether they want mail of kind (RL_NOTIFY_DECISIONS or _REMINDERS); 0 for no such user. */
static int person_wants(struct rl_db *db, int64_t id, enum rl_notify_kind kind, struct rl_row_notify_person *p,
			struct rl_error *err)
{
	return rl_rows_notify_person(db, id, kind == RL_NOTIFY_REMINDERS, p, err) < 0 ? -1 : 0;
}

static int person_of(struct rl_db *db, int64_t id, struct rl_row_notify_person *p, struct rl_error *err)
{
	return person_wants(db, id, RL_NOTIFY_DECISIONS, p, err);
}

#define DECISIONS_WHY "You receive this because a trainer decided on a session you logged in raslog."
#define PROGRESS_WHY "You receive this because your progress in raslog changed."

/*
 * The decision mails of the writer's batch (rl_notify_writer_hooks): the
 * sign-off's job adds its message here, and the batch's flush inserts them
 * all, in the sign-offs' transaction, in a few multi-row statements
 * (rl_outbox_queue_rows): SQLite's cost of a one-row INSERT into the outbox
 * and its two indexes is mostly the statement's.  A job rolled back to its
 * savepoint takes its message with it; a batch that fails takes them all.
 * Outside such a batch (another writer's hooks, a direct call) a message is
 * inserted at once.  Only the writer's thread touches this.
 */
struct mail {
	char key[64];           /* "decision:<ledger index>" */
	char *recipient, *subject, *body; /* malloc'd */
	time_t now;             /* when its job queued it (created_at) */
};
static struct {
	struct rl_db *db;       /* the batch's connection; NULL outside one */
	struct mail *m;
	size_t n, alloc;
	size_t job_from;        /* the running job's first message */
} mails;

static void mails_drop(size_t from)
{
	while (mails.n > from) {
		struct mail *m = &mails.m[--mails.n];
		free(m->recipient);
		free(m->subject);
		free(m->body);
	}
}

/* Queues a decision mail: kept for the batch's flush when there is one on db (body is taken then), else inserted now. */
static int mail_queue(struct rl_db *db, const char *key, const char *recipient, const char *subject,
		      struct rl_buf *body, time_t now, struct rl_error *err)
{
	struct mail *m;

	if (rl_buf_failed(body))
		return rl_error_internal(err, "cannot build the decision mail");
	if (mails.db != db || strlen(key) >= sizeof(m->key))
		return rl_outbox_queue(db, key, recipient, subject, body->data, now, err) < 0 ? -1 : 0;
	if (mails.n == mails.alloc) {
		size_t na = mails.alloc ? mails.alloc * 2 : 64;
		void *p = realloc(mails.m, na * sizeof(*mails.m));
		if (!p)
			return rl_outbox_queue(db, key, recipient, subject, body->data, now, err) < 0 ? -1 : 0;
		mails.m = p;
		mails.alloc = na;
	}
	m = &mails.m[mails.n];
	snprintf(m->key, sizeof(m->key), "%s", key);
	m->now = now;
	m->recipient = strdup(recipient);
	m->subject = strdup(subject);
	m->body = rl_buf_detach(body, NULL);
	if (!m->recipient || !m->subject || !m->body) {
		free(m->recipient);
		free(m->subject);
		free(m->body);
		return rl_error_internal(err, "out of memory");
	}
	mails.n++;
	return 0;
}

static void mails_begin(struct rl_db *db)
{
	mails_drop(0);
	mails.db = db;
}

static void mails_job(struct rl_db *db)
{
	mails.job_from = mails.n;
}

static void mails_undo(struct rl_db *db)
{
	mails_drop(mails.job_from);
}

static int mails_flush(struct rl_db *db, struct rl_error *err)
{
	struct rl_outbox_row *rows;
	int rc;

	if (!mails.n)
		return 0;
	if (!(rows = calloc(mails.n, sizeof(*rows))))
		return rl_error_internal(err, "out of memory");
	for (size_t i = 0; i < mails.n; i++)
		rows[i] = (struct rl_outbox_row){ .key = mails.m[i].key, .recipient = mails.m[i].recipient,
						  .subject = mails.m[i].subject, .body = mails.m[i].body,
						  .now = mails.m[i].now };
	rc = rl_outbox_queue_rows(db, rows, mails.n, err);
	free(rows);
	mails_drop(0);
	return rc;
}

static void mails_end(struct rl_db *db)
{
	mails_drop(0);
	mails.db = NULL;
}

static void mails_stop(struct rl_db *db)
{
	mails_drop(0);
	free(mails.m);
	mails.m = NULL;
	mails.alloc = 0;
	mails.db = NULL;
}

/* The decision mails' layer (notify.h). */
const struct rl_writer_hooks rl_notify_writer_hooks = {
	.begin = mails_begin,
	.job = mails_job,
	.undo = mails_undo,
	.flush = mails_flush,
	.end = mails_end,
	.stop = mails_stop,
};

/*
 * The decision on a session: date, activity, who decided, and for a rejection the reason; never notes or scores.
 * The signer is the requesting user me (rl_signoff_check refuses any other), whose name the request's
 * authentication read: no second read of it.
 */
static int queue_decision(struct rl_db *db, const struct rl_user *me, const struct rl_signoff *so, const char *url,
			  time_t now, struct rl_error *err)
{
	const json_t *st = so->statement, *s = json_object_get(st, "session");
	const char *decision = json_string_value(json_object_get(st, "decision"));
	const char *reason = json_string_value(json_object_get(st, "reason"));
	const char *date = json_string_value(json_object_get(s, "date"));
	const char *activity = json_string_value(json_object_get(s, "activity"));
	int rejected = decision && strcmp(decision, "rejected") == 0;
	struct rl_buf body = RL_BUF_INIT;
	struct rl_row_notify_person trainee, trainer;
	char key[64], subject[160];
	int rc;

	if (person_of(db, json_integer_value(json_object_get(s, "trainee")), &trainee, err) < 0)
		return -1;
	if (!trainee.wants || !trainee.email[0])
		return 0;
	if (me && me->id == so->signer && me->name[0])
		snprintf(trainer.name, sizeof(trainer.name), "%s", me->name);
	else if (person_of(db, so->signer, &trainer, err) < 0)
		return -1;
	snprintf(key, sizeof(key), "decision:%lld", (long long)so->ledger_index);
	snprintf(subject, sizeof(subject), "raslog: your session of %s was %s", date ? date : "?",
		 rejected ? "rejected" : "signed");
	rl_buf_printf(&body, "Dear %s,\n\n%s %s your %s session of %s in raslog.\n", trainee.name, trainer.name,
		      rejected ? "rejected" : "signed", activity ? activity : "", date ? date : "?");
	if (rejected && reason) {
		rl_buf_puts(&body, "\nThe reason given:\n\n  ");
		for (const char *p = reason; *p; p++) {
			if (*p == '\r')
				continue;
			rl_buf_putc(&body, *p);
			if (*p == '\n')
				rl_buf_puts(&body, "  ");
		}
		rl_buf_puts(&body, "\n");
	}
	if (url)
		rl_buf_printf(&body, "\nSee your sessions at %s/#/progress\n", url);
	footer(&body, url, DECISIONS_WHY);
	rc = mail_queue(db, key, trainee.email, subject, &body, now, err);
	rl_buf_release(&body);
	return rc;
}

void rl_notify_snap_release(struct rl_notify_snap *snap)
{
	json_decref(snap->met);
	snap->met = NULL;
}

int rl_notify_snapshot(struct rl_db *db, int64_t trainee, struct rl_notify_snap *snap, struct rl_error *err)
{
	json_t *summary = NULL, *m;
	char *text;
	size_t i;
	int peeked;

	memset(snap, 0, sizeof(*snap));
	snap->trainee = trainee;
	snap->met = json_object();
	/*
	 * In a writer's batch the row may wait for the batch's flush (what it is to write), or be the one the
	 * batch's memo knows it wrote: either is given without reading the row (progress_batch.h).
	 */
	if ((peeked = rl_progress_peek(db, trainee, snap->status, sizeof(snap->status), &summary, err)) < 0)
		return -1;
	if (!peeked) {
		if (rl_rows_notify_trainee_status(db, trainee, snap->status, sizeof(snap->status), &text, err) < 0)
			return -1;
		summary = text ? json_loads(text, 0, NULL) : NULL;
		free(text);
	}
	json_array_foreach(summary, i, m) {
		const char *id = json_string_value(json_object_get(m, "module"));
		const char *title = json_string_value(json_object_get(m, "title"));
		const char *status = json_string_value(json_object_get(m, "status"));
		if (id && status && strcmp(status, "met") == 0)
			json_object_set_new(snap->met, id, json_string(title ? title : id));
	}
	json_decref(summary);
	return 0;
}

static int milestone(struct rl_db *db, int64_t trainee, const char *kind, const char *module, int64_t index,
		     const char *at, struct rl_error *err)
{
	return rl_rows_notify_milestone_insert(db, trainee, kind, module, index, at, err);
}

int rl_notify_progress(struct rl_db *db, const struct rl_notify_snap *before, int64_t ledger_index,
		       const char *public_url, time_t now, struct rl_error *err)
{
	struct rl_notify_snap after;
	struct rl_buf body = RL_BUF_INIT;
	struct rl_row_notify_person trainee;
	const char *id;
	json_t *title;
	char at[21], key[64], url_buf[512];
	const char *url = base_url(public_url, url_buf);
	int eligible, nmet = 0, rc = -1;

	if (rl_notify_snapshot(db, before->trainee, &after, err) < 0) {
		rl_notify_snap_release(&after);
		return -1;
	}
	rl_format_rfc3339(now, at);
	/* Eligible again after a revoked or lapsed accreditation is no news. */
	eligible = strcmp(after.status, "eligible") == 0 && (!before->status[0] || strcmp(before->status, "in_training") == 0);
	json_object_foreach(after.met, id, title) {
		if (json_object_get(before->met, id))
			continue;
		if (milestone(db, before->trainee, "module", id, ledger_index, at, err) < 0)
			goto out;
		nmet++;
	}
	if (eligible && milestone(db, before->trainee, "eligible", NULL, ledger_index, at, err) < 0)
		goto out;
	rc = 0;
	if ((!nmet && !eligible) || person_of(db, before->trainee, &trainee, err) < 0 || !trainee.wants ||
	    !trainee.email[0]) {
		rc = err->status ? -1 : 0;
		goto out;
	}
	rl_buf_printf(&body, "Dear %s,\n\n", trainee.name);
	if (nmet) {
		rl_buf_printf(&body, "Your signed evidence in raslog now meets %s:\n\n",
			      nmet == 1 ? "a module of your curriculum" : "these modules of your curriculum");
		json_object_foreach(after.met, id, title)
			if (!json_object_get(before->met, id))
				rl_buf_printf(&body, "  %s (%s)\n", json_string_value(title), id);
		rl_buf_puts(&body, "\n");
	}
	if (eligible)
		rl_buf_puts(&body, "You have now met every requirement of your curriculum and are eligible for "
				   "accreditation; faculty can now accredit you.\n\n");
	if (url)
		rl_buf_printf(&body, "See your progress at %s/#/progress\n", url);
	footer(&body, url, PROGRESS_WHY);
	snprintf(key, sizeof(key), "progress:%lld", (long long)ledger_index);
	rc = rl_buf_failed(&body) ? rl_error_internal(err, "cannot build the progress mail") : rl_outbox_queue(db, key, trainee.email,
			     eligible ? "raslog: you are eligible for accreditation"
				      : nmet == 1 ? "raslog: you met a module" : "raslog: you met modules",
			     body.data, now, err) < 0 ? -1 : 0;
out:
	rl_buf_release(&body);
	rl_notify_snap_release(&after);
	return rc;
}

/* ---- corrections ------------------------------------------------------------------- */

#define CORRECTED_WHY "You receive this because a session you logged in raslog was corrected."
#define WITHDRAWN_WHY "You receive this because a session waiting for your signature in raslog changed."

struct corrected {
	int64_t session, trainee, trainer, revision;
	char date[16], activity[64], status[16];
};

static int corrected_load(struct rl_db *db, int64_t id, struct corrected *c, struct rl_error *err)
{
	struct rl_row_notify_session s;
	int rc = rl_rows_notify_session(db, id, &s, err);

	memset(c, 0, sizeof(*c));
	c->session = id;
	if (rc < 0)
		return -1;
	if (rc == 0)
		return rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no session %lld", (long long)id);
	c->trainee = s.trainee;
	c->trainer = s.trainer;
	c->revision = s.revision;
	snprintf(c->date, sizeof(c->date), "%s", s.date);
	snprintf(c->activity, sizeof(c->activity), "%s", s.activity);
	snprintf(c->status, sizeof(c->status), "%s", s.status);
	return 0;
}

static int queue_mail(struct rl_db *db, struct rl_buf *body, const char *key, const char *to, const char *subject,
		      time_t now, struct rl_error *err)
{
	if (rl_buf_failed(body))
		return rl_error_internal(err, "cannot build a message");
	return rl_outbox_queue(db, key, to, subject, body->data, now, err) < 0 ? -1 : 0;
}

/* Tells trainer that trainee c->trainee changed a session that waits (or waited) for them. */
static int tell_trainer(struct rl_db *db, const struct corrected *c, int64_t trainer, const char *trainee_name,
			const char *url, time_t now, struct rl_error *err)
{
	struct rl_buf body = RL_BUF_INIT;
	struct rl_row_notify_person p;
	const char *what;
	char key[96], subject[160];
	int rc;

	if (person_wants(db, trainer, RL_NOTIFY_REMINDERS, &p, err) < 0)
		return -1;
	if (!p.wants || !p.email[0])
		return 0;
	if (strcmp(c->status, "withdrawn") == 0)
		what = "withdrew";
	else if (trainer != c->trainer)
		what = "moved to another trainer";
	else
		what = "corrected";
	snprintf(key, sizeof(key), "correction:%lld:%lld:%lld", (long long)c->session, (long long)c->revision,
		 (long long)trainer);
	snprintf(subject, sizeof(subject), "raslog: %s %s a session of %s", trainee_name, what, c->date);
	rl_buf_printf(&body, "Dear %s,\n\n%s %s their %s session of %s, which %s your signature.\n", p.name,
		      trainee_name, what, c->activity, c->date,
		      trainer == c->trainer && strcmp(c->status, "pending") == 0 ? "waits for" : "no longer waits for");
	if (url && trainer == c->trainer && strcmp(c->status, "pending") == 0)
		rl_buf_printf(&body, "\nSee what waits for you at %s/#/waiting\n", url);
	footer(&body, url, WITHDRAWN_WHY);
	rc = queue_mail(db, &body, key, p.email, subject, now, err);
	rl_buf_release(&body);
	return rc;
}

int rl_notify_corrected(struct rl_db *db, int64_t session, int64_t by, int64_t was_trainer, int64_t ledger_index,
			const char *public_url, time_t now, struct rl_error *err)
{
	struct corrected c;
	struct rl_row_notify_person trainee, corrector;
	struct rl_buf body = RL_BUF_INIT;
	char key[64], subject[160], url_buf[512];
	const char *url = base_url(public_url, url_buf);
	int rc;

	if (corrected_load(db, session, &c, err) < 0 || person_of(db, c.trainee, &trainee, err) < 0)
		return -1;
	if (by == c.trainee) {
		if (tell_trainer(db, &c, c.trainer, trainee.name, url, now, err) < 0)
			return -1;
		if (was_trainer > 0 && was_trainer != c.trainer)
			return tell_trainer(db, &c, was_trainer, trainee.name, url, now, err);
		return 0;
	}
	if (person_wants(db, by, RL_NOTIFY_DECISIONS, &corrector, err) < 0)
		return -1;
	if (!trainee.wants || !trainee.email[0])
		return 0;
	if (ledger_index > 0)
		snprintf(key, sizeof(key), "correction:%lld", (long long)ledger_index);
	else
		snprintf(key, sizeof(key), "correction:%lld:%lld", (long long)c.session, (long long)c.revision);
	snprintf(subject, sizeof(subject), "raslog: your session of %s was corrected", c.date);
	rl_buf_printf(&body, "Dear %s,\n\n%s corrected the record of your %s session of %s in raslog.\n", trainee.name,
		      corrector.name[0] ? corrector.name : "Someone", c.activity, c.date);
	if (url)
		rl_buf_printf(&body, "\nSee your sessions at %s/#/progress\n", url);
	footer(&body, url, CORRECTED_WHY);
	rc = queue_mail(db, &body, key, trainee.email, subject, now, err);
	rl_buf_release(&body);
	return rc;
}

/* The trainee a statement is about, before it is applied (0: none). */
static int64_t trainee_of(const json_t *st)
{
	const char *type = json_string_value(json_object_get(st, "type"));

	if (!type)
		return 0;
	if (strcmp(type, "session_signoff") == 0)
		return json_integer_value(json_object_get(json_object_get(st, "session"), "trainee"));
	if (strcmp(type, "revocation") == 0)
		return json_integer_value(json_object_get(st, "subject"));
	return json_integer_value(json_object_get(st, "trainee"));
}

int rl_notify_signoff(struct rl_db *db, const struct rl_user *me, struct rl_signoff *so, const char *public_url,
		      struct rl_error *err)
{
	struct rl_notify_snap before = { 0 };
	int64_t trainee = trainee_of(so->statement);
	char url_buf[512];
	const char *url = base_url(public_url, url_buf);
	time_t now = time(NULL);
	int rc;

	/*
	 * "Before" is the trainee's status row as the ledger gives it: a tampered or stale one is repaired
	 * (and named) first, so it never decides what is mailed.  "After" is the row the sign-off's own
	 * refresh wrote and sealed.
	 */
	if (trainee > 0 && (rl_progress_verify(db, trainee, err) < 0 || rl_notify_snapshot(db, trainee, &before, err) < 0)) {
		rl_notify_snap_release(&before);
		return -1;
	}
	rc = rl_signoff_apply(db, me, so, err);
	if (rc == 0 && strcmp(rl_stmt_type(so->statement), "session_signoff") == 0)
		rc = queue_decision(db, me, so, url, now, err);
	if (rc == 0 && trainee > 0)
		rc = rl_notify_progress(db, &before, so->ledger_index, url, now, err);
	if (trainee > 0)
		rl_notify_snap_release(&before);
	return rc;
}

/* ---- the faculty digest ------------------------------------------------------------- */

void rl_iso_week(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

/* A list of the digest under way: its lines go to b, n counts its rows. */
struct digest_list {
	struct rl_buf *b;
	const char *url;
	long n;
};

static int digest_eligible(void *ctx, const struct rl_row_notify_trainee *row)
{
	struct digest_list *l = ctx;

	if (l->n++ < RL_DIGEST_LIST_MAX) {
		rl_buf_printf(l->b, "  %s  %s", row->since, row->name);
		if (l->url)
			rl_buf_printf(l->b, "  %s/#/trainee/%lld", l->url, (long long)row->id);
		rl_buf_puts(l->b, "\n");
	}
	return 0;
}

static int digest_stuck(void *ctx, const struct rl_row_notify_trainee *row)
{
	struct digest_list *l = ctx;
	const char *last = row->last_signed;
	const char *oldest = row->oldest_pending;

	if (!l->n)
		rl_buf_printf(l->b, "  %-32s  %-11s  %-14s  %s\n", "trainee", "last signed", "waiting since", "waiting");
	if (l->n < RL_DIGEST_LIST_MAX) {
		rl_buf_printf(l->b, "  %-32s  %-11.10s  %-14.10s  %lld", row->name, last ? last : "never",
			      oldest ? oldest : "-", (long long)row->waiting);
		if (l->url)
			rl_buf_printf(l->b, "  %s/#/trainee/%lld", l->url, (long long)row->id);
		rl_buf_puts(l->b, "\n");
	}
	l->n++;
	return 0;
}

static int digest_queue(void *ctx, const struct rl_row_notify_queue *row)
{
	struct digest_list *l = ctx;

	if (!l->n++)
		rl_buf_printf(l->b, "  %-32s  %-7s  %s\n", "trainer", "waiting", "oldest since");
	rl_buf_printf(l->b, "  %-32s  %-7lld  %s\n", row->trainer_name, (long long)row->waiting, row->oldest);
	return 0;
}

/* The digest's body after the greeting, about the trainees of faculty member fac's programmes (sessions.h). */
static int digest_body(struct rl_db *db, const struct rl_digest_opts *o, const struct rl_user *fac, const char *url,
		       struct rl_buf *b, struct rl_error *err)
{
	char week_ago[21], cutoff[21], today[11], week[16];
	struct digest_list l = { b, url, 0 };
	int64_t eligible;
	long n;

	rl_format_rfc3339(o->now - 7 * 86400, week_ago);
	rl_format_rfc3339(o->now - (time_t)o->stuck_days * 86400, cutoff);
	rl_format_date((long)(o->now / 86400), today);
	rl_iso_week(o->now, week);
	rl_buf_printf(b, "raslog's weekly digest for %s (%s).\n\n", week, today);

	/* Newly eligible: a milestone in the last 7 days, still eligible now. */
	rl_buf_puts(b, "Newly eligible for accreditation (last 7 days):\n");
	if (rl_rows_notify_newly_eligible(db, fac->id, week_ago, digest_eligible, &l, err) < 0)
		return -1;
	n = l.n;
	if (n > RL_DIGEST_LIST_MAX)
		rl_buf_printf(b, "  ... and %ld more\n", n - RL_DIGEST_LIST_MAX);
	if (!n)
		rl_buf_puts(b, "  none\n");
	if (rl_rows_notify_eligible_count(db, fac->id, &eligible, err) < 0)
		return -1;
	rl_buf_printf(b, "Eligible and awaiting accreditation, in all: %ld", (long)eligible);
	if (url)
		rl_buf_printf(b, "  %s/#/accreditation", url);
	rl_buf_puts(b, "\n\n");

	/*
	 * Stuck: in training, nothing signed since the cut-off (or since joining), or a session waiting since
	 * before it (store/notify_rows.h reads "last signed" as the stuck report does).
	 */
	rl_buf_printf(b, "Stuck trainees (nothing signed for more than %d days, or a session waiting more than %d days):\n",
		      o->stuck_days, o->stuck_days);
	l.n = 0;
	if (rl_rows_notify_stuck(db, fac->id, cutoff, digest_stuck, &l, err) < 0)
		return -1;
	n = l.n;
	if (n > RL_DIGEST_LIST_MAX)
		rl_buf_printf(b, "  ... and %ld more\n", n - RL_DIGEST_LIST_MAX);
	rl_buf_printf(b, "  %s: %ld\n\n", n ? "in all" : "none", n);

	/* The longest queues. */
	rl_buf_puts(b, "Trainers with the longest queues:\n");
	l.n = 0;
	if (rl_rows_notify_queues(db, fac->id, RL_DIGEST_TRAINERS, digest_queue, &l, err) < 0)
		return -1;
	if (!l.n)
		rl_buf_puts(b, "  none: no session waits for a signature\n");
	return 0;
}

/*
 * The digest picks and counts trainees by their status rows (trainee_status),
 * so it reads them as the accreditation list does: every row is checked
 * first (its seal, the trainee's last ledger entry and pending claims,
 * progress.h), and one that fails is rebuilt from the ledger, each
 * difference handed to rl_progress_report_drift (a figures.drift audit
 * event once the batch commits), before any digest is written.  We run on
 * the writer, in its transaction.  0, or -1 with err.
 */
static int digest_check_figures(struct rl_db *db, struct rl_error *err)
{
	json_t *stale = json_array(), *drift = json_array(), *v;
	size_t i;
	/* Rows waiting for the batch's flush are written first, or they would read as stale (progress_batch.h). */
	int rc = !stale || !drift ? rl_error_internal(err, "out of memory")
		 : rl_progress_settle_all(db, err) < 0 ? -1 : rl_progress_stale_rows(db, NULL, stale, err);

	json_array_foreach(stale, i, v)
		if (rc == 0 && rl_progress_repair(db, json_integer_value(v), drift, err) < 0)
			rc = -1;
	if (rc == 0)
		rl_progress_report_drift(db, drift);
	json_decref(stale);
	json_decref(drift);
	return rc;
}

/* The faculty who want the digest, collected first: writing one runs other statements. */
struct fac {
	int64_t id;
	char name[256], email[256];
};
struct fac_list {
	struct fac *fac;
	size_t n, alloc;
	struct rl_error *err;
};

static int digest_faculty(void *ctx, const struct rl_row_notify_faculty *row)
{
	struct fac_list *l = ctx;

	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		void *p = realloc(l->fac, na * sizeof(*l->fac));
		if (!p)
			return rl_error_internal(l->err, "out of memory");
		l->fac = p;
		l->alloc = na;
	}
	l->fac[l->n].id = row->id;
	snprintf(l->fac[l->n].name, sizeof(l->fac[l->n].name), "%s", row->name);
	snprintf(l->fac[l->n].email, sizeof(l->fac[l->n].email), "%s", row->email);
	l->n++;
	return 0;
}

int rl_notify_digests(struct rl_db *db, const struct rl_digest_opts *o, int *queued, struct rl_error *err)
{
	struct fac_list l = { .err = err };
	struct fac *fac;
	size_t n;
	char week[16], url_buf[512], subject[64];
	const char *url = base_url(o->public_url, url_buf);
	int rc, result = 0, checked = 0;

	*queued = 0;
	if (rl_rows_notify_digest_faculty(db, digest_faculty, &l, err) != 0) {
		free(l.fac);
		return -1;
	}
	fac = l.fac;
	n = l.n;
	rl_iso_week(o->now, week);
	snprintf(subject, sizeof(subject), "raslog: weekly digest %s", week);
	for (size_t i = 0; i < n && result == 0; i++) {
		struct rl_buf body = RL_BUF_INIT;
		char key[96];
		int exists;

		snprintf(key, sizeof(key), "digest:%lld:%s", (long long)fac[i].id, week);
		if ((exists = rl_outbox_has(db, key, err)) < 0) {
			result = -1;
			break;
		}
		if (exists)
			continue;
		/* Once, and only when a digest is due: the rows it reads are the ledger's. */
		if (!checked++ && digest_check_figures(db, err) < 0) {
			result = -1;
			break;
		}
		struct rl_user who = { 0 };
		who.id = fac[i].id;
		who.roles = RL_ROLE_FACULTY;
		rl_buf_printf(&body, "Dear %s,\n\n", fac[i].name);
		if (digest_body(db, o, &who, url, &body, err) < 0) {
			rl_buf_release(&body);
			result = -1;
			break;
		}
		footer(&body, url, "You receive this weekly digest as faculty of raslog.");
		rc = rl_buf_failed(&body) ? rl_error_internal(err, "cannot build the digest mail")
		     : rl_outbox_queue(db, key, fac[i].email, subject, body.data, o->now, err);
		rl_buf_release(&body);
		if (rc < 0)
			result = -1;
		else
			*queued += rc;
	}
	free(fac);
	return result;
}
