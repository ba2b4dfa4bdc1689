/*
 * audit.c - the audit trail: one JSON line per write and per refused or
 * failed request, with the time, request id, client address, user, route,
 * outcome and HTTP status, written to the audit stream (stderr unless
 * raslogd serve --audit FILE).  Handlers say what happened with audit();
 * the line itself is written once, by audit_flush() from http.c when the
 * reply is queued, so it carries the real status and no request gets two
 * lines or none.  The replies to a batch of group-committed writes are
 * built together before any of them is sent (http.c's resumer), and their
 * lines go out together (audit_collect, then audit_write): always before
 * the reply, so a crash loses no line of an answered request.  Lines are
 * written whole under a lock.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "base/util.h"

#include "base/banned.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void audit(struct request *rq, const char *event, const char *outcome, const char *fmt, ...)
{
	struct rl_buf extra = RL_BUF_INIT;
	va_list ap;

	/* A second event of the same request (an invitation accepted and a
	 * sign-in) gets its own line: write the first one now. */
	if (rq->aud.pending && !rq->aud.written) {
		audit_flush(rq);
		rq->aud.written = 0;
	}
	snprintf(rq->aud.event, sizeof(rq->aud.event), "%s", event);
	snprintf(rq->aud.outcome, sizeof(rq->aud.outcome), "%s", outcome ? outcome : "");
	free(rq->aud.extra);
	rq->aud.extra = NULL;
	if (fmt && *fmt) {
		va_start(ap, fmt);
		rl_buf_vprintf(&extra, fmt, ap);
		va_end(ap);
		rq->aud.extra = rl_buf_detach(&extra, NULL);
	}
	rq->aud.pending = 1;
}

/* The outcome a reply's status means: refused, invalid or failed. */
static const char *status_outcome(unsigned status)
{
	if (status >= 500)
		return "failed";
	if (status == 401 || status == 403 || status == 404 || status == 429)
		return "refused";
	return "invalid";
}

/*
 * ,"name":value with value as a JSON string.  ASCII text is escaped here
 * as jansson would (quote, backslash, \b \f \n \r \t, \u00XX for the other
 * control characters); text with other bytes goes through jansson, which
 * checks its UTF-8 and gives null for text that is not.  (jansson's dump
 * was ~3% of the HTTP threads' samples under scenario 1's load.)
 */
static void put_string(struct rl_buf *line, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)value, *run;

	for (; *p; p++)
		if (*p >= 0x80)
			break;
	if (*p) {
		json_t *s = json_string(value);
		char *text = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;

		rl_buf_printf(line, ",\"%s\":%s", name, text ? text : "null");
		free(text);
		json_decref(s);
		return;
	}
	rl_buf_putc(line, ',');
	rl_buf_putc(line, '"');
	rl_buf_puts(line, name);
	rl_buf_puts(line, "\":\"");
	for (p = run = (const unsigned char *)value;; p++) {
		const char *esc = NULL;
		char u[8];

		if (*p && *p != '"' && *p != '\\' && *p >= 0x20)
			continue;
		rl_buf_add(line, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			snprintf(u, sizeof(u), "\\u%04X", *p);
			esc = u;
		}
		rl_buf_puts(line, esc);
		run = p + 1;
	}
	rl_buf_putc(line, '"');
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a full disk or a closed stream: the lines are lost, as with fwrite before */
		data += n;
		len -= (size_t)n;
	}
}

/*
 * Whole lines (each ending in a newline) to the audit stream, under the
 * lock, so no other line comes between.  A write() carries as many whole
 * lines as fit in PIPE_BUF bytes (a longer line goes alone), so a pipe
 * never interleaves another process's bytes inside a line either.
 */
static void emit_lines(const char *data, size_t len)
{
	int fd = fileno(server_ctx.audit);

	pthread_mutex_lock(&lock);
	while (len > 0) {
		size_t n = 0;

		for (;;) {
			const char *nl = memchr(data + n, '\n', len - n);
			size_t end = nl ? (size_t)(nl - data) + 1 : len;

			if (n > 0 && end > PIPE_BUF)
				break;
			n = end;
			if (n == len || n >= PIPE_BUF)
				break;
		}
		write_all(fd, data, n);
		data += n;
		len -= n;
	}
	pthread_mutex_unlock(&lock);
}

