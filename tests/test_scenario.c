/* test_scenario.c -- loading scenario files and --set into params: the
 * walk from YAML (and JSON) to dotted paths, where each error points
 * (file:line:column of the key or the value), libfyaml's own errors, and
 * the round trip of the effective-scenario dump. Fixtures are written to a
 * fresh mkdtemp directory, which each test enters and removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/engine/param.h"
#include "sim/engine/xmalloc.h"
#include "sim/scenario.h"
#include "support/param_fixture.h"

typedef struct fixture {
    char dir[64];    /* the test's temporary directory */
    char cwd[4096];  /* where to return to */
    char *files[16]; /* files written into dir, to remove */
    size_t nfiles;
    params *p;
    ecs_err e;
} fixture;

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsim-scenario-XXXXXX");
    if (!mkdtemp(f->dir) || !getcwd(f->cwd, sizeof f->cwd) || chdir(f->dir) != 0) return -1;
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    params_free(f->p);
    for (size_t i = 0; i < f->nfiles; i++) {
        unlink(f->files[i]);
        free(f->files[i]);
    }
    int rc = chdir(f->cwd) == 0 && rmdir(f->dir) == 0 ? 0 : -1;
    free(f);
    return rc;
}

/* Writes `text` to `name` in the test's directory (cwd). */
static void put(fixture *f, const char *name, const char *text)
{
    FILE *out = fopen(name, "w");
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
    for (size_t i = 0; i < f->nfiles; i++)
        if (strcmp(f->files[i], name) == 0) return;
    assert_true(f->nfiles < sizeof f->files / sizeof f->files[0]);
    f->files[f->nfiles++] = xstrdup(name);
}

/* Loads `text` as s.yaml and expects `msg` with `code`. */
static void load_fails(fixture *f, const char *text, int code, const char *msg)
{
    put(f, "s.yaml", text);
    assert_int_equal(scenario_load(f->p, "s.yaml", &f->e), code);
    assert_int_equal(f->e.code, code);
    assert_string_equal(f->e.msg, msg);
}

static void load_ok(fixture *f, params *p, const char *name)
{
    err_clear(&f->e);
    int rc = scenario_load(p, name, &f->e);
    if (rc != 0) fail_msg("%s", f->e.msg);
}

static void finish_ok(fixture *f, params *p)
{
    err_clear(&f->e);
    int rc = params_finish(p, &f->e);
    if (rc != 0) fail_msg("%s", f->e.msg);
}

static void set_ok(fixture *f, params *p, const char *assignment)
{
    err_clear(&f->e);
    int rc = scenario_set(p, assignment, &f->e);
    if (rc != 0) fail_msg("%s", f->e.msg);
}

static const char full_yaml[] = "# a scenario with one of everything\n"
                                "run:\n"
                                "  duration_s: 600\n"
                                "  seed: 42\n"
                                "  max_requests: 10_000_000\n"
                                "task_definitions:\n"
                                "  web:\n"
                                "    cpu: 512\n"
                                "    queue_limit: 100\n"
                                "  batch: {}\n"
                                "services:\n"
                                "  web:\n"
                                "    task_definition: web\n"
                                "    desired_count: 3\n"
                                "    placement_strategy: [spread:zone, binpack:memory]\n"
                                "load_balancers:\n"
                                "  front:\n"
                                "    service: web\n"
                                "    algorithm: least_outstanding_requests\n"
                                "workloads:\n"
                                "  w:\n"
                                "    service: web\n"
                                "    demand:\n"
                                "      distribution: lognormal\n"
                                "      mean_s: 0.02\n"
                                "slo: {p99_latency_s: 0.15}\n";

