/* alarm.c -- CloudWatch's N-of-M alarm evaluation with TreatMissingData =
 * missing (see alarm.h for the rules and their sources). Owns nothing. */
#include "alarm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void alarm_init(alarm *a, const char *name, alarm_cmp cmp, double threshold,
                unsigned datapoints_to_alarm, unsigned evaluation_periods)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name ? name : "");
    a->cmp = cmp;
    a->threshold = threshold;
    if (evaluation_periods < 1) evaluation_periods = 1;
    if (evaluation_periods > ALARM_MAX_PERIODS) evaluation_periods = ALARM_MAX_PERIODS;
    if (datapoints_to_alarm < 1) datapoints_to_alarm = 1;
    if (datapoints_to_alarm > evaluation_periods) datapoints_to_alarm = evaluation_periods;
    a->datapoints_to_alarm = datapoints_to_alarm;
    a->evaluation_periods = evaluation_periods;
    alarm_set_range(a, 2 * evaluation_periods);
    for (unsigned i = 0; i < ALARM_MAX_PERIODS; i++) a->ring[i] = NAN;
    a->state = ALARM_INSUFFICIENT_DATA;
    a->last = NAN;
}

void alarm_set_range(alarm *a, unsigned periods)
{
    if (periods < a->evaluation_periods) periods = a->evaluation_periods;
    if (periods > ALARM_MAX_PERIODS) periods = ALARM_MAX_PERIODS;
    a->range = periods;
}

void alarm_set_threshold(alarm *a, double threshold)
{
    a->threshold = threshold;
}

const char *alarm_state_name(alarm_state s)
{
    switch (s) {
    case ALARM_OK:
        return "OK";
    case ALARM_ALARM:
        return "ALARM";
    case ALARM_INSUFFICIENT_DATA:
        break;
    }
    return "INSUFFICIENT_DATA";
}

const char *alarm_cmp_text(alarm_cmp c)
{
    switch (c) {
    case ALARM_GT:
        return "greater than";
    case ALARM_GE:
        return "greater than or equal to";
    case ALARM_LT:
        return "less than";
    case ALARM_LE:
        break;
    }
    return "less than or equal to";
}

int alarm_breaches(const alarm *a, double x)
{
    if (isnan(x)) return 0;
    switch (a->cmp) {
    case ALARM_GT:
        return x > a->threshold;
    case ALARM_GE:
        return x >= a->threshold;
    case ALARM_LT:
        return x < a->threshold;
    case ALARM_LE:
        break;
    }
    return x <= a->threshold;
}

double alarm_datapoint(const alarm *a, unsigned i)
{
    if (i >= a->fed || i >= ALARM_MAX_PERIODS) return NAN;
    return a->ring[(a->head + ALARM_MAX_PERIODS - 1 - i) % ALARM_MAX_PERIODS];
}

/* A datapoint as reasons show it: one decimal for percentages and counts,
 * significant digits for small values (response times in seconds). */
static int fmt_num(char *buf, size_t len, double x)
{
    if (x == 0 || fabs(x) >= 1) return snprintf(buf, len, "%.1f", x);
    return snprintf(buf, len, "%.3g", x);
}

/* Appends to buf at *at, never past len (the text is cut instead). */
static void put(char *buf, size_t len, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + 1 >= len) return;
    if (n > len - 1 - *at) n = len - 1 - *at;
    memcpy(buf + *at, s, n);
    *at += n;
    buf[*at] = '\0';
}

int alarm_eval(alarm *a, double datapoint, double now_s, char *reason, size_t len)
{
    a->ring[a->head] = datapoint;
    a->head = (a->head + 1) % ALARM_MAX_PERIODS;
    if (a->fed < ALARM_MAX_PERIODS) a->fed++;
    a->last = datapoint;

    /* The M most recent datapoints present in the evaluation range. */
    double pts[ALARM_MAX_PERIODS];
    unsigned n = 0, breaching = 0;
    for (unsigned i = 0; i < a->range && n < a->evaluation_periods; i++) {
        double x = alarm_datapoint(a, i);
        if (isnan(x)) continue;
        pts[n++] = x;
        breaching += (unsigned) alarm_breaches(a, x);
    }
    alarm_state next = a->state;
    if (breaching >= a->datapoints_to_alarm)
        next = ALARM_ALARM;
    else if (n == 0)
        next = ALARM_INSUFFICIENT_DATA;
    else if (n - breaching > a->evaluation_periods - a->datapoints_to_alarm)
        next = ALARM_OK;
    if (next == a->state) return 0;
    a->state = next;
    a->changed_s = now_s;
    a->transitions++;
    if (!reason || !len) return 1;
    reason[0] = '\0';
    size_t at = 0;
    char num[64], text[160];
    if (next == ALARM_INSUFFICIENT_DATA) {
        snprintf(text, sizeof text, "Insufficient Data: no datapoints in the last %u periods",
                 a->range);
        put(reason, len, &at, text);
        return 1;
    }
    /* ALARM lists the breaching datapoints, OK the ones that are not. */
    unsigned shown = next == ALARM_ALARM ? breaching : n - breaching;
    snprintf(text, sizeof text, "Threshold Crossed: %u out of the last %u datapoints [", shown,
             a->evaluation_periods);
    put(reason, len, &at, text);
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (alarm_breaches(a, pts[i]) != (next == ALARM_ALARM)) continue;
        if (k++) put(reason, len, &at, ", ");
        fmt_num(num, sizeof num, pts[i]);
        put(reason, len, &at, num);
    }
    fmt_num(num, sizeof num, a->threshold);
    snprintf(text, sizeof text, "] %s %s%s the threshold (%s)", shown == 1 ? "was" : "were",
             next == ALARM_ALARM ? "" : "not ", alarm_cmp_text(a->cmp), num);
    put(reason, len, &at, text);
    return 1;
}
