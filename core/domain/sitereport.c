/*
 * sitereport.c - the per-site report; see sitereport.h.  The statements
 * are read and grouped here, in C, so that the SQL is the same on every
 * engine (no JSON functions).
 */
#include "base/prelude.h"

#include "domain/sitereport.h"

#include <stdlib.h>
#include <string.h>

#include "domain/sessions.h"
#include "ledger/ledger.h"
#include "store/oversight_rows.h"
#include "store/programmes_rows.h"

/* One group of the report. */
struct group {
	const char *site, *month, *activity, *platform; /* in key */
	char *key;                                      /* the four, each followed by a NUL */
	int64_t minutes, sessions;
	json_t *trainees, *trainers;                    /* sets: JSON text of each value -> true */
};

/* Whether the caller's programmes hold trainee (the rule RL_FACULTY_SCOPE_SQL states), cached per trainee. */
static int in_scope(struct rl_db *db, const struct rl_user *me, json_t *seen, const json_t *trainee,
		    struct rl_error *err)
{
	char *k = json_dumps(trainee, JSON_ENCODE_ANY);
	json_t *known = k ? json_object_get(seen, k) : NULL;
	int yes;

	if (!k)
		return rl_error_internal(err, "out of memory");
	if (known) {
		free(k);
		return json_is_true(known);
	}
	/* no id is in a programme; and with none, every session counts */
	yes = !json_is_integer(trainee) ? rl_rows_programmes_none(db, err)
					: rl_rows_programme_faculty_sees(db, me->id, json_integer_value(trainee), err);
	if (yes < 0) {
		free(k);
		return -1;
	}
	json_object_set_new(seen, k, json_boolean(yes));
	free(k);
	return yes;
}

static const char *str_or(const json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : dflt;
}

static void put_value(json_t *set, const json_t *v)
{
	char *k;

	if (!v || json_is_null(v) || !(k = json_dumps(v, JSON_ENCODE_ANY)))
		return;
	json_object_set_new(set, k, json_true());
	free(k);
}

static int by_order(const void *a, const void *b)
{
	const struct group *x = *(const struct group *const *)a, *y = *(const struct group *const *)b;
	int c;

	if ((c = strcmp(x->site, y->site)) || (c = -strcmp(x->month, y->month)) ||
	    (c = strcmp(x->activity, y->activity)))
		return c;
	return strcmp(x->platform, y->platform);
}

static void groups_free(struct group **g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i]->key);
		json_decref(g[i]->trainees);
		json_decref(g[i]->trainers);
		free(g[i]);
	}
	free(g);
}

/* Adds a confirmed session (as signed) to its group; -1 out of memory. */
static int add(json_t *index, struct group ***groups, size_t *n, size_t *cap, const json_t *x)
{
	const char *site = str_or(x, "site", "(no site)"), *date = str_or(x, "date", "");
	const char *activity = str_or(x, "activity", ""), *platform = str_or(x, "platform", "");
	size_t ls = strlen(site), la = strlen(activity), lp = strlen(platform);
	size_t lm = strnlen(date, 7);
	char *key = malloc(ls + lm + la + lp + 4);
	json_t *at;
	struct group *g;

	if (!key)
		return -1;
	memcpy(key, site, ls + 1);
	memcpy(key + ls + 1, date, lm);
	key[ls + 1 + lm] = '\0';
	memcpy(key + ls + lm + 2, activity, la + 1);
	memcpy(key + ls + lm + la + 3, platform, lp + 1);
	{
		/* the lookup key: the four joined by a unit separator */
		char *flat = malloc(ls + lm + la + lp + 4);
		if (!flat) {
			free(key);
			return -1;
		}
		memcpy(flat, key, ls + lm + la + lp + 4);
		for (size_t i = 0; i < ls + lm + la + lp + 3; i++)
			if (!flat[i])
				flat[i] = '\x1f';
		at = json_object_get(index, flat);
		if (!at) {
			if (*n == *cap) {
				size_t c = *cap ? *cap * 2 : 16;
				struct group **more = realloc(*groups, c * sizeof(*more));
				if (!more) {
					free(flat);
					free(key);
					return -1;
				}
				*groups = more;
				*cap = c;
			}
			if (!(g = calloc(1, sizeof(*g)))) {
				free(flat);
				free(key);
				return -1;
			}
			g->key = key;
			g->site = key;
			g->month = key + ls + 1;
			g->activity = key + ls + lm + 2;
			g->platform = key + ls + lm + la + 3;
			g->trainees = json_object();
			g->trainers = json_object();
			(*groups)[*n] = g;
			json_object_set_new(index, flat, json_integer((json_int_t)*n));
			(*n)++;
		} else {
			g = (*groups)[json_integer_value(at)];
			free(key);
		}
		free(flat);
	}
	g->sessions++;
	if (json_is_integer(json_object_get(x, "minutes")))
		g->minutes += json_integer_value(json_object_get(x, "minutes"));
	put_value(g->trainees, json_object_get(x, "trainee"));
	put_value(g->trainers, json_object_get(x, "trainer"));
	return 0;
}

