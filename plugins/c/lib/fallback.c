/* The guest side of the fallback ABI, declared in fallback.h. */
#include "fallback.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const json_value json_null = {0};

/* `*error` = "context: <what>" (or NULL if even that cannot be allocated). */
static bool context_error(char **error, const char *what, const char *detail) {
    buf b = {0};
    buf_printf(&b, "context: %s%s", what, detail ? detail : "");
    *error = buf_take(&b, NULL);
    return false;
}

/* The string at `key` of `object` as a C string; NULL if it is missing, not a
 * string, or holds a NUL byte (which a C string cannot carry). */
static const char *c_string(const json_value *object, const char *key) {
    const json_value *v = json_get(object, key);
    if (!v || v->type != JSON_STRING || strlen(v->str) != v->len) return NULL;
    return v->str;
}

static bool parse_resource(const json_value *v, size_t index, wl_resource *r, char **error) {
    char at[48];
    snprintf(at, sizeof at, " (resources[%zu])", index);
    if (!v || v->type != JSON_OBJECT) return context_error(error, "a resource is not an object", at);
    r->api_version = c_string(v, "api_version");
    r->kind = c_string(v, "kind");
    r->name = c_string(v, "name");
    if (!r->api_version || !r->kind || !r->name)
        return context_error(error, "a resource lacks api_version, kind or name as strings", at);
    const json_value *ns = json_get(v, "namespace");
    r->namespace_ = NULL;
    if (ns && ns->type != JSON_NULL) {
        r->namespace_ = c_string(v, "namespace");
        if (!r->namespace_) return context_error(error, "a resource's namespace is not a string", at);
    }
    r->object = json_get(v, "object");
    if (!r->object || r->object->type != JSON_OBJECT)
        return context_error(error, "a resource's object is not an object", at);
    return true;
}

bool wl_context_parse(const char *text, size_t len, wl_context *ctx, char **error) {
    memset(ctx, 0, sizeof *ctx);
    json_error jerr;
    if (!json_parse(text, len, &ctx->document, &jerr)) {
        char detail[128];
        snprintf(detail, sizeof detail, " at byte %zu: %s", jerr.offset, jerr.message);
        return context_error(error, "cannot read the JSON", detail);
    }
    const json_value *doc = &ctx->document;
    const json_value *release = json_get(doc, "release");
    const json_value *resources = json_get(doc, "resources");
    ctx->event = c_string(doc, "event");
    ctx->release_name = c_string(release, "name");
    ctx->release_namespace = c_string(release, "namespace");
    ctx->config = json_get(doc, "config");
    if (!ctx->config) ctx->config = &json_null;
    if (doc->type != JSON_OBJECT || !ctx->event || !ctx->release_name || !ctx->release_namespace) {
        wl_context_free(ctx);
        return context_error(error, "expected an object with event, release.name and release.namespace",
                             NULL);
    }
    if (!resources || resources->type != JSON_ARRAY) {
        wl_context_free(ctx);
        return context_error(error, "resources is not an array", NULL);
    }
    if (resources->len) {
        ctx->resources = calloc(resources->len, sizeof *ctx->resources);
        if (!ctx->resources) {
            wl_context_free(ctx);
            return context_error(error, "out of memory", NULL);
        }
    }
    for (size_t i = 0; i < resources->len; i++) {
        if (!parse_resource(&resources->items[i], i, &ctx->resources[i], error)) {
            wl_context_free(ctx);
            return false;
        }
    }
    ctx->resource_count = resources->len;
    return true;
}

void wl_context_free(wl_context *ctx) {
    free(ctx->resources);
    json_free(&ctx->document);
    memset(ctx, 0, sizeof *ctx);
}

static void write_optional_string(buf *out, const char *s) {
    if (s)
        buf_json_string(out, s, strlen(s));
    else
        buf_puts(out, "null");
}

