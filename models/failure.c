/* failure.c -- injected failures: reading them, their timers, and what
 * each does to the world (the agent and the scheduler do the rest). */
#include "failure.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/agent.h"
#include "models/cluster.h"
#include "models/scheduler.h"
#include "sim/engine/xmalloc.h"

const param_def failure_params[] = {
    {"failures.*.kind", PT_ENUM, "", 0, 0, NULL, "task_crash|host_failure|zone_outage|task_hang",
     PF_REQUIRED, NULL,
     "task_crash: the service's RUNNING tasks crash at rate_per_hour each; host_failure: host "
     "fails at at_s, or each host of host_group after an exponential time of mean mtbf_h; "
     "zone_outage: every host in zone is lost from at_s for duration_s; task_hang: the "
     "service's task-th task stops answering at at_s."},
    {"failures.*.service", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "The service (task_crash, task_hang)."},
    {"failures.*.host", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "The host that fails (host_failure at a time), named <host group>-<k>, or <Auto Scaling "
     "group>-<k> for the group's k-th instance (counting launches from 1, so one launched at run "
     "time may be named; it fails at at_s if it is running then)."},
    {"failures.*.host_group", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "The host group (or Auto Scaling group) whose hosts fail with mean time between failures "
     "mtbf_h; a group's instances launched at run time fail so from their registration."},
    {"failures.*.zone", PT_STR, "", 0, 0, "", NULL, 0, NULL, "The zone of a zone_outage."},
    {"failures.*.at_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL, "When the failure happens."},
    {"failures.*.duration_s", PT_REAL, "s", 0, 1e9, "3600", NULL, 0, NULL,
     "How long a zone_outage lasts; its hosts then come back, empty."},
    {"failures.*.rate_per_hour", PT_REAL, "1/h", 0, 1e6, "0", NULL, 0, NULL,
     "Crashes per hour of each RUNNING task (task_crash)."},
    {"failures.*.mtbf_h", PT_REAL, "h", 0, 1e9, "0", NULL, 0, NULL,
     "Mean time between failures of each host in host_group (host_failure)."},
    {"failures.*.task", PT_INT, "", 1, 1e6, "1", NULL, 0, NULL,
     "Which of the service's tasks hangs (task_hang): the k-th started, from 1."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static int bad(const params *p, ecs_err *e, const char *name, const char *field, const char *what)
{
    param_loc at = params_where(p, "failures.%s.%s", name, field);
    if (!at.file) at = params_where(p, "failures.%s.kind", name);
    return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                  "failures.%s.%s: %s", name, field, what);
}

static int32_t find_service(const struct cluster *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i].name, name) == 0) return (int32_t) i;
    return -1;
}

static int32_t find_host(const struct cluster *c, const char *name)
{
    char buf[96];
    for (uint32_t i = 0; i < c->n_hosts; i++) {
        host_name(&c->hosts[i], buf, sizeof buf);
        if (strcmp(buf, name) == 0) return (int32_t) i;
    }
    return -1;
}

static void on_failure(void *ctx, sim *s, const ev *e);
static void on_host_mtbf(void *ctx, sim *s, const ev *e);
static void on_crash(void *ctx, sim *s, const ev *e);
static void on_zone_back(void *ctx, sim *s, const ev *e);

