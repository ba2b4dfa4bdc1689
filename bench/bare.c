/*
 * bare.c - the "bare program": the baseline for bench scenarios 1 and 2.
 *
 * It does only what logging a session over HTTP cannot avoid, so that
 * raslog's figures can be read as ratios to the limits of its own parts:
 * libmicrohttpd reads the body and answers on the second call, jansson
 * parses it, one SQLite INSERT of the session fields runs in its own
 * transaction (autocommit) in WAL mode, and a small JSON body goes back
 * with 201.  No authentication, no validation beyond "the fields have the
 * types the table needs", no secondary index: this is a ceiling.
 *
 *     bare --port N --db FILE [--sync full|normal] [--verify] [--threads N]
 *
 *   --sync full    synchronous=FULL: the WAL is fsync'ed at every commit, so
 *                  a 201 survives a power cut (what raslog must do)
 *   --sync normal  synchronous=NORMAL: no fsync at commit (the ceiling)
 *   --verify       one Ed25519 verification per request as well (libsodium
 *                  crypto_sign_verify_detached over a statement-sized
 *                  message signed at start-up): the signed-ingest baseline
 *   --threads N    libmicrohttpd threads (default 1, or 2 with --verify)
 *
 * Why this configuration.  Measured on the 2-core bench machine with wrk
 * (2 threads, 64 connections, post-sessions.lua; 2-3 runs of 4 s each):
 *
 *                        1 thread     2 threads    3 threads
 *   --sync normal        43-45k/s     37-41k/s     43-44k/s (p99 19 ms)
 *   --sync full          7.1-7.7k/s   7.0-7.2k/s
 *   --sync normal --verify  13-14k/s  17-21k/s
 *
 * One epoll thread (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL) is the
 * fastest and has the lowest p99 without --verify: wrk needs the other
 * core, and a second server thread only adds mutex hand-offs (futex waits,
 * context switches) around the one SQLite writer.  With --verify the
 * Ed25519 check is real CPU work that runs outside the lock, so two
 * threads (one per core) win.  MHD_USE_TURBO adds about 10%.  Thread per
 * connection (64 threads) was slower (27-34k/s NORMAL, 5.5-6.6k/s FULL).
 *
 * There is one SQLite connection, shared behind a mutex: SQLite admits one
 * writer at a time, and with a connection per thread the second writer
 * would wait in SQLite's busy handler, which sleeps for milliseconds,
 * instead of on a mutex that wakes it the moment the first commit is
 * done.  The JSON parse and the signature check run outside the mutex.
 *
 * Where the time goes (perf, --sync normal): about 72% in the kernel
 * (loopback TCP, wake-ups, and six fcntl() lock calls per transaction that
 * SQLite's WAL locking makes), libc 10%, SQLite 8%, jansson 8%,
 * libmicrohttpd 2%.  PRAGMA locking_mode=EXCLUSIVE removes the fcntl calls
 * and gives +40%, but it locks every other process out of the database
 * (raslogd's operator commands need in), so the baseline does not use it.
 * Under --sync full the fdatasync() of each commit is the whole story.
 *
 * Also answers GET /api/v1/health, so the harness can wait for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#define BODY_LIMIT (64 * 1024)

/* Per-request state, freed in the completion callback. */
struct request {
	char *body;  /* the bytes received so far (not NUL-terminated until complete) */
	size_t len;  /* bytes used in body */
	size_t cap;  /* bytes allocated for body */
	int too_big; /* the body passed BODY_LIMIT: answer 413 */
};

/* Process-wide state; the daemon's threads only read it, except db under db_lock. */
static struct {
	sqlite3 *db;               /* the one write connection */
	sqlite3_stmt *insert;      /* the prepared INSERT, reused for every request */
	pthread_mutex_t db_lock;   /* guards db and insert */
	int verify;                /* --verify given */
	unsigned char pk[crypto_sign_PUBLICKEYBYTES]; /* for --verify */
	unsigned char sig[crypto_sign_BYTES];         /* over message */
	char message[640];         /* a statement-sized message */
	size_t message_len;        /* bytes used in message */
} bare = { .db_lock = PTHREAD_MUTEX_INITIALIZER };

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS sessions ("
	" id INTEGER PRIMARY KEY,"
	" trainee_id INTEGER NOT NULL,"
	" trainer_id INTEGER,"
	" date TEXT NOT NULL,"
	" minutes INTEGER NOT NULL,"
	" activity TEXT NOT NULL,"
	" platform TEXT, site TEXT, procedure TEXT, steps TEXT, role TEXT, notes TEXT,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" created_at TEXT NOT NULL"
	") STRICT;";

static const char insert_sql[] =
	"INSERT INTO sessions (trainee_id, trainer_id, date, minutes, activity,"
	" platform, site, procedure, steps, role, notes, created_at)"
	" VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "bare: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *json)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Binds a JSON string member, or NULL when it is absent or not a string. */
