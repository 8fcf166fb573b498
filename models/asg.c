/* asg.c -- Auto Scaling groups: reading them, launching and booting
 * instances, replacing failed ones, and choosing whom to terminate. Every
 * decision is a line in events.csv. Work happens per launch, per
 * termination and per scaling decision (a scan of the hosts), never per
 * request. */
#include "asg.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/demand.h"
#include "models/spot.h"
#include "sim/engine/strdist.h"
#include "sim/engine/xmalloc.h"

/* "a, b, c": up to `max` entries of 1 to 31 characters from `ok`. */
static int list_check(const char *text, size_t max, const char *what, char *expected, size_t len)
{
    size_t n = 0;
    const char *s = text;
    while (*s) {
        while (*s == ' ') s++;
        size_t k = strcspn(s, ",");
        size_t e = k;
        while (e > 0 && s[e - 1] == ' ') e--;
        bool good = e > 0 && e < 32;
        for (size_t i = 0; i < e && good; i++)
            good = isalnum((unsigned char) s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_';
        if (!good || ++n > max) {
            snprintf(expected, len, "a comma-separated list of 1 to %zu %s", max, what);
            return -1;
        }
        s += k;
        if (*s == ',') {
            s++;
            if (!*s) {
                snprintf(expected, len, "a comma-separated list of 1 to %zu %s", max, what);
                return -1;
            }
        }
    }
    return 0;
}

static int types_check(const char *text, char *expected, size_t len)
{
    if (!*text) {
        snprintf(expected, len, "a comma-separated list of 1 to %d instance types", ASG_MAX_TYPES);
        return -1;
    }
    return list_check(text, ASG_MAX_TYPES, "instance types", expected, len);
}

static int zones_check(const char *text, char *expected, size_t len)
{
    return list_check(text, ASG_MAX_ZONES, "availability zones", expected, len);
}

const param_def asg_params[] = {
    {"auto_scaling_groups.*.instance_types", PT_STR, "", 0, 0, NULL, NULL, PF_REQUIRED, types_check,
     "EC2 instance types of the group, comma-separated, in launch priority order: instances "
     "launch as the first (the On-Demand \"prioritized\" allocation strategy; modelling "
     "assumption: it always has capacity). A capacity provider estimates with the largest and "
     "checks compatibility with the smallest (managed-scaling-behavior.html)."},
    {"auto_scaling_groups.*.zones", PT_STR, "", 0, 0, "", NULL, 0, zones_check,
     "Availability zones of the group, comma-separated; launches go to the zone with the fewest "
     "instances (ties: the first listed). Empty: the region's first zone (<region>a)."},
    {"auto_scaling_groups.*.min_size", PT_INT, "instances", 0, 5000, NULL, NULL, PF_REQUIRED, NULL,
     "MinSize: the group never has fewer (asg-capacity-limits.html). ECS allows 5,000 "
     "instances per cluster."},
    {"auto_scaling_groups.*.max_size", PT_INT, "instances", 0, 5000, NULL, NULL, PF_REQUIRED, NULL,
     "MaxSize: the group never has more (asg-capacity-limits.html)."},
    {"auto_scaling_groups.*.desired_capacity", PT_INT, "instances", -1, 5000, "-1", NULL, 0, NULL,
     "DesiredCapacity at t=0, when that many instances are in service; -1 (the default): "
     "min_size, as CreateAutoScalingGroup defaults it. Must lie in [min_size, max_size]."},
    DEMAND_PARAMS("auto_scaling_groups.*.boot",
                  "an instance's boot, launch to registration with the cluster (per group, so per "
                  "launched instance type; AWS documents no number: modelling assumption)",
                  "deterministic", "90"),
    {"auto_scaling_groups.*.health_check_grace_period_s", PT_REAL, "s", 0, 2147483647, "300", NULL,
     0, NULL,
     "HealthCheckGracePeriod: a failed or unreachable instance is replaced no sooner than this "
     "after it came into service (health-check-grace-period.html: 300 s in the console, 0 "
     "through the CLI or an SDK). Instances in service at t=0 have none left. Modelling "
     "assumption: the group notices a failure at once otherwise."},
    {"auto_scaling_groups.*.attributes", PT_STR, "", 0, 0, "", NULL, 0, host_attributes_check,
     "Custom container instance attributes of the group's instances, as host_groups.*.attributes."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void on_boot(void *ctx, sim *s, const ev *e);
static void on_health(void *ctx, sim *s, const ev *e);

static int bad(const params *p, ecs_err *e, const char *name, const char *field, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

static int bad(const params *p, ecs_err *e, const char *name, const char *field, const char *fmt,
               ...)
{
    param_loc at = params_where(p, "auto_scaling_groups.%s.%s", name, field);
    if (!at.file) at = params_where(p, "auto_scaling_groups.%s.instance_types", name);
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                  "auto_scaling_groups.%s.%s: %s", name, field, what);
}

/* Splits "a, b" into items of at most 31 characters (checked already). */
static uint32_t split(const char *text, char out[][32], uint32_t max)
{
    uint32_t n = 0;
    for (const char *s = text; *s && n < max;) {
        while (*s == ' ') s++;
        size_t k = strcspn(s, ",");
        size_t e = k;
        while (e > 0 && s[e - 1] == ' ') e--;
        snprintf(out[n++], 32, "%.*s", (int) e, s);
        s += k + (s[k] == ',');
    }
    return n;
}

int32_t asg_find(const cluster *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_asgs; i++)
        if (strcmp(c->asgs[i].name, name) == 0) return (int32_t) i;
    return -1;
}

bool asg_instance_name(const cluster *c, const char *name)
{
    const char *dash = strrchr(name, '-');
    if (!dash || !dash[1] || dash[1] == '0') return false;
    for (const char *d = dash + 1; *d; d++)
        if (!isdigit((unsigned char) *d)) return false;
    for (uint32_t i = 0; i < c->n_asgs; i++)
        if (strlen(c->asgs[i].name) == (size_t) (dash - name) &&
            strncmp(c->asgs[i].name, name, (size_t) (dash - name)) == 0)
            return true;
    return false;
}

static bool counts_in_service(const host *h)
{
    return !h->terminating && (h->state == HOST_PENDING || h->state == HOST_ACTIVE ||
                               h->state == HOST_DRAINING || h->lost);
}

uint32_t asg_in_service(const cluster *c, uint32_t g)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++)
        n += c->hosts[i].asg == (int32_t) g && counts_in_service(&c->hosts[i]);
    return n;
}

