/* asched.h -- scheduled actions (services.*.autoscaling.scheduled_actions):
 * at a time or on a schedule they set a service's min_capacity and/or
 * max_capacity, ignoring cooldowns; a desired count below the new minimum
 * rises to it, above the new maximum falls to it
 * (application-auto-scaling-scheduled-scaling.html). Each run is an
 * events.csv line. */
#ifndef ECSIM_ASCHED_H
#define ECSIM_ASCHED_H

#include "models/autoscale.h"

/* At t=0: arms every action at its first time within the run (one due at
 * t=0 runs at once). */
void asched_start(autoscale *a);

/* The run has gone idle: cancels the pending actions. */
void asched_quiesce(autoscale *a);

#endif
