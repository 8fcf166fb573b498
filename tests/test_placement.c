/* test_placement.c -- placement strategies on hand-built hosts, as ECS
 * documents them (task-placement-strategies.html): binpack picks the host
 * with the least of the resource left that still fits; spread picks the
 * zone, then the host, with the fewest tasks of the service; a task that fits
 * nowhere gets the service-event reason naming the closest instance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/placement.h"
#include "sim/engine/rng.h"

static instance_type m5 = {"m5.large", 2, 8192, 3, {0.096, 0.107}};

static void make_host(host *h, uint32_t id, const char *zone, int64_t cpu_free, int64_t mem_free)
{
    memset(h, 0, sizeof *h);
    h->id = id;
    h->index_in_group = id + 1;
    h->group = "g";
    snprintf(h->zone, sizeof h->zone, "%s", zone);
    h->type = &m5;
    h->state = HOST_ACTIVE;
    h->cpu_units = 4096;
    h->memory_mib = 8192;
    h->cpu_free_units = cpu_free;
    h->memory_free_mib = mem_free;
}

typedef struct {
    host hosts[4];
    uint32_t svc_tasks[4];
    rng_set *rngs;
    gsl_rng *ties;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    make_host(&f->hosts[0], 0, "zone-a", 2048, 6000);
    make_host(&f->hosts[1], 1, "zone-a", 1024, 8000);
    make_host(&f->hosts[2], 2, "zone-b", 4096, 1000);
    make_host(&f->hosts[3], 3, "zone-b", 3072, 4000);
    f->rngs = rng_set_new(1);
    f->ties = rng_stream(f->rngs, "placement:test");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rng_set_free(f->rngs);
    free(f);
    return 0;
}

static int choose(fixture *f, const char *chain, int64_t cpu, int64_t mem, char *why)
{
    placement_chain c;
    char expected[256];
    assert_int_equal(placement_parse(chain, &c, expected, sizeof expected), 0);
    return placement_choose(&c, f->hosts, 4, f->svc_tasks, cpu, mem, f->ties, why, 256);
}

static void test_binpack_cpu(void **state)
{
    char why[256];
    /* least CPU left that still fits: host 1 (1024 free) */
    assert_int_equal(choose(*state, "binpack:cpu", 512, 512, why), 1);
    /* host 1 cannot take 2048: next least is host 0 (2048) */
    assert_int_equal(choose(*state, "binpack:cpu", 2048, 512, why), 0);
}

static void test_binpack_memory(void **state)
{
    char why[256];
    /* least memory left that fits 512: host 2 (1000 MiB) */
    assert_int_equal(choose(*state, "binpack:memory", 256, 512, why), 2);
    /* 2000 MiB does not fit host 2: host 3 (4000) */
    assert_int_equal(choose(*state, "binpack:memory", 256, 2000, why), 3);
}

static void test_spread_host(void **state)
{
    fixture *f = *state;
    char why[256];
    uint32_t tasks[4] = {2, 1, 0, 1};
    memcpy(f->svc_tasks, tasks, sizeof tasks);
    assert_int_equal(choose(f, "spread:host", 256, 256, why), 2);
}

static void test_spread_zone_then_binpack(void **state)
{
    fixture *f = *state;
    char why[256];
    uint32_t tasks[4] = {1, 0, 0, 0}; /* zone-a has one task, zone-b none */
    memcpy(f->svc_tasks, tasks, sizeof tasks);
    /* zone-b, then least CPU left: host 3 (3072) rather than host 2 (4096) */
    assert_int_equal(choose(f, "spread:zone,binpack:cpu", 256, 256, why), 3);
}

static void test_random_is_seeded(void **state)
{
    fixture *f = *state;
    char why[256];
    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 400; i++) counts[choose(f, "random", 256, 256, why)]++;
    for (int h = 0; h < 4; h++) assert_true(counts[h] > 60 && counts[h] < 140);
}

static void test_nothing_fits(void **state)
{
    fixture *f = *state;
    char why[256];
    assert_int_equal(choose(f, "binpack:cpu", 8192, 256, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-3 has insufficient CPU "
                             "units available (4096 free, 8192 needed).");
    assert_int_equal(choose(f, "binpack:cpu", 256, 9000, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-3 has insufficient "
                             "memory available (1000 MiB free, 9000 needed).");
    for (int h = 0; h < 4; h++) f->hosts[h].state = HOST_TERMINATED;
    assert_int_equal(choose(f, "binpack:cpu", 256, 256, why), -1);
    assert_string_equal(why, "No Container Instances were found in your cluster.");
}

static void test_parse(void **state)
{
    (void) state;
    placement_chain c;
    char expected[256];
    assert_int_equal(placement_parse("spread:zone, spread:host", &c, expected, sizeof expected), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.rules[0], PLACE_SPREAD_ZONE);
    assert_int_equal(c.rules[1], PLACE_SPREAD_HOST);
    assert_int_equal(placement_parse("binpack", &c, expected, sizeof expected), -1);
    assert_string_equal(expected, "a comma-separated chain of at most 5 of binpack:cpu, "
                                  "binpack:memory, spread:zone, spread:host, random");
    assert_int_equal(placement_parse("", &c, expected, sizeof expected), -1);
    assert_int_equal(
        placement_parse("random,random,random,random,random,random", &c, expected, sizeof expected),
        -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binpack_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binpack_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_zone_then_binpack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_is_seeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_fits, setup, teardown),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
