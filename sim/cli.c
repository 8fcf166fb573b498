/* cli.c -- parsing the command line and reporting errors. Option parsing is
 * by hand (not getopt) so that it keeps no global state between calls. */
#include "sim/cli.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sim/analyze.h"
#include "sim/compare.h"
#include "sim/engine/param.h"
#include "sim/engine/xmalloc.h"
#include "sim/import.h"
#include "sim/plan.h"
#include "sim/registry.h"
#include "sim/replicate.h"
#include "sim/run.h"
#include "sim/sweep.h"
#include "sim/trace_cmd.h"
#include "sim/version.h"
#ifdef ECSIM_VIZ
#include "viz/viz.h"
#endif

static const char usage_main[] =
    "usage: ecsim <command> [options]\n"
    "\n"
    "ecsim simulates an Amazon ECS-style cluster: EC2 hosts, tasks placed on them,\n"
    "services, load balancers and request workloads, from a YAML scenario.\n"
    "\n"
    "commands:\n"
    "  run FILE        run a scenario and write its results (ecsim run --help)\n"
    "  sweep FILE      run a grid of parameter values (ecsim sweep --help)\n"
    "  plan FILE       the cheapest configuration of a grid meeting the SLO with\n"
    "                  95% confidence (ecsim plan --help)\n"
    "  compare A B     paired replications of two scenarios with common random\n"
    "                  numbers: the difference B - A and its confidence interval\n"
    "  analyze FILE    queueing theory's answer (M/M/c, E_n/M/1, M/G/1, ...) without\n"
    "                  simulating: utilisation, mean and p99, tasks to meet the SLO\n"
    "  validate FILE   check a scenario and print it with every default filled in\n"
    "  params          list every parameter: type, default, range, unit, doc\n"
    "  trace stats FILE  what a recorded trace holds: rates, peaks, burstiness\n"
    "  import FILE...  write a scenario from ECS JSON (describe-task-definition,\n"
    "                  describe-services, Terraform container_definitions)\n"
    "  view FILE       watch a run in a window: hosts, tasks, requests, charts\n"
    "  render FILE     PNG pictures of the cluster at given times (no display)\n"
    "  plot DIR        PNG charts of a run's or a sweep's results\n"
    "\n"
    "options:\n"
    "  -h, --help      this help\n"
    "  --version       print the version and the git commit\n"
    "\n"
    "exit status: 0 ok, 2 bad usage or bad input, 1 internal failure\n";

static const char usage_run[] =
    "usage: ecsim run FILE [options]\n"
    "\n"
    "Runs the scenario in FILE (YAML or JSON) and writes summary.csv,\n"
    "timeseries.csv, events.csv and effective.yaml into the output directory:\n"
    "all of them, or none when the run fails.\n"
    "\n"
    "options:\n"
    "  -o, --out DIR          output directory (default results/<FILE's name>)\n"
    "  --seed N               seed of every random stream (overrides run.seed)\n"
    "  --set PATH=VALUE       set a parameter (repeatable; see `ecsim params`)\n"
    "  --until SECONDS        stop the simulation at this simulated time\n"
    "  --check                verify the model's invariants after every event (slow)\n"
    "  -q, --quiet            do not print the summary table\n"
    "  --rusage               print peak memory (peak_rss_kib=) and CPU time after the run\n"
    "  --precision M=P%       one run: end the arrivals once metric M's interval (batch\n"
    "                         means) has a relative half-width under P% (repeatable);\n"
    "                         run.duration_s is the most simulated time\n"
    "  --precision publication  one run: 99% intervals, mean_s and p99_s within 3%\n"
    "  --max-events N         one run: end the arrivals after about N events\n"
    "  --max-wall SECONDS     stop at this wall-clock time (summary.csv: not reproducible)\n"
    "  --request-log FILE     one row per request: arrival, start, end, task, host, status\n"
    "  --request-log-rate R   keep each request with probability R in (0, 1] (default 1)\n"
    "  --replications R|auto  run R replications into DIR/rep-<k>/ and write DIR/summary.csv\n"
    "                         with each metric's mean and 95% confidence interval\n"
    "  --precision M=P%       with auto: add replications until metric M's relative\n"
    "                         half-width is under P% (repeatable; starts with 5)\n"
    "  --max-replications N   with auto: stop after N replications (default 100)\n"
    "  -h, --help             this help\n";

