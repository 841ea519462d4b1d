package rag

import (
	"slices"
	"testing"
)

// TestFoldLatin: Latin letters lose their diacritics, letters without a
// decomposition become the ASCII letters they are written with, and other
// scripts stay as they are.
func TestFoldLatin(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"erdoğan", "erdogan"},
		{"kraków", "krakow"},
		{"schrödinger", "schrodinger"},
		{"łódź", "lodz"},
		{"straße", "strasse"},
		{"søren", "soren"},
		{"naïve", "naive"},
		{"zelenskyy", "zelenskyy"},
		{"зеленський", "зеленський"}, // Cyrillic й is a letter of its own
		{"αθήνα", "αθήνα"},
		{"3.5", "3.5"},
	} {
		if got := foldLatin(c.in); got != c.want {
			t.Errorf("foldLatin(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Written with or without the marks, a name is one term.
	a := NewAnalyzer()
	for _, pair := range [][2]string{{"Erdoğan", "Erdogan"}, {"Beyoncé's", "Beyonce"}, {"Orbán", "ORBAN"}} {
		if x, y := a.Terms(nil, pair[0]), a.Terms(nil, pair[1]); !slices.Equal(x, y) || len(x) != 1 {
			t.Errorf("%q → %v, %q → %v", pair[0], x, pair[1], y)
		}
	}
}

func BenchmarkFoldLatin(b *testing.B) {
	for b.Loop() {
		foldLatin("schrödinger")
		foldLatin("ukraine")
	}
}
