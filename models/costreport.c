/* costreport.c -- hourly cost accounting: the recorder's samples feed the
 * load balancer counts, the host records give the compute bill at the end.
 * Work is per sample interval and per host, never per request. */
#include "costreport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cluster.h"
#include "models/cost.h"
#include "sim/engine/xmalloc.h"

const param_def cost_params[] = {
    {"cost.include_load_balancer", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL,
     "Count the load balancers' hours and LCU-hours in cost_usd and cost.csv (an Application "
     "Load Balancer per load_balancers entry, elasticloadbalancing/pricing)."},
    {"cost.lb_requests_per_connection", PT_REAL, "requests", 1, 1e9, "1", NULL, 0, NULL,
     "Requests each client connection carries, for the LCU's new-connections dimension "
     "(modelling assumption: ecsim does not model connections; 1 is no keep-alive, the "
     "dearest case)."},
    {"cost.lb_bytes_per_request", PT_REAL, "bytes", 0, 1e12, "16384", NULL, 0, NULL,
     "Bytes the load balancer processes per attempt, request and response, for the LCU's "
     "processed-bytes dimension (modelling assumption: ecsim does not model payloads; GB = "
     "2^30 bytes)."},
    {"cost.lb_rules", PT_INT, "rules", 0, 100, "1", NULL, 0, NULL,
     "Listener rules evaluated per request, for the LCU's rule-evaluations dimension (the "
     "first 10 are free)."},
    {"slo.violation_usd_per_minute", PT_REAL, "USD/min", 0, 1e9, "0", NULL, 0, NULL,
     "The planner's own valuation of one minute whose p99 exceeded slo.p99_latency_s "
     "(cost.csv's slo_violation_usd; not an AWS price)."},
    {"slo.error_usd_per_1k", PT_REAL, "USD", 0, 1e9, "0", NULL, 0, NULL,
     "The planner's own valuation of a thousand 5xx answers (cost.csv's slo_violation_usd; "
     "not an AWS price)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

static void ensure_hours(costreport *r, uint32_t n)
{
    if (n <= r->n_hours) return;
    if (n > r->cap_hours) {
        uint32_t cap = r->cap_hours ? r->cap_hours : 4;
        while (cap < n) cap *= 2;
        r->hours = xrealloc(r->hours, cap * sizeof *r->hours);
        r->lb = xrealloc(r->lb, (size_t) cap * (r->n_lbs ? r->n_lbs : 1) * sizeof *r->lb);
        r->cap_hours = cap;
    }
    memset(r->hours + r->n_hours, 0, (n - r->n_hours) * sizeof *r->hours);
    size_t w = r->n_lbs ? r->n_lbs : 1;
    memset(r->lb + (size_t) r->n_hours * w, 0, (size_t) (n - r->n_hours) * w * sizeof *r->lb);
    r->n_hours = n;
}

/* The recorder's sample hook: the interval (last_s, now_s] is counted in
 * the hour it starts in (sample intervals divide the hour in practice). */
static void on_sample(void *ctx, double now_s)
{
    cluster *c = ctx;
    costreport *r = &c->costs;
    uint32_t h = (uint32_t) (r->last_s / 3600.0);
    ensure_hours(r, h + 1);
    uint64_t e5xx = 0;
    for (uint32_t k = 0; k < c->n_services; k++) {
        const svc_meter *m = &c->rec.svc[k];
        cost_lb_hour *lh = &r->lb[(size_t) h * r->n_lbs + c->services[k].lb];
        lh->attempts += m->i_requests + m->i_retries;
        lh->inflight_sum += (double) m->in_flight;
        r->hours[h].requests += m->i_requests;
        e5xx += m->n_5xx_all;
    }
    for (uint32_t b = 0; b < r->n_lbs; b++) r->lb[(size_t) h * r->n_lbs + b].samples++;
    r->hours[h].errors_5xx += e5xx - r->seen_5xx;
    r->seen_5xx = e5xx;
    r->hours[h].minutes_over_slo += c->rec.minutes_over_slo - r->seen_slo_min;
    r->seen_slo_min = c->rec.minutes_over_slo;
    r->last_s = now_s;
}

int costreport_init(cluster *c, const params *p, ecs_err *e)
{
    costreport *r = &c->costs;
    memset(r, 0, sizeof *r);
    r->cfg.include_lb = params_bool(p, "cost.include_load_balancer");
    r->cfg.requests_per_connection = params_real(p, "cost.lb_requests_per_connection");
    r->cfg.bytes_per_request = params_real(p, "cost.lb_bytes_per_request");
    r->cfg.rules = (int) params_int(p, "cost.lb_rules");
    r->cfg.violation_usd_per_minute = params_real(p, "slo.violation_usd_per_minute");
    r->cfg.error_usd_per_1k = params_real(p, "slo.error_usd_per_1k");
    r->cfg.region = c->henv.region;
    r->cfg.duration_s = params_real(p, "run.duration_s");
    if (prices_region(c->henv.region, &r->cfg.prices) != 0)
        return err_set(e, ECS_EINTERNAL,
                       "models/prices.csv (built in) has no Fargate or ALB "
                       "price for region %s",
                       catalogue_region_name(c->henv.region));
    r->n_lbs = c->n_lbs;
    ensure_hours(r, 1);
    recorder_listen_rows(&c->rec, on_sample, c);
    return ECS_OK;
}

double costreport_billed_s(double launched_s, double end_s)
{
    return cost_billed_s(launched_s, end_s);
}

/* What an hour of h would cost at On-Demand (Fargate) prices. */
static double od_rate(const cost_cfg *cfg, const host *h)
{
    double vcpu = (double) h->cpu_units / 1024.0, gb = (double) h->memory_mib / 1024.0;
    switch ((host_billing) h->billing) {
    case HOST_BILL_SPOT:
        return h->type->usd_per_hour[cfg->region];
    case HOST_BILL_FARGATE_SPOT:
        return h->usd_per_hour > 0
                   ? vcpu * cfg->prices.fargate_vcpu_h + gb * cfg->prices.fargate_gb_h
                   : 0;
    default:
        return h->usd_per_hour;
    }
}

void costreport_add_host(const cost_cfg *cfg, const host *h, double end_s, cost_hour *hours,
                         uint32_t n)
{
    if (!isfinite(h->launched_s) || h->usd_per_hour <= 0 || n == 0) return;
    double from = h->launched_s;
    double until = h->terminated_s < end_s ? h->terminated_s : end_s;
    if (until < from) until = from;
    double extra = cost_billed_s(from, until) - (until - from); /* the one-minute minimum */
    double rate = h->usd_per_hour / 3600.0, od = od_rate(cfg, h) / 3600.0;
    uint32_t first = (uint32_t) (from / 3600.0);
    if (first >= n) first = n - 1;
    for (uint32_t k = first; k < n; k++) {
        double a = k * 3600.0 > from ? k * 3600.0 : from;
        double b = (k + 1) * 3600.0 < until ? (k + 1) * 3600.0 : until;
        double s = (b > a ? b - a : 0) + (k == first ? extra : 0);
        if (s <= 0 && k > first) break;
        double usd = s * rate;
        switch ((host_billing) h->billing) {
        case HOST_BILL_ON_DEMAND:
            hours[k].ec2_od += usd;
            break;
        case HOST_BILL_SPOT:
            hours[k].ec2_spot += usd;
            break;
        case HOST_BILL_FARGATE:
            hours[k].fargate += usd;
            break;
        case HOST_BILL_FARGATE_SPOT:
            hours[k].fargate_spot += usd;
            break;
        }
        hours[k].od_equiv += s * od;
    }
}

double costreport_lcus(const cost_cfg *cfg, const cost_lb_hour *lh)
{
    double attempts = (double) lh->attempts;
    double new_conn = attempts / cfg->requests_per_connection / 3600.0 / COST_LCU_NEW_CONN_PER_S;
    double active = lh->samples ? lh->inflight_sum / lh->samples / COST_LCU_ACTIVE_CONN : 0;
    double gb = attempts * cfg->bytes_per_request / 1073741824.0 / COST_LCU_GB_PER_H;
    int paid_rules = cfg->rules > COST_LCU_FREE_RULES ? cfg->rules - COST_LCU_FREE_RULES : 0;
    double rules = attempts * paid_rules / 3600.0 / COST_LCU_RULE_EVALS_PER_S;
    double m = new_conn;
    if (active > m) m = active;
    if (gb > m) m = gb;
    if (rules > m) m = rules;
    return m;
}

void costreport_finish(cluster *c, double end_s)
{
    costreport *r = &c->costs;
    uint32_t n = (uint32_t) ceil(end_s / 3600.0);
    ensure_hours(r, n ? n : 1);
    for (uint32_t i = 0; i < c->n_hosts; i++)
        costreport_add_host(&r->cfg, &c->hosts[i], end_s, r->hours, r->n_hours);
    /* the load balancers exist for the run's duration (not its drain tail):
     * each hour or partial hour of it is billed */
    double lb_end = r->cfg.duration_s < end_s ? r->cfg.duration_s : end_s;
    uint32_t lb_hours = (uint32_t) ceil(lb_end / 3600.0);
    for (uint32_t k = 0; k < r->n_hours && r->cfg.include_lb; k++) {
        for (uint32_t b = 0; b < r->n_lbs; b++) {
            double lcus = costreport_lcus(&r->cfg, &r->lb[(size_t) k * r->n_lbs + b]);
            if (k < lb_hours || k == 0) r->hours[k].lb_hours += r->cfg.prices.alb_h;
            r->hours[k].lcus += lcus;
            r->hours[k].lb_lcu += lcus * r->cfg.prices.alb_lcu_h;
        }
    }
    /* the last minute over the SLO closes after the last sample */
    uint32_t last = (uint32_t) (r->last_s / 3600.0);
    if (last >= r->n_hours) last = r->n_hours - 1;
    r->hours[last].minutes_over_slo += c->rec.minutes_over_slo - r->seen_slo_min;
    r->seen_slo_min = c->rec.minutes_over_slo;
    memset(&r->total, 0, sizeof r->total);
    cost_hour *t = &r->total;
    for (uint32_t k = 0; k < r->n_hours; k++) {
        const cost_hour *h = &r->hours[k];
        t->ec2_od += h->ec2_od;
        t->ec2_spot += h->ec2_spot;
        t->fargate += h->fargate;
        t->fargate_spot += h->fargate_spot;
        t->od_equiv += h->od_equiv;
        t->lb_hours += h->lb_hours;
        t->lb_lcu += h->lb_lcu;
        t->lcus += h->lcus;
        t->requests += h->requests;
        t->errors_5xx += h->errors_5xx;
        t->minutes_over_slo += h->minutes_over_slo;
    }
    r->total_usd = t->ec2_od + t->ec2_spot + t->fargate + t->fargate_spot + t->lb_hours + t->lb_lcu;
    r->slo_usd = t->minutes_over_slo * r->cfg.violation_usd_per_minute +
                 (double) t->errors_5xx / 1000.0 * r->cfg.error_usd_per_1k;
    r->usd_per_million = t->requests ? r->total_usd / (double) t->requests * 1e6 : NAN;
}

static void write_row(csvw *w, const costreport *r, const char *label, double start_s,
                      const cost_hour *h)
{
    double compute = h->ec2_od + h->ec2_spot + h->fargate + h->fargate_spot;
    double total = compute + h->lb_hours + h->lb_lcu;
    double slo = h->minutes_over_slo * r->cfg.violation_usd_per_minute +
                 (double) h->errors_5xx / 1000.0 * r->cfg.error_usd_per_1k;
    csvw_str(w, label);
    csvw_real(w, start_s);
    csvw_real(w, h->ec2_od);
    csvw_real(w, h->ec2_spot);
    csvw_real(w, h->fargate);
    csvw_real(w, h->fargate_spot);
    csvw_real(w, h->lb_hours);
    csvw_real(w, h->lb_lcu);
    csvw_real(w, h->lcus);
    csvw_real(w, total);
    csvw_real(w, h->od_equiv);
    csvw_real(w, h->od_equiv - compute);
    csvw_uint(w, h->requests);
    csvw_real(w, h->requests ? total / (double) h->requests * 1e6 : NAN);
    csvw_uint(w, h->errors_5xx);
    csvw_uint(w, h->minutes_over_slo);
    csvw_real(w, slo);
    csvw_end(w);
}

void costreport_write(const cluster *c, FILE *fp)
{
    const costreport *r = &c->costs;
    csvw w;
    csvw_init(&w, fp);
    static const char *const head[] = {"hour",
                                       "start_s",
                                       "ec2_on_demand_usd",
                                       "ec2_spot_usd",
                                       "fargate_usd",
                                       "fargate_spot_usd",
                                       "lb_hours_usd",
                                       "lb_lcu_usd",
                                       "lcu_hours",
                                       "total_usd",
                                       "on_demand_equivalent_usd",
                                       "saved_usd",
                                       "requests",
                                       "usd_per_million_requests",
                                       "errors_5xx",
                                       "minutes_over_slo",
                                       "slo_violation_usd"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) csvw_str(&w, head[i]);
    csvw_end(&w);
    for (uint32_t k = 0; k < r->n_hours; k++) {
        char label[32];
        snprintf(label, sizeof label, "%u", k);
        write_row(&w, r, label, k * 3600.0, &r->hours[k]);
    }
    write_row(&w, r, "total", 0, &r->total);
}

uint32_t costreport_ec2_hosts(const cluster *c)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++) n += c->hosts[i].billing < HOST_BILL_FARGATE;
    return n;
}

double costreport_ec2_host_hours(const cluster *c, double end_s)
{
    double s = 0;
    for (uint32_t i = 0; i < c->n_hosts; i++)
        if (c->hosts[i].billing < HOST_BILL_FARGATE) s += cost_host_hours(&c->hosts[i], 1, end_s);
    return s;
}

double costreport_total_usd(const cluster *c)
{
    const cost_hour *t = &c->costs.total;
    return t->ec2_od + t->ec2_spot + t->fargate + t->fargate_spot + t->lb_hours + t->lb_lcu;
}

void costreport_fini(cluster *c)
{
    free(c->costs.hours);
    free(c->costs.lb);
    c->costs.hours = NULL;
    c->costs.lb = NULL;
}
