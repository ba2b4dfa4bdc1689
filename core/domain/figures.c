/*
 * figures.c - a trainee's figures from their signed statements; see
 * figures.h.
 */
#include "base/prelude.h"

#include "domain/figures.h"

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

/* Evidence: the signed amount goes into the tally and the item into the requirement's list. */
struct evidence {
	struct tallies *t;
	json_t *by_key;        /* key -> array of evidence items */
	const json_t *item;    /* the item being attributed */
	int bare;              /* the tallies alone, no items (rl_figures_tallies) */
};

static void add_signed(void *ctx, const char *key, long long amount)
{
	struct evidence *e = ctx;
	json_t *arr, *item;

	bump(e->t->sig, key, amount);
	if (e->bare)
		return;
	arr = json_object_get(e->by_key, key);
	item = json_deep_copy(e->item);
	if (!arr) {
		arr = json_array();
		json_object_set_new(e->by_key, key, arr);
	}
	json_object_set_new(item, "amount", json_integer(amount));
	json_array_append_new(arr, item);
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

/* ------------------------------------------------------------- sorting */

/*
 * Sorts an array of objects by (member "date", then member tie), as the
 * records were listed.  The tie member rides in qsort_r's argument, not in
 * a global: figures are computed on several threads at once (request
 * threads, and `raslogd rebuild`'s and `raslog audit`'s workers).
 */
static int by_date(const void *a, const void *b, void *tie)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	const char *dx = mstr(x, "date"), *dy = mstr(y, "date");
	int c = strcmp(dx ? dx : "", dy ? dy : "");
	json_int_t tx = mint(x, tie), ty = mint(y, tie);

	if (c)
		return c;
	return tx < ty ? -1 : tx > ty;
}

/* The items of arr in order (borrowed pointers; free the array). */
static const json_t **sorted(const json_t *arr, const char *tie)
{
	size_t n = json_array_size(arr);
	const json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort_r(v, n, sizeof(*v), by_date, (void *)tie);
	return v;
}

/* ------------------------------------------------------------- figures */

static const char *overall_status(const char *evaluated, int accredited, const char *until, const char *today)
{
	if (!accredited)
		return evaluated;
	if (until && until[0] && strcmp(until, today) < 0)
		return "lapsed";
	return "accredited";
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
 * one exercise, oldest first, is one piece of evidence.  sims holds
 * {"ledger_index","_st"} in ledger order.  -1 when out of memory.
 */
static int simulator_evidence(const struct rl_curriculum *c, const struct rl_tools *tools, const json_t *sims,
			      struct evidence *e)
{
	json_t *decided = json_object(), *entry, *r;
	struct sim_attempt *all = NULL;
	size_t n = 0, cap = 0, i, j;
	char k[32];
	int rc = 0;

	json_array_foreach(sims, i, entry) {
		const json_t *st = json_object_get(entry, "_st"), *imp = json_object_get(st, "import");
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
							 mint(r, "score_bp"), mint(entry, "ledger_index"), mint(st, "signer"), j };
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), by_attempt);
	for (i = 0; i < n; i = j) {
		const char **platforms;
		long long *scores, best = 0;
		struct rl_evidence x = { 0 };
		json_int_t latest = 0, signer = 0;
		json_t *item;

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
		item = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:I}", "type", "simulator", "exercise", all[i].exercise,
				 "ledger_index", latest, "attempts", (json_int_t)(j - i), "best_score_bp", (json_int_t)best,
				 "date", all[j - 1].at, "signed_by", signer);
		x.kind = RL_EV_SIMULATOR;
		x.exercise = all[i].exercise;
		x.attempt_platforms = platforms;
		x.attempt_scores = scores;
		x.nattempts = j - i;
		e->item = item;
		rl_curriculum_contributions(c, tools, &x, add_signed, e);
		json_decref(item);
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

/*
 * What an accreditation signed now relies on (docs/ledger.md,
 * accreditation v2): the ledger indexes of every statement that counts
 * towards a requirement, ascending and once each.
 */
static int by_value(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

static json_t *evidence_indexes(const json_t *by_key)
{
	json_t *seen = json_object(), *items, *it, *out = json_array();
	const char *key;
	char k[32];
	size_t i, n;
	json_int_t *v;

	json_object_foreach((json_t *)by_key, key, items)
		json_array_foreach(items, i, it) {
			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(it, "ledger_index"));
			json_object_set_new(seen, k, json_integer(mint(it, "ledger_index")));
		}
	n = json_object_size(seen);
	v = calloc(n ? n : 1, sizeof(*v));
	i = 0;
	json_object_foreach(seen, key, it)
		if (v)
			v[i++] = json_integer_value(it);
	if (v)
		qsort(v, n, sizeof(*v), by_value);
	for (i = 0; v && i < n; i++)
		json_array_append_new(out, json_integer(v[i]));
	free(v);
	json_decref(seen);
	return out;
}

