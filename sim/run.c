/* run.c -- one run: scenario in, result files out.
 * The output files are opened as one afile_set, so either every file of a
 * run appears (renamed into place at the end) or, when any step fails, none
 * does and the previous results in the directory stay as they were. Wall
 * time goes only to the terminal: the files are a pure function of the
 * scenario and the seed. */
#include "sim/run.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/cluster.h"
#include "models/spot.h"
#include "sim/engine/afile.h"
#include "sim/engine/csvout.h"
#include "sim/engine/xmalloc.h"
#include "sim/observe.h"
#include "sim/analyze.h"
#include "sim/registry.h"
#include "sim/little.h"
#include "sim/reqlog.h"
#include "sim/scenario.h"
#include "sim/stopping.h"
#include "sim/version.h"

static int iso_utc_check(const char *text, char *expected, size_t len)
{
    /* YYYY-MM-DDTHH:MM:SSZ */
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    int ok = strlen(text) == sizeof shape - 1;
    for (size_t i = 0; ok && shape[i]; i++)
        ok = shape[i] == 'd' ? isdigit((unsigned char) text[i]) : text[i] == shape[i];
    if (ok) {
        int mon = atoi(text + 5), day = atoi(text + 8), hh = atoi(text + 11), mm = atoi(text + 14),
            ss = atoi(text + 17);
        ok = mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hh < 24 && mm < 60 && ss < 60;
    }
    if (!ok) snprintf(expected, len, "an ISO 8601 UTC time like 2026-01-05T00:00:00Z");
    return ok ? 0 : -1;
}

const param_def run_params[] = {
    {"run.duration_s", PT_REAL, "s", 0, 1e9, "3600", NULL, PF_MIN_EXCL, NULL,
     "Arrivals stop at this simulated time."},
    {"run.max_requests", PT_INT, "requests", 1, 1e15, "unlimited", NULL, PF_UNLIMITED, NULL,
     "Arrivals stop after this many requests (all workloads together); \"unlimited\" for no "
     "limit."},
    {"run.drain", PT_BOOL, "", 0, 0, "true", NULL, 0, NULL,
     "When arrivals stop, let in-flight requests finish and count (true), or end the run there "
     "and report them as in flight (false)."},
    {"run.warmup_s", PT_REAL, "s", 0, 1e9, "0", NULL, 0, NULL,
     "Requests that arrive before this time, and utilisation before it, are left out of "
     "summary.csv; timeseries.csv shows everything."},
    {"run.seed", PT_INT, "", 0, 9007199254740992.0, "1", NULL, 0, NULL,
     "Seed of every random stream (each stream's seed is derived from it and the stream's "
     "name); --seed overrides."},
    {"run.start", PT_STR, "UTC", 0, 0, "2026-01-05T00:00:00Z", NULL, 0, iso_utc_check,
     "Wall-clock time of t=0 (a Monday by default), for schedules and daily shapes."},
    {"run.sample_interval_s", PT_REAL, "s", 0, 1e9, "60", NULL, PF_MIN_EXCL, NULL,
     "Width of one timeseries.csv interval (and of the batches summary.csv's intervals start "
     "from)."},
    ESTIMATE_PARAMS,
    {"slo.p99_latency_s", PT_REAL, "s", 0, 1e6, "0.2", NULL, PF_MIN_EXCL, NULL,
     "The SLO holds when the p99 response time of successful requests is at most this."},
    {"slo.error_rate", PT_REAL, "", 0, 1, "0.001", NULL, 0, NULL,
     "The SLO holds when at most this fraction of requests fail (502, 503)."},
    {NULL, 0, NULL, 0, 0, NULL, NULL, 0, NULL, NULL},
};

/* Seconds from the Monday 00:00 UTC before `iso` (checked by iso_utc_check)
 * to it: where diurnal and weekly shapes start. */
static double week_offset_s(const char *iso)
{
    int y = atoi(iso), m = atoi(iso + 5), d = atoi(iso + 8);
    /* days since 1970-01-01 (a Thursday), Howard Hinnant's days_from_civil */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = (long) era * 146097 + doe - 719468;
    long monday_based = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: 3 */
    return (double) monday_based * 86400.0 + atoi(iso + 11) * 3600.0 + atoi(iso + 14) * 60.0 +
           atoi(iso + 17);
}