static void bind_string(sqlite3_stmt *st, int col, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		sqlite3_bind_text(st, col, json_string_value(v), (int)json_string_length(v), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

/* Inserts one session; returns its rowid, or -1 (reason in *err). */
static sqlite3_int64 insert_session(json_t *obj, char **steps, const char **err)
{
	sqlite3_stmt *st = bare.insert;
	json_t *trainer = json_object_get(obj, "trainer");
	json_t *steps_json = json_object_get(obj, "steps");
	char now[21];
	time_t t = time(NULL);
	struct tm tm;
	sqlite3_int64 id = -1;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Serialising steps needs no lock: do it before taking one. */
	*steps = json_is_array(steps_json) ? json_dumps(steps_json, JSON_COMPACT) : NULL;

	pthread_mutex_lock(&bare.db_lock);
	if (json_is_integer(trainer))
		sqlite3_bind_int64(st, 1, json_integer_value(trainer));
	else
		sqlite3_bind_null(st, 1);
	bind_string(st, 2, obj, "date");
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(obj, "minutes")));
	bind_string(st, 4, obj, "activity");
	bind_string(st, 5, obj, "platform");
	bind_string(st, 6, obj, "site");
	bind_string(st, 7, obj, "procedure");
	if (*steps)
		sqlite3_bind_text(st, 8, *steps, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	bind_string(st, 9, obj, "role");
	bind_string(st, 10, obj, "notes");
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(bare.db);
	else
		*err = sqlite3_errmsg(bare.db);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&bare.db_lock);
	return id;
}

static enum MHD_Result post_session(struct MHD_Connection *conn, struct request *req)
{
	json_t *obj;
	json_error_t jerr;
	char *steps = NULL;
	const char *err = NULL;
	sqlite3_int64 id;
	char out[64];

	if (bare.verify &&
	    crypto_sign_verify_detached(bare.sig, (const unsigned char *)bare.message,
					bare.message_len, bare.pk) != 0)
		return reply(conn, 500, "{\"title\":\"signature did not verify\"}");

	obj = json_loadb(req->body ? req->body : "", req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(obj) ||
	    !json_is_string(json_object_get(obj, "date")) ||
	    !json_is_integer(json_object_get(obj, "minutes")) ||
	    !json_is_string(json_object_get(obj, "activity"))) {
		json_decref(obj);
		return reply(conn, 400, "{\"title\":\"body must be a session object\"}");
	}
	id = insert_session(obj, &steps, &err);
	free(steps);
	json_decref(obj);
	if (id < 0) {
		fprintf(stderr, "bare: insert failed: %s\n", err);
		return reply(conn, 500, "{\"title\":\"insert failed\"}");
	}
	snprintf(out, sizeof(out), "{\"id\":%lld,\"status\":\"pending\"}", (long long)id);
	return reply(conn, 201, out);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)version;
	if (!req) {
		/* First call: headers only.  Never answer here. */
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->too_big || req->len + n > BODY_LIMIT) {
			req->too_big = 1;
			return MHD_YES;
		}
		if (req->len + n > req->cap) {
			size_t cap = req->cap ? req->cap : 1024;
			char *p;

			while (cap < req->len + n)
				cap *= 2;
			p = realloc(req->body, cap);
			if (!p)
				return MHD_NO;
			req->body = p;
			req->cap = cap;
		}
		memcpy(req->body + req->len, upload_data, n);
		req->len += n;
		return MHD_YES;
	}
	/* The body is complete: answer. */
	if (req->too_big)
		return reply(conn, 413, "{\"title\":\"body too large\"}");
	if (strcmp(url, "/api/v1/sessions") == 0 && strcmp(method, "POST") == 0)
		return post_session(conn, req);
	if (strcmp(url, "/api/v1/health") == 0 && strcmp(method, "GET") == 0)
		return reply(conn, 200, "{\"status\":\"ok\"}");
	return reply(conn, 404, "{\"title\":\"no such resource\"}");
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (req) {
		free(req->body);
		free(req);
		*con_cls = NULL;
	}
}

