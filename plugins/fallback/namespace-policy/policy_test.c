/* Native unit tests of the namespace-policy check (policy.c), run by
 * plugins/fallback/test under AddressSanitizer and UndefinedBehaviorSanitizer. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "policy.h"

static void test_patterns(void) {
    struct {
        const char *pattern, *name;
        bool matches;
    } cases[] = {
        {"default", "default", true},   {"default", "default2", false},
        {"default", "defaul", false},   {"team-*", "team-a", true},
        {"team-*", "team-", true},      {"team-*", "team", false},
        {"*", "", true},                {"*", "anything", true},
        {"", "", true},                 {"", "a", false},
        {"?", "a", true},               {"?", "", false},
        {"?", "ab", false},             {"a*b*c", "axxbyyc", true},
        {"a*b*c", "abc", true},         {"a*b*c", "axxbyy", false},
        {"*-prod", "team-a-prod", true}, {"*-prod", "team-a-prod2", false},
        {"**", "x", true},              {"*a", "bab", false},
        {"*a", "baa", true},            {"t?am-*-x", "team-1-x", true},
        {"t?am-*-x", "tam-1-x", false}, {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaa", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bool got = ns_pattern_matches(cases[i].pattern, cases[i].name);
        if (got != cases[i].matches)
            fprintf(stderr, "pattern %s on %s\n", cases[i].pattern, cases[i].name);
        CHECK(got == cases[i].matches);
    }
    CHECK(ns_pattern_problem("team-*", 6) == NULL);
    CHECK(ns_pattern_problem("?a1-*", 5) == NULL);
    const char *bad[] = {"Team-*", "team_a", "team.a", "team/*", "[a]", "te am"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_STR(ns_pattern_problem(bad[i], strlen(bad[i])),
                  "a pattern may hold only lowercase letters, digits and '-' (as namespace names "
                  "do), '*' and '?'");
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
    struct {
        const char *config;
        const char *error; /* NULL: accepted */
    } cases[] = {
        {"null", "config is required: set `allowed` to the namespace patterns the release may go "
                 "to (such as \"team-*\")"},
        {"\"team-*\"", "config must be a map with `allowed`, not a string"},
        {"{}", "config: `allowed` is required: the namespace patterns the release may go to"},
        {"{\"forbidden\": [\"kube-*\"]}",
         "config: `allowed` is required: the namespace patterns the release may go to"},
        {"{\"allowed\": []}", "config: `allowed` is empty: list at least one"},
        {"{\"allowed\": \"team-*\"}", "config: `allowed` must be a list of strings, not a string"},
        {"{\"allowed\": [\"Team-*\"]}",
         "config: allowed[0] \"Team-*\" is not valid: a pattern may hold only lowercase letters, "
         "digits and '-' (as namespace names do), '*' and '?'"},
        {"{\"allowed\": [\"*\"], \"forbidden\": [true]}",
         "config: forbidden[0] must be a string, not a boolean"},
        {"{\"allowed\": [\"*\"], \"forbid\": [\"kube-*\"]}",
         "config: unknown field \"forbid\" (the fields are `allowed` and `forbidden`)"},
        {"{\"allowed\": [\"*\"], \"forbidden\": []}", NULL},
        {"{\"allowed\": [\"*\"], \"forbidden\": null}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_value v = parsed(cases[i].config);
        ns_config c;
        char *error = ns_config_parse(&v, &c);
        if (cases[i].error)
            CHECK_STR(error, cases[i].error);
        else
            CHECK(error == NULL && c.allowed_count == 1);
        free(error);
        ns_config_free(&c);
        json_free(&v);
    }
}

/* Runs the policy for release `web` in `release_ns` with `config_json` over
 * `resources`; returns the findings, one `message | path | resource` a line. */
