/*
 * config.c - where raslog finds its server and token.  Precedence:
 * --server/--token flags, then RASLOG_SERVER/RASLOG_TOKEN, then
 * $XDG_CONFIG_HOME/raslog/config (default ~/.config/raslog/config), then
 * the default server http://127.0.0.1:8080.  The config file holds
 * "name = value" lines; '#' starts a comment line.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "base/util.h"

#include "base/banned.h"

#define DEFAULT_SERVER "http://127.0.0.1:8080"
#define CONFIG_MAX (64 * 1024)

static const char *flag_server;
static const char *flag_token;

static struct {
	int done;                /* resolved already */
	int rc;                  /* the exit code of that resolution */
	char path[PATH_MAX];     /* the config file */
	char server[1024];       /* normalised base URL */
	char token[512];
	char file_server[1024];  /* values read from the file */
	char file_token[512];
	const char *server_from; /* where the server came from, for messages */
	struct rl_error err;     /* why resolving failed */
} cfg;

void cli_config_set_server(const char *url)
{
	flag_server = url;
}

void cli_config_set_token(const char *token)
{
	flag_token = token;
	if (cfg.done && cfg.rc == 0) /* already resolved (raslog login's new token): it wins from now on */
		snprintf(cfg.token, sizeof(cfg.token), "%s", token);
}

/* A configuration problem: reported as a usage error (exit 2). */
static int config_error(struct rl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int config_error(struct rl_error *err, const char *fmt, ...)
{
	va_list ap;

	rl_error_set(err, RL_E_INVALID, "config", "Configuration problem", "%s", "");
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return -1;
}

static void config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		snprintf(cfg.path, sizeof(cfg.path), "%s/raslog/config", xdg);
	else if (home && home[0])
		snprintf(cfg.path, sizeof(cfg.path), "%s/.config/raslog/config", home);
	else
		cfg.path[0] = '\0';
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Reads the config file if there is one. */
static int read_config(struct rl_error *err)
{
	struct stat st;
	char *text, *line, *save = NULL;

	if (!cfg.path[0])
		return 0;
	if (stat(cfg.path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return config_error(err, "cannot read the config file %s: %s", cfg.path, strerror(errno));
	}
	errno = 0;
	text = rl_read_file(cfg.path, CONFIG_MAX, NULL);
	if (!text)
		return config_error(err, "cannot read the config file %s: %s", cfg.path,
				    errno ? strerror(errno) : "it is larger than 64 KiB");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *l = trim(line), *eq, *name, *value;
		size_t vlen;

		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			config_error(err, "%s: a line reads '%.40s' but every line must be 'name = value'", cfg.path, l);
			free(text);
			return -1;
		}
		*eq = '\0';
		name = trim(l);
		value = trim(eq + 1);
		vlen = strlen(value);
		if (vlen >= 2 && ((value[0] == '"' && value[vlen - 1] == '"') || (value[0] == '\'' && value[vlen - 1] == '\''))) {
			value[vlen - 1] = '\0';
			value++;
		}
		if (strcmp(name, "server") == 0) {
			snprintf(cfg.file_server, sizeof(cfg.file_server), "%s", value);
		} else if (strcmp(name, "token") == 0) {
			snprintf(cfg.file_token, sizeof(cfg.file_token), "%s", value);
			if (st.st_mode & 077)
				fprintf(stderr, "raslog: warning: %s holds a token and other users may read it; "
						"run 'chmod 600 %s'\n", cfg.path, cfg.path);
		} else {
			config_error(err, "%s: unknown setting '%s' (the settings are server and token)", cfg.path, name);
			free(text);
			return -1;
		}
	}
	free(text);
	return 0;
}

/* Copies url into cfg.server without trailing slashes or a trailing /api/v1. */
static int set_server(const char *url, const char *from, struct rl_error *err)
{
	size_t n;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return config_error(err, "the server URL '%s' (%s) must start with http:// or https://", url, from);
	if (snprintf(cfg.server, sizeof(cfg.server), "%s", url) >= (int)sizeof(cfg.server))
		return config_error(err, "the server URL (%s) is too long", from);
	n = strlen(cfg.server);
	while (n > 0 && cfg.server[n - 1] == '/')
		cfg.server[--n] = '\0';
	if (n >= 7 && strcmp(cfg.server + n - 7, "/api/v1") == 0)
		cfg.server[n - 7] = '\0';
	cfg.server_from = from;
	return 0;
}

static int resolve(struct rl_error *err)
{
	const char *env_server = getenv("RASLOG_SERVER");
	const char *env_token = getenv("RASLOG_TOKEN");
	int rc;

	config_path();
	if (!(flag_server && *flag_server) || !(flag_token && *flag_token)) {
		if (read_config(err) < 0)
			return -1;
	}
	if (flag_server && *flag_server)
		rc = set_server(flag_server, "from --server", err);
	else if (env_server && *env_server)
		rc = set_server(env_server, "from RASLOG_SERVER", err);
	else if (cfg.file_server[0])
		rc = set_server(cfg.file_server, "from the config file", err);
	else
		rc = set_server(DEFAULT_SERVER, "the default", err);
	if (rc < 0)
		return -1;
	if (flag_token && *flag_token)
		snprintf(cfg.token, sizeof(cfg.token), "%s", flag_token);
	else if (env_token && *env_token)
		snprintf(cfg.token, sizeof(cfg.token), "%s", env_token);
	else
		snprintf(cfg.token, sizeof(cfg.token), "%s", cfg.file_token);
	return 0;
}

int cli_config_get(const char **server, const char **token, int need_token, struct rl_error *err)
{
	if (!cfg.done) {
		cfg.rc = resolve(&cfg.err);
		cfg.done = 1;
	}
	if (cfg.rc < 0) {
		*err = cfg.err;
		err->extra = NULL;
		return -1;
	}
	for (const char *t = cfg.token; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return config_error(err, "the token holds a space or control character; "
					    "give it exactly as it was issued");
	if (need_token && !cfg.token[0])
		return rl_error_set(err, RL_E_UNAUTH, "no-token", "No token",
				    "no token is set; pass --token, set RASLOG_TOKEN or add 'token = ...' to %s",
				    cfg.path[0] ? cfg.path : "the config file");
	*server = cfg.server;
	*token = cfg.token;
	return 0;
}

const char *cli_config_file(void)
{
	if (!cfg.path[0])
		config_path();
	return cfg.path;
}
