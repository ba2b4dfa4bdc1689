/*
 * copy.c - whole-database copy between engines; see copy.h.
 *
 * The source is read through SQLite's own catalogue (sqlite_master and the
 * table-valued pragmas), which is why this lives in store/: it is the one
 * place besides sqlite.c that knows the source is SQLite.  Values are
 * copied with the type they have in the source (rl_col_type), so an
 * INTEGER stays an integer and a BLOB stays bytes on the other side.
 */
#include "base/prelude.h"

#include "store/copy.h"

#include "base/buf.h"
#include "store/engine.h"

#define MAX_TABLES  96
#define MAX_COLUMNS 64

struct table {
	char name[64];
	int ncol;
	char col[MAX_COLUMNS][64];
	char order[256];         /* ORDER BY: the primary key's columns, or "rowid" */
	char parents[8][64];
	int nparents;
	int done;
};

static int safe_ident(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int read_catalogue(struct rl_db *src, struct table *t, int *n, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_prepare(src, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
					   "name NOT LIKE 'sqlite_%' ORDER BY name", err);
	struct rl_stmt *cols = NULL, *fks = NULL;
	int rc = -1;

	*n = 0;
	if (!st)
		return -1;
	while (rl_step(st) == RL_ROW) {
		const char *name = rl_col_text(st, 0);
		if (*n >= MAX_TABLES || !name || !safe_ident(name)) {
			rl_error_set(err, RL_E_INTERNAL, "migrate-catalogue", NULL,
				     "the source database has a table raslog cannot copy (%s)", name ? name : "?");
			goto out;
		}
		memset(&t[*n], 0, sizeof(t[*n]));
		snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
		(*n)++;
	}
	if (!(cols = rl_db_prepare(src, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", err)) ||
	    !(fks = rl_db_prepare(src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", err)))
		goto out;
	for (int i = 0; i < *n; i++) {
		rl_reset(cols);
		rl_bind_text(cols, 1, t[i].name, -1);
		while (rl_step(cols) == RL_ROW) {
			const char *c = rl_col_text(cols, 0);
			if (t[i].ncol >= MAX_COLUMNS || !c || !safe_ident(c)) {
				rl_error_set(err, RL_E_INTERNAL, "migrate-catalogue", NULL,
					     "the table %s has a column raslog cannot copy", t[i].name);
				goto out;
			}
			snprintf(t[i].col[t[i].ncol++], 64, "%s", c);
		}
		/* Key order: the primary key's columns in their key order, else rowid. */
		for (int k = 1; k <= t[i].ncol; k++) {
			rl_reset(cols);
			rl_bind_text(cols, 1, t[i].name, -1);
			while (rl_step(cols) == RL_ROW)
				if (rl_col_int(cols, 1) == k)
					snprintf(t[i].order + strlen(t[i].order), sizeof(t[i].order) - strlen(t[i].order),
						 "%s%s", k > 1 ? ", " : "", rl_col_text(cols, 0));
		}
		if (!t[i].order[0])
			snprintf(t[i].order, sizeof(t[i].order), "rowid");
		rl_reset(fks);
		rl_bind_text(fks, 1, t[i].name, -1);
		while (rl_step(fks) == RL_ROW && t[i].nparents < 8) {
			const char *p = rl_col_text(fks, 0);
			if (p && strcmp(p, t[i].name) != 0)
				snprintf(t[i].parents[t[i].nparents++], 64, "%s", p);
		}
	}
	rc = 0;
out:
	rl_finalize(st);
	rl_finalize(cols);
	rl_finalize(fks);
	return rc;
}

static int64_t count_rows(struct rl_db *db, const char *table, struct rl_error *err)
{
	struct rl_buf q = RL_BUF_INIT;
	struct rl_stmt *st;
	int64_t n = -1;

	rl_buf_printf(&q, "SELECT count(*) FROM %s", table);
	if (rl_buf_failed(&q)) {
		rl_buf_release(&q);
		return rl_error_internal(err, "out of memory");
	}
	st = rl_db_prepare(db, q.data, err);
	if (st && rl_step(st) == RL_ROW)
		n = rl_col_int64(st, 0);
	else if (st)
		rl_db_fail(db, err, "counting rows");
	rl_finalize(st);
	rl_buf_release(&q);
	return n;
}

static int copy_table(struct rl_db *src, struct rl_db *dst, const struct table *t, rl_copy_progress_fn progress,
		      void *ctx, int64_t *rows, struct rl_error *err)
{
	struct rl_buf sel = RL_BUF_INIT, ins = RL_BUF_INIT;
	struct rl_stmt *from = NULL, *to = NULL;
	int64_t total, done = 0;
	int rc = -1, step;

	if ((total = count_rows(src, t->name, err)) < 0)
		return -1;
	rl_buf_puts(&sel, "SELECT ");
	rl_buf_printf(&ins, "INSERT INTO %s(", t->name);
	for (int c = 0; c < t->ncol; c++) {
		rl_buf_printf(&sel, "%s%s", c ? ", " : "", t->col[c]);
		rl_buf_printf(&ins, "%s%s", c ? ", " : "", t->col[c]);
	}
	rl_buf_printf(&sel, " FROM %s ORDER BY %s", t->name, t->order);
	rl_buf_puts(&ins, ") VALUES (");
	for (int c = 0; c < t->ncol; c++)
		rl_buf_puts(&ins, c ? ", ?" : "?");
	rl_buf_puts(&ins, ")");
	if (rl_buf_failed(&sel) || rl_buf_failed(&ins)) {
		rl_error_internal(err, "out of memory");
		goto out;
	}
	if (!(from = rl_db_prepare(src, sel.data, err)) || !(to = rl_db_prepare(dst, ins.data, err)))
		goto out;
	while ((step = rl_step(from)) == RL_ROW) {
		rl_reset(to);
		for (int c = 0; c < t->ncol; c++) {
			switch (rl_col_type(from, c)) {
			case RL_TYPE_INTEGER:
				rl_bind_int64(to, c + 1, rl_col_int64(from, c));
				break;
			case RL_TYPE_FLOAT:
				rl_bind_double(to, c + 1, rl_col_double(from, c));
				break;
			case RL_TYPE_TEXT:
				rl_bind_text(to, c + 1, rl_col_text(from, c), rl_col_bytes(from, c));
				break;
			case RL_TYPE_BLOB:
				rl_bind_blob(to, c + 1, rl_col_blob(from, c), rl_col_bytes(from, c));
				break;
			default:
				rl_bind_null(to, c + 1);
			}
		}
		if (rl_step(to) != RL_DONE) {
			rl_db_fail(dst, err, "copying a row");
			rl_error_set(err, err->status, err->type, NULL, "copying row %lld of %s: %s",
				     (long long)done + 1, t->name, err->detail);
			goto out;
		}
		done++;
		if (progress && done % 10000 == 0)
			progress(t->name, done, total, ctx);
	}
	if (step != RL_DONE) {
		rl_db_fail(src, err, "reading the source database");
		goto out;
	}
	if (progress)
		progress(t->name, done, total, ctx);
	*rows += done;
	rc = 0;
out:
	rl_finalize(from);
	rl_finalize(to);
	rl_buf_release(&sel);
	rl_buf_release(&ins);
	return rc;
}

static struct table *find(struct table *t, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int rl_db_copy(struct rl_db *src, struct rl_db *dst, rl_copy_progress_fn progress, void *ctx,
	       struct rl_copy_stats *stats, struct rl_error *err)
{
	/* The catalogue of this copy (about 500 KiB at MAX_TABLES): its own, so copies can run side by side. */
	struct table *tables;
	int n, copied = 0, rc = -1;

	memset(stats, 0, sizeof(*stats));
	if (src->engine != &rl_engine_sqlite)
		return rl_error_set(err, RL_E_INVALID, "migrate-source", NULL,
				    "raslogd migrate copies from a SQLite database file; %s is not one", src->path);
	if (!(tables = calloc(MAX_TABLES, sizeof(*tables))))
		return rl_error_internal(err, "out of memory");
	if (read_catalogue(src, tables, &n, err) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int64_t have;

		/* meta holds what opening the target wrote (its key files' public halves): replaced below. */
		if (strcmp(tables[i].name, "meta") == 0)
			continue;
		have = count_rows(dst, tables[i].name, err);
		if (have < 0)
			goto out;
		if (have > 0) {
			rl_error_set(err, RL_E_CONFLICT, "migrate-not-empty", NULL,
				     "the target database %s already holds data (table %s has %lld rows); "
				     "migrate into a new, empty database", dst->path, tables[i].name, (long long)have);
			goto out;
		}
	}
	if (rl_db_begin(dst, err) < 0)
		goto out;
	if (rl_db_exec(dst, "DELETE FROM meta", err) < 0)
		goto fail;
	/* Parents before children: repeat passes until every table is copied. */
	while (copied < n) {
		int progressed = 0;
		for (int i = 0; i < n; i++) {
			struct table *t = &tables[i];
			int ready = !t->done;
			for (int p = 0; ready && p < t->nparents; p++) {
				struct table *parent = find(tables, n, t->parents[p]);
				ready = !parent || parent->done;
			}
			if (!ready)
				continue;
			if (copy_table(src, dst, t, progress, ctx, &stats->rows, err) < 0)
				goto fail;
			t->done = 1;
			copied++;
			progressed = 1;
			stats->tables++;
		}
		if (!progressed) {
			rl_error_set(err, RL_E_INTERNAL, "migrate-cycle", NULL,
				     "the source tables' foreign keys form a cycle; raslog cannot order the copy");
			goto fail;
		}
	}
	if (dst->engine->after_copy && dst->engine->after_copy(dst, err) < 0)
		goto fail;
	rc = rl_db_commit(dst, err);
	goto out;
fail:
	rl_db_rollback(dst);
out:
	free(tables);
	return rc;
}
