/* test_placement.c -- placement on hand-built hosts, as ECS documents it.
 * Strategies (task-placement-strategies.html, strategy-examples.html):
 * binpack keeps the host with the least of the resource left that still
 * fits, so it fills one host first; spread keeps the group (zone, host,
 * instance type, any attribute) with the fewest of the service's tasks; the
 * chain applies in order; random ties come from the seeded stream. Resources
 * (task-networking.html, API PortMapping, container-instance-eni.html): a
 * static host port is held by one task per host, dynamic ports by none, an
 * awsvpc task takes one of max_enis - 1 ENI attachments. A task that fits
 * nowhere gets ECS's service event reason (service-event-messages.html). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/placement.h"
#include "sim/engine/rng.h"

static instance_type m5 = {"m5.large", 2, 8192, 3, {0.096, 0.107}};
static instance_type c5 = {"c5.large", 2, 4096, 3, {0.085, 0.096}};

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
    h->attributes = "";
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

static placement_need need_of(int64_t cpu, int64_t mem)
{
    placement_need n = {cpu, mem, NET_BRIDGE, 0, NULL};
    return n;
}

static void parse_ok(const char *text, placement_chain *c)
{
    char expected[256];
    assert_int_equal(placement_parse(text, c, expected, sizeof expected), 0);
}

static int choose_need(fixture *f, const char *chain, const placement_need *n, char *why)
{
    placement_chain c;
    parse_ok(chain, &c);
    return placement_choose(&c, n, f->hosts, 4, f->svc_tasks, f->ties, why, 256);
}

static int choose(fixture *f, const char *chain, int64_t cpu, int64_t mem, char *why)
{
    placement_need n = need_of(cpu, mem);
    return choose_need(f, chain, &n, why);
}

/* Places one task: choose, take, count it for the service. */
static int place(fixture *f, const char *chain, const placement_need *n, char *why)
{
    int h = choose_need(f, chain, n, why);
    if (h >= 0) {
        placement_take(&f->hosts[h], n);
        f->svc_tasks[h]++;
    }
    return h;
}

