/*
 * cmd_serve.c - raslogd serve: checks the database (schema, file modes,
 * key files, ledger neither behind nor different from its signed heads), starts the group-commit writer and the
 * HTTP front, and serves until SIGINT/SIGTERM.  Each setting comes from
 * its flag, else from the config file (config.c), else the default.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "store/db.h"
#include "http.h"
#include "ledger/ledger.h"
#include "mailer.h"
#include "metrics.h"
#include "operator.h"
#include "store/secrets.h"
#include "server.h"
#include "base/util.h"

#include "base/banned.h"

extern int ratelimit_max;
extern int ratelimit_writes;

static void ready(const struct http_options *opt)
{
	fprintf(stderr, "raslogd: serving http://%s:%d/ (database %s; public URL %s)\n", opt->host, opt->port,
		server_ctx.db_path, server_ctx.public_url);
}

int cmd_serve(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "web", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "audit", required_argument, NULL, 'a' },
		{ "auth-failures", required_argument, NULL, 'f' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "trusted-proxy", required_argument, NULL, 'p' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "max-per-address", required_argument, NULL, 'i' },
		{ "head-timeout", required_argument, NULL, 'H' },
		{ "body-timeout", required_argument, NULL, 'B' },
		{ "reserve", required_argument, NULL, 'r' },
		{ "write-rate", required_argument, NULL, 'W' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "programme-name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct http_options opt = { "127.0.0.1", 8080, 4, 1024, 0, 15, ready };
	int reserve = -1;
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	struct mailer_config mail;
	char host[64];
	const char *listen = rl_config.listen ? rl_config.listen : "127.0.0.1:8080";
	const char *audit = rl_config.audit;
	const char *public_url = rl_config.public_url;
	const char *programme_name = rl_config.programme_name;
	static char default_url[96];
	long long n;
	int c, rc;

	server_ctx.web_dir = rl_config.web ? rl_config.web : "web";
	server_ctx.audit = stderr;
	if (rl_config.threads)
		opt.threads = rl_config.threads;
	if (rl_config.max_connections)
		opt.max_connections = rl_config.max_connections;
	if (rl_config.auth_failures)
		ratelimit_max = rl_config.auth_failures;
	if (rl_config.metrics)
		metrics_parse_access(rl_config.metrics, &metrics_access);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'w': server_ctx.web_dir = optarg; break;
		case 't':
			if (rl_parse_int(optarg, 1, 64, &n) < 0)
				goto usage;
			opt.threads = (int)n;
			break;
		case 'c':
			if (rl_parse_int(optarg, 1, 100000, &n) < 0)
				goto usage;
			opt.max_connections = (int)n;
			break;
		case 'f':
			if (rl_parse_int(optarg, 1, 1000000, &n) < 0)
				goto usage;
			ratelimit_max = (int)n;
			break;
		case 'i':
			if (rl_parse_int(optarg, 1, 100000, &n) < 0)
				goto usage;
			opt.max_per_ip = (int)n;
			break;
		case 'H':
			if (rl_parse_int(optarg, 1, 3600, &n) < 0)
				goto usage;
			guard_settings.head_timeout = (int)n;
			break;
		case 'B':
			if (rl_parse_int(optarg, 1, 3600, &n) < 0)
				goto usage;
			guard_settings.body_timeout = (int)n;
			break;
		case 'r':
			if (rl_parse_int(optarg, 0, 100000, &n) < 0)
				goto usage;
			reserve = (int)n;
			break;
		case 'W':
			if (rl_parse_int(optarg, 0, 1000000, &n) < 0)
				goto usage;
			ratelimit_writes = (int)n;
			break;
		case 'a': audit = optarg; break;
		case 'p': server_ctx.trusted_proxy = optarg; break;
		case 'm':
			if (metrics_parse_access(optarg, &metrics_access) < 0)
				goto usage;
			break;
		case 'u': public_url = optarg; break;
		case 'N': programme_name = optarg; break;
		default:
			goto usage;
		}
	}
	if (rl_config_parse_listen(listen, host, sizeof(host), &opt.port) < 0)
		goto usage;
	/*
	 * One address may hold 32 connections (behind a reverse proxy every
	 * client shares the proxy's address, so there the default is the
	 * total); a sixteenth of the total is kept free for new connections.
	 */
	if (!opt.max_per_ip)
		opt.max_per_ip = server_ctx.trusted_proxy ? opt.max_connections
			       : opt.max_connections < 32 ? opt.max_connections : 32;
	if (opt.max_per_ip > opt.max_connections)
		opt.max_per_ip = opt.max_connections;
	guard_settings.reserve = reserve >= 0 ? reserve : opt.max_connections / 16;
	if (guard_settings.reserve >= opt.max_connections)
		goto usage;
	opt.host = host;
	/*
	 * Every URL inside an issued document (a credential's status list,
	 * the PDF's verify link) is built from this one setting, never from a
	 * request header, so a client cannot point a credential elsewhere.
	 */
	if (!public_url) {
		snprintf(default_url, sizeof(default_url), "http://%s:%d", host, opt.port);
		public_url = default_url;
	} else {
		const char *why = rl_config_check_public_url(public_url);
		if (why) {
			fprintf(stderr, "raslogd: --public-url %s, not '%s' (for example https://raslog.example.org)\n",
				why, public_url);
			return 2;
		}
	}
	server_ctx.public_url = public_url;
	if (programme_name) {
		const char *why = rl_config_check_programme_name(programme_name);
		if (why) {
			fprintf(stderr, "raslogd: --programme-name %s, not '%s'\n", why, programme_name);
			return 2;
		}
	}
	server_ctx.programme_name = programme_name;
	/*
	 * The log's checkpoint origin (and signed-note key name): the public
	 * URL without its scheme ("logbook.example.nhs.uk"), so it stays the
	 * same when the listen address changes.
	 */
	server_ctx.log_origin = strstr(public_url, "://") + 3;
	if (audit) {
		server_ctx.audit = fopen(audit, "a");
		if (!server_ctx.audit) {
			fprintf(stderr, "raslogd: cannot open the audit log %s\n", audit);
			return 1;
		}
	}
	server_ctx.db_path = path;
	/* glibc gives each thread its own arena; two keep the resident size small. */
	mallopt(M_ARENA_MAX, 2);
	/* Upgrade the schema if needed (moving keys still inside the database out),
	 * then: the database files private, every key file present and this
	 * database's, and the ledger neither an old copy nor altered. */
	if (rl_db_open(path, RL_DB_MIGRATE, &db, &err) < 0)
		return operator_fail(&err);
	/* A file raslogd may not chmod (another owner) is said, not fatal: init is where modes are fixed. */
	if (rl_db_secure_files(path, &err) < 0) {
		fprintf(stderr, "raslogd: warning: %s\n", err.detail);
		rl_error_clear(&err);
	}
	rc = rl_secrets_check(db, &err);
	if (rc == 0)
		rc = rl_ledger_check_restore(db, &err);
	rl_db_close(db);
	if (rc < 0)
		return operator_fail(&err);
	if (rl_writer_start(path, &server_ctx.writer, &err) < 0)
		return operator_fail(&err);
	mailer_config_load(&mail);
	mail.public_url = server_ctx.public_url; /* --public-url or the config's, checked above */
	if (mailer_start(&mail, server_ctx.writer) < 0)
		fprintf(stderr, "raslogd: cannot start the mail sender; mail stays in the outbox\n");
	rc = http_serve(&opt);
	mailer_stop();
	if (server_ctx.writer)
		rl_writer_stop(server_ctx.writer);
	if (server_ctx.audit && server_ctx.audit != stderr)
		fclose(server_ctx.audit);
	return rc;
usage:
	fprintf(stderr, "usage: raslogd --db FILE serve [--listen HOST:PORT] [--web DIR] [--threads N] "
			"[--audit FILE] [--auth-failures N] [--max-connections N] [--max-per-address N] "
			"[--reserve N] [--head-timeout SECONDS] [--body-timeout SECONDS] [--write-rate N] "
			"[--trusted-proxy ADDR] [--public-url URL] [--programme-name NAME] [--metrics on|off|any]\n");
	return 2;
}
