/*
 * cmd_serve.c - raslogd serve: checks the database (schema, file modes,
 * key files, ledger neither behind nor different from its signed heads), starts the group-commit writer and the
 * HTTP front, and serves until SIGINT/SIGTERM.  Each setting comes from
 * its flag, else from the config file (config.c), else the default.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <jansson.h>

#include "config.h"
#include "domain/notify.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "store/db.h"
#include "http.h"
#include "ledger/ledger.h"
#include "mailer.h"
#include "metrics.h"
#include "operator.h"
#include "store/secrets.h"
#include "server.h"
#include "base/util.h"
#include "../cli/optspec.h"

#include "base/banned.h"

extern int ratelimit_max;
extern int ratelimit_writes;

static void ready(const struct http_options *opt)
{
	fprintf(stderr, "raslogd: serving http://%s:%d/ (database %s; public URL %s)\n", opt->host, opt->port,
		server_ctx.db_path, server_ctx.public_url);
}

/*
 * The start-up check of the cached figures (issue 13): every trainee's
 * trainee_tally and trainee_status rows against the figures the ledger
 * gives.  A difference is rewritten from the ledger and each one is an
 * audit event "figures.drift" naming the trainee, the requirement (or the
 * list's column), the cached value and the ledger's; stderr says how many
 * when the check ends.
 *
 * It runs in the background while raslogd serves (issue 18: at full scale
 * it kept the server from answering for minutes), on a connection of its
 * own, CHECK_BATCH trainees at a time (rl_progress_check_batch_read: short
 * read transactions, none open while it computes), one trainee's entries
 * in memory at a time.  It runs under SCHED_IDLE (below), so a busy server
 * can starve it for minutes: nothing may wait for it, and it may hold
 * nothing others need while it can be starved.  So it holds no snapshot
 * while it computes, and it never writes itself: a batch with rows to
 * rewrite, from the first such trainee on (rl_progress_check_batch), is a
 * job of the writer, whose thread runs at the server's priority and which
 * orders it with every other write, the mailer's reminder and digest
 * passes included (issue 18: back to back write transactions of the check's
 * own connection made the writer's passes time out on the lock at full
 * scale, so the passes waited for the whole check; they wait for nothing
 * now).  Readers do not wait for it: every read checks the seals of the rows
 * it uses, and a broken or stale trainee is repaired from the ledger on
 * demand (routes_progress.c repair_then).
 *
 * Test hooks, not for production: RASLOGD_TEST_CHECK_HOLD=FILE makes the
 * check wait, before each batch, until FILE exists
 * (tests/api/31-startup-check.sh: the server answers, and a tampered row
 * is caught by a read, while the check has not reached it);
 * RASLOGD_TEST_CHECK_PAUSE=FILE, before computing each trainee's figures,
 * where a starved check is most of its time (tests/api/74-remind-wait.sh:
 * the passes run, and the WAL checkpoints, while it is paused there).
 */
#define CHECK_BATCH 16
#define CHECK_TRIM_EVERY 16 /* batches: 256 trainees */

static struct {
	pthread_t thread;
	int started;
	_Atomic int stop;
	const char *path;
	struct rl_writer *writer; /* writes the rows that differ */
} startup_check;

/* A test hook's wait, until the file $VAR names exists; 0 to go on, -1 when raslogd is stopping. */
static int check_wait(const char *var)
{
	const char *hold = getenv(var);

	while (hold && *hold && access(hold, F_OK) != 0) {
		if (startup_check.stop)
			return -1;
		usleep(20 * 1000);
	}
	return startup_check.stop ? -1 : 0;
}

static int check_hold(void) { return check_wait("RASLOGD_TEST_CHECK_HOLD"); }

static int check_pause(void)
{
	static int said;
	const char *pause = getenv("RASLOGD_TEST_CHECK_PAUSE");

	if (pause && *pause && !said && access(pause, F_OK) != 0) {
		said = 1; /* (the test waits for this line: the check is there) */
		fprintf(stderr, "raslogd: test hook RASLOGD_TEST_CHECK_PAUSE: the start-up check waits before a trainee's "
			"figures\n");
	}
	return check_wait("RASLOGD_TEST_CHECK_PAUSE");
}

/* The writer's job: the rest of a batch from its first trainee to rewrite (it may run twice: see writer.h). */
struct check_write {
	int64_t from, after;
	int max, n, more;
	json_t *drift;
};

