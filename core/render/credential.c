/*
 * credential.c - Open Badges 3.0 credentials with eddsa-jcs-2022 proofs
 * and the Bitstring Status List; see credential.h.
 *
 * eddsa-jcs-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, 3.3): the
 * proof configuration (the proof without proofValue, carrying the
 * document's @context) and the document without its proof are each
 * canonicalised with JCS and hashed with SHA-256; the signature is
 * Ed25519 over hash(config) || hash(document), written as multibase
 * base58btc ("z...").
 */
#include "base/prelude.h"

#include "render/credential.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "ledger/jcs.h"
#include "ledger/kinds.h"
#include "ledger/ledger.h"
#include "ledger/stmt.h"
#include "domain/progress.h"
#include "domain/progress_record.h"
#include "store/ledger_lookup.h"
#include "store/ledger_rows.h"
#include "store/secrets.h"
#include "store/signoff_rows.h"
#include "base/codes.h"
#include "domain/users.h"
#include "base/util.h"

#define VC_CONTEXT "https://www.w3.org/ns/credentials/v2"
#define OB_CONTEXT "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

char *rl_base58btc(const uint8_t *data, size_t len)
{
	static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	size_t zeros = 0, size = len * 138 / 100 + 1, high, i;
	uint8_t *b58 = calloc(size, 1);
	char *out;

	if (!b58)
		return NULL;
	while (zeros < len && data[zeros] == 0)
		zeros++;
	high = size - 1;
	for (i = zeros; i < len; i++) {
		int carry = data[i];
		size_t j;
		for (j = size - 1; (j > high || carry) && j < size; j--) {
			carry += 256 * b58[j];
			b58[j] = (uint8_t)(carry % 58);
			carry /= 58;
			if (j == 0)
				break;
		}
		high = j;
	}
	for (i = 0; i < size && b58[i] == 0; i++)
		;
	out = malloc(zeros + (size - i) + 1);
	if (out) {
		size_t n = 0;
		for (size_t z = 0; z < zeros; z++)
			out[n++] = '1';
		for (; i < size; i++)
			out[n++] = alphabet[b58[i]];
		out[n] = '\0';
	}
	free(b58);
	return out;
}

int rl_credential_init(struct rl_db *db, struct rl_error *err)
{
	/* The key lives in its own file (secrets.h); meta records its public key. */
	return rl_secret_create(db, RL_SECRET_ISSUER, err);
}

/* did:key of an Ed25519 key: multibase base58btc of the multicodec 0xed01 prefix and the key. */
static int did_key(const uint8_t pk[32], char did[80], char vm[170])
{
	uint8_t mc[34] = { 0xed, 0x01 };
	char *mb;

	memcpy(mc + 2, pk, 32);
	mb = rl_base58btc(mc, sizeof(mc));
	if (!mb)
		return -1;
	snprintf(did, 80, "did:key:z%s", mb);
	if (vm)
		snprintf(vm, 170, "did:key:z%s#z%s", mb, mb);
	free(mb);
	return 0;
}

static int issuer_keys(struct rl_db *db, uint8_t sk[64], char did[80], char vm[170], struct rl_error *err)
{
	const uint8_t *key = rl_secret_get(db, RL_SECRET_ISSUER, err);

	if (!key)
		return -1;
	memcpy(sk, key, 64);
	return did_key(key + 32, did, vm);
}

int rl_credential_issuer(struct rl_db *db, char did[80], struct rl_error *err)
{
	uint8_t sk[64];
	int rc = issuer_keys(db, sk, did, NULL, err);

	sodium_memzero(sk, sizeof(sk));
	return rc;
}

static int jcs_hash(const json_t *v, uint8_t out[32], struct rl_error *err)
{
	size_t len;
	char *text = rl_jcs_string(v, &len, err);

	if (!text)
		return -1;
	crypto_hash_sha256(out, (const unsigned char *)text, len);
	free(text);
	return 0;
}