int failure_init(cluster *c, const params *p, ecs_err *e)
{
    uint32_t n = (uint32_t) params_count(p, "failures");
    c->failures = xcalloc(n ? n : 1, sizeof *c->failures);
    c->crash_rate_per_s = xcalloc(c->n_services ? c->n_services : 1, sizeof *c->crash_rate_per_s);
    c->n_failures = n;
    /* sized like the host array, which grows as Auto Scaling groups launch */
    c->host_fail_ev = xcalloc(c->cap_hosts ? c->cap_hosts : 1, sizeof *c->host_fail_ev);
    for (uint32_t i = 0; i < n; i++) {
        const char *name = params_object(p, "failures", i);
        failure *f = &c->failures[i];
        f->name = name;
        const char *kind = params_str(p, "failures.%s.kind", name);
        f->kind = strcmp(kind, "task_crash") == 0     ? FAIL_TASK_CRASH
                  : strcmp(kind, "host_failure") == 0 ? FAIL_HOST
                  : strcmp(kind, "zone_outage") == 0  ? FAIL_ZONE_OUTAGE
                                                      : FAIL_TASK_HANG;
        const char *svc = params_str(p, "failures.%s.service", name);
        const char *hst = params_str(p, "failures.%s.host", name);
        f->service = svc[0] ? find_service(c, svc) : -1;
        f->host = hst[0] ? find_host(c, hst) : -1;
        f->host_group = params_str(p, "failures.%s.host_group", name);
        f->zone = params_str(p, "failures.%s.zone", name);
        f->at_s = params_real(p, "failures.%s.at_s", name);
        f->duration_s = params_real(p, "failures.%s.duration_s", name);
        f->rate_per_s = params_real(p, "failures.%s.rate_per_hour", name) / 3600.0;
        f->mtbf_s = params_real(p, "failures.%s.mtbf_h", name) * 3600.0;
        f->task_k = (uint32_t) params_int(p, "failures.%s.task", name);
        if ((f->kind == FAIL_TASK_CRASH || f->kind == FAIL_TASK_HANG) && f->service < 0)
            return bad(p, e, name, "service",
                       svc[0] ? "no such service" : "this kind of failure needs a service");
        if (f->kind == FAIL_TASK_CRASH && f->rate_per_s <= 0)
            return bad(p, e, name, "rate_per_hour", "a task_crash needs a rate above 0");
        if (f->kind == FAIL_HOST) {
            f->host_name = hst;
            f->host_later = hst[0] && f->host < 0 && asg_instance_name(c, hst);
            if (hst[0] && f->host < 0 && !f->host_later)
                return bad(p, e, name, "host", "no such host");
            if (!hst[0] && !f->host_group[0])
                return bad(p, e, name, "host", "a host_failure needs a host or a host_group");
            if (!hst[0] && f->mtbf_s <= 0)
                return bad(p, e, name, "mtbf_h", "a host_group failure needs mtbf_h above 0");
            bool found = !f->host_group[0] || asg_find(c, f->host_group) >= 0;
            for (uint32_t k = 0; k < c->n_hosts && !found; k++)
                found = strcmp(c->hosts[k].group, f->host_group) == 0;
            if (!found) return bad(p, e, name, "host_group", "no such host group");
        }
        if (f->kind == FAIL_ZONE_OUTAGE) {
            bool found = false;
            for (uint32_t k = 0; k < c->n_hosts && !found; k++)
                found = strcmp(c->hosts[k].zone, f->zone) == 0;
            for (uint32_t g = 0; g < c->n_asgs && !found; g++)
                for (uint32_t z = 0; z < c->asgs[g].n_zones && !found; z++)
                    found = strcmp(c->asgs[g].zones[z], f->zone) == 0;
            if (!found) return bad(p, e, name, "zone", "no host is in this zone");
        }
        if (f->kind == FAIL_TASK_CRASH) c->crash_rate_per_s[f->service] += f->rate_per_s;
    }
    c->kind_failure = sim_kind(c->s, "failure.at", on_failure, c);
    c->kind_host_mtbf = sim_kind(c->s, "failure.host_mtbf", on_host_mtbf, c);
    c->kind_crash = sim_kind(c->s, "failure.crash", on_crash, c);
    c->kind_zone_back = sim_kind(c->s, "failure.zone_back", on_zone_back, c);
    c->failure_rng = sim_rng(c->s, "failures");
    return ECS_OK;
}

void failure_start(cluster *c)
{
    for (uint32_t i = 0; i < c->n_failures; i++) {
        const failure *f = &c->failures[i];
        if (f->kind == FAIL_HOST && f->host < 0 && !f->host_later) {
            for (uint32_t h = 0; h < c->n_hosts; h++)
                if (strcmp(c->hosts[h].group, f->host_group) == 0)
                    c->host_fail_ev[h] = sim_at(c->s, dist_exponential(c->failure_rng, f->mtbf_s),
                                                c->kind_host_mtbf, h);
        } else if (f->kind != FAIL_TASK_CRASH) {
            c->failures[i].ev = sim_at(c->s, f->at_s, c->kind_failure, i);
        }
    }
}

void failure_task_running(cluster *c, task *t)
{
    double rate = c->crash_rate_per_s ? c->crash_rate_per_s[t->service] : 0;
    if (rate <= 0 || c->quiet) return;
    t->crash_ev = sim_at(c->s, sim_now(c->s) + dist_exponential(c->failure_rng, 1.0 / rate),
                         c->kind_crash, t->id);
}

void failure_task_stopped(cluster *c, task *t)
{
    if (t->crash_ev) sim_cancel(c->s, t->crash_ev);
    t->crash_ev = 0;
}

/* Host h is lost: its tasks end at once, and (terminated) its billing stops. */
static void lose_host(cluster *c, uint32_t h, bool terminated, const char *why)
{
    host *hs = &c->hosts[h];
    if (hs->state != HOST_ACTIVE && hs->state != HOST_DRAINING) return;
    char hname[96], reason[256];
    host_name(hs, hname, sizeof hname);
    if (hs->state == HOST_DRAINING) c->rec.hosts_draining--;
    hs->state = HOST_TERMINATED;
    /* a Fargate task's record (fargate.h) is no container instance; its
     * task dies with the zone and its billing stops, it never comes back */
    bool fargate = hs->billing >= HOST_BILL_FARGATE;
    if (!fargate) c->rec.hosts--;
    if (terminated || fargate) hs->terminated_s = sim_now(c->s);
    recorder_event(&c->rec, sim_now(c->s), "host_failed", hname, "%s (%s, %s)", why, hs->type->name,
                   hs->zone);
    snprintf(reason, sizeof reason, "Host EC2 instance %s %s", hname,
             terminated ? "terminated" : "is unreachable");
    for (uint32_t i = 0; i < c->n_tasks; i++)
        if (c->tasks[i].host == h && c->tasks[i].state != TASK_STOPPED)
            agent_kill(c, &c->tasks[i], 137, AGENT_STOP_LOST, reason);
    asg_host_lost(c, h); /* an Auto Scaling group replaces its instance */
}

