/*
 * postgres.c - the PostgreSQL engine (engine.h), through libpq.
 *
 * A connection is one PGconn opened from the postgresql:// URI (the
 * database exists: the operator makes it; RL_DB_CREATE, raslogd init,
 * makes raslog's tables in it and nothing else opens one without them) with
 * synchronous_commit on (a commit is durable before it is acknowledged),
 * the time zone fixed at UTC and notices silenced (core never prints).
 * The schema version is the one row of raslog_schema(version), which the
 * engine creates; processes migrating the same database take turns
 * (an advisory lock).
 *
 * Statements are written with SQLite's `?` and `?NNN` parameters; they are
 * rewritten to $n once (outside string literals, quoted identifiers and
 * comments) and prepared on the server at their first step, when the
 * bindings are known: integers are sent as int8, doubles as float8, blobs
 * in binary as bytea, text and NULL with no type (the server infers it).
 * PostgreSQL cannot infer `? IS NULL` or `? + 1` without a type, which is
 * why the types come from the bindings; a statement bound with other
 * types later is prepared again under another name (a few variants are
 * kept).  When the server refuses the typed form, it is prepared once
 * more with the integers untyped (an int4 argument, a 0/1 flag where a
 * boolean goes) or the untyped parameters as text (`? IS NULL` bound
 * NULL); inside a transaction both tries run in a savepoint.
 *
 * Results are read in text format (booleans read as 1 and 0) and held
 * whole until reset, so a very large result (a whole ledger export)
 * costs its size in memory; single-row mode is the improvement when that
 * matters.  bytea columns are decoded from their hex text form into a
 * buffer per column.
 *
 * A lost connection makes every failure "unavailable"; the next begin or
 * statement outside a transaction reconnects (PQreset) and prepares its
 * statements again.  Inside a transaction it does not: the rest of the
 * transaction would commit on its own.
 *
 * One difference from SQLite stays visible: a failed statement inside a
 * transaction aborts the whole transaction on PostgreSQL, so a caller
 * that handles a constraint failure and carries on must do it in a
 * savepoint (rl_try_step, sql.h; the ledger writer has one per job) or
 * outside a transaction.  Otherwise its COMMIT fails (PostgreSQL's own answer would
 * be a quiet ROLLBACK reported as success).
 */
#include "base/prelude.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sodium.h>

#include "base/util.h"
#include "store/engine.h"

#define PG_INT8OID   20
#define PG_FLOAT8OID 701
#define PG_BYTEAOID  17
#define PG_BOOLOID   16
#define PG_TEXTOID   25
#define PG_VARIANTS  4    /* prepared variants (parameter types) kept per statement */
#define PG_MSG_MAX   512
/* The advisory lock key every write transaction takes (pg_begin): the bytes "raslogwr". */
#define PG_WRITE_LOCK "8241995702627432306"
#define PG_COMMIT_CHANNEL "raslog_commit"

struct pg_conn {
	PGconn *conn;
	int readonly;             /* opened with RL_DB_READONLY */
	unsigned generation;      /* bumped by each reconnect: older prepared names are gone */
	unsigned long next_name;  /* for per-connection statement names */
	struct pg_failure {
		char state[6];    /* SQLSTATE of the last failure, "" when it had none */
		int conn;         /* the last failure was the connection's */
		char msg[PG_MSG_MAX]; /* its message, one line */
	} fail;
	int64_t changes;          /* rows changed by the last INSERT, UPDATE or DELETE */
	int in_tx;                /* between our BEGIN and its COMMIT or ROLLBACK */
	int notify;               /* announce this transaction's commit (pg_announce_commit) */
};

struct pg_variant {
	char name[32];            /* the server-side prepared statement */
	unsigned generation;      /* the connection generation it was prepared in */
	Oid *types;               /* nparams parameter types it was prepared with */
};

struct pg_stmt {
	char *sql;                /* with $n parameters */
	int nparams;              /* the highest parameter number */
	/* bindings, nparams each */
	char **values;            /* NULL = SQL NULL (or unbound) */
	int *lengths;
	int *formats;             /* 1 for a blob (binary bytea) */
	Oid *types;
	unsigned char *unused;    /* nparams: numbers the SQL skips (SQLite's ?99 leaves ?9..?98 unused) */
	struct pg_variant variants[PG_VARIANTS];
	int nvariants;
	int next_evict;
	/* the current run */
	PGresult *res;
	int executed;
	int row;                  /* current row, -1 before the first */
	int nrows;
	int ncols;
	unsigned char **decoded;  /* per column: the decoded bytea of the current row */
	size_t *decoded_len;
	int *decoded_row;         /* which row decoded[] holds, -1 none */
};

#define PGC(db) ((struct pg_conn *)(db)->conn)
#define PST(st) ((struct pg_stmt *)(st)->impl)

/* ---- failures ---- */

/*
 * Records the last failure: its SQLSTATE (NULL or "" when it has none),
 * whether it was the connection's (lost, refused, out of memory) and its
 * message, of which the first line is kept (libpq's end in a newline,
 * some span lines).  Every failure the engine reports goes through here.
 */
