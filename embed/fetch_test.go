package embed

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFiles are the dist/ files of the fake model tarballs.
var fakeFiles = map[string]string{
	"model.json":       `{"weightsManifest":[]}`,
	"vocab.json":       `[["x",0]]`,
	"group1-shard1of1": "weights",
}

// fakeTarball builds a gzipped npm-style tarball holding fakeFiles under
// package/dist/ plus files outside it, and returns it with its integrity.
func fakeTarball(t testing.TB) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add("package/package.json", `{"name":"fake"}`)
	for name, body := range fakeFiles {
		add(distPrefix+name, body)
	}
	add(distPrefix+"../escape", "nope")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(buf.Bytes())
	return buf.Bytes(), "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// registry serves body at the tarball path and counts requests.
func registry(t *testing.T, status int, body []byte) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/"+modelTarPath {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestPull(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	_, otherIntegrity := func() ([]byte, string) {
		sum := sha512.Sum512([]byte("something else"))
		return nil, "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
	}()
	tests := []struct {
		name      string
		status    int
		body      []byte
		integrity string
		offline   bool
		wantErr   []string // substrings of the error; nil means success
	}{
		{name: "good", status: 200, body: tgz, integrity: integrity},
		{name: "wrong hash", status: 200, body: tgz, integrity: otherIntegrity, wantErr: []string{"integrity mismatch", EnvModelDir}},
		{name: "truncated", status: 200, body: tgz[:len(tgz)/2], integrity: integrity, wantErr: []string{"could not be fetched"}},
		{name: "not found", status: 404, body: []byte("not found"), integrity: integrity, wantErr: []string{"404", modelPackage}},
		{name: "offline", offline: true, integrity: integrity, wantErr: []string{modelPackage, modelTarPath, EnvModelDir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := registry(t, tt.status, tt.body)
			if tt.offline {
				srv.Close()
			}
			dir := filepath.Join(t.TempDir(), "model")
			got, err := Pull(context.Background(), ModelConfig{Dir: dir, RegistryURL: srv.URL, integrity: tt.integrity})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Pull: %v", err)
				}
				if got != dir {
					t.Errorf("Pull returned %q, want %q", got, dir)
				}
				for name, body := range fakeFiles {
					b, err := os.ReadFile(filepath.Join(dir, name))
					if err != nil || string(b) != body {
						t.Errorf("%s = %q, %v; want %q", name, b, err, body)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
					t.Error("unpacked a file outside dist/")
				}
				assertNoLeftovers(t, filepath.Dir(dir), 1)
				return
			}
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrModelUnavailable) {
				t.Errorf("error %v is not ErrModelUnavailable", err)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("model directory exists after a failed pull (stat err %v)", err)
			}
			assertNoLeftovers(t, filepath.Dir(dir), 0)
		})
	}
}

// assertNoLeftovers checks that parent holds exactly want entries (no
// temporary directories or files).
func assertNoLeftovers(t *testing.T, parent string, want int) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != want {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want %d entries", parent, names, want)
	}
}

func TestPullUsesValidCacheAndRepairsTampered(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, hits := registry(t, 200, tgz)
	dir := filepath.Join(t.TempDir(), "model")
	cfg := ModelConfig{Dir: dir, RegistryURL: srv.URL, integrity: integrity}
	ctx := context.Background()

	if _, err := Pull(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("registry hit %d times for two pulls, want 1 (cache reused)", n)
	}

	for _, tamper := range []struct {
		name string
		do   func() error
	}{
		{"modified file", func() error { return os.WriteFile(filepath.Join(dir, "vocab.json"), []byte(`[["evil",0]]`), 0o644) }},
		{"deleted file", func() error { return os.Remove(filepath.Join(dir, "model.json")) }},
		{"deleted manifest", func() error { return os.Remove(filepath.Join(dir, manifestFile)) }},
	} {
		t.Run(tamper.name, func(t *testing.T) {
			if err := tamper.do(); err != nil {
				t.Fatal(err)
			}
			if err := verifyDir(dir, integrity); err == nil {
				t.Fatal("verifyDir accepted a tampered cache")
			}
			before := hits.Load()
			if _, err := Pull(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != before+1 {
				t.Error("tampered cache was not refetched")
			}
			if err := verifyDir(dir, integrity); err != nil {
				t.Errorf("after refetch: %v", err)
			}
		})
	}

	// A different pinned integrity (a new model version) invalidates the cache.
	if err := verifyDir(dir, "sha512-other"); err == nil {
		t.Error("verifyDir accepted a cache unpacked from another tarball")
	}
}

func TestPullFromLocalTarball(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, hits := registry(t, 200, tgz)
	srv.Close() // offline
	dir := filepath.Join(t.TempDir(), "model")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, modelTarball), tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(context.Background(), ModelConfig{Dir: dir, RegistryURL: srv.URL, integrity: integrity}); err != nil {
		t.Fatalf("Pull from local tarball: %v", err)
	}
	if hits.Load() != 0 {
		t.Error("registry was contacted")
	}
	if _, err := os.Stat(filepath.Join(dir, modelTarball)); err != nil {
		t.Errorf("local tarball not kept: %v", err)
	}
	if err := verifyDir(dir, integrity); err != nil {
		t.Error(err)
	}
}