static int check_write_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct check_write *cw = job->ctx;

	cw->after = cw->from;
	json_array_clear(cw->drift);
	cw->n = rl_progress_check_batch(db, &cw->after, cw->max, cw->drift, &cw->more, err);
	return cw->n < 0 ? -1 : 0;
}

/*
 * The check yields the CPU to the request threads (issue 18: beside it, at
 * full scale, GET /ledger/head at one connection had a p99 of 1.5-3.5 ms
 * against 0.2 ms without it): the thread runs under SCHED_IDLE, and
 * CHECK_NICE nicer than the server too (what it keeps where SCHED_IDLE is
 * refused; 19 at most), named
 * "raslogd-check" so the test (tests/api/34-check-yields.sh) and an
 * operator's top can see it.  Nice alone was not enough: the scheduler
 * (EEVDF) lets a running task of any weight finish its slice before a
 * woken one runs, so a request thread woken on the check's core could
 * wait a slice (about 1.5 ms on two cores) at each of a request's
 * wake-ups; a SCHED_IDLE task is preempted by any other at once.  Starved,
 * it holds no lock and no snapshot (above), so being slow costs no writer
 * and no reader anything.
 */
#define CHECK_NICE 10

static void check_lower_priority(void)
{
	struct sched_param idle = { .sched_priority = 0 };
	id_t self = (id_t)syscall(SYS_gettid);
	int rc, nice_now;

	pthread_setname_np(pthread_self(), "raslogd-check");
	errno = 0;
	nice_now = getpriority(PRIO_PROCESS, self);
	if (errno != 0)
		nice_now = 0;
	if (setpriority(PRIO_PROCESS, self, nice_now + CHECK_NICE > 19 ? 19 : nice_now + CHECK_NICE) < 0)
		fprintf(stderr, "raslogd: the start-up check runs at the server's priority (%s)\n", strerror(errno));
	if ((rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle)) != 0)
		fprintf(stderr, "raslogd: the start-up check runs %d nicer, not SCHED_IDLE (%s)\n", CHECK_NICE,
			strerror(rc));
}

static void *check_figures(void *arg)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = NULL;
	json_t *drift = json_array(), *d;
	int64_t after = 0;
	long trainees = 0, total = 0, batches = 0;
	int n = 0, checked = 1;
	size_t i;

	(void)arg;
	if (rl_db_open(startup_check.path, 0, &db, &err) < 0)
		goto out;
	check_lower_priority();
	while (checked > 0 && check_hold() == 0) {
		int dirty;

		/* Read first, in short read transactions: a batch whose rows are right writes nothing. */
		dirty = rl_progress_check_batch_read(db, &after, CHECK_BATCH, &checked, check_pause, &err);
		if (dirty < 0)
			goto out;
		n = 0;
		if (dirty) {
			/* From the first trainee to rewrite, the rest of the batch: the writer's job. */
			struct check_write cw = { .from = after, .max = CHECK_BATCH - checked > 0 ? CHECK_BATCH - checked : 1,
						  .drift = drift };
			struct rl_job job = { .run = check_write_run, .ctx = &cw, .err = RL_ERROR_INIT };

			if (rl_writer_call(startup_check.writer, &job) < 0) {
				err = job.err; /* (what it holds is err's now) */
				goto out;
			}
			n = cw.n;
			after = cw.after;
			checked += cw.more;
		}
		json_array_foreach(drift, i, d)
			audit_drift(d);
		json_array_clear(drift);
		if (n > 0)
			cache_invalidate(); /* replies made from the rows just rewritten */
		total += n;
		trainees += checked;
		/*
		 * The check parses every trainee's entries while the request threads
		 * allocate in the same two arenas: the holes its frees leave between
		 * their blocks stay resident (full scale: 26 -> 100 MiB in 10 s of
		 * progress reads at 64 connections).  Hand them back now and then.
		 */
		if (++batches % CHECK_TRIM_EVERY == 0)
			malloc_trim(0);
	}
	if (startup_check.stop)
		goto out; /* stopping before the end: nothing to sum up */
	if (total > 0)
		fprintf(stderr, "raslogd: start-up check: %ld cached figure%s differed from the signed ledger and %s "
			"rebuilt from it (each is a figures.drift event in the audit log)\n", total, total == 1 ? "" : "s",
			total == 1 ? "was" : "were");
	else
		fprintf(stderr, "raslogd: start-up check: the cached figures of %ld trainee%s match the signed ledger\n",
			trainees, trainees == 1 ? "" : "s");
