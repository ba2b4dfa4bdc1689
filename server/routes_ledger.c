/*
 * routes_ledger.c - /api/v1/ledger...: the JSON Lines export, single
 * entries (for in-browser verification), the signed tree head (JSON and
 * C2SP checkpoint), the log's public key, and RFC 9162 inclusion and
 * consistency proofs.
 *
 * The ledger is private: the export and single entries give an entry's
 * content only to a caller who may see the person it is about (the rule
 * of core/domain/sessions.c rl_trainee_visible, read once per request as a set),
 * and the redacted line {"index":N,"leaf_hash":"<hex>"} otherwise, so
 * that anyone can still recompute the root and check heads and proofs.
 */
#include <stdlib.h>
#include <string.h>

#include "base/jsonin.h"
#include "ledger/ledger.h"
#include "server.h"
#include "domain/sessions.h"
#include "base/util.h"

#include "base/banned.h"

/*
 * The export is streamed a few hundred entries at a time, so its size does
 * not become raslogd's memory.  Entries never change once written, so
 * reading them in several snapshots gives the same bytes as one.
 */
#define EXPORT_CHUNK 256

/* The caller as a ledger reader: whose entries they may read in full. */
struct reader {
	struct rl_visible visible;
	struct rl_ledger_reader r;
};

static int reader_may_see(void *ctx, int64_t subject)
{
	return rl_visible_has(ctx, subject);
}

/* Loads the caller's visible set once; replies and returns -1 on failure. */
static int reader_load(struct request *rq, struct reader *rd)
{
	struct rl_error err = RL_ERROR_INIT;

	if (rl_visible_load(server_db(), &rq->user, &rd->visible, &err) < 0) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return -1;
	}
	rd->r.user = rq->user.id;
	rd->r.may_see = reader_may_see;
	rd->r.ctx = &rd->visible;
	return 0;
}

struct export_stream {
	struct reader rd;   /* who reads: entries they may not see are redacted */
	int64_t next, end;  /* entries [next, end) are still to send */
	struct rl_buf chunk;
	size_t off;         /* bytes of chunk already sent */
	int lines;          /* entries appended to chunk by the last fill */
};

static int add_line(void *ctx, const char *line, size_t len)
{
	struct export_stream *es = ctx;

	if (rl_buf_add(&es->chunk, line, len) < 0 || rl_buf_putc(&es->chunk, '\n') < 0)
		return -1;
	es->lines++;
	return 0;
}

