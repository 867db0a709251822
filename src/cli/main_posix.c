/* The POSIX entry point: arguments are already UTF-8 (or the locale's bytes). */
#include "cli.h"

int main(int argc, char **argv)
{
	return pgm_cli_main(argc, argv);
}
