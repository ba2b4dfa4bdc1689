/*
 * http.c - the one place raslog talks HTTP (libcurl).  Requests go to
 * SERVER/api/v1/PATH with "Authorization: Bearer TOKEN"; replies are
 * read into a bounded buffer (or streamed), JSON replies are parsed with
 * the strict core parser, and RFC 9457 problem replies become a struct
 * rl_error with the server's field list, so commands report them the same
 * way.  One handle is kept for the whole run so that signing many
 * sessions reuses one connection.  Redirects are not followed: the token
 * must never travel to another host.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "base/jsonin.h"

#include "base/banned.h"

#define REPLY_MAX ((size_t)256 << 20)
#define PROBLEM_PREFIX "urn:raslog:problem:"
#define USER_AGENT "raslog/1.0"

static CURL *handle;
/* Set by cli_http_anonymous for one request: no token needed, none sent. */
static int anonymous;

/* Where a reply's body goes. */
struct sink {
	CURL *h;
	struct rl_buf *buf;   /* the body, or the error body when streaming */
	cli_stream_fn fn;     /* streaming: gets 2xx bodies */
	void *ctx;
	struct rl_error *err;
	long status;          /* known once the first byte arrives */
	int stopped;          /* fn asked to stop (err set by fn) */
	int too_big;          /* the body passed REPLY_MAX */
	char *etag;           /* where the ETag header goes, or NULL */
	size_t etag_size;
};

void cli_reply_release(struct cli_reply *r)
{
	rl_buf_release(&r->body);
	json_decref(r->json);
	r->json = NULL;
	r->status = 0;
}

void cli_http_cleanup(void)
{
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
}

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;

	if (s->fn) {
		if (!s->status)
			curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
		if (s->status >= 200 && s->status < 300) {
			if (s->fn(s->ctx, data, len, s->err) < 0) {
				s->stopped = 1;
				return 0;
			}
			return len;
		}
	}
	if (rl_buf_add(s->buf, data, len) < 0) {
		s->too_big = 1;
		return 0;
	}
	return len;
}

/* Keeps the ETag header's value (a session's version, for If-Match). */
static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;

	if (s->etag && len > 5 && strncasecmp(data, "ETag:", 5) == 0) {
		size_t a = 5, b = len;
		while (a < b && (data[a] == ' ' || data[a] == '\t'))
			a++;
		while (b > a && (data[b - 1] == '\r' || data[b - 1] == '\n' || data[b - 1] == ' '))
			b--;
		snprintf(s->etag, s->etag_size, "%.*s", (int)(b - a), data + a);
	}
	return len;
}

static enum rl_status status_of_http(long http)
{
	switch (http) {
	case 400: return RL_E_INVALID;
	case 401: return RL_E_UNAUTH;
	case 403: return RL_E_FORBIDDEN;
	case 404: return RL_E_NOTFOUND;
	case 409: return RL_E_CONFLICT;
	case 413: return RL_E_TOOLARGE;
	case 422: return RL_E_SIGNATURE;
	case 429: return RL_E_UNAUTH;
	case 503: return RL_E_UNAVAILABLE;
	default: return RL_E_INTERNAL;
	}
}

/* Turns a non-2xx reply into err. */
static void problem(const char *method, const char *path, long http, const char *ctype, const struct rl_buf *body,
		    struct rl_error *err)
{
	struct rl_error perr = RL_ERROR_INIT;
	json_t *p = NULL, *e;
	const char *type, *detail;
	size_t i;

	if (ctype && (strncmp(ctype, "application/problem+json", 24) == 0 || strncmp(ctype, "application/json", 16) == 0))
		p = rl_json_parse(body->data, body->len, &perr);
	rl_error_clear(&perr);
	if (!json_is_object(p)) {
		json_decref(p);
		rl_error_set(err, status_of_http(http), "http", NULL, "the server answered HTTP %ld to %s /api/v1%s", http,
			     method, path);
		err->extra = json_pack("{s:I}", "status", (json_int_t)http);
		return;
	}
	type = json_string_value(json_object_get(p, "type"));
	if (type && strncmp(type, PROBLEM_PREFIX, strlen(PROBLEM_PREFIX)) == 0)
		type += strlen(PROBLEM_PREFIX);
	detail = json_string_value(json_object_get(p, "detail"));
	if (!detail)
		detail = json_string_value(json_object_get(p, "title"));
	rl_error_set(err, status_of_http(http), type ? type : "http", json_string_value(json_object_get(p, "title")),
		     "%s", detail ? detail : "the server refused the request");
	json_array_foreach(json_object_get(p, "errors"), i, e) {
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		if (field && msg)
			rl_error_field(err, field, "%s", msg);
	}
	/* rl_error_field rewrote detail; the server's own sentence is better. */
	snprintf(err->detail, sizeof(err->detail), "%s", detail ? detail : "the server refused the request");
	if (!json_is_integer(json_object_get(p, "status")))
		json_object_set_new(p, "status", json_integer(http));
	err->extra = p;
}