static const char full_json[] =
    "{\n"
    "  \"run\": {\"duration_s\": 600, \"seed\": 42, \"max_requests\": 10000000},\n"
    "  \"task_definitions\": {\"web\": {\"cpu\": 512, \"queue_limit\": 100}, \"batch\": {}},\n"
    "  \"services\": {\"web\": {\"task_definition\": \"web\", \"desired_count\": 3,\n"
    "                         \"placement_strategy\": [\"spread:zone\", \"binpack:memory\"]}},\n"
    "  \"load_balancers\": {\"front\": {\"service\": \"web\",\n"
    "                                \"algorithm\": \"least_outstanding_requests\"}},\n"
    "  \"workloads\": {\"w\": {\"service\": \"web\",\n"
    "                        \"demand\": {\"distribution\": \"lognormal\", \"mean_s\": 0.02}}},\n"
    "  \"slo\": {\"p99_latency_s\": 0.15}\n"
    "}\n";

/* The values full_yaml (and full_json) give, defaults included. */
static void check_full(params *p)
{
    assert_true(params_real(p, "run.duration_s") == 600);
    assert_int_equal(params_int(p, "run.seed"), 42);
    assert_int_equal(params_int(p, "run.max_requests"), 10000000);
    assert_true(params_bool(p, "run.drain"));
    assert_int_equal(params_count(p, "task_definitions"), 2);
    assert_string_equal(params_object(p, "task_definitions", 0), "web");
    assert_string_equal(params_object(p, "task_definitions", 1), "batch");
    assert_int_equal(params_int(p, "task_definitions.web.cpu"), 512);
    assert_int_equal(params_int(p, "task_definitions.web.queue_limit"), 100);
    assert_int_equal(params_int(p, "task_definitions.batch.cpu"), 1024);
    assert_int_equal(params_int(p, "task_definitions.batch.queue_limit"), -1);
    assert_int_equal(params_int(p, "services.web.desired_count"), 3);
    assert_string_equal(params_str(p, "services.web.task_definition"), "web");
    assert_string_equal(params_str(p, "services.web.placement_strategy"),
                        "spread:zone,binpack:memory");
    assert_string_equal(params_str(p, "load_balancers.front.algorithm"),
                        "least_outstanding_requests");
    assert_string_equal(params_str(p, "workloads.w.demand.distribution"), "lognormal");
    assert_true(params_real(p, "workloads.w.demand.mean_s") == 0.02);
    assert_true(params_real(p, "workloads.w.rate_rps") == 10);
    assert_true(params_real(p, "slo.p99_latency_s") == 0.15);
    assert_true(params_real(p, "slo.error_rate") == 0.01);
}

static void test_load_full(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml", full_yaml);
    load_ok(f, f->p, "s.yaml");
    finish_ok(f, f->p);
    check_full(f->p);
    param_loc at = params_where(f->p, "services.web.desired_count");
    assert_string_equal(at.file, "s.yaml");
    assert_int_equal(at.line, 14);
    assert_int_equal(at.column, 20);
    at = params_where(f->p, "services.web.placement_strategy");
    assert_int_equal(at.line, 15);
    assert_int_equal(at.column, 26);
    at = params_where(f->p, "slo.p99_latency_s");
    assert_int_equal(at.line, 26);
    assert_int_equal(at.column, 22);
}

static void test_load_json(void **state)
{
    fixture *f = *state;
    put(f, "s.json", full_json);
    load_ok(f, f->p, "s.json");
    finish_ok(f, f->p);
    check_full(f->p);
    param_loc at = params_where(f->p, "run.seed");
    assert_string_equal(at.file, "s.json");
    assert_int_equal(at.line, 2);
    assert_int_equal(at.column, 38);

    params *q = params_new(&fixture_registry);
    put(f, "bad.json", "{\"run\": {\"seed\": 1,}}\n");
    err_clear(&f->e);
    assert_int_equal(scenario_load(q, "bad.json", &f->e), ECS_EINPUT);
    assert_true(strncmp(f->e.msg, "bad.json:1:", 11) == 0);
    params_free(q);
}

