/* catalogue_data.c -- models/instances.csv compiled into the binary, so that
 * ecsim runs without its source tree. The bytes lie in .rodata between
 * catalogue_csv_start and catalogue_csv_end (exclusive), followed by a NUL
 * that is not part of the data. catalogue.c is the only reader.
 *
 * .incbin takes its path relative to the compiler's working directory, which
 * the Makefile keeps at the repository root; the Makefile also lists the CSV
 * as a prerequisite of this object, since -MMD cannot see .incbin. The
 * symbols are plain assembler data, not C objects, so AddressSanitizer puts
 * no redzones around them and readers must stay within [start, end). */

__asm__(".section .rodata\n"
        ".global catalogue_csv_start\n"
        ".type catalogue_csv_start, @object\n"
        "catalogue_csv_start:\n"
        ".incbin \"models/instances.csv\"\n"
        ".global catalogue_csv_end\n"
        ".type catalogue_csv_end, @object\n"
        "catalogue_csv_end:\n"
        ".byte 0\n"
        ".size catalogue_csv_start, catalogue_csv_end - catalogue_csv_start\n"
        ".size catalogue_csv_end, 1\n"
        ".previous\n");
