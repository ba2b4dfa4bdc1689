/*
 * figures.c - a trainee's figures from their signed statements; see
 * figures.h.
 */
#include "base/prelude.h"

#include "domain/figures.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledger/kinds.h"

#define MAX_STEPS 64

static const char *mstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t mint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* ------------------------------------------------------------- tallies */

struct tallies {
	json_t *sig;   /* key -> signed amount */
	json_t *pen;   /* key -> pending amount */
};

static void bump(json_t *obj, const char *key, long long amount)
{
	json_t *v = json_object_get(obj, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + amount);
	else
		json_object_set_new(obj, key, json_integer(amount));
}

static void add_pending(void *ctx, const char *key, long long amount)
{
	bump(((struct tallies *)ctx)->pen, key, amount);
}

static int lookup(void *ctx, const char *key, long long *s, long long *p)
{
	struct tallies *t = ctx;
	json_t *a = json_object_get(t->sig, key), *b = json_object_get(t->pen, key);

	*s = a ? json_integer_value(a) : 0;
	*p = b ? json_integer_value(b) : 0;
	return a || b ? 0 : 1;
}

/*
 * The walk: the signed amounts go into the tallies and, unless bare (the
 * tallies alone, rl_figures_tallies), each counted item into the report's
 * items and one contribution {requirement key, item, amount} per
 * requirement it counts towards, in the order they count.
 */
struct contrib {
	const char *key;       /* the curriculum's requirement key */
	size_t item;           /* index into the report's items */
	long long amount;
	size_t module, req;    /* where key is in the record, once placed */
};

struct walk {
	struct tallies *t;
	int bare;
	struct rl_evidence_report *r;
	size_t cap_items;
	size_t cur;            /* the item being attributed */
	struct contrib *contribs;
	size_t ncontribs, cap_contribs;
	int oom;
};

static void add_signed(void *ctx, const char *key, long long amount)
{
	struct walk *w = ctx;

	bump(w->t->sig, key, amount);
	if (w->bare)
		return;
	if (w->ncontribs == w->cap_contribs) {
		size_t cap = w->cap_contribs ? 2 * w->cap_contribs : 64;
		struct contrib *more = realloc(w->contribs, cap * sizeof(*more));

		if (!more) {
			w->oom = 1;
			return;
		}
		w->contribs = more;
		w->cap_contribs = cap;
	}
	w->contribs[w->ncontribs++] = (struct contrib){ key, w->cur, amount, 0, 0 };
}

/* A new zeroed item of the given kind, made the one being attributed; NULL when out of memory (or bare). */
static struct rl_progress_item *new_item(struct walk *w, enum rl_item_kind kind, int64_t ledger_index,
					 int64_t signed_by, const char *date)
{
	struct rl_evidence_report *r = w->r;
	struct rl_progress_item *it;

	if (w->bare)
		return NULL;
	if (r->nitems == w->cap_items) {
		size_t cap = w->cap_items ? 2 * w->cap_items : 32;
		struct rl_progress_item *more = realloc(r->items, cap * sizeof(*more));

		if (!more) {
			w->oom = 1;
			return NULL;
		}
		r->items = more;
		w->cap_items = cap;
	}
	w->cur = r->nitems++;
	it = &r->items[w->cur];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->ledger_index = ledger_index;
	it->signed_by = signed_by;
	it->date = date;
	return it;
}

static size_t steps_of(const json_t *arr, const char *out[], size_t max)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (n < max && json_is_string(v))
			out[n++] = json_string_value(v);
	return n;
}

/* ---------------------------------------------------------- statements */

/* A statement about the trainee of one kind, with what the report orders it by. */
struct stmt {
	int64_t index;         /* its ledger index */
	const json_t *st;      /* the statement (borrowed) */
	const char *date;      /* sessions, assessments: the date to order by ("" when none) */
	int64_t tie;           /* then: the session id (sessions), the ledger index (assessments) */
};

struct stmts {
	struct stmt *v;
	size_t n, cap;
};

static int push(struct stmts *l, int64_t index, const json_t *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct stmt *more = realloc(l->v, cap * sizeof(*more));

		if (!more)
			return -1;
		l->v = more;
		l->cap = cap;
	}
	l->v[l->n++] = (struct stmt){ index, st, "", index };
	return 0;
}