static void test_load_text(void **state)
{
    fixture *f = *state;
    static const char text[] = "run: {seed: 9}\n";
    err_clear(&f->e);
    assert_int_equal(scenario_load_text(f->p, "inline", text, strlen(text), &f->e), 0);
    finish_ok(f, f->p);
    assert_int_equal(params_int(f->p, "run.seed"), 9);
    assert_string_equal(params_where(f->p, "run.seed").file, "inline");

    /* tabs are fine where there is no explicit key, and '?' in a comment is none */
    static const char tabs[] = "run: {seed:\t5, label: \"what?\"}  # why? \t\n";
    params *q = params_new(&fixture_registry);
    assert_int_equal(scenario_load_text(q, "tabs.yaml", tabs, strlen(tabs), &f->e), 0);
    finish_ok(f, q);
    assert_int_equal(params_int(q, "run.seed"), 5);
    assert_string_equal(params_str(q, "run.label"), "what?");
    params_free(q);
}

static void test_anchors_and_merge_keys(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml",
        "task_definitions:\n"
        "  small: &small {cpu: 256, queue_limit: 10}\n"
        "  web:\n"
        "    <<: *small\n"
        "    cpu: 512\n"
        "services:\n"
        "  web: {task_definition: web}\n");
    load_ok(f, f->p, "s.yaml");
    finish_ok(f, f->p);
    assert_int_equal(params_int(f->p, "task_definitions.small.cpu"), 256);
    assert_int_equal(params_int(f->p, "task_definitions.web.cpu"), 512);
    assert_int_equal(params_int(f->p, "task_definitions.web.queue_limit"), 10);
}

/* libfyaml 0.7.12 leaks when it decodes a run of '' escapes, so the loader
 * decodes single-quoted scalars itself; these pin YAML's rules. */
static void test_single_quoted(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *yaml, *value;
    } cases[] = {
        {"run: {label: 'it''s'}\n", "it's"},
        {"run: {label: ''''''''''''''''''}\n", "''''''''"},
        {"run: {label: 'x'''''''''''''''''''''}\n", "x''''''''''"},
        {"run: {label: ''}\n", ""},
        {"run: {label: ' a  b '}\n", " a  b "},
        {"run:\n  label: 'one\n    two  \n    \n   \t \n    three'\n", "one two\n\nthree"},
        {"run:\n  label: 'a \t\r\n    b'\n", "a b"},
        {"run: {label: 'caf\xc3\xa9 \"\\n\"'}\n", "caf\xc3\xa9 \"\\n\""},
        {"run: {'label': 'k'}\n", "k"},
        {"run: {label: [ 'a''b', 'c' ]}\n", "a'b,c"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_free(f->p);
        f->p = params_new(&fixture_registry);
        put(f, "s.yaml", cases[i].yaml);
        load_ok(f, f->p, "s.yaml");
        finish_ok(f, f->p);
        assert_string_equal(params_str(f->p, "run.label"), cases[i].value);
    }
}

static void test_aliases(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml",
        "run: {label: &name web}\n"
        "task_definitions:\n"
        "  web: {cpu: 300, queue_limit: 5}\n"
        "  explicit: {cpu: 512, <<: [{cpu: 1, queue_limit: 7}, {queue_limit: 8}]}\n"
        "services:\n"
        "  web:\n"
        "    task_definition: *name\n"
        "    placement_strategy: [&s spread:zone, *s]\n"
        "<<: {slo: {error_rate: 0.5}, run: {seed: 4}}\n");
    load_ok(f, f->p, "s.yaml");
    finish_ok(f, f->p);
    assert_string_equal(params_str(f->p, "services.web.task_definition"), "web");
    assert_string_equal(params_str(f->p, "services.web.placement_strategy"),
                        "spread:zone,spread:zone");
    assert_int_equal(params_int(f->p, "task_definitions.explicit.cpu"), 512);
    assert_int_equal(params_int(f->p, "task_definitions.explicit.queue_limit"), 7);
    assert_true(params_real(f->p, "slo.error_rate") == 0.5);
    /* merges are shallow, as in YAML: the explicit run mapping hides the merged one */
    assert_int_equal(params_int(f->p, "run.seed"), 1);

    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        {"run: *nowhere\n", "s.yaml:1:6: run: alias *nowhere refers to no anchor"},
        {"task_definitions:\n  web: {<<: 5}\n",
         "s.yaml:2:13: task_definitions.web.<<: expected a mapping or a list of them to merge, "
         "got \"5\""},
        {"<<: [{run: {seed: 1}}, 2]\n",
         "s.yaml:1:24: <<: expected a mapping or a list of them to merge, got \"2\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_free(f->p);
        f->p = params_new(&fixture_registry);
        err_clear(&f->e);
        load_fails(f, cases[i].yaml, ECS_EINPUT, cases[i].msg);
    }
}

