/* The config helpers declared in config.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

char *wl_message(buf *b) {
    char *s = buf_take(b, NULL);
    if (!s) abort();
    return s;
}

const char *wl_a_type(json_type type) {
    switch (type) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "a list";
    case JSON_OBJECT: return "a map";
    }
    return "a value";
}

char *wl_config_known_fields(const json_value *config, const char *const *fields) {
    for (size_t i = 0; i < config->len; i++) {
        const json_member *m = &config->members[i];
        bool known = false;
        for (const char *const *f = fields; *f && !known; f++)
            known = strlen(*f) == m->key_len && memcmp(*f, m->key, m->key_len) == 0;
        if (known) continue;
        buf b = {0};
        buf_puts(&b, "config: unknown field ");
        buf_json_string(&b, m->key, m->key_len);
        buf_puts(&b, " (the fields are ");
        for (const char *const *f = fields; *f; f++)
            buf_printf(&b, "%s`%s`", f == fields ? "" : f[1] ? ", " : " and ", *f);
        buf_puts(&b, ")");
        return wl_message(&b);
    }
    return NULL;
}

bool wl_strings_contain(char *const *list, size_t count, const char *s, size_t n) {
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0) return true;
    return false;
}

char *wl_config_string_list(const json_value *v, const char *field, char ***list, size_t *count,
                            const char *(*check)(const char *s, size_t n), bool allow_empty) {
    buf b = {0};
    *list = NULL;
    *count = 0;
    if (v->type != JSON_ARRAY) {
        buf_printf(&b, "config: `%s` must be a list of strings, not %s", field, wl_a_type(v->type));
        return wl_message(&b);
    }
    if (v->len == 0 && !allow_empty) {
        buf_printf(&b, "config: `%s` is empty: list at least one", field);
        return wl_message(&b);
    }
    if (v->len == 0) return NULL;
    if (!(*list = calloc(v->len, sizeof **list))) abort();
    for (size_t i = 0; i < v->len; i++) {
        const json_value *item = &v->items[i];
        if (item->type != JSON_STRING) {
            buf_printf(&b, "config: %s[%zu] must be a string, not %s", field, i,
                       wl_a_type(item->type));
            return wl_message(&b);
        }
        const char *problem = item->len == 0                 ? "it is empty"
                              : strlen(item->str) != item->len ? "it holds a NUL character"
                              : check                          ? check(item->str, item->len)
                                                               : NULL;
        if (problem) {
            buf_printf(&b, "config: %s[%zu] ", field, i);
            buf_json_string(&b, item->str, item->len);
            buf_printf(&b, " is not valid: %s", problem);
            return wl_message(&b);
        }
        if (wl_strings_contain(*list, *count, item->str, item->len)) continue;
        char *copy = malloc(item->len + 1);
        if (!copy) abort();
        memcpy(copy, item->str, item->len + 1);
        (*list)[(*count)++] = copy;
    }
    return NULL;
}

void wl_strings_free(char ***list, size_t *count) {
    if (*list)
        for (size_t i = 0; i < *count; i++) free((*list)[i]);
    free(*list);
    *list = NULL;
    *count = 0;
}
