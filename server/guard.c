/*
 * guard.c - the byte-level guard in front of libmicrohttpd, and the
 * slow-client watchdog.
 *
 * Framing.  libmicrohttpd 0.9.75 takes a bare LF as a line end (request
 * line, headers, chunk sizes), joins a folded (obs-fold) header line to the
 * previous value without a separator ("Content-Length:" + CRLF + " 5" is a
 * Content-Length of 5 to it), and cuts header values at a NUL.  A proxy in
 * front of raslogd may read the same bytes differently, which is how a
 * second request is smuggled (RFC 9112 sections 2.2, 5.2, 11.2).  MHD has
 * no option to refuse these and never shows its caller the raw bytes, so
 * raslogd defines recv() itself: the dynamic linker binds libmicrohttpd's
 * calls to recv() to the executable's definition (the executable comes
 * first in symbol lookup).  It passes every call to the C library's recv()
 * and, for the sockets of connections registered here, runs what arrived
 * through a strict RFC 9112 framing parser before MHD sees it.  The parser
 * follows every request on a connection (the head, then the body by
 * Content-Length or chunked framing, then the next head), so pipelined
 * requests are checked too.  Bytes that break the grammar are answered
 * 400 here (problem+json, one audit line) and the connection is closed:
 * MHD is told the peer reset it, so it never interprets them.
 *
 * Slow clients.  Each connection carries a deadline while raslogd waits
 * for the client: a request head must be complete within head_timeout
 * seconds of the connection opening (or of the previous reply on a
 * keep-alive connection), and its body within body_timeout seconds of the
 * head's end.  These are totals, not idle timers, so a byte every few
 * seconds does not keep a connection alive.  A watchdog thread shuts down
 * connections past their deadline.  When more than max_connections -
 * reserve connections are open, the ones that have waited longest for
 * their client are shut down (at once when a connection arrives, else at
 * the watchdog's next tick), so a flood of slow connections cannot keep
 * health checks and signed-in users out: their requests arrive whole, so
 * they are never the longest waiting.
 */
#undef _FORTIFY_SOURCE /* recv() is defined here; the fortified inline one would clash */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "server.h"

#include "base/banned.h"

enum phase {
	PH_HEAD,        /* request line and header lines */
	PH_BODY,        /* Content-Length bytes */
	PH_CHUNK_SIZE,  /* a chunk-size line */
	PH_CHUNK_DATA,  /* chunk data */
	PH_CHUNK_CR,    /* the CR after chunk data */
	PH_CHUNK_LF,    /* the LF after chunk data */
	PH_TRAILER,     /* trailer lines after the last chunk */
	PH_BAD,         /* refused: every later recv() fails */
};

#define LINE_KEEP 96 /* bytes of each line kept: enough for the names and values we read */

struct guard_conn {
	struct MHD_Connection *conn;
	int fd;
	char ip[48];
	/* The framing parser; touched only by the connection's own thread. */
	enum phase phase;
	char line[LINE_KEEP];    /* the start of the current line */
	size_t line_len;         /* bytes of the current line so far */
	size_t colon;            /* where the colon is in a header line, 0 if none yet */
	int cr;                  /* the previous byte was a CR */
	int lines;               /* lines of this head so far (0: waiting for the request line) */
	int spaces;              /* spaces in the request line so far */
	int pct;                 /* in a %XX escape of the request target: 1 or 2 digits to go */
	int pct_val;
	unsigned char prev;      /* the previous byte of the request line */
	char method[8];
	char version[9];
	char target[128];        /* the start of the request target, for the audit line */
	size_t target_len;
	int chunked, have_length, have_te;
	unsigned long long remaining; /* body or chunk bytes still to come */
	/* Requests fully received and fully answered; deadline bookkeeping is under lock. */
	unsigned long received, answered;
	long long deadline;      /* monotonic ms; 0 while raslogd (not the client) has the turn */
	long long since;         /* when the current wait for the client began */
	int closing;             /* shut down by the watchdog or an eviction */
};