void wl_outcome_write(buf *out, bool allowed, const wl_findings *findings,
                      const wl_resource *resources, size_t resource_count) {
    buf_printf(out, "{\"allowed\":%s,\"findings\":[", allowed ? "true" : "false");
    for (size_t i = 0; i < findings->len; i++) {
        const wl_finding *f = &findings->items[i];
        buf_printf(out, "%s{\"severity\":\"%s\",\"message\":", i ? "," : "",
                   wl_severity_name(f->severity));
        write_optional_string(out, f->message);
        buf_puts(out, ",\"resource\":");
        if (f->resource >= 0 && (size_t)f->resource < resource_count) {
            const wl_resource *r = &resources[f->resource];
            buf_puts(out, "{\"api_version\":");
            write_optional_string(out, r->api_version);
            buf_puts(out, ",\"kind\":");
            write_optional_string(out, r->kind);
            buf_puts(out, ",\"name\":");
            write_optional_string(out, r->name);
            buf_puts(out, ",\"namespace\":");
            write_optional_string(out, r->namespace_);
            buf_puts(out, "}");
        } else {
            buf_puts(out, "null");
        }
        buf_puts(out, ",\"field_path\":");
        write_optional_string(out, f->field_path);
        buf_puts(out, "}");
    }
    buf_puts(out, "],\"create\":[]}\n");
}

void wl_error_write(buf *out, const char *message) {
    buf_puts(out, "{\"error\":");
    buf_json_string(out, message, strlen(message));
    buf_puts(out, "}\n");
}

/* Reads all of `in` into a fresh buffer. */
static bool read_all(FILE *in, char **data, size_t *len) {
    buf b = {0};
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) buf_append(&b, chunk, n);
    if (ferror(in)) {
        buf_free(&b);
        return false;
    }
    *data = buf_take(&b, len);
    return *data != NULL;
}

/* Writes the document in `doc` (or, if building it failed, an error document)
 * to `out`; returns `code`, or WL_EXIT_ERROR if nothing could be written. */
static int finish(buf *doc, FILE *out, int code) {
    if (doc->failed) {
        buf_free(doc);
        wl_error_write(doc, "out of memory writing the outcome");
        code = WL_EXIT_ERROR;
    }
    size_t len = 0;
    char *text = buf_take(doc, &len);
    if (!text || fwrite(text, 1, len, out) != len || fflush(out) != 0) {
        fprintf(stderr, "error: cannot write the outcome to stdout\n");
        code = WL_EXIT_ERROR;
    }
    free(text);
    return code;
}

int wl_fallback_run(wl_hook_fn hook, FILE *in, FILE *out) {
    buf doc = {0};
    char *text = NULL;
    size_t len = 0;
    if (!read_all(in, &text, &len)) {
        wl_error_write(&doc, "cannot read the context from stdin");
        return finish(&doc, out, WL_EXIT_ERROR);
    }
    wl_context ctx;
    char *error = NULL;
    bool parsed = wl_context_parse(text, len, &ctx, &error);
    free(text);
    if (!parsed) {
        wl_error_write(&doc, error ? error : "out of memory reading the context");
        free(error);
        return finish(&doc, out, WL_EXIT_ERROR);
    }
    wl_findings findings = {0};
    bool allowed = false;
    error = hook(&ctx, &findings, &allowed);
    int code;
    if (error || findings.failed) {
        wl_error_write(&doc, error ? error : "out of memory building findings");
        code = WL_EXIT_ERROR;
    } else {
        wl_outcome_write(&doc, allowed, &findings, ctx.resources, ctx.resource_count);
        code = allowed ? WL_EXIT_ALLOWED : WL_EXIT_DENIED;
    }
    free(error);
    wl_findings_free(&findings);
    wl_context_free(&ctx);
    return finish(&doc, out, code);
}

int wl_fallback_main(wl_hook_fn hook) { return wl_fallback_run(hook, stdin, stdout); }

void wl_log(const char *level, const char *fmt, ...) {
    buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *line = malloc((size_t)n + 1);
    if (!line) return;
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* One call, one line: a newline inside the message would split it. */
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
    buf_printf(&b, "%s: %s\n", level, line);
    free(line);
    if (!b.failed) fwrite(b.data, 1, b.len, stderr);
    buf_free(&b);
}