out:
	if (err.status)
		fprintf(stderr, "raslogd: start-up check: stopped after %ld trainee%s (%s); every read still checks "
			"the seals of the figures it serves\n", trainees, trainees == 1 ? "" : "s", err.detail);
	rl_error_clear(&err);
	json_decref(drift);
	rl_db_close(db);
	return NULL;
}

static void check_figures_start(const char *path, struct rl_writer *writer)
{
	startup_check.path = path;
	startup_check.writer = writer;
	startup_check.stop = 0;
	startup_check.started = pthread_create(&startup_check.thread, NULL, check_figures, NULL) == 0;
	if (!startup_check.started) {
		fprintf(stderr, "raslogd: cannot start the start-up check of the cached figures; every read still "
			"checks the seals of the figures it serves\n");
	}
}

static void check_figures_stop(void)
{
	if (startup_check.started) {
		startup_check.stop = 1;
		pthread_join(startup_check.thread, NULL);
		startup_check.started = 0;
	}
}

/*
 * glibc's allocator for a server whose threads hand memory to each other.
 * Each thread that allocates on the request path gets an arena of its own
 * (the HTTP threads, the writer, the start-up check, the mailer, the main
 * thread): with two arenas for them all (what raslogd set before issue 18's
 * session 10) the writer and the HTTP threads queued on the arenas' locks
 * (futex waits and wake-ups on every side, 4-5% of the CPU of session
 * logging).  The top of a heap is handed back to the system only once
 * 32 MiB are free there, and blocks of 1 MiB or more are mapped on their
 * own, so the batches' frees do not trim and grow the heaps again and
 * again (brk, madvise and munmap, each a TLB shootdown on this VM).  The
 * start-up check still trims what it left (malloc_trim above).
 */
static void allocator_setup(int threads)
{
	mallopt(M_ARENA_MAX, threads + 4);
	mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
}