static void set_failure(struct pg_conn *c, const char *state, int conn, const char *m)
{
	size_t n;

	snprintf(c->fail.state, sizeof(c->fail.state), "%s", state ? state : "");
	c->fail.conn = conn;
	snprintf(c->fail.msg, sizeof(c->fail.msg), "%s", m && *m ? m : "unknown PostgreSQL error");
	n = strcspn(c->fail.msg, "\n");
	c->fail.msg[n] = '\0';
	while (n > 0 && (c->fail.msg[n - 1] == ' ' || c->fail.msg[n - 1] == '.'))
		c->fail.msg[--n] = '\0';
}

/* A failure of the connection itself, with no SQLSTATE. */
static void conn_failure(struct pg_conn *c, const char *m)
{
	set_failure(c, NULL, 1, m);
}

static void clear_failure(struct pg_conn *c)
{
	memset(&c->fail, 0, sizeof(c->fail));
}

/* Records res's failure (res may be NULL: out of memory or a lost connection). */
static void record_failure(struct pg_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	set_failure(c, state, !state || PQstatus(c->conn) != CONNECTION_OK,
		    primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(c->conn));
}

static int result_ok(const PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static enum rl_sql_failure pg_failure(struct rl_db *db)
{
	const char *s = PGC(db)->fail.state;

	if (PGC(db)->fail.conn && !*s)
		return RL_SQLF_UNAVAILABLE;
	if (!*s)
		return RL_SQLF_OTHER;
	if (strcmp(s, "23505") == 0)
		return RL_SQLF_UNIQUE;
	if (strncmp(s, "23", 2) == 0 || strcmp(s, "P0001") == 0)
		return RL_SQLF_CONSTRAINT;
	if (strcmp(s, "53100") == 0)
		return RL_SQLF_FULL;
	if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0 || strncmp(s, "53", 2) == 0 ||
	    strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "25006") == 0)
		return RL_SQLF_UNAVAILABLE;
	if (strcmp(s, "XX001") == 0 || strcmp(s, "XX002") == 0)
		return RL_SQLF_CORRUPT;
	return RL_SQLF_OTHER;
}

static const char *pg_errmsg(struct rl_db *db)
{
	return PGC(db)->fail.msg[0] ? PGC(db)->fail.msg : "not an error";
}

/* ---- the connection ---- */

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* After a command that succeeded: the rows an INSERT, UPDATE or DELETE changed (SQLite's changes()). */
static void note_changes(struct pg_conn *c, const PGresult *res)
{
	const char *cmd = PQcmdStatus((PGresult *)res);
	long long n;

	if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 || strncmp(cmd, "DELETE", 6) == 0 ||
	    strncmp(cmd, "MERGE", 5) == 0)
		c->changes = rl_parse_int(PQcmdTuples((PGresult *)res), 0, INT64_MAX, &n) == 0 ? n : 0;
}