static char *run(const char *config_json, const char *release_ns, const wl_resource *resources,
                 size_t count, bool *allowed) {
    wl_context ctx = {0};
    json_value config = parsed(config_json);
    ctx.event = "pre-install";
    ctx.release_name = "web";
    ctx.release_namespace = release_ns;
    ctx.config = &config;
    ctx.resources = (wl_resource *)resources;
    ctx.resource_count = count;
    wl_findings findings = {0};
    char *error = ns_policy_run(&ctx, &findings, allowed);
    CHECK(error == NULL);
    free(error);
    buf b = {0};
    for (size_t i = 0; i < findings.len; i++) {
        const wl_finding *f = &findings.items[i];
        CHECK(f->severity == WL_SEVERITY_ERROR);
        buf_printf(&b, "%s | %s | %ld\n", f->message, f->field_path ? f->field_path : "-",
                   f->resource);
    }
    wl_findings_free(&findings);
    json_free(&config);
    return buf_take(&b, NULL);
}

static void test_run(void) {
    bool allowed = false;
    char *out;
    const char *config = "{\"allowed\": [\"team-*\", \"default\"], \"forbidden\": [\"team-legacy\"]}";

    out = run(config, "team-a", NULL, 0, &allowed);
    CHECK_STR(out, "");
    CHECK(allowed);
    free(out);

    out = run(config, "prod", NULL, 0, &allowed);
    CHECK_STR(out, "namespace \"prod\" is not allowed for release \"web\": it matches none of "
                   "the allowed patterns \"team-*\", \"default\" | - | -1\n");
    CHECK(!allowed);
    free(out);

    /* Forbidden wins over allowed. */
    out = run(config, "team-legacy", NULL, 0, &allowed);
    CHECK_STR(out, "namespace \"team-legacy\" is not allowed for release \"web\": it matches the "
                   "forbidden pattern \"team-legacy\" | - | -1\n");
    CHECK(!allowed);
    free(out);

    out = run("{\"allowed\": [\"team-*\"]}", "default", NULL, 0, &allowed);
    CHECK_STR(out, "namespace \"default\" is not allowed for release \"web\": it does not match "
                   "the allowed pattern \"team-*\" | - | -1\n");
    free(out);

    /* Resources naming another namespace are judged too; those in the
     * release's namespace, an empty one or none are not judged again. */
    json_value object = {0};
    object.type = JSON_OBJECT;
    wl_resource resources[] = {
        {"v1", "ConfigMap", "same", "team-a", &object},
        {"v1", "ConfigMap", "none", NULL, &object},
        {"v1", "ConfigMap", "empty", "", &object},
        {"v1", "ConfigMap", "other-team", "team-b", &object},
        {"rbac.authorization.k8s.io/v1", "RoleBinding", "rb", "kube-system", &object},
        {"v1", "Secret", "old", "team-legacy", &object},
    };
    out = run(config, "team-a", resources, sizeof resources / sizeof *resources, &allowed);
    CHECK_STR(out,
              "RoleBinding kube-system/rb: namespace \"kube-system\" is not allowed: it matches "
              "none of the allowed patterns \"team-*\", \"default\" | metadata.namespace | 4\n"
              "Secret team-legacy/old: namespace \"team-legacy\" is not allowed: it matches the "
              "forbidden pattern \"team-legacy\" | metadata.namespace | 5\n");
    CHECK(!allowed);
    free(out);

    /* A bad config is the hook's error, with no findings. */
    wl_context ctx = {0};
    json_value bad = parsed("{\"allowed\": [\"*\"], \"forbidden\": \"kube-*\"}");
    ctx.event = "pre-install";
    ctx.release_name = "web";
    ctx.release_namespace = "default";
    ctx.config = &bad;
    wl_findings findings = {0};
    char *error = ns_policy_run(&ctx, &findings, &allowed);
    CHECK_STR(error, "config: `forbidden` must be a list of strings, not a string");
    CHECK(findings.len == 0);
    free(error);
    json_free(&bad);
}

int main(void) {
    test_patterns();
    test_config();
    test_run();
    return check_report("namespace-policy");
}
