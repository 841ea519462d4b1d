package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseMarkdown(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Article
		wantErr string
	}{
		{"no front matter", "Body.", Article{Text: "Body."}, ""},
		{"empty front matter", "---\n---\nBody.", Article{Text: "Body."}, ""},
		{"all fields", "---\ntitle: T\noutlet: O\npublished: 2021-08-22\nurl: U\nauthor: A\n---\nBody.",
			Article{Title: "T", Outlet: "O", Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC), URL: "U", Author: "A", Text: "Body."}, ""},
		{"aliases", "---\ntitle: T\nsource: S\ndate: \"2021-08-22T10:00:00Z\"\n---\nBody.",
			Article{Title: "T", Outlet: "S", Published: time.Date(2021, 8, 22, 10, 0, 0, 0, time.UTC), Text: "Body."}, ""},
		{"canonical names win", "---\noutlet: O\nsource: S\npublished: 2021-01-01\ndate: 2022-02-02\n---\nB",
			Article{Outlet: "O", Published: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), Text: "B"}, ""},
		{"quoted date", "---\npublished: '2021-08-22'\n---\nB", Article{Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC), Text: "B"}, ""},
		{"lower-case rfc 3339", "---\ndate: \"2021-08-22t10:00:00z\"\n---\nB", Article{Published: time.Date(2021, 8, 22, 10, 0, 0, 0, time.UTC), Text: "B"}, ""},
		{"yaml timestamp", "---\ndate: 2021-08-22 10:00:00\n---\nB", Article{Published: time.Date(2021, 8, 22, 10, 0, 0, 0, time.UTC), Text: "B"}, ""},
		{"empty date", "---\npublished: \"\"\n---\nB", Article{Text: "B"}, ""},
		{"numeric title", "---\ntitle: 1984\n---\nB", Article{Title: "1984", Text: "B"}, ""},
		{"title trimmed", "---\ntitle: \"  Spaced  \"\n---\nB", Article{Title: "Spaced", Text: "B"}, ""},
		{"unknown keys ignored", "---\ntags: [a]\nextra: {x: 1}\n---\nB", Article{Text: "B"}, ""},
		{"heading title", "intro\n\n# Heading #\n\nB", Article{Title: "Heading", Text: "intro\n\n# Heading #\n\nB"}, ""},
		{"heading in code fence ignored", "```\n# not a title\n```\n# Real", Article{Title: "Real", Text: "```\n# not a title\n```\n# Real"}, ""},
		{"h2 is not a title", "## Sub\n\nB", Article{Text: "## Sub\n\nB"}, ""},
		{"hashtag is not a title", "#hashtag\n\nB", Article{Text: "#hashtag\n\nB"}, ""},
		{"front matter title beats heading", "---\ntitle: FM\n---\n# H\nB", Article{Title: "FM", Text: "# H\nB"}, ""},
		{"body kept verbatim", "---\ntitle: T\n---\n\n  *x*  \n\n\n[y](z)\n", Article{Title: "T", Text: "\n  *x*  \n\n\n[y](z)\n"}, ""},
		{"bom", "\ufeff---\ntitle: T\n---\nB", Article{Title: "T", Text: "B"}, ""},
		{"broken yaml", "---\ntitle: [x\n---\nB", Article{}, "front matter"},
		{"tab indentation", "---\ntitle: T\n\tbad: x\n---\nB", Article{}, "front matter"},
		{"unclosed", "---\ntitle: T\nB", Article{}, "no closing"},
		{"map title", "---\ntitle: {a: b}\n---\nB", Article{}, "front matter"},
		{"bad date", "---\npublished: 22/08/2021\n---\nB", Article{}, "published"},
		{"numeric date", "---\ndate: 2021\n---\nB", Article{}, "date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseMarkdown([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !a.Published.Equal(tt.want.Published) {
				t.Errorf("Published = %v, want %v", a.Published, tt.want.Published)
			}
			a.Published, tt.want.Published = time.Time{}, time.Time{}
			if !reflect.DeepEqual(a, tt.want) {
				t.Errorf("got  %#v\nwant %#v", a, tt.want)
			}
		})
	}
}

func FuzzParseMarkdown(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzParseMarkdown; these are the
	// default articles.
	files, _ := filepath.Glob("articles/*.md")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseMarkdown(data)
		if err != nil {
			return
		}
		// The body is kept verbatim: it is the end of the file.
		if !bytes.HasSuffix(data, []byte(a.Text)) {
			t.Fatalf("text %q is not a suffix of the input", a.Text)
		}
		for _, field := range []string{a.Title, a.Outlet, a.URL, a.Author} {
			if field != strings.TrimSpace(field) {
				t.Fatalf("field %q is not trimmed", field)
			}
		}
		if utf8.Valid(data) && !utf8.ValidString(a.Title) {
			t.Fatalf("title %q is not valid UTF-8", a.Title)
		}
		text := normalizeText(a.Text)
		if strings.Contains(text, "\r") || normalizeText(text) != text {
			t.Fatalf("normalizeText is not idempotent on %q", a.Text)
		}
		_ = computeHash(a)
	})
}
