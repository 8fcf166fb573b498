/* test_asg.c -- EC2 Auto Scaling groups: the default termination policy
 * on a built cluster, the spread of instances over zones, the replacement
 * of failed and unreachable instances with the health check grace period
 * (hand-computed timelines read back from events.csv and summary.csv), and
 * bad groups.
 *
 * Pages checked (read through the docs corpus):
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html
 *     the default policy: the zone(s) with the most instances and at least
 *     one not protected from scale in, then the instance closest to the next
 *     billing hour, ties at random; unhealthy instances bypass it.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
 *     the grace period: "the minimum amount of time ... to keep a new
 *     instance in service before terminating it if it's found to be
 *     unhealthy"; 300 s in the console, 0 through the CLI or an SDK.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html
 *     min <= desired <= max; the group replaces instances to keep desired.
 *   ECS cluster-auto-scaling.html: a task of a capacity provider that
 *     cannot be placed waits in PROVISIONING (DESIGN.md pins this).
 * Boots are deterministic (100 s) and the instances m5.large (two 1024-unit
 * tasks each). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "sim/run.h"
#include "support/evlog.h"
#include "support/testutil.h"

#define DEFS                                                                                       \
    "task_definitions:\n"                                                                          \
    "  v1: {cpu: 1024, memory_mib: 1024, image_pull: {distribution: deterministic, mean_s: 5}, "   \
    "container_start: {distribution: deterministic, mean_s: 2}}\n"                                 \
    "load_balancers: {lb: {health_check: {enabled: false}}}\n"                                     \
    "workloads: {w: {target: lb, rate_per_s: 2, demand: {mean_s: 0.01}}}\n"

/* A cluster built (not run) from yaml with the given seed; the caller
 * finishes with built_free. */
typedef struct built {
    params *p;
    sim *s;
    cluster c;
    char *dir;
} built;

static void build(built *b, const char *yaml, unsigned long long seed)
{
    b->dir = tu_mkdtemp();
    char *path = tu_write_file(b->dir, "s.yaml", yaml);
    ecs_err e;
    err_clear(&e);
    b->p = run_load_params(path, NULL, 0, &e);
    if (!b->p) fprintf(stderr, "%s\n", e.msg);
    assert_non_null(b->p);
    b->s = sim_new(seed);
    cluster_cfg cfg = {600, -1, 0, 60, 0};
    int rc = cluster_build(&b->c, b->p, b->s, &cfg, &e);
    if (rc != ECS_OK) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, ECS_OK);
    free(path);
}

static void built_free(built *b)
{
    cluster_fini(&b->c);
    sim_free(b->s);
    params_free(b->p);
    tu_rmtree(b->dir);
    free(b->dir);
}

static const char *name_of(const built *b, int64_t h, char *buf, size_t len)
{
    if (h < 0) return "none";
    host_name(&b->c.hosts[h], buf, len);
    return buf;
}

#define THREE                                                                                      \
    "run: {duration_s: 600}\n" DEFS                                                                \
    "services: {web: {task_definition: v1, load_balancer: lb, desired_count: 0}}\n"                \
    "auto_scaling_groups:\n"                                                                       \
    "  asg: {instance_types: m5.large, zones: \"us-east-1a, us-east-1b\", min_size: 0, "           \
    "max_size: 6, desired_capacity: 3}\n"

/* The t=0 instances spread over the zones (fewest first, ties to the first
 * listed): a, b, a. The default termination policy then picks in
 * us-east-1a, the zone with the most instances; there, the instance
 * closest to its next billing hour; instances protected from scale in
 * (managed termination protection on instances with tasks) are skipped,
 * down to another zone, and with every instance protected nobody goes. */
