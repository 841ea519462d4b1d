package corpus

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestLoadFormats(t *testing.T) {
	res, err := Load(t.Context(), "testdata/formats", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Article{}
	for _, a := range res.Articles {
		got[a.ID] = a
	}
	tests := []struct {
		id   string
		want Article
	}{
		{"frontmatter", Article{
			Path:      "frontmatter.md",
			Title:     "Kabul falls: the final days",
			Outlet:    "Example Times",
			Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC),
			URL:       "https://example.com/kabul",
			Author:    "Jane Doe",
			Text:      "First paragraph of the *article*.\n\nSecond paragraph, with [a link](https://example.com).",
		}},
		{"aliases", Article{
			Path:      "aliases.markdown",
			Title:     "Aliases",
			Outlet:    "Wire Service",
			Published: time.Date(2025, 3, 3, 8, 30, 0, 0, time.UTC),
			Text:      "Body text.",
		}},
		{"heading", Article{
			Path:  "heading.md",
			Title: "The Heading Title",
			Text:  "Some intro line.\n\n# The Heading Title\n\nBody under the heading.",
		}},
		{"plain", Article{
			Path:  "plain.md",
			Title: "plain",
			Text:  "Just text, with no front matter and no heading.\n\n## A second-level heading is not a title",
		}},
		{"notes", Article{
			Path:  "notes.txt",
			Title: "Plain Text Headline",
			Text:  "The first paragraph of the plain-text article.\n\nThe second paragraph.",
		}},
		{"nested/deep/article", Article{
			Path:  "nested/deep/article.md",
			Title: "Nested",
			Text:  "Nested body.",
		}},
		{"page", Article{
			Path:      "page.html",
			Title:     "Drone strikes deep inside Russia",
			Outlet:    "Example News",
			Author:    "Ann Reporter",
			URL:       "https://example.com/news/drones",
			Published: time.Date(2025, 3, 6, 10, 15, 0, 0, time.UTC),
			Text:      "Ukraine's long-range drones target oil refineries, ammunition depots and airfields deep inside Russia, a senior commander said.\n\nThe commander said production of the drones would more than quadruple this year, to more than 2,000 a month.\n\nA third paragraph, with a link to another story, ends the article.",
		}},
		{"report", Article{
			Path:  "report.pdf",
			Title: "A Tiny PDF Report",
			Text:  "Page one says hello.\n\nPage two says goodbye.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			a, ok := got[tt.id]
			if !ok {
				t.Fatalf("article %q not loaded; skipped: %v", tt.id, res.Skipped)
			}
			if a.Hash == "" {
				t.Error("no hash")
			}
			tt.want.ID, tt.want.Hash = tt.id, a.Hash
			if !a.Published.Equal(tt.want.Published) {
				t.Errorf("Published = %v, want %v", a.Published, tt.want.Published)
			}
			a.Published, tt.want.Published = time.Time{}, time.Time{}
			if !reflect.DeepEqual(a, tt.want) {
				t.Errorf("got  %#v\nwant %#v", a, tt.want)
			}
		})
	}
	if len(res.Articles) != len(tests) {
		t.Errorf("loaded %d articles, want %d", len(res.Articles), len(tests))
	}
	wantSkipped := []Skipped{{Path: "report.docx", Reason: "unsupported format .docx (convert it to .md, .txt, .html or .pdf)"}}
	if len(res.Skipped) != len(wantSkipped) || res.Skipped[0] != wantSkipped[0] {
		t.Errorf("Skipped = %v, want %v", res.Skipped, wantSkipped)
	}
}