/* Aliases are followed as the walk meets them, never expanded: a "billion
 * laughs" file fails at its first unknown key instead of eating the
 * machine, and a merge of merges takes each mapping once. */
static void test_alias_bombs(void **state)
{
    fixture *f = *state;
    char *laughs = xstrdup("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    char *merges = xstrdup("task_definitions:\n  t0: &t0 {cpu: 256}\n");
    for (int i = 1; i < 10; i++) {
        char *l = xasprintf("%sa%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                            "*a%d]\n",
                            laughs, i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                            i - 1, i - 1);
        char *m = xasprintf("%s  t%d: &t%d {<<: [*t%d, *t%d, *t%d, *t%d, *t%d, *t%d, *t%d, *t%d, "
                            "*t%d, *t%d]}\n",
                            merges, i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                            i - 1, i - 1);
        free(laughs);
        free(merges);
        laughs = l;
        merges = m;
    }
    load_fails(f, laughs, ECS_EINPUT, "s.yaml:1:1: a0: unknown parameter");
    params_free(f->p);
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    put(f, "m.yaml", merges);
    load_ok(f, f->p, "m.yaml");
    finish_ok(f, f->p);
    assert_int_equal(params_int(f->p, "task_definitions.t9.cpu"), 256);
    free(laughs);
    free(merges);
}

static void test_set(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml", full_yaml);
    load_ok(f, f->p, "s.yaml");
    set_ok(f, f->p, "services.web.desired_count=5");
    set_ok(f, f->p, " run.seed = 7 ");
    set_ok(f, f->p, "run.seed=8");
    set_ok(f, f->p, "run.label=a=b");
    set_ok(f, f->p, "workloads.w.demand.mean_s=1e-3");
    finish_ok(f, f->p);
    assert_int_equal(params_int(f->p, "services.web.desired_count"), 5);
    assert_int_equal(params_int(f->p, "run.seed"), 8);
    assert_string_equal(params_str(f->p, "run.label"), "a=b");
    assert_true(params_real(f->p, "workloads.w.demand.mean_s") == 1e-3);
    param_loc at = params_where(f->p, "services.web.desired_count");
    assert_string_equal(at.file, "--set");
    assert_int_equal(at.line, 0);
}

