/*
 * prelude.h - the first include of every core file.
 *
 * The C library headers core code uses everywhere, then banned.h, so a
 * banned call is a compile error in every file of the library.  Headers
 * of other libraries (sodium.h, jansson.h, ...) come after it
 * in each file; they declare none of the banned names.
 */
#ifndef RASLOG_PRELUDE_H
#define RASLOG_PRELUDE_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

#endif
