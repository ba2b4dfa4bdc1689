/*
 * routes_oidc.c - single sign-on with the organisation's OpenID Connect
 * provider: the authorization code flow with PKCE (S256).
 *
 *   GET /auth/oidc/start     makes a flow (core/domain/oidc.c), sets the
 *                            browser's pre-session cookie and redirects to
 *                            the provider's authorization endpoint
 *   GET /auth/oidc/callback  the redirect URI (public_url + this path): checks
 *                            the flow belongs to this browser and is unspent,
 *                            redeems the code at the token endpoint (with the
 *                            PKCE verifier and the client secret), verifies the
 *                            ID token (OpenSSL, in core), then in the writer
 *                            spends the flow, finds the account by the verified
 *                            email and starts a web session; 303 to the page
 *
 * Both answer a browser, so they answer with small HTML pages: every
 * refusal names what went wrong and links back to the sign-in page.  Every
 * callback is one audit line (event "signin", method "oidc").  The
 * provider's discovery document and JWKS are fetched with libcurl and kept
 * for an hour; the JWKS again at most every 30 seconds when an ID token
 * names a key it lacks (the provider rotated its keys).
 *
 * Configured by oidc_issuer, oidc_name, oidc_client_id and
 * oidc_client_secret_file (config.h); without oidc_issuer and
 * oidc_client_id both routes answer 404.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/jsonin.h"
#include "base/util.h"
#include "config.h"
#include "domain/accounts.h"
#include "domain/oidc.h"
#include "metrics.h"
#include "server.h"

#include "base/banned.h"

#define OIDC_COOKIE "raslog_oidc"
#define CALLBACK_PATH "/auth/oidc/callback"
#define MAX_DOC (1024 * 1024)
#define META_TTL 3600
#define JWKS_REFETCH 30

static struct {
	int on;
	char issuer[512];
	char name[80];
	char client_id[256];
	char secret[512];         /* "" for a public client */
} cfg;

static struct {
	pthread_mutex_t lock;
	time_t fetched, jwks_fetched;
	char authorize[1024], token[1024], jwks_uri[1024];
	int basic;                /* client_secret_basic, else client_secret_post */
	json_t *jwks;
} meta = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- configuration ------------------------------------------------------------------ */

/* An http URL is for loopback providers only (tests); everything else must be https. */
static int url_allowed(const char *u)
{
	return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://127.0.0.1", 16) == 0 ||
		     strncmp(u, "http://localhost", 16) == 0);
}


