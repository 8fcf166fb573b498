/* registry.h -- every parameter ecsim knows: the models' tables, listed in
 * the order `ecsim params` and effective.yaml show them. */
#ifndef ECSIM_REGISTRY_H
#define ECSIM_REGISTRY_H

#include "sim/engine/param.h"

const param_registry *ecsim_registry(void);

#endif
