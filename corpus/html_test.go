package corpus

import (
	"strings"
	"testing"
	"testing/fstest"
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
