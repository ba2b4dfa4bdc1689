/*
 * config.h - raslogd's configuration file (INI, read with inih).
 *
 *   [server]
 *   database = /var/lib/raslog/raslog.db
 *   listen = 127.0.0.1:8080
 *   web = /usr/share/raslog/web
 *   threads = 4
 *   audit = /var/log/raslog/audit.log
 *   auth_failures = 20
 *   max_connections = 1024
 *   key_dir = /var/lib/raslog/raslog.db.keys
 *   public_url = https://raslog.example.org
 *   programme_name = East of England RAS training programme   (the credential issuer's name)
 *   metrics = on                  (on: loopback clients only; off; any)
 *   smtp_url = smtp://relay.example.org:587
 *   smtp_user = raslog
 *   smtp_password_file = /etc/raslog/smtp-password
 *   mail_from = raslog@example.org
 *   reminder_waiting = 25         (remind a trainer when more sessions than this wait)
 *   reminder_days = 30            (... or when one has waited more days than this)
 *   oidc_issuer = https://login.microsoftonline.com/TENANT/v2.0
 *   oidc_name = NHSmail           ("Sign in with NHSmail" on the sign-in page)
 *   oidc_client_id = 00000000-0000-0000-0000-000000000000
 *   oidc_client_secret_file = /etc/raslog/oidc-secret   (mode 0600; none: a public client, PKCE only)
 *
 * Precedence: command-line flags > environment (RASLOG_DB) > this file >
 * built-in defaults.  main.c loads the file named by --config or
 * $RASLOG_CONFIG before running any command; cmd_serve.c takes its
 * defaults from it.
 */
#ifndef RASLOG_CONFIG_H
#define RASLOG_CONFIG_H

#include <stddef.h>

struct rl_config {
	const char *path;     /* the file read; NULL when there is none */
	char *database;       /* each NULL / 0 when the file does not set it */
	char *listen;
	char *web;
	char *audit;
	char *public_url;     /* the base of every URL in issued documents */
	char *programme_name; /* the issuer name in credentials and the PDF */
	int threads;
	int auth_failures;
	int max_connections;
	char *key_dir;        /* the log, issuer and token key files (secrets.h) */
	char *metrics;        /* on, off or any */
	char *smtp_url;       /* mail relay; without it the outbox fills and nothing is sent */
	char *smtp_user;
	char *smtp_password_file;
	char *mail_from;
	int reminder_waiting;
	int reminder_days;
	char *oidc_issuer;    /* single sign-on: the provider (server/routes_oidc.c) */
	char *oidc_name;
	char *oidc_client_id;
	char *oidc_client_secret_file;
};

/* The loaded file (all NULL / 0 without one).  Set once by main.c. */
extern struct rl_config rl_config;

/*
 * Reads path into cfg.  Returns 0, or prints one sentence naming the file,
 * the line and the key on stderr and returns the exit code (2).
 */
int rl_config_load(const char *path, struct rl_config *cfg);

/*
 * Checks a public base URL: http:// or https://, a host, no user name,
 * query, fragment or trailing slash, nothing that needs escaping.
 * Returns NULL when good, else the reason ("must ...").
 */
const char *rl_config_check_public_url(const char *s);

/* Checks a programme name: 1-200 characters, no control characters; NULL when good, else the reason. */
const char *rl_config_check_programme_name(const char *s);

/* Parses HOST:PORT (IPv4 host, port 1-65535); 0 ok, -1 otherwise. */
int rl_config_parse_listen(const char *s, char *host, size_t hostsize, int *port);

#endif