int rl_credential_sign(json_t *doc, const uint8_t sk[64], const char *verification_method,
		       const char *created, struct rl_error *err)
{
	json_t *proof = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "DataIntegrityProof", "cryptosuite",
				  "eddsa-jcs-2022", "created", created, "verificationMethod", verification_method,
				  "proofPurpose", "assertionMethod");
	uint8_t hashes[64], sig[64];
	char *mb;

	json_object_del(doc, "proof");
	if (json_object_get(doc, "@context"))
		json_object_set(proof, "@context", json_object_get(doc, "@context"));
	if (jcs_hash(proof, hashes, err) < 0 || jcs_hash(doc, hashes + 32, err) < 0) {
		json_decref(proof);
		return -1;
	}
	crypto_sign_detached(sig, NULL, hashes, sizeof(hashes), sk);
	mb = rl_base58btc(sig, sizeof(sig));
	if (!mb) {
		json_decref(proof);
		return rl_error_internal(err, "out of memory");
	}
	{
		char value[120];
		snprintf(value, sizeof(value), "z%s", mb);
		json_object_set_new(proof, "proofValue", json_string(value));
	}
	free(mb);
	json_object_set_new(doc, "proof", proof);
	return 0;
}

static void status_url(const char *base, char *out, size_t size)
{
	snprintf(out, size, "%s/api/v1/credentials/status", base);
}

/* The members every raslog credential shares: contexts, id, types, issuer (named by the programme). */
static json_t *credential_new(const char *id, const char *issuer_did, const struct rl_issuer *iss)
{
	const char *name = iss && iss->name && *iss->name ? iss->name : RL_ISSUER_NAME_DEFAULT;

	return json_pack("{s:[s,s],s:s,s:[s,s],s:{s:s,s:[s],s:s}}",
			 "@context", VC_CONTEXT, OB_CONTEXT, "id", id,
			 "type", "VerifiableCredential", "OpenBadgeCredential",
			 "issuer", "id", issuer_did, "type", "Profile", "name", name);
}

/* Adds the subject's GMC number, when the person has one, as an Open Badges IdentityObject. */
static int subject_gmc(json_t *subject, const char *gmc)
{
	char value[32];

	if (!subject || !gmc || !*gmc)
		return 0;
	snprintf(value, sizeof(value), "GMC %s", gmc);
	return json_object_set_new(subject, "identifier", json_pack("[{s:s,s:s,s:b,s:s}]", "type", "IdentityObject",
				   "identityType", "identifier", "hashed", 0, "identityHash", value));
}

/*
 * Adds the credentialStatus entry for bit status_index of the list and
 * the proof; on failure frees doc and returns NULL.
 */