/* Runs one command whose result is not needed; 0, or -1 with the failure recorded. */
static int run(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->conn, sql);
	int ok = result_ok(res);

	if (ok) {
		clear_failure(c);
		note_changes(c, res);
	} else {
		record_failure(c, res);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

/* The session's settings, after connecting and after each reconnect. */
static int session_setup(struct pg_conn *c)
{
	PQsetNoticeProcessor(c->conn, no_notices, NULL);
	if (run(c, "SET synchronous_commit = on; SET client_min_messages = warning; SET TIME ZONE 'UTC'") < 0)
		return -1;
	if (c->readonly && run(c, "SET default_transaction_read_only = on") < 0)
		return -1;
	return 0;
}

/*
 * Reconnects a connection that was lost.  Every prepared statement went
 * with it; bumping the generation makes statements prepare again.  Not
 * inside a transaction: its work is gone, and running the rest of it on a
 * new connection would commit half of it; it fails until rolled back.
 */
static int ensure_connected(struct pg_conn *c)
{
	if (PQstatus(c->conn) == CONNECTION_OK)
		return 0;
	if (c->in_tx) {
		conn_failure(c, "the connection to PostgreSQL was lost during the transaction");
		return -1;
	}
	PQreset(c->conn);
	c->generation++;
	if (PQstatus(c->conn) != CONNECTION_OK) {
		conn_failure(c, PQerrorMessage(c->conn));
		return -1;
	}
	return session_setup(c);
}

/* The target with any password replaced, for messages. */
static void redact(const char *uri, char *out, size_t size)
{
	const char *scheme = strstr(uri, "://");
	const char *at, *colon;

	snprintf(out, size, "%s", uri);
	if (!scheme)
		return;
	scheme += 3;
	at = strchr(scheme, '@');
	colon = strchr(scheme, ':');
	if (at && colon && colon < at && !memchr(scheme, '/', (size_t)(at - scheme)))
		snprintf(out, size, "%.*s:***%s", (int)(colon - uri), uri, at);
}

static int pg_open(struct rl_db *db, int flags, struct rl_error *err)
{
	static const char *const keys[] = { "dbname", "fallback_application_name", "connect_timeout", NULL };
	const char *values[] = { db->path, "raslogd", "10", NULL };
	struct pg_conn *c = calloc(1, sizeof(*c));
	char shown[512];

	if (!c)
		return rl_error_internal(err, "out of memory");
	redact(db->path, shown, sizeof(shown));
	c->readonly = !!(flags & RL_DB_READONLY);
	c->conn = PQconnectdbParams(keys, values, 1);
	db->conn = c;
	if (!c->conn)
		return rl_error_internal(err, "out of memory");
	if (PQstatus(c->conn) != CONNECTION_OK) {
		conn_failure(c, PQerrorMessage(c->conn));
		/* libpq has no SQLSTATE for a refused connection: its message says it */
		if (strstr(c->fail.msg, "FATAL:  database \"") && strstr(c->fail.msg, "does not exist"))
			return rl_error_set(err, RL_E_UNAVAILABLE, "no-database", "No database",
					    "there is no PostgreSQL database %s (%s); create it with createdb, then run "
					    "'raslogd --db URI init'", shown, c->fail.msg);
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
				    "cannot connect to the PostgreSQL database %s: %s", shown, c->fail.msg);
	}
	if (session_setup(c) < 0)
		return rl_error_set(err, RL_E_UNAVAILABLE, "storage-unavailable", NULL,
				    "cannot set up the connection to the PostgreSQL database %s: %s", shown, c->fail.msg);
	/* As for a SQLite file that is not there: only init (RL_DB_CREATE) makes a raslog database. */
	if (!(flags & RL_DB_CREATE)) {
		PGresult *res = PQexec(c->conn, "SELECT to_regclass('raslog_schema') IS NOT NULL");
		int blank = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
			    PQgetvalue(res, 0, 0)[0] == 'f';
		PQclear(res);
		if (blank)
			return rl_error_set(err, RL_E_UNAVAILABLE, "no-database", "No database",
					    "the PostgreSQL database %s holds no raslog database yet; create it with "
					    "'raslogd --db URI --key-dir DIR init'", shown);
	}
	return 0;
}

static void pg_close(struct rl_db *db)
{
	struct pg_conn *c = PGC(db);

	if (c)
		PQfinish(c->conn);
	free(c);
	db->conn = NULL;
}

static int pg_schema_version(struct rl_db *db)
{
	struct pg_conn *c = PGC(db);
	PGresult *res;
	int v = -1;

	if (ensure_connected(c) < 0)
		return -1;
	/* A reader does not create the table: a database never migrated is version 0. */
	res = PQexec(c->conn, "SELECT CASE WHEN to_regclass('raslog_schema') IS NULL THEN 0 "
			      "ELSE (SELECT COALESCE(max(version), 0) FROM raslog_schema) END");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		long long n;
		if (rl_parse_int(PQgetvalue(res, 0, 0), 0, 1000000, &n) == 0)
			v = (int)n;
	} else {
		record_failure(c, res);
	}
	PQclear(res);
	return v;
}

static int pg_set_schema_version(struct rl_db *db, int v, struct rl_error *err)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "DELETE FROM raslog_schema; INSERT INTO raslog_schema(version) VALUES (%d)", v);
	if (run(PGC(db), sql) < 0)
		return rl_db_fail(db, err, "recording the schema version");
	return 0;
}

static int pg_exec_script(struct rl_db *db, const char *sql, struct rl_error *err)
{
	if (run(PGC(db), sql) < 0)
		return rl_error_set(err, RL_E_INTERNAL, "migration-failed", NULL, "applying a migration failed: %s",
				    PGC(db)->fail.msg);
	return 0;
}

static int pg_exec(struct rl_db *db, const char *sql)
{
	struct pg_conn *c = PGC(db);
	int end = strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0;
	int notify = end && c->notify && strcmp(sql, "COMMIT") == 0;
	int rc;

	if (end)
		c->notify = 0;
	/* Rolling back a transaction whose connection is gone: it is gone already. */
	if (strcmp(sql, "ROLLBACK") == 0 && PQstatus(c->conn) != CONNECTION_OK) {
		c->in_tx = 0;
		return 0;
	}
	if (ensure_connected(c) < 0)
		return -1;
	/*
	 * PostgreSQL answers COMMIT of a transaction a failed statement
	 * aborted with success and the tag ROLLBACK: nothing was stored,
	 * and the caller must hear so.
	 */
	if (strcmp(sql, "COMMIT") == 0 && PQtransactionStatus(c->conn) == PQTRANS_INERROR) {
		run(c, "ROLLBACK");
		c->in_tx = 0;
		set_failure(c, "25P02", 0, "a statement of the transaction had failed, so it was rolled back");
		return -1;
	}
	/* The announcement rides with the COMMIT: one round trip, not two. */
	rc = run(c, notify ? "NOTIFY " PG_COMMIT_CHANNEL "; COMMIT" : sql);
	if (end) {
		PGTransactionStatusType s = PQtransactionStatus(c->conn);
		c->in_tx = s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
	}
	return rc;
}