func TestLoadBadFiles(t *testing.T) {
	tests := []struct {
		name, content, reason string
	}{
		{"broken.md", "---\ntitle: [unclosed\n---\nbody\n", "front matter:"},
		{"unclosed.md", "---\ntitle: Never closed\n\nbody\n", `no closing "---"`},
		{"wrongtype.md", "---\ntitle:\n  nested: map\n---\nbody\n", "front matter:"},
		{"list.md", "---\n- a\n- b\n---\nbody\n", "front matter:"},
		{"baddate.md", "---\ntitle: T\npublished: last Tuesday\n---\nbody\n", `published: "last Tuesday" is not a date`},
		{"baddate2.md", "---\ntitle: T\ndate: 2021-13-45\n---\nbody\n", "date:"},
		{"binary.md", "title\x00\x01\x02 binary", "binary content"},
		{"binary.txt", "Title\n\x00\x00\x00", "binary content"},
		{"latin1.txt", "Caf\xe9 au lait\n\nSome text.", "invalid UTF-8"},
		{"latin1.md", "# Caf\xe9\n\nSome text.", "invalid UTF-8"},
		{"binary.html", "<p>a\x00b</p>", "binary content"},
		{"script-only.html", "<title>T</title><script>x()</script>", "no text"},
		{"garbage.pdf", "%PDF-1.4\nnot really", "PDF"},
		{"empty.md", "", "no text"},
		{"blank.txt", " \n\t\n  \n", "empty file"},
		{"onlyfrontmatter.md", "---\ntitle: No body\n---\n\n  \n", "no text"},
		{"titleonly.txt", "Just a title\n", "no text"},
	}
	fsys := fstest.MapFS{}
	for _, tt := range tests {
		fsys[tt.name] = &fstest.MapFile{Data: []byte(tt.content)}
	}
	fsys["good.md"] = &fstest.MapFile{Data: []byte("# Good\n\ntext")}
	res, err := LoadFS(t.Context(), fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 1 || res.Articles[0].ID != "good" {
		t.Errorf("Articles = %v, want only good", res.Articles)
	}
	reasons := map[string]string{}
	for _, s := range res.Skipped {
		reasons[s.Path] = s.Reason
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, ok := reasons[tt.name]
			if !ok {
				t.Fatalf("not skipped")
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", reason, tt.reason)
			}
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.md")
	if err := os.WriteFile(big, []byte("# Big\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 50<<20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.md"), []byte("# Small\n\ntext\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		max     int64
		skipped bool
	}{
		{"default limit", 0, true},
		{"explicit limit", 1 << 10, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Load(t.Context(), dir, LoadOptions{MaxFileSize: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Articles) != 1 || res.Articles[0].ID != "small" {
				t.Errorf("Articles = %v, want only small", res.Articles)
			}
			if len(res.Skipped) != 1 || res.Skipped[0].Path != "big.md" || !strings.HasPrefix(res.Skipped[0].Reason, "too large") {
				t.Errorf("Skipped = %v, want big.md too large", res.Skipped)
			}
		})
	}
}

// errFS is a file system in which some files cannot be opened.
type errFS struct {
	fstest.MapFS
	bad map[string]bool
}

func (f errFS) Open(name string) (fs.File, error) {
	if f.bad[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.MapFS.Open(name)
}

func TestLoadUnreadable(t *testing.T) {
	fsys := errFS{
		MapFS: fstest.MapFS{
			"locked.md": {Data: []byte("# Locked\n\ntext")},
			"open.md":   {Data: []byte("# Open\n\ntext")},
		},
		bad: map[string]bool{"locked.md": true},
	}
	res, err := LoadFS(t.Context(), fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 1 || res.Articles[0].ID != "open" {
		t.Errorf("Articles = %v, want only open", res.Articles)
	}
	want := Skipped{Path: "locked.md", Reason: "unreadable: permission denied"}
	if len(res.Skipped) != 1 || res.Skipped[0] != want {
		t.Errorf("Skipped = %v, want %v", res.Skipped, want)
	}
}

func TestLoadUnreadableOnDisk(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read any file")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.md")
	if err := os.WriteFile(p, []byte("# Locked\n\ntext"), 0o000); err != nil {
		t.Fatal(err)
	}
	res, err := Load(t.Context(), dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || !strings.HasPrefix(res.Skipped[0].Reason, "unreadable") {
		t.Errorf("Skipped = %v, want locked.md unreadable", res.Skipped)
	}
}

func TestLoadDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file.md")
	if err := os.WriteFile(file, []byte("# F\n\ntext"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, dir string }{
		{"missing", filepath.Join(t.TempDir(), "nope")},
		{"not a directory", file},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if res, err := Load(t.Context(), tt.dir, LoadOptions{}); err == nil {
				t.Errorf("Load(%s) = %v, want error", tt.dir, res)
			}
		})
	}
}

func TestLoadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Load(ctx, "testdata/formats", LoadOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestLoadProgress(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md":     {Data: []byte("a")},
		"b.txt":    {Data: []byte("B\n\nb")},
		"c.md":     {Data: []byte("\x00")},
		"skip.png": {Data: []byte("png")},
	}
	var calls [][2]int
	_, err := LoadFS(t.Context(), fsys, LoadOptions{Progress: func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 3}, {1, 3}, {2, 3}, {3, 3}}
	if len(calls) != len(want) {
		t.Fatalf("Progress calls = %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("Progress calls = %v, want %v", calls, want)
		}
	}
}

func TestIDs(t *testing.T) {
	fsys := fstest.MapFS{
		"Top.MD":              {Data: []byte("x")},
		"a.b.md":              {Data: []byte("x")},
		"world/2021/kabul.md": {Data: []byte("x")},
		"world/notes.txt":     {Data: []byte("T\nx")},
		"same.md":             {Data: []byte("x")},
		"same.txt":            {Data: []byte("T\nx")},
	}
	res, err := LoadFS(t.Context(), fsys, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range res.Articles {
		ids = append(ids, a.ID+"="+a.Path)
	}
	want := "Top=Top.MD a.b=a.b.md same=same.md world/2021/kabul=world/2021/kabul.md world/notes=world/notes.txt"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("IDs:\n got %s\nwant %s", got, want)
	}
	wantSkipped := Skipped{Path: "same.txt", Reason: `duplicate ID "same" (same.md has it)`}
	if len(res.Skipped) != 1 || res.Skipped[0] != wantSkipped {
		t.Errorf("Skipped = %v, want %v", res.Skipped, wantSkipped)
	}
}

func TestHash(t *testing.T) {
	base := Article{
		ID: "x", Path: "x.md", Title: "T", Outlet: "O", URL: "https://example.com",
		Author: "A", Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC), Text: "text",
	}
	h := computeHash(base)
	if len(h) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", h)
	}
	tests := []struct {
		name   string
		change func(*Article)
		same   bool
	}{
		{"nothing", func(*Article) {}, true},
		{"ID and path", func(a *Article) { a.ID, a.Path = "y", "y.txt" }, true},
		{"text", func(a *Article) { a.Text = "text!" }, false},
		{"title", func(a *Article) { a.Title = "T2" }, false},
		{"outlet", func(a *Article) { a.Outlet = "O2" }, false},
		{"published", func(a *Article) { a.Published = a.Published.AddDate(0, 0, 1) }, false},
		{"no published", func(a *Article) { a.Published = time.Time{} }, false},
		{"url", func(a *Article) { a.URL = "https://example.org" }, false},
		{"author", func(a *Article) { a.Author = "" }, false},
		{"field boundary", func(a *Article) { a.Title, a.Outlet = "TO", "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			tt.change(&a)
			if got := computeHash(a) == h; got != tt.same {
				t.Errorf("hash unchanged = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestHashFromFiles(t *testing.T) {
	load := func(content string) string {
		res, err := LoadFS(t.Context(), fstest.MapFS{"a.md": {Data: []byte(content)}}, LoadOptions{})
		if err != nil || len(res.Articles) != 1 {
			t.Fatalf("load: %v %v", err, res)
		}
		return res.Articles[0].Hash
	}
	base := load("---\ntitle: T\n---\nBody\n")
	if load("---\ntitle: T\n---\r\nBody  \r\n\r\n") != base {
		t.Error("hash changed with line endings and trailing whitespace")
	}
	if load("---\ntitle: T\n---\nBody.\n") == base {
		t.Error("hash unchanged when the text changed")
	}
	if load("---\ntitle: T\noutlet: O\n---\nBody\n") == base {
		t.Error("hash unchanged when the metadata changed")
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"crlf", "a\r\nb\r\n", "a\nb"},
		{"lone cr", "a\rb", "a\nb"},
		{"trailing whitespace", "a  \t\nb\u00a0\n", "a\nb"},
		{"paragraphs kept", "a\n\n\nb\n\nc", "a\n\n\nb\n\nc"},
		{"leading blank lines", "\n  \n\na", "a"},
		{"indentation kept", "  a\n    b", "  a\n    b"},
		{"bom", "\ufeffa", "a"},
		{"markup kept", "*a* [b](c) `d`", "*a* [b](c) `d`"},
		{"subscript joined", "The two forms of liquid and solid O\n2 are clear substances", "The two forms of liquid and solid O2 are clear substances"},
		{"subscript ends sentence", "It is released as the gas CO\n2.\n\nNext.", "It is released as the gas CO2.\n\nNext."},
		{"subscript in parenthesis", "The form called trioxygen, or ozone (O\n3) is reactive", "The form called trioxygen, or ozone (O3) is reactive"},
		{"symbols after the subscript", "The crust holds aluminium oxide Al\n2O\n3, in bauxite", "The crust holds aluminium oxide Al2O3, in bauxite"},
		{"two symbols", "found in rocks as silica, SiO\n2, as found in granite", "found in rocks as silica, SiO2, as found in granite"},
		{"list item kept", "The plan has two parts, A and B\n2. The second part", "The plan has two parts, A and B\n2. The second part"},
		{"heading kept", "Part B\n2 are missing", "Part B\n2 are missing"},
		{"acronym kept", "Troops were sent under the command of NATO\n2 days later", "Troops were sent under the command of NATO\n2 days later"},
		{"paren outside formula", "The options are listed as follows, see (A\n2) below", "The options are listed as follows, see (A2) below"},
		{"number of three digits kept", "He was elected to the House of Commons in the poll for Z\n100 votes", "He was elected to the House of Commons in the poll for Z\n100 votes"},
		{"line after a subscript", "The capsule was pressurised with pure O\n2 or O\n3 gas", "The capsule was pressurised with pure O2 or O3 gas"},
		{"blank line kept", "Liquid and solid O\n\n2 are clear", "Liquid and solid O\n\n2 are clear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeText(tt.in); got != tt.want {
				t.Errorf("normalizeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

const squadDev = "/work/shared/bench/squad-dev/corpus"

func TestLoadSquadDev(t *testing.T) {
	if _, err := os.Stat(squadDev); err != nil {
		t.Skipf("bench corpus not available: %v", err)
	}
	res, err := Load(t.Context(), squadDev, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 24 || len(res.Skipped) != 0 {
		t.Fatalf("loaded %d articles, skipped %v; want 24 and none", len(res.Articles), res.Skipped)
	}
	if a := res.Articles[0]; a.ID != "1973_oil_crisis" || a.Title != "1973 oil crisis" || a.Outlet != "Wikipedia (SQuAD v1.1)" {
		t.Errorf("first article: %q %q %q", a.ID, a.Title, a.Outlet)
	}
	for _, a := range res.Articles {
		if a.Title == "" || a.Text == "" {
			t.Errorf("%s: title %q, %d bytes of text", a.ID, a.Title, len(a.Text))
		}
	}
}

func BenchmarkLoadSquadDev(b *testing.B) {
	if _, err := os.Stat(squadDev); err != nil {
		b.Skipf("bench corpus not available: %v", err)
	}
	for b.Loop() {
		if _, err := Load(b.Context(), squadDev, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDefaultCorpus(b *testing.B) {
	sub, err := fs.Sub(defaultFS, "articles")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadFS(b.Context(), sub, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLoadSymlinks: links are followed inside the corpus directory only;
// a link to a file elsewhere is skipped, never read.
func TestLoadSymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "corpus")
	os.Mkdir(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "inside.md"), []byte("# Inside\n\nThe port reopened."), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"alias.md":   "inside.md",                                       // inside: followed
		"passwd.txt": secret,                                            // absolute, outside
		"up.txt":     "../../" + filepath.Base(outside) + "/secret.txt", // relative, outside
		"elsewhere":  outside,                                           // a directory outside: not walked
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "up.txt")); err != nil {
		t.Fatalf("test setup: up.txt does not reach the secret: %v", err)
	}
	res, err := Load(t.Context(), dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range res.Articles {
		ids = append(ids, a.ID)
		if strings.Contains(a.Text, "root:x:0:0") {
			t.Errorf("%s: the file outside the corpus was read", a.Path)
		}
	}
	if strings.Join(ids, ",") != "alias,inside" {
		t.Errorf("articles %v, want alias and inside", ids)
	}
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.Path] = s.Reason
	}
	for _, p := range []string{"passwd.txt", "up.txt"} {
		if !strings.Contains(skipped[p], "outside the corpus") {
			t.Errorf("%s: skipped with reason %q, want a link outside the corpus", p, skipped[p])
		}
	}
}

func TestFileTitle(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"world/taliban-march-into-kabul.md", "Taliban March Into Kabul"},
		{"notes_on_the_summit.txt", "Notes On The Summit"},
		{"Report 2025.pdf", "Report 2025"},
		{"README.md", "README"},
		{"single.md", "single"},
	} {
		if got := fileTitle(tt.path); got != tt.want {
			t.Errorf("fileTitle(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
