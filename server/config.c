/*
 * config.c - raslogd's configuration file: one [server] section of
 * key = value lines, parsed with inih (Debian's libinih).  Every key is
 * checked here, once, so a typo or a bad value stops the program with the
 * file, the line and the key instead of being silently ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "base/util.h"

const char *rl_config_check_programme_name(const char *s)
{
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return "must not hold control characters";
		if ((*c & 0xc0) != 0x80)
			n++;
	}
	if (n == 0 || n > 200)
		return "must be 1 to 200 characters";
	return NULL;
}

#ifdef RASLOG_HAVE_INIH
#include <ini.h>
#endif

#include "base/banned.h"

struct rl_config rl_config;

int rl_config_parse_listen(const char *s, char *host, size_t hostsize, int *port)
{
	const char *colon = strrchr(s, ':');
	long long n;

	if (!colon || colon == s || (size_t)(colon - s) >= hostsize || rl_parse_int(colon + 1, 1, 65535, &n) < 0)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)n;
	return 0;
}

const char *rl_config_check_public_url(const char *s)
{
	size_t n = strlen(s), scheme;
	const char *host, *p;

	if (strncmp(s, "https://", 8) == 0)
		scheme = 8;
	else if (strncmp(s, "http://", 7) == 0)
		scheme = 7;
	else
		return "must start with http:// or https://";
	if (n >= 256)
		return "must be shorter than 256 characters";
	host = s + scheme;
	if (!*host || *host == '/' || *host == ':')
		return "must name a host after the scheme";
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"<>\\^`{|}", *p))
			return "must not contain spaces, quotes or other characters that need escaping";
	if (strpbrk(host, "?#"))
		return "must not have a query (?) or a fragment (#)";
	if (strchr(host, '@'))
		return "must not carry a user name (@)";
	if (s[n - 1] == '/')
		return "must not end with a slash";
	return NULL;
}

#ifdef RASLOG_HAVE_INIH

enum { K_DATABASE, K_LISTEN, K_WEB, K_THREADS, K_AUDIT, K_AUTH_FAILURES, K_MAX_CONNECTIONS,
       K_KEY_DIR,
       K_PUBLIC_URL,
       K_PROGRAMME_NAME,
       K_METRICS, K_SMTP_URL, K_SMTP_USER, K_SMTP_PASSWORD_FILE, K_MAIL_FROM, K_REMINDER_WAITING, K_REMINDER_DAYS,
       K_OIDC_ISSUER, K_OIDC_NAME, K_OIDC_CLIENT_ID, K_OIDC_CLIENT_SECRET_FILE,
       K_COUNT };

static const struct key {
	const char *name;
	long long min, max;   /* integer keys; min == 0 && max == 0 for strings */
} keys[K_COUNT] = {
	[K_DATABASE] = { "database", 0, 0 },
	[K_LISTEN] = { "listen", 0, 0 },
	[K_WEB] = { "web", 0, 0 },
	[K_THREADS] = { "threads", 1, 64 },
	[K_AUDIT] = { "audit", 0, 0 },
	[K_AUTH_FAILURES] = { "auth_failures", 1, 1000000 },
	[K_MAX_CONNECTIONS] = { "max_connections", 1, 100000 },
	[K_KEY_DIR] = { "key_dir", 0, 0 },
	[K_PUBLIC_URL] = { "public_url", 0, 0 },
	[K_PROGRAMME_NAME] = { "programme_name", 0, 0 },
	/* Operators' metrics and mail (server/metrics.c, server/mailer.c). */
	[K_METRICS] = { "metrics", 0, 0 },
	[K_SMTP_URL] = { "smtp_url", 0, 0 },
	[K_SMTP_USER] = { "smtp_user", 0, 0 },
	[K_SMTP_PASSWORD_FILE] = { "smtp_password_file", 0, 0 },
	[K_MAIL_FROM] = { "mail_from", 0, 0 },
	[K_REMINDER_WAITING] = { "reminder_waiting", 1, 100000 },
	[K_REMINDER_DAYS] = { "reminder_days", 1, 3650 },
	/* Single sign-on with the organisation's OpenID Connect provider (server/routes_oidc.c). */
	[K_OIDC_ISSUER] = { "oidc_issuer", 0, 0 },
	[K_OIDC_NAME] = { "oidc_name", 0, 0 },
	[K_OIDC_CLIENT_ID] = { "oidc_client_id", 0, 0 },
	[K_OIDC_CLIENT_SECRET_FILE] = { "oidc_client_secret_file", 0, 0 },
};

struct parse {
	FILE *f;
	int line;             /* lines handed to inih so far = inih's line number */
	int too_long;         /* line number of the first over-long line */
	int error_line;       /* first error found by the handler */
	char error[1024];
	int seen[K_COUNT];    /* line each key was set on */
	struct rl_config *cfg;
};

/* fgets that counts lines exactly as inih does (one call per line). */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *s = fgets(str, num, p->f);
	size_t len;
	int c;

	if (!s)
		return NULL;
	p->line++;
	len = strlen(s);
	if (len > 0 && s[len - 1] != '\n' && (c = fgetc(p->f)) != EOF) {
		/* Longer than inih's buffer: note it and drop the rest of the line. */
		if (!p->too_long)
			p->too_long = p->line;
		while (c != EOF && c != '\n')
			c = fgetc(p->f);
	}
	return s;
}

