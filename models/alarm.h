/* alarm.h -- a CloudWatch metric alarm: "N out of the last M datapoints
 * breaching the threshold" with the states OK, ALARM and INSUFFICIENT_DATA
 * and TreatMissingData = missing (CloudWatch's default). A plain struct, no
 * allocation: the caller feeds one datapoint per period (NAN when the metric
 * published none) at the time CloudWatch would evaluate it, and logs the
 * state changes with the reason alarm_eval writes.
 *
 * The rules (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
 * - Datapoints to Alarm (N) of the Evaluation Periods (M) most recent
 *   datapoints must breach for ALARM; they need not be consecutive.
 * - A new alarm starts in INSUFFICIENT_DATA.
 * - missing: missing datapoints are not counted; "if all data points in the
 *   alarm evaluation range are missing, the alarm transitions to
 *   INSUFFICIENT_DATA". The evaluation range is longer than M periods, as
 *   the page says, but its length is not published: we take 2 x M periods
 *   (at most ALARM_MAX_PERIODS), a modelling assumption.
 * How we evaluate: take the M most recent datapoints present in the range.
 * ALARM when at least N of them breach; INSUFFICIENT_DATA when there are
 * none; OK when enough of them do not breach that N breaching ones are
 * impossible (more than M - N); otherwise (too few datapoints to decide) the
 * state does not change, so a new 3-of-3 alarm that sees two breaching
 * datapoints stays INSUFFICIENT_DATA until the third. */
#ifndef ECSIM_ALARM_H
#define ECSIM_ALARM_H

#include <stddef.h>

typedef enum { ALARM_INSUFFICIENT_DATA = 0, ALARM_OK, ALARM_ALARM } alarm_state;
typedef enum { ALARM_GT, ALARM_GE, ALARM_LT, ALARM_LE } alarm_cmp;

#define ALARM_MAX_PERIODS 64

typedef struct alarm {
    char name[96];
    alarm_cmp cmp;
    double threshold;
    unsigned datapoints_to_alarm;   /* N */
    unsigned evaluation_periods;    /* M */
    unsigned range;                 /* evaluation range, in periods (>= M) */
    double ring[ALARM_MAX_PERIODS]; /* the last datapoints fed, NAN for missing */
    unsigned head;                  /* where the next one goes */
    unsigned fed;                   /* datapoints fed so far (saturates at ALARM_MAX_PERIODS) */
    alarm_state state;
    double changed_s; /* time of the last state change (0 at init) */
    double last;      /* the last datapoint fed (NAN when missing or none yet) */
    unsigned long transitions;
} alarm;

void alarm_init(alarm *a, const char *name, alarm_cmp cmp, double threshold,
                unsigned datapoints_to_alarm, unsigned evaluation_periods);

/* Feeds the datapoint for one period (NAN when missing) at publication time
 * now_s; returns 1 when the state changed, with a CloudWatch-style reason in
 * reason[len] (e.g. "Threshold Crossed: 3 out of the last 3 datapoints
 * [80.1, 75.0, 72.4] were greater than the threshold (70.0)"; datapoints
 * newest first, as CloudWatch lists them), else 0 (reason untouched).
 * reason may be NULL. */
int alarm_eval(alarm *a, double datapoint, double now_s, char *reason, size_t len);

void alarm_set_threshold(alarm *a, double threshold);

const char *alarm_state_name(alarm_state s); /* "OK", "ALARM", "INSUFFICIENT_DATA" */

/* Additions. */

/* True when x breaches the threshold (false for NAN). */
int alarm_breaches(const alarm *a, double x);

/* "greater than", "greater than or equal to", ... as in CloudWatch's reasons. */
const char *alarm_cmp_text(alarm_cmp c);

/* Sets the evaluation range in periods (clamped to [M, ALARM_MAX_PERIODS]). */
void alarm_set_range(alarm *a, unsigned periods);

/* The i-th most recent datapoint fed (i = 0 is the last), NAN when missing
 * or not fed. */
double alarm_datapoint(const alarm *a, unsigned i);

#endif
