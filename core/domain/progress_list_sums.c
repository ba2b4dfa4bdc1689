/*
 * progress_list_sums.c - the accreditation list's counts (trainees per
 * status for the page's filters) and sites (the values the site filter
 * matches) at a commit of the writer, carried across its later commits:
 * each is kept with what every trainee contributes to it (their status
 * under the filters, their home site), so the trainees a commit changed
 * are read again and the sums adjusted by their old and new values, in
 * O(changed) rather than O(trainees).  Only for snapshots progress_list.c
 * names by the writer's commit (SQLite, nobody else committing); see
 * progress_impl.h.
 */
#include "base/prelude.h"

#include "domain/progress_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/accounts_rows.h"

/* ------------------------------------------------ trainee id -> value */

#define NONE UINT32_MAX

/* Open addressing on the id (trainee ids are > 0; 0 marks a free slot); a value NONE means "none". */
struct idmap {
	size_t cap, n;      /* cap: a power of two, or 0 */
	int64_t *ids;
	uint32_t *vals;
};

static size_t idmap_slot(const struct idmap *m, int64_t id)
{
	size_t h = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 32) & (m->cap - 1);

	while (m->ids[h] && m->ids[h] != id)
		h = (h + 1) & (m->cap - 1);
	return h;
}

static uint32_t idmap_get(const struct idmap *m, int64_t id)
{
	size_t h;

	if (!m->cap)
		return NONE;
	h = idmap_slot(m, id);
	return m->ids[h] ? m->vals[h] : NONE;
}