static void test_termination_policy(void **state)
{
    (void) state;
    built b;
    build(&b, THREE, 1);
    cluster *c = &b.c;
    assert_int_equal(c->n_hosts, 3);
    assert_string_equal(c->hosts[0].zone, "us-east-1a");
    assert_string_equal(c->hosts[1].zone, "us-east-1b");
    assert_string_equal(c->hosts[2].zone, "us-east-1a");
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(c->hosts[i].state, HOST_ACTIVE);
        assert_int_equal(c->hosts[i].asg, 0);
    }
    char n[96];
    /* now is t=0: asg-1 has run 100 s of its billing hour, asg-3 3,500 s
     * (closest to the next), asg-2 3,590 s but in the zone with fewer */
    c->hosts[0].launched_s = -100;
    c->hosts[1].launched_s = -3590;
    c->hosts[2].launched_s = -3500;
    assert_string_equal(name_of(&b, asg_choose_victim(c, 0), n, sizeof n), "asg-3");
    /* two hours and 100 s in: the same place in the hour as 100 s */
    c->hosts[2].launched_s = -7300;
    assert_string_equal(name_of(&b, asg_choose_victim(c, 0), n, sizeof n), "asg-1");
    /* protected instances are not candidates */
    c->asgs[0].protect_busy = true;
    c->hosts[0].n_tasks = 1;
    assert_string_equal(name_of(&b, asg_choose_victim(c, 0), n, sizeof n), "asg-3");
    c->hosts[2].n_tasks = 1; /* us-east-1a has none left: the other zone */
    assert_string_equal(name_of(&b, asg_choose_victim(c, 0), n, sizeof n), "asg-2");
    c->hosts[1].n_tasks = 1;
    assert_true(asg_choose_victim(c, 0) < 0);
    built_free(&b);

    /* ties (same zone count, same place in the hour) go at random, from
     * the "termination:asg" stream: over seeds both us-east-1a instances
     * are chosen, never asg-2 */
    int seen[3] = {0, 0, 0};
    for (unsigned long long seed = 1; seed <= 20; seed++) {
        build(&b, THREE, seed);
        int64_t v = asg_choose_victim(&b.c, 0);
        assert_true(v >= 0 && v < 3);
        seen[v]++;
        built_free(&b);
    }
    assert_true(seen[0] > 0 && seen[2] > 0);
    assert_int_equal(seen[1], 0);
}

#define GROUP_RUN(duration, group, provider, extra)                                                \
    "run: {duration_s: " duration "}\n" DEFS "auto_scaling_groups:\n"                              \
    "  asg: {instance_types: m5.large, zones: \"us-east-1a, us-east-1b\", "                        \
    "boot: {distribution: deterministic, mean_s: 100}, " group "}\n"                               \
    "capacity_providers: {cp: {auto_scaling_group: asg" provider "}}\n"                            \
    "services: {web: {task_definition: v1, load_balancer: lb, capacity_provider: cp, "             \
    "desired_count: 4}}\n" extra

/* An instance in service since t=0 fails at 600 s (EC2 terminated it): its
 * tasks stop, the service's replacements wait in PROVISIONING (the other
 * instance is full), the group launches a replacement at once (its grace
 * period ended long ago) in the zone that lost it, and the tasks start
 * when it registers at 700 s, after 100 s of waiting. The capacity
 * provider's own scale-out is held by the replacement's warm-up. */
