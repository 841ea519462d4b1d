package rag

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/embed"
)

// The index file format, version 1:
//
//	magic     "NEWSRAGX" (8 bytes)
//	version   uint32, little endian
//	metaLen   uint64, then metaLen bytes of gob-encoded fileMeta
//	vecLen    uint64, then vecLen float32 values, little endian
//	checksum  uint32: CRC-32C of every byte before it
//
// Files are written to a temporary file in the same directory, synced and
// renamed over the old one, so a crash leaves either the old index or the
// new one, never a mix.
const (
	fileMagic   = "NEWSRAGX"
	fileVersion = 1
)

// beforeRename runs between writing the temporary file and renaming it over
// the index. Tests replace it to crash a child process at that point.
var beforeRename = func(tmpPath string) {}

// IndexFileName is the index's file name inside a data directory.
const IndexFileName = "index.nrx"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileMeta is everything but the vectors.
type fileMeta struct {
	Fingerprint embed.Fingerprint
	Chunking    ChunkConfig
	// Chunker and Analyzer are the versions of the chunking and of the
	// text analysis the index was built with. Chunks of another chunker
	// are re-made at the next ingest; term bags of another analyzer are
	// re-made when the file is loaded.
	Chunker  string
	Analyzer string
	BuiltAt  time.Time
	Articles []corpus.Article
	Chunks   []Chunk
	Dim      int
	Vocab    []string
	// Bags flattened: chunk i's terms are BagTerms[BagEnds[i-1]:BagEnds[i]].
	BagEnds  []uint32
	BagTerms []uint32
	BagTFs   []uint32
}

// LockFileName is the lock file in a data directory. Save holds an
// exclusive lock on it (flock(2) on Unix) while it writes and renames, so
// that two processes saving at once take turns.
const LockFileName = ".index.lock"

// Save writes the index to path atomically: a temporary file in the same
// directory is written, synced and renamed over path. Writers in other
// processes wait for each other (see LockFileName); the last one wins.
func (ix *Index) Save(path string) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	dirLock := flock.New(filepath.Join(dir, LockFileName))
	if err := dirLock.Lock(); err != nil {
		return fmt.Errorf("save index: lock %s: %w", dir, err)
	}
	defer dirLock.Unlock()
	removeStaleTemps(dir)
	tmp, err := os.CreateTemp(dir, ".index-*.tmp")
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	// The temporary file is locked too while it exists, so that no cleaner
	// takes it for a crashed writer's.
	tmpLock := flock.New(tmp.Name(), flock.SetFlag(os.O_RDONLY))
	if err := tmpLock.Lock(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save index: lock %s: %w", tmp.Name(), err)
	}
	defer tmpLock.Unlock()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := ix.write(tmp); err != nil {
		return fmt.Errorf("save index: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save index: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save index: close: %w", err)
	}
	beforeRename(tmp.Name())
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// removeStaleTemps removes the temporary files that crashed writers left in
// dir: those no process holds a lock on.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".index-*.tmp"))
	for _, f := range stale {
		l := flock.New(f, flock.SetFlag(os.O_RDONLY))
		if ok, err := l.TryLock(); err == nil && ok {
			os.Remove(f)
			l.Unlock()
		}
	}
}

// write encodes the index to w in the file format.
func (ix *Index) write(w io.Writer) error {
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	meta := fileMeta{
		Fingerprint: ix.fingerprint,
		Chunking:    ix.chunking,
		Chunker:     ix.chunker,
		Analyzer:    analyzerVersion,
		BuiltAt:     ix.builtAt,
		Articles:    ix.articles,
		Chunks:      ix.chunks,
		Dim:         ix.dim,
		Vocab:       ix.vocab,
		BagEnds:     make([]uint32, len(ix.bags)),
	}
	for i, bag := range ix.bags {
		for _, tf := range bag {
			meta.BagTerms = append(meta.BagTerms, tf.Term)
			meta.BagTFs = append(meta.BagTFs, tf.TF)
		}
		meta.BagEnds[i] = uint32(len(meta.BagTerms))
	}
	var mb bytes.Buffer
	if err := gob.NewEncoder(&mb).Encode(&meta); err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	var hdr []byte
	hdr = append(hdr, fileMagic...)
	hdr = binary.LittleEndian.AppendUint32(hdr, fileVersion)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(mb.Len()))
	bw.Write(hdr)
	bw.Write(mb.Bytes())
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(len(ix.vectors)))
	bw.Write(buf[:])
	// The vectors are written from the chunk documents, in chunk order.
	for i := range ix.chunks {
		doc, err := ix.document(uint32(i))
		if err != nil {
			return err
		}
		if len(doc.Embedding) != ix.dim {
			return fmt.Errorf("chunk %s has a %d-d vector, want %d", doc.ID, len(doc.Embedding), ix.dim)
		}
		for _, v := range doc.Embedding {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			bw.Write(buf[:4])
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(buf[:4], crc.Sum32())
	_, err := w.Write(buf[:4])
	return err
}

// Load reads an index file written by Save. A missing file is reported as
// fs.ErrNotExist; a truncated, corrupted or unknown-version file as
// ErrIndexCorrupt. The whole file is checked before anything is used.
func Load(ctx context.Context, path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	ix, err := decode(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("load index %s: %w", path, err)
	}
	return ix, nil
}

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrIndexCorrupt, fmt.Sprintf(format, a...))
}

