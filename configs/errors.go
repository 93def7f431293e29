package configs

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is the kind of every error that reports a bad configuration:
// a malformed or incomplete file, a bad --set override, or hparams that
// Validate rejects. Test for it with errors.Is; errors.As with a *FieldError
// gives the field of the first problem.
var ErrInvalid = errors.New("configs: invalid hparams")

// FieldError is one problem with one field of the hyper-parameters. Its text
// names the field and says how to fix it.
type FieldError struct {
	// Source is the file (or "--set" for an override) the problem was found
	// in; it is empty for problems that Validate reports.
	Source string
	// Line is the 1-based line in Source, or 0 when unknown.
	Line int
	// Field is the dotted key, e.g. "model.up_filters[3]" or "train.batch_size".
	Field string
	// Msg says what is wrong and what to do.
	Msg string
}

// Error formats the problem as "configs: SOURCE line N: FIELD: MSG".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("configs: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, " line %d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is ErrInvalid: every FieldError is of that kind.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// problems collects FieldErrors so that a caller can report all of them at
// once.
type problems struct {
	source string
	errs   []error
}

// add records a problem with field, without a line.
func (p *problems) add(field, format string, args ...any) {
	p.addAt(0, field, format, args...)
}

// addAt records a problem with field found at line.
func (p *problems) addAt(line int, field, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{
		Source: p.source,
		Line:   line,
		Field:  field,
		Msg:    fmt.Sprintf(format, args...),
	})
}

// err joins the recorded problems, or returns nil when there are none.
func (p *problems) err() error { return errors.Join(p.errs...) }