static void idmap_release(struct idmap *m)
{
	free(m->ids);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Sets id's value (id > 0).  0, or -1 out of memory (m unchanged). */
static int idmap_set(struct idmap *m, int64_t id, uint32_t v)
{
	size_t h;

	if (id <= 0)
		return -1;
	if ((m->n + 1) * 2 > m->cap) {
		struct idmap bigger = { m->cap ? 2 * m->cap : 1024, 0, NULL, NULL };
		if (!(bigger.ids = calloc(bigger.cap, sizeof(*bigger.ids))) ||
		    !(bigger.vals = malloc(bigger.cap * sizeof(*bigger.vals)))) {
			idmap_release(&bigger);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->ids[i]) {
				h = idmap_slot(&bigger, m->ids[i]);
				bigger.ids[h] = m->ids[i];
				bigger.vals[h] = m->vals[i];
				bigger.n++;
			}
		idmap_release(m);
		*m = bigger;
	}
	h = idmap_slot(m, id);
	if (!m->ids[h]) {
		m->ids[h] = id;
		m->n++;
	}
	m->vals[h] = v;
	return 0;
}

/* ---------------------------------------------------------- the slots */

/* The statuses counted, in the reply's order (any other makes the counts be computed each time). */
#define STATUSES 4
static const char *const status_names[STATUSES] = { "in_training", "eligible", "accredited", "lapsed" };

#define COUNT_SLOTS 4    /* filters (and days) kept at once */
#define CARRY_MAX 2048   /* trainees changed beyond which reading every one again is the cheaper way */

struct counts_slot {
	int used;
	uint64_t gen;            /* the writer's commit they hold at */
	uint64_t stamp;          /* last use, for the slot to give up */
	uint8_t key[16];         /* the filters and day (progress_list.c counts_key) */
	int64_t n[STATUSES];
	struct idmap who;        /* each counted trainee's status; NONE: no longer counted */
};

struct site {
	char *name;
	long n;                  /* trainees with it */
};

struct sites_slot {
	int used;
	uint64_t gen;
	struct idmap who;        /* each trainee's site (an index of sites); NONE: none */
	struct site *sites;      /* in the order first seen; a site no trainee has any more stays, n 0 */
	size_t nsites, cap;
};

static struct {
	pthread_mutex_t lock;
	uint64_t clock;
	struct counts_slot counts[COUNT_SLOTS];
	struct sites_slot sites;
	unsigned long long same, carried, computed; /* prog_list_sums_stats */
} sums = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void counts_release(struct counts_slot *s)
{
	idmap_release(&s->who);
	memset(s, 0, sizeof(*s));
}

static void sites_release(struct sites_slot *s)
{
	for (size_t i = 0; i < s->nsites; i++)
		free(s->sites[i].name);
	free(s->sites);
	idmap_release(&s->who);
	memset(s, 0, sizeof(*s));
}

static int status_index(const char *status)
{
	for (int i = 0; i < STATUSES; i++)
		if (status && strcmp(status, status_names[i]) == 0)
			return i;
	return -1;
}

static json_t *counts_json(const int64_t n[STATUSES])
{
	return json_pack("{s:I,s:I,s:I,s:I}", status_names[0], (json_int_t)n[0], status_names[1], (json_int_t)n[1],
			 status_names[2], (json_int_t)n[2], status_names[3], (json_int_t)n[3]);
}

/* The slot of key (under sums.lock), or NULL. */
static struct counts_slot *counts_find(const uint8_t key[16])
{
	for (int i = 0; i < COUNT_SLOTS; i++)
		if (sums.counts[i].used && memcmp(sums.counts[i].key, key, 16) == 0)
			return &sums.counts[i];
	return NULL;
}

/* ------------------------------------------------------------- counts */

/* rl_rows_accreditation_counted's callback, building a slot: 1 (stop) at a status not counted here or out of memory. */
static int count_one(void *ctx, int64_t id, const char *status)
{
	struct counts_slot *s = ctx;
	int i = status_index(status);

	if (i < 0 || idmap_set(&s->who, id, (uint32_t)i) < 0)
		return 1;
	s->n[i]++;
	return 0;
}

/* The same for one trainee read again: their status index. */
static int status_of(void *ctx, int64_t id, const char *status)
{
	int i = status_index(status);

	(void)id;
	*(uint32_t *)ctx = i < 0 ? NONE - 1 : (uint32_t)i;
	return i < 0;
}

/*
 * The slot of key moved from commit from to gen by the trainees the
 * commits in between changed, read again in this snapshot: the counts, or
 * NULL when not (the journal cannot say, a status not counted here, the
 * slot moved meanwhile), err set only on a failure to read.
 */
static json_t *counts_carry(struct rl_db *db, const struct rl_rows_acc_query *q, const uint8_t key[16],
			    uint64_t from, uint64_t gen, struct rl_error *err)
{
	long n;
	int64_t *ids = prog_list_changed(from, gen, &n);
	uint32_t *now = n > 0 ? malloc((size_t)n * sizeof(*now)) : NULL;
	struct counts_slot *s;
	json_t *out = NULL;
	int ok = n >= 0 && n <= CARRY_MAX && (n == 0 || now);

	for (long i = 0; ok && i < n; i++) {
		now[i] = NONE;
		ok = rl_rows_accreditation_counted(db, q, ids[i], status_of, &now[i], err) == 0;
	}
	pthread_mutex_lock(&sums.lock);
	s = counts_find(key);
	if (ok && s && s->gen == from) {
		for (long i = 0; i < n; i++) {
			uint32_t was = idmap_get(&s->who, ids[i]);
			if (was == now[i])
				continue;
			if (idmap_set(&s->who, ids[i], now[i]) < 0) {
				counts_release(s); /* half moved: given up */
				s = NULL;
				break;
			}
			if (was != NONE)
				s->n[was]--;
			if (now[i] != NONE)
				s->n[now[i]]++;
		}
		if (s)
			s->gen = gen;
	}
	if (ok && s && s->gen == gen) {
		s->stamp = ++sums.clock;
		out = counts_json(s->n);
	}
	pthread_mutex_unlock(&sums.lock);
	free(ids);
	free(now);
	return out;
}

static void count_status(void *ctx, const char *status, int64_t n)
{
	json_object_set_new(ctx, status, json_integer(n));
}

json_t *prog_list_sums_counts(struct rl_db *db, const struct rl_rows_acc_query *q, const uint8_t key[16], uint64_t gen,
			      struct rl_error *err)
{
	struct counts_slot fresh = { 0 }, *s;
	json_t *out = NULL;
	uint64_t from = 0;
	int carry = 0, rc;

	pthread_mutex_lock(&sums.lock);
	if ((s = counts_find(key)) && s->gen == gen) {
		s->stamp = ++sums.clock;
		out = counts_json(s->n);
		sums.same++;
	} else if (s && s->gen < gen) {
		carry = 1;
		from = s->gen;
	}
	pthread_mutex_unlock(&sums.lock);
	if (out)
		return out;
	if (carry && (out = counts_carry(db, q, key, from, gen, err))) {
		sums.carried++;
		return out;
	}
	if (err->status)
		return NULL;
	/* Every trainee's status, kept for the commits to come. */
	if ((rc = rl_rows_accreditation_counted(db, q, 0, count_one, &fresh, err)) < 0) {
		counts_release(&fresh);
		return NULL;
	}
	if (rc > 0) {
		/* A status counted here does not know (or out of memory): counted by the database, nothing kept. */
		counts_release(&fresh);
		out = counts_json((int64_t[STATUSES]){ 0 });
		if (rl_rows_accreditation_counts(db, q, count_status, out, err) < 0) {
			json_decref(out);
			return NULL;
		}
		return out;
	}
	out = counts_json(fresh.n);
	fresh.used = 1;
	fresh.gen = gen;
	memcpy(fresh.key, key, 16);
	pthread_mutex_lock(&sums.lock);
	sums.computed++;
	if (!(s = counts_find(key))) {
		s = &sums.counts[0];
		for (int i = 1; i < COUNT_SLOTS && s->used; i++)
			if (!sums.counts[i].used || sums.counts[i].stamp < s->stamp)
				s = &sums.counts[i];
	}
	/* A slot already at a later commit (a slower pass of an older snapshot) stays. */
	if (!(s->used && memcmp(s->key, key, 16) == 0 && s->gen > gen)) {
		counts_release(s);
		*s = fresh;
		s->stamp = ++sums.clock;
		memset(&fresh, 0, sizeof(fresh));
	}
	pthread_mutex_unlock(&sums.lock);
	counts_release(&fresh);
	return out;
}

/* -------------------------------------------------------------- sites */

/* The index of site in s, added when new; NONE out of memory. */
static uint32_t site_index(struct sites_slot *s, const char *site)
{
	char *copy;

	/* The rows come in site order through users_by_site: the last one first. */
	if (s->nsites && strcmp(s->sites[s->nsites - 1].name, site) == 0)
		return (uint32_t)(s->nsites - 1);
	for (size_t i = 0; i < s->nsites; i++)
		if (strcmp(s->sites[i].name, site) == 0)
			return (uint32_t)i;
	if (s->nsites == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct site *more = realloc(s->sites, cap * sizeof(*more));
		if (!more)
			return NONE;
		s->sites = more;
		s->cap = cap;
	}
	if (s->nsites >= NONE - 1 || !(copy = strdup(site)))
		return NONE;
	s->sites[s->nsites].name = copy;
	s->sites[s->nsites].n = 0;
	return (uint32_t)s->nsites++;
}

/* rl_rows_user_trainee_site_rows's callback, building a slot: 1 (stop) out of memory. */
static int site_one(void *ctx, int64_t id, const char *site)
{
	struct sites_slot *s = ctx;
	uint32_t i = site_index(s, site);

	if (i == NONE || idmap_set(&s->who, id, i) < 0)
		return 1;
	s->sites[i].n++;
	return 0;
}

/* The same for one trainee read again: their site (malloc'd). */
static int site_of(void *ctx, int64_t id, const char *site)
{
	(void)id;
	return !(*(char **)ctx = strdup(site));
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct site *const *)a)->name, (*(const struct site *const *)b)->name);
}

