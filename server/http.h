/*
 * http.h - starting and stopping the HTTP front (server/http.c).
 */
#ifndef RASLOG_HTTP_H
#define RASLOG_HTTP_H

struct http_options {
	const char *host;        /* IPv4 address to listen on */
	int port;
	int threads;             /* libmicrohttpd thread pool size */
	int max_connections;
	int max_per_ip;
	int timeout;             /* seconds of idleness before a connection is closed */
	void (*on_ready)(const struct http_options *opt);
	void (*on_stopping)(void); /* NULL, or called once a signal says stop, before the writer stops */
};

/* Serves until SIGINT or SIGTERM; returns the process exit code. */
int http_serve(const struct http_options *opt);

#endif