struct report_ctx {
	struct rl_db *db;
	const struct rl_user *me;
	json_t *decided, *scope, *index;
	struct group **groups;
	size_t n, cap;
	struct rl_error *err;
};

/* Counts a session's first decision, when it confirmed and the caller's scope holds its trainee; 1 on a failure. */
static int count_signoff(void *vctx, const char *msg, size_t len)
{
	struct report_ctx *c = vctx;
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *doc = msg && len > plen ? json_loadb(msg + plen, len - plen, 0, NULL) : NULL;
	json_t *x = json_object_get(doc, "session");
	char *sid = json_dumps(json_object_get(x, "id") ? json_object_get(x, "id") : json_null(), JSON_ENCODE_ANY);
	int first = sid && !json_object_get(c->decided, sid), failed = 0;

	/* a session's first decision is the one that counts (ledger order) */
	if (sid && first)
		json_object_set_new(c->decided, sid, json_true());
	free(sid);
	if (doc && first && strcmp(str_or(doc, "decision", ""), "confirmed") == 0 && json_is_object(x)) {
		int yes = in_scope(c->db, c->me, c->scope, json_object_get(x, "trainee") ? json_object_get(x, "trainee")
											 : json_null(), c->err);
		if (yes < 0 || (yes && add(c->index, &c->groups, &c->n, &c->cap, x) < 0))
			failed = 1;
	}
	json_decref(doc);
	return failed;
}

json_t *rl_site_report(struct rl_db *db, const struct rl_user *me, struct rl_error *err)
{
	struct report_ctx c = { db, me, json_object(), json_object(), json_object(), NULL, 0, 0, err };
	json_t *items = NULL;
	struct group **groups;
	size_t n;
	int rc = rl_rows_oversight_signoff_messages(db, count_signoff, &c, err), failed = rc > 0;

	groups = c.groups;
	n = c.n;
	if (failed) {
		if (!err->status)
			rl_error_internal(err, "out of memory");
		goto out;
	}
	if (rc < 0)
		goto out;
	if (n)
		qsort(groups, n, sizeof(*groups), by_order);
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		struct group *g = groups[i];
		json_t *site = json_array_size(items) ? json_array_get(items, json_array_size(items) - 1) : NULL;

		if (!site || strcmp(json_string_value(json_object_get(site, "site")), g->site) != 0) {
			site = json_pack("{s:s,s:[]}", "site", g->site, "rows");
			json_array_append_new(items, site);
		}
		json_array_append_new(json_object_get(site, "rows"), json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
			"month", g->month, "activity", g->activity, "platform", g->platform,
			"signed_minutes", (json_int_t)g->minutes, "sessions", (json_int_t)g->sessions,
			"trainees", (json_int_t)json_object_size(g->trainees),
			"trainers", (json_int_t)json_object_size(g->trainers)));
	}
out:
	groups_free(groups, n);
	json_decref(c.decided);
	json_decref(c.scope);
	json_decref(c.index);
	return items;
}
