package cpu

/*
#cgo noescape vd_dnnl_plan_exec
#cgo nocallback vd_dnnl_plan_exec
#include <kernels.h>
*/
import "C"

import (
	"fmt"
	"sync"
)

// DNNLError reports a failed oneDNN call: its name and oneDNN's status.
type DNNLError struct {
	Call   string
	Status string
}

func (e *DNNLError) Error() string { return "cpu: " + e.Call + ": " + e.Status }

func dnnlErr(st C.int, failed *C.char) error {
	if st == 0 {
		return nil
	}
	name := "unknown call"
	if failed != nil {
		name = C.GoString(failed)
	}
	return &DNNLError{Call: name, Status: C.GoString(C.vd_dnnl_status_str(st))}
}

var (
	dnnlOnce    sync.Once
	dnnlInitErr error
)

func dnnlInit() error {
	dnnlOnce.Do(func() {
		var failed *C.char
		dnnlInitErr = dnnlErr(C.vd_dnnl_init(&failed), failed)
	})
	return dnnlInitErr
}

// dnnlPlan is one oneDNN convolution primitive with its memory objects and
// reorders, owned by C until destroy. err is set instead when oneDNN could
// not create it.
type dnnlPlan struct {
	c      *C.vd_plan
	impl   string
	err    error
	failed *C.char // out-parameter of exec, kept here so that calls do not allocate
}

func newDNNLPlan(key planKey) *dnnlPlan {
	p := &dnnlPlan{}
	if p.err = dnnlInit(); p.err != nil {
		return p
	}
	d := dims(key.shape)
	d.xs, d.ys, d.ws = C.int64_t(key.view.xs), C.int64_t(key.view.ys), C.int64_t(key.view.ws)
	var failed *C.char
	st := C.vd_dnnl_plan_create(&p.c, &d, C.int(key.pass), cBool(key.method == methodDNNLBlocked),
		cBool(key.hasBias), C.int(key.threads), &failed)
	if p.err = dnnlErr(st, failed); p.err != nil {
		return p
	}
	p.impl = C.GoString(C.vd_dnnl_plan_impl(p.c))
	return p
}

// run executes the plan on the caller's tensors with worker's stream and
// arena and threads threads (those it was made for); the caller holds mu.
func (p *dnnlPlan) run(worker, threads int, a, b, c, e []float32) error {
	st := C.vd_dnnl_plan_exec(p.c, ptr(a), ptr(b), ptr(c), ptr(e), C.int(worker), C.int(threads),
		&p.failed)
	return dnnlErr(st, p.failed)
}

func (p *dnnlPlan) destroy() {
	if p.c != nil {
		C.vd_dnnl_plan_destroy(p.c)
		p.c = nil
	}
}

// Info describes the kernel libraries in use for logs, e.g.
// "oneDNN 2.6.3, OpenBLAS core Haswell with 2 threads".
func Info() string {
	var major, minor, patch C.int
	C.vd_dnnl_version(&major, &minor, &patch)
	return fmt.Sprintf("oneDNN %d.%d.%d, OpenBLAS core %s with %d threads", major, minor, patch,
		C.GoString(C.vd_blas_corename()), C.vd_blas_threads())
}

func releaseArena() { C.vd_dnnl_release_arena() }
