package corpus

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		name  string
		html  string
		title string
		text  string
	}{
		{
			name:  "script style and nav dropped",
			html:  `<html><head><title>T</title><style>p{color:red}</style><script>alert("x")</script></head><body><nav><a href="/">Home</a></nav><p>Hello <b>bold</b> world.</p><script>evil()</script><p>Second.</p></body></html>`,
			title: "T",
			text:  "Hello bold world.\n\nSecond.",
		},
		{
			name:  "title from h1 when no title element",
			html:  `<body><h1>The  Headline</h1><p>Text.</p></body>`,
			title: "The Headline",
			text:  "The Headline\n\nText.",
		},
		{
			name:  "no title at all",
			html:  `<p>Only text.</p>`,
			title: "",
			text:  "Only text.",
		},
		{
			name:  "line breaks and lists",
			html:  `<title>L</title><body><p>one<br>two</p><ul><li>a</li><li>b <i>c</i></li></ul></body>`,
			title: "L",
			text:  "one\ntwo\n\na\n\nb c",
		},
		{
			name:  "entities and whitespace collapsed",
			html:  "<title>E</title><p>Fish &amp;\n   chips&nbsp;&mdash; &quot;yes&quot;</p>",
			title: "E",
			text:  "Fish & chips — \"yes\"",
		},
		{
			name:  "page header, footer and asides dropped",
			html:  `<title>M</title><header>Site header</header><main><header><h2>Kept header</h2></header><p>Main text.</p></main><aside>Related</aside><footer>Footer</footer>`,
			title: "M",
			text:  "Kept header\n\nMain text.",
		},
		{
			name:  "no text",
			html:  `<html><head><title>Empty</title><script>x()</script></head><body></body></html>`,
			title: "Empty",
			text:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseHTML([]byte(tt.html))
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title || normalizeText(a.Text) != tt.text {
				t.Errorf("got title %q text %q\nwant title %q text %q", a.Title, a.Text, tt.title, tt.text)
			}
		})
	}
}

func TestHTMLCharset(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"utf-8", "<title>Café</title><p>Crème brûlée.</p>", "Crème brûlée."},
		{"declared latin-1", "<meta charset=\"iso-8859-1\"><title>x</title><p>Cr\xe8me br\xfbl\xe9e.</p>", "Crème brûlée."},
		{"undeclared windows-1252", "<title>x</title><p>\x93Quoted\x94 \x96 dash</p>", "“Quoted” – dash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := LoadFS(t.Context(), fstest.MapFS{"p.html": {Data: []byte(tt.in)}}, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Articles) != 1 {
				t.Fatalf("not loaded: %v", res.Skipped)
			}
			if got := res.Articles[0].Text; got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadHTMLDropsScripts(t *testing.T) {
	res, err := Load(t.Context(), "testdata/formats", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Articles {
		if a.ID != "page" {
			continue
		}
		for _, bad := range []string{"MUST-NOT-APPEAR", "tracking", "font-family", "Home"} {
			if strings.Contains(a.Text, bad) || strings.Contains(a.Title, bad) {
				t.Errorf("page text contains %q:\n%s", bad, a.Text)
			}
		}
		return
	}
	t.Fatal("page.html not loaded")
}

// FuzzParseHTML checks that no page, however broken, panics the parser.
func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<title>T</title><nav>n</nav><p>a<br>b</p><script>x</script>`))
	f.Add([]byte("<meta charset=\"iso-8859-1\"><article><header>h</header><p>\xe9</p></article>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseHTML(htmlToUTF8(data))
	})
}

func TestParseHTMLMetadata(t *testing.T) {
	body := `<body><article><p>The refinery in Saratov was hit by drones overnight, officials said on Sunday morning.</p><p>There were no casualties, the regional governor said.</p></article></body>`
	tests := []struct {
		name string
		head string
		want Article
	}{
		{
			name: "JSON-LD only",
			head: `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},{"@type":["NewsArticle"],"headline":"Drones hit Saratov","datePublished":"2025-10-19T06:30:00+03:00","author":[{"@type":"Person","name":"Ann Reporter"},{"@type":"Person","name":"Bo Writer"}],"publisher":{"@type":"Organization","name":"The Wire"}}]}</script>`,
			want: Article{Title: "Drones hit Saratov", Outlet: "The Wire", Author: "Ann Reporter, Bo Writer", Published: time.Date(2025, 10, 19, 3, 30, 0, 0, time.UTC)},
		},
		{
			name: "Open Graph only",
			head: `<meta property="og:title" content="Saratov refinery hit"><meta property="og:site_name" content="Daily Paper"><meta property="article:published_time" content="2025-10-19"><meta property="article:author" content="https://paper.example/staff/ann"><meta name="author" content="Ann Reporter"><link rel="canonical" href="https://paper.example/saratov">`,
			want: Article{Title: "Saratov refinery hit", Outlet: "Daily Paper", Author: "Ann Reporter", Published: time.Date(2025, 10, 19, 0, 0, 0, 0, time.UTC), URL: "https://paper.example/saratov"},
		},
		{
			name: "broken JSON-LD ignored",
			head: `<title>Plain</title><script type="application/ld+json">{"@type": "NewsArticle", </script>`,
			want: Article{Title: "Plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseHTML([]byte("<html><head>" + tt.head + "</head>" + body + "</html>"))
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.want.Title || a.Outlet != tt.want.Outlet || a.Author != tt.want.Author || !a.Published.Equal(tt.want.Published) || a.URL != tt.want.URL {
				t.Errorf("got title %q outlet %q author %q published %v url %q\nwant %q %q %q %v %q",
					a.Title, a.Outlet, a.Author, a.Published, a.URL, tt.want.Title, tt.want.Outlet, tt.want.Author, tt.want.Published, tt.want.URL)
			}
			if !strings.HasPrefix(a.Text, "The refinery in Saratov") || a.Hash != Hash(a) {
				t.Errorf("text %q, hash %q", a.Text, a.Hash)
			}
		})
	}
	if _, err := ParseHTML([]byte("<html><body><script>x()</script></body></html>")); err == nil {
		t.Error("a page without text parsed")
	}
}