/*
 * By date, then the tie, as the records were listed.  (A comparator of
 * typed rows needs no context: figures are computed on several threads at
 * once, request threads and `raslogd rebuild`'s and `raslog audit`'s
 * workers.)
 */
static int by_date(const void *a, const void *b)
{
	const struct stmt *x = a, *y = b;
	int c = strcmp(x->date, y->date);

	if (c)
		return c;
	return x->tie < y->tie ? -1 : x->tie > y->tie;
}

/* ------------------------------------------------------------ simulator */

struct sim_attempt {
	const char *exercise, *platform, *at;
	long long score;          /* hundredths of a percent */
	json_int_t ledger_index;  /* the statement that countersigned it */
	json_int_t signer;        /* its signer */
	size_t pos;               /* its place in that statement */
};

static int by_attempt(const void *a, const void *b)
{
	const struct sim_attempt *x = a, *y = b;
	int c = strcmp(x->exercise, y->exercise);

	if (!c)
		c = strcmp(x->at, y->at);
	if (!c)
		c = x->ledger_index < y->ledger_index ? -1 : x->ledger_index > y->ledger_index;
	if (!c)
		c = x->pos < y->pos ? -1 : x->pos > y->pos;
	return c;
}

/*
 * Simulator proficiency from confirmed simulator_import statements (the
 * "results" each one carries; one decision per import): every attempt at
 * one exercise, oldest first, is one piece of evidence.  sims are in
 * ledger order.  -1 when out of memory.
 */
static int simulator_evidence(const struct rl_curriculum *c, const struct rl_tools *tools, const struct stmts *sims,
			      struct walk *w)
{
	json_t *decided = json_object(), *r;
	struct sim_attempt *all = NULL;
	size_t n = 0, cap = 0, i, j;
	char k[32];
	int rc = 0;

	for (i = 0; i < sims->n; i++) {
		const json_t *st = sims->v[i].st, *imp = json_object_get(st, "import");
		const char *decision = mstr(st, "decision");

		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(imp, "id"));
		if (json_object_get(decided, k))
			continue; /* one decision per import; the server refuses a second */
		json_object_set_new(decided, k, json_true());
		if (!decision || strcmp(decision, "confirmed") != 0)
			continue;
		json_array_foreach(json_object_get(imp, "results"), j, r) {
			if (!mstr(r, "exercise") || !mstr(r, "attempt_at") || !json_is_integer(json_object_get(r, "score_bp")))
				continue;
			if (n == cap) {
				struct sim_attempt *more = realloc(all, (cap = cap ? 2 * cap : 64) * sizeof(*all));
				if (!more) {
					rc = -1;
					goto out;
				}
				all = more;
			}
			all[n++] = (struct sim_attempt){ mstr(r, "exercise"), mstr(r, "platform"), mstr(r, "attempt_at"),
							 mint(r, "score_bp"), sims->v[i].index, mint(st, "signer"), j };
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), by_attempt);
	for (i = 0; i < n; i = j) {
		const char **platforms;
		long long *scores, best = 0;
		struct rl_evidence x = { 0 };
		json_int_t latest = 0, signer = 0;
		struct rl_progress_item *it;

		for (j = i; j < n && strcmp(all[j].exercise, all[i].exercise) == 0; j++)
			;
		platforms = calloc(j - i, sizeof(*platforms));
		scores = calloc(j - i, sizeof(*scores));
		if (!platforms || !scores) {
			free(platforms);
			free(scores);
			rc = -1;
			goto out;
		}
		for (size_t a = i; a < j; a++) {
			platforms[a - i] = all[a].platform;
			scores[a - i] = all[a].score;
			best = all[a].score > best ? all[a].score : best;
			if (all[a].ledger_index > latest) {
				latest = all[a].ledger_index;
				signer = all[a].signer;
			}
		}
		if ((it = new_item(w, RL_ITEM_SIMULATOR, latest, signer, all[j - 1].at))) {
			it->exercise = all[i].exercise;
			it->attempts = (long long)(j - i);
			it->best_score_bp = best;
		}
		x.kind = RL_EV_SIMULATOR;
		x.exercise = all[i].exercise;
		x.attempt_platforms = platforms;
		x.attempt_scores = scores;
		x.nattempts = j - i;
		if (!w->oom)
			rl_curriculum_contributions(c, tools, &x, add_signed, w);
		free(platforms);
		free(scores);
	}
