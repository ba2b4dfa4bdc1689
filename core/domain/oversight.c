/*
 * oversight.c - faculty oversight figures from the ledger; see oversight.h.
 */
#include "base/prelude.h"

#include "domain/oversight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "domain/notify.h"
#include "domain/sessions.h"
#include "ledger/ledger.h"
#include "store/oversight_rows.h"
#include "store/programmes_rows.h"

long long rl_percentile(const long long *sorted, size_t n, int p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100) */
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The trainees whose rows store/ reads for a caller who sees vis (their ids, or all). */
static struct rl_rows_trainees trainees_of(const struct rl_visible *vis)
{
	return (struct rl_rows_trainees){ vis->all, vis->ids, vis->n };
}

struct signoff_ctx {
	const struct rl_visible *vis;
	json_t *latest;
};

/* Keeps the latest sign-off of each session about a trainee the caller may see. */
static int keep_latest(void *vctx, int64_t index, const char *msg, size_t len)
{
	static const size_t plen = sizeof(RL_STATEMENT_PREFIX) - 1;
	struct signoff_ctx *c = vctx;
	json_t *s, *sess;
	char k[24];

	(void)len;
	if (!msg || strncmp(msg, RL_STATEMENT_PREFIX, plen) != 0)
		return 0;
	if (!(s = json_loads(msg + plen, 0, NULL)))
		return 0;
	sess = json_object_get(s, "session");
	if (!json_is_object(sess) || !rl_visible_has(c->vis, json_integer_value(json_object_get(sess, "trainee")))) {
		json_decref(s);
		return 0;
	}
	json_object_set_new(s, "_index", json_integer(index));
	snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(json_object_get(sess, "id")));
	/* deleting first keeps the object's iteration in ledger order of the latest statement */
	json_object_del(c->latest, k);
	json_object_set_new(c->latest, k, s);
	return 0;
}

/*
 * Calls fn with the latest session_signoff statement of each session about
 * a trainee the caller may see, in ledger order of that latest statement.
 * Reads only those trainees' sign-offs (through the index ledger_by_subject;
 * a caller who sees every trainee reads every sign-off).
 */
static int foreach_signoff(struct rl_db *db, const struct rl_user *me, int (*fn)(void *ctx, json_t *st, int64_t index),
			   void *ctx, struct rl_error *err)
{
	struct rl_visible vis;
	struct rl_rows_trainees t;
	struct signoff_ctx c;
	json_t *v;
	const char *key;
	int rc, result = 0;

	if (rl_visible_load(db, me, &vis, err) < 0)
		return -1;
	t = trainees_of(&vis);
	c = (struct signoff_ctx){ &vis, json_object() };
	rc = rl_rows_oversight_signoffs_of(db, &t, keep_latest, &c, err);
	rl_visible_release(&vis);
	if (rc < 0) {
		json_decref(c.latest);
		return -1;
	}
	json_object_foreach(c.latest, key, v) {
		if ((result = fn(ctx, v, json_integer_value(json_object_get(v, "_index")))) != 0)
			break;
	}
	json_decref(c.latest);
	return result < 0 ? -1 : 0;
}

static const char *user_name(struct rl_db *db, int64_t id, char *buf, size_t size)
{
	struct rl_error err = RL_ERROR_INIT;

	snprintf(buf, size, "user %lld", (long long)id);
	rl_rows_oversight_user_name(db, id, buf, size, &err);
	rl_error_clear(&err);
	return buf;
}

/* Sorts a JSON array in place with cmp over its elements. */
static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr), i;
	json_t **v = n ? malloc(n * sizeof(*v)) : NULL;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

static long long ival(const void *p, const char *k)
{
	return json_integer_value(json_object_get(*(json_t *const *)p, k));
}

/* Longest queue first, then by trainer id. */
static int cmp_trainer_rows(const void *a, const void *b)
{
	long long wa = ival(a, "waiting"), wb = ival(b, "waiting");

	if (wa != wb)
		return wa > wb ? -1 : 1;
	return (ival(a, "trainer") > ival(b, "trainer")) - (ival(a, "trainer") < ival(b, "trainer"));
}

/* ---- trainers ------------------------------------------------------------------ */

