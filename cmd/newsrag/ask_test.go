package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/rag"
)

// TestPrintAnswerTailNotices: what ask prints under an answer says when it
// is unsure, incomplete or not grounded, or when misspelt words were
// corrected, and only then.
func TestPrintAnswerTailNotices(t *testing.T) {
	ok := rag.Answer{Answerable: true, Mode: rag.ModeExtracted, Grounded: true, Complete: true, Answerability: 0.93}
	tests := []struct {
		name    string
		edit    func(*rag.Answer)
		want    []string
		notWant []string
	}{
		{"sure", func(*rag.Answer) {}, nil, []string{"NOT SURE", "INCOMPLETE", "not grounded", "searched for"}},
		{"corrected", func(a *rag.Answer) {
			a.Corrections = []rag.Correction{{From: "amunition", To: "ammunition"}, {From: "goverment", To: "government"}}
		}, []string{`(searched for "ammunition" for "amunition", "government" for "goverment")`}, []string{"NOT SURE"}},
		{"unsure", func(a *rag.Answer) { a.Unsure, a.Answerability = true, 0.62 }, []string{"NOT SURE", "answerability 0.62"}, []string{"INCOMPLETE"}},
		{"incomplete", func(a *rag.Answer) { a.Complete = false }, []string{"INCOMPLETE"}, []string{"NOT SURE"}},
		{"not grounded", func(a *rag.Answer) { a.Grounded = false }, []string{"not grounded"}, []string{"NOT SURE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.edit(&a)
			var b bytes.Buffer
			printAnswerTail(&b, &a)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output %q lacks %q", b.String(), w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output %q has %q", b.String(), w)
				}
			}
		})
	}
}
