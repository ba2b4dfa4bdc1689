/*
 * static.c - serves the web page (web/) at "/": plain files only, no
 * directory listings, no path outside the web directory, a strict
 * Content-Security-Policy (no inline script, no third-party origins).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "base/util.h"

#include "base/banned.h"

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ NULL, NULL },
	};
	const char *dot = strrchr(path, '.');

	for (int i = 0; dot && types[i].ext; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int safe_path(const char *p)
{
	if (strstr(p, "..") || strstr(p, "//"))
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

void static_serve(struct request *rq)
{
	struct rl_buf path = RL_BUF_INIT;
	const char *rel = strcmp(rq->path, "/") == 0 ? "/index.html" : rq->path;
	char *data;
	size_t len;

	if (!server_ctx.web_dir || !safe_path(rel)) {
		reply_problem(rq, RL_E_NOTFOUND, "not-found", "there is nothing at %s", rq->path);
		return;
	}
	rl_buf_printf(&path, "%s%s", server_ctx.web_dir, rel);
	data = rl_read_file(path.data, 8 << 20, &len);
	rl_buf_release(&path);
	if (!data) {
		reply_problem(rq, RL_E_NOTFOUND, "not-found", "there is nothing at %s", rq->path);
		return;
	}
	reply_text(rq, 200, content_type(rel), data, len);
	free(data);
	MHD_add_response_header(rq->response, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
				"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	MHD_add_response_header(rq->response, "Referrer-Policy", "no-referrer");
	MHD_del_response_header(rq->response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
}
