/*
 * reply.c - the one place raslogd builds replies: JSON bodies and RFC 9457
 * problem details.  Every error reply carries the request id, so a user's
 * report can be matched to the audit log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#include "base/banned.h"

unsigned http_status_of(enum rl_status s)
{
	switch (s) {
	case RL_OK: return 200;
	case RL_E_INVALID: return 400;
	case RL_E_MALFORMED: return 400;
	case RL_E_UNAUTH: return 401;
	case RL_E_FORBIDDEN: return 403;
	case RL_E_NOTFOUND: return 404;
	case RL_E_CONFLICT: return 409;
	case RL_E_TOOLARGE: return 413;
	case RL_E_SIGNATURE: return 422;
	case RL_E_UNAVAILABLE: return 503;
	case RL_E_INTERNAL: return 500;
	}
	return 500;
}

static void common_headers(struct request *rq, unsigned status, const char *type);

static void set_response(struct request *rq, unsigned status, const char *type, char *data, size_t len)
{
	if (rq->response)
		MHD_destroy_response(rq->response);
	rq->response = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	common_headers(rq, status, type);
}

void reply_stream(struct request *rq, unsigned status, const char *type, MHD_ContentReaderCallback read,
		  void *cls, MHD_ContentReaderFreeCallback done)
{
	if (rq->response)
		MHD_destroy_response(rq->response);
	rq->response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, read, cls, done);
	common_headers(rq, status, type);
}

static void common_headers(struct request *rq, unsigned status, const char *type)
{
	rq->status = status;
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(rq->response, "X-Request-Id", rq->id);
	MHD_add_response_header(rq->response, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

void reply_text(struct request *rq, unsigned status, const char *type, const char *data, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, data, len);
	set_response(rq, status, type, copy, len);
}

void reply_buf(struct request *rq, unsigned status, const char *type, struct rl_buf *b)
{
	size_t len;
	char *data = rl_buf_detach(b, &len);

	set_response(rq, status, type, data, len);
}

/*
 * body's compact JSON text, malloc'd, its length into *len; NULL when it
 * cannot be encoded.  Dumped straight into a buffer of the size this
 * thread's largest reply needed (json_dumpb), dumped again only when that
 * was short; json_dumps grows its own buffer from a few bytes and then
 * copies the text out.  A buffer much larger than its text is shrunk.
 */
static char *dump_json(const json_t *body, size_t *len)
{
	static _Thread_local size_t hint = 2048;
	size_t n;
	char *text = malloc(hint);

	if (!text)
		return NULL;
	n = json_dumpb(body, text, hint, JSON_COMPACT);
	if (n > hint) {
		char *bigger = realloc(text, n);
		if (!bigger || json_dumpb(body, bigger, n, JSON_COMPACT) != n) {
			free(bigger ? bigger : text);
			return NULL;
		}
		text = bigger;
		hint = n;
	} else if (n > 0 && hint - n > 4096) {
		char *fitted = realloc(text, n);
		if (fitted)
			text = fitted;
	}
	if (n == 0) {
		free(text);
		return NULL;
	}
	*len = n;
	return text;
}

void reply_json(struct request *rq, unsigned status, json_t *body)
{
	size_t len = 0;
	char *text = body ? dump_json(body, &len) : NULL;

	json_decref(body);
	if (!text) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "the reply could not be encoded");
		return;
	}
	set_response(rq, status, "application/json", text, len);
}

static int reply_if_failed(struct request *rq, json_t *items, struct rl_error *err)
{
	if (items)
		return 0;
	reply_error(rq, err);
	rl_error_clear(err);
	return -1;
}

void reply_items(struct request *rq, json_t *items, struct rl_error *err)
{
	if (reply_if_failed(rq, items, err) == 0)
		reply_json(rq, 200, json_pack("{s:o}", "items", items));
}

void reply_page(struct request *rq, json_t *items, int64_t next, struct rl_error *err)
{
	char cursor[24];

	if (reply_if_failed(rq, items, err) < 0)
		return;
	snprintf(cursor, sizeof(cursor), "%lld", (long long)next);
	reply_json(rq, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor",
				      next ? json_string(cursor) : json_null()));
}

void reply_error(struct request *rq, const struct rl_error *err)
{
	reply_error_status(rq, err, 0);
}

void reply_error_status(struct request *rq, const struct rl_error *err, unsigned http_status)
{
	enum rl_status s = err->status ? err->status : RL_E_INTERNAL;
	unsigned status = http_status ? http_status : http_status_of(s);
	json_t *p = json_object();
	char type[96];
	char *text;

	snprintf(type, sizeof(type), "urn:raslog:problem:%s", err->type[0] ? err->type : "error");
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "title", json_string(err->title[0] ? err->title : rl_status_title(s)));
	json_object_set_new(p, "status", json_integer(status));
	json_object_set_new(p, "detail", json_string(err->detail[0] ? err->detail : rl_status_title(s)));
	json_object_set_new(p, "request_id", json_string(rq->id));
	if (err->nfields) {
		json_t *errors = json_array();
		for (int i = 0; i < err->nfields; i++)
			json_array_append_new(errors, json_pack("{s:s,s:s}", "field", err->fields[i].field,
								"message", err->fields[i].message));
		json_object_set_new(p, "errors", errors);
	}
	if (err->extra && json_is_object((json_t *)err->extra))
		json_object_update_missing(p, (json_t *)err->extra);
	text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	if (!text)
		return;
	set_response(rq, status, "application/problem+json", text, strlen(text));
	if (status == 401)
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"raslog\"");
	if (s == RL_E_INTERNAL)
		fprintf(stderr, "raslogd: request %s %s %s: internal error: %s\n", rq->id, rq->method,
			rq->path, err->detail);
}

static void problem(struct request *rq, enum rl_status status, unsigned http, const char *type,
		    const char *title, const char *fmt, va_list ap)
{
	struct rl_error err = RL_ERROR_INIT;

	err.status = status;
	snprintf(err.type, sizeof(err.type), "%s", type);
	snprintf(err.title, sizeof(err.title), "%s", title ? title : rl_status_title(status));
	vsnprintf(err.detail, sizeof(err.detail), fmt, ap);
	reply_error_status(rq, &err, http);
}

void reply_problem(struct request *rq, enum rl_status status, const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem(rq, status, 0, type, NULL, fmt, ap);
	va_end(ap);
}

void reply_problem_http(struct request *rq, unsigned http, const char *type, const char *title,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem(rq, RL_E_MALFORMED, http, type, title, fmt, ap);
	va_end(ap);
}