/* Appends the request's line to line, once; 0 when it has none to write. */
static int build_line(struct request *rq, struct rl_buf *line)
{
	const char *event, *outcome;
	char route[160], now[21];

	if (rq->aud.written || !server_ctx.audit)
		return 0;
	if (rq->aud.pending) {
		event = rq->aud.event;
		/* A handler that logged success but answered with an error does not get to say "ok";
		 * whatever it said, a server error is "failed". */
		if (rq->status >= 500 ||
		    (rq->status >= 400 && (!rq->aud.outcome[0] || strcmp(rq->aud.outcome, "ok") == 0)))
			outcome = status_outcome(rq->status);
		else
			outcome = rq->aud.outcome[0] ? rq->aud.outcome : "ok";
	} else if (rq->status >= 400) {
		if (rq->route)
			snprintf(route, sizeof(route), "%s %s", rq->route->method, rq->route->pattern);
		else
			snprintf(route, sizeof(route), "request");
		event = route;
		outcome = status_outcome(rq->status);
	} else {
		return 0; /* a successful read: not audited */
	}
	rq->aud.written = 1;
	rl_now_rfc3339(now);
	rl_buf_printf(line, "{\"time\":\"%s\",\"request_id\":\"%s\",\"ip\":\"%s\"", now, rq->id, rq->ip);
	put_string(line, "event", event);
	put_string(line, "outcome", outcome);
	put_string(line, "method", rq->method);
	put_string(line, "path", rq->path ? rq->path : "");
	if (rq->status)
		rl_buf_printf(line, ",\"status\":%u", rq->status);
	if (rq->authed)
		rl_buf_printf(line, ",\"user\":%lld", (long long)rq->user.id);
	if (rq->aud.pending && rq->aud.extra && *rq->aud.extra)
		rl_buf_printf(line, ",%s", rq->aud.extra);
	rl_buf_puts(line, "}\n");
	return 1;
}

void audit_flush(struct request *rq)
{
	struct rl_buf line = RL_BUF_INIT;

	if (build_line(rq, &line) && !rl_buf_failed(&line))
		emit_lines(line.data, line.len);
	rl_buf_release(&line);
}

void audit_collect(struct request *rq, struct rl_buf *lines)
{
	struct rl_buf line = RL_BUF_INIT;

	if (build_line(rq, &line) && !rl_buf_failed(&line) && rl_buf_add(lines, line.data, line.len) < 0)
		emit_lines(line.data, line.len); /* no room in the batch: this line goes now, alone */
	rl_buf_release(&line);
}

void audit_write(const struct rl_buf *lines)
{
	if (server_ctx.audit && lines->len > 0)
		emit_lines(lines->data, lines->len); /* whole lines: an append that failed added nothing */
}

void audit_event(const char *event, const char *outcome, const char *extra)
{
	struct rl_buf line = RL_BUF_INIT;
	char now[21];

	if (!server_ctx.audit)
		return;
	rl_now_rfc3339(now);
	rl_buf_printf(&line, "{\"time\":\"%s\"", now);
	put_string(&line, "event", event);
	put_string(&line, "outcome", outcome);
	if (extra && *extra)
		rl_buf_printf(&line, ",%s", extra);
	rl_buf_puts(&line, "}\n");
	if (!rl_buf_failed(&line))
		emit_lines(line.data, line.len);
	rl_buf_release(&line);
}

void audit_drift(const json_t *item)
{
	const char *said = json_string_value(json_object_get(item, "outcome"));
	char outcome[16];
	json_t *members = json_copy((json_t *)item);
	char *text;

	/* "outcome" when the item names one ("differs": nothing was rewritten), else "rebuilt" */
	snprintf(outcome, sizeof(outcome), "%s", said ? said : "rebuilt");
	json_object_del(members, "outcome");
	text = json_dumps(members, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(members);
	/* {"trainee":..,"requirement":..,"cache":..,"ledger":..} without its braces */
	if (text && strlen(text) > 2) {
		text[strlen(text) - 1] = '\0';
		audit_event("figures.drift", outcome, text + 1);
	}
	free(text);
}

void audit_release(struct request *rq)
{
	free(rq->aud.extra);
	rq->aud.extra = NULL;
}