bool failure_zone_out(const cluster *c, const char *zone)
{
    double now = sim_now(c->s);
    for (uint32_t i = 0; i < c->n_failures; i++) {
        const failure *f = &c->failures[i];
        if (f->kind == FAIL_ZONE_OUTAGE && strcmp(f->zone, zone) == 0 && now >= f->at_s &&
            now < f->at_s + f->duration_s)
            return true;
    }
    return false;
}

void failure_host_registered(cluster *c, uint32_t h)
{
    if (c->quiet) return;
    for (uint32_t i = 0; i < c->n_failures; i++) {
        const failure *f = &c->failures[i];
        if (f->kind != FAIL_HOST || f->host >= 0 || f->host_later ||
            strcmp(c->hosts[h].group, f->host_group) != 0)
            continue;
        c->host_fail_ev[h] =
            sim_at(c->s, sim_now(c->s) + dist_exponential(c->failure_rng, f->mtbf_s),
                   c->kind_host_mtbf, h);
        return;
    }
}

static void on_failure(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    failure *f = &c->failures[e->target];
    f->ev = 0;
    char why[160];
    switch (f->kind) {
    case FAIL_HOST:
        snprintf(why, sizeof why, "injected failure %s", f->name);
        if (f->host_later) {
            int32_t h = find_host(c, f->host_name);
            if (h < 0) {
                recorder_event(&c->rec, sim_now(c->s), "failure_skipped", f->name,
                               "host %s has not been launched", f->host_name);
                break;
            }
            lose_host(c, (uint32_t) h, true, why);
            break;
        }
        lose_host(c, (uint32_t) f->host, true, why);
        break;
    case FAIL_ZONE_OUTAGE:
        snprintf(why, sizeof why, "availability zone %s outage (%s) for %.0f s", f->zone, f->name,
                 f->duration_s);
        for (uint32_t h = 0; h < c->n_hosts; h++)
            if (strcmp(c->hosts[h].zone, f->zone) == 0) lose_host(c, h, false, why);
        if (!c->quiet)
            f->ev = sim_at(c->s, sim_now(c->s) + f->duration_s, c->kind_zone_back, e->target);
        break;
    case FAIL_TASK_HANG: {
        uint32_t k = 0;
        for (uint32_t i = 0; i < c->n_tasks; i++) {
            task *t = &c->tasks[i];
            if (t->service != (uint32_t) f->service || ++k != f->task_k) continue;
            if (t->state == TASK_STOPPED) break;
            char name[128];
            cluster_task_name(c, t, name, sizeof name);
            recorder_event(&c->rec, sim_now(c->s), "task_hung", name,
                           "injected failure %s: the process stops answering", f->name);
            task_hang(&c->tenv, t);
            break;
        }
        break;
    }
    case FAIL_TASK_CRASH:
        break;
    }
}

static void on_host_mtbf(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    c->host_fail_ev[e->target] = 0;
    lose_host(c, e->target, true, "host failure (mean time between failures)");
}

static void on_crash(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    task *t = &c->tasks[e->target];
    t->crash_ev = 0;
    agent_kill(c, t, 139, AGENT_STOP_CRASHED,
               "Essential container in task exited (injected crash, exit code 139)");
}

static void on_zone_back(void *ctx, sim *s, const ev *e)
{
    (void) s;
    cluster *c = ctx;
    failure *f = &c->failures[e->target];
    f->ev = 0;
    for (uint32_t h = 0; h < c->n_hosts; h++) {
        host *hs = &c->hosts[h];
        if (strcmp(hs->zone, f->zone) != 0 || hs->state != HOST_TERMINATED ||
            isfinite(hs->terminated_s))
            continue;
        hs->state = HOST_ACTIVE;
        hs->lost = false; /* its Auto Scaling group had not replaced it yet */
        c->rec.hosts++;
        char hname[96];
        host_name(hs, hname, sizeof hname);
        recorder_event(&c->rec, sim_now(c->s), "host_recovered", hname,
                       "availability zone %s is back (%s)", f->zone, f->name);
    }
    for (uint32_t i = 0; i < c->n_services; i++) scheduler_wake(c, &c->services[i]);
}

void failure_quiesce(cluster *c)
{
    for (uint32_t i = 0; i < c->n_failures; i++) {
        if (c->failures[i].ev) sim_cancel(c->s, c->failures[i].ev);
        c->failures[i].ev = 0;
    }
    for (uint32_t h = 0; h < c->n_hosts && c->host_fail_ev; h++) {
        if (c->host_fail_ev[h]) sim_cancel(c->s, c->host_fail_ev[h]);
        c->host_fail_ev[h] = 0;
    }
}
