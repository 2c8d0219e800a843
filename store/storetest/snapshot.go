package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// snapshotStore is what the story engine's snapshots need of a store.
type snapshotStore interface {
	WriteSnapshot(ctx context.Context, name string, version int, fingerprint string, write func(w io.Writer) error) (int64, error)
	ReadSnapshot(ctx context.Context, name string, read func(version int, fingerprint string, created time.Time, r io.Reader) error) error
}

// testSnapshots: a snapshot of several chunks reads back byte for byte; a
// failed write leaves the previous one in use; a reader of a snapshot
// replaced meanwhile gets ENOTFOUND and reads the new one; names are
// separate.
func testSnapshots(t *testing.T, store digest.Store) {
	s, ok := store.(snapshotStore)
	if !ok {
		t.Fatalf("%T does not store snapshots", store)
	}
	ctx := context.Background()
	data := func(n int, seed uint64) []byte {
		b := make([]byte, n)
		r := rand.New(rand.NewPCG(seed, 1))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	write := func(name string, b []byte) {
		t.Helper()
		n, err := s.WriteSnapshot(ctx, name, 3, "fp-"+name, func(w io.Writer) error {
			// In uneven pieces, as an encoder writes.
			for p := b; len(p) > 0; {
				k := min(len(p), 1+len(p)%777_777)
				if _, err := w.Write(p[:k]); err != nil {
					return err
				}
				p = p[k:]
			}
			return nil
		})
		if err != nil || n != int64(len(b)) {
			t.Fatalf("wrote %d bytes of %d: %v", n, len(b), err)
		}
	}
	type info struct {
		version     int
		fingerprint string
		created     time.Time
	}
	read := func(name string) ([]byte, info, error) {
		var got []byte
		var in info
		err := s.ReadSnapshot(ctx, name, func(version int, fingerprint string, created time.Time, r io.Reader) error {
			in = info{version, fingerprint, created}
			var err error
			got, err = io.ReadAll(r)
			return err
		})
		return got, in, err
	}
	if _, _, err := read("engine"); !digest.IsNotFound(err) {
		t.Fatalf("no snapshot yet: %v, want ENOTFOUND", err)
	}
	first := data(2*sqlstore.SnapshotChunk+12345, 1)
	write("engine", first)
	got, in, err := read("engine")
	if err != nil || !bytes.Equal(got, first) {
		t.Fatalf("read back %d bytes of %d: %v", len(got), len(first), err)
	}
	if in.version != 3 || in.fingerprint != "fp-engine" || time.Since(in.created) > time.Hour {
		t.Fatalf("read %+v", in)
	}

	boom := errors.New("encoder failed")
	_, err = s.WriteSnapshot(ctx, "engine", 3, "fp", func(w io.Writer) error {
		if _, err := w.Write(data(sqlstore.SnapshotChunk+1, 2)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed write: %v", err)
	}
	if got, _, err := read("engine"); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("after a failed write: %d bytes, %v", len(got), err)
	}

	// A reader of a snapshot replaced meanwhile is told so.
	second := data(1000, 3)
	err = s.ReadSnapshot(ctx, "engine", func(_ int, _ string, _ time.Time, r io.Reader) error {
		head := make([]byte, 10)
		if _, err := io.ReadFull(r, head); err != nil {
			return err
		}
		write("engine", second)
		_, err := io.ReadAll(r)
		return err
	})
	if !digest.IsNotFound(err) {
		t.Fatalf("reading a replaced snapshot: %v, want ENOTFOUND", err)
	}
	if got, _, err := read("engine"); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("after the replacement: %d bytes, %v", len(got), err)
	}
	third := []byte{}
	write("engine", third)
	write("other", second)
	if got, _, err := read("engine"); err != nil || len(got) != 0 {
		t.Fatalf("empty snapshot: %d bytes, %v", len(got), err)
	}
	if got, _, err := read("other"); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("other name: %d bytes, %v", len(got), err)
	}
}
