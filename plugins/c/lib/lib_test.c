/* Native unit tests of the C hooks' library: the JSON reader, the buffer and
 * JSON string writer, the config helpers and the guest side of the fallback
 * ABI. Run by plugins/c/test under AddressSanitizer, which also fails the run
 * on any leak. */
#define _GNU_SOURCE /* fmemopen, open_memstream */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "fallback.h"
#include "finding.h"
#include "json.h"

/* Parses `text` from an exact-size heap copy (no terminator to lean on, so an
 * overread is caught by the sanitizer). */
static bool parse(const char *text, size_t len, json_value *v, json_error *err) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    bool ok = json_parse(copy, len, v, err);
    free(copy);
    return ok;
}

static bool parses(const char *text) {
    json_value v;
    json_error err;
    bool ok = parse(text, strlen(text), &v, &err);
    json_free(&v);
    return ok;
}

/* The error message for `text`, which must not parse ("" if it does). */
static const char *parse_error(const char *text, size_t len, size_t *offset) {
    static json_error err;
    json_value v;
    if (parse(text, len, &v, &err)) {
        json_free(&v);
        return "";
    }
    CHECK(v.type == JSON_NULL && v.len == 0 && v.str == NULL);
    if (offset) *offset = err.offset;
    return err.message;
}

