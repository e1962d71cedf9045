/* Native unit tests of the required-labels check (labels.c), run by
 * plugins/c/test under AddressSanitizer and UndefinedBehaviorSanitizer. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "labels.h"

static json_value parsed(const char *text) {
    json_value v;
    json_error err;
    if (!json_parse(text, strlen(text), &v, &err)) {
        fprintf(stderr, "test input does not parse: %s: %s\n", text, err.message);
        abort();
    }
    return v;
}

static void test_label_keys(void) {
    const char *valid[] = {"app", "app.kubernetes.io/name", "a-b_c.d", "example.com/x", "A",
                           "x1/Y", "team"};
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        CHECK(labels_key_problem(valid[i], strlen(valid[i])) == NULL);

    char long_name[65], long_prefix[300];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    memset(long_prefix, 'a', 254);
    strcpy(long_prefix + 254, "/x");
    struct {
        const char *key;
        const char *problem;
    } invalid[] = {
        {"", "it is empty"},
        {"/x", "the prefix before '/' is empty"},
        {"x/", "the name after '/' is empty"},
        {"a/b/c", "it has more than one '/'"},
        {"Example.com/x", "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.')"},
        {"ex..com/x", "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.')"},
        {"-ex.com/x", "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.')"},
        {"ex.com-/x", "the prefix must be a DNS subdomain (lowercase letters, digits, '-' and '.')"},
        {"-a", "the name must start and end with a letter or digit"},
        {"a.", "the name must start and end with a letter or digit"},
        {"a b", "the name may hold only letters, digits, '-', '_' and '.'"},
        {"caf\xc3\xa9", "the name may hold only letters, digits, '-', '_' and '.'"},
        {long_name, "the name is longer than 63 characters"},
        {long_prefix, "the prefix is longer than 253 characters"},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++)
        CHECK_STR(labels_key_problem(invalid[i].key, strlen(invalid[i].key)), invalid[i].problem);
    long_name[63] = '\0'; /* 63 is the limit, inclusive */
    CHECK(labels_key_problem(long_name, 63) == NULL);
}

/* The error labels_config_parse gives for `config_json` ("" when it accepts it). */
static char *config_error(const char *config_json) {
    json_value v = parsed(config_json);
    labels_config c;
    char *error = labels_config_parse(&v, &c);
    labels_config_free(&c);
    json_free(&v);
    if (!error) {
        error = malloc(1);
        *error = '\0';
    }
    return error;
}

