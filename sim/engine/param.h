/* param.h -- the parameter registry and a scenario's parameter values.
 * The registry is a set of static tables of param_def, one per model; it is
 * the single source of truth for every tunable: its dotted path, type,
 * default, range, unit and doc line. Paths of objects that can be many carry
 * a '*' for the object's name ("services.*.desired_count"); the first
 * component of such a path names the collection ("services").
 *
 * A params holds one scenario's values: every concrete path
 * ("services.web.desired_count") with its typed value and where it was set
 * (file:line:column, "--set", or the default). Loading (from YAML, by the
 * experiment layer) and --set go through params_set_text, which parses and
 * range-checks the text; errors name the place, the path and what was
 * expected, e.g.
 *   scenarios/x.yaml:12:18: services.web.desired_count: expected an integer >= 0, got "two"
 * Models read values by path after params_finish has filled the defaults. */
#ifndef ECSIM_PARAM_H
#define ECSIM_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "err.h"

typedef enum {
    PT_INT,  /* int64; range [min, max] */
    PT_REAL, /* finite double; range [min, max] (min exclusive with PF_MIN_EXCL) */
    PT_BOOL, /* true/false (also yes/no, on/off) */
    PT_STR,  /* any string; optional check function */
    PT_ENUM, /* one of `choices`, "a|b|c" */
    PT_REF   /* the name of an object in the collection named by `choices` */
} param_type;

enum {
    PF_UNLIMITED = 1 << 0, /* PT_INT: the word "unlimited" is accepted and stored as -1 */
    PF_MIN_EXCL = 1 << 1,  /* PT_REAL: value must be > min, not >= */
    PF_REQUIRED = 1 << 2   /* no default: the scenario must set it */
};

/* Extra validation for PT_STR: return 0 if `text` is acceptable, else -1 with
 * `expected` filled with what was expected (it follows "expected "). */
typedef int (*param_check_fn)(const char *text, char *expected, size_t expected_len);

typedef struct param_def {
    const char *path; /* "run.duration_s", "services.*.desired_count" */
    param_type type;
    const char *unit;    /* "s", "tasks", "CPU units", "" */
    double min, max;     /* PT_INT and PT_REAL, inclusive; +-INFINITY for no bound;
                            both 0 means no range at all */
    const char *def;     /* default, as text (NULL with PF_REQUIRED) */
    const char *choices; /* PT_ENUM: "a|b|c"; PT_REF: a collection name */
    unsigned flags;
    param_check_fn check;
    const char *doc; /* one line */
} param_def;

/* A registry is a NULL-terminated list of tables, each ended by a def with a
 * NULL path. It is static data: the experiment layer lists the models'
 * tables (sim/registry.c). */
typedef struct param_registry {
    const param_def *const *tables;
} param_registry;

/* Where a value came from. file NULL means the registry default. */
typedef struct param_loc {
    const char *file; /* a scenario path or "--set"; params keeps its own copy */
    int line, column; /* 1-based; 0 when not from a file */
} param_loc;

/* Calls fn for every def in registry order. */
void param_registry_each(const param_registry *r, void (*fn)(const param_def *d, void *ctx),
                         void *ctx);
/* The def whose pattern matches a concrete path, or NULL. */
const param_def *param_registry_find(const param_registry *r, const char *path);
/* True when `path` names a group of parameters: a proper prefix, by whole
 * components, of some def ("run", "services.web", "workloads.w.demand"). */
bool param_registry_is_group(const param_registry *r, const char *path);
/* True when `name` is a collection ("services"): the first component of a
 * def whose second component is '*'. */
bool param_registry_is_collection(const param_registry *r, const char *name);
/* Checks the tables themselves: every path well formed and unique, no path
 * both a value and a group, defaults that parse and fit their range, enum
 * choices and ref collections present. For a registry test; ECS_EINTERNAL
 * with the first problem, else 0. */
