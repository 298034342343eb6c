#include "cli/cli.h"

int main(int argc, char** argv) { return shoplytics::cli::Main(argc, argv); }
