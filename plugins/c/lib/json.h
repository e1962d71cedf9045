/* A small JSON reader (RFC 8259) for windlass hooks written in C.
 *
 * The reader is strict: one value, optionally surrounded by whitespace; UTF-8
 * input is validated; escapes are decoded (surrogate pairs included, lone
 * surrogates rejected); nesting is limited to JSON_MAX_DEPTH so hostile input
 * cannot exhaust the stack. Every read is bounds-checked against the given
 * length; the text need not be NUL-terminated. Numbers are kept as their
 * literal text, since the hooks only compare and print them. Writing JSON is
 * in buf.h.
 */
#ifndef WINDLASS_JSON_H
#define WINDLASS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 256

typedef enum {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} json_type;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
    json_type type;
    /* JSON_BOOL: the value. */
    bool boolean;
    /* JSON_STRING: the decoded UTF-8 text (it may hold NUL bytes, escaped as
     * \u0000); JSON_NUMBER: the literal. Always NUL-terminated; `len` excludes
     * the terminator. */
    char *str;
    /* Bytes of `str`, items of `items`, or members of `members`. */
    size_t len;
    json_value *items;    /* JSON_ARRAY */
    json_member *members; /* JSON_OBJECT, in document order */
};

struct json_member {
    char *key; /* decoded, NUL-terminated */
    size_t key_len;
    json_value value;
};

typedef struct {
    size_t offset; /* byte offset into the text where the problem is */
    char message[80];
} json_error;

/* Parses `len` bytes of `text` into `*out`. On failure returns false, fills
 * `*err` and leaves `*out` as a JSON_NULL that needs no freeing. */
bool json_parse(const char *text, size_t len, json_value *out, json_error *err);

/* Frees everything `v` owns (not `v` itself) and leaves it a JSON_NULL. */
void json_free(json_value *v);

/* The value of `key` in an object; NULL if `object` is NULL, not an object, or
 * lacks the key. With duplicate keys the last one wins, as in most readers. */
const json_value *json_get(const json_value *object, const char *key);

/* Whether `v` is a string equal to the `n` bytes at `s`. */
bool json_string_equals(const json_value *v, const char *s, size_t n);

/* "null", "boolean", "number", "string", "array" or "object". */
const char *json_type_name(json_type type);

#endif