/* The zone of g with the fewest instances, among those not in an outage
 * when any is up (the group rebalances across zones; launches into a dark
 * zone would fail). Ties go to the first listed. */
static uint32_t pick_zone(const cluster *c, uint32_t g)
{
    const asg *a = &c->asgs[g];
    uint32_t count[ASG_MAX_ZONES] = {0};
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        if (h->asg != (int32_t) g || !counts_in_service(h)) continue;
        for (uint32_t z = 0; z < a->n_zones; z++)
            if (strcmp(h->zone, a->zones[z]) == 0) count[z]++;
    }
    bool any_up = false;
    for (uint32_t z = 0; z < a->n_zones; z++) any_up |= !failure_zone_out(c, a->zones[z]);
    uint32_t best = UINT32_MAX;
    for (uint32_t z = 0; z < a->n_zones; z++) {
        if (any_up && failure_zone_out(c, a->zones[z])) continue;
        if (best == UINT32_MAX || count[z] < count[best]) best = z;
    }
    return best;
}

/* A new instance of g in its least-used zone: ACTIVE at once at t=0, else
 * PENDING until it boots. */
static uint32_t add_instance(cluster *c, uint32_t g, bool at_start)
{
    asg *a = &c->asgs[g];
    uint32_t z = pick_zone(c, g);
    /* the mixed instances policy: On-Demand or Spot, and which type (spot.c) */
    const instance_type *it;
    int bill = spot_choose(c, g, &it);
    uint32_t id = cluster_add_host(c);
    host *h = &c->hosts[id];
    host_init(h, &c->henv, id, a->name, ++a->launched, a->zones[z], it, a->attributes);
    h->asg = (int32_t) g;
    spot_instance_made(c, id, bill);
    if (at_start) return id;
    double now = sim_now(c->s);
    h->state = HOST_PENDING;
    h->launched_s = now;
    h->in_service_s = INFINITY;
    h->initial = false;
    a->launches++;
    a->last_launch_s = now;
    c->rec.hosts_pending++;
    return id;
}

