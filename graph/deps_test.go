package graph

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGraphImportsNoCgo enforces that the IR depends only on the standard
// library and the config types, and builds without cgo.
func TestGraphImportsNoCgo(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.CgoFiles}}", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, cgo, _ := strings.Cut(line, " ")
		if strings.Contains(path, ".") && !strings.HasPrefix(path, "gopkg.in/yaml.v3") {
			t.Errorf("graph depends on %s", path)
		}
		if strings.HasPrefix(path, "vdvae/") && path != "vdvae/graph" && path != "vdvae/configs" {
			t.Errorf("graph depends on %s", path)
		}
		if cgo != "[]" && strings.HasPrefix(path, "vdvae/") {
			t.Errorf("%s uses cgo", path)
		}
	}
}