int run_validate(const params *p, ecs_err *e)
{
    sim *s = sim_new(1);
    cluster c;
    cluster_cfg cfg = {1, -1, 0, 60, week_offset_s(params_str(p, "run.start"))};
    int rc = cluster_build(&c, p, s, &cfg, e);
    if (rc == ECS_OK) cluster_fini(&c);
    sim_free(s);
    return rc;
}

params *run_load_params(const char *scenario, const char *const *sets, int n_sets, ecs_err *e)
{
    params *p = params_new(ecsim_registry());
    int rc = scenario_load(p, scenario, e);
    for (int i = 0; rc == ECS_OK && i < n_sets; i++) rc = scenario_set(p, sets[i], e);
    if (rc == ECS_OK) rc = params_finish(p, e);
    if (rc == ECS_OK && params_real(p, "run.warmup_s") >= params_real(p, "run.duration_s")) {
        param_loc at = params_where(p, "run.warmup_s");
        rc = err_at(e, ECS_EINPUT, at.file ? at.file : scenario, at.line, at.column,
                    "run.warmup_s: expected less than run.duration_s (%g s), got %g",
                    params_real(p, "run.duration_s"), params_real(p, "run.warmup_s"));
    }
    if (rc != ECS_OK) {
        params_free(p);
        return NULL;
    }
    return p;
}

/* results/<basename without extension> */
static void default_out_dir(const char *scenario, char *buf, size_t len)
{
    const char *base = strrchr(scenario, '/');
    base = base ? base + 1 : scenario;
    size_t n = strcspn(base, ".");
    if (n == 0) n = strlen(base);
    snprintf(buf, len, "results/%.*s", (int) n, base);
}

void run_default_out_dir(const char *scenario, char *buf, size_t len)
{
    default_out_dir(scenario, buf, len);
}

static void on_stop(void *ctx, sim *s, const ev *e)
{
    (void) ctx;
    (void) e;
    sim_stop(s);
}

typedef struct totals {
    uint64_t requests, retries, completed, failed, err_502, err_503, err_504;
    uint64_t timeouts, late, dropped, first_try_ok;
    hist latency, client_latency;
    double used_area, reserved_area;
    double used_mib_area, reserved_mib_area, peak_mem_pct;
    uint64_t oom_kills;
} totals;