/*
 * rl_figures, or with only != NULL the tallies alone (rl_figures_tallies):
 * the same walk over the same statements, without the evidence items.
 */
static json_t *figures(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		       const json_t *entries, const json_t *pending, const char *today,
		       struct rl_figures_tallies *only, struct rl_error *err)
{
	struct tallies t = { json_object(), json_object() };
	struct evidence e = { &t, json_object(), NULL, only != NULL };
	json_t *decided = json_object(), *session_date = json_object(), *revoked = json_object();
	json_t *gone = corrected(entries, trainee);
	json_t *sessions = json_array(), *assessments = json_array(), *modules = json_array(), *sims = json_array();
	json_t *certs = json_array(), *certs_decided = json_object();
	json_t *pending_out = json_array(), *assess_out = json_array(), *ev = NULL, *mod, *req, *entry;
	const json_t **order = NULL;
	json_int_t acc_index = -1;
	const char *acc_until = NULL, *sha = NULL;
	char k[32];
	size_t i, j;

	/* One pass in ledger order: what each statement is, keyed as the report lists it. */
	json_array_foreach(entries, i, entry) {
		const json_t *st = json_object_get(entry, "statement");
		const char *type = mstr(st, "type");
		json_int_t idx = mint(entry, "index");

		if (!type || !about(type, st, trainee))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, idx);
		if (json_object_get(gone, k))
			continue; /* superseded or withdrawn: counts nowhere (a withdrawn session is pending again) */
		if (strcmp(type, "session_signoff") == 0) {
			const json_t *s = json_object_get(st, "session");
			const char *decision = mstr(st, "decision");
			json_t *item;

			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(s, "id"));
			if (json_object_get(decided, k))
				continue; /* one decision per session; the server refuses a second */
			json_object_set_new(decided, k, json_integer(idx));
			if (mstr(s, "date"))
				json_object_set_new(session_date, k, json_string(mstr(s, "date")));
			if (!decision || strcmp(decision, "confirmed") != 0)
				continue;
			item = json_pack("{s:s,s:I,s:I,s:s?,s:I,s:s?}", "type", "session", "session", mint(s, "id"),
					 "ledger_index", idx, "date", mstr(s, "date"), "signed_by", mint(st, "signer"),
					 "signed_at", mstr(st, "signed_at"));
			if (mstr(s, "role"))
				json_object_set_new(item, "claimed_role", json_string(mstr(s, "role")));
			if (mstr(st, "role"))
				json_object_set_new(item, "signed_role", json_string(mstr(st, "role")));
			/* The statement itself rides along (not shown) for the contributions below. */
			json_object_set(item, "_st", (json_t *)st);
			json_array_append_new(sessions, item);
		} else if (strcmp(type, "assessment") == 0) {
			json_array_append_new(assessments, json_pack("{s:I,s:O}", "ledger_index", idx, "_st", st));
		} else if (strcmp(type, "module_completion") == 0) {
			const json_t *cur = json_object_get(st, "curriculum");
			if (mstr(cur, "code") && strcmp(mstr(cur, "code"), rl_curriculum_code(c)) == 0 &&
			    mint(cur, "version") == rl_curriculum_version(c))
				json_array_append_new(modules, json_pack("{s:I,s:O}", "ledger_index", idx, "_st", st));
		} else if (strcmp(type, "simulator_import") == 0) {
			json_array_append_new(sims, json_pack("{s:I,s:O}", "ledger_index", idx, "_st", st));
		} else if (strcmp(type, "elearning_confirmation") == 0) {
			const json_t *imp = json_object_get(st, "import");
			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(imp, "id"));
			if (json_object_get(certs_decided, k))
				continue; /* one decision per import; the server refuses a second */
			json_object_set_new(certs_decided, k, json_true());
			if (mstr(st, "decision") && strcmp(mstr(st, "decision"), "confirmed") == 0)
				json_array_append_new(certs, json_pack("{s:I,s:O}", "ledger_index", idx, "_st", st));
		} else if (strcmp(type, "revocation") == 0) {
			snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(st, "accreditation_index"));
			json_object_set_new(revoked, k, json_integer(idx));
		} else if (strcmp(type, "enrolment") == 0) {
			sha = mstr(json_object_get(st, "curriculum"), "sha256"); /* the latest enrolment is in force */
		}
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
	if (!(order = sorted(sessions, "session")))
		goto oom;
	for (i = 0; i < json_array_size(sessions); i++) {
		const json_t *st = json_object_get(order[i], "_st"), *s = json_object_get(st, "session");
		const char *steps[MAX_STEPS];
		struct rl_evidence x = { 0 };
		json_t *item = only ? NULL : json_deep_copy(order[i]);

		json_object_del(item, "_st");
		x.kind = RL_EV_SESSION;
		x.activity = mstr(s, "activity");
		x.platform = mstr(s, "platform");
		x.minutes = mint(s, "minutes");
		x.role = mstr(st, "role");
		x.nsteps = steps_of(json_object_get(st, "steps"), steps, MAX_STEPS);
		x.steps = steps;
		e.item = item;
		if (x.activity)
			rl_curriculum_contributions(c, tools, &x, add_signed, &e);
		json_decref(item);
	}
	free(order);

	/* Assessments, by the assessed session's date, then ledger order. */
	json_array_foreach(assessments, i, entry) {
		const json_t *st = json_object_get(entry, "_st");
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(st, "session"));
		json_object_set_new(entry, "date", json_string(mstr(session_date, k) ? mstr(session_date, k)
							       : mstr(st, "signed_at") ? mstr(st, "signed_at") : ""));
	}
	if (!(order = sorted(assessments, "ledger_index")))
		goto oom;
	for (i = 0; i < json_array_size(assessments); i++) {
		const json_t *st = json_object_get(order[i], "_st"), *scores = json_object_get(st, "scores"), *v;
		int sc[32];
		size_t n = 0;
		json_int_t total = 0;
		struct rl_evidence x = { 0 };
		json_t *item;

		json_array_foreach(scores, j, v) {
			if (n < 32)
				sc[n++] = (int)json_integer_value(v);
			total += json_integer_value(v);
		}
		item = json_pack("{s:s,s:s?,s:O?,s:I,s:I,s:I,s:I,s:s?}", "type", "assessment", "tool", mstr(st, "tool"),
				 "scores", scores, "total", total, "ledger_index", mint(order[i], "ledger_index"),
				 "signed_by", mint(st, "signer"), "session", mint(st, "session"),
				 "date", mstr(order[i], "date"));
		json_array_append(assess_out, item);
		x.kind = RL_EV_ASSESSMENT;
		x.tool = mstr(st, "tool");
		x.scores = sc;
		x.nscores = n;
		e.item = item;
		if (x.tool && n == json_array_size(scores))
			rl_curriculum_contributions(c, tools, &x, add_signed, &e);
		json_decref(item);
	}
	free(order);

	/* Module completions, in ledger order. */
	json_array_foreach(modules, i, entry) {
		const json_t *st = json_object_get(entry, "_st");
		struct rl_evidence x = { 0 };
		json_t *item = json_pack("{s:s,s:s?,s:I,s:I,s:s?}", "type", "module_completion", "module",
					 mstr(st, "module"), "ledger_index", mint(entry, "ledger_index"),
					 "signed_by", mint(st, "signer"), "date", mstr(st, "signed_at"));
		x.kind = RL_EV_MODULE;
		x.module = mstr(st, "module");
		e.item = item;
		if (x.module)
			rl_curriculum_contributions(c, tools, &x, add_signed, &e);
		json_decref(item);
	}

	if (simulator_evidence(c, tools, sims, &e) < 0)
		goto oom;

	/* Confirmed e-learning certificates, in ledger order: each counts where its issuer and achievement are named. */
	json_array_foreach(certs, i, entry) {
		const json_t *st = json_object_get(entry, "_st"), *imp = json_object_get(st, "import");
		struct rl_evidence x = { 0 };
		json_t *item = json_pack("{s:s,s:I,s:s?,s:s?,s:I,s:I,s:s?,s:b}", "type", "elearning", "import",
					 mint(imp, "id"), "issuer", mstr(imp, "issuer"), "achievement",
					 mstr(imp, "achievement"), "ledger_index", mint(entry, "ledger_index"),
					 "signed_by", mint(st, "signer"), "date", mstr(imp, "completed_on"),
					 "verified", json_is_true(json_object_get(imp, "verified")));
		x.kind = RL_EV_ELEARNING;
		x.issuer = mstr(imp, "issuer");
		x.achievement = mstr(imp, "achievement");
		e.item = item;
		if (x.issuer && x.achievement)
			rl_curriculum_contributions(c, tools, &x, add_signed, &e);
		json_decref(item);
	}

	/* Pending claims: shown beside, never counted. */
	json_array_foreach(pending, i, entry) {
		const char *steps[MAX_STEPS];
		struct rl_evidence x = { 0 };
		const char *status = mstr(entry, "status");

		if (mint(entry, "trainee") != trainee || (status && strcmp(status, "pending") != 0))
			continue;
		snprintf(k, sizeof(k), "%" JSON_INTEGER_FORMAT, mint(entry, "id"));
		if (json_object_get(decided, k))
			continue;
		json_array_append_new(pending_out, json_pack("{s:I,s:s?,s:s?,s:I,s:I}", "session", mint(entry, "id"),
				"date", mstr(entry, "date"), "activity", mstr(entry, "activity"),
				"minutes", mint(entry, "minutes"), "trainer", mint(entry, "trainer")));
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
		/* The amounts rl_curriculum_evaluate would read (lookup), and the live accreditation. */
		only->sig = t.sig;
		only->pen = t.pen;
		t.sig = t.pen = NULL;
		only->acc_index = acc_index;
		snprintf(only->acc_until, sizeof(only->acc_until), "%s", acc_until ? acc_until : "");
		only->has_until = acc_until != NULL;
		goto out;
	}
	ev = rl_curriculum_evaluate(c, lookup, &t, err);
	if (!ev)
		goto out;
	json_array_foreach(json_object_get(ev, "modules"), i, mod) {
		json_array_foreach(json_object_get(mod, "requirements"), j, req) {
			json_t *items = json_object_get(e.by_key, mstr(req, "key") ? mstr(req, "key") : "");
			json_object_set_new(req, "evidence", items ? json_incref(items) : json_array());
		}
	}
	json_object_set_new(ev, "evaluated_status", json_string(mstr(ev, "status")));
	json_object_set_new(ev, "status", json_string(overall_status(mstr(ev, "status"), acc_index >= 0,
								      acc_until, today)));
	if (acc_index >= 0) {
		json_t *a = json_pack("{s:I}", "ledger_index", acc_index);
		if (acc_until)
			json_object_set_new(a, "valid_until", json_string(acc_until));
		json_object_set_new(ev, "accreditation", a);
	}
	json_object_set(ev, "pending", pending_out);
	json_object_set(ev, "assessments", assess_out);
	/* The corrections, so a checker can see what no longer counts and why (verify.js checkCorrections). */
	json_object_set_new(ev, "corrections", json_array());
	{
		const char *key;
		json_t *by;
		json_object_foreach(gone, key, by)
			json_array_append_new(json_object_get(ev, "corrections"),
					      json_pack("{s:O,s:I}", "ledger_index", by, "retires", (json_int_t)strtoll(key, NULL, 10)));
	}
	/* What an accreditation signed now names: its evidence and the curriculum content hash. */
	json_object_set_new(ev, "accreditation_evidence", evidence_indexes(e.by_key));
	if (sha && json_is_object(json_object_get(ev, "curriculum")))
		json_object_set_new(json_object_get(ev, "curriculum"), "sha256", json_string(sha));
	goto out;
