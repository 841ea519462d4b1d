package corpus

import (
	"bytes"
	"compress/zlib"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var update = flag.Bool("update", false, "rewrite generated fixtures in testdata")

// makePDF writes a minimal, valid PDF with one page per string, in
// Helvetica, and the given Title metadata (none if empty). Each page string
// may hold several lines separated by "\n"; each line is its own text object.
func makePDF(title string, pages ...string) []byte { return makePDFWith(title, false, pages...) }

// makeBombPDF is a decompression bomb: one page whose Flate-compressed
// content stream shows one sentence n times.
func makeBombPDF(n int) []byte {
	return makePDFWith("Bomb", true, strings.Repeat("The quick brown fox jumps over the lazy dog. ", n))
}

// makePDFWith is makePDF, with the content streams Flate-compressed when
// deflate is set.
func makePDFWith(title string, deflate bool, pages ...string) []byte {
	var objs []string // objs[i] is object i+1
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled in below
	pagesObj := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, page := range pages {
		var content strings.Builder
		y := 720
		for _, line := range strings.Split(page, "\n") {
			esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(line)
			fmt.Fprintf(&content, "BT /F1 12 Tf 72 %d Td (%s) Tj ET\n", y, esc)
			y -= 16
		}
		data, filter := content.String(), ""
		if deflate {
			var z bytes.Buffer
			w := zlib.NewWriter(&z)
			w.Write([]byte(data))
			w.Close()
			data, filter = z.String()+"\n", " /Filter /FlateDecode"
		}
		stream := add(fmt.Sprintf("<< /Length %d%s >>\nstream\n%sendstream", len(data), filter, data))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, stream))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	info := 0
	if title != "" {
		info = add(fmt.Sprintf("<< /Title (%s) /Producer (newsrag test) >>", title))
	}

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R", len(objs)+1, catalog)
	if info != 0 {
		fmt.Fprintf(&b, " /Info %d 0 R", info)
	}
	fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// reportPDF is testdata/formats/report.pdf; go test -run TestPDFFixture
// -update rewrites it.
func reportPDF() []byte {
	return makePDF("A Tiny PDF Report", "Page one says hello.", "Page two says goodbye.")
}

func TestPDFFixture(t *testing.T) {
	const path = "testdata/formats/report.pdf"
	if *update {
		if err := os.WriteFile(path, reportPDF(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, reportPDF()) {
		t.Errorf("%s is out of date: run go test -run TestPDFFixture -update", path)
	}
}

func TestParsePDF(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		title      string
		text       string
		errContain string
	}{
		{"two pages", makePDF("Report", "Page one.", "Page two."), "Report", "Page one.\n\nPage two.", ""},
		{"lines kept", makePDF("", "First line\nSecond line"), "", "First line\nSecond line", ""},
		{"empty page skipped", makePDF("T", "One", "", "Three"), "T", "One\n\nThree", ""},
		{"no text", makePDF("Scan", ""), "Scan", "", ""},
		{"not a PDF", []byte("hello"), "", "", "PDF"},
		{"truncated", makePDF("T", "text")[:200], "", "", "PDF"},
		{"empty", nil, "", "", "PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parsePDF(tt.data, DefaultMaxTextBytes)
			if tt.errContain != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errContain) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errContain)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title || a.Text != tt.text {
				t.Errorf("got title %q text %q, want %q %q", a.Title, a.Text, tt.title, tt.text)
			}
		})
	}
}

// FuzzParsePDF checks that no PDF, however broken, panics the parser.
func FuzzParsePDF(f *testing.F) {
	f.Add(reportPDF())
	f.Add(makePDF("", "a\nb", "c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parsePDF(data, DefaultMaxTextBytes)
	})
}

// TestPDFBomb: a small PDF whose streams inflate to megabytes of text is
// skipped, quickly, with a reason; the rest of the corpus loads.
func TestPDFBomb(t *testing.T) {
	bomb := makeBombPDF(100_000) // 14 KB of file, 4.5 MB of text
	tests := []struct {
		name    string
		maxText int
		reason  string
	}{
		{"text over the limit", 0, "too much text"},
		{"content over the limit", 64 << 10, "decompression bomb"},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{
			"bomb.pdf":   {Data: bomb},
			"report.pdf": {Data: reportPDF()},
		}
		start := time.Now()
		res, err := LoadFS(t.Context(), fsys, LoadOptions{MaxTextBytes: tt.maxText})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: loading took %s", tt.name, took)
		}
		if len(res.Articles) != 1 || res.Articles[0].ID != "report" {
			t.Errorf("%s: articles %v, want report only", tt.name, res.Articles)
		}
		if len(res.Skipped) != 1 || res.Skipped[0].Path != "bomb.pdf" || !strings.Contains(res.Skipped[0].Reason, tt.reason) {
			t.Errorf("%s: skipped %+v, want bomb.pdf: %s", tt.name, res.Skipped, tt.reason)
		}
	}
}