int oidc_configure(void)
{
	const char *issuer = rl_config.oidc_issuer, *id = rl_config.oidc_client_id;
	const char *file = rl_config.oidc_client_secret_file;

	if (!issuer && !id && !file)
		return 0;
	if (!issuer || !id) {
		fprintf(stderr, "raslogd: single sign-on needs both oidc_issuer and oidc_client_id in the config file\n");
		return 2;
	}
	if (!url_allowed(issuer)) {
		fprintf(stderr, "raslogd: oidc_issuer must be an https:// URL (http:// only on this machine, for tests), "
				"not '%s'\n", issuer);
		return 2;
	}
	if (strlen(issuer) >= sizeof(cfg.issuer) - 40 || strlen(id) >= sizeof(cfg.client_id)) {
		fprintf(stderr, "raslogd: oidc_issuer or oidc_client_id is too long\n");
		return 2;
	}
	snprintf(cfg.issuer, sizeof(cfg.issuer), "%s", issuer);
	snprintf(cfg.client_id, sizeof(cfg.client_id), "%s", id);
	snprintf(cfg.name, sizeof(cfg.name), "%s", rl_config.oidc_name ? rl_config.oidc_name : "your organisation");
	if (file) {
		struct stat sb;
		FILE *f = fopen(file, "r");
		size_t n;

		if (!f || fstat(fileno(f), &sb) < 0) {
			fprintf(stderr, "raslogd: cannot read oidc_client_secret_file %s\n", file);
			if (f)
				fclose(f);
			return 2;
		}
		if (sb.st_mode & 077) {
			fprintf(stderr, "raslogd: oidc_client_secret_file %s can be read by others (mode %03o); "
					"chmod 600 it\n", file, (unsigned)(sb.st_mode & 0777));
			fclose(f);
			return 2;
		}
		n = fread(cfg.secret, 1, sizeof(cfg.secret) - 1, f);
		fclose(f);
		cfg.secret[n] = '\0';
		cfg.secret[strcspn(cfg.secret, "\r\n")] = '\0';
		if (!cfg.secret[0]) {
			fprintf(stderr, "raslogd: oidc_client_secret_file %s is empty\n", file);
			return 2;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cfg.on = 1;
	return 0;
}

const char *oidc_display_name(void)
{
	return cfg.on ? cfg.name : NULL;
}

/* ---- HTTP client -------------------------------------------------------------------- */

struct sink {
	char *data;
	size_t len;
	int over;
};

static size_t sink_write(char *p, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;
	char *grown;

	if (s->len + len > MAX_DOC) {
		s->over = 1;
		return 0;
	}
	grown = realloc(s->data, s->len + len + 1);
	if (!grown)
		return 0;
	s->data = grown;
	memcpy(s->data + s->len, p, len);
	s->len += len;
	s->data[s->len] = '\0';
	return len;
}

/*
 * GET url (form NULL) or POST form to it (with HTTP Basic client authentication
 * when basic); the JSON object answered, with
 * the HTTP status in *status.  NULL with err (type oidc-provider-unreachable)
 * when there is no JSON object to read.
 */
static json_t *fetch_json(const char *url, const char *form, int basic, long *status, struct rl_error *err)
{
	CURL *c;
	struct sink s = { 0 };
	struct curl_slist *h = NULL;
	CURLcode rc;
	json_t *v = NULL;
	struct rl_error perr = RL_ERROR_INIT;

	*status = 0;
	if (!url_allowed(url))
		return rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider not usable",
				    "the identity provider's address %.200s is not https", url ? url : "(none)"),
		       NULL;
	c = curl_easy_init();
	if (!c)
		return rl_error_internal(err, "curl_easy_init"), NULL;
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "raslogd");
	if (form) {
		h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		if (cfg.secret[0] && basic) {
			/* RFC 6749 2.3.1: client id and secret, each form-urlencoded, as HTTP Basic. */
			char *u = curl_easy_escape(c, cfg.client_id, 0), *p = curl_easy_escape(c, cfg.secret, 0);
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME, u ? u : "");
			curl_easy_setopt(c, CURLOPT_PASSWORD, p ? p : "");
			curl_free(u);
			curl_free(p);
		}
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK)
		rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider unreachable",
			     "the identity provider could not be reached (%.200s: %s)", url,
			     s.over ? "answer too large" : curl_easy_strerror(rc));
	else if (!(v = rl_json_parse(s.data ? s.data : "", s.len, &perr)) || !json_is_object(v)) {
		json_decref(v);
		v = NULL;
		rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider answered oddly",
			     "the identity provider's answer from %.200s (HTTP %ld) is not a JSON object", url, *status);
	}
	rl_error_clear(&perr);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (s.data)
		sodium_memzero(s.data, s.len);
	free(s.data);
	return v;
}

static int copy_url(json_t *doc, const char *name, char *out, size_t size, struct rl_error *err)
{
	const char *v = json_string_value(json_object_get(doc, name));

	if (!url_allowed(v) || strlen(v) >= size)
		return rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider misconfigured",
				    "the identity provider's discovery document has no usable %s", name);
	snprintf(out, size, "%s", v);
	return 0;
}

