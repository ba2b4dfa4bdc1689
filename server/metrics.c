/*
 * metrics.c - GET /metrics in the Prometheus text exposition format
 * (version 0.0.4): requests by route pattern, method and status, latency
 * histograms per route, the writer's batch sizes and commit times, the
 * ledger's size, the outbox and failed sign-ins.
 *
 * Counting costs a handful of relaxed atomic adds on slots owned by the
 * route (its position in routes[]); no lock is taken on the request path.
 * Figures that live in the database (ledger size, outbox) are read when
 * /metrics is scraped, on the scraping thread's read connection.
 *
 * Who may read it: loopback clients by default (a request forwarded by a
 * proxy, i.e. carrying X-Forwarded-For or Forwarded, is not a loopback
 * client even when the proxy runs on this machine), everybody with
 * `metrics = any`, nobody with `metrics = off` (404).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/progress.h"
#include "ledger/ledger.h"
#include "metrics.h"
#include "store/outbox.h"
#include "server.h"

#include "base/banned.h"

#define MAX_ROUTES 128          /* slots; routes past this (and unmatched requests) count as "other" */
#define NCODES 500              /* status 100..599 */
#define NBUCKETS 14

static const double bounds[NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
static const char *const bound_text[NBUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
};

struct route_slot {
	atomic_ullong codes[NCODES];            /* requests answered with status 100 + i */
	atomic_ullong buckets[NBUCKETS + 1];    /* took at most bounds[i] (not cumulative); last: slower */
	atomic_ullong nanos;                    /* total time */
};

static struct route_slot slots[MAX_ROUTES + 1];
static atomic_ullong signin_failures;
static atomic_ullong mail_sent, mail_failed;

enum metrics_access metrics_access = METRICS_LOOPBACK;

int metrics_parse_access(const char *s, enum metrics_access *out)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "loopback") == 0)
		*out = METRICS_LOOPBACK;
	else if (strcmp(s, "off") == 0)
		*out = METRICS_OFF;
	else if (strcmp(s, "any") == 0)
		*out = METRICS_ANY;
	else
		return -1;
	return 0;
}

uint64_t metrics_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int nroutes(void)
{
	static int n = -1;

	if (n < 0) {
		int k = 0;
		while (routes[k].method)
			k++;
		n = k < MAX_ROUTES ? k : MAX_ROUTES;
	}
	return n;
}

void metrics_request_done(const struct request *rq)
{
	int r = rq->route ? (int)(rq->route - routes) : MAX_ROUTES;
	struct route_slot *s;
	uint64_t took = rq->t0_ns ? metrics_now_ns() - rq->t0_ns : 0;
	double secs = (double)took / 1e9;
	int b;

	if (r < 0 || r >= MAX_ROUTES)
		r = MAX_ROUTES;
	s = &slots[r];
	if (rq->status >= 100 && rq->status < 100 + NCODES)
		atomic_fetch_add_explicit(&s->codes[rq->status - 100], 1, memory_order_relaxed);
	for (b = 0; b < NBUCKETS && secs > bounds[b]; b++)
		;
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->nanos, took, memory_order_relaxed);
}

void metrics_signin_failure(void)
{
	atomic_fetch_add_explicit(&signin_failures, 1, memory_order_relaxed);
}

void metrics_mail_result(int ok)
{
	atomic_fetch_add_explicit(ok ? &mail_sent : &mail_failed, 1, memory_order_relaxed);
}