/* The sites some trainee has, sorted as SQLite's ORDER BY sorts text (bytes). */
static json_t *sites_json(const struct sites_slot *s)
{
	const struct site **in = malloc((s->nsites ? s->nsites : 1) * sizeof(*in));
	json_t *out = in ? json_array() : NULL;
	size_t n = 0;

	for (size_t i = 0; out && i < s->nsites; i++)
		if (s->sites[i].n > 0)
			in[n++] = &s->sites[i];
	if (out)
		qsort(in, n, sizeof(*in), by_name);
	for (size_t i = 0; out && i < n; i++)
		if (json_array_append_new(out, json_string(in[i]->name)) < 0) {
			json_decref(out);
			out = NULL;
		}
	free(in);
	return out;
}

/* As counts_carry, for the sites. */
static json_t *sites_carry(struct rl_db *db, uint64_t from, uint64_t gen, struct rl_error *err)
{
	long n;
	int64_t *ids = prog_list_changed(from, gen, &n);
	char **now = n > 0 ? calloc((size_t)n, sizeof(*now)) : NULL;
	struct sites_slot *s = &sums.sites;
	json_t *out = NULL;
	int ok = n >= 0 && n <= CARRY_MAX && (n == 0 || now);

	for (long i = 0; ok && i < n; i++)
		ok = rl_rows_user_trainee_site_rows(db, ids[i], site_of, &now[i], err) == 0;
	pthread_mutex_lock(&sums.lock);
	if (ok && s->used && s->gen == from) {
		for (long i = 0; s->used && i < n; i++) {
			uint32_t was = idmap_get(&s->who, ids[i]), is = now[i] ? site_index(s, now[i]) : NONE;
			if (was == is)
				continue;
			if ((now[i] && is == NONE) || idmap_set(&s->who, ids[i], is) < 0) {
				sites_release(s); /* half moved: given up */
				break;
			}
			if (was != NONE)
				s->sites[was].n--;
			if (is != NONE)
				s->sites[is].n++;
		}
		if (s->used)
			s->gen = gen;
	}
	if (ok && s->used && s->gen == gen)
		out = sites_json(s);
	pthread_mutex_unlock(&sums.lock);
	for (long i = 0; now && i < n; i++)
		free(now[i]);
	free(ids);
	free(now);
	return out;
}