struct guard_settings guard_settings = { 10, 20, 1024, 64 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct guard_conn *) *table; /* by socket: fds are unique, so no other user shares a slot */
static int table_size;
static int table_hi;                          /* one past the highest slot in use */
static int open_conns;
static int closing_conns;                     /* of those, shut down and not yet closed by MHD */
static pthread_t watchdog;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static int stopping, running;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts a wait for the client; called under lock. */
static void wait_for_client(struct guard_conn *g, int seconds)
{
	g->since = now_ms();
	g->deadline = g->since + (long long)seconds * 1000;
}

/* ---- the framing parser ------------------------------------------------------------ */

static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A field value byte: HTAB, SP, VCHAR or obs-text (RFC 9110 section 5.5). */
static int is_field_char(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static void request_received(struct guard_conn *g)
{
	g->phase = PH_HEAD;
	g->lines = 0;
	g->have_length = g->have_te = g->chunked = 0;
	g->remaining = 0;
	pthread_mutex_lock(&lock);
	g->received++;
	g->deadline = 0; /* raslogd's turn until the reply is sent */
	pthread_mutex_unlock(&lock);
}

/* A header (or trailer) line is complete: Content-Length and Transfer-Encoding decide the framing. */
static const char *header_line(struct guard_conn *g)
{
	const char *v, *end;
	size_t n;

	if (g->colon == 0)
		return "a header line without a colon";
	if (g->phase == PH_TRAILER)
		return NULL;
	if (g->colon == 14 && strncasecmp(g->line, "content-length", 14) == 0) {
		if (g->have_length)
			return "two Content-Length headers";
		if (g->line_len >= LINE_KEEP)
			return "a Content-Length that is too long";
		v = g->line + 15;
		end = g->line + g->line_len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		n = (size_t)(end - v);
		if (n == 0 || n > 18)
			return "a Content-Length that is not a number of bytes";
		g->remaining = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i] < '0' || v[i] > '9')
				return "a Content-Length that is not a number of bytes";
			g->remaining = g->remaining * 10 + (unsigned)(v[i] - '0');
		}
		g->have_length = 1;
	} else if (g->colon == 17 && strncasecmp(g->line, "transfer-encoding", 17) == 0) {
		if (g->have_te)
			return "two Transfer-Encoding headers";
		if (g->line_len >= LINE_KEEP)
			return "a Transfer-Encoding other than chunked";
		v = g->line + 18;
		end = g->line + g->line_len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end - v != 7 || strncasecmp(v, "chunked", 7) != 0)
			return "a Transfer-Encoding other than chunked";
		g->have_te = g->chunked = 1;
	}
	return NULL;
}

/* The request line is complete. */
static const char *request_line(struct guard_conn *g)
{
	if (g->spaces != 2 || g->pct || g->prev == ' ')
		return "a malformed request line";
	if (strcmp(g->version, "HTTP/1.1") != 0 && strcmp(g->version, "HTTP/1.0") != 0)
		return "a request line whose version is not HTTP/1.0 or HTTP/1.1";
	return NULL;
}

