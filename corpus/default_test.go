package corpus

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/adrg/frontmatter"
	"gopkg.in/yaml.v3"
)

// furniture matches lines that are page furniture, not article text.
var furniture = regexp.MustCompile(`(?i)^(read more:|live updates:|follow latest:|please use chrome browser|.*\bpic: (ap|pa|reuters)\b|.*picture date:)`)

func TestDefault(t *testing.T) {
	articles, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(articles) != 5 {
		t.Fatalf("Default() = %d articles, want 5", len(articles))
	}
	want := map[string]struct{ title, outlet, published string }{
		"coalition-of-the-willing-whos-in-whos-out":    {"Who’s in, who’s out? The ‘coalition of the willing’ that could secure peace in Ukraine", "Sky News", ""},
		"long-range-drone-strikes-weakening-russia":    {"Long-range drone strikes weakening Russia’s combat ability, senior Ukrainian commander says", "Sky News", ""},
		"taliban-march-into-kabul":                     {"Taliban March Into Kabul", "Sky News", "2021-08-22"},
		"trump-hits-out-at-zelenskyy-again":            {"Trump Hits Out At Zelenskyy Again", "Sky News", "2025-03-03"},
		"zelenskyy-coalition-of-the-willing-july-2025": {"Zelenskyy Forms 'Coalition of the Willing' Amid Renewed Russian Assaults: A 2025 Diplomatic Turning Point", "", ""},
	}
	for _, a := range articles {
		w, ok := want[a.ID]
		if !ok {
			t.Errorf("unexpected article %q", a.ID)
			continue
		}
		published := ""
		if !a.Published.IsZero() {
			published = a.Published.Format(time.DateOnly)
		}
		if a.Title != w.title || a.Outlet != w.outlet || published != w.published {
			t.Errorf("%s: title %q, outlet %q, published %q; want %q, %q, %q", a.ID, a.Title, a.Outlet, published, w.title, w.outlet, w.published)
		}
	}
	if !slices.IsSortedFunc(articles, func(a, b Article) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Default() is not sorted by ID")
	}
	for _, a := range articles {
		t.Run(a.ID, func(t *testing.T) {
			if a.Title == "" {
				t.Error("no title")
			}
			if strings.TrimSpace(a.Text) == "" {
				t.Error("no text")
			}
			if a.Hash == "" || a.Path != a.ID+".md" {
				t.Errorf("Hash = %q, Path = %q", a.Hash, a.Path)
			}
			for i, line := range strings.Split(a.Text, "\n") {
				if furniture.MatchString(line) {
					t.Errorf("line %d is page furniture: %q", i+1, line)
				}
				if line == a.Title && i > 0 {
					t.Errorf("line %d repeats the headline", i+1)
				}
			}
		})
	}
}

// TestDefaultFrontMatter checks that the front matter of every default
// article is well formed and has no field that is present but empty: a
// field the text does not support is left out, not left blank.
func TestDefaultFrontMatter(t *testing.T) {
	allowed := []string{"title", "outlet", "published", "url", "author"}
	files, err := fs.Glob(defaultFS, "articles/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no default articles: %v", err)
	}
	for _, name := range files {
		data, err := defaultFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var fm map[string]any
		if _, err := frontmatter.MustParse(strings.NewReader(string(data)), &fm, yamlFrontMatter); err != nil {
			t.Errorf("%s: front matter: %v", name, err)
			continue
		}
		for key, v := range fm {
			if !slices.Contains(allowed, key) {
				t.Errorf("%s: unexpected field %q", name, key)
			}
			if v == nil || strings.TrimSpace(yamlString(v)) == "" {
				t.Errorf("%s: field %q is present but empty", name, key)
			}
		}
	}
}

func yamlString(v any) string {
	out, _ := yaml.Marshal(v)
	s := strings.TrimSpace(string(out))
	if s == `""` || s == "null" {
		return ""
	}
	return s
}