/* Discovery and JWKS, fetched when older than an hour (or forced).  Holds meta.lock on success. */
static int meta_get(int refetch_jwks, struct rl_error *err)
{
	time_t now = time(NULL);
	char url[600];
	json_t *doc = NULL, *keys;
	long status;
	int fresh = 0;

	pthread_mutex_lock(&meta.lock);
	if (!meta.fetched || now - meta.fetched > META_TTL) {
		const char *iss, *methods_name = "token_endpoint_auth_methods_supported";
		json_t *methods, *m;
		size_t i;

		snprintf(url, sizeof(url), "%s/.well-known/openid-configuration", cfg.issuer);
		doc = fetch_json(url, NULL, 0, &status, err);
		if (!doc)
			goto fail;
		iss = json_string_value(json_object_get(doc, "issuer"));
		if (!iss || strcmp(iss, cfg.issuer) != 0) {
			rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider misconfigured",
				     "the discovery document names the issuer '%.200s', not the configured %.200s",
				     iss ? iss : "", cfg.issuer);
			goto fail;
		}
		if (copy_url(doc, "authorization_endpoint", meta.authorize, sizeof(meta.authorize), err) < 0 ||
		    copy_url(doc, "token_endpoint", meta.token, sizeof(meta.token), err) < 0 ||
		    copy_url(doc, "jwks_uri", meta.jwks_uri, sizeof(meta.jwks_uri), err) < 0)
			goto fail;
		/* client_secret_basic is the default (RFC 8414); _post when the provider offers only that. */
		methods = json_object_get(doc, methods_name);
		meta.basic = 1;
		if (json_is_array(methods)) {
			int basic = 0, post = 0;
			json_array_foreach(methods, i, m) {
				basic |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_basic") == 0;
				post |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_post") == 0;
			}
			meta.basic = basic || !post;
		}
		json_decref(doc);
		doc = NULL;
		meta.fetched = now;
		fresh = 1;
	}
	/* The keys: with a new discovery document, or when a token names an unknown kid (at most every 30 s). */
	if (fresh || !meta.jwks || (refetch_jwks && now - meta.jwks_fetched >= JWKS_REFETCH)) {
		doc = fetch_json(meta.jwks_uri, NULL, 0, &status, err);
		if (!doc)
			goto fail;
		keys = json_object_get(doc, "keys");
		if (status != 200 || !json_is_array(keys)) {
			rl_error_set(err, RL_E_UNAVAILABLE, "oidc-provider-unreachable", "Identity provider misconfigured",
				     "the identity provider's JWKS (%.200s) has no keys", meta.jwks_uri);
			goto fail;
		}
		json_decref(meta.jwks);
		meta.jwks = doc;
		meta.jwks_fetched = now;
		doc = NULL;
	}
	return 0;
fail:
	json_decref(doc);
	meta.fetched = 0;
	pthread_mutex_unlock(&meta.lock);
	return -1;
}

/* ---- pages ------------------------------------------------------------------------------ */

static void html_escape(struct rl_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': rl_buf_puts(b, "&lt;"); break;
		case '>': rl_buf_puts(b, "&gt;"); break;
		case '&': rl_buf_puts(b, "&amp;"); break;
		case '"': rl_buf_puts(b, "&quot;"); break;
		case '\'': rl_buf_puts(b, "&#39;"); break;
		default: rl_buf_putc(b, *s);
		}
	}
}

/* A small page for the browser: what went wrong, and the way back to sign-in. */
static void page(struct request *rq, unsigned status, const char *title, const char *detail, const char *type)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_puts(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	html_escape(&b, title);
	rl_buf_puts(&b, " - raslog</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
			"padding:0 1rem;line-height:1.5}h1{font-size:1.5rem}</style></head><body><main>"
			"<h1 id=\"oidc-title\">");
	html_escape(&b, title);
	rl_buf_puts(&b, "</h1><p id=\"oidc-detail\">");
	if (detail && detail[0] >= 'a' && detail[0] <= 'z') { /* the sentence starts with a capital */
		rl_buf_putc(&b, (char)(detail[0] - 32));
		detail++;
	}
	html_escape(&b, detail);
	rl_buf_puts(&b, ".");
	rl_buf_puts(&b, "</p>");
	if (type) {
		rl_buf_puts(&b, "<p><small>Reason: <code id=\"oidc-reason\">");
		html_escape(&b, type);
		rl_buf_puts(&b, "</code> &middot; request ");
		html_escape(&b, rq->id);
		rl_buf_puts(&b, "</small></p>");
	}
	rl_buf_puts(&b, "<p><a href=\"/\">Back to the sign-in page</a></p></main></body></html>\n");
	reply_buf(rq, status, "text/html; charset=utf-8", &b);
	if (rq->response)
		MHD_add_response_header(rq->response, "Content-Security-Policy",
					"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
}

static int https_site(void)
{
	char url[300];

	server_public_url(url, sizeof(url));
	return strncmp(url, "https://", 8) == 0;
}

/* The pre-session cookie: Lax, so the provider's redirect back (a top-level GET) carries it. */
static void oidc_cookie(struct request *rq, const char *value)
{
	char v[200];

	snprintf(v, sizeof(v), OIDC_COOKIE "=%s; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=%d%s",
		 value, value[0] ? RL_OIDC_FLOW_SECONDS : 0, https_site() ? "; Secure" : "");
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_SET_COOKIE, v);
}