static json_t *credential_finish(json_t *doc, const char *base_url, int64_t status_index, const uint8_t sk[64],
				 const char *vm, struct rl_error *err)
{
	char list[300], id[330], idx[24], now[21];

	status_url(base_url, list, sizeof(list));
	snprintf(idx, sizeof(idx), "%lld", (long long)status_index);
	snprintf(id, sizeof(id), "%s#%s", list, idx);
	json_object_set_new(doc, "credentialStatus", json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "type",
		"BitstringStatusListEntry", "statusPurpose", "revocation", "statusListIndex", idx,
		"statusListCredential", list));
	rl_now_rfc3339(now);
	if (rl_credential_sign(doc, sk, vm, now, err) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *rl_credential_subject(const struct rl_progress *p, int64_t acc_index, const char *gmc)
{
	char id[64], achievement[160], narrative[400];
	json_t *subject;

	if (!p->has_trainee || !p->code || !p->title)
		return NULL;
	snprintf(id, sizeof(id), "urn:raslog:user:%lld", (long long)p->trainee_id);
	snprintf(achievement, sizeof(achievement), "urn:raslog:curriculum:%s:%lld", p->code, (long long)p->version);
	snprintf(narrative, sizeof(narrative),
		 "Every requirement of %s version %lld was met by statements signed by accredited trainers, "
		 "and the accreditation itself was signed by faculty (ledger index %lld).",
		 p->code, (long long)p->version, (long long)acc_index);
	subject = json_pack("{s:s,s:[s],s:s,s:{s:s,s:[s],s:s,s:s,s:{s:s}}}",
			    "id", id, "type", "AchievementSubject", "name", p->trainee_name,
			    "achievement", "id", achievement, "type", "Achievement", "name", p->title,
			    "description", "Robot-assisted surgery training pathway completed and accredited.",
			    "criteria", "narrative", narrative);
	if (subject && subject_gmc(subject, gmc) < 0) {
		json_decref(subject);
		return NULL;
	}
	return subject;
}

json_t *rl_credential_evidence(const struct rl_progress *p, int64_t acc_index, const struct rl_tree_head_ref *head)
{
	json_t *evidence = json_array();
	char buf[400], narrative[300];
	int failed = !evidence;

	snprintf(buf, sizeof(buf), "urn:raslog:ledger:%lld", (long long)acc_index);
	failed |= json_array_append_new(evidence, json_pack("{s:s,s:[s],s:s}", "id", buf, "type", "Evidence", "name",
							    "Faculty accreditation statement")) < 0;
	for (size_t i = 0; i < p->nmodules; i++)
		for (size_t j = 0; j < p->modules[i].nreqs; j++) {
			const struct rl_progress_req *req = &p->modules[i].reqs[j];

			for (size_t k = 0; k < req->nevidence; k++) {
				char name[200];

				snprintf(buf, sizeof(buf), "urn:raslog:ledger:%lld", (long long)req->evidence[k].ledger_index);
				snprintf(name, sizeof(name), "Signed %s counting towards %s", req->evidence[k].type, req->key);
				failed |= json_array_append_new(evidence, json_pack("{s:s,s:[s],s:s}", "id", buf, "type",
										    "Evidence", "name", name)) < 0;
			}
		}
	snprintf(buf, sizeof(buf), "urn:raslog:tree-head:%lld:%s", head->tree_size, head->root_hash ? head->root_hash : "");
	snprintf(narrative, sizeof(narrative),
		 "The raslog ledger's signed tree head of %s (size %lld, RFC 9162 root %s) includes every statement named here.",
		 head->timestamp ? head->timestamp : "", head->tree_size, head->root_hash ? head->root_hash : "");
	failed |= json_array_append_new(evidence, json_pack("{s:s,s:[s],s:s,s:s}", "id", buf, "type", "Evidence", "name",
							    "Signed ledger tree head", "narrative", narrative)) < 0;
	if (failed) {
		json_decref(evidence);
		return NULL;
	}
	return evidence;
}

/* The ledger's latest signed tree head as a credential names it: ref points into the buffers. */
struct head {
	struct rl_tree_head_ref ref;
	char root_hex[65], timestamp[32];
};

/* Reads the latest signed head into h: 0, or -1 with err (none yet: as rl_ledger_head says). */
static int head_read(struct rl_db *db, struct head *h, struct rl_error *err)
{
	struct rl_row_tree_head row;
	int rc = rl_rows_tree_head_latest(db, &row, err);

	memset(h, 0, sizeof(*h));
	if (rc == 1 && row.root_len == 32) {
		sodium_bin2hex(h->root_hex, sizeof(h->root_hex), row.root, 32);
		snprintf(h->timestamp, sizeof(h->timestamp), "%s", row.timestamp ? row.timestamp : "");
		h->ref.tree_size = row.tree_size;
		h->ref.root_hash = h->root_hex;
		h->ref.timestamp = h->timestamp;
	} else if (rc >= 0) {
		rc = rl_error_set(err, RL_E_INTERNAL, "no-tree-head", NULL, "the ledger has no signed tree head; run 'raslogd init'");
	}
	rl_rows_tree_head_clear(&row);
	return rc < 0 ? -1 : 0;
}

/* The signed_at of the statement at ledger index idx into out (the ledger's, never a record row's): 0, or -1 with err. */
static int statement_signed_at(struct rl_db *db, int64_t idx, char *out, size_t size, struct rl_error *err)
{
	struct rl_row_ledger_entry e;
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *stmt = NULL;
	struct rl_statement s;
	struct rl_error ignored = RL_ERROR_INIT;

	out[0] = '\0';
	if (rl_rows_ledger_entry(db, idx, &e, err) < 0)
		return -1;
	if (e.message && e.message_len > plen && memcmp(e.message, RL_STATEMENT_PREFIX, plen) == 0)
		stmt = json_loadb(e.message + plen, e.message_len - plen, 0, NULL);
	rl_row_ledger_entry_release(&e);
	if (stmt && rl_statement_read(stmt, NULL, &s, &ignored) == 0 && s.kind == RL_K_ACC && s.signed_at)
		snprintf(out, size, "%s", s.signed_at);
	rl_error_clear(&ignored);
	json_decref(stmt);
	if (!out[0])
		return rl_error_set(err, RL_E_INTERNAL, "internal", NULL,
				    "the accreditation statement at ledger index %lld names no signed_at", (long long)idx);
	return 0;
}

json_t *rl_credential_for_trainee(struct rl_db *db, int64_t trainee, const struct rl_issuer *iss, struct rl_error *err)
{
	struct rl_user u;
	struct rl_progress p;
	struct head h;
	json_t *doc = NULL, *subject, *evidence;
	struct rl_row_acc acc;
	int64_t acc_id = 0, acc_index = 0, status_index = 0;
	char accredited_at[32] = "", until[16] = "", did[80], vm[170], buf[400];
	int found;
	uint8_t sk[64];

	if (rl_progress_record(db, trainee, &p, err) < 0)
		return NULL;
	if (rl_user_get(db, trainee, &u, err) < 0)
		goto out;
	if (strcmp(p.status, "accredited") != 0 && strcmp(p.status, "lapsed") != 0) {
		rl_error_set(err, RL_E_CONFLICT, "not-accredited", "Not accredited",
			     "trainee %lld is not accredited, so there is no credential to export", (long long)trainee);
		goto out;
	}
	if ((found = rl_rows_acc_live(db, trainee, &acc, err)) < 0)
		goto out;
	if (found) {
		acc_id = acc.id;
		acc_index = acc.index;
	}
	/* The record must be the accreditation the ledger gives (a changed row issues nothing). */
	if (acc_id && acc_index != p.acc_index)
		acc_id = 0;
	/* Its bit in the status list is its place among the ledger's accreditations (ledger_status), not the row's id. */
	if (acc_id && (found = rl_rows_ledger_kind_rank(db, rl_kinds[RL_K_ACC].name, acc_index, &status_index, err)) <= 0) {
		if (found < 0)
			goto out;
		acc_id = 0;
	}
	if (!acc_id || status_index >= RL_STATUS_LIST_BITS / 2) {
		rl_error_set(err, RL_E_CONFLICT, "not-accredited", NULL, "trainee %lld has no live accreditation", (long long)trainee);
		goto out;
	}
	/* validFrom and validUntil are the accreditation statement's (the ledger's), not the record row's. */
	{
		snprintf(until, sizeof(until), "%s", p.acc_until ? p.acc_until : "");
		if (statement_signed_at(db, acc_index, accredited_at, sizeof(accredited_at), err) < 0)
			goto out;
	}
	if (head_read(db, &h, err) < 0 || issuer_keys(db, sk, did, vm, err) < 0)
		goto out;
	snprintf(buf, sizeof(buf), "urn:raslog:accreditation:%lld", (long long)acc_index);
	doc = credential_new(buf, did, iss);
	if (!doc) {
		rl_error_internal(err, "cannot build the credential");
		goto out_keys;
	}
	json_object_set_new(doc, "validFrom", json_string(accredited_at));
	if (until[0]) {
		snprintf(buf, sizeof(buf), "%sT23:59:59Z", until);
		json_object_set_new(doc, "validUntil", json_string(buf));
	}
	snprintf(buf, sizeof(buf), "Accredited in robot-assisted surgery: %s", p.title);
	json_object_set_new(doc, "name", json_string(buf));
	subject = rl_credential_subject(&p, acc_index, u.gmc);
	evidence = rl_credential_evidence(&p, acc_index, &h.ref);
	if (!subject || !evidence || json_object_set_new(doc, "credentialSubject", subject) < 0 ||
	    json_object_set_new(doc, "evidence", evidence) < 0) {
		json_decref(subject);
		json_decref(evidence);
		json_decref(doc);
		doc = NULL;
		rl_error_internal(err, "cannot build the credential");
		goto out_keys;
	}
	doc = credential_finish(doc, iss->base_url, status_index, sk, vm, err);
out_keys:
	sodium_memzero(sk, sizeof(sk));
out:
	rl_progress_release(&p);
	return doc;
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A growable list of int64 pairs (ledger index, a second value). */
struct pairs {
	int64_t (*v)[2];
	size_t n, cap;
};

static int pairs_add(struct pairs *p, int64_t a, int64_t b)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		int64_t (*grown)[2] = realloc(p->v, cap * sizeof(*grown));
		if (!grown)
			return -1;
		p->v = grown;
		p->cap = cap;
	}
	p->v[p->n][0] = a;
	p->v[p->n][1] = b;
	p->n++;
	return 0;
}