static const char usage_sweep[] =
    "usage: ecsim sweep FILE --vary PATH=SPEC [--vary ...] [options]\n"
    "\n"
    "Runs the scenario once per configuration and replication and writes\n"
    "DIR/sweep.csv (one row per run, sorted by configuration and replication),\n"
    "DIR/aggregate.csv (each metric's mean and 95% interval per configuration)\n"
    "and DIR/journal.csv (runs in the order they ended, for --resume).\n"
    "Replication k of every configuration has the same seed (common random numbers).\n"
    "\n"
    "SPEC: A:B (integers A..B), A:B:STEP, V1,V2,... (numbers or words), log:A:B:N\n"
    "(N points evenly spaced in log). PATH is any parameter of `ecsim params`.\n"
    "\n"
    "options:\n"
    "  --vary PATH=SPEC       vary a parameter (repeatable; the full grid by default)\n"
    "  --lhs K                a Latin hypercube sample of K points instead of the grid\n"
    "  --replications R       replications per configuration (default 1)\n"
    "  -j, --jobs N           runs at once (default: the number of online CPUs)\n"
    "  -o, --out DIR          output directory (default results/<FILE's name>-sweep)\n"
    "  --resume               run only what DIR/journal.csv lacks\n"
    "  --stop-after N         stop once N runs are journaled (the sweep is then incomplete)\n"
    "  --keep-runs            keep every run's files in DIR/runs/c<config>-r<rep>/\n"
    "  --seed N, --set PATH=VALUE   as for ecsim run\n"
    "  -q, --quiet            no progress line per run, no final summary\n"
    "  -h, --help             this help\n";

static const char usage_validate[] =
    "usage: ecsim validate FILE [--set PATH=VALUE ...]\n"
    "\n"
    "Checks the scenario in FILE and prints the effective scenario (every\n"
    "parameter, defaults filled in) as YAML that ecsim can load again.\n";

static int bad_usage(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad_usage(FILE *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ecsim: ", err);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputs("\n(see ecsim --help)\n", err);
    return 2;
}

static int report(FILE *err, const ecs_err *e)
{
    fprintf(err, "ecsim: %s\n", e->msg);
    return err_exit_code(e->code);
}

static int parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-') return -1;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno || *end || !*s || !isfinite(*out) ? -1 : 0;
}