static unsigned status_of(const struct rl_error *e)
{
	return e->status == RL_E_UNAVAILABLE ? 502 : e->status == RL_E_FORBIDDEN ? 403
	     : e->status == RL_E_INTERNAL ? 500 : e->status == RL_E_TOOLARGE ? 429 : 401;
}

static int not_configured(struct request *rq)
{
	if (cfg.on)
		return 0;
	page(rq, 404, "Single sign-on is not set up",
	     "This raslog has no organisation sign-in configured; sign in with a passkey instead", NULL);
	return 1;
}

/* ---- state shared by the handlers and their writer jobs ----------------------------------- */

struct oidc_state {
	char browser[RL_OIDC_SECRET_LEN + 1];
	char state[RL_OIDC_SECRET_LEN + 1];
	char ip[48];
	struct rl_oidc_claims claims;
	struct rl_error verr;    /* the refusal (the job itself committed the spent flow) */
	int64_t user_id;
	int invited;
	struct session_sign_in si;  /* the web session a sign-in starts */
	char authorize[1024];
};

static void state_free(void *p)
{
	struct oidc_state *s = p;

	if (!s)
		return;
	rl_error_clear(&s->verr);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

static struct oidc_state *state_new(struct request *rq)
{
	struct oidc_state *s = calloc(1, sizeof(*s));

	if (!s) {
		page(rq, 500, "Something went wrong", "The server ran out of memory; try again", "internal");
		return NULL;
	}
	rq->state = s;
	rq->state_free = state_free;
	snprintf(s->ip, sizeof(s->ip), "%s", rq->ip);
	return s;
}

static int rate_limited(struct request *rq, const char *key)
{
	int retry;
	char value[16], detail[160];

	if (!ratelimit_blocked(key, &retry))
		return 0;
	snprintf(detail, sizeof(detail), "Too many failed sign-ins; try again in %d seconds", retry);
	page(rq, 429, "Too many attempts", detail, "rate-limited");
	snprintf(value, sizeof(value), "%d", retry);
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_RETRY_AFTER, value);
	audit(rq, "signin", "rate-limited", "\"method\":\"oidc\",\"retry_after\":%d", retry);
	return 1;
}

/* ---- start ---------------------------------------------------------------------------------- */

/*
 * HEAD (a link checker, a preview, a prefetch) starts nothing: no flow is
 * stored and no cookie set, so it cannot use up the address's quota of
 * flows or spend one a browser is about to use.  Answers 1 when it replied.
 */
static int head_only(struct request *rq)
{
	static const char msg[] = "Open this address in a browser to sign in with your organisation\n";

	if (strcmp(rq->method, "HEAD") != 0)
		return 0;
	reply_text(rq, 200, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
	return 1;
}

static int start_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct oidc_state *s = rq->state;

	return rl_oidc_flow_begin(db, s->ip, s->browser, s->state, err);
}

