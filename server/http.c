/*
 * http.c - the libmicrohttpd front of raslogd: daemon options (epoll,
 * thread pool, connection and per-IP limits, timeouts, strict parsing,
 * bounded memory, guard.c's framing guard and watchdog), the request life
 * cycle (framing checks, body reading with a hard cap, dispatch,
 * suspend/resume around group-committed writes, the thread that resumes)
 * and the per-thread read connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "mailer.h"
#include "metrics.h"
#include "domain/imports.h"
#include "server.h"
#include "base/util.h"

#include "base/banned.h"

struct server server_ctx;

/* Read-only connections, one per HTTP thread, closed at shutdown. */
static pthread_mutex_t readers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rl_db *readers[64];
static int nreaders;
static _Thread_local struct rl_db *thread_db;

struct rl_db *server_db(void)
{
	struct rl_error err = RL_ERROR_INIT;

	if (thread_db)
		return thread_db;
	if (rl_db_open(server_ctx.db_path, RL_DB_READONLY, &thread_db, &err) < 0) {
		fprintf(stderr, "raslogd: %s\n", err.detail);
		rl_error_clear(&err);
		return NULL;
	}
	pthread_mutex_lock(&readers_lock);
	if (nreaders < (int)(sizeof(readers) / sizeof(readers[0])))
		readers[nreaders++] = thread_db;
	pthread_mutex_unlock(&readers_lock);
	return thread_db;
}

static void close_readers(void)
{
	pthread_mutex_lock(&readers_lock);
	for (int i = 0; i < nreaders; i++)
		rl_db_close(readers[i]);
	nreaders = 0;
	pthread_mutex_unlock(&readers_lock);
}

/* Counts headers named name; MHD 0.9.75 keeps duplicates, so we can see them. */
static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct { const char *name; int n; } *c = cls;

	if (strcasecmp(key, c->name) == 0)
		c->n++;
	return MHD_YES;
}

static int header_count(struct MHD_Connection *conn, const char *name)
{
	struct { const char *name; int n; } c = { name, 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &c);
	return c.n;
}

/*
 * Header lines libmicrohttpd 0.9.75 lets through that another HTTP parser
 * may read differently: whitespace between a field name and its colon
 * ("Content-Length : 5" is not a Content-Length to MHD, so the body would
 * be read as a second request), a folded (obs-fold) line, and a
 * Content-Length that is not plain digits.  RFC 9112 sections 5.1, 5.2 and
 * 6.3 say to refuse them with 400.
 */
static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	int *bad = cls;

	if (strpbrk(key, " \t\r\n") || (value && strpbrk(value, "\r\n")))
		*bad = 1;
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0 &&
		 (!value || !*value || strspn(value, "0123456789") != strlen(value)))
		*bad = 1;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0 && strcasecmp(value ? value : "", "chunked") != 0)
		*bad = 1; /* "chunked, chunked", "gzip, chunked", "identity": MHD reads them differently from proxies */
	return MHD_YES;
}

static int headers_ambiguous(struct MHD_Connection *conn)
{
	int bad = 0;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, check_header, &bad);
	return bad;
}

size_t server_body_limit(const char *method, const char *path)
{
	if (strcmp(method, "POST") == 0 && path && strcmp(path, "/api/v1/imports") == 0)
		return RL_IMPORT_MAX_BODY;
	if (strcmp(method, "POST") == 0 && path && strcmp(path, "/api/v1/signoffs") == 0)
		return RL_IMPORT_MAX_SIGNOFF_BODY; /* a simulator_import statement carries every attempt's result */
	return SERVER_MAX_BODY;
}

/*
 * A request id: 16 hex digits, unique and unguessable.  SipHash of this
 * thread's count of requests under a key drawn once per thread, rather
 * than random bytes per request, which cost a getrandom system call each.
 */
static void request_id(char out[17])
{
	static _Thread_local uint8_t key[crypto_shorthash_KEYBYTES];
	static _Thread_local uint64_t count;
	uint8_t in[16], h[crypto_shorthash_BYTES];

	if (count == 0)
		randombytes_buf(key, sizeof(key)); /* distinct per thread: the key, not the count, tells threads apart */
	count++;
	memcpy(in, &count, sizeof(count));
	memset(in + sizeof(count), 0, sizeof(in) - sizeof(count));
	crypto_shorthash(h, in, sizeof(in), key);
	sodium_bin2hex(out, 17, h, sizeof(h));
}

