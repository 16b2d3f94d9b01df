/* Included by every program of the benchmark suite. The harness copies it
 * next to the sources and touches the copy to time a rebuild after an
 * included header changed. */
#ifndef SKEL_BENCH_H
#define SKEL_BENCH_H

#define BENCH_COMM_LEN 16

#endif
