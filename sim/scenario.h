/* scenario.h -- reading a scenario into params: a YAML (or JSON) file, and
 * the command line's --set path=value assignments. The walk knows nothing of
 * the models: which keys exist, which are collections of named objects and
 * what each value must look like all come from the registry behind the
 * params. Errors name file:line:column and the parameter path. */
#ifndef ECSIM_SCENARIO_H
#define ECSIM_SCENARIO_H

#include <stddef.h>

#include "sim/engine/err.h"
#include "sim/engine/param.h"

/* Loads `file` into p: the root must be a mapping; a key naming a collection
 * ("services") holds a mapping of object names to their parameters, and
 * every other nested mapping flattens into dotted paths. A sequence of
 * values is joined with "," ([spread:zone, binpack:memory] is
 * "spread:zone,binpack:memory"). A name ending in ".json" is read as JSON.
 * Returns 0, ECS_EIO if the file cannot be read ("<file>: cannot read:
 * ..."), or ECS_EINPUT for bad YAML or a bad parameter. Does not call
 * params_finish, so --set may follow. On error p holds whatever was set
 * before it; the caller frees it. */
int scenario_load(params *p, const char *file, ecs_err *e);

/* The same from text in memory; `name` is used in messages and for the
 * ".json" check (tests and the fuzz target). */
int scenario_load_text(params *p, const char *name, const char *text, size_t len, ecs_err *e);

/* Applies one --set "path=value" (spaces around either side are dropped).
 * A later --set overrides a file's value or an earlier --set; objects cannot
 * be declared this way. Errors start "--set: ". */
int scenario_set(params *p, const char *assignment, ecs_err *e);

#endif
