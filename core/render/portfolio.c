/*
 * portfolio.c - the PDF portfolio; see portfolio.h.
 */
#include "base/prelude.h"

#include "render/portfolio.h"

#include <hpdf.h>
#include <hpdf_objects.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "domain/progress.h"
#include "domain/progress_record.h"
#include "domain/users.h"
#include "base/util.h"

#define PAGE_W 595.0f  /* A4 in points */
#define PAGE_H 842.0f
#define MARGIN 48.0f

struct doc {
	HPDF_Doc pdf;
	HPDF_Page page;
	HPDF_Font font, bold;
	float y;
	int failed;
};

static void on_error(HPDF_STATUS code, HPDF_STATUS detail, void *data)
{
	struct doc *d = data;
	d->failed = 1;
	(void)code;
	(void)detail;
}

static void new_page(struct doc *d)
{
	d->page = HPDF_AddPage(d->pdf);
	HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	d->y = PAGE_H - MARGIN;
}

static void text(struct doc *d, HPDF_Font f, float size, float x, const char *s)
{
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, f, size);
	HPDF_Page_TextOut(d->page, x, d->y, s ? s : "");
	HPDF_Page_EndText(d->page);
}

static void line(struct doc *d, HPDF_Font f, float size, const char *s)
{
	if (d->y < MARGIN + size) {
		new_page(d);
	}
	text(d, f, size, MARGIN, s);
	d->y -= size * 1.5f;
}

/* Draws a row of cells at the given x offsets. */
static void row(struct doc *d, HPDF_Font f, float size, const float *xs, const char *const *cells, int n)
{
	if (d->y < MARGIN + size) {
		new_page(d);
	}
	for (int i = 0; i < n; i++)
		text(d, f, size, MARGIN + xs[i], cells[i]);
	d->y -= size * 1.6f;
}