out:
	free(all);
	json_decref(decided);
	return rc;
}

/* Whom a statement is about: its kind's subject member (ledger/kinds.h). */
static int about(const char *type, const json_t *st, int64_t trainee)
{
	return rl_kind_subject(rl_kind_find(type), st) == trainee;
}

/*
 * Corrections (docs/ledger.md rule 9): ledger index -> index of the later
 * statement about the trainee that supersedes ("supersedes" of an
 * assessment or module_completion) or withdraws ("signoff_index" of a
 * signoff_withdrawal) it.  Such a statement counts nowhere.
 */
static json_t *corrected(const json_t *entries, int64_t trainee)
{
	json_t *out = json_object(), *entry;
	char k[32];
	size_t i;

	json_array_foreach(entries, i, entry) {
		const json_t *st = json_object_get(entry, "statement"), *v = NULL;
		const char *type = mstr(st, "type");

		if (!type || !about(type, st, trainee))
			continue;
		if (strcmp(type, "signoff_withdrawal") == 0)
			v = json_object_get(st, "signoff_index");
		else if (strcmp(type, "assessment") == 0 || strcmp(type, "module_completion") == 0)
			v = json_object_get(st, "supersedes");
		if (!json_is_integer(v))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		json_object_set_new(out, k, json_integer(mint(entry, "index")));
	}
	return out;
}

static const char *const item_type[] = {
	[RL_ITEM_SESSION] = "session", [RL_ITEM_ASSESSMENT] = "assessment", [RL_ITEM_MODULE] = "module_completion",
	[RL_ITEM_SIMULATOR] = "simulator", [RL_ITEM_ELEARNING] = "elearning",
};

/*
 * Each requirement's evidence, from the contributions in the order they
 * counted: the record's requirement whose key each names (the rules only
 * name their own), then the items.  -1 when out of memory.
 */
static int place(struct walk *w)
{
	struct rl_progress *p = &w->r->progress;
	size_t k, i, j;

	for (k = 0; k < w->ncontribs; k++) {
		struct contrib *ct = &w->contribs[k];
		int found = 0;

		for (i = 0; !found && i < p->nmodules; i++)
			for (j = 0; !found && j < p->modules[i].nreqs; j++)
				if (strcmp(p->modules[i].reqs[j].key, ct->key) == 0) {
					ct->module = i;
					ct->req = j;
					p->modules[i].reqs[j].nevidence++;
					found = 1;
				}
		if (!found)
			ct->key = NULL;
	}
	for (i = 0; i < p->nmodules; i++)
		for (j = 0; j < p->modules[i].nreqs; j++) {
			struct rl_progress_req *rq = &p->modules[i].reqs[j];

			if (rq->nevidence && !(rq->evidence = calloc(rq->nevidence, sizeof(*rq->evidence)))) {
				rq->nevidence = 0;
				return -1;
			}
			rq->nevidence = 0;
		}
	for (k = 0; k < w->ncontribs; k++) {
		const struct contrib *ct = &w->contribs[k];
		const struct rl_progress_item *it = &w->r->items[ct->item];
		struct rl_progress_req *rq;

		if (!ct->key)
			continue;
		rq = &p->modules[ct->module].reqs[ct->req];
		rq->evidence[rq->nevidence++] = (struct rl_progress_evidence){ it->ledger_index, ct->amount, item_type[it->kind],
									       it->date, it->signed_by, it };
	}
	return 0;
}

/*
 * rl_figures_record, or with only != NULL the tallies alone
 * (rl_figures_tallies): the same walk over the same statements, without
 * the evidence items.  0, or -1 with err.
 */
