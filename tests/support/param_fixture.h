/* param_fixture.h -- a small parameter registry for the param and scenario
 * tests, shaped like the real one (run, slo and named-object collections)
 * but independent of the models, so those tests pin the engine's behaviour
 * and wording alone. Header-only static data: each test file gets a copy. */
#ifndef ECSIM_TESTS_PARAM_FIXTURE_H
#define ECSIM_TESTS_PARAM_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/engine/param.h"

/* "kind:field,kind:field": spread:zone|host, binpack:cpu|memory, random. */
static int fixture_check_strategy(const char *text, char *expected, size_t len)
{
    static const char *const ok[] = {"spread:zone", "spread:host", "binpack:cpu", "binpack:memory",
                                     "random"};
    for (const char *s = text;;) {
        size_t l = strcspn(s, ","), i = 0;
        while (i < 5 && !(strlen(ok[i]) == l && strncmp(ok[i], s, l) == 0)) i++;
        if (i == 5) {
            snprintf(expected, len, "strategies such as spread:zone,binpack:memory");
            return -1;
        }
        s += l;
        if (!*s++) return 0;
    }
}

static const param_def fixture_run[] = {
    {"run.duration_s", PT_REAL, "s", 0, INFINITY, "3600", NULL, PF_MIN_EXCL, NULL,
     "How long arrivals run."},
    {"run.seed", PT_INT, "", 0, INFINITY, "1", NULL, 0, NULL, "Seed of every random stream."},
    {"run.drain", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL, "In-flight requests finish."},
    {"run.label", PT_STR, "", 0, 0, "", NULL, 0, NULL, "Free text for the summary."},
    {"run.max_requests", PT_INT, "requests", 0, INFINITY, "unlimited", NULL, PF_UNLIMITED, NULL,
     "Arrivals stop after this many."},
    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

static const param_def fixture_slo[] = {
    {"slo.error_rate", PT_REAL, "", 0, 1, "0.01", NULL, 0, NULL, "Largest share of errors."},
    {"slo.p99_latency_s", PT_REAL, "s", 0, INFINITY, "0.2", NULL, PF_MIN_EXCL, NULL,
     "Latency the 99th percentile must stay under."},
    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

static const param_def fixture_task[] = {{"task_definitions.*.cpu", PT_INT, "CPU units", 128, 10240,
                                          "1024", NULL, 0, NULL, "CPU units of the task."},
                                         {"task_definitions.*.queue_limit", PT_INT, "requests", 0,
                                          INFINITY, "unlimited", NULL, PF_UNLIMITED, NULL,
                                          "Requests a task holds before refusing more."},
                                         {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

static const param_def fixture_service[] = {
    {"services.*.desired_count", PT_INT, "tasks", 0, 10000, "2", NULL, 0, NULL,
     "Tasks the service keeps running."},
    {"services.*.task_definition", PT_REF, "", 0, 0, NULL, "task_definitions", PF_REQUIRED, NULL,
     "The task definition its tasks run."},
    {"services.*.placement_strategy", PT_STR, "", 0, 0, "spread:zone", NULL, 0,
     fixture_check_strategy, "Placement strategies, tried in order."},
    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

static const param_def fixture_lb[] = {
    {"load_balancers.*.service", PT_REF, "", 0, 0, NULL, "services", PF_REQUIRED, NULL,
     "The service whose tasks are its targets."},
    {"load_balancers.*.algorithm", PT_ENUM, "", 0, 0, "round_robin",
     "round_robin|least_outstanding_requests|random", 0, NULL, "How a target is picked."},
    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

/* demand.* and rate_rps interleave on purpose: the YAML writer must still
 * write one demand mapping. */
static const param_def fixture_workload[] = {
    {"workloads.*.service", PT_REF, "", 0, 0, NULL, "services", PF_REQUIRED, NULL,
     "The service it drives."},
    {"workloads.*.demand.distribution", PT_ENUM, "", 0, 0, "exponential",
     "exponential|lognormal|deterministic", 0, NULL, "Shape of a request's CPU demand."},
    {"workloads.*.rate_rps", PT_REAL, "requests/s", 0, INFINITY, "10", NULL, 0, NULL,
     "Mean arrival rate."},
    {"workloads.*.demand.mean_s", PT_REAL, "s", 0, INFINITY, "0.05", NULL, PF_MIN_EXCL, NULL,
     "Mean CPU demand of a request."},
    {NULL, PT_INT, NULL, 0, 0, NULL, NULL, 0, NULL, NULL}};

static const param_def *const fixture_tables[] = {
    fixture_run, fixture_slo, fixture_task, fixture_service, fixture_lb, fixture_workload, NULL};

static const param_registry fixture_registry = {fixture_tables};

#endif