func TestModelConfigDefaults(t *testing.T) {
	c, err := ModelConfig{Dir: "/models/here", RegistryURL: "http://mirror.example/npm"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != "/models/here" || c.RegistryURL != "http://mirror.example/npm" || c.HTTPClient == nil || c.integrity != modelIntegrity {
		t.Errorf("given settings not kept: %+v", c)
	}
	if got, want := c.tarballURL(), "http://mirror.example/npm/"+modelTarPath; got != want {
		t.Errorf("tarballURL = %q, want %q", got, want)
	}

	// The environment is the caller's business: it does not leak in.
	t.Setenv(EnvModelDir, "/from/the/environment")
	c, err = ModelConfig{}.withDefaults()
	if err != nil {
		t.Skipf("no user cache dir: %v", err)
	}
	if !strings.HasSuffix(c.Dir, filepath.Join("newsrag", "models", "model-embeddings-en@0.2.0")) || c.RegistryURL != DefaultRegistryURL {
		t.Errorf("defaults: %+v", c)
	}
}

func TestPullRefusesForeignDir(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, _ := registry(t, 200, tgz)
	dir := t.TempDir()
	precious := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(precious, []byte("years of work"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Pull(context.Background(), ModelConfig{Dir: dir, RegistryURL: srv.URL, integrity: integrity})
	if err == nil || !strings.Contains(err.Error(), "not replacing") {
		t.Fatalf("Pull into a foreign directory: %v", err)
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "years of work" {
		t.Fatalf("foreign file lost: %q, %v", b, err)
	}
	assertNoLeftovers(t, filepath.Dir(dir), 1)
}

func TestPullProgress(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, _ := registry(t, 200, tgz)
	var buf bytes.Buffer
	dir := filepath.Join(t.TempDir(), "model")
	if _, err := Pull(context.Background(), ModelConfig{Dir: dir, RegistryURL: srv.URL, Progress: &buf, integrity: integrity}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "downloading "+srv.URL) || !strings.Contains(buf.String(), "downloaded") {
		t.Errorf("progress on a non-terminal = %q, want start and end lines", buf.String())
	}
}

func TestPullRemovesStaleTemporaries(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, _ := registry(t, 200, tgz)
	parent := t.TempDir()
	stale := filepath.Join(parent, ".model.tmp-123")
	fresh := filepath.Join(parent, ".model.tmp-456")
	for _, d := range []string{stale, fresh} {
		if err := os.MkdirAll(filepath.Join(d, "half"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(context.Background(), ModelConfig{Dir: filepath.Join(parent, "model"), RegistryURL: srv.URL, integrity: integrity}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale temporary directory not removed")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("recent temporary directory removed (it may belong to a running fetch)")
	}
}

func TestPullConcurrent(t *testing.T) {
	tgz, integrity := fakeTarball(t)
	srv, hits := registry(t, 200, tgz)
	cfg := ModelConfig{Dir: filepath.Join(t.TempDir(), "model"), RegistryURL: srv.URL, integrity: integrity}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := Pull(context.Background(), cfg)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("4 concurrent pulls downloaded %d times, want 1", n)
	}
}

// TestReadVerifiedPinned checks that a cache claiming to be the published
// model must hold exactly its files, even with a self-consistent manifest.
func TestReadVerifiedPinned(t *testing.T) {
	dir := t.TempDir()
	body := []byte(`{"weightsManifest":[]}`)
	sum := sha256.Sum256(body)
	if err := os.WriteFile(filepath.Join(dir, "model.json"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest{Integrity: modelIntegrity, Files: map[string]string{"model.json": hex.EncodeToString(sum[:])}}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verifyDir(dir, modelIntegrity); err == nil || !strings.Contains(err.Error(), "published files") {
		t.Errorf("verifyDir accepted a forged manifest: %v", err)
	}
	// The same directory passes as a test model with its own integrity.
	m.Integrity = "sha512-test"
	b, _ = json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verifyDir(dir, "sha512-test"); err != nil {
		t.Error(err)
	}
}

// FuzzUnpack feeds arbitrary bytes to the tarball reader: it must fail
// cleanly (or, for a real tarball, succeed) and never write outside dir.
func FuzzUnpack(f *testing.F) {
	tgz, _ := fakeTarball(f)
	f.Add(tgz)
	f.Add(tgz[:len(tgz)/3])
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "d")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		sum := sha512.Sum512(data)
		unpackVerified(bytes.NewReader(data), dir, "sha512-"+base64.StdEncoding.EncodeToString(sum[:]))
		entries, _ := os.ReadDir(parent)
		if len(entries) != 1 {
			t.Fatalf("unpack wrote outside its directory: %v", entries)
		}
	})
}

func TestOpenVerified(t *testing.T) {
	dir := t.TempDir()
	body := []byte("weights")
	if err := os.WriteFile(filepath.Join(dir, "w"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	for _, tt := range []struct {
		hash    string
		wantErr bool
	}{
		{hex.EncodeToString(sum[:]), false},
		{strings.Repeat("0", 64), true},
	} {
		f, err := openVerified(dir, "w", manifest{Files: map[string]string{"w": tt.hash}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(f)
		f.Close()
		if (err != nil) != tt.wantErr {
			t.Errorf("hash %.8s…: ReadAll error %v, want error %v", tt.hash, err, tt.wantErr)
		}
		if !tt.wantErr && string(got) != "weights" {
			t.Errorf("read %q", got)
		}
	}
	if _, err := openVerified(dir, "other", manifest{Files: map[string]string{}}); err == nil {
		t.Error("opened a file not in the manifest")
	}
}
