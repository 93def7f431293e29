package main

import (
	"bufio"
	"os"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
)

// rssMiB reads one memory field of /proc/self/status (VmRSS: resident now;
// VmHWM: the peak since the process started or since resetPeak) in MiB.
func rssMiB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, field+":") {
			continue
		}
		fields := strings.Fields(line[len(field)+1:])
		if len(fields) == 0 {
			return 0
		}
		kb, _ := strconv.ParseFloat(fields[0], 64)
		return kb / 1024
	}
	return 0
}

// resetPeak sets VmHWM back to the current VmRSS (Linux: writing 5 to
// /proc/self/clear_refs), so that VmHWM then reports the peak from here.
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// threads is the thread count of the compute libraries: OMP_NUM_THREADS
// when set (oneDNN's OpenMP team), else the number of CPUs.
func threads() int {
	if n, err := strconv.Atoi(os.Getenv("OMP_NUM_THREADS")); err == nil && n > 0 {
		return n
	}
	return goruntime.NumCPU()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// allocsPerRun counts the heap allocations of one call of f, as
// testing.AllocsPerRun does (GOMAXPROCS is left as it is, so allocations
// of helper goroutines count too).
func allocsPerRun(f func()) float64 {
	var a, b goruntime.MemStats
	goruntime.ReadMemStats(&a)
	f()
	goruntime.ReadMemStats(&b)
	return float64(b.Mallocs - a.Mallocs)
}