oom:
	rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory computing figures");
out:
	json_decref(t.sig);
	json_decref(t.pen);
	json_decref(e.by_key);
	json_decref(decided);
	json_decref(session_date);
	json_decref(revoked);
	json_decref(gone);
	json_decref(sessions);
	json_decref(assessments);
	json_decref(modules);
	json_decref(sims);
	json_decref(certs);
	json_decref(certs_decided);
	json_decref(pending_out);
	json_decref(assess_out);
	return ev;
}

json_t *rl_figures(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		   const json_t *entries, const json_t *pending, const char *today, struct rl_error *err)
{
	return figures(c, tools, trainee, entries, pending, today, NULL, err);
}

int rl_figures_tallies(const struct rl_curriculum *c, const struct rl_tools *tools, int64_t trainee,
		       const json_t *entries, const json_t *pending, struct rl_figures_tallies *out, struct rl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->acc_index = -1;
	figures(c, tools, trainee, entries, pending, "", out, err);
	if (!out->sig || !out->pen) {
		json_decref(out->sig);
		json_decref(out->pen);
		out->sig = out->pen = NULL;
		if (!err->status)
			rl_error_set(err, RL_E_INTERNAL, "out-of-memory", NULL, "out of memory computing figures");
		return -1;
	}
	return 0;
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