static void test_failed_instance_replaced(void **state)
{
    (void) state;
    evlog r =
        evlog_run(GROUP_RUN("1200", "min_size: 2, max_size: 4", "",
                            "failures: {boom: {kind: host_failure, host: asg-1, at_s: 600}}\n"),
                  NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *f = evlog_first(&r, "host_failed", "asg-1", NULL);
    assert_non_null(f);
    assert_true(f->t_s == 600);
    assert_int_equal(evlog_count(&r, "task_stopped", NULL, "asg-1 terminated"), 2);
    const evlog_event *w = evlog_first(&r, "task_provisioning", "web", NULL);
    assert_non_null(w);
    assert_true(w->t_s == 600);
    const evlog_event *u = evlog_first(&r, "asg_unhealthy", "asg-1", "EC2 state: terminated");
    assert_non_null(u);
    assert_true(u->t_s == 600);
    const evlog_event *l = evlog_first(&r, "host_launched", NULL, NULL);
    assert_non_null(l);
    assert_true(l->t_s == 600);
    assert_string_equal(l->object, "asg-3");
    assert_non_null(strstr(l->detail, "us-east-1a (replacing unhealthy asg-1)"));
    assert_int_equal(evlog_count(&r, "host_launched", NULL, NULL), 1);
    const evlog_event *reg = evlog_first(&r, "host_registered", "asg-3", NULL);
    assert_non_null(reg);
    assert_true(reg->t_s == 700);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "after 100.0 s in PROVISIONING"), 2);
    assert_non_null(evlog_first(&r, "capacity_scale_out_blocked", "cp", "warms up until 900.0 s"));
    assert_true(tu_column(r.summary, "instance_launches") == 1);
    assert_true(tu_column(r.summary, "instance_terminations") ==
                0); /* EC2's doing, not the group's */
    assert_true(tu_column(r.summary, "provisioning_waits") == 2);
    assert_true(tu_column(r.summary, "provisioning_wait_max_s") == 100);
    assert_true(tu_column(r.summary, "tasks_running") == 4);
    evlog_free(&r);
}

/* The grace period counts from when an instance came into service. The
 * t=0 instance asg-1 fails at 100 s; its replacement asg-2 launches then
 * in us-east-1a (both zones empty: the first listed) and registers at 200
 * s. us-east-1a goes dark at 300 s: asg-2 is unreachable, and with a
 * grace period of 300 s the group acts at 200 + 300 = 500 s: it terminates
 * asg-2 and launches asg-3 in us-east-1b (the dark zone is skipped), which
 * registers at 600 s. The service's two tasks waited 100 s, then 300 s.
 * Managed scaling is off so only the group acts. With no grace period the
 * group acts at once, at 300 s. When the zone comes back, the terminated
 * asg-2 stays gone. */
static void test_grace_period(void **state)
{
    (void) state;
#define GRACE_RUN(grace)                                                                           \
    "run: {duration_s: 1500}\n" DEFS "auto_scaling_groups:\n"                                      \
    "  asg: {instance_types: m5.large, zones: \"us-east-1a, us-east-1b\", "                        \
    "boot: {distribution: deterministic, mean_s: 100}, min_size: 1, max_size: 4, "                 \
    "health_check_grace_period_s: " grace "}\n"                                                    \
    "capacity_providers: {cp: {auto_scaling_group: asg, managed_scaling: false}}\n"                \
    "services: {web: {task_definition: v1, load_balancer: lb, capacity_provider: cp, "             \
    "desired_count: 2}}\n"                                                                         \
    "failures:\n"                                                                                  \
    "  boom: {kind: host_failure, host: asg-1, at_s: 100}\n"                                       \
    "  dark: {kind: zone_outage, zone: us-east-1a, at_s: 300, duration_s: 900}\n"
    evlog r = evlog_run(GRACE_RUN("300"), NULL);
    assert_int_equal(r.rc, 0);
    const evlog_event *l = evlog_nth(&r, 0, "host_launched", NULL, NULL);
    assert_non_null(l);
    assert_true(l->t_s == 100);
    assert_string_equal(l->object, "asg-2");
    assert_non_null(strstr(l->detail, "us-east-1a"));
    assert_true(evlog_first(&r, "host_registered", "asg-2", NULL)->t_s == 200);
    const evlog_event *u = evlog_first(&r, "asg_unhealthy", "asg-2", NULL);
    assert_non_null(u);
    assert_true(u->t_s == 500);
    assert_non_null(strstr(u->detail, "unreachable"));
    assert_non_null(strstr(u->detail, "grace period has ended"));
    l = evlog_nth(&r, 1, "host_launched", NULL, NULL);
    assert_non_null(l);
    assert_true(l->t_s == 500);
    assert_string_equal(l->object, "asg-3");
    assert_non_null(strstr(l->detail, "us-east-1b"));
    assert_true(evlog_first(&r, "host_registered", "asg-3", NULL)->t_s == 600);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "after 100.0 s in PROVISIONING"), 2);
    assert_int_equal(evlog_count(&r, "task_placed", NULL, "after 300.0 s in PROVISIONING"), 2);
    assert_int_equal(evlog_count(&r, "host_recovered", NULL, NULL), 0);
    assert_true(tu_column(r.summary, "provisioning_waits") == 4);
    assert_true(tu_column(r.summary, "provisioning_wait_mean_s") == 200);
    assert_true(tu_column(r.summary, "provisioning_wait_max_s") == 300);
    assert_true(tu_column(r.summary, "instance_launches") == 2);
    assert_true(tu_column(r.summary, "instance_terminations") == 1);
    /* billing: asg-1 0-100 s, asg-2 100-500 s, asg-3 500 s to the end */
    double end = tu_column(r.summary, "sim_end_s");
    /* (summary.csv writes 9 significant digits) */
    assert_true(fabs(tu_column(r.summary, "host_hours") - (100 + 400 + (end - 500)) / 3600) < 1e-8);
    evlog_free(&r);

    r = evlog_run(GRACE_RUN("0"), NULL);
    assert_int_equal(r.rc, 0);
    u = evlog_first(&r, "asg_unhealthy", "asg-2", NULL);
    assert_non_null(u);
    assert_true(u->t_s == 300);
    assert_true(evlog_nth(&r, 1, "host_launched", NULL, NULL)->t_s == 300);
    evlog_free(&r);