int param_registry_check(const param_registry *r, ecs_err *e);
/* Records the error for a path (or group) that no def knows, at `at`:
 * "<path>: unknown parameter; did you mean <closest>?", trying the path's
 * siblings first. Returns ECS_EINPUT. */
int param_registry_unknown(const param_registry *r, const char *path, param_loc at, ecs_err *e);

typedef struct params params;

params *params_new(const param_registry *r); /* caller frees with params_free */
void params_free(params *p);
const param_registry *params_registry(const params *p);

/* Declares an object `name` in `collection` ("services"). Objects keep their
 * declaration order. A name uses letters, digits, '_' and '-' (it becomes a
 * path component and a CSV column prefix). Declaring one twice is an error
 * naming both places; an unknown collection is an error with "did you mean". */
int params_add_object(params *p, const char *collection, const char *name, param_loc at,
                      ecs_err *e);

/* Sets a concrete path from text. Errors (ECS_EINPUT), all prefixed with the
 * place ("file:line:col: " or "--set: ") and the path:
 *   unknown parameter (with "did you mean X?" when a close path exists),
 *   a group given a value ("run: a group of parameters (such as ...), not a value"),
 *   an object that was not declared ("no services named \"api\"; have: web"),
 *   wrong type or out of range ("expected an integer >= 0, got \"two\""),
 *   set twice in one file (naming the first place).
 * A value from a different file or from --set replaces the earlier one, so
 * a later --set overrides a file's value. PT_INT text may use '_' between
 * digits (10_000); PT_REAL takes decimal and exponent forms only. */
int params_set_text(params *p, const char *path, const char *text, param_loc at, ecs_err *e);

/* Fills every default, then checks: required values present, PT_REF values
 * name existing objects. Must be called once, after the last set. */
int params_finish(params *p, ecs_err *e);

/* Reading values (after params_finish). The path is a printf format, so
 * models write params_int(p, "services.%s.desired_count", name). Asking for a
 * path that does not exist or has another type is a programming error: it
 * aborts, naming the path. PT_ENUM, PT_REF and PT_STR read with params_str. */
int64_t params_int(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double params_real(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool params_bool(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *params_str(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Where a value was set (for errors found later, e.g. a task that cannot fit). */
param_loc params_where(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The objects of a collection, in declaration order. */
size_t params_count(const params *p, const char *collection);
const char *params_object(const params *p, const char *collection, size_t i);

/* Objects inside objects: a def whose pattern has a "*" past its
 * collection's name ("services.*.autoscaling.policies.*.target_value")
 * describes objects that are never declared. One exists when a value is set
 * under it; params_finish then fills the defaults of its other fields (a
 * required one left out is an error at the object's first value). These
 * list them under a concrete group ("services.web.autoscaling.policies"),
 * in the order their first values were set. */
size_t params_inner_count(const params *p, const char *group);
const char *params_inner_name(const params *p, const char *group, size_t i);

/* True when the path's value came from a scenario or --set, not a default;
 * false also when there is no such path. */
bool params_is_set(const params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes every value as nested YAML that params can load again to the same
 * values (reals in the shortest text that reads back exactly; strings
 * double-quoted when plain YAML would misread them): sections in registry
 * order, objects in declaration order, keys in registry order. `header` (may
 * be NULL) is written first as comment lines (each line prefixed "# "). */
void params_write_yaml(const params *p, FILE *out, const char *header);

/* Writes the documented list of every parameter (`ecsim params`): path, type,
 * default, range, unit and doc, one parameter per paragraph. */
void param_registry_write_doc(const param_registry *r, FILE *out);

/* Writes `text` into buf (len >= 8) as a double-quoted, escaped, one-line
 * string for messages (`got "two"`), shortened with "..." when long. */
void param_quote(const char *text, char *buf, size_t len);

/* Describes a def's type and range as it appears in errors and docs:
 * "an integer >= 0", "a number in (0, 1]", "one of round_robin, random". */
void param_describe(const param_def *d, char *buf, size_t len);

#endif
