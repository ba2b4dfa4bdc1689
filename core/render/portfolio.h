/*
 * portfolio.h - a trainee's printable portfolio as a PDF (libharu, with a
 * DejaVu font so any name prints): the module summary, the evidence
 * table with ledger indexes, the signed tree head the figures rest on,
 * and a QR code (libqrencode) of the URL where it can be re-verified.
 */
#ifndef RASLOG_PORTFOLIO_H
#define RASLOG_PORTFOLIO_H

#include <stdint.h>

#include "base/buf.h"
#include "store/db.h"
#include "base/error.h"

struct rl_progress;

/* Font used for every glyph; the Debian package fonts-dejavu-core installs it. */
#define RL_PORTFOLIO_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define RL_PORTFOLIO_FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/*
 * Renders the portfolio into out.  verify_url (may be NULL) is printed and
 * drawn as a QR code; programme (the configured programme_name, may be
 * NULL) is printed under the title.  The trainee's GMC number and each
 * signer's name are printed; text is extractable (a correct ToUnicode map:
 * character codes are Unicode code points).
 */
int rl_portfolio_pdf(struct rl_db *db, int64_t trainee, const char *verify_url, const char *programme,
		     struct rl_buf *out, struct rl_error *err);

/* What the portfolio prints beside the progress record. */
struct rl_portfolio_page {
	const char *programme;   /* printed under the title; NULL or "" for none */
	const char *gmc;         /* the trainee's GMC number; NULL or "" for none */
	const char *verify_url;  /* printed and drawn as a QR code; NULL or "" for none */
	const char *today;       /* YYYY-MM-DD, the generation date printed */
	long long tree_size;     /* the signed tree head the figures rest on: */
	const char *root_hash;   /* hex; its first 16 digits are printed */
	/* The signer's name for an evidence item's signed_by (0 when the item names none), in buf or borrowed. */
	const char *(*signer)(void *ctx, int64_t id, char *buf, size_t size);
	void *signer_ctx;
};

/*
 * rl_portfolio_pdf's renderer: the PDF of a progress record read from a
 * full report (rl_progress_record: the trainee set, evidence per
 * requirement) and the page's other facts, appended to out.  0, or -1
 * with err.
 */
int rl_portfolio_render(const struct rl_progress *p, const struct rl_portfolio_page *pg, struct rl_buf *out,
			struct rl_error *err);

#endif