/* Runs one request; the body lands in buf (or goes to s->fn). */
static int perform(const char *method, const char *path, const json_t *body, const char *if_match, struct sink *s,
		   long timeout, char *ctype, size_t ctype_size, struct rl_error *err)
{
	const char *server, *token;
	struct curl_slist *headers = NULL;
	struct rl_buf url = RL_BUF_INIT, auth = RL_BUF_INIT, cond = RL_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *payload = NULL;
	const char *ct = NULL;
	CURLcode rc;
	int ret = -1;

	if (cli_config_get(&server, &token, !anonymous, err) < 0)
		return -1;
	if (!handle && !(handle = curl_easy_init()))
		return rl_error_internal(err, "libcurl cannot create a handle");
	curl_easy_reset(handle);
	s->h = handle;
	if (rl_buf_printf(&url, "%s/api/v1%s", server, path) < 0 ||
	    rl_buf_printf(&auth, "Authorization: Bearer %s", token) < 0) {
		rl_error_internal(err, "out of memory");
		goto out;
	}
	if (!anonymous)
		headers = curl_slist_append(headers, auth.data);
	headers = curl_slist_append(headers, "Accept: application/json, application/problem+json");
	if (if_match) {
		if (rl_buf_printf(&cond, "If-Match: %s", if_match) < 0) {
			rl_error_internal(err, "out of memory");
			goto out;
		}
		headers = curl_slist_append(headers, cond.data);
	}
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		if (!payload) {
			rl_error_internal(err, "the request body cannot be encoded");
			goto out;
		}
		headers = curl_slist_append(headers, "Content-Type: application/json");
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS, payload ? payload : "");
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(payload ? strlen(payload) : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(handle, CURLOPT_URL, url.data);
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(handle, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 10L);
	if (timeout)
		curl_easy_setopt(handle, CURLOPT_TIMEOUT, timeout);
	/* Streams have no total limit but must not stall for a minute. */
	curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(handle, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(handle, CURLOPT_HEADERDATA, s);
	rc = curl_easy_perform(handle);
	if (s->stopped)
		goto out; /* the stream callback set err */
	if (s->too_big) {
		rl_error_set(err, RL_E_TOOLARGE, "reply-too-large", NULL, "the reply to %s /api/v1%s is larger than %zu MiB",
			     method, path, REPLY_MAX >> 20);
		goto out;
	}
	if (rc != CURLE_OK) {
		rl_error_set(err, RL_E_UNAVAILABLE, "unreachable", "Server unreachable", "cannot reach the server at %s: %s",
			     server, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &s->status);
	curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(ctype, ctype_size, "%s", ct ? ct : "");
	if (s->status < 200 || s->status >= 300) {
		problem(method, path, s->status, ctype, s->buf, err);
		goto out;
	}
	ret = 0;
out:
	curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	free(payload);
	rl_buf_release(&url);
	rl_buf_release(&cond);
	/* The header held the token. */
	memset(auth.data, 0, auth.len);
	rl_buf_release(&auth);
	return ret;
}

int cli_http(const char *method, const char *path, const json_t *body, struct cli_reply *r, struct rl_error *err)
{
	return cli_http_if_match(method, path, body, NULL, r, err);
}

int cli_http_if_match(const char *method, const char *path, const json_t *body, const char *if_match,
		      struct cli_reply *r, struct rl_error *err)
{
	struct sink s = { 0 };
	char ctype[128];

	rl_buf_init(&r->body, REPLY_MAX);
	r->json = NULL;
	r->status = 0;
	r->etag[0] = '\0';
	s.buf = &r->body;
	s.err = err;
	s.etag = r->etag;
	s.etag_size = sizeof(r->etag);
	if (perform(method, path, body, if_match, &s, 120L, ctype, sizeof(ctype), err) < 0) {
		cli_reply_release(r);
		return -1;
	}
	r->status = s.status;
	if (strncmp(ctype, "application/json", 16) == 0 && r->body.len) {
		struct rl_error perr = RL_ERROR_INIT;
		r->json = rl_json_parse(r->body.data, r->body.len, &perr);
		if (!r->json) {
			rl_error_set(err, RL_E_INTERNAL, "bad-reply", NULL,
				     "the server's reply to %s /api/v1%s is not valid JSON (%s)", method, path, perr.detail);
			rl_error_clear(&perr);
			cli_reply_release(r);
			return -1;
		}
	}
	return 0;
}

int cli_http_anonymous(const char *method, const char *path, const json_t *body, struct cli_reply *r,
		       struct rl_error *err)
{
	int rc;

	anonymous = 1;
	rc = cli_http(method, path, body, r, err);
	anonymous = 0;
	return rc;
}

json_t *cli_api(const char *method, const char *path, const json_t *body, struct rl_error *err)
{
	struct cli_reply r;
	json_t *out;

	if (cli_http(method, path, body, &r, err) < 0)
		return NULL;
	out = r.json;
	r.json = NULL;
	cli_reply_release(&r);
	if (!out)
		rl_error_set(err, RL_E_INTERNAL, "bad-reply", NULL, "the server's reply to %s /api/v1%s is not JSON", method,
			     path);
	return out;
}

int cli_http_stream(const char *path, cli_stream_fn fn, void *ctx, struct rl_error *err)
{
	struct rl_buf errbody;
	struct sink s = { 0 };
	char ctype[128];
	int rc;

	rl_buf_init(&errbody, (size_t)1 << 20);
	s.buf = &errbody;
	s.fn = fn;
	s.ctx = ctx;
	s.err = err;
	rc = perform("GET", path, NULL, NULL, &s, 0L, ctype, sizeof(ctype), err);
	rl_buf_release(&errbody);
	return rc;
}

long cli_error_http_status(const struct rl_error *err)
{
	return (long)json_integer_value(json_object_get((json_t *)err->extra, "status"));
}

char *cli_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct rl_buf b = RL_BUF_INIT;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			rl_buf_putc(&b, (char)c);
		} else {
			rl_buf_putc(&b, '%');
			rl_buf_putc(&b, hex[c >> 4]);
			rl_buf_putc(&b, hex[c & 15]);
		}
	}
	return rl_buf_detach(&b, NULL);
}