static void test_set_errors(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml", full_yaml);
    load_ok(f, f->p, "s.yaml");
    static const struct {
        const char *assignment, *msg;
    } cases[] = {
        {"run.seed", "--set: expected path=value, got \"run.seed\""},
        {"=3", "--set: expected path=value, got \"=3\""},
        {" = 3", "--set: expected path=value, got \" = 3\""},
        {"", "--set: expected path=value, got \"\""},
        {"services.api.desired_count=3",
         "--set: services.api.desired_count: no services named \"api\"; have: web"},
        {"run.sed=3", "--set: run.sed: unknown parameter; did you mean run.seed?"},
        {"servics.web.desired_count=3", "--set: servics.web.desired_count: unknown parameter; "
                                        "did you mean services.web.desired_count?"},
        {"run.seed=two", "--set: run.seed: expected an integer >= 0, got \"two\""},
        {"run. seed=1", "--set: \"run. seed\": unknown parameter"},
        {"run.seed=", "--set: run.seed: expected an integer >= 0, got \"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&f->e);
        assert_int_equal(scenario_set(f->p, cases[i].assignment, &f->e), ECS_EINPUT);
        assert_string_equal(f->e.msg, cases[i].msg);
    }
}

static void test_unknown_keys(void **state)
{
    fixture *f = *state;
    load_fails(f, "run: {seed: 1}\nservics:\n  web: {}\n", ECS_EINPUT,
               "s.yaml:2:1: servics: unknown parameter; did you mean services?");
    params_free(f->p);
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    load_fails(f,
               "task_definitions: {web: {}}\n"
               "services:\n"
               "  web:\n"
               "    task_definition: web\n"
               "    desird_count: 3\n",
               ECS_EINPUT,
               "s.yaml:5:5: services.web.desird_count: unknown parameter; did you mean "
               "services.web.desired_count?");
    params_free(f->p);
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    load_fails(f, "workloads:\n  w:\n    demnd:\n      mean_s: 1\n", ECS_EINPUT,
               "s.yaml:3:5: workloads.w.demnd: unknown parameter; did you mean "
               "workloads.w.demand?");
    params_free(f->p);
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    load_fails(f, "zzz: 1\n", ECS_EINPUT, "s.yaml:1:1: zzz: unknown parameter");
    params_free(f->p);
    f->p = params_new(&fixture_registry);
    err_clear(&f->e);
    load_fails(f, "run:\n  \"se\\ned\": 1\n", ECS_EINPUT,
               "s.yaml:2:3: \"run.se\\ned\": unknown parameter");
}

static void test_value_errors(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        {"services:\n  web: {desired_count: two}\n",
         "s.yaml:2:24: services.web.desired_count: expected an integer in [0, 10000], got "
         "\"two\""},
        {"run:\n  label: \"a\\0b\"\n",
         "s.yaml:2:10: run.label: expected a string, got a string with a NUL character"},
        {"run:\n  label: [a, \"\\x00\"]\n",
         "s.yaml:2:14: run.label: expected a string, got a string with a NUL character in a "
         "sequence"},
        {"run:\n  \"seed\\0x\": 1\n",
         "s.yaml:2:3: expected a parameter name as the key, got a string with a NUL character"},
        {"run:\n  seed: 1.5\n", "s.yaml:2:9: run.seed: expected an integer >= 0, got \"1.5\""},
        {"run:\n  seed: \"two\"\n", "s.yaml:2:9: run.seed: expected an integer >= 0, got \"two\""},
        {"run:\n  seed:\n", "s.yaml:2:3: run.seed: expected an integer >= 0, got nothing"},
        {"run:\n  seed: ~\n", "s.yaml:2:9: run.seed: expected an integer >= 0, got null"},
        {"run:\n  seed: null\n", "s.yaml:2:9: run.seed: expected an integer >= 0, got null"},
        {"run:\n  seed: {a: 1}\n", "s.yaml:2:3: run.seed: expected an integer >= 0, got a mapping"},
        {"run:\n  label: [a, {b: 1}]\n",
         "s.yaml:2:15: run.label: expected a string, got a mapping in a sequence"},
        {"run:\n  label: [a, ~]\n", "s.yaml:2:14: run.label: expected a string, got null in a "
                                    "sequence"},
        {"run: 5\n", "s.yaml:1:6: run: expected a mapping of parameters, got \"5\""},
        {"run: [1]\n", "s.yaml:1:7: run: expected a mapping of parameters, got a sequence"},
        {"run:\nslo: {}\n", "s.yaml:1:1: run: expected a mapping of parameters, got nothing"},
        {"services: 5\n", "s.yaml:1:11: services: expected a mapping from names to objects, got "
                          "\"5\""},
        {"services:\n  web: 5\n", "s.yaml:2:8: services.web: expected a mapping of parameters (or "
                                  "{} for all defaults), got \"5\""},
        {"services:\n  web:\n", "s.yaml:2:3: services.web: expected a mapping of parameters (or "
                                "{} for all defaults), got nothing"},
        {"services:\n  web.v2: {}\n", "s.yaml:2:3: services: bad name \"web.v2\"; a name uses "
                                      "letters, digits, '_' and '-' and starts with a letter, "
                                      "digit or '_'"},
        {"{workloads.a\n\n  b: 1}\n", "s.yaml:1:2: \"workloads.a\\nb\": unknown parameter"},
        {"? [a, b]\n: 1\n", "s.yaml:1:4: expected a parameter name as the key, got a sequence"},
        {"- a\n- b\n", "s.yaml:1:3: expected a mapping of parameters at the top level, got a "
                       "sequence"},
        {"just text\n", "s.yaml:1:1: expected a mapping of parameters at the top level, got "
                        "\"just text\""},
        {"", "s.yaml: empty scenario; expected a mapping of parameters"},
        {"# nothing but a comment\n", "s.yaml: empty scenario; expected a mapping of parameters"},
        {"run:\n  seed: 1\nrun.seed: 2\n",
         "s.yaml:3:11: run.seed: set twice (first at s.yaml:2:9)"},
        {"run: {seed: 1}\n---\nslo: {}\n",
         "s.yaml:3:1: a second YAML document; a scenario is one document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_free(f->p);
        f->p = params_new(&fixture_registry);
        err_clear(&f->e);
        load_fails(f, cases[i].yaml, ECS_EINPUT, cases[i].msg);
    }
}

static void test_yaml_errors(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        {"run:\n  seed: 1\n  seed: 2\n", "s.yaml:3:3: duplicate key \"seed\""},
        {"services:\n  web: {}\n  web: {}\n", "s.yaml:3:3: duplicate key \"web\""},
        {"run:\n  'seed': 1\n  \"seed\": 2\n", "s.yaml:3:3: duplicate key \"seed\""},
        {"{\"run\": {\"seed\": 1, \"seed\": 2}}\n", "s.yaml:1:21: duplicate key \"seed\""},
        {"run: [1, 2\nslo: {}\n", "s.yaml:3:1: flow sequence without a closing bracket"},
        {"run:\n  seed: 1\n duration_s: 3\n", "s.yaml:3:2: invalid indentation in mapping"},
        {"run:\n  label: caf\xc3\xa9 \xe2\n", "s.yaml:2:15: not UTF-8 text (byte 0xe2)"},
        {"%a\xe2\n", "s.yaml:1:3: not UTF-8 text (byte 0xe2)"},
        {"run:\n  - ? a:\t- b\n",
         "s.yaml:2:5: an explicit key (\"? \") in a file with tab characters can crash libfyaml "
         "0.7.12; use spaces instead of tabs"},
        {"? a: \t? b: \n", "s.yaml:1:1: an explicit key (\"? \") in a file with tab characters "
                           "can crash libfyaml 0.7.12; use spaces instead of tabs"},
        {"run: {seed: \"1}\n", "s.yaml:1:14: double-quoted scalar without closing quote"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params_free(f->p);
        f->p = params_new(&fixture_registry);
        err_clear(&f->e);
        load_fails(f, cases[i].yaml, ECS_EINPUT, cases[i].msg);
    }
}

static void test_missing_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(scenario_load(f->p, "nope.yaml", &f->e), ECS_EIO);
    assert_string_equal(f->e.msg, "nope.yaml: cannot read: No such file or directory");
    err_clear(&f->e);
    assert_int_equal(scenario_load(f->p, ".", &f->e), ECS_EIO);
    assert_string_equal(f->e.msg, ".: cannot read: Is a directory");
}

