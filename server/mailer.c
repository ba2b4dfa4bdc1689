/*
 * mailer.c - sends the outbox over SMTP with libcurl, runs the trainer
 * reminder and faculty digest passes, and does all three in the
 * background of raslogd serve.
 *
 * Each message goes through three steps, each its own short write
 * through the group-commit writer: claim (state 'sending', one more
 * attempt, a lease), send, record ('sent', or 'failed' with the relay's
 * reply and a back-off).  A message is therefore never sent by two
 * senders at once, and never again once 'sent' is committed.  The one
 * gap is a crash after the relay accepted a message and before 'sent'
 * was committed: the lease lapses and the message goes again.  Its
 * Message-ID is derived from the idempotency key, so both copies carry
 * the same one and receivers can drop the second (at-least-once).
 *
 * TLS: smtps:// is TLS from the start; smtp:// asks for STARTTLS, and
 * requires it unless the relay is on this machine (127.0.0.1, ::1,
 * localhost), where a relay without TLS is accepted.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "config.h"
#include "mailer.h"
#include "metrics.h"
#include "domain/notify.h"
#include "store/outbox.h"
#include "base/util.h"

#include "base/banned.h"

#define CLAIM_MAX 32      /* messages claimed at a time by the background sender */
#define FORCE_MAX 1000    /* by notify --now, in its single pass */

void mailer_config_load(struct mailer_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->smtp_url = rl_config.smtp_url;
	cfg->smtp_user = rl_config.smtp_user;
	cfg->smtp_password_file = rl_config.smtp_password_file;
	cfg->mail_from = rl_config.mail_from ? rl_config.mail_from : "raslog@localhost";
	cfg->public_url = rl_config.public_url;
	cfg->reminder_waiting = rl_config.reminder_waiting ? rl_config.reminder_waiting : RL_REMIND_WAITING;
	cfg->reminder_days = rl_config.reminder_days ? rl_config.reminder_days : RL_REMIND_DAYS;
}

/* ---- writer jobs ---------------------------------------------------------- */

struct remind_job {
	const struct mailer_config *cfg;
	int queued;
};

static int run_remind(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct remind_job *r = job->ctx;
	struct rl_remind_opts o = { r->cfg->reminder_waiting, r->cfg->reminder_days, NULL, time(NULL) };
	char url[512];

	if (r->cfg->public_url) {
		size_t n = strlen(r->cfg->public_url);
		while (n > 0 && r->cfg->public_url[n - 1] == '/')
			n--;
		snprintf(url, sizeof(url), "%.*s", (int)n, r->cfg->public_url);
		o.public_url = url;
	}
	return rl_notify_reminders(db, &o, &r->queued, err);
}

int mailer_remind(const struct mailer_config *cfg, struct rl_writer *w)
{
	struct remind_job r = { cfg, 0 };
	struct rl_job job = { .run = run_remind, .ctx = &r };

	if (rl_writer_call(w, &job) < 0) {
		fprintf(stderr, "raslogd: the reminder pass failed: %s; it runs again in 5 minutes\n", job.err.detail);
		rl_error_clear(&job.err);
		return -1;
	}
	return r.queued;
}

struct digest_job {
	const struct mailer_config *cfg;
	int queued;
};

static int run_digest(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct digest_job *d = job->ctx;
	struct rl_digest_opts o = { d->cfg->reminder_days, d->cfg->public_url, time(NULL) };

	return rl_notify_digests(db, &o, &d->queued, err);
}

int mailer_digest(const struct mailer_config *cfg, struct rl_writer *w)
{
	struct digest_job d = { cfg, 0 };
	struct rl_job job = { .run = run_digest, .ctx = &d };

	if (rl_writer_call(w, &job) < 0) {
		fprintf(stderr, "raslogd: the digest pass failed: %s; it runs again in 5 minutes\n", job.err.detail);
		rl_error_clear(&job.err);
		return -1;
	}
	return d.queued;
}

struct claim_job {
	int force;
	struct rl_outbox_msg *msgs;
	int n;
};