static int figures(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		   const json_t *entries, const json_t *pending, const char *today,
		   struct rl_figures_tallies *only, struct rl_evidence_report *r, struct rl_error *err)
{
	struct tallies t = { json_object(), json_object() };
	struct rl_evidence_report scratch;
	struct walk w = { &t, only != NULL, r ? r : &scratch, 0, 0, NULL, 0, 0, 0 };
	json_t *decided = json_object(), *session_date = json_object(), *revoked = json_object();
	json_t *gone = corrected(entries, trainee);
	json_t *certs_decided = json_object(), *entry, *by;
	struct stmts sessions = { 0 }, assessments = { 0 }, modules = { 0 }, sims = { 0 }, certs = { 0 };
	size_t *assessed = NULL;
	json_int_t acc_index = -1;
	const char *acc_until = NULL, *sha = NULL, *key;
	char k[32];
	size_t i;
	int rc = -1;

	memset(w.r, 0, sizeof(*w.r));
	w.r->progress.acc_index = -1;
	if (!t.sig || !t.pen || !decided || !session_date || !revoked || !gone || !certs_decided)
		goto oom;
	/* One pass in ledger order: what each statement is, keyed as the report lists it. */
	json_array_foreach(entries, i, entry) {
		const json_t *st = json_object_get(entry, "statement");
		const char *type = mstr(st, "type");
		json_int_t idx = mint(entry, "index");
		int failed = 0;

		if (!type || !about(type, st, trainee))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, idx);
		if (json_object_get(gone, k))
			continue; /* superseded or withdrawn: counts nowhere (a withdrawn session is pending again) */
		if (strcmp(type, "session_signoff") == 0) {
			const json_t *s = json_object_get(st, "session");
			const char *decision = mstr(st, "decision");

			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(s, "id"));
			if (json_object_get(decided, k))
				continue; /* one decision per session; the server refuses a second */
			json_object_set_new(decided, k, json_integer(idx));
			if (mstr(s, "date")) /* the session itself: the report borrows its date */
				json_object_set(session_date, k, (json_t *)s);
			if (!decision || strcmp(decision, "confirmed") != 0)
				continue;
			if (!(failed = push(&sessions, idx, st))) {
				sessions.v[sessions.n - 1].date = mstr(s, "date") ? mstr(s, "date") : "";
				sessions.v[sessions.n - 1].tie = mint(s, "id");
			}
		} else if (strcmp(type, "assessment") == 0) {
			failed = push(&assessments, idx, st);
		} else if (strcmp(type, "module_completion") == 0) {
			const json_t *cur = json_object_get(st, "curriculum");
			if (mstr(cur, "code") && strcmp(mstr(cur, "code"), rl_curriculum_code(c)) == 0 &&
			    mint(cur, "version") == rl_curriculum_version(c))
				failed = push(&modules, idx, st);
		} else if (strcmp(type, "simulator_import") == 0) {
			failed = push(&sims, idx, st);
		} else if (strcmp(type, "elearning_confirmation") == 0) {
			const json_t *imp = json_object_get(st, "import");
			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(imp, "id"));
			if (json_object_get(certs_decided, k))
				continue; /* one decision per import; the server refuses a second */
			json_object_set_new(certs_decided, k, json_true());
			if (mstr(st, "decision") && strcmp(mstr(st, "decision"), "confirmed") == 0)
				failed = push(&certs, idx, st);
		} else if (strcmp(type, "revocation") == 0) {
			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(st, "accreditation_index"));
			json_object_set_new(revoked, k, json_integer(idx));
		} else if (strcmp(type, "enrolment") == 0) {
			sha = mstr(json_object_get(st, "curriculum"), "sha256"); /* the latest enrolment is in force */
		}
		if (failed)
			goto oom;
	}
	/* Accreditations: the latest one not revoked (a revocation always comes later in the ledger). */
	json_array_foreach(entries, i, entry) {
		const json_t *st = json_object_get(entry, "statement");
		const char *type = mstr(st, "type");

		if (!type || strcmp(type, "accreditation") != 0 || !about(type, st, trainee))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(entry, "index"));
		if (json_object_get(revoked, k))
			continue;
		acc_index = mint(entry, "index");
		acc_until = mstr(st, "valid_until");
	}

	/* Signed sessions, in the order of the trainee's record: by date, then session id. */
	if (sessions.n)
		qsort(sessions.v, sessions.n, sizeof(*sessions.v), by_date);
	for (i = 0; i < sessions.n; i++) {
		const json_t *st = sessions.v[i].st, *s = json_object_get(st, "session");
		const char *steps[MAX_STEPS];
		struct rl_evidence x = { 0 };
		struct rl_progress_item *it = new_item(&w, RL_ITEM_SESSION, sessions.v[i].index, mint(st, "signer"),
						       mstr(s, "date"));

		if (it) {
			it->session = mint(s, "id");
			it->signed_at = mstr(st, "signed_at");
			it->claimed_role = mstr(s, "role");
			it->signed_role = mstr(st, "role");
		}
		x.kind = RL_EV_SESSION;
		x.activity = mstr(s, "activity");
		x.platform = mstr(s, "platform");
		x.minutes = mint(s, "minutes");
		x.role = mstr(st, "role");
		x.nsteps = steps_of(json_object_get(st, "steps"), steps, MAX_STEPS);
		x.steps = steps;
		if (x.activity && !w.oom)
			rl_curriculum_contributions(c, tools, &x, add_signed, &w);
	}

	/* Assessments, by the assessed session's date, then ledger order. */
	for (i = 0; i < assessments.n; i++) {
		const json_t *st = assessments.v[i].st;

		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(st, "session"));
		const char *date = mstr(json_object_get(session_date, k), "date");

		assessments.v[i].date = date ? date : mstr(st, "signed_at") ? mstr(st, "signed_at") : "";
	}
	if (assessments.n)
		qsort(assessments.v, assessments.n, sizeof(*assessments.v), by_date);
	if (!only && !(assessed = calloc(assessments.n ? assessments.n : 1, sizeof(*assessed))))
		goto oom;
	for (i = 0; i < assessments.n; i++) {
		const json_t *st = assessments.v[i].st, *scores = json_object_get(st, "scores"), *v;
		int sc[32];
		size_t n = 0, j;
		long long total = 0;
		struct rl_evidence x = { 0 };
		struct rl_progress_item *it = new_item(&w, RL_ITEM_ASSESSMENT, assessments.v[i].index,
						       mint(st, "signer"), assessments.v[i].date);

		json_array_foreach(scores, j, v) {
			if (n < 32)
				sc[n++] = (int)json_integer_value(v);
			total += json_integer_value(v);
		}
		if (it) {
			it->tool = mstr(st, "tool");
			it->session = mint(st, "session");
			it->total = total;
			it->has_scores = json_is_array(scores);
			it->nscores = json_array_size(scores);
			if (it->nscores && !(it->scores = calloc(it->nscores, sizeof(*it->scores))))
				goto oom;
			json_array_foreach(scores, j, v)
				it->scores[j] = json_integer_value(v);
			assessed[w.r->nassessments++] = w.cur;
		}
		x.kind = RL_EV_ASSESSMENT;
		x.tool = mstr(st, "tool");
		x.scores = sc;
		x.nscores = n;
		if (x.tool && n == json_array_size(scores) && !w.oom)
			rl_curriculum_contributions(c, tools, &x, add_signed, &w);
	}

	/* Module completions, in ledger order. */
	for (i = 0; i < modules.n; i++) {
		const json_t *st = modules.v[i].st;
		struct rl_evidence x = { 0 };
		struct rl_progress_item *it = new_item(&w, RL_ITEM_MODULE, modules.v[i].index, mint(st, "signer"),
						       mstr(st, "signed_at"));

		if (it)
			it->module = mstr(st, "module");
		x.kind = RL_EV_MODULE;
		x.module = mstr(st, "module");
		if (x.module && !w.oom)
			rl_curriculum_contributions(c, tools, &x, add_signed, &w);
	}

	if (simulator_evidence(c, tools, &sims, &w) < 0)
		goto oom;

	/* Confirmed e-learning certificates, in ledger order: each counts where its issuer and achievement are named. */
	for (i = 0; i < certs.n; i++) {
		const json_t *st = certs.v[i].st, *imp = json_object_get(st, "import");
		struct rl_evidence x = { 0 };
		struct rl_progress_item *it = new_item(&w, RL_ITEM_ELEARNING, certs.v[i].index, mint(st, "signer"),
						       mstr(imp, "completed_on"));

		if (it) {
			it->import = mint(imp, "id");
			it->issuer = mstr(imp, "issuer");
			it->achievement = mstr(imp, "achievement");
			it->verified = json_is_true(json_object_get(imp, "verified"));
		}
		x.kind = RL_EV_ELEARNING;
		x.issuer = mstr(imp, "issuer");
		x.achievement = mstr(imp, "achievement");
		if (x.issuer && x.achievement && !w.oom)
			rl_curriculum_contributions(c, tools, &x, add_signed, &w);
	}
	if (w.oom)
		goto oom;

	/* Pending claims: shown beside, never counted. */
	if (!only && !(w.r->pending = calloc(json_array_size(pending) ? json_array_size(pending) : 1,
					     sizeof(*w.r->pending))))
		goto oom;
	json_array_foreach(pending, i, entry) {
		const char *steps[MAX_STEPS];
		struct rl_evidence x = { 0 };
		const char *status = mstr(entry, "status");

		if (mint(entry, "trainee") != trainee || (status && strcmp(status, "pending") != 0))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(entry, "id"));
		if (json_object_get(decided, k))
			continue;
		if (!only)
			w.r->pending[w.r->npending++] = (struct rl_progress_claim){ mint(entry, "id"), mstr(entry, "date"),
				mstr(entry, "activity"), mint(entry, "minutes"), mint(entry, "trainer") };
		x.kind = RL_EV_SESSION;
		x.activity = mstr(entry, "activity");
		x.platform = mstr(entry, "platform");
		x.minutes = mint(entry, "minutes");
		x.role = mstr(entry, "role");
		x.nsteps = steps_of(json_object_get(entry, "steps"), steps, MAX_STEPS);
		x.steps = steps;
		if (x.activity)
			rl_curriculum_contributions(c, tools, &x, add_pending, &t);
	}

	if (only) {
		/* The amounts rl_curriculum_assess would read (lookup), and the live accreditation. */
		only->sig = t.sig;
		only->pen = t.pen;
		t.sig = t.pen = NULL;
		only->acc_index = acc_index;
		snprintf(only->acc_until, sizeof(only->acc_until), "%s", acc_until ? acc_until : "");
		only->has_until = acc_until != NULL;
		only->until = acc_until;
		rc = 0;
		goto out;
	}
	if (rl_curriculum_assess(c, lookup, &t, &r->progress, err) < 0)
		goto out;
	rl_progress_set_accreditation(&r->progress, acc_index, acc_until, today);
	r->progress.acc_until = acc_index >= 0 ? acc_until : NULL; /* shown as signed, "" too */
	if (place(&w) < 0)
		goto oom;
	r->assessments = (const struct rl_progress_item **)assessed;
	for (i = 0; i < r->nassessments; i++)
		r->assessments[i] = &r->items[assessed[i]];
	assessed = NULL;
	/* The corrections, in the order the retired statements were first named. */
	if (!(r->corrections = calloc(json_object_size(gone) ? json_object_size(gone) : 1, sizeof(*r->corrections))))
		goto oom;
	json_object_foreach(gone, key, by)
		r->corrections[r->ncorrections++] = (struct rl_progress_correction){ json_integer_value(by),
										     strtoll(key, NULL, 10) };
	r->sha256 = sha;
	rc = 0;
	goto out;
