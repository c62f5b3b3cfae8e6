package shard

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pythonWithDeps returns a Python interpreter that has numpy and zstandard,
// or "" if there is none.
func pythonWithDeps() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import numpy, zstandard").Run() == nil {
			return py
		}
	}
	return ""
}

// TestPythonReader runs read_shard.py on a Go-written shard and compares
// every field bit for bit. It is skipped where python3 with numpy and
// zstandard (Debian python3-numpy python3-zstandard) is absent.
func TestPythonReader(t *testing.T) {
	t.Parallel()
	py := pythonWithDeps()
	if py == "" {
		t.Skip("no python3 with numpy and zstandard")
	}
	h := testHeader(16, 3, 2, 4)
	exs := randExamples(rand.New(rand.NewPCG(11, 11)), h, 23)
	dir := t.TempDir()
	path := filepath.Join(dir, "py.shard")
	writeShard(t, path, h, exs, WithBlockSize(5))
	out, err := exec.Command(py, "read_shard.py", path, "--dump", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("read_shard.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)

	// What the Python arrays must hold, encoded here as little-endian bytes.
	want := map[string]*bytes.Buffer{}
	put := func(name string, v any) {
		if want[name] == nil {
			want[name] = new(bytes.Buffer)
		}
		binary.Write(want[name], binary.LittleEndian, v)
	}
	for _, ex := range exs {
		put("id", ex.ID)
		put("row", ex.Row)
		put("snapshot", ex.Snapshot)
		put("view", ex.View)
		put("images", ex.Images)
		put("truth", ex.Truth)
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(dir, name+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w.Bytes()) {
			t.Errorf("field %q: Python read %d bytes that differ from the %d written", name, len(got), w.Len())
		}
	}

	// The Python reader rejects a corrupted block (zstd's frame checksum)
	// and, with the xxhash package, a block whose XXH64 differs from the index.
	good, _ := os.ReadFile(path)
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e := r.index[1]
	idxOff := uint64(len(good)) - footerSize - uint64(len(r.index))*indexEntrySize
	r.Close()
	bad := bytes.Clone(good)
	bad[e.offset+e.length/2] ^= 0x10
	os.WriteFile(path, bad, 0o644)
	if out, err := exec.Command(py, "read_shard.py", path).CombinedOutput(); err == nil {
		t.Errorf("read_shard.py accepted a corrupted block:\n%s", out)
	}
	if exec.Command(py, "-c", "import xxhash").Run() != nil {
		t.Log("no xxhash package: the index checksum check in read_shard.py is not exercised")
		return
	}
	bad = bytes.Clone(good)
	bad[idxOff+1*indexEntrySize+24] ^= 0x01 // block 1's XXH64 in the index
	os.WriteFile(path, bad, 0o644)
	out, err = exec.Command(py, "read_shard.py", path).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("checksum mismatch in blocks [1]")) {
		t.Errorf("read_shard.py with a wrong XXH64 for block 1: %v\n%s", err, out)
	}
}