static void launch(cluster *c, uint32_t g, const char *why)
{
    asg *a = &c->asgs[g];
    uint32_t id = add_instance(c, g, false);
    host *h = &c->hosts[id];
    double boot = dist_sample(&a->boot, a->boot_rng);
    h->asg_ev = sim_at(c->s, sim_now(c->s) + boot, c->kind_asg_boot, id);
    char name[96];
    host_name(h, name, sizeof name);
    recorder_event(&c->rec, sim_now(c->s), "host_launched", name,
                   "Auto Scaling group %s launches a %s in %s (%s); it registers with the "
                   "cluster after a %.1f s boot",
                   a->name, h->type->name, h->zone, why, boot);
}

static void on_boot(void *ctx, sim *s, const ev *e)
{
    cluster *c = ctx;
    host *h = &c->hosts[e->target];
    h->asg_ev = 0;
    if (h->state != HOST_PENDING) return;
    double now = sim_now(s);
    h->in_service_s = now;
    c->rec.hosts_pending--;
    char name[96];
    host_name(h, name, sizeof name);
    if (failure_zone_out(c, h->zone)) {
        /* it booted in a zone that went dark meanwhile: unreachable, as the
         * zone's other hosts (it comes back with them, unless replaced) */
        h->state = HOST_TERMINATED;
        recorder_event(&c->rec, now, "host_failed", name,
                       "booted in availability zone %s during its outage: unreachable (%s)",
                       h->zone, h->type->name);
        asg_host_lost(c, e->target);
        return;
    }
    h->state = HOST_ACTIVE;
    c->rec.hosts++;
    recorder_event(&c->rec, now, "host_registered", name,
                   "container instance registered with the cluster %.1f s after launch (%s, %s): "
                   "%lld CPU units, %lld MiB",
                   now - h->launched_s, h->type->name, h->zone, (long long) h->cpu_units,
                   (long long) h->memory_mib);
    failure_host_registered(c, e->target);
    /* tasks waiting for capacity (or unplaced) may fit now */
    for (uint32_t i = 0; i < c->n_services; i++) scheduler_wake(c, &c->services[i]);
}

/* Ends h's life: billing stops, its tasks (if any) end with it. */
static void terminate(cluster *c, uint32_t id, const char *why)
{
    host *h = &c->hosts[id];
    asg *a = &c->asgs[h->asg];
    double now = sim_now(c->s);
    if (h->asg_ev) sim_cancel(c->s, h->asg_ev);
    h->asg_ev = 0;
    if (c->host_fail_ev && c->host_fail_ev[id]) sim_cancel(c->s, c->host_fail_ev[id]);
    if (c->host_fail_ev) c->host_fail_ev[id] = 0;
    if (h->state == HOST_PENDING) c->rec.hosts_pending--;
    if (h->state == HOST_ACTIVE || h->state == HOST_DRAINING) c->rec.hosts--;
    if (h->state == HOST_DRAINING) c->rec.hosts_draining--;
    h->state = HOST_TERMINATED;
    h->terminating = false;
    h->lost = false;
    if (!isfinite(h->terminated_s)) h->terminated_s = now;
    a->terminations++;
    char name[96], reason[160];
    host_name(h, name, sizeof name);
    recorder_event(&c->rec, now, "host_terminated", name,
                   "Auto Scaling group %s terminates the instance (%s); billed %.0f s", a->name,
                   why, cost_billed_s(h->launched_s, h->terminated_s));
    snprintf(reason, sizeof reason, "Host EC2 instance %s terminated (%s)", name, why);
    for (uint32_t i = 0; i < c->n_tasks; i++)
        if (c->tasks[i].host == id && c->tasks[i].state != TASK_STOPPED)
            agent_kill(c, &c->tasks[i], 137, AGENT_STOP_LOST, reason);
}

