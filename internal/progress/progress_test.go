package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBarLogLines(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "simulate", 4)
	clock := b.start
	b.now = func() time.Time { return clock }
	clock = clock.Add(10 * time.Second)
	b.Add(1) // due: first report
	clock = clock.Add(1 * time.Second)
	b.Add(1) // not due (1 s < 5 s)
	clock = clock.Add(9 * time.Second)
	b.Add(2) // last item: always reported
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "simulate: 1/4 (25%) 0.10/s ETA 30s") {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.Contains(lines[1], "4/4 (100%) 0.20/s ETA 0s") {
		t.Errorf("last line %q", lines[1])
	}
}