static unsigned long long load(atomic_ullong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

/* The labels naming slot r: method and route pattern (no quote or backslash in either). */
static void route_labels(int r, char *out, size_t size)
{
	if (r == MAX_ROUTES)
		snprintf(out, size, "method=\"other\",route=\"other\"");
	else
		snprintf(out, size, "method=\"%s\",route=\"%s\"", routes[r].method, routes[r].pattern);
}

static void family(struct rl_buf *b, const char *name, const char *type, const char *help)
{
	rl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void requests(struct rl_buf *b)
{
	char labels[160];
	int n = nroutes();

	family(b, "raslog_http_requests_total", "counter",
	       "HTTP requests answered, by route pattern, method, status code and status class.");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if (r >= n && r < MAX_ROUTES)
			continue;
		route_labels(r, labels, sizeof(labels));
		for (int c = 0; c < NCODES; c++) {
			unsigned long long v = load(&slots[r].codes[c]);
			if (v)
				rl_buf_printf(b, "raslog_http_requests_total{%s,code=\"%d\",class=\"%dxx\"} %llu\n",
					      labels, c + 100, (c + 100) / 100, v);
		}
	}
	family(b, "raslog_http_request_duration_seconds", "histogram",
	       "Time from the request's headers to the end of its reply, by route pattern and method.");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		unsigned long long cum = 0;
		if (r >= n && r < MAX_ROUTES)
			continue;
		route_labels(r, labels, sizeof(labels));
		for (int k = 0; k < NBUCKETS; k++) {
			cum += load(&slots[r].buckets[k]);
			rl_buf_printf(b, "raslog_http_request_duration_seconds_bucket{%s,le=\"%s\"} %llu\n", labels,
				      bound_text[k], cum);
		}
		cum += load(&slots[r].buckets[NBUCKETS]);
		rl_buf_printf(b, "raslog_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", labels, cum);
		rl_buf_printf(b, "raslog_http_request_duration_seconds_sum{%s} %.9f\n", labels,
			      (double)load(&slots[r].nanos) / 1e9);
		rl_buf_printf(b, "raslog_http_request_duration_seconds_count{%s} %llu\n", labels, cum);
	}
}

static void writer(struct rl_buf *b)
{
	struct rl_writer_stats st;
	unsigned long long cum = 0;

	if (!server_ctx.writer)
		return;
	rl_writer_stats(server_ctx.writer, &st);
	family(b, "raslog_writer_batches_total", "counter", "Write batches (one transaction, one fsync each).");
	rl_buf_printf(b, "raslog_writer_batches_total %llu\n", st.batches);
	family(b, "raslog_writer_jobs_total", "counter", "Write jobs taken by the writer.");
	rl_buf_printf(b, "raslog_writer_jobs_total %llu\n", st.jobs);
	family(b, "raslog_writer_queued", "gauge", "Write jobs waiting for the writer.");
	rl_buf_printf(b, "raslog_writer_queued %llu\n", st.queued);
	family(b, "raslog_writer_failed_commits_total", "counter", "Write batches whose commit failed.");
	rl_buf_printf(b, "raslog_writer_failed_commits_total %llu\n", st.failed_commits);
	family(b, "raslog_writer_batch_size", "histogram", "Jobs per write batch.");
	for (int k = 0; k < RL_WRITER_SIZE_BUCKETS; k++) {
		cum += st.size_buckets[k];
		rl_buf_printf(b, "raslog_writer_batch_size_bucket{le=\"%d\"} %llu\n", 1 << k, cum);
	}
	rl_buf_printf(b, "raslog_writer_batch_size_bucket{le=\"+Inf\"} %llu\n", cum);
	rl_buf_printf(b, "raslog_writer_batch_size_sum %llu\nraslog_writer_batch_size_count %llu\n", st.jobs, cum);
	family(b, "raslog_writer_commit_seconds", "histogram", "Time of each write batch, BEGIN to COMMIT (fsync).");
	cum = 0;
	for (int k = 0; k < RL_WRITER_TIME_BUCKETS; k++) {
		cum += st.time_buckets[k];
		rl_buf_printf(b, "raslog_writer_commit_seconds_bucket{le=\"%g\"} %llu\n", rl_writer_time_bounds[k], cum);
	}
	cum += st.time_buckets[RL_WRITER_TIME_BUCKETS];
	rl_buf_printf(b, "raslog_writer_commit_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	rl_buf_printf(b, "raslog_writer_commit_seconds_sum %.9f\nraslog_writer_commit_seconds_count %llu\n",
		      st.commit_seconds, cum);
}

/* One line of a counter family per label value: name{label="values[i]"} counts[i]. */
static void by_label(struct rl_buf *b, const char *name, const char *label, const char *const values[],
		     const unsigned long long counts[], int n)
{
	for (int i = 0; i < n; i++)
		rl_buf_printf(b, "%s{%s=\"%s\"} %llu\n", name, label, values[i], counts[i]);
}

