/* test_param.c -- the parameter registry and value store: pattern matching,
 * parsing and range checks, defaults, references, the YAML and doc writers,
 * and the exact wording of every error a user can meet (the messages are
 * the interface, so each is compared whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/engine/param.h"
#include "support/param_fixture.h"

static const param_loc AT = {"s.yaml", 3, 5};
static const param_loc OK = {"ok.yaml", 1, 1}; /* good values, so AT is never "set twice" */
static const param_loc SET = {"--set", 0, 0};

static param_loc at(int line, int column)
{
    return (param_loc){"s.yaml", line, column};
}

/* A params with task definition "web", service "web" and workload "w". */
static params *fixture(void)
{
    ecs_err e;
    err_clear(&e);
    params *p = params_new(&fixture_registry);
    assert_int_equal(params_add_object(p, "task_definitions", "web", at(2, 3), &e), 0);
    assert_int_equal(params_add_object(p, "services", "web", at(5, 3), &e), 0);
    assert_int_equal(params_add_object(p, "workloads", "w", at(8, 3), &e), 0);
    return p;
}

/* Sets path=text and expects the error `msg` with `code`. */
static void set_fails(params *p, const char *path, const char *text, param_loc where,
                      const char *msg)
{
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_set_text(p, path, text, where, &e), ECS_EINPUT);
    assert_int_equal(e.code, ECS_EINPUT);
    assert_string_equal(e.msg, msg);
}

static void set_ok(params *p, const char *path, const char *text, param_loc where)
{
    ecs_err e;
    err_clear(&e);
    int rc = params_set_text(p, path, text, where, &e);
    if (rc != 0) fail_msg("%s=%s: %s", path, text, e.msg);
}

static void finish_ok(params *p)
{
    ecs_err e;
    err_clear(&e);
    int rc = params_finish(p, &e);
    if (rc != 0) fail_msg("params_finish: %s", e.msg);
}