static int pg_begin(struct rl_db *db)
{
	struct pg_conn *c = PGC(db);

	if (PQstatus(c->conn) != CONNECTION_OK)
		c->in_tx = 0; /* an abandoned transaction of a lost connection */
	c->notify = 0;
	/*
	 * Write transactions of every process take turns, as SQLite's BEGIN
	 * IMMEDIATE makes them: the ledger's next index, its Merkle nodes and
	 * each signed head are computed from what the previous commit left,
	 * and this lock, held by PostgreSQL until COMMIT or ROLLBACK, is what
	 * makes that safe across raslogd processes (never an in-process lock).
	 * BEGIN and the lock go in one round trip.
	 */
	if (pg_exec(db, c->readonly ? "BEGIN ISOLATION LEVEL READ COMMITTED"
				    : "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")") < 0) {
		if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
			struct pg_failure failed = c->fail;
			run(c, "ROLLBACK");
			c->fail = failed;
		}
		c->in_tx = 0;
		return -1;
	}
	c->in_tx = 1;
	return 0;
}

static int pg_in_transaction(struct rl_db *db)
{
	struct pg_conn *c = PGC(db);
	PGTransactionStatusType s = PQtransactionStatus(c->conn);

	if (PQstatus(c->conn) != CONNECTION_OK)
		return c->in_tx;
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int64_t pg_changes(struct rl_db *db)
{
	return PGC(db)->changes;
}

/*
 * lastval(): the value the session's last nextval gave, which is what an
 * INSERT into an identity column sets.  Before any nextval it fails, and
 * a failure inside a transaction would abort it, so there it runs inside
 * a savepoint.  The last failure recorded is left as it was.
 */
static int64_t pg_last_insert_id(struct rl_db *db)
{
	struct pg_conn *c = PGC(db);
	int in_tx = PQtransactionStatus(c->conn) == PQTRANS_INTRANS;
	PGresult *res;
	int64_t id = 0;
	int failed = 0;

	if (!PQsendQuery(c->conn, in_tx ? "SAVEPOINT rl_lastval; SELECT lastval(); RELEASE SAVEPOINT rl_lastval"
					: "SELECT lastval()"))
		return 0;
	while ((res = PQgetResult(c->conn))) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			long long n;
			if (rl_parse_int(PQgetvalue(res, 0, 0), INT64_MIN, INT64_MAX, &n) == 0)
				id = n;
		} else if (!result_ok(res)) {
			failed = 1;
		}
		PQclear(res);
	}
	if (failed && in_tx)
		PQclear(PQexec(c->conn, "ROLLBACK TO SAVEPOINT rl_lastval; RELEASE SAVEPOINT rl_lastval"));
	return failed ? 0 : id;
}

/* A session-level advisory lock, released by the unlock or by the connection's end. */
#define PG_MIGRATION_LOCK "7233012345678901" /* any fixed number of raslog's own */

static int pg_lock_migrations(struct rl_db *db, int on)
{
	struct pg_conn *c = PGC(db);

	if (ensure_connected(c) < 0)
		return -1;
	if (!on)
		return run(c, "SELECT pg_advisory_unlock(" PG_MIGRATION_LOCK ")");
	/* The version table is made under the lock: two CREATE TABLE IF NOT
	 * EXISTS at once can still collide. */
	if (run(c, "SELECT pg_advisory_lock(" PG_MIGRATION_LOCK ")") < 0)
		return -1;
	if (run(c, "CREATE TABLE IF NOT EXISTS raslog_schema(version integer NOT NULL)") < 0) {
		struct pg_failure failed = c->fail; /* the failure to report, not the unlock's success */
		run(c, "SELECT pg_advisory_unlock(" PG_MIGRATION_LOCK ")");
		c->fail = failed;
		return -1;
	}
	return 0;
}

/* ---- statements ---- */

/*
 * Rewrites SQLite's parameters as PostgreSQL's: ?NNN -> $NNN, and a bare ?
 * -> one more than the largest number so far, outside '...' literals,
 * "..." identifiers and comments.  Returns the new text (malloc'd) and the
 * highest number in *nparams, marking each number the text uses in
 * used[1..32767]; NULL for a number out of range.
 */