oom:
	rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory computing figures");
out:
	if (rc < 0 || !r)
		rl_evidence_report_release(w.r);
	free(assessed);
	free(w.contribs);
	json_decref(t.sig);
	json_decref(t.pen);
	json_decref(decided);
	json_decref(session_date);
	json_decref(revoked);
	json_decref(gone);
	json_decref(certs_decided);
	free(sessions.v);
	free(assessments.v);
	free(modules.v);
	free(sims.v);
	free(certs.v);
	return rc;
}

int rl_figures_record(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		      const json_t *entries, const json_t *pending, const char *today, struct rl_evidence_report *out,
		      struct rl_error *err)
{
	return figures(c, tools, trainee, entries, pending, today, NULL, out, err);
}

json_t *rl_figures(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		   const json_t *entries, const json_t *pending, const char *today, struct rl_error *err)
{
	struct rl_evidence_report r;
	json_t *doc;

	if (figures(c, tools, trainee, entries, pending, today, NULL, &r, err) < 0)
		return NULL;
	doc = rl_evidence_report_to_json(&r, RL_REPORT_FULL, err);
	rl_evidence_report_release(&r);
	return doc;
}

int rl_figures_tallies(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		       const json_t *entries, const json_t *pending, struct rl_figures_tallies *out, struct rl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	if (figures(c, tools, trainee, entries, pending, "", out, NULL, err) < 0 || !out->sig || !out->pen) {
		json_decref(out->sig);
		json_decref(out->pen);
		out->sig = out->pen = NULL;
		if (!err->status)
			rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory computing figures");
		return -1;
	}
	return 0;
}

