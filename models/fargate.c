/* fargate.c -- Fargate task sizes, records and start-up (see fargate.h). */
#include "fargate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/demand.h"
#include "models/spot.h"
#include "sim/engine/xmalloc.h"

const param_def fargate_params[] = {
    {"task_definitions.*.launch_type", PT_ENUM, "", 0, 0, "EC2", "EC2|FARGATE", 0, NULL,
     "requiresCompatibilities / launchType: FARGATE runs the task definition's services on "
     "Fargate (no container instance; a valid Fargate cpu/memory pair and network_mode awsvpc "
     "are required)."},
    {"fargate.zones", PT_STR, "", 0, 0, "", NULL, 0, NULL,
     "Availability zones of the subnets Fargate tasks run in, comma-separated; each task goes "
     "to the zone with the fewest of its service's Fargate tasks. Empty: <region>a, <region>b, "
     "<region>c."},
    DEMAND_PARAMS("fargate.provisioning",
                  "a Fargate task's PROVISIONING, capacity and ENI attachment before its image "
                  "pull (AWS documents no number: modelling assumption)",
                  "lognormal", "20"),
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void on_provisioned(void *ctx, sim *s, const ev *e);

int fargate_size_ok(int64_t cpu, int64_t mem)
{
    switch (cpu) {
    case 256:
        return mem == 512 || mem == 1024 || mem == 2048;
    case 512:
        return mem >= 1024 && mem <= 4096 && mem % 1024 == 0;
    case 1024:
        return mem >= 2048 && mem <= 8192 && mem % 1024 == 0;
    case 2048:
        return mem >= 4096 && mem <= 16384 && mem % 1024 == 0;
    case 4096:
        return mem >= 8192 && mem <= 30720 && mem % 1024 == 0;
    case 8192:
        return mem >= 16384 && mem <= 61440 && mem % 4096 == 0;
    case 16384:
        return mem >= 32768 && mem <= 122880 && mem % 8192 == 0;
    default:
        return 0;
    }
}

void fargate_sizes_text(char *buf, size_t len)
{
    snprintf(buf, len,
             "cpu 256 with memory_mib 512, 1024 or 2048; 512 with 1024-4096 in steps of 1024; "
             "1024 with 2048-8192 in steps of 1024; 2048 with 4096-16384 in steps of 1024; 4096 "
             "with 8192-30720 in steps of 1024; 8192 with 16384-61440 in steps of 4096; 16384 "
             "with 32768-122880 in steps of 8192 (task-cpu-memory-error.html)");
}

bool fargate_def(const cluster *c, const task_def *d)
{
    if (!c->fargate || !c->fargate->def_fargate) return false;
    return c->fargate->def_fargate[d - c->defs];
}

/* Whether service i will run on Fargate (a Fargate provider in its strategy,
 * or its task definition's launch type). */
static bool service_on_fargate(const cluster *c, const params *p, uint32_t i)
{
    const char *text = params_str(p, "services.%s.capacity_provider_strategy", c->services[i].name);
    if (strstr(text, "FARGATE")) return true;
    return !text[0] && fargate_def(c, c->services[i].def);
}

static int check_def(const cluster *c, const params *p, const task_def *d, ecs_err *e)
{
    char sizes[640];
    param_loc at = params_where(p, "task_definitions.%s.memory_mib", d->name);
    if (!at.file) at = params_where(p, "task_definitions.%s.cpu", d->name);
    if (!at.file) at = params_where(p, "task_definitions.%s.launch_type", d->name);
    const char *file = at.file ? at.file : "scenario";
    (void) c;
    if (!fargate_size_ok(d->cpu_units, d->memory_mib)) {
        fargate_sizes_text(sizes, sizeof sizes);
        return err_at(e, ECS_EINPUT, file, at.line, at.column,
                      "task_definitions.%s: cpu %lld with memory_mib %lld is not a Fargate task "
                      "size; valid: %s",
                      d->name, (long long) d->cpu_units, (long long) d->memory_mib, sizes);
    }
    if (d->net.mode != NET_AWSVPC) {
        param_loc nm = params_where(p, "task_definitions.%s.network_mode", d->name);
        if (nm.file) at = nm;
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "task_definitions.%s.network_mode: Fargate tasks need awsvpc, not %s",
                      d->name, netmode_name(d->net.mode));
    }
    if (d->cpu_share) {
        param_loc cm = params_where(p, "task_definitions.%s.cpu_mode", d->name);
        if (cm.file) at = cm;
        return err_at(e, ECS_EINPUT, at.file ? at.file : "scenario", at.line, at.column,
                      "task_definitions.%s.cpu_mode: Fargate tasks need a task-level cpu "
                      "(hard_cap)",
                      d->name);
    }
    return ECS_OK;
}