struct trainer_acc {
	json_t *by_id;   /* "id" -> {"times": [...], "decided": n} */
	struct rl_error *err;
};

static int trainer_collect(void *vctx, json_t *s, int64_t index)
{
	struct trainer_acc *a = vctx;
	json_t *sess = json_object_get(s, "session"), *t;
	time_t logged, signed_at;
	char k[24];

	(void)index;
	snprintf(k, sizeof(k), "%lld", (long long)json_integer_value(json_object_get(s, "signer")));
	if (!(t = json_object_get(a->by_id, k))) {
		t = json_pack("{s:[],s:i}", "times", "decided", 0);
		json_object_set_new(a->by_id, k, t);
	}
	json_object_set_new(t, "decided", json_integer(json_integer_value(json_object_get(t, "decided")) + 1));
	if (rl_parse_rfc3339(json_string_value(json_object_get(sess, "created_at")), &logged) == 0 &&
	    rl_parse_rfc3339(json_string_value(json_object_get(s, "signed_at")), &signed_at) == 0)
		json_array_append_new(json_object_get(t, "times"), json_integer((json_int_t)(signed_at - logged)));
	return 0;
}

struct waiting_ctx {
	const struct rl_visible *vis;
	json_t *by_id;
};

static int count_waiting(void *vctx, const struct rl_row_pending *r)
{
	struct waiting_ctx *w = vctx;
	char k[24];
	json_t *t;
	const char *created = r->created_at;

	if (!rl_visible_has(w->vis, r->trainee))
		return 0;
	snprintf(k, sizeof(k), "%lld", (long long)r->trainer);
	if (!(t = json_object_get(w->by_id, k))) {
		t = json_pack("{s:[],s:i}", "times", "decided", 0);
		json_object_set_new(w->by_id, k, t);
	}
	json_object_set_new(t, "waiting", json_integer(json_integer_value(json_object_get(t, "waiting")) + 1));
	if (!json_object_get(t, "oldest_waiting_since"))
		json_object_set_new(t, "oldest_waiting_since", json_string(created));
	else if (strcmp(created, json_string_value(json_object_get(t, "oldest_waiting_since"))) < 0)
		json_object_set_new(t, "oldest_waiting_since", json_string(created));
	return 0;
}

json_t *rl_oversight_trainers(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err)
{
	struct trainer_acc a = { json_object(), err };
	json_t *items = json_array(), *v;
	const char *key;
	int rc;

	if (foreach_signoff(db, o->me, trainer_collect, &a, err) < 0)
		goto fail;
	/* Waiting now: the pending sessions of the trainees the caller may see. */
	{
		struct rl_visible vis;
		struct rl_rows_trainees t;
		struct waiting_ctx w;

		if (rl_visible_load(db, o->me, &vis, err) < 0)
			goto fail;
		t = trainees_of(&vis);
		w = (struct waiting_ctx){ &vis, a.by_id };
		rc = rl_rows_oversight_pending(db, &t, count_waiting, &w, err);
		rl_visible_release(&vis);
		if (rc < 0)
			goto fail;
	}
	json_object_foreach(a.by_id, key, v) {
		json_t *times = json_object_get(v, "times"), *x;
		size_t n = json_array_size(times), i;
		long long *sorted = n ? calloc(n, sizeof(*sorted)) : NULL;
		long long id = 0;
		char name[256];
		json_t *row;

		if (n && !sorted) {
			rl_error_internal(err, "out of memory");
			goto fail;
		}
		json_array_foreach(times, i, x)
			sorted[i] = json_integer_value(x);
		if (n)
			qsort(sorted, n, sizeof(*sorted), cmp_ll);
		rl_parse_int(key, 1, INT64_MAX, &id);
		row = json_pack("{s:I,s:s,s:I,s:I}", "trainer", (json_int_t)id, "name", user_name(db, id, name, sizeof(name)),
				"waiting", (json_int_t)json_integer_value(json_object_get(v, "waiting")),
				"decided", (json_int_t)json_integer_value(json_object_get(v, "decided")));
		json_object_set(row, "oldest_waiting_since", json_object_get(v, "oldest_waiting_since")
				? json_object_get(v, "oldest_waiting_since") : json_null());
		json_object_set_new(row, "median_seconds", n ? json_integer(rl_percentile(sorted, n, 50)) : json_null());
		json_object_set_new(row, "p90_seconds", n ? json_integer(rl_percentile(sorted, n, 90)) : json_null());
		free(sorted);
		json_array_append_new(items, row);
	}
	json_decref(a.by_id);
	sort_array(items, cmp_trainer_rows);
	return json_pack("{s:o}", "items", items);
fail:
	json_decref(a.by_id);
	json_decref(items);
	return NULL;
}

