// Package cputime reads the CPU time a process has used, for benchmarks
// that report CPU-seconds per operation: on a shared machine the wall
// time measures the neighbours, the CPU time the work.
package cputime