int fargate_init(cluster *c, const params *p, ecs_err *e)
{
    fargate_state *f = xcalloc(1, sizeof *f);
    c->fargate = f;
    f->def_fargate = xcalloc(c->n_defs ? c->n_defs : 1, sizeof *f->def_fargate);
    for (uint32_t i = 0; i < c->n_defs; i++)
        f->def_fargate[i] =
            strcmp(params_str(p, "task_definitions.%s.launch_type", c->defs[i].name), "FARGATE") ==
            0;
    for (uint32_t i = 0; i < c->n_defs; i++)
        if (f->def_fargate[i]) {
            int rc = check_def(c, p, &c->defs[i], e);
            if (rc != ECS_OK) return rc;
        }
    for (uint32_t i = 0; i < c->n_services; i++) {
        if (!service_on_fargate(c, p, i)) continue;
        f->used = true;
        int rc = check_def(c, p, c->services[i].def, e);
        for (uint32_t k = 0; k < c->n_deploys && rc == ECS_OK; k++)
            if (c->deploys[k].service == i) rc = check_def(c, p, c->deploys[k].def, e);
        if (rc != ECS_OK) return rc;
    }
    const char *region = params_str(p, "cluster.region");
    const char *zones = params_str(p, "fargate.zones");
    if (!zones[0]) {
        for (f->n_zones = 0; f->n_zones < 3; f->n_zones++)
            snprintf(f->zones[f->n_zones], 32, "%s%c", region, 'a' + (int) f->n_zones);
    } else {
        for (const char *s = zones; *s && f->n_zones < FARGATE_MAX_ZONES;) {
            while (*s == ' ') s++;
            size_t k = strcspn(s, ",");
            size_t n = k;
            while (n > 0 && s[n - 1] == ' ') n--;
            if (n > 0) snprintf(f->zones[f->n_zones++], 32, "%.*s", (int) n, s);
            s += k + (s[k] == ',');
        }
    }
    static const char *const names[2] = {"FARGATE", "FARGATE_SPOT"};
    for (int k = 0; k < 2; k++) {
        snprintf(f->type[k].name, sizeof f->type[k].name, "%s", names[k]);
        f->type[k].vcpu = 0;
        f->type[k].max_enis = 2; /* one for the task (awsvpc) beyond the primary */
    }
    int rc = demand_read(&f->provisioning, p, e, "fargate.provisioning");
    if (rc != ECS_OK) return rc;
    /* kinds and streams only when used, so runs without Fargate keep their
     * event numbering (and their pinned fingerprints) */
    if (f->used) {
        f->kind_provisioned = sim_kind(c->s, "fargate.provisioned", on_provisioned, c);
        f->rng = sim_rng(c->s, "fargate:provisioning");
    }
    return ECS_OK;
}

uint32_t fargate_place(cluster *c, const service *sv, bool spot)
{
    fargate_state *f = c->fargate;
    uint32_t per_zone[FARGATE_MAX_ZONES] = {0};
    for (uint32_t i = 0; i < c->n_tasks; i++) {
        const task *t = &c->tasks[i];
        if (t->service != sv->id || t->state == TASK_STOPPED || t->stopping) continue;
        const host *h = &c->hosts[t->host];
        if (h->billing < HOST_BILL_FARGATE) continue;
        for (uint32_t z = 0; z < f->n_zones; z++)
            if (strcmp(h->zone, f->zones[z]) == 0) per_zone[z]++;
    }
    uint32_t z = 0;
    for (uint32_t k = 1; k < f->n_zones; k++)
        if (per_zone[k] < per_zone[z]) z = k;
    uint32_t id = cluster_add_host(c);
    host *h = &c->hosts[id];
    int kind = spot ? 1 : 0;
    host_init(h, &c->henv, id, spot ? "fargate-spot" : "fargate", ++f->made[kind], f->zones[z],
              &f->type[kind], "");
    const task_def *d = sv->def;
    h->cpu_units = h->cpu_free_units = d->cpu_units;
    h->memory_mib = h->memory_free_mib = d->memory_mib;
    h->n_ports = 0; /* awsvpc: the task's own ENI, no agent ports */
    h->billing = spot ? HOST_BILL_FARGATE_SPOT : HOST_BILL_FARGATE;
    const price_set *ps = &c->costs.cfg.prices;
    double vcpu = (double) d->cpu_units / 1024.0, gb = (double) d->memory_mib / 1024.0;
    h->usd_per_hour = spot ? vcpu * ps->fargate_spot_vcpu_h + gb * ps->fargate_spot_gb_h
                           : vcpu * ps->fargate_vcpu_h + gb * ps->fargate_gb_h;
    h->launched_s = INFINITY; /* billing starts with the image pull */
    h->in_service_s = sim_now(c->s);
    h->initial = false;
    if (spot) spot_fargate_made(c, id);
    return id;
}

void fargate_launch(cluster *c, task *t, bool at_once)
{
    fargate_state *f = c->fargate;
    host *h = &c->hosts[t->host];
    if (at_once) {
        h->launched_s = sim_now(c->s);
        agent_launch(c, t, true);
        return;
    }
    double d = dist_sample(&f->provisioning, f->rng);
    /* the agent's timer slot: a stop while provisioning cancels it */
    t->timer_ev = sim_at(c->s, sim_now(c->s) + d, f->kind_provisioned, t->id);
}

static void on_provisioned(void *ctx, sim *s, const ev *e)
{
    cluster *c = ctx;
    task *t = &c->tasks[e->target];
    t->timer_ev = 0;
    if (t->state != TASK_PROVISIONING || t->stopping) return;
    c->hosts[t->host].launched_s = sim_now(s);
    agent_launch(c, t, false);
}

void fargate_task_released(cluster *c, uint32_t id)
{
    host *h = &c->hosts[id];
    if (h->billing < HOST_BILL_FARGATE || h->n_tasks > 0 || h->state == HOST_TERMINATED) return;
    h->state = HOST_TERMINATED;
    h->terminated_s = sim_now(c->s);
    if (h->spot_ev) sim_cancel(c->s, h->spot_ev);
    h->spot_ev = 0;
}

void fargate_fini(cluster *c)
{
    if (!c->fargate) return;
    free(c->fargate->def_fargate);
    dist_fini(&c->fargate->provisioning);
    free(c->fargate);
    c->fargate = NULL;
}