/* ---- role agreement ---------------------------------------------------------- */

struct agree_acc {
	struct rl_db *db;
	json_t *trainer, *site, *step, *programme; /* key -> {compared, agreed, + labels} */
	json_t *overall, *disagreements;
	struct rl_error *err;
};

static int same_str(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);

	if (!x || !*x || !y || !*y)
		return (!x || !*x) && (!y || !*y);
	return strcmp(x, y) == 0;
}

/* How many times step appears in the array arr. */
static size_t count_of(const json_t *arr, const char *step)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), step) == 0)
			n++;
	return n;
}

static int same_steps(const json_t *a, const json_t *b)
{
	size_t i;
	json_t *v;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || count_of(a, json_string_value(v)) != count_of(b, json_string_value(v)))
			return 0;
	return 1;
}

static void tally(json_t *group, const char *key, int agreed, const char *label_key, json_t *label)
{
	json_t *g = json_object_get(group, key);

	if (!g) {
		g = json_pack("{s:i,s:i}", "compared", 0, "agreed", 0);
		if (label_key)
			json_object_set(g, label_key, label);
		json_object_set_new(group, key, g);
	}
	json_object_set_new(g, "compared", json_integer(json_integer_value(json_object_get(g, "compared")) + 1));
	json_object_set_new(g, "agreed", json_integer(json_integer_value(json_object_get(g, "agreed")) + agreed));
}

static int set_programme(void *ctx, const struct rl_row_membership *r)
{
	*(json_t **)ctx = json_pack("{s:I,s:s}", "id", (json_int_t)r->programme, "name", r->name);
	return 0;
}

/* The trainee's programme when the statement was signed: {id, name} or null. */
static json_t *programme_at(struct rl_db *db, int64_t trainee, const char *when)
{
	struct rl_error err = RL_ERROR_INIT;
	json_t *o = NULL;

	rl_rows_programme_at(db, trainee, when, set_programme, &o, &err);
	rl_error_clear(&err);
	return o ? o : json_null();
}

static json_t *steps_or_empty(json_t *v)
{
	return json_is_array(v) ? v : NULL;
}