static void open_db(const char *path, int sync_full)
{
	char *errmsg = NULL;
	const char *pragmas = sync_full ?
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" :
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

	/* NOMUTEX: bare.db_lock already serialises every use of the connection. */
	if (sqlite3_open_v2(path, &bare.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die("cannot open the database", sqlite3_errmsg(bare.db));
	if (sqlite3_exec(bare.db, pragmas, NULL, NULL, &errmsg) != SQLITE_OK ||
	    sqlite3_exec(bare.db, schema_sql, NULL, NULL, &errmsg) != SQLITE_OK)
		die("cannot set up the database", errmsg);
	if (sqlite3_prepare_v3(bare.db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &bare.insert, NULL) != SQLITE_OK)
		die("cannot prepare the insert", sqlite3_errmsg(bare.db));
}

/* Makes the --verify key pair and signs a message shaped like a raslog statement. */
static void make_signature(void)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	int n;

	n = snprintf(bare.message, sizeof(bare.message), "RASLOG-STATEMENT-v1\n"
		"{\"decision\":\"confirm\",\"key\":3,\"kind\":\"signoff\",\"session\":"
		"{\"activity\":\"console_modular\",\"date\":\"2026-10-02\",\"id\":123456,"
		"\"minutes\":90,\"notes\":\"bench\",\"platform\":\"davinci_xi\","
		"\"procedure\":\"robotic prostatectomy\",\"role\":\"S-TS\",\"site\":"
		"\"Leeds Robotics Skills Lab\",\"steps\":[\"bladder_neck_dissection\"],"
		"\"trainee\":42,\"trainer\":7},\"signed_role\":\"S-TS\",\"signed_steps\":"
		"[\"bladder_neck_dissection\"],\"signer\":7,\"time\":\"2026-10-02T17:00:00Z\"}");
	bare.message_len = (size_t)n;
	crypto_sign_keypair(bare.pk, sk);
	crypto_sign_detached(bare.sig, NULL, (const unsigned char *)bare.message,
			     bare.message_len, sk);
	sodium_memzero(sk, sizeof(sk));
}

static long parse_long(const char *s, long min, long max, const char *flag)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad value for", flag);
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: bare --port N --db FILE [--sync full|normal] [--verify] [--threads N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long port = 0, threads = 0;
	const char *db_path = NULL;
	int sync_full = 1;
	struct sockaddr_in addr;
	struct MHD_Daemon *daemon;
	sigset_t stop_signals;
	int sig;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(arg, "--verify") == 0) {
			bare.verify = 1;
			continue;
		}
		if (!val)
			usage();
		i++;
		if (strcmp(arg, "--port") == 0)
			port = parse_long(val, 1, 65535, arg);
		else if (strcmp(arg, "--db") == 0)
			db_path = val;
		else if (strcmp(arg, "--threads") == 0)
			threads = parse_long(val, 1, 64, arg);
		else if (strcmp(arg, "--sync") == 0 && strcmp(val, "full") == 0)
			sync_full = 1;
		else if (strcmp(arg, "--sync") == 0 && strcmp(val, "normal") == 0)
			sync_full = 0;
		else
			usage();
	}
	if (!port || !db_path)
		usage();
	if (!threads)
		threads = bare.verify ? 2 : 1;
	if (sodium_init() < 0)
		die("libsodium failed to initialise", NULL);
	if (bare.verify)
		make_signature();
	open_db(db_path, sync_full);

	/* The daemon's threads inherit this mask, so only sigwait sees the signals. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO,
				  (uint16_t)port, NULL, NULL, handle, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				  MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				  MHD_OPTION_END);
	if (!daemon)
		die("cannot listen on the port", strerror(errno));
	fprintf(stderr, "bare: listening on 127.0.0.1:%ld (sync %s%s, %ld threads)\n", port,
		sync_full ? "full" : "normal", bare.verify ? ", verify" : "", threads);

	while (sigwait(&stop_signals, &sig) != 0)
		;
	MHD_stop_daemon(daemon);
	sqlite3_finalize(bare.insert);
	sqlite3_close(bare.db);
	return 0;
}
