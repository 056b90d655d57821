package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Every output file hvgen writes goes through a temporary file in the same
// directory that is renamed over the target only when it is complete, so a
// failed or interrupted command never leaves a half-written file or clobbers
// the previous one. A target that exists and is not a regular file (a
// device such as /dev/null, a FIFO) is written directly: it cannot be
// replaced and has no contents to lose. A symbolic link is followed, so the
// file it points to is replaced and the link kept.

// writeFileAtomic writes path with write; path changes only if write and
// the final rename succeed.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Discard()
		return err
	}
	return f.Commit()
}

// writeOutput writes one output file, data, through a temporary file and a rename.
func writeOutput(path string, data []byte) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// atomicFile is an output file being written: Commit puts it in place,
// Discard drops it. Either may be called after the other; the second is a
// no-op (so `defer f.Discard()` after a Commit is fine).
type atomicFile struct {
	f      *os.File
	path   string // the target
	direct bool   // writing the target itself (not a regular file)
	done   bool
}

// createAtomic opens a temporary file next to path (so that the directory
// is checked now, before any work is done) that Commit renames to path.
func createAtomic(path string) (*atomicFile, error) {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, err
			}
			return &atomicFile{f: f, path: path, direct: true}, nil
		}
		mode = st.Mode().Perm() // keep the permissions of the file replaced
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, targetError("open", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, targetError("chmod", path, err)
	}
	return &atomicFile{f: f, path: path}, nil
}

// targetError is err about the temporary file said of the target: the
// operation, the target's path and the underlying error (an errno stays
// reachable with errors.Is).
func targetError(op, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// Write writes to the file; an error names the target.
func (f *atomicFile) Write(p []byte) (int, error) {
	n, err := f.f.Write(p)
	if err != nil && !f.direct {
		err = targetError("write", f.path, err)
	}
	return n, err
}

// Commit closes the file and renames it to the target.
func (f *atomicFile) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.f.Close()
	if f.direct {
		return err
	}
	if err != nil {
		err = targetError("write", f.path, err)
	} else if err = os.Rename(f.f.Name(), f.path); err != nil {
		err = targetError("rename", f.path, err)
	}
	if err != nil {
		os.Remove(f.f.Name())
	}
	return err
}

// Discard closes and removes the temporary file; the target is untouched.
func (f *atomicFile) Discard() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	if !f.direct {
		os.Remove(f.f.Name())
	}
}