/* An option's value: "--opt VALUE" or "--opt=VALUE". Returns NULL when the
 * argument is not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
                             int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    *missing = 0;
    if (strncmp(a, lng, n) == 0 && a[n] == '=') return a + n + 1;
    if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
        if (*i + 1 >= argc) {
            *missing = 1;
            return NULL;
        }
        return argv[++*i];
    }
    return NULL;
}

static int cmd_run(int argc, char **argv, FILE *out, FILE *err)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    o.until_s = INFINITY;
    int rusage = 0;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    int rc = 0, publication = 0;
    /* --replications, --precision, --max-replications: see replicate.h */
    replicate_opts rep;
    memset(&rep, 0, sizeof rep);
    rep.max_replications = REPLICATE_DEFAULT_MAX;
    replicate_precision prec[REPLICATE_MAX_PRECISION];
    int reps_given = 0, max_given = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int missing;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_run, out);
            free(sets);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--out", "-o", &missing))) {
            o.out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--set", NULL, &missing))) {
            sets[o.n_sets++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed", NULL, &missing))) {
            unsigned long long seed = 0;
            if (parse_u64(v, &seed) != 0 || seed > 9007199254740992ULL)
                rc = bad_usage(err, "--seed: expected an integer in [0, 2^53], got \"%s\"", v);
            o.seed = seed;
            o.seed_given = 1;
        } else if ((v = opt_value(argc, argv, &i, "--until", NULL, &missing))) {
            if (parse_real(v, &o.until_s) != 0 || o.until_s <= 0)
                rc = bad_usage(err, "--until: expected a number of seconds > 0, got \"%s\"", v);
        } else if ((v = opt_value(argc, argv, &i, "--replications", NULL, &missing))) {
            unsigned long long n = 0;
            reps_given = 1;
            if (strcmp(v, "auto") == 0)
                rep.autorun = 1;
            else if (parse_u64(v, &n) != 0 || n < 1 || n > REPLICATE_LIMIT)
                rc = bad_usage(err,
                               "--replications: expected an integer in [1, %d] or auto, got \"%s\"",
                               REPLICATE_LIMIT, v);
            rep.replications = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--precision", NULL, &missing))) {
            ecs_err pe;
            err_clear(&pe);
            if (strcmp(v, "publication") == 0)
                publication = 1;
            else if (rep.n_precision == REPLICATE_MAX_PRECISION)
                rc = bad_usage(err, "--precision: at most %d targets", REPLICATE_MAX_PRECISION);
            else if (replicate_parse_precision(v, &prec[rep.n_precision], &pe) != ECS_OK)
                rc = bad_usage(err, "%s", pe.msg);
            else
                rep.n_precision++;
        } else if ((v = opt_value(argc, argv, &i, "--max-replications", NULL, &missing))) {
            unsigned long long n = 0;
            max_given = 1;
            if (parse_u64(v, &n) != 0 || n < REPLICATE_AUTO_MIN || n > REPLICATE_LIMIT)
                rc = bad_usage(err,
                               "--max-replications: expected an integer in [%d, %d], got \"%s\"",
                               REPLICATE_AUTO_MIN, REPLICATE_LIMIT, v);
            rep.max_replications = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--max-events", NULL, &missing))) {
            unsigned long long n = 0;
            if (parse_u64(v, &n) != 0 || n < 1)
                rc = bad_usage(err, "--max-events: expected an integer >= 1, got \"%s\"", v);
            o.max_events = n;
        } else if ((v = opt_value(argc, argv, &i, "--max-wall", NULL, &missing))) {
            if (parse_real(v, &o.max_wall_s) != 0 || o.max_wall_s <= 0)
                rc = bad_usage(err, "--max-wall: expected a number of seconds > 0, got \"%s\"", v);
        } else if ((v = opt_value(argc, argv, &i, "--request-log", NULL, &missing))) {
            o.request_log = v;
        } else if ((v = opt_value(argc, argv, &i, "--request-log-rate", NULL, &missing))) {
            if (parse_real(v, &o.request_log_rate) != 0 || o.request_log_rate <= 0 ||
                o.request_log_rate > 1)
                rc = bad_usage(err, "--request-log-rate: expected a number in (0, 1], got \"%s\"",
                               v);
        } else if (missing) {
            rc = bad_usage(err, "%s: expected a value", a);
        } else if (strcmp(a, "--check") == 0) {
            o.check = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--rusage") == 0) {
            rusage = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = bad_usage(err, "run: unknown option %s", a);
        } else if (!o.scenario) {
            o.scenario = a;
        } else {
            rc = bad_usage(err, "run: one scenario file at a time, got another: %s", a);
        }
    }
    if (rc == 0 && !o.scenario) rc = bad_usage(err, "run: %s", "expected a scenario FILE");
    if (rc == 0 && max_given && !rep.autorun)
        rc = bad_usage(err, "--max-replications: needs --replications auto");
    if (rc == 0 && o.request_log_rate > 0 && !o.request_log)
        rc = bad_usage(err, "--request-log-rate: needs --request-log FILE");
    if (rc == 0 && o.request_log && reps_given)
        rc = bad_usage(err, "--request-log: for one run, not with --replications");
    if (rc == 0 && publication && reps_given)
        rc = bad_usage(err, "--precision publication: for one run; with --replications auto "
                            "name the metrics (--precision mean_s=3%%)");
    /* without --replications, --precision is one run's (sim/stopping.h) */
    est_bound *bounds = NULL;
    if (rc == 0 && !reps_given && (rep.n_precision || publication)) {
        bounds = xcalloc((size_t) rep.n_precision + 2, sizeof *bounds);
        for (int k = 0; k < rep.n_precision; k++) {
            memcpy(bounds[k].metric, prec[k].metric, sizeof bounds[k].metric);
            bounds[k].rel = prec[k].rel;
        }
        o.n_precision = rep.n_precision;
        /* publication: 99% intervals, the mean and p99 within 3% (unless named) */
        static const char *const pub[] = {"mean_s", "p99_s"};
        for (size_t k = 0; publication && k < 2; k++) {
            int named = 0;
            for (int j = 0; j < rep.n_precision; j++) named |= strcmp(prec[j].metric, pub[k]) == 0;
            if (named) continue;
            snprintf(bounds[o.n_precision].metric, sizeof bounds->metric, "%s", pub[k]);
            bounds[o.n_precision++].rel = 0.03;
        }
        if (publication) sets[o.n_sets++] = "run.ci_level=0.99";
        o.precision = bounds;
        rep.n_precision = 0;
    }
    if (rc == 0 && reps_given) {
        ecs_err ce;
        err_clear(&ce);
        rep.precision = prec;
        if (replicate_check_opts(&rep, &ce) != ECS_OK) rc = bad_usage(err, "%s", ce.msg);
    }
    if (rc == 0) {
        o.sets = sets;
        ecs_err e;
        err_clear(&e);
        if (reps_given) {
            rep.run = o;
            if (replicate_run(&rep, out, NULL, &e) != ECS_OK) rc = report(err, &e);
        } else if (run_scenario(&o, out, NULL, &e) != ECS_OK) {
            rc = report(err, &e);
        }
        if (rc == 0 && rusage) {
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            fprintf(out, "peak_rss_kib=%ld\nuser_s=%.3f\n", ru.ru_maxrss,
                    (double) ru.ru_utime.tv_sec + 1e-6 * (double) ru.ru_utime.tv_usec);
        }
    }
    free(sets);
    free(bounds);
    return rc;
}

