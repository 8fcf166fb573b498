/* main.c -- the ecsim executable: everything is in cli_main. */
#include <gsl/gsl_errno.h>
#include <stdio.h>

#include "sim/cli.h"

int main(int argc, char **argv)
{
    /* GSL must never abort the process: its errors come back as codes */
    gsl_set_error_handler_off();
    return cli_main(argc, argv, stdout, stderr);
}