json_t *prog_list_sums_sites(struct rl_db *db, uint64_t gen, struct rl_error *err)
{
	struct sites_slot fresh = { 0 }, *s = &sums.sites;
	json_t *out = NULL;
	uint64_t from = 0;
	int carry = 0, rc;

	pthread_mutex_lock(&sums.lock);
	if (s->used && s->gen == gen) {
		out = sites_json(s);
		sums.same++;
	} else if (s->used && s->gen < gen) {
		carry = 1;
		from = s->gen;
	}
	pthread_mutex_unlock(&sums.lock);
	if (out)
		return out;
	if (carry && (out = sites_carry(db, from, gen, err))) {
		sums.carried++;
		return out;
	}
	if (err->status)
		return NULL;
	if ((rc = rl_rows_user_trainee_site_rows(db, 0, site_one, &fresh, err)) != 0) {
		sites_release(&fresh);
		if (rc > 0)
			rl_error_internal(err, "listing trainees' sites: out of memory");
		return NULL;
	}
	if (!(out = sites_json(&fresh))) {
		sites_release(&fresh);
		rl_error_internal(err, "listing trainees' sites: out of memory");
		return NULL;
	}
	fresh.used = 1;
	fresh.gen = gen;
	pthread_mutex_lock(&sums.lock);
	sums.computed++;
	if (!(s->used && s->gen > gen)) {
		sites_release(s);
		*s = fresh;
		memset(&fresh, 0, sizeof(fresh));
	}
	pthread_mutex_unlock(&sums.lock);
	sites_release(&fresh);
	return out;
}

void prog_list_sums_stats(unsigned long long *same, unsigned long long *carried, unsigned long long *computed)
{
	pthread_mutex_lock(&sums.lock);
	*same = sums.same;
	*carried = sums.carried;
	*computed = sums.computed;
	pthread_mutex_unlock(&sums.lock);
}
