// Package ref is the reference backend: plain Go loops that define what
// every op computes. It is slow on purpose; faster backends are tested
// against it. Registered as "ref".
package ref