static char *translate(const char *sql, int *nparams, unsigned char *used)
{
	size_t len = strlen(sql);
	/* each ? becomes at most "$32767": 6 bytes for at least 1 */
	char *out = malloc(len * 6 + 1), *o = out;
	int max = 0;

	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			*o++ = *p++;
			while (*p) {
				if (*p == q && p[1] == q) {
					*o++ = *p++;
					*o++ = *p++;
				} else if (*p == q) {
					*o++ = *p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
			memcpy(o, p, n);
			o += n;
			p += n;
		} else if (*p == '?') {
			int n = 0;
			p++;
			if (*p >= '0' && *p <= '9') {
				while (*p >= '0' && *p <= '9') {
					n = n * 10 + (*p++ - '0');
					if (n > 32767)
						goto bad;
				}
				if (n < 1)
					goto bad;
			} else {
				n = max + 1;
				if (n > 32767)
					goto bad;
			}
			if (n > max)
				max = n;
			used[n] = 1;
			o += snprintf(o, 7, "$%d", n);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
bad:
	free(out);
	return NULL;
}

static void clear_run(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	for (int i = 0; i < s->ncols; i++)
		free(s->decoded[i]);
	free(s->decoded);
	free(s->decoded_len);
	free(s->decoded_row);
	s->decoded = NULL;
	s->decoded_len = NULL;
	s->decoded_row = NULL;
	s->ncols = 0;
	s->executed = 0;
	s->row = -1;
	s->nrows = 0;
}

static void clear_bindings(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
		/* A number the SQL never uses still needs a type: PostgreSQL cannot infer one. */
		s->types[i] = s->unused[i] ? PG_TEXTOID : 0;
	}
}

static void free_variant(struct pg_variant *v)
{
	free(v->types);
	v->types = NULL;
	v->name[0] = '\0';
}

static int pg_prepare(struct rl_stmt *st, struct rl_error *err)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));
	unsigned char *used = NULL;
	int n = 0;

	if (!s)
		return rl_error_internal(err, "out of memory");
	s->row = -1;
	if (!(used = calloc(32768, 1)) || !(s->sql = translate(st->sql, &n, used))) {
		free(used);
		free(s);
		return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
				    "cannot prepare a query: a parameter number is out of range (or out of memory)");
	}
	s->nparams = n;
	if (n > 0) {
		s->values = calloc((size_t)n, sizeof(*s->values));
		s->lengths = calloc((size_t)n, sizeof(*s->lengths));
		s->formats = calloc((size_t)n, sizeof(*s->formats));
		s->types = calloc((size_t)n, sizeof(*s->types));
		s->unused = calloc((size_t)n, 1);
		if (!s->values || !s->lengths || !s->formats || !s->types || !s->unused) {
			free(s->values);
			free(s->lengths);
			free(s->formats);
			free(s->types);
			free(s->unused);
			free(s->sql);
			free(s);
			free(used);
			return rl_error_internal(err, "out of memory");
		}
		for (int i = 0; i < n; i++)
			s->unused[i] = !used[i + 1];
		clear_bindings(s);
	}
	free(used);
	st->impl = s;
	return 0;
}

/* Whether st is one of the connection's cached statements (finalized only at close). */
static int is_cached(struct rl_stmt *st)
{
	for (int i = 0; i < st->db->nstmt; i++)
		if (st->db->cache[i].stmt == st)
			return 1;
	return 0;
}

static void pg_finalize(struct rl_stmt *st)
{
	struct pg_stmt *s = PST(st);
	struct pg_conn *c = PGC(st->db);
	int cached = is_cached(st);

	if (!s)
		return;
	clear_run(s);
	clear_bindings(s);
	for (int i = 0; i < s->nvariants; i++) {
		/* A statement made for one run: free its server-side half too (a
		 * cached one lives as long as the connection, which frees them all). */
		if (!cached && c && s->variants[i].generation == c->generation &&
		    PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_INERROR) {
			char sql[48];
			snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->variants[i].name);
			PQclear(PQexec(c->conn, sql));
		}
		free_variant(&s->variants[i]);
	}
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->types);
	free(s->unused);
	free(s->sql);
	free(s);
	st->impl = NULL;
}

static void pg_reset(struct rl_stmt *st)
{
	clear_run(PST(st));
	clear_bindings(PST(st));
}

/* Stores a copy of a binding: 0, or non-zero (SQLite's codes: 25 range, 7 memory). */
static int bind(struct rl_stmt *st, int i, const void *p, size_t len, int format, Oid type, int is_null)
{
	struct pg_stmt *s = PST(st);
	char *copy = NULL;

	if (i < 1 || i > s->nparams)
		return 25;
	if (!is_null) {
		if (!(copy = malloc(len + 1)))
			return 7;
		if (len)
			memcpy(copy, p, len);
		copy[len] = '\0';
	}
	i--;
	free(s->values[i]);
	s->values[i] = copy;
	s->lengths[i] = (int)len;
	s->formats[i] = format;
	s->types[i] = type;
	return 0;
}

static int pg_bind_int64(struct rl_stmt *st, int i, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return bind(st, i, buf, (size_t)n, 0, PG_INT8OID, 0);
}

static int pg_bind_double(struct rl_stmt *st, int i, double v)
{
	char buf[40];
	int n = snprintf(buf, sizeof(buf), "%.17g", v);
	return bind(st, i, buf, (size_t)n, 0, PG_FLOAT8OID, 0);
}

static int pg_bind_text(struct rl_stmt *st, int i, const char *p, int len)
{
	return bind(st, i, p, len < 0 ? strlen(p) : (size_t)len, 0, 0, 0);
}

static int pg_bind_blob(struct rl_stmt *st, int i, const void *p, int len)
{
	return bind(st, i, p, len < 0 ? 0 : (size_t)len, 1, PG_BYTEAOID, 0);
}