#undef GRACE_RUN
}

/* Bad groups: file:line:column naming the parameter, exit 2, no output. */
static void expect_bad(const char *group, const char *extra, const char *path, const char *what)
{
    char *y = NULL;
    if (asprintf(&y,
                 "run: {duration_s: 60}\n" DEFS
                 "services: {web: {task_definition: v1, load_balancer: lb}}\n"
                 "host_groups: {base: {instance_type: m5.large, count: 1}}\n"
                 "auto_scaling_groups:\n"
                 "  %s\n%s",
                 group, extra) < 0)
        abort();
    evlog r = evlog_run(y, NULL);
    free(y);
    assert_true(evlog_bad_input(&r, path, what));
    evlog_free(&r);
}

static void test_bad_input(void **state)
{
    (void) state;
    expect_bad("g: {instance_types: m5.large, min_size: 3, max_size: 2}", "",
               "auto_scaling_groups.g.min_size", "3 is greater than max_size (2)");
    expect_bad("g: {instance_types: m5.large, min_size: 1, max_size: 2, desired_capacity: 5}", "",
               "auto_scaling_groups.g.desired_capacity", "outside [min_size, max_size] = [1, 2]");
    expect_bad("g: {instance_types: \"m5.large, m5.larg\", min_size: 1, max_size: 2}", "",
               "auto_scaling_groups.g.instance_types", "did you mean m5.large?");
    expect_bad("g: {instance_types: \"m5.large,\", min_size: 1, max_size: 2}", "",
               "auto_scaling_groups.g.instance_types", "comma-separated list");
    expect_bad("g: {instance_types: m5.large, min_size: 1, max_size: 2, zones: \"us-east-1a, "
               "us-east-1a\"}",
               "", "auto_scaling_groups.g.zones", "listed twice");
    expect_bad("base: {instance_types: m5.large, min_size: 1, max_size: 2}", "",
               "auto_scaling_groups.base.instance_types", "a host group has the same name");
    expect_bad("g: {instance_types: m5.large, min_size: 1, max_size: 2, boot: {distribution: "
               "deterministic, mean_s: 0}}",
               "", "auto_scaling_groups.g.boot.mean_s", "");
    expect_bad("g: {instance_types: m5.large, max_size: 2}", "", "auto_scaling_groups.g.min_size",
               "required");
    expect_bad("g: {instance_types: m5.large, min_size: 1, max_size: 2}",
               "failures: {f: {kind: host_failure, host: h-1, at_s: 5}}\n", "failures.f.host",
               "no such host");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_termination_policy),
        cmocka_unit_test(test_failed_instance_replaced),
        cmocka_unit_test(test_grace_period),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
