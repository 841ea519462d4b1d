package rag

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckCitations(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		n            int
		want         string
		cited, inval []int
	}{
		{"valid", "Drones hit refineries [1]. Also depots [2].", 3, "Drones hit refineries [1]. Also depots [2].", []int{1, 2}, nil},
		{"invalid removed", "A claim [7]. Another [1].", 3, "A claim. Another [1].", []int{1}, []int{7}},
		{"list partly invalid", "Both [1, 9] and [0].", 2, "Both [1] and.", []int{1}, []int{9, 0}},
		{"compact list", "x [2,1]", 2, "x [2,1]", []int{2, 1}, nil},
		{"repeat", "[1] [1] [3]", 3, "[1] [1] [3]", []int{1, 3}, nil},
		{"no markers", "Nothing cited.", 3, "Nothing cited.", nil, nil},
		{"not a marker", "array[i] and [a]", 3, "array[i] and [a]", nil, nil},
		{"zero passages", "Claim [1].", 0, "Claim.", nil, []int{1}},
		{"removal joins a marker", "Claim [1[0]].", 3, "Claim [1].", []int{1}, []int{0}},
		{"joined marker invalid too", "Claim [0[0]].", 3, "Claim.", nil, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cited, inval := CheckCitations(tt.in, tt.n)
			if got != tt.want || !slices.Equal(cited, tt.cited) || !slices.Equal(inval, tt.inval) {
				t.Errorf("CheckCitations(%q, %d) = %q, %v, %v; want %q, %v, %v", tt.in, tt.n, got, cited, inval, tt.want, tt.cited, tt.inval)
			}
		})
	}
}

// TestCheckCitationsDeepNesting: markers nested 20,000 deep, each removal
// joining the next, are checked in one pass (checking the text again after
// each removal took 38 s here).
func TestCheckCitationsDeepNesting(t *testing.T) {
	s := strings.Repeat("[0", 20000) + "[0]" + strings.Repeat("]", 20000)
	start := time.Now()
	clean, cited, invalid := CheckCitations("Claim "+s+".", 3)
	if clean != "Claim." || cited != nil || !slices.Equal(invalid, []int{0}) {
		t.Errorf("got %q, %v, %v", clean, cited, invalid)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
}

func FuzzCheckCitations(f *testing.F) {
	for _, s := range []string{"A [1]. B [2, 3].", "[99999]", "[1,,2]", "x [ 1 ]", "[0] [-1]", "\xff[1]"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 60
		if n < 0 {
			n = -n
		}
		clean, cited, _ := CheckCitations(s, n)
		for _, c := range cited {
			if c < 1 || c > n {
				t.Fatalf("cited %d outside 1..%d", c, n)
			}
		}
		// Every marker left in the cleaned text is valid.
		again, cited2, invalid := CheckCitations(clean, n)
		if len(invalid) != 0 {
			t.Fatalf("cleaned text %q still has invalid markers %v", clean, invalid)
		}
		if again != clean || !slices.Equal(cited, cited2) {
			t.Fatalf("not idempotent: %q -> %q", clean, again)
		}
	})
}