static int run_claim(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct claim_job *c = job->ctx;

	rl_outbox_msgs_free(c->msgs, c->n); /* a run before this one, whose batch failed */
	c->msgs = NULL;
	c->n = 0;
	return rl_outbox_claim(db, time(NULL), c->force, c->force ? FORCE_MAX : CLAIM_MAX, &c->msgs, &c->n, err);
}

struct mark_job {
	int64_t id;
	int ok;
	const char *reply;
};

static int run_mark(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct mark_job *m = job->ctx;
	return m->ok ? rl_outbox_sent(db, m->id, time(NULL), m->reply, err)
		     : rl_outbox_failed(db, m->id, time(NULL), m->reply, err);
}

/* ---- SMTP ------------------------------------------------------------------ */

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t read_message(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct upload *u = userp;
	size_t n = size * nmemb;

	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(ptr, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* Keeps the relay's last reply line ("250 2.0.0 Ok: queued", "550 ...") for the admin. */
static size_t keep_reply(char *ptr, size_t size, size_t nmemb, void *userp)
{
	char *reply = userp;
	size_t n = size * nmemb, len = n;

	while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
		len--;
	if (len >= 3 && ptr[0] >= '2' && ptr[0] <= '5')
		snprintf(reply, 256, "%.*s", (int)len, ptr);
	return n;
}

/* Appends s with CR and LF replaced by spaces (no header injection). */
static void put_header_text(struct rl_buf *b, const char *s)
{
	for (; *s; s++)
		rl_buf_putc(b, *s == '\r' || *s == '\n' ? ' ' : *s);
}

static int build_message(const struct mailer_config *cfg, const struct rl_outbox_msg *m, struct rl_buf *b)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1], date[64];
	const char *domain = strchr(cfg->mail_from, '@');
	time_t now = time(NULL);
	struct tm tm;

	crypto_hash_sha256(h, (const unsigned char *)m->key, strlen(m->key));
	rl_hex_encode(h, 16, hex);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	rl_buf_printf(b, "Date: %s\r\nFrom: ", date);
	put_header_text(b, cfg->mail_from);
	rl_buf_puts(b, "\r\nTo: ");
	put_header_text(b, m->recipient);
	rl_buf_puts(b, "\r\nSubject: ");
	put_header_text(b, m->subject);
	rl_buf_printf(b, "\r\nMessage-ID: <%s.raslog@%s>\r\n", hex, domain && domain[1] ? domain + 1 : "localhost");
	rl_buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
	for (const char *p = m->body; *p; p++) {
		if (*p == '\n')
			rl_buf_putc(b, '\r');
		rl_buf_putc(b, *p);
	}
	return rl_buf_puts(b, "\r\n");
}

static int local_relay(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int local = 0;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		local = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return local;
}

