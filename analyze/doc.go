// Package analyze turns a sources.Dataset into Findings: symptoms (outages,
// latency spikes), what else moved, ranked suspects for each symptom,
// recurrence and impact.
//
// It sits between sources and report and performs no I/O: no files, no
// network, no clock. The same Dataset and Options give the same Findings.
package analyze