static void start_respond(struct request *rq)
{
	struct oidc_state *s = rq->state;
	char nonce[RL_OIDC_SECRET_LEN + 1], verifier[RL_OIDC_SECRET_LEN + 1], challenge[RL_OIDC_SECRET_LEN + 1];
	char base[300], redirect[400];
	struct rl_buf b = RL_BUF_INIT;
	CURL *c;
	char *e1, *e2, *e3;

	if (rq->job.result < 0 && rq->job.err.status == RL_E_CONFLICT) {
		audit(rq, "signin", "rate-limited", "\"method\":\"oidc\",\"reason\":\"%s\"", rq->job.err.type);
		page(rq, 429, "Too many sign-ins started", rq->job.err.detail, rq->job.err.type);
		return;
	}
	if (rq->job.result < 0 || rl_oidc_derive(s->browser, s->state, nonce, verifier, challenge) < 0) {
		page(rq, 503, "Sign-in is unavailable", "The sign-in could not be started; try again in a moment",
		     rq->job.err.type[0] ? rq->job.err.type : "internal");
		return;
	}
	server_public_url(base, sizeof(base));
	snprintf(redirect, sizeof(redirect), "%s" CALLBACK_PATH, base);
	c = curl_easy_init();
	e1 = c ? curl_easy_escape(c, cfg.client_id, 0) : NULL;
	e2 = c ? curl_easy_escape(c, redirect, 0) : NULL;
	e3 = c ? curl_easy_escape(c, "openid email profile", 0) : NULL;
	if (!e1 || !e2 || !e3) {
		page(rq, 500, "Something went wrong", "The sign-in could not be started; try again", "internal");
	} else {
		rl_buf_printf(&b, "%s%sresponse_type=code&client_id=%s&redirect_uri=%s&scope=%s&state=%s&nonce=%s"
				  "&code_challenge=%s&code_challenge_method=S256",
			      s->authorize, strchr(s->authorize, '?') ? "&" : "?", e1, e2, e3, s->state, nonce, challenge);
		static const char msg[] = "Redirecting to your organisation's sign-in\n";
		reply_text(rq, 302, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
		if (rq->response && b.data) {
			MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, b.data);
			oidc_cookie(rq, s->browser);
		}
	}
	rl_buf_release(&b);
	curl_free(e1);
	curl_free(e2);
	curl_free(e3);
	if (c)
		curl_easy_cleanup(c);
	sodium_memzero(verifier, sizeof(verifier));
}

void h_oidc_start(struct request *rq)
{
	struct rl_error err = RL_ERROR_INIT;
	struct oidc_state *s;

	if (not_configured(rq) || head_only(rq) || rate_limited(rq, rq->ip) || !(s = state_new(rq)))
		return;
	if (meta_get(0, &err) < 0) {
		audit(rq, "signin", "failed", "\"method\":\"oidc\",\"reason\":\"%s\"", err.type);
		page(rq, status_of(&err), "Your organisation's sign-in is unavailable", err.detail, err.type);
		rl_error_clear(&err);
		return;
	}
	snprintf(s->authorize, sizeof(s->authorize), "%s", meta.authorize);
	pthread_mutex_unlock(&meta.lock);
	server_write(rq, start_run, start_respond);
}

/* ---- callback -------------------------------------------------------------------------------- */

static void refuse(struct request *rq, const struct rl_error *e, const char *subject_email)
{
	struct oidc_state *s = rq->state;

	if (e->status != RL_E_UNAVAILABLE && e->status != RL_E_INTERNAL) {
		ratelimit_failure(rq->ip);
		metrics_signin_failure();
		if (s && s->user_id > 0) {
			char key[40];
			snprintf(key, sizeof(key), "account %lld", (long long)s->user_id);
			ratelimit_failure(key);
		}
	}
	audit(rq, "signin", e->status == RL_E_UNAVAILABLE || e->status == RL_E_INTERNAL ? "failed" : "refused",
	      "\"method\":\"oidc\",\"reason\":\"%s\",\"subject\":%lld,\"email_hash\":\"%s\"", e->type,
	      (long long)(s ? s->user_id : 0), subject_email ? subject_email : "");
	page(rq, status_of(e), e->title[0] ? e->title : "Sign-in refused", e->detail, e->type);
	if (rq->response)
		oidc_cookie(rq, "");
}