/* Whom the default termination policy ends next
 * (ec2-auto-scaling-termination-policies.html): the zones with the most
 * instances among those with an instance not protected from scale in; in
 * them, the unprotected instance closest to its next billing hour; ties at
 * random. Failed instances are not candidates (they are replaced, not
 * chosen). Returns -1 when every instance is protected. */
int64_t asg_choose_victim(cluster *c, uint32_t g)
{
    const asg *a = &c->asgs[g];
    double now = sim_now(c->s);
    uint32_t in_zone[ASG_MAX_ZONES] = {0};
    bool has_candidate[ASG_MAX_ZONES] = {false};
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < c->n_hosts; i++) {
            const host *h = &c->hosts[i];
            if (h->asg != (int32_t) g || !counts_in_service(h)) continue;
            for (uint32_t z = 0; z < a->n_zones; z++) {
                if (strcmp(h->zone, a->zones[z]) != 0) continue;
                if (pass == 0) in_zone[z]++;
                bool protected_ = a->protect_busy && h->n_tasks > 0;
                if (pass == 1 && !h->lost && !protected_) has_candidate[z] = true;
            }
        }
    }
    uint32_t most = 0;
    for (uint32_t z = 0; z < a->n_zones; z++)
        if (has_candidate[z] && in_zone[z] > most) most = in_zone[z];
    int64_t best = -1;
    double best_age = -1;
    uint32_t ties = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        const host *h = &c->hosts[i];
        if (h->asg != (int32_t) g || !counts_in_service(h) || h->lost) continue;
        if (a->protect_busy && h->n_tasks > 0) continue;
        uint32_t z = 0;
        while (z < a->n_zones && strcmp(h->zone, a->zones[z]) != 0) z++;
        if (z == a->n_zones || in_zone[z] != most) continue;
        /* seconds into its current billing hour: the most is the closest to the next */
        double age = fmod(now - h->launched_s, 3600.0);
        if (age > best_age) {
            best = i;
            best_age = age;
            ties = 1;
        } else if (age == best_age && gsl_rng_uniform_int(a->term_rng, ++ties) == 0) {
            best = i;
        }
    }
    return best;
}

/* The group lets h go: drained first when its capacity provider manages
 * draining and it runs tasks, else at once. */
static void retire(cluster *c, uint32_t id, const char *why)
{
    host *h = &c->hosts[id];
    const asg *a = &c->asgs[h->asg];
    if (!a->drain || h->n_tasks == 0 || h->state != HOST_ACTIVE) {
        terminate(c, id, why);
        return;
    }
    h->state = HOST_DRAINING;
    h->terminating = true;
    c->rec.hosts_draining++;
    char name[96];
    host_name(h, name, sizeof name);
    recorder_event(&c->rec, sim_now(c->s), "host_draining", name,
                   "container instance DRAINING before termination (%s; managed draining): the "
                   "service scheduler replaces its %u tasks elsewhere",
                   why, h->n_tasks);
    for (uint32_t i = 0; i < c->n_services; i++) scheduler_wake(c, &c->services[i]);
}

/* Launches or terminates until the group counts its desired capacity. */
static void reconcile(cluster *c, uint32_t g, const char *why)
{
    asg *a = &c->asgs[g];
    uint32_t n = asg_in_service(c, g);
    for (; n < a->desired; n++) launch(c, g, why);
    for (; n > a->desired; n--) {
        int64_t v = asg_choose_victim(c, g);
        if (v < 0) {
            if (!a->blocked_said) {
                a->blocked_said = true;
                recorder_event(&c->rec, sim_now(c->s), "asg_scale_in_blocked", a->name,
                               "%u instances above desired capacity %u are protected from scale "
                               "in (managed termination protection: they run tasks); they go "
                               "when they are empty",
                               n - a->desired, a->desired);
            }
            return;
        }
        a->blocked_said = false;
        retire(c, (uint32_t) v, why);
    }
}

