/*
 * metrics.h - counters for GET /metrics (Prometheus text exposition
 * format).  Recording is lock-free: each route has its own slots (indexed
 * by its position in routes[]) of relaxed atomics, so the hot path costs a
 * few atomic adds and no lock.
 */
#ifndef RASLOG_METRICS_H
#define RASLOG_METRICS_H

#include <stdint.h>

struct request;

/* Who may read /metrics: nobody (404), loopback clients only (the default), anyone. */
enum metrics_access { METRICS_OFF, METRICS_LOOPBACK, METRICS_ANY };
extern enum metrics_access metrics_access;
/* "on" (loopback), "off", "any" -> 0, or -1 for anything else. */
int metrics_parse_access(const char *s, enum metrics_access *out);

/* Monotonic clock in nanoseconds (request start times). */
uint64_t metrics_now_ns(void);
/* Counts a finished request: its route (or none), its status and its time since rq->t0_ns. */
void metrics_request_done(const struct request *rq);
/* A failed sign-in (bad or missing token). */
void metrics_signin_failure(void);
/* An outbox delivery attempt that failed (the SMTP relay refused or was unreachable). */
void metrics_mail_result(int ok);

/* GET /metrics. */
void h_metrics(struct request *rq);

#endif
