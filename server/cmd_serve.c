/*
 * cmd_serve.c - raslogd serve: checks the database (schema, ledger not
 * behind its last signed head), starts the group-commit writer and the
 * HTTP front, and serves until SIGINT/SIGTERM.  Each setting comes from
 * its flag, else from the config file (config.c), else the default.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "ledger.h"
#include "operator.h"
#include "server.h"
#include "util.h"

#include "banned.h"

extern int ratelimit_max;

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
		{ "public-url", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct http_options opt = { "127.0.0.1", 8080, 4, 1024, 256, 15, ready };
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db;
	char host[64];
	const char *listen = rl_config.listen ? rl_config.listen : "127.0.0.1:8080";
	const char *audit = rl_config.audit;
	const char *public_url = rl_config.public_url;
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
		case 'a': audit = optarg; break;
		case 'p': server_ctx.trusted_proxy = optarg; break;
		case 'u': public_url = optarg; break;
		default:
			goto usage;
		}
	}
	if (rl_config_parse_listen(listen, host, sizeof(host), &opt.port) < 0)
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
	/* Upgrade the schema if needed, then make sure this is not an old copy. */
	if (rl_db_open(path, RL_DB_MIGRATE, &db, &err) < 0)
		return operator_fail(&err);
	rc = rl_ledger_check_restore(db, &err);
	rl_db_close(db);
	if (rc < 0)
		return operator_fail(&err);
	if (rl_writer_start(path, &server_ctx.writer, &err) < 0)
		return operator_fail(&err);
	rc = http_serve(&opt);
	if (server_ctx.writer)
		rl_writer_stop(server_ctx.writer);
	if (server_ctx.audit && server_ctx.audit != stderr)
		fclose(server_ctx.audit);
	return rc;
usage:
	fprintf(stderr, "usage: raslogd --db FILE serve [--listen HOST:PORT] [--web DIR] [--threads N] "
			"[--audit FILE] [--auth-failures N] [--max-connections N] [--trusted-proxy ADDR] "
			"[--public-url URL]\n");
	return 2;
}