static void test_registry_check(void **state)
{
    (void) state;
    ecs_err e;
    err_clear(&e);
    assert_int_equal(param_registry_check(&fixture_registry, &e), 0);

    static const param_def bad_default[] = {
        {"run.x", PT_INT, "", 0, INFINITY, "-1", NULL, 0, NULL, "x"},
        {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def dup[] = {{"a.b", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                    {"a.b", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def group[] = {{"a.b", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                      {"a.b.c", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                      {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def ref[] = {{"a.b", PT_REF, "", 0, 0, NULL, "nope", PF_REQUIRED, NULL, "x"},
                                    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def nodef[] = {{"a.b", PT_INT, "", 0, 0, NULL, NULL, 0, NULL, "x"},
                                      {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def path[] = {{"a..b", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                     {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const param_def mixed[] = {{"s.*.x", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                      {"s.y", PT_INT, "", 0, 0, "1", NULL, 0, NULL, "x"},
                                      {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};
    static const struct {
        const param_def *table;
        const char *msg;
    } cases[] = {
        {bad_default, "registry: run.x: bad default: expected an integer >= 0, got \"-1\""},
        {dup, "registry: a.b: declared twice"},
        {group, "registry: a.b: both a value and a group (a.b.c)"},
        {ref, "registry: a.b: refers to no collection"},
        {nodef, "registry: a.b: no default"},
        {path, "registry: a..b: malformed path"},
        {mixed, "registry: s.y: s is a collection; want s.*..."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const param_def *tables[] = {cases[i].table, NULL};
        param_registry r = {tables};
        err_clear(&e);
        assert_int_equal(param_registry_check(&r, &e), ECS_EINTERNAL);
        assert_string_equal(e.msg, cases[i].msg);
    }
}

static void test_find_and_shape(void **state)
{
    (void) state;
    const param_registry *r = &fixture_registry;
    assert_ptr_equal(param_registry_find(r, "services.web.desired_count"), &fixture_service[0]);
    assert_ptr_equal(param_registry_find(r, "run.seed"), &fixture_run[1]);
    assert_ptr_equal(param_registry_find(r, "workloads.x.demand.mean_s"), &fixture_workload[3]);
    assert_null(param_registry_find(r, "services.web"));
    assert_null(param_registry_find(r, "services..desired_count"));
    assert_null(param_registry_find(r, "run.seed.x"));
    assert_true(param_registry_is_group(r, "run"));
    assert_true(param_registry_is_group(r, "services.web"));
    assert_true(param_registry_is_group(r, "workloads.w.demand"));
    assert_false(param_registry_is_group(r, "run.seed"));
    assert_false(param_registry_is_group(r, "servics"));
    assert_true(param_registry_is_collection(r, "services"));
    assert_true(param_registry_is_collection(r, "task_definitions"));
    assert_false(param_registry_is_collection(r, "run"));
    assert_false(param_registry_is_collection(r, "service"));
}

static void count_def(const param_def *d, void *ctx)
{
    (void) d;
    (*(size_t *) ctx)++;
}

static void test_each(void **state)
{
    (void) state;
    size_t n = 0;
    param_registry_each(&fixture_registry, count_def, &n);
    assert_int_equal(n, 5 + 2 + 2 + 3 + 2 + 4);
}

static void test_describe(void **state)
{
    (void) state;
    static const param_def d[] = {
        {"a", PT_INT, "", 0, INFINITY, "1", NULL, 0, NULL, "x"},
        {"a", PT_INT, "", 1, 1000, "1", NULL, 0, NULL, "x"},
        {"a", PT_REAL, "", 0, INFINITY, "1", NULL, PF_MIN_EXCL, NULL, "x"},
        {"a", PT_REAL, "", 0, 1, "1", NULL, 0, NULL, "x"},
        {"a", PT_REAL, "", 0, 1, "1", NULL, PF_MIN_EXCL, NULL, "x"},
        {"a", PT_REAL, "", 0, 0, "1", NULL, 0, NULL, "x"},
        {"a", PT_REAL, "", -INFINITY, 2.5, "1", NULL, 0, NULL, "x"},
        {"a", PT_INT, "", 0, INFINITY, "1", NULL, PF_UNLIMITED, NULL, "x"},
        {"a", PT_REAL, "", 0.001, 86400, "1", NULL, 0, NULL, "x"},
        {"a", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL, "x"},
        {"a", PT_ENUM, "", 0, 0, "random", "round_robin|least_outstanding_requests|random", 0, NULL,
         "x"},
        {"a", PT_STR, "", 0, 0, "", NULL, 0, NULL, "x"},
        {"a", PT_REF, "", 0, 0, NULL, "services", PF_REQUIRED, NULL, "x"},
    };
    static const char *const want[] = {
        "an integer >= 0",
        "an integer in [1, 1000]",
        "a number > 0",
        "a number in [0, 1]",
        "a number in (0, 1]",
        "a number",
        "a number <= 2.5",
        "an integer >= 0 or unlimited",
        "a number in [0.001, 86400]",
        "true or false",
        "one of round_robin, least_outstanding_requests, random",
        "a string",
        "the name of one of the services",
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        char buf[256];
        param_describe(&d[i], buf, sizeof buf);
        assert_string_equal(buf, want[i]);
    }
}

static void test_quote(void **state)
{
    (void) state;
    char buf[128];
    param_quote("two", buf, sizeof buf);
    assert_string_equal(buf, "\"two\"");
    param_quote("a\"b\\c\nd\x01", buf, sizeof buf);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\x01\"");
    char long_text[200];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    param_quote(long_text, buf, sizeof buf);
    assert_int_equal(strlen(buf), 1 + 64 + 3 + 1);
    assert_string_equal(buf + 65, "...\"");
}

static void test_integers(void **state)
{
    (void) state;
    params *p = fixture();
    set_ok(p, "run.seed", "10_000_000", OK);
    set_ok(p, "services.web.desired_count", "+7", OK);
    set_ok(p, "task_definitions.web.cpu", "10240", OK);
    set_fails(p, "run.seed", "two", AT,
              "s.yaml:3:5: run.seed: expected an integer >= 0, got \"two\"");
    set_fails(p, "run.seed", "1.5", AT,
              "s.yaml:3:5: run.seed: expected an integer >= 0, got \"1.5\"");
    set_fails(p, "run.seed", "99999999999999999999", AT,
              "s.yaml:3:5: run.seed: expected an integer >= 0, got \"99999999999999999999\"");
    set_fails(p, "run.seed", "-1", AT,
              "s.yaml:3:5: run.seed: expected an integer >= 0, got \"-1\"");
    set_fails(p, "run.seed", "1__0", SET,
              "--set: run.seed: expected an integer >= 0, got \"1__0\"");
    set_fails(p, "run.seed", "_1", SET, "--set: run.seed: expected an integer >= 0, got \"_1\"");
    set_fails(p, "run.seed", "1_", SET, "--set: run.seed: expected an integer >= 0, got \"1_\"");
    set_fails(p, "run.seed", "", SET, "--set: run.seed: expected an integer >= 0, got \"\"");
    set_fails(p, "run.seed", " 1", SET, "--set: run.seed: expected an integer >= 0, got \" 1\"");
    set_fails(p, "services.web.desired_count", "10001", AT,
              "s.yaml:3:5: services.web.desired_count: expected an integer in [0, 10000], got "
              "\"10001\"");
    set_fails(p, "task_definitions.web.cpu", "127", at(4, 10),
              "s.yaml:4:10: task_definitions.web.cpu: expected an integer in [128, 10240], got "
              "\"127\"");
    set_fails(p, "task_definitions.web.cpu", "unlimited", AT,
              "s.yaml:3:5: task_definitions.web.cpu: expected an integer in [128, 10240], got "
              "\"unlimited\"");
    set_ok(p, "task_definitions.web.queue_limit", "unlimited", OK);
    set_fails(p, "task_definitions.web.queue_limit", "lots", AT,
              "s.yaml:3:5: task_definitions.web.queue_limit: expected an integer >= 0 or "
              "unlimited, got \"lots\"");
    set_ok(p, "run.max_requests", "9223372036854775807", SET);
    set_ok(p, "services.web.task_definition", "web", OK);
    set_ok(p, "workloads.w.service", "web", OK);
    finish_ok(p);
    assert_int_equal(params_int(p, "run.seed"), 10000000);
    assert_int_equal(params_int(p, "services.%s.desired_count", "web"), 7);
    assert_int_equal(params_int(p, "task_definitions.web.cpu"), 10240);
    assert_int_equal(params_int(p, "task_definitions.web.queue_limit"), -1);
    assert_true(params_int(p, "run.max_requests") == INT64_MAX);
    params_free(p);
}

static void test_reals_bools_enums_strings(void **state)
{
    (void) state;
    params *p = fixture();
    set_ok(p, "run.duration_s", "86_400.5", OK);
    set_ok(p, "slo.error_rate", "1e-3", OK);
    set_ok(p, "slo.p99_latency_s", ".25", OK);
    set_fails(p, "run.duration_s", "0", AT,
              "s.yaml:3:5: run.duration_s: expected a number > 0, got \"0\"");
    static const char *const bad_reals[] = {"nan", "inf", "-inf", "0x10", "1e999",
                                            "",    "1e",  "abc",  "1.5s"};
    for (size_t i = 0; i < sizeof bad_reals / sizeof bad_reals[0]; i++) {
        char want[128], quoted[64];
        param_quote(bad_reals[i], quoted, sizeof quoted);
        snprintf(want, sizeof want, "--set: run.duration_s: expected a number > 0, got %s", quoted);
        set_fails(p, "run.duration_s", bad_reals[i], SET, want);
    }
    set_fails(p, "slo.error_rate", "1.5", AT,
              "s.yaml:3:5: slo.error_rate: expected a number in [0, 1], got \"1.5\"");

    set_ok(p, "run.drain", "No", OK);
    set_fails(p, "run.drain", "maybe", AT,
              "s.yaml:3:5: run.drain: expected true or false, got \"maybe\"");

    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_add_object(p, "load_balancers", "front", AT, &e), 0);
    set_ok(p, "load_balancers.front.algorithm", "least_outstanding_requests", OK);
    set_fails(p, "load_balancers.front.algorithm", "roundrobin", AT,
              "s.yaml:3:5: load_balancers.front.algorithm: expected one of round_robin, "
              "least_outstanding_requests, random, got \"roundrobin\"; did you mean "
              "round_robin?");
    set_fails(p, "load_balancers.front.algorithm", "fastest", AT,
              "s.yaml:3:5: load_balancers.front.algorithm: expected one of round_robin, "
              "least_outstanding_requests, random, got \"fastest\"");

    set_ok(p, "services.web.placement_strategy", "spread:zone,binpack:memory", OK);
    set_fails(p, "services.web.placement_strategy", "spraed:zone", AT,
              "s.yaml:3:5: services.web.placement_strategy: expected strategies such as "
              "spread:zone,binpack:memory, got \"spraed:zone\"");
    set_ok(p, "run.label", "any \"text\" at all", SET);

    set_ok(p, "services.web.task_definition", "web", OK);
    set_ok(p, "workloads.w.service", "web", OK);
    set_ok(p, "load_balancers.front.service", "web", OK);
    finish_ok(p);
    assert_true(params_real(p, "run.duration_s") == 86400.5);
    assert_true(params_real(p, "slo.error_rate") == 1e-3);
    assert_true(params_real(p, "slo.p99_latency_s") == 0.25);
    assert_false(params_bool(p, "run.drain"));
    assert_string_equal(params_str(p, "load_balancers.front.algorithm"),
                        "least_outstanding_requests");
    assert_string_equal(params_str(p, "services.web.placement_strategy"),
                        "spread:zone,binpack:memory");
    assert_string_equal(params_str(p, "run.label"), "any \"text\" at all");
    params_free(p);
}

static void test_bool_words(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        bool value;
    } cases[] = {{"true", true},   {"yes", true}, {"ON", true},   {"True", true},
                 {"false", false}, {"no", false}, {"off", false}, {"FALSE", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        params *p = params_new(&fixture_registry);
        set_ok(p, "run.drain", cases[i].text, AT);
        finish_ok(p);
        assert_int_equal(params_bool(p, "run.drain"), cases[i].value);
        params_free(p);
    }
}

static void test_unknown_parameters(void **state)
{
    (void) state;
    params *p = fixture();
    set_fails(p, "run.sed", "1", AT,
              "s.yaml:3:5: run.sed: unknown parameter; did you mean run.seed?");
    set_fails(p, "services.web.desird_count", "1", AT,
              "s.yaml:3:5: services.web.desird_count: unknown parameter; did you mean "
              "services.web.desired_count?");
    set_fails(p, "servics.web.desired_count", "1", SET,
              "--set: servics.web.desired_count: unknown parameter; did you mean "
              "services.web.desired_count?");
    set_fails(p, "workloads.w.demand.men_s", "1", SET,
              "--set: workloads.w.demand.men_s: unknown parameter; did you mean "
              "workloads.w.demand.mean_s?");
    set_fails(p, "xyz.qqq", "1", AT, "s.yaml:3:5: xyz.qqq: unknown parameter");
    set_fails(p, "services.a!b.desired_count", "1", SET,
              "--set: services.a!b.desired_count: unknown parameter");
    set_fails(p, "services.a\nb.desired_count", "1", SET,
              "--set: \"services.a\\nb.desired_count\": unknown parameter");
    set_fails(p, "run.seed.x", "1", AT,
              "s.yaml:3:5: run.seed.x: unknown parameter; did you mean run.seed?");
    set_fails(p, "run", "1", SET,
              "--set: run: a group of parameters (such as run.duration_s), not a value");
    set_fails(p, "services.web", "1", SET,
              "--set: services.web: a group of parameters (such as services.*.desired_count), "
              "not a value");

    ecs_err e;
    err_clear(&e);
    assert_int_equal(param_registry_unknown(&fixture_registry, "servics", at(2, 1), &e),
                     ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:2:1: servics: unknown parameter; did you mean services?");
    err_clear(&e);
    param_registry_unknown(&fixture_registry, "workloads.w.demnd", at(9, 5), &e);
    assert_string_equal(e.msg, "s.yaml:9:5: workloads.w.demnd: unknown parameter; did you mean "
                               "workloads.w.demand?");
    params_free(p);
}

static void test_undeclared_objects(void **state)
{
    (void) state;
    params *p = fixture();
    set_fails(p, "services.api.desired_count", "3", SET,
              "--set: services.api.desired_count: no services named \"api\"; have: web");
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_add_object(p, "services", "db", at(12, 3), &e), 0);
    set_fails(p, "services.api.desired_count", "3", AT,
              "s.yaml:3:5: services.api.desired_count: no services named \"api\"; have: web, db");
    set_fails(p, "load_balancers.lb.algorithm", "random", SET,
              "--set: load_balancers.lb.algorithm: no load_balancers named \"lb\"; none are "
              "declared");
    params_free(p);
}

static void test_objects(void **state)
{
    (void) state;
    params *p = params_new(&fixture_registry);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_add_object(p, "services", "web", at(4, 3), &e), 0);
    assert_int_equal(params_add_object(p, "services", "web", at(9, 3), &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:9:3: services.web: declared twice (first at s.yaml:4:3)");
    err_clear(&e);
    assert_int_equal(params_add_object(p, "servics", "web", at(2, 1), &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:2:1: servics: unknown parameter; did you mean services?");
    err_clear(&e);
    assert_int_equal(params_add_object(p, "run", "x", at(2, 1), &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:2:1: run: not a collection of named objects");
    err_clear(&e);
    assert_int_equal(params_add_object(p, "services", "web.v2", at(6, 3), &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:6:3: services: bad name \"web.v2\"; a name uses letters, "
                               "digits, '_' and '-' and starts with a letter, digit or '_'");
    err_clear(&e);
    assert_int_equal(params_add_object(p, "services", "-x", at(6, 3), &e), ECS_EINPUT);

    static const char *const names[] = {"zeta", "alpha", "mid-1", "_x"};
    for (size_t i = 0; i < 4; i++) {
        err_clear(&e);
        assert_int_equal(params_add_object(p, "task_definitions", names[i], AT, &e), 0);
    }
    assert_int_equal(params_count(p, "task_definitions"), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(params_object(p, "task_definitions", i), names[i]);
    assert_int_equal(params_count(p, "services"), 1);
    assert_int_equal(params_count(p, "workloads"), 0);
    params_free(p);
}

static void test_set_twice_and_override(void **state)
{
    (void) state;
    params *p = fixture();
    set_ok(p, "run.seed", "3", AT);
    set_fails(p, "run.seed", "4", at(7, 3),
              "s.yaml:7:3: run.seed: set twice (first at s.yaml:3:5)");
    set_ok(p, "run.seed", "5", (param_loc){"other.yaml", 1, 7});
    set_ok(p, "run.seed", "6", SET);
    set_ok(p, "run.seed", "7", SET);
    set_ok(p, "services.web.task_definition", "web", AT);
    set_ok(p, "workloads.w.service", "web", AT);
    finish_ok(p);
    assert_int_equal(params_int(p, "run.seed"), 7);
    param_loc w = params_where(p, "run.seed");
    assert_string_equal(w.file, "--set");
    assert_int_equal(w.line, 0);
    params_free(p);
}

static void test_defaults_and_where(void **state)
{
    (void) state;
    params *p = fixture();
    char file[] = "mutable.yaml";
    set_ok(p, "services.web.desired_count", "4", (param_loc){file, 12, 20});
    set_ok(p, "services.web.task_definition", "web", AT);
    set_ok(p, "workloads.w.service", "web", AT);
    file[0] = 'X'; /* params keep their own copy of the name */
    finish_ok(p);
    assert_true(params_real(p, "run.duration_s") == 3600);
    assert_int_equal(params_int(p, "run.seed"), 1);
    assert_true(params_bool(p, "run.drain"));
    assert_string_equal(params_str(p, "run.label"), "");
    assert_int_equal(params_int(p, "run.max_requests"), -1);
    assert_true(params_real(p, "slo.error_rate") == 0.01);
    assert_int_equal(params_int(p, "task_definitions.web.cpu"), 1024);
    assert_int_equal(params_int(p, "task_definitions.web.queue_limit"), -1);
    assert_int_equal(params_int(p, "services.web.desired_count"), 4);
    assert_string_equal(params_str(p, "services.web.placement_strategy"), "spread:zone");
    assert_string_equal(params_str(p, "workloads.w.demand.distribution"), "exponential");
    assert_true(params_real(p, "workloads.w.demand.mean_s") == 0.05);
    assert_true(params_real(p, "workloads.w.rate_rps") == 10);

    param_loc w = params_where(p, "services.web.desired_count");
    assert_string_equal(w.file, "mutable.yaml");
    assert_int_equal(w.line, 12);
    assert_int_equal(w.column, 20);
    w = params_where(p, "run.seed");
    assert_null(w.file);
    assert_ptr_equal(params_registry(p), &fixture_registry);
    params_free(p);
}

static void test_required_missing(void **state)
{
    (void) state;
    params *p = fixture();
    set_ok(p, "workloads.w.service", "web", AT);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_finish(p, &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:5:3: services.web.task_definition: required but not set");
    params_free(p);

    p = params_new(&fixture_registry);
    err_clear(&e);
    assert_int_equal(params_add_object(p, "services", "web", SET, &e), 0);
    assert_int_equal(params_finish(p, &e), ECS_EINPUT);
    assert_string_equal(e.msg, "--set: services.web.task_definition: required but not set");
    params_free(p);
}

static void test_bad_ref(void **state)
{
    (void) state;
    params *p = fixture();
    set_ok(p, "services.web.task_definition", "api", at(6, 22));
    set_ok(p, "workloads.w.service", "web", AT);
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_finish(p, &e), ECS_EINPUT);
    assert_string_equal(e.msg, "s.yaml:6:22: services.web.task_definition: no task_definitions "
                               "named \"api\"; have: web");
    params_free(p);

    p = fixture();
    set_ok(p, "services.web.task_definition", "web", AT);
    set_ok(p, "workloads.w.service", "db", SET);
    err_clear(&e);
    assert_int_equal(params_finish(p, &e), ECS_EINPUT);
    assert_string_equal(e.msg, "--set: workloads.w.service: no services named \"db\"; have: web");
    params_free(p);
}

static char *capture(void (*fn)(const void *, FILE *, const char *), const void *arg,
                     const char *header)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(arg, f, header);
    fclose(f);
    return buf;
}

static void write_yaml(const void *p, FILE *out, const char *header)
{
    params_write_yaml(p, out, header);
}

static void write_doc(const void *r, FILE *out, const char *header)
{
    (void) header;
    param_registry_write_doc(r, out);
}

static void test_write_yaml(void **state)
{
    (void) state;
    params *p = fixture();
    ecs_err e;
    err_clear(&e);
    assert_int_equal(params_add_object(p, "task_definitions", "big", AT, &e), 0);
    set_ok(p, "services.web.task_definition", "big", AT);
    set_ok(p, "services.web.placement_strategy", "spread:zone,binpack:memory", AT);
    set_ok(p, "workloads.w.service", "web", AT);
    set_ok(p, "workloads.w.demand.mean_s", "0.1", AT);
    set_ok(p, "task_definitions.big.queue_limit", "100", AT);
    set_ok(p, "run.duration_s", "1e-7", AT);
    set_ok(p, "run.label", "a: \"b\" # c", SET);
    finish_ok(p);
    char *out = capture(write_yaml, p, "effective scenario\n\nseed 1");
    assert_string_equal(out, "# effective scenario\n"
                             "#\n"
                             "# seed 1\n"
                             "run:\n"
                             "  duration_s: 1e-07\n"
                             "  seed: 1\n"
                             "  drain: true\n"
                             "  label: \"a: \\\"b\\\" # c\"\n"
                             "  max_requests: unlimited\n"
                             "slo:\n"
                             "  error_rate: 0.01\n"
                             "  p99_latency_s: 0.2\n"
                             "task_definitions:\n"
                             "  web:\n"
                             "    cpu: 1024\n"
                             "    queue_limit: unlimited\n"
                             "  big:\n"
                             "    cpu: 1024\n"
                             "    queue_limit: 100\n"
                             "services:\n"
                             "  web:\n"
                             "    desired_count: 2\n"
                             "    task_definition: big\n"
                             "    placement_strategy: spread:zone,binpack:memory\n"
                             "workloads:\n"
                             "  w:\n"
                             "    service: web\n"
                             "    demand:\n"
                             "      distribution: exponential\n"
                             "      mean_s: 0.1\n"
                             "    rate_rps: 10\n");
    free(out);
    params_free(p);
}

static void test_write_doc(void **state)
{
    (void) state;
    char *out = capture(write_doc, &fixture_registry, NULL);
    static const char *const blocks[] = {
        "run.duration_s  (number, s)  default 3600  range > 0\n"
        "    How long arrivals run.\n\n",
        "run.drain  (boolean)  default true\n    In-flight requests finish.\n\n",
        "run.label  (string)  default \"\"\n",
        "run.max_requests  (integer, requests)  default unlimited  range >= 0 or unlimited\n",
        "slo.error_rate  (number)  default 0.01  range [0, 1]\n",
        "services.*.desired_count  (integer, tasks)  default 2  range [0, 10000]\n"
        "    Tasks the service keeps running.\n\n",
        "services.*.task_definition  (name of one of the task_definitions)  required\n",
        "load_balancers.*.algorithm  (one of round_robin, least_outstanding_requests, random)  "
        "default round_robin\n",
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (!strstr(out, blocks[i])) fail_msg("missing block:\n%s\nin:\n%s", blocks[i], out);
    assert_true(strncmp(out, "run.duration_s ", 15) == 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_check),
        cmocka_unit_test(test_find_and_shape),
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_reals_bools_enums_strings),
        cmocka_unit_test(test_bool_words),
        cmocka_unit_test(test_unknown_parameters),
        cmocka_unit_test(test_undeclared_objects),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_set_twice_and_override),
        cmocka_unit_test(test_defaults_and_where),
        cmocka_unit_test(test_required_missing),
        cmocka_unit_test(test_bad_ref),
        cmocka_unit_test(test_write_yaml),
        cmocka_unit_test(test_write_doc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
