package rag

import (
	"slices"
	"testing"
)

func TestAnalyzerTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"The drones are targeting refineries", []string{"drone", "target", "refineri"}},
		{"Ukraine's long-range drones", []string{"ukrain", "long", "rang", "drone"}},
		{"Ukraine’s 3.5 billion, 1,000 troops", []string{"ukrain", "3.5", "billion", "1,000", "troop"}},
		{"Kraków and Zürich, Krakow", []string{"krakow", "zurich", "krakow"}}, // diacritics folded
		{"", nil},
		{"the of and", nil},
		{"don't stop", []string{"don't", "stop"}},
		// Irregular past forms meet their verb; a form that is often another
		// word (the political "left") is kept as it is, and "founded"
		// keeps its own stem apart from "found" (find).
		{"Starmer said; Starmer says; Starmer say", []string{"starmer", "say", "starmer", "say", "starmer", "say"}},
		{"the war began, the war begins", []string{"war", "begin", "war", "begin"}},
		{"told, tell; stolen, steal", []string{"tell", "tell", "steal", "steal"}},
		{"Kabul fell; they found it; left", []string{"kabul", "fall", "find", "left"}},
		{"founded, found", []string{"found", "find"}},
		// An acronym's plural meets the acronym; words ending in s do not
		// lose it for being capitalised.
		{"NGOs and the NGO; MPs, an MP; CEOs' pay; F16s", []string{"ngo", "ngo", "mp", "mp", "ceo", "pay", "f16"}},
		// Names spelt several ways meet; a name one edit away does not.
		{"Zelensky, Zelenskyy, Zelenskiy; Kiev and Kyiv; Gadhafi Gaddafi; Davis David", []string{"zelenskyy", "zelenskyy", "zelenskyy", "kyiv", "kyiv", "gaddafi", "gaddafi", "davi", "david"}},
		{"BUS, Gas, US, Its, Mrs Paris", []string{"bus", "gas", "us", "mrs", "pari"}},
	}
	a := NewAnalyzer()
	for _, tt := range tests {
		got := a.Terms(nil, tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestForEachWordOffsets(t *testing.T) {
	text := "Hi, Zürich’s 2.5m (ok)."
	var got []string
	forEachWord(text, func(w string, s, e int) {
		if text[s:e] != w {
			t.Errorf("offsets %d:%d give %q, want %q", s, e, text[s:e], w)
		}
		got = append(got, w)
	})
	want := []string{"Hi", "Zürich’s", "2.5m", "ok"}
	if !slices.Equal(got, want) {
		t.Errorf("words = %q, want %q", got, want)
	}
}
