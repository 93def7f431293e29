package ort

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	onnxruntime "github.com/yalue/onnxruntime_go"
)

// LibEnv is the environment variable naming the ONNX Runtime shared
// library, used when Options.Lib is empty.
const LibEnv = "VDVAE_ORT_LIB"

// ProjectLibDir is where `make deps` (scripts/ort.sh) installs the library,
// relative to the repository root.
const ProjectLibDir = "third_party/onnxruntime/lib"

// LibName is the file name of the library, in ProjectLibDir and on the
// system's library path.
const LibName = "libonnxruntime.so.1"

// ErrNoLibrary is wrapped by the error of a library that cannot be found or
// loaded.
var ErrNoLibrary = errors.New("ort: ONNX Runtime library not available")

// env is the process-wide ONNX Runtime environment: onnxruntime_go loads
// one library per process and keeps it until the process ends.
var env struct {
	sync.Mutex
	lib string // path the loaded library was found at; "" before loading
}

// candidate is one place the library may be.
type candidate struct {
	where string // how the path was chosen, for error messages
	path  string
	// must: this path was asked for explicitly, so no later candidate is
	// tried when it fails.
	must bool
}

// candidates lists where the library is looked for, in order: the explicit
// path, $VDVAE_ORT_LIB, the project folder found upward from the working
// directory and from the executable, then the system loader's search path.
func candidates(explicit string) []candidate {
	if explicit != "" {
		return []candidate{{where: "the given path", path: explicit, must: true}}
	}
	if p := os.Getenv(LibEnv); p != "" {
		return []candidate{{where: "$" + LibEnv, path: p, must: true}}
	}
	var out []candidate
	seen := map[string]bool{}
	for _, dir := range projectRoots() {
		p := filepath.Join(dir, ProjectLibDir, LibName)
		if !seen[p] {
			seen[p] = true
			out = append(out, candidate{where: "the project folder", path: p})
		}
	}
	return append(out, candidate{where: "the system library path", path: LibName})
}

// projectRoots returns the root of this project's source tree at or above
// the working directory (a folder whose go.mod declares module vdvae, so
// that running vdvae in some other project's folder never loads a library
// from it), and the executable's folder and its parent (for bin/vdvae).
func projectRoots() []string {
	var roots []string
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
				if strings.HasPrefix(string(mod), "module vdvae\n") {
					roots = append(roots, dir)
				}
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		roots = append(roots, dir, filepath.Dir(dir))
	}
	return roots
}

// load initialises the ONNX Runtime environment once per process, from the
// first candidate that loads. A later call naming another library fails,
// since one process holds one library.
func load(explicit string) (string, error) {
	env.Lock()
	defer env.Unlock()
	if env.lib != "" {
		if explicit != "" && explicit != env.lib {
			return "", fmt.Errorf("%w: %s is already loaded in this process; cannot also load %s",
				ErrNoLibrary, env.lib, explicit)
		}
		return env.lib, nil
	}
	path, err := firstLoadable(candidates(explicit), tryLoad)
	if err != nil {
		return "", err
	}
	env.lib = path
	return path, nil
}

// firstLoadable returns the first candidate that try loads. Its error
// lists every place tried and says how to provide the library.
func firstLoadable(cands []candidate, try func(path string) error) (string, error) {
	var tried []string
	for _, c := range cands {
		err := try(c.path)
		if err == nil {
			return c.path, nil
		}
		tried = append(tried, fmt.Sprintf("  %s: %s: %v", c.where, c.path, err))
		if c.must {
			break
		}
	}
	return "", fmt.Errorf("%w; looked in:\n%s\nrun `make deps` (installs ONNX Runtime %s into %s), "+
		"or set $%s or the library flag to a %s of version %s or newer",
		ErrNoLibrary, strings.Join(tried, "\n"), Version, ProjectLibDir, LibEnv, LibName, Version)
}

// tryLoad loads one library file into the process. A file is checked
// first: loading a truncated shared library crashes the process.
func tryLoad(path string) error {
	if strings.ContainsRune(path, os.PathSeparator) {
		if err := checkELF(path); err != nil {
			return err
		}
	}
	onnxruntime.SetSharedLibraryPath(path)
	if err := onnxruntime.InitializeEnvironment(onnxruntime.WithLogLevelError()); err != nil {
		return err
	}
	return nil
}

// checkELF refuses what is not a whole shared library for this machine:
// a missing or non-regular file, a file that is not ELF, or one whose
// segments reach past its end (a truncated copy).
func checkELF(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return errors.Unwrap(err) // "no such file or directory"
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not a shared library (%v)", err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return fmt.Errorf("not a shared library (ELF type %v)", f.Type)
	}
	for _, p := range f.Progs {
		if p.Off+p.Filesz > uint64(st.Size()) {
			return fmt.Errorf("truncated: a segment ends at byte %d of a %d-byte file; reinstall it "+
				"(make deps)", p.Off+p.Filesz, st.Size())
		}
	}
	return nil
}

// Version is the ONNX Runtime version that `make deps` installs and the
// oldest this package works with: github.com/yalue/onnxruntime_go v1.26.0
// asks the library for C API version 24, which ONNX Runtime 1.24 and later
// provide.
const Version = "1.24.3"

// LoadedVersion returns the version of the loaded ONNX Runtime library and
// its path, or an error when none can be loaded. explicit is as
// Options.Lib.
func LoadedVersion(explicit string) (version, path string, err error) {
	path, err = load(explicit)
	if err != nil {
		return "", "", err
	}
	return onnxruntime.GetVersion(), path, nil
}
