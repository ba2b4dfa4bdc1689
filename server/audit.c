/*
 * audit.c - the audit trail: one JSON line per write, refused
 * authorization and sign-off attempt, with the time, request id, client
 * address, user and route, written to the audit stream (stderr unless
 * raslogd serve --audit FILE).  Lines are written whole under a lock.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "server.h"
#include "util.h"

#include "banned.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void audit(struct request *rq, const char *event, const char *outcome, const char *fmt, ...)
{
	struct rl_buf line = RL_BUF_INIT;
	char now[21];
	va_list ap;

	if (!server_ctx.audit)
		return;
	rl_now_rfc3339(now);
	rl_buf_printf(&line, "{\"time\":\"%s\",\"request_id\":\"%s\",\"ip\":\"%s\",\"event\":\"%s\","
			     "\"outcome\":\"%s\",\"method\":\"%s\"", now, rq->id, rq->ip, event, outcome, rq->method);
	{
		json_t *path = json_string(rq->path);
		char *p = path ? json_dumps(path, JSON_ENCODE_ANY) : NULL;
		rl_buf_printf(&line, ",\"path\":%s", p ? p : "null");
		free(p);
		json_decref(path);
	}
	if (rq->authed)
		rl_buf_printf(&line, ",\"user\":%lld", (long long)rq->user.id);
	if (fmt && *fmt) {
		rl_buf_putc(&line, ',');
		va_start(ap, fmt);
		rl_buf_vprintf(&line, fmt, ap);
		va_end(ap);
	}
	rl_buf_puts(&line, "}\n");
	pthread_mutex_lock(&lock);
	fwrite(line.data, 1, line.len, server_ctx.audit);
	fflush(server_ctx.audit);
	pthread_mutex_unlock(&lock);
	rl_buf_release(&line);
}