/* A short, non-reversible tag of an address for the audit line (the log need not hold e-mail addresses). */
static void email_tag(const char *email, char out[17])
{
	uint8_t h[8];
	char lower[255];
	size_t i;

	for (i = 0; email[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
	lower[i] = '\0';
	crypto_generichash(h, sizeof(h), (const unsigned char *)lower, i, NULL, 0);
	sodium_bin2hex(out, 17, h, sizeof(h));
}

static int finish_run(struct rl_db *db, struct rl_job *job, struct rl_error *err)
{
	struct request *rq = job->ctx;
	struct oidc_state *s = rq->state;
	struct rl_error e = RL_ERROR_INIT;
	char key[40];
	int retry;

	/* The flow is spent whatever happens next; a refusal is committed with it. */
	if (rl_oidc_flow_check(db, s->browser, s->state, &e) < 0) {
		rl_error_clear(&s->verr);
		s->verr = e; /* a second callback raced this one: nothing to spend */
		return 0;
	}
	if (!s->verr.status && s->claims.email[0] &&
	    rl_oidc_match_account(db, s->claims.email, &s->user_id, &s->invited, &e) < 0) {
		if (e.status == RL_E_INTERNAL || e.status == RL_E_UNAVAILABLE) {
			*err = e;
			return -1;
		}
		s->verr = e;
	}
	snprintf(key, sizeof(key), "account %lld", (long long)s->user_id);
	if (!s->verr.status && s->user_id > 0 && ratelimit_blocked(key, &retry))
		rl_error_set(&s->verr, RL_E_TOOLARGE, "rate-limited", "Too many attempts",
			     "there were too many failed sign-ins to this account; try again in %d seconds", retry);
	if (s->verr.status)
		return rl_oidc_flow_finish(db, s->browser, s->state, s->verr.type, s->user_id, err);
	if (s->user_id <= 0)
		return rl_error_internal(err, "a single sign-on with no account");
	/* Like every sign-in, it ends the session this browser had (the id rotates). */
	if (session_sign_in(db, &s->si, s->user_id, err) < 0)
		return -1;
	return rl_oidc_flow_finish(db, s->browser, s->state, "ok", s->user_id, err);
}

static void finish_respond(struct request *rq)
{
	struct oidc_state *s = rq->state;
	char tag[17] = "";

	if (s->claims.email[0])
		email_tag(s->claims.email, tag);
	if (rq->job.result < 0) {
		refuse(rq, &rq->job.err, tag);
		return;
	}
	if (s->verr.status) {
		refuse(rq, &s->verr, tag);
		return;
	}
	audit(rq, "signin", "ok", "\"method\":\"oidc\",\"subject\":%lld,\"web_session\":%lld,\"invitation_accepted\":%s,"
	      "\"email_hash\":\"%s\"", (long long)s->user_id, (long long)s->si.ws_id, s->invited ? "true" : "false", tag);
	reply_text(rq, 303, "text/plain; charset=utf-8", "Signed in\n", 10);
	if (!rq->response)
		return;
	MHD_add_response_header(rq->response, MHD_HTTP_HEADER_LOCATION, "/");
	session_cookie_set(rq, s->si.sid);
	oidc_cookie(rq, "");
}

/* Redeems the code at the token endpoint and verifies the ID token; 0, or -1 with err. */
static int redeem(struct oidc_state *s, const char *code, struct rl_error *err)
{
	char nonce[RL_OIDC_SECRET_LEN + 1], verifier[RL_OIDC_SECRET_LEN + 1], challenge[RL_OIDC_SECRET_LEN + 1];
	char base[300], redirect[400];
	struct rl_buf form = RL_BUF_INIT;
	struct rl_oidc_expect x;
	char token_url[1024];
	json_t *reply;
	const char *idt;
	long status;
	int basic;
	CURL *c = curl_easy_init();
	char *ecode = c ? curl_easy_escape(c, code, 0) : NULL, *eredir, *eid, *esecret = NULL;
	int rc = -1;

	if (!ecode || rl_oidc_derive(s->browser, s->state, nonce, verifier, challenge) < 0) {
		if (c)
			curl_easy_cleanup(c);
		curl_free(ecode);
		return rl_error_internal(err, "preparing the token request");
	}
	server_public_url(base, sizeof(base));
	snprintf(redirect, sizeof(redirect), "%s" CALLBACK_PATH, base);
	eredir = curl_easy_escape(c, redirect, 0);
	eid = curl_easy_escape(c, cfg.client_id, 0);
	if (meta_get(0, err) < 0)
		goto done;
	snprintf(token_url, sizeof(token_url), "%s", meta.token);
	basic = meta.basic;
	if (cfg.secret[0] && !basic)
		esecret = curl_easy_escape(c, cfg.secret, 0);
	pthread_mutex_unlock(&meta.lock);
	rl_buf_printf(&form, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s&client_id=%s",
		      ecode, eredir ? eredir : "", verifier, eid ? eid : "");
	if (esecret)
		rl_buf_printf(&form, "&client_secret=%s", esecret);
	reply = fetch_json(token_url, form.data, basic, &status, err);
	if (!reply)
		goto done;
	idt = json_string_value(json_object_get(reply, "id_token"));
	if (status != 200 || !idt) {
		const char *e = json_string_value(json_object_get(reply, "error"));
		const char *d = json_string_value(json_object_get(reply, "error_description"));
		rl_error_set(err, RL_E_UNAUTH, "oidc-token-refused", "The identity provider refused the sign-in",
			     "the identity provider would not exchange the sign-in code (%.60s%s%.200s); a code works "
			     "once, so start again from the sign-in page", e ? e : "no ID token",
			     d ? ": " : "", d ? d : "");
		json_decref(reply);
		goto done;
	}
	x.issuer = cfg.issuer;
	x.client_id = cfg.client_id;
	x.nonce = nonce;
	x.now = time(NULL);
	if (meta_get(0, err) < 0) {
		json_decref(reply);
		goto done;
	}
	if (!rl_oidc_jwks_has_kid(idt, meta.jwks)) {
		/* The provider may have rotated its keys since the JWKS was fetched. */
		pthread_mutex_unlock(&meta.lock);
		if (meta_get(1, err) < 0) {
			json_decref(reply);
			goto done;
		}
	}
	rc = rl_oidc_verify_id_token(idt, meta.jwks, &x, &s->claims, err);
	pthread_mutex_unlock(&meta.lock);
	json_decref(reply);
done:
	sodium_memzero(verifier, sizeof(verifier));
	if (form.data)
		sodium_memzero(form.data, form.len);
	rl_buf_release(&form);
	if (esecret)
		sodium_memzero(esecret, strlen(esecret));
	curl_free(esecret);
	curl_free(ecode);
	curl_free(eredir);
	curl_free(eid);
	curl_easy_cleanup(c);
	return rc;
}

void h_oidc_callback(struct request *rq)
{
	const char *browser = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, OIDC_COOKIE);
	const char *state = query_arg(rq, "state"), *code = query_arg(rq, "code"), *error = query_arg(rq, "error");
	struct rl_error err = RL_ERROR_INIT;
	struct oidc_state *s;

	if (not_configured(rq) || rate_limited(rq, rq->ip) || !(s = state_new(rq)))
		return;
	if (!browser || strlen(browser) != RL_OIDC_SECRET_LEN || !state || strlen(state) != RL_OIDC_SECRET_LEN) {
		rl_error_set(&err, RL_E_UNAUTH, "oidc-state-unknown", "Sign-in not started here",
			     "this sign-in answer does not belong to a sign-in started in this browser (no sign-in "
			     "cookie or no state); start again from the sign-in page");
		refuse(rq, &err, NULL);
		return;
	}
	snprintf(s->browser, sizeof(s->browser), "%s", browser);
	snprintf(s->state, sizeof(s->state), "%s", state);
	/* A replayed, expired or foreign state is refused before the provider is asked anything. */
	if (rl_oidc_flow_check(server_db(), s->browser, s->state, &err) < 0) {
		refuse(rq, &err, NULL);
		rl_error_clear(&err);
		return;
	}
	if (error) {
		const char *d = query_arg(rq, "error_description");
		rl_error_set(&s->verr, RL_E_UNAUTH, "oidc-provider-error", "Your organisation did not sign you in",
			     "the identity provider answered '%.60s'%s%.200s", error, d ? ": " : "", d ? d : "");
	} else if (!code || !*code || strlen(code) > 2048) {
		rl_error_set(&s->verr, RL_E_UNAUTH, "oidc-malformed", "Sign-in answer incomplete",
			     "the identity provider's answer has no code; start again from the sign-in page");
	} else if (redeem(s, code, &err) < 0) {
		if (err.status == RL_E_INTERNAL) {
			refuse(rq, &err, NULL);
			rl_error_clear(&err);
			return;
		}
		s->verr = err; /* spend the flow, then refuse */
	}
	session_sign_in_prepare(rq, &s->si);
	server_write(rq, finish_run, finish_respond);
}