static int cmd_serve(const struct os_args *args)
{
	const char *path = args->ctx, *val;
	int pos = 0;
	struct http_options opt = { .host = "127.0.0.1", .port = 8080, .threads = 4, .max_connections = 1024,
				    .timeout = 15, .on_ready = ready, .on_stopping = check_figures_stop };
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
	while ((c = os_next(args, &pos, &val)) != -1) {
		switch (c) {
		case 'l': listen = val; break;
		case 'w': server_ctx.web_dir = val; break;
		case 't':
			if (rl_parse_int(val, 1, 64, &n) < 0)
				goto usage;
			opt.threads = (int)n;
			break;
		case 'c':
			if (rl_parse_int(val, 1, 100000, &n) < 0)
				goto usage;
			opt.max_connections = (int)n;
			break;
		case 'f':
			if (rl_parse_int(val, 1, 1000000, &n) < 0)
				goto usage;
			ratelimit_max = (int)n;
			break;
		case 'i':
			if (rl_parse_int(val, 1, 100000, &n) < 0)
				goto usage;
			opt.max_per_ip = (int)n;
			break;
		case 'H':
			if (rl_parse_int(val, 1, 3600, &n) < 0)
				goto usage;
			guard_settings.head_timeout = (int)n;
			break;
		case 'B':
			if (rl_parse_int(val, 1, 3600, &n) < 0)
				goto usage;
			guard_settings.body_timeout = (int)n;
			break;
		case 'r':
			if (rl_parse_int(val, 0, 100000, &n) < 0)
				goto usage;
			reserve = (int)n;
			break;
		case 'W':
			if (rl_parse_int(val, 0, 1000000, &n) < 0)
				goto usage;
			ratelimit_writes = (int)n;
			break;
		case 'a': audit = val; break;
		case 'p': server_ctx.trusted_proxy = val; break;
		case 'm':
			if (metrics_parse_access(val, &metrics_access) < 0)
				goto usage;
			break;
		case 'u': public_url = val; break;
		/* Single sign-on: each flag overrides its config key (server/routes_oidc.c reads them). */
		case 'O': rl_config.oidc_issuer = (char *)val; break;
		case 'N': rl_config.oidc_name = (char *)val; break;
		case 'C': rl_config.oidc_client_id = (char *)val; break;
		case 'S': rl_config.oidc_client_secret_file = (char *)val; break;
		case 'P': programme_name = val; break;
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
	rc = oidc_configure();
	if (rc)
		return rc;
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
	allocator_setup(opt.threads);
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
	/* While serving, a write that finds a trainee's cached rows tampered with names the drift too. */
	rl_progress_drift_hook = audit_drift;
	/*
	 * Each batch writes a trainee's status row once, not once per job (domain/progress_batch.h), and its
	 * decision mails in a few statements at its end (domain/notify.h).
	 */
	static const struct rl_writer_hooks *const layers[] = { &rl_progress_writer_hooks, &rl_notify_writer_hooks };
	if (rl_writer_start_layers(path, layers, sizeof(layers) / sizeof(layers[0]), &server_ctx.writer, &err) < 0)
		return operator_fail(&err);
	rl_progress_list_writer(server_ctx.writer); /* the list follows its commits (domain/progress.h) */
	check_figures_start(path, server_ctx.writer);
	mailer_config_load(&mail);
	mail.public_url = server_ctx.public_url; /* --public-url or the config's, checked above */
	if (mailer_start(&mail, server_ctx.writer) < 0)
		fprintf(stderr, "raslogd: cannot start the mail sender; mail stays in the outbox\n");
	if (cache_watch_start(path) < 0)
		fprintf(stderr, "raslogd: cannot start listening for other servers' commits\n");
	rc = http_serve(&opt);
	check_figures_stop();
	cache_watch_stop();
	mailer_stop();
	rl_progress_list_writer(NULL);
	if (server_ctx.writer)
		rl_writer_stop(server_ctx.writer);
	if (server_ctx.audit && server_ctx.audit != stderr)
		fclose(server_ctx.audit);
	return rc;
usage:
	os_usage(stderr, args->cmd);
	return 2;
}

static const struct os_opt serve_opts[] = {
	{ "listen", 'l', "HOST:PORT", "where to listen (default 127.0.0.1:8080)", 0, NULL },
	{ "public-url", 'u', "URL", "the address people use; every issued link is built from it", 0, NULL },
	{ "programme-name", 'P', "NAME", "the programme's name: the issuer of credentials, a line of the PDF", 0, NULL },
	{ "web", 'w', "DIR", "the web page's files (default web)", 0, NULL },
	{ "threads", 't', "N", "worker threads, 1..64 (default 4)", 0, NULL },
	{ "audit", 'a', "FILE", "append the audit log (JSON Lines) to FILE (default stderr)", 0, NULL },
	{ "auth-failures", 'f', "N", "failed sign-ins an address may make before it waits", 0, NULL },
	{ "max-connections", 'c', "N", "connections at once, 1..100000 (default 1024)", 0, NULL },
	{ "max-per-address", 'i', "N", "connections one address may hold", 0, NULL },
	{ "reserve", 'r', "N", "connections kept free for new clients", 0, NULL },
	{ "head-timeout", 'H', "SECONDS", "time a client has to send its request head", 0, NULL },
	{ "body-timeout", 'B', "SECONDS", "time a client has to send its request body", 0, NULL },
	{ "write-rate", 'W', "N", "writes per user and minute (0: no limit)", 0, NULL },
	{ "trusted-proxy", 'p', "ADDR", "the reverse proxy whose X-Forwarded-For is believed", 0, NULL },
	{ "metrics", 'm', "on|off|any", "who may read /metrics", 0, NULL },
	{ "oidc-issuer", 'O', "URL", "single sign-on: the OpenID provider (https; http only on loopback)", 0, NULL },
	{ "oidc-client-id", 'C', "ID", "single sign-on: raslog's client id at the provider", 0, NULL },
	{ "oidc-client-secret-file", 'S', "FILE", "single sign-on: the client secret, in a 0600 file", 0, NULL },
	{ "oidc-name", 'N', "NAME", "single sign-on: the organisation named on the sign-in button", 0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL },
};

const struct os_cmd op_cmd_serve = {
	.name = "serve",
	.max_args = 0,
	.summary = "serve the API and the web page until SIGINT or SIGTERM",
	.about = "Checks the database (schema, file modes, key files, the ledger against its\n"
		 "signed heads), then serves.  Each setting comes from its flag, else from the\n"
		 "config file, else the default.\n",
	.opts = serve_opts,
	.run = cmd_serve,
};