void asg_set_desired(cluster *c, uint32_t g, uint32_t desired, const char *why)
{
    asg *a = &c->asgs[g];
    if (desired < a->min) desired = a->min;
    if (desired > a->max) desired = a->max;
    if (desired != a->desired)
        recorder_event(&c->rec, sim_now(c->s), "asg_desired", a->name,
                       "DesiredCapacity %u -> %u (%s)", a->desired, desired, why);
    const char *act = desired > a->desired ? "scale out" : "scale in";
    a->desired = desired;
    reconcile(c, g, act);
}

void asg_host_lost(cluster *c, uint32_t id)
{
    host *h = &c->hosts[id];
    if (h->asg < 0) return;
    if (h->terminating) {
        /* on its way out already: the group counts it gone */
        h->terminating = false;
        if (!isfinite(h->terminated_s)) h->terminated_s = sim_now(c->s);
        c->asgs[h->asg].terminations++;
        return;
    }
    h->lost = true;
    double at = h->in_service_s + c->asgs[h->asg].grace_s;
    double now = sim_now(c->s);
    if (h->initial || !(at > now)) at = now;
    /* the group acts in an event of its own, never inside the failure's loop */
    if (!c->quiet) h->asg_ev = sim_at(c->s, at, c->kind_asg_health, id);
}

static void on_health(void *ctx, sim *s, const ev *e)
{
    cluster *c = ctx;
    host *h = &c->hosts[e->target];
    h->asg_ev = 0;
    if (!h->lost) return; /* it came back (a zone outage ended) */
    asg *a = &c->asgs[h->asg];
    char name[96], why[160];
    host_name(h, name, sizeof name);
    bool gone = isfinite(h->terminated_s);
    bool waited = !h->initial && fabs(sim_now(s) - (h->in_service_s + a->grace_s)) < 1e-9;
    recorder_event(&c->rec, sim_now(s), "asg_unhealthy", name,
                   "Auto Scaling group %s: the instance is unhealthy (%s)%s; %s", a->name,
                   gone ? "EC2 state: terminated" : "unreachable: status checks fail",
                   waited ? ", and its health check grace period has ended" : "",
                   gone ? "the group replaces it" : "the group terminates and replaces it");
    h->lost = false;
    if (!gone) {
        h->terminated_s = sim_now(s);
        a->terminations++;
    }
    a->replacements++;
    snprintf(why, sizeof why, "replacing unhealthy %s", name);
    reconcile(c, (uint32_t) h->asg, why);
}

void asg_task_released(cluster *c, uint32_t id)
{
    const host *h = &c->hosts[id];
    if (h->asg < 0 || h->n_tasks > 0) return;
    if (h->terminating && h->state == HOST_DRAINING) {
        terminate(c, id, "drained: no tasks left");
        return;
    }
    const asg *a = &c->asgs[h->asg];
    if (a->protect_busy && h->state == HOST_ACTIVE &&
        asg_in_service(c, (uint32_t) h->asg) > a->desired)
        reconcile(c, (uint32_t) h->asg, "scale in: managed termination protection lifted");
}