int rl_figures_progress(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
			const json_t *entries, const json_t *pending, const char *today, struct rl_progress *out,
			struct rl_error *err)
{
	struct rl_figures_tallies t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (rl_figures_tallies(c, tools, trainee, entries, pending, &t, err) < 0)
		return -1;
	/* As figures() does for the report, over the same tallies. */
	if ((rc = rl_curriculum_assess(c, rl_figures_lookup, &t, out, err)) == 0) {
		rl_progress_set_accreditation(out, t.acc_index, t.until, today);
		out->acc_until = t.acc_index >= 0 ? t.until : NULL; /* shown as signed, "" too */
	}
	json_decref(t.sig);
	json_decref(t.pen);
	return rc;
}

int rl_figures_lookup(void *ctx, const char *key, long long *signed_amount, long long *pending_amount)
{
	const struct rl_figures_tallies *f = ctx;
	json_t *a = json_object_get(f->sig, key), *b = json_object_get(f->pen, key);

	*signed_amount = a ? json_integer_value(a) : 0;
	*pending_amount = b ? json_integer_value(b) : 0;
	return a || b ? 0 : 1;
}

/* ---------------------------------------------------------------- views */

json_t *rl_figures_view(const json_t *report)
{
	json_t *figs = json_object(), *mod, *req;
	size_t i, j;
	char name[200];

	json_array_foreach(json_object_get(report, "modules"), i, mod) {
		const char *st = mstr(mod, "status");
		snprintf(name, sizeof(name), "module:%s", mstr(mod, "id") ? mstr(mod, "id") : "");
		json_object_set_new(figs, name, json_string(!st ? "unmet" : strcmp(st, "met") == 0 ? "met"
							    : strcmp(st, "blocked") == 0 ? "blocked" : "unmet"));
		json_array_foreach(json_object_get(mod, "requirements"), j, req)
			if (mstr(req, "key"))
				json_object_set_new(figs, mstr(req, "key"), json_integer(mint(req, "signed")));
	}
	return json_pack("{s:s,s:o}", "status", mstr(report, "status") ? mstr(report, "status") : "", "figures", figs);
}

