/* The JSON reader declared in json.h: recursive descent over a bounds-checked
 * cursor, building a tree that json_free releases. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *text;
    size_t len;
    size_t pos;
    unsigned depth;
    json_error *err;
} parser;

static bool fail(parser *p, size_t at, const char *message) {
    p->err->offset = at;
    snprintf(p->err->message, sizeof p->err->message, "%s", message);
    return false;
}

static bool at_end(const parser *p) { return p->pos >= p->len; }

static int peek(const parser *p) { return at_end(p) ? -1 : p->text[p->pos]; }

static void skip_ws(parser *p) {
    while (!at_end(p)) {
        unsigned char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* Grows `*items` (of `size`-byte elements) so that one more fits. */
static bool reserve_one(void **items, size_t len, size_t *cap, size_t size) {
    if (len < *cap) return true;
    size_t new_cap = *cap ? *cap * 2 : 4;
    if (new_cap < *cap || new_cap > SIZE_MAX / size) return false;
    void *grown = realloc(*items, new_cap * size);
    if (!grown) return false;
    *items = grown;
    *cap = new_cap;
    return true;
}

/* Length of the well-formed UTF-8 sequence at `s` (at most `n` bytes), or 0 if
 * it is not one: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return need;
}

static int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits of a \u escape at p->pos. */
static bool read_hex4(parser *p, unsigned *out) {
    if (p->len - p->pos < 4) return fail(p, p->pos, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p->text[p->pos + i]);
        if (d < 0) return fail(p, p->pos + i, "invalid hex digit in \\u escape");
        v = v * 16 + (unsigned)d;
    }
    p->pos += 4;
    *out = v;
    return true;
}

static size_t put_utf8(char *dst, unsigned cp) {
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string whose opening quote is at p->pos into a fresh NUL-terminated
 * buffer. Decoding never makes text longer, so the raw length bounds it: one
 * pass finds the closing quote, a second validates and decodes. */
static bool parse_string(parser *p, char **out, size_t *out_len) {
    size_t start = p->pos;
    size_t i = start + 1;
    while (i < p->len && p->text[i] != '"') i += p->text[i] == '\\' ? 2 : 1;
    if (i >= p->len) return fail(p, start, "unterminated string");
    size_t raw_len = i - (start + 1);
    char *dst = malloc(raw_len + 1);
    if (!dst) return fail(p, start, "out of memory");
    size_t n = 0;
    p->pos = start + 1;
    while (p->text[p->pos] != '"') {
        unsigned char c = p->text[p->pos];
        if (c < 0x20) {
            free(dst);
            return fail(p, p->pos, "control character in string");
        }
        if (c != '\\') {
            size_t seq = utf8_sequence(p->text + p->pos, p->len - p->pos);
            if (seq == 0) {
                free(dst);
                return fail(p, p->pos, "invalid UTF-8");
            }
            memcpy(dst + n, p->text + p->pos, seq);
            n += seq;
            p->pos += seq;
            continue;
        }
        size_t escape_at = p->pos;
        p->pos++; /* the backslash; the scan above guarantees one more byte */
        unsigned char e = p->text[p->pos++];
        char simple = 0;
        switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default:
            free(dst);
            return fail(p, escape_at, "invalid escape in string");
        }
        if (simple) {
            dst[n++] = simple;
            continue;
        }
        unsigned cp;
        if (!read_hex4(p, &cp)) {
            free(dst);
            return false;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            free(dst);
            return fail(p, escape_at, "lone low surrogate in \\u escape");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low;
            if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
                free(dst);
                return fail(p, escape_at, "high surrogate without a low one");
            }
            p->pos += 2;
            if (!read_hex4(p, &low)) {
                free(dst);
                return false;
            }
            if (low < 0xDC00 || low > 0xDFFF) {
                free(dst);
                return fail(p, escape_at, "high surrogate without a low one");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        n += put_utf8(dst + n, cp);
    }
    p->pos++; /* the closing quote */
    dst[n] = '\0';
    *out = dst;
    *out_len = n;
    return true;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text. */
static bool parse_number(parser *p, json_value *out) {
    size_t start = p->pos;
    if (peek(p) == '-') p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p))) p->pos++;
    } else {
        return fail(p, p->pos, "invalid number");
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p))) return fail(p, p->pos, "digit expected after '.'");
        while (is_digit(peek(p))) p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-') p->pos++;
        if (!is_digit(peek(p))) return fail(p, p->pos, "digit expected in exponent");
        while (is_digit(peek(p))) p->pos++;
    }
    size_t n = p->pos - start;
    char *text = malloc(n + 1);
    if (!text) return fail(p, start, "out of memory");
    memcpy(text, p->text + start, n);
    text[n] = '\0';
    out->type = JSON_NUMBER;
    out->str = text;
    out->len = n;
    return true;
}