/* ledger_status's walk: the accreditations of both kinds, the revocations, and what they end. */
struct ends {
	struct pairs trainee_accs, trainer_accs, revocations, ended;
	int oom;
};

static int read_end(void *ctx, int64_t idx, const char *m, size_t len)
{
	struct ends *e = ctx;
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *j = len > plen && memcmp(m, RL_STATEMENT_PREFIX, plen) == 0 ? json_loadb(m + plen, len - plen, 0, NULL) : NULL;
	struct rl_statement s;
	struct rl_error ignored = RL_ERROR_INIT;

	if (j && rl_statement_read(j, NULL, &s, &ignored) == 0) {
		if (s.kind == RL_K_ACC)
			e->oom |= pairs_add(&e->trainee_accs, idx, 0);
		else if (s.kind == RL_K_REVOCATION)
			e->oom |= pairs_add(&e->revocations, idx, s.u.revocation.accreditation_index);
		else if (s.kind == RL_K_TRAINER_ACC) {
			e->oom |= pairs_add(&e->trainer_accs, idx, s.u.trainer_acc.trainer);
			if (s.supersedes >= 0)
				e->oom |= pairs_add(&e->ended, s.supersedes, 0);
		}
	}
	rl_error_clear(&ignored);
	json_decref(j);
	return 0;
}

