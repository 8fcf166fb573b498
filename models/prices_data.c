/* prices_data.c -- models/prices.csv (Fargate, Fargate Spot, EC2 Spot and
 * load balancer prices) compiled into the binary, exactly as
 * catalogue_data.c compiles models/instances.csv: the bytes lie in .rodata
 * between prices_csv_start and prices_csv_end (exclusive), followed by a NUL
 * that is not part of the data; the Makefile lists the CSV as a prerequisite
 * of this object, since -MMD cannot see .incbin. prices.c is the only
 * reader; models/instances.md gives every row's date and source. */

__asm__(".section .rodata\n"
        ".global prices_csv_start\n"
        ".type prices_csv_start, @object\n"
        "prices_csv_start:\n"
        ".incbin \"models/prices.csv\"\n"
        ".global prices_csv_end\n"
        ".type prices_csv_end, @object\n"
        "prices_csv_end:\n"
        ".byte 0\n"
        ".size prices_csv_start, prices_csv_end - prices_csv_start\n"
        ".size prices_csv_end, 1\n"
        ".previous\n");