static void list_checks(struct rl_buf *b)
{
	static const char *const rows[] = { "every", "changed", "none" }, *const how[] = { "same", "carried", "computed" };
	struct rl_list_check_stats st;

	rl_progress_list_stats(&st);
	family(b, "raslog_list_checks_total", "counter",
	       "Accreditation list requests by how the cached rows were checked: every row, only the rows the "
	       "writer's commits changed, or none (the memo held).");
	by_label(b, "raslog_list_checks_total", "rows", rows,
		 (unsigned long long[]){ st.every_row, st.changed_rows, st.reused }, 3);
	family(b, "raslog_list_sums_total", "counter",
	       "The accreditation list's counts and sites at a commit of the writer, by how they were had: held at "
	       "that commit, carried from an earlier one by the trainees changed since, or computed from every trainee.");
	by_label(b, "raslog_list_sums_total", "how", how,
		 (unsigned long long[]){ st.sums_same, st.sums_carried, st.sums_computed }, 3);
}

static void stored(struct rl_buf *b)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_db *db = server_db();
	struct rl_outbox_counts oc;
	int64_t size;

	if (db && rl_ledger_size(db, &size, &err) == 0) {
		family(b, "raslog_ledger_entries", "gauge", "Entries in the ledger (its tree size).");
		rl_buf_printf(b, "raslog_ledger_entries %lld\n", (long long)size);
	}
	rl_error_clear(&err);
	if (db && rl_outbox_count(db, &oc, &err) == 0) {
		family(b, "raslog_outbox_messages", "gauge", "Messages in the email outbox, by state.");
		rl_buf_printf(b, "raslog_outbox_messages{state=\"queued\"} %lld\n", oc.queued);
		rl_buf_printf(b, "raslog_outbox_messages{state=\"failed\"} %lld\n", oc.failed);
		rl_buf_printf(b, "raslog_outbox_messages{state=\"sent\"} %lld\n", oc.sent);
		family(b, "raslog_outbox_oldest_unsent_seconds", "gauge",
		       "Age of the oldest message not yet sent (0 when none waits).");
		rl_buf_printf(b, "raslog_outbox_oldest_unsent_seconds %lld\n", oc.oldest_unsent_age);
	}
	rl_error_clear(&err);
	family(b, "raslog_mail_deliveries_total", "counter",
	       "Outbox delivery attempts by this process, by result (failed: the relay refused or was unreachable).");
	rl_buf_printf(b, "raslog_mail_deliveries_total{result=\"sent\"} %llu\n", load(&mail_sent));
	rl_buf_printf(b, "raslog_mail_deliveries_total{result=\"failed\"} %llu\n", load(&mail_failed));
}

/* The peer is this machine and no proxy says it forwards someone else. */
static int loopback_client(struct request *rq)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Forwarded-For") ||
	    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Forwarded"))
		return 0;
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

void h_metrics(struct request *rq)
{
	struct rl_buf b;

	if (metrics_access == METRICS_OFF) {
		reply_problem(rq, RL_E_NOTFOUND, "not-found", "there is nothing at %s: metrics are turned off "
			      "(metrics = off)", rq->path);
		return;
	}
	if (metrics_access == METRICS_LOOPBACK && !loopback_client(rq)) {
		audit(rq, "metrics", "refused", "\"reason\":\"not loopback\"");
		reply_problem(rq, RL_E_FORBIDDEN, "forbidden", "/metrics is served only to clients on this machine "
			      "(set 'metrics = any' to serve it to everybody)");
		return;
	}
	rl_buf_init(&b, 0); /* a few hundred lines: far below the default limit */
	requests(&b);
	writer(&b);
	list_checks(&b);
	stored(&b);
	family(&b, "raslog_signin_failures_total", "counter",
	       "Requests refused for a missing or bad bearer token.");
	rl_buf_printf(&b, "raslog_signin_failures_total %llu\n", load(&signin_failures));
	if (rl_buf_failed(&b)) { /* appends stick on failure: one check covers every line */
		rl_buf_release(&b);
		reply_problem(rq, RL_E_INTERNAL, "internal", "the metrics could not be built");
		return;
	}
	reply_buf(rq, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}
