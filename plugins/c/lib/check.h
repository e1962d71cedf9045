/* A minimal assertion harness for the C hooks' native unit tests: each CHECK
 * counts as passed or failed, failures print where and what, and
 * check_report() prints the closing `N passed, N failed` line and returns the
 * exit code. Header-only; include it from exactly one file per test program. */
#ifndef WINDLASS_CHECK_H
#define WINDLASS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (cond) {                                                                         \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                                   \
    } while (0)

/* Both strings non-NULL and equal; prints both when not. */
#define CHECK_STR(actual, expected)                                                         \
    do {                                                                                    \
        const char *a_ = (actual), *e_ = (expected);                                        \
        if (a_ && e_ && strcmp(a_, e_) == 0) {                                              \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s\n  is:       %s\n  expected: %s\n", __FILE__,        \
                    __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");             \
        }                                                                                   \
    } while (0)

/* `actual` non-NULL and containing `part`. */
#define CHECK_CONTAINS(actual, part)                                                        \
    do {                                                                                    \
        const char *a_ = (actual), *p_ = (part);                                            \
        if (a_ && strstr(a_, p_)) {                                                         \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s\n  is:           %s\n  lacks:        %s\n",         \
                    __FILE__, __LINE__, #actual, a_ ? a_ : "(null)", p_);                   \
        }                                                                                   \
    } while (0)

static int check_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