static int agree_collect(void *vctx, json_t *s, int64_t index)
{
	struct agree_acc *a = vctx;
	json_t *sess = json_object_get(s, "session");
	json_t *claimed_role = json_object_get(sess, "role"), *signed_role = json_object_get(s, "role");
	json_t *claimed_steps = steps_or_empty(json_object_get(sess, "steps"));
	json_t *signed_steps = steps_or_empty(json_object_get(s, "steps"));
	json_t *empty = json_array(), *prog, *both, *v;
	int64_t trainee = json_integer_value(json_object_get(sess, "trainee"));
	int64_t signer = json_integer_value(json_object_get(s, "signer"));
	const char *site = json_string_value(json_object_get(sess, "site"));
	char key[40], name[256];
	int role_ok, steps_ok, agreed;
	size_t i;

	if (!json_string_value(json_object_get(s, "decision")) ||
	    strcmp(json_string_value(json_object_get(s, "decision")), "confirmed") != 0)
		goto out;
	if (!json_string_value(claimed_role) && !json_string_value(signed_role) && !json_array_size(claimed_steps) &&
	    !json_array_size(signed_steps))
		goto out;
	role_ok = same_str(claimed_role, signed_role);
	steps_ok = same_steps(claimed_steps ? claimed_steps : empty, signed_steps ? signed_steps : empty);
	agreed = role_ok && steps_ok;
	prog = programme_at(a->db, trainee, json_string_value(json_object_get(s, "signed_at")));

	tally(a->overall, "all", agreed, NULL, NULL);
	snprintf(key, sizeof(key), "%lld", (long long)signer);
	if (!json_object_get(a->trainer, key)) {
		json_t *label = json_pack("{s:I,s:s}", "id", (json_int_t)signer, "name", user_name(a->db, signer, name, sizeof(name)));
		tally(a->trainer, key, agreed, "trainer", label);
		json_decref(label);
	} else {
		tally(a->trainer, key, agreed, NULL, NULL);
	}
	{
		json_t *label = json_string(site && *site ? site : "(no site)");
		tally(a->site, json_string_value(label), agreed, "site", label);
		json_decref(label);
	}
	{
		json_t *label = json_is_null(prog) ? json_pack("{s:n,s:s}", "id", "name", "(no programme)") : json_incref(prog);
		snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_object_get(prog, "id")));
		tally(a->programme, key, agreed, "programme", label);
		json_decref(label);
	}
	/* Each step either side named agrees when both named it as often. */
	both = json_object();
	json_array_foreach(claimed_steps ? claimed_steps : empty, i, v)
		if (json_is_string(v))
			json_object_set_new(both, json_string_value(v), json_true());
	json_array_foreach(signed_steps ? signed_steps : empty, i, v)
		if (json_is_string(v))
			json_object_set_new(both, json_string_value(v), json_true());
	{
		const char *stp;
		json_t *dummy;
		json_object_foreach(both, stp, dummy) {
			json_t *label = json_string(stp);
			tally(a->step, stp, count_of(claimed_steps ? claimed_steps : empty, stp) ==
					    count_of(signed_steps ? signed_steps : empty, stp), "step", label);
			json_decref(label);
		}
	}
	json_decref(both);
	if (!agreed) {
		json_t *d = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s}", "session", (json_int_t)json_integer_value(json_object_get(sess, "id")),
				      "ledger_index", (json_int_t)index, "trainee", (json_int_t)trainee,
				      "trainee_name", user_name(a->db, trainee, name, sizeof(name)), "trainer", (json_int_t)signer,
				      "signed_at", json_string_value(json_object_get(s, "signed_at")) ?
				      json_string_value(json_object_get(s, "signed_at")) : "");
		json_object_set_new(d, "site", site ? json_string(site) : json_null());
		json_object_set_new(d, "programme", json_incref(prog));
		json_object_set_new(d, "claimed_role", json_string_value(claimed_role) ? json_incref(claimed_role) : json_null());
		json_object_set_new(d, "signed_role", json_string_value(signed_role) ? json_incref(signed_role) : json_null());
		json_object_set_new(d, "claimed_steps", claimed_steps ? json_incref(claimed_steps) : json_array());
		json_object_set_new(d, "signed_steps", signed_steps ? json_incref(signed_steps) : json_array());
		json_object_set_new(d, "role_agrees", json_boolean(role_ok));
		json_object_set_new(d, "steps_agree", json_boolean(steps_ok));
		json_array_append_new(a->disagreements, d);
	}
	json_decref(prog);
out:
	json_decref(empty);
	return 0;
}

static json_t *rows_of(json_t *group)
{
	json_t *rows = json_array(), *v;
	const char *k;

	json_object_foreach(group, k, v) {
		long long c = json_integer_value(json_object_get(v, "compared"));
		json_object_set_new(v, "rate", json_real(c ? (double)json_integer_value(json_object_get(v, "agreed")) / (double)c : 0));
		json_array_append(rows, v);
	}
	return rows;
}

static int cmp_index(const void *a, const void *b)
{
	return (ival(a, "ledger_index") > ival(b, "ledger_index")) - (ival(a, "ledger_index") < ival(b, "ledger_index"));
}

static const char *label_text(const json_t *row, char *buf, size_t size)
{
	json_t *v;

	if ((v = json_object_get(row, "site")) || (v = json_object_get(row, "step")))
		return json_string_value(v);
	v = json_object_get(row, json_object_get(row, "trainer") ? "trainer" : "programme");
	snprintf(buf, size, "%s", json_string_value(json_object_get(v, "name")) ? json_string_value(json_object_get(v, "name")) : "");
	return buf;
}

