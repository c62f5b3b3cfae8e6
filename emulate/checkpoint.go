package emulate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/galforge/galforge/internal/atomic"
)

// Files of a model directory.
const (
	specFile    = "model.json"  // Spec: everything that rebuilds the model and its preprocessing
	weightsFile = "weights.gfw" // the best weights (by validation loss), for prediction
	stateFile   = "state.gfw"   // every variable (optimizer state included) after the last epoch, for resume
	loopFile    = "state.json"  // the training loop's state after the last epoch, for resume
)

// weightsMagic starts a galforge weights file (format version 1): the magic,
// a u32 length H, H bytes of JSON listing the variables, their raw
// little-endian data back to back, and the SHA-256 of everything before it.
const weightsMagic = "GALFWGT1"

// ErrCorrupt is returned (wrapped, with the file name) for a checkpoint file
// that is truncated, fails its checksum or does not parse.
var ErrCorrupt = errors.New("corrupt checkpoint")

type varEntry struct {
	Path      string `json:"path"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Trainable bool   `json:"trainable"`
	Bytes     int    `json:"bytes"`
}

// saveVariables writes the variables of store (those for which keep returns
// true) to path atomically, in path order.
func saveVariables(path string, store *model.Store, keep func(*model.Variable) bool) error {
	var entries []varEntry
	var data bytes.Buffer
	for v := range store.IterVariables() {
		if keep != nil && !keep(v) {
			continue
		}
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("emulate: save %s: variable %s: %w", path, v.Path(), err)
		}
		var raw []byte
		if err := t.ConstBytes(func(b []byte) { raw = append(raw, b...) }); err != nil {
			return fmt.Errorf("emulate: save %s: variable %s: %w", path, v.Path(), err)
		}
		entries = append(entries, varEntry{Path: v.Path(), DType: t.DType().String(), Shape: t.Shape().Dimensions,
			Trainable: v.Trainable, Bytes: len(raw)})
		data.Write(raw)
	}
	hdr, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	return atomic.WriteFile(path, func(w io.Writer) error {
		h := sha256.New()
		mw := io.MultiWriter(w, h)
		var n [4]byte
		binary.LittleEndian.PutUint32(n[:], uint32(len(hdr)))
		for _, b := range [][]byte{[]byte(weightsMagic), n[:], hdr, data.Bytes()} {
			if _, err := mw.Write(b); err != nil {
				return err
			}
		}
		_, err := w.Write(h.Sum(nil))
		return err
	})
}

// loadVariables reads a weights file into store, creating (or overwriting)
// each variable with its stored value and trainable flag.
func loadVariables(path string, store *model.Store) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("emulate: read checkpoint: %w", err)
	}
	corrupt := func(why string, a ...any) error {
		return fmt.Errorf("emulate: %s: %w: %s", path, ErrCorrupt, fmt.Sprintf(why, a...))
	}
	if len(b) < len(weightsMagic)+4+sha256.Size || string(b[:len(weightsMagic)]) != weightsMagic {
		return corrupt("not a galforge weights file (magic %q expected, %d bytes)", weightsMagic, len(b))
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return corrupt("SHA-256 mismatch (truncated or modified)")
	}
	hl := int(binary.LittleEndian.Uint32(b[len(weightsMagic):]))
	off := len(weightsMagic) + 4
	if hl < 0 || off+hl > len(body) {
		return corrupt("header length %d beyond the file", hl)
	}
	var entries []varEntry
	if err := json.Unmarshal(body[off:off+hl], &entries); err != nil {
		return corrupt("header: %v", err)
	}
	off += hl
	for _, e := range entries {
		dt, err := dtypes.DTypeString(e.DType)
		if err != nil {
			return corrupt("variable %s: dtype %q", e.Path, e.DType)
		}
		sh := shapes.Make(dt, e.Shape...)
		if int(sh.ByteSize()) != e.Bytes || off+e.Bytes > len(body) {
			return corrupt("variable %s: %d bytes for shape %s", e.Path, e.Bytes, sh)
		}
		t := tensors.FromShape(sh)
		src := body[off : off+e.Bytes]
		if err := t.MutableBytes(func(dst []byte) { copy(dst, src) }); err != nil {
			return fmt.Errorf("emulate: %s: variable %s: %w", path, e.Path, err)
		}
		off += e.Bytes
		if v := store.GetVariable(e.Path); v != nil {
			if !v.Shape().Equal(sh) {
				return fmt.Errorf("emulate: %s: variable %s has shape %s, the model wants %s", path, e.Path, sh, v.Shape())
			}
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("emulate: %s: variable %s: %w", path, e.Path, err)
			}
			v.Trainable = e.Trainable
			continue
		}
		v, err := store.CreateVariable(e.Path, t)
		if err != nil {
			return fmt.Errorf("emulate: %s: variable %s: %w", path, e.Path, err)
		}
		v.Trainable = e.Trainable
	}
	if off != len(body) {
		return corrupt("%d trailing bytes", len(body)-off)
	}
	return nil
}

// writeJSON writes v as indented JSON to path atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomic.WriteBytes(path, append(b, '\n'))
}

// readJSON reads path into v with a clear error.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("emulate: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("emulate: %s: %w: %v", path, ErrCorrupt, err)
	}
	return nil
}

func modelPath(dir, name string) string { return filepath.Join(dir, name) }