static void qr(struct doc *d, const char *url, float x, float top, float size)
{
	QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	float cell;

	if (!q)
		return;
	cell = size / (float)q->width;
	HPDF_Page_SetRGBFill(d->page, 0, 0, 0);
	for (int r = 0; r < q->width; r++)
		for (int c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				HPDF_Page_Rectangle(d->page, x + (float)c * cell, top - (float)(r + 1) * cell, cell, cell);
	HPDF_Page_Fill(d->page);
	QRcode_free(q);
}

/*
 * libharu 2.3's UTF-8 encoder gives a Type0 font a "ToUnicode" stream that
 * is its own CID CMap (begincidrange), which readers reject ("Invalid
 * 'begincidrange' operator in ToUnicode CMap").  With that encoder a
 * character code is the Unicode code point (CIDToGIDMap maps it to the
 * glyph), so the right map is the identity on the Basic Multilingual Plane:
 * one bfrange per high byte, surrogates left out, at most 100 a block.
 */
static void fix_to_unicode(struct doc *d, HPDF_Font font)
{
	HPDF_Dict cmap;
	char line[64];
	int hi, in_block = 0, ranges = 0;

	if (!font || d->failed)
		return;
	cmap = HPDF_DictStream_New(d->pdf->mmgr, d->pdf->xref);
	if (!cmap) {
		d->failed = 1;
		return;
	}
	HPDF_Stream_WriteStr(cmap->stream,
		"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	for (hi = 0; hi <= 0xff; hi++) {
		if (hi >= 0xd8 && hi <= 0xdf)
			continue;
		if (!in_block) {
			int left = 0;
			for (int h = hi; h <= 0xff; h++)
				left += !(h >= 0xd8 && h <= 0xdf);
			snprintf(line, sizeof(line), "%d beginbfrange\n", left < 100 ? left : 100);
			HPDF_Stream_WriteStr(cmap->stream, line);
			in_block = 1;
		}
		snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
		HPDF_Stream_WriteStr(cmap->stream, line);
		if (++ranges % 100 == 0) {
			HPDF_Stream_WriteStr(cmap->stream, "endbfrange\n");
			in_block = 0;
		}
	}
	if (in_block)
		HPDF_Stream_WriteStr(cmap->stream, "endbfrange\n");
	HPDF_Stream_WriteStr(cmap->stream, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
	if (HPDF_Dict_Add((HPDF_Dict)font, "ToUnicode", cmap) != HPDF_OK)
		d->failed = 1;
}

/* "Dr Ann Ng" for a user id, from a small per-document cache; "user N" only if the account is gone. */
struct names {
	int64_t id[32];
	char name[32][121];
	int n;
};

static const char *signer_name(struct rl_db *db, struct names *c, int64_t id, char *fallback, size_t size)
{
	struct rl_user u;
	struct rl_error e = RL_ERROR_INIT;

	for (int i = 0; i < c->n; i++)
		if (c->id[i] == id)
			return c->name[i];
	if (rl_user_get(db, id, &u, &e) < 0) {
		rl_error_clear(&e);
		snprintf(fallback, size, "user %lld", (long long)id);
		return fallback;
	}
	if (c->n < 32) {
		c->id[c->n] = id;
		snprintf(c->name[c->n], sizeof(c->name[0]), "%s", u.name);
		return c->name[c->n++];
	}
	snprintf(fallback, size, "%s", u.name);
	return fallback;
}

/* signer_name through the page's callback. */
struct db_signers {
	struct rl_db *db;
	struct names cache;
};

static const char *db_signer(void *ctx, int64_t id, char *buf, size_t size)
{
	struct db_signers *s = ctx;

	return signer_name(s->db, &s->cache, id, buf, size);
}

int rl_portfolio_render(const struct rl_progress *p, const struct rl_portfolio_page *pg, struct rl_buf *out,
			struct rl_error *err)
{
	struct doc d = { 0 };
	const char *fname, *bname;
	char buf[512];
	int rc = -1;
	static const float mod_x[] = { 0, 300, 400 };
	static const float ev_x[] = { 0, 45, 105, 180, 330 };

	if (!p->has_trainee) {
		rl_error_internal(err, "a portfolio needs the trainee's name");
		return -1;
	}
	d.pdf = HPDF_New(on_error, &d);
	if (!d.pdf) {
		rl_error_internal(err, "cannot start the PDF");
		goto out;
	}
	HPDF_UseUTFEncodings(d.pdf);
	HPDF_SetCurrentEncoder(d.pdf, "UTF-8");
	fname = HPDF_LoadTTFontFromFile(d.pdf, RL_PORTFOLIO_FONT, HPDF_TRUE);
	bname = HPDF_LoadTTFontFromFile(d.pdf, RL_PORTFOLIO_FONT_BOLD, HPDF_TRUE);
	if (!fname || !bname || d.failed) {
		rl_error_set(err, RL_E_UNAVAILABLE, "no-font", NULL,
			     "the PDF font %s is missing; install the Debian package fonts-dejavu-core", RL_PORTFOLIO_FONT);
		goto out;
	}
	d.font = HPDF_GetFont(d.pdf, fname, "UTF-8");
	d.bold = HPDF_GetFont(d.pdf, bname, "UTF-8");
	fix_to_unicode(&d, d.font);
	fix_to_unicode(&d, d.bold);
	HPDF_SetInfoAttr(d.pdf, HPDF_INFO_TITLE, "RAS training portfolio");
	HPDF_SetInfoAttr(d.pdf, HPDF_INFO_CREATOR, "raslog");
	new_page(&d);

	line(&d, d.bold, 15, "Robot-assisted surgery training portfolio");
	if (pg->programme && *pg->programme)
		line(&d, d.font, 10, pg->programme);
	snprintf(buf, sizeof(buf), "%s", p->trainee_name);
	line(&d, d.bold, 14, buf);
	if (pg->gmc && pg->gmc[0]) {
		snprintf(buf, sizeof(buf), "GMC number: %s", pg->gmc);
		line(&d, d.font, 10, buf);
	}
	snprintf(buf, sizeof(buf), "Site: %s", p->trainee_site);
	line(&d, d.font, 10, buf);
	snprintf(buf, sizeof(buf), "Curriculum: %s (%s, version %lld)", p->title, p->code, (long long)p->version);
	line(&d, d.font, 10, buf);
	snprintf(buf, sizeof(buf), "Status: %s  -  %lld of %lld modules met", p->status, (long long)p->modules_met,
		 (long long)p->nmodules);
	line(&d, d.bold, 11, buf);
	snprintf(buf, sizeof(buf), "Generated %s from ledger tree head of size %lld, root %.16s...", pg->today,
		 (long long)pg->tree_size, pg->root_hash ? pg->root_hash : "");
	line(&d, d.font, 8, buf);
	if (pg->verify_url && *pg->verify_url) {
		qr(&d, pg->verify_url, PAGE_W - MARGIN - 72, PAGE_H - MARGIN - 4, 72);
		snprintf(buf, sizeof(buf), "Verify: %s", pg->verify_url);
		line(&d, d.font, 8, buf);
	}
	d.y -= 10;
	line(&d, d.bold, 13, "Modules");
	{
		const char *hdr[] = { "Module", "Status", "Requirements met" };
		row(&d, d.bold, 9, mod_x, hdr, 3);
	}
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct rl_progress_module *mod = &p->modules[i];
		size_t met = 0;
		char counts[32];
		const char *cells[3];

		/* "met" requirements by status: a blocked module's requirements count as not met here. */
		for (size_t j = 0; j < mod->nreqs; j++)
			met += strcmp(mod->reqs[j].status, "met") == 0;
		snprintf(counts, sizeof(counts), "%zu of %zu", met, mod->nreqs);
		cells[0] = mod->title;
		cells[1] = mod->status;
		cells[2] = counts;
		row(&d, d.font, 9, mod_x, cells, 3);
	}
	d.y -= 10;
	line(&d, d.bold, 13, "Signed evidence");
	{
		const char *hdr[] = { "Ledger", "Date", "Type", "Signer", "Counts towards" };
		row(&d, d.bold, 8, ev_x, hdr, 5);
	}
	for (size_t i = 0; i < p->nmodules; i++)
		for (size_t j = 0; j < p->modules[i].nreqs; j++) {
			const struct rl_progress_req *req = &p->modules[i].reqs[j];

			for (size_t k = 0; k < req->nevidence; k++) {
				const struct rl_progress_evidence *ev = &req->evidence[k];
				char idx[24], signer[121], towards[160], date[11];
				const char *cells[5];

				snprintf(idx, sizeof(idx), "#%lld", (long long)ev->ledger_index);
				snprintf(towards, sizeof(towards), "%s (+%lld)", req->key, ev->amount);
				snprintf(date, sizeof(date), "%s", ev->date ? ev->date : "");
				cells[0] = idx;
				cells[1] = date;
				cells[2] = ev->type;
				cells[3] = pg->signer(pg->signer_ctx, ev->signed_by, signer, sizeof(signer));
				cells[4] = towards;
				row(&d, d.font, 8, ev_x, cells, 5);
			}
		}
	if (d.failed || HPDF_SaveToStream(d.pdf) != HPDF_OK) {
		rl_error_internal(err, "the PDF could not be written");
		goto out;
	}
	{
		HPDF_UINT32 size = HPDF_GetStreamSize(d.pdf);
		unsigned char *data = malloc(size ? size : 1);
		HPDF_UINT32 got = size;
		if (!data || HPDF_ReadFromStream(d.pdf, data, &got) > HPDF_STREAM_EOF || rl_buf_add(out, data, got) < 0) {
			free(data);
			rl_error_internal(err, "the PDF could not be read back");
			goto out;
		}
		free(data);
	}
	rc = 0;
out:
	if (d.pdf)
		HPDF_Free(d.pdf);
	return rc;
}

int rl_portfolio_pdf(struct rl_db *db, int64_t trainee, const char *verify_url, const char *programme,
		     struct rl_buf *out, struct rl_error *err)
{
	struct db_signers signers = { db, { .n = 0 } };
	struct rl_portfolio_page pg = { 0 };
	struct rl_progress p;
	struct rl_user who;
	json_t *head = NULL;
	char today[11];
	int rc = -1;

	if (rl_progress_record(db, trainee, &p, err) < 0)
		return -1;
	if (rl_user_get(db, trainee, &who, err) < 0)
		goto out;
	if (!(head = rl_ledger_head(db, err))) {
		rl_error_internal(err, "cannot start the PDF");
		goto out;
	}
	rl_format_date(rl_today(), today);
	pg.programme = programme;
	pg.gmc = who.gmc;
	pg.verify_url = verify_url;
	pg.today = today;
	pg.tree_size = json_integer_value(json_object_get(head, "tree_size"));
	pg.root_hash = json_string_value(json_object_get(head, "root_hash"));
	pg.signer = db_signer;
	pg.signer_ctx = &signers;
	rc = rl_portfolio_render(&p, &pg, out, err);
out:
	json_decref(head);
	rl_progress_release(&p);
	return rc;
}
