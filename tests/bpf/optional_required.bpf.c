// The programs of optional.bpf.c, all required (no `optional_programs`):
// load fails, naming each program and what the running kernel lacks.
#include "optional.bpf.c"