static int pg_bind_null(struct rl_stmt *st, int i)
{
	return bind(st, i, NULL, 0, 0, 0, 1);
}

/*
 * The prepared variant for the current bindings' types, preparing it if
 * needed.  If the server cannot take the typed parameters (an int8 where
 * a function wants an int4), the statement is prepared once more with
 * the integers' types left to the server.  NULL with the failure recorded.
 */
static const char *variant_for(struct rl_stmt *st)
{
	struct pg_stmt *s = PST(st);
	struct pg_conn *c = PGC(st->db);
	struct pg_variant *v;
	size_t tsize = (size_t)s->nparams * sizeof(Oid);
	PGresult *res;
	int in_tx;

	for (int i = 0; i < s->nvariants; i++) {
		v = &s->variants[i];
		if (v->generation == c->generation && (!tsize || memcmp(v->types, s->types, tsize) == 0))
			return v->name;
	}
	if (s->nvariants < PG_VARIANTS) {
		v = &s->variants[s->nvariants++];
	} else {
		char sql[48];
		v = &s->variants[s->next_evict];
		s->next_evict = (s->next_evict + 1) % PG_VARIANTS;
		if (v->generation == c->generation && PQtransactionStatus(c->conn) != PQTRANS_INERROR) {
			snprintf(sql, sizeof(sql), "DEALLOCATE %s", v->name);
			PQclear(PQexec(c->conn, sql));
		}
		free_variant(v);
	}
	v->types = malloc(tsize ? tsize : 1);
	if (!v->types) {
		conn_failure(c, "out of memory");
		return NULL;
	}
	if (tsize)
		memcpy(v->types, s->types, tsize);
	snprintf(v->name, sizeof(v->name), "rl_%lu", ++c->next_name);
	v->generation = c->generation;
	/*
	 * Inside a transaction a failed PREPARE would abort it; a savepoint
	 * keeps the transaction usable for the second try (and for the
	 * caller).  Statements are prepared once per connection, so the extra
	 * round trips are rare.
	 */
	in_tx = PQtransactionStatus(c->conn) == PQTRANS_INTRANS;
	if (in_tx)
		PQclear(PQexec(c->conn, "SAVEPOINT rl_prepare"));
	res = PQprepare(c->conn, v->name, s->sql, s->nparams, v->types);
	if (!result_ok(res)) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* no such function or operator for int8, a mismatched type */
		int int_retry = state && (strcmp(state, "42883") == 0 || strcmp(state, "42804") == 0);
		/* a type the server cannot infer (a NULL or a text in `? IS NULL`) */
		int text_retry = state && strcmp(state, "42P18") == 0;
		int changed = 0;

		for (int i = 0; i < s->nparams; i++) {
			if (int_retry && v->types[i] == PG_INT8OID) {
				v->types[i] = 0;
				changed = 1;
			} else if (text_retry && v->types[i] == 0) {
				v->types[i] = PG_TEXTOID;
				changed = 1;
			}
		}
		if (in_tx)
			PQclear(PQexec(c->conn, "ROLLBACK TO SAVEPOINT rl_prepare"));
		if (changed) {
			/* the failed name was never created: reuse it */
			PGresult *again = PQprepare(c->conn, v->name, s->sql, s->nparams, v->types);
			if (result_ok(again)) {
				PQclear(res);
				res = again;
			} else {
				PQclear(again); /* report the first failure, the one the SQL as written met */
				if (in_tx)
					PQclear(PQexec(c->conn, "ROLLBACK TO SAVEPOINT rl_prepare"));
			}
			/* keyed by the bindings' types, whatever it was prepared with */
			memcpy(v->types, s->types, tsize);
		}
	}
	if (in_tx)
		PQclear(PQexec(c->conn, "RELEASE SAVEPOINT rl_prepare"));
	if (!result_ok(res)) {
		record_failure(c, res);
		PQclear(res);
		free_variant(v);
		/* drop the slot: the next run prepares again */
		*v = s->variants[--s->nvariants];
		memset(&s->variants[s->nvariants], 0, sizeof(*v));
		if (s->next_evict >= s->nvariants)
			s->next_evict = 0;
		return NULL;
	}
	PQclear(res);
	return v->name;
}

static int pg_step(struct rl_stmt *st)
{
	struct pg_stmt *s = PST(st);
	struct pg_conn *c = PGC(st->db);

	if (!s->executed) {
		const char *name;
		ExecStatusType status;

		if (ensure_connected(c) < 0)
			return 1;
		if (!(name = variant_for(st)))
			return 1;
		s->res = PQexecPrepared(c->conn, name, s->nparams, (const char *const *)s->values, s->lengths,
					s->formats, 0);
		s->executed = 1;
		status = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
		if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
			record_failure(c, s->res);
			PQclear(s->res);
			s->res = NULL;
			return 1;
		}
		clear_failure(c);
		note_changes(c, s->res);
		s->nrows = status == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		s->ncols = PQnfields(s->res);
		if (s->ncols > 0) {
			s->decoded = calloc((size_t)s->ncols, sizeof(*s->decoded));
			s->decoded_len = calloc((size_t)s->ncols, sizeof(*s->decoded_len));
			s->decoded_row = malloc((size_t)s->ncols * sizeof(*s->decoded_row));
			if (!s->decoded || !s->decoded_len || !s->decoded_row) {
				conn_failure(c, "out of memory");
				clear_run(s);
				s->executed = 1;
				return 7;
			}
			for (int i = 0; i < s->ncols; i++)
				s->decoded_row[i] = -1;
		}
	}
	if (s->row < s->nrows)
		s->row++;
	return s->row < s->nrows ? RL_ROW : RL_DONE;
}