// decode parses and verifies an index file's bytes.
func decode(ctx context.Context, data []byte) (*Index, error) {
	const hdrLen = len(fileMagic) + 4 + 8
	if len(data) < hdrLen+8+4 {
		return nil, corrupt("file is %d bytes, too short to be an index", len(data))
	}
	if string(data[:len(fileMagic)]) != fileMagic {
		return nil, corrupt("not a newsrag index file")
	}
	if v := binary.LittleEndian.Uint32(data[len(fileMagic):]); v != fileVersion {
		return nil, corrupt("format version %d, this newsrag reads version %d", v, fileVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, corrupt("checksum mismatch (truncated or corrupted)")
	}
	metaLen := binary.LittleEndian.Uint64(data[len(fileMagic)+4:])
	if metaLen > uint64(len(body)-hdrLen-8) {
		return nil, corrupt("metadata length %d overruns the file", metaLen)
	}
	var meta fileMeta
	if err := gob.NewDecoder(bytes.NewReader(body[hdrLen : hdrLen+int(metaLen)])).Decode(&meta); err != nil {
		return nil, corrupt("decode metadata: %v", err)
	}
	rest := body[hdrLen+int(metaLen):]
	nvec := binary.LittleEndian.Uint64(rest)
	rest = rest[8:]
	if nvec*4 != uint64(len(rest)) || (meta.Dim > 0 && int(nvec) != meta.Dim*len(meta.Chunks)) {
		return nil, corrupt("vector block holds %d bytes for %d chunks of %d dimensions", len(rest), len(meta.Chunks), meta.Dim)
	}
	if len(meta.BagEnds) != len(meta.Chunks) || len(meta.BagTerms) != len(meta.BagTFs) {
		return nil, corrupt("term bags do not match the chunks")
	}
	ix := &Index{
		fingerprint: meta.Fingerprint,
		chunking:    meta.Chunking,
		chunker:     meta.Chunker,
		builtAt:     meta.BuiltAt,
		articles:    meta.Articles,
		byID:        make(map[string]int, len(meta.Articles)),
		chunks:      meta.Chunks,
		chunkArt:    make([]uint32, len(meta.Chunks)),
		dim:         meta.Dim,
		vectors:     make([]float32, nvec),
		vocab:       meta.Vocab,
		bags:        make([][]TermFreq, len(meta.Chunks)),
		outlets:     outletWords(meta.Articles),
	}
	for i := range ix.vectors {
		ix.vectors[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
	}
	for i, a := range ix.articles {
		ix.byID[a.ID] = i
	}
	flat := make([]TermFreq, len(meta.BagTerms))
	var lo uint32
	for i, c := range ix.chunks {
		ai, ok := ix.byID[c.ArticleID]
		if !ok {
			return nil, corrupt("chunk %s names an unknown article", c.ID)
		}
		if c.Start < 0 || c.End < c.Start || c.End > len(ix.articles[ai].Text) {
			return nil, corrupt("chunk %s has offsets outside its article", c.ID)
		}
		ix.chunkArt[i] = uint32(ai)
		hi := meta.BagEnds[i]
		if hi < lo || int(hi) > len(flat) {
			return nil, corrupt("term bag of chunk %s is out of range", c.ID)
		}
		for k := lo; k < hi; k++ {
			if int(meta.BagTerms[k]) >= len(ix.vocab) {
				return nil, corrupt("term id out of range")
			}
			flat[k] = TermFreq{meta.BagTerms[k], meta.BagTFs[k]}
		}
		ix.bags[i] = flat[lo:hi:hi]
		lo = hi
	}
	if meta.Analyzer != analyzerVersion {
		ix.reanalyze()
	}
	if err := ix.finish(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// reanalyze re-makes the term bags and vocabulary from the chunks' text,
// for an index written by another version of the analyzer.
func (ix *Index) reanalyze() {
	a := NewAnalyzer()
	vocab := map[string]uint32{}
	for i, c := range ix.chunks {
		art := ix.articles[ix.chunkArt[i]]
		ix.bags[i] = bagOf(a, vocab, art.Title, art.Text[c.Start:c.End])
	}
	ix.vocab = make([]string, len(vocab))
	for t, id := range vocab {
		ix.vocab[id] = t
	}
}

// IsNotExist reports whether err says the index file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