static int fail(struct parse *p, const char *fmt, const char *a, const char *b)
{
	if (!p->error_line) {
		p->error_line = p->line;
		snprintf(p->error, sizeof(p->error), fmt, a, b);
	}
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct rl_config *cfg = p->cfg;
	long long n;
	int k;

	if (strcmp(section, "server") != 0)
		return section[0] ? fail(p, "unknown section [%s] (key '%s'); the only section is [server]", section, name)
				  : fail(p, "key '%s' is outside a section%s; put it under [server]", name, "");
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(keys[k].name, name) == 0)
			break;
	if (k == K_COUNT)
		return fail(p, "unknown key '%s'%s; the keys are database, listen, web, threads, audit, "
			       "auth_failures, max_connections, key_dir, public_url, programme_name, metrics, smtp_url, smtp_user, "
			       "smtp_password_file, mail_from, reminder_waiting, reminder_days, oidc_issuer, oidc_name, "
			       "oidc_client_id and oidc_client_secret_file", name, "");
	if (p->seen[k])
		return fail(p, "key '%s' is set twice%s", name, " (or continued on an indented line)");
	p->seen[k] = p->line;
	if (!value[0])
		return fail(p, "key '%s' has an empty value%s", name, "");
	if (keys[k].max) {
		if (rl_parse_int(value, keys[k].min, keys[k].max, &n) < 0) {
			char range[64];
			snprintf(range, sizeof(range), "a whole number from %lld to %lld", keys[k].min, keys[k].max);
			return fail(p, "key '%s' must be %s", name, range);
		}
		if (k == K_THREADS)
			cfg->threads = (int)n;
		else if (k == K_AUTH_FAILURES)
			cfg->auth_failures = (int)n;
		else if (k == K_REMINDER_WAITING)
			cfg->reminder_waiting = (int)n;
		else if (k == K_REMINDER_DAYS)
			cfg->reminder_days = (int)n;
		else
			cfg->max_connections = (int)n;
		return 1;
	}
	if (k == K_LISTEN) {
		char host[64];
		int port;
		if (rl_config_parse_listen(value, host, sizeof(host), &port) < 0)
			return fail(p, "key '%s' must be HOST:PORT (for example 127.0.0.1:8080), not '%s'", name, value);
	}
	if (k == K_METRICS && strcmp(value, "on") != 0 && strcmp(value, "off") != 0 && strcmp(value, "any") != 0)
		return fail(p, "key '%s' must be on (loopback clients only), off or any, not '%s'", name, value);
	if (k == K_SMTP_URL && strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0)
		return fail(p, "key '%s' must be an smtp:// or smtps:// URL, not '%s'", name, value);
	if (k == K_PUBLIC_URL) {
		const char *why = rl_config_check_public_url(value);
		if (why)
			return fail(p, "key 'public_url' %s, not '%s'", why, value);
	}
	if (k == K_OIDC_ISSUER && strncmp(value, "https://", 8) != 0 && strncmp(value, "http://127.0.0.1", 16) != 0 &&
	    strncmp(value, "http://localhost", 16) != 0)
		return fail(p, "key '%s' must be an https:// URL (http:// only on this machine, for tests), not '%s'",
			    name, value);
	if (k == K_PROGRAMME_NAME) {
		const char *why = rl_config_check_programme_name(value);
		if (why)
			return fail(p, "key 'programme_name' %s, not '%s'", why, value);
	}
	{
		char **slot = k == K_DATABASE ? &cfg->database : k == K_LISTEN ? &cfg->listen
			    : k == K_WEB ? &cfg->web : k == K_KEY_DIR ? &cfg->key_dir : k == K_PUBLIC_URL ? &cfg->public_url
			    : k == K_METRICS ? &cfg->metrics : k == K_SMTP_URL ? &cfg->smtp_url
			    : k == K_SMTP_USER ? &cfg->smtp_user : k == K_SMTP_PASSWORD_FILE ? &cfg->smtp_password_file
			    : k == K_MAIL_FROM ? &cfg->mail_from : k == K_OIDC_ISSUER ? &cfg->oidc_issuer
			    : k == K_OIDC_NAME ? &cfg->oidc_name : k == K_OIDC_CLIENT_ID ? &cfg->oidc_client_id
			    : k == K_OIDC_CLIENT_SECRET_FILE ? &cfg->oidc_client_secret_file
			    : k == K_PROGRAMME_NAME ? &cfg->programme_name : &cfg->audit;
		*slot = strdup(value);
		if (!*slot)
			return fail(p, "out of memory reading '%s'%s", name, "");
	}
	return 1;
}

int rl_config_load(const char *path, struct rl_config *cfg)
{
	struct parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	cfg->path = path;
	p.f = fopen(path, "r");
	if (!p.f) {
		fprintf(stderr, "raslogd: cannot read the config file %s: %s\n", path, strerror(errno));
		return 2;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (rc == 0 && !p.too_long)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "raslogd: cannot read the config file %s\n", path);
		return 2;
	}
	/* Report whichever problem comes first in the file. */
	if (p.too_long && (rc == 0 || p.too_long <= rc) && (!p.error_line || p.too_long < p.error_line))
		fprintf(stderr, "raslogd: %s line %d: the line is longer than %d characters\n", path, p.too_long,
			INI_MAX_LINE - 2);
	else if (p.error_line && p.error_line == rc)
		fprintf(stderr, "raslogd: %s line %d: %s\n", path, rc, p.error);
	else
		fprintf(stderr, "raslogd: %s line %d: not a [section] header, a 'key = value' line or a comment\n",
			path, rc);
	return 2;
}

#else /* !RASLOG_HAVE_INIH */

int rl_config_load(const char *path, struct rl_config *cfg)
{
	fprintf(stderr, "raslogd: cannot read the config file %s: this raslogd was built without inih "
			"(install libinih-dev and rebuild)\n", path);
	return 2;
}

#endif