/*
 * rl_try_step: inside a transaction the step runs in a savepoint, rolled
 * back when the statement fails, so the transaction stays usable and the
 * caller can go on (a failed statement would abort all of it).  The
 * statement's failure is what is reported, not the rollback's success.
 */
static int pg_try_step(struct rl_stmt *st)
{
	struct pg_conn *c = PGC(st->db);
	struct pg_failure failed;
	int rc;

	if (PQstatus(c->conn) != CONNECTION_OK || PQtransactionStatus(c->conn) != PQTRANS_INTRANS)
		return pg_step(st);
	if (run(c, "SAVEPOINT rl_try") < 0)
		return 1;
	rc = pg_step(st);
	if (rc == RL_ROW || rc == RL_DONE) {
		if (run(c, "RELEASE SAVEPOINT rl_try") < 0) {
			clear_run(PST(st));
			return 1;
		}
		return rc;
	}
	failed = c->fail;
	run(c, "ROLLBACK TO SAVEPOINT rl_try; RELEASE SAVEPOINT rl_try");
	c->fail = failed;
	return rc;
}

/* Whether column i of the current row has a value to read. */
static int have_cell(struct pg_stmt *s, int i)
{
	return s->res && i >= 0 && i < s->ncols && s->row >= 0 && s->row < s->nrows;
}

static int pg_col_is_null(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	return !have_cell(s, i) || PQgetisnull(s->res, s->row, i);
}

static int64_t pg_col_int64(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	const char *v;

	if (pg_col_is_null(st, i))
		return 0;
	v = PQgetvalue(s->res, s->row, i);
	if (PQftype(s->res, i) == PG_BOOLOID)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double pg_col_double(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);

	if (pg_col_is_null(st, i))
		return 0.0;
	if (PQftype(s->res, i) == PG_BOOLOID)
		return PQgetvalue(s->res, s->row, i)[0] == 't';
	return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * The bytes of a bytea cell, decoded from the hex output form (\x0a1b...,
 * PostgreSQL's default since 9.0) into a buffer kept, NUL-terminated,
 * until the next row or reset.  NULL when the cell is not bytea.
 */
static const unsigned char *decoded(struct pg_stmt *s, int i, size_t *len)
{
	const char *v;
	size_t n;
	unsigned char *out;

	if (PQftype(s->res, i) != PG_BYTEAOID)
		return NULL;
	if (s->decoded_row[i] == s->row) {
		*len = s->decoded_len[i];
		return s->decoded[i];
	}
	v = PQgetvalue(s->res, s->row, i);
	n = (size_t)PQgetlength(s->res, s->row, i);
	free(s->decoded[i]);
	s->decoded[i] = NULL;
	if (n < 2 || v[0] != '\\' || v[1] != 'x' || (n - 2) % 2 != 0)
		return NULL; /* not the hex form: served as text */
	if (!(out = malloc((n - 2) / 2 + 1)))
		return NULL;
	for (size_t k = 0; k < (n - 2) / 2; k++) {
		int hi = hexval(v[2 + 2 * k]), lo = hexval(v[3 + 2 * k]);
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[k] = (unsigned char)(hi << 4 | lo);
	}
	out[(n - 2) / 2] = '\0';
	s->decoded[i] = out;
	s->decoded_len[i] = (n - 2) / 2;
	s->decoded_row[i] = s->row;
	*len = s->decoded_len[i];
	return out;
}

static const char *pg_col_text(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	const unsigned char *b;
	size_t len;

	if (pg_col_is_null(st, i))
		return NULL;
	/* SQLite gives a blob's bytes as text; so does this. */
	if ((b = decoded(s, i, &len)))
		return (const char *)b;
	return PQgetvalue(s->res, s->row, i);
}

static const void *pg_col_blob(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	const unsigned char *b;
	size_t len;

	if (pg_col_is_null(st, i))
		return NULL;
	if ((b = decoded(s, i, &len)))
		return b;
	return PQgetvalue(s->res, s->row, i);
}

static int pg_col_bytes(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	size_t len;

	if (pg_col_is_null(st, i))
		return 0;
	if (decoded(s, i, &len))
		return (int)len;
	return PQgetlength(s->res, s->row, i);
}

static int pg_col_type(struct rl_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);

	if (pg_col_is_null(st, i))
		return RL_TYPE_NULL;
	switch (PQftype(s->res, i)) {
	case 20: case 21: case 23: case PG_BOOLOID:  /* int8, int2, int4, bool */
		return RL_TYPE_INTEGER;
	case 700: case PG_FLOAT8OID: case 1700:      /* float4, float8, numeric */
		return RL_TYPE_FLOAT;
	case PG_BYTEAOID:
		return RL_TYPE_BLOB;
	default:
		return RL_TYPE_TEXT;
	}
}

/* After a copy with explicit keys (copy.c): every identity sequence moves past the largest key. */
static int pg_after_copy(struct rl_db *db, struct rl_error *err)
{
	struct pg_conn *c = PGC(db);
	PGresult *cols = PQexec(c->conn, "SELECT quote_ident(table_name), quote_ident(column_name) "
					 "FROM information_schema.columns WHERE table_schema = current_schema() "
					 "AND is_identity = 'YES'");

	if (PQresultStatus(cols) != PGRES_TUPLES_OK) {
		record_failure(c, cols);
		PQclear(cols);
		return rl_db_fail(db, err, "moving the identity sequences");
	}
	for (int r = 0; r < PQntuples(cols); r++) {
		char sql[512];
		const char *t = PQgetvalue(cols, r, 0), *col = PQgetvalue(cols, r, 1);

		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', '%s'), "
			 "coalesce(max(%s), 0) + 1, false) FROM %s", t, col, col, t);
		if (run(c, sql) < 0) {
			PQclear(cols);
			return rl_db_fail(db, err, "moving the identity sequences");
		}
	}
	PQclear(cols);
	return 0;
}

