// Package h5 is galforge's thin layer over the HDF5 C library (through
// gonum.org/v1/hdf5): numeric datasets and attributes are read with the
// library's type conversion into float64 or int64 whatever their stored type
// (float32, float64, any integer width, either byte order), and written as
// float32, float64 or int64 datasets. Errors name the file and the object.
package h5

/*
#cgo LDFLAGS: -lhdf5
#cgo linux,amd64 CFLAGS: -I/usr/include/hdf5/serial
#cgo linux,amd64 LDFLAGS: -L/usr/lib/x86_64-linux-gnu/hdf5/serial
#cgo linux,arm64 CFLAGS: -I/usr/include/hdf5/serial
#cgo linux,arm64 LDFLAGS: -L/usr/lib/aarch64-linux-gnu/hdf5/serial
#include <hdf5.h>
#include <stdlib.h>

static herr_t gf_dread_double(hid_t d, double *buf) {
	return H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}
static herr_t gf_dread_llong(hid_t d, long long *buf) {
	return H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}
static herr_t gf_aread_double(hid_t a, double *buf) {
	return H5Aread(a, H5T_NATIVE_DOUBLE, buf);
}
static void gf_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"gonum.org/v1/hdf5"
)

func init() {
	// Errors are returned, not printed by the library on stderr.
	C.gf_quiet()
}

// ErrNotFound is wrapped when a group, dataset or attribute does not exist.
var ErrNotFound = errors.New("not found")

// File is an open HDF5 file.
type File struct {
	f    *hdf5.File
	Path string
}

// Open opens an existing HDF5 file read-only. It checks the signature first
// so that a file that is not HDF5 gets a clear error.
func Open(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%q is a directory, not an HDF5 file", path)
	}
	if !hdf5.IsHDF5(path) {
		return nil, fmt.Errorf("%q is not an HDF5 file (no HDF5 signature)", path)
	}
	f, err := hdf5.OpenFile(path, hdf5.F_ACC_RDONLY)
	if err != nil {
		return nil, fmt.Errorf("open %q: the HDF5 library cannot read it (truncated or corrupt?): %w", path, err)
	}
	return &File{f: f, Path: path}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Has reports whether the object at the slash-separated path exists.
func (f *File) Has(obj string) bool {
	parts := strings.Split(strings.Trim(obj, "/"), "/")
	cur := ""
	for _, p := range parts {
		cur += "/" + p
		if !f.f.LinkExists(cur) {
			return false
		}
	}
	return true
}

// Dims returns the dimensions of a dataset.
func (f *File) Dims(dset string) ([]int, error) {
	d, err := f.openDataset(dset)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return dims(d.Space())
}

func dims(sp *hdf5.Dataspace) ([]int, error) {
	if sp == nil {
		return nil, errors.New("no dataspace")
	}
	defer sp.Close()
	ds, _, err := sp.SimpleExtentDims()
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ds))
	for i, v := range ds {
		out[i] = int(v)
	}
	return out, nil
}

func (f *File) openDataset(dset string) (*hdf5.Dataset, error) {
	if !f.Has(dset) {
		return nil, fmt.Errorf("%q: dataset %q: %w", f.Path, dset, ErrNotFound)
	}
	d, err := f.f.OpenDataset(dset)
	if err != nil {
		return nil, fmt.Errorf("%q: dataset %q: %w", f.Path, dset, err)
	}
	return d, nil
}

func (f *File) datasetClass(d *hdf5.Dataset, dset string) (hdf5.TypeClass, error) {
	dt, err := d.Datatype()
	if err != nil {
		return 0, fmt.Errorf("%q: dataset %q: datatype: %w", f.Path, dset, err)
	}
	defer dt.Close()
	return dt.Class(), nil
}

// Float64s reads a numeric dataset, converting to float64, and returns the
// values in row-major order with the dataset's dimensions.
func (f *File) Float64s(dset string) ([]float64, []int, error) {
	return readDataset(f, dset, "numeric", func(c hdf5.TypeClass) bool { return c == hdf5.T_FLOAT || c == hdf5.T_INTEGER },
		func(id C.hid_t, buf []float64) C.herr_t {
			return C.gf_dread_double(id, (*C.double)(unsafe.Pointer(&buf[0])))
		})
}

// Int64s reads an integer dataset, converting to int64.
func (f *File) Int64s(dset string) ([]int64, []int, error) {
	return readDataset(f, dset, "an integer dataset", func(c hdf5.TypeClass) bool { return c == hdf5.T_INTEGER },
		func(id C.hid_t, buf []int64) C.herr_t {
			return C.gf_dread_llong(id, (*C.longlong)(unsafe.Pointer(&buf[0])))
		})
}

// readDataset reads a whole dataset of an accepted type class into a new
// slice with read, which converts to T in the HDF5 library.
func readDataset[T any](f *File, dset, want string, accept func(hdf5.TypeClass) bool, read func(C.hid_t, []T) C.herr_t) ([]T, []int, error) {
	d, err := f.openDataset(dset)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	if c, err := f.datasetClass(d, dset); err != nil {
		return nil, nil, err
	} else if !accept(c) {
		return nil, nil, fmt.Errorf("%q: dataset %q is not %s", f.Path, dset, want)
	}
	dd, err := dims(d.Space())
	if err != nil {
		return nil, nil, fmt.Errorf("%q: dataset %q: %w", f.Path, dset, err)
	}
	n := 1
	for _, v := range dd {
		n *= v
	}
	buf := make([]T, n)
	if n > 0 && read(C.hid_t(d.ID()), buf) < 0 {
		return nil, nil, fmt.Errorf("%q: dataset %q: read failed (truncated or corrupt file?)", f.Path, dset)
	}
	return buf, dd, nil
}

// splitAttr splits "Group/Sub/attr" into the object path and attribute name.
func splitAttr(p string) (obj, name string) {
	p = strings.Trim(p, "/")
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return "/", p
	}
	return "/" + p[:i], p[i+1:]
}

// AttrFloat64s reads a numeric attribute given as "Group/attr", converting to float64.
func (f *File) AttrFloat64s(path string) ([]float64, error) {
	obj, name := splitAttr(path)
	if obj != "/" && !f.Has(obj) {
		return nil, fmt.Errorf("%q: group %q: %w", f.Path, obj, ErrNotFound)
	}
	oname := C.CString(obj)
	defer C.free(unsafe.Pointer(oname))
	aname := C.CString(name)
	defer C.free(unsafe.Pointer(aname))
	fid := C.hid_t(f.f.ID())
	if C.H5Aexists_by_name(fid, oname, aname, C.H5P_DEFAULT) <= 0 {
		return nil, fmt.Errorf("%q: attribute %q: %w", f.Path, path, ErrNotFound)
	}
	aid := C.H5Aopen_by_name(fid, oname, aname, C.H5P_DEFAULT, C.H5P_DEFAULT)
	if aid < 0 {
		return nil, fmt.Errorf("%q: attribute %q: cannot open", f.Path, path)
	}
	defer C.H5Aclose(aid)
	sp := C.H5Aget_space(aid)
	if sp < 0 {
		return nil, fmt.Errorf("%q: attribute %q: no dataspace", f.Path, path)
	}
	n := int(C.H5Sget_simple_extent_npoints(sp))
	C.H5Sclose(sp)
	tid := C.H5Aget_type(aid)
	cls := C.H5Tget_class(tid)
	C.H5Tclose(tid)
	if cls != C.H5T_FLOAT && cls != C.H5T_INTEGER {
		return nil, fmt.Errorf("%q: attribute %q is not numeric", f.Path, path)
	}
	if n <= 0 {
		return nil, nil
	}
	buf := make([]float64, n)
	if rc := C.gf_aread_double(aid, (*C.double)(unsafe.Pointer(&buf[0]))); rc < 0 {
		return nil, fmt.Errorf("%q: attribute %q: read failed", f.Path, path)
	}
	return buf, nil
}

// AttrFloat64 reads a scalar numeric attribute ("Header/Time").
func (f *File) AttrFloat64(path string) (float64, error) {
	v, err := f.AttrFloat64s(path)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%q: attribute %q has %d values, want 1", f.Path, path, len(v))
	}
	return v[0], nil
}

// AttrString reads a string attribute ("Header/Family").
func (f *File) AttrString(path string) (string, error) {
	obj, name := splitAttr(path)
	if obj != "/" && !f.Has(obj) {
		return "", fmt.Errorf("%q: group %q: %w", f.Path, obj, ErrNotFound)
	}
	var a *hdf5.Attribute
	var err error
	if obj == "/" {
		g, gerr := f.f.OpenGroup("/")
		if gerr != nil {
			return "", gerr
		}
		defer g.Close()
		a, err = g.OpenAttribute(name)
	} else {
		g, gerr := f.f.OpenGroup(obj)
		if gerr != nil {
			return "", fmt.Errorf("%q: group %q: %w", f.Path, obj, gerr)
		}
		defer g.Close()
		a, err = g.OpenAttribute(name)
	}
	if err != nil {
		return "", fmt.Errorf("%q: attribute %q: %w", f.Path, path, ErrNotFound)
	}
	defer a.Close()
	var s string
	if err := a.Read(&s, hdf5.T_GO_STRING); err != nil {
		return "", fmt.Errorf("%q: attribute %q: %w", f.Path, path, err)
	}
	return s, nil
}

// Writer creates an HDF5 file atomically: everything goes to a temporary file
// beside the target, renamed into place by Commit. Abort (or a failed Commit)
// removes the temporary file, so no half-written file is ever left at Path.
type Writer struct {
	f    *hdf5.File
	tmp  string
	Path string
	err  error
}

// Create starts writing path.
func Create(path string) (*Writer, error) {
	dir := filepath.Dir(path)
	tf, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", path, err)
	}
	tmp := tf.Name()
	tf.Close()
	f, err := hdf5.CreateFile(tmp, hdf5.F_ACC_TRUNC)
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create %q: %w", path, err)
	}
	return &Writer{f: f, tmp: tmp, Path: path}, nil
}

// Err returns the first error met while writing.
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(err error) {
	if w.err == nil && err != nil {
		w.err = fmt.Errorf("write %q: %w", w.Path, err)
	}
}

// Group creates a group (and its parents) unless it exists.
func (w *Writer) Group(path string) {
	if w.err != nil {
		return
	}
	cur := ""
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		cur += "/" + p
		if w.f.LinkExists(cur) {
			continue
		}
		g, err := w.f.CreateGroup(cur)
		if err != nil {
			w.fail(fmt.Errorf("group %q: %w", cur, err))
			return
		}
		g.Close()
	}
}

// Float32s writes data (row-major) as a float32 dataset with the given dims.
func (w *Writer) Float32s(dset string, data []float32, dims ...int) {
	writeDataset(w, dset, hdf5.T_NATIVE_FLOAT, data, len(data), dims)
}

// Float64s writes data (row-major) as a float64 dataset with the given dims.
func (w *Writer) Float64s(dset string, data []float64, dims ...int) {
	writeDataset(w, dset, hdf5.T_NATIVE_DOUBLE, data, len(data), dims)
}

// Int64s writes data as an int64 dataset with the given dims.
func (w *Writer) Int64s(dset string, data []int64, dims ...int) {
	writeDataset(w, dset, hdf5.T_NATIVE_INT64, data, len(data), dims)
}

// Uint8s writes data as a uint8 dataset with the given dims.
func (w *Writer) Uint8s(dset string, data []uint8, dims ...int) {
	writeDataset(w, dset, hdf5.T_NATIVE_UINT8, data, len(data), dims)
}

func writeDataset[T any](w *Writer, dset string, dt *hdf5.Datatype, data []T, n int, dd []int) {
	if w.err != nil {
		return
	}
	if len(dd) == 0 {
		dd = []int{n}
	}
	tot := 1
	ud := make([]uint, len(dd))
	for i, v := range dd {
		tot *= v
		ud[i] = uint(v)
	}
	if tot != n {
		w.fail(fmt.Errorf("dataset %q: %d values for dims %v", dset, n, dd))
		return
	}
	if i := strings.LastIndex(strings.Trim(dset, "/"), "/"); i > 0 {
		w.Group(strings.Trim(dset, "/")[:i])
	}
	sp, err := hdf5.CreateSimpleDataspace(ud, nil)
	if err != nil {
		w.fail(fmt.Errorf("dataset %q: %w", dset, err))
		return
	}
	defer sp.Close()
	d, err := w.f.CreateDataset(dset, dt, sp)
	if err != nil {
		w.fail(fmt.Errorf("dataset %q: %w", dset, err))
		return
	}
	defer d.Close()
	if n == 0 {
		return
	}
	if err := d.Write(&data); err != nil {
		w.fail(fmt.Errorf("dataset %q: %w", dset, err))
	}
}

// Attr writes a scalar or 1-D attribute on a group ("Header/Time"); value may
// be float64, int64, []float64, []int64 or string.
func (w *Writer) Attr(path string, value any) {
	if w.err != nil {
		return
	}
	obj, name := splitAttr(path)
	if obj != "/" {
		w.Group(obj)
	}
	g, err := w.f.OpenGroup(obj)
	if err != nil {
		w.fail(fmt.Errorf("attribute %q: %w", path, err))
		return
	}
	defer g.Close()
	switch v := value.(type) {
	case string:
		sp, _ := hdf5.CreateDataspace(hdf5.S_SCALAR)
		defer sp.Close()
		dt, err := hdf5.NewDatatypeFromValue(v)
		if err != nil {
			w.fail(err)
			return
		}
		a, err := g.CreateAttribute(name, dt, sp)
		if err != nil {
			w.fail(fmt.Errorf("attribute %q: %w", path, err))
			return
		}
		defer a.Close()
		w.fail(a.Write(&v, dt))
	case float64:
		w.attrArray(g, path, name, hdf5.T_NATIVE_DOUBLE, unsafe.Pointer(&v), 0)
	case int64:
		w.attrArray(g, path, name, hdf5.T_NATIVE_INT64, unsafe.Pointer(&v), 0)
	case int:
		x := int64(v)
		w.attrArray(g, path, name, hdf5.T_NATIVE_INT64, unsafe.Pointer(&x), 0)
	case []float64:
		if len(v) > 0 {
			w.attrArray(g, path, name, hdf5.T_NATIVE_DOUBLE, unsafe.Pointer(&v[0]), len(v))
		}
	case []int64:
		if len(v) > 0 {
			w.attrArray(g, path, name, hdf5.T_NATIVE_INT64, unsafe.Pointer(&v[0]), len(v))
		}
	default:
		w.fail(fmt.Errorf("attribute %q: unsupported type %T", path, value))
	}
}

func (w *Writer) attrArray(g *hdf5.Group, path, name string, dt *hdf5.Datatype, p unsafe.Pointer, n int) {
	var sp *hdf5.Dataspace
	var err error
	if n == 0 {
		sp, err = hdf5.CreateDataspace(hdf5.S_SCALAR)
	} else {
		sp, err = hdf5.CreateSimpleDataspace([]uint{uint(n)}, nil)
	}
	if err != nil {
		w.fail(err)
		return
	}
	defer sp.Close()
	a, err := g.CreateAttribute(name, dt, sp)
	if err != nil {
		w.fail(fmt.Errorf("attribute %q: %w", path, err))
		return
	}
	defer a.Close()
	if rc := C.H5Awrite(C.hid_t(a.ID()), C.hid_t(dt.ID()), p); rc < 0 {
		w.fail(fmt.Errorf("attribute %q: write failed", path))
	}
}

// Commit closes the temporary file and renames it to Path. It returns the
// first error met while writing, in which case nothing is left at Path.
func (w *Writer) Commit() error {
	cerr := w.f.Close()
	if w.err == nil && cerr != nil {
		w.fail(cerr)
	}
	if w.err != nil {
		os.Remove(w.tmp)
		return w.err
	}
	if err := os.Chmod(w.tmp, 0o644); err != nil {
		os.Remove(w.tmp)
		return err
	}
	if err := os.Rename(w.tmp, w.Path); err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("write %q: %w", w.Path, err)
	}
	return nil
}

// Abort discards the file being written.
func (w *Writer) Abort() {
	w.f.Close()
	os.Remove(w.tmp)
}
