/* constraint.h -- ECS task placement constraints (task-placement-constraints
 * .html): distinctInstance (each of the service's tasks on a different
 * instance) and memberOf(<expression>), where the expression is the subset
 * of ECS's cluster query language (cluster-query-language.html) that reads
 * container instance attributes:
 *
 *   attribute:<name> (== | != | =~ | !~) <value>
 *   attribute:<name> (in | not_in) [<value>, ...]
 *   attribute:<name> (exists | not_exists)
 *   joined by and (&&), or (||), not (!), grouped by parentheses
 *
 * with the word forms equals, not_equals, matches, not_matches, !in and
 * !exists. A value is a word or a quoted string; the argument of =~ and !~
 * is a Java-style regular expression matched against the whole value (the
 * subset: characters, '.', [classes], \ escapes, the quantifiers *, + and ?;
 * "t3.*"). As ECS's own example has it ("attribute:stack != prod" lists the
 * instances that have stack, except prod), the negative operators need the
 * attribute to exist; `not` is plain negation.
 *
 * services.*.placement_constraints is a list of constraints separated by ';'
 * (or ','): "distinctInstance; memberOf(attribute:ecs.instance-type =~ t3.*)".
 * A parsed set is a plain value with no pointers out of it: copy it, embed
 * it, never free it. Owns the parameter services.*.placement_constraints. */
#ifndef ECSIM_CONSTRAINT_H
#define ECSIM_CONSTRAINT_H

#include <stddef.h>
#include <stdint.h>

#include "models/host.h"
#include "sim/engine/param.h"

#define CONSTRAINT_MAX       10   /* ECS: at most 10 constraints per task */
#define CONSTRAINT_EXPR_MAX  2000 /* ECS: an expression has at most 2000 characters */
#define CONSTRAINT_MAX_NODES 128  /* terms and operators, all expressions together */
#define CONSTRAINT_BUF       4096 /* attribute names and values, NUL-terminated */

typedef enum {
    CQ_EQ,         /* ==, equals */
    CQ_NE,         /* !=, not_equals */
    CQ_MATCH,      /* =~, matches */
    CQ_NOT_MATCH,  /* !~, not_matches */
    CQ_IN,         /* in [..] */
    CQ_NOT_IN,     /* not_in, !in [..] */
    CQ_EXISTS,     /* exists */
    CQ_NOT_EXISTS, /* not_exists, !exists */
} constraint_op;

typedef struct constraint_node {
    uint8_t kind;      /* 0 compare, 1 and, 2 or, 3 not */
    uint8_t op;        /* compare: a constraint_op */
    uint16_t a, b;     /* and/or: the operands' nodes; not: a; compare: name, values in buf */
    uint16_t n_values; /* compare: how many values follow b in buf */
} constraint_node;

typedef struct constraint_set {
    uint8_t distinct_instance; /* distinctInstance was given */
    uint8_t n_member_of;
    uint16_t member_of[CONSTRAINT_MAX]; /* the root node of each memberOf expression */
    uint16_t n_nodes, buf_used;
    constraint_node nodes[CONSTRAINT_MAX_NODES];
    char buf[CONSTRAINT_BUF];
} constraint_set;

extern const param_def constraint_params[];

/* Parses a constraint list into *out ("" is the empty set). Returns 0, or -1
 * with `expected` saying what was expected and at which character (it
 * follows "expected " in the loader's message). Also the registry's check. */
int constraint_parse(const char *text, constraint_set *out, char *expected, size_t len);
int constraint_check(const char *text, char *expected, size_t len);

/* An empty set: no constraint. */
void constraint_init(constraint_set *c);

/* 1 when host h satisfies every memberOf expression of c (distinctInstance
 * is placement's to judge: it needs the service's tasks). */
int constraint_member_of(const constraint_set *c, const host *h);

/* Whole-value match of `value` (len bytes) against a pattern that
 * constraint_parse accepted. */
int constraint_pattern_match(const char *pattern, const char *value, size_t len);

#endif