/*
 * The status list as the ledger gives it.  Bit positions: the n-th
 * accreditation entry of the ledger (counting from 1) owns bit n of the
 * lower half, the n-th trainer_accreditation entry bit n of the upper
 * half (rl_rows_ledger_kind_rank gives the same n when a credential is
 * issued), so the position is a function of the signed, append-only
 * ledger and no edit of an accreditation row moves it.  A row's id was
 * the position before (credentials issued then carry it); rows are
 * written in ledger order, so the two agree wherever no insert of an
 * accreditation row was rolled back (a PostgreSQL sequence keeps the gap),
 * and a row whose id differs is named as drift.
 */
struct ledger_status {
	int64_t *ended;   /* the ledger indexes of the accreditations the ledger has ended, sorted */
	size_t nended;
	int64_t *accs[2]; /* ledger indexes of the accreditation (0) and trainer_accreditation (1) entries, ascending */
	size_t naccs[2];
};

static void ledger_status_release(struct ledger_status *ls)
{
	free(ls->ended);
	free(ls->accs[0]);
	free(ls->accs[1]);
	memset(ls, 0, sizeof(*ls));
}

/* The first column of p as a new array in *out (NULL when empty): 0, or -1 out of memory. */
static int pairs_firsts(const struct pairs *p, int64_t **out, size_t *n)
{
	*out = NULL;
	*n = p->n;
	if (!p->n)
		return 0;
	if (!(*out = malloc(p->n * sizeof(**out))))
		return -1;
	for (size_t i = 0; i < p->n; i++)
		(*out)[i] = p->v[i][0];
	return 0;
}

/* Whether idx is in the sorted list v of n. */
static int sorted_has(const int64_t *v, size_t n, int64_t idx)
{
	return n && bsearch(&idx, v, n, sizeof(*v), cmp_int64) != NULL;
}

/* Where idx stands in the ascending list v of n, counting from 1; 0 when it is not there. */
static int64_t sorted_rank(const int64_t *v, size_t n, int64_t idx)
{
	const int64_t *at = n ? bsearch(&idx, v, n, sizeof(*v), cmp_int64) : NULL;
	return at ? (int64_t)(at - v) + 1 : 0;
}

/*
 * Reads the ledger's accreditations and what has ended them into ls, by
 * the rules signoff.c applies to the rows: a revocation naming a
 * trainee's accreditation ends that one; one naming a trainer's
 * accreditation ends every accreditation of that trainer before it
 * (revocation covers the person); a trainer accreditation that
 * supersedes another ends it.  The status list is built from these, never
 * from the rows' ids, ledger_index, revoked_index or superseded_index,
 * which anyone with the database could edit.
 */