static void add_totals(totals *t, const svc_meter *m, double end_s)
{
    t->requests += m->requests;
    t->retries += m->retries;
    t->completed += m->final_ok;
    t->failed += m->final_failed;
    t->err_502 += m->err_502;
    t->err_503 += m->err_503;
    t->err_504 += m->err_504;
    t->timeouts += m->timeouts;
    t->late += m->late;
    t->dropped += m->dropped;
    t->first_try_ok += m->first_try_ok;
    hist_merge(&t->latency, &m->latency);
    hist_merge(&t->client_latency, &m->client_latency);
    t->used_area += timeavg_area(&m->used_vcpu, end_s) - m->w_used_area;
    t->reserved_area += timeavg_area(&m->reserved_vcpu, end_s) - m->w_reserved_area;
    t->used_mib_area += timeavg_area(&m->used_mib, end_s) - m->w_used_mib_area;
    t->reserved_mib_area += timeavg_area(&m->reserved_mib, end_s) - m->w_reserved_mib_area;
    if (m->peak_mem_pct > t->peak_mem_pct) t->peak_mem_pct = m->peak_mem_pct;
    t->oom_kills += m->oom_kills;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

/* Cluster autoscaling: instances the Auto Scaling groups launched and
 * terminated after t=0, the capacity providers' scaling actions, and the
 * tasks that waited in PROVISIONING (all time, warm-up included). */
static void write_capacity(csvw *w, const cluster *c)
{
    uint64_t launches = 0, terminations = 0, outs = 0, ins = 0, waiting = 0, waits = 0;
    double sum = 0, most = NAN;
    for (uint32_t g = 0; g < c->n_asgs; g++) {
        launches += c->asgs[g].launches;
        terminations += c->asgs[g].terminations;
    }
    for (uint32_t k = 0; k < c->n_cps; k++) {
        outs += c->cps[k].scale_outs;
        ins += c->cps[k].scale_ins;
    }
    for (uint32_t k = 0; k < c->n_services; k++) {
        const svc_meter *m = &c->rec.svc[k];
        waiting += m->provisioning_tasks;
        waits += m->provisioning_waits;
        sum += m->provisioning_wait_sum_s;
        if (m->provisioning_waits && !(m->provisioning_wait_max_s <= most))
            most = m->provisioning_wait_max_s;
    }
    csvw_uint(w, launches);
    csvw_uint(w, terminations);
    csvw_uint(w, outs);
    csvw_uint(w, ins);
    csvw_uint(w, waiting);
    csvw_uint(w, waits);
    csvw_real(w, ratio(sum, (double) waits));
    csvw_real(w, most);
}

/* Service autoscaling: desired-count changes by policies, scheduled actions
 * and HPAs (all time); the time from the start of the first breaching
 * datapoint's period to the first dynamic scale-out it led to, for the
 * service that scaled out first (NAN when none did); and the one-minute
 * intervals of the measurement window whose p99 exceeded slo.p99_latency_s. */
static void write_scaling(csvw *w, const cluster *c)
{
    uint64_t outs = 0, ins = 0;
    double first = INFINITY, lag = NAN;
    for (uint32_t k = 0; k < c->n_services; k++) {
        const svc_meter *m = &c->rec.svc[k];
        outs += m->scale_out_actions;
        ins += m->scale_in_actions;
        if (m->first_scale_out_s < first) {
            first = m->first_scale_out_s;
            lag = m->first_scale_out_s - m->first_breach_s;
        }
    }
    csvw_uint(w, outs);
    csvw_uint(w, ins);
    csvw_real(w, lag);
    csvw_uint(w, c->rec.minutes_over_slo);
}

static void write_summary(FILE *fp, const run_opts *o, const params *p, const cluster *c,
                          const sim *s, double end_s, const totals *t)
{
    csvw w;
    csvw_init(&w, fp);
    static const char *const head[] = {"seed",
                                       "version",
                                       "commit",
                                       "scenario",
                                       "fingerprint",
                                       "events",
                                       "sim_end_s",
                                       "requests",
                                       "retries",
                                       "completed",
                                       "errors",
                                       "errors_502",
                                       "errors_503",
                                       "errors_504",
                                       "timeouts",
                                       "late_responses",
                                       "dropped",
                                       "first_try_ok",
                                       "in_flight_end",
                                       "error_rate",
                                       "mean_s",
                                       "p50_s",
                                       "p95_s",
                                       "p99_s",
                                       "p999_s",
                                       "max_s",
                                       "client_mean_s",
                                       "client_p99_s",
                                       "cpu_util_pct",
                                       "mem_util_pct",
                                       "peak_task_mem_pct",
                                       "oom_kills",
                                       "hosts",
                                       "host_hours",
                                       "cost_usd",
                                       "tasks_running",
                                       "tasks_unplaced",
                                       "tasks_replaced",
                                       "deployments_completed",
                                       "deployments_failed",
                                       "instance_launches",
                                       "instance_terminations",
                                       "capacity_scale_outs",
                                       "capacity_scale_ins",
                                       "provisioning_tasks",
                                       "provisioning_waits",
                                       "provisioning_wait_mean_s",
                                       "provisioning_wait_max_s",
                                       "slo_p99_latency_s",
                                       "slo_p99_ok",
                                       "slo_error_rate",
                                       "slo_error_rate_ok",
                                       "scaling_actions_out",
                                       "scaling_actions_in",
                                       "time_to_first_scale_out_s",
                                       "minutes_over_slo",
                                       "cost_ec2_usd",
                                       "cost_spot_usd",
                                       "cost_fargate_usd",
                                       "cost_fargate_spot_usd",
                                       "cost_lb_usd",
                                       "usd_per_million_requests",
                                       "cost_saved_usd",
                                       "slo_violation_usd",
                                       "spot_interruption_notices"};
    static const char *const svc_cols[] = {"requests",
                                           "retries",
                                           "completed",
                                           "errors",
                                           "error_rate",
                                           "mean_s",
                                           "p50_s",
                                           "p95_s",
                                           "p99_s",
                                           "cpu_util_pct",
                                           "mem_util_pct",
                                           "oom_kills",
                                           "tasks",
                                           "unplaced_tasks",
                                           "provisioning_tasks",
                                           "provisioning_wait_mean_s",
                                           "provisioning_wait_max_s",
                                           "scaling_actions_out",
                                           "scaling_actions_in",
                                           "time_to_first_scale_out_s",
                                           "minutes_over_slo"};
    static const char *const cls_cols[] = {"requests", "completed", "errors",
                                           "mean_s",   "p50_s",     "p99_s"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) csvw_str(&w, head[i]);
    for (uint32_t k = 0; k < c->n_services; k++)
        for (size_t i = 0; i < sizeof svc_cols / sizeof *svc_cols; i++) {
            char col[256];
            snprintf(col, sizeof col, "%s_%s", c->services[k].name, svc_cols[i]);
            csvw_str(&w, col);
        }
    for (uint32_t k = 0; k < c->rec.n_cls; k++)
        for (size_t i = 0; i < sizeof cls_cols / sizeof *cls_cols; i++) {
            char col[256];
            snprintf(col, sizeof col, "class_%s_%s", c->rec.cls[k].name, cls_cols[i]);
            csvw_str(&w, col);
        }
    csvw_end(&w);

    uint32_t running = 0, unplaced = 0, replaced = 0, deployed = 0, deploy_failed = 0;
    for (uint32_t k = 0; k < c->n_services; k++) {
        running += c->rec.svc[k].running_tasks;
        unplaced += c->services[k].unplaced;
        replaced += c->services[k].replaced;
        deployed += c->services[k].deployments_done;
        deploy_failed += c->services[k].deployments_failed;
    }
    double p99 = hist_quantile(&t->latency, 0.99);
    double err_rate = ratio((double) t->failed, (double) t->requests);
    double slo_p99 = params_real(p, "slo.p99_latency_s");
    double slo_err = params_real(p, "slo.error_rate");
    csvw_int(&w, params_int(p, "run.seed"));
    csvw_str(&w, ECSIM_VERSION);
    csvw_str(&w, ecsim_commit());
    csvw_str(&w, o->scenario);
    csvw_hex64(&w, s->fingerprint);
    csvw_uint(&w, s->n_events);
    csvw_real(&w, end_s);
    csvw_uint(&w, t->requests);
    csvw_uint(&w, t->retries);
    csvw_uint(&w, t->completed);
    csvw_uint(&w, t->failed);
    csvw_uint(&w, t->err_502);
    csvw_uint(&w, t->err_503);
    csvw_uint(&w, t->err_504);
    csvw_uint(&w, t->timeouts);
    csvw_uint(&w, t->late);
    csvw_uint(&w, t->dropped);
    csvw_uint(&w, t->first_try_ok);
    csvw_uint(&w, t->requests - t->completed - t->failed);
    csvw_real(&w, err_rate);
    csvw_real(&w, hist_mean(&t->latency));
    csvw_real(&w, hist_quantile(&t->latency, 0.50));
    csvw_real(&w, hist_quantile(&t->latency, 0.95));
    csvw_real(&w, p99);
    csvw_real(&w, hist_quantile(&t->latency, 0.999));
    csvw_real(&w, t->latency.n ? t->latency.max : NAN);
    csvw_real(&w, hist_mean(&t->client_latency));
    csvw_real(&w, hist_quantile(&t->client_latency, 0.99));
    csvw_real(&w, 100.0 * ratio(t->used_area, t->reserved_area));
    csvw_real(&w, 100.0 * ratio(t->used_mib_area, t->reserved_mib_area));
    csvw_real(&w, t->peak_mem_pct);
    csvw_uint(&w, t->oom_kills);
    csvw_uint(&w, costreport_ec2_hosts(c));
    csvw_real(&w, costreport_ec2_host_hours(c, end_s));
    csvw_real(&w, costreport_total_usd(c));
    csvw_uint(&w, running);
    csvw_uint(&w, unplaced);
    csvw_uint(&w, replaced);
    csvw_uint(&w, deployed);
    csvw_uint(&w, deploy_failed);
    write_capacity(&w, c);
    csvw_real(&w, slo_p99);
    csvw_bool(&w, !isnan(p99) && p99 <= slo_p99);
    csvw_real(&w, slo_err);
    csvw_bool(&w, !isnan(err_rate) && err_rate <= slo_err);
    write_scaling(&w, c);
    const cost_hour *ct = &c->costs.total;
    csvw_real(&w, ct->ec2_od);
    csvw_real(&w, ct->ec2_spot);
    csvw_real(&w, ct->fargate);
    csvw_real(&w, ct->fargate_spot);
    csvw_real(&w, ct->lb_hours + ct->lb_lcu);
    csvw_real(&w, c->costs.usd_per_million);
    csvw_real(&w, ct->od_equiv - (ct->ec2_od + ct->ec2_spot + ct->fargate + ct->fargate_spot));
    csvw_real(&w, c->costs.slo_usd);
    csvw_uint(&w, c->spot ? c->spot->notices : 0);
    for (uint32_t k = 0; k < c->n_services; k++) {
        const svc_meter *m = &c->rec.svc[k];
        csvw_uint(&w, m->requests);
        csvw_uint(&w, m->retries);
        csvw_uint(&w, m->final_ok);
        csvw_uint(&w, m->final_failed);
        csvw_real(&w, ratio((double) m->final_failed, (double) m->requests));
        csvw_real(&w, hist_mean(&m->latency));
        csvw_real(&w, hist_quantile(&m->latency, 0.50));
        csvw_real(&w, hist_quantile(&m->latency, 0.95));
        csvw_real(&w, hist_quantile(&m->latency, 0.99));
        csvw_real(&w, recorder_cpu_util_pct(&c->rec, k, end_s));
        csvw_real(&w, recorder_mem_util_pct(&c->rec, k, end_s));
        csvw_uint(&w, m->oom_kills);
        csvw_uint(&w, m->running_tasks);
        csvw_uint(&w, c->services[k].unplaced);
        csvw_uint(&w, m->provisioning_tasks);
        csvw_real(&w, ratio(m->provisioning_wait_sum_s, (double) m->provisioning_waits));
        csvw_real(&w, m->provisioning_waits ? m->provisioning_wait_max_s : NAN);
        csvw_uint(&w, m->scale_out_actions);
        csvw_uint(&w, m->scale_in_actions);
        csvw_real(&w, m->first_scale_out_s - m->first_breach_s);
        csvw_uint(&w, m->minutes_over_slo);
    }
    for (uint32_t k = 0; k < c->rec.n_cls; k++) {
        const class_meter *m = &c->rec.cls[k];
        csvw_uint(&w, m->requests);
        csvw_uint(&w, m->final_ok);
        csvw_uint(&w, m->final_failed);
        csvw_real(&w, hist_mean(&m->latency));
        csvw_real(&w, hist_quantile(&m->latency, 0.50));
        csvw_real(&w, hist_quantile(&m->latency, 0.99));
    }
    csvw_end(&w);
}

static void print_table(FILE *out, const run_opts *o, const params *p, const cluster *c,
                        const sim *s, double end_s, const totals *t, double wall_s, const char *dir,
                        const run_steady *rs)
{
    char col[4][256];
    fprintf(out, "ecsim %s: %s, seed %lld\n", ECSIM_VERSION, o->scenario,
            (long long) params_int(p, "run.seed"));
    fprintf(out, "  simulated %.0f s in %.2f s (%llu events)\n", end_s, wall_s,
            (unsigned long long) s->n_events);
    fprintf(out, "  %-12s %10s %8s %9s %9s %9s %8s %7s\n", "service", "requests", "errors",
            "p50_ms", "p95_ms", "p99_ms", "cpu_%", "tasks");
    for (uint32_t k = 0; k < c->n_services; k++) {
        const svc_meter *m = &c->rec.svc[k];
        /* summary.csv's values: steady-state estimates where MSER cut a warm-up */
        snprintf(col[0], sizeof col[0], "%s_p50_s", m->name);
        snprintf(col[1], sizeof col[1], "%s_p95_s", m->name);
        snprintf(col[2], sizeof col[2], "%s_p99_s", m->name);
        snprintf(col[3], sizeof col[3], "%s_cpu_util_pct", m->name);
        fprintf(out, "  %-12s %10llu %8llu %9.1f %9.1f %9.1f %8.1f %7u", m->name,
                (unsigned long long) m->requests, (unsigned long long) m->final_failed,
                1e3 * run_steady_value(rs, col[0], end_s, hist_quantile(&m->latency, 0.50)),
                1e3 * run_steady_value(rs, col[1], end_s, hist_quantile(&m->latency, 0.95)),
                1e3 * run_steady_value(rs, col[2], end_s, hist_quantile(&m->latency, 0.99)),
                run_steady_value(rs, col[3], end_s, recorder_cpu_util_pct(&c->rec, k, end_s)),
                m->running_tasks);
        if (c->services[k].unplaced)
            fprintf(out, "  (%u unplaced: see events.csv)", c->services[k].unplaced);
        fputc('\n', out);
    }
    const cost_hour *ct = &c->costs.total;
    fprintf(out, "  cost: $%.4f for %.2f host-hours on %u hosts", costreport_total_usd(c),
            costreport_ec2_host_hours(c, end_s), costreport_ec2_hosts(c));
    if (ct->ec2_spot > 0 || ct->fargate > 0 || ct->fargate_spot > 0)
        fprintf(out, " (EC2 $%.4f On-Demand + $%.4f Spot, Fargate $%.4f + $%.4f Spot)", ct->ec2_od,
                ct->ec2_spot, ct->fargate, ct->fargate_spot);
    fprintf(out, ", load balancers $%.4f; $%.2f per million requests (cost.csv)\n",
            ct->lb_hours + ct->lb_lcu, c->costs.usd_per_million);
    if (c->n_asgs) {
        uint32_t launches = 0, terms = 0;
        uint64_t waits = 0;
        double wait_sum = 0;
        for (uint32_t g = 0; g < c->n_asgs; g++) {
            launches += c->asgs[g].launches;
            terms += c->asgs[g].terminations;
        }
        for (uint32_t k = 0; k < c->n_services; k++) {
            waits += c->rec.svc[k].provisioning_waits;
            wait_sum += c->rec.svc[k].provisioning_wait_sum_s;
        }
        fprintf(out,
                "  auto scaling: %u instances launched, %u terminated; %llu tasks waited in "
                "PROVISIONING",
                launches, terms, (unsigned long long) waits);
        if (waits) fprintf(out, " (mean %.1f s)", wait_sum / (double) waits);
        fputc('\n', out);
    }
    if (t->retries || t->timeouts)
        fprintf(out, "  clients: %llu retries, %llu timeouts, %llu late answers\n",
                (unsigned long long) t->retries, (unsigned long long) t->timeouts,
                (unsigned long long) t->late);
    double p99 = run_steady_value(rs, "p99_s", end_s, hist_quantile(&t->latency, 0.99));
    double err_rate =
        run_steady_value(rs, "error_rate", end_s, ratio((double) t->failed, (double) t->requests));
    double slo_p99 = params_real(p, "slo.p99_latency_s");
    double slo_err = params_real(p, "slo.error_rate");
    const char **names = xcalloc(c->n_services + 1, sizeof *names);
    for (uint32_t k = 0; k < c->n_services; k++) names[k] = c->services[k].name;
    run_steady_print(rs, out, end_s, names, (int) c->n_services);
    free(names);
    fprintf(out, "  SLO: p99 %.1f ms <= %.1f ms %s; error rate %.4f%% <= %.4f%% %s\n", 1e3 * p99,
            1e3 * slo_p99, !isnan(p99) && p99 <= slo_p99 ? "met" : "MISSED", 100 * err_rate,
            100 * slo_err, !isnan(err_rate) && err_rate <= slo_err ? "met" : "MISSED");
    fprintf(out, "  results: %s/ (summary.csv, timeseries.csv, events.csv, effective.yaml)\n", dir);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static char *effective_header(const run_opts *o)
{
    size_t len = 256 + strlen(o->scenario);
    for (int i = 0; i < o->n_sets; i++) len += strlen(o->sets[i]) + 16;
    char *h = xmalloc(len);
    int n = snprintf(h, len, "effective scenario of %s (ecsim %s, commit %s)", o->scenario,
                     ECSIM_VERSION, ecsim_commit());
    for (int i = 0; i < o->n_sets; i++)
        n += snprintf(h + n, len - (size_t) n, "\n--set %s", o->sets[i]);
    if (o->seed_given)
        snprintf(h + n, len - (size_t) n, "\n--seed %llu", (unsigned long long) o->seed);
    return h;
}

int run_scenario(const run_opts *o, FILE *out, run_result *res, ecs_err *e)
{
    /* --seed is a last --set of run.seed, so effective.yaml records it */
    int n_sets = o->n_sets + (o->seed_given ? 1 : 0);
    const char **sets = xcalloc((size_t) n_sets + 1, sizeof *sets);
    char seed_set[64];
    for (int i = 0; i < o->n_sets; i++) sets[i] = o->sets[i];
    if (o->seed_given) {
        snprintf(seed_set, sizeof seed_set, "run.seed=%llu", (unsigned long long) o->seed);
        sets[o->n_sets] = seed_set;
    }
    params *p = run_load_params(o->scenario, sets, n_sets, e);
    free(sets);
    if (!p) return e->code;

    char dir[4096];
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        default_out_dir(o->scenario, dir, sizeof dir);

    sim *s = sim_new((uint64_t) params_int(p, "run.seed"));
    cluster c;
    cluster_cfg cfg = {
        .stop_s = params_real(p, "run.duration_s"),
        .max_requests = params_int(p, "run.max_requests"),
        .warmup_s = params_real(p, "run.warmup_s"),
        .sample_interval_s = params_real(p, "run.sample_interval_s"),
        .week_offset_s = week_offset_s(params_str(p, "run.start")),
    };
    int rc = cluster_build(&c, p, s, &cfg, e);
    if (rc != ECS_OK) {
        sim_free(s);
        params_free(p);
        return rc;
    }
    /* the scenario is sound: only now does the output directory appear */
    afile_set *files = afile_set_new(dir);
    FILE *ts = afile_set_open(files, "timeseries.csv", e);
    FILE *evf = ts ? afile_set_open(files, "events.csv", e) : NULL;
    if (!ts || !evf) {
        afile_set_free(files);
        cluster_fini(&c);
        sim_free(s);
        params_free(p);
        return e->code;
    }
    run_steady *rs = xcalloc(1, sizeof *rs);
    stop_opts so = {o->precision, o->n_precision, o->max_events, o->max_wall_s};
    rc = run_steady_begin(rs, p, &c, s, &so, e);
    if (rc != ECS_OK) {
        run_steady_end(rs);
        free(rs);
        afile_set_free(files);
        cluster_fini(&c);
        sim_free(s);
        params_free(p);
        return rc;
    }
    reqlog *rl = NULL;
    if (o->request_log) {
        rl = reqlog_open(o->request_log, o->request_log_rate > 0 ? o->request_log_rate : 1,
                         (uint64_t) params_int(p, "run.seed"), &c, e);
        if (!rl)
            rc = e->code;
        else
            reqlog_attach(rl, &c);
    }
    if (rc != ECS_OK) {
        run_steady_end(rs);
        free(rs);
        afile_set_free(files);
        cluster_fini(&c);
        sim_free(s);
        params_free(p);
        return rc;
    }
    /* an observer reads events.csv through a tee: the same bytes reach the file */
    const run_observer *obs = o->observer;
    FILE *tee = obs ? observe_tee(evf, obs) : NULL;
    recorder_attach(&c.rec, ts, tee ? tee : evf);
    /* --check: the invariants after every event, and Little's law */
    little *lt = o->check ? little_new(&c, cfg.sample_interval_s, rs->cfg.level) : NULL;
    if (lt) sim_set_check(s, little_check, lt);
    recorder_event(&c.rec, 0, "run_start", o->scenario, "seed %lld, duration %g s",
                   (long long) params_int(p, "run.seed"), cfg.stop_s);
    if (!params_bool(p, "run.drain"))
        sim_at(s, cfg.stop_s, sim_kind(s, "run.stop", on_stop, NULL), 0);
    if (obs && obs->begin) obs->begin(obs->ctx, &c, p, o->scenario);

    double wall0 = wall_now();
    cluster_start(&c);
    rc = obs ? observe_run(obs, &c, s, o->until_s, e) : sim_run(s, o->until_s, e);
    double wall_s = wall_now() - wall0;
    double end_s = sim_now(s);

    if (rc == ECS_OK && lt) rc = little_finish(lt, c.rec.in_flight == 0, e);
    if (rc == ECS_OK) {
        recorder_flush(&c.rec, end_s);
        recorder_minute_finish(&c.rec);
        recorder_event(&c.rec, end_s, "run_end", o->scenario, "%llu events",
                       (unsigned long long) s->n_events);
        observe_tee_close(&tee); /* the last events.csv line: into the file before it closes */
        totals t;
        memset(&t, 0, sizeof t);
        hist_init(&t.latency);
        hist_init(&t.client_latency);
        for (uint32_t k = 0; k < c.n_services; k++) add_totals(&t, &c.rec.svc[k], end_s);

        costreport_finish(&c, end_s);
        FILE *sf = afile_set_open(files, "summary.csv", e);
        FILE *yf = sf ? afile_set_open(files, "effective.yaml", e) : NULL;
        FILE *cf = yf ? afile_set_open(files, "cost.csv", e) : NULL;
        char *row = NULL;
        size_t row_len = 0;
        FILE *mf = sf && yf && cf ? open_memstream(&row, &row_len) : NULL;
        if (sf && yf && cf && !mf) rc = err_set(e, ECS_EINTERNAL, "summary: out of memory");
        if (mf) {
            /* the run's columns, then the steady-state estimates beside them */
            write_summary(mf, o, p, &c, s, end_s, &t);
            fclose(mf);
            int cut = isfinite(o->until_s) && end_s >= o->until_s;
            /* queueing theory's prediction beside the simulated values */
            analysis *an = analyze_build(p, 0, e);
            rc = an ? run_steady_summary(rs, row, row_len, end_s, cut ? "until" : NULL,
                                         analyze_metric, an, sf, e)
                    : e->code;
            analyze_free(an);
            if (rc == ECS_OK) costreport_write(&c, cf);
        }
        free(row);
        if (rc != ECS_OK) {
        } else if (sf && yf && cf) {
            char *header = effective_header(o);
            params_write_yaml(p, yf, header);
            free(header);
            rc = afile_set_commit(files, e);
            /* the request log, once the run's files are in place */
            if (rc == ECS_OK && rl) rc = reqlog_commit(rl, e);
            rl = NULL;
        } else {
            rc = e->code;
        }
        if (rc == ECS_OK) {
            if (!o->quiet) print_table(out, o, p, &c, s, end_s, &t, wall_s, dir, rs);
            if (!o->quiet && lt) little_print(lt, out);
            if (res) {
                uint64_t errors = t.failed;
                res->fingerprint = s->fingerprint;
                res->events = s->n_events;
                res->end_s = end_s;
                res->requests = t.requests;
                res->completed = t.completed;
                res->errors = errors;
                res->mean_s = run_steady_value(rs, "mean_s", end_s, hist_mean(&t.latency));
                res->p50_s = run_steady_value(rs, "p50_s", end_s, hist_quantile(&t.latency, 0.50));
                res->p95_s = run_steady_value(rs, "p95_s", end_s, hist_quantile(&t.latency, 0.95));
                res->p99_s = run_steady_value(rs, "p99_s", end_s, hist_quantile(&t.latency, 0.99));
                res->cpu_util_pct = run_steady_value(rs, "cpu_util_pct", end_s,
                                                     100.0 * ratio(t.used_area, t.reserved_area));
                res->cost_usd = costreport_total_usd(&c);
                snprintf(res->out_dir, sizeof res->out_dir, "%s", dir);
            }
        }
    }
    observe_tee_close(&tee);
    reqlog_abort(rl);
    little_free(lt);
    afile_set_free(files);
    run_steady_end(rs);
    free(rs);
    if (obs && obs->finish) obs->finish(obs->ctx, &c, rc, dir);
    cluster_fini(&c);
    sim_free(s);
    params_free(p);
    return rc;
}