static ssize_t export_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct export_stream *es = cls;
	struct rl_error err = RL_ERROR_INIT;
	size_t n;

	if (es->off == es->chunk.len) {
		int64_t want = es->end - es->next < EXPORT_CHUNK ? es->end - es->next : EXPORT_CHUNK;
		rl_buf_reset(&es->chunk);
		es->off = 0;
		es->lines = 0;
		if (want <= 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (rl_ledger_export_for(server_db(), &es->rd.r, es->next, want, add_line, es, &err) < 0) {
			rl_error_clear(&err);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (es->lines == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		es->next += es->lines;
	}
	n = es->chunk.len - es->off < max ? es->chunk.len - es->off : max;
	memcpy(buf, es->chunk.data + es->off, n);
	es->off += n;
	return (ssize_t)n;
}

static void export_done(void *cls)
{
	struct export_stream *es = cls;

	rl_buf_release(&es->chunk);
	rl_visible_release(&es->rd.visible);
	free(es);
}

void h_ledger_export(struct request *rq)
{
	long long from = 0, count = 10000;
	struct export_stream *es;

	if (query_int(rq, "from", 0, INT64_MAX, &from) < 0 || query_int(rq, "count", 1, 100000, &count) < 0)
		return;
	es = calloc(1, sizeof(*es));
	if (!es) {
		reply_problem(rq, RL_E_INTERNAL, "internal", "out of memory");
		return;
	}
	if (reader_load(rq, &es->rd) < 0) {
		free(es);
		return;
	}
	rl_buf_init(&es->chunk, 16u << 20);
	es->next = from;
	/* Entries [from, from+count) that exist: the end is clamped, never overflows. */
	es->end = from > INT64_MAX - count ? INT64_MAX : from + count;
	reply_stream(rq, 200, "application/jsonl", export_read, es, export_done);
}

static int first_line(void *ctx, const char *line, size_t len)
{
	json_t **out = ctx;
	*out = json_loadb(line, len, 0, NULL);
	return 1;
}

/* An entry the caller may not see answers 200 with its redacted line (not 404: it exists, in every proof). */
void h_ledger_entry(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	struct reader rd;
	json_t *entry = NULL, *stmt;
	const char *msg;
	size_t prefix = strlen(RL_STATEMENT_PREFIX);
	int rc;

	if (reader_load(rq, &rd) < 0)
		return;
	/* {id} matches positive integers only; index 0 is reachable as /ledger/entries/0 via ?index. */
	rc = rl_ledger_export_for(server_db(), &rd.r, rq->param, 1, first_line, &entry, &err);
	rl_visible_release(&rd.visible);
	if (rc < 0 || !entry) {
		if (!err.status)
			rl_error_set(&err, RL_E_NOTFOUND, "not-found", NULL, "no ledger entry %lld", (long long)rq->param);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	msg = json_string_value(json_object_get(entry, "message"));
	if (msg && strncmp(msg, RL_STATEMENT_PREFIX, prefix) == 0 &&
	    (stmt = json_loads(msg + prefix, 0, NULL)))
		json_object_set_new(entry, "statement", stmt);
	reply_json(rq, 200, entry);
}

void h_ledger_entry_zero(struct request *rq)
{
	rq->param = 0;
	h_ledger_entry(rq);
}

void h_ledger_head(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *head = rl_ledger_head(server_db(), &err);

	if (!head) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, head);
}

void h_ledger_key(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	uint8_t pk[32];
	char *b64, *vkey;

	if (rl_ledger_log_key(server_db(), pk, &err) < 0) {
		reply_error(rq, &err);
		return;
	}
	b64 = rl_base64_encode(pk, 32);
	vkey = rl_ledger_note_verifier_key(server_db(), server_ctx.log_origin, &err);
	if (!vkey) {
		free(b64);
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, json_pack("{s:s,s:s,s:s,s:s}", "public_key", b64, "algorithm", "Ed25519",
				      "note_verifier_key", vkey, "origin", server_ctx.log_origin));
	free(b64);
	free(vkey);
}

void h_ledger_proof(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	long long index = -1, size = 0;
	json_t *p;

	if (query_int(rq, "index", 0, INT64_MAX, &index) < 0 || query_int(rq, "tree_size", 1, INT64_MAX, &size) < 0)
		return;
	if (index < 0) {
		rl_error_field(&err, "index", "is required");
		reply_error(rq, &err);
		return;
	}
	p = rl_ledger_inclusion(server_db(), index, size, &err);
	if (!p) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, p);
}

void h_ledger_consistency(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	long long first = 0, second = 0;
	json_t *p;

	if (query_int(rq, "first", 1, INT64_MAX, &first) < 0 || query_int(rq, "second", 1, INT64_MAX, &second) < 0)
		return;
	if (!first) {
		rl_error_field(&err, "first", "is required");
		reply_error(rq, &err);
		return;
	}
	p = rl_ledger_consistency(server_db(), first, second, &err);
	if (!p) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_json(rq, 200, p);
}

/*
 * The latest signed tree head as a C2SP tlog-checkpoint signed note
 * (text/plain), for tools of the transparency-log ecosystem; its verifier
 * key is in GET /ledger/key's "note_verifier_key".  docs/ledger.md.
 */
void h_ledger_checkpoint(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	size_t len;
	char *note = rl_ledger_checkpoint(server_db(), server_ctx.log_origin, &len, &err);

	if (!note) {
		reply_error(rq, &err);
		rl_error_clear(&err);
		return;
	}
	reply_text(rq, 200, "text/plain; charset=utf-8", note, len);
	free(note);
}