static void test_values(void) {
    json_value v;
    json_error err;
    const char *doc = " {\"a\": [1, -2.5e+3, true, false, null, \"x\"], \"b\": {}, \"c\": []}\n";
    CHECK(parse(doc, strlen(doc), &v, &err));
    CHECK(v.type == JSON_OBJECT && v.len == 3);
    const json_value *a = json_get(&v, "a");
    CHECK(a && a->type == JSON_ARRAY && a->len == 6);
    CHECK(a->items[0].type == JSON_NUMBER);
    CHECK_STR(a->items[0].str, "1");
    CHECK_STR(a->items[1].str, "-2.5e+3");
    CHECK(a->items[2].type == JSON_BOOL && a->items[2].boolean);
    CHECK(a->items[3].type == JSON_BOOL && !a->items[3].boolean);
    CHECK(a->items[4].type == JSON_NULL);
    CHECK(json_string_equals(&a->items[5], "x", 1));
    CHECK(!json_string_equals(&a->items[5], "xy", 2));
    CHECK(json_get(&v, "b")->type == JSON_OBJECT && json_get(&v, "b")->len == 0);
    CHECK(json_get(&v, "c")->type == JSON_ARRAY && json_get(&v, "c")->len == 0);
    CHECK(json_get(&v, "missing") == NULL);
    CHECK(json_get(a, "a") == NULL); /* not an object */
    CHECK(json_get(NULL, "a") == NULL);
    json_free(&v);
    CHECK(v.type == JSON_NULL);

    /* Duplicate keys: the last wins. */
    CHECK(parse("{\"k\":1,\"k\":2}", 13, &v, &err));
    CHECK_STR(json_get(&v, "k")->str, "2");
    json_free(&v);

    /* Numbers, valid and not. */
    const char *good[] = {"0", "-0", "10", "0.5", "1e5", "1E-5", "-1.25e+10", "[0,1]"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK(parses(good[i]));
    const char *bad[] = {"01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "-a", "NaN", "Infinity"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(!parses(bad[i]));
}

static void test_strings(void) {
    json_value v;
    json_error err;
    const char *doc = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 \\u0000end\"";
    CHECK(parse(doc, strlen(doc), &v, &err));
    const char expected[] = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \0end";
    CHECK(v.type == JSON_STRING && v.len == sizeof expected - 1);
    CHECK(memcmp(v.str, expected, sizeof expected - 1) == 0 && v.str[v.len] == '\0');
    json_free(&v);

    /* Raw UTF-8 passes through. */
    CHECK(parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 11, &v, &err));
    CHECK(v.len == 9);
    json_free(&v);
}

static void test_errors(void) {
    size_t at = 0;
    CHECK_STR(parse_error("", 0, &at), "unexpected end of input");
    CHECK_STR(parse_error("   ", 3, &at), "unexpected end of input");
    CHECK(at == 3);
    CHECK_STR(parse_error("{\"a\":1,}", 8, &at), "expected a string key in object");
    CHECK(at == 7);
    CHECK_STR(parse_error("[1,]", 4, &at), "unexpected character");
    CHECK(at == 3);
    CHECK_STR(parse_error("[1 2]", 5, &at), "expected ',' or ']' in array");
    CHECK(at == 3);
    CHECK_STR(parse_error("{\"a\" 1}", 7, &at), "expected ':' after object key");
    CHECK_STR(parse_error("{1:2}", 5, NULL), "expected a string key in object");
    CHECK_STR(parse_error("{} x", 4, &at), "unexpected text after the value");
    CHECK(at == 3);
    CHECK_STR(parse_error("tru", 3, NULL), "invalid literal");
    CHECK_STR(parse_error("nulll", 5, NULL), "unexpected text after the value");
    CHECK_STR(parse_error("\"abc", 4, &at), "unterminated string");
    CHECK(at == 0);
    CHECK_STR(parse_error("\"ab\\\"", 5, NULL), "unterminated string");
    CHECK_STR(parse_error("\"a\\", 3, NULL), "unterminated string");
    CHECK_STR(parse_error("\"\\x\"", 4, &at), "invalid escape in string");
    CHECK(at == 1);
    CHECK_STR(parse_error("\"\\u12\"", 6, NULL), "truncated \\u escape");
    CHECK_STR(parse_error("\"\\u12x4\"", 8, &at), "invalid hex digit in \\u escape");
    CHECK(at == 5);
    CHECK_STR(parse_error("\"\\u12", 5, NULL), "unterminated string");
    CHECK_STR(parse_error("\"\\ud800\"", 8, NULL), "high surrogate without a low one");
    CHECK_STR(parse_error("\"\\ud800\\u0041\"", 14, NULL), "high surrogate without a low one");
    CHECK_STR(parse_error("\"\\udc00\"", 8, NULL), "lone low surrogate in \\u escape");
    CHECK_STR(parse_error("\"a\tb\"", 5, &at), "control character in string");
    CHECK(at == 2);
    /* Overlong, surrogate, beyond U+10FFFF, truncated, stray continuation. */
    const char *invalid_utf8[] = {"\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
                                  "\"\xe2\x82\"", "\"\x80\"", "\"\xff\""};
    for (size_t i = 0; i < sizeof invalid_utf8 / sizeof *invalid_utf8; i++)
        CHECK_STR(parse_error(invalid_utf8[i], strlen(invalid_utf8[i]), NULL), "invalid UTF-8");
    /* Every proper prefix of a document that opens with `{` is an error, and
     * none reads past its end (the sanitizer watches). */
    const char *doc = "{\"k\": [1, -2.5e3, \"s\\u00e9\\n\", {\"t\": true, \"f\": false}, null]}";
    size_t n = strlen(doc);
    int prefix_errors = 0;
    for (size_t len = 0; len < n; len++) prefix_errors += *parse_error(doc, len, NULL) != '\0';
    CHECK(prefix_errors == (int)n);
    CHECK(*parse_error(doc, n, NULL) == '\0');
}

static void test_depth(void) {
    char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[2 * JSON_MAX_DEPTH - 1 - i] = ']';
    }
    deep[2 * JSON_MAX_DEPTH] = '\0';
    CHECK(parses(deep));
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[2 * JSON_MAX_DEPTH + 1 - i] = ']';
    }
    deep[2 * (JSON_MAX_DEPTH + 1)] = '\0';
    CHECK_STR(parse_error(deep, strlen(deep), NULL), "nesting too deep");
}

static void test_buf(void) {
    buf b = {0};
    buf_puts(&b, "a");
    buf_printf(&b, "%d-%s", 42, "x");
    buf_append(&b, "yz", 1);
    size_t len = 0;
    char *s = buf_take(&b, &len);
    CHECK_STR(s, "a42-xy");
    CHECK(len == 6 && b.data == NULL);
    free(s);
    s = buf_take(&b, &len); /* empty: still a string */
    CHECK_STR(s, "");
    free(s);

    /* Growth across many appends. */
    for (int i = 0; i < 10000; i++) buf_puts(&b, "0123456789");
    CHECK(b.len == 100000 && !b.failed && strlen(b.data) == 100000);
    buf_free(&b);

    /* The JSON writer round-trips every control character, quotes, backslashes
     * and UTF-8 through the reader. */
    char raw[64];
    size_t n = 0;
    for (int c = 0; c < 0x20; c++) raw[n++] = (char)c;
    memcpy(raw + n, "\"\\/\xc3\xa9 end", 9);
    n += 9;
    buf_json_string(&b, raw, n);
    CHECK(strstr(b.data, "\\u0000") && strstr(b.data, "\\u001f") && strstr(b.data, "\\n"));
    json_value v;
    json_error err;
    CHECK(json_parse(b.data, b.len, &v, &err));
    CHECK(v.type == JSON_STRING && v.len == n && memcmp(v.str, raw, n) == 0);
    json_free(&v);
    buf_free(&b);
    buf_json_string(&b, NULL, 0);
    CHECK_STR(b.data, "\"\"");
    buf_free(&b);
}

