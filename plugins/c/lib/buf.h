/* A growable text buffer, with a writer for JSON string literals: how the C
 * hooks build messages, field paths and (on the fallback ABI) their outcome.
 */
#ifndef WINDLASS_BUF_H
#define WINDLASS_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* A growable byte buffer. An allocation failure sets `failed`; later appends
 * are ignored, so callers check once at the end. */
typedef struct {
    char *data; /* NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool failed;
} buf;

void buf_append(buf *b, const char *s, size_t n);
void buf_puts(buf *b, const char *s);
/* printf-style append. */
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `n` bytes of UTF-8 text as a JSON string literal, quotes included. */
void buf_json_string(buf *b, const char *s, size_t n);
/* Returns the NUL-terminated contents (never NULL unless `failed`), which the
 * caller frees, and resets `b`. Returns NULL and frees the buffer if an append
 * failed. */
char *buf_take(buf *b, size_t *len);
void buf_free(buf *b);

#endif