static void test_finish_errors(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml",
        "task_definitions:\n"
        "  web: {}\n"
        "services:\n"
        "  web:\n"
        "    desired_count: 1\n");
    load_ok(f, f->p, "s.yaml");
    assert_int_equal(params_finish(f->p, &f->e), ECS_EINPUT);
    assert_string_equal(f->e.msg, "s.yaml:4:3: services.web.task_definition: required but not set");

    params *q = params_new(&fixture_registry);
    put(f, "t.yaml",
        "task_definitions:\n"
        "  web: {}\n"
        "services:\n"
        "  web:\n"
        "    task_definition: api\n");
    load_ok(f, q, "t.yaml");
    err_clear(&f->e);
    assert_int_equal(params_finish(q, &f->e), ECS_EINPUT);
    assert_string_equal(f->e.msg, "t.yaml:5:22: services.web.task_definition: no "
                                  "task_definitions named \"api\"; have: web");
    params_free(q);
}

/* Every value of a and b, path by path, must be identical (reals bit for
 * bit), and so must their objects. */
static void assert_same(const params *a, const params *b)
{
    const param_registry *r = params_registry(a);
    for (const param_def *const *t = r->tables; *t; t++) {
        for (const param_def *d = *t; d->path; d++) {
            char coll[64] = "";
            const char *star = strchr(d->path, '*');
            if (star) snprintf(coll, sizeof coll, "%.*s", (int) (star - d->path - 1), d->path);
            size_t n = star ? params_count(a, coll) : 1;
            assert_int_equal(n, star ? params_count(b, coll) : 1);
            for (size_t i = 0; i < n; i++) {
                char path[256];
                if (star) {
                    assert_string_equal(params_object(a, coll, i), params_object(b, coll, i));
                    snprintf(path, sizeof path, "%s.%s%s", coll, params_object(a, coll, i),
                             star + 1);
                } else {
                    snprintf(path, sizeof path, "%s", d->path);
                }
                switch (d->type) {
                case PT_INT:
                    assert_true(params_int(a, "%s", path) == params_int(b, "%s", path));
                    break;
                case PT_REAL: {
                    double x = params_real(a, "%s", path), y = params_real(b, "%s", path);
                    assert_memory_equal(&x, &y, sizeof x);
                    break;
                }
                case PT_BOOL:
                    assert_int_equal(params_bool(a, "%s", path), params_bool(b, "%s", path));
                    break;
                default:
                    assert_string_equal(params_str(a, "%s", path), params_str(b, "%s", path));
                }
            }
        }
    }
}

