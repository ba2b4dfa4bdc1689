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

#endif