/*
 * Spare requests.  A struct request is about 5 KiB (the job's rl_error),
 * and glibc serves a request of that size only after consolidating the
 * arena's fastbins (malloc_consolidate: 2-3% of the HTTP threads' samples
 * under scenario 1's load).  So each thread keeps up to SPARE_REQUESTS
 * freed ones to reuse, zeroed as calloc would; a thread's spares are
 * freed when it exits.
 */
#define SPARE_REQUESTS 64

struct spares {
	int n;
	struct request *rq[SPARE_REQUESTS];
};

static pthread_key_t spares_key;
static pthread_once_t spares_once = PTHREAD_ONCE_INIT;

static void spares_free(void *v)
{
	struct spares *sp = v;

	for (int i = 0; i < sp->n; i++)
		free(sp->rq[i]);
	free(sp);
}

static void spares_init(void)
{
	if (pthread_key_create(&spares_key, spares_free) != 0)
		abort(); /* only when the process is out of keys at start-up */
}

static struct spares *spares_of_thread(void)
{
	struct spares *sp;

	pthread_once(&spares_once, spares_init);
	if (!(sp = pthread_getspecific(spares_key)) && (sp = calloc(1, sizeof(*sp))) &&
	    pthread_setspecific(spares_key, sp) != 0) {
		free(sp);
		sp = NULL;
	}
	return sp;
}

static struct request *request_alloc(void)
{
	struct spares *sp = spares_of_thread();
	struct request *rq;

	if (!sp || sp->n == 0)
		return calloc(1, sizeof(struct request));
	rq = sp->rq[--sp->n];
	memset(rq, 0, sizeof(*rq));
	return rq;
}

static void request_dispose(struct request *rq)
{
	struct spares *sp = spares_of_thread();

	if (sp && sp->n < SPARE_REQUESTS)
		sp->rq[sp->n++] = rq;
	else
		free(rq);
}

static struct request *request_new(struct MHD_Connection *conn, const char *url, const char *method)
{
	struct request *rq = request_alloc();
	const union MHD_ConnectionInfo *ci;
	const char *q;

	if (!rq)
		return NULL;
	rq->conn = conn;
	rq->t0_ns = metrics_now_ns();
	snprintf(rq->method, sizeof(rq->method), "%s", method);
	q = strchr(url, '?');
	rq->path = q ? strndup(url, (size_t)(q - url)) : strdup(url);
	rl_buf_init(&rq->body, server_body_limit(rq->method, rq->path));
	request_id(rq->id);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, rq->ip, sizeof(rq->ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, rq->ip, sizeof(rq->ip));
	}
	/*
	 * Behind a reverse proxy every client arrives from the proxy's
	 * address; believe the last X-Forwarded-For hop (the one that proxy
	 * added) only when the peer is the configured proxy, so rate limits
	 * and the audit trail see the real client.
	 */
	if (server_ctx.trusted_proxy && strcmp(rq->ip, server_ctx.trusted_proxy) == 0) {
		const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
		const char *last = xff ? strrchr(xff, ',') : NULL;
		char hop[48];
		unsigned char tmp[16];

		if (xff) {
			last = last ? last + 1 : xff;
			while (*last == ' ')
				last++;
			snprintf(hop, sizeof(hop), "%.*s", (int)strcspn(last, " "), last);
			if (inet_pton(AF_INET, hop, tmp) == 1 || inet_pton(AF_INET6, hop, tmp) == 1)
				snprintf(rq->ip, sizeof(rq->ip), "%s", hop);
		}
	}
	/*
	 * Request smuggling guard: two Content-Length headers, or one with a
	 * Transfer-Encoding, make the body's length ambiguous.  libmicrohttpd
	 * 0.9.75 accepts both, so we refuse them here and close.
	 */
	if (header_count(conn, MHD_HTTP_HEADER_CONTENT_LENGTH) > 1 ||
	    (header_count(conn, MHD_HTTP_HEADER_CONTENT_LENGTH) > 0 &&
	     header_count(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING) > 0) ||
	    headers_ambiguous(conn))
		rq->framing_error = 1;
	return rq;
}

/* The handler's state, once its reply is built. */
static void state_free(struct request *rq)
{
	if (rq->state_free)
		rq->state_free(rq->state);
	rq->state = NULL;
	rq->state_free = NULL;
}