/* `ecsim sweep`: options to sweep_opts; sweep_run checks the rest. */
static int cmd_sweep(int argc, char **argv, FILE *out, FILE *err)
{
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.run.until_s = INFINITY;
    o.replications = 1;
    const char **sets = xcalloc((size_t) argc + 1, sizeof *sets);
    const char **vary = xcalloc((size_t) argc + 1, sizeof *vary);
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int missing;
        unsigned long long n = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_sweep, out);
            free(sets);
            free(vary);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--out", "-o", &missing))) {
            o.run.out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--set", NULL, &missing))) {
            sets[o.run.n_sets++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--vary", NULL, &missing))) {
            vary[o.n_vary++] = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed", NULL, &missing))) {
            if (parse_u64(v, &n) != 0 || n > 9007199254740992ULL)
                rc = bad_usage(err, "--seed: expected an integer in [0, 2^53], got \"%s\"", v);
            o.run.seed = n;
            o.run.seed_given = 1;
        } else if ((v = opt_value(argc, argv, &i, "--replications", NULL, &missing))) {
            if (parse_u64(v, &n) != 0 || n < 1 || n > REPLICATE_LIMIT)
                rc = bad_usage(err, "--replications: expected an integer in [1, %d], got \"%s\"",
                               REPLICATE_LIMIT, v);
            o.replications = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--jobs", "-j", &missing))) {
            if (parse_u64(v, &n) != 0 || n < 1 || n > SWEEP_MAX_JOBS)
                rc = bad_usage(err, "-j: expected an integer in [1, %d], got \"%s\"",
                               SWEEP_MAX_JOBS, v);
            o.jobs = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--lhs", NULL, &missing))) {
            if (parse_u64(v, &n) != 0 || n < 1 || n > SWEEP_MAX_CONFIGS)
                rc = bad_usage(err, "--lhs: expected an integer in [1, %d], got \"%s\"",
                               SWEEP_MAX_CONFIGS, v);
            o.lhs = (int) n;
        } else if ((v = opt_value(argc, argv, &i, "--stop-after", NULL, &missing))) {
            if (parse_u64(v, &n) != 0 || n < 1 || n > 1000000000ULL)
                rc = bad_usage(err, "--stop-after: expected an integer >= 1, got \"%s\"", v);
            o.stop_after = (int) n;
        } else if (missing) {
            rc = bad_usage(err, "%s: expected a value", a);
        } else if (strcmp(a, "--resume") == 0) {
            o.resume = 1;
        } else if (strcmp(a, "--keep-runs") == 0) {
            o.keep_runs = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o.run.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = bad_usage(err, "sweep: unknown option %s", a);
        } else if (!o.run.scenario) {
            o.run.scenario = a;
        } else {
            rc = bad_usage(err, "sweep: one scenario file at a time, got another: %s", a);
        }
    }
    if (rc == 0 && !o.run.scenario) rc = bad_usage(err, "sweep: %s", "expected a scenario FILE");
    if (rc == 0) {
        o.run.sets = sets;
        o.vary = vary;
        ecs_err e;
        err_clear(&e);
        if (sweep_run(&o, out, &e) != ECS_OK) rc = report(err, &e);
    }
    free(sets);
    free(vary);
    return rc;
}

