/* Reading a hook's `spec.config`: the checks every C hook makes the same way,
 * with messages that start `config: ` and quote what the user wrote. Every
 * function returns NULL when all is well, else the message (malloc'd; the
 * caller frees it). Running out of memory while building a message aborts
 * (a trap in Wasm, so the hook fails): an error is never read as success. */
#ifndef WINDLASS_CONFIG_H
#define WINDLASS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "json.h"

/* The text of `b` as an error message (aborts if `b` failed). */
char *wl_message(buf *b);

/* An error unless every key of the object `config` is one of `fields`
 * (NULL-terminated), so a misspelt field is reported rather than ignored. */
char *wl_config_known_fields(const json_value *config, const char *const *fields);

/* Reads `v`, the config's list `field`, into `*list` (malloc'd copies,
 * duplicates dropped, `*count` of them). Each item must be a non-empty string
 * without NUL bytes that `check` (if not NULL) finds no problem with. An empty
 * list is an error unless `allow_empty`. On error, what was read so far stays
 * in `*list` for wl_strings_free. */
char *wl_config_string_list(const json_value *v, const char *field, char ***list, size_t *count,
                            const char *(*check)(const char *s, size_t n), bool allow_empty);

/* Frees a list read by wl_config_string_list and zeroes it. */
void wl_strings_free(char ***list, size_t *count);

/* Whether `list` holds the `n` bytes at `s`. */
bool wl_strings_contain(char *const *list, size_t count, const char *s, size_t n);

/* "a string", "an object", ...: for messages. */
const char *wl_a_type(json_type type);

#endif