static char *dump(const params *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    params_write_yaml(p, out, "effective scenario");
    fclose(out);
    return buf;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    put(f, "s.yaml", full_yaml);
    load_ok(f, f->p, "s.yaml");
    static const char *const labels[] = {"a: \"b\" # c",
                                         "null",
                                         "",
                                         " lead",
                                         "trail ",
                                         "yes",
                                         "-",
                                         "[x]",
                                         "tab\there",
                                         "\xc3\xbc"
                                         "n\xc3\xaf"
                                         "c",
                                         "~",
                                         "line\nbreak",
                                         "#x",
                                         "&a",
                                         "*a",
                                         "!t",
                                         "'q'",
                                         "a:b",
                                         "null:",
                                         "a:",
                                         "a,",
                                         "10",
                                         "-1",
                                         "%x",
                                         "@x",
                                         "`x",
                                         "{}",
                                         "? x"};
    static const char *const reals[] = {
        "workloads.w.demand.mean_s=0.1",    "workloads.w.demand.mean_s=0.3333333333333333",
        "workloads.w.demand.mean_s=1e-7",   "workloads.w.demand.mean_s=123456.789",
        "workloads.w.demand.mean_s=5e-324", "workloads.w.demand.mean_s=1.7976931348623157e308",
        "workloads.w.demand.mean_s=2e20"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        for (size_t j = 0; j < sizeof reals / sizeof reals[0]; j++) {
            params *a = params_new(&fixture_registry), *b = params_new(&fixture_registry);
            load_ok(f, a, "s.yaml");
            err_clear(&f->e);
            assert_int_equal(
                params_set_text(a, "run.label", labels[i], (param_loc){"--set", 0, 0}, &f->e), 0);
            set_ok(f, a, reals[j]);
            finish_ok(f, a);
            char *text = dump(a);
            put(f, "out.yaml", text);
            load_ok(f, b, "out.yaml");
            finish_ok(f, b);
            assert_same(a, b);
            char *again = dump(b);
            assert_string_equal(text, again);
            free(text);
            free(again);
            params_free(a);
            params_free(b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchors_and_merge_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_quoted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_bombs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
