package shard

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Version is the format version this package writes and reads.
const Version uint32 = 1

// Magic opens every shard file (8 bytes).
const Magic = "GALFSHRD"

// EndMagic closes every shard file (the last 8 bytes of the footer).
const EndMagic = "GALFSEND"

// Format is the value of Header.Format.
const Format = "galforge-shard"

// DefaultBlockBytes is the uncompressed size a block aims at when no block
// size is given: the default block size is max(1, DefaultBlockBytes/RecordSize).
const DefaultBlockBytes = 4 << 20

// Fixed sizes of the file layout, in bytes; see FORMAT.md.
const (
	preambleSize   = 16 // magic, version, header length
	headerSumSize  = 8  // XXH64 of the header JSON
	indexEntrySize = 32 // offset, length, count, XXH64
	footerSize     = 48 // index offset, blocks, examples, index XXH64, footer XXH64, end magic
	idFieldsSize   = 24 // id int64, row int64, snapshot int32, view int32
	maxHeaderSize  = 16 << 20
)

// Sentinel errors that callers may test with errors.Is.
var (
	// ErrNotShard means the file does not start with Magic.
	ErrNotShard = errors.New("not a galforge shard (bad magic)")
	// ErrVersion means the file has a format version this package does not read.
	ErrVersion = errors.New("unsupported shard format version")
	// ErrCorrupt means the file is truncated or its structure is inconsistent.
	ErrCorrupt = errors.New("corrupt shard")
	// ErrChecksum means stored bytes do not match their checksum.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrShape means an example or header does not match the shard's layout.
	ErrShape = errors.New("shape mismatch")
)

// Column names one entry of the truth vector and its unit ("" for
// dimensionless quantities and category codes).
type Column struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// Provenance records where a shard came from. It is free-form beyond the
// three standard fields: Extra holds any other key/value pairs and is written
// with sorted keys.
type Provenance struct {
	GalforgeVersion string            `json:"galforge_version"`
	ConfigHash      string            `json:"config_hash"`
	Seed            uint64            `json:"seed"`
	Extra           map[string]string `json:"extra,omitempty"`
}

// Field describes one field of the fixed-size example record, as a NumPy
// structured dtype entry: name, type string ("<i8", "<i4", "<f4") and shape.
type Field struct {
	Name  string
	Type  string
	Shape []int
}

// MarshalJSON writes a Field as the array [name, type, shape], so that
// NumPy builds the record dtype with
// np.dtype([(n, t, tuple(s)) for n, t, s in header["record"]]).
func (f Field) MarshalJSON() ([]byte, error) {
	shape := f.Shape
	if shape == nil {
		shape = []int{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode([]any{f.Name, f.Type, shape}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the [name, type, shape] form written by MarshalJSON.
func (f *Field) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 3 {
		return fmt.Errorf("record field: want [name, type, shape], got %d items", len(raw))
	}
	if err := json.Unmarshal(raw[0], &f.Name); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[1], &f.Type); err != nil {
		return err
	}
	return json.Unmarshal(raw[2], &f.Shape)
}

// Header describes a shard. The caller sets StampSize, Bands, Planes, Truth
// and Provenance; Create fills the remaining fields (format, dtype,
// compression, block size, checksum, record layout) and Reader.Header returns
// them as stored. Example counts live in the footer: see Reader.Len.
type Header struct {
	// Format is always "galforge-shard".
	Format string `json:"format"`
	// StampSize is S, the side of each square stamp in pixels. It must be positive.
	StampSize int `json:"stamp_size"`
	// Bands names the bands in image order, e.g. "F160W". At least one.
	Bands []string `json:"bands"`
	// Planes names the image planes in order, e.g. "sci", "rms". At least one.
	Planes []string `json:"planes"`
	// Truth names the columns of the truth vector, with units. May be empty.
	Truth []Column `json:"truth"`
	// DType is the element type of images and truth: always "float32"
	// (little-endian IEEE 754).
	DType string `json:"dtype"`
	// Compression is always "zstd" (one zstd frame per block).
	Compression string `json:"compression"`
	// CompressionLevel is the klauspost/compress zstd encoder level name
	// ("fastest", "default", "better", "best").
	CompressionLevel string `json:"compression_level"`
	// Checksum is always "xxh64": XXH64 with seed 0 of the uncompressed
	// block bytes (and of the header JSON, the index and the footer).
	Checksum string `json:"checksum"`
	// BlockSize is K, the number of examples per block (the last may hold fewer).
	BlockSize int `json:"block_size"`
	// Record is the layout of one example record inside a block.
	Record []Field `json:"record"`
	// Provenance records the galforge version, config hash and seed.
	Provenance Provenance `json:"provenance"`
}

// Example is one training example.
//
// Images holds len(Planes)×len(Bands)×S×S values in C (row-major) order:
// Images[((p*nBands+b)*S+y)*S+x] is plane p, band b, pixel (x, y), with y the
// FITS row (y = 0 is FITS row 1, so Images for one plane and band reads like
// astropy's data[y, x]). Truth holds one value per Header.Truth column.
type Example struct {
	ID       int64 // galaxy or object id
	Snapshot int32 // snapshot number
	View     int32 // view (orientation) index
	Row      int64 // row in the truth catalogue
	Images   []float32
	Truth    []float32
}

// ImageLen returns the number of float32 values in Example.Images:
// len(Planes)·len(Bands)·StampSize².
func (h *Header) ImageLen() int {
	return len(h.Planes) * len(h.Bands) * h.StampSize * h.StampSize
}

// RecordSize returns the size in bytes of one example record in a block.
func (h *Header) RecordSize() int {
	return idFieldsSize + 4*h.ImageLen() + 4*len(h.Truth)
}

// record returns the record layout implied by the header's shape fields.
func (h *Header) record() []Field {
	return []Field{
		{"id", "<i8", nil},
		{"row", "<i8", nil},
		{"snapshot", "<i4", nil},
		{"view", "<i4", nil},
		{"images", "<f4", []int{len(h.Planes), len(h.Bands), h.StampSize, h.StampSize}},
		{"truth", "<f4", []int{len(h.Truth)}},
	}
}

// validateUser checks the caller-set fields.
func (h *Header) validateUser() error {
	if h.StampSize <= 0 {
		return fmt.Errorf("%w: stamp size %d, want > 0", ErrShape, h.StampSize)
	}
	if len(h.Bands) == 0 {
		return fmt.Errorf("%w: no bands", ErrShape)
	}
	if len(h.Planes) == 0 {
		return fmt.Errorf("%w: no planes", ErrShape)
	}
	if err := unique("band", h.Bands); err != nil {
		return err
	}
	if err := unique("plane", h.Planes); err != nil {
		return err
	}
	names := make([]string, len(h.Truth))
	for i, c := range h.Truth {
		names[i] = c.Name
	}
	if err := unique("truth column", names); err != nil {
		return err
	}
	if int64(h.StampSize)*int64(h.StampSize)*int64(len(h.Bands))*int64(len(h.Planes)) > math.MaxInt32 {
		return fmt.Errorf("%w: images of %d×%d×%d×%d values are too large", ErrShape,
			len(h.Planes), len(h.Bands), h.StampSize, h.StampSize)
	}
	return nil
}

func unique(what string, names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("%w: empty %s name", ErrShape, what)
		}
		if seen[n] {
			return fmt.Errorf("%w: duplicate %s name %q", ErrShape, what, n)
		}
		seen[n] = true
	}
	return nil
}