static json_value parsed(const char *text) {
    json_value v;
    json_error err;
    if (!json_parse(text, strlen(text), &v, &err)) {
        fprintf(stderr, "test input does not parse: %s: %s\n", text, err.message);
        abort();
    }
    return v;
}

static void test_config(void) {
    static const char *const fields[] = {"one", "two", "three", NULL};
    json_value v = parsed("{\"one\": 1, \"three\": 3}");
    CHECK(wl_config_known_fields(&v, fields) == NULL);
    json_free(&v);
    v = parsed("{\"one\": 1, \"tw0\": 2}");
    char *e = wl_config_known_fields(&v, fields);
    CHECK_STR(e, "config: unknown field \"tw0\" (the fields are `one`, `two` and `three`)");
    free(e);
    json_free(&v);

    char **list;
    size_t count;
    v = parsed("[\"a\", \"b\", \"a\"]");
    CHECK(wl_config_string_list(&v, "xs", &list, &count, NULL, false) == NULL);
    CHECK(count == 2);
    CHECK_STR(list[0], "a");
    CHECK_STR(list[1], "b");
    CHECK(wl_strings_contain(list, count, "b", 1) && !wl_strings_contain(list, count, "c", 1));
    wl_strings_free(&list, &count);
    CHECK(list == NULL && count == 0);
    json_free(&v);

    struct {
        const char *json;
        bool allow_empty;
        const char *error; /* NULL: accepted */
    } cases[] = {
        {"[]", true, NULL},
        {"[]", false, "config: `xs` is empty: list at least one"},
        {"{}", false, "config: `xs` must be a list of strings, not a map"},
        {"\"a\"", false, "config: `xs` must be a list of strings, not a string"},
        {"[\"a\", 1]", false, "config: xs[1] must be a string, not a number"},
        {"[\"\"]", false, "config: xs[0] \"\" is not valid: it is empty"},
        {"[\"a\\u0000b\"]", false, "config: xs[0] \"a\\u0000b\" is not valid: it holds a NUL character"},
        {"[\"ok\", \"BAD\"]", false, NULL}, /* no checker: any non-empty string goes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        v = parsed(cases[i].json);
        char *error = wl_config_string_list(&v, "xs", &list, &count, NULL, cases[i].allow_empty);
        if (cases[i].error)
            CHECK_STR(error, cases[i].error);
        else
            CHECK(error == NULL && count == v.len);
        free(error);
        wl_strings_free(&list, &count);
        json_free(&v);
    }
}

static const char *no_upper(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') return "upper case";
    return NULL;
}

static void test_config_checker(void) {
    char **list;
    size_t count;
    json_value v = parsed("[\"ok\", \"BAD\"]");
    char *error = wl_config_string_list(&v, "xs", &list, &count, no_upper, false);
    CHECK_STR(error, "config: xs[1] \"BAD\" is not valid: upper case");
    CHECK(count == 1); /* what was read stays, for wl_strings_free */
    free(error);
    wl_strings_free(&list, &count);
    json_free(&v);
}

static const char context_doc[] =
    "{\"event\": \"pre-install\","
    " \"release\": {\"name\": \"web\", \"namespace\": \"team-a\", \"revision\": 1,"
    "   \"previous_revision\": null, \"is_install\": true, \"is_upgrade\": false},"
    " \"chart\": {\"name\": \"c\", \"version\": \"1.0.0\", \"app_version\": null,"
    "   \"kube_version\": null, \"annotations\": {}},"
    " \"values\": {}, \"config\": {\"x\": 1}, \"kube_version\": \"v1.36.0\","
    " \"api_versions\": [\"v1\"], \"future_key\": [1, 2],"
    " \"resources\": ["
    "   {\"api_version\": \"v1\", \"kind\": \"ConfigMap\", \"name\": \"cm\", \"namespace\": null,"
    "    \"source\": \"c/templates/cm.yaml\", \"object\": {\"kind\": \"ConfigMap\"}},"
    "   {\"api_version\": \"apps/v1\", \"kind\": \"Deployment\", \"name\": \"d\","
    "    \"namespace\": \"other\", \"source\": \"c/templates/d.yaml\", \"object\": {}}]}";

static void test_context(void) {
    wl_context ctx;
    char *error = NULL;
    CHECK(wl_context_parse(context_doc, strlen(context_doc), &ctx, &error));
    CHECK(error == NULL);
    CHECK_STR(ctx.event, "pre-install");
    CHECK_STR(ctx.release_name, "web");
    CHECK_STR(ctx.release_namespace, "team-a");
    CHECK(ctx.config->type == JSON_OBJECT);
    CHECK(ctx.resource_count == 2);
    CHECK_STR(ctx.resources[0].kind, "ConfigMap");
    CHECK(ctx.resources[0].namespace_ == NULL);
    CHECK_STR(ctx.resources[1].namespace_, "other");
    CHECK(json_string_equals(json_get(ctx.resources[0].object, "kind"), "ConfigMap", 9));
    wl_context_free(&ctx);

    /* An absent config reads as null. */
    const char *minimal = "{\"event\":\"test\",\"release\":{\"name\":\"a\",\"namespace\":\"b\"},"
                          "\"resources\":[]}";
    CHECK(wl_context_parse(minimal, strlen(minimal), &ctx, &error));
    CHECK(ctx.config->type == JSON_NULL && ctx.resource_count == 0 && ctx.resources == NULL);
    wl_context_free(&ctx);

    struct {
        const char *doc;
        const char *error;
    } bad[] = {
        {"{", "context: cannot read the JSON at byte 1: expected a string key in object"},
        {"[]", "context: expected an object with event, release.name and release.namespace"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\"},\"resources\":[]}",
         "context: expected an object with event, release.name and release.namespace"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\",\"namespace\":\"b\"}}",
         "context: resources is not an array"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\",\"namespace\":\"b\"},\"resources\":[1]}",
         "context: a resource is not an object (resources[0])"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\",\"namespace\":\"b\"},\"resources\":"
         "[{\"api_version\":\"v1\",\"kind\":\"K\",\"name\":\"n\",\"object\":[]}]}",
         "context: a resource's object is not an object (resources[0])"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\",\"namespace\":\"b\"},\"resources\":"
         "[{\"api_version\":\"v1\",\"kind\":\"K\",\"name\":\"n\",\"namespace\":3,\"object\":{}}]}",
         "context: a resource's namespace is not a string (resources[0])"},
        {"{\"event\":\"test\",\"release\":{\"name\":\"a\\u0000\",\"namespace\":\"b\"},"
         "\"resources\":[]}",
         "context: expected an object with event, release.name and release.namespace"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        error = NULL;
        CHECK(!wl_context_parse(bad[i].doc, strlen(bad[i].doc), &ctx, &error));
        CHECK_STR(error, bad[i].error);
        free(error);
    }
}

/* A hook for the fallback tests: denies with one finding about the second
 * resource when config.deny is true, fails when config.fail is true. */
static char *test_hook(const wl_context *ctx, wl_findings *findings, bool *allowed) {
    const json_value *fail_v = json_get(ctx->config, "fail");
    if (fail_v && fail_v->type == JSON_BOOL && fail_v->boolean) {
        char *e = malloc(16);
        strcpy(e, "bad \"config\"");
        return e;
    }
    const json_value *deny = json_get(ctx->config, "deny");
    *allowed = !(deny && deny->type == JSON_BOOL && deny->boolean);
    if (!*allowed) {
        char *message = malloc(8), *path = malloc(8);
        strcpy(message, "no\nway");
        strcpy(path, "spec.x");
        wl_findings_add(findings, WL_SEVERITY_WARNING, message, path, 1);
    }
    char *info = malloc(5);
    strcpy(info, "seen");
    wl_findings_add(findings, WL_SEVERITY_INFO, info, NULL, -1);
    return NULL;
}

/* Runs test_hook through the fallback ABI on `input`; returns the exit code
 * and the stdout text in `*output` (malloc'd). */
static int run_fallback(const char *input, char **output) {
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    size_t size = 0;
    FILE *out = open_memstream(output, &size);
    int code = wl_fallback_run(test_hook, in, out);
    fclose(in);
    fclose(out);
    return code;
}

static char *with_config(const char *config) {
    buf b = {0};
    buf_puts(&b, "{\"event\":\"pre-upgrade\",\"release\":{\"name\":\"r\",\"namespace\":\"ns\"},"
                 "\"resources\":[{\"api_version\":\"v1\",\"kind\":\"A\",\"name\":\"a\","
                 "\"namespace\":null,\"object\":{}},{\"api_version\":\"apps/v1\",\"kind\":\"B\","
                 "\"name\":\"b\",\"namespace\":\"ns\",\"object\":{}}],\"config\":");
    buf_puts(&b, config);
    buf_puts(&b, "}");
    return buf_take(&b, NULL);
}

static void test_fallback_run(void) {
    char *out = NULL, *input = with_config("{}");
    CHECK(run_fallback(input, &out) == WL_EXIT_ALLOWED);
    CHECK_STR(out, "{\"allowed\":true,\"findings\":[{\"severity\":\"info\",\"message\":\"seen\","
                   "\"resource\":null,\"field_path\":null}],\"create\":[]}\n");
    free(out);
    free(input);

    input = with_config("{\"deny\": true}");
    CHECK(run_fallback(input, &out) == WL_EXIT_DENIED);
    CHECK_STR(out, "{\"allowed\":false,\"findings\":[{\"severity\":\"warning\",\"message\":"
                   "\"no\\nway\",\"resource\":{\"api_version\":\"apps/v1\",\"kind\":\"B\","
                   "\"name\":\"b\",\"namespace\":\"ns\"},\"field_path\":\"spec.x\"},"
                   "{\"severity\":\"info\",\"message\":\"seen\",\"resource\":null,"
                   "\"field_path\":null}],\"create\":[]}\n");
    /* What the hook writes is JSON the reader takes back. */
    json_value v;
    json_error err;
    CHECK(json_parse(out, strlen(out), &v, &err));
    json_free(&v);
    free(out);
    free(input);

    input = with_config("{\"fail\": true}");
    CHECK(run_fallback(input, &out) == WL_EXIT_ERROR);
    CHECK_STR(out, "{\"error\":\"bad \\\"config\\\"\"}\n");
    free(out);
    free(input);

    CHECK(run_fallback("not json", &out) == WL_EXIT_ERROR);
    CHECK_STR(out, "{\"error\":\"context: cannot read the JSON at byte 0: invalid literal\"}\n");
    free(out);
    CHECK(run_fallback("{\"event\": \"test\"} ?", &out) == WL_EXIT_ERROR);
    CHECK_STR(out, "{\"error\":\"context: cannot read the JSON at byte 18: unexpected text after "
                   "the value\"}\n");
    free(out);
    CHECK(run_fallback("", &out) == WL_EXIT_ERROR);
    CHECK_STR(out, "{\"error\":\"context: cannot read the JSON at byte 0: unexpected end of input\"}\n");
    free(out);
}

static void test_findings(void) {
    wl_findings f = {0};
    for (int i = 0; i < 20; i++) {
        char *m = malloc(4);
        strcpy(m, "msg");
        wl_findings_add(&f, WL_SEVERITY_ERROR, m, NULL, i);
    }
    CHECK(f.len == 20 && !f.failed && f.items[19].resource == 19);
    wl_findings_add(&f, WL_SEVERITY_ERROR, NULL, malloc(3), -1); /* a lost message */
    CHECK(f.failed && f.len == 20);
    wl_findings_free(&f);
    CHECK(f.len == 0 && f.items == NULL && !f.failed);
    CHECK_STR(wl_severity_name(WL_SEVERITY_INFO), "info");
    CHECK_STR(wl_severity_name(WL_SEVERITY_WARNING), "warning");
    CHECK_STR(wl_severity_name(WL_SEVERITY_ERROR), "error");

    json_value object = {0};
    wl_resource r = {"v1", "ConfigMap", "cm", NULL, &object};
    buf b = {0};
    wl_resource_describe(&b, &r);
    CHECK_STR(b.data, "ConfigMap/cm");
    buf_free(&b);
    r.namespace_ = "ns";
    wl_resource_describe(&b, &r);
    CHECK_STR(b.data, "ConfigMap ns/cm");
    buf_free(&b);
}

int main(void) {
    test_values();
    test_strings();
    test_errors();
    test_depth();
    test_buf();
    test_config();
    test_config_checker();
    test_context();
    test_fallback_run();
    test_findings();
    return check_report("lib");
}
