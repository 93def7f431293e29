package checkpoint

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stepCheckpoint is a small checkpoint that records its step.
func stepCheckpoint(step int) *Checkpoint {
	return &Checkpoint{
		Tensors: []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{float32(step), 1}}},
		Meta:    json.RawMessage(fmt.Sprintf(`{"step":%d}`, step)),
	}
}

// saveSteps saves a checkpoint for each step and fails the test on error.
func saveSteps(t *testing.T, s *Store, steps ...int) {
	t.Helper()
	for _, step := range steps {
		if _, err := s.Save(step, stepCheckpoint(step)); err != nil {
			t.Fatal(err)
		}
	}
}

// listSteps returns the steps of the checkpoints on disk.
func listSteps(t *testing.T, s *Store) []int {
	t.Helper()
	entries, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, e := range entries {
		steps = append(steps, e.Step)
	}
	return steps
}

// damage flips a byte in the middle of a file.
func damage(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStoreNamesFilesByStep(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	path, err := s.Save(1200, stepCheckpoint(1200))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "ckpt-000001200.vdck" {
		t.Errorf("file name %s", filepath.Base(path))
	}
	if _, err := s.Save(-1, stepCheckpoint(0)); err == nil {
		t.Error("negative step saved")
	}
}

func TestStorePrunesBeyondKeep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keep  int
		steps []int
		want  []int
	}{
		{"keep 2", 2, []int{1, 2, 3, 4, 5}, []int{4, 5}},
		{"keep 1", 1, []int{10, 20}, []int{20}},
		{"keep all", 0, []int{1, 2, 3}, []int{1, 2, 3}},
		{"wide steps sort by number", 2, []int{999999999, 1000000000, 1000000001}, []int{1000000000, 1000000001}},
		// Resumed from step 10 after 20 and 30 were written: the new file
		// is never pruned and later steps are left alone.
		{"older step than existing", 2, []int{5, 10, 20, 30, 15}, []int{15, 20, 30}},
		{"older step keeps earlier", 3, []int{5, 10, 20, 30, 15}, []int{10, 15, 20, 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Store{Dir: t.TempDir(), Keep: tc.keep}
			saveSteps(t, s, tc.steps...)
			if got := listSteps(t, s); !slices.Equal(got, tc.want) {
				t.Errorf("steps on disk %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStoreLoadLatest(t *testing.T) {
	s := &Store{Dir: t.TempDir(), Keep: 3}
	saveSteps(t, s, 100, 200, 300)
	ck, path, skipped, err := s.LoadLatest()
	if err != nil || len(skipped) != 0 {
		t.Fatalf("err %v, skipped %v", err, skipped)
	}
	if path != s.Path(300) || ck.Tensors[0].Data[0] != 300 {
		t.Errorf("loaded %s holding step %v", path, ck.Tensors[0].Data[0])
	}
}

func TestResumeAfterCorruptNewestCheckpoint(t *testing.T) {
	s := &Store{Dir: t.TempDir(), Keep: 3}
	saveSteps(t, s, 100, 200, 300)
	damage(t, s.Path(300))
	raw, _ := os.ReadFile(s.Path(200))
	os.WriteFile(s.Path(200), raw[:len(raw)/3], 0o644) // truncated

	ck, path, skipped, err := s.LoadLatest()
	if err != nil {
		t.Fatal(err)
	}
	if path != s.Path(100) || ck.Tensors[0].Data[0] != 100 {
		t.Errorf("loaded %s", path)
	}
	if len(skipped) != 2 {
		t.Fatalf("skipped %v, want 2 errors", skipped)
	}
	for i, step := range []int{300, 200} {
		if !errors.Is(skipped[i], ErrCorrupt) || !strings.Contains(skipped[i].Error(), s.Path(step)) {
			t.Errorf("skipped[%d] = %v, want ErrCorrupt naming step %d", i, skipped[i], step)
		}
	}
}

func TestLoadLatestAllCorrupt(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	saveSteps(t, s, 1, 2)
	damage(t, s.Path(1))
	damage(t, s.Path(2))
	_, _, skipped, err := s.LoadLatest()
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNoCheckpoint) || len(skipped) != 2 {
		t.Errorf("err %v, skipped %d: want ErrCorrupt, not ErrNoCheckpoint", err, len(skipped))
	}
}

// otherVersion writes at path a checkpoint of format version 2 with a valid
// checksum, as a newer build would.
func otherVersion(t *testing.T, path string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "v1.vdck")
	if err := Save(src, stepCheckpoint(2)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(src)
	raw[8] = 2
	sum := sha256.Sum256(raw[:len(raw)-32])
	copy(raw[len(raw)-32:], sum[:])
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLatestStopsAtUnsupportedVersion(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	saveSteps(t, s, 1)
	otherVersion(t, s.Path(2))
	_, path, _, err := s.LoadLatest()
	if !errors.Is(err, ErrUnsupportedVersion) || path != s.Path(2) {
		t.Fatalf("loaded %s, %v: want ErrUnsupportedVersion for step 2", path, err)
	}
	damage(t, s.Path(2)) // no longer intact: corrupt, so skipped
	if _, path, _, err := s.LoadLatest(); err != nil || path != s.Path(1) {
		t.Fatalf("loaded %s, %v: want step 1", path, err)
	}
}

func TestLoadLatestEmpty(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		s := &Store{Dir: dir}
		if _, _, _, err := s.LoadLatest(); !errors.Is(err, ErrNoCheckpoint) {
			t.Errorf("%s: got %v, want ErrNoCheckpoint", dir, err)
		}
	}
}

func TestResumeAfterCrashMidSave(t *testing.T) {
	s := &Store{Dir: t.TempDir(), Keep: 2}
	saveSteps(t, s, 10, 20)
	// A crash during the save of step 30 leaves a partial temporary file.
	raw, _ := os.ReadFile(s.Path(20))
	tmp := s.Path(30) + tempInfix + "12345"
	os.WriteFile(tmp, raw[:len(raw)/2], 0o600)
	other := filepath.Join(s.Dir, "notes.txt.tmp-1") // not ours: kept
	os.WriteFile(other, nil, 0o644)

	_, path, skipped, err := s.LoadLatest()
	if err != nil || path != s.Path(20) || len(skipped) != 0 {
		t.Fatalf("loaded %s, skipped %v, err %v", path, skipped, err)
	}
	saveSteps(t, s, 30)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file survived the next save: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("removed a file that is not a checkpoint: %v", err)
	}
	if got := listSteps(t, s); !slices.Equal(got, []int{20, 30}) {
		t.Errorf("steps %v", got)
	}
}