static int ledger_status(struct rl_db *db, struct ledger_status *ls, struct rl_error *err)
{
	struct ends e = { { 0 }, { 0 }, { 0 }, { 0 }, 0 };
	struct pairs ended;
	int rc, oom;

	memset(ls, 0, sizeof(*ls));
	rc = rl_rows_ledger_accreditations(db, read_end, &e, err);
	ended = e.ended;
	oom = e.oom;
	for (size_t r = 0; r < e.revocations.n && !oom; r++) {
		int64_t named = e.revocations.v[r][1], trainer = 0;

		for (size_t t = 0; t < e.trainer_accs.n; t++)
			if (e.trainer_accs.v[t][0] == named)
				trainer = e.trainer_accs.v[t][1];
		if (!trainer) {
			oom |= pairs_add(&ended, named, 0);
			continue;
		}
		for (size_t t = 0; t < e.trainer_accs.n && e.trainer_accs.v[t][0] < e.revocations.v[r][0]; t++)
			if (e.trainer_accs.v[t][1] == trainer)
				oom |= pairs_add(&ended, e.trainer_accs.v[t][0], 0);
	}
	if (rc == 0 && !oom)
		oom = pairs_firsts(&ended, &ls->ended, &ls->nended) < 0 ||
		      pairs_firsts(&e.trainee_accs, &ls->accs[0], &ls->naccs[0]) < 0 ||
		      pairs_firsts(&e.trainer_accs, &ls->accs[1], &ls->naccs[1]) < 0;
	free(e.trainee_accs.v);
	free(e.trainer_accs.v);
	free(e.revocations.v);
	free(ended.v);
	if (rc < 0 || oom) {
		ledger_status_release(ls);
		return rc < 0 ? -1 : rl_error_internal(err, "out of memory reading the ledger's revocations");
	}
	if (ls->nended)
		qsort(ls->ended, ls->nended, sizeof(*ls->ended), cmp_int64);
	return 0;
}

/* A difference between an accreditation row and the ledger, named (figures.drift, outcome "differs": the row is left as it is). */
static void status_drift(int trainers, int64_t person, const char *what, int64_t idx, json_t *cache, json_t *ledger)
{
	json_t *item = json_pack("{s:s,s:I,s:s,s:I,s:o,s:o}", "outcome", "differs", trainers ? "trainer" : "trainee",
				 (json_int_t)person, "requirement", what, "accreditation_index", (json_int_t)idx,
				 "cache", cache, "ledger", ledger);

	if (item)
		rl_progress_drift_hook(item);
	json_decref(item);
}

/* One half of the status list's check of the rows against the ledger. */
struct status_rows {
	const struct ledger_status *ls;
	int trainers;
};

/* A row that says otherwise than the ledger (ended or not, or the bit its id once named) is named as drift. */
static int check_status_row(void *ctx, const struct rl_row_acc_state *row)
{
	const struct status_rows *sr = ctx;
	const struct ledger_status *ls = sr->ls;
	int64_t idx = row->index, rank = sorted_rank(ls->accs[sr->trainers], ls->naccs[sr->trainers], idx);
	int ledger = sorted_has(ls->ended, ls->nended, idx);

	if (!rl_progress_drift_hook)
		return 0;
	if (ledger != row->ended)
		status_drift(sr->trainers, row->person, "accreditation revoked", idx, json_boolean(row->ended),
			     json_boolean(ledger));
	if (rank != row->id)
		status_drift(sr->trainers, row->person, "status list index", idx, json_integer(row->id),
			     rank ? json_integer(rank) : json_null());
	return 0;
}