/* ---- other processes' commits: LISTEN/NOTIFY on one channel ---- */

static int pg_listen(struct rl_db *db, struct rl_error *err)
{
	struct pg_conn *c = PGC(db);

	if (ensure_connected(c) < 0 || run(c, "LISTEN " PG_COMMIT_CHANNEL) < 0)
		return rl_db_fail(db, err, "listening for other servers' commits");
	return 0;
}

/* 1 when a commit was announced, 0 after timeout_ms of silence, -1 when the connection failed. */
static int pg_wait_commit(struct rl_db *db, int timeout_ms)
{
	struct pg_conn *c = PGC(db);
	struct pollfd pfd = { .fd = PQsocket(c->conn), .events = POLLIN };
	PGnotify *n;
	int heard = 0;

	if (PQstatus(c->conn) != CONNECTION_OK || pfd.fd < 0)
		return -1;
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return -1;
	if (!PQconsumeInput(c->conn))
		return -1;
	while ((n = PQnotifies(c->conn))) {
		heard = 1;
		PQfreemem(n);
	}
	return heard;
}

/*
 * Inside the write transaction: PostgreSQL delivers it to the listeners
 * when it commits.  The NOTIFY is sent with the COMMIT (pg_exec), so it
 * costs no round trip of its own; a transaction rolled back announces
 * nothing, as before.
 */
static void pg_announce_commit(struct rl_db *db)
{
	if (PGC(db)->in_tx)
		PGC(db)->notify = 1;
}

/*
 * The current snapshot (xmin:xmax:in-progress ids) hashed: it decides
 * which transactions' data a statement sees, and changes whenever one
 * ends or is given an id, so equal numbers mean unchanged data.
 */
static int pg_data_version(struct rl_db *db, uint64_t *v)
{
	struct pg_conn *c = PGC(db);
	PGresult *res;
	uint8_t h[8];
	int ok;

	if (ensure_connected(c) < 0)
		return -1;
	res = PQexec(c->conn, "SELECT pg_current_snapshot()::text");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok) {
		crypto_generichash(h, sizeof(h), (const unsigned char *)PQgetvalue(res, 0, 0),
				   (unsigned long long)PQgetlength(res, 0, 0), NULL, 0);
		*v = 0;
		for (int i = 0; i < 8; i++)
			*v = *v << 8 | h[i];
	}
	PQclear(res);
	return ok ? 0 : -1;
}

const struct rl_engine rl_engine_postgresql = {
	.name = "postgresql",
	.schema_prefix = "schema/postgresql/",
	.open = pg_open,
	.close = pg_close,
	.schema_version = pg_schema_version,
	.set_schema_version = pg_set_schema_version,
	.exec_script = pg_exec_script,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.step = pg_step,
	.try_step = pg_try_step,
	.reset = pg_reset,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.col_bytes = pg_col_bytes,
	.col_is_null = pg_col_is_null,
	.exec = pg_exec,
	.begin = pg_begin,
	.in_transaction = pg_in_transaction,
	.changes = pg_changes,
	.last_insert_id = pg_last_insert_id,
	.failure = pg_failure,
	.errmsg = pg_errmsg,
	.lock_migrations = pg_lock_migrations,
	.col_type = pg_col_type,
	.after_copy = pg_after_copy,
	.listen = pg_listen,
	.wait_commit = pg_wait_commit,
	.announce_commit = pg_announce_commit,
	.data_version = pg_data_version,
};