static json_t *or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

size_t rl_figures_compare(int64_t trainee, const json_t *server_view, const json_t *ledger_view, json_t *diffs)
{
	const json_t *sf = json_object_get(server_view, "figures"), *lf = json_object_get(ledger_view, "figures");
	json_t *v, *s, *l;
	const char *key;
	size_t n = 0;

	s = json_object_get(server_view, "status");
	l = json_object_get(ledger_view, "status");
	if (!s || !l || !json_equal(s, l)) {
		json_array_append_new(diffs, json_pack("{s:I,s:s,s:o,s:o}", "trainee", (json_int_t)trainee,
						       "requirement", "status", "server", or_null(s), "ledger", or_null(l)));
		n++;
	}
	json_object_foreach((json_t *)lf, key, v) {
		s = json_object_get(sf, key);
		if (s && json_equal(s, v))
			continue;
		json_array_append_new(diffs, json_pack("{s:I,s:s,s:o,s:O}", "trainee", (json_int_t)trainee,
						       "requirement", key, "server", or_null(s), "ledger", v));
		n++;
	}
	json_object_foreach((json_t *)sf, key, v) {
		if (json_object_get(lf, key))
			continue;
		json_array_append_new(diffs, json_pack("{s:I,s:s,s:O,s:n}", "trainee", (json_int_t)trainee,
						       "requirement", key, "server", v, "ledger"));
		n++;
	}
	return n;
}