static void request_free(struct request *rq)
{
	if (!rq)
		return;
	audit_flush(rq); /* a handler's audit whose reply was never queued */
	audit_release(rq);
	state_free(rq);
	rl_error_clear(&rq->job.err);
	json_decref(rq->json);
	if (rq->response)
		MHD_destroy_response(rq->response);
	rl_buf_release(&rq->body);
	free(rq->path);
	request_dispose(rq);
}

/* After a handler or respond function: no read transaction left open on this thread, and a reply. */
static void reply_ensure(struct request *rq)
{
	rl_db_end_reads(thread_db);
	if (!rq->response) {
		struct rl_error err = RL_ERROR_INIT;
		rl_error_internal(&err, "the handler produced no reply");
		reply_error(rq, &err);
	}
}

/*
 * Resuming the connections whose writes are done.  MHD_resume_connection
 * writes to libmicrohttpd's eventfd (a system call, and a wake-up of the
 * HTTP thread) every time it is called.  The writer is the one thread
 * every write waits for, so its done callback only queues the request
 * here (a mutex, no system call) and wakes this thread at most once per
 * batch; this thread makes the resume calls.  Before them it builds the
 * replies of all the requests it took (their respond functions) and
 * writes their audit lines in one go, where each HTTP thread wrote one
 * line per request (a write() each, ~5% of the HTTP threads' CPU under
 * scenario 1); the lines are out before any reply is sent, as before.  A
 * request is never touched after its resume: the HTTP thread sends the
 * reply and may free it at once.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct request *head, *tail;
	int running, stopping, sleeping;
	pthread_t thread;
} resumer = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void *resumer_main(void *arg)
{
	struct rl_buf lines = RL_BUF_INIT;

	(void)arg;
	pthread_mutex_lock(&resumer.lock);
	for (;;) {
		struct request *rq, *next;

		while (!resumer.head && !resumer.stopping) {
			resumer.sleeping = 1;
			pthread_cond_wait(&resumer.wake, &resumer.lock);
		}
		resumer.sleeping = 0;
		if (!resumer.head)
			break; /* stopping, and nothing left to resume */
		rq = resumer.head;
		resumer.head = resumer.tail = NULL;
		pthread_mutex_unlock(&resumer.lock);
		for (struct request *r = rq; r; r = r->resume_next) {
			r->job_state = 3;
			r->respond(r);
			reply_ensure(r);
			audit_collect(r, &lines);
			/* Only respond needed it: freed on the thread that built most of it, not the HTTP
			 * thread's (a free into another thread's arena takes that arena's lock). */
			state_free(r);
		}
		audit_write(&lines);
		rl_buf_reset(&lines);
		for (; rq; rq = next) {
			next = rq->resume_next;
			MHD_resume_connection(rq->conn);
		}
		pthread_mutex_lock(&resumer.lock);
	}
	pthread_mutex_unlock(&resumer.lock);
	rl_buf_release(&lines);
	return NULL;
}

static int resumer_start(void)
{
	resumer.stopping = 0;
	if (pthread_create(&resumer.thread, NULL, resumer_main, NULL) != 0)
		return -1;
	pthread_setname_np(resumer.thread, "resumer"); /* top -H and perf tell it from the writer */
	resumer.running = 1;
	return 0;
}

/* After the writer stopped: resumes what is queued, then ends the thread. */
static void resumer_stop(void)
{
	if (!resumer.running)
		return;
	pthread_mutex_lock(&resumer.lock);
	resumer.stopping = 1;
	pthread_cond_signal(&resumer.wake);
	pthread_mutex_unlock(&resumer.lock);
	pthread_join(resumer.thread, NULL);
	resumer.running = 0;
}

static void writer_done(struct rl_job *job)
{
	struct request *rq = job->ctx;
	int wake;

	rq->job_state = 2;
	if (!resumer.running) {
		MHD_resume_connection(rq->conn);
		return;
	}
	rq->resume_next = NULL;
	pthread_mutex_lock(&resumer.lock);
	if (resumer.tail)
		resumer.tail->resume_next = rq;
	else
		resumer.head = rq;
	resumer.tail = rq;
	wake = resumer.sleeping;
	resumer.sleeping = 0; /* one wake-up for the jobs of a batch */
	pthread_mutex_unlock(&resumer.lock);
	if (wake)
		pthread_cond_signal(&resumer.wake);
}

void server_write(struct request *rq, rl_job_run_fn run, void (*respond)(struct request *rq))
{
	rq->job.run = run;
	rq->job.done = writer_done;
	rq->job.ctx = rq;
	rq->respond = respond;
	rq->job_state = 1;
	MHD_suspend_connection(rq->conn);
	rl_writer_submit(server_ctx.writer, &rq->job);
}