static void empty_hosts(fixture *f)
{
    make_host(&f->hosts[0], 0, "zone-a", 4096, 8192);
    make_host(&f->hosts[1], 1, "zone-a", 4096, 8192);
    make_host(&f->hosts[2], 2, "zone-b", 4096, 8192);
    make_host(&f->hosts[3], 3, "zone-b", 4096, 8192);
    memset(f->svc_tasks, 0, sizeof f->svc_tasks);
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

/* "binpack ... minimizes the number of instances in use": on empty hosts
 * the first task goes anywhere, and every later one joins it until it is
 * full; only then is a second host used. */
static void test_binpack_fills_one_host_first(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    placement_need n = need_of(1024, 512);
    int first = place(f, "binpack:cpu", &n, why);
    assert_true(first >= 0);
    for (int k = 1; k < 4; k++) assert_int_equal(place(f, "binpack:cpu", &n, why), first);
    assert_int_equal(f->hosts[first].cpu_free_units, 0);
    int second = place(f, "binpack:cpu", &n, why);
    assert_true(second >= 0 && second != first);
    assert_int_equal(place(f, "binpack:cpu", &n, why), second);
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

/* The documented service default, "spread:zone,spread:host" (evenly across
 * zones, then across the instances within each zone: strategy-examples.html):
 * four tasks on two zones of two hosts each land one per host, two per zone. */
static void test_spread_zone_then_host_balances(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    placement_need n = need_of(512, 512);
    for (int k = 0; k < 4; k++) {
        assert_true(place(f, "spread:zone,spread:host", &n, why) >= 0);
        uint32_t a = f->svc_tasks[0] + f->svc_tasks[1], b = f->svc_tasks[2] + f->svc_tasks[3];
        assert_true(a + b == (uint32_t) k + 1 && (a > b ? a - b : b - a) <= 1);
    }
    for (int h = 0; h < 4; h++) assert_int_equal(f->svc_tasks[h], 1);
    /* the fifth and sixth go to different zones again */
    assert_true(place(f, "spread:zone,spread:host", &n, why) >= 0);
    assert_true(place(f, "spread:zone,spread:host", &n, why) >= 0);
    assert_int_equal(f->svc_tasks[0] + f->svc_tasks[1], 3);
}

/* spread on the instance type (any platform attribute, task-placement-
 * strategies.html): one c5.large among three m5.large gets half the tasks. */
static void test_spread_instance_type(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    f->hosts[3].type = &c5;
    placement_need n = need_of(256, 256);
    for (int k = 0; k < 4; k++) assert_true(place(f, "spread:instance_type", &n, why) >= 0);
    assert_int_equal(f->svc_tasks[3], 2);
    assert_int_equal(f->svc_tasks[0] + f->svc_tasks[1] + f->svc_tasks[2], 2);
    /* the ECS spelling is the same rule */
    placement_chain a, b;
    parse_ok("spread:instance_type", &a);
    parse_ok("spread:attribute:ecs.instance-type", &b);
    assert_int_equal(a.rules[0], b.rules[0]);
}

/* spread on a custom attribute (task-placement-strategies.html: "any
 * platform or custom attribute"): racks r1 (hosts 0, 1), r2 (host 2), and a
 * host without the attribute, which is a group of its own. */
static void test_spread_custom_attribute(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    f->hosts[0].attributes = "rack=r1";
    f->hosts[1].attributes = "team=a, rack=r1";
    f->hosts[2].attributes = "rack=r2";
    placement_need n = need_of(256, 256);
    for (int k = 0; k < 6; k++) assert_true(place(f, "spread:attribute:rack", &n, why) >= 0);
    assert_int_equal(f->svc_tasks[0] + f->svc_tasks[1], 2);
    assert_int_equal(f->svc_tasks[2], 2);
    assert_int_equal(f->svc_tasks[3], 2);
}

/* The chain applies in order: spread first then binpack is not binpack
 * first then spread. */
static void test_chain_order(void **state)
{
    fixture *f = *state;
    char why[256];
    uint32_t tasks[4] = {1, 0, 0, 0};
    memcpy(f->svc_tasks, tasks, sizeof tasks);
    /* zone-b has none, then least CPU there: host 3 */
    assert_int_equal(choose(f, "spread:zone,binpack:cpu", 256, 256, why), 3);
    /* least CPU anywhere: host 1, in the busier zone */
    assert_int_equal(choose(f, "binpack:cpu,spread:zone", 256, 256, why), 1);
    /* random after spread picks among the emptier zone's hosts only */
    int seen[4] = {0, 0, 0, 0};
    for (int i = 0; i < 100; i++) seen[choose(f, "spread:zone,random", 256, 256, why)]++;
    assert_true(seen[0] == 0 && seen[1] == 0 && seen[2] > 0 && seen[3] > 0);
}

static void test_random_is_seeded(void **state)
{
    fixture *f = *state;
    char why[256];
    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 400; i++) counts[choose(f, "random", 256, 256, why)]++;
    for (int h = 0; h < 4; h++) assert_true(counts[h] > 60 && counts[h] < 140);
}

/* Ties are broken by the caller's stream: the same seed and stream name give
 * the same choices, so a run is a function of its seed. */
static void test_random_ties_reproducible(void **state)
{
    fixture *f = *state;
    char why[256];
    int seq[2][50];
    for (int run = 0; run < 2; run++) {
        rng_set *rs = rng_set_new(7);
        gsl_rng *g = rng_stream(rs, "placement:web");
        placement_chain c;
        parse_ok("spread:zone", &c);
        placement_need n = need_of(256, 256);
        for (int i = 0; i < 50; i++)
            seq[run][i] = placement_choose(&c, &n, f->hosts, 4, NULL, g, why, sizeof why);
        rng_set_free(rs);
    }
    assert_memory_equal(seq[0], seq[1], sizeof seq[0]);
    int distinct = 0;
    for (int i = 1; i < 50; i++) distinct |= seq[0][i] != seq[0][0];
    assert_true(distinct); /* the ties really were broken at random */
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
    /* the closest lacks the fewest things: host 2 has the most CPU free but
     * lacks memory and its port 80; host 3 lacks only memory */
    host_port_take(&f->hosts[2], 80);
    placement_need n = {3000, 5000, NET_BRIDGE, 80, NULL};
    assert_int_equal(choose_need(f, "binpack:cpu", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-4 has insufficient "
                             "memory available (4000 MiB free, 5000 needed).");
    for (int h = 0; h < 4; h++) f->hosts[h].state = HOST_TERMINATED;
    assert_int_equal(choose(f, "binpack:cpu", 256, 256, why), -1);
    assert_string_equal(why, "Reason: No Container Instances were found in your cluster.");
}

/* "Not enough ports ... only one container can use a single host port at a
 * time" (service-event-messages.html): three hosts and a static host port 80
 * take three tasks; the fourth gets "is already using a port required by
 * your task". */
static void test_static_port_conflict(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    f->hosts[3].state = HOST_DRAINING; /* three hosts take tasks */
    placement_need n = {1024, 1024, NET_BRIDGE, 80, NULL};
    for (int k = 0; k < 3; k++) assert_true(place(f, "spread:zone,spread:host", &n, why) >= 0);
    assert_int_equal(f->svc_tasks[0] + f->svc_tasks[1] + f->svc_tasks[2], 3);
    assert_int_equal(place(f, "spread:zone,spread:host", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-1 is already using a "
                             "port required by your task (host port 80).");
    /* a stopped task gives its port back */
    placement_give(&f->hosts[1], &n);
    f->svc_tasks[1]--;
    assert_int_equal(place(f, "spread:zone,spread:host", &n, why), 1);
    /* another port fits beside it */
    placement_need other = {1024, 1024, NET_BRIDGE, 8080, NULL};
    assert_true(place(f, "spread:host", &other, why) >= 0);
}

/* Dynamic host ports (hostPort 0 in bridge mode, API PortMapping) hold no
 * port: many tasks per host; host mode holds the container port. */
static void test_dynamic_and_host_mode_ports(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    placement_need dyn = {256, 256, NET_BRIDGE, 0, NULL};
    for (int k = 0; k < 12; k++) assert_true(place(f, "binpack:cpu", &dyn, why) >= 0);
    for (int h = 0; h < 4; h++) assert_int_equal(f->hosts[h].n_ports, 0);

    task_def d;
    memset(&d, 0, sizeof d);
    d.cpu_units = 256;
    d.memory_mib = 256;
    d.net = (netmode){NET_HOST, 8080, 0};
    placement_need n;
    placement_need_init(&n, &d, NULL);
    assert_int_equal(n.host_port, 8080); /* host mode: the container port is the host port */
    d.net = (netmode){NET_BRIDGE, 8080, 0};
    placement_need_init(&n, &d, NULL);
    assert_int_equal(n.host_port, 0);
    d.net = (netmode){NET_AWSVPC, 8080, 8080};
    placement_need_init(&n, &d, NULL);
    assert_int_equal(n.host_port, 0); /* on the task's own ENI */
    assert_int_equal(n.network_mode, NET_AWSVPC);
}

/* The agent's reserved ports (ECS_RESERVED_PORTS, 22 among them) are taken
 * before any task: a task wanting host port 22 fits nowhere. */
static void test_agent_reserved_port(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    for (int h = 0; h < 4; h++) host_port_take(&f->hosts[h], 22);
    placement_need n = {256, 256, NET_BRIDGE, 22, NULL};
    assert_int_equal(place(f, "spread:host", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-1 is already using a "
                             "port required by your task (host port 22).");
}

/* "the primary network interface counts as one ... a c5.large instance may
 * have up to three ENIs ... you can typically only run two such tasks"
 * (container-instance-eni.html): the third awsvpc task on one c5.large gets
 * RESOURCE:ENI, as ECS's service event names it. */
static void test_awsvpc_eni_limit(void **state)
{
    fixture *f = *state;
    char why[256];
    empty_hosts(f);
    for (int h = 1; h < 4; h++) f->hosts[h].state = HOST_TERMINATED;
    f->hosts[0].type = &c5;
    assert_int_equal(host_task_eni_limit(&f->hosts[0]), 2);
    placement_need n = {256, 256, NET_AWSVPC, 0, NULL};
    assert_int_equal(place(f, "binpack:cpu", &n, why), 0);
    assert_int_equal(place(f, "binpack:cpu", &n, why), 0);
    assert_int_equal(place(f, "binpack:cpu", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-1 encountered error "
                             "\"RESOURCE:ENI\" (2 of 2 task ENIs attached on c5.large).");
    /* bridge tasks take no ENI */
    placement_need bridge = {256, 256, NET_BRIDGE, 0, NULL};
    assert_int_equal(place(f, "binpack:cpu", &bridge, why), 0);
    placement_give(&f->hosts[0], &n);
    assert_int_equal(f->hosts[0].task_enis, 1);
    assert_int_equal(place(f, "binpack:cpu", &n, why), 0);
}

/* Constraints are binding, strategies best effort (task-placement-
 * strategies.html): memberOf keeps only the hosts its expression selects,
 * distinctInstance those without a task of the service; when none is left
 * the reason is ECS's "... placement constraint unsatisfied." */
static void test_constraints_filter(void **state)
{
    fixture *f = *state;
    char why[256], expected[256];
    constraint_set cs;
    assert_int_equal(constraint_parse("memberOf(attribute:ecs.availability-zone == zone-a)", &cs,
                                      expected, sizeof expected),
                     0);
    placement_need n = {256, 256, NET_BRIDGE, 0, &cs};
    /* binpack:memory alone would pick host 2 (zone-b) */
    assert_int_equal(choose_need(f, "binpack:memory", &n, why), 0);
    assert_int_equal(constraint_parse("memberOf(attribute:ecs.instance-type =~ t3.*)", &cs,
                                      expected, sizeof expected),
                     0);
    assert_int_equal(choose_need(f, "binpack:memory", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-3 encountered error "
                             "\"MemberOf placement constraint unsatisfied.\"");
    /* when hosts meet the constraints but lack a resource, that resource is
     * the reason, though hosts outside them have more CPU free */
    assert_int_equal(constraint_parse("memberOf(attribute:ecs.availability-zone == zone-a)", &cs,
                                      expected, sizeof expected),
                     0);
    n.cpu_units = 2500;
    assert_int_equal(choose_need(f, "binpack:memory", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-1 has insufficient CPU "
                             "units available (2048 free, 2500 needed).");
    n.cpu_units = 256;

    assert_int_equal(constraint_parse("distinctInstance", &cs, expected, sizeof expected), 0);
    uint32_t tasks[4] = {0, 1, 1, 1};
    memcpy(f->svc_tasks, tasks, sizeof tasks);
    assert_int_equal(choose_need(f, "binpack:cpu", &n, why), 0);
    f->svc_tasks[0] = 1;
    assert_int_equal(choose_need(f, "binpack:cpu", &n, why), -1);
    assert_string_equal(why, "The closest matching container-instance g-3 encountered error "
                             "\"DistinctInstance placement constraint unsatisfied.\"");
    assert_int_equal(placement_misfits(&f->hosts[2], &n, 1), PLACE_MISFIT_DISTINCT);
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
    /* ECS's field names (strategy-examples.html) are aliases */
    parse_ok("spread:attribute:ecs.availability-zone,spread:instanceId,"
             "spread:attribute:ecs.instance-type,spread:attribute:rack,binpack:memory",
             &c);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.rules[0], PLACE_SPREAD_ZONE);
    assert_int_equal(c.rules[1], PLACE_SPREAD_HOST);
    assert_int_equal(c.rules[2], PLACE_SPREAD_INSTANCE_TYPE);
    assert_int_equal(c.rules[3], PLACE_SPREAD_ATTRIBUTE);
    assert_string_equal(c.attrs[3], "rack");
    assert_int_equal(c.rules[4], PLACE_BINPACK_MEMORY);

    assert_int_equal(placement_parse("binpack", &c, expected, sizeof expected), -1);
    assert_string_equal(expected, "a comma-separated chain of at most 5 of binpack:cpu, "
                                  "binpack:memory, spread:zone, spread:host, spread:instance_type, "
                                  "spread:attribute:<name>, random (\"binpack\" is none of them)");
    assert_int_equal(placement_parse("", &c, expected, sizeof expected), -1);
    assert_int_equal(placement_parse("spread:attribute:", &c, expected, sizeof expected), -1);
    assert_int_equal(placement_parse("spread:attribute:r a", &c, expected, sizeof expected), -1);
    assert_string_equal(expected, "spread:attribute:<name> with a name of 1 to 128 letters, "
                                  "digits, -, _, ., / or \\");
    /* at most 5 strategies (ECS's limit, task-placement-strategies.html) */
    assert_int_equal(
        placement_parse("random,random,random,random,random,random", &c, expected, sizeof expected),
        -1);
    assert_string_equal(expected, "at most 5 strategies (ECS's limit)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binpack_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binpack_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binpack_fills_one_host_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_zone_then_binpack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_zone_then_host_balances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_instance_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spread_custom_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_is_seeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_ties_reproducible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_port_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_and_host_mode_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_reserved_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_awsvpc_eni_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraints_filter, setup, teardown),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