json_t *rl_credential_status_list(struct rl_db *db, const char *base_url, struct rl_error *err)
{
	uint8_t *bits = calloc(RL_STATUS_LIST_BITS / 8, 1), *gz = NULL, sk[64];
	char did[80], vm[170], now[21], until[21], url[300], sub[320];
	z_stream zs;
	json_t *doc = NULL;
	char *b64 = NULL, *enc = NULL;
	size_t b64len;
	struct ledger_status ls = { 0 };

	if (!bits)
		return NULL;
	if (ledger_status(db, &ls, err) < 0)
		goto out;
	/*
	 * Trainee accreditations take the lower half of the list, trainer
	 * accreditations the upper; bit n of a half is the half's n-th
	 * accreditation entry of the ledger, set when the ledger has ended it
	 * (ledger_status).  The rows are only compared: each difference is
	 * named as drift.
	 */
	for (int half = 0; half < 2; half++) {
		struct status_rows sr = { &ls, half };

		for (size_t k = 0; k < ls.naccs[half] && k + 1 < RL_STATUS_LIST_BITS / 2; k++) {
			int64_t i = (half ? RL_STATUS_LIST_BITS / 2 : 0) + (int64_t)k + 1;

			if (sorted_has(ls.ended, ls.nended, ls.accs[half][k]))
				bits[i / 8] |= (uint8_t)(0x80 >> (i % 8)); /* index 0 is the left-most bit */
		}
		if (rl_rows_acc_states(db, half, INT64_MAX, check_status_row, &sr, err) < 0)
			goto out;
	}
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	gz = malloc(deflateBound(&zs, RL_STATUS_LIST_BITS / 8));
	zs.next_in = bits;
	zs.avail_in = RL_STATUS_LIST_BITS / 8;
	zs.next_out = gz;
	zs.avail_out = (uInt)deflateBound(&zs, RL_STATUS_LIST_BITS / 8);
	if (!gz || deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		rl_error_internal(err, "cannot compress the status list");
		goto out;
	}
	b64len = sodium_base64_ENCODED_LEN(zs.total_out, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	b64 = malloc(b64len);
	enc = malloc(b64len + 1);
	if (!b64 || !enc) {
		deflateEnd(&zs);
		goto out;
	}
	sodium_bin2base64(b64, b64len, gz, zs.total_out, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	deflateEnd(&zs);
	snprintf(enc, b64len + 1, "u%s", b64);
	if (issuer_keys(db, sk, did, vm, err) < 0)
		goto out;
	/*
	 * The list is valid for RL_STATUS_LIST_TTL seconds from now, so a copy
	 * frozen before a revocation (a cache, an attacker replaying it) goes
	 * stale and verifiers fetch a fresh one.
	 */
	{
		time_t t = time(NULL);
		rl_format_rfc3339(t, now);
		rl_format_rfc3339(t + RL_STATUS_LIST_TTL, until);
	}
	status_url(base_url, url, sizeof(url));
	snprintf(sub, sizeof(sub), "%s#list", url);
	doc = json_pack("{s:[s],s:s,s:[s,s],s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s}}", "@context", VC_CONTEXT, "id", url,
			"type", "VerifiableCredential", "BitstringStatusListCredential", "issuer", did, "validFrom", now,
			"validUntil", until, "credentialSubject", "id", sub, "type", "BitstringStatusList", "statusPurpose", "revocation",
			"encodedList", enc);
	if (rl_credential_sign(doc, sk, vm, now, err) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	sodium_memzero(sk, sizeof(sk));
out:
	ledger_status_release(&ls);
	free(bits);
	free(gz);
	free(b64);
	free(enc);
	return doc;
}

json_t *rl_credential_for_trainer(struct rl_db *db, int64_t trainer, const struct rl_issuer *iss, struct rl_error *err)
{
	struct rl_user u;
	struct rl_row_tacc t;
	int64_t acc_id = 0, acc_index = 0, revoked = -1, status_index = 0;
	int found;
	char from[16] = "", until[16] = "", did[80], vm[170], buf[400];
	uint8_t sk[64];
	struct head h;
	json_t *doc = NULL;

	if (rl_user_get(db, trainer, &u, err) < 0)
		return NULL;
	if (!(u.roles & RL_ROLE_TRAINER)) {
		rl_error_set(err, RL_E_NOTFOUND, "not-found", NULL, "no trainer %lld", (long long)trainer);
		return NULL;
	}
	/* The trainer's latest accreditation is the only one that can be live (core/ledger/authority.h). */
	if ((found = rl_rows_tacc_latest(db, trainer, &t, err)) < 0)
		return NULL;
	if (found) {
		acc_id = t.id;
		acc_index = t.index;
		snprintf(from, sizeof(from), "%s", t.valid_from);
		snprintf(until, sizeof(until), "%s", t.valid_until);
		revoked = t.revoked;
	}
	if (acc_id && revoked >= 0) {
		rl_error_set(err, RL_E_CONFLICT, "not-accredited", "Not accredited",
			     "the trainer accreditation of trainer %lld (ledger index %lld) was revoked at ledger index %lld: "
			     "the credential is revoked in the status list, and none is issued until faculty accredit them again",
			     (long long)trainer, (long long)acc_index, (long long)revoked);
		err->extra = json_pack("{s:s,s:I,s:I}", "state", "revoked", "accreditation_index", (json_int_t)acc_index,
				       "revoked_index", (json_int_t)revoked);
		return NULL;
	}
	rl_format_date(rl_today(), buf);
	if (acc_id && strcmp(until, buf) < 0)
		acc_id = 0; /* expired */
	/* Its bit: its place among the ledger's trainer accreditations, in the upper half (ledger_status). */
	if (acc_id && (found = rl_rows_ledger_kind_rank(db, rl_kinds[RL_K_TRAINER_ACC].name, acc_index, &status_index,
							 err)) <= 0) {
		if (found < 0)
			return NULL;
		acc_id = 0;
	}
	if (!acc_id || status_index >= RL_STATUS_LIST_BITS / 2) {
		rl_error_set(err, RL_E_CONFLICT, "not-accredited", "Not accredited",
			     "trainer %lld holds no live trainer accreditation, so there is no credential to export",
			     (long long)trainer);
		return NULL;
	}
	if (head_read(db, &h, err) < 0)
		return NULL;
	if (issuer_keys(db, sk, did, vm, err) < 0)
		goto out_keys;
	snprintf(buf, sizeof(buf), "urn:raslog:trainer-accreditation:%lld", (long long)acc_index);
	doc = credential_new(buf, did, iss);
	if (!doc) {
		rl_error_internal(err, "cannot build the trainer credential");
		goto out_keys;
	}
	json_object_set_new(doc, "name", json_string("Accredited robot-assisted surgery trainer"));
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", from);
	json_object_set_new(doc, "validFrom", json_string(buf));
	snprintf(buf, sizeof(buf), "%sT23:59:59Z", until);
	json_object_set_new(doc, "validUntil", json_string(buf));
	{
		char id[64], narrative[300];
		snprintf(id, sizeof(id), "urn:raslog:user:%lld", (long long)trainer);
		snprintf(narrative, sizeof(narrative),
			 "Accredited by faculty of the programme as a robot-assisted surgery trainer from %s until %s; "
			 "the faculty statement is ledger entry %lld.", from, until, (long long)acc_index);
		json_object_set_new(doc, "credentialSubject", json_pack("{s:s,s:[s],s:s,s:{s:s,s:[s],s:s,s:s,s:{s:s}}}",
			"id", id, "type", "AchievementSubject", "name", u.name,
			"achievement", "id", "urn:raslog:achievement:ras-trainer", "type", "Achievement",
			"name", "Accredited robot-assisted surgery trainer",
			"description", "May countersign RAS training sessions, score assessments and sign module completions.",
			"criteria", "narrative", narrative));
		subject_gmc(json_object_get(doc, "credentialSubject"), u.gmc);
	}
	snprintf(buf, sizeof(buf), "urn:raslog:ledger:%lld", (long long)acc_index);
	{
		char th[200];
		snprintf(th, sizeof(th), "urn:raslog:tree-head:%lld:%s", h.ref.tree_size, h.ref.root_hash);
		json_object_set_new(doc, "evidence", json_pack("[{s:s,s:[s],s:s},{s:s,s:[s],s:s}]",
			"id", buf, "type", "Evidence", "name", "Faculty trainer accreditation statement",
			"id", th, "type", "Evidence", "name", "Signed ledger tree head"));
	}
	doc = credential_finish(doc, iss->base_url, RL_STATUS_LIST_BITS / 2 + status_index, sk, vm, err);
out_keys:
	sodium_memzero(sk, sizeof(sk));
	return doc;
}