static enum MHD_Result queue(struct request *rq)
{
	enum MHD_Result r;

	reply_ensure(rq);
	audit_flush(rq); /* the request's one audit line, now that its status is known (unless written) */
	r = MHD_queue_response(rq->conn, rq->status, rq->response);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	if (!rq) {
		const char *cl;
		long long n;

		rq = request_new(conn, url, method);
		if (!rq || !rq->path)
			return MHD_NO;
		*con_cls = rq;
		if (rq->framing_error) {
			reply_problem(rq, RL_E_MALFORMED, "bad-framing",
				      "the request's length is ambiguous: conflicting or malformed Content-Length or "
				      "Transfer-Encoding headers, whitespace before a header's colon, or a folded header line");
			MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CONNECTION, "close");
			return queue(rq);
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && rl_parse_int(cl, 0, INT64_MAX, &n) == 0 && (size_t)n > server_body_limit(rq->method, rq->path)) {
			reply_problem(rq, RL_E_TOOLARGE, "too-large",
				      "the body is %lld bytes; the limit is %zu bytes", n, server_body_limit(rq->method, rq->path));
			MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CONNECTION, "close");
			return queue(rq);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (rl_buf_add(&rq->body, upload_data, *upload_data_size) < 0)
			rq->body.limit = 1; /* remember the overflow; keep draining */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->job_state == 2) { /* resumed by the writer itself (no resumer thread) */
		rq->job_state = 3;
		rq->respond(rq);
		return queue(rq);
	}
	if (rq->job_state == 3) /* the resumer built the reply and wrote its audit line */
		return queue(rq);
	if (rq->started)
		return MHD_YES;
	rq->started = 1;
	if (rq->body.limit == 1) {
		reply_problem(rq, RL_E_TOOLARGE, "too-large", "the body is over the limit of %zu bytes",
			      server_body_limit(rq->method, rq->path));
		MHD_add_response_header(rq->response, MHD_HTTP_HEADER_CONNECTION, "close");
		return queue(rq);
	}
	router_dispatch(rq);
	/* A write was submitted: the writer may already have finished it (and
	 * set job_state to 2) before we get here, so decide on what this thread
	 * did, not on job_state; the resumed call sends the reply. */
	if (rq->job.run)
		return MHD_YES;
	return queue(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	if (*con_cls && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		metrics_request_done(*con_cls);
	guard_request_done(conn);
	request_free(*con_cls);
	*con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	fputs("raslogd: libmicrohttpd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

int http_serve(const struct http_options *opt)
{
	struct sockaddr_in addr;
	sigset_t sigs;
	int sig = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opt->port);
	if (inet_pton(AF_INET, opt->host, &addr.sin_addr) != 1) {
		fprintf(stderr, "raslogd: '%s' is not an IPv4 address to listen on\n", opt->host);
		return 2;
	}
	/* Block the stop signals in every thread; the main thread waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	guard_settings.max_connections = opt->max_connections;
	if (guard_start() < 0) {
		fprintf(stderr, "raslogd: cannot start the connection watchdog\n");
		return 1;
	}
	if (resumer_start() < 0) {
		guard_stop();
		fprintf(stderr, "raslogd: cannot start the thread that resumes connections\n");
		return 1;
	}

	server_ctx.daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, /* first, so every message goes through it */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->max_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opt->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, guard_connection, NULL,
		MHD_OPTION_END);
	if (!server_ctx.daemon) {
		resumer_stop();
		guard_stop();
		fprintf(stderr, "raslogd: cannot listen on %s:%d: %s\n", opt->host, opt->port,
			errno ? strerror(errno) : "libmicrohttpd refused the options");
		return 1;
	}
	if (opt->on_ready)
		opt->on_ready(opt);
	sigwait(&sigs, &sig);
	fprintf(stderr, "raslogd: stopping (signal %d)\n", sig);
	MHD_quiesce_daemon(server_ctx.daemon);
	if (opt->on_stopping)
		opt->on_stopping(); /* (raslogd serve's start-up check writes through the writer too) */
	mailer_stop(); /* it writes through the writer: stop it first */
	rl_writer_stop(server_ctx.writer);
	server_ctx.writer = NULL;
	resumer_stop(); /* the last jobs' connections resumed before the daemon stops */
	MHD_stop_daemon(server_ctx.daemon);
	guard_stop();
	close_readers();
	cache_clear();
	return 0;
}