/* Sends one message; returns 1 accepted, 0 refused or unreachable.  reply[256] says what the relay said. */
static int smtp_send(const struct mailer_config *cfg, const struct rl_outbox_msg *m, char *reply)
{
	struct rl_buf msg = RL_BUF_INIT;
	struct curl_slist *rcpt = NULL;
	char from[320], to[320], errbuf[CURL_ERROR_SIZE] = "";
	char *password = NULL;
	struct upload up;
	CURL *c;
	CURLcode rc;
	int ok = 0;

	reply[0] = '\0';
	if (strpbrk(m->recipient, "<>\r\n \t") || !strchr(m->recipient, '@')) {
		snprintf(reply, 256, "not sent: '%.200s' is not an email address", m->recipient);
		return 0;
	}
	if (cfg->smtp_password_file) {
		size_t len;
		if (!(password = rl_read_file(cfg->smtp_password_file, 4096, &len))) {
			snprintf(reply, 256, "not sent: cannot read smtp_password_file %.200s", cfg->smtp_password_file);
			return 0;
		}
		while (len > 0 && (password[len - 1] == '\n' || password[len - 1] == '\r'))
			password[--len] = '\0';
	}
	build_message(cfg, m, &msg);
	if (rl_buf_failed(&msg)) {
		snprintf(reply, 256, "not sent yet: the message could not be built (out of memory)");
		rl_buf_release(&msg);
		if (password) {
			sodium_memzero(password, strlen(password));
			free(password);
		}
		return 0;
	}
	up.data = msg.data;
	up.len = msg.len;
	up.pos = 0;
	snprintf(from, sizeof(from), "<%s>", cfg->mail_from);
	snprintf(to, sizeof(to), "<%s>", m->recipient);
	rcpt = curl_slist_append(NULL, to);
	if (!(c = curl_easy_init()) || !rcpt) {
		snprintf(reply, 256, "not sent: out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (strncmp(cfg->smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(local_relay(cfg->smtp_url) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
	if (cfg->smtp_user)
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
	if (password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		ok = 1;
		if (!reply[0])
			snprintf(reply, 256, "accepted");
	} else {
		char said[256];
		snprintf(said, sizeof(said), "%s", reply);
		snprintf(reply, 256, "%.120s%s%.120s", said, said[0] ? " - " : "",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
out:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	if (password) {
		sodium_memzero(password, strlen(password));
		free(password);
	}
	rl_buf_release(&msg);
	return ok;
}

static volatile int stopping;

int mailer_send_due(const struct mailer_config *cfg, struct rl_writer *w, int force, int *sent, int *failed)
{
	int nsent = 0, nfailed = 0;

	if (sent)
		*sent = 0;
	if (failed)
		*failed = 0;
	if (!cfg->smtp_url)
		return 0;
	for (;;) {
		struct claim_job cj = { force, NULL, 0 };
		struct rl_job job = { .run = run_claim, .ctx = &cj };
		int i;

		if (rl_writer_call(w, &job) < 0) {
			fprintf(stderr, "raslogd: cannot read the outbox: %s\n", job.err.detail);
			rl_error_clear(&job.err);
			rl_outbox_msgs_free(cj.msgs, cj.n); /* claimed, and the claim not committed */
			return -1;
		}
		for (i = 0; i < cj.n && !stopping; i++) {
			char reply[256];
			struct mark_job mj = { cj.msgs[i].id, 0, reply };
			struct rl_job mark = { .run = run_mark, .ctx = &mj };

			mj.ok = smtp_send(cfg, &cj.msgs[i], reply);
			metrics_mail_result(mj.ok);
			if (mj.ok)
				nsent++;
			else
				nfailed++;
			if (rl_writer_call(w, &mark) < 0) {
				/* The lease lapses and the message is tried again. */
				fprintf(stderr, "raslogd: cannot record the delivery of outbox message %lld: %s\n",
					(long long)cj.msgs[i].id, mark.err.detail);
				rl_error_clear(&mark.err);
			}
		}
		rl_outbox_msgs_free(cj.msgs, cj.n);
		/* A forced pass claims each unsent message once; a normal one stops when nothing more is due. */
		if (cj.n < CLAIM_MAX || stopping || force)
			break;
	}
	if (sent)
		*sent = nsent;
	if (failed)
		*failed = nfailed;
	return 0;
}

/* ---- the background thread ---------------------------------------------- */

static pthread_t thread;
static int running;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct mailer_config bg_cfg;
static struct rl_writer *bg_writer;

/*
 * The reminder and digest passes are writer jobs, ordered with every other
 * write (raslogd serve's start-up check's rewrites included), so they wait
 * for nothing else.
 */
static void *mailer_main(void *arg)
{
	time_t last_remind = 0;

	for (;;) {
		struct timespec until;

		if (time(NULL) - last_remind >= 3600) {
			int r, d;

			last_remind = time(NULL);
			r = mailer_remind(&bg_cfg, bg_writer);
			d = mailer_digest(&bg_cfg, bg_writer); /* once per ISO week per faculty member: the key says so */
			if (r < 0 || d < 0)
				last_remind -= 3600 - 300; /* again in 5 minutes (said on stderr) */
		}
		mailer_send_due(&bg_cfg, bg_writer, 0, NULL, NULL);
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 60;
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
			;
		pthread_mutex_unlock(&lock);
		if (stopping)
			break;
	}
	return NULL;
}

int mailer_start(const struct mailer_config *cfg, struct rl_writer *w)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	bg_cfg = *cfg;
	bg_writer = w;
	stopping = 0;
	if (pthread_create(&thread, NULL, mailer_main, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

void mailer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
}
