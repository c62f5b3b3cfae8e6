package ramses

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// recordReader reads Fortran unformatted sequential records: each record is
// a 4-byte length marker n, n bytes of payload and the same marker again.
// The byte order is detected from the first marker (RAMSES's first record is
// one 4-byte integer, ncpu), so big-endian files from old machines also read.
type recordReader struct {
	r    *bufio.Reader
	path string
	size int64 // file size in bytes
	big  bool  // big-endian markers and payloads
	n    int   // number of records read so far
	off  int64 // byte offset of the next record
	last int64 // byte offset of the last record read
	buf  []byte
}

// openRecords opens the Fortran unformatted file at path; the caller closes f.
func openRecords(path string) (rr *recordReader, f *os.File, err error) {
	if f, err = os.Open(path); err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil {
		rr, err = newRecordReader(f, path, st.Size())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return rr, f, nil
}

func newRecordReader(f io.Reader, path string, size int64) (*recordReader, error) {
	rr := &recordReader{r: bufio.NewReaderSize(f, 1<<20), path: path, size: size}
	b, err := rr.r.Peek(4)
	if err != nil {
		if len(b) == 0 {
			return nil, fmt.Errorf("%s: empty file (want Fortran unformatted records)", path)
		}
		return nil, fmt.Errorf("%s: truncated: %d bytes, shorter than one record marker", path, len(b))
	}
	le, be := binary.LittleEndian.Uint32(b), binary.BigEndian.Uint32(b)
	if le != 4 && le != 8 && (be == 4 || be == 8) {
		rr.big = true
	}
	return rr, nil
}

// errf formats an error naming the file, the 1-based record number and what
// the record holds.
func (rr *recordReader) errf(what, format string, args ...any) error {
	return fmt.Errorf("%s: record %d (%s) at byte %d: %s", rr.path, rr.n+1, what, rr.off, fmt.Sprintf(format, args...))
}

func (rr *recordReader) u32(b []byte) uint32 {
	if rr.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// errLast formats an error about the record just read.
func (rr *recordReader) errLast(what, format string, args ...any) error {
	return fmt.Errorf("%s: record %d (%s) at byte %d: %s", rr.path, rr.n, what, rr.last, fmt.Sprintf(format, args...))
}

// errNoRecord is returned by next when the file ends cleanly before a record.
var errNoRecord = errors.New("no more records")

// peekLen returns the payload length of the next record without consuming
// it; ok is false at a clean end of file.
func (rr *recordReader) peekLen(what string) (n int, ok bool, err error) {
	b, err := rr.r.Peek(4)
	if len(b) == 0 && err != nil {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, rr.errf(what, "truncated: file ends inside a record marker")
	}
	m := int32(rr.u32(b))
	if m < 0 {
		return 0, false, rr.errf(what, "negative record marker %d (a gfortran sub-record of a record over 2 GiB, which is not supported, or a corrupt file)", m)
	}
	return int(m), true, nil
}

// next reads the next record's payload. The returned slice is reused by the
// following call. At a clean end of file it returns errNoRecord.
func (rr *recordReader) next(what string) ([]byte, error) {
	var m [4]byte
	k, err := io.ReadFull(rr.r, m[:])
	if err != nil {
		if k == 0 && err == io.EOF {
			return nil, errNoRecord
		}
		return nil, rr.errf(what, "truncated: file ends inside the leading record marker")
	}
	n := int64(int32(rr.u32(m[:])))
	if n < 0 {
		return nil, rr.errf(what, "negative record marker %d (a gfortran sub-record of a record over 2 GiB, which is not supported, or a corrupt file)", n)
	}
	if rem := rr.size - rr.off - 8; n > rem {
		return nil, rr.errf(what, "truncated or corrupt record marker: marker says %d bytes, only %d remain before the trailing marker", n, max(rem, 0))
	}
	if int64(cap(rr.buf)) < n {
		rr.buf = make([]byte, n)
	}
	buf := rr.buf[:n]
	if _, err := io.ReadFull(rr.r, buf); err != nil {
		return nil, rr.errf(what, "truncated: file ends inside a %d-byte record", n)
	}
	if _, err := io.ReadFull(rr.r, m[:]); err != nil {
		return nil, rr.errf(what, "truncated: file ends inside the trailing record marker")
	}
	if t := int64(int32(rr.u32(m[:]))); t != n {
		return nil, rr.errf(what, "record marker mismatch: leading marker %d, trailing marker %d (corrupt file)", n, t)
	}
	rr.n++
	rr.last = rr.off
	rr.off += n + 8
	return buf, nil
}

// want reads the next record and fails if the file ends before it.
func (rr *recordReader) want(what string) ([]byte, error) {
	b, err := rr.next(what)
	if err == errNoRecord {
		return nil, rr.errf(what, "truncated: file ends before this record")
	}
	return b, err
}

// readInt reads a record holding one 4- or 8-byte integer.
func (rr *recordReader) readInt(what string) (int64, error) {
	b, err := rr.want(what)
	if err != nil {
		return 0, err
	}
	switch len(b) {
	case 4:
		return int64(int32(rr.u32(b))), nil
	case 8:
		return int64(rr.u64(b)), nil
	}
	return 0, rr.errLast(what, "%d bytes, want one 4- or 8-byte integer", len(b))
}

// readFloat64 reads a record holding one 8-byte real.
func (rr *recordReader) readFloat64(what string) (float64, error) {
	b, err := rr.want(what)
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, rr.errLast(what, "%d bytes, want one 8-byte real", len(b))
	}
	return math.Float64frombits(rr.u64(b)), nil
}

func (rr *recordReader) u64(b []byte) uint64 {
	if rr.big {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// kindSize returns the size in bytes of one value of a descriptor type code
// (RAMSES's dump_utils: b int8, h int16, i int32, q int64, f real32,
// d real64, ? logical; the unsigned B, H, I, Q that yt also accepts), or 0
// for an unknown code. kindAnyInt ('n') is an integer whose width (4 or 8)
// is taken from the record length.
func kindSize(k byte) int {
	switch k {
	case 'b', 'B':
		return 1
	case 'h', 'H':
		return 2
	case 'i', 'I', 'f', '?':
		return 4
	case 'q', 'Q', 'd':
		return 8
	}
	return 0
}

const kindAnyInt = 'n'

// decodeFloat decodes n values of kind k from b into dst (as float64).
func (rr *recordReader) decodeFloat(b []byte, k byte, dst []float64) {
	n := len(dst)
	switch k {
	case 'd':
		if rr.big {
			for i := 0; i < n; i++ {
				dst[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
			}
		} else {
			for i := 0; i < n; i++ {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		}
	case 'f':
		for i := 0; i < n; i++ {
			dst[i] = float64(math.Float32frombits(rr.u32(b[4*i:])))
		}
	default:
		ints := make([]int64, n)
		rr.decodeInt(b, k, ints)
		for i, v := range ints {
			dst[i] = float64(v)
		}
	}
}

// decodeInt decodes n integer (or real, truncated) values of kind k from b.
func (rr *recordReader) decodeInt(b []byte, k byte, dst []int64) {
	n := len(dst)
	for i := 0; i < n; i++ {
		switch k {
		case 'b':
			dst[i] = int64(int8(b[i]))
		case 'B':
			dst[i] = int64(b[i])
		case 'h', 'H':
			var u uint16
			if rr.big {
				u = binary.BigEndian.Uint16(b[2*i:])
			} else {
				u = binary.LittleEndian.Uint16(b[2*i:])
			}
			if k == 'h' {
				dst[i] = int64(int16(u))
			} else {
				dst[i] = int64(u)
			}
		case 'i', '?':
			dst[i] = int64(int32(rr.u32(b[4*i:])))
		case 'I':
			dst[i] = int64(rr.u32(b[4*i:]))
		case 'q', 'Q':
			dst[i] = int64(rr.u64(b[8*i:]))
		case 'f':
			dst[i] = int64(math.Float32frombits(rr.u32(b[4*i:])))
		case 'd':
			dst[i] = int64(math.Float64frombits(rr.u64(b[8*i:])))
		}
	}
}
