/* strdist.h -- "did you mean": the closest known word to a misspelt one.
 * Edit distance (Levenshtein) on short ASCII words; used for unknown
 * parameters, collections, instance types and enum values. */
#ifndef ECSIM_STRDIST_H
#define ECSIM_STRDIST_H

#include <stddef.h>

/* Edit distance between a and b (insertions, deletions, substitutions). */
size_t strdist_levenshtein(const char *a, const char *b);

/* Returns the candidate closest to `word` when it is close enough to be a
 * likely typo (distance <= max(2, strlen(word) / 3)), else NULL. Ties go to
 * the earlier candidate. */
const char *strdist_closest(const char *word, const char *const *candidates, size_t n);

#endif
