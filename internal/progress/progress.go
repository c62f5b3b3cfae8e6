// Package progress reports the progress of long work: count, rate and ETA,
// redrawn in place on a terminal and as plain log lines (at most one every
// few seconds) otherwise.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Bar reports progress of total items to W. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	label    string
	total    int
	done     int
	start    time.Time
	last     time.Time
	interval time.Duration
	now      func() time.Time
	note     string
}

// Note sets a short status (e.g. the running loss) shown after the counts
// on the next report.
func (b *Bar) Note(s string) {
	b.mu.Lock()
	b.note = s
	b.mu.Unlock()
}

// New returns a Bar writing to w; the terminal form is used when w is a
// character device.
func New(w io.Writer, label string, total int) *Bar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	b := &Bar{w: w, tty: tty, label: label, total: total, now: time.Now, interval: 5 * time.Second}
	b.start = b.now()
	return b
}

// Add records n more finished items and reports when due.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	t := b.now()
	iv := b.interval
	if b.tty {
		iv = 200 * time.Millisecond
	}
	if b.done < b.total && t.Sub(b.last) < iv {
		return
	}
	b.last = t
	b.print(t)
}

// Line returns the current status line.
func (b *Bar) Line() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.line(b.now())
}

func (b *Bar) line(t time.Time) string {
	el := t.Sub(b.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(b.done) / el
	}
	eta := "?"
	if rate > 0 && b.total >= b.done {
		eta = (time.Duration(float64(b.total-b.done)/rate) * time.Second).Round(time.Second).String()
	}
	pct := 100.0
	if b.total > 0 {
		pct = 100 * float64(b.done) / float64(b.total)
	}
	l := fmt.Sprintf("%s: %d/%d (%.0f%%) %.2f/s ETA %s", b.label, b.done, b.total, pct, rate, eta)
	if b.note != "" {
		l += ", " + b.note
	}
	return l
}

func (b *Bar) print(t time.Time) {
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s", b.line(t))
		if b.done >= b.total {
			fmt.Fprintln(b.w)
		}
		return
	}
	fmt.Fprintf(b.w, "%s %s\n", t.Format("15:04:05"), b.line(t))
}