static int cmp_label(const void *a, const void *b)
{
	char x[256], y[256];

	return strcmp(label_text(*(json_t *const *)a, x, sizeof(x)), label_text(*(json_t *const *)b, y, sizeof(y)));
}

json_t *rl_oversight_agreement(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err)
{
	struct agree_acc a = { db, json_object(), json_object(), json_object(), json_object(), json_object(), json_array(), err };
	json_t *out = NULL, *overall;
	long long c;

	if (foreach_signoff(db, o->me, agree_collect, &a, err) < 0)
		goto done;
	overall = json_object_get(a.overall, "all");
	overall = overall ? json_incref(overall) : json_pack("{s:i,s:i}", "compared", 0, "agreed", 0);
	c = json_integer_value(json_object_get(overall, "compared"));
	json_object_set_new(overall, "rate", json_real(c ? (double)json_integer_value(json_object_get(overall, "agreed")) / (double)c : 0));
	sort_array(a.disagreements, cmp_index);
	out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:O}", "overall", overall, "by_trainer", rows_of(a.trainer),
			"by_site", rows_of(a.site), "by_step", rows_of(a.step), "by_programme", rows_of(a.programme),
			"disagreements", a.disagreements);
	sort_array(json_object_get(out, "by_trainer"), cmp_label);
	sort_array(json_object_get(out, "by_site"), cmp_label);
	sort_array(json_object_get(out, "by_step"), cmp_label);
	sort_array(json_object_get(out, "by_programme"), cmp_label);
done:
	json_decref(a.trainer);
	json_decref(a.site);
	json_decref(a.step);
	json_decref(a.programme);
	json_decref(a.overall);
	json_decref(a.disagreements);
	return out;
}

/* ---- stuck trainees ------------------------------------------------------------ */

struct stuck_ctx {
	const struct rl_oversight_opts *o;
	const struct rl_visible *vis;
	json_t *items;
};

static int stuck_row(void *vctx, const struct rl_row_stuck *r)
{
	struct stuck_ctx *c = vctx;
	const struct rl_oversight_opts *o = c->o;
	const char *joined = r->joined, *last = r->last_signed_at, *oldest = r->oldest_pending_since;
	long long days = r->threshold_days;
	time_t since = 0, pend = 0, cutoff = o->now - (time_t)days * 86400;
	int idle, late;
	json_t *row, *why;

	if (!rl_visible_has(c->vis, r->trainee))
		return 0;
	rl_parse_rfc3339(last ? last : joined, &since);
	idle = since < cutoff;
	late = oldest && rl_parse_rfc3339(oldest, &pend) == 0 && pend < cutoff;
	if (!idle && !late)
		return 0;
	why = json_array();
	if (idle)
		json_array_append_new(why, json_string("no-signed-activity"));
	if (late)
		json_array_append_new(why, json_string("pending-too-long"));
	row = json_pack("{s:I,s:s,s:o,s:o,s:o,s:I,s:I,s:I,s:o}", "trainee", (json_int_t)r->trainee,
			"name", r->name,
			"programme", !r->has_programme ? json_null() :
				json_pack("{s:I,s:s}", "id", (json_int_t)r->programme, "name", r->programme_name),
			"last_signed_at", last ? json_string(last) : json_null(),
			"oldest_pending_since", oldest ? json_string(oldest) : json_null(),
			"days_since_signed", (json_int_t)((o->now - since) / 86400),
			"waiting", (json_int_t)r->waiting, "threshold_days", (json_int_t)days,
			"reasons", why);
	json_array_append_new(c->items, row);
	return 0;
}

json_t *rl_oversight_stuck(struct rl_db *db, const struct rl_oversight_opts *o, struct rl_error *err)
{
	struct rl_visible vis;
	struct rl_rows_trainees t;
	struct stuck_ctx c;
	int rc;

	if (rl_visible_load(db, o->me, &vis, err) < 0)
		return NULL;
	t = trainees_of(&vis);
	c = (struct stuck_ctx){ o, &vis, json_array() };
	rc = rl_rows_oversight_stuck(db, o->days, RL_REMIND_DAYS, &t, stuck_row, &c, err);
	rl_visible_release(&vis);
	if (rc < 0) {
		json_decref(c.items);
		return NULL;
	}
	return json_pack("{s:o}", "items", c.items);
}
