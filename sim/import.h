/* import.h -- `ecsim import`: a scenario from real Amazon ECS configuration.
 * Reads the JSON that `aws ecs describe-task-definition` prints
 * ({"taskDefinition": {...}}), the JSON of `aws ecs describe-services`
 * ({"services": [...]}), and Terraform's container_definitions document (a
 * bare JSON array of container definitions), and writes a scenario YAML
 * that `ecsim run` loads. What ECS describes but ecsim does not model
 * becomes a note, never an error; malformed JSON is an error naming
 * file:line:column. */
#ifndef ECSIM_IMPORT_H
#define ECSIM_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "sim/engine/err.h"

/* Converts the `n` files (combined: task definitions and the services that
 * run them) into one scenario. On success returns ECS_OK, *yaml gets the
 * scenario text and *notes the notes, one per line without a prefix (both
 * NUL-terminated, caller frees; *notes is "" when there are none). On error
 * returns ECS_EIO (a file cannot be read) or ECS_EINPUT (not UTF-8, bad
 * JSON, a value of the wrong type, or a document that is none of the three
 * kinds) with e filled as "file:line:column: ..."; *yaml and *notes are
 * NULL. */
int import_convert(const char *const *files, size_t n, char **yaml, char **notes, ecs_err *e);

/* argv holds the words after `ecsim import`. Writes the scenario to `out`,
 * or with -o FILE whole to FILE (nothing when anything fails); each note
 * goes to `err` as "ecsim: note: ...". Returns the exit code: 0, or 2 for
 * bad usage or bad input (one "ecsim: ..." line on err). */
int import_main(int argc, char **argv, FILE *out, FILE *err);

#endif
