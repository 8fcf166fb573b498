/* version.h -- ecsim's version; the commit comes from the build (ecsim_commit.h,
 * generated in the build directory by the Makefile). */
#ifndef ECSIM_VERSION_H
#define ECSIM_VERSION_H

#define ECSIM_VERSION "0.1.0"

const char *ecsim_commit(void);

#endif