static bool parse_literal(parser *p, const char *word, json_value *out, json_type type, bool b) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
        return fail(p, p->pos, "invalid literal");
    p->pos += n;
    out->type = type;
    out->boolean = b;
    return true;
}

static bool parse_value(parser *p, json_value *out);

/* On failure the items parsed so far stay in `out`, for json_free. */
static bool parse_array(parser *p, json_value *out) {
    size_t cap = 0;
    out->type = JSON_ARRAY;
    p->pos++; /* '[' */
    skip_ws(p);
    if (peek(p) == ']') {
        p->pos++;
        return true;
    }
    for (;;) {
        if (!reserve_one((void **)&out->items, out->len, &cap, sizeof *out->items))
            return fail(p, p->pos, "out of memory");
        json_value *item = &out->items[out->len];
        memset(item, 0, sizeof *item);
        out->len++;
        if (!parse_value(p, item)) return false;
        skip_ws(p);
        int c = peek(p);
        p->pos++;
        if (c == ']') return true;
        if (c != ',') return fail(p, p->pos - 1, "expected ',' or ']' in array");
    }
}

static bool parse_object(parser *p, json_value *out) {
    size_t cap = 0;
    out->type = JSON_OBJECT;
    p->pos++; /* '{' */
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        return true;
    }
    for (;;) {
        if (peek(p) != '"') return fail(p, p->pos, "expected a string key in object");
        if (!reserve_one((void **)&out->members, out->len, &cap, sizeof *out->members))
            return fail(p, p->pos, "out of memory");
        json_member *m = &out->members[out->len];
        memset(m, 0, sizeof *m);
        out->len++;
        if (!parse_string(p, &m->key, &m->key_len)) return false;
        skip_ws(p);
        if (peek(p) != ':') return fail(p, p->pos, "expected ':' after object key");
        p->pos++;
        if (!parse_value(p, &m->value)) return false;
        skip_ws(p);
        int c = peek(p);
        p->pos++;
        if (c == '}') return true;
        if (c != ',') return fail(p, p->pos - 1, "expected ',' or '}' in object");
        skip_ws(p);
    }
}

static bool parse_value(parser *p, json_value *out) {
    skip_ws(p);
    switch (peek(p)) {
    case -1: return fail(p, p->pos, "unexpected end of input");
    case 'n': return parse_literal(p, "null", out, JSON_NULL, false);
    case 't': return parse_literal(p, "true", out, JSON_BOOL, true);
    case 'f': return parse_literal(p, "false", out, JSON_BOOL, false);
    case '"':
        out->type = JSON_STRING;
        return parse_string(p, &out->str, &out->len);
    case '[':
    case '{': {
        if (p->depth >= JSON_MAX_DEPTH) return fail(p, p->pos, "nesting too deep");
        p->depth++;
        bool ok = peek(p) == '[' ? parse_array(p, out) : parse_object(p, out);
        p->depth--;
        return ok;
    }
    default:
        if (peek(p) == '-' || is_digit(peek(p))) return parse_number(p, out);
        return fail(p, p->pos, "unexpected character");
    }
}

bool json_parse(const char *text, size_t len, json_value *out, json_error *err) {
    parser p = {(const unsigned char *)text, len, 0, 0, err};
    memset(out, 0, sizeof *out);
    bool ok = parse_value(&p, out);
    if (ok) {
        skip_ws(&p);
        if (!at_end(&p)) ok = fail(&p, p.pos, "unexpected text after the value");
    }
    if (!ok) json_free(out);
    return ok;
}

void json_free(json_value *v) {
    if (!v) return;
    switch (v->type) {
    case JSON_ARRAY:
        for (size_t i = 0; i < v->len; i++) json_free(&v->items[i]);
        free(v->items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->len; i++) {
            free(v->members[i].key);
            json_free(&v->members[i].value);
        }
        free(v->members);
        break;
    case JSON_STRING:
    case JSON_NUMBER:
        free(v->str);
        break;
    case JSON_NULL:
    case JSON_BOOL:
        break;
    }
    memset(v, 0, sizeof *v);
}

const json_value *json_get(const json_value *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (size_t i = object->len; i-- > 0;) {
        const json_member *m = &object->members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return &m->value;
    }
    return NULL;
}

bool json_string_equals(const json_value *v, const char *s, size_t n) {
    return v && v->type == JSON_STRING && v->len == n && memcmp(v->str, s, n) == 0;
}

const char *json_type_name(json_type type) {
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "value";
}
