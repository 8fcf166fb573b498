/* cli.h -- the command line: `ecsim run|validate|params`, --help, --version.
 * cli_main is main() with its streams passed in, so tests run commands in
 * process and read what they print. It is the only place errors are
 * printed. Exit codes: 0 ok, 2 bad usage or bad input, 1 internal failure. */
#ifndef ECSIM_CLI_H
#define ECSIM_CLI_H

#include <stdio.h>

int cli_main(int argc, char **argv, FILE *out, FILE *err);

#endif