/* An empty line: the end of the head or of the trailers. */
static const char *end_of_section(struct guard_conn *g)
{
	if (g->phase == PH_TRAILER) {
		request_received(g);
		return NULL;
	}
	if (g->have_length && g->have_te)
		return "both Content-Length and Transfer-Encoding";
	if (g->chunked) {
		g->phase = PH_CHUNK_SIZE;
	} else if (g->have_length && g->remaining > 0) {
		g->phase = PH_BODY;
	} else {
		request_received(g);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	if (g->received == g->answered)
		wait_for_client(g, guard_settings.body_timeout);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Keeps the first LINE_KEEP bytes of a line; counts them all. */
static void keep(struct guard_conn *g, unsigned char c)
{
	if (g->line_len < LINE_KEEP)
		g->line[g->line_len] = (char)c;
	g->line_len++;
}

/* One byte of a line-oriented phase (head, chunk size, trailers). */
static const char *line_byte(struct guard_conn *g, unsigned char c)
{
	const char *why = NULL;

	if (g->cr) {
		g->cr = 0;
		if (c != '\n')
			return "a CR not followed by LF";
		/* the line is complete */
		if (g->phase == PH_CHUNK_SIZE) {
			unsigned long long size = 0;
			size_t digits = 0;
			while (digits < g->line_len && digits < LINE_KEEP && hexval((unsigned char)g->line[digits]) >= 0)
				digits++;
			if (digits == 0 || digits > 15)
				return "a malformed chunk size";
			for (size_t i = 0; i < digits; i++)
				size = size * 16 + (unsigned)hexval((unsigned char)g->line[i]);
			if (digits < g->line_len && g->line[digits] != ';')
				return "a malformed chunk size";
			g->line_len = 0;
			if (size == 0) {
				g->phase = PH_TRAILER;
			} else {
				g->remaining = size;
				g->phase = PH_CHUNK_DATA;
			}
			return NULL;
		}
		if (g->line_len == 0) {
			if (g->phase == PH_HEAD && g->lines == 0)
				return NULL; /* an empty line before the request line (RFC 9112 section 2.2) */
			why = end_of_section(g);
		} else if (g->phase == PH_HEAD && g->lines == 0) {
			why = request_line(g);
			g->lines = 1;
		} else {
			why = header_line(g);
			g->lines++;
		}
		g->line_len = 0;
		g->colon = 0;
		return why;
	}
	if (c == '\r') {
		g->cr = 1;
		return NULL;
	}
	if (c == '\n')
		return "a bare LF line ending (lines end with CR LF)";
	if (g->phase == PH_CHUNK_SIZE) {
		if (!is_field_char(c))
			return "a control character in a chunk size line";
		keep(g, c);
		return NULL;
	}
	if (g->phase == PH_HEAD && g->lines == 0) {
		/* the request line: METHOD SP TARGET SP HTTP/1.x */
		if (g->line_len == 0) {
			g->spaces = 0;
			g->pct = 0;
			g->target_len = 0;
			g->target[0] = '\0';
			g->method[0] = '\0';
			g->version[0] = '\0';
			g->prev = 0;
		}
		if (c == ' ') {
			if (g->line_len == 0 || g->prev == ' ' || ++g->spaces > 2)
				return "a malformed request line";
			if (g->spaces == 1 && g->line_len < sizeof(g->method))
				snprintf(g->method, sizeof(g->method), "%.*s", (int)g->line_len, g->line);
		} else if (g->spaces == 0) {
			if (!is_tchar(c))
				return "a malformed request method";
		} else if (c <= ' ' || c >= 0x7f) {
			return "a control character or space in the request line";
		} else if (g->spaces == 1) {
			if (g->target_len < sizeof(g->target) - 1) {
				g->target[g->target_len++] = (char)c;
				g->target[g->target_len] = '\0';
			}
			if (g->pct) {
				if (hexval(c) < 0)
					return "a malformed percent escape in the request target";
				g->pct_val = g->pct_val * 16 + hexval(c);
				if (--g->pct == 0 && (g->pct_val < 0x20 || g->pct_val == 0x7f))
					return "an escaped NUL or control character in the request target";
			} else if (c == '%') {
				g->pct = 2;
				g->pct_val = 0;
			}
		} else {
			size_t n = strlen(g->version);
			if (n >= sizeof(g->version) - 1)
				return "a request line whose version is not HTTP/1.0 or HTTP/1.1";
			g->version[n] = (char)c;
			g->version[n + 1] = '\0';
		}
		g->prev = c;
		keep(g, c);
		return NULL;
	}
	/* a header or trailer line */
	if (g->colon == 0) {
		if (g->line_len == 0 && (c == ' ' || c == '\t'))
			return "a folded header line (obs-fold)";
		if (c == ':') {
			if (g->line_len == 0)
				return "a header line with an empty name";
			g->colon = g->line_len;
		} else if (!is_tchar(c)) {
			return "a header name with a space or other character not allowed in it";
		}
	} else if (!is_field_char(c)) {
		return "a NUL or control character in a header value";
	}
	keep(g, c);
	return NULL;
}

/* Runs len received bytes through the parser; returns why they are refused, or NULL. */
static const char *parse(struct guard_conn *g, const unsigned char *p, size_t len)
{
	size_t i = 0;
	const char *why;

	while (i < len) {
		switch (g->phase) {
		case PH_BODY:
		case PH_CHUNK_DATA: {
			size_t take = len - i;
			if (take > g->remaining)
				take = (size_t)g->remaining;
			g->remaining -= take;
			i += take;
			if (g->remaining == 0) {
				if (g->phase == PH_BODY)
					request_received(g);
				else
					g->phase = PH_CHUNK_CR;
			}
			continue;
		}
		case PH_CHUNK_CR:
			if (p[i++] != '\r')
				return "chunk data not followed by CR LF";
			g->phase = PH_CHUNK_LF;
			continue;
		case PH_CHUNK_LF:
			if (p[i++] != '\n')
				return "chunk data not followed by CR LF";
			g->phase = PH_CHUNK_SIZE;
			continue;
		case PH_BAD:
			return "an earlier refusal";
		default:
			break;
		}
		why = line_byte(g, p[i++]);
		if (why)
			return why;
	}
	return NULL;
}

static ssize_t (*libc_recv)(int, void *, size_t, int); /* the C library's recv() */
static pthread_once_t libc_recv_once = PTHREAD_ONCE_INIT;

/* ---- refusing ---------------------------------------------------------------------- */

static void refuse(struct guard_conn *g, const char *why)
{
	struct request rq;
	char body[512], head[512], junk[4096];
	uint8_t rnd[8];
	int waiting, nb, nh;

	g->phase = PH_BAD;
	memset(&rq, 0, sizeof(rq));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rq.id, sizeof(rq.id), rnd, sizeof(rnd));
	snprintf(rq.ip, sizeof(rq.ip), "%s", g->ip);
	snprintf(rq.method, sizeof(rq.method), "%s", g->method);
	rq.path = g->target;
	rq.status = 400;
	audit(&rq, "http", "refused", "\"reason\":\"%s\"", why);
	audit_flush(&rq);   /* this request never reaches http.c's queue(), which writes the others */
	audit_release(&rq);

	pthread_mutex_lock(&lock);
	waiting = g->received == g->answered; /* no reply of ours is on its way: the 400 cannot interleave */
	g->deadline = 0;
	pthread_mutex_unlock(&lock);
	if (waiting) {
		nb = snprintf(body, sizeof(body),
			      "{\"type\":\"urn:raslog:problem:bad-framing\",\"title\":\"Bad request\",\"status\":400,"
			      "\"detail\":\"the request was refused before it was read: %s\",\"request_id\":\"%s\"}",
			      why, rq.id);
		nh = snprintf(head, sizeof(head),
			      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\n"
			      "Content-Length: %d\r\nX-Request-Id: %s\r\nX-Content-Type-Options: nosniff\r\n"
			      "Cache-Control: no-store\r\nConnection: close\r\n\r\n", nb, rq.id);
		if (send(g->fd, head, (size_t)nh, MSG_NOSIGNAL | MSG_DONTWAIT) == nh)
			send(g->fd, body, (size_t)nb, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	shutdown(g->fd, SHUT_WR);
	/* Read what is already here, so closing does not reset the reply away. */
	for (int i = 0; i < 16; i++)
		if (libc_recv(g->fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
}

/* ---- the recv() every part of raslogd (and libmicrohttpd) calls ------------------------ */

static void find_libc_recv(void)
{
	libc_recv = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct guard_conn *g = NULL;
	ssize_t n;
	const char *why;

	pthread_once(&libc_recv_once, find_libc_recv);
	if (!libc_recv) {
		errno = ENOSYS;
		return -1;
	}
	if (table && fd >= 0 && fd < table_size)
		g = atomic_load_explicit(&table[fd], memory_order_acquire);
	if (g && g->phase == PH_BAD) {
		errno = ECONNRESET;
		return -1;
	}
	n = libc_recv(fd, buf, len, flags);
	if (!g || n <= 0 || (flags & MSG_PEEK))
		return n;
	why = parse(g, buf, (size_t)n);
	if (!why)
		return n;
	refuse(g, why);
	errno = ECONNRESET;
	return -1;
}

/* ---- connections, requests and the watchdog -------------------------------------------- */

/* Connections open and not being shut down; under lock. */
static int live_conns(void)
{
	return open_conns - closing_conns;
}

static void shut(struct guard_conn *g)
{
	g->closing = 1;
	closing_conns++;
	shutdown(g->fd, SHUT_RDWR);
}

/*
 * Keeps the reserve free: while more than max_connections - reserve
 * connections are live, shuts down the one that has waited longest for its
 * client (idle keep-alive connections and unfinished requests; never one
 * whose reply raslogd owes).  Under lock.
 */
static void keep_reserve(void)
{
	while (live_conns() > guard_settings.max_connections - guard_settings.reserve) {
		struct guard_conn *oldest = NULL;
		for (int i = 0; i < table_hi; i++) {
			struct guard_conn *g = atomic_load_explicit(&table[i], memory_order_relaxed);
			if (g && !g->closing && g->deadline && (!oldest || g->since < oldest->since))
				oldest = g;
		}
		if (!oldest)
			return;
		shut(oldest);
	}
}

void guard_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code)
{
	struct guard_conn *g = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (!g)
			return;
		pthread_mutex_lock(&lock);
		if (atomic_load_explicit(&table[g->fd], memory_order_relaxed) == g)
			atomic_store_explicit(&table[g->fd], NULL, memory_order_release);
		open_conns--;
		if (g->closing)
			closing_conns--;
		pthread_mutex_unlock(&lock);
		free(g);
		*socket_context = NULL;
		return;
	}
	{
		const union MHD_ConnectionInfo *fdi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		int fd = fdi ? fdi->connect_fd : -1;

		if (!table || fd < 0 || fd >= table_size || !(g = calloc(1, sizeof(*g)))) {
			/* Not guarded means not served. */
			if (fd >= 0)
				shutdown(fd, SHUT_RDWR);
			return;
		}
		g->conn = conn;
		g->fd = fd;
		if (ai && ai->client_addr && ai->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ai->client_addr)->sin_addr,
				  g->ip, sizeof(g->ip));
		pthread_mutex_lock(&lock);
		wait_for_client(g, guard_settings.head_timeout);
		atomic_store_explicit(&table[fd], g, memory_order_release);
		if (fd >= table_hi)
			table_hi = fd + 1;
		open_conns++;
		keep_reserve();
		pthread_mutex_unlock(&lock);
		*socket_context = g;
	}
}

void guard_request_done(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct guard_conn *g = ci ? ci->socket_context : NULL;

	if (!g)
		return;
	pthread_mutex_lock(&lock);
	g->answered++;
	if (g->answered == g->received && g->phase != PH_BAD)
		wait_for_client(g, g->phase == PH_HEAD ? guard_settings.head_timeout : guard_settings.body_timeout);
	pthread_mutex_unlock(&lock);
}

static void *watch(void *arg)
{
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec ts;
		long long now = now_ms();

		for (int i = 0; i < table_hi; i++) {
			struct guard_conn *g = atomic_load_explicit(&table[i], memory_order_relaxed);
			if (g && !g->closing && g->deadline && now >= g->deadline)
				shut(g);
		}
		keep_reserve();
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&stop_cond, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int guard_start(void)
{
	struct rlimit rl;

	/* Room for every connection plus the database, the web files and the logs. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t want = (rlim_t)guard_settings.max_connections * 2 + 256;
		if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		table_size = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1 << 20) ? (1 << 20) : (int)rl.rlim_cur;
	} else {
		table_size = 4096;
	}
	table = calloc((size_t)table_size, sizeof(*table));
	if (!table)
		return -1;
	stopping = 0;
	if (pthread_create(&watchdog, NULL, watch, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

void guard_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&lock);
	pthread_join(watchdog, NULL);
	running = 0;
}