static int cmd_validate(int argc, char **argv, FILE *out, FILE *err)
{
    const char *file = NULL;
    const char **sets = xcalloc((size_t) argc, sizeof *sets);
    int n_sets = 0, rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int missing;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_validate, out);
            free(sets);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--set", NULL, &missing))) {
            sets[n_sets++] = v;
        } else if (missing) {
            rc = bad_usage(err, "%s: expected a value", a);
        } else if (a[0] == '-' && a[1]) {
            rc = bad_usage(err, "validate: unknown option %s", a);
        } else if (!file) {
            file = a;
        } else {
            rc = bad_usage(err, "validate: one scenario file at a time, got another: %s", a);
        }
    }
    if (rc == 0 && !file) rc = bad_usage(err, "validate: %s", "expected a scenario FILE");
    if (rc == 0) {
        ecs_err e;
        err_clear(&e);
        params *p = run_load_params(file, sets, n_sets, &e);
        if (p && run_validate(p, &e) != ECS_OK) {
            params_free(p);
            p = NULL;
        }
        if (!p) {
            rc = report(err, &e);
        } else {
            char header[4200];
            snprintf(header, sizeof header, "effective scenario of %s (ecsim %s)", file,
                     ECSIM_VERSION);
            params_write_yaml(p, out, header);
            params_free(p);
        }
    }
    free(sets);
    return rc;
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    gsl_set_error_handler_off(); /* GSL reports by return codes, never aborts */
    if (argc < 2) {
        fputs(usage_main, err);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, out);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        fprintf(out, "ecsim %s (commit %s)\n", ECSIM_VERSION, ecsim_commit());
        return 0;
    }
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "sweep") == 0) return cmd_sweep(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "compare") == 0) return compare_main(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "plan") == 0) return plan_main(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "trace") == 0) return trace_cmd_main(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "import") == 0) return import_main(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "view") == 0 || strcmp(cmd, "render") == 0 || strcmp(cmd, "plot") == 0) {
#ifdef ECSIM_VIZ
        if (strcmp(cmd, "view") == 0) return viz_view_main(argc - 2, argv + 2, out, err);
        if (strcmp(cmd, "render") == 0) return viz_render_main(argc - 2, argv + 2, out, err);
        return viz_plot_main(argc - 2, argv + 2, out, err);
#else
        fprintf(err,
                "ecsim: %s: built without the visualiser (make VIZ=0); build with `make` "
                "to have view, render and plot\n",
                cmd);
        return 2;
#endif
    }
    if (strcmp(cmd, "analyze") == 0) return analyze_main(argc - 2, argv + 2, out, err);
    if (strcmp(cmd, "params") == 0) {
        if (argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
            fputs("usage: ecsim params\n\nLists every scenario parameter with its type, "
                  "default, range, unit and doc.\n",
                  out);
            return 0;
        }
        if (argc > 2) return bad_usage(err, "params: unexpected argument %s", argv[2]);
        param_registry_write_doc(ecsim_registry(), out);
        return 0;
    }
    return bad_usage(err, "unknown command \"%s\"", cmd);
}