// validateStored checks a header read from a file.
func (h *Header) validateStored() error {
	if h.Format != Format {
		return fmt.Errorf("format %q, want %q", h.Format, Format)
	}
	if err := h.validateUser(); err != nil {
		return err
	}
	if h.DType != "float32" {
		return fmt.Errorf("dtype %q, want float32", h.DType)
	}
	if h.Compression != "zstd" {
		return fmt.Errorf("compression %q, want zstd", h.Compression)
	}
	if ok, _ := zstd.EncoderLevelFromString(h.CompressionLevel); !ok {
		return fmt.Errorf("unknown compression level %q", h.CompressionLevel)
	}
	if h.Checksum != "xxh64" {
		return fmt.Errorf("checksum %q, want xxh64", h.Checksum)
	}
	if h.BlockSize <= 0 {
		return fmt.Errorf("block size %d, want > 0", h.BlockSize)
	}
	want, _ := json.Marshal(h.record())
	got, _ := json.Marshal(h.Record)
	if string(want) != string(got) {
		return fmt.Errorf("record layout %s, want %s", got, want)
	}
	return nil
}

// putRecord encodes ex into dst, which must be RecordSize bytes long.
func putRecord(dst []byte, ex *Example) {
	le := binary.LittleEndian
	le.PutUint64(dst[0:], uint64(ex.ID))
	le.PutUint64(dst[8:], uint64(ex.Row))
	le.PutUint32(dst[16:], uint32(ex.Snapshot))
	le.PutUint32(dst[20:], uint32(ex.View))
	o := idFieldsSize
	for _, v := range ex.Images {
		le.PutUint32(dst[o:], math.Float32bits(v))
		o += 4
	}
	for _, v := range ex.Truth {
		le.PutUint32(dst[o:], math.Float32bits(v))
		o += 4
	}
}

// getRecord decodes src into ex, whose Images and Truth must already have the
// header's lengths.
func getRecord(ex *Example, src []byte) {
	le := binary.LittleEndian
	ex.ID = int64(le.Uint64(src[0:]))
	ex.Row = int64(le.Uint64(src[8:]))
	ex.Snapshot = int32(le.Uint32(src[16:]))
	ex.View = int32(le.Uint32(src[20:]))
	o := idFieldsSize
	for i := range ex.Images {
		ex.Images[i] = math.Float32frombits(le.Uint32(src[o:]))
		o += 4
	}
	for i := range ex.Truth {
		ex.Truth[i] = math.Float32frombits(le.Uint32(src[o:]))
		o += 4
	}
}
