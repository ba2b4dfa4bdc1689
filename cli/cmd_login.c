/*
 * cmd_login.c - raslog login and raslog logout: signing in without
 * pasting a token.  login uses the OAuth 2.0 device authorization grant
 * (RFC 8628) against raslogd: it prints a short code and the address where
 * a signed-in person approves it (it opens nothing), polls until the code
 * is approved, denied or expired, and stores the personal access token it
 * receives, with the server, in the config file (mode 0600).  logout
 * revokes the token in use (DELETE /api/v1/tokens/{id}, the id from
 * GET /api/v1/tokens "current") and removes it from the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

#define CONFIG_MAX (64 * 1024)
#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

/* ---- the config file ------------------------------------------------------------ */

/* The name on a "name = value" line, or "" for comments and blank lines. */
static void line_name(const char *line, size_t len, char *out, size_t size)
{
	size_t i = 0, n = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '#') {
		out[0] = '\0';
		return;
	}
	while (i < len && line[i] != '=' && line[i] != ' ' && line[i] != '\t' && n + 1 < size)
		out[n++] = line[i++];
	out[n] = '\0';
}

/* The value on a "token = value" line, unquoted, into out. */
static void line_value(const char *line, size_t len, char *out, size_t size)
{
	const char *eq = memchr(line, '=', len), *end = line + len;

	out[0] = '\0';
	if (!eq)
		return;
	eq++;
	while (eq < end && (*eq == ' ' || *eq == '\t'))
		eq++;
	while (end > eq && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (end - eq >= 2 && (*eq == '"' || *eq == '\'') && end[-1] == *eq) {
		eq++;
		end--;
	}
	snprintf(out, size, "%.*s", (int)(end - eq), eq);
}

static int make_dirs(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Rewrites the config file: every line kept except "server" lines (when
 * server is given) and "token" lines (all of them when token is given, or
 * only those holding drop when it is not); then server and token appended.
 * *dropped counts the token lines removed.  Written atomically, mode 0600.
 */
static int config_rewrite(const char *server, const char *token, const char *drop, int *dropped)
{
	const char *path = cli_config_file();
	struct rl_buf out = RL_BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	int rc = -1, bad = 0;

	*dropped = 0;
	if (!path[0])
		return cli_error("there is nowhere to keep the token: set HOME or XDG_CONFIG_HOME");
	errno = 0;
	text = rl_read_file(path, CONFIG_MAX, &len);
	if (!text && errno != ENOENT)
		return cli_error("cannot read %s: %s", path, errno ? strerror(errno) : "it is larger than 64 KiB");
	for (size_t i = 0; text && i < len;) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		char name[32], value[600];

		i += n + (nl ? 1 : 0);
		line_name(line, n, name, sizeof(name));
		if (server && strcmp(name, "server") == 0)
			continue;
		if (strcmp(name, "token") == 0) {
			line_value(line, n, value, sizeof(value));
			if (token || (drop && strcmp(value, drop) == 0)) {
				(*dropped)++;
				continue;
			}
		}
		bad |= rl_buf_add(&out, line, n) < 0 || rl_buf_putc(&out, '\n') < 0;
	}
	if (!server && !token && !*dropped) {
		rc = 0; /* nothing to remove: leave the file (or its absence) alone */
		goto out;
	}
	if (server)
		bad |= rl_buf_printf(&out, "server = %s\n", server) < 0;
	if (token)
		bad |= rl_buf_printf(&out, "token = %s\n", token) < 0;
	if (bad) {
		cli_error("out of memory");
		goto out;
	}
	if (make_dirs(path) < 0) {
		cli_error("cannot create the directory for %s: %s", path, strerror(errno));
		goto out;
	}
	if (rl_write_file_atomic(path, out.data, out.len, 0600) < 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	/* An older file may have been looser; a token must not be readable by others. */
	if (chmod(path, 0600) < 0) {
		cli_error("cannot make %s private (chmod 600): %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	memset(out.data, 0, out.len); /* it held the token */
	rl_buf_release(&out);
	if (text) {
		memset(text, 0, len);
		free(text);
	}
	return rc;
}

/* ---- raslog login ---------------------------------------------------------------- */

static void sleep_seconds(long s)
{
	struct timespec ts = { s, 0 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Posts to the token endpoint; 1 with the reply in *ok, 0 with the OAuth error code in code, -1 reported. */
static int poll_once(const char *device_code, json_t **ok, char *code, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	json_t *body = json_pack("{s:s,s:s,s:s}", "grant_type", GRANT_TYPE, "device_code", device_code, "client_id",
				 "raslog-cli");
	const char *e;
	int rc;

	*ok = NULL;
	rc = cli_http_anonymous("POST", "/device/token", body, &r, &err);
	json_decref(body);
	if (rc == 0) {
		*ok = r.json;
		r.json = NULL;
		cli_reply_release(&r);
		if (!*ok || !json_is_string(json_object_get(*ok, "access_token"))) {
			json_decref(*ok);
			*ok = NULL;
			cli_error("the server's reply to POST /api/v1/device/token holds no access_token");
			return -1;
		}
		return 1;
	}
	e = json_string_value(json_object_get((json_t *)err.extra, "error"));
	if (cli_error_http_status(&err) == 400 && e) {
		snprintf(code, size, "%s", e);
		rl_error_clear(&err);
		return 0;
	}
	cli_report(&err);
	rl_error_clear(&err);
	return -1;
}

static void print_who(const char *server)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *me = cli_api("GET", "/me", NULL, &err);
	char roles[200] = "", tmp[256];
	json_t *r;
	size_t i;

	if (!me) {
		printf("Signed in to %s (the token is stored, but GET /me failed: %s).\n", server, err.detail);
		rl_error_clear(&err);
		return;
	}
	json_array_foreach(json_object_get(me, "roles"), i, r) {
		size_t n = strlen(roles);
		snprintf(roles + n, sizeof(roles) - n, "%s%s", i ? ", " : "", json_string_value(r) ? json_string_value(r) : "");
	}
	printf("Signed in to %s as %s", server, cli_json_text(me, "name", "?", tmp, sizeof(tmp)));
	printf(" <%s> (%s).\n", cli_json_text(me, "email", "?", tmp, sizeof(tmp)), roles);
	json_decref(me);
}

static int login(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	struct cli_reply r;
	const char *server, *token, *device_code, *user_code, *uri, *complete;
	json_t *req, *grant = NULL, *ok = NULL;
	long interval, expires_in;
	time_t deadline;
	char *device = NULL;
	int rc, dropped;

	(void)a;
	if (cli_config_get(&server, &token, 0, &err) < 0)
		goto report;
	req = json_pack("{s:s,s:s}", "client_id", "raslog-cli", "scope", "write");
	rc = cli_http_anonymous("POST", "/device/code", req, &r, &err);
	json_decref(req);
	if (rc < 0)
		goto report;
	grant = r.json;
	r.json = NULL;
	cli_reply_release(&r);
	device_code = json_string_value(json_object_get(grant, "device_code"));
	user_code = json_string_value(json_object_get(grant, "user_code"));
	uri = json_string_value(json_object_get(grant, "verification_uri"));
	complete = json_string_value(json_object_get(grant, "verification_uri_complete"));
	interval = (long)json_integer_value(json_object_get(grant, "interval"));
	expires_in = (long)json_integer_value(json_object_get(grant, "expires_in"));
	if (!device_code || !user_code || !uri) {
		rc = cli_error("the server's reply to POST /api/v1/device/code lacks device_code, user_code or "
			       "verification_uri");
		goto out;
	}
	if (interval < 1 || interval > 300)
		interval = 5;
	if (expires_in < 1 || expires_in > 3600)
		expires_in = 600;
	device = strdup(device_code);
	printf("To sign in to %s, open\n\n    %s\n\nin a browser where you are signed in, and enter the code\n\n    %s\n\n",
	       server, uri, user_code);
	if (complete)
		printf("(or open %s)\n", complete);
	printf("Waiting for approval (the code expires in %ld minutes)...\n", (expires_in + 59) / 60);
	fflush(stdout);
	deadline = time(NULL) + expires_in;
	for (;;) {
		char code[64];

		sleep_seconds(interval);
		rc = poll_once(device, &ok, code, sizeof(code));
		if (rc < 0) {
			rc = CLI_FAIL;
			goto out;
		}
		if (rc == 1)
			break;
		if (strcmp(code, "authorization_pending") == 0) {
			if (time(NULL) > deadline + interval) {
				rc = cli_error("the code %s was not approved in time; run raslog login again", user_code);
				rc = CLI_AUTH;
				goto out;
			}
			continue;
		}
		if (strcmp(code, "slow_down") == 0) {
			interval += 5;
			continue;
		}
		if (strcmp(code, "access_denied") == 0)
			cli_error("the sign-in with the code %s was denied", user_code);
		else if (strcmp(code, "expired_token") == 0)
			cli_error("the code %s expired before it was approved; run raslog login again", user_code);
		else
			cli_error("the server refused the sign-in: %s", code);
		rc = CLI_AUTH;
		goto out;
	}
	token = json_string_value(json_object_get(ok, "access_token"));
	if (config_rewrite(server, token, NULL, &dropped) != 0) {
		rc = cli_error("the sign-in worked but the token could not be stored; revoke it on the server "
			       "(its name is \"raslog login on ...\")");
		goto out;
	}
	cli_config_set_token(token);
	print_who(server);
	printf("The token is stored in %s.\n", cli_config_file());
	if (getenv("RASLOG_TOKEN") && *getenv("RASLOG_TOKEN"))
		fprintf(stderr, "raslog: note: RASLOG_TOKEN is set and wins over the stored token; unset it to use "
				"this sign-in\n");
	rc = CLI_OK;
	goto out;
report:
	rc = cli_report(&err);
	rl_error_clear(&err);
out:
	if (ok) {
		json_t *t = json_object_get(ok, "access_token");
		if (json_is_string(t))
			memset((char *)json_string_value(t), 0, strlen(json_string_value(t)));
	}
	json_decref(ok);
	json_decref(grant);
	free(device);
	return rc;
}

/* ---- raslog logout ----------------------------------------------------------------- */

static int logout(const struct os_args *a)
{
	struct rl_error err = RL_ERROR_INIT;
	const char *server, *token;
	json_t *list = NULL, *t, *done;
	int64_t id = 0;
	size_t i;
	int rc, dropped = 0, dead = 0;
	char path[64], *tok = NULL;

	(void)a;
	if (cli_config_get(&server, &token, 1, &err) < 0) {
		rc = cli_report(&err);
		rl_error_clear(&err);
		return rc;
	}
	tok = strdup(token);
	list = cli_api("GET", "/tokens", NULL, &err);
	if (!list && cli_error_http_status(&err) == 401) {
		dead = 1; /* revoked or expired already: only the file is left to tidy */
		rl_error_clear(&err);
	} else if (!list) {
		rc = cli_report(&err);
		goto out;
	}
	json_array_foreach(json_object_get(list, "items"), i, t)
		if (json_is_true(json_object_get(t, "current")))
			id = (int64_t)json_integer_value(json_object_get(t, "id"));
	if (!dead && !id) {
		rc = cli_error("the server does not list the token in use among your tokens; nothing was revoked");
		goto out;
	}
	if (!dead) {
		snprintf(path, sizeof(path), "/tokens/%lld", (long long)id);
		done = cli_api("DELETE", path, NULL, &err);
		if (!done) {
			rc = cli_report(&err);
			goto out;
		}
		json_decref(done);
	}
	if (config_rewrite(NULL, NULL, tok, &dropped) != 0) {
		rc = CLI_FAIL;
		goto out;
	}
	if (dead)
		printf("The token was no longer valid on %s.\n", server);
	else
		printf("Revoked token %lld on %s.\n", (long long)id, server);
	if (dropped)
		printf("Removed it from %s.\n", cli_config_file());
	else
		printf("It was not in %s (it came from --token or RASLOG_TOKEN), so that file is unchanged.\n",
		       cli_config_file());
	rc = CLI_OK;
out:
	rl_error_clear(&err);
	json_decref(list);
	if (tok) {
		memset(tok, 0, strlen(tok));
		free(tok);
	}
	return rc;
}

static const struct os_opt login_opts[] = {
	{ "server", 0, "URL", "the server to sign in to (stored with the token)", 0, NULL },
	{ "token", 0, "TOKEN", "(ignored: login makes a token)", OS_HIDDEN, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd cli_cmd_login = {
	.name = "login",
	.max_args = 0,
	.summary = "sign in from the browser and store a token (no pasting)",
	.about = "Signs in without pasting a token.  raslog login prints a code and an\n"
		 "address; open the address in a browser where you are signed in to raslog,\n"
		 "check the code and approve.  The token the server then issues (scope write,\n"
		 "named \"raslog login on DATE\") is stored with the server's address in\n"
		 "$XDG_CONFIG_HOME/raslog/config (mode 0600).  'raslog logout' revokes it.\n",
	.opts = login_opts,
	.run = login,
};

const struct os_cmd cli_cmd_logout = {
	.name = "logout",
	.max_args = 0,
	.summary = "revoke the stored token and forget it",
	.about = "Revokes the token raslog is using (on the server) and removes it from\n"
		 "$XDG_CONFIG_HOME/raslog/config.\n",
	.shared = cli_shared_plain,
	.run = logout,
};