int asg_init(cluster *c, const params *p, ecs_err *e)
{
    uint32_t n = (uint32_t) params_count(p, "auto_scaling_groups");
    c->asgs = xcalloc(n ? n : 1, sizeof *c->asgs);
    c->n_asgs = 0;
    const char *region = params_str(p, "cluster.region");
    for (uint32_t i = 0; i < n; i++) {
        const char *name = params_object(p, "auto_scaling_groups", i);
        asg *a = &c->asgs[i];
        memset(a, 0, sizeof *a);
        a->name = name;
        a->cp = -1;
        a->last_launch_s = -INFINITY;
        c->n_asgs = i + 1; /* asg_fini frees what is read so far */
        for (size_t k = 0; k < params_count(p, "host_groups"); k++)
            if (strcmp(params_object(p, "host_groups", k), name) == 0)
                return bad(p, e, name, "instance_types",
                           "a host group has the same name (instances are named after "
                           "their group)");
        char items[ASG_MAX_TYPES][32];
        a->n_types = split(params_str(p, "auto_scaling_groups.%s.instance_types", name), items,
                           ASG_MAX_TYPES);
        for (uint32_t k = 0; k < a->n_types; k++) {
            a->types[k] = catalogue_find(c->cat, items[k]);
            if (!a->types[k]) {
                const char *close = catalogue_suggest(c->cat, items[k]);
                return bad(p, e, name, "instance_types", "unknown instance type \"%s\"%s%s%s",
                           items[k], close ? "; did you mean " : " (not in the catalogue)",
                           close ? close : "", close ? "?" : "");
            }
            if (host_registered_mib(&c->henv, a->types[k]) <= 0)
                return bad(p, e, name, "instance_types",
                           "cluster.reserved_memory_mib leaves no memory on %s", items[k]);
        }
        char zones[ASG_MAX_ZONES][32];
        a->n_zones =
            split(params_str(p, "auto_scaling_groups.%s.zones", name), zones, ASG_MAX_ZONES);
        if (a->n_zones == 0) snprintf(zones[a->n_zones++], 32, "%sa", region);
        for (uint32_t z = 0; z < a->n_zones; z++) {
            for (uint32_t y = 0; y < z; y++)
                if (strcmp(zones[y], zones[z]) == 0)
                    return bad(p, e, name, "zones", "zone %s is listed twice", zones[z]);
            snprintf(a->zones[z], sizeof a->zones[z], "%s", zones[z]);
        }
        a->min = (uint32_t) params_int(p, "auto_scaling_groups.%s.min_size", name);
        a->max = (uint32_t) params_int(p, "auto_scaling_groups.%s.max_size", name);
        if (a->min > a->max)
            return bad(p, e, name, "min_size", "%u is greater than max_size (%u)", a->min, a->max);
        int64_t desired = params_int(p, "auto_scaling_groups.%s.desired_capacity", name);
        a->desired = desired < 0 ? a->min : (uint32_t) desired;
        if (a->desired < a->min || a->desired > a->max)
            return bad(p, e, name, "desired_capacity",
                       "%u is outside [min_size, max_size] = [%u, %u]", a->desired, a->min, a->max);
        int rc = demand_read(&a->boot, p, e, "auto_scaling_groups.%s.boot", name);
        if (rc != ECS_OK) return rc;
        a->grace_s = params_real(p, "auto_scaling_groups.%s.health_check_grace_period_s", name);
        a->attributes = params_str(p, "auto_scaling_groups.%s.attributes", name);
        char stream[160];
        snprintf(stream, sizeof stream, "boot:%s", name);
        a->boot_rng = sim_rng(c->s, stream);
        snprintf(stream, sizeof stream, "termination:%s", name);
        a->term_rng = sim_rng(c->s, stream);
    }
    /* kinds only when there are groups, so runs without any keep their
     * event numbering (and their pinned fingerprints) */
    if (n) {
        c->kind_asg_boot = sim_kind(c->s, "asg.boot", on_boot, c);
        c->kind_asg_health = sim_kind(c->s, "asg.health_check", on_health, c);
    }
    for (uint32_t g = 0; g < n; g++)
        for (uint32_t k = 0; k < c->asgs[g].desired; k++) add_instance(c, g, true);
    return ECS_OK;
}

void asg_quiesce(cluster *c)
{
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        host *h = &c->hosts[i];
        if (h->asg_ev) sim_cancel(c->s, h->asg_ev);
        h->asg_ev = 0;
    }
}

void asg_fini(cluster *c)
{
    for (uint32_t i = 0; i < c->n_asgs; i++) dist_fini(&c->asgs[i].boot);
    free(c->asgs);
    c->asgs = NULL;
    c->n_asgs = 0;
}
