/*
 * buf.c - growable byte buffer with a hard limit; see buf.h.
 */
#include "base/prelude.h"

#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char rl_buf_empty_slot[1];

void rl_buf_init(struct rl_buf *b, size_t limit)
{
	b->data = rl_buf_empty_slot;
	b->len = 0;
	b->alloc = 0;
	b->limit = limit;
	b->failed = 0;
}

void rl_buf_release(struct rl_buf *b)
{
	if (b->alloc)
		free(b->data);
	rl_buf_init(b, b->limit);
}

void rl_buf_reset(struct rl_buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
	b->failed = 0;
}

int rl_buf_failed(const struct rl_buf *b)
{
	return b->failed;
}

static size_t buf_limit(const struct rl_buf *b)
{
	return b->limit ? b->limit : RL_BUF_DEFAULT_LIMIT;
}

/* Makes room for extra more bytes plus the NUL; -1 (and the failure sticks) past the limit or OOM. */
static int buf_grow(struct rl_buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return -1;
	if (extra > buf_limit(b) - b->len) {
		b->failed = 1;
		return -1;
	}
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	cap = b->alloc ? b->alloc : 64;
	while (cap < want)
		cap = cap * 3 / 2 + 16;
	p = realloc(b->alloc ? b->data : NULL, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->data = p;
	b->alloc = cap;
	return 0;
}

int rl_buf_add(struct rl_buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int rl_buf_puts(struct rl_buf *b, const char *s)
{
	return rl_buf_add(b, s, strlen(s));
}

int rl_buf_putc(struct rl_buf *b, char c)
{
	return rl_buf_add(b, &c, 1);
}

int rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->failed = 1;
		return -1;
	}
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rl_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *rl_buf_detach(struct rl_buf *b, size_t *len)
{
	char *p;

	if (len)
		*len = b->len;
	if (b->alloc)
		p = b->data;
	else
		p = calloc(1, 1);
	rl_buf_init(b, b->limit);
	return p;
}
