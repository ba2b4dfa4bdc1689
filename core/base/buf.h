/*
 * buf.h - a growable byte buffer with a hard size limit.
 *
 * Used for every request body, every reply and every serialisation in
 * raslog.  Invariants: data is always NUL-terminated (so text can be
 * handed to C string functions), len never exceeds limit, and the caller
 * never touches the fields except to read data and len.
 *
 * Failures stick, as in curl's dynbuf: once an append fails (past the
 * limit, out of memory) the buffer is marked failed, every further append
 * fails too without changing it, and rl_buf_failed() says so, so a caller
 * may append a run of pieces and check once at the end.  Only
 * rl_buf_reset, rl_buf_release and rl_buf_init clear the mark.
 *
 *     struct rl_buf b = RL_BUF_INIT;
 *     rl_buf_puts(&b, "hello");
 *     ... use b.data, b.len ...
 *     rl_buf_release(&b);
 */
#ifndef RASLOG_BUF_H
#define RASLOG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rl_buf {
	char *data;   /* NUL-terminated contents; never NULL after init */
	size_t len;   /* bytes used, not counting the terminating NUL */
	size_t alloc; /* bytes allocated; 0 while data points at the empty slot */
	size_t limit; /* hard cap on len; 0 means RL_BUF_DEFAULT_LIMIT */
	int failed;   /* an append failed; every later one fails (rl_buf_failed) */
};

#define RL_BUF_DEFAULT_LIMIT ((size_t)1 << 30)
#define RL_BUF_INIT { rl_buf_empty_slot, 0, 0, 0, 0 }

extern char rl_buf_empty_slot[1];

void rl_buf_init(struct rl_buf *b, size_t limit);
/* Frees the contents and leaves b as after rl_buf_init (limit kept). */
void rl_buf_release(struct rl_buf *b);
/* Empties b but keeps its allocation. */
void rl_buf_reset(struct rl_buf *b);
/* All appenders return 0, or -1 when the limit would be passed (b unchanged). */
int rl_buf_add(struct rl_buf *b, const void *data, size_t len);
int rl_buf_puts(struct rl_buf *b, const char *s);
int rl_buf_putc(struct rl_buf *b, char c);
int rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap);
/* Hands the contents to the caller (free() them) and resets b. */
char *rl_buf_detach(struct rl_buf *b, size_t *len);
/* 1 if an append has failed since the buffer was last initialised or reset. */
int rl_buf_failed(const struct rl_buf *b);

#endif