static void test_config(void) {
    struct {
        const char *config;
        const char *error;
    } cases[] = {
        {"null", "config is required: set `labels` to the label keys every resource must carry"},
        {"[\"app\"]", "config must be a map with `labels`, not a list"},
        {"{}", "config: `labels` is required: the label keys every resource must carry"},
        {"{\"labels\": null}", "config: `labels` is required: the label keys every resource must carry"},
        {"{\"labels\": [\"app\"], \"podTemplate\": true}",
         "config: unknown field \"podTemplate\" (the fields are `labels`, `kinds` and `podTemplates`)"},
        {"{\"labels\": \"app\"}", "config: `labels` must be a list of strings, not a string"},
        {"{\"labels\": []}", "config: `labels` is empty: list at least one"},
        {"{\"labels\": [\"app\", 3]}", "config: labels[1] must be a string, not a number"},
        {"{\"labels\": [\"App.io/name\"]}",
         "config: labels[0] \"App.io/name\" is not valid: the prefix must be a DNS subdomain "
         "(lowercase letters, digits, '-' and '.')"},
        {"{\"labels\": [\"app\"], \"kinds\": []}", "config: `kinds` is empty: list at least one"},
        {"{\"labels\": [\"app\"], \"kinds\": [\"\"]}", "config: kinds[0] \"\" is not valid: it is empty"},
        {"{\"labels\": [\"app\"], \"podTemplates\": \"yes\"}",
         "config: `podTemplates` must be true or false, not a string"},
        {"{\"labels\": [\"app\"], \"kinds\": null, \"podTemplates\": null}", ""},
        {"{\"labels\": [\"app\", \"app\"], \"kinds\": [\"Deployment\"], \"podTemplates\": true}", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *error = config_error(cases[i].config);
        CHECK_STR(error, cases[i].error);
        free(error);
    }

    json_value v = parsed("{\"labels\": [\"app\", \"team\", \"app\"], \"kinds\": [\"Service\"],"
                          " \"podTemplates\": true}");
    labels_config c;
    CHECK(labels_config_parse(&v, &c) == NULL);
    CHECK(c.label_count == 2 && c.kind_count == 1 && c.pod_templates);
    CHECK_STR(c.labels[1], "team");
    labels_config_free(&c);
    CHECK(c.labels == NULL && c.label_count == 0);
    json_free(&v);
}

/* Runs the check on `object_json` as a resource with the given identity;
 * returns the findings' messages and field paths, one `message | path` a line. */
static char *check(const char *config_json, const char *api_version, const char *kind,
                   const char *namespace_, const char *object_json, bool *allowed) {
    json_value config = parsed(config_json), object = parsed(object_json);
    wl_resource r = {api_version, kind, "web", namespace_, &object};
    wl_findings findings = {0};
    char *error = labels_run(&config, &r, 1, &findings, allowed);
    CHECK(error == NULL);
    free(error);
    buf b = {0};
    for (size_t i = 0; i < findings.len; i++) {
        CHECK(findings.items[i].severity == WL_SEVERITY_ERROR && findings.items[i].resource == 0);
        buf_printf(&b, "%s | %s\n", findings.items[i].message, findings.items[i].field_path);
    }
    wl_findings_free(&findings);
    json_free(&object);
    json_free(&config);
    return buf_take(&b, NULL);
}

static const char deployment[] =
    "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
    " \"metadata\": {\"name\": \"web\", \"labels\": {\"app.kubernetes.io/name\": \"web\", \"team\": \"\"}},"
    " \"spec\": {\"template\": {\"metadata\": {\"labels\": {\"team\": \"a\"}}, \"spec\": {}}}}";

static void test_check(void) {
    bool allowed = false;
    char *out;

    /* Everything present (an empty value counts as present). */
    out = check("{\"labels\": [\"app.kubernetes.io/name\", \"team\"]}", "apps/v1", "Deployment",
                NULL, deployment, &allowed);
    CHECK_STR(out, "");
    CHECK(allowed);
    free(out);

    /* One finding per missing label, naming the resource and the field path;
     * plain keys take `.key`, others `["key"]`. */
    out = check("{\"labels\": [\"app.kubernetes.io/name\", \"app.kubernetes.io/part-of\", \"tier\"]}",
                "apps/v1", "Deployment", "prod", deployment, &allowed);
    CHECK_STR(out,
              "Deployment prod/web: metadata.labels lacks \"app.kubernetes.io/part-of\" | "
              "metadata.labels[\"app.kubernetes.io/part-of\"]\n"
              "Deployment prod/web: metadata.labels lacks \"tier\" | metadata.labels.tier\n");
    CHECK(!allowed);
    free(out);

    /* Pod templates are checked only when asked. */
    out = check("{\"labels\": [\"app.kubernetes.io/name\"], \"podTemplates\": true}", "apps/v1",
                "Deployment", NULL, deployment, &allowed);
    CHECK_STR(out, "Deployment/web: spec.template.metadata.labels lacks \"app.kubernetes.io/name\" | "
                   "spec.template.metadata.labels[\"app.kubernetes.io/name\"]\n");
    CHECK(!allowed);
    free(out);

    /* A CronJob's template is under its job template. */
    out = check("{\"labels\": [\"team\"], \"podTemplates\": true}", "batch/v1", "CronJob", NULL,
                "{\"metadata\": {\"labels\": {\"team\": \"a\"}}, \"spec\": {\"jobTemplate\": "
                "{\"spec\": {\"template\": {\"metadata\": {}}}}}}",
                &allowed);
    CHECK_STR(out, "CronJob/web: spec.jobTemplate.spec.template.metadata.labels lacks \"team\" | "
                   "spec.jobTemplate.spec.template.metadata.labels.team\n");
    free(out);

    /* A PodTemplate (core group) keeps it at `template`. */
    out = check("{\"labels\": [\"team\"], \"podTemplates\": true}", "v1", "PodTemplate", NULL,
                "{\"metadata\": {\"labels\": {\"team\": \"a\"}}, \"template\": {}}", &allowed);
    CHECK_STR(out, "PodTemplate/web: template.metadata.labels lacks \"team\" | "
                   "template.metadata.labels.team\n");
    free(out);

    /* A custom resource called Deployment is no workload: no template check. */
    out = check("{\"labels\": [\"team\"], \"podTemplates\": true}", "example.com/v1", "Deployment",
                NULL, "{\"metadata\": {\"labels\": {\"team\": \"a\"}}, \"spec\": {}}", &allowed);
    CHECK_STR(out, "");
    CHECK(allowed);
    free(out);

    /* No metadata, or labels that are not a map: every label is missing. */
    out = check("{\"labels\": [\"team\"]}", "v1", "ConfigMap", NULL, "{}", &allowed);
    CHECK_STR(out, "ConfigMap/web: metadata.labels lacks \"team\" | metadata.labels.team\n");
    free(out);
    out = check("{\"labels\": [\"team\"]}", "v1", "ConfigMap", NULL,
                "{\"metadata\": {\"labels\": [\"team\"]}}", &allowed);
    CHECK_STR(out, "ConfigMap/web: metadata.labels lacks \"team\" | metadata.labels.team\n");
    free(out);

    /* `kinds` limits what is checked. */
    out = check("{\"labels\": [\"team\"], \"kinds\": [\"Deployment\", \"StatefulSet\"]}", "v1",
                "ConfigMap", NULL, "{}", &allowed);
    CHECK_STR(out, "");
    CHECK(allowed);
    free(out);
    out = check("{\"labels\": [\"tier\"], \"kinds\": [\"Deployment\"]}", "apps/v1", "Deployment",
                NULL, deployment, &allowed);
    CHECK_STR(out, "Deployment/web: metadata.labels lacks \"tier\" | metadata.labels.tier\n");
    free(out);

    /* Only the exact key counts. */
    out = check("{\"labels\": [\"team\"]}", "v1", "ConfigMap", NULL,
                "{\"metadata\": {\"labels\": {\"team\\\"\": \"x\"}}}", &allowed);
    CHECK_STR(out, "ConfigMap/web: metadata.labels lacks \"team\" | metadata.labels.team\n");
    free(out);
}

static void test_run_errors(void) {
    json_value config = parsed("{\"labels\": []}");
    wl_findings findings = {0};
    bool allowed = true;
    char *error = labels_run(&config, NULL, 0, &findings, &allowed);
    CHECK_STR(error, "config: `labels` is empty: list at least one");
    CHECK(findings.len == 0);
    free(error);
    json_free(&config);

    /* No resources: allowed. */
    config = parsed("{\"labels\": [\"app\"]}");
    allowed = false;
    CHECK(labels_run(&config, NULL, 0, &findings, &allowed) == NULL);
    CHECK(allowed && findings.len == 0);
    json_free(&config);
}

int main(void) {
    test_label_keys();
    test_config();
    test_check();
    test_run_errors();
    return check_report("required-labels");
}
